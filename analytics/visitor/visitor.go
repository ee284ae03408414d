// Package visitor turns a request's site, client IP and User-Agent into the
// pseudonymous visitor id that seloste stores, and groups a visitor's page
// views into visits.
//
// The id is SipHash-2-4 (64 bits) of site, IP and User-Agent, keyed with the
// random salt of the current UTC day (analytics.Salts). Salts rotate at
// midnight UTC and are deleted after analytics.SaltKeep, after which nobody,
// the owner included, can link an id to an IP address or to another day's
// id. A visit that crosses midnight is continued by also computing the id
// with yesterday's salt for the first analytics.VisitGap of the day.
//
// The IP and User-Agent are only hashed here; nothing in this package keeps,
// logs or returns them.
package visitor

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/seloste/seloste/analytics"
)

// DefaultMaxOpen bounds the number of visits tracked in memory: about
// 100 MB at most. Past it a visitor not already tracked still gets a visit,
// but one that its later page views cannot join (each starts another), so
// its visits are over-counted: Untracked says how many page views that
// happened to, and the collector reports it.
const DefaultMaxOpen = 4 << 20

// Tracker computes visitor ids and assigns visits. It is safe for
// concurrent use.
type Tracker struct {
	salts analytics.Salts

	keyMu sync.Mutex
	keys  map[int64][2]uint64 // SipHash key per UTC day number

	mu sync.Mutex
	// open holds the visits that may go on, per site: it grows with every
	// distinct visitor of the last analytics.VisitGap and sweep empties it
	// behind them.
	open map[string]*siteTable
	n    int // visits in open
	// kept holds the ids of the open visits whose id is not derived from
	// their slot: those loaded by Seed and those continued across midnight
	// under the visitor's new id. Few: the visits open at a restart or at
	// midnight.
	kept      map[uint64]uint64 // visitor id → visit id
	visitKey  [2]uint64         // keys derived visit ids; random per tracker
	untracked int64
	lastSweep time.Time
	// assigned is closed by the next Assign: see Assigned.
	assigned chan struct{}
	// MaxOpen bounds the open visits kept in memory; DefaultMaxOpen if 0.
	MaxOpen int
}

// New returns a tracker that takes the daily salts from salts.
func New(salts analytics.Salts) *Tracker {
	return &Tracker{
		salts:    salts,
		keys:     make(map[int64][2]uint64),
		open:     make(map[string]*siteTable),
		kept:     make(map[uint64]uint64),
		visitKey: [2]uint64{rand.Uint64(), rand.Uint64()},
	}
}

// seconds is a slot time: unix seconds since epoch, at least 1.
func seconds(unix int64) uint32 { return uint32(max(unix-epoch, 1)) }

// newSlot is a visit of visitor beginning at slot time sec.
func newSlot(visitor uint64, sec uint32) visitSlot {
	return visitSlot{visitor: visitor, start: uint16(sec / 60), last: sec}
}

// touch moves s's latest activity to sec. Its count of events starts over
// on a new UTC day, the visitor id's day (epoch is a midnight UTC).
func (s *visitSlot) touch(sec uint32) {
	if sec/86400 > s.last/86400 {
		s.events = 0
	}
	s.last = max(s.last, sec)
}

// visitID is the id of the visit in slot s.
func (t *Tracker) visitID(s visitSlot) uint64 {
	if id, ok := t.kept[s.visitor]; ok {
		return id
	}
	var b [10]byte
	binary.LittleEndian.PutUint64(b[:], s.visitor)
	binary.LittleEndian.PutUint16(b[8:], s.start)
	if id := sipHash24(t.visitKey[0], t.visitKey[1], b[:]); id != 0 {
		return id
	}
	return 1
}

// Seed loads visits that may still go on, e.g. from Store.OpenVisits at
// start, so that a restart does not split them.
func (t *Tracker) Seed(visits []analytics.OpenVisit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, v := range visits {
		if v.Visitor == 0 {
			continue // never assigned: ids are never 0
		}
		tab := t.siteVisits(v.Site).of(v.Visitor)
		last := seconds(v.Last.Unix())
		if i := tab.find(v.Visitor); i >= 0 {
			if tab.slots[i].last >= last {
				continue
			}
		} else {
			t.n++
		}
		tab.put(newSlot(v.Visitor, last))
		t.kept[v.Visitor] = v.Visit
	}
}

