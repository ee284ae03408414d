// Package peakrss measures the peak resident memory of work run in a
// child process: the benchmark re-runs its own test binary for the one
// benchmark, which then does the work once and exits, and the parent reads
// the child's high-water mark from the kernel (ru_maxrss, the same figure
// as VmHWM). Everything the work touched counts: heap, stacks, buffers and
// the store's mapped pages.
package peakrss

import (
	"os"
	"os/exec"
	"testing"
)

// childEnv marks the child process.
const childEnv = "SELOSTE_PEAKRSS_CHILD"

// Child reports whether this process is the child of Measure: the
// benchmark then does its work once and returns.
func Child() bool { return os.Getenv(childEnv) != "" }

// Measure runs benchmark (its full name) in a child process with env added
// and returns the child's peak resident memory in MB (10^6 bytes). It skips
// where the kernel does not report the peak.
func Measure(b *testing.B, benchmark string, env ...string) float64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^"+benchmark+"$", "-test.benchtime=1x")
	cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child %s: %v\n%s", benchmark, err, out)
	}
	kib, ok := maxRSS(cmd.ProcessState)
	if !ok {
		b.Skip("peak RSS is read from Linux's ru_maxrss")
	}
	mb := float64(kib) * 1024 / 1e6
	b.Logf("%s: peak RSS %.1f MB; the child said:\n%s", benchmark, mb, out)
	return mb
}
