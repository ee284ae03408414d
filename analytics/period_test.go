package analytics

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	hel, _ := time.LoadLocation("Europe/Helsinki")
	// 23:30 UTC on 31 March is already 1 April in Helsinki.
	now := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		from, to, first, last string
	}{
		{"", "", "2026-03-03", "2026-04-01"}, // 30d
		{"today", "", "2026-04-01", "2026-04-01"},
		{"yesterday", "", "2026-03-31", "2026-03-31"},
		{"7d", "", "2026-03-26", "2026-04-01"},
		{"1d", "", "2026-04-01", "2026-04-01"},
		{"month", "", "2026-04-01", "2026-04-01"},
		{"year", "", "2026-01-01", "2026-04-01"},
		{"2026-02-01", "", "2026-02-01", "2026-04-01"},
		{"2026-02-01", "2026-02-28", "2026-02-01", "2026-02-28"},
	} {
		first, last, err := ParsePeriod(c.from, c.to, hel, now)
		if err != nil {
			t.Errorf("%q %q: %v", c.from, c.to, err)
			continue
		}
		if got := first.Format(time.DateOnly) + " " + last.Format(time.DateOnly); got != c.first+" "+c.last {
			t.Errorf("%q %q = %s, want %s %s", c.from, c.to, got, c.first, c.last)
		}
		if first.Location() != hel || first.Hour() != 0 {
			t.Errorf("%q: first %v is not midnight in Helsinki", c.from, first)
		}
	}
	for _, c := range []struct{ from, to, input, want string }{
		{"2026-13-01", "", PeriodFrom, `first day "2026-13-01": not a date`},
		{"last week", "", PeriodFrom, "not a date"},
		{"0d", "", PeriodFrom, "must be 1 to"},
		{"7d", "2026-03-01", PeriodTo, "can't be used with 7d"},
		{"2026-02-01", "2026-02-30", PeriodTo, `last day "2026-02-30": not a date`},
		{"2026-03-10", "2026-03-01", "", "before it begins"},
		{"", "2026-03-01", PeriodTo, "needs a first day"},
		{"2000-01-01", "2026-03-01", "", "more than the"},
	} {
		_, _, err := ParsePeriod(c.from, c.to, hel, now)
		var pe *PeriodError
		if !errors.As(err, &pe) || pe.Input != c.input || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q %q: err = %#v, want input %q and %q", c.from, c.to, err, c.input, c.want)
			continue
		}
		// A domain error names no flag or parameter: the caller adds it.
		if strings.Contains(err.Error(), "-from") || strings.Contains(err.Error(), "-to") {
			t.Errorf("%q %q: %v names a command-line flag", c.from, c.to, err)
		}
	}
}

