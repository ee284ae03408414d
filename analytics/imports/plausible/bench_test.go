package plausible

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/imports"
	"github.com/seloste/seloste/analytics/imports/importbench"
)

// BenchmarkImport3Years imports three years of daily aggregates for 1,000
// pages (1.1 M page rows, with the days' totals and entry pages) into an
// empty store. Target: ≤ 10 s.
func BenchmarkImport3Years(b *testing.B) {
	dir := b.TempDir()
	err := importbench.Plausible(false, func(name string) (io.Writer, func() error, error) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, nil, err
		}
		return f, f.Close, nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		s := openStore(b, time.Now())
		b.StartTimer()
		res, err := Import(ctx, s, "example.fi", dir, imports.DefaultLimits, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Rows), "rows/op")
	}
}

// BenchmarkImportRSS imports a zip of three years for 1,000 pages, every
// table (importbench.Plausible: 1.5 M rows), in a child process and reports its peak resident
// memory. Target: ≤ 200 MB, whatever the file's size.
//
//	go test -run '^$' -bench ImportRSS -benchtime 1x -timeout 30m ./analytics/imports/plausible/
func BenchmarkImportRSS(b *testing.B) {
	if importbench.Child() {
		s := openStore(b, time.Now())
		res, err := Import(ctx, s, "example.fi", os.Getenv("SELOSTE_BENCH_FILE"), imports.DefaultLimits, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%d rows", res.Rows)
		return
	}
	path := filepath.Join(b.TempDir(), "export.zip")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	z := zip.NewWriter(f)
	err = importbench.Plausible(true, func(name string) (io.Writer, func() error, error) {
		w, err := z.Create(name)
		return w, func() error { return nil }, err
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := z.Close(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		b.ReportMetric(importbench.Measure(b, "BenchmarkImportRSS", "SELOSTE_BENCH_FILE="+path), "peak-MB")
	}
}
