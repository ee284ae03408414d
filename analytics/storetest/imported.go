package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// ModelImport is an import as the model sees it: the rows put, in order.
type ModelImport struct {
	Import analytics.Import // as returned by PutImport
	Rows   []analytics.ImportedRow
}

// GenerateImported returns seeded imported rows of every family for the
// days [from, to] of site, as an aggregated source would give them.
func GenerateImported(seed uint64, from, to string) []analytics.ImportedRow {
	rng := rand.New(rand.NewPCG(seed, 77))
	start, _ := time.Parse(time.DateOnly, from)
	end, _ := time.Parse(time.DateOnly, to)
	var out []analytics.ImportedRow
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		visitors := int64(20 + rng.IntN(30))
		visits := visitors + int64(rng.IntN(10))
		views := visits + int64(rng.IntN(40))
		out = append(out, analytics.ImportedRow{Day: day, Family: analytics.FamilyVisitors,
			Visitors: visitors, Visits: visits, PageViews: views, Bounces: visits / 2, VisitSeconds: visits * 37})
		row := func(f analytics.ImportFamily, values ...string) {
			r := analytics.ImportedRow{Day: day, Family: f,
				Visitors: int64(1 + rng.IntN(9)), Visits: int64(1 + rng.IntN(12)), PageViews: int64(1 + rng.IntN(30))}
			r.Bounces, r.VisitSeconds = r.Visits/3, r.Visits*int64(rng.IntN(200))
			copy(r.Values[:], values)
			out = append(out, r)
		}
		for _, p := range []string{"/", "/hinnasto", "/blogi/002", "/vanha-sivu"} {
			if rng.IntN(4) > 0 {
				row(analytics.FamilyPages, p)
				row(analytics.FamilyEntryPages, p)
				row(analytics.FamilyExitPages, p)
			}
		}
		for _, s := range [][4]string{{"", "", "", ""}, {"duckduckgo.com", "", "", ""}, {"www.google.com", "", "", ""},
			{"", "uutiskirje", "email", "kevat"}, {"facebook.com", "facebook", "social", "kevat"}} {
			if rng.IntN(3) > 0 {
				row(analytics.FamilySources, s[:]...)
			}
		}
		for _, l := range [][3]string{{"FI", "FI-18", "Helsinki"}, {"FI", "FI-18", ""}, {"FI", "FI-11", "Tampere"}, {"SE", "SE-AB", ""}, {"", "", ""}} {
			row(analytics.FamilyLocations, l[:]...)
		}
		for _, b := range []string{"Firefox", "Chrome", "Safari"} {
			row(analytics.FamilyBrowsers, b)
		}
		for _, o := range []string{"Windows", "Linux", "iOS"} {
			row(analytics.FamilyOS, o)
		}
		for _, v := range []string{analytics.DeviceDesktop, analytics.DeviceMobile, ""} {
			row(analytics.FamilyDevices, v)
		}
		// Events as Plausible exports them: a name, link_url for outbound
		// links and path for 404s; the names those of EventConfig, and
		// one ("404") that only imported days have.
		for _, e := range [][3]string{{"Yhteydenotto", "", ""}, {analytics.EventOutbound, "https://kela.fi/", ""},
			{analytics.EventOutbound, "https://vero.fi/a", ""}, {analytics.Event404, "", "/vanha-sivu"}} {
			if rng.IntN(3) > 0 {
				visitors := int64(1 + rng.IntN(6))
				out = append(out, analytics.ImportedRow{Day: day, Family: analytics.FamilyCustomEvents,
					Values: [4]string{e[0], e[1], e[2]}, Visitors: visitors, Events: visitors + int64(rng.IntN(4))})
			}
		}
	}
	return out
}

