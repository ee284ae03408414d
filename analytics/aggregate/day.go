package aggregate

import (
	"cmp"
	"slices"
	"sync/atomic"

	"github.com/seloste/seloste/analytics"
)

// The values of a page view, indexes into View.Values and Day.Dicts.
const (
	Page = iota
	Referrer
	UTMSource
	UTMMedium
	UTMCampaign
	Country
	Region // country and subdivision, "FI-18"
	City
	Browser
	OS
	Device
	NumFields
)

// viewFields are the values kept per page view in a Day; the others
// (sourceFields) are kept per visit, from its first page view.
var (
	viewFields   = [...]int{Page, Country, Region, City, Browser, OS, Device}
	sourceFields = [...]int{Referrer, UTMSource, UTMMedium, UTMCampaign}
)

const (
	numViewFields   = len(viewFields)
	numSourceFields = len(sourceFields)
)

// View is one stored page view as aggregation reads it. Its values are
// codes in a Values table: a day has few distinct values and many page
// views (a View of strings took 216 bytes, this 88).
type View struct {
	TS      int64 // unix seconds
	Seq     int64 // storage order: breaks ties between equal TS
	Visitor uint64
	Visit   uint64
	Dur     int64 // visible milliseconds; -1 without a leave
	Scroll  uint8 // scroll depth, percent; 0 not measured
	Values  [NumFields]uint32
}

// Values interns the values of page views, per field. It only grows; it is
// not safe for concurrent use.
type Values struct {
	index [NumFields]map[string]uint32
	all   [NumFields][]string
}

// NewValues returns an empty table.
func NewValues() *Values {
	t := &Values{}
	for f := range t.index {
		t.index[f] = map[string]uint32{}
	}
	return t
}

// Code returns the code of field f's value b, adding it if new. Looking a
// value up does not allocate.
func (t *Values) Code(f int, b []byte) uint32 {
	if c, ok := t.index[f][string(b)]; ok {
		return c
	}
	c := uint32(len(t.all[f]))
	s := string(b)
	t.index[f][s] = c
	t.all[f] = append(t.all[f], s)
	return c
}

// Value returns the value of field f with code c.
func (t *Values) Value(f int, c uint32) string { return t.all[f][c] }

// Len is the number of values of field f.
func (t *Values) Len(f int) int { return len(t.all[f]) }

// Source is where a visit came from: its first page view's referrer host
// and UTM parameters.
type Source [numSourceFields]string

// SourceOf returns the source fields of v, whose values are in t.
func SourceOf(v *View, t *Values) Source {
	var s Source
	for i, f := range sourceFields {
		s[i] = t.Value(f, v.Values[f])
	}
	return s
}

// Sources returns the source of every visit among views (any order, values
// in t): that of its first page view. It is the look-back for the next
// day's Day.
func Sources(views []View, t *Values) map[uint64]Source {
	first := map[uint64]int{}
	for i := range views {
		if j, ok := first[views[i].Visit]; !ok || views[i].Before(&views[j]) {
			first[views[i].Visit] = i
		}
	}
	out := make(map[uint64]Source, len(first))
	for visit, i := range first {
		out[visit] = SourceOf(&views[i], t)
	}
	return out
}

// Before reports whether v was viewed before o: by time, then storage order.
func (v *View) Before(o *View) bool { return v.TS < o.TS || (v.TS == o.TS && v.Seq < o.Seq) }

// byVisitorThenTime orders views as a Day keeps them.
func byVisitorThenTime(a, b *View) int {
	if x := cmp.Compare(a.Visitor, b.Visitor); x != 0 {
		return x
	}
	if x := cmp.Compare(a.TS, b.TS); x != 0 {
		return x
	}
	return cmp.Compare(a.Seq, b.Seq)
}

