package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
)

// TestValuesCappedPerDay: a bot inventing paths, referrers and UTM tags
// fills a site's day up to the cap; past it every new value is stored as
// "(muut)" while values seen before keep theirs, the page views all count,
// the log says so once per field, /healthz counts the replaced values, and
// the next day starts over.
func TestValuesCappedPerDay(t *testing.T) {
	st := openStore(t)
	var (
		mu  sync.Mutex
		now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		log bytes.Buffer
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Now = clock
		cfg.MaxValuesPerDay = 5
		cfg.Zone, _ = time.LoadLocation(analytics.DefaultZone)
		cfg.Logger = slog.New(slog.NewTextHandler(&log, nil))
	})
	h := handler(c)
	send := func(id, path, ref string) {
		t.Helper()
		body := fmt.Sprintf(`{"kind":"pageview","site":"example.fi","url":"https://example.fi%s?utm_source=s%s","referrer":"https://%s/","pageview":%q}`, path, path[1:], ref, id)
		if w := post(h, body); w.Code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", id, w.Code, w.Body)
		}
	}
	for i := range 8 {
		send(fmt.Sprintf("a%d", i), fmt.Sprintf("/p%d", i), fmt.Sprintf("r%d.example", i))
	}
	send("again", "/p2", "r2.example") // seen before the cap: kept
	var health struct {
		Capped int64 `json:"capped_today"`
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if err := json.Unmarshal(w.Body.Bytes(), &health); err != nil {
		t.Fatal(err)
	}
	// Three page views over the cap, each with a new path, utm_source and
	// referrer host.
	if health.Capped != 9 {
		t.Errorf("capped_today = %d, want 9", health.Capped)
	}
	mu.Lock()
	now = now.AddDate(0, 0, 1)
	mu.Unlock()
	send("next", "/p7", "r7.example") // a new day: room again
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	got := map[string]string{}
	rows, err := st.DB().Query(`SELECT pageview_id, path || ' ' || utm_source || ' ' || referrer_host FROM pageview_values`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		got[id] = v
	}
	want := map[string]string{
		"a0": "/p0 sp0 r0.example", "a4": "/p4 sp4 r4.example",
		"a5": "(muut) (muut) (muut)", "a7": "(muut) (muut) (muut)",
		"again": "/p2 sp2 r2.example", "next": "/p7 sp7 r7.example",
	}
	if len(got) != 10 {
		t.Errorf("%d page views stored, want all 10", len(got))
	}
	for id, v := range want {
		if got[id] != v {
			t.Errorf("page view %s stored as %q, want %q", id, got[id], v)
		}
	}
	if n := strings.Count(log.String(), "distinct values capped"); n != 3 {
		t.Errorf("%d log lines about the cap, want one per field (3):\n%s", n, log.String())
	}
	if strings.Contains(log.String(), "p5") || strings.Contains(log.String(), "r5.example") {
		t.Errorf("the log names a capped value:\n%s", log.String())
	}
}

