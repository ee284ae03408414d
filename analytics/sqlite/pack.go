package sqlite

import (
	"encoding/binary"
	"errors"
	"slices"

	"github.com/seloste/seloste/analytics"
)

// dimMaps holds breakdown rows by dimension (the index in
// analytics.Dimensions) and value.
type dimMaps [len(allDims)]map[string]*dimCounts

var allDims = [13]analytics.Dimension(analytics.Dimensions)

func newDimMaps() *dimMaps {
	var m dimMaps
	for i := range m {
		m[i] = map[string]*dimCounts{}
	}
	return &m
}

// row returns the counts of (dim, value), adding a zero row if needed.
func (m *dimMaps) row(dim int, value string) *dimCounts {
	c := m[dim][value]
	if c == nil {
		c = &dimCounts{}
		m[dim][value] = c
	}
	return c
}

// addBytes adds c to (dim, value). Looking a map up with string(b) does
// not allocate, so only new values cost a string.
func (m *dimMaps) addBytes(dim int, value []byte, c dimCounts) {
	have := m[dim][string(value)]
	if have == nil {
		have = &dimCounts{}
		m[dim][string(value)] = have
	}
	have.add(c)
}

func (m *dimMaps) merge(o *dimMaps) {
	for dim := range o {
		for v, c := range o[dim] {
			m.row(dim, v).add(*c)
		}
	}
}

// pack encodes every row as: uvarint dimension index, uvarint length and
// bytes of the value, then uvarints visitors, visits, pageviews,
// timed_views, time_ms. One blob per day keeps a month of breakdowns to
// thirty rows to read: SQLite's per-column cost, not the arithmetic, is what
// a report would otherwise spend its time on.
func (m *dimMaps) pack() []byte {
	b := []byte{} // an empty month is an empty blob, not NULL
	for dim := range m {
		for v, c := range m[dim] {
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

var errBadPack = errors.New("corrupt rollup row (rebuild rollups by deleting them: they are derived data)")

// unpackInto adds the rows packed in b to m.
func (m *dimMaps) unpackInto(b []byte) error {
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	for len(b) > 0 {
		dim, ok := next()
		if !ok || dim >= uint64(len(m)) {
			return errBadPack
		}
		l, ok := next()
		if !ok || l > uint64(len(b)) {
			return errBadPack
		}
		value := b[:l]
		b = b[l:]
		var n [5]uint64
		for i := range n {
			if n[i], ok = next(); !ok {
				return errBadPack
			}
		}
		m.addBytes(int(dim), value, dimCounts{int64(n[0]), int64(n[1]), int64(n[2]), int64(n[3]), int64(n[4])})
	}
	return nil
}

// packViews encodes one day's page views (in time order) for filtered
// reports, which would otherwise read every raw row of their period: SQLite
// through the driver reads about a million rows a second, too slow for a
// month of a busy site. The format, all integers uvarints unless said:
//
//	for each of the 11 page-view dimensions: count, then each value as
//	  length and bytes (the day's dictionary)
//	count of views, then per view: ts - day start, visitor (8 bytes LE),
//	  visit (8 bytes LE), visible ms + 1 (0: no leave), and per dimension
//	  the value's index in its dictionary
func packViews(start int64, views []view) []byte {
	var (
		b     = []byte{}
		dicts [nViewDims]map[string]int
		lists [nViewDims][]string
	)
	for di := range dicts {
		dicts[di] = map[string]int{}
	}
	for i := range views {
		for di, v := range views[i].dims {
			if _, ok := dicts[di][v]; !ok {
				dicts[di][v] = len(lists[di])
				lists[di] = append(lists[di], v)
			}
		}
	}
	for di := range lists {
		b = binary.AppendUvarint(b, uint64(len(lists[di])))
		for _, v := range lists[di] {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(views)))
	for i := range views {
		v := &views[i]
		b = binary.AppendUvarint(b, uint64(v.ts-start))
		b = binary.LittleEndian.AppendUint64(b, v.visitor)
		b = binary.LittleEndian.AppendUint64(b, v.visit)
		b = binary.AppendUvarint(b, uint64(v.dur+1))
		for di, val := range v.dims {
			b = binary.AppendUvarint(b, uint64(dicts[di][val]))
		}
	}
	return b
}

// unpackViews decodes a packViews blob, appending to buf. If none of the
// day's views can match filters (a filtered value is not in the day's
// dictionary), it returns buf unchanged without decoding the views.
func unpackViews(b []byte, start int64, buf []view, filters []analytics.Filter) ([]view, error) {
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	var lists [nViewDims][]string
	for di := range lists {
		n, ok := next()
		if !ok || n > uint64(len(b)) {
			return buf, errBadPack
		}
		lists[di] = make([]string, n)
		for i := range lists[di] {
			l, ok := next()
			if !ok || l > uint64(len(b)) {
				return buf, errBadPack
			}
			lists[di][i] = string(b[:l])
			b = b[l:]
		}
	}
	for _, f := range filters {
		di := dPage
		if !f.Dim.VisitLevel() {
			di = dimIndex(f.Dim)
		}
		if !slices.Contains(lists[di], f.Value) {
			return buf, nil
		}
	}
	n, ok := next()
	if !ok {
		return buf, errBadPack
	}
	for range n {
		var v view
		d, ok := next()
		if !ok || len(b) < 16 {
			return buf, errBadPack
		}
		v.ts = start + int64(d)
		v.visitor = binary.LittleEndian.Uint64(b)
		v.visit = binary.LittleEndian.Uint64(b[8:])
		b = b[16:]
		dur, ok := next()
		if !ok {
			return buf, errBadPack
		}
		v.dur = int64(dur) - 1
		for di := range v.dims {
			i, ok := next()
			if !ok || i >= uint64(len(lists[di])) {
				return buf, errBadPack
			}
			v.dims[di] = lists[di][i]
		}
		buf = append(buf, v)
	}
	return buf, nil
}
