package aggregate

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
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
//     (Query.Goal) keeps the visit-days converting to it. A visit-level
//     filter (entry and exit page, sources, channel) keeps the events and
//     page views of the visit-days that have the value, as in the
//     page-view numbers: the entry and exit page of the day, the source
//     of the visit's first page view that day or the day before.
//   - Events and props rows are sorted by visitors, then by name; Limit and
//     MinVisitors fold them into analytics.Other as breakdown rows are. A
//     prop's Other row has the folded rows' visitors summed, at most its
//     event's visitors (analytics.FoldPropRows).
//   - When the scanner is also an analytics.ImportStore, imported
//     custom_events rows of the days AddImported would use add their sums,
//     unless the query is filtered (Filters or Goal) or leaves imported data
//     out: to the events of their name (visitors summed over the rows), to
//     the props url (link_url) and path, and to the event goals whose
//     props the row has. Page goals and funnels need visits, which imported
//     sums do not have: they count nothing on imported days.

// Events fills r's event parts for q (normalized) from sc. visitors is the
// period's visitors, for conversion rates.
//
// Every part is a sum over days, so an engine that keeps the parts of
// finished days (analytics.EventDayKeeper, filled by EventDay or EventDayGoals
// in its background maintenance) answers a report without filters (but
// perhaps a goal filter) from them; the days it has not kept, and every
// report with filters, are counted from the scans.
func Events(ctx context.Context, sc analytics.EventScanner, q analytics.Query, visitors int64, r *analytics.Report) error {
	m, err := newEventMatchers(q.Goals, q.Funnels)
	if err != nil {
		return err
	}
	total := m.newParts()
	add := func(_ time.Time, p *eventParts) { total.add(p) }
	end := q.End()
	kept := map[string][]byte{}
	if k, ok := sc.(analytics.EventDayKeeper); ok && len(q.Filters) == 0 {
		key := EventKey(q.Goals, q.Funnels)
		if q.Goal != "" {
			key = GoalKey(key, q.Goal) // kept by EventDayGoals
		}
		err := k.EventDays(ctx, q.Site, q.Zone, key, q.From, end, func(day time.Time, parts []byte) error {
			kept[day.In(q.Zone).Format(time.DateOnly)] = parts
			return nil
		})
		if err != nil {
			return fmt.Errorf("events: %w", err)
		}
	}
	var gap time.Time // the first day of a run of days to scan; zero none
	for day := q.From; day.Before(end); day = nextDay(day, q.Zone) {
		b, ok := kept[day.Format(time.DateOnly)]
		var p *eventParts
		if ok {
			p, ok = m.decodeParts(b) // one of another shape is counted afresh
		}
		if !ok {
			if gap.IsZero() {
				gap = day
			}
			continue
		}
		if !gap.IsZero() {
			if err := m.scan(ctx, sc, q, gap, day, add); err != nil {
				return err
			}
			gap = time.Time{}
		}
		total.add(p)
	}
	if !gap.IsZero() {
		if err := m.scan(ctx, sc, q, gap, end, add); err != nil {
			return err
		}
	}

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
			imp := m.newParts()
			imp.events[ie.name] = partCount{ie.visitors, ie.events}
			props := ie.props()
			for _, p := range props {
				imp.props[propKey{ie.name, p.Key, p.Value}] = partCount{ie.visitors, ie.events}
			}
			it := eventItem{name: ie.name, props: props}
			for i, g := range m.goals {
				if g.Event != "" && g.match(it) {
					imp.goals[i] = partCount{ie.visitors, ie.events}
				}
			}
			total.add(imp)
		}
	}

	r.Goals = make([]analytics.GoalRow, len(m.goals))
	for i, g := range m.goals {
		row := analytics.GoalRow{Name: g.Name, Visitors: total.goals[i].Visitors, Events: total.goals[i].Events}
		if visitors > 0 {
			row.ConversionRate = float64(row.Visitors) / float64(visitors)
		}
		r.Goals[i] = row
	}
	r.Funnels = make([]analytics.FunnelRow, len(q.Funnels))
	for i, f := range q.Funnels {
		r.Funnels[i].Name = f.Name
		for k, s := range f.Steps {
			r.Funnels[i].Steps = append(r.Funnels[i].Steps, analytics.FunnelStep{Step: s, Visitors: total.steps[i][k]})
		}
	}
	r.Events = []analytics.EventRow{}
	for name, c := range total.events {
		r.Events = append(r.Events, analytics.EventRow{Name: name, Visitors: c.Visitors, Events: c.Events})
	}
	r.Props = []analytics.PropRow{}
	for k, c := range total.props {
		r.Props = append(r.Props, analytics.PropRow{Event: k.event, Prop: k.prop, Value: k.value, Visitors: c.Visitors, Events: c.Events})
	}
	eventVisitors := map[string]int64{}
	for name, c := range total.events {
		eventVisitors[name] = c.Visitors
	}
	r.Events = analytics.FoldEventRows(r.Events, q.Limit, q.MinVisitors)
	r.Props = analytics.FoldPropRows(r.Props, q.Limit, q.MinVisitors, eventVisitors)
	return nil
}

