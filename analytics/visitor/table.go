package visitor

import "math/bits"

// visitTable is one site's open visits: an open-addressing hash table with
// linear probing, 16 bytes a slot, keyed by visitor id. A visit is its
// visitor's id and the seconds of its first and latest page view; the visit
// id is derived from those (Tracker.visitID), so it need not be stored. A
// swiss map of visitor → (visit id, last) took 50-60 bytes a visit; this
// takes 16 / load, about 20-32.
//
// Visitor ids are keyed SipHash outputs, uniform already: a slot's home is
// the id (less the bits that chose its segment) scaled to the table's
// length, which need not be a power of two, so the table grows by half
// rather than doubling.
type visitTable struct {
	slots []visitSlot
	n     int
}

type visitSlot struct {
	visitor uint64 // 0: empty (hash never returns 0)
	last    uint32 // seconds since epoch of the latest page view or event
	// start is the minute of the visit's first page view, modulo 2^16
	// (45 days): it only tells the visits of one visitor id apart, which
	// start at least analytics.VisitGap apart within the id's day.
	start uint16
	// events counts the visit's custom events of the UTC day of last
	// (saturating): the per-visit limit (Tracker.Touch). Both fit in the
	// 4 bytes a second-resolution start took, so a slot stays 16 bytes.
	events uint16
}

// epoch is what slot times count from (2020-01-01 UTC): uint32 seconds
// reach into the 22nd century.
const epoch = 1577836800

const (
	minSlots = 64
	maxLoad  = 0.85 // grow past it; probes stay short at this load with uniform keys
	minLoad  = 0.25 // shrink under it after a sweep
)

func (t *visitTable) home(visitor uint64) int {
	hi, _ := bits.Mul64(visitor<<segmentBits, uint64(len(t.slots)))
	return int(hi)
}

// siteTable is one site's open visits in segments chosen by the visitor
// id's top bits: a segment grows on its own, so growing never copies more
// than a 64th of the visits at once, and the memory a growth step holds
// twice stays small.
type siteTable struct {
	segments [1 << segmentBits]visitTable
}

const segmentBits = 6

func (s *siteTable) of(visitor uint64) *visitTable { return &s.segments[visitor>>(64-segmentBits)] }

// find returns the slot index of visitor, or -1.
func (t *visitTable) find(visitor uint64) int {
	if len(t.slots) == 0 {
		return -1
	}
	for i := t.home(visitor); ; i++ {
		if i == len(t.slots) {
			i = 0
		}
		switch t.slots[i].visitor {
		case visitor:
			return i
		case 0:
			return -1
		}
	}
}

// put stores s, replacing the slot of the same visitor.
func (t *visitTable) put(s visitSlot) {
	if float64(t.n+1) > maxLoad*float64(len(t.slots)) {
		t.resize(max(minSlots, len(t.slots)+len(t.slots)/2))
	}
	for i := t.home(s.visitor); ; i++ {
		if i == len(t.slots) {
			i = 0
		}
		switch t.slots[i].visitor {
		case s.visitor:
			t.slots[i] = s
			return
		case 0:
			t.slots[i] = s
			t.n++
			return
		}
	}
}

// resize moves every slot into a table of n slots.
func (t *visitTable) resize(n int) {
	old := t.slots
	t.slots, t.n = make([]visitSlot, n), 0
	for _, s := range old {
		if s.visitor != 0 {
			t.put(s)
		}
	}
}

// remove empties slot i, moving later slots of its cluster back so that
// every remaining visitor is still found from its home (no tombstones).
func (t *visitTable) remove(i int) {
	n := len(t.slots)
	for j := i; ; {
		j++
		if j == n {
			j = 0
		}
		s := t.slots[j]
		if s.visitor == 0 {
			break
		}
		// s may fill the hole at i unless its home lies cyclically in (i, j].
		h := t.home(s.visitor)
		if i <= j && (h <= i || h > j) || i > j && h <= i && h > j {
			t.slots[i] = s
			i = j
		}
	}
	t.slots[i] = visitSlot{}
	t.n--
}

// sweep removes the slots for which gone is true, in place, and shrinks the
// table when it has become mostly empty.
func (t *visitTable) sweep(gone func(visitSlot) bool) {
	n := len(t.slots)
	if t.n == 0 {
		t.slots = nil
		return
	}
	// Walk once around from an empty slot: a cluster then never wraps
	// past the walk's start, and what remove moves back lands on the slot
	// being looked at or after it, so everything is seen once.
	e := 0
	for t.slots[e].visitor != 0 {
		e++
	}
	for k := 1; k <= n; k++ {
		i := (e + k) % n
		for t.slots[i].visitor != 0 && gone(t.slots[i]) {
			t.remove(i)
		}
	}
	if t.n == 0 {
		t.slots = nil
		return
	}
	if len(t.slots) > minSlots && float64(t.n) < minLoad*float64(len(t.slots)) {
		t.resize(max(minSlots, int(float64(t.n)/0.6)))
	}
}

// each calls fn with every slot.
func (t *visitTable) each(fn func(visitSlot)) {
	for _, s := range t.slots {
		if s.visitor != 0 {
			fn(s)
		}
	}
}
