package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Queue defaults, for a store that states none (analytics.AppendSizer).
const (
	DefaultQueueSize     = 16384
	DefaultBatchSize     = 2000
	DefaultFlushInterval = time.Second
)

// ErrQueueFull is what the writer's enqueue returns when the queue has no
// room; the collector answers 503 with Retry-After.
var ErrQueueFull = errors.New("event queue full")

// ErrClosed is what the writer's enqueue returns once it is closing
// (Collector.Close).
var ErrClosed = errors.New("event queue closed")

type itemKind uint8

const (
	itemPageView itemKind = iota + 1
	itemLeave
	itemBot
	itemEvent
	itemConsent
)

// item is one queued record.
type item struct {
	kind  itemKind
	pv    analytics.PageView
	leave analytics.Leave
	bot   analytics.BotHit
	event *analytics.Event // a pointer: few items are events, and items are copied
	// consent is a count of one of a consent banner (ConsentCount)
	consent *analytics.ConsentCount
}

// QueueConfig sizes the queue. Zero values take the store's sizes
// (analytics.AppendSizer), or else the defaults.
type QueueConfig struct {
	Size          int           // records waiting for the writer
	BatchSize     int           // records per Append
	FlushInterval time.Duration // longest time an accepted record waits
}

func (q QueueConfig) withDefaults(store analytics.Appender) QueueConfig {
	batch, size := DefaultBatchSize, DefaultQueueSize
	if s, ok := store.(analytics.AppendSizer); ok {
		batch, size = s.AppendSizes()
	}
	if q.Size <= 0 {
		q.Size = size
	}
	if q.BatchSize <= 0 {
		q.BatchSize = batch
	}
	if q.FlushInterval <= 0 || q.FlushInterval > time.Second {
		q.FlushInterval = DefaultFlushInterval
	}
	return q
}

// writer moves records from a bounded queue into the store in batches: one
// Append per BatchSize records or per FlushInterval, whichever comes first.
//
// A record is acknowledged (202) once it is in the queue. If Append fails,
// the batch is kept and retried every FlushInterval; while it is at its
// bound (BatchSize) the writer stops taking from the queue, the queue fills,
// and the collector answers 503 instead of acknowledging what it could not
// keep. Close drains the queue and flushes. A crash (SIGKILL) loses what is
// in memory: at most one flush window of records.
type writer struct {
	store analytics.Appender
	cfg   QueueConfig
	log   *slog.Logger

	mu     sync.RWMutex // guards closed against sends on a closed channel
	closed bool
	ch     chan item

	abort       chan struct{} // closed when Close gives up waiting
	abortCtx    context.Context
	abortAppend context.CancelFunc
	done        chan struct{} // closed when run returns
	lost        atomic.Int64  // records dropped by an aborted Close

	health   atomic.Pointer[string] // last store error, nil when healthy
	stored   atomic.Int64
	flushes  atomic.Int64 // batches stored
	failures atomic.Int64 // failed Appends in a row
	errors   atomic.Int64 // failed Appends since the start
	// onBatch, if set, is told each Append's duration, size and error.
	onBatch func(elapsed time.Duration, records int, err error)
}

func newWriter(store analytics.Appender, cfg QueueConfig, log *slog.Logger) *writer {
	cfg = cfg.withDefaults(store)
	w := &writer{
		store: store,
		cfg:   cfg,
		log:   log,
		ch:    make(chan item, cfg.Size),
		abort: make(chan struct{}),
		done:  make(chan struct{}),
	}
	w.abortCtx, w.abortAppend = context.WithCancel(context.Background())
	go w.run()
	return w
}

// enqueue adds it to the queue without waiting.
func (w *writer) enqueue(it item) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrClosed
	}
	select {
	case w.ch <- it:
		return nil
	default:
		return ErrQueueFull
	}
}

// len is the number of records waiting in the queue.
func (w *writer) len() int { return len(w.ch) }

// healthErr is the last store error, or nil after a successful flush.
func (w *writer) healthErr() error {
	if p := w.health.Load(); p != nil {
		return errors.New(*p)
	}
	return nil
}

func (w *writer) run() {
	defer close(w.done)
	ticker := time.NewTicker(w.cfg.FlushInterval)
	defer ticker.Stop()
	var b analytics.Batch
	in := w.ch
	for {
		select {
		case it, ok := <-in:
			if !ok {
				w.drain(&b)
				return
			}
			add(&b, it)
			if b.Len() >= w.cfg.BatchSize && !w.flush(&b) {
				in = nil // hold the batch; the queue fills and pushes back
			}
		case <-ticker.C:
			if b.Len() > 0 && w.flush(&b) && in == nil {
				in = w.ch
			}
		case <-w.abort:
			w.lost.Add(int64(b.Len() + len(w.ch)))
			return
		}
	}
}

// drain stores the batch and everything left in the closed queue, retrying
// failed flushes until Close gives up.
func (w *writer) drain(b *analytics.Batch) {
	for {
		for b.Len() < w.cfg.BatchSize {
			it, ok := <-w.ch
			if !ok {
				break
			}
			add(b, it)
		}
		if b.Len() == 0 {
			return
		}
		for !w.flush(b) {
			select {
			case <-w.abort:
				w.lost.Add(int64(b.Len() + len(w.ch)))
				return
			case <-time.After(w.cfg.FlushInterval):
			}
		}
	}
}

func add(b *analytics.Batch, it item) {
	switch it.kind {
	case itemPageView:
		b.PageViews = append(b.PageViews, it.pv)
	case itemLeave:
		b.Leaves = append(b.Leaves, it.leave)
	case itemBot:
		b.Bots = append(b.Bots, it.bot)
	case itemEvent:
		b.Events = append(b.Events, *it.event)
	case itemConsent:
		b.Consent = append(b.Consent, *it.consent)
	}
}

// flush appends b in one transaction. On success b is emptied; on failure
// it is kept for the next try and the error is logged and reported by
// /healthz. The error is the store's: it holds no request data.
func (w *writer) flush(b *analytics.Batch) bool {
	ctx, cancel := context.WithTimeout(w.abortCtx, 30*time.Second)
	defer cancel()
	start := time.Now()
	err := w.store.Append(ctx, *b)
	if w.onBatch != nil {
		w.onBatch(time.Since(start), b.Len(), err)
	}
	if err != nil {
		w.errors.Add(1)
		n := w.failures.Add(1)
		msg := fmt.Sprintf("storing events failed: %v", err)
		w.health.Store(&msg)
		if n == 1 || n%60 == 0 {
			w.log.Error("storing events failed; keeping them and retrying", "err", err, "records", b.Len(), "failures", n)
		}
		return false
	}
	if w.failures.Swap(0) > 0 {
		w.log.Info("storing events works again", "records", b.Len())
	}
	w.health.Store(nil)
	w.stored.Add(int64(b.Len()))
	w.flushes.Add(1)
	b.PageViews = b.PageViews[:0]
	b.Leaves = b.Leaves[:0]
	b.Bots = b.Bots[:0]
	b.Events = b.Events[:0]
	b.Consent = b.Consent[:0]
	return true
}

// close stops taking records, then stores everything already queued. If
// ctx ends first, it gives up and reports how many records were lost.
func (w *writer) close(ctx context.Context) error {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.ch)
	}
	w.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		select {
		case <-w.abort:
		default:
			close(w.abort)
			w.abortAppend()
		}
		<-w.done
		return fmt.Errorf("event queue: %d records not stored: %w", w.lost.Load(), ctx.Err())
	}
}
