package goatcounter

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
)

// TestSessionsMerge sorts keys in runs of three spilled to files: the
// merge gives them in the order of one sort in memory.
func TestSessionsMerge(t *testing.T) {
	defer func(n int) { runKeys = n }(runKeys)
	runKeys = 3
	s := newSessions(t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	var want []sortKey
	for row := range uint32(100) {
		session := "s" + strconv.Itoa(rng.IntN(7))
		ts, event := int64(rng.IntN(5)), rng.IntN(3) == 0
		if err := s.add(session, ts, row, event); err != nil {
			t.Fatal(err)
		}
		want = append(want, s.key(session, ts, row, event))
	}
	slices.SortFunc(want, compareKeys)
	var got []sortKey
	if err := s.each(func(k sortKey) error { got = append(got, k); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(s.runs) != 34 {
		t.Errorf("%d runs spilled, want 34", len(s.runs))
	}
	if !slices.Equal(got, want) {
		t.Errorf("merged:\n%v\nwant\n%v", got, want)
	}
}

// TestImportSpills imports the fixture and the events with the sessions'
// sort spilled every two rows: the stored page views, visits and events
// are the same, and the temporary files are gone afterwards.
func TestImportSpills(t *testing.T) {
	defer func(n int) { runKeys = n }(runKeys)
	runKeys = 2
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Run("fixture", TestImportFixture)
	t.Run("events", TestImportEvents)
	if left, err := os.ReadDir(tmp); err != nil || len(left) > 0 {
		t.Errorf("left in the temporary directory: %v (%v)", left, err)
	}
}

// TestImportWithoutTemporaryDirectory: without room for the sort, the
// import stores nothing and says where it wanted to write and how to move
// it.
func TestImportWithoutTemporaryDirectory(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	s := openStore(t)
	_, err := Import(ctx, s, "example.fi", "testdata/export-v2.csv", analytics.EventConfig{}, imports.DefaultLimits, nil)
	if err == nil || !strings.Contains(err.Error(), "missing") || !strings.Contains(err.Error(), "set TMPDIR") {
		t.Fatalf("error %v, want one naming the directory and TMPDIR", err)
	}
	if list, err := s.Imports(ctx, "example.fi"); err != nil || len(list) > 0 {
		t.Errorf("imports %v (%v), want none", list, err)
	}
}

// TestImportFileChangedBetweenPasses: a file that changes after it was
// checked (here a row more, and one less) stores nothing, and an earlier
// import of it stays as it was.
func TestImportFileChangedBetweenPasses(t *testing.T) {
	data, err := os.ReadFile("testdata/export-v2.csv")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	first, err := Import(ctx, s, "example.fi", path, analytics.EventConfig{}, imports.DefaultLimits, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, changed := range map[string]string{
		"a row more": string(data) + "/uusi,,false,,Firefox 88,Linux,s7,0,,,,FI,true,2025-06-01T12:00:00Z\n",
		"a row less": string(data[:strings.LastIndex(strings.TrimRight(string(data), "\r\n"), "\n")+1]),
	} {
		t.Run(name, func(t *testing.T) {
			defer func(f func()) { testHookPassed = f }(testHookPassed)
			testHookPassed = func() {
				if err := os.WriteFile(path, []byte(changed), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			defer os.WriteFile(path, data, 0o600)
			_, err := Import(ctx, s, "example.fi", path, analytics.EventConfig{}, imports.DefaultLimits, nil)
			if err == nil || !strings.Contains(err.Error(), "changed while it was imported") {
				t.Fatalf("error %v, want the file changed", err)
			}
			list, err := s.Imports(ctx, "example.fi")
			if err != nil || len(list) != 1 || list[0].ID != first.Import.ID {
				t.Errorf("imports %+v (%v), want only the first", list, err)
			}
			if r := report(t, s); r.Totals.PageViews != 9 || r.Totals.Bots != 1 {
				t.Errorf("totals %+v, want the first import's 9 page views and 1 bot", r.Totals)
			}
		})
	}
}
