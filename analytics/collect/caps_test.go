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
