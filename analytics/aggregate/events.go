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
//   - When the scanner is also an analytics.ImportStore, imported
//     custom_events rows of the days AddImported would use add their sums,
//     unless the query is filtered (Filters or Goal) or leaves imported data
//     out: to the events of their name (visitors summed over the rows), to
//     the props url (link_url) and path, and to the event goals whose
//     props the row has. Page goals and funnels need visits, which imported
//     sums do not have: they count nothing on imported days.

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

	// Visit-days never cross midnight, so the scans and the counting go a
	// day at a time: memory holds one day's matching page views and events,
	// not the period's (a page goal "/**" matches every page view), and
	// visitors, being distinct per day, are summed as each day ends.
	matchPath := func(path string) bool {
		for _, p := range patterns {
			if p.Match(path) {
				return true
			}
		}
		return false
	}
	filterGoal := slices.IndexFunc(goals, func(g goalMatcher) bool { return g.Name == q.Goal && q.Goal != "" })
	type propKey struct{ event, prop, value string }
	var (
		goalDay    = make([]visitorSet, len(goals))
		goalCount  = make([]int64, len(goals))
		goalEvents = make([]int64, len(goals))
		stepDay    = make([][]visitorSet, len(steps))
		stepCount  = make([][]int64, len(steps))
		evDay      = map[string]visitorSet{}
		evVisitors = map[string]int64{}
		evCount    = map[string]int64{}
		propDay    = map[propKey]visitorSet{}
		propVis    = map[propKey]int64{}
		propCount  = map[propKey]int64{}
		items      []eventItem
		evs        []analytics.Event
		selected   = map[uint64]bool{} // with view filters: the day's visits with a selected page view
	)
	for i := range goals {
		goalDay[i] = visitorSet{}
	}
	for i := range steps {
		stepDay[i] = make([]visitorSet, len(steps[i]))
		stepCount[i] = make([]int64, len(steps[i]))
		for k := range steps[i] {
			stepDay[i][k] = visitorSet{}
		}
	}
	end := q.End()
	// count counts one day's items, then that day's distinct visitors.
	count := func() {
		for i := range items {
			items[i].seq = i
		}
		// The day's visits, each in time order.
		slices.SortFunc(items, func(a, b eventItem) int {
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
		for start := 0; start < len(items); {
			stop := start + 1
			for stop < len(items) && items[stop].visit == items[start].visit {
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
						goalDay[i].add(it.visitor)
						goalEvents[i]++
					}
				}
			}
			for _, it := range visit {
				if it.page {
					continue
				}
				if evDay[it.name] == nil {
					evDay[it.name] = visitorSet{}
				}
				evDay[it.name].add(it.visitor)
				evCount[it.name]++
				for _, p := range it.props {
					pk := propKey{it.name, p.Key, p.Value}
					if propDay[pk] == nil {
						propDay[pk] = visitorSet{}
					}
					propDay[pk].add(it.visitor)
					propCount[pk]++
				}
			}
			for i, ms := range steps {
				reached := 0
				for _, it := range visit {
					if reached < len(ms) && ms[reached].match(it, goals) {
						stepDay[i][reached].add(it.visitor)
						reached++
					}
				}
			}
		}
		// The day ends: its distinct visitors count.
		for i := range goalDay {
			goalCount[i] += goalDay[i].flush()
		}
		for i := range stepDay {
			for k := range stepDay[i] {
				stepCount[i][k] += stepDay[i][k].flush()
			}
		}
		for name, set := range evDay {
			evVisitors[name] += set.flush()
		}
		for k, set := range propDay {
			propVis[k] += set.flush()
		}
	}

	// One scan of the period's events (in time order), and one of its page
	// views, which arrive in time order: a day's items are counted as the
	// next day's first page view arrives.
	err := sc.ScanEvents(ctx, q.Site, q.From, end, func(e analytics.Event) error {
		evs = append(evs, e)
		return nil
	})
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	slices.SortStableFunc(evs, func(a, b analytics.Event) int { return a.Time.Compare(b.Time) })
	bounds := func(t time.Time) (time.Time, time.Time) {
		y, m, d := t.In(q.Zone).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, q.Zone), time.Date(y, m, d+1, 0, 0, 0, 0, q.Zone)
	}
	var (
		dayStart, dayEnd time.Time
		pending          bool
		next             int // the first event not yet counted
	)
	// finish counts the pending day, with its events.
	finish := func() {
		for ; next < len(evs) && evs[next].Time.Before(dayEnd); next++ {
			e := evs[next]
			if len(viewF) == 0 || selected[e.Visit] {
				items = append(items, eventItem{visitor: e.Visitor, visit: e.Visit, ts: e.Time, name: e.Name, props: e.Props})
			}
		}
		count()
		items = items[:0]
		clear(selected)
		pending = false
	}
	// eventDaysBefore counts the days before t that have events and no
	// page view that was read.
	eventDaysBefore := func(t time.Time) {
		for next < len(evs) && evs[next].Time.Before(t) {
			dayStart, dayEnd = bounds(evs[next].Time)
			finish()
		}
	}
	// With view filters, every page view is read to know which visits are
	// selected: only when there are events to select.
	viewsNeeded := len(viewF) > 0 && len(evs) > 0
	if len(patterns) > 0 || viewsNeeded {
		scan := matchPath
		if viewsNeeded {
			scan = func(string) bool { return true }
		}
		err := sc.ScanPages(ctx, q.Site, q.From, end, scan, func(p analytics.PageView) error {
			if !pending || !p.Time.Before(dayEnd) || p.Time.Before(dayStart) {
				if pending {
					finish()
				}
				start, stop := bounds(p.Time)
				eventDaysBefore(start)
				dayStart, dayEnd, pending = start, stop, true
			}
			if !keep(&p) {
				return nil
			}
			if viewsNeeded {
				selected[p.Visit] = true
			}
			if matchPath(p.Path) {
				items = append(items, eventItem{visitor: p.Visitor, visit: p.Visit, path: p.Path, ts: p.Time, page: true})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
		if pending {
			finish()
		}
	}
	eventDaysBefore(end.Add(time.Nanosecond))

	// Imported events of the days before the first collected page view
	// (which have no native events): their sums add to the names, props
	// and event goals; visitors are summed over the rows, as imported
	// breakdowns are.
	if src, ok := sc.(analytics.ImportStore); ok {
		imported, err := importedEvents(ctx, src, q)
		if err != nil {
			return err
		}
		for _, ie := range imported {
			evVisitors[ie.name] += ie.visitors
			evCount[ie.name] += ie.events
			props := ie.props()
			for _, p := range props {
				pk := propKey{ie.name, p.Key, p.Value}
				propVis[pk] += ie.visitors
				propCount[pk] += ie.events
			}
			it := eventItem{name: ie.name, props: props}
			for i, g := range goals {
				if g.Event != "" && g.match(it) {
					goalCount[i] += ie.visitors
					goalEvents[i] += ie.events
				}
			}
		}
	}

	r.Goals = make([]analytics.GoalRow, len(goals))
	for i, g := range goals {
		row := analytics.GoalRow{Name: g.Name, Visitors: goalCount[i], Events: goalEvents[i]}
		if visitors > 0 {
			row.ConversionRate = float64(row.Visitors) / float64(visitors)
		}
		r.Goals[i] = row
	}
	r.Funnels = make([]analytics.FunnelRow, len(steps))
	for i, f := range q.Funnels {
		r.Funnels[i].Name = f.Name
		for k, s := range f.Steps {
			r.Funnels[i].Steps = append(r.Funnels[i].Steps, analytics.FunnelStep{Step: s, Visitors: stepCount[i][k]})
		}
	}
	r.Events = []analytics.EventRow{}
	for name, v := range evVisitors {
		r.Events = append(r.Events, analytics.EventRow{Name: name, Visitors: v, Events: evCount[name]})
	}
	r.Props = []analytics.PropRow{}
	for k, v := range propVis {
		r.Props = append(r.Props, analytics.PropRow{Event: k.event, Prop: k.prop, Value: k.value, Visitors: v, Events: propCount[k]})
	}
	r.Events = analytics.FoldEventRows(r.Events, q.Limit, q.MinVisitors)
	r.Props = analytics.FoldPropRows(r.Props, q.Limit, q.MinVisitors)
	return nil
}

// visitorSet is one day's distinct visitors of something.
type visitorSet map[uint64]struct{}

func (s visitorSet) add(v uint64) { s[v] = struct{}{} }

// flush returns the number of visitors and empties the set for the next day.
func (s visitorSet) flush() int64 {
	n := int64(len(s))
	clear(s)
	return n
}

type eventItem struct {
	visitor, visit uint64
	path           string // a page view's
	ts             time.Time
	seq            int
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
