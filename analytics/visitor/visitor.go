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
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"github.com/seloste/seloste/analytics"
)

// DefaultMaxOpen bounds the number of visits tracked in memory. Past it, new
// visitors still get a visit, but one that a later page view cannot join.
const DefaultMaxOpen = 1 << 20

// Tracker computes visitor ids and assigns visits. It is safe for
// concurrent use.
type Tracker struct {
	salts analytics.Salts

	keyMu sync.Mutex
	keys  map[int64][2]uint64 // SipHash key per UTC day number

	mu sync.Mutex
	// open holds the visits that may go on, per site then visitor id:
	// about 60 bytes a visit with the map's own (a (site, visitor) key
	// with a time.Time took 128). It grows with every distinct visitor of
	// the last analytics.VisitGap; sweep empties it behind them.
	open      map[string]map[uint64]openVisit
	n         int // visits in open
	lastSweep time.Time
	// MaxOpen bounds the open visits kept in memory; DefaultMaxOpen if 0.
	MaxOpen int
}

type openVisit struct {
	visit uint64
	last  int64 // unix seconds of its latest page view
}

// New returns a tracker that takes the daily salts from salts.
func New(salts analytics.Salts) *Tracker {
	return &Tracker{
		salts: salts,
		keys:  make(map[int64][2]uint64),
		open:  make(map[string]map[uint64]openVisit),
	}
}

// Seed loads visits that may still go on, e.g. from Store.OpenVisits at
// start, so that a restart does not split them.
func (t *Tracker) Seed(visits []analytics.OpenVisit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, v := range visits {
		site := t.siteVisits(v.Site)
		if cur, ok := site[v.Visitor]; !ok || v.Last.Unix() > cur.last {
			if !ok {
				t.n++
			}
			site[v.Visitor] = openVisit{v.Visit, v.Last.Unix()}
		}
	}
}

// Open reports how many visits are tracked in memory.
func (t *Tracker) Open() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// siteVisits is the site's map of open visits, made on first use.
func (t *Tracker) siteVisits(site string) map[uint64]openVisit {
	m := t.open[site]
	if m == nil {
		m = make(map[uint64]openVisit)
		t.open[site] = m
	}
	return m
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
	t.sweep(now)
	sec, gap := now.Unix(), int64(analytics.VisitGap/time.Second)
	open := t.siteVisits(site)
	ov, ok := open[visitor]
	known := ok
	if ok && sec-ov.last >= gap {
		ok = false
	}
	if !ok && crossesMidnight {
		if pv, found := open[prev]; found && sec-pv.last < gap {
			ov, ok = pv, true
			delete(open, prev)
			t.n--
		}
	}
	if !ok {
		ov = openVisit{visit: newVisitID()}
		if !known && t.n >= t.maxOpen() {
			return visitor, ov.visit, nil
		}
	}
	ov.last = max(ov.last, sec)
	if _, there := open[visitor]; !there {
		t.n++
	}
	open[visitor] = ov
	return visitor, ov.visit, nil
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
	sec, gap := now.Unix(), int64(analytics.VisitGap/time.Second)
	for site, open := range t.open {
		for k, v := range open {
			if sec-v.last >= gap {
				delete(open, k)
				t.n--
			}
		}
		if len(open) == 0 {
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
	return sipHash24(key[0], key[1], b, []byte(userAgent))
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
