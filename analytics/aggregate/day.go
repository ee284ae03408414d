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
func SourceOf(v *View, t *Values) Source { return SourceCodesOf(v).Source(t) }

// SourceCodes is a visit's source as codes of the Values its page view was
// read with: a Source in 16 bytes, for what is kept of many visits.
type SourceCodes [numSourceFields]uint32

// SourceCodesOf returns the codes of v's source fields.
func SourceCodesOf(v *View) SourceCodes {
	var c SourceCodes
	for i, f := range sourceFields {
		c[i] = v.Values[f]
	}
	return c
}

// Source returns the values of c, whose codes are in t.
func (c SourceCodes) Source(t *Values) Source {
	var s Source
	for i, f := range sourceFields {
		s[i] = t.Value(f, c[i])
	}
	return s
}

// Entries holds the source of each visit of a day, from its first page
// view, as codes of the Values its views were read with, sorted by visit:
// the next day's look-back (Builder.Take) in 24 bytes a visit, where a map
// of Sources takes about 80. A day flooded with a million visits must not
// weigh twice on the day after it.
type Entries struct {
	list  []entry
	order []int32 // Take's scratch
}

type entry struct {
	visit uint64
	src   SourceCodes
}

// Source returns the source e holds of visit, its values in t.
func (e *Entries) Source(visit uint64, t *Values) (Source, bool) {
	k, ok := slices.BinarySearchFunc(e.list, visit, func(en entry, v uint64) int { return cmp.Compare(en.visit, v) })
	if !ok {
		return Source{}, false
	}
	return e.list[k].src.Source(t), true
}

// Take makes e hold the sources of the visits of vs, and empties vs: the
// look-back of a day that is itself not wanted, without building its Day.
func (e *Entries) Take(vs *Views) {
	n := vs.Len()
	e.order = slices.Grow(e.order[:0], n)[:n]
	for i := range e.order {
		e.order[i] = int32(i)
	}
	slices.SortFunc(e.order, vs.by(vs.visit))
	e.list = e.list[:0]
	for k, i := range e.order {
		if k > 0 && vs.visit[e.order[k-1]] == vs.visit[i] {
			continue // not the visit's first page view
		}
		en := entry{visit: vs.visit[i]}
		for j, f := range sourceFields {
			en.src[j] = vs.values[f][i]
		}
		e.list = append(e.list, en)
	}
	vs.ts, vs.seq, vs.dur, vs.visitor, vs.visit, vs.scroll = vs.ts[:0], vs.seq[:0], vs.dur[:0], vs.visitor[:0], vs.visit[:0], vs.scroll[:0]
	for f := range vs.values {
		vs.values[f] = vs.values[f][:0]
	}
}

// Views are page views in columns, as an engine reads a day of them
// (Append). Builder.Take makes them a Day, moving one column at a time into
// the Day's order and letting go of the original, so that a day's page
// views are held about once while its Day is built; a []View and its Day
// held them twice, which on a flooded day is most of a process's memory.
type Views struct {
	ts, seq, dur   []int64
	visitor, visit []uint64
	scroll         []uint8
	values         [NumFields][]uint32
}

// Len is the number of page views.
func (vs *Views) Len() int { return len(vs.ts) }

// Grow makes room for n more page views.
func (vs *Views) Grow(n int) {
	vs.ts, vs.seq, vs.dur = slices.Grow(vs.ts, n), slices.Grow(vs.seq, n), slices.Grow(vs.dur, n)
	vs.visitor, vs.visit = slices.Grow(vs.visitor, n), slices.Grow(vs.visit, n)
	vs.scroll = slices.Grow(vs.scroll, n)
	for f := range vs.values {
		vs.values[f] = slices.Grow(vs.values[f], n)
	}
}

// by compares page views i and j by key (a column of vs), then time, then
// storage order.
func (vs *Views) by(key []uint64) func(i, j int32) int {
	return func(i, j int32) int {
		if x := cmp.Compare(key[i], key[j]); x != 0 {
			return x
		}
		if x := cmp.Compare(vs.ts[i], vs.ts[j]); x != 0 {
			return x
		}
		return cmp.Compare(vs.seq[i], vs.seq[j])
	}
}

