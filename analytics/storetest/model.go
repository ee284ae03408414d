package storetest

import (
	"cmp"
	"slices"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Expect computes the report of q from events in plain Go, written apart
// from any engine: the independent side of the known-answer tests. It
// follows the definitions in the package documentation step by step, for
// clarity rather than speed. q must be normalized.
func Expect(ev Events, q analytics.Query, now time.Time) *analytics.Report {
	r := &analytics.Report{
		Site: q.Site, From: q.From, To: q.To, Zone: q.Zone, Interval: q.Interval,
		Breakdowns: map[analytics.Dimension][]analytics.Row{},
	}
	cur := expectPeriod(ev, q, true)
	r.Imported = cur.imported
	r.Totals = cur.totals
	r.Series = cur.series
	r.Breakdowns = cur.breakdowns
	prevQ := q
	n := 0
	for d := q.From; !d.After(q.To); d = d.AddDate(0, 0, 1) {
		n++
	}
	prevQ.From, prevQ.To = q.From.AddDate(0, 0, -n), q.From.AddDate(0, 0, -1)
	r.Previous = expectPeriod(ev, prevQ, false).totals
	// Conversion rates are over the visitors of the other filters; with a
	// goal filter, of the collected days only, as its conversions are.
	visitors := r.Totals.Visitors
	if q.Goal != "" {
		all := q
		all.Goal, all.ExcludeImported = "", true
		visitors = expectPeriod(ev, all, false).totals.Visitors
	}
	expectEvents(ev, q, visitors, r)
	seen := map[uint64]bool{}
	for _, p := range ev.PageViews {
		if p.Site == q.Site && p.Time.After(now.Add(-5*time.Minute)) && !p.Time.After(now) && !seen[p.Visitor] {
			seen[p.Visitor] = true
			r.Realtime++
		}
	}
	return r
}

type expected struct {
	imported   *analytics.ImportedUse
	totals     analytics.Totals
	series     []analytics.Point
	breakdowns map[analytics.Dimension][]analytics.Row
}

type vkey struct {
	day   string
	visit uint64
}

type mview struct {
	analytics.PageView
	idx     int    // insertion order: breaks ties of equal times
	day     string // local date in the zone
	visible int64  // ms, -1 without a leave
	scroll  int    // percent, 0 not measured
	sel     bool
}

func expectPeriod(ev Events, q analytics.Query, detail bool) expected {
	end := q.To.AddDate(0, 0, 1)
	imp := modelImported(ev, q, detail)

	// Visible time: the largest leave within 24 h after the page view.
	type key struct{ site, id string }
	pvTime := map[key]time.Time{}
	for _, p := range ev.PageViews {
		pvTime[key{p.Site, p.ID}] = p.Time
	}
	visible := map[key]int64{} // ms; no entry: no leave
	scrolled := map[key]int{}  // the deepest scroll of the same leaves; 0 none
	for _, l := range ev.Leaves {
		k := key{l.Site, l.PageView}
		t, ok := pvTime[k]
		if !ok || l.Time.Before(t) || l.Time.After(t.Add(24*time.Hour)) {
			continue
		}
		if old, had := visible[k]; !had || l.Duration.Milliseconds() > old {
			visible[k] = l.Duration.Milliseconds()
		}
		scrolled[k] = max(scrolled[k], l.Scroll)
	}

	var views []*mview
	for i, p := range ev.PageViews {
		if p.Site != q.Site || p.Time.Before(q.From) || !p.Time.Before(end) {
			continue
		}
		v := &mview{PageView: p, idx: i, day: p.Time.In(q.Zone).Format(time.DateOnly), visible: -1}
		if ms, ok := visible[key{p.Site, p.ID}]; ok {
			v.visible = ms
		}
		v.scroll = scrolled[key{p.Site, p.ID}]
		views = append(views, v)
	}
	slices.SortStableFunc(views, func(a, b *mview) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})

	// Visits, split by day.
	visits := map[vkey][]*mview{}
	var vorder []vkey
	for _, v := range views {
		k := vkey{v.day, v.Visit}
		if visits[k] == nil {
			vorder = append(vorder, k)
		}
		visits[k] = append(visits[k], v)
	}

	firstOf := visitSources(ev, q.Site)
	source := func(visit uint64, dim analytics.Dimension) string { return sourceValue(firstOf[visit], dim) }

	// Selection. A goal filter keeps the visit-days that converted.
	converted := convertedVisitDays(ev, q)
	for _, k := range vorder {
		vs := visits[k]
		entry, exit := vs[0].Path, vs[len(vs)-1].Path
		for _, v := range vs {
			v.sel = q.Goal == "" || converted[k]
			for _, f := range q.Filters {
				var have string
				switch {
				case f.Dim == analytics.DimEntryPage:
					have = entry
				case f.Dim == analytics.DimExitPage:
					have = exit
				case f.Dim.Source():
					have = source(k.visit, f.Dim)
				default:
					have = value(v.PageView, f.Dim)
				}
				if have != f.Value {
					v.sel = false
				}
			}
		}
	}

	var (
		t                                               analytics.Totals
		bounces, visitMs, timed, timeMs                 int64
		dayVisitors                                     = map[string]map[uint64]bool{}
		rows                                            = map[analytics.Dimension]map[string]*analytics.Row{}
		rowTime                                         = map[analytics.Dimension]map[string]int64{}
		rowSeen                                         = map[analytics.Dimension]map[string]map[string]map[uint64]bool{} // dim → value → day → visitors
		rowTimed                                        = map[analytics.Dimension]map[string]map[string]map[uint64]bool{} // the same, of timed views
		pageScrolled                                    = map[string]map[string]map[uint64]bool{}                         // page → day → visitors with a scrolled view
		pageScroll                                      = map[string]int64{}                                              // page → sum of percentages
		dayTimed                                        = map[string]map[uint64]bool{}
		timedVisitors                                   int64
		addRow                                          func(dim analytics.Dimension, val, day string, visitor uint64) *analytics.Row
		hourVisitors, hourViews, bucketVisitorsFromDays = map[time.Time]map[uint64]bool{}, map[time.Time]int64{}, map[time.Time]int64{}
	)
	addRow = func(dim analytics.Dimension, val, day string, visitor uint64) *analytics.Row {
		if rows[dim] == nil {
			rows[dim], rowTime[dim], rowSeen[dim] = map[string]*analytics.Row{}, map[string]int64{}, map[string]map[string]map[uint64]bool{}
		}
		r := rows[dim][val]
		if r == nil {
			r = &analytics.Row{Value: val}
			rows[dim][val] = r
			rowSeen[dim][val] = map[string]map[uint64]bool{}
		}
		if rowSeen[dim][val][day] == nil {
			rowSeen[dim][val][day] = map[uint64]bool{}
		}
		if !rowSeen[dim][val][day][visitor] {
			rowSeen[dim][val][day][visitor] = true
			r.Visitors++
		}
		return r
	}
	for _, k := range vorder {
		vs := visits[k]
		hit := false
		for _, v := range vs {
			hit = hit || v.sel
		}
		if !hit {
			continue
		}
		t.Visits++
		if len(vs) == 1 {
			bounces++
		}
		first, last := vs[0], vs[len(vs)-1]
		visitMs += last.Time.Sub(first.Time).Milliseconds() + max(last.visible, 0)
		// A visit's rows count the visitor of its entry page view.
		addRow(analytics.DimEntryPage, first.Path, k.day, first.Visitor).Visits++
		addRow(analytics.DimExitPage, last.Path, k.day, first.Visitor).Visits++
		for _, dim := range []analytics.Dimension{analytics.DimReferrer, analytics.DimUTMSource,
			analytics.DimUTMMedium, analytics.DimUTMCampaign, analytics.DimChannel} {
			val := source(k.visit, dim)
			if val == "" && dim != analytics.DimReferrer {
				continue // untagged visits have no UTM rows
			}
			addRow(dim, val, k.day, first.Visitor).Visits++
		}
	}
	for _, v := range views {
		if !v.sel {
			continue
		}
		t.PageViews++
		if v.visible >= 0 {
			timed++
			timeMs += v.visible
			if dayTimed[v.day] == nil {
				dayTimed[v.day] = map[uint64]bool{}
			}
			if !dayTimed[v.day][v.Visitor] {
				dayTimed[v.day][v.Visitor] = true
				timedVisitors++
			}
		}
		if dayVisitors[v.day] == nil {
			dayVisitors[v.day] = map[uint64]bool{}
		}
		if !dayVisitors[v.day][v.Visitor] {
			dayVisitors[v.day][v.Visitor] = true
			t.Visitors++
		}
		// Helsinki and UTC have offsets of whole hours: an hour bucket is
		// the UTC hour.
		h := v.Time.Truncate(time.Hour)
		if hourVisitors[h] == nil {
			hourVisitors[h] = map[uint64]bool{}
		}
		hourVisitors[h][v.Visitor] = true
		hourViews[h]++
		for _, dim := range analytics.Dimensions {
			if dim.VisitLevel() {
				continue
			}
			val := value(v.PageView, dim)
			r := addRow(dim, val, v.day, v.Visitor)
			r.PageViews++
			if v.visible >= 0 {
				r.TimedViews++
				rowTime[dim][val] += v.visible
				if rowTimed[dim] == nil {
					rowTimed[dim] = map[string]map[string]map[uint64]bool{}
				}
				if rowTimed[dim][val] == nil {
					rowTimed[dim][val] = map[string]map[uint64]bool{}
				}
				if rowTimed[dim][val][v.day] == nil {
					rowTimed[dim][val][v.day] = map[uint64]bool{}
				}
				if !rowTimed[dim][val][v.day][v.Visitor] {
					rowTimed[dim][val][v.day][v.Visitor] = true
					r.TimedVisitors++
				}
			}
			if dim == analytics.DimPage && v.scroll > 0 {
				r.ScrolledViews++
				pageScroll[val] += int64(v.scroll)
				if pageScrolled[val] == nil {
					pageScrolled[val] = map[string]map[uint64]bool{}
				}
				if pageScrolled[val][v.day] == nil {
					pageScrolled[val][v.day] = map[uint64]bool{}
				}
				if !pageScrolled[val][v.day][v.Visitor] {
					pageScrolled[val][v.day][v.Visitor] = true
					r.ScrolledVisitors++
				}
			}
		}
	}
	// Imported days have no native page views: their sums add up.
	t.Visitors += imp.visitors
	t.Visits += imp.visits
	t.PageViews += imp.pageviews
	bounces += imp.bounces
	visitMs += imp.visitS * 1000
	for dim, byValue := range imp.rows {
		for v, ir := range byValue {
			if rows[dim] == nil {
				rows[dim], rowTime[dim] = map[string]*analytics.Row{}, map[string]int64{}
			}
			r := rows[dim][v]
			if r == nil {
				r = &analytics.Row{Value: v}
				rows[dim][v] = r
			}
			r.Visitors += ir.Visitors
			r.Visits += ir.Visits
			r.PageViews += ir.PageViews
		}
	}
	if t.Visits > 0 {
		t.ViewsPerVisit = float64(t.PageViews) / float64(t.Visits)
		t.BounceRate = float64(bounces) / float64(t.Visits)
		t.AvgVisitDuration = float64(visitMs) / 1000 / float64(t.Visits)
	}
	if timed > 0 {
		t.AvgTimeOnPage = float64(timeMs) / 1000 / float64(timed)
	}
	// Under the k-anonymity floor, averages over fewer people are not told.
	if k := int64(q.MinVisitors); k > 1 {
		if t.Visitors < k {
			t.ViewsPerVisit, t.BounceRate, t.AvgVisitDuration, t.Withheld, t.DurationWithheld = 0, 0, 0, true, true
		}
		if t.Visitors < k || timedVisitors < k {
			t.AvgTimeOnPage, t.TimeWithheld = 0, true
		}
		// A visit lasts to the end of its last page's visible time.
		if t.Visitors < k || (timedVisitors > 0 && timedVisitors < k) {
			t.AvgVisitDuration, t.DurationWithheld = 0, true
		}
	}
	for _, b := range ev.Bots {
		if len(q.Filters) == 0 && q.Goal == "" && b.Site == q.Site && !b.Time.Before(q.From) && b.Time.Before(end) {
			t.Bots++
		}
	}

	// Series: one point per bucket, zeros included; a bucket with an
	// imported day is marked.
	var series []analytics.Point
	bucketViews := map[time.Time]int64{}
	importedDay := func(from, to time.Time) bool {
		if imp.use == nil || !imp.use.Included {
			return false
		}
		for d := analytics.Midnight(from, q.Zone); d.Before(to); d = d.AddDate(0, 0, 1) {
			day := d.Format(time.DateOnly)
			if imp.use.From <= day && day <= imp.use.To && imp.counted[day] {
				return true
			}
		}
		return false
	}
	if q.Interval == analytics.Hour {
		for h := q.From; h.Before(end); h = h.Add(time.Hour) {
			series = append(series, analytics.Point{T: h, Visitors: int64(len(hourVisitors[h.UTC().Truncate(time.Hour)])), PageViews: hourViews[h.UTC().Truncate(time.Hour)],
				Imported: importedDay(h, h.Add(time.Hour))})
		}
	} else {
		// Bucket start of a day: the day itself, its week's Monday or its
		// month's first day, but never before q.From.
		bucketOf := func(d time.Time) time.Time {
			var b time.Time
			switch q.Interval {
			case analytics.Day:
				b = d
			case analytics.Week:
				for b = d; b.Weekday() != time.Monday; b = b.AddDate(0, 0, -1) {
				}
			case analytics.Month:
				b = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, q.Zone)
			}
			if b.Before(q.From) {
				b = q.From
			}
			return b
		}
		for day := q.From; day.Before(end); day = day.AddDate(0, 0, 1) {
			b := bucketOf(day)
			bucketVisitorsFromDays[b] += int64(len(dayVisitors[day.Format(time.DateOnly)])) + imp.dayVisitors[day.Format(time.DateOnly)]
			bucketViews[b] += imp.dayViews[day.Format(time.DateOnly)]
		}
		for _, v := range views {
			if v.sel {
				y, m, d := v.Time.In(q.Zone).Date()
				bucketViews[bucketOf(time.Date(y, m, d, 0, 0, 0, 0, q.Zone))]++
			}
		}
		var last time.Time
		for day := q.From; day.Before(end); day = day.AddDate(0, 0, 1) {
			b := bucketOf(day)
			if b.Equal(last) {
				continue
			}
			last = b
			series = append(series, analytics.Point{T: b, Visitors: bucketVisitorsFromDays[b], PageViews: bucketViews[b]})
		}
		for i := range series {
			next := end
			if i+1 < len(series) {
				next = series[i+1].T
			}
			series[i].Imported = importedDay(series[i].T, next)
		}
	}

	breakdowns := map[analytics.Dimension][]analytics.Row{}
	for _, dim := range analytics.Dimensions {
		var list []analytics.Row
		for val, r := range rows[dim] {
			row := *r
			if row.TimedViews > 0 {
				row.AvgTime = float64(rowTime[dim][val]) / 1000 / float64(row.TimedViews)
			}
			if dim == analytics.DimPage && row.ScrolledViews > 0 {
				row.AvgScroll = float64(pageScroll[val]) / float64(row.ScrolledViews)
			}
			list = append(list, row)
		}
		breakdowns[dim] = fold(list, q.Limit, q.MinVisitors, t.Visitors, t.Visits)
		if q.MinVisitors > 1 && dim != analytics.DimPage {
			for i := range breakdowns[dim] { // only pages carry a time under a floor
				if breakdowns[dim][i].TimedViews > 0 {
					breakdowns[dim][i].AvgTime, breakdowns[dim][i].AvgTimeWithheld = 0, true
				}
			}
		}
	}
	// The period's time, less the shown pages' times, is that of the page
	// views on no shown page: told only when none, or by at least k people
	// as far as the rows tell (the timed visitors not on a shown page, or
	// the most on any one hidden page; "(muut)" counts its visitors' sum).
	if k := int64(q.MinVisitors); k > 1 && !t.TimeWithheld {
		hiddenViews, notShown, mostHidden := timed, timedVisitors, int64(0)
		for _, r := range breakdowns[analytics.DimPage] {
			switch {
			case r.TimedViews == 0:
			case r.AvgTimeWithheld:
				mostHidden = max(mostHidden, r.TimedVisitors)
			case r.Value == analytics.Other:
				hiddenViews -= r.TimedViews
				notShown -= r.Visitors
			default:
				hiddenViews -= r.TimedViews
				notShown -= r.TimedVisitors
			}
		}
		if hiddenViews > 0 && notShown < k && mostHidden < k {
			t.AvgTimeOnPage, t.AvgVisitDuration, t.TimeWithheld, t.DurationWithheld = 0, 0, true, true
		}
	}
	return expected{imported: imp.use, totals: t, series: series, breakdowns: breakdowns}
}

