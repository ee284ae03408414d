package dashboard

import (
	"sync"
	"time"
)

// loginLimiter rate-limits password attempts with token buckets: one per
// client address and one shared by all, so neither one fast guesser nor
// many slow ones get far. Addresses live only in this map, in memory, and
// are dropped as soon as their bucket is full again.
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
	l := &loginLimiter{
		now:         now,
		clients:     make(map[string]*bucket),
		perClient:   float64(burst),
		clientEvery: time.Minute, // one more attempt per minute after the burst
		globalBurst: float64(20 * burst),
		globalEvery: 3 * time.Second,
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
