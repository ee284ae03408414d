package dashboard

import (
	"fmt"
	"sync"
	"time"

	"github.com/seloste/seloste/analytics"
)

// loginLimiter rate-limits requests with token buckets: one per client
// address and one shared by all, so neither one fast client nor many slow
// ones get far. It guards password attempts and public share pages.
// Addresses live only in this map, in memory, and are dropped as soon as
// their bucket is full again.
type loginLimiter struct {
	now func() time.Time

	mu      sync.Mutex
	clients map[string]*bucket
	global  bucket

	perClient, globalBurst   float64
	clientEvery, globalEvery time.Duration
}

type bucket struct {
	tokens float64
	at     time.Time
}

const maxTrackedClients = 10000

func newLoginLimiter(burst int, now func() time.Time) *loginLimiter {
	// One more attempt per minute after the burst; all clients together
	// one per 3 s after theirs.
	return newLimiter(burst, time.Minute, 20*burst, 3*time.Second, now)
}

func newLimiter(burst int, every time.Duration, globalBurst int, globalEvery time.Duration, now func() time.Time) *loginLimiter {
	l := &loginLimiter{
		now:         now,
		clients:     make(map[string]*bucket),
		perClient:   float64(burst),
		clientEvery: every,
		globalBurst: float64(globalBurst),
		globalEvery: globalEvery,
	}
	l.global = bucket{tokens: l.globalBurst, at: now()}
	return l
}

// take refills b and takes one token. If none is left it returns how long
// until one will be.
func (b *bucket) take(now time.Time, burst float64, every time.Duration) (bool, time.Duration) {
	b.refill(now, burst, every)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) * float64(every))
}

func (b *bucket) refill(now time.Time, burst float64, every time.Duration) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(burst, b.tokens+float64(d)/float64(every))
		b.at = now
	}
}

// allow takes one attempt for client ip.
func (l *loginLimiter) allow(ip string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.clients[ip]
	if b == nil {
		if len(l.clients) >= maxTrackedClients {
			l.prune(now)
		}
		b = &bucket{tokens: l.perClient, at: now}
		if len(l.clients) < maxTrackedClients {
			l.clients[ip] = b
		}
	}
	b.refill(now, l.perClient, l.clientEvery)
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(l.clientEvery))
	}
	if ok, wait := l.global.take(now, l.globalBurst, l.globalEvery); !ok {
		return false, wait
	}
	b.tokens--
	return true, 0
}

// reset forgets ip after a successful login.
func (l *loginLimiter) reset(ip string) {
	l.mu.Lock()
	delete(l.clients, ip)
	l.mu.Unlock()
}

func (l *loginLimiter) prune(now time.Time) {
	for ip, b := range l.clients {
		b.refill(now, l.perClient, l.clientEvery)
		if b.tokens >= l.perClient {
			delete(l.clients, ip)
		}
	}
}

// reportCache keeps the reports of public share pages for a minute, so that
// many visitors of a popular share link cost one report, and holds at most
// maxCachedReports. Concurrent requests for the same report wait for one
// computation.
type reportCache struct {
	mu      sync.Mutex
	entries map[string]*cachedReport
}

type cachedReport struct {
	done chan struct{}
	made time.Time
	rep  *analytics.Report
	err  error
}

const (
	maxCachedReports = 64
	reportCacheTTL   = time.Minute
)

func (c *reportCache) get(q analytics.Query, now time.Time, compute func() (*analytics.Report, error)) (*analytics.Report, error) {
	// Every field that changes the numbers: share pages ask for neither
	// filters nor a goal, but a cache must not answer one query with another's.
	key := fmt.Sprintf("%s|%d|%d|%s|%s|%d|%d|%q|%q|%t", q.Site, q.From.Unix(), q.To.Unix(), q.Zone, q.Interval, q.Limit, q.MinVisitors,
		q.Filters, q.Goal, q.ExcludeImported)
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*cachedReport{}
	}
	if e := c.entries[key]; e != nil && now.Sub(e.made) < reportCacheTTL {
		c.mu.Unlock()
		<-e.done
		return e.rep, e.err
	}
	if len(c.entries) >= maxCachedReports {
		for k, e := range c.entries {
			select {
			case <-e.done:
				if now.Sub(e.made) >= reportCacheTTL || len(c.entries) >= maxCachedReports {
					delete(c.entries, k)
				}
			default: // still being computed
			}
		}
	}
	e := &cachedReport{done: make(chan struct{}), made: now}
	c.entries[key] = e
	c.mu.Unlock()
	e.rep, e.err = compute()
	close(e.done)
	if e.err != nil {
		c.mu.Lock()
		if c.entries[key] == e {
			delete(c.entries, key) // errors are not kept
		}
		c.mu.Unlock()
	}
	return e.rep, e.err
}