// Day is one calendar day's page views in columnar form, in the order the
// aggregation counts them: views by visitor id (then time), visits by their
// entry view's visitor id (then time). Values are codes into Dicts. An
// engine may persist it (AppendBinary) to answer filtered reports without
// its raw rows.
type Day struct {
	Start int64 // unix seconds of midnight in the report's zone
	Dicts [NumFields][]string

	// Per page view.
	TS         []int64
	Dur        []int64 // -1: no visible time
	Scroll     []uint8 // scroll depth in percent; 0: not measured
	VisitOf    []int32 // index into the visit columns
	Codes      [numViewFields][]uint32
	VisitorEnd []int32 // view index after each visitor's last view
	// Uniform says, per visitor, whether all its views share the values
	// after the page (location, browser): as they do unless the GeoIP
	// database or the browser parser changed during the day. RunCodes[k]
	// holds them per visitor (k >= 1); a decoded Day fills Codes[k] (k >=
	// 1) only for the views of visitors that are not uniform.
	Uniform  []bool
	RunCodes [numViewFields][]uint32

	// DictID names Dicts: Days with the same DictID share one dictionary
	// (it only grows), so their codes can be counted together.
	DictID uint64

	// Per visit.
	First, Last     []int32 // view indexes of the visit's first and last page view that day
	Views           []int32
	Span            []int32 // seconds from the first page view to the last
	Src             [numSourceFields][]uint32
	Channel         []uint8 // index into analytics.Channels
	EntryVisitorEnd []int32 // visit index after each entry visitor's last visit
	// Visit is each visit's id, only in a Day built from page views
	// (Builder): a goal filter needs it (Period.Conversions), and a
	// persisted Day does not keep it.
	Visit []uint64
}

// Len is the number of page views.
func (d *Day) Len() int { return len(d.Dur) }

// channelIndex is the position of each channel in analytics.Channels.
var channelIndex = func() map[string]uint8 {
	m := map[string]uint8{}
	for i, c := range analytics.Channels {
		m[c] = uint8(i)
	}
	return m
}()

// dictIDs hands out Day.DictID values.
var dictIDs atomic.Uint64

// Builder makes Days. It keeps its working memory between days; it is not
// safe for concurrent use.
type Builder struct {
	dicts  [NumFields]map[string]uint32 // the source fields' values → the day's codes
	remap  [NumFields][]uint32          // the view fields' Values codes → the day's; noCode if none yet
	order  []int32
	visits map[uint64]int32
	vfirst []int32
	vlast  []int32
	vcount []int32
	vorder []int32
	vremap []int32
}

const noCode = ^uint32(0)

// NewBuilder returns a Builder.
func NewBuilder() *Builder { return &Builder{visits: map[uint64]int32{}} }

