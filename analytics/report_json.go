package analytics

import (
	"bytes"
	"encoding/json"
	"math"
	"time"
)

// MarshalJSON writes the report as the documented API document (the same
// for `seloste report -format json` and GET /api/stats):
//
//	{"site","from","to","zone","interval",
//	 "totals":{"visitors","visits","pageviews","views_per_visit","bounce_rate",
//	           "avg_visit_duration_s","avg_time_on_page_s","bots"},
//	 "previous":{same},"series":[{"t","visitors","pageviews"}],
//	 "pages":[{"path","visitors","pageviews","avg_time_s","avg_scroll_pct"}],
//	 "entry_pages":[{"path","visitors","visits"}],"exit_pages":[...],
//	 "referrers":[{"host","visitors","visits"}],"utm_sources":[{"name","visitors","visits"}],
//	 "utm_mediums":[...],"utm_campaigns":[...],"channels":[{"name","visitors","visits"}],
//	 "countries":[{"code","name","visitors"}],"regions":[{"code","visitors"}],
//	 "cities":[{"name","visitors"}],"browsers":[...],"os":[...],"devices":[...],
//	 "imported":{"included","reason" or "from","to","days"} (only when the
//	            period has imported days),
//	 "consent":{"shown","accepted","declined","rate"} (the consent banner's
//	            counts: only when the period has any and the report is not
//	            filtered; rate is accepted / shown, null when none shown),
//	 "goals":[{"name","visitors","events","conversion_rate"}],
//	 "events":[{"name","visitors","events"}],
//	 "props":[{"event","prop","value","visitors","events"}],
//	 "funnels":[{"name","steps":[{"step","visitors"}]}],
//	 "annotations":[{"id","day","text"}] (the owner's notes on the period's days),
//	 "realtime","generated_at"}
//
// A series point that counts imported aggregates has "imported":true.
// Days are YYYY-MM-DD in the report's zone; series times are RFC 3339 with
// the zone's offset. Ratios are rounded to 4 decimals, seconds to 2. A
// filtered report's totals.bots is null, as are averages withheld under the
// k-anonymity floor (Totals.Withheld, Row.AvgTimeWithheld).
func (r *Report) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	zone := r.Zone
	if zone == nil {
		zone = time.UTC
	}
	field := func(first bool, key string, v any) error {
		if !first {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		b.Write(k)
		b.WriteByte(':')
		enc, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(enc)
		return nil
	}
	b.WriteByte('{')
	type point struct {
		T         string `json:"t"`
		Visitors  int64  `json:"visitors"`
		PageViews int64  `json:"pageviews"`
		Imported  bool   `json:"imported,omitempty"`
	}
	series := make([]point, len(r.Series))
	for i, p := range r.Series {
		series[i] = point{p.T.In(zone).Format(time.RFC3339), p.Visitors, p.PageViews, p.Imported}
	}
	head := []struct {
		k string
		v any
	}{
		{"site", r.Site},
		{"from", r.From.In(zone).Format(time.DateOnly)},
		{"to", r.To.In(zone).Format(time.DateOnly)},
		{"zone", zone.String()},
		{"interval", r.Interval},
		{"totals", totals(r.Totals, len(r.Filters) > 0)},
		{"previous", totals(r.Previous, len(r.Filters) > 0)},
		{"series", series},
	}
	for i, f := range head {
		if err := field(i == 0, f.k, f.v); err != nil {
			return nil, err
		}
	}
	for _, d := range Dimensions {
		rows := make([]map[string]any, 0, len(r.Breakdowns[d]))
		for _, row := range r.Breakdowns[d] {
			m := map[string]any{d.ValueKey(): row.Value, "visitors": row.Visitors}
			switch d {
			case DimPage:
				m["pageviews"] = row.PageViews
				m["avg_time_s"] = round(row.AvgTime, 2)
				if row.AvgTimeWithheld {
					m["avg_time_s"] = nil
				}
				m["avg_scroll_pct"] = nil // none measured, or withheld
				if row.ScrolledViews > 0 && !row.AvgScrollWithheld {
					m["avg_scroll_pct"] = round(row.AvgScroll, 1)
				}
			case DimCountry:
				m["name"] = row.Name
			}
			if d.VisitLevel() {
				m["visits"] = row.Visits
			}
			rows = append(rows, m)
		}
		if err := field(false, d.JSONKey(), rows); err != nil {
			return nil, err
		}
	}
	if r.Imported != nil {
		type imported struct {
			Included bool   `json:"included"`
			Reason   string `json:"reason,omitempty"`
			From     string `json:"from,omitempty"`
			To       string `json:"to,omitempty"`
			Days     int    `json:"days,omitempty"`
		}
		u := r.Imported
		if err := field(false, "imported", imported{u.Included, u.Reason, u.From, u.To, u.Days}); err != nil {
			return nil, err
		}
	}
	if c := r.Consent; c != nil {
		type consent struct {
			ConsentTotals
			Rate *float64 `json:"rate"`
		}
		d := consent{ConsentTotals: *c}
		if rate, ok := c.Rate(); ok {
			rate = round(rate, 4)
			d.Rate = &rate
		}
		if err := field(false, "consent", d); err != nil {
			return nil, err
		}
	}
	type goal struct {
		Name           string  `json:"name"`
		Visitors       int64   `json:"visitors"`
		Events         int64   `json:"events"`
		ConversionRate float64 `json:"conversion_rate"`
	}
	type event struct {
		Name     string `json:"name"`
		Visitors int64  `json:"visitors"`
		Events   int64  `json:"events"`
	}
	type prop struct {
		Event    string `json:"event"`
		Prop     string `json:"prop"`
		Value    string `json:"value"`
		Visitors int64  `json:"visitors"`
		Events   int64  `json:"events"`
	}
	type step struct {
		Step     string `json:"step"`
		Visitors int64  `json:"visitors"`
	}
	type funnel struct {
		Name  string `json:"name"`
		Steps []step `json:"steps"`
	}
	goals, events, props, funnels := []goal{}, []event{}, []prop{}, []funnel{}
	for _, g := range r.Goals {
		goals = append(goals, goal{g.Name, g.Visitors, g.Events, round(g.ConversionRate, 4)})
	}
	for _, e := range r.Events {
		events = append(events, event{e.Name, e.Visitors, e.Events})
	}
	for _, p := range r.Props {
		props = append(props, prop{p.Event, p.Prop, p.Value, p.Visitors, p.Events})
	}
	for _, f := range r.Funnels {
		fd := funnel{Name: f.Name, Steps: []step{}}
		for _, s := range f.Steps {
			fd.Steps = append(fd.Steps, step{s.Step, s.Visitors})
		}
		funnels = append(funnels, fd)
	}
	for _, f := range []struct {
		k string
		v any
	}{{"goals", goals}, {"events", events}, {"props", props}, {"funnels", funnels}, {"annotations", annotationsJSON(r.Annotations)}} {
		if err := field(false, f.k, f.v); err != nil {
			return nil, err
		}
	}
	if err := field(false, "realtime", r.Realtime); err != nil {
		return nil, err
	}
	if !r.GeneratedAt.IsZero() {
		if err := field(false, "generated_at", r.GeneratedAt.UTC().Format(time.RFC3339)); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// totals is the JSON of t; a filtered report's bots are null, not a
// number that would look filtered, and so are averages withheld under the
// k-anonymity floor.
func totals(t Totals, filtered bool) any {
	t = roundTotals(t)
	type doc struct {
		Visitors         int64    `json:"visitors"`
		Visits           int64    `json:"visits"`
		PageViews        int64    `json:"pageviews"`
		ViewsPerVisit    *float64 `json:"views_per_visit"`
		BounceRate       *float64 `json:"bounce_rate"`
		AvgVisitDuration *float64 `json:"avg_visit_duration_s"`
		AvgTimeOnPage    *float64 `json:"avg_time_on_page_s"`
		Bots             *int64   `json:"bots"`
	}
	d := doc{Visitors: t.Visitors, Visits: t.Visits, PageViews: t.PageViews}
	if !t.Withheld {
		d.ViewsPerVisit, d.BounceRate = &t.ViewsPerVisit, &t.BounceRate
	}
	if !t.Withheld && !t.DurationWithheld {
		d.AvgVisitDuration = &t.AvgVisitDuration
	}
	if !t.TimeWithheld {
		d.AvgTimeOnPage = &t.AvgTimeOnPage
	}
	if !filtered {
		d.Bots = &t.Bots
	}
	return d
}

func roundTotals(t Totals) Totals {
	t.ViewsPerVisit = round(t.ViewsPerVisit, 2)
	t.BounceRate = round(t.BounceRate, 4)
	t.AvgVisitDuration = round(t.AvgVisitDuration, 2)
	t.AvgTimeOnPage = round(t.AvgTimeOnPage, 2)
	return t
}

func round(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(x*p) / p
}

// Change is the relative change from previous to current, e.g. 0.25 for
// +25 %; ok is false when there is nothing to compare with (previous 0).
func Change(current, previous float64) (change float64, ok bool) {
	if previous == 0 {
		return 0, false
	}
	return (current - previous) / previous, true
}

// annotationsJSON is the notes' part of the document: the site and the
// creation time are the owner's bookkeeping, not the report's.
func annotationsJSON(list []Annotation) any {
	type note struct {
		ID   string `json:"id"`
		Day  string `json:"day"`
		Text string `json:"text"`
	}
	out := make([]note, 0, len(list))
	for _, a := range list {
		out = append(out, note{a.ID, a.Day, a.Text})
	}
	return out
}
