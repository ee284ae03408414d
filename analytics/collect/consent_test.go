package collect

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
)

// A <noscript> image cannot ask for consent: on a site that needs it, the
// GIF is answered and nothing is kept.
func TestGIFNeedsExemptSite(t *testing.T) {
	st := openStore(t)
	c := newCollector(t, st, nil) // consent required: the default
	r := httptest.NewRequest("GET", "/api/event.gif?site=example.fi&url=https%3A%2F%2Fexample.fi%2F", nil)
	r.Header.Set("User-Agent", firefoxUA)
	w := httptest.NewRecorder()
	handler(c).ServeHTTP(w, r)
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), gif) {
		t.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
	}
	c.Close(context.Background())
	if n := count(t, st); n.pageviews != 0 || n.salts != 0 {
		t.Errorf("stored %+v from an image on a site that needs consent", n)
	}
	if n := c.Stats().Refused[RefusedConsent]; n != 1 {
		t.Errorf("refused for consent: %d, want 1", n)
	}
}

// s.js carries the sites exempt from consent, and only those.
func TestTrackerKnowsExemptSites(t *testing.T) {
	c := newCollector(t, openStore(t), func(cfg *Config) {
		cfg.Sites = []request.Site{{Domain: "asks.example"}, {Domain: "Exempt.Example", Consent: analytics.ConsentExempt}}
	})
	w := httptest.NewRecorder()
	handler(c).ServeHTTP(w, httptest.NewRequest("GET", "/s.js", nil))
	if body := w.Body.String(); !strings.HasSuffix(body, `Date.now,{"exempt.example":1})`) {
		t.Errorf("s.js ends %q", body[max(0, len(body)-60):])
	}
	w = httptest.NewRecorder()
	handler(c).ServeHTTP(w, httptest.NewRequest("GET", "/s.consent.js", nil))
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), bytes.TrimSpace(consentJS)) {
		t.Errorf("GET /s.consent.js: %d", w.Code)
	}
}

// POST /api/consent adds one to its site's day, and keeps nothing else:
// the request's address and agent are not read.
func TestConsentCount(t *testing.T) {
	hel, _ := time.LoadLocation("Europe/Helsinki")
	now := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC) // 1:30 on 2 March in Helsinki
	st := openStore(t)
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Described = map[string]bool{analytics.ConsentField: true}
		cfg.Zone = hel
		cfg.Now = func() time.Time { return now }
		cfg.Queue.FlushInterval = time.Millisecond
	})
	h := handler(c)
	send := func(body, origin string) int {
		r := httptest.NewRequest("POST", "/api/consent", strings.NewReader(body))
		r.Header.Set("Content-Type", "text/plain;charset=UTF-8")
		r.Header.Set("User-Agent", firefoxUA)
		r.Header.Set("X-Forwarded-For", "198.51.100.7")
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for _, c := range []struct {
		body, origin string
		want         int
	}{
		{`{"site":"example.fi","choice":"shown"}`, "https://example.fi", 202},
		{`{"site":"example.fi","choice":"shown"}`, "https://example.com", 202},
		{`{"site":"example.fi","choice":"accept"}`, "https://example.fi", 202},
		{`{"site":"example.fi","choice":"decline"}`, "", 202},
		{`{"site":"example.fi","choice":"maybe"}`, "https://example.fi", 400},
		{`{"site":"example.fi","choice":"shown","id":"x"}`, "https://example.fi", 202}, // unknown keys are not read
		{`not json`, "https://example.fi", 400},
		{`{"site":"nosuch.fi","choice":"shown"}`, "https://nosuch.fi", 403},
		{`{"site":"example.fi","choice":"shown"}`, "https://evil.example", 403},
		{`{"site":"example.fi","choice":"shown","pad":"` + strings.Repeat("x", 600) + `"}`, "https://example.fi", 413},
	} {
		if got := send(c.body, c.origin); got != c.want {
			t.Errorf("%s from %q: %d, want %d", c.body, c.origin, got, c.want)
		}
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var day, site string
	var shown, accepted, declined int
	if err := st.DB().QueryRow(`SELECT day, site, shown, accepted, declined FROM consent`).Scan(&day, &site, &shown, &accepted, &declined); err != nil {
		t.Fatal(err)
	}
	if day != "2026-03-02" || site != "example.fi" || shown != 3 || accepted != 1 || declined != 1 {
		t.Errorf("stored %s %s shown %d accepted %d declined %d; want 2026-03-02 example.fi 3 1 1", day, site, shown, accepted, declined)
	}
	if n := count(t, st); n.pageviews != 0 || n.salts != 0 {
		t.Errorf("a consent count stored %+v", n)
	}
}

// Until the published statement describes the counts, none is kept.
func TestConsentCountUndescribed(t *testing.T) {
	st := openStore(t)
	c := newCollector(t, st, nil)
	r := httptest.NewRequest("POST", "/api/consent", strings.NewReader(`{"site":"example.fi","choice":"shown"}`))
	r.Header.Set("Content-Type", "text/plain")
	w := httptest.NewRecorder()
	handler(c).ServeHTTP(w, r)
	if w.Code != 202 {
		t.Fatalf("status %d", w.Code)
	}
	c.Close(context.Background())
	var n int
	st.DB().QueryRow(`SELECT count(*) FROM consent`).Scan(&n)
	if n != 0 {
		t.Errorf("%d consent rows stored without a statement that describes them", n)
	}
}
