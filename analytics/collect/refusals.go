package collect

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// refusals remembers events refused for the server's own reasons (the
// store failing, the queue full), so that /healthz says so, and logs them
// once per interval with a count instead of once per event: a broken disk
// under load must not also fill the log.
type refusals struct {
	// Unix nanoseconds of the latest refusal and of the first event
	// accepted after one: an accepted event only reads them, unless it
	// ends a run of refusals.
	last, accepted atomic.Int64
	// The writer's count of stored batches at the latest refusal: one
	// stored after it means the store works again.
	flushes atomic.Int64

	mu     sync.Mutex
	log    *slog.Logger
	every  time.Duration // at most one log line per interval
	reason string
	logged time.Time // when the last line was logged
	quiet  int64     // refusals since then, not logged
}

// healthWindow is how long a refusal makes /healthz fail unless an event
// is accepted after it.
const healthWindow = 10 * time.Second

// refuse records a refusal at now; flushes is the writer's count of
// stored batches.
func (f *refusals) refuse(now time.Time, flushes int64, reason string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reason = reason
	f.flushes.Store(flushes)
	f.last.Store(now.UnixNano())
	if now.Sub(f.logged) < f.every {
		f.quiet++
		return
	}
	attrs := []any{"reason", reason}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	if f.quiet > 0 {
		attrs = append(attrs, "refused_since_last_line", f.quiet)
	}
	f.log.Error("refusing events", attrs...)
	f.logged, f.quiet = now, 0
}

func (f *refusals) accept(now time.Time) {
	if f.last.Load() >= f.accepted.Load() && f.last.Load() != 0 {
		f.accepted.Store(now.UnixNano())
	}
}

// current is the reason events are being refused at now, "" if they are
// not: a refusal within healthWindow with no event accepted, and no batch
// stored (flushes is the writer's count), since.
func (f *refusals) current(now time.Time, flushes int64) string {
	last := f.last.Load()
	if last == 0 || now.UnixNano()-last > int64(healthWindow) || f.accepted.Load() > last || flushes > f.flushes.Load() {
		return ""
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reason
}
