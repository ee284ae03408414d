// Package importbench holds what the import benchmarks share: exports
// generated as streams (gen.go), and the peak resident memory of a child
// process. The peak is the child's high-water mark as the kernel keeps it
// (ru_maxrss, the same figure as VmHWM): everything the import touched
// counts, heap, stacks, buffers and the store's mapped pages.
package importbench

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

// PeakMB is a finished process's peak resident memory in MB (10^6 bytes);
// ok is false where the kernel does not say.
func PeakMB(st *os.ProcessState) (mb float64, ok bool) {
	kib, ok := maxRSS(st)
	return float64(kib) * 1024 / 1e6, ok
}

// Measure re-runs the test binary for benchmark (its full name) alone,
// with env added, and returns the child's peak resident memory in MB: the
// benchmark sees Child there and does its work once. It skips where the
// kernel does not report the peak.
func Measure(b *testing.B, benchmark string, env ...string) float64 {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^"+benchmark+"$", "-test.benchtime=1x")
	cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child %s: %v\n%s", benchmark, err, out)
	}
	mb, ok := PeakMB(cmd.ProcessState)
	if !ok {
		b.Skip("peak RSS is read from Linux's ru_maxrss")
	}
	b.Logf("%s: peak RSS %.1f MB; the child said:\n%s", benchmark, mb, out)
	return mb
}