// EventKey names a set of goals and funnels: the event parts kept for one
// set answer reports with exactly that set.
func EventKey(goals []analytics.Goal, funnels []analytics.Funnel) string {
	// Empty and nil are the same set.
	var g []analytics.Goal
	for _, x := range goals {
		if len(x.Props) == 0 {
			x.Props = nil
		}
		g = append(g, x)
	}
	var f []analytics.Funnel
	for _, x := range funnels {
		if len(x.Steps) == 0 {
			x.Steps = nil
		}
		f = append(f, x)
	}
	b, _ := json.Marshal(struct {
		G []analytics.Goal
		F []analytics.Funnel
	}{g, f}) // of strings and string maps: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// EventSet is the goals and funnels whose event parts an engine keeps per
// day (analytics.EventDayKeeper), with their EventKey.
type EventSet struct {
	Key     string
	Goals   []analytics.Goal
	Funnels []analytics.Funnel
}

// NewEventSet returns the set of goals and funnels, or nil when it has
// none: events and props alone are cheap to count, and nothing is kept.
func NewEventSet(goals []analytics.Goal, funnels []analytics.Funnel) *EventSet {
	if len(goals) == 0 && len(funnels) == 0 {
		return nil
	}
	return &EventSet{Key: EventKey(goals, funnels), Goals: goals, Funnels: funnels}
}

// EventDay counts the event parts of site's day that begins at day
// (midnight in zone) for goals and funnels, unfiltered, in the form an
// engine keeps for Events (analytics.EventDayKeeper).
func EventDay(ctx context.Context, sc analytics.EventScanner, site string, zone *time.Location, goals []analytics.Goal, funnels []analytics.Funnel, day time.Time) ([]byte, error) {
	m, err := newEventMatchers(goals, funnels)
	if err != nil {
		return nil, err
	}
	q := analytics.Query{Site: site, Zone: zone, Goals: goals, Funnels: funnels}
	total := m.newParts()
	err = m.scan(ctx, sc, q, day, nextDay(day, zone), func(_ time.Time, p *eventParts) { total.add(p) })
	if err != nil {
		return nil, err
	}
	return total.encode(), nil
}

// nextDay is the midnight after day's, in zone.
func nextDay(day time.Time, zone *time.Location) time.Time {
	y, m, d := day.In(zone).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, zone)
}

// eventMatchers is a query's goals and funnel steps, parsed.
type eventMatchers struct {
	// perGoal, when set, is called as scan counts each day with the parts
	// of that day under a goal filter on each goal in turn, and the visits
	// converting to it (in no order; reused after the call): what
	// EventDayGoals keeps. Only for a query without filters.
	perGoal func(day time.Time, goal int, p *eventParts, visits []uint64)

	goals    []goalMatcher
	steps    [][]stepMatcher
	patterns []analytics.PathPattern // every page pattern of goals and steps
}

