package plausible

import (
	"archive/zip"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
	"github.com/seloste/seloste/analytics/sqlite"
	"github.com/seloste/seloste/analytics/storetest"
)

var ctx = context.Background()

func openStore(t testing.TB, now time.Time) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seloste.db"), sqlite.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// roundTripData is the known-answer data set without location drift:
// Plausible's locations are a row per place, so a visitor seen in two
// places in one day would count in both.
var roundTripData = func() storetest.Config {
	c := storetest.Small
	c.Drift = 0
	c.Variety = 40 // more referrers and cities
	return c
}()

// sqliteOpener opens an empty SQLite store whose clock says now.
func sqliteOpener(t *testing.T, now time.Time) storetest.Engine { return openStore(t, now) }

// TestRoundTrip runs roundTrip on SQLite, into a directory and a zip;
// TestRoundTripClickHouse (clickhouse_test.go) on ClickHouse.
func TestRoundTrip(t *testing.T) {
	for _, out := range []string{"export", "export.zip"} {
		t.Run(out, func(t *testing.T) { roundTrip(t, sqliteOpener, out) })
	}
}

// roundTrip: native data → Export → Import into an empty store gives, for
// the exported days, the same totals, series and rows of every breakdown
// the format carries (the package documentation names what it does not);
// the imported data exported again and imported into a third store gives
// every number of the second.
func roundTrip(t *testing.T, open storetest.Opener, name string) {
	now := roundTripData.Start.AddDate(0, 1, 0)
	native := open(t, now)
	for _, b := range storetest.Generate(roundTripData).Batches(500) {
		if err := native.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := native.(analytics.Maintainer).Maintain(ctx, zone(t)); err != nil {
		t.Fatal(err)
	}
	from := roundTripData.Start
	to := from.AddDate(0, 0, roundTripData.Days-1)
	out := filepath.Join(t.TempDir(), name)
	res, err := Export(ctx, native, "a.example", from, to, zone(t), out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 10 || res.Days == 0 || res.From != "2026-03-24" || res.To != "2026-04-02" || res.Partial {
		t.Fatalf("export wrote %v for %d days, %s to %s (partial %v)", res.Files, res.Days, res.From, res.To, res.Partial)
	}
	if _, err := Export(ctx, native, "a.example", from, to, zone(t), out, nil); err == nil || !strings.Contains(err.Error(), "not overwritten") {
		t.Errorf("export over an existing output: %v", err)
	}

	imported := open(t, now)
	got, err := Import(ctx, imported, "a.example", out, imports.DefaultLimits, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Import.PageViews != res.PageViews || got.Replaced != "" {
		t.Errorf("imported %d page views (replaced %q), exported %d", got.Import.PageViews, got.Replaced, res.PageViews)
	}
	// The same files again replace the import.
	again, err := Import(ctx, imported, "a.example", out, imports.DefaultLimits, nil)
	if err != nil || again.Replaced != got.Import.ID {
		t.Errorf("importing again: replaced %q, %v; want %s replaced", again.Replaced, err, got.Import.ID)
	}
	if list, _ := imported.Imports(ctx, "a.example"); len(list) != 1 {
		t.Errorf("after importing twice: %d imports, want 1", len(list))
	}

	q := analytics.Query{Site: "a.example", From: analytics.Midnight(from, zone(t)), To: analytics.Midnight(to, zone(t)), Zone: zone(t)}
	want, err := native.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	have, err := imported.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if have.Imported == nil || !have.Imported.Included || have.Imported.Days != res.Days {
		t.Fatalf("imported report: %+v, want %d imported days", have.Imported, res.Days)
	}
	if len(want.Breakdowns[analytics.DimPage]) < 5 || len(want.Breakdowns[analytics.DimRegion]) < 3 || len(want.Breakdowns[analytics.DimUTMSource]) < 3 ||
		len(want.Breakdowns[analytics.DimReferrer]) < 10 || want.Totals.Visits == 0 {
		t.Fatal("the native report is too small to compare")
	}
	compareTotals(t, "native → import", have, want, res.Days)
	compareEvents(t, have, want)
	compareBreakdowns(t, have, want, sumsOfSources(t, native, q))

	// Filtered by one referrer, or by direct visits and one tag, the
	// import has the native visits; page views, bounces and durations
	// per source are not exported (0).
	var filters [][]analytics.Filter
	for _, row := range want.Breakdowns[analytics.DimReferrer] {
		filters = append(filters, []analytics.Filter{{Dim: analytics.DimReferrer, Value: row.Value}})
	}
	for _, row := range want.Breakdowns[analytics.DimUTMSource] {
		filters = append(filters, []analytics.Filter{{Dim: analytics.DimReferrer, Value: ""}, {Dim: analytics.DimUTMSource, Value: row.Value}})
	}
	for _, f := range filters {
		fq := q
		fq.Filters = f
		w, err := native.Report(ctx, fq)
		if err != nil {
			t.Fatal(err)
		}
		h, err := imported.Report(ctx, fq)
		if err != nil {
			t.Fatal(err)
		}
		if h.Imported == nil || !h.Imported.Included || h.Totals.Visits != w.Totals.Visits || w.Totals.Visits == 0 || h.Totals.PageViews != 0 {
			t.Errorf("filtered by %v: imported %+v, %d visits and %d page views; want %d visits, 0 page views", f, h.Imported, h.Totals.Visits, h.Totals.PageViews, w.Totals.Visits)
		}
	}

	// The import exported again and imported into a third store: every
	// number, cities and summed visitors included, comes back as it was.
	out2 := filepath.Join(t.TempDir(), name)
	res2, err := Export(ctx, imported, "a.example", from, to, zone(t), out2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Days != res.Days || res2.PageViews != res.PageViews {
		t.Errorf("the import exported: %d days, %d page views; want %d, %d", res2.Days, res2.PageViews, res.Days, res.PageViews)
	}
	third := open(t, now)
	if _, err := Import(ctx, third, "a.example", out2, imports.DefaultLimits, nil); err != nil {
		t.Fatal(err)
	}
	again2, err := third.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	compareTotals(t, "import → export → import", again2, have, 0)
	if !slices.Equal(again2.Events, have.Events) || !slices.Equal(again2.Props, have.Props) {
		t.Errorf("events exported again:\n got %v %v\nwant %v %v", again2.Events, again2.Props, have.Events, have.Props)
	}
	for _, d := range analytics.Dimensions {
		if g, w := cells(again2.Breakdowns[d]), cells(have.Breakdowns[d]); !slices.Equal(g, w) {
			t.Errorf("exported again, %s:\n got %v\nwant %v", d, g, w)
		}
	}
}

// compareTotals compares the totals and the series; visit_duration is
// whole seconds a day, so averages may differ by a second a day.
func compareTotals(t *testing.T, what string, have, want *analytics.Report, days int) {
	t.Helper()
	w, h := want.Totals, have.Totals
	if w.Visitors != h.Visitors || w.Visits != h.Visits || w.PageViews != h.PageViews || math.Abs(w.BounceRate-h.BounceRate) > 1e-9 {
		t.Errorf("%s: totals: got %+v, want %+v", what, h, w)
	}
	if math.Abs(w.AvgVisitDuration-h.AvgVisitDuration)*float64(w.Visits) > float64(days) {
		t.Errorf("%s: average visit duration %.3f s, want %.3f s within a second a day", what, h.AvgVisitDuration, w.AvgVisitDuration)
	}
	if len(want.Series) != len(have.Series) {
		t.Fatalf("%s: series of %d points, want %d", what, len(have.Series), len(want.Series))
	}
	for i := range want.Series {
		if w, h := want.Series[i], have.Series[i]; w.Visitors != h.Visitors || w.PageViews != h.PageViews || !h.Imported {
			t.Errorf("%s: series %s: got %d/%d (imported %v), want %d/%d", what, w.T, h.Visitors, h.PageViews, h.Imported, w.Visitors, w.PageViews)
		}
	}
}

// compareEvents: each event comes back, under its name and as its url or
// path prop; the names' visitors come back exactly but for names with
// those props, whose rows' visitors add up (a visitor of two values a day
// counts twice).
func compareEvents(t *testing.T, have, want *analytics.Report) {
	t.Helper()
	if len(want.Events) < 3 || len(want.Props) < 3 {
		t.Fatalf("the native report has too few events to compare: %v", want.Events)
	}
	events := func(r *analytics.Report) map[string][2]int64 {
		m := map[string][2]int64{}
		for _, e := range r.Events {
			m[e.Name] = [2]int64{e.Visitors, e.Events}
		}
		return m
	}
	withValues := map[string]bool{}
	for _, p := range want.Props {
		if p.Prop == "url" || p.Prop == "path" {
			withValues[p.Event] = true
		}
	}
	we, he := events(want), events(have)
	if len(we) != len(he) {
		t.Errorf("events: got %v, want %v", he, we)
	}
	for name, w := range we {
		h := he[name]
		if h[1] != w[1] || (!withValues[name] && h[0] != w[0]) || h[0] < w[0] {
			t.Errorf("event %q: got %d visitors, %d events; want %d, %d", name, h[0], h[1], w[0], w[1])
		}
	}
	props := func(r *analytics.Report) []analytics.PropRow {
		var out []analytics.PropRow
		for _, p := range r.Props {
			if p.Prop == "url" || p.Prop == "path" {
				out = append(out, p)
			}
		}
		return out
	}
	if g, w := props(have), props(want); !slices.Equal(g, w) || len(w) == 0 {
		t.Errorf("url and path props:\n got %v\nwant %v", g, w)
	}
}

type cell struct {
	value                   string
	visitors, views, visits int64
}

func cells(rows []analytics.Row) []cell {
	var out []cell
	for _, r := range rows {
		out = append(out, cell{r.Value, r.Visitors, r.PageViews, r.Visits})
	}
	return out
}

// compareBreakdowns compares every breakdown row by row: the carried ones
// equal, the source ones (referrer, UTM tags, channel) with the visitors
// of sums (the summed visitors of the value's combinations: the format's
// rows are combinations, and a visitor with two of them in a day counts in
// both), cities as one row without a name (not carried) holding the
// countries' visitors and page views.
func compareBreakdowns(t *testing.T, have, want *analytics.Report, sums map[analytics.Dimension]map[string]int64) {
	t.Helper()
	for _, d := range analytics.Dimensions {
		w := cells(want.Breakdowns[d])
		switch {
		case d == analytics.DimCity:
			// One row of every location row: the countries' sums.
			var visitors, views int64
			for _, c := range cells(want.Breakdowns[analytics.DimCountry]) {
				visitors += c.visitors
				views += c.views
			}
			w = []cell{{"", visitors, views, 0}}
		case d.Source():
			for i := range w {
				w[i].visitors = sums[d][w[i].value]
			}
			slices.SortFunc(w, func(a, b cell) int {
				if a.visitors != b.visitors {
					return int(b.visitors - a.visitors)
				}
				return strings.Compare(a.value, b.value)
			})
		}
		if g := cells(have.Breakdowns[d]); !slices.Equal(g, w) || len(w) == 0 {
			t.Errorf("%s:\n got %v\nwant %v", d, g, w)
		}
	}
}

// sumsOfSources are, per source dimension and value, the visitors of the
// native data's combinations of referrer and tags summed over the days and
// combinations that have the value: what the format's source rows add up
// to. They are counted here from the native store's reports filtered by
// every combination of the day's tag values and "" (a filter set without
// visits ends its branch), each referrer a row of the last one's report:
// tried value by value, not narrowed as the export does.
func sumsOfSources(t *testing.T, s analytics.Reporter, q analytics.Query) map[analytics.Dimension]map[string]int64 {
	t.Helper()
	sums := map[analytics.Dimension]map[string]int64{}
	for _, d := range analytics.Dimensions {
		if d.Source() {
			sums[d] = map[string]int64{}
		}
	}
	for day := q.From; !day.After(q.To); day = day.AddDate(0, 0, 1) {
		dq := analytics.Query{Site: q.Site, From: day, To: day, Zone: q.Zone}
		all, err := s.Report(ctx, dq)
		if err != nil {
			t.Fatal(err)
		}
		var walk func(filters []analytics.Filter)
		walk = func(filters []analytics.Filter) {
			fq := dq
			fq.Filters = filters
			r, err := s.Report(ctx, fq)
			if err != nil {
				t.Fatal(err)
			}
			rows := r.Breakdowns[analytics.DimReferrer]
			if len(rows) == 0 {
				return
			}
			if len(filters) < len(utmDims) {
				d := utmDims[len(filters)]
				values := []string{""}
				for _, row := range all.Breakdowns[d] {
					if row.Value != "" {
						values = append(values, row.Value)
					}
				}
				for _, v := range values {
					walk(append(slices.Clip(filters), analytics.Filter{Dim: d, Value: v}))
				}
				return
			}
			for _, row := range rows {
				sums[analytics.DimReferrer][row.Value] += row.Visitors
				for _, f := range filters {
					if f.Value != "" {
						sums[f.Dim][f.Value] += row.Visitors
					}
				}
				sums[analytics.DimChannel][analytics.ChannelOf(row.Value, filters[0].Value, filters[1].Value, filters[2].Value)] += row.Visitors
			}
		}
		walk(nil)
	}
	return sums
}

func zone(t testing.TB) *time.Location {
	z, err := time.LoadLocation(analytics.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// TestImportDocumentedFiles reads files in the shape of Plausible's
// documentation: quoted strings, unquoted numbers, every table, a device
// named Laptop, a referrer with a path, custom events with a link_url and
// a path.
func TestImportDocumentedFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"imported_visitors_20230209_20230210.csv": `"date","visitors","pageviews","bounces","visits","visit_duration"
"2023-02-09",119,304,77,134,21070
"2023-02-10",166,325,117,180,21467
`,
		"imported_sources_20230209_20230210.csv": `"date","source","referrer","utm_source","utm_medium","utm_campaign","utm_content","utm_term","pageviews","visitors","visits","visit_duration","bounces"
"2023-02-09","DuckDuckGo","duckduckgo.com","","","","","",2,1,1,19,0
"2023-02-09","GitHub","github.com/someone/project","","","","","",1,1,1,0,1
"2023-02-09","support","secure.helpscout.net","support","email","","","",2,1,1,11,0
`,
		"imported_pages_20230209_20230210.csv": `"date","hostname","page","visits","visitors","pageviews"
"2023-02-09","example.fi","/docs",8,8,9
`,
		"imported_devices_20230209_20230210.csv": `"date","device","visitors","visits","visit_duration","bounces","pageviews"
"2023-02-09","Laptop",19,21,3545,11,36
"2023-02-09","Desktop",89,100,17385,56,251
`,
		"imported_locations_20230209_20230210.csv": `"date","country","region","city","visitors","visits","visit_duration","bounces","pageviews"
"2023-02-09","FI","FI-18",658225,5,6,100,1,9
`,
		"imported_custom_events_20230209_20230210.csv": `"date","name","link_url","path","visitors","events"
"2023-02-09","Outbound Link: Click","https://one.example.com/","",1,1
"2023-02-10","Outbound Link: Click","https://two.example.com/","",2,4
"2023-02-09","404","","/no-such-page",1,1
`,
		"README.txt": "not a table",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := openStore(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	res, err := Import(ctx, s, "example.fi", dir, imports.DefaultLimits, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 3 || len(res.Skipped) != 0 || !slices.Equal(res.Ignored, []string{"README.txt"}) || res.Import.PageViews != 629 || res.Import.Days != 2 {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(res.Import.Summary, "(3 of custom events)") {
		t.Errorf("summary %q does not count the events", res.Import.Summary)
	}
	from, _ := time.ParseInLocation(time.DateOnly, "2023-02-09", zone(t))
	r, err := s.Report(ctx, analytics.Query{Site: "example.fi", From: from, To: from.AddDate(0, 0, 1), Zone: zone(t),
		Goals: []analytics.Goal{{Name: "Ulos", Event: analytics.EventOutbound}, {Name: "Yksi", Event: analytics.EventOutbound, Props: map[string]string{"url": "https://one.example.com/"}},
			{Name: "Docs", Page: "/docs"}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []analytics.EventRow{{Name: analytics.EventOutbound, Visitors: 3, Events: 5}, {Name: "404", Visitors: 1, Events: 1}}; !slices.Equal(r.Events, want) {
		t.Errorf("events %v, want %v", r.Events, want)
	}
	if want := []analytics.PropRow{{Event: analytics.EventOutbound, Prop: "url", Value: "https://two.example.com/", Visitors: 2, Events: 4},
		{Event: "404", Prop: "path", Value: "/no-such-page", Visitors: 1, Events: 1},
		{Event: analytics.EventOutbound, Prop: "url", Value: "https://one.example.com/", Visitors: 1, Events: 1}}; !slices.Equal(r.Props, want) {
		t.Errorf("props %v, want %v", r.Props, want)
	}
	// Event goals count imported events (with the props the rows have);
	// page goals do not: imported pages are not visits.
	if g := r.Goals; len(g) != 3 || g[0].Visitors != 3 || g[0].Events != 5 || g[1].Visitors != 1 || g[1].Events != 1 || g[2].Visitors != 0 {
		t.Errorf("goals %+v", g)
	}
	if r.Totals.Visitors != 285 || r.Totals.Visits != 314 || r.Totals.PageViews != 629 {
		t.Errorf("totals %+v", r.Totals)
	}
	find := func(d analytics.Dimension, v string) analytics.Row {
		for _, row := range r.Breakdowns[d] {
			if row.Value == v {
				return row
			}
		}
		return analytics.Row{}
	}
	if find(analytics.DimDevice, analytics.DeviceDesktop).Visitors != 108 || find(analytics.DimReferrer, "github.com").Visits != 1 ||
		find(analytics.DimRegion, "FI-18").Visitors != 5 || find(analytics.DimUTMMedium, "email").Visits != 1 {
		t.Errorf("breakdowns %v", r.Breakdowns)
	}
}

// TestImportRefusesBadFiles: each bad file stops the import with its file
// and line, and nothing is stored.
func TestImportRefusesBadFiles(t *testing.T) {
	good := "\"date\",\"visitors\",\"pageviews\",\"bounces\",\"visits\",\"visit_duration\"\n\"2023-02-09\",1,2,0,1,5\n"
	for name, tc := range map[string]struct{ file, body, want string }{
		"no date column":     {"imported_visitors_20230209_20230210.csv", "\"day\",\"visitors\"\n\"2023-02-09\",1\n", ":1: the header"},
		"wrong column count": {"imported_visitors_20230209_20230210.csv", good + "\"2023-02-10\",1,2\n", ":3: wrong number of fields"},
		"bad date":           {"imported_visitors_20230209_20230210.csv", good + "\"10.2.2023\",1,2,0,1,5\n", ":3: column date"},
		"day outside name":   {"imported_visitors_20230209_20230210.csv", good + "\"2023-03-01\",1,2,0,1,5\n", ":3: the day 2023-03-01 is outside"},
		"not a count":        {"imported_visitors_20230209_20230210.csv", good + "\"2023-02-10\",-1,2,0,1,5\n", ":3: column visitors"},
		"unknown table":      {"imported_goals_20230209_20230210.csv", good, "unknown table"},
		"huge field":         {"imported_visitors_20230209_20230210.csv", good + "\"2023-02-10\",\"" + strings.Repeat("9", 100<<10) + "\"\n", ":3: line longer than"},
		"no table at all":    {"stats.csv", good, "holds no file of Plausible's CSV format"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "imported_pages_20230209_20230210.csv"), []byte("\"date\",\"hostname\",\"page\",\"visits\",\"visitors\",\"pageviews\"\n\"2023-02-09\",\"x\",\"/\",1,1,1\n"), 0o644)
			if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.want == "holds no file of Plausible's CSV format" {
				os.Remove(filepath.Join(dir, "imported_pages_20230209_20230210.csv"))
			}
			s := openStore(t, time.Now())
			_, err := Import(ctx, s, "example.fi", dir, imports.DefaultLimits, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), dir) {
				t.Errorf("err = %v, want the file named", err)
			}
			if list, _ := s.Imports(ctx, "example.fi"); len(list) != 0 {
				t.Errorf("a failed import left %v", list)
			}
		})
	}
}

// TestExportToday: the last day may be today, exported as far as it has
// gone and said so; a later one is refused; the zip's entries carry the
// export's time, not the zip format's zero (1980).
func TestExportToday(t *testing.T) {
	now := time.Now()
	s := openStore(t, now)
	today := analytics.Midnight(now, zone(t))
	yesterday := today.AddDate(0, 0, -1)
	var b analytics.Batch
	for i, at := range []time.Time{yesterday.Add(12 * time.Hour), today.Add(now.Sub(today) / 2), today.Add(now.Sub(today) / 3)} {
		b.PageViews = append(b.PageViews, analytics.PageView{Time: at.UTC().Truncate(time.Second), Site: "a.example",
			Visitor: uint64(i + 1), Visit: uint64(i + 1), ID: fmt.Sprint("pv", i), Path: "/"})
	}
	if err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "export.zip")
	if _, err := Export(ctx, s, "a.example", yesterday, today.AddDate(0, 0, 1), zone(t), out, nil); err == nil || !strings.Contains(err.Error(), "is after today") {
		t.Errorf("export to tomorrow: %v", err)
	}
	before := time.Now()
	res, err := Export(ctx, s, "a.example", yesterday, today, zone(t), out, nil)
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	if !res.Partial || res.From != yesterday.Format(time.DateOnly) || res.To != today.Format(time.DateOnly) || res.PageViews != 3 || res.Days != 2 {
		t.Errorf("export %+v: want yesterday and today as far as it has gone, 3 page views on 2 days", res)
	}
	if res.Time.Before(before) || res.Time.After(after) {
		t.Errorf("export time %v, not between %v and %v", res.Time, before, after)
	}
	z, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if len(z.File) != 10 {
		t.Fatalf("zip has %d entries, want 10", len(z.File))
	}
	for _, f := range z.File {
		// Zip times are to the second (two in the DOS field).
		if m := f.Modified; m.Before(before.Add(-2*time.Second)) || m.After(after.Add(2*time.Second)) {
			t.Errorf("%s is dated %v, want the export's time %v", f.Name, m, res.Time)
		}
		if !strings.HasSuffix(f.Name, "_"+yesterday.Format("20060102")+"_"+today.Format("20060102")+".csv") {
			t.Errorf("entry %s is not named for the days exported", f.Name)
		}
	}

	// A finished day is not partial.
	res, err = Export(ctx, s, "a.example", yesterday, yesterday, zone(t), filepath.Join(t.TempDir(), "x"), nil)
	if err != nil || res.Partial || res.PageViews != 1 {
		t.Errorf("export of yesterday: %+v, %v", res, err)
	}
}
