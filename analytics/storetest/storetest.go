// Package storetest is the known-answer test every storage engine passes.
//
// It generates seeded events, stores them through the engine, asks for
// reports and compares every field with answers computed here, in plain Go,
// from the generated events themselves (Expect), never through the engine.
// An engine's test is one line:
//
//	storetest.Run(t, func(t *testing.T, now time.Time) storetest.Engine { ... })
//
// The definitions the answers follow (days in the report's zone, visits
// split at midnight, sources per visit, visible time from leaves within
// 24 h, filters) are documented in analytics/aggregate and in the README.
package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Engine is what the tests need of a storage engine.
type Engine interface {
	analytics.Store
	analytics.Reporter
}

// Opener opens a new, empty engine whose clock says now: its "today",
// realtime window and which days are finished follow it.
type Opener func(t *testing.T, now time.Time) Engine

// Case is one report to check.
type Case struct {
	Name        string
	Site        string
	From, To    string // 2006-01-02
	Zone        string // "" is the default zone
	Filters     []analytics.Filter
	Interval    analytics.Interval
	Limit       int
	MinVisitors int
	// ExcludeImported leaves imported aggregates out.
	ExcludeImported bool
	Goal            string // a goal filter, of EventConfig's goals
}

// Cases are the reports checked against the Small data set.
var Cases = []Case{
	{Name: "all days", Site: "a.example", From: "2026-03-24", To: "2026-04-02"},
	{Name: "all days, other site", Site: "b.example", From: "2026-03-24", To: "2026-04-02"},
	{Name: "UTC days", Site: "a.example", From: "2026-03-24", To: "2026-04-02", Zone: "UTC"},
	{Name: "one day, hourly", Site: "a.example", From: "2026-03-26", To: "2026-03-26"},
	{Name: "DST day, hourly (23 hours)", Site: "a.example", From: "2026-03-29", To: "2026-03-29"},
	{Name: "two days across DST", Site: "b.example", From: "2026-03-28", To: "2026-03-29"},
	{Name: "weekly", Site: "a.example", From: "2026-03-25", To: "2026-04-02", Interval: analytics.Week},
	{Name: "monthly", Site: "a.example", From: "2026-03-24", To: "2026-04-02", Interval: analytics.Month},
	{Name: "whole month and more", Site: "a.example", From: "2026-03-01", To: "2026-04-30"},
	{Name: "one whole month", Site: "b.example", From: "2026-03-01", To: "2026-03-31", Zone: "UTC"},
	{Name: "previous period has data", Site: "a.example", From: "2026-03-29", To: "2026-04-02"},
	{Name: "filter country", Site: "a.example", From: "2026-03-24", To: "2026-04-02",
		Filters: []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}},
	{Name: "filter page", Site: "a.example", From: "2026-03-24", To: "2026-04-02",
		Filters: []analytics.Filter{{Dim: analytics.DimPage, Value: "/hinnasto"}}},
	{Name: "filter entry page", Site: "a.example", From: "2026-03-24", To: "2026-04-02",
		Filters: []analytics.Filter{{Dim: analytics.DimEntryPage, Value: "/"}}},
	{Name: "filter exit page and browser", Site: "b.example", From: "2026-03-24", To: "2026-04-02",
		Filters: []analytics.Filter{{Dim: analytics.DimExitPage, Value: "/hinnasto"}, {Dim: analytics.DimBrowser, Value: "Safari"}}},
	{Name: "filter direct traffic", Site: "a.example", From: "2026-03-24", To: "2026-04-02",
		Filters: []analytics.Filter{{Dim: analytics.DimReferrer, Value: ""}}},
	{Name: "filter region and campaign", Site: "a.example", From: "2026-03-24", To: "2026-04-02",
		Filters: []analytics.Filter{{Dim: analytics.DimRegion, Value: "FI-18"}, {Dim: analytics.DimUTMCampaign, Value: "kevat"}}},
	{Name: "filter channel", Site: "a.example", From: "2026-03-24", To: "2026-04-02",
		Filters: []analytics.Filter{{Dim: analytics.DimChannel, Value: analytics.ChannelOrganicSearch}}},
	{Name: "filter referrer and page", Site: "b.example", From: "2026-03-24", To: "2026-04-02",
		Filters: []analytics.Filter{{Dim: analytics.DimReferrer, Value: "duckduckgo.com"}, {Dim: analytics.DimPage, Value: "/"}}},
	{Name: "filter UTM source, hourly", Site: "a.example", From: "2026-03-29", To: "2026-03-30",
		Filters: []analytics.Filter{{Dim: analytics.DimUTMSource, Value: "facebook"}}},
	{Name: "filter matches nothing", Site: "a.example", From: "2026-03-24", To: "2026-04-02",
		Filters: []analytics.Filter{{Dim: analytics.DimCity, Value: "Nowhere"}}},
	{Name: "limit", Site: "a.example", From: "2026-03-24", To: "2026-04-02", Limit: 3},
	{Name: "k-anonymity", Site: "a.example", From: "2026-03-24", To: "2026-04-02", MinVisitors: 40},
	{Name: "k-anonymity withholds a small period's averages", Site: "b.example", From: "2026-03-26", To: "2026-03-27", MinVisitors: 1000},
	{Name: "limit, k-anonymity and filter", Site: "b.example", From: "2026-03-27", To: "2026-03-31", Limit: 2, MinVisitors: 5,
		Filters: []analytics.Filter{{Dim: analytics.DimDevice, Value: analytics.DeviceMobile}}},
	{Name: "unknown site", Site: "nosuch.example", From: "2026-03-24", To: "2026-04-02"},
	{Name: "goal filter, event goal", Site: "a.example", From: "2026-03-24", To: "2026-04-02", Goal: "Tarjouspyyntö"},
	{Name: "goal filter, page goal, with a country", Site: "b.example", From: "2026-03-24", To: "2026-04-02", Goal: "Hinnasto",
		Filters: []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}},
	{Name: "goal filter, page goal, with an entry page", Site: "a.example", From: "2026-03-24", To: "2026-04-02", Goal: "Blogi",
		Filters: []analytics.Filter{{Dim: analytics.DimEntryPage, Value: "/"}}},
	{Name: "goal filter, event goal with a prop, and a channel, hourly", Site: "a.example", From: "2026-03-29", To: "2026-03-30", Goal: "Kortilla",
		Filters: []analytics.Filter{{Dim: analytics.DimChannel, Value: analytics.ChannelDirect}}},
	{Name: "goal filter, every page, with limit and k-anonymity", Site: "b.example", From: "2026-03-27", To: "2026-03-31", Goal: "Mikä tahansa",
		Limit: 3, MinVisitors: 5},
}

