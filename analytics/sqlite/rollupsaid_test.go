package sqlite

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// TestRollupSaidOnlyWhenItRuns: the roll-up is announced, with its
// progress, when the store has days to roll up (the first time, and again
// after an import replaced rolled-up records), and not when it has none.
func TestRollupSaidOnlyWhenItRuns(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	now := day.AddDate(0, 0, 100)
	var progress bytes.Buffer
	s, _ := openTest(t, WithClock(func() time.Time { return now }), WithProgress(&progress))
	importDays := func() {
		t.Helper()
		imp := analytics.Import{Site: "example.fi", Source: "test", Key: "the same file"}
		_, _, err := s.AppendImport(ctx, imp, func(put func(analytics.Batch) error) (string, error) {
			var b analytics.Batch
			for d := range 40 {
				b.PageViews = append(b.PageViews, analytics.PageView{Time: day.AddDate(0, 0, d), Site: "example.fi",
					Visitor: uint64(d + 1), Visit: uint64(d + 1), ID: strconv.Itoa(d), Path: "/"})
			}
			return "", put(b)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	said := regexp.MustCompile(`seloste: rolling up (\d+) days for fast reports \(UTC\)\.\.\.\n`)
	// What the store did: a trigger counts the days whose rollup row it
	// wrote.
	if _, err := s.db.ExecContext(ctx, `
		CREATE TABLE test_rolled (day TEXT);
		CREATE TRIGGER test_rolled AFTER INSERT ON rollup_days BEGIN INSERT INTO test_rolled VALUES (new.day); END`); err != nil {
		t.Fatal(err)
	}
	rolled := func() int {
		t.Helper()
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM test_rolled`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.ExecContext(ctx, `DELETE FROM test_rolled`); err != nil {
			t.Fatal(err)
		}
		return n
	}

	importDays()
	if err := s.Maintain(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	m := said.FindStringSubmatch(progress.String())
	if n := rolled(); n != 40 || m == nil || m[1] != "100" {
		t.Fatalf("first roll-up wrote %d days and said:\n%s\nwant 40 days written (of 100 rolled up, the first page view to yesterday)", n, progress.String())
	}
	if want := "seloste: rollups (UTC): 100 of 100 days\n"; !bytes.HasSuffix(progress.Bytes(), []byte(want)) {
		t.Errorf("first roll-up's progress:\n%s\nwant it to end %q", progress.String(), want)
	}

	progress.Reset()
	if err := s.Maintain(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	if n := rolled(); n != 0 || progress.Len() > 0 {
		t.Errorf("nothing to roll up: %d days written, and it said:\n%s", n, progress.String())
	}

	// The same file again: replacing deletes rolled-up records, which
	// drops the zone's rollups (as an erasure does, forgetInRollups), so
	// every day is rolled up again, and said.
	progress.Reset()
	importDays()
	if err := s.Maintain(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	m = said.FindStringSubmatch(progress.String())
	if n := rolled(); n != 40 || m == nil || m[1] != "100" {
		t.Errorf("after importing the same file again: %d days written, and it said:\n%s\nwant 40 days written, rolling up 100", n, progress.String())
	}
}