// TestPropertyValuesCapped: one browser inventing values of a declared
// property (long ones, as the probe did) fills the site's day up to
// the cap; past it each new value is stored as "(muut)" while the other
// property and values seen before keep theirs, every event is stored,
// /healthz and Stats count the cap once for the property, and the log says
// so once, naming the event and property but no value.
func TestPropertyValuesCapped(t *testing.T) {
	st := openStore(t)
	var log bytes.Buffer
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Now = func() time.Time { return now }
		cfg.MaxValuesPerDay = 5
		cfg.Events = eventConfig
		cfg.Logger = slog.New(slog.NewTextHandler(&log, nil))
	})
	h := handler(c)
	if w := post(h, goodPageView); w.Code != http.StatusAccepted {
		t.Fatalf("page view: %d %s", w.Code, w.Body)
	}
	value := func(i int) string { return fmt.Sprintf("arvo %c%c %s", 'a'+i/26, 'a'+i%26, strings.Repeat("v", 150)) }
	const n = 40
	sent := []string{}
	for i := range n {
		sent = append(sent, value(i))
	}
	sent = append(sent, value(2)) // seen before the cap: kept
	for _, v := range sent {
		if w := post(h, event("Yhteydenotto", fmt.Sprintf(`{"lomake":%q,"aihe":"tilaus"}`, v))); w.Code != http.StatusAccepted {
			t.Fatalf("event: %d %s", w.Code, w.Body)
		}
	}
	var health struct {
		Capped      int64 `json:"capped_today"`
		CapsReached int64 `json:"caps_reached_today"`
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if err := json.Unmarshal(w.Body.Bytes(), &health); err != nil {
		t.Fatal(err)
	}
	if health.Capped != n-5 || health.CapsReached != 1 {
		t.Errorf("healthz: capped_today %d, caps_reached_today %d; want %d and 1", health.Capped, health.CapsReached, n-5)
	}
	if got := c.Stats().CapsReached[capProperty]; got != 1 {
		t.Errorf("Stats.CapsReached[event_property] = %d, want 1", got)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	values := map[string]int{}
	aihe := 0
	err := st.ScanEvents(context.Background(), "example.fi", now.Add(-time.Hour), now.Add(time.Hour), func(e analytics.Event) error {
		for _, p := range e.Props {
			switch p.Key {
			case "lomake":
				values[p.Value]++
			case "aihe":
				if p.Value == "tilaus" {
					aihe++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(values) != 6 || values[analytics.Other] != n-5 || values[value(2)] != 2 {
		t.Errorf("stored %d distinct values (%d as %s, value 2 %d times); want 5 and %s (%d), value 2 twice",
			len(values), values[analytics.Other], analytics.Other, values[value(2)], analytics.Other, n-5)
	}
	if aihe != len(sent) {
		t.Errorf("the other property kept its value in %d events, want all %d", aihe, len(sent))
	}
	if k := strings.Count(log.String(), "distinct values capped"); k != 1 {
		t.Errorf("%d log lines about the cap, want 1:\n%s", k, log.String())
	}
	if !strings.Contains(log.String(), "property=lomake") || strings.Contains(log.String(), "arvo") {
		t.Errorf("the log line must name the property and no value:\n%s", log.String())
	}
}

// TestEventsPerVisitLimit: a visit's custom events past max_events_per_visit
// are answered 429 and not stored, counted in Stats and /healthz; another
// browser's visit has its own count, and the visit's count starts over at
// midnight UTC while the visit goes on.
func TestEventsPerVisitLimit(t *testing.T) {
	st := openStore(t)
	var (
		mu  sync.Mutex
		now = time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC)
	)
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		cfg.MaxEventsPerVisit = 3
		cfg.Events = eventConfig
	})
	h := handler(c)
	for _, ua := range []string{chromeUA, firefoxUA} {
		if w := post(h, goodPageView, "User-Agent", ua); w.Code != http.StatusAccepted {
			t.Fatalf("page view: %d %s", w.Code, w.Body)
		}
	}
	var codes []int
	for range 5 {
		codes = append(codes, post(h, event("Soitto", "")).Code)
	}
	if want := []int{202, 202, 202, 429, 429}; fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("answers %v, want %v", codes, want)
	}
	if w := post(h, event("Soitto", ""), "User-Agent", firefoxUA); w.Code != http.StatusAccepted {
		t.Errorf("another browser's event: %d %s", w.Code, w.Body)
	}
	if got := c.Stats().Refused[RefusedEventLimit]; got != 2 {
		t.Errorf("Stats.Refused[event_limit] = %d, want 2", got)
	}
	var health struct {
		Refused int64 `json:"event_limit_refused"`
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if err := json.Unmarshal(w.Body.Bytes(), &health); err != nil || health.Refused != 2 {
		t.Errorf("healthz event_limit_refused = %d (%v), want 2: %s", health.Refused, err, w.Body)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute) // 00:01 UTC, the visit goes on
	mu.Unlock()
	if w := post(h, event("Soitto", "")); w.Code != http.StatusAccepted {
		t.Errorf("after midnight: %d %s", w.Code, w.Body)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	stored := 0
	err := st.ScanEvents(context.Background(), "example.fi", now.Add(-time.Hour), now.Add(time.Hour), func(analytics.Event) error {
		stored++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored != 5 {
		t.Errorf("%d events stored, want 5 (3 + the other browser's + one after midnight)", stored)
	}
}

// TestEventLimitTooLarge: a limit the visit cannot count is refused.
func TestEventLimitTooLarge(t *testing.T) {
	_, err := New(context.Background(), Config{Store: openStore(t), Sites: []request.Site{{Domain: "example.fi"}},
		MaxEventsPerVisit: 1 << 20, Logger: discardLogger()})
	if err == nil || !strings.Contains(err.Error(), "at most 65535") {
		t.Errorf("New with a limit of 2^20: %v", err)
	}
}