// ImportedCases are the reports checked with imported aggregates before
// the Small data set (which starts on 24 March 2026).
var ImportedCases = []Case{
	{Name: "imported: imported and native days", Site: "a.example", From: "2026-03-14", To: "2026-03-30"},
	{Name: "imported: only imported days, hourly", Site: "a.example", From: "2026-03-16", To: "2026-03-16"},
	{Name: "imported: weekly", Site: "a.example", From: "2026-03-10", To: "2026-03-27", Interval: analytics.Week},
	{Name: "imported: previous period imported", Site: "a.example", From: "2026-03-24", To: "2026-04-02"},
	{Name: "imported: UTC days", Site: "a.example", From: "2026-03-14", To: "2026-03-26", Zone: "UTC"},
	{Name: "imported: filter country", Site: "a.example", From: "2026-03-14", To: "2026-03-30",
		Filters: []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}},
	{Name: "imported: filter country and region, one family", Site: "a.example", From: "2026-03-14", To: "2026-03-30",
		Filters: []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}, {Dim: analytics.DimRegion, Value: "FI-18"}}},
	{Name: "imported: filter channel", Site: "a.example", From: "2026-03-14", To: "2026-03-30",
		Filters: []analytics.Filter{{Dim: analytics.DimChannel, Value: analytics.ChannelOrganicSearch}}},
	{Name: "imported: filter page", Site: "a.example", From: "2026-03-14", To: "2026-03-30",
		Filters: []analytics.Filter{{Dim: analytics.DimPage, Value: "/hinnasto"}}},
	{Name: "imported: filters of two families leave imported data out", Site: "a.example", From: "2026-03-14", To: "2026-03-30",
		Filters: []analytics.Filter{{Dim: analytics.DimPage, Value: "/"}, {Dim: analytics.DimBrowser, Value: "Firefox"}}},
	{Name: "imported: left out by the query", Site: "a.example", From: "2026-03-14", To: "2026-03-30", ExcludeImported: true},
	{Name: "imported: limit and k-anonymity", Site: "a.example", From: "2026-03-14", To: "2026-03-30", Limit: 3, MinVisitors: 10},
	{Name: "imported: other site has none", Site: "b.example", From: "2026-03-14", To: "2026-03-30"},
	{Name: "imported: a goal filter leaves imported data out", Site: "a.example", From: "2026-03-14", To: "2026-03-30", Goal: "Yhteys"},
}