// StepCases are the cases checked after the steps in between of a
// capability or of late records: one for each way an engine may count a
// report (both periods, another zone, hours, a span of whole months, each
// kind of filter, goal filters, limits). Every step that proves what the
// capability promises, and every clock of Run, checks all 31 Cases.
// Checking them all after the steps in between too took a third more
// reports (2 327 instead of 1 709 in the ClickHouse package) for the same
// paths.
var StepCases = casesNamed("all days", "UTC days", "one day, hourly", "whole month and more",
	"previous period has data", "filter country", "filter exit page and browser",
	"filter region and campaign", "filter channel", "filter UTM source, hourly",
	"limit, k-anonymity and filter", "goal filter, page goal, with an entry page",
	"goal filter, event goal with a prop, and a channel, hourly")

// casesNamed are the Cases of the names, in their order; it panics on a
// name no case has, so that renaming a case cannot drop it silently.
func casesNamed(names ...string) []Case {
	out := make([]Case, 0, len(names))
	for _, name := range names {
		i := slices.IndexFunc(Cases, func(c Case) bool { return c.Name == name })
		if i < 0 {
			panic("storetest: no case named " + strconv.Quote(name))
		}
		out = append(out, Cases[i])
	}
	return out
}

// Run checks the engine against the known answers, at three clocks: after
// all the data (every day finished, e.g. rolled up), in the middle of it
// (finished days and a live today) and before it (nothing finished).
func Run(t *testing.T, open Opener) {
	ev := Generate(Small)
	clocks := map[string]time.Time{
		// Three months on: also whole months without data are rolled up.
		"after":  Small.Start.AddDate(0, 3, 0),
		"middle": time.Date(2026, 3, 30, 14, 0, 0, 0, time.UTC),
		"before": Small.Start.AddDate(0, 0, -1),
	}
	for name, now := range clocks {
		t.Run("clock "+name, func(t *testing.T) {
			e := open(t, now)
			load(t, e, ev)
			checkCases(t, e, ev, now, "", Cases)
			// Trends at the clock with both finished days and a live today:
			// once is enough for the reads they share with reports.
			trends := name == "middle"
			if trends {
				t.Run("page trends", func(t *testing.T) { checkTrends(t, e, ev, now) })
			}
			// The same answers from an engine's derived data, if it keeps any.
			if maintain(t, e) {
				checkCases(t, e, ev, now, "maintained/", Cases)
				if trends {
					t.Run("maintained/page trends", func(t *testing.T) { checkTrends(t, e, ev, now) })
				}
			}
		})
	}
	for name, now := range map[string]time.Time{"after": Small.Start.AddDate(0, 0, Small.Days+2), "middle": clocks["middle"]} {
		t.Run("late records, clock "+name, func(t *testing.T) { runLate(t, open, ev, now) })
	}
	t.Run("bad queries", func(t *testing.T) { runBad(t, open) })
	t.Run("inventory", func(t *testing.T) { runInventory(t, open) })
	t.Run("invented values", func(t *testing.T) { runInvented(t, open) })
	t.Run("capabilities", func(t *testing.T) { RunCapabilities(t, open) })
	t.Run("closed twice", func(t *testing.T) { runCloseTwice(t, open) })
}

