package analytics

import "testing"

// TestWithholdDifferences: under a floor of 5, the period's durations are
// given only when the page views without a shown page average are none or
// by at least 5 visitors; other breakdowns carry no time average.
func TestWithholdDifferences(t *testing.T) {
	page := func(value string, visitors, timedViews, timedVisitors int64, withheld bool) Row {
		return Row{Value: value, Visitors: visitors, PageViews: timedViews, TimedViews: timedViews, TimedVisitors: timedVisitors,
			AvgTime: 10, AvgTimeWithheld: withheld}
	}
	cases := []struct {
		name                      string
		pages                     []Row
		timedViews, timedVisitors int64
		withheld                  bool
	}{
		// Issue 27: five on / and one on a folded page.
		{"one person folded", []Row{page("/", 5, 5, 5, false), page(Other, 1, 1, 1, true)}, 6, 6, true},
		// Five people on five folded pages: the rest is over five.
		{"five people folded", []Row{page("/", 5, 5, 5, false), page(Other, 5, 5, 1, true)}, 10, 10, false},
		{"nothing folded", []Row{page("/", 5, 5, 5, false), page("/b", 6, 6, 6, false)}, 11, 8, false},
		// A page with enough visitors but few of them timed.
		{"few timed on a kept page", []Row{page("/", 5, 5, 5, false), page("/b", 9, 2, 2, true)}, 7, 7, true},
		// Other shown: its visitors (a sum) bound its people from above,
		// so the two hidden people are found.
		{"Other shown, two hidden", []Row{page("/", 5, 5, 5, false), page(Other, 9, 9, 5, false), page("/c", 6, 2, 2, true)}, 16, 16, true},
		{"no timed views hidden", []Row{page("/", 5, 5, 5, false), page(Other, 2, 0, 0, false)}, 5, 5, false},
	}
	for _, c := range cases {
		tot := Totals{Visitors: 20, AvgTimeOnPage: 12, AvgVisitDuration: 30, ViewsPerVisit: 1.5}
		country := []Row{{Value: "FI", Visitors: 20, TimedViews: c.timedViews, TimedVisitors: c.timedVisitors, AvgTime: 12}}
		rows := map[Dimension][]Row{DimPage: c.pages, DimCountry: country}
		WithholdDifferences(&tot, rows, c.timedViews, c.timedVisitors, 5)
		if tot.TimeWithheld != c.withheld || tot.DurationWithheld != c.withheld {
			t.Errorf("%s: time withheld %t, duration withheld %t; want %t", c.name, tot.TimeWithheld, tot.DurationWithheld, c.withheld)
		}
		if c.withheld && (tot.AvgTimeOnPage != 0 || tot.AvgVisitDuration != 0) {
			t.Errorf("%s: withheld averages still hold %v and %v", c.name, tot.AvgTimeOnPage, tot.AvgVisitDuration)
		}
		if !c.withheld && (tot.AvgTimeOnPage != 12 || tot.AvgVisitDuration != 30) {
			t.Errorf("%s: averages changed to %v and %v", c.name, tot.AvgTimeOnPage, tot.AvgVisitDuration)
		}
		if tot.Withheld || tot.ViewsPerVisit != 1.5 {
			t.Errorf("%s: views per visit withheld too", c.name)
		}
		if !country[0].AvgTimeWithheld || country[0].AvgTime != 0 {
			t.Errorf("%s: a country row keeps a time average under the floor", c.name)
		}
	}

	// No floor: nothing changes.
	tot := Totals{AvgTimeOnPage: 12, AvgVisitDuration: 30}
	country := []Row{{Value: "FI", Visitors: 1, TimedViews: 1, TimedVisitors: 1, AvgTime: 12}}
	WithholdDifferences(&tot, map[Dimension][]Row{DimPage: {page(Other, 1, 1, 1, false)}, DimCountry: country}, 1, 1, 1)
	if tot.TimeWithheld || tot.AvgTimeOnPage != 12 || country[0].AvgTimeWithheld {
		t.Error("without a floor, something was withheld")
	}
}