// capImported stores imports beside the Small data set and checks the
// store's own answers (list, replace, delete) and every report against the
// model.
func capImported(t *testing.T, open Opener, now time.Time) {
	ctx := context.Background()
	e := open(t, now)
	ev := Generate(Small)
	load(t, e, ev)
	put := func(key, from, to string, seed uint64) (ModelImport, string) {
		t.Helper()
		rows := GenerateImported(seed, from, to)
		imp, replaced, err := e.PutImport(ctx, analytics.Import{Site: "a.example", Source: "test", Key: key, Summary: "generated"},
			func(put func(analytics.ImportedRow) error) (string, error) {
				for _, r := range rows {
					if err := put(r); err != nil {
						return "", err
					}
				}
				return fmt.Sprintf("%d generated rows", len(rows)), nil
			})
		if err != nil {
			t.Fatal(err)
		}
		if imp.ID == "" || imp.From != from || imp.To != to || imp.Site != "a.example" || imp.Summary != fmt.Sprintf("%d generated rows", len(rows)) {
			t.Fatalf("PutImport returned %+v, want an id and the days %s..%s", imp, from, to)
		}
		var want int64
		days := map[string]bool{}
		for _, r := range rows {
			if r.Family == analytics.FamilyVisitors {
				want += r.PageViews
				days[r.Day] = true
			}
		}
		if imp.PageViews != want || imp.Days != len(days) {
			t.Errorf("PutImport counted %d days, %d page views; want %d, %d", imp.Days, imp.PageViews, len(days), want)
		}
		for i := range rows {
			rows[i].Import = imp.ID
		}
		return ModelImport{Import: imp, Rows: rows}, replaced
	}
	importSites := func(want ...string) {
		t.Helper()
		got, err := e.ImportSites(ctx)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ImportSites = %q (%v), want %q", got, err, want)
		}
	}
	importSites()
	a, _ := put("a", "2026-03-12", "2026-03-20", 1)
	b, _ := put("b", "2026-03-18", "2026-03-25", 2) // its last days overlap native data
	importSites("a.example")
	// A failing fill stores nothing.
	_, _, err := e.PutImport(ctx, analytics.Import{Site: "a.example", Source: "test", Key: "broken"}, func(put func(analytics.ImportedRow) error) (string, error) {
		if err := put(analytics.ImportedRow{Day: "2026-03-01", Family: analytics.FamilyVisitors, Visitors: 999}); err != nil {
			return "", err
		}
		return "", errors.New("the file ends early")
	})
	if err == nil {
		t.Fatal("PutImport succeeded with a failing fill")
	}
	if err := e.DeleteImport(ctx, "b.example", a.Import.ID); !errors.Is(err, analytics.ErrNoImport) {
		t.Errorf("deleting another site's import: %v, want ErrNoImport", err)
	}
	ev.Imports = []ModelImport{a, b}
	checkImported(t, e, ev, now, "two imports")
	// The model agreeing is not enough: the cases must use imported days,
	// and their events ("404" is only in imported rows).
	{
		q, _ := ImportedCases[0].Query()
		r, err := e.Report(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(r.Events, func(e analytics.EventRow) bool { return e.Name == analytics.Event404 && e.Events > 0 }) ||
			!slices.ContainsFunc(r.Props, func(p analytics.PropRow) bool { return p.Prop == "path" && p.Value == "/vanha-sivu" }) {
			t.Errorf("%s: events %+v, props %+v: no imported 404 events", ImportedCases[0].Name, r.Events, r.Props)
		}
	}
	for i, want := range map[int]bool{0: true, 5: true, 9: false, 10: false} {
		q, _ := ImportedCases[i].Query()
		r, err := e.Report(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if r.Imported == nil || r.Imported.Included != want || (want && r.Imported.Days == 0) || (!want && r.Imported.Reason == "") {
			t.Errorf("%s: imported = %+v, want included %v", ImportedCases[i].Name, r.Imported, want)
		}
	}

	// The same key again replaces the earlier import; being newest, it now
	// wins the days both cover.
	a2, replaced := put("a", "2026-03-12", "2026-03-20", 3)
	if replaced != a.Import.ID {
		t.Errorf("re-import replaced %q, want %q", replaced, a.Import.ID)
	}
	ev.Imports = []ModelImport{b, a2}
	list, err := e.Imports(ctx, "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != b.Import.ID || list[1].ID != a2.Import.ID {
		t.Fatalf("Imports = %+v, want b then the new a", list)
	}
	checkImported(t, e, ev, now, "replaced")
	if err := e.DeleteImport(ctx, "a.example", b.Import.ID); err != nil {
		t.Fatal(err)
	}
	ev.Imports = []ModelImport{a2}
	checkImported(t, e, ev, now, "deleted")
	if err := e.DeleteImport(ctx, "a.example", b.Import.ID); !errors.Is(err, analytics.ErrNoImport) {
		t.Errorf("deleting twice: %v, want ErrNoImport", err)
	}
	importSites("a.example")
	if err := e.DeleteImport(ctx, "a.example", a2.Import.ID); err != nil {
		t.Fatal(err)
	}
	importSites()
	CheckInventory(t, e)
}

func checkImported(t *testing.T, e Engine, ev Events, now time.Time, step string) {
	t.Helper()
	checkCases(t, e, ev, now, step+"/", append(slices.Clip(ImportedCases), Cases[:3]...))
}

// importedModel is what imported aggregates add to one period, computed
// in plain Go from the imports the test made.
type importedModel struct {
	use                                          *analytics.ImportedUse
	visitors, visits, pageviews, bounces, visitS int64
	dayVisitors, dayViews                        map[string]int64
	counted                                      map[string]bool // days with rows of the families read
	rows                                         map[analytics.Dimension]map[string]*analytics.Row
}

// modelImported follows the README's rules: the days before the site's
// first page view; of each day, the rows of the newest import that has
// it; unfiltered or filtered on one family's dimensions, else left out.
func modelImported(ev Events, q analytics.Query, detail bool) importedModel {
	m := importedModel{dayVisitors: map[string]int64{}, dayViews: map[string]int64{}, rows: map[analytics.Dimension]map[string]*analytics.Row{}}
	var imports []ModelImport
	for _, imp := range ev.Imports {
		if imp.Import.Site == q.Site {
			imports = append(imports, imp)
		}
	}
	if len(imports) == 0 {
		return m
	}
	firstNative := ""
	for _, p := range ev.PageViews {
		if d := p.Time.In(q.Zone).Format(time.DateOnly); p.Site == q.Site && (firstNative == "" || d < firstNative) {
			firstNative = d
		}
	}
	winner := map[string]int{}
	var days []string
	for d := q.From; !d.After(q.To); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		if firstNative != "" && day >= firstNative {
			break
		}
		for i, imp := range imports {
			if imp.Import.From <= day && day <= imp.Import.To {
				winner[day] = i + 1
			}
		}
		if winner[day] > 0 {
			days = append(days, day)
		}
	}
	if len(days) == 0 {
		return m
	}
	if q.ExcludeImported {
		m.use = &analytics.ImportedUse{Reason: "excluded"}
		return m
	}
	if q.Goal != "" {
		m.use = &analytics.ImportedUse{Reason: "no visits to convert"}
		return m
	}
	families := map[analytics.ImportFamily]bool{}
	for _, f := range q.Filters {
		families[analytics.FamilyOf(f.Dim)] = true
	}
	if len(families) > 1 {
		m.use = &analytics.ImportedUse{Reason: "two families"}
		return m
	}
	var family analytics.ImportFamily
	for f := range families {
		family = f
	}
	counted := map[string]bool{}
	for _, day := range days {
		for _, r := range imports[winner[day]-1].Rows {
			if r.Day != day || r.Family == analytics.FamilyCustomEvents {
				continue
			}
			var total, breakdown bool
			switch {
			case family == "" && r.Family == analytics.FamilyVisitors:
				total, counted[day] = true, true
			case family == "" && detail:
				breakdown, counted[day] = true, true
			case family == "":
			case r.Family == family:
				counted[day] = true
				total, breakdown = true, detail
				for _, f := range q.Filters {
					if modelImportedValue(r, f.Dim) != f.Value {
						total, breakdown = false, false
					}
				}
			}
			if total {
				m.visitors += r.Visitors
				m.visits += r.Visits
				m.pageviews += r.PageViews
				m.bounces += r.Bounces
				m.visitS += r.VisitSeconds
				m.dayVisitors[day] += r.Visitors
				m.dayViews[day] += r.PageViews
			}
			if !breakdown {
				continue
			}
			for _, dim := range analytics.Dimensions {
				if analytics.FamilyOf(dim) != r.Family {
					continue
				}
				v := modelImportedValue(r, dim)
				if v == "" && (dim == analytics.DimUTMSource || dim == analytics.DimUTMMedium || dim == analytics.DimUTMCampaign) {
					continue
				}
				if m.rows[dim] == nil {
					m.rows[dim] = map[string]*analytics.Row{}
				}
				row := m.rows[dim][v]
				if row == nil {
					row = &analytics.Row{Value: v}
					m.rows[dim][v] = row
				}
				row.Visitors += r.Visitors
				if dim.VisitLevel() {
					row.Visits += r.Visits
				} else {
					row.PageViews += r.PageViews
				}
			}
		}
	}
	if len(counted) == 0 {
		return m
	}
	m.counted = counted
	m.use = &analytics.ImportedUse{Included: true, Days: len(counted)}
	for day := range counted {
		if m.use.From == "" || day < m.use.From {
			m.use.From = day
		}
		if day > m.use.To {
			m.use.To = day
		}
	}
	return m
}