// fold is the model's own Limit and MinVisitors folding. The folded rows'
// visitors and visits may overlap: Other's are their sums, at most the
// period's visitors and visits.
func fold(rows []analytics.Row, limit, minVisitors int, visitors, visits int64) []analytics.Row {
	slices.SortFunc(rows, func(a, b analytics.Row) int {
		if a.Visitors != b.Visitors {
			return cmp.Compare(b.Visitors, a.Visitors)
		}
		return cmp.Compare(a.Value, b.Value)
	})
	out := []analytics.Row{}
	other := analytics.Row{Value: analytics.Other}
	var otherTime, otherScroll float64
	n := 0
	for _, r := range rows {
		small := minVisitors > 1 && r.Visitors < int64(minVisitors)
		if small || (limit > 0 && len(out) >= limit) {
			other.Visitors += r.Visitors
			other.Visits += r.Visits
			other.PageViews += r.PageViews
			other.TimedViews += r.TimedViews
			otherTime += r.AvgTime * float64(r.TimedViews)
			other.TimedVisitors = max(other.TimedVisitors, r.TimedVisitors) // surely distinct: one row's
			other.ScrolledViews += r.ScrolledViews
			otherScroll += r.AvgScroll * float64(r.ScrolledViews)
			other.ScrolledVisitors = max(other.ScrolledVisitors, r.ScrolledVisitors)
			n++
			continue
		}
		out = append(out, r)
	}
	if n > 0 {
		if visitors > 0 && other.Visitors > visitors {
			other.Visitors = visitors
		}
		if visits > 0 && other.Visits > visits {
			other.Visits = visits
		}
		if other.TimedViews > 0 {
			other.AvgTime = otherTime / float64(other.TimedViews)
		}
		if other.ScrolledViews > 0 {
			other.AvgScroll = otherScroll / float64(other.ScrolledViews)
		}
		out = append(out, other)
	}
	for i := range out {
		if minVisitors > 1 && out[i].TimedViews > 0 && out[i].TimedVisitors < int64(minVisitors) {
			out[i].AvgTime, out[i].AvgTimeWithheld = 0, true
		}
		if minVisitors > 1 && out[i].ScrolledViews > 0 && out[i].ScrolledVisitors < int64(minVisitors) {
			out[i].AvgScroll, out[i].AvgScrollWithheld = 0, true
		}
	}
	return out
}

