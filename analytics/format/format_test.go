package format

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

func sample() *analytics.Report {
	hel, _ := time.LoadLocation("Europe/Helsinki")
	return &analytics.Report{
		Site: "example.fi", From: time.Date(2026, 3, 1, 0, 0, 0, 0, hel), To: time.Date(2026, 3, 3, 0, 0, 0, 0, hel), Zone: hel,
		Interval: analytics.Day,
		Totals:   analytics.Totals{Visitors: 12345, Visits: 200, PageViews: 500, ViewsPerVisit: 2.5, BounceRate: 0.4, AvgVisitDuration: 3725, AvgTimeOnPage: 65},
		Previous: analytics.Totals{Visitors: 10000, Visits: 100, PageViews: 500, BounceRate: 0.5},
		Series: []analytics.Point{{T: time.Date(2026, 3, 1, 0, 0, 0, 0, hel), Visitors: 1}, {T: time.Date(2026, 3, 2, 0, 0, 0, 0, hel), Visitors: 8},
			{T: time.Date(2026, 3, 3, 0, 0, 0, 0, hel)}},
		Breakdowns: map[analytics.Dimension][]analytics.Row{
			analytics.DimPage:     {{Value: "/hinnasto", Visitors: 10, PageViews: 12, AvgTime: 5, AvgScroll: 62.44, ScrolledViews: 8, ScrolledVisitors: 6}, {Value: "=HYPERLINK(\"x\")", Visitors: 2, PageViews: 2}},
			analytics.DimReferrer: {{Value: "", Visitors: 9}},
			analytics.DimCountry:  {{Value: "FI", Name: "Finland", Visitors: 9}},
		},
	}
}

func TestTable(t *testing.T) {
	var b bytes.Buffer
	r := sample()
	r.Consent = &analytics.ConsentTotals{Shown: 40, Accepted: 30, Declined: 8}
	if err := Table(&b, r, 1); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"example.fi  2026-03-01 – 2026-03-03 (Europe/Helsinki)",
		"Visitors                 12 345    10 000   +23.4 %",
		"Bounce rate              40.0 %    50.0 %  -10.0 pp",
		"Avg visit duration       1h 02m",
		"Avg time on page         1m 05s",
		"Visitors by day: ▁█▁  (most: 8, 2026-03-02)",
		"/hinnasto        10          12      5.0s    62 %",
		"… 1 more rows",
		"(direct)          9",
		"FI Finland         9",
		"Consent: banner shown 40 times, accepted 30, declined 8; the statistics cover 75.0 % of the visits that saw the banner",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := CSV(&b, sample(), analytics.DimPage); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || strings.Join(recs[0], ",") != "path,visitors,pageviews,avg_time_s,avg_scroll_pct" ||
		strings.Join(recs[1], ",") != "/hinnasto,10,12,5.00,62.4" || recs[2][0] != `'=HYPERLINK("x")` || recs[2][4] != "" {
		t.Errorf("csv = %q", recs)
	}
	b.Reset()
	CSV(&b, sample(), analytics.DimReferrer)
	if b.String() != "host,visitors,visits\n(direct),9,0\n" {
		t.Errorf("referrers csv = %q, want direct traffic named as in the table", b.String())
	}
	b.Reset()
	CSV(&b, sample(), analytics.DimCountry)
	if b.String() != "code,name,visitors\nFI,Finland,9\n" {
		t.Errorf("countries csv = %q", b.String())
	}
}

// TestNoTimeIsNotZero: a page with no timed view (imported days carry no
// time) shows "–" in the table and an empty cell in the CSV, not 0.0s.
func TestNoTimeIsNotZero(t *testing.T) {
	r := sample()
	r.Breakdowns[analytics.DimPage] = []analytics.Row{{Value: "/tuotu", Visitors: 4, PageViews: 6}}
	var b bytes.Buffer
	if err := Table(&b, r, 0); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !regexp.MustCompile(`/tuotu\s+4\s+6\s+–`).MatchString(out) {
		t.Errorf("a page without timing:\n%s", out)
	}
	b.Reset()
	CSV(&b, r, analytics.DimPage)
	if !strings.Contains(b.String(), "/tuotu,4,6,,") {
		t.Errorf("csv = %q", b.String())
	}
}

// TestTableWithholdsAverages: averages under the k-anonymity floor show
// "–" and no change; the others stay.
func TestTableWithholdsAverages(t *testing.T) {
	r := sample()
	r.Totals.TimeWithheld = true
	r.Previous.Withheld, r.Previous.TimeWithheld = true, true
	r.Breakdowns[analytics.DimPage][0].AvgTimeWithheld = true
	r.Breakdowns[analytics.DimPage][0].AvgScroll, r.Breakdowns[analytics.DimPage][0].AvgScrollWithheld = 0, true
	var b bytes.Buffer
	if err := Table(&b, r, 5); err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(b.String(), "\n") {
		lines[strings.TrimRight(l, " ")] = true
	}
	for _, want := range []string{
		"Views per visit            2.50         –",
		"Bounce rate              40.0 %         –",
		"Avg time on page              –         –",
		"Visitors                 12 345    10 000   +23.4 %",
		"/hinnasto              10          12         –       –",
	} {
		if !lines[want] {
			t.Errorf("table lacks the line %q:\n%s", want, b.String())
		}
	}
}
