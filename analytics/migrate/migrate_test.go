package migrate_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/clickhouse"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/clickhouse/chtest/chstore"
	"github.com/seloste/seloste/analytics/migrate"
	"github.com/seloste/seloste/analytics/sqlite"
	"github.com/seloste/seloste/analytics/storetest"
)

// TestSQLiteToClickHouseAndBack copies the known-answer data set from a
// SQLite file whose visible times are settled (folded into the page views)
// into ClickHouse and from there into a new SQLite file: every known
// answer holds on each side.
func TestSQLiteToClickHouseAndBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hel := helsinki(t)
	ev := storetest.Generate(storetest.Small)
	src := openSQLite(t, "seloste.db")
	load(t, src, ev)
	// Settles the visible times: most leaves are folded and deleted.
	if err := src.Maintain(ctx, hel); err != nil {
		t.Fatal(err)
	}

	ch := openClickHouse(t)
	var progress strings.Builder
	if err := migrate.Copy(ctx, src, ch, hel, now, &progress); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "both report") {
		t.Errorf("no comparison in the progress lines:\n%s", progress.String())
	}
	checkCases(t, ch, ev, now)

	back := openSQLite(t, "back.db")
	if err := migrate.Copy(ctx, ch, back, hel, now, nil); err != nil {
		t.Fatal(err)
	}
	checkCases(t, back, ev, now)

	// Into a store that has records: refused, nothing copied.
	if err := migrate.Copy(ctx, src, back, hel, now, nil); err == nil || !strings.Contains(err.Error(), "already has page views") {
		t.Errorf("copy into a store with records: %v", err)
	}
	checkCases(t, back, ev, now)
}

// now is the tests' clock: three months after the data set's start, so
// that every day of it is finished.
var now = storetest.Small.Start.AddDate(0, 3, 0)

func helsinki(t *testing.T) *time.Location {
	hel, err := time.LoadLocation(analytics.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	return hel
}

// openSQLite opens a new SQLite file of t's, its clock at now.
func openSQLite(t *testing.T, name string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), name), sqlite.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openClickHouse opens a new database on a server of t's own, its clock
// at now.
func openClickHouse(t *testing.T) *clickhouse.Store {
	t.Helper()
	srv := chtest.Start(t)
	return chstore.Open(t, now, srv.DSN, srv)
}

