package sqlite

import (
	"encoding/binary"
	"errors"

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
	var b []byte
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