// visitSources are the first page view of each of site's visits: a
// visit's source is that of its first page view, the earliest of the whole
// visit, also when it began the day before.
func visitSources(ev Events, site string) map[uint64]analytics.PageView {
	firstOf := map[uint64]analytics.PageView{}
	for _, p := range ev.PageViews {
		if p.Site != site {
			continue
		}
		if f, ok := firstOf[p.Visit]; !ok || p.Time.Before(f.Time) {
			firstOf[p.Visit] = p
		}
	}
	return firstOf
}

// sourceValue is a visit's value in a source dimension (referrer, UTM,
// channel), from its first page view f (visitSources).
func sourceValue(f analytics.PageView, d analytics.Dimension) string {
	if d == analytics.DimChannel {
		return analytics.ChannelOf(f.ReferrerHost, f.UTMSource, f.UTMMedium, f.UTMCampaign)
	}
	return value(f, d)
}

// value is the page view's value in a page-view dimension.
func value(p analytics.PageView, d analytics.Dimension) string {
	switch d {
	case analytics.DimPage:
		return p.Path
	case analytics.DimReferrer:
		return p.ReferrerHost
	case analytics.DimUTMSource:
		return p.UTMSource
	case analytics.DimUTMMedium:
		return p.UTMMedium
	case analytics.DimUTMCampaign:
		return p.UTMCampaign
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
	panic("storetest: no value for dimension " + string(d))
}
