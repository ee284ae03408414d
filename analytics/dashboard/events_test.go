package dashboard

import (
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
)

// TestEventPanels: the Goals, Events, props and Funnel panels show the
// report's rows, in every language, a goal row filters to its visits, and
// each panel has its CSV.
func TestEventPanels(t *testing.T) {
	rep := &analytics.Report{
		Goals:   []analytics.GoalRow{{Name: "Tarjouspyyntö", Visitors: 3, Events: 4, ConversionRate: 0.25}},
		Events:  []analytics.EventRow{{Name: "Yhteydenotto", Visitors: 5, Events: 7}},
		Props:   []analytics.PropRow{{Event: "Yhteydenotto", Prop: "lomake", Value: "tarjous", Visitors: 3, Events: 4}},
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
			if tb.Title == "" || strings.HasPrefix(tb.Title, "dim.") || !strings.Contains(tb.CSVURL, "breakdown="+tb.Dim) {
				t.Errorf("%s: panel %+v", lang, tb)
			}
		}
		if g := tables[0].Rows[0]; !strings.Contains(g.URL, "goal=Tarjouspy") || g.Visitors != "3" {
			t.Errorf("%s: goal row %+v", lang, g)
		}
		if f := tables[3].Rows; len(f) != 2 || !strings.Contains(f[1].Label, "2. Tarjouspyyntö") {
			t.Errorf("%s: funnel rows %+v", lang, f)
		}
	}
}