// Append adds v, its values coded in the Values it will be taken with.
func (vs *Views) Append(v *View) {
	vs.ts, vs.seq, vs.dur = append(vs.ts, v.TS), append(vs.seq, v.Seq), append(vs.dur, v.Dur)
	vs.visitor, vs.visit = append(vs.visitor, v.Visitor), append(vs.visit, v.Visit)
	vs.scroll = append(vs.scroll, v.Scroll)
	for f := range vs.values {
		vs.values[f] = append(vs.values[f], v.Values[f])
	}
}

// Before reports whether v was viewed before o: by time, then storage order.
func (v *View) Before(o *View) bool { return v.TS < o.TS || (v.TS == o.TS && v.Seq < o.Seq) }

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
	dicts   [NumFields]map[string]uint32 // the source fields' values → the day's codes
	remap   [NumFields][]uint32          // the view fields' Values codes → the day's; noCode if none yet
	order   []int32
	byVisit []int32 // positions in order, by visit then time
	vfirst  []int32
	vlast   []int32
	vcount  []int32
	vorder  []int32
	vremap  []int32
	moved   []uint64 // permute's bits
}

const noCode = ^uint32(0)

// NewBuilder returns a Builder.
func NewBuilder() *Builder { return &Builder{} }

// Build returns the Day that starts at start (unix seconds) holding views
// (any order, values in t; the caller keeps them). prior gives the source
// of a visit that began before the day (nil: none).
func (b *Builder) Build(start int64, views []View, t *Values, prior func(visit uint64) (Source, bool)) *Day {
	var vs Views
	vs.Grow(len(views))
	for i := range views {
		vs.Append(&views[i])
	}
	return b.Take(start, &vs, t, prior, nil)
}