func load(t *testing.T, st analytics.Appender, ev storetest.Events) {
	t.Helper()
	for _, b := range ev.Batches(500) {
		if err := st.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
}

func checkCases(t *testing.T, r analytics.Reporter, ev storetest.Events, now time.Time, cases ...storetest.Case) {
	t.Helper()
	if len(cases) == 0 {
		cases = storetest.Cases
	}
	for _, c := range cases {
		q, err := c.Query()
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Report(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if diff := storetest.Compare(got, storetest.Expect(ev, q, now)); diff != "" {
			t.Errorf("%s: %s", c.Name, diff)
		}
	}
}

// TestImportsMigrate copies imports both ways: imported aggregates arrive
// as the same imports (a site with imports only too), an import of records
// as its records; the known answers, imported days included, hold on
// each side.
func TestImportsMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hel := helsinki(t)
	ev := storetest.Generate(storetest.Small)
	src := openSQLite(t, "seloste.db")
	load(t, src, ev)
	put := func(site, key, from, to string, seed uint64) []analytics.ImportedRow {
		t.Helper()
		rows := storetest.GenerateImported(seed, from, to)
		if _, _, err := src.PutImport(ctx, analytics.Import{Site: site, Source: "plausible", Key: key, Summary: "generated"},
			func(put func(analytics.ImportedRow) error) (string, error) {
				for _, r := range rows {
					if err := put(r); err != nil {
						return "", err
					}
				}
				return "generated rows", nil
			}); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	rows := map[string][]analytics.ImportedRow{
		"a.example": put("a.example", "a-file", "2026-03-12", "2026-03-20", 1),
		"c.example": put("c.example", "c-file", "2026-03-01", "2026-03-05", 2), // no page view
	}
	// An import of records: b.example's first page views, five days early.
	var history []analytics.PageView
	for _, p := range ev.PageViews {
		if p.Site == "b.example" && len(history) < 40 {
			p.ID, p.Time = "h"+p.ID, p.Time.AddDate(0, 0, -5)
			history = append(history, p)
		}
	}
	if _, _, err := src.AppendImport(ctx, analytics.Import{Site: "b.example", Source: "goatcounter", Key: "b-export"},
		func(put func(analytics.Batch) error) (string, error) {
			return "40 page views", put(analytics.Batch{PageViews: history})
		}); err != nil {
		t.Fatal(err)
	}
	if err := src.Maintain(ctx, hel); err != nil {
		t.Fatal(err)
	}
	ev.PageViews = append(history, ev.PageViews...)
	cases := append(append(slices.Clip(storetest.ImportedCases), storetest.Cases...),
		storetest.Case{Name: "imports only", Site: "c.example", From: "2026-02-28", To: "2026-03-06"},
		storetest.Case{Name: "imported records", Site: "b.example", From: "2026-03-18", To: "2026-03-30"})

	// model is ev with the imports of st, which must be the source's (but
	// for the import of records in a copy).
	model := func(t *testing.T, st analytics.ImportStore) storetest.Events {
		t.Helper()
		m := ev
		m.Imports = nil
		for _, site := range []string{"a.example", "b.example", "c.example"} {
			want, err := src.Imports(ctx, site)
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.Imports(ctx, site)
			if err != nil {
				t.Fatal(err)
			}
			if site == "b.example" && st != analytics.ImportStore(src) {
				want = nil // records, not an import
			}
			if len(got) != len(want) {
				t.Fatalf("%s: imports %+v, want %+v", site, got, want)
			}
			for i, imp := range got {
				w := want[i]
				if imp.Source != w.Source || imp.Key != w.Key || imp.Summary != w.Summary || imp.From != w.From || imp.To != w.To ||
					imp.Days != w.Days || imp.PageViews != w.PageViews {
					t.Errorf("%s: import %+v, want %+v", site, imp, w)
				}
				if rows[site] == nil {
					continue // records, in ev.PageViews
				}
				r := slices.Clone(rows[site])
				for j := range r {
					r[j].Import = imp.ID
				}
				m.Imports = append(m.Imports, storetest.ModelImport{Import: imp, Rows: r})
			}
		}
		return m
	}
	checkCases(t, src, model(t, src), now, cases...)

	ch := openClickHouse(t)
	var progress strings.Builder
	if err := migrate.Copy(ctx, src, ch, hel, now, &progress); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"c.example: import 2 (plausible", "c.example: both report", "holds records: copied as records"} {
		if !strings.Contains(progress.String(), line) {
			t.Errorf("no %q in the progress lines:\n%s", line, progress.String())
		}
	}
	checkCases(t, ch, model(t, ch), now, cases...)

	back := openSQLite(t, "back.db")
	if err := migrate.Copy(ctx, ch, back, hel, now, nil); err != nil {
		t.Fatal(err)
	}
	checkCases(t, back, model(t, back), now, cases...)

	// Into a store with imports and no page view: refused.
	empty := openSQLite(t, "empty.db")
	put2 := func(put func(analytics.ImportedRow) error) (string, error) {
		return "", put(rows["c.example"][0])
	}
	if _, _, err := empty.PutImport(ctx, analytics.Import{Site: "c.example", Source: "plausible", Key: "x"}, put2); err != nil {
		t.Fatal(err)
	}
	if err := migrate.Copy(ctx, src, empty, hel, now, nil); err == nil || !strings.Contains(err.Error(), "already has imports") {
		t.Errorf("copy into a store with imports: %v", err)
	}
}

// TestAnnotationsMigrate copies the owner's notes with the records: every
// note arrives with its site, day, text and creation time, and a store
// that already holds notes is refused. SQLite to SQLite: the notes' SQL of
// each engine is held to the same answers by the shared suite.
func TestAnnotationsMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	hel := helsinki(t)
	src := openSQLite(t, "seloste.db")
	t0 := storetest.Small.Start.Add(10 * time.Hour)
	if err := src.Append(ctx, analytics.Batch{PageViews: []analytics.PageView{
		{Time: t0, Site: "a.example", Visitor: 1, Visit: 1, ID: "p1", Path: "/"},
	}}); err != nil {
		t.Fatal(err)
	}
	var want []analytics.Annotation
	for _, a := range []analytics.Annotation{
		{Site: "a.example", Day: "2026-03-25", Text: "Uusi hinnasto", Created: t0},
		{Site: "notes-only.example", Day: "2026-03-01", Text: "deploy", Created: t0.Add(time.Hour)},
	} {
		stored, err := src.AddAnnotation(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, stored)
	}
	dst := openSQLite(t, "copy.db")
	var progress strings.Builder
	if err := migrate.Copy(ctx, src, dst, hel, now, &progress); err != nil {
		t.Fatal(err)
	}
	got, err := dst.Annotations(ctx, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	same := func(a, b analytics.Annotation) bool {
		return a.Site == b.Site && a.Day == b.Day && a.Text == b.Text && a.Created.Equal(b.Created)
	}
	if !slices.EqualFunc(got, want, same) {
		t.Errorf("copied notes %+v, want %+v", got, want)
	}
	if !strings.Contains(progress.String(), "copied 2 notes") {
		t.Errorf("no note count in the progress lines:\n%s", progress.String())
	}
	withNotes := openSQLite(t, "notes.db")
	if _, err := withNotes.AddAnnotation(ctx, analytics.Annotation{Site: "x.example", Day: "2026-03-01", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := migrate.Copy(ctx, src, withNotes, hel, now, nil); err == nil || !strings.Contains(err.Error(), "already has notes") {
		t.Errorf("copy into a store with notes: %v", err)
	}
}
