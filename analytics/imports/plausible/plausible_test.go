package plausible

import (
	"context"
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
	return c
}()

// TestRoundTrip: native data → Export → Import into an empty store gives,
// for the exported days, the same totals, series and breakdown rows, but
// for what the format cannot carry (named in the package documentation
// and checked here): UTM rows and tag-dependent channels, cities, time on
// page and bots.
func TestRoundTrip(t *testing.T) {
	for _, out := range []string{"export", "export.zip"} {
		t.Run(out, func(t *testing.T) { roundTrip(t, out) })
	}
}

func roundTrip(t *testing.T, name string) {
	now := roundTripData.Start.AddDate(0, 1, 0)
	native := openStore(t, now)
	for _, b := range storetest.Generate(roundTripData).Batches(500) {
		if err := native.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	if err := native.Maintain(ctx, zone(t)); err != nil {
		t.Fatal(err)
	}
	from := roundTripData.Start
	to := from.AddDate(0, 0, roundTripData.Days-1)
	out := filepath.Join(t.TempDir(), name)
	res, err := Export(ctx, native, "a.example", from, to, zone(t), out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 10 || res.Days == 0 {
		t.Fatalf("export wrote %v for %d days", res.Files, res.Days)
	}
	if _, err := Export(ctx, native, "a.example", from, to, zone(t), out, nil); err == nil || !strings.Contains(err.Error(), "not overwritten") {
		t.Errorf("export over an existing output: %v", err)
	}

	imported := openStore(t, now)
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
	if len(want.Breakdowns[analytics.DimPage]) < 5 || len(want.Breakdowns[analytics.DimRegion]) < 3 || want.Totals.Visits == 0 {
		t.Fatal("the native report is too small to compare")
	}
	w, h := want.Totals, have.Totals
	if w.Visitors != h.Visitors || w.Visits != h.Visits || w.PageViews != h.PageViews || math.Abs(w.BounceRate-h.BounceRate) > 1e-9 {
		t.Errorf("totals: got %+v, want %+v", h, w)
	}
	// visit_duration is whole seconds a day.
	if math.Abs(w.AvgVisitDuration-h.AvgVisitDuration)*float64(w.Visits) > float64(res.Days) {
		t.Errorf("average visit duration %.3f s, want %.3f s within a second a day", h.AvgVisitDuration, w.AvgVisitDuration)
	}
	for i := range want.Series {
		if w, h := want.Series[i], have.Series[i]; w.Visitors != h.Visitors || w.PageViews != h.PageViews || !h.Imported {
			t.Errorf("series %s: got %d/%d (imported %v), want %d/%d", w.T, h.Visitors, h.PageViews, h.Imported, w.Visitors, w.PageViews)
		}
	}
	// Events: each event comes back, under its name and as its url or
	// path prop; the names' visitors come back exactly but for names with
	// those props, whose rows' visitors add up (a visitor of two values a
	// day counts twice).
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

	type cell struct {
		value                   string
		visitors, views, visits int64
	}
	cells := func(rows []analytics.Row) []cell {
		var out []cell
		for _, r := range rows {
			out = append(out, cell{r.Value, r.Visitors, r.PageViews, r.Visits})
		}
		return out
	}
	for _, d := range analytics.Dimensions {
		switch d {
		case analytics.DimUTMSource, analytics.DimUTMMedium, analytics.DimUTMCampaign:
			// The format's limit: sources carry no tags on export.
			if len(have.Breakdowns[d]) != 0 {
				t.Errorf("%s: %d rows from an export without tags", d, len(have.Breakdowns[d]))
			}
			continue
		case analytics.DimChannel:
			// Channels come back from the referrer alone: the tagged
			// visits' channels are lost, the totals are not.
			var sumW, sumH int64
			for _, r := range want.Breakdowns[d] {
				sumW += r.Visits
			}
			for _, r := range have.Breakdowns[d] {
				sumH += r.Visits
			}
			if sumW != sumH {
				t.Errorf("channels: %d visits, want %d", sumH, sumW)
			}
			continue
		case analytics.DimCity:
			if rows := have.Breakdowns[d]; len(rows) != 1 || rows[0].Value != "" {
				t.Errorf("cities: %v, want one row without a name (GeoNames ids are not exported)", rows)
			}
			continue
		}
		if g, w := cells(have.Breakdowns[d]), cells(want.Breakdowns[d]); !slices.Equal(g, w) {
			t.Errorf("%s:\n got %v\nwant %v", d, g, w)
		}
	}
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
