package aggregate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/seloste/seloste/analytics"
)

// The event parts of a report (goals, events, props, funnels), defined once
// here from an engine's two scans (analytics.EventScanner):
//
//   - An event belongs to the visitor and visit it was stored with (its page
//     view's) and to the day of its own time, in the report's zone. Visits
//     are split by day as everywhere: a visit-day is one visit's page views
//     and events of one day.
//   - Visitors are distinct visitor ids per day, summed over the days.
//   - A goal converts in a visit-day that has the goal's event, with every
//     property value the goal names, or a page view whose path matches the
//     goal's page ("*" one segment, "**" any number). Its visitors are the
//     visitors of such visit-days; its events are the matching events or
//     page views; its conversion rate is its visitors over the period's
//     visitors (Totals.Visitors, 0 when there are none).
//   - Events count per name, props per (event, prop, value): visitors and
//     events.
//   - A funnel's step k counts the visitors of the visit-days that went
//     through steps 1..k in order: the visit-day's page views and events in
//     time order (a page view before an event of the same second), a step
//     being a page pattern (matched by a page view) or a goal's name (its
//     event or page view). Step 1 is any visit-day that reaches it.
//   - Filters on page-view dimensions (page, country, region, city,
//     browser, os, device) keep the page views with the value, and the
//     events of the visit-days that have such a page view; a goal filter
//     (Query.Goal) keeps the visit-days converting to it. Visit-level
//     filters (entry and exit page, sources, channel) do not narrow the
//     event parts yet.
//   - Events and props rows are sorted by visitors, then by name; Limit and
//     MinVisitors fold them into analytics.Other as breakdown rows are.

