package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

func openTest(t testing.TB, opts ...Option) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seloste.db")
	s, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestOpenPragmasAndSchemaVersion(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var sync, busy, version, pageSize int
	s.db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize)
	if pageSize != 16384 {
		t.Errorf("page_size = %d, want 16384", pageSize)
	}
	s.db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync)
	s.db.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy)
	s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version)
	if sync != 2 || busy != 10000 || version != SchemaVersion {
		t.Errorf("synchronous=%d busy_timeout=%d user_version=%d; want 2 (FULL), 10000, %d", sync, busy, version, SchemaVersion)
	}
	s.Close()
	// Reopening an up-to-date database changes nothing.
	s2, err := Open(ctx, path, MustExist())
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
}

func TestOpenMustExist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.db")
	_, err := Open(context.Background(), path, MustExist())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
	if _, statErr := filepath.Glob(path + "*"); statErr != nil {
		t.Fatal(statErr)
	}
	if m, _ := filepath.Glob(path + "*"); len(m) != 0 {
		t.Errorf("Open with MustExist created %v", m)
	}
}

func TestOpenNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	if _, err := s.db.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("Open accepted a database from a newer seloste")
	}
}

func TestAppendRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var b analytics.Batch
	for i := range 123 { // not a multiple of insertChunk: exercises the tail statement
		b.PageViews = append(b.PageViews, analytics.PageView{
			Time: t0.Add(time.Duration(i) * time.Second), Site: "example.fi",
			Visitor: ^uint64(0) - uint64(i), Visit: 1 << 63, ID: fmt.Sprintf("pv%d", i),
			Path: "/a", UTMSource: "x", ReferrerHost: "duckduckgo.com", Country: "FI", Region: "18",
			City: "Helsinki", Browser: "Firefox", BrowserVersion: "133", OS: "Linux", Device: analytics.DeviceDesktop,
		})
	}
	b.Leaves = []analytics.Leave{{Time: t0.Add(time.Minute), Site: "example.fi", PageView: "pv0", Duration: 1500 * time.Millisecond}}
	b.Bots = []analytics.BotHit{{Time: t0, Site: "example.fi"}, {Time: t0, Site: "example.fi"}}
	if err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	var n, nl, nb int
	s.db.QueryRow(`SELECT COUNT(*) FROM pageviews`).Scan(&n)
	s.db.QueryRow(`SELECT COUNT(*) FROM leaves`).Scan(&nl)
	s.db.QueryRow(`SELECT COUNT(*) FROM bots`).Scan(&nb)
	if n != 123 || nl != 1 || nb != 2 {
		t.Fatalf("counts %d %d %d, want 123 1 2", n, nl, nb)
	}
	var (
		visitor, visit, ts, dur int64
		city, dev               string
	)
	s.db.QueryRow(`SELECT p.visitor, p.visit, p.ts, places.city, agents.device FROM pageviews p`+joins+` WHERE p.pageview_id = 'pv5'`).
		Scan(&visitor, &visit, &ts, &city, &dev)
	if uint64(visitor) != ^uint64(0)-5 || uint64(visit) != 1<<63 || ts != t0.Unix()+5 || city != "Helsinki" || dev != "desktop" {
		t.Errorf("row pv5 = %d %d %d %q %q", uint64(visitor), uint64(visit), ts, city, dev)
	}
	// Values repeated by every page view are stored once.
	for _, d := range dictionaries {
		var rows int
		s.db.QueryRow(`SELECT COUNT(*) FROM ` + d.table).Scan(&rows)
		if rows != 1 {
			t.Errorf("%s has %d rows, want 1", d.table, rows)
		}
	}
	s.db.QueryRow(`SELECT duration_ms FROM leaves`).Scan(&dur)
	if dur != 1500 {
		t.Errorf("duration_ms = %d, want 1500", dur)
	}
}

func TestAppendAllOrNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, _ := openTest(t)
	cancel()
	b := analytics.Batch{PageViews: make([]analytics.PageView, 10)}
	if err := s.Append(ctx, b); err == nil {
		t.Fatal("Append with a cancelled context succeeded")
	}
	var n int
	s.db.QueryRow(`SELECT COUNT(*) FROM pageviews`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d rows stored by a failed Append", n)
	}
}