// modelImportedEvents are the imported custom_events rows that q counts:
// those of the days before the site's first page view, of the newest
// import that has the day, when q is neither filtered nor leaves imported
// data out.
func modelImportedEvents(ev Events, q analytics.Query) []analytics.ImportedRow {
	if q.ExcludeImported || len(q.Filters) > 0 || q.Goal != "" {
		return nil
	}
	firstNative := ""
	for _, p := range ev.PageViews {
		if d := p.Time.In(q.Zone).Format(time.DateOnly); p.Site == q.Site && (firstNative == "" || d < firstNative) {
			firstNative = d
		}
	}
	var out []analytics.ImportedRow
	for d := q.From; !d.After(q.To); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		if firstNative != "" && day >= firstNative {
			break
		}
		var newest *ModelImport
		for i, imp := range ev.Imports {
			if imp.Import.Site == q.Site && imp.Import.From <= day && day <= imp.Import.To {
				newest = &ev.Imports[i]
			}
		}
		if newest == nil {
			continue
		}
		for _, r := range newest.Rows {
			if r.Day == day && r.Family == analytics.FamilyCustomEvents {
				out = append(out, r)
			}
		}
	}
	return out
}

// modelImportedValue is the row's value of d, looked up by the family's
// order of dimensions.
func modelImportedValue(r analytics.ImportedRow, d analytics.Dimension) string {
	if d == analytics.DimChannel {
		return analytics.ChannelOf(r.Values[0], r.Values[1], r.Values[2], r.Values[3])
	}
	if i := slices.Index(r.Family.Dims(), d); i >= 0 {
		return r.Values[i]
	}
	panic(fmt.Sprintf("storetest: %s rows have no %s", r.Family, d))
}

