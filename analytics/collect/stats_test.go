package collect

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestStatsReasons sends one event for each way the collector can answer
// and checks that Stats counts each under its own kind or reason, and
// nothing else: every event is queued or refused for exactly one reason.
func TestStatsReasons(t *testing.T) {
	st := &saltlessStore{Store: openStore(t)}
	var batches, batchRecords atomic.Int64
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Sites[0].ExcludePaths = []string{"/admin/**"}
		cfg.OnBatch = func(d time.Duration, n int, err error) {
			if err == nil && d > 0 {
				batches.Add(1)
				batchRecords.Add(int64(n))
			}
		}
	})
	h := handler(c)
	pv := func(id string) string { return strings.Replace(goodPageView, "abc123", id, 1) }

	want := Stats{QueueCapacity: DefaultQueueSize}
	send := func(body string, status int, hdr ...string) {
		t.Helper()
		if w := post(h, body, hdr...); w.Code != status {
			t.Fatalf("%.60s %v: status %d, want %d: %s", body, hdr, w.Code, status, w.Body)
		}
	}
	// Before the day's salt is in memory, a store that cannot give it
	// refuses the page view.
	st.broken.Store(true)
	send(pv("s1"), 503)
	want.Refused[RefusedStorage] = 1
	want.SaltErrors = 1
	st.broken.Store(false)
	send(pv("a1"), 202)
	send(pv("a2"), 202)
	want.PageViews = 2
	send(goodLeave, 202)
	want.Leaves = 1
	send(pv("b1"), 202, "User-Agent", "curl/8.11.0")
	want.BotHits = 1
	send(goodLeave, 202, "User-Agent", "curl/8.11.0")
	want.Refused[RefusedBot] = 1
	send(pv("d1"), 202, "Dnt", "1")
	want.Refused[RefusedDNT] = 1
	send(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/admin/x","pageview":"e1"}`, 202)
	want.Refused[RefusedExcluded] = 1
	send(strings.Repeat(" ", MaxBody+1), 413)
	want.Refused[RefusedTooLarge] = 1
	send(goodPageView, 415, "Content-Type", "application/x-www-form-urlencoded")
	want.Refused[RefusedContentType] = 1
	send(`{"kind":"pageview"`, 400)
	send(`{"kind":"pageview","site":"example.fi","url":"https://other.fi/","pageview":"x"}`, 400)
	want.Refused[RefusedBadEvent] = 2
	send(`{"kind":"pageview","site":"nosuch.fi","url":"https://nosuch.fi/","pageview":"x"}`, 403)
	want.Refused[RefusedUnknownSite] = 1
	send(pv("o1"), 403, "Origin", "https://evil.example")
	want.Refused[RefusedForeignOrigin] = 1
	// The GIF endpoint counts the same way.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/event.gif?site=example.fi&url=https://example.fi/g&nope=1", nil))
	if w.Code != 400 {
		t.Fatalf("gif with an unknown parameter: %d", w.Code)
	}
	want.Refused[RefusedBadEvent]++

	// Wait for the writer to store what was queued.
	queued := want.PageViews + want.Leaves + want.BotHits
	for deadline := time.Now().Add(10 * time.Second); c.Stats().Stored < queued; {
		if time.Now().After(deadline) {
			t.Fatalf("stored %d of %d records", c.Stats().Stored, queued)
		}
		time.Sleep(20 * time.Millisecond)
	}
	want.Stored = queued
	got := c.Stats()
	want.OpenVisits = got.OpenVisits
	if got.OpenVisits != 1 {
		t.Errorf("open visits %d, want 1 (one browser)", got.OpenVisits)
	}
	if got != want {
		t.Errorf("stats\n got %+v\nwant %+v", got, want)
	}
	if batches.Load() == 0 || batchRecords.Load() != queued {
		t.Errorf("OnBatch saw %d batches of %d records, want %d records", batches.Load(), batchRecords.Load(), queued)
	}

	// After Close, events are refused as shutting down.
	c.Close(context.Background())
	send(pv("z1"), 503)
	if n := c.Stats().Refused[RefusedShuttingDown]; n != 1 {
		t.Errorf("shutting_down %d, want 1", n)
	}
}

// TestStatsQueueFullAndAppendErrors: a store that fails every Append fills
// the queue; the failures count as store errors, the overflow as
// queue_full, and OnBatch sees the errors.
func TestStatsQueueFullAndAppendErrors(t *testing.T) {
	st := &flakyStore{Store: openStore(t)}
	st.set(true)
	var failed atomic.Int64
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Queue = QueueConfig{Size: 4, BatchSize: 2, FlushInterval: 10 * time.Millisecond}
		cfg.OnBatch = func(_ time.Duration, _ int, err error) {
			if err != nil {
				failed.Add(1)
			}
		}
	})
	h := handler(c)
	full := 0
	for i := range 50 {
		if w := post(h, strings.Replace(goodPageView, "abc123", "q"+itoa(i), 1)); w.Code == 503 {
			full++
		}
		time.Sleep(time.Millisecond)
	}
	s := c.Stats()
	if full == 0 || s.Refused[RefusedQueueFull] != int64(full) {
		t.Errorf("%d answers 503, queue_full counted %d", full, s.Refused[RefusedQueueFull])
	}
	if s.PageViews != int64(50-full) {
		t.Errorf("queued %d page views, want %d", s.PageViews, 50-full)
	}
	st.set(false)
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	s = c.Stats()
	if s.Stored != int64(50-full) {
		t.Errorf("stored %d after recovery, want %d", s.Stored, 50-full)
	}
	if s.AppendErrors == 0 || failed.Load() != s.AppendErrors {
		t.Errorf("append errors %d, OnBatch saw %d failures", s.AppendErrors, failed.Load())
	}
}

func TestRefusalNames(t *testing.T) {
	seen := map[string]bool{}
	for r := range NumRefusals {
		n := r.String()
		if n == "" || n == "unknown" || seen[n] || strings.ToLower(n) != n {
			t.Errorf("refusal %d: name %q", r, n)
		}
		seen[n] = true
	}
}
