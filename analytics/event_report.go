package analytics

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// EventScanner is what an engine implements for the event parts of a
// report (goals, events, props, funnels); analytics/aggregate computes every
// number from these two scans (aggregate.Events), and analytics/storetest
// holds the results to its model. Both scans are of page views of the site
// whose time is in [from, end); page views come in time order (a day's
// visits are counted as the next day begins), events in any order.
type EventScanner interface {
	// ScanEvents calls fn with the site's events whose time is in [from,
	// end): each carries its visitor and visit, so no join is needed.
	ScanEvents(ctx context.Context, site string, from, end time.Time, fn func(Event) error) error
	// ScanPages calls fn with the page views whose path match reports true
	// for, with their path, referrer, UTM parameters, place and agent. match is cheap to call once per distinct path; an engine with a
	// dictionary of paths (SQLite) asks it once per path, not per row.
	ScanPages(ctx context.Context, site string, from, end time.Time, match func(path string) bool, fn func(PageView) error) error
}

// EventDayKeeper is an optional capability of an engine that keeps, as
// derived data, the event parts of finished days for the configured goals
// and funnels, so that an unfiltered report reads a row a day instead of
// every page view of the period. analytics/aggregate computes the parts
// (aggregate.EventDay, in the engine's Maintain) and reads them
// (aggregate.Events); the engine stores them as bytes and must stop
// returning a day once the records of that day change (a late record, a
// purge, an import), until Maintain has counted it again.
type EventDayKeeper interface {
	// KeepEventDays names the goals and funnels whose parts Maintain keeps
	// from now on; the parts kept for any other set are dropped.
	KeepEventDays(goals []Goal, funnels []Funnel)
	// EventDays calls fn with each kept day of site in [from, end), the
	// day's midnight in zone, for the set of goals and funnels named key
	// (aggregate.EventKey).
	EventDays(ctx context.Context, site string, zone *time.Location, key string, from, end time.Time, fn func(day time.Time, parts []byte) error) error
}

// ConversionDayKeeper is an optional capability of an EventDayKeeper that
// also keeps, per finished day and goal of the kept set, the visits that
// converted to the goal and the event parts of those visit-days
// (aggregate.EventDayGoals), so that a goal filter (Query.Goal) reads neither the
// period's events nor its page views. The parts come from EventDays, the
// visits from ConversionDays, both under aggregate.GoalKey; the same rule
// holds as for EventDays: a day whose records changed is not returned
// until Maintain has counted it again.
type ConversionDayKeeper interface {
	// ConversionDays calls fn with the kept converted visits of each kept
	// day of site in [from, end), the day's midnight in zone, for key.
	ConversionDays(ctx context.Context, site string, zone *time.Location, key string, from, end time.Time, fn func(day time.Time, visits []byte) error) error
}

// The event parts of a Report. Visitors are, as everywhere, distinct
// visitor ids per day summed over the days (analytics/aggregate).
type (
	// GoalRow is a goal's conversions: the visitors with a converting
	// visit, the converting events or page views, and the visitors' share
	// of the period's visitors.
	GoalRow struct {
		Name           string
		Visitors       int64
		Events         int64
		ConversionRate float64
	}
	// EventRow is one event name.
	EventRow struct {
		Name             string
		Visitors, Events int64
	}
	// PropRow is one value of one property of one event.
	PropRow struct {
		Event, Prop, Value string
		Visitors, Events   int64
	}
	// FunnelRow is a funnel's visitors per step: those whose visit went
	// through every step up to it, in order.
	FunnelRow struct {
		Name  string
		Steps []FunnelStep
	}
	FunnelStep struct {
		Step     string
		Visitors int64
	}
)

// StepChange is step i of a funnel against the step before it: the share
// of that step's visitors who went on to this one (the step conversion),
// and how many did not (the drop-off). ok is false for the first step and
// after a step without visitors, where neither exists.
func (f FunnelRow) StepChange(i int) (conversion float64, dropped int64, ok bool) {
	if i <= 0 || i >= len(f.Steps) || f.Steps[i-1].Visitors <= 0 {
		return 0, 0, false
	}
	prev, cur := f.Steps[i-1].Visitors, f.Steps[i].Visitors
	return float64(cur) / float64(prev), prev - cur, true
}

// FoldEventRows sorts event rows by visitors (then name) and folds those
// under minVisitors (<= 1 off) and past limit (0 none) into one Other row.
func FoldEventRows(rows []EventRow, limit, minVisitors int) []EventRow {
	slices.SortFunc(rows, func(a, b EventRow) int {
		if c := cmp.Compare(b.Visitors, a.Visitors); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	out := []EventRow{}
	other := EventRow{Name: Other}
	for _, r := range rows {
		if (minVisitors > 1 && r.Visitors < int64(minVisitors)) || (limit > 0 && len(out) >= limit) {
			other.Visitors += r.Visitors
			other.Events += r.Events
			continue
		}
		out = append(out, r)
	}
	if other.Events > 0 {
		out = append(out, other)
	}
	return out
}

// FoldPropRows is FoldEventRows for props: sorted by visitors, then event,
// prop and value; folded rows become one Other row per event and prop.
// Their visitors may overlap (one visitor sending many values), so Other's
// visitors are the folded rows' sum, at most the visitors of the event
// (eventVisitors, by name; a prop's are among its event's): an upper
// bound, exact when the folded values share no visitor. A client inventing
// 30,000 values is one visitor in Other, not 30,000.
func FoldPropRows(rows []PropRow, limit, minVisitors int, eventVisitors map[string]int64) []PropRow {
	slices.SortFunc(rows, func(a, b PropRow) int {
		if c := cmp.Compare(b.Visitors, a.Visitors); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(a.Event, b.Event), cmp.Compare(a.Prop, b.Prop), cmp.Compare(a.Value, b.Value))
	})
	out := []PropRow{}
	type key struct{ event, prop string }
	kept := map[key]int{}
	others := map[key]*PropRow{}
	var order []key
	for _, r := range rows {
		k := key{r.Event, r.Prop}
		if (minVisitors > 1 && r.Visitors < int64(minVisitors)) || (limit > 0 && kept[k] >= limit) {
			o := others[k]
			if o == nil {
				o = &PropRow{Event: r.Event, Prop: r.Prop, Value: Other}
				others[k] = o
				order = append(order, k)
			}
			o.Visitors += r.Visitors
			o.Events += r.Events
			continue
		}
		kept[k]++
		out = append(out, r)
	}
	for _, k := range order {
		o := others[k]
		if v, ok := eventVisitors[k.event]; ok {
			o.Visitors = min(o.Visitors, v)
		}
		out = append(out, *o)
	}
	return out
}