// Events fills r's event parts for q (normalized) from sc. visitors is the
// period's visitors, for conversion rates.
func Events(ctx context.Context, sc analytics.EventScanner, q analytics.Query, visitors int64, r *analytics.Report) error {
	goals := make([]goalMatcher, len(q.Goals))
	var patterns []analytics.PathPattern
	for i, g := range q.Goals {
		goals[i].Goal = g
		if g.Page != "" {
			p, err := analytics.ParsePathPattern(g.Page)
			if err != nil {
				return fmt.Errorf("goal %q: %w", g.Name, err)
			}
			goals[i].page = p
			patterns = append(patterns, p)
		}
	}
	steps := make([][]stepMatcher, len(q.Funnels))
	for i, f := range q.Funnels {
		for _, s := range f.Steps {
			m := stepMatcher{goal: -1}
			if len(s) > 0 && s[0] == '/' {
				p, err := analytics.ParsePathPattern(s)
				if err != nil {
					return fmt.Errorf("funnel %q: %w", f.Name, err)
				}
				m.page = p
				patterns = append(patterns, p)
			} else if m.goal = slices.IndexFunc(q.Goals, func(g analytics.Goal) bool { return g.Name == s }); m.goal < 0 {
				return fmt.Errorf("funnel %q: step %q is no goal of the query", f.Name, s)
			}
			steps[i] = append(steps[i], m)
		}
	}
	var viewF []analytics.Filter
	for _, f := range q.Filters {
		if !f.Dim.VisitLevel() {
			viewF = append(viewF, f)
		}
	}
	keep := func(p *analytics.PageView) bool {
		for _, f := range viewF {
			if pageViewValue(p, f.Dim) != f.Value {
				return false
			}
		}
		return true
	}

	var items []eventItem
	end := q.End()
	type vd struct {
		day   string
		visit uint64
	}
	selected := map[vd]bool{} // with view filters: the visit-days with a selected page view
	dayOf := func(t time.Time) string { return t.In(q.Zone).Format(time.DateOnly) }
	matchPath := func(path string) bool {
		for _, p := range patterns {
			if p.Match(path) {
				return true
			}
		}
		return false
	}
	var evs []analytics.Event
	err := sc.ScanEvents(ctx, q.Site, q.From, end, func(e analytics.Event) error {
		evs = append(evs, e)
		return nil
	})
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	// With view filters, every page view is read to know which visit-days
	// are selected: only when there are events to select.
	viewsNeeded := len(viewF) > 0 && len(evs) > 0
	if len(patterns) > 0 || viewsNeeded {
		scan := matchPath
		if viewsNeeded {
			scan = func(string) bool { return true }
		}
		err := sc.ScanPages(ctx, q.Site, q.From, end, scan, func(p analytics.PageView) error {
			if !keep(&p) {
				return nil
			}
			day := dayOf(p.Time)
			if viewsNeeded {
				selected[vd{day, p.Visit}] = true
			}
			if matchPath(p.Path) {
				items = append(items, eventItem{visitor: p.Visitor, visit: p.Visit, path: p.Path, ts: p.Time, day: day, page: true})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
	}
	for _, e := range evs {
		day := dayOf(e.Time)
		if len(viewF) == 0 || selected[vd{day, e.Visit}] {
			items = append(items, eventItem{visitor: e.Visitor, visit: e.Visit, ts: e.Time, day: day, name: e.Name, props: e.Props})
		}
	}
	for i := range items {
		items[i].seq = i
	}
	// Visit-days in time order.
	slices.SortFunc(items, func(a, b eventItem) int {
		if c := cmp.Compare(a.day, b.day); c != 0 {
			return c
		}
		if c := cmp.Compare(a.visit, b.visit); c != 0 {
			return c
		}
		if c := a.ts.Compare(b.ts); c != 0 {
			return c
		}
		if a.page != b.page {
			if a.page {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.seq, b.seq)
	})

	type dv struct {
		day     string
		visitor uint64
	}
	goalVisitors := make([]map[dv]bool, len(goals))
	goalEvents := make([]int64, len(goals))
	stepVisitors := make([][]map[dv]bool, len(steps))
	for i := range goals {
		goalVisitors[i] = map[dv]bool{}
	}
	for i := range steps {
		stepVisitors[i] = make([]map[dv]bool, len(steps[i]))
		for k := range steps[i] {
			stepVisitors[i][k] = map[dv]bool{}
		}
	}
	type propKey struct{ event, prop, value string }
	evVisitors, evCount := map[string]map[dv]bool{}, map[string]int64{}
	propVisitors, propCount := map[propKey]map[dv]bool{}, map[propKey]int64{}
	filterGoal := slices.IndexFunc(goals, func(g goalMatcher) bool { return g.Name == q.Goal && q.Goal != "" })

	for start := 0; start < len(items); {
		stop := start + 1
		for stop < len(items) && items[stop].day == items[start].day && items[stop].visit == items[start].visit {
			stop++
		}
		visit := items[start:stop]
		start = stop
		if filterGoal >= 0 && !slices.ContainsFunc(visit, goals[filterGoal].match) {
			continue
		}
		for i, g := range goals {
			for _, it := range visit {
				if g.match(it) {
					goalVisitors[i][dv{it.day, it.visitor}] = true
					goalEvents[i]++
				}
			}
		}
		for _, it := range visit {
			if it.page {
				continue
			}
			k := dv{it.day, it.visitor}
			if evVisitors[it.name] == nil {
				evVisitors[it.name] = map[dv]bool{}
			}
			evVisitors[it.name][k] = true
			evCount[it.name]++
			for _, p := range it.props {
				pk := propKey{it.name, p.Key, p.Value}
				if propVisitors[pk] == nil {
					propVisitors[pk] = map[dv]bool{}
				}
				propVisitors[pk][k] = true
				propCount[pk]++
			}
		}
		for i, ms := range steps {
			reached := 0
			for _, it := range visit {
				if reached < len(ms) && ms[reached].match(it, goals) {
					stepVisitors[i][reached][dv{it.day, it.visitor}] = true
					reached++
				}
			}
		}
	}

	r.Goals = make([]analytics.GoalRow, len(goals))
	for i, g := range goals {
		row := analytics.GoalRow{Name: g.Name, Visitors: int64(len(goalVisitors[i])), Events: goalEvents[i]}
		if visitors > 0 {
			row.ConversionRate = float64(row.Visitors) / float64(visitors)
		}
		r.Goals[i] = row
	}
	r.Funnels = make([]analytics.FunnelRow, len(steps))
	for i, f := range q.Funnels {
		r.Funnels[i].Name = f.Name
		for k, s := range f.Steps {
			r.Funnels[i].Steps = append(r.Funnels[i].Steps, analytics.FunnelStep{Step: s, Visitors: int64(len(stepVisitors[i][k]))})
		}
	}
	r.Events = []analytics.EventRow{}
	for name, v := range evVisitors {
		r.Events = append(r.Events, analytics.EventRow{Name: name, Visitors: int64(len(v)), Events: evCount[name]})
	}
	r.Props = []analytics.PropRow{}
	for k, v := range propVisitors {
		r.Props = append(r.Props, analytics.PropRow{Event: k.event, Prop: k.prop, Value: k.value, Visitors: int64(len(v)), Events: propCount[k]})
	}
	r.Events = analytics.FoldEventRows(r.Events, q.Limit, q.MinVisitors)
	r.Props = analytics.FoldPropRows(r.Props, q.Limit, q.MinVisitors)
	return nil
}

type eventItem struct {
	visitor, visit uint64
	path           string // a page view's
	ts             time.Time
	seq            int
	day            string
	page           bool // a page view; else an event
	name           string
	props          []analytics.Prop
}

type goalMatcher struct {
	analytics.Goal
	page analytics.PathPattern
}

func (g goalMatcher) match(it eventItem) bool {
	if g.Page != "" {
		return it.page && g.page.Match(it.path)
	}
	if it.page || it.name != g.Event {
		return false
	}
	for k, v := range g.Props {
		i := slices.IndexFunc(it.props, func(p analytics.Prop) bool { return p.Key == k })
		if i < 0 || it.props[i].Value != v {
			return false
		}
	}
	return true
}

type stepMatcher struct {
	page analytics.PathPattern
	goal int // index into the goals, -1 for a page step
}

func (s stepMatcher) match(it eventItem, goals []goalMatcher) bool {
	if s.goal >= 0 {
		return goals[s.goal].match(it)
	}
	return it.page && s.page.Match(it.path)
}

// pageViewValue is p's value in a page-view dimension, as breakdowns have
// it (region "FI-18").
func pageViewValue(p *analytics.PageView, d analytics.Dimension) string {
	switch d {
	case analytics.DimPage:
		return p.Path
	case analytics.DimCountry:
		return p.Country
	case analytics.DimRegion:
		if p.Region == "" {
			return ""
		}
		return p.Country + "-" + p.Region
	case analytics.DimCity:
		return p.City
	case analytics.DimBrowser:
		return p.Browser
	case analytics.DimOS:
		return p.OS
	case analytics.DimDevice:
		return p.Device
	}
	return ""
}