func newEventMatchers(goals []analytics.Goal, funnels []analytics.Funnel) (*eventMatchers, error) {
	m := &eventMatchers{goals: make([]goalMatcher, len(goals)), steps: make([][]stepMatcher, len(funnels))}
	for i, g := range goals {
		m.goals[i].Goal = g
		if g.Page != "" {
			p, err := analytics.ParsePathPattern(g.Page)
			if err != nil {
				return nil, fmt.Errorf("goal %q: %w", g.Name, err)
			}
			m.goals[i].page = p
			m.patterns = append(m.patterns, p)
		}
	}
	for i, f := range funnels {
		for _, s := range f.Steps {
			sm := stepMatcher{goal: -1}
			if len(s) > 0 && s[0] == '/' {
				p, err := analytics.ParsePathPattern(s)
				if err != nil {
					return nil, fmt.Errorf("funnel %q: %w", f.Name, err)
				}
				sm.page = p
				m.patterns = append(m.patterns, p)
			} else if sm.goal = slices.IndexFunc(goals, func(g analytics.Goal) bool { return g.Name == s }); sm.goal < 0 {
				return nil, fmt.Errorf("funnel %q: step %q is no goal of the query", f.Name, s)
			}
			m.steps[i] = append(m.steps[i], sm)
		}
	}
	return m, nil
}

func (m *eventMatchers) matchPath(path string) bool {
	for _, p := range m.patterns {
		if p.Match(path) {
			return true
		}
	}
	return false
}