// Open reports how many visits are tracked in memory.
func (t *Tracker) Open() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// Untracked is how many page views got a visit that could not be tracked
// because MaxOpen visits were open.
func (t *Tracker) Untracked() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.untracked
}

// siteVisits is the site's table of open visits, made on first use.
func (t *Tracker) siteVisits(site string) *siteTable {
	tab := t.open[site]
	if tab == nil {
		tab = &siteTable{}
		t.open[site] = tab
	}
	return tab
}

// Assign returns the visitor id of (site, ip, userAgent) at time now, and
// the visit its page view belongs to: the visitor's open visit if its last
// page view is less than analytics.VisitGap ago, else a new one.
func (t *Tracker) Assign(ctx context.Context, now time.Time, site string, ip netip.Addr, userAgent string) (visitor, visit uint64, err error) {
	day := dayNumber(now)
	key, err := t.key(ctx, day)
	if err != nil {
		return 0, 0, err
	}
	visitor = hash(key, site, ip, userAgent)

	// Early in the day, yesterday's id may still have an open visit.
	var prev uint64
	crossesMidnight := now.Sub(dayStart(day)) < analytics.VisitGap
	if crossesMidnight {
		pk, err := t.key(ctx, day-1)
		if err != nil {
			return 0, 0, err
		}
		prev = hash(pk, site, ip, userAgent)
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.assigned != nil {
		close(t.assigned)
		t.assigned = nil
	}
	t.sweep(now)
	sec, gap := seconds(now.Unix()), uint32(analytics.VisitGap/time.Second)
	st := t.siteVisits(site)
	tab := st.of(visitor)
	if i := tab.find(visitor); i >= 0 {
		s := &tab.slots[i]
		if sec-min(s.last, sec) < gap {
			s.touch(sec)
			return visitor, t.visitID(*s), nil
		}
		// Over: a new visit in the same slot.
		delete(t.kept, visitor)
		*s = newSlot(visitor, sec)
		return visitor, t.visitID(*s), nil
	}
	if crossesMidnight {
		old := st.of(prev)
		if i := old.find(prev); i >= 0 && sec-min(old.slots[i].last, sec) < gap {
			// The visit goes on under today's id, keeping its visit id;
			// its count of events starts over with the day.
			visit = t.visitID(old.slots[i])
			start := old.slots[i].start
			old.remove(i)
			delete(t.kept, prev)
			tab.put(visitSlot{visitor: visitor, start: start, last: sec})
			t.kept[visitor] = visit
			return visitor, visit, nil
		}
	}
	s := newSlot(visitor, sec)
	if t.n >= t.maxOpen() {
		t.untracked++
		return visitor, t.visitID(s), nil
	}
	tab.put(s)
	t.n++
	return visitor, t.visitID(s), nil
}

// MaxEventsLimit is the largest per-visit limit of events Touch keeps: a
// visit's count is 16 bits of its slot.
const MaxEventsLimit = math.MaxUint16

// ErrEventLimit is Touch's answer to an event past the visit's limit.
var ErrEventLimit = errors.New("the visit has sent as many events today as one visit may")

// Touch returns the visitor id and visit of (site, ip, userAgent) if it has
// an open visit at now (ok), and keeps the visit open as a page view would:
// a custom event is activity of the visit it happens in. It never starts a
// visit, so an event from a browser with no page view of the site open is
// known here.
//
// Touch counts the visit's events of the UTC day (the visitor id's day): past
// maxEvents (0: no limit; at most MaxEventsLimit) it answers ok with
// ErrEventLimit, and the refused event neither counts nor keeps the visit
// open. The count lives in the visit's slot, so it costs no memory of its
// own and goes when the visit does.
func (t *Tracker) Touch(ctx context.Context, now time.Time, site string, ip netip.Addr, userAgent string, maxEvents int) (visitor, visit uint64, ok bool, err error) {
	day := dayNumber(now)
	key, err := t.key(ctx, day)
	if err != nil {
		return 0, 0, false, err
	}
	ids := []uint64{hash(key, site, ip, userAgent)}
	if now.Sub(dayStart(day)) < analytics.VisitGap {
		pk, err := t.key(ctx, day-1)
		if err != nil {
			return 0, 0, false, err
		}
		ids = append(ids, hash(pk, site, ip, userAgent))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.open[site]
	if st == nil {
		return 0, 0, false, nil
	}
	sec, gap := seconds(now.Unix()), uint32(analytics.VisitGap/time.Second)
	for _, id := range ids {
		tab := st.of(id)
		if i := tab.find(id); i >= 0 && sec-min(tab.slots[i].last, sec) < gap {
			s := &tab.slots[i]
			if sec/86400 > s.last/86400 {
				s.events = 0 // a new day
			}
			if maxEvents > 0 && int(s.events) >= maxEvents {
				return id, t.visitID(*s), true, ErrEventLimit
			}
			s.touch(sec)
			if s.events < math.MaxUint16 {
				s.events++
			}
			return id, t.visitID(*s), true, nil
		}
	}
	return 0, 0, false, nil
}

// Assigned returns a channel that the next Assign closes. A browser sends a
// page view and the events called before the tracker loaded at once, on
// different connections, so an event may arrive first: it takes the
// channel, calls Touch, and if no visit is open yet waits on the channel
// before it calls Touch again.
func (t *Tracker) Assigned() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.assigned == nil {
		t.assigned = make(chan struct{})
	}
	return t.assigned
}

func (t *Tracker) maxOpen() int {
	if t.MaxOpen > 0 {
		return t.MaxOpen
	}
	return DefaultMaxOpen
}

// sweep forgets visits that can no longer go on, at most once a minute.
func (t *Tracker) sweep(now time.Time) {
	if now.Sub(t.lastSweep) < time.Minute {
		return
	}
	t.lastSweep = now
	sec, gap := seconds(now.Unix()), uint32(analytics.VisitGap/time.Second)
	gone := func(s visitSlot) bool {
		if sec-min(s.last, sec) < gap {
			return false
		}
		delete(t.kept, s.visitor)
		return true
	}
	for site, st := range t.open {
		left := 0
		for i := range st.segments {
			tab := &st.segments[i]
			before := tab.n
			tab.sweep(gone)
			t.n -= before - tab.n
			left += tab.n
		}
		if left == 0 {
			delete(t.open, site)
		}
	}
}

// key returns the SipHash key of a UTC day, fetching (or creating) the
// day's salt on first use. Only today's and yesterday's keys are cached.
func (t *Tracker) key(ctx context.Context, day int64) ([2]uint64, error) {
	t.keyMu.Lock()
	defer t.keyMu.Unlock()
	if k, ok := t.keys[day]; ok {
		return k, nil
	}
	salt, err := t.salts.Salt(ctx, dayStart(day))
	if err != nil {
		return [2]uint64{}, fmt.Errorf("visitor id: daily salt: %w", err)
	}
	if len(salt) < 16 {
		return [2]uint64{}, fmt.Errorf("visitor id: daily salt has %d bytes, want at least 16", len(salt))
	}
	// Derive the key so that the salt's format does not matter.
	sum := sha256.Sum256(append([]byte("seloste visitor id v1\x00"), salt...))
	k := [2]uint64{binary.LittleEndian.Uint64(sum[0:]), binary.LittleEndian.Uint64(sum[8:])}
	for d := range t.keys {
		if d < day-1 {
			delete(t.keys, d)
		}
	}
	t.keys[day] = k
	return k, nil
}

func hash(key [2]uint64, site string, ip netip.Addr, userAgent string) uint64 {
	var buf [256]byte
	b := append(buf[:0], site...)
	b = append(b, 0)
	a := ip.Unmap().As16()
	b = append(b, a[:]...)
	b = append(b, 0)
	if h := sipHash24(key[0], key[1], b, []byte(userAgent)); h != 0 {
		return h
	}
	return 1 // 0 marks an empty slot; a 2^-64 chance of sharing with id 1
}

// ID returns the visitor id of (site, ip, userAgent) on the UTC day of now.
func (t *Tracker) ID(ctx context.Context, now time.Time, site string, ip netip.Addr, userAgent string) (uint64, error) {
	key, err := t.key(ctx, dayNumber(now))
	if err != nil {
		return 0, err
	}
	return hash(key, site, ip, userAgent), nil
}

func newVisitID() uint64 {
	for {
		// math/rand/v2's global source is ChaCha8, seeded by the runtime.
		if v := rand.Uint64(); v != 0 {
			return v
		}
	}
}

func dayNumber(t time.Time) int64 { return t.Unix() / 86400 }

func dayStart(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }
