package storetest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// RunCapabilities checks every capability of analytics.Store other than
// Append and Report (which Run checks): Purge, Salt, OpenVisits, Sites and
// HasSite, VisitorPageViews and DeleteVisitor, the owner's annotations,
// and the optional Maintain.
// As in Run, every expected value is computed here from the records the
// test wrote, never through the engine, and every report is compared with
// Expect of the records that should be left. It runs at both of
// CapabilityClocks.
func RunCapabilities(t *testing.T, open Opener) { RunCapabilitiesAt(t, open, "after", "middle") }

// CapabilityClocks are the clocks RunCapabilities checks at.
var CapabilityClocks = map[string]time.Time{
	// Every day of the data is finished (an engine may have rolled them
	// all up).
	"after": Small.Start.AddDate(0, 0, Small.Days+2),
	// Finished days and a live today: both an engine's derived and raw
	// paths.
	"middle": time.Date(2026, 3, 30, 14, 0, 0, 0, time.UTC),
}

// RunCapabilitiesAt is RunCapabilities at the named CapabilityClocks only.
func RunCapabilitiesAt(t *testing.T, open Opener, clocks ...string) {
	capClocks := map[string]time.Time{}
	for _, name := range clocks {
		now, ok := CapabilityClocks[name]
		if !ok {
			t.Fatalf("no capability clock %q", name)
		}
		capClocks[name] = now
	}
	for name, now := range capClocks {
		t.Run("purge at the retention boundary, clock "+name, func(t *testing.T) { capPurge(t, open, now) })
	}
	t.Run("purge deletes salts older than SaltKeep", func(t *testing.T) { capPurgeSalts(t, open) })
	t.Run("salt once per UTC day, concurrent callers", func(t *testing.T) { capSaltsConcurrent(t, open) })
	t.Run("open visits", func(t *testing.T) { capOpenVisits(t, open) })
	t.Run("sites", func(t *testing.T) { capSites(t, open) })
	t.Run("annotations", func(t *testing.T) { capAnnotations(t, open) })
	t.Run("consent counts", func(t *testing.T) { capConsent(t, open) })
	t.Run("audit log", func(t *testing.T) { capAudit(t, open) })
	for name, now := range capClocks {
		t.Run("visitor page views and erasure, clock "+name, func(t *testing.T) { capVisitor(t, open, now) })
	}
	for name, now := range capClocks {
		t.Run("maintain, clock "+name, func(t *testing.T) { capMaintain(t, open, now) })
	}
	for name, now := range capClocks {
		t.Run("imported aggregates, clock "+name, func(t *testing.T) { capImported(t, open, now) })
		t.Run("imported records, clock "+name, func(t *testing.T) { capAppendImport(t, open, now) })
	}
}

// capCheckAll checks every case against Expect of ev: after a step that
// proves what the capability promises.
func capCheckAll(t *testing.T, e Engine, ev Events, now time.Time, step string) {
	t.Helper()
	checkCases(t, e, ev, now, step+"/", Cases)
}

// capCheckStep checks StepCases against Expect of ev: after a step in
// between.
func capCheckStep(t *testing.T, e Engine, ev Events, now time.Time, step string) {
	t.Helper()
	checkCases(t, e, ev, now, step+"/", StepCases)
}

// capRunMaintenance runs the engine's maintenance, if it has any, for the
// zones the cases report in, and reports whether it had any.
func capRunMaintenance(t *testing.T, e Engine) bool {
	t.Helper()
	m, ok := e.(analytics.Maintainer)
	if !ok {
		return false
	}
	if k, ok := e.(analytics.EventDayKeeper); ok {
		k.KeepEventDays(EventConfig.Goals, EventConfig.Funnels) // the cases' goals and funnels
	}
	hel, err := time.LoadLocation(analytics.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	for _, zone := range []*time.Location{hel, time.UTC} {
		if err := m.Maintain(context.Background(), zone); err != nil {
			t.Fatalf("Maintain(%s): %v", zone, err)
		}
	}
	return true
}

// capWarm makes the engine build whatever derived data it keeps: its
// maintenance if it has any, then every report once (an engine may also
// cache or roll up at report time).
func capWarm(t *testing.T, e Engine) {
	t.Helper()
	capRunMaintenance(t, e)
	for _, c := range Cases {
		q, err := c.Query()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Report(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
	}
}

// capPurge purges at a cut-off in the middle of a day (as the retention
// period gives it), with records of every kind exactly at the cut-off and
// one second before it, after the engine has built its derived data.
func capPurge(t *testing.T, open Opener, now time.Time) {
	ctx := context.Background()
	before := time.Date(2026, 3, 27, 13, 37, 0, 0, time.UTC)
	old := before.Add(-time.Second)
	ev := Generate(Small)
	ev.PageViews = append(ev.PageViews,
		analytics.PageView{Time: old, Site: "a.example", Visitor: 1, Visit: 1, ID: "edge-old", Path: "/reuna"},
		analytics.PageView{Time: before, Site: "a.example", Visitor: 1, Visit: 1, ID: "edge-new", Path: "/reuna"})
	ev.Leaves = append(ev.Leaves,
		analytics.Leave{Time: old, Site: "a.example", PageView: "edge-old", Duration: 4 * time.Second},
		analytics.Leave{Time: before, Site: "a.example", PageView: "edge-new", Duration: 6 * time.Second})
	ev.Bots = append(ev.Bots, analytics.BotHit{Time: old, Site: "a.example"}, analytics.BotHit{Time: before, Site: "a.example"})
	ev.Events = append(ev.Events,
		analytics.Event{Time: old, Site: "a.example", Visitor: 1, Visit: 1, PageView: "edge-old", Name: "Yhteydenotto"},
		analytics.Event{Time: before, Site: "a.example", Visitor: 1, Visit: 1, PageView: "edge-new", Name: "Yhteydenotto"})

	// The answer: what is older than before goes, the rest stays.
	var want analytics.Purged
	var left Events
	for _, p := range ev.PageViews {
		if p.Time.Before(before) {
			want.PageViews++
		} else {
			left.PageViews = append(left.PageViews, p)
		}
	}
	for _, l := range ev.Leaves {
		if l.Time.Before(before) {
			want.Leaves++
		} else {
			left.Leaves = append(left.Leaves, l)
		}
	}
	for _, b := range ev.Bots {
		if b.Time.Before(before) {
			want.Bots++
		} else {
			left.Bots = append(left.Bots, b)
		}
	}
	for _, x := range ev.Events {
		if x.Time.Before(before) {
			want.Events++
		} else {
			left.Events = append(left.Events, x)
		}
	}
	if want.PageViews == 0 || len(left.PageViews) == 0 || want.Events == 0 {
		t.Fatal("the cut-off no longer falls inside the generated data")
	}

	e := open(t, now)
	load(t, e, ev)
	capWarm(t, e)
	got, err := e.Purge(ctx, before, now)
	if err != nil {
		t.Fatal(err)
	}
	if got.PageViews != want.PageViews || !leavesCounted(e, got.Leaves, want.Leaves) || got.Bots != want.Bots || got.Events != want.Events {
		t.Errorf("purged %d page views, %d leaves, %d bot hits, %d events; want %d, %d, %d, %d (records at the cut-off stay, one second older go)",
			got.PageViews, got.Leaves, got.Bots, got.Events, want.PageViews, want.Leaves, want.Bots, want.Events)
	}
	// Reports see only what is left, also of the day of the cut-off and of
	// days the engine had rolled up before the purge; at once, without
	// maintenance.
	capCheckAll(t, e, left, now, "after purge")
	again, err := e.Purge(ctx, before, now)
	if err != nil {
		t.Fatal(err)
	}
	if again.Records() != 0 || again.Salts != 0 {
		t.Errorf("second purge deleted %+v, want nothing", again)
	}
	capRunMaintenance(t, e)
	capCheckStep(t, e, left, now, "after maintenance")
}

// capPurgeSalts makes a salt for each of the days around now and purges:
// a salt whose UTC day ended more than SaltKeep before now is gone (and a
// new, different one is made for its day), the others stay as they were.
// The clocks include the exact edge: a day that ended exactly SaltKeep
// before now stays, one second later it goes.
func capPurgeSalts(t *testing.T, open Opener) {
	ctx := context.Background()
	for _, now := range []time.Time{
		time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 10, 0, 0, 1, 0, time.UTC),
		time.Date(2026, 3, 10, 23, 59, 59, 0, time.UTC),
	} {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) {
			e := open(t, now)
			type daySalt struct {
				day  time.Time // UTC midnight
				salt []byte
				gone bool
			}
			var days []daySalt
			var want int64
			today := now.UTC().Truncate(24 * time.Hour)
			for d := -6; d <= 1; d++ {
				day := today.AddDate(0, 0, d)
				// Any time of the day names it.
				salt, err := e.Salt(ctx, day.Add(time.Duration(d+7)*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				gone := now.Sub(day.AddDate(0, 0, 1)) > analytics.SaltKeep
				if gone {
					want++
				}
				days = append(days, daySalt{day, bytes.Clone(salt), gone})
			}
			got, err := e.Purge(ctx, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), now)
			if err != nil {
				t.Fatal(err)
			}
			if got.Salts != want {
				t.Errorf("purged %d salts, want %d", got.Salts, want)
			}
			for _, d := range days {
				salt, err := e.Salt(ctx, d.day.Add(12*time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				switch same := bytes.Equal(salt, d.salt); {
				case d.gone && same:
					t.Errorf("salt of %s (ended %s before now) survived the purge", d.day.Format(time.DateOnly), now.Sub(d.day.AddDate(0, 0, 1)))
				case !d.gone && !same:
					t.Errorf("salt of %s (ended %s before now) changed in the purge", d.day.Format(time.DateOnly), now.Sub(d.day.AddDate(0, 0, 1)))
				}
				if len(salt) != 32 {
					t.Errorf("salt of %s has %d bytes, want 32", d.day.Format(time.DateOnly), len(salt))
				}
			}
		})
	}
}

// capSaltsConcurrent asks for the salts of three days from many goroutines
// at once: everyone gets the same salt per day, and the days differ.
func capSaltsConcurrent(t *testing.T, open Opener) {
	ctx := context.Background()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	e := open(t, day)
	const callers, ndays = 16, 3
	var got [callers][ndays][]byte
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			for j := range ndays {
				// Every caller asks at another time of the day, and the
				// callers go through the days in different orders.
				d := (i + j) % ndays
				ts := day.AddDate(0, 0, d).Add(time.Duration(i) * 89 * time.Minute)
				salt, err := e.Salt(ctx, ts)
				if err != nil {
					t.Error(err)
					return
				}
				got[i][d] = bytes.Clone(salt)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for d := range ndays {
		for i := range callers {
			if len(got[i][d]) != 32 || !bytes.Equal(got[i][d], got[0][d]) {
				t.Fatalf("day %d: caller %d got salt %x, caller 0 %x; want the same 32 bytes", d, i, got[i][d], got[0][d])
			}
		}
		for o := range d {
			if bytes.Equal(got[0][d], got[0][o]) {
				t.Errorf("days %d and %d got the same salt", o, d)
			}
		}
	}
	// The UTC day, from its first to its last second, in any zone.
	hel, err := time.LoadLocation(analytics.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range []time.Time{
		day,
		day.Add(24*time.Hour - time.Second),
		time.Date(2026, 3, 2, 1, 59, 59, 0, hel), // 23:59:59 UTC on 1 March
	} {
		salt, err := e.Salt(ctx, ts)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(salt, got[0][0]) {
			t.Errorf("Salt(%s) = %x, want the salt of UTC day 2026-03-01 %x", ts, salt, got[0][0])
		}
	}
	salt, err := e.Salt(ctx, time.Date(2026, 3, 2, 2, 0, 0, 0, hel)) // midnight UTC
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(salt, got[0][1]) {
		t.Errorf("Salt at 00:00 UTC on 2 March = %x, want the salt of 2 March %x", salt, got[0][1])
	}
}

// capOpenVisits checks OpenVisits on records written by Append. It is what
// a collector reads when it starts: OpenVisits answers from the stored
// records alone (the engine here was never used by a collector), so this
// is also the answer across a restart. Closing and reopening the same
// storage is engine-specific and left to the engine's own tests.
func capOpenVisits(t *testing.T, open Opener) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	since := t0.Add(-analytics.VisitGap)
	e := open(t, t0.Add(10*time.Minute))
	pv := func(site string, visitor, visit uint64, ts time.Time) analytics.PageView {
		return analytics.PageView{Time: ts, Site: site, Visitor: visitor, Visit: visit, ID: fmt.Sprintf("pv-%s-%d-%d", site, visitor, visit), Path: "/"}
	}
	batches := []analytics.Batch{
		{PageViews: []analytics.PageView{
			pv("a.example", 1, 10, since.Add(-time.Second)), // too old
			pv("a.example", 2, 20, since.Add(-time.Hour)),   // too old, and nothing newer
			pv("a.example", 1, 11, since),                   // at since: counts
			pv("a.example", 5, 50, since),                   // at since, and nothing newer
			pv("a.example", 1, 12, t0.Add(2*time.Minute)),   // the latest
			pv("a.example", 1, 13, t0.Add(time.Minute)),     // appended later but older
			pv("b.example", 1, 30, t0.Add(5*time.Minute)),   // same visitor id, other site
			pv("b.example", 3, 31, t0),
			// Two page views in the same second: the later appended wins.
			pv("a.example", 4, 40, t0.Add(3*time.Minute)),
			pv("a.example", 4, 41, t0.Add(3*time.Minute)),
		}},
		// The same across batches.
		{PageViews: []analytics.PageView{pv("b.example", 3, 32, t0)}},
		{PageViews: []analytics.PageView{pv("b.example", 3, 33, t0)}},
		// Leaves and bot hits are not page views.
		{Leaves: []analytics.Leave{{Time: t0.Add(4 * time.Minute), Site: "a.example", PageView: "pv-a.example-1-12", Duration: time.Minute}},
			Bots: []analytics.BotHit{{Time: t0.Add(4 * time.Minute), Site: "c.example"}}},
	}
	// The answer: the latest page view per site and visitor at or after
	// since, ties broken by the order of appending.
	type key struct {
		site    string
		visitor uint64
	}
	want := map[key]analytics.OpenVisit{}
	for _, b := range batches {
		if err := e.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
		for _, p := range b.PageViews {
			k := key{p.Site, p.Visitor}
			if p.Time.Before(since) || want[k].Last.After(p.Time) {
				continue
			}
			want[k] = analytics.OpenVisit{Site: p.Site, Visitor: p.Visitor, Visit: p.Visit, Last: p.Time}
		}
	}
	got, err := e.OpenVisits(ctx, since)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[key]bool{}
	for _, v := range got {
		k := key{v.Site, v.Visitor}
		w, ok := want[k]
		switch {
		case seen[k]:
			t.Errorf("%s visitor %d listed twice", v.Site, v.Visitor)
		case !ok:
			t.Errorf("%s visitor %d: got visit %d, want none (no page view since %s)", v.Site, v.Visitor, v.Visit, since)
		case v.Visit != w.Visit || !v.Last.Equal(w.Last):
			t.Errorf("%s visitor %d: got visit %d at %s, want %d at %s", v.Site, v.Visitor, v.Visit, v.Last, w.Visit, w.Last)
		}
		seen[k] = true
	}
	for k, w := range want {
		if !seen[k] {
			t.Errorf("%s visitor %d: visit %d missing", k.site, k.visitor, w.Visit)
		}
	}
	if len(want) != 5 {
		t.Fatalf("the test's own answer has %d visits, want 5", len(want))
	}
	// Nothing that recent: none.
	if got, err := e.OpenVisits(ctx, t0.Add(time.Hour)); err != nil || len(got) != 0 {
		t.Errorf("OpenVisits an hour after the last page view = %+v, %v; want none", got, err)
	}
}

// capSites checks Sites and HasSite: Sites lists the sites with page
// views, in name order; HasSite is also true of a site with only bot hits.
func capSites(t *testing.T, open Opener) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := open(t, t0.AddDate(0, 0, 1))
	expectSites := func(step string, want []string, has map[string]bool) {
		t.Helper()
		got, err := e.Sites(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 || len(want) != 0 {
			if !slices.Equal(got, want) {
				t.Errorf("%s: Sites = %q, want %q", step, got, want)
			}
		}
		for site, w := range has {
			got, err := e.HasSite(ctx, site)
			if err != nil {
				t.Fatal(err)
			}
			if got != w {
				t.Errorf("%s: HasSite(%q) = %v, want %v", step, site, got, w)
			}
		}
	}
	expectSites("empty", nil, map[string]bool{"a.example": false})
	pv := func(site string, ts time.Time) analytics.PageView {
		return analytics.PageView{Time: ts, Site: site, Visitor: 1, Visit: 1, ID: "pv-" + site, Path: "/"}
	}
	b := analytics.Batch{
		// Appended out of name order.
		PageViews: []analytics.PageView{pv("zz.example", t0), pv("a.example", t0), pv("m.example", t0), pv("a.example", t0.Add(time.Hour))},
		Leaves: []analytics.Leave{
			{Time: t0, Site: "a.example", PageView: "pv-a.example", Duration: time.Second},
			{Time: t0, Site: "leaves-only.example", PageView: "x", Duration: time.Second},
		},
		Bots: []analytics.BotHit{{Time: t0, Site: "bots-only.example"}, {Time: t0, Site: "m.example"}},
	}
	if err := e.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	expectSites("stored", []string{"a.example", "m.example", "zz.example"}, map[string]bool{
		"a.example": true, "m.example": true, "zz.example": true,
		"bots-only.example":   true,  // a bot hit is data of the site
		"leaves-only.example": false, // a leave without its page view is not
		"nosuch.example":      false,
		"A.EXAMPLE":           false, // names are exact
		"":                    false,
	})
	// A site whose records are all purged has no data left.
	if err := e.Append(ctx, analytics.Batch{PageViews: []analytics.PageView{pv("old.example", t0.AddDate(-4, 0, 0))}}); err != nil {
		t.Fatal(err)
	}
	expectSites("old site", []string{"a.example", "m.example", "old.example", "zz.example"}, map[string]bool{"old.example": true})
	if _, err := e.Purge(ctx, t0.AddDate(-3, 0, 0), t0); err != nil {
		t.Fatal(err)
	}
	expectSites("purged", []string{"a.example", "m.example", "zz.example"}, map[string]bool{"old.example": false, "a.example": true})
}

// capVisitorDay is one visitor's page views on one UTC day of a site, as
// VisitorPageViews should return them, computed from the stored events.
func capVisitorDay(ev Events, site string, visitor uint64, day time.Time) []analytics.VisitorPageView {
	from := day.UTC().Truncate(24 * time.Hour)
	to := from.Add(24 * time.Hour)
	type key struct{ site, id string }
	largest := map[key]time.Duration{}
	timed := map[key]bool{}
	at := map[key]time.Time{}
	for _, p := range ev.PageViews {
		at[key{p.Site, p.ID}] = p.Time
	}
	for _, l := range ev.Leaves {
		k := key{l.Site, l.PageView}
		// A leave counts within 24 hours of its page view, as in reports.
		if t, ok := at[k]; !ok || l.Time.Before(t) || l.Time.After(t.Add(24*time.Hour)) {
			continue
		}
		if !timed[k] || l.Duration > largest[k] {
			largest[k], timed[k] = l.Duration, true
		}
	}
	type indexed struct {
		v analytics.VisitorPageView
		i int
	}
	var out []indexed
	for i, p := range ev.PageViews {
		if p.Site == site && p.Visitor == visitor && !p.Time.Before(from) && p.Time.Before(to) {
			k := key{p.Site, p.ID}
			out = append(out, indexed{analytics.VisitorPageView{PageView: p, Duration: largest[k], Timed: timed[k]}, i})
		}
	}
	// Oldest first; page views in the same second in the order stored.
	slices.SortStableFunc(out, func(a, b indexed) int {
		if c := a.v.Time.Compare(b.v.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	var vs []analytics.VisitorPageView
	for _, o := range out {
		vs = append(vs, o.v)
	}
	// Each page view's events, oldest first (in the order stored within a
	// second).
	for i := range vs {
		for _, e := range ev.Events {
			if e.Site == site && e.PageView == vs[i].ID {
				vs[i].Events = append(vs[i].Events, e)
			}
		}
		slices.SortStableFunc(vs[i].Events, func(a, b analytics.Event) int { return a.Time.Compare(b.Time) })
	}
	return vs
}

func capCheckVisitorDay(t *testing.T, e Engine, ev Events, site string, visitor uint64, day time.Time) {
	t.Helper()
	got, err := e.VisitorPageViews(context.Background(), site, visitor, day)
	if err != nil {
		t.Fatal(err)
	}
	want := capVisitorDay(ev, site, visitor, day)
	if len(got) != len(want) {
		t.Errorf("VisitorPageViews(%s, %d, %s): %d page views, want %d", site, visitor, day.Format(time.DateOnly), len(got), len(want))
		return
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.Time.Equal(w.Time) {
			t.Errorf("VisitorPageViews(%s, %d)[%d]: time %s, want %s", site, visitor, i, g.Time, w.Time)
		}
		g.Time = w.Time
		if !slices.EqualFunc(g.Events, w.Events, sameEvent) {
			t.Errorf("VisitorPageViews(%s, %d)[%d]: events\n  %+v\nwant\n  %+v", site, visitor, i, g.Events, w.Events)
		}
		g.Events, w.Events = nil, nil
		if g.PageView != w.PageView || g.Duration != w.Duration || g.Timed != w.Timed {
			t.Errorf("VisitorPageViews(%s, %d)[%d] =\n  %+v\nwant\n  %+v", site, visitor, i, g, w)
		}
	}
}

func sameEvent(a, b analytics.Event) bool {
	return a.Time.Equal(b.Time) && a.Site == b.Site && a.PageView == b.PageView && a.Name == b.Name &&
		slices.Equal(a.Props, b.Props)
}

// capVisitor checks a visitor's page views of one UTC day and their
// erasure: the right records go (and only they), and every report,
// including days the engine rolled up and today, is at once as if they had
// never been stored; records appended after the erasure count as usual.
func capVisitor(t *testing.T, open Opener, now time.Time) {
	ctx := context.Background()
	hel, err := time.LoadLocation(analytics.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	// The erased UTC day: today at the middle clock, a finished day after.
	day := time.Date(2026, 3, 27, 0, 0, 0, 0, time.UTC)
	if now.Before(Small.Start.AddDate(0, 0, Small.Days)) {
		day = now.UTC().Truncate(24 * time.Hour)
	}
	const site = "a.example"
	gen := Generate(Small)

	// The victim: a visitor of the day with several page views, timed and
	// untimed ones.
	hasLeave := map[string]bool{}
	for _, l := range gen.Leaves {
		hasLeave[l.PageView] = true
	}
	views, timedViews := map[uint64]int{}, map[uint64]int{}
	var order []uint64
	for _, p := range gen.PageViews {
		if p.Site != site || !p.Time.UTC().Truncate(24*time.Hour).Equal(day) {
			continue
		}
		if views[p.Visitor] == 0 {
			order = append(order, p.Visitor)
		}
		views[p.Visitor]++
		if hasLeave[p.ID] {
			timedViews[p.Visitor]++
		}
	}
	var me, other uint64
	for _, v := range order {
		switch {
		case me == 0 && views[v] >= 3 && timedViews[v] >= 1 && timedViews[v] < views[v]:
			me = v
		case other == 0 && views[v] >= 2:
			other = v
		}
	}
	if me == 0 || other == 0 {
		t.Fatal("the generator no longer makes the visitors this test needs")
	}

	// Held back, appended after the erasure: page views (with their
	// leaves) and bot hits of a finished day and of the erased day.
	var stored, held Events
	heldIDs := map[string]bool{}
	for i, p := range gen.PageViews {
		d := p.Time.In(hel).Format(time.DateOnly)
		late := p.Site == site && p.Visitor != me && (d == "2026-03-26" || p.Time.UTC().Truncate(24*time.Hour).Equal(day)) && i%4 == 0
		if late {
			held.PageViews = append(held.PageViews, p)
			heldIDs[p.ID] = true
		} else {
			stored.PageViews = append(stored.PageViews, p)
		}
	}
	for _, l := range gen.Leaves {
		if heldIDs[l.PageView] {
			held.Leaves = append(held.Leaves, l)
		} else {
			stored.Leaves = append(stored.Leaves, l)
		}
	}
	for i, b := range gen.Bots {
		if b.Site == site && b.Time.In(hel).Format(time.DateOnly) == "2026-03-26" && i%2 == 0 {
			held.Bots = append(held.Bots, b)
		} else {
			stored.Bots = append(stored.Bots, b)
		}
	}
	if len(held.PageViews) == 0 || len(held.Leaves) == 0 || len(held.Bots) == 0 {
		t.Fatal("the generator no longer makes the late records this test needs")
	}

	// The victim's id also on the edges of the day, on the days around it
	// and on another site; appended last, the erased ones at the very end,
	// so that the erasure deletes the newest records (an engine that tells
	// new rows by a growing row number must not miss the rows appended
	// after it).
	full := func(ts time.Time, s, id string) analytics.PageView {
		return analytics.PageView{Time: ts, Site: s, Visitor: me, Visit: 77, ID: id, Path: "/tietosuojaseloste/",
			UTMSource: "src", UTMMedium: "med", UTMCampaign: "camp", UTMTerm: "term", UTMContent: "content",
			ReferrerHost: "duckduckgo.com", Country: "FI", Region: "15", City: "Kuopio",
			Browser: "Firefox", BrowserVersion: "133", OS: "Linux", Device: analytics.DeviceDesktop}
	}
	mine := Events{
		PageViews: []analytics.PageView{
			full(day.Add(-time.Second), site, "me-yesterday"),
			full(day.Add(24*time.Hour), site, "me-tomorrow"),
			full(day.Add(12*time.Hour), "b.example", "me-elsewhere"),
			full(day, site, "me-first"),
			full(day.Add(24*time.Hour-time.Second), site, "me-last"),
		},
		Leaves: []analytics.Leave{
			{Time: day.Add(-time.Second), Site: site, PageView: "me-yesterday", Duration: time.Second},
			{Time: day.Add(12 * time.Hour), Site: "b.example", PageView: "me-elsewhere", Duration: time.Second},
			{Time: day.Add(time.Minute), Site: site, PageView: "me-first", Duration: 3 * time.Second},
			{Time: day.Add(2 * time.Minute), Site: site, PageView: "me-first", Duration: 9 * time.Second},
			{Time: day.Add(3 * time.Minute), Site: site, PageView: "me-first", Duration: 8 * time.Second},
		},
		Events: []analytics.Event{
			{Time: day.Add(-time.Second), Site: site, Visitor: me, Visit: 77, PageView: "me-yesterday", Name: "Yhteydenotto"},
			{Time: day.Add(12 * time.Hour), Site: "b.example", Visitor: me, Visit: 77, PageView: "me-elsewhere", Name: "Yhteydenotto"},
			{Time: day.Add(time.Minute), Site: site, Visitor: me, Visit: 77, PageView: "me-first", Name: "Yhteydenotto",
				Props: []analytics.Prop{{Key: "lomake", Value: "tarjous"}}},
			{Time: day.Add(2 * time.Minute), Site: site, Visitor: me, Visit: 77, PageView: "me-first", Name: "Tilaus",
				Props: []analytics.Prop{{Key: "maksutapa", Value: "kortti"}, {Key: "tuote", Value: "T1"}}},
		},
	}
	ev := Events{
		PageViews: append(slices.Clone(stored.PageViews), mine.PageViews...),
		Leaves:    append(slices.Clone(stored.Leaves), mine.Leaves...),
		Bots:      stored.Bots,
		Events:    mine.Events,
	}

	e := open(t, now)
	load(t, e, stored)
	load(t, e, mine)
	capWarm(t, e)
	capCheckStep(t, e, ev, now, "before erasure")
	capCheckVisitorDay(t, e, ev, site, me, day)
	if got := capVisitorDay(ev, site, me, day); len(got) != views[me]+2 {
		t.Fatalf("the test's own answer has %d page views of the visitor, want %d", len(got), views[me]+2)
	}

	// The answer: the visitor's page views of the UTC day and all their
	// leaves go, nothing else.
	var want analytics.Erased
	var rest Events
	erased := map[string]bool{}
	from, to := day, day.Add(24*time.Hour)
	for _, p := range ev.PageViews {
		if p.Site == site && p.Visitor == me && !p.Time.Before(from) && p.Time.Before(to) {
			want.PageViews++
			erased[p.ID] = true
		} else {
			rest.PageViews = append(rest.PageViews, p)
		}
	}
	for _, l := range ev.Leaves {
		if l.Site == site && erased[l.PageView] {
			want.Leaves++
		} else {
			rest.Leaves = append(rest.Leaves, l)
		}
	}
	for _, x := range ev.Events {
		if x.Site == site && erased[x.PageView] {
			want.Events++
		} else {
			rest.Events = append(rest.Events, x)
		}
	}
	rest.Bots = ev.Bots
	q, err := Cases[0].Query()
	if err != nil {
		t.Fatal(err)
	}
	if Compare(Expect(rest, q, now), Expect(ev, q, now)) == "" {
		t.Fatal("the erasure changes no report: the test proves nothing")
	}

	got, err := e.DeleteVisitor(ctx, site, me, day.Add(15*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.PageViews != want.PageViews || !leavesCounted(e, got.Leaves, want.Leaves) || got.Events != want.Events || want.Events != 2 {
		t.Errorf("DeleteVisitor erased %+v, want %+v", got, want)
	}
	if got, err := e.VisitorPageViews(ctx, site, me, day); err != nil || len(got) != 0 {
		t.Errorf("after the erasure VisitorPageViews = %d page views, %v; want none", len(got), err)
	}
	// Untouched: the same id on other days and sites, other visitors.
	capCheckVisitorDay(t, e, rest, site, me, day.Add(-time.Second))
	capCheckVisitorDay(t, e, rest, site, me, day.Add(24*time.Hour))
	capCheckVisitorDay(t, e, rest, "b.example", me, day)
	capCheckVisitorDay(t, e, rest, site, other, day)
	if len(capVisitorDay(rest, site, me, day.Add(-time.Second))) != 1 || len(capVisitorDay(rest, "b.example", me, day)) != 1 {
		t.Fatal("the test's own answer lost the records that stay")
	}
	// Every report, at once: no maintenance in between.
	capCheckAll(t, e, rest, now, "after erasure")
	if got, err := e.DeleteVisitor(ctx, site, me, day); err != nil || got != (analytics.Erased{}) {
		t.Errorf("second DeleteVisitor = %+v, %v; want nothing erased", got, err)
	}

	// Erase, then append, then report. The erased records are the newest
	// ones, and as many page views (then leaves) are appended right after,
	// on a finished day: an engine that tells new rows by a growing row
	// number may give them the erased rows' numbers, and must still count
	// them. One kind at a time, so that new rows of the other kind do not
	// make the engine look again anyway.
	lateDay := time.Date(2026, 3, 26, 10, 0, 0, 0, time.UTC)
	rounds := []struct {
		name     string
		visitor  uint64
		newest   Events
		appended Events
	}{
		{"page views", 0x5eed, Events{
			PageViews: []analytics.PageView{
				{Time: day.Add(time.Hour), Site: site, Visitor: 0x5eed, Visit: 5, ID: "me2-1", Path: "/"},
				{Time: day.Add(time.Hour + time.Minute), Site: site, Visitor: 0x5eed, Visit: 5, ID: "me2-2", Path: "/hinnasto"},
			},
			Leaves: []analytics.Leave{
				{Time: day.Add(time.Hour + 30*time.Second), Site: site, PageView: "me2-1", Duration: 20 * time.Second},
				{Time: day.Add(time.Hour + 2*time.Minute), Site: site, PageView: "me2-2", Duration: 50 * time.Second},
			},
		}, Events{PageViews: []analytics.PageView{
			{Time: lateDay, Site: site, Visitor: 99, Visit: 99, ID: "late-1", Path: "/myohassa"},
			{Time: lateDay.Add(5 * time.Minute), Site: site, Visitor: 99, Visit: 99, ID: "late-2", Path: "/"},
		}}},
		{"leaves", 0x5eee, Events{
			PageViews: []analytics.PageView{
				{Time: day.Add(2 * time.Hour), Site: site, Visitor: 0x5eee, Visit: 6, ID: "me3-1", Path: "/"},
			},
			Leaves: []analytics.Leave{
				{Time: day.Add(2*time.Hour + 30*time.Second), Site: site, PageView: "me3-1", Duration: 20 * time.Second},
				{Time: day.Add(2*time.Hour + 40*time.Second), Site: site, PageView: "me3-1", Duration: 30 * time.Second},
				{Time: day.Add(2*time.Hour + 50*time.Second), Site: site, PageView: "me3-1", Duration: 25 * time.Second},
			},
		}, Events{Leaves: []analytics.Leave{
			{Time: lateDay.Add(time.Minute), Site: site, PageView: "late-1", Duration: 11 * time.Second},
			{Time: lateDay.Add(2 * time.Minute), Site: site, PageView: "late-1", Duration: 12 * time.Second},
			{Time: lateDay.Add(6 * time.Minute), Site: site, PageView: "late-2", Duration: 13 * time.Second},
		}}},
	}
	for _, r := range rounds {
		load(t, e, r.newest)
		withNewest := Events{
			PageViews: append(slices.Clone(rest.PageViews), r.newest.PageViews...),
			Leaves:    append(slices.Clone(rest.Leaves), r.newest.Leaves...),
			Bots:      rest.Bots,
			Events:    rest.Events,
		}
		capCheckStep(t, e, withNewest, now, "newest records before "+r.name)
		want := analytics.Erased{PageViews: int64(len(r.newest.PageViews)), Leaves: int64(len(r.newest.Leaves))}
		if got, err := e.DeleteVisitor(ctx, site, r.visitor, day); err != nil || got.PageViews != want.PageViews || !leavesCounted(e, got.Leaves, want.Leaves) {
			t.Errorf("DeleteVisitor of the newest records = %+v, %v; want %+v", got, err, want)
		}
		load(t, e, r.appended)
		rest.PageViews = append(rest.PageViews, r.appended.PageViews...)
		rest.Leaves = append(rest.Leaves, r.appended.Leaves...)
		capCheckStep(t, e, rest, now, "erased, then as many "+r.name+" appended")
	}
	// And the held-back records of the erased day and a finished one.
	load(t, e, held)
	rest.PageViews = append(rest.PageViews, held.PageViews...)
	rest.Leaves = append(rest.Leaves, held.Leaves...)
	rest.Bots = append(slices.Clone(rest.Bots), held.Bots...)
	capCheckAll(t, e, rest, now, "appended after erasure")
	capCheckVisitorDay(t, e, rest, site, other, day)
	if capRunMaintenance(t, e) {
		capCheckStep(t, e, rest, now, "maintained after erasure")
	}
}

// capMaintain checks the optional Maintainer: reports are the same before
// and after maintenance, and see records appended after it (late records
// of finished days, and today's) without more maintenance.
func capMaintain(t *testing.T, open Opener, now time.Time) {
	e := open(t, now)
	if _, ok := e.(analytics.Maintainer); !ok {
		t.Skip("the engine keeps no derived data (no analytics.Maintainer)")
	}
	hel, err := time.LoadLocation(analytics.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	// Held back: a third of the records of a finished day, and of the
	// middle clock's today.
	var stored, held Events
	heldIDs := map[string]bool{}
	isLate := func(i int, ts time.Time) bool {
		d := ts.In(hel).Format(time.DateOnly)
		return (d == "2026-03-28" || d == "2026-03-30") && i%3 == 0
	}
	gen := Generate(Small)
	for i, p := range gen.PageViews {
		if isLate(i, p.Time) {
			held.PageViews = append(held.PageViews, p)
			heldIDs[p.ID] = true
		} else {
			stored.PageViews = append(stored.PageViews, p)
		}
	}
	for i, l := range gen.Leaves {
		if heldIDs[l.PageView] || isLate(i, l.Time) {
			held.Leaves = append(held.Leaves, l)
		} else {
			stored.Leaves = append(stored.Leaves, l)
		}
	}
	for i, b := range gen.Bots {
		if isLate(i, b.Time) {
			held.Bots = append(held.Bots, b)
		} else {
			stored.Bots = append(stored.Bots, b)
		}
	}
	if len(held.PageViews) == 0 || len(held.Leaves) == 0 || len(held.Bots) == 0 {
		t.Fatal("the generator no longer makes the late records this test needs")
	}
	load(t, e, stored)
	capCheckStep(t, e, stored, now, "before maintenance")
	capRunMaintenance(t, e)
	capCheckAll(t, e, stored, now, "after maintenance")
	capRunMaintenance(t, e) // nothing new: changes nothing
	capCheckStep(t, e, stored, now, "maintained twice")
	load(t, e, held)
	all := Events{
		PageViews: append(slices.Clone(stored.PageViews), held.PageViews...),
		Leaves:    append(slices.Clone(stored.Leaves), held.Leaves...),
		Bots:      append(slices.Clone(stored.Bots), held.Bots...),
	}
	capCheckAll(t, e, all, now, "late records, no maintenance")
	capRunMaintenance(t, e)
	capCheckStep(t, e, all, now, "late records, maintained")
}

// leavesCounted reports whether got leave records deleted fit want: all of
// them, except that a Maintainer may have folded settled ones into their
// page views (they go with the page view, uncounted).
func leavesCounted(e Engine, got, want int64) bool {
	if _, ok := e.(analytics.Maintainer); ok {
		return got >= 0 && got <= want
	}
	return got == want
}

// capAudit checks the audit log: entries come back newest first (those of
// one second in the reverse order they were added), a limit keeps the
// newest, and the log is owner data: no raw column, no unknown table.
func capAudit(t *testing.T, open Opener) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	e := open(t, t0)
	log, ok := e.(analytics.AuditLog)
	if !ok {
		t.Fatalf("%T keeps no audit log (analytics.AuditLog)", e)
	}
	if got, err := log.AuditEntries(ctx, 0); err != nil || len(got) != 0 {
		t.Fatalf("empty log: %v, %v", got, err)
	}
	want := []analytics.AuditEntry{
		{Time: t0, Actor: "maija", Action: analytics.AuditLogin},
		{Time: t0.Add(time.Minute), Actor: "maija", Action: analytics.AuditUserAdd, Target: "ville"},
		{Time: t0.Add(time.Minute), Actor: "cli", Action: analytics.AuditShareCreate, Target: "a.example"},
		{Time: t0.Add(time.Hour), Actor: "ville", Action: analytics.AuditLogin},
	}
	for _, w := range want {
		if err := log.AppendAudit(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	slices.Reverse(want)
	got, err := log.AuditEntries(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("AuditEntries = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) || got[i].Actor != want[i].Actor || got[i].Action != want[i].Action || got[i].Target != want[i].Target {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got, err := log.AuditEntries(ctx, 2); err != nil || len(got) != 2 || got[0].Actor != "ville" || got[1].Actor != "cli" {
		t.Errorf("AuditEntries(2) = %+v, %v; want the two newest", got, err)
	}
	if unknown, err := e.UnknownTables(ctx); err != nil || len(unknown) > 0 {
		t.Errorf("UnknownTables = %v, %v: the audit log's table must be known as owner data", unknown, err)
	}
	raw, err := e.RawColumns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range raw {
		if strings.Contains(c, "audit") {
			t.Errorf("raw column %s: the audit log is not collected data", c)
		}
	}
}