// runCloseTwice: a second Close returns, as a program that closes its
// store on the way out and again deferred needs (seloste serve did, and
// hung on SIGTERM).
func runCloseTwice(t *testing.T, open Opener) {
	e := open(t, Small.Start)
	for i := range 2 {
		done := make(chan error, 1)
		go func() { done <- e.Close() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Close %d: %v", i+1, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Close %d has not returned after 10 s", i+1)
		}
	}
}

func load(t *testing.T, e Engine, ev Events) {
	t.Helper()
	for _, b := range ev.Batches(500) {
		if err := e.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
}

// runLate stores most of the data and reports (so an engine may roll the
// days up), then stores records for finished days, one table at a time:
// page views, then leaves (some arriving the day after their page view),
// then bot hits. After each step every report must see all that is stored.
// Run at a clock in the middle of the data, the late records also land on
// "today", which an engine may keep apart.
func runLate(t *testing.T, open Opener, ev Events, now time.Time) {
	e := open(t, now)
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	onDay := func(site string, ts time.Time, day string) bool {
		return site == "a.example" && ts.In(hel).Format(time.DateOnly) == day
	}
	var held, stored Events
	pvDay := map[string]string{}
	// The first page views of visits that go on from 27 to 28 March: held
	// back, they change the sources of the next, already rolled-up day.
	firstOfCrossing := map[string]bool{}
	{
		first := map[uint64]analytics.PageView{}
		for _, p := range ev.PageViews {
			if f, ok := first[p.Visit]; p.Site == "a.example" && (!ok || p.Time.Before(f.Time)) {
				first[p.Visit] = p
			}
		}
		for _, p := range ev.PageViews {
			if f := first[p.Visit]; onDay(p.Site, p.Time, "2026-03-28") && onDay(f.Site, f.Time, "2026-03-27") && f.ReferrerHost != "" {
				firstOfCrossing[f.ID] = true
			}
		}
	}
	if len(firstOfCrossing) == 0 {
		t.Fatal("the generator no longer makes a visit with a referrer across midnight on 27 March")
	}
	for i, p := range ev.PageViews {
		pvDay[p.ID] = p.Time.In(hel).Format(time.DateOnly)
		// 27 March is a finished day at both clocks; 30 March is today
		// at the middle one.
		if (onDay(p.Site, p.Time, "2026-03-27") || onDay(p.Site, p.Time, "2026-03-30")) && (i%3 == 0 || firstOfCrossing[p.ID]) {
			held.PageViews = append(held.PageViews, p)
		} else {
			stored.PageViews = append(stored.PageViews, p)
		}
	}
	var replacing []analytics.Leave
	leavesOf := map[string]int{}
	for _, l := range ev.Leaves {
		leavesOf[l.PageView]++
		switch {
		case l.Site != "a.example" || pvDay[l.PageView] != "2026-03-30":
			stored.Leaves = append(stored.Leaves, l)
		case l.Time.In(hel).Format(time.DateOnly) != "2026-03-30":
			// Arrives the day after its page view: the day it arrives on
			// is not the day it changes.
			held.Leaves = append(held.Leaves, l)
		case leavesOf[l.PageView] > 1:
			// Replaces an earlier visible time of the page view.
			replacing = append(replacing, l)
		default:
			stored.Leaves = append(stored.Leaves, l)
		}
	}
	for _, b := range ev.Bots {
		if onDay(b.Site, b.Time, "2026-03-25") {
			held.Bots = append(held.Bots, b)
		} else {
			stored.Bots = append(stored.Bots, b)
		}
	}
	if len(held.PageViews) == 0 || len(held.Leaves) == 0 || len(replacing) == 0 || len(held.Bots) == 0 {
		t.Fatalf("the generator no longer makes the late records this test needs: %d %d %d %d",
			len(held.PageViews), len(held.Leaves), len(replacing), len(held.Bots))
	}
	load(t, e, stored)
	// Late records then land on days an engine has rolled up: reports must
	// see them before the next maintenance.
	maintain(t, e)
	check := func(step string, cases []Case) { checkCases(t, e, stored, now, step+"/", cases) }
	check("before", StepCases)
	stored.PageViews = append(stored.PageViews, held.PageViews...)
	load(t, e, Events{PageViews: held.PageViews})
	check("late page views", Cases)
	stored.Leaves = append(stored.Leaves, held.Leaves...)
	load(t, e, Events{Leaves: held.Leaves})
	check("late leaves", StepCases)
	stored.Leaves = append(stored.Leaves, replacing...)
	load(t, e, Events{Leaves: replacing})
	check("replacing leaves", StepCases)
	stored.Bots = append(stored.Bots, held.Bots...)
	load(t, e, Events{Bots: held.Bots})
	check("late bots", Cases)
}

// maintain runs the engine's background maintenance, if it has any, for
// every zone the cases use; it reports whether it did.
func maintain(t *testing.T, e Engine) bool {
	t.Helper()
	m, ok := e.(analytics.Maintainer)
	if !ok {
		return false
	}
	if k, ok := e.(analytics.EventDayKeeper); ok {
		k.KeepEventDays(EventConfig.Goals, EventConfig.Funnels) // the cases' goals and funnels
	}
	for _, name := range []string{analytics.DefaultZone, "UTC"} {
		zone, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Maintain(context.Background(), zone); err != nil {
			t.Fatalf("Maintain(%s): %v", name, err)
		}
	}
	return true
}

// runInventory holds what the engine stores to the field registry: the
// privacy statement's list of collected data is generated from it.
func runInventory(t *testing.T, open Opener) {
	e := open(t, Small.Start)
	load(t, e, Generate(Small))
	if m, ok := e.(analytics.Maintainer); ok {
		if err := m.Maintain(context.Background(), time.UTC); err != nil {
			t.Fatal(err)
		}
	}
	CheckInventory(t, e)
}

// CheckInventory fails t unless inv stores exactly the registry's columns
// (analytics.Fields) and no table that is neither raw nor derived. The
// end-to-end statement test runs it on a store written by seloste serve.
func CheckInventory(t testing.TB, inv analytics.Inventory) {
	t.Helper()
	ctx := context.Background()
	stored, err := inv.RawColumns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(stored)
	registered := analytics.Columns()
	slices.Sort(registered)
	if !slices.Equal(stored, registered) {
		t.Errorf("stored columns:\n  %v\nregistry columns:\n  %v", stored, registered)
	}
	if unknown, err := inv.UnknownTables(ctx); err != nil || len(unknown) > 0 {
		t.Errorf("tables neither raw nor derived: %v (%v)", unknown, err)
	}
}

func runBad(t *testing.T, open Opener) {
	e := open(t, Small.Start)
	day := Small.Start
	for name, q := range map[string]analytics.Query{
		"no site":        {From: day, To: day},
		"to before from": {Site: "a.example", From: day, To: day.AddDate(0, 0, -1)},
		"unknown filter": {Site: "a.example", From: day, To: day, Filters: []analytics.Filter{{Dim: "shoe_size", Value: "44"}}},
		"bad interval":   {Site: "a.example", From: day, To: day, Interval: "fortnight"},
	} {
		if _, err := e.Report(context.Background(), q); err == nil {
			t.Errorf("%s: Report succeeded", name)
		}
	}
}

// Query builds the normalized query of c.
func (c Case) Query() (analytics.Query, error) {
	zone := c.Zone
	if zone == "" {
		zone = analytics.DefaultZone
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return analytics.Query{}, err
	}
	from, err := time.ParseInLocation(time.DateOnly, c.From, loc)
	if err != nil {
		return analytics.Query{}, err
	}
	to, err := time.ParseInLocation(time.DateOnly, c.To, loc)
	if err != nil {
		return analytics.Query{}, err
	}
	q := analytics.Query{Site: c.Site, From: from, To: to, Zone: loc, Filters: c.Filters,
		Interval: c.Interval, Limit: c.Limit, MinVisitors: c.MinVisitors, ExcludeImported: c.ExcludeImported,
		Goals: EventConfig.Goals, Funnels: EventConfig.Funnels, Goal: c.Goal}
	return q.Normalize()
}

// casesAtOnce is how many cases checkCases runs at once: a report is
// mostly waiting on round trips to the engine, so a few at once keep both
// the engine and the model busy.
const casesAtOnce = 4

// checkCases checks each case against Expect of ev, a subtest each named
// prefix and the case's name, several at once.
func checkCases(t *testing.T, e Engine, ev Events, now time.Time, prefix string, cases []Case) {
	t.Helper()
	var wg sync.WaitGroup
	sem := make(chan struct{}, casesAtOnce)
	for _, c := range cases {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t.Run(prefix+c.Name, func(t *testing.T) { check(t, e, ev, c, now) })
		}()
	}
	wg.Wait()
}

