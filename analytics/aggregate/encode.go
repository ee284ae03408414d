package aggregate

import (
	"encoding/binary"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/seloste/seloste/analytics"
)

// The binary forms below are how an engine may persist derived data; they
// hold nothing the raw records do not (no visitor id: visitors are runs).

// dayFormat versions AppendBinary's layout and the visits column that goes
// with it (AppendVisits). 6: analytics.Channels gained AI Assistants (channel
// codes moved); 7: the visits column.
const dayFormat = 7

// AppendBinary appends d's compact encoding to b, built to decode fast: a
// format byte; each field's dictionary (uvarint count, then each value's
// uvarint length and bytes); uvarint counts of views, visits, visitors and
// entry visitors; then fixed-width columns (a width byte of 1, 2 or 4, then
// the values little-endian): the visitors' and entry visitors' run
// lengths, per view its visible ms + 1 (0: none), its scroll depth (a
// width byte of 0 alone when the day has none), its visit and page, per
// visitor its location and browser codes, the views of visitors whose
// location or browser changed with those codes, per visit its first and
// last view, views, source codes, channel and span in seconds, and last
// per view its seconds since Start. Visitor ids are not kept: a run of
// views is one visitor.
func (d *Day) AppendBinary(b []byte) []byte {
	b = append(b, dayFormat)
	// Dictionaries are written sorted (codes renumbered to match), so that
	// a decoder can match a day's values against the day before's with a
	// merge instead of a hash lookup each.
	var perm [NumFields][]uint32 // old code → written code
	for f := range d.Dicts {
		order := make([]int, len(d.Dicts[f]))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(i, j int) int { return strings.Compare(d.Dicts[f][i], d.Dicts[f][j]) })
		perm[f] = make([]uint32, len(order))
		b = binary.AppendUvarint(b, uint64(len(order)))
		for pos, i := range order {
			perm[f][i] = uint32(pos)
			v := d.Dicts[f][i]
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	remap := func(f int, codes []uint32) []uint32 {
		out := make([]uint32, len(codes))
		for i, c := range codes {
			out[i] = perm[f][c]
		}
		return out
	}
	n := len(d.TS)
	for _, c := range []int{n, len(d.First), len(d.VisitorEnd), len(d.EntryVisitorEnd)} {
		b = binary.AppendUvarint(b, uint64(c))
	}
	col := make([]uint32, 0, n)
	runs := func(ends []int32) []uint32 {
		col = col[:0]
		prev := int32(0)
		for _, e := range ends {
			col = append(col, uint32(e-prev))
			prev = e
		}
		return col
	}
	b = appendColumn(b, runs(d.VisitorEnd))
	b = appendColumn(b, runs(d.EntryVisitorEnd))
	b = appendColumn(b, mapColumn(col, n, func(i int) uint32 { return uint32(d.Dur[i] + 1) }))
	if slices.ContainsFunc(d.Scroll, func(s uint8) bool { return s != 0 }) {
		b = appendColumn(b, mapColumn(col, n, func(i int) uint32 { return uint32(d.Scroll[i]) }))
	} else {
		b = append(b, 0) // no scroll depth that day: sites without it pay a byte
	}
	b = appendColumn(b, mapColumn(col, n, func(i int) uint32 { return uint32(d.VisitOf[i]) }))
	b = appendColumn(b, remap(Page, d.Codes[0]))
	for k := 1; k < numViewFields; k++ {
		b = appendColumn(b, remap(viewFields[k], d.RunCodes[k]))
	}
	// Views of visitors that are not uniform: their index, then codes.
	var odd []uint32
	start := int32(0)
	for r, end := range d.VisitorEnd {
		if !d.Uniform[r] {
			for v := start; v < end; v++ {
				odd = append(odd, uint32(v))
			}
		}
		start = end
	}
	b = binary.AppendUvarint(b, uint64(len(odd)))
	b = appendColumn(b, odd)
	for k := 1; k < numViewFields; k++ {
		b = appendColumn(b, mapColumn(col, len(odd), func(i int) uint32 { return perm[viewFields[k]][d.Codes[k][odd[i]]] }))
	}
	nv := len(d.First)
	b = appendColumn(b, mapColumn(col, nv, func(i int) uint32 { return uint32(d.First[i]) }))
	b = appendColumn(b, mapColumn(col, nv, func(i int) uint32 { return uint32(d.Last[i]) }))
	b = appendColumn(b, mapColumn(col, nv, func(i int) uint32 { return uint32(d.Views[i]) }))
	for k := range d.Src {
		b = appendColumn(b, remap(sourceFields[k], d.Src[k]))
	}
	b = appendColumn(b, mapColumn(col, nv, func(i int) uint32 { return uint32(d.Channel[i]) }))
	return appendColumn(b, mapColumn(col, nv, func(i int) uint32 { return uint32(d.Span[i]) }))
}

// AppendTimes appends the encoding of d's page views' times to b: a column
// of seconds since Start.
func (d *Day) AppendTimes(b []byte) []byte {
	col := make([]uint32, len(d.TS))
	for i, ts := range d.TS {
		col[i] = uint32(ts - d.Start)
	}
	return appendColumn(b, col)
}

// AppendVisits appends the encoding of d's visit ids, in the order of its
// visit columns, to b: a format byte (dayFormat), then 8 bytes a visit,
// little-endian. A goal filter reads them (Period.Conversions); a packed
// day of the same format has them beside it.
func (d *Day) AppendVisits(b []byte) []byte {
	b = append(b, dayFormat)
	for _, v := range d.Visit {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	return b
}

// DecodeVisits sets the visit ids of d, the Day the last Decode returned,
// from b (AppendVisits of the same day).
func (dec *DayDecoder) DecodeVisits(d *Day, b []byte) error {
	if d != &dec.d || len(b) == 0 || b[0] != dayFormat || len(b)-1 != 8*len(d.First) {
		return errBadDay
	}
	dec.visits = grow(dec.visits, len(d.First))
	d.Visit = dec.visits
	for i := range d.Visit {
		d.Visit[i] = binary.LittleEndian.Uint64(b[1+8*i:])
	}
	return nil
}

func mapColumn(buf []uint32, n int, f func(int) uint32) []uint32 {
	buf = buf[:0]
	for i := range n {
		buf = append(buf, f(i))
	}
	return buf
}

// appendColumn appends values at the smallest width that holds them all.
func appendColumn(b []byte, values []uint32) []byte {
	var top uint32
	for _, v := range values {
		top = max(top, v)
	}
	switch {
	case top < 1<<8:
		b = append(b, 1)
		for _, v := range values {
			b = append(b, byte(v))
		}
	case top < 1<<16:
		b = append(b, 2)
		for _, v := range values {
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		}
	default:
		b = append(b, 4)
		for _, v := range values {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
	}
	return b
}

const maxDaySeconds = 25 * 3600

// DayDecoder decodes AppendBinary's encoding into memory it reuses: each
// Decode overwrites the Day the previous one returned. Its Days share one
// dictionary that grows with every day decoded, so a Scratch counts them
// all by code and merges rows once.
type DayDecoder struct {
	d      Day
	index  [NumFields]map[string]uint32
	tr     [NumFields][]uint32 // spare buffers for trNow
	trNow  [NumFields][]uint32 // the day's codes → the shared dictionary's
	prev   [NumFields][]string // the last day's dictionary, sorted
	prevTr [NumFields][]uint32 // and its codes in the shared one
	cur    [NumFields][]string // spare buffers for prev
	col    []uint32
	odd    []int32
	visits []uint64 // DecodeVisits' buffer
}

// Decode decodes b (AppendBinary), a day that starts at start, with its
// times (AppendTimes) unless times is nil: a Day without them has every
// count but an hourly series (Scratch.Count then has no hours). It checks
// what it reads: a corrupt blob is an error, never a panic or a wrong
// count.
func (dec *DayDecoder) Decode(b, times []byte, start int64) (*Day, error) {
	d := &dec.d
	if d.DictID == 0 {
		d.DictID = dictIDs.Add(1)
		for f := range dec.index {
			dec.index[f] = map[string]uint32{}
		}
	}
	d.Start = start
	d.Visit = nil // only DecodeVisits sets them
	if len(b) == 0 || b[0] != dayFormat {
		return nil, errBadDay
	}
	r := reader{b: b[1:]}
	for f := range d.Dicts {
		n := r.count()
		tr := grow(dec.tr[f], n)
		// The day before's sorted dictionary, walked alongside this one's:
		// most values recur, and a comparison is cheaper than a lookup.
		prev, prevTr, j := dec.prev[f], dec.prevTr[f], 0
		cur := grow(dec.cur[f], n)
		for i := range n {
			v := r.bytes()
			for j < len(prev) && prev[j] < string(v) {
				j++
			}
			var c uint32
			if j < len(prev) && prev[j] == string(v) {
				c, cur[i] = prevTr[j], prev[j]
			} else {
				var ok bool
				c, ok = dec.index[f][string(v)]
				if !ok {
					c = uint32(len(d.Dicts[f]))
					s := string(v)
					dec.index[f][s] = c
					d.Dicts[f] = append(d.Dicts[f], s)
				}
				cur[i] = d.Dicts[f][c]
			}
			tr[i] = c
		}
		dec.tr[f] = tr
		// This day's dictionary is the next one's "day before"; the old
		// slices are reused.
		dec.prev[f], dec.cur[f] = cur, prev[:0]
		dec.prevTr[f], dec.tr[f] = tr, prevTr[:0]
		dec.trNow[f] = tr
	}
	n, nv, nr, ner := r.count(), r.count(), r.count(), r.count()
	if r.err {
		return nil, errBadDay
	}
	// Each column is read into dec.col, then converted in a plain loop.
	col := func(count int, limit uint64) []uint32 {
		dec.col = r.column(dec.col, count, limit)
		if r.err || len(dec.col) != count {
			r.err = true
			return nil // nothing more is filled in: Decode fails below
		}
		return dec.col
	}
	runs := func(ends []int32, count int) []int32 {
		ends = grow(ends, count)
		prev := int32(0)
		for i, v := range col(count, 1<<31) {
			prev += int32(v)
			ends[i] = prev
		}
		return ends
	}
	d.VisitorEnd = runs(d.VisitorEnd, nr)
	d.EntryVisitorEnd = runs(d.EntryVisitorEnd, ner)
	d.Dur = grow(d.Dur, n)
	for i, v := range col(n, 1<<32) {
		d.Dur[i] = int64(v) - 1
	}
	d.Scroll = grow(d.Scroll, n)
	if len(r.b) > 0 && r.b[0] == 0 {
		r.b = r.b[1:]
		clear(d.Scroll)
	} else {
		for i, v := range col(n, analytics.MaxScroll+1) {
			d.Scroll[i] = uint8(v)
		}
	}
	d.VisitOf = r.indexes(d.VisitOf, n, uint64(nv))
	for k := range d.Codes {
		d.Codes[k] = grow(d.Codes[k], n)
	}
	d.Codes[0] = r.codes(d.Codes[0], n, dec.trNow[Page])
	for k := 1; k < numViewFields; k++ {
		d.RunCodes[k] = r.codes(d.RunCodes[k], nr, dec.trNow[viewFields[k]])
	}
	nodd := r.count()
	odd := dec.odd[:0]
	for _, v := range col(nodd, uint64(n)) {
		odd = append(odd, int32(v))
	}
	dec.odd = odd
	for k := 1; k < numViewFields; k++ {
		tr := dec.trNow[viewFields[k]]
		for i, v := range col(len(odd), uint64(len(tr))) {
			d.Codes[k][odd[i]] = tr[v]
		}
	}
	d.First = r.indexes(d.First, nv, uint64(n))
	d.Last = r.indexes(d.Last, nv, uint64(n))
	d.Views = r.indexes(d.Views, nv, uint64(n)+1)
	d.Channel = grow(d.Channel, nv)
	for k := range d.Src {
		d.Src[k] = r.codes(d.Src[k], nv, dec.trNow[sourceFields[k]])
	}
	for i, v := range col(nv, uint64(len(analytics.Channels))) {
		d.Channel[i] = uint8(v)
	}
	d.Span = r.indexes(d.Span, nv, maxDaySeconds) // a day has at most 25 hours
	if r.err || len(r.b) != 0 || len(odd) != nodd {
		return nil, errBadDay
	}
	d.TS = d.TS[:0]
	if times != nil {
		r = reader{b: times}
		d.TS = grow(d.TS, n)
		for i, v := range col(n, maxDaySeconds) {
			d.TS[i] = start + int64(v)
		}
		if r.err || len(r.b) != 0 {
			return nil, errBadDay
		}
	}
	// The columns' limits checked every code and index; what is left is
	// that the runs cover the views and visits in order.
	for _, ends := range []struct {
		e []int32
		n int
	}{{d.VisitorEnd, n}, {d.EntryVisitorEnd, nv}} {
		prev := int32(0)
		for _, e := range ends.e {
			if e <= prev {
				return nil, errBadDay
			}
			prev = e
		}
		if int(prev) != ends.n {
			return nil, errBadDay
		}
	}
	// Which visitors are uniform follows from the odd views.
	d.Uniform = grow(d.Uniform, nr)
	for i := range d.Uniform {
		d.Uniform[i] = true
	}
	for _, v := range odd {
		// The run that holds view v: the first that ends after it.
		r := sort.Search(len(d.VisitorEnd), func(i int) bool { return d.VisitorEnd[i] > v })
		d.Uniform[r] = false
	}
	return d, nil
}

// grow returns s with length n, reusing its memory.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// reader reads uvarints, remembering the first error so that callers check
// once. Every count is bounded by what is left, so a corrupt length cannot
// make it allocate much.
type reader struct {
	b   []byte
	err bool
}

func (r *reader) uint(limit uint64) uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 || v >= limit {
		r.err = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a number of items, each at least one byte long.
func (r *reader) count() int { return int(r.uint(uint64(len(r.b)) + 1)) }

func (r *reader) bytes() []byte {
	l := r.count()
	if r.err || l > len(r.b) {
		r.err = true
		return nil
	}
	v := r.b[:l]
	r.b = r.b[l:]
	return v
}

// column reads a fixed-width column of n values, each below limit, into
// buf.
func (r *reader) column(buf []uint32, n int, limit uint64) []uint32 {
	buf = buf[:0]
	if r.err || len(r.b) == 0 {
		r.err = true
		return buf
	}
	w := int(r.b[0])
	if (w != 1 && w != 2 && w != 4) || len(r.b)-1 < n*w {
		r.err = true
		return buf
	}
	data := r.b[1 : 1+n*w]
	r.b = r.b[1+n*w:]
	buf = grow(buf, n)
	var top uint32 // checked once, after one pass that converts
	switch w {
	case 1:
		for i, c := range data {
			buf[i] = uint32(c)
			top = max(top, uint32(c))
		}
	case 2:
		for i := range buf {
			v := uint32(binary.LittleEndian.Uint16(data[2*i:]))
			buf[i] = v
			top = max(top, v)
		}
	default:
		for i := range buf {
			v := binary.LittleEndian.Uint32(data[4*i:])
			buf[i] = v
			top = max(top, v)
		}
	}
	if n > 0 && uint64(top) >= limit {
		r.err = true
		return buf[:0]
	}
	return buf
}

// fixed reads the header of a fixed-width column of n values: its values'
// bytes and width.
func (r *reader) fixed(n int) ([]byte, int) {
	if r.err || len(r.b) == 0 {
		r.err = true
		return nil, 0
	}
	w := int(r.b[0])
	if (w != 1 && w != 2 && w != 4) || len(r.b)-1 < n*w {
		r.err = true
		return nil, 0
	}
	data := r.b[1 : 1+n*w]
	r.b = r.b[1+n*w:]
	return data, w
}

// codes reads a column of n codes into dst, each translated through tr: one
// pass, where column and a loop would take two. A code not below len(tr)
// is an error.
func (r *reader) codes(dst []uint32, n int, tr []uint32) []uint32 {
	data, w := r.fixed(n)
	if r.err || n == 0 {
		return dst[:0]
	}
	if len(tr) == 0 {
		r.err = true
		return dst[:0]
	}
	dst = grow(dst, n)
	last := uint32(len(tr) - 1)
	var top uint32 // checked once, after the pass; min keeps tr's index in range meanwhile
	switch w {
	case 1:
		data = data[:len(dst)]
		for i := range dst {
			c := uint32(data[i])
			top = max(top, c)
			dst[i] = tr[min(c, last)]
		}
	case 2:
		data = data[:2*len(dst)]
		for i := range dst {
			c := uint32(binary.LittleEndian.Uint16(data[2*i:]))
			top = max(top, c)
			dst[i] = tr[min(c, last)]
		}
	default:
		data = data[:4*len(dst)]
		for i := range dst {
			c := binary.LittleEndian.Uint32(data[4*i:])
			top = max(top, c)
			dst[i] = tr[min(c, last)]
		}
	}
	if top > last {
		r.err = true
		return dst[:0]
	}
	return dst
}

// indexes reads a column of n values, each below limit, into dst.
func (r *reader) indexes(dst []int32, n int, limit uint64) []int32 {
	data, w := r.fixed(n)
	if r.err || n == 0 {
		return dst[:0]
	}
	dst = grow(dst, n)
	var top uint32
	switch w {
	case 1:
		data = data[:len(dst)]
		for i := range dst {
			c := uint32(data[i])
			top = max(top, c)
			dst[i] = int32(c)
		}
	case 2:
		data = data[:2*len(dst)]
		for i := range dst {
			c := uint32(binary.LittleEndian.Uint16(data[2*i:]))
			top = max(top, c)
			dst[i] = int32(c)
		}
	default:
		data = data[:4*len(dst)]
		for i := range dst {
			c := binary.LittleEndian.Uint32(data[4*i:])
			top = max(top, c)
			dst[i] = int32(c)
		}
	}
	if uint64(top) >= limit || top > 1<<31-1 {
		r.err = true
		return dst[:0]
	}
	return dst
}

func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.err = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// AppendRows appends rows' encoding to b: per row, uvarints of the
// dimension index, the value's length and bytes, then visitors, visits,
// page views, timed views, visible ms and timed visitors, and for pages
// also scrolled views, their scroll percentages' sum and scrolled visitors.
// Rows of one day or month fit one blob, which reads far faster than as
// many database rows.
func (r Rows) AppendRows(b []byte) []byte {
	for dim := range r {
		for v, c := range r[dim] {
			b = binary.AppendUvarint(b, uint64(dim))
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
			n := c.numbers()
			for _, n := range n[:rowWidth(dim)] {
				b = binary.AppendUvarint(b, uint64(n))
			}
		}
	}
	return b
}

// rowWidth is how many numbers AppendRows writes for a row of dim: the
// scroll depth's three only for pages.
func rowWidth(dim int) int {
	if dim == dPage {
		return len(rowNumbers{})
	}
	return len(rowNumbers{}) - 3
}

var errBadRows = errors.New("corrupt rollup row (derived data: delete the rollups to rebuild them)")

// AddEncoded adds the rows encoded in b (AppendRows) to r.
func (r Rows) AddEncoded(b []byte) error {
	rd := reader{b: b}
	for len(rd.b) > 0 {
		dim := rd.uint(uint64(len(r)))
		value := rd.bytes()
		var n rowNumbers
		for i := range rowWidth(int(dim)) {
			n[i] = int64(rd.uint(1 << 62))
		}
		if rd.err {
			return errBadRows
		}
		r.AddBytes(int(dim), value, n.counts())
	}
	return nil
}
