package aggregate

import (
	"errors"
	"math"
	"slices"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Counts are the totals of a day, or of a sum of days: sums, so that days
// add up exactly.
type Counts struct {
	Visitors, Visits, PageViews, Bounces, VisitMs, TimedViews, TimeMs, Bots int64
	// TimedVisitors are the visitors with a timed page view: the people an
	// average visible time is over (the k-anonymity floor looks at them).
	TimedVisitors int64
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Visitors += o.Visitors
	c.Visits += o.Visits
	c.PageViews += o.PageViews
	c.Bounces += o.Bounces
	c.VisitMs += o.VisitMs
	c.TimedViews += o.TimedViews
	c.TimeMs += o.TimeMs
	c.Bots += o.Bots
	c.TimedVisitors += o.TimedVisitors
}

// Totals turns sums into the report's headline numbers. Averages over
// fewer visitors than minVisitors (the k-anonymity floor) are withheld:
// over one or two people they are those people's numbers. What subtracting
// a report's rows would give away is withheld by analytics.WithholdDifferences.
func (c Counts) Totals(minVisitors int) analytics.Totals {
	t := analytics.Totals{Visitors: c.Visitors, Visits: c.Visits, PageViews: c.PageViews, Bots: c.Bots}
	if minVisitors > 1 && c.Visitors < int64(minVisitors) {
		t.Withheld, t.TimeWithheld, t.DurationWithheld = true, true, true
		return t
	}
	if minVisitors > 1 && c.TimedVisitors < int64(minVisitors) {
		t.TimeWithheld = true
		c.TimedViews = 0
		// Visit durations end with the last page's visible time: with a
		// few people's in them, they are withheld too.
		t.DurationWithheld = c.TimedVisitors > 0
	}
	if c.Visits > 0 {
		t.ViewsPerVisit = float64(c.PageViews) / float64(c.Visits)
		t.BounceRate = float64(c.Bounces) / float64(c.Visits)
		if !t.DurationWithheld {
			t.AvgVisitDuration = float64(c.VisitMs) / float64(c.Visits) / 1000
		}
	}
	if c.TimedViews > 0 {
		t.AvgTimeOnPage = float64(c.TimeMs) / float64(c.TimedViews) / 1000
	}
	return t
}

// RowCounts are one breakdown row's sums.
type RowCounts struct {
	Visitors, Visits, PageViews, TimedViews, TimeMs int64
	TimedVisitors                                   int64 // visitors with a timed page view
	// Scroll depth, of pages' rows only: the page views with a measured
	// depth, the sum of their percentages and their visitors.
	ScrolledViews, ScrollSum, ScrolledVisitors int64
}

// Add adds o to c.
func (c *RowCounts) Add(o RowCounts) {
	c.Visitors += o.Visitors
	c.Visits += o.Visits
	c.PageViews += o.PageViews
	c.TimedViews += o.TimedViews
	c.TimeMs += o.TimeMs
	c.TimedVisitors += o.TimedVisitors
	c.ScrolledViews += o.ScrolledViews
	c.ScrollSum += o.ScrollSum
	c.ScrolledVisitors += o.ScrolledVisitors
}

// rowNumbers are RowCounts in AppendRows' order.
type rowNumbers [9]int64

func (c *RowCounts) numbers() rowNumbers {
	return rowNumbers{c.Visitors, c.Visits, c.PageViews, c.TimedViews, c.TimeMs, c.TimedVisitors,
		c.ScrolledViews, c.ScrollSum, c.ScrolledVisitors}
}

func (n rowNumbers) counts() RowCounts {
	return RowCounts{Visitors: n[0], Visits: n[1], PageViews: n[2], TimedViews: n[3], TimeMs: n[4], TimedVisitors: n[5],
		ScrolledViews: n[6], ScrollSum: n[7], ScrolledVisitors: n[8]}
}

// Hour is one hour of a day's series.
type Hour struct {
	Start               int64 // unix seconds
	Visitors, PageViews int64
}

// NumDims is the number of breakdowns, len(analytics.Dimensions).
var NumDims = len(analytics.Dimensions)

// Rows are breakdown rows by dimension (the index in analytics.Dimensions)
// and value.
type Rows []map[string]*RowCounts

// NewRows returns empty rows for every dimension.
func NewRows() Rows {
	r := make(Rows, NumDims)
	for i := range r {
		r[i] = map[string]*RowCounts{}
	}
	return r
}

// Row returns the counts of (dim, value), adding a zero row if needed.
func (r Rows) Row(dim int, value string) *RowCounts {
	c := r[dim][value]
	if c == nil {
		c = &RowCounts{}
		r[dim][value] = c
	}
	return c
}

// AddBytes adds c to (dim, value). A map lookup with string(b) does not
// allocate, so only new values cost a string.
func (r Rows) AddBytes(dim int, value []byte, c RowCounts) {
	have := r[dim][string(value)]
	if have == nil {
		have = &RowCounts{}
		r[dim][string(value)] = have
	}
	have.Add(c)
}

// Merge adds every row of o.
func (r Rows) Merge(o Rows) {
	for dim := range o {
		for v, c := range o[dim] {
			r.Row(dim, v).Add(*c)
		}
	}
}

// DayStats are one day's numbers: what a rollup keeps of it.
type DayStats struct {
	Start  int64 // unix seconds of midnight in the zone
	Totals Counts
	Hours  []Hour
	Rows   Rows
}

// Dimension indexes (in analytics.Dimensions) and how each is counted.
var (
	dimIndex = func() map[analytics.Dimension]int {
		m := map[analytics.Dimension]int{}
		for i, d := range analytics.Dimensions {
			m[d] = i
		}
		return m
	}()
	dEntry   = dimIndex[analytics.DimEntryPage]
	dExit    = dimIndex[analytics.DimExitPage]
	dPage    = dimIndex[analytics.DimPage]
	dChannel = dimIndex[analytics.DimChannel]
	// viewDim[k] is the dimension of viewFields[k]; sourceDim likewise.
	viewDim = [numViewFields]int{
		dimIndex[analytics.DimPage], dimIndex[analytics.DimCountry], dimIndex[analytics.DimRegion],
		dimIndex[analytics.DimCity], dimIndex[analytics.DimBrowser], dimIndex[analytics.DimOS], dimIndex[analytics.DimDevice],
	}
	sourceDim = [numSourceFields]int{
		dimIndex[analytics.DimReferrer], dimIndex[analytics.DimUTMSource],
		dimIndex[analytics.DimUTMMedium], dimIndex[analytics.DimUTMCampaign],
	}
	// dimField is the Day dictionary of each dimension's values; -1 for
	// channel, whose values are analytics.Channels.
	dimField = func() []int {
		f := make([]int, NumDims)
		for i := range f {
			f[i] = -1
		}
		for k, d := range viewDim {
			f[d] = viewFields[k]
		}
		for k, d := range sourceDim {
			f[d] = sourceFields[k]
		}
		f[dEntry], f[dExit] = Page, Page
		return f
	}()
)

// Scratch is the working memory of counting days. Rows are kept by value
// code while the days counted share one dictionary (Day.DictID), and
// handed to the sink when it changes or on Flush: a year of days decoded
// with one DayDecoder is merged once, not day by day. It is not safe for
// concurrent use.
type Scratch struct {
	sink      func(dim int, value string, c *RowCounts)
	dictID    uint64
	dicts     *[NumFields][]string
	rows      [][]cell   // by dimension, then the value's code
	scrolls   []scrolled // pages' scroll depth, by the page's code
	touched   [][]uint32 // the codes with counts
	run       uint64     // increases with every visitor run, never reused
	visitPass []bool
	hit       []bool
	// converted, when not nil, are the day's visits a goal filter keeps
	// (Period.Conversions): the others pass no filter.
	converted map[uint64]bool
	runPass   []bool
	hours     [26]Hour
	hourStamp [26]uint64
}

// cell is a row's counts and the visitor run that last counted in it, side
// by side in 64 bytes: counting touches one cache line, not two. Pages'
// scroll depths, which few views have, are kept apart (scrolled).
type cell struct {
	Visitors, Visits, PageViews, TimedViews, TimeMs, TimedVisitors int64
	stamp, timedStamp                                              uint64
}

// scrolled is a page's scroll-depth sums while counting.
type scrolled struct {
	views, sum, visitors int64
	stamp                uint64
}

// NewScratch returns empty working memory that hands rows to sink. With a
// nil sink it counts totals only: no breakdown rows (the previous period's
// numbers), which is most of the work saved.
func NewScratch(sink func(dim int, value string, c *RowCounts)) *Scratch {
	return &Scratch{sink: sink, rows: make([][]cell, NumDims), touched: make([][]uint32, NumDims)}
}

// count adds one row hit: the visitor run counts once per row.
func (s *Scratch) count(dim int, code uint32) *cell {
	c := &s.rows[dim][code]
	if c.stamp != s.run {
		if c.Visitors == 0 { // first count since the last flush
			s.touched[dim] = append(s.touched[dim], code)
		}
		c.stamp = s.run
		c.Visitors++
	}
	return c
}

// scroll adds a page view's scroll depth to its page's row (counted
// already, so touched).
func (s *Scratch) scroll(page uint32, pct uint8) {
	c := &s.scrolls[page]
	c.views++
	c.sum += int64(pct)
	if c.stamp != s.run {
		c.stamp = s.run
		c.visitors++
	}
}

// timed counts the visitor run once among the row's timed visitors.
func (s *Scratch) timed(dim int, code uint32) {
	if c := &s.rows[dim][code]; c.timedStamp != s.run {
		c.timedStamp = s.run
		c.TimedVisitors++
	}
}

// use prepares the rows for d's dictionary, flushing those of another.
func (s *Scratch) use(d *Day) {
	if d.DictID != s.dictID {
		s.Flush()
		s.dictID = d.DictID
	}
	s.dicts = &d.Dicts
	for dim := range s.rows {
		n := len(analytics.Channels)
		if f := dimField[dim]; f >= 0 {
			n = len(d.Dicts[f])
		}
		if have := len(s.rows[dim]); have < n {
			s.rows[dim] = slices.Grow(s.rows[dim], n-have)[:n]
			clear(s.rows[dim][have:])
		}
	}
	if n, have := len(d.Dicts[Page]), len(s.scrolls); have < n {
		s.scrolls = slices.Grow(s.scrolls, n-have)[:n]
		clear(s.scrolls[have:])
	}
}

// Flush hands every row with counts to the sink and empties them.
func (s *Scratch) Flush() {
	for dim := range s.touched {
		for _, code := range s.touched[dim] {
			var value string
			if f := dimField[dim]; f >= 0 {
				value = s.dicts[f][code]
			} else {
				value = analytics.Channels[code]
			}
			c := &s.rows[dim][code]
			rc := RowCounts{Visitors: c.Visitors, Visits: c.Visits, PageViews: c.PageViews,
				TimedViews: c.TimedViews, TimeMs: c.TimeMs, TimedVisitors: c.TimedVisitors}
			if dim == dPage {
				sc := &s.scrolls[code]
				rc.ScrolledViews, rc.ScrollSum, rc.ScrolledVisitors = sc.views, sc.sum, sc.visitors
				sc.views, sc.sum, sc.visitors = 0, 0, 0
			}
			if s.sink != nil {
				s.sink(dim, value, &rc)
			}
			c.Visitors, c.Visits, c.PageViews, c.TimedViews, c.TimeMs, c.TimedVisitors = 0, 0, 0, 0, 0, 0
		}
		s.touched[dim] = s.touched[dim][:0]
	}
}

// filter is a query filter resolved against one Day's dictionaries.
type filter struct {
	dim  int
	k    int // viewFields or sourceFields index, per the dimension
	code uint32
}

// resolve looks the filters' values up in d's dictionaries. ok is false if
// a value does not occur that day, so that no page view can match.
func resolve(d *Day, filters []analytics.Filter) (view, visit []filter, ok bool) {
	for _, f := range filters {
		dim, known := dimIndex[f.Dim]
		if !known {
			return nil, nil, false
		}
		var code uint32
		if dim == dChannel {
			c, found := channelIndex[f.Value]
			if !found {
				return nil, nil, false
			}
			code = uint32(c)
		} else {
			i := slices.Index(d.Dicts[dimField[dim]], f.Value)
			if i < 0 {
				return nil, nil, false
			}
			code = uint32(i)
		}
		r := filter{dim: dim, code: code}
		if f.Dim.VisitLevel() {
			r.k = slices.Index(sourceDim[:], dim)
			visit = append(visit, r)
		} else {
			r.k = slices.Index(viewDim[:], dim)
			view = append(view, r)
		}
	}
	return view, visit, true
}

// Count counts day d, keeping the page views that filters select (see the
// package documentation): it returns the day's totals and, when hours is
// set, its hours (valid until the next Count), and adds its breakdown rows
// to those kept for the sink. zone is the report's.
func (s *Scratch) Count(d *Day, filters []analytics.Filter, zone *time.Location, hours bool) (Counts, []Hour) {
	var total Counts
	viewF, visitF, ok := resolve(d, filters)
	if !ok || d.Len() == 0 {
		return total, nil
	}
	s.use(d)
	// Filters on a visitor's location and browser are checked once per
	// uniform visitor; the page filter per view.
	var pageF, restF []filter
	for _, f := range viewF {
		if f.k == 0 {
			pageF = append(pageF, f)
		} else {
			restF = append(restF, f)
		}
	}
	nv := len(d.First)
	s.visitPass = slices.Grow(s.visitPass[:0], nv)[:nv]
	s.hit = slices.Grow(s.hit[:0], nv)[:nv]
	for i := range nv {
		s.hit[i] = false
		pass := true
		for _, f := range visitF {
			var c uint32
			switch f.dim {
			case dEntry:
				c = d.Codes[0][d.First[i]]
			case dExit:
				c = d.Codes[0][d.Last[i]]
			case dChannel:
				c = uint32(d.Channel[i])
			default:
				c = d.Src[f.k][i]
			}
			if c != f.code {
				pass = false
				break
			}
		}
		if pass && s.converted != nil {
			pass = i < len(d.Visit) && s.converted[d.Visit[i]]
		}
		s.visitPass[i] = pass
	}

	// Hours: a day without a change of offset has its hours at whole hours
	// from midnight (also in zones with half-hour offsets); otherwise each
	// view's hour is looked up.
	var nHours int
	hourIndex := func(ts int64) int { return int((ts - d.Start) / 3600) }
	if len(d.TS) != d.Len() {
		hours = false // a Day decoded without its times has no hours
	}
	if hours {
		_, off0 := time.Unix(d.Start, 0).In(zone).Zone()
		end := time.Unix(d.Start, 0).In(zone).AddDate(0, 0, 1)
		_, off1 := end.Add(-time.Second).Zone()
		nHours = int((end.Unix() - d.Start + 3599) / 3600)
		if off0 != off1 {
			first := hourOf(d.Start, zone)
			hourIndex = func(ts int64) int { return int((hourOf(ts, zone) - first) / 3600) }
		}
		for h := range nHours {
			s.hours[h] = Hour{Start: d.Start + int64(h)*3600}
			s.hourStamp[h] = 0
		}
		if off0 != off1 {
			for h := range nHours {
				s.hours[h].Start = 0
			}
		}
	}

	// Which uniform visitors the location and browser filters select: one
	// pass over each filtered column of run codes.
	nr := len(d.VisitorEnd)
	runPass := s.runPass[:0]
	if len(restF) > 0 {
		runPass = slices.Grow(runPass, nr)[:nr]
		for r := range runPass {
			runPass[r] = true
		}
		for _, f := range restF {
			// Without a branch: which runs match is close to random.
			for r, c := range d.RunCodes[f.k][:nr] {
				runPass[r] = runPass[r] && c == f.code
			}
		}
	}
	s.runPass = runPass
	rows := s.sink != nil

	// Page views, one visitor at a time. A visitor whose views share their
	// location and browser counts in those rows once, with its sums.
	pages := d.Codes[0]
	start := int32(0)
	for r, end := range d.VisitorEnd {
		uniform := d.Uniform[r]
		if uniform && len(runPass) > 0 && !runPass[r] {
			start = end
			continue
		}
		s.run++
		var n, timed, timeMs int64
		for v := start; v < end; v++ {
			visit := d.VisitOf[v]
			if !s.visitPass[visit] || !matchView(d, v, pageF) || (!uniform && !matchView(d, v, restF)) {
				continue
			}
			s.hit[visit] = true
			dur := d.Dur[v]
			n++
			if dur >= 0 {
				timed++
				timeMs += dur
			}
			if hours {
				if h := hourIndex(d.TS[v]); h >= 0 && h < nHours {
					if s.hours[h].Start == 0 {
						s.hours[h].Start = hourOf(d.TS[v], zone)
					}
					s.hours[h].PageViews++
					if s.hourStamp[h] != s.run {
						s.hourStamp[h] = s.run
						s.hours[h].Visitors++
					}
				}
			}
			if !rows {
				continue
			}
			if uniform {
				// The other fields count once per visitor, below.
				r := s.count(dPage, pages[v])
				r.PageViews++
				if dur >= 0 {
					r.TimedViews++
					r.TimeMs += dur
					s.timed(dPage, pages[v])
				}
				if pct := d.Scroll[v]; pct > 0 {
					s.scroll(pages[v], pct)
				}
				continue
			}
			for k := range numViewFields {
				r := s.count(viewDim[k], d.Codes[k][v])
				r.PageViews++
				if dur >= 0 {
					r.TimedViews++
					r.TimeMs += dur
					s.timed(viewDim[k], d.Codes[k][v])
				}
			}
			if pct := d.Scroll[v]; pct > 0 {
				s.scroll(pages[v], pct)
			}
		}
		if n == 0 {
			start = end
			continue
		}
		total.Visitors++
		total.PageViews += n
		total.TimedViews += timed
		total.TimeMs += timeMs
		if timed > 0 {
			total.TimedVisitors++
		}
		if uniform && rows {
			for k := 1; k < numViewFields; k++ {
				r := s.count(viewDim[k], d.RunCodes[k][r])
				r.PageViews += n
				r.TimedViews += timed
				r.TimeMs += timeMs
				if timed > 0 {
					r.TimedVisitors++ // once: the run counts in this row once
				}
			}
		}
		start = end
	}

	// Visits with a selected page view, one entry visitor at a time.
	// Untagged visits have no UTM rows: the code of "" per UTM field, or
	// one no code has.
	var untagged [numSourceFields]uint32
	for k := 1; k < numSourceFields; k++ {
		untagged[k] = math.MaxUint32
		if i := slices.Index(d.Dicts[sourceFields[k]], ""); i >= 0 {
			untagged[k] = uint32(i)
		}
	}
	start = 0
	for _, end := range d.EntryVisitorEnd {
		s.run++
		for i := start; i < end; i++ {
			if !s.hit[i] {
				continue
			}
			first, last := d.First[i], d.Last[i]
			total.Visits++
			if d.Views[i] == 1 {
				total.Bounces++
			}
			total.VisitMs += int64(d.Span[i]) * 1000
			if d.Dur[last] > 0 {
				total.VisitMs += d.Dur[last]
			}
			if !rows {
				continue
			}
			s.count(dEntry, pages[first]).Visits++
			s.count(dExit, pages[last]).Visits++
			for k, dim := range sourceDim {
				c := d.Src[k][i]
				if k > 0 && c == untagged[k] {
					continue
				}
				s.count(dim, c).Visits++
			}
			s.count(dChannel, uint32(d.Channel[i])).Visits++
		}
		start = end
	}

	var hs []Hour
	if hours {
		for h := range nHours {
			if s.hours[h].PageViews > 0 {
				hs = append(hs, s.hours[h])
			}
		}
	}
	return total, hs
}

func matchView(d *Day, v int32, filters []filter) bool {
	for _, f := range filters {
		if d.Codes[f.k][v] != f.code {
			return false
		}
	}
	return true
}

// Stats computes day d's unfiltered numbers with hours: what a rollup keeps.
func Stats(d *Day, zone *time.Location) *DayStats {
	ds := &DayStats{Start: d.Start, Rows: NewRows()}
	s := NewScratch(func(dim int, value string, c *RowCounts) { ds.Rows[dim][value] = new(*c) })
	ds.Totals, ds.Hours = s.Count(d, nil, zone, true)
	s.Flush()
	return ds
}

// hourOf is the start of the hour in zone that holds ts (unix seconds):
// right for zones with offsets of whole hours, half hours and the repeated
// hour after DST.
func hourOf(ts int64, zone *time.Location) int64 {
	_, off := time.Unix(ts, 0).In(zone).Zone()
	m := (ts + int64(off)) % 3600
	if m < 0 {
		m += 3600
	}
	return ts - m
}

// errBadDay is a packed day that does not decode.
var errBadDay = errors.New("corrupt packed day (derived data: delete the rollups to rebuild them)")