func check(t *testing.T, e Engine, ev Events, c Case, now time.Time) {
	t.Helper()
	q, err := c.Query()
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Report(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	want := Expect(ev, q, now)
	if diff := Compare(got, want); diff != "" {
		t.Errorf("%s: report differs from the known answer:\n%s", c.Name, diff)
	}
}

// Compare returns the differences between two reports, "" if none. Floats
// may differ in the last bits (sums in another order).
func Compare(got, want *analytics.Report) string {
	var b strings.Builder
	diff := func(what string, g, w any) {
		fmt.Fprintf(&b, "  %s: got %v, want %v\n", what, g, w)
	}
	if got.Site != want.Site || !got.From.Equal(want.From) || !got.To.Equal(want.To) || got.Interval != want.Interval {
		diff("period", fmt.Sprint(got.Site, got.From, got.To, got.Interval), fmt.Sprint(want.Site, want.From, want.To, want.Interval))
	}
	g, w := got.Imported, want.Imported
	switch {
	case (g == nil) != (w == nil):
		diff("imported", fmt.Sprintf("%+v", g), fmt.Sprintf("%+v", w))
	case g != nil && (g.Included != w.Included || g.From != w.From || g.To != w.To || g.Days != w.Days || (g.Reason == "") != (w.Reason == "")):
		diff("imported", fmt.Sprintf("%+v", *g), fmt.Sprintf("%+v (any reason)", *w))
	}
	compareTotals(diff, "totals", got.Totals, want.Totals)
	compareTotals(diff, "previous", got.Previous, want.Previous)
	compareEvents(diff, got, want)
	if got.Realtime != want.Realtime {
		diff("realtime", got.Realtime, want.Realtime)
	}
	if len(got.Series) != len(want.Series) {
		diff("series length", len(got.Series), len(want.Series))
	} else {
		for i := range got.Series {
			g, w := got.Series[i], want.Series[i]
			if !g.T.Equal(w.T) || g.Visitors != w.Visitors || g.PageViews != w.PageViews || g.Imported != w.Imported {
				diff(fmt.Sprintf("series[%d]", i), fmt.Sprintf("%s %d/%d %v", g.T, g.Visitors, g.PageViews, g.Imported), fmt.Sprintf("%s %d/%d %v", w.T, w.Visitors, w.PageViews, w.Imported))
			}
		}
	}
	for _, dim := range analytics.Dimensions {
		g, w := got.Breakdowns[dim], want.Breakdowns[dim]
		if g == nil {
			diff(string(dim), "no breakdown", "a list, maybe empty")
			continue
		}
		if len(g) != len(w) {
			diff(string(dim)+" rows", len(g), len(w))
			continue
		}
		for i := range g {
			gr, wr := g[i], w[i]
			if gr.Value != wr.Value || gr.Visitors != wr.Visitors || gr.Visits != wr.Visits || gr.PageViews != wr.PageViews ||
				gr.TimedViews != wr.TimedViews || !near(gr.AvgTime, wr.AvgTime) ||
				gr.TimedVisitors != wr.TimedVisitors || gr.AvgTimeWithheld != wr.AvgTimeWithheld ||
				gr.ScrolledViews != wr.ScrolledViews || !near(gr.AvgScroll, wr.AvgScroll) ||
				gr.ScrolledVisitors != wr.ScrolledVisitors || gr.AvgScrollWithheld != wr.AvgScrollWithheld {
				diff(fmt.Sprintf("%s[%d]", dim, i), fmt.Sprintf("%+v", gr), fmt.Sprintf("%+v", wr))
			}
		}
	}
	return b.String()
}

func compareTotals(diff func(string, any, any), name string, g, w analytics.Totals) {
	if g.Visitors != w.Visitors || g.Visits != w.Visits || g.PageViews != w.PageViews || g.Bots != w.Bots ||
		!near(g.ViewsPerVisit, w.ViewsPerVisit) || !near(g.BounceRate, w.BounceRate) ||
		!near(g.AvgVisitDuration, w.AvgVisitDuration) || !near(g.AvgTimeOnPage, w.AvgTimeOnPage) ||
		g.Withheld != w.Withheld || g.TimeWithheld != w.TimeWithheld || g.DurationWithheld != w.DurationWithheld {
		diff(name, fmt.Sprintf("%+v", g), fmt.Sprintf("%+v", w))
	}
}

func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// compareEvents adds the differences of the event parts.
func compareEvents(diff func(string, any, any), got, want *analytics.Report) {
	if len(got.Goals) != len(want.Goals) {
		diff("goals", got.Goals, want.Goals)
	} else {
		for i, g := range got.Goals {
			w := want.Goals[i]
			if g.Name != w.Name || g.Visitors != w.Visitors || g.Events != w.Events || !near(g.ConversionRate, w.ConversionRate) {
				diff(fmt.Sprintf("goals[%d]", i), fmt.Sprintf("%+v", g), fmt.Sprintf("%+v", w))
			}
		}
	}
	if !slices.Equal(got.Events, want.Events) {
		diff("events", got.Events, want.Events)
	}
	if !slices.Equal(got.Props, want.Props) {
		diff("props", got.Props, want.Props)
	}
	if !slices.EqualFunc(got.Funnels, want.Funnels, func(a, b analytics.FunnelRow) bool {
		return a.Name == b.Name && slices.Equal(a.Steps, b.Steps)
	}) {
		diff("funnels", got.Funnels, want.Funnels)
	}
}

// SameRows fails t for each of dims whose rows differ between have and
// want, compared on value, visitors and visits in any order: how tests
// check that data imported from elsewhere reports as the same data
// collected here would.
func SameRows(t testing.TB, have, want *analytics.Report, dims ...analytics.Dimension) {
	t.Helper()
	type cell struct {
		value            string
		visitors, visits int64
	}
	cells := func(rows []analytics.Row) []cell {
		var out []cell
		for _, r := range rows {
			out = append(out, cell{r.Value, r.Visitors, r.Visits})
		}
		slices.SortFunc(out, func(a, b cell) int { return strings.Compare(a.value, b.value) })
		return out
	}
	for _, d := range dims {
		if h, w := cells(have.Breakdowns[d]), cells(want.Breakdowns[d]); !slices.Equal(h, w) {
			t.Errorf("%s:\nimported  %v\ncollected %v", d, h, w)
		}
	}
}