// scan counts the days in [from, end) of q's site from the two scans,
// calling emit with each day's parts as the day ends; q's filters apply.
func (m *eventMatchers) scan(ctx context.Context, sc analytics.EventScanner, q analytics.Query, from, end time.Time, emit func(day time.Time, p *eventParts)) error {
	var viewF, visitF []analytics.Filter
	for _, f := range q.Filters {
		if f.Dim.VisitLevel() {
			visitF = append(visitF, f)
		} else {
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
	// visitors, being distinct per day, are counted as each day ends.
	goals, steps := m.goals, m.steps
	filterGoal := slices.IndexFunc(goals, func(g goalMatcher) bool { return g.Name == q.Goal && q.Goal != "" })
	var (
		goalDay  = make([]visitorSet, len(goals))
		stepDay  = make([][]visitorSet, len(steps))
		evDay    = map[string]visitorSet{}
		propDay  = map[propKey]visitorSet{}
		items    []eventItem
		evs      []analytics.Event
		selected = map[uint64]bool{} // with view filters: the day's visits with a selected page view
	)
	for i := range goals {
		goalDay[i] = visitorSet{}
	}
	for i := range steps {
		stepDay[i] = make([]visitorSet, len(steps[i]))
		for k := range steps[i] {
			stepDay[i][k] = visitorSet{}
		}
	}
	// countFor counts one day's items, then that day's distinct visitors,
	// keeping the visit-days that convert to goals[filter] (-1: all) and
	// adding their visits to conv (nil: not wanted).
	countFor := func(filter int, conv *[]uint64) *eventParts {
		p := m.newParts()
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
			if filter >= 0 && !slices.ContainsFunc(visit, goals[filter].match) {
				continue
			}
			if conv != nil {
				*conv = append(*conv, visit[0].visit)
			}
			for i, g := range goals {
				for _, it := range visit {
					if g.match(it) {
						goalDay[i].add(it.visitor)
						p.goals[i].Events++
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
				c := p.events[it.name]
				c.Events++
				p.events[it.name] = c
				for _, pr := range it.props {
					pk := propKey{it.name, pr.Key, pr.Value}
					if propDay[pk] == nil {
						propDay[pk] = visitorSet{}
					}
					propDay[pk].add(it.visitor)
					c := p.props[pk]
					c.Events++
					p.props[pk] = c
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
			p.goals[i].Visitors = goalDay[i].flush()
		}
		for i := range stepDay {
			for k := range stepDay[i] {
				p.steps[i][k] = stepDay[i][k].flush()
			}
		}
		for name, set := range evDay {
			c := p.events[name]
			c.Visitors = set.flush()
			p.events[name] = c
		}
		clear(evDay)
		for k, set := range propDay {
			c := p.props[k]
			c.Visitors = set.flush()
			p.props[k] = c
		}
		clear(propDay)
		return p
	}
	var conv []uint64
	count := func(day time.Time) {
		emit(day, countFor(filterGoal, nil))
		if m.perGoal != nil {
			for i := range goals {
				conv = conv[:0]
				p := countFor(i, &conv)
				m.perGoal(day, i, p, conv)
			}
		}
	}

	// One scan of the events (in time order), and one of the page views,
	// which arrive in time order: a day's items are counted as the next
	// day's first page view arrives.
	err := sc.ScanEvents(ctx, q.Site, from, end, func(e analytics.Event) error {
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
	// With visit-level filters, the day's visits are known as the day
	// ends: its entry and exit page, and the source of its first page view
	// that day or the day before (sources, by the day's midnight).
	type dayVisit struct{ entry, exit string }
	var (
		visits  = map[uint64]*dayVisit{}
		sources = map[int64]map[uint64]Source{}
		passes  = map[uint64]bool{}
	)
	visitPasses := func(visit uint64, v *dayVisit) bool {
		src, ok := sources[dayStart.AddDate(0, 0, -1).Unix()][visit]
		if !ok {
			src = sources[dayStart.Unix()][visit]
		}
		for _, f := range visitF {
			var have string
			switch f.Dim {
			case analytics.DimEntryPage:
				have = v.entry
			case analytics.DimExitPage:
				have = v.exit
			case analytics.DimReferrer:
				have = src[0]
			case analytics.DimUTMSource:
				have = src[1]
			case analytics.DimUTMMedium:
				have = src[2]
			case analytics.DimUTMCampaign:
				have = src[3]
			case analytics.DimChannel:
				have = analytics.ChannelOf(src[0], src[1], src[2], src[3])
			}
			if have != f.Value {
				return false
			}
		}
		return true
	}
	// finish counts the pending day, with its events.
	finish := func() {
		if len(visitF) > 0 {
			for id, v := range visits {
				if visitPasses(id, v) {
					passes[id] = true
				}
			}
			items = slices.DeleteFunc(items, func(it eventItem) bool { return !passes[it.visit] })
		}
		for ; next < len(evs) && evs[next].Time.Before(dayEnd); next++ {
			e := evs[next]
			if (len(viewF) == 0 || selected[e.Visit]) && (len(visitF) == 0 || passes[e.Visit]) {
				items = append(items, eventItem{visitor: e.Visitor, visit: e.Visit, ts: e.Time, name: e.Name, props: e.Props})
			}
		}
		count(dayStart)
		items = items[:0]
		clear(selected)
		clear(visits)
		clear(passes)
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
	// selected: only when there are events to select. Visit-level filters
	// need every page view, from the day before (the sources' look-back).
	viewsNeeded := len(viewF) > 0 && len(evs) > 0 || len(visitF) > 0 && (len(evs) > 0 || len(m.patterns) > 0)
	if len(m.patterns) > 0 || viewsNeeded {
		scan, scanFrom := m.matchPath, from
		if viewsNeeded {
			scan = func(string) bool { return true }
		}
		if len(visitF) > 0 {
			scanFrom = from.AddDate(0, 0, -1)
		}
		err := sc.ScanPages(ctx, q.Site, scanFrom, end, scan, func(p analytics.PageView) error {
			if len(visitF) > 0 {
				start, _ := bounds(p.Time)
				day := sources[start.Unix()]
				if day == nil {
					day = map[uint64]Source{}
					sources[start.Unix()] = day
					// The pending day, not yet counted, still looks
					// back a day: older ones go.
					for d := range sources {
						if d < start.AddDate(0, 0, -2).Unix() {
							delete(sources, d)
						}
					}
				}
				if _, ok := day[p.Visit]; !ok {
					day[p.Visit] = Source{p.ReferrerHost, p.UTMSource, p.UTMMedium, p.UTMCampaign}
				}
				if p.Time.Before(from) {
					return nil // the look-back day: sources only
				}
			}
			if !pending || !p.Time.Before(dayEnd) || p.Time.Before(dayStart) {
				if pending {
					finish()
				}
				start, stop := bounds(p.Time)
				eventDaysBefore(start)
				dayStart, dayEnd, pending = start, stop, true
			}
			if len(visitF) > 0 {
				if v := visits[p.Visit]; v == nil {
					visits[p.Visit] = &dayVisit{entry: p.Path, exit: p.Path}
				} else {
					v.exit = p.Path
				}
			}
			if !keep(&p) {
				return nil
			}
			if viewsNeeded {
				selected[p.Visit] = true
			}
			if m.matchPath(p.Path) {
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
	return nil
}

type propKey struct{ event, prop, value string }

// partCount is visitors and events (or converting page views).
type partCount struct{ Visitors, Events int64 }

// eventParts is the event parts of a day or of days: sums, since visitors
// are distinct per day.
type eventParts struct {
	goals  []partCount // per goal
	steps  [][]int64   // per funnel, per step: visitors
	events map[string]partCount
	props  map[propKey]partCount
}

func (m *eventMatchers) newParts() *eventParts {
	p := &eventParts{goals: make([]partCount, len(m.goals)), steps: make([][]int64, len(m.steps)),
		events: map[string]partCount{}, props: map[propKey]partCount{}}
	for i := range m.steps {
		p.steps[i] = make([]int64, len(m.steps[i]))
	}
	return p
}

func (p *eventParts) add(o *eventParts) {
	for i, c := range o.goals {
		p.goals[i].Visitors += c.Visitors
		p.goals[i].Events += c.Events
	}
	for i := range o.steps {
		for k, v := range o.steps[i] {
			p.steps[i][k] += v
		}
	}
	for name, c := range o.events {
		t := p.events[name]
		t.Visitors += c.Visitors
		t.Events += c.Events
		p.events[name] = t
	}
	for k, c := range o.props {
		t := p.props[k]
		t.Visitors += c.Visitors
		t.Events += c.Events
		p.props[k] = t
	}
}

// keptParts is the kept form of eventParts: JSON, a few hundred bytes a
// day, as nothing reads it but Events.
type keptParts struct {
	Goals  [][2]int64 `json:"g"`
	Steps  [][]int64  `json:"f"`
	Events []struct {
		Name             string `json:"n"`
		Visitors, Events int64
	} `json:"e"`
	Props []struct {
		Event, Prop, Value string
		Visitors, Events   int64
	} `json:"p"`
}

func (p *eventParts) encode() []byte {
	var k keptParts
	for _, c := range p.goals {
		k.Goals = append(k.Goals, [2]int64{c.Visitors, c.Events})
	}
	k.Steps = p.steps
	for _, name := range slices.Sorted(maps.Keys(p.events)) {
		c := p.events[name]
		k.Events = append(k.Events, struct {
			Name             string `json:"n"`
			Visitors, Events int64
		}{name, c.Visitors, c.Events})
	}
	keys := slices.SortedFunc(maps.Keys(p.props), func(a, b propKey) int {
		return cmp.Or(cmp.Compare(a.event, b.event), cmp.Compare(a.prop, b.prop), cmp.Compare(a.value, b.value))
	})
	for _, pk := range keys {
		c := p.props[pk]
		k.Props = append(k.Props, struct {
			Event, Prop, Value string
			Visitors, Events   int64
		}{pk.event, pk.prop, pk.value, c.Visitors, c.Events})
	}
	b, _ := json.Marshal(k) // numbers and strings: cannot fail
	return b
}

// decodeParts reads kept parts; false if they do not fit m's goals and
// funnels (or are damaged), so the day is counted afresh.
func (m *eventMatchers) decodeParts(b []byte) (*eventParts, bool) {
	var k keptParts
	if json.Unmarshal(b, &k) != nil || len(k.Goals) != len(m.goals) || len(k.Steps) != len(m.steps) {
		return nil, false
	}
	p := m.newParts()
	for i, g := range k.Goals {
		p.goals[i] = partCount{g[0], g[1]}
	}
	for i := range k.Steps {
		if len(k.Steps[i]) != len(m.steps[i]) {
			return nil, false
		}
		copy(p.steps[i], k.Steps[i])
	}
	for _, e := range k.Events {
		p.events[e.Name] = partCount{e.Visitors, e.Events}
	}
	for _, pr := range k.Props {
		p.props[propKey{pr.Event, pr.Prop, pr.Value}] = partCount{pr.Visitors, pr.Events}
	}
	return p, true
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
