package main

import (
	"archive/zip"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/seloste/seloste/analytics/imports/importbench"
)

// BenchmarkImportRSS runs the seloste binary's imports as child processes
// and reports each one's peak resident memory (its high-water mark, all
// of the process): GoatCounter's export of 5,000,000 rows gzipped, and a
// Plausible export of three years for 1,000 pages, every table, zipped.
// Target: ≤ 200 MB each, whatever the file's size. SELOSTE_BENCH_BINARY
// names another build to measure (an older one, to compare).
//
//	go test -run '^$' -bench ImportRSS -benchtime 1x -timeout 60m ./cmd/seloste/
func BenchmarkImportRSS(b *testing.B) {
	bin := os.Getenv("SELOSTE_BENCH_BINARY")
	if bin == "" {
		bin = selosteBinary(b)
	}
	content := statementWithImported(b)
	dir := b.TempDir()
	goat := filepath.Join(dir, "goatcounter.csv.gz")
	if err := writeStream(goat, func(w io.Writer) error {
		z := gzip.NewWriter(w)
		if err := importbench.GoatCounter(z, 5_000_000, 1000); err != nil {
			return err
		}
		return z.Close()
	}); err != nil {
		b.Fatal(err)
	}
	plausible := filepath.Join(dir, "plausible.zip")
	if err := writeStream(plausible, func(w io.Writer) error {
		z := zip.NewWriter(w)
		err := importbench.Plausible(true, func(name string) (io.Writer, func() error, error) {
			f, err := z.Create(name)
			return f, func() error { return nil }, err
		})
		if err != nil {
			return err
		}
		return z.Close()
	}); err != nil {
		b.Fatal(err)
	}
	for _, source := range []struct{ name, path string }{{"goatcounter", goat}, {"plausible", plausible}} {
		b.Run(source.name, func(b *testing.B) {
			for b.Loop() {
				db := filepath.Join(b.TempDir(), "seloste.db")
				cmd := exec.Command(bin, "import", source.name, "-db", db, "-site", "example.fi", "-content", content, source.path)
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("seloste import %s: %v\n%s", source.name, err, out)
				}
				mb, ok := importbench.PeakMB(cmd.ProcessState)
				if !ok {
					b.Skip("peak RSS is read from Linux's ru_maxrss")
				}
				b.Logf("peak RSS %.1f MB; seloste said:\n%s", mb, out)
				b.ReportMetric(mb, "peak-MB")
			}
		})
	}
}

// writeStream writes path with what write writes.
func writeStream(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