// Build returns the Day that starts at start (unix seconds) holding views
// (any order, values in t; the caller keeps them). prior gives the source
// of visits that began before the day (Sources of the day before); nil for
// none.
func (b *Builder) Build(start int64, views []View, t *Values, prior map[uint64]Source) *Day {
	d := &Day{Start: start, DictID: dictIDs.Add(1)}
	for f := range b.dicts {
		if b.dicts[f] == nil {
			b.dicts[f] = map[string]uint32{}
		}
		clear(b.dicts[f])
	}
	n := len(views)
	for _, f := range viewFields {
		b.remap[f] = slices.Grow(b.remap[f][:0], t.Len(f))[:t.Len(f)]
		for i := range b.remap[f] {
			b.remap[f][i] = noCode
		}
	}
	// The day's code of a value, by its code in t: a slice lookup.
	viewCode := func(f int, tc uint32) uint32 {
		c := b.remap[f][tc]
		if c == noCode {
			c = uint32(len(d.Dicts[f]))
			b.remap[f][tc] = c
			d.Dicts[f] = append(d.Dicts[f], t.Value(f, tc))
		}
		return c
	}
	code := func(f int, s string) uint32 {
		c, ok := b.dicts[f][s]
		if !ok {
			c = uint32(len(d.Dicts[f]))
			b.dicts[f][s] = c
			d.Dicts[f] = append(d.Dicts[f], s)
		}
		return c
	}

	// Views by visitor, then time.
	b.order = slices.Grow(b.order[:0], n)[:n]
	for i := range b.order {
		b.order[i] = int32(i)
	}
	slices.SortFunc(b.order, func(i, j int32) int { return byVisitorThenTime(&views[i], &views[j]) })

	// Visits in order of first appearance, with their first and last view.
	clear(b.visits)
	b.vfirst, b.vlast, b.vcount = b.vfirst[:0], b.vlast[:0], b.vcount[:0]
	d.TS = make([]int64, n)
	d.Dur = make([]int64, n)
	d.Scroll = make([]uint8, n)
	d.VisitOf = make([]int32, n)
	for k := range d.Codes {
		d.Codes[k] = make([]uint32, n)
	}
	for pos, i := range b.order {
		v := &views[i]
		d.TS[pos], d.Dur[pos], d.Scroll[pos] = v.TS, v.Dur, v.Scroll
		for k, f := range viewFields {
			d.Codes[k][pos] = viewCode(f, v.Values[f])
		}
		if pos > 0 && views[b.order[pos-1]].Visitor != v.Visitor {
			d.VisitorEnd = append(d.VisitorEnd, int32(pos))
		}
		j, ok := b.visits[v.Visit]
		if !ok {
			j = int32(len(b.vfirst))
			b.visits[v.Visit] = j
			b.vfirst = append(b.vfirst, int32(pos))
			b.vlast = append(b.vlast, int32(pos))
			b.vcount = append(b.vcount, 0)
		}
		if v.Before(&views[b.order[b.vfirst[j]]]) {
			b.vfirst[j] = int32(pos)
		}
		if views[b.order[b.vlast[j]]].Before(v) {
			b.vlast[j] = int32(pos)
		}
		b.vcount[j]++
		d.VisitOf[pos] = j
	}
	if n > 0 {
		d.VisitorEnd = append(d.VisitorEnd, int32(n))
	}

	// Visits by their entry view's visitor, then entry time.
	nv := len(b.vfirst)
	entry := func(j int32) *View { return &views[b.order[b.vfirst[j]]] }
	b.vorder = slices.Grow(b.vorder[:0], nv)[:nv]
	for j := range b.vorder {
		b.vorder[j] = int32(j)
	}
	slices.SortFunc(b.vorder, func(i, j int32) int { return byVisitorThenTime(entry(i), entry(j)) })
	b.vremap = slices.Grow(b.vremap[:0], nv)[:nv]
	d.First, d.Last = make([]int32, nv), make([]int32, nv)
	for k := range d.Src {
		d.Src[k] = make([]uint32, nv)
	}
	d.Channel = make([]uint8, nv)
	d.Span = make([]int32, nv)
	d.Views = make([]int32, nv)
	d.Visit = make([]uint64, nv)
	for pos, j := range b.vorder {
		b.vremap[j] = int32(pos)
		e := entry(j)
		d.Visit[pos] = e.Visit
		d.First[pos], d.Last[pos], d.Views[pos] = b.vfirst[j], b.vlast[j], b.vcount[j]
		d.Span[pos] = int32(d.TS[b.vlast[j]] - d.TS[b.vfirst[j]])
		src, ok := prior[e.Visit]
		if !ok {
			src = SourceOf(e, t)
		}
		for k, f := range sourceFields {
			d.Src[k][pos] = code(f, src[k])
		}
		d.Channel[pos] = channelIndex[analytics.ChannelOf(src[0], src[1], src[2], src[3])]
		if pos > 0 && entry(b.vorder[pos-1]).Visitor != e.Visitor {
			d.EntryVisitorEnd = append(d.EntryVisitorEnd, int32(pos))
		}
	}
	if nv > 0 {
		d.EntryVisitorEnd = append(d.EntryVisitorEnd, int32(nv))
	}
	for pos := range d.VisitOf {
		d.VisitOf[pos] = b.vremap[d.VisitOf[pos]]
	}
	d.findUniform()
	return d
}

// findUniform sets d.Uniform and d.RunCodes from the per-view codes.
func (d *Day) findUniform() {
	d.Uniform = grow(d.Uniform, len(d.VisitorEnd))
	for k := 1; k < numViewFields; k++ {
		d.RunCodes[k] = grow(d.RunCodes[k], len(d.VisitorEnd))
	}
	start := int32(0)
	for r, end := range d.VisitorEnd {
		for k := 1; k < numViewFields; k++ {
			d.RunCodes[k][r] = d.Codes[k][start]
		}
		u := true
		for k := 1; k < numViewFields && u; k++ {
			col := d.Codes[k]
			for v := start + 1; v < end; v++ {
				if col[v] != col[start] {
					u = false
					break
				}
			}
		}
		d.Uniform[r] = u
		start = end
	}
}