// Take returns the Day that starts at start (unix seconds) holding the
// page views of vs (any order, values in t), and leaves vs empty. prior
// gives the source of a visit that began before the day (nil: none). With
// next, Take also makes next hold the sources of the day's visits: the
// look-back of the day after.
func (b *Builder) Take(start int64, vs *Views, t *Values, prior func(visit uint64) (Source, bool), next *Entries) *Day {
	d := &Day{Start: start, DictID: dictIDs.Add(1)}
	for f := range b.dicts {
		if b.dicts[f] == nil {
			b.dicts[f] = map[string]uint32{}
		}
		clear(b.dicts[f])
	}
	n := vs.Len()
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
	slices.SortFunc(b.order, vs.by(vs.visitor))

	// Each column into that order in place: it becomes the Day's (or
	// scratch), so the day's page views are not held twice. The source
	// fields stay as they are, read at each visit's entry (b.order[first]).
	b.moved = slices.Grow(b.moved[:0], (n+63)/64)[:(n+63)/64]
	d.TS = permute(vs.ts, b.order, b.moved)
	d.Dur = permute(vs.dur, b.order, b.moved)
	d.Scroll = permute(vs.scroll, b.order, b.moved)
	seq, visitor, visit := permute(vs.seq, b.order, b.moved), permute(vs.visitor, b.order, b.moved), permute(vs.visit, b.order, b.moved)
	for k, f := range viewFields {
		col := permute(vs.values[f], b.order, b.moved)
		for pos, c := range col {
			col[pos] = viewCode(f, c)
		}
		d.Codes[k] = col
		vs.values[f] = nil
	}
	vs.ts, vs.dur, vs.scroll, vs.seq, vs.visitor, vs.visit = nil, nil, nil, nil, nil, nil
	for pos := 1; pos < n; pos++ {
		if visitor[pos] != visitor[pos-1] {
			d.VisitorEnd = append(d.VisitorEnd, int32(pos))
		}
	}
	if n > 0 {
		d.VisitorEnd = append(d.VisitorEnd, int32(n))
	}
	before := func(p, q int32) int {
		if x := cmp.Compare(d.TS[p], d.TS[q]); x != 0 {
			return x
		}
		return cmp.Compare(seq[p], seq[q])
	}

	// Visits in order of id, with their first and last view: found by
	// sorting positions, not with a map of visit ids, which takes ~50
	// bytes a visit.
	b.byVisit = slices.Grow(b.byVisit[:0], n)[:n]
	for pos := range b.byVisit {
		b.byVisit[pos] = int32(pos)
	}
	slices.SortFunc(b.byVisit, func(p, q int32) int {
		if x := cmp.Compare(visit[p], visit[q]); x != 0 {
			return x
		}
		return before(p, q)
	})
	b.vfirst, b.vlast, b.vcount = b.vfirst[:0], b.vlast[:0], b.vcount[:0]
	d.VisitOf = make([]int32, n)
	if next != nil {
		next.list = next.list[:0]
	}
	for k := 0; k < n; {
		j, id := int32(len(b.vfirst)), visit[b.byVisit[k]]
		m := k
		for ; m < n && visit[b.byVisit[m]] == id; m++ {
			d.VisitOf[b.byVisit[m]] = j
		}
		first := b.byVisit[k]
		b.vfirst = append(b.vfirst, first)
		b.vlast = append(b.vlast, b.byVisit[m-1])
		b.vcount = append(b.vcount, int32(m-k))
		if next != nil {
			en := entry{visit: id}
			for s, f := range sourceFields {
				en.src[s] = vs.values[f][b.order[first]]
			}
			next.list = append(next.list, en)
		}
		k = m
	}

	// Visits by their entry view's visitor, then entry time.
	nv := len(b.vfirst)
	b.vorder = slices.Grow(b.vorder[:0], nv)[:nv]
	for j := range b.vorder {
		b.vorder[j] = int32(j)
	}
	slices.SortFunc(b.vorder, func(i, j int32) int {
		p, q := b.vfirst[i], b.vfirst[j]
		if x := cmp.Compare(visitor[p], visitor[q]); x != 0 {
			return x
		}
		return before(p, q)
	})
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
		first := b.vfirst[j]
		d.Visit[pos] = visit[first]
		d.First[pos], d.Last[pos], d.Views[pos] = first, b.vlast[j], b.vcount[j]
		d.Span[pos] = int32(d.TS[b.vlast[j]] - d.TS[first])
		var src Source
		ok := false
		if prior != nil {
			src, ok = prior(visit[first])
		}
		if !ok {
			for k, f := range sourceFields {
				src[k] = t.Value(f, vs.values[f][b.order[first]])
			}
		}
		for k, f := range sourceFields {
			d.Src[k][pos] = code(f, src[k])
		}
		d.Channel[pos] = channelIndex[analytics.ChannelOf(src[0], src[1], src[2], src[3])]
		if pos > 0 && visitor[b.vfirst[b.vorder[pos-1]]] != visitor[first] {
			d.EntryVisitorEnd = append(d.EntryVisitorEnd, int32(pos))
		}
	}
	if nv > 0 {
		d.EntryVisitorEnd = append(d.EntryVisitorEnd, int32(nv))
	}
	for _, f := range sourceFields {
		vs.values[f] = nil
	}
	for pos := range d.VisitOf {
		d.VisitOf[pos] = b.vremap[d.VisitOf[pos]]
	}
	d.findUniform()
	return d
}

// permute puts col's values in order (indexes into col) in place, and
// returns col cut to its length. moved is scratch of a bit per value.
func permute[T any](col []T, order []int32, moved []uint64) []T {
	clear(moved)
	for start := range order {
		if moved[start/64]&(1<<(start%64)) != 0 {
			continue
		}
		// Follow the cycle through start: each place takes the value
		// order names, the last the one start held.
		held, at := col[start], start
		for {
			moved[at/64] |= 1 << (at % 64)
			from := int(order[at])
			if from == start {
				col[at] = held
				break
			}
			col[at], at = col[from], from
		}
	}
	return col[:len(order):len(order)]
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
