package storetest

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

// expectEvents is the model's goals, events, props and funnels of q, from
// the generated records, following the definitions in analytics/aggregate
// (events.go) step by step. visitors is the period's visitors.
func expectEvents(ev Events, q analytics.Query, visitors int64, r *analytics.Report) {
	end := q.To.AddDate(0, 0, 1)
	in := func(t time.Time) bool { return !t.Before(q.From) && t.Before(end) }
	day := func(t time.Time) string { return t.In(q.Zone).Format(time.DateOnly) }
	var viewFilters []analytics.Filter
	for _, f := range q.Filters {
		if !f.Dim.VisitLevel() {
			viewFilters = append(viewFilters, f)
		}
	}
	passes := func(p analytics.PageView) bool {
		for _, f := range viewFilters {
			if value(p, f.Dim) != f.Value {
				return false
			}
		}
		return true
	}
	// One thing that happened in a visit-day: a page view or an event.
	type happening struct {
		t       time.Time
		isPage  bool
		order   int
		visitor uint64
		path    string
		event   analytics.Event
	}
	type visitDay struct {
		day   string
		visit uint64
	}
	// Visit-level filters: a visit-day's entry and exit page are its
	// first and last page view of the day; its source is that of the
	// visit's first page view that day or the day before.
	var visitFilters []analytics.Filter
	for _, f := range q.Filters {
		if f.Dim.VisitLevel() {
			visitFilters = append(visitFilters, f)
		}
	}
	type edge struct {
		t     time.Time
		order int
		p     analytics.PageView
	}
	entryOf, exitOf := map[visitDay]edge{}, map[visitDay]edge{}
	for i, p := range ev.PageViews {
		if p.Site != q.Site {
			continue
		}
		k := visitDay{day(p.Time), p.Visit}
		if e, ok := entryOf[k]; !ok || p.Time.Before(e.t) {
			entryOf[k] = edge{p.Time, i, p}
		}
		if e, ok := exitOf[k]; !ok || !p.Time.Before(e.t) {
			exitOf[k] = edge{p.Time, i, p}
		}
	}
	firstOf := visitSources(ev, q.Site)
	visitPasses := func(k visitDay) bool {
		entry, ok := entryOf[k]
		if !ok {
			return len(visitFilters) == 0
		}
		for _, f := range visitFilters {
			var have string
			switch f.Dim {
			case analytics.DimEntryPage:
				have = entry.p.Path
			case analytics.DimExitPage:
				have = exitOf[k].p.Path
			default:
				have = sourceValue(firstOf[k.visit], f.Dim)
			}
			if have != f.Value {
				return false
			}
		}
		return true
	}

	byVisitDay := map[visitDay][]happening{}
	withSelectedView := map[visitDay]bool{}
	n := 0
	for _, p := range ev.PageViews {
		if p.Site != q.Site || !in(p.Time) || !passes(p) || !visitPasses(visitDay{day(p.Time), p.Visit}) {
			continue
		}
		k := visitDay{day(p.Time), p.Visit}
		withSelectedView[k] = true
		byVisitDay[k] = append(byVisitDay[k], happening{t: p.Time, isPage: true, order: n, visitor: p.Visitor, path: p.Path})
		n++
	}
	for _, e := range ev.Events {
		if e.Site != q.Site || !in(e.Time) {
			continue
		}
		k := visitDay{day(e.Time), e.Visit}
		if len(viewFilters) > 0 && !withSelectedView[k] || len(visitFilters) > 0 && !visitPasses(k) {
			continue
		}
		byVisitDay[k] = append(byVisitDay[k], happening{t: e.Time, order: n, visitor: e.Visitor, event: e})
		n++
	}

	pageMatches := func(pattern, path string) bool {
		pat, err := analytics.ParsePathPattern(pattern)
		return err == nil && pat.Match(path)
	}
	goalOf := map[string]analytics.Goal{}
	for _, g := range q.Goals {
		goalOf[g.Name] = g
	}
	converts := func(g analytics.Goal, h happening) bool {
		if g.Page != "" {
			return h.isPage && pageMatches(g.Page, h.path)
		}
		if h.isPage || h.event.Name != g.Event {
			return false
		}
		for k, v := range g.Props {
			found := false
			for _, p := range h.event.Props {
				if p.Key == k && p.Value == v {
					found = true
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	isStep := func(step string, h happening) bool {
		if strings.HasPrefix(step, "/") {
			return h.isPage && pageMatches(step, h.path)
		}
		return converts(goalOf[step], h)
	}

	type who struct {
		day     string
		visitor uint64
	}
	goalWho := map[string]map[who]bool{}
	goalCount := map[string]int64{}
	eventWho := map[string]map[who]bool{}
	eventCount := map[string]int64{}
	type propOf struct{ event, prop, value string }
	propWho := map[propOf]map[who]bool{}
	propCount := map[propOf]int64{}
	stepWho := map[string][]map[who]bool{}
	add := func(m map[who]bool, w who) map[who]bool {
		if m == nil {
			m = map[who]bool{}
		}
		m[w] = true
		return m
	}
	for k, hs := range byVisitDay {
		slices.SortFunc(hs, func(a, b happening) int {
			if c := a.t.Compare(b.t); c != 0 {
				return c
			}
			if a.isPage != b.isPage {
				if a.isPage {
					return -1
				}
				return 1
			}
			return cmp.Compare(a.order, b.order)
		})
		if q.Goal != "" && !slices.ContainsFunc(hs, func(h happening) bool { return converts(goalOf[q.Goal], h) }) {
			continue
		}
		for _, h := range hs {
			w := who{k.day, h.visitor}
			for _, g := range q.Goals {
				if converts(g, h) {
					goalWho[g.Name] = add(goalWho[g.Name], w)
					goalCount[g.Name]++
				}
			}
			if h.isPage {
				continue
			}
			eventWho[h.event.Name] = add(eventWho[h.event.Name], w)
			eventCount[h.event.Name]++
			for _, p := range h.event.Props {
				po := propOf{h.event.Name, p.Key, p.Value}
				propWho[po] = add(propWho[po], w)
				propCount[po]++
			}
		}
		for _, f := range q.Funnels {
			if stepWho[f.Name] == nil {
				stepWho[f.Name] = make([]map[who]bool, len(f.Steps))
			}
			next := 0
			for _, h := range hs {
				if next < len(f.Steps) && isStep(f.Steps[next], h) {
					stepWho[f.Name][next] = add(stepWho[f.Name][next], who{k.day, h.visitor})
					next++
				}
			}
		}
	}

	// Imported events: sums per name, per prop (link_url is url, path is
	// path) and per event goal whose props the row has.
	type sums struct{ visitors, events int64 }
	goalPlus, eventPlus, propPlus := map[string]sums{}, map[string]sums{}, map[propOf]sums{}
	for _, row := range modelImportedEvents(ev, q) {
		name := row.Values[0]
		rowProps := map[string]string{}
		if row.Values[1] != "" {
			rowProps["url"] = row.Values[1]
		}
		if row.Values[2] != "" {
			rowProps["path"] = row.Values[2]
		}
		s := eventPlus[name]
		eventPlus[name] = sums{s.visitors + row.Visitors, s.events + row.Events}
		for k, v := range rowProps {
			po := propOf{name, k, v}
			s := propPlus[po]
			propPlus[po] = sums{s.visitors + row.Visitors, s.events + row.Events}
		}
		for _, g := range q.Goals {
			match := g.Event == name
			for k, v := range g.Props {
				match = match && rowProps[k] == v
			}
			if match {
				s := goalPlus[g.Name]
				goalPlus[g.Name] = sums{s.visitors + row.Visitors, s.events + row.Events}
			}
		}
	}

	r.Goals = []analytics.GoalRow{}
	for _, g := range q.Goals {
		row := analytics.GoalRow{Name: g.Name, Visitors: int64(len(goalWho[g.Name])) + goalPlus[g.Name].visitors,
			Events: goalCount[g.Name] + goalPlus[g.Name].events}
		if visitors > 0 {
			row.ConversionRate = float64(row.Visitors) / float64(visitors)
		}
		r.Goals = append(r.Goals, row)
	}
	r.Funnels = []analytics.FunnelRow{}
	for _, f := range q.Funnels {
		row := analytics.FunnelRow{Name: f.Name}
		for i, s := range f.Steps {
			var v int64
			if stepWho[f.Name] != nil {
				v = int64(len(stepWho[f.Name][i]))
			}
			row.Steps = append(row.Steps, analytics.FunnelStep{Step: s, Visitors: v})
		}
		r.Funnels = append(r.Funnels, row)
	}

	// Events and props, most visitors first, folded as breakdowns are.
	var events []analytics.EventRow
	for name, w := range eventWho {
		events = append(events, analytics.EventRow{Name: name, Visitors: int64(len(w)) + eventPlus[name].visitors,
			Events: eventCount[name] + eventPlus[name].events})
	}
	for name, s := range eventPlus {
		if eventWho[name] == nil {
			events = append(events, analytics.EventRow{Name: name, Visitors: s.visitors, Events: s.events})
		}
	}
	slices.SortFunc(events, func(a, b analytics.EventRow) int {
		return cmp.Or(cmp.Compare(b.Visitors, a.Visitors), cmp.Compare(a.Name, b.Name))
	})
	r.Events = []analytics.EventRow{}
	other := analytics.EventRow{Name: analytics.Other}
	for _, e := range events {
		if small(e.Visitors, q.MinVisitors) || (q.Limit > 0 && len(r.Events) >= q.Limit) {
			other.Visitors += e.Visitors
			other.Events += e.Events
		} else {
			r.Events = append(r.Events, e)
		}
	}
	if other.Events > 0 {
		r.Events = append(r.Events, other)
	}
	var props []analytics.PropRow
	for po, w := range propWho {
		props = append(props, analytics.PropRow{Event: po.event, Prop: po.prop, Value: po.value,
			Visitors: int64(len(w)) + propPlus[po].visitors, Events: propCount[po] + propPlus[po].events})
	}
	for po, s := range propPlus {
		if propWho[po] == nil {
			props = append(props, analytics.PropRow{Event: po.event, Prop: po.prop, Value: po.value, Visitors: s.visitors, Events: s.events})
		}
	}
	slices.SortFunc(props, func(a, b analytics.PropRow) int {
		return cmp.Or(cmp.Compare(b.Visitors, a.Visitors), cmp.Compare(a.Event, b.Event), cmp.Compare(a.Prop, b.Prop), cmp.Compare(a.Value, b.Value))
	})
	r.Props = []analytics.PropRow{}
	kept := map[[2]string]int{}
	var folded []analytics.PropRow // one per event and prop, in the order first folded
	for _, p := range props {
		k := [2]string{p.Event, p.Prop}
		if small(p.Visitors, q.MinVisitors) || (q.Limit > 0 && kept[k] >= q.Limit) {
			i := slices.IndexFunc(folded, func(f analytics.PropRow) bool { return f.Event == p.Event && f.Prop == p.Prop })
			if i < 0 {
				folded = append(folded, analytics.PropRow{Event: p.Event, Prop: p.Prop, Value: analytics.Other})
				i = len(folded) - 1
			}
			folded[i].Visitors += p.Visitors
			folded[i].Events += p.Events
			continue
		}
		kept[k]++
		r.Props = append(r.Props, p)
	}
	// A prop's visitors are among its event's: Other's sum, at most those.
	for i := range folded {
		j := slices.IndexFunc(events, func(e analytics.EventRow) bool { return e.Name == folded[i].Event })
		if j >= 0 && folded[i].Visitors > events[j].Visitors {
			folded[i].Visitors = events[j].Visitors
		}
	}
	r.Props = append(r.Props, folded...)
}

func small(visitors int64, minVisitors int) bool {
	return minVisitors > 1 && visitors < int64(minVisitors)
}

// convertedVisitDays is the model of a goal filter: the visit-days with
// the goal's event (every property the goal names), or with a page view
// that matches a page goal and passes the page-view filters.
func convertedVisitDays(ev Events, q analytics.Query) map[vkey]bool {
	out := map[vkey]bool{}
	var goal analytics.Goal
	for _, g := range q.Goals {
		if g.Name == q.Goal {
			goal = g
		}
	}
	if q.Goal == "" {
		return out
	}
	day := func(t time.Time) string { return t.In(q.Zone).Format(time.DateOnly) }
	if goal.Page != "" {
		pat, err := analytics.ParsePathPattern(goal.Page)
		if err != nil {
			return out
		}
	views:
		for _, p := range ev.PageViews {
			if p.Site != q.Site || !pat.Match(p.Path) {
				continue
			}
			for _, f := range q.Filters {
				if !f.Dim.VisitLevel() && value(p, f.Dim) != f.Value {
					continue views
				}
			}
			out[vkey{day(p.Time), p.Visit}] = true
		}
		return out
	}
	for _, e := range ev.Events {
		if e.Site != q.Site || e.Name != goal.Event {
			continue
		}
		all := true
		for k, v := range goal.Props {
			all = all && slices.ContainsFunc(e.Props, func(p analytics.Prop) bool { return p.Key == k && p.Value == v })
		}
		if all {
			out[vkey{day(e.Time), e.Visit}] = true
		}
	}
	return out
}
