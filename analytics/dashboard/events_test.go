package dashboard

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// TestEventPanels: the Goals, Events, props and Funnel panels show the
// report's rows, in every language: a goal's converted visitors,
// conversions and the report's conversion rate, a funnel's steps with their
// step conversion and drop-off; a goal row filters to its visits, and each
// panel has its CSV.
func TestEventPanels(t *testing.T) {
	rep := &analytics.Report{
		Goals:  []analytics.GoalRow{{Name: "Tarjouspyyntö", Visitors: 3, Events: 4, ConversionRate: 0.25}},
		Events: []analytics.EventRow{{Name: "Yhteydenotto", Visitors: 5, Events: 7}},
		Props: []analytics.PropRow{{Event: "Yhteydenotto", Prop: "lomake", Value: "tarjous", Visitors: 3, Events: 4},
			{Event: "Yhteydenotto", Prop: "lomake", Value: analytics.Other, Visitors: 2, Events: 2}},
		Funnels: []analytics.FunnelRow{{Name: "Polku", Steps: []analytics.FunnelStep{{Step: "/hinnasto", Visitors: 9}, {Step: "Tarjouspyyntö", Visitors: 3}}}},
	}
	h := &Handler{}
	for _, lang := range []string{"fi", "sv", "en"} {
		v := &dashView{page: page{locale: locale(lang)}, Base: "/dashboard"}
		p := &params{Site: "example.fi", Period: "30d"}
		tables := h.eventTables(v, p, rep)
		if len(tables) != 4 {
			t.Fatalf("%s: %d panels, want 4", lang, len(tables))
		}
		for _, tb := range tables {
			part, _, _ := strings.Cut(tb.Dim, "-")
			if tb.Title == "" || strings.HasPrefix(tb.Title, "dim.") || !strings.Contains(tb.CSVURL, "breakdown="+part) || len(tb.Rows) == 0 || len(tb.Rows[0].Nums) != len(tb.Cols) {
				t.Errorf("%s: panel %+v", lang, tb)
			}
		}
		l := locale(lang)
		if g := tables[0].Rows[0]; !strings.Contains(g.URL, "goal=Tarjouspy") || !slices.Equal(g.Nums, []string{"3", "4", l.Pct(0.25)}) {
			t.Errorf("%s: goal row %+v", lang, g)
		}
		if x := tables[2].Rows[0]; x.Label != "Yhteydenotto · lomake = tarjous" || !slices.Equal(x.Nums, []string{"3", "4"}) {
			t.Errorf("%s: property row %+v", lang, x)
		}
		if x := tables[2].Rows[1]; x.Label != "Yhteydenotto · lomake = "+l.T("other") {
			t.Errorf("%s: folded property row %q, want its value in the page's language", lang, x.Label)
		}
		// 9 visitors at the first step, 3 go on: 33.3 % converted, 6 (66.7 %) dropped.
		f := tables[3].Rows
		if len(f) != 2 || f[1].Label != "2. Tarjouspyyntö" || !slices.Equal(f[0].Nums, []string{"9", "–", "–", "–"}) ||
			!slices.Equal(f[1].Nums, []string{"3", l.Pct(1.0 / 3), "6", l.Pct(2.0 / 3)}) || f[1].Bar != "33.3%" {
			t.Errorf("%s: funnel rows %+v", lang, f)
		}
		if len(tables[3].Cols) != 4 || tables[3].Title != l.Tf("dim.funnel", "Polku") {
			t.Errorf("%s: funnel panel %q with %d columns", lang, tables[3].Title, len(tables[3].Cols))
		}
	}
}

// TestGoalFilterChip: a goal filter shows as a chip that removes it, the
// clear link and the period form keep or drop it as the other filters, and
// the bot card (bots are not counted with a filter) is not shown.
func TestGoalFilterChip(t *testing.T) {
	want := map[string]string{"fi": "Tavoite", "sv": "Mål", "en": "Goal"}
	h := &Handler{cfg: Config{Zone: time.UTC}}
	for lang, label := range want {
		v := &dashView{page: page{locale: locale(lang)}, Base: "/dashboard"}
		p := &params{Site: "example.fi", Period: "30d", Goal: "Tarjouspyyntö",
			Filters: []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}}
		h.fill(v, p, &analytics.Report{Filters: p.Filters})
		if len(v.Filters) != 2 || !v.Filtered {
			t.Fatalf("%s: chips %+v", lang, v.Filters)
		}
		c := v.Filters[1]
		if c.Label != label || c.Value != "Tarjouspyyntö" || strings.Contains(c.RemoveURL, "goal=") || !strings.Contains(c.RemoveURL, "filter=country") {
			t.Errorf("%s: goal chip %+v", lang, c)
		}
		if !strings.Contains(v.Filters[0].RemoveURL, "goal=Tarjouspy") {
			t.Errorf("%s: removing the country drops the goal: %s", lang, v.Filters[0].RemoveURL)
		}
		if strings.Contains(v.ClearURL, "goal=") || strings.Contains(v.ClearURL, "filter=") {
			t.Errorf("%s: clear link %s", lang, v.ClearURL)
		}
		if !slices.Contains(v.Hidden, hidden{"goal", "Tarjouspyyntö"}) {
			t.Errorf("%s: the period form drops the goal: %+v", lang, v.Hidden)
		}
		for _, c := range v.Totals {
			if c.Key == "bots" {
				t.Errorf("%s: a goal report shows a bot card", lang)
			}
		}
	}
	// Without a goal, the bot card is there (the check above can fail).
	v := &dashView{page: page{locale: locale("en")}, Base: "/dashboard"}
	h.fill(v, &params{Site: "example.fi", Period: "30d"}, &analytics.Report{})
	if !slices.ContainsFunc(v.Totals, func(c card) bool { return c.Key == "bots" }) {
		t.Errorf("unfiltered: no bot card in %+v", v.Totals)
	}
}