// TestSaltTwoStoresOneFile races two Stores on the same file, as two
// processes would: the first writer's salt wins for both. (One Store's
// concurrent callers and the salt rules are in analytics/storetest.)
func TestSaltTwoStoresOneFile(t *testing.T) {
	ctx := context.Background()
	s, path := openTest(t)
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	day := time.Date(2026, 3, 1, 23, 59, 59, 0, time.UTC)
	var wg sync.WaitGroup
	got := make([][]byte, 16)
	for i := range got {
		wg.Go(func() {
			st := s
			if i%2 == 1 {
				st = s2
			}
			salt, err := st.Salt(ctx, day.Add(-time.Duration(i)*time.Hour))
			if err != nil {
				t.Error(err)
			}
			got[i] = salt
		})
	}
	wg.Wait()
	for i := range got {
		if len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("salt %d = %x, want the same 32 bytes as %x", i, got[i], got[0])
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	s, _ := openTest(b)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const batch = 500
	batches := make([]analytics.Batch, 16)
	for k := range batches {
		for i := range batch {
			batches[k].PageViews = append(batches[k].PageViews, analytics.PageView{
				Time: t0.Add(time.Duration(i) * time.Second), Site: "example.fi",
				Visitor: uint64(i * 7919), Visit: uint64(i * 104729), ID: fmt.Sprintf("pv%d-%d", k, i),
				Path: "/blogi/2026/jotain", ReferrerHost: "duckduckgo.com", Country: "FI", Region: "18",
				City: "Helsinki", Browser: "Firefox", BrowserVersion: "133", OS: "Linux", Device: analytics.DeviceDesktop,
			})
		}
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// Time moves on, as it does for the collector: rows append to the
		// end of the (site, ts) index.
		bt := batches[i%len(batches)]
		for j := range bt.PageViews {
			bt.PageViews[j].Time = t0.Add(time.Duration(i*batch+j) * time.Millisecond)
		}
		if err := s.Append(ctx, bt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "pageviews/s")
}

// TestRollupBuildShowsProgress: a rebuild of many days says how far it is.
func TestRollupBuildShowsProgress(t *testing.T) {
	day := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	now := day.AddDate(0, 0, 45)
	var progress bytes.Buffer
	s, _ := openTest(t, WithClock(func() time.Time { return now }), WithProgress(&progress))
	var b analytics.Batch
	for d := range 40 {
		b.PageViews = append(b.PageViews, analytics.PageView{Time: day.AddDate(0, 0, d), Site: "example.fi", Visitor: uint64(d), Visit: uint64(d), ID: fmt.Sprint(d), Path: "/"})
	}
	if err := s.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if err := s.Maintain(context.Background(), time.UTC); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(progress.String()), "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[len(lines)-1], "seloste: rollups (UTC): ") || !strings.HasSuffix(lines[len(lines)-1], " days") {
		t.Errorf("progress:\n%s", progress.String())
	}
}

// TestOpenRefusesOtherDatabases: a SQLite file of another program is
// refused before anything is written to it, and stays byte for byte the
// same.
func TestOpenRefusesOtherDatabases(t *testing.T) {
	for name, setup := range map[string]string{
		"foreign tables":         `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello')`,
		"foreign application id": `PRAGMA application_id = 42; CREATE TABLE t (x)`,
		"a pageviews table only": `CREATE TABLE pageviews (ts INTEGER, site TEXT); PRAGMA user_version = 3`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.db")
			other, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := other.Exec(setup); err != nil {
				t.Fatal(err)
			}
			other.Close()
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s, err := Open(context.Background(), path)
			if err == nil {
				s.Close()
				t.Fatal("opened another program's database")
			}
			if !strings.Contains(err.Error(), "left unchanged") || !strings.Contains(err.Error(), "-db") {
				t.Errorf("error %q does not say what happened and what to do", err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("the refused file changed")
			}
			if _, err := os.Stat(path + "-wal"); err == nil {
				t.Error("a WAL file was made for the refused database")
			}
		})
	}
	// A file that is not a database at all.
	path := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(path, []byte("not a database, just some notes that are long enough to have a header\n"), 0o644)
	if s, err := Open(context.Background(), path); err == nil {
		s.Close()
		t.Fatal("opened a text file")
	} else if !strings.Contains(err.Error(), "-db") {
		t.Errorf("error %q does not say what to do", err)
	}
}

// TestErasedValuesLeaveTheFile: after an erasure and a purge, the erased
// and purged values are nowhere in the database file or its WAL, not even
// in free pages.
func TestErasedValuesLeaveTheFile(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	now := day.Add(50 * time.Hour)
	s, path := openTest(t, WithClock(func() time.Time { return now }))
	pv := func(at time.Time, visitor uint64, path, ref, city string) analytics.PageView {
		return analytics.PageView{Time: at, Site: "example.fi", Visitor: visitor, Visit: visitor, ID: fmt.Sprint("pv", visitor),
			Path: path, ReferrerHost: ref, Country: "FI", City: city, Browser: "Firefox", OS: "Linux"}
	}
	var b analytics.Batch
	for i := range 300 { // enough rows to fill pages, so that free pages matter
		b.PageViews = append(b.PageViews, pv(day.Add(time.Duration(i)*time.Minute), uint64(1000+i), "/common", "", "Helsinki"))
	}
	b.PageViews = append(b.PageViews,
		pv(day.Add(25*time.Hour), 1, "/erased-path-7f3a", "erased-referrer-7f3a.example", "Erasedcity7f3a"),
		pv(day.Add(2*time.Hour), 2, "/purged-path-9c1d", "purged-referrer-9c1d.example", "Purgedcity9c1d"))
	if err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.Maintain(ctx, time.UTC); err != nil { // rollups and packed days hold the values too
		t.Fatal(err)
	}
	if _, err := s.DeleteVisitor(ctx, "example.fi", 1, day.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Purge(ctx, day.Add(3*time.Hour), now); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(path + suffix)
		if err != nil && suffix == "" {
			t.Fatal(err)
		}
		for _, v := range []string{"erased-path-7f3a", "erased-referrer-7f3a", "Erasedcity7f3a", "purged-path-9c1d", "purged-referrer-9c1d", "Purgedcity9c1d"} {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("%q is still in the file %s", v, filepath.Base(path+suffix))
			}
		}
	}
	// What was not erased is still reported.
	r, err := s.Report(ctx, analytics.Query{Site: "example.fi", From: day, To: day.AddDate(0, 0, 1), Zone: time.UTC})
	if err != nil || r.Totals.PageViews == 0 {
		t.Fatalf("report after erasure: %+v, %v", r.Totals, err)
	}
}