func TestParseFilter(t *testing.T) {
	for in, want := range map[string]Filter{
		"country=FI":      {DimCountry, "FI"},
		"page=/a=b":       {DimPage, "/a=b"},
		"referrer=":       {DimReferrer, ""},
		"pages=/hinnasto": {DimPage, "/hinnasto"},
		"entry_page=/":    {DimEntryPage, "/"},
	} {
		got, err := ParseFilter(in)
		if err != nil || got != want {
			t.Errorf("ParseFilter(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"country", "shoe=44", "=FI"} {
		if _, err := ParseFilter(in); err == nil {
			t.Errorf("ParseFilter(%q) succeeded", in)
		}
	}
}

func TestBucketsAcrossDST(t *testing.T) {
	hel, _ := time.LoadLocation("Europe/Helsinki")
	day := func(s string) time.Time { d, _ := time.ParseInLocation(time.DateOnly, s, hel); return d }
	q, err := Query{Site: "x", From: day("2026-03-29"), To: day("2026-03-29"), Zone: hel}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if b := q.Buckets(); q.Interval != Hour || len(b) != 23 || b[3].Hour() != 4 {
		t.Errorf("spring DST day: %s buckets %d, 4th at %v", q.Interval, len(b), b[3])
	}
	q, _ = Query{Site: "x", From: day("2026-10-25"), To: day("2026-10-25"), Zone: hel}.Normalize()
	if n := len(q.Buckets()); n != 25 {
		t.Errorf("autumn DST day: %d hours, want 25", n)
	}
	q, _ = Query{Site: "x", From: day("2026-03-25"), To: day("2026-04-07"), Zone: hel, Interval: Week}.Normalize()
	var got []string
	for _, b := range q.Buckets() {
		got = append(got, b.Format(time.DateOnly))
	}
	if strings.Join(got, " ") != "2026-03-25 2026-03-30 2026-04-06" {
		t.Errorf("weeks %v", got)
	}
	if q.Days() != 14 || q.Previous().From.Format(time.DateOnly) != "2026-03-11" || q.Previous().To.Format(time.DateOnly) != "2026-03-24" {
		t.Errorf("days %d, previous %v..%v", q.Days(), q.Previous().From, q.Previous().To)
	}
	if i := BucketOf(q.Buckets(), day("2026-04-05").Add(23*time.Hour)); i != 1 {
		t.Errorf("BucketOf = %d, want 1", i)
	}
}

func TestFoldRows(t *testing.T) {
	rows := []Row{
		{Value: "b", Visitors: 5, PageViews: 9, TimedViews: 2, AvgTime: 10, ScrolledViews: 3, AvgScroll: 40, ScrolledVisitors: 3},
		{Value: "a", Visitors: 5, PageViews: 5, ScrolledViews: 5, AvgScroll: 50, ScrolledVisitors: 4},
		{Value: "c", Visitors: 1, PageViews: 1, TimedViews: 1, AvgTime: 4, ScrolledViews: 1, AvgScroll: 80, ScrolledVisitors: 1},
		{Value: "d", Visitors: 7, PageViews: 7, TimedViews: 1, AvgTime: 1},
	}
	got := FoldRows(append([]Row(nil), rows...), 2, 0, 0, 0)
	if len(got) != 3 || got[0].Value != "d" || got[1].Value != "a" || got[2].Value != Other ||
		got[2].Visitors != 6 || got[2].PageViews != 10 || got[2].TimedViews != 3 || got[2].AvgTime != 8 ||
		got[2].ScrolledViews != 4 || got[2].AvgScroll != 50 || got[2].ScrolledVisitors != 3 {
		t.Errorf("limit 2: %+v", got)
	}
	got = FoldRows(append([]Row(nil), rows...), 0, 5, 0, 0)
	if len(got) != 4 || got[3].Value != Other || got[3].Visitors != 1 {
		t.Errorf("k=5: %+v", got)
	}
	// Under the floor, a scroll depth over fewer scrolled visitors is withheld.
	for _, r := range got {
		if withheld := r.ScrolledViews > 0 && r.ScrolledVisitors < 5; r.AvgScrollWithheld != withheld || withheld && r.AvgScroll != 0 {
			t.Errorf("k=5, row %s: %+v", r.Value, r)
		}
	}
	if got := FoldRows(append([]Row(nil), rows...), 0, 1, 0, 0); len(got) != 4 || got[3].Value != "c" {
		t.Errorf("no folding: %+v", got)
	}
}

func TestReportJSON(t *testing.T) {
	hel, _ := time.LoadLocation("Europe/Helsinki")
	r := &Report{
		Site: "example.fi", From: time.Date(2026, 3, 1, 0, 0, 0, 0, hel), To: time.Date(2026, 3, 2, 0, 0, 0, 0, hel), Zone: hel,
		Interval: Hour, Totals: Totals{Visitors: 3, BounceRate: 1.0 / 3, AvgTimeOnPage: 12.3456},
		Series: []Point{{T: time.Date(2026, 3, 1, 0, 0, 0, 0, hel), Visitors: 1, PageViews: 2}},
		Breakdowns: map[Dimension][]Row{
			DimPage:     {{Value: "/", Visitors: 3, PageViews: 4, AvgTime: 1.005}, {Value: "/a", Visitors: 2, PageViews: 2, AvgScroll: 66.66, ScrolledViews: 2, ScrolledVisitors: 2}},
			DimCountry:  {{Value: "FI", Name: "Finland", Visitors: 3}},
			DimReferrer: {{Value: "", Visitors: 3, Visits: 5}},
			DimChannel:  {{Value: ChannelDirect, Visitors: 3, Visits: 5}},
			DimExitPage: {{Value: "/", Visitors: 3, Visits: 4}},
		},
		Realtime: 2,
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`{"site":"example.fi","from":"2026-03-01","to":"2026-03-02","zone":"Europe/Helsinki","interval":"hour",`,
		`"bounce_rate":0.3333,`, `"avg_time_on_page_s":12.35,`,
		`"series":[{"t":"2026-03-01T00:00:00+02:00","visitors":1,"pageviews":2}]`,
		`"pages":[{"avg_scroll_pct":null,"avg_time_s":1,"pageviews":4,"path":"/","visitors":3},{"avg_scroll_pct":66.7,"avg_time_s":0,"pageviews":2,"path":"/a","visitors":2}]`,
		`"exit_pages":[{"path":"/","visitors":3,"visits":4}]`,
		`"referrers":[{"host":"","visitors":3,"visits":5}]`,
		`"channels":[{"name":"Direct","visitors":3,"visits":5}]`, `"bots":0}`,
		`"countries":[{"code":"FI","name":"Finland","visitors":3}]`,
		`"utm_sources":[]`, `"os":[]`, `"devices":[]`, `"realtime":2}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s\n%s", want, b)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	// A filtered report counts no bots: null, not a number.
	r.Filters = []Filter{{Dim: DimPage, Value: "/"}}
	r.Totals.Bots = 7
	b, err = json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"avg_time_on_page_s":12.35,"bots":null}`) || !strings.Contains(string(b), `"avg_time_on_page_s":0,"bots":null},"series"`) {
		t.Errorf("filtered report's totals.bots is not null:\n%s", b)
	}
}

// TestAveragesUnderTheFloorAreWithheld: with a k-anonymity floor, an
// average time over fewer timed visitors than the floor is not given, in
// a kept row, in "(muut)" (whose folded rows may share their visitors) and
// in the JSON document (null).
func TestAveragesUnderTheFloorAreWithheld(t *testing.T) {
	rows := []Row{
		{Value: "/a", Visitors: 9, PageViews: 9, TimedViews: 9, TimedVisitors: 9, AvgTime: 10},
		{Value: "/b", Visitors: 8, PageViews: 8, TimedViews: 1, TimedVisitors: 1, AvgTime: 42}, // one person's time
		{Value: "/c", Visitors: 2, PageViews: 2, TimedViews: 2, TimedVisitors: 2, AvgTime: 7},
		{Value: "/d", Visitors: 3, PageViews: 3, TimedViews: 3, TimedVisitors: 3, AvgTime: 8}, // perhaps the same people as /c
	}
	got := FoldRows(rows, 0, 5, 0, 0)
	if len(got) != 3 || got[0].AvgTimeWithheld || got[0].AvgTime != 10 {
		t.Fatalf("kept row over 9 timed visitors: %+v", got)
	}
	if !got[1].AvgTimeWithheld || got[1].AvgTime != 0 {
		t.Errorf("row over one timed visitor: %+v, want its average withheld", got[1])
	}
	if o := got[2]; o.Value != Other || !o.AvgTimeWithheld || o.AvgTime != 0 || o.Visitors != 5 {
		t.Errorf("(muut) over at least 3 distinct timed visitors: %+v, want its average withheld", o)
	}
	if all := FoldRows(rows, 0, 1, 0, 0); all[1].AvgTimeWithheld || all[1].AvgTime != 42 {
		t.Errorf("without a floor the average is shown: %+v", all[1])
	}
	r := &Report{Totals: Totals{Visitors: 3, Withheld: true, TimeWithheld: true}, Breakdowns: map[Dimension][]Row{DimPage: got}}
	b, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"bounce_rate":null`, `"avg_time_on_page_s":null`, `"avg_visit_duration_s":null`, `{"avg_scroll_pct":null,"avg_time_s":null,"pageviews":8,"path":"/b"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
}

// TestFoldOtherIsBounded: folded rows may share their visitors, so
// Other's visitors and visits are their sums, at most those of all the rows
// together; a prop's Other at most its event's visitors.
func TestFoldOtherIsBounded(t *testing.T) {
	var rows []Row
	var props []PropRow
	for i := range 100 {
		v := fmt.Sprintf("/p%03d", i)
		rows = append(rows, Row{Value: v, Visitors: 1, Visits: 1, PageViews: 2})
		props = append(props, PropRow{Event: "Lomake", Prop: "arvo", Value: v, Visitors: 1, Events: 1})
	}
	got := FoldRows(rows, 10, 0, 3, 4)
	if o := got[len(got)-1]; o.Value != Other || o.Visitors != 3 || o.Visits != 4 || o.PageViews != 180 {
		t.Errorf("Other = %+v, want 3 visitors, 4 visits, 180 page views", o)
	}
	if o := FoldRows(rows, 10, 0, 1000, 1000)[10]; o.Visitors != 90 || o.Visits != 90 {
		t.Errorf("under the bound, Other = %+v, want the sums (90)", o)
	}
	gotProps := FoldPropRows(props, 10, 0, map[string]int64{"Lomake": 1})
	if o := gotProps[len(gotProps)-1]; o.Value != Other || o.Visitors != 1 || o.Events != 90 {
		t.Errorf("props' Other = %+v, want 1 visitor, 90 events", o)
	}
}
