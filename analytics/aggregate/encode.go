package aggregate

import (
	"encoding/binary"
	"errors"
)

// The binary forms below are how an engine may persist derived data; they
// hold nothing the raw records do not (no visitor id: visitors are runs).

// dayFormat versions AppendBinary's layout.
const dayFormat = 1

// AppendBinary appends d's compact encoding to b: a format byte, then
// uvarints: for each field its dictionary (count, then length and bytes
// of each value); the number of views, visits, visitor runs and entry
// visitor runs; the runs' lengths; per view its time since Start, visible
// ms + 1 (0: none) and its visit; each per-view code column run-length
// encoded (run length, code: a visitor's location and browser rarely
// change); per visit its first and last view, its views, source codes and
// channel. Visitor ids are not kept: a run of views is one visitor.
func (d *Day) AppendBinary(b []byte) []byte {
	b = append(b, dayFormat)
	for f := range d.Dicts {
		b = binary.AppendUvarint(b, uint64(len(d.Dicts[f])))
		for _, v := range d.Dicts[f] {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	for _, n := range []int{len(d.TS), len(d.First), len(d.VisitorEnd), len(d.EntryVisitorEnd)} {
		b = binary.AppendUvarint(b, uint64(n))
	}
	for _, ends := range [][]int32{d.VisitorEnd, d.EntryVisitorEnd} {
		prev := int32(0)
		for _, e := range ends {
			b = binary.AppendUvarint(b, uint64(e-prev))
			prev = e
		}
	}
	for i := range d.TS {
		b = binary.AppendUvarint(b, uint64(d.TS[i]-d.Start))
		b = binary.AppendUvarint(b, uint64(d.Dur[i]+1))
		b = binary.AppendUvarint(b, uint64(d.VisitOf[i]))
	}
	for k := range d.Codes {
		col := d.Codes[k]
		for i := 0; i < len(col); {
			j := i + 1
			for j < len(col) && col[j] == col[i] {
				j++
			}
			b = binary.AppendUvarint(b, uint64(j-i))
			b = binary.AppendUvarint(b, uint64(col[i]))
			i = j
		}
	}
	for i := range d.First {
		b = binary.AppendUvarint(b, uint64(d.First[i]))
		b = binary.AppendUvarint(b, uint64(d.Last[i]))
		b = binary.AppendUvarint(b, uint64(d.Views[i]))
		for k := range d.Src {
			b = binary.AppendUvarint(b, uint64(d.Src[k][i]))
		}
		b = append(b, d.Channel[i])
	}
	return b
}

const maxDaySeconds = 25 * 3600

// DayDecoder decodes AppendBinary's encoding into memory it reuses: each
// Decode overwrites the Day the previous one returned.
type DayDecoder struct{ d Day }

// Decode decodes b, a day that starts at start. It checks what it reads:
// a corrupt blob is an error, never a panic or a wrong count.
func (dec *DayDecoder) Decode(b []byte, start int64) (*Day, error) {
	d := &dec.d
	d.Start = start
	r := reader{b: b}
	if len(b) == 0 || b[0] != dayFormat {
		return nil, errBadDay
	}
	r.b = b[1:]
	for f := range d.Dicts {
		n := r.count()
		d.Dicts[f] = grow(d.Dicts[f], n)
		for i := range d.Dicts[f] {
			d.Dicts[f][i] = string(r.bytes())
		}
	}
	n, nv, nr, ner := r.count(), r.count(), r.count(), r.count()
	if r.err {
		return nil, errBadDay
	}
	d.TS, d.Dur, d.VisitOf = grow(d.TS, n), grow(d.Dur, n), grow(d.VisitOf, n)
	d.VisitorEnd, d.EntryVisitorEnd = grow(d.VisitorEnd, nr), grow(d.EntryVisitorEnd, ner)
	for _, ends := range [][]int32{d.VisitorEnd, d.EntryVisitorEnd} {
		prev := int32(0)
		for i := range ends {
			prev += int32(r.uint(1 << 31))
			ends[i] = prev
		}
	}
	for i := range n {
		d.TS[i] = start + int64(r.uint(maxDaySeconds)) // a day has at most 25 hours
		d.Dur[i] = int64(r.uint(1<<62)) - 1
		d.VisitOf[i] = int32(r.uint(uint64(nv)))
	}
	for k := range d.Codes {
		d.Codes[k] = grow(d.Codes[k], n)
		for i := 0; i < n && !r.err; {
			run := int(r.uint(uint64(n-i) + 1))
			code := uint32(r.uint(1 << 32))
			if run == 0 {
				return nil, errBadDay
			}
			for j := i; j < i+run; j++ {
				d.Codes[k][j] = code
			}
			i += run
		}
	}
	d.First, d.Last, d.Views, d.Channel = grow(d.First, nv), grow(d.Last, nv), grow(d.Views, nv), grow(d.Channel, nv)
	for k := range d.Src {
		d.Src[k] = grow(d.Src[k], nv)
	}
	for i := range nv {
		d.First[i] = int32(r.uint(uint64(n)))
		d.Last[i] = int32(r.uint(uint64(n)))
		d.Views[i] = int32(r.uint(uint64(n) + 1))
		for k := range d.Src {
			d.Src[k][i] = uint32(r.uint(1 << 32))
		}
		d.Channel[i] = r.byte()
	}
	if r.err || len(r.b) != 0 {
		return nil, errBadDay
	}
	if err := checkDay(d); err != nil {
		return nil, err
	}
	d.findUniform()
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
// page views, timed views and visible ms. Rows of one day or month fit one
// blob, which reads far faster than as many database rows.
func (r Rows) AppendRows(b []byte) []byte {
	for dim := range r {
		for v, c := range r[dim] {
			b = binary.AppendUvarint(b, uint64(dim))
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
			for _, n := range [5]int64{c.Visitors, c.Visits, c.PageViews, c.TimedViews, c.TimeMs} {
				b = binary.AppendUvarint(b, uint64(n))
			}
		}
	}
	return b
}

var errBadRows = errors.New("corrupt rollup row (derived data: delete the rollups to rebuild them)")

// AddEncoded adds the rows encoded in b (AppendRows) to r.
func (r Rows) AddEncoded(b []byte) error {
	rd := reader{b: b}
	for len(rd.b) > 0 {
		dim := rd.uint(uint64(len(r)))
		value := rd.bytes()
		var n [5]int64
		for i := range n {
			n[i] = int64(rd.uint(1 << 62))
		}
		if rd.err {
			return errBadRows
		}
		r.AddBytes(int(dim), value, RowCounts{n[0], n[1], n[2], n[3], n[4]})
	}
	return nil
}