// capAppendImport stores a site's earlier history as an import of records
// (as GoatCounter's export becomes page views), replaces and deletes it,
// and checks every report against the model after each step.
func capAppendImport(t *testing.T, open Opener, now time.Time) {
	ctx := context.Background()
	e := open(t, now)
	ev := Generate(Small)
	load(t, e, ev)
	// Maintenance first, so that the history lands on rolled-up days too.
	maintain(t, e)
	hc := Small
	hc.Seed, hc.Start, hc.Days, hc.Sites, hc.Drift = 99, Small.Start.AddDate(0, 0, -6), 8, []string{"a.example"}, 0
	history := Generate(hc)
	for i := range history.PageViews {
		history.PageViews[i].ID = "h" + history.PageViews[i].ID
	}
	for i := range history.Events {
		history.Events[i].PageView = "h" + history.Events[i].PageView
	}
	if len(history.Events) == 0 {
		t.Fatal("the history has no events: deleting them is not tested")
	}
	history.Leaves = nil // imports of records carry none
	put := func(key string, fail bool) (analytics.Import, string, error) {
		return e.AppendImport(ctx, analytics.Import{Site: "a.example", Source: "test", Key: key},
			func(put func(analytics.Batch) error) (string, error) {
				for i, b := range history.Batches(300) {
					if fail && i == 2 {
						return "", errors.New("a bad line")
					}
					if err := put(b); err != nil {
						return "", err
					}
				}
				return "history", nil
			})
	}
	if _, _, err := put("history", true); err == nil {
		t.Fatal("AppendImport succeeded with a failing fill")
	}
	capCheckAppended(t, e, ev, now, "failed import")
	imp, _, err := put("history", false)
	if err != nil {
		t.Fatal(err)
	}
	if imp.PageViews != int64(len(history.PageViews)) || imp.Days == 0 || imp.From == "" || imp.Summary != "history" {
		t.Errorf("AppendImport returned %+v for %d page views", imp, len(history.PageViews))
	}
	with := ev
	with.PageViews = append(slices.Clip(history.PageViews), ev.PageViews...)
	with.Bots = append(slices.Clip(history.Bots), ev.Bots...)
	with.Events = append(slices.Clip(history.Events), ev.Events...)
	capCheckAppended(t, e, with, now, "appended")
	maintain(t, e)
	capCheckAppended(t, e, with, now, "appended, maintained")
	again, replaced, err := put("history", false)
	if err != nil || replaced != imp.ID || again.ID == imp.ID {
		t.Fatalf("the same key again: %+v replaced %q (%v), want import %s replaced", again, replaced, err, imp.ID)
	}
	capCheckAppended(t, e, with, now, "replaced")
	if err := e.DeleteImport(ctx, "a.example", again.ID); err != nil {
		t.Fatal(err)
	}
	capCheckAppended(t, e, ev, now, "deleted")
	maintain(t, e)
	capCheckAppended(t, e, ev, now, "deleted, maintained")
	CheckInventory(t, e)
}

func capCheckAppended(t *testing.T, e Engine, ev Events, now time.Time, step string) {
	t.Helper()
	cases := append(slices.Clip(Cases[:12]),
		Case{Name: "history and after", Site: "a.example", From: "2026-03-16", To: "2026-03-30"},
		Case{Name: "history, goal filter", Site: "a.example", From: "2026-03-16", To: "2026-03-30", Goal: "Yhteys"},
		Case{Name: "history, filtered", Site: "a.example", From: "2026-03-16", To: "2026-03-26",
			Filters: []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}})
	checkCases(t, e, ev, now, step+"/", cases)
}
