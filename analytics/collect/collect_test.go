package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/analytics/sqlite"
)

const (
	chromeUA  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	firefoxUA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
)

// openStore opens a real SQLite store in a temp dir.
func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seloste.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newCollector returns a collector for example.fi (extra origin
// example.com) over store, with config changes from mod.
func newCollector(t testing.TB, store analytics.Store, mod func(*Config)) *Collector {
	t.Helper()
	cfg := Config{
		Store:  store,
		Sites:  []request.Site{{Domain: "example.fi", Origins: []string{"https://example.com"}}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func handler(c *Collector) http.Handler {
	mux := http.NewServeMux()
	c.Register(mux)
	return mux
}

type counts struct{ pageviews, leaves, bots, salts int }

func count(t testing.TB, st *sqlite.Store) counts {
	t.Helper()
	var n counts
	for table, p := range map[string]*int{"pageviews": &n.pageviews, "leaves": &n.leaves, "bots": &n.bots, "salts": &n.salts} {
		if err := st.DB().QueryRow("SELECT count(*) FROM " + table).Scan(p); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// post sends a beacon like a browser on example.fi does.
func post(h http.Handler, body string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/api/event", strings.NewReader(body))
	r.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	r.Header.Set("User-Agent", chromeUA)
	r.Header.Set("Origin", "https://example.fi")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

const (
	goodPageView = `{"kind":"pageview","site":"example.fi","url":"https://example.fi/a?utm_source=x","referrer":"https://duckduckgo.com/","pageview":"abc123"}`
	goodLeave    = `{"kind":"leave","site":"example.fi","pageview":"abc123","duration_ms":12345}`
)

func TestHostileInput(t *testing.T) {
	st := openStore(t)
	c := newCollector(t, st, nil)
	h := handler(c)

	long := strings.Repeat("a", 10000)
	pv := func(fields string) string { return `{"kind":"pageview",` + fields + `}` }
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		hdr    []string
		chunk  bool // send without Content-Length
		status int
	}{
		{"oversize", "POST", "/api/event", pv(`"site":"example.fi","url":"https://example.fi/` + strings.Repeat("x", 5000) + `","pageview":"a"`), nil, false, 413},
		{"oversize chunked", "POST", "/api/event", strings.Repeat(" ", 5000) + goodPageView, nil, true, 413},
		{"10k-char path", "POST", "/api/event", pv(`"site":"example.fi","url":"https://example.fi/` + long + `","pageview":"a"`), nil, false, 413},
		{"10k-char path gif", "GET", "/api/event.gif?site=example.fi&url=https://example.fi/" + long, "", nil, false, 414},
		{"truncated JSON", "POST", "/api/event", goodPageView[:40], nil, false, 400},
		{"empty body", "POST", "/api/event", "", nil, false, 400},
		{"array", "POST", "/api/event", "[" + goodPageView + "]", nil, false, 400},
		{"trailing data", "POST", "/api/event", goodPageView + "{}", nil, false, 400},
		{"two objects", "POST", "/api/event", goodLeave + "\n" + goodLeave, nil, false, 400},
		{"duration as string", "POST", "/api/event", `{"kind":"leave","site":"example.fi","pageview":"a","duration_ms":"5"}`, nil, false, 400},
		{"duration fraction", "POST", "/api/event", `{"kind":"leave","site":"example.fi","pageview":"a","duration_ms":5.5}`, nil, false, 400},
		{"duration exponent", "POST", "/api/event", `{"kind":"leave","site":"example.fi","pageview":"a","duration_ms":1e3}`, nil, false, 400},
		{"duration negative", "POST", "/api/event", `{"kind":"leave","site":"example.fi","pageview":"a","duration_ms":-1}`, nil, false, 400},
		{"duration huge", "POST", "/api/event", `{"kind":"leave","site":"example.fi","pageview":"a","duration_ms":99999999999999999999}`, nil, false, 400},
		{"site as number", "POST", "/api/event", pv(`"site":1,"url":"https://example.fi/","pageview":"a"`), nil, false, 400},
		{"kind null", "POST", "/api/event", `{"kind":null,"site":"example.fi","pageview":"a","duration_ms":5}`, nil, false, 400},
		{"url as object", "POST", "/api/event", pv(`"site":"example.fi","url":{},"pageview":"a"`), nil, false, 400},
		{"unknown kind", "POST", "/api/event", `{"kind":"click","site":"example.fi","pageview":"a"}`, nil, false, 400},
		{"unknown field", "POST", "/api/event", pv(`"site":"example.fi","url":"https://example.fi/","pageview":"a","ip":"1.2.3.4"`), nil, false, 400},
		{"repeated field", "POST", "/api/event", pv(`"site":"example.fi","site":"example.fi","url":"https://example.fi/","pageview":"a"`), nil, false, 400},
		{"field of the other kind", "POST", "/api/event", pv(`"site":"example.fi","url":"https://example.fi/","pageview":"a","duration_ms":5`), nil, false, 400},
		{"bad UTF-8", "POST", "/api/event", pv(`"site":"example.fi","url":"https://example.fi/` + "\xff\xfe" + `","pageview":"a"`), nil, false, 400},
		{"lone surrogate escape", "POST", "/api/event", pv(`"site":"example.fi","url":"https://example.fi/\ud800","pageview":"a"`), nil, false, 400},
		{"control character", "POST", "/api/event", pv(`"site":"example.fi","url":"https://example.fi/` + "\x01" + `","pageview":"a"`), nil, false, 400},
		{"missing kind", "POST", "/api/event", `{"site":"example.fi","pageview":"a","duration_ms":5}`, nil, false, 400},
		{"missing site", "POST", "/api/event", pv(`"url":"https://example.fi/","pageview":"a"`), nil, false, 400},
		{"missing url", "POST", "/api/event", pv(`"site":"example.fi","pageview":"a"`), nil, false, 400},
		{"missing pageview", "POST", "/api/event", pv(`"site":"example.fi","url":"https://example.fi/"`), nil, false, 400},
		{"missing duration", "POST", "/api/event", `{"kind":"leave","site":"example.fi","pageview":"a"}`, nil, false, 400},
		{"pageview id with spaces", "POST", "/api/event", pv(`"site":"example.fi","url":"https://example.fi/","pageview":"a b"`), nil, false, 400},
		{"URL of another site", "POST", "/api/event", pv(`"site":"example.fi","url":"https://evil.example/","pageview":"a"`), nil, false, 400},
		{"URL relative", "POST", "/api/event", pv(`"site":"example.fi","url":"/a","pageview":"a"`), nil, false, 400},
		{"URL javascript", "POST", "/api/event", pv(`"site":"example.fi","url":"javascript:alert(1)","pageview":"a"`), nil, false, 400},
		{"URL localhost not allowed", "POST", "/api/event", pv(`"site":"example.fi","url":"http://localhost:8080/","pageview":"a"`), []string{"Origin", ""}, false, 400},
		{"forged site", "POST", "/api/event", strings.Replace(goodPageView, `"site":"example.fi"`, `"site":"evil.example"`, 1), nil, false, 403},
		{"forged Origin", "POST", "/api/event", goodPageView, []string{"Origin", "https://evil.example"}, false, 403},
		{"Origin suffix trick", "POST", "/api/event", goodPageView, []string{"Origin", "https://notexample.fi"}, false, 403},
		{"Origin null", "POST", "/api/event", goodPageView, []string{"Origin", "null"}, false, 403},
		{"wrong method GET", "GET", "/api/event", "", nil, false, 405},
		{"wrong method PUT", "PUT", "/api/event", goodPageView, nil, false, 405},
		{"wrong content type form", "POST", "/api/event", goodPageView, []string{"Content-Type", "application/x-www-form-urlencoded"}, false, 415},
		{"wrong content type missing", "POST", "/api/event", goodPageView, []string{"Content-Type", ""}, false, 415},
		{"preflight foreign origin", "OPTIONS", "/api/event", "", []string{"Origin", "https://evil.example"}, false, 403},
		{"gif unknown site", "GET", "/api/event.gif?site=evil.example&url=https://example.fi/", "", nil, false, 403},
		{"gif unknown parameter", "GET", "/api/event.gif?site=example.fi&url=https://example.fi/&ip=1.2.3.4", "", nil, false, 400},
		{"gif repeated parameter", "GET", "/api/event.gif?site=example.fi&site=example.fi&url=https://example.fi/", "", nil, false, 400},
		{"gif bad UTF-8", "GET", "/api/event.gif?site=example.fi&url=https://example.fi/%FF", "", nil, false, 400},
		{"gif no url", "GET", "/api/event.gif?site=example.fi", "", []string{"Referer", ""}, false, 400},
		{"gif leave", "GET", "/api/event.gif?kind=leave&site=example.fi&url=https://example.fi/", "", nil, false, 400},
		{"gif wrong method", "POST", "/api/event.gif?site=example.fi&url=https://example.fi/", "", nil, false, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunk {
				body = io.MultiReader(body) // hides the length
			}
			r := httptest.NewRequest(tt.method, tt.path, body)
			if tt.chunk {
				r.ContentLength = -1
			}
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("User-Agent", chromeUA)
			r.Header.Set("Origin", "https://example.fi")
			for i := 0; i+1 < len(tt.hdr); i += 2 {
				if tt.hdr[i+1] == "" {
					r.Header.Del(tt.hdr[i])
				} else {
					r.Header.Set(tt.hdr[i], tt.hdr[i+1])
				}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d (%s)", w.Code, tt.status, strings.TrimSpace(w.Body.String()))
			}
			if strings.Contains(w.Body.String(), "1.2.3.4") || strings.Contains(w.Body.String(), "Chrome/131") {
				t.Errorf("response echoes request data: %q", w.Body.String())
			}
		})
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st); n != (counts{}) {
		t.Errorf("rejected requests stored something: %+v", n)
	}
}

func TestAccept(t *testing.T) {
	st := openStore(t)
	now := time.Date(2026, 3, 1, 12, 0, 0, 500e6, time.UTC)
	c := newCollector(t, st, func(cfg *Config) { cfg.Now = func() time.Time { return now } })
	h := handler(c)

	for _, tt := range []struct {
		name string
		body string
		hdr  []string
	}{
		{"pageview", `{"kind":"pageview","site":"Example.fi","url":"https://www.example.fi/blogi/ääkköset?utm_source=news&id=42&utm_campaign=kev%C3%A4t#top","referrer":"https://DuckDuckGo.com/?q=x","pageview":"p1"}`, nil},
		{"application/json", `{"kind":"pageview","site":"example.fi","url":"https://example.fi/","referrer":"https://example.fi/prev","pageview":"p2"}`, []string{"Content-Type", "application/json; charset=utf-8"}},
		{"extra origin", `{"kind":"pageview","site":"example.fi","url":"https://example.com/x","pageview":"p3"}`, []string{"Origin", "https://example.com", "User-Agent", firefoxUA}},
		{"no Origin", goodLeave, []string{"Origin", ""}},
		{"leave", `{"kind":"leave","site":"example.fi","pageview":"p1","duration_ms":4000}`, nil},
	} {
		w := post(h, tt.body, tt.hdr...)
		if w.Code != http.StatusAccepted || w.Body.Len() != 0 {
			t.Errorf("%s: status %d body %q, want 202 and no body", tt.name, w.Code, w.Body.String())
		}
	}
	if got := post(h, goodPageView).Header().Get("Access-Control-Allow-Origin"); got != "https://example.fi" {
		t.Errorf("Access-Control-Allow-Origin = %q", got)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st); n.pageviews != 4 || n.leaves != 2 || n.bots != 0 {
		t.Fatalf("stored %+v, want 4 page views and 2 leaves", n)
	}
	var (
		ts                                                         int64
		site, id, path, src, med, camp, ref, browser, ver, os, dev string
		visitor, visit                                             int64
	)
	err := st.DB().QueryRow(`SELECT ts, site, visitor, visit, pageview_id, path, utm_source, utm_medium, utm_campaign, referrer_host, browser, browser_version, os, device FROM pageview_values WHERE pageview_id = 'p1'`).
		Scan(&ts, &site, &visitor, &visit, &id, &path, &src, &med, &camp, &ref, &browser, &ver, &os, &dev)
	if err != nil {
		t.Fatal(err)
	}
	if ts != now.Unix() || site != "example.fi" || path != "/blogi/ääkköset" || src != "news" || med != "" || camp != "kevät" ||
		ref != "duckduckgo.com" || browser != "Chrome" || ver != "131" || os != "Windows" || dev != "desktop" || visitor == 0 || visit == 0 {
		t.Errorf("stored page view: ts=%d site=%q path=%q utm=%q/%q/%q ref=%q browser=%q %q os=%q dev=%q visitor=%d visit=%d",
			ts, site, path, src, med, camp, ref, browser, ver, os, dev, visitor, visit)
	}
	// Same visitor, same visit: the second page view; same-site referrer empty.
	var visit2 int64
	if err := st.DB().QueryRow(`SELECT visit, referrer_host FROM pageview_values WHERE pageview_id = 'p2'`).Scan(&visit2, &ref); err != nil {
		t.Fatal(err)
	}
	if visit2 != visit || ref != "" {
		t.Errorf("second page view: visit %d (first %d), referrer %q", visit2, visit, ref)
	}
	var ms int64
	if err := st.DB().QueryRow(`SELECT duration_ms FROM leaves WHERE pageview_id = 'p1'`).Scan(&ms); err != nil || ms != 4000 {
		t.Errorf("leave duration %d (%v), want 4000", ms, err)
	}
}

func TestGIF(t *testing.T) {
	st := openStore(t)
	c := newCollector(t, st, func(cfg *Config) { cfg.Sites[0].Consent = analytics.ConsentExempt })
	h := handler(c)
	r := httptest.NewRequest("GET", "/api/event.gif?site=example.fi", nil)
	r.Header.Set("Referer", "https://example.fi/noscript?utm_medium=email")
	r.Header.Set("User-Agent", firefoxUA)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/gif" || w.Header().Get("Cache-Control") != "no-store" || !bytes.Equal(w.Body.Bytes(), gif) {
		t.Fatalf("status %d, headers %v, %d bytes", w.Code, w.Header(), w.Body.Len())
	}
	r = httptest.NewRequest("GET", "/api/event.gif?site=example.fi&url=https%3A%2F%2Fexample.fi%2Fother&referrer=https%3A%2F%2Fwww.bing.com%2F&pageview=g2", nil)
	r.Header.Set("User-Agent", firefoxUA)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	c.Close(context.Background())
	rows, err := st.DB().Query(`SELECT path, utm_medium, referrer_host, browser FROM pageview_values ORDER BY path`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var p, m, ref, b string
		rows.Scan(&p, &m, &ref, &b)
		got = append(got, p+"|"+m+"|"+ref+"|"+b)
	}
	want := []string{"/noscript|email||Firefox", "/other||www.bing.com|Firefox"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("stored %q, want %q", got, want)
	}
}

func TestGIFImage(t *testing.T) {
	// The answer must really be a 1×1 image.
	img, err := decodeGIF(gif)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1 || b.Dy() != 1 {
		t.Errorf("GIF is %v", b)
	}
}

func TestDNTBotsAndLocal(t *testing.T) {
	st := openStore(t)
	c := newCollector(t, st, nil)
	h := handler(c)
	for _, hdr := range [][]string{{"Dnt", "1"}, {"Sec-Gpc", "1"}} {
		if w := post(h, goodPageView, hdr...); w.Code != 202 {
			t.Errorf("%s: status %d, want 202", hdr[0], w.Code)
		}
	}
	for _, ua := range []string{"curl/8.11.0", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", ""} {
		if w := post(h, goodPageView, "User-Agent", ua); w.Code != 202 {
			t.Errorf("bot %q: status %d", ua, w.Code)
		}
		if w := post(h, goodLeave, "User-Agent", ua); w.Code != 202 {
			t.Errorf("bot %q leave: status %d", ua, w.Code)
		}
	}
	// /healthz counts bot hits as the reports do: the bots' page views,
	// not their leaves.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	var health struct{ Bots int64 }
	if err := json.Unmarshal(w.Body.Bytes(), &health); err != nil || health.Bots != 3 {
		t.Errorf("healthz bots = %d (%v), want the 3 stored bot hits: %s", health.Bots, err, w.Body)
	}
	c.Close(context.Background())
	if n := count(t, st); n != (counts{bots: 3}) {
		t.Errorf("stored %+v, want 3 bot hits only", n)
	}

	// IgnoreDNT and AllowLocal.
	st = openStore(t)
	c = newCollector(t, st, func(cfg *Config) { cfg.IgnoreDNT = true; cfg.AllowLocal = true })
	h = handler(c)
	if w := post(h, goodPageView, "Dnt", "1", "Sec-Gpc", "1"); w.Code != 202 {
		t.Errorf("status %d", w.Code)
	}
	local := `{"kind":"pageview","site":"example.fi","url":"http://localhost:8080/dev","pageview":"loc"}`
	if w := post(h, local, "Origin", "http://localhost:8080"); w.Code != 202 {
		t.Errorf("local: status %d: %s", w.Code, w.Body)
	}
	c.Close(context.Background())
	if n := count(t, st); n.pageviews != 2 {
		t.Errorf("stored %+v, want 2 page views", n)
	}
}

func TestPreflight(t *testing.T) {
	c := newCollector(t, openStore(t), nil)
	h := handler(c)
	r := httptest.NewRequest("OPTIONS", "/api/event", nil)
	r.Header.Set("Origin", "https://www.example.fi")
	r.Header.Set("Access-Control-Request-Method", "POST")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "https://www.example.fi" || !strings.Contains(w.Header().Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Errorf("preflight: %d %v", w.Code, w.Header())
	}
}

// flakyStore fails Append while broken is set.
type flakyStore struct {
	*sqlite.Store
	mu     sync.Mutex
	broken bool
	calls  int
}

func (f *flakyStore) Append(ctx context.Context, b analytics.Batch) error {
	f.mu.Lock()
	f.calls++
	broken := f.broken
	f.mu.Unlock()
	if broken {
		return errors.New("disk full")
	}
	return f.Store.Append(ctx, b)
}

func (f *flakyStore) set(broken bool) {
	f.mu.Lock()
	f.broken = broken
	f.mu.Unlock()
}

// sizedStore states its append sizes (analytics.AppendSizer) and
// remembers the size of every batch it is given.
type sizedStore struct {
	*sqlite.Store
	batch, queue int
	mu           sync.Mutex
	sizes        []int
}

func (s *sizedStore) AppendSizes() (batch, queue int) { return s.batch, s.queue }

func (s *sizedStore) Append(ctx context.Context, b analytics.Batch) error {
	s.mu.Lock()
	s.sizes = append(s.sizes, len(b.PageViews))
	s.mu.Unlock()
	return s.Store.Append(ctx, b)
}

// TestQueueSizesOfTheStore: sizes the configuration leaves at zero are the
// store's, and sizes it sets win over them.
func TestQueueSizesOfTheStore(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		queue                QueueConfig
		wantBatch, wantQueue int
	}{
		{"unset", QueueConfig{}, 3, 50},
		{"set", QueueConfig{Size: 40, BatchSize: 4}, 4, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &sizedStore{Store: openStore(t), batch: 3, queue: 50}
			c := newCollector(t, st, func(cfg *Config) {
				cfg.Queue = tc.queue
				cfg.Queue.FlushInterval = time.Second // batches fill before a flush
			})
			h := handler(c)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
			var health struct{ Capacity int }
			if err := json.Unmarshal(w.Body.Bytes(), &health); err != nil || health.Capacity != tc.wantQueue {
				t.Errorf("healthz capacity %d (%v), want %d: %s", health.Capacity, err, tc.wantQueue, w.Body)
			}
			for i := range 2 * tc.wantBatch {
				if w := post(h, strings.Replace(goodPageView, "abc123", "id"+itoa(i), 1)); w.Code != 202 {
					t.Fatalf("status %d", w.Code)
				}
			}
			if err := c.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			if len(st.sizes) == 0 || st.sizes[0] != tc.wantBatch {
				t.Errorf("batches of %v page views, want the first of %d", st.sizes, tc.wantBatch)
			}
		})
	}
}

func TestStoreFailureAndBackpressure(t *testing.T) {
	st := &flakyStore{Store: openStore(t), broken: true}
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Queue = QueueConfig{Size: 4, BatchSize: 2, FlushInterval: 20 * time.Millisecond}
	})
	h := handler(c)
	accepted, full := 0, 0
	for i := range 50 {
		body := strings.Replace(goodPageView, "abc123", "id"+itoa(i), 1)
		switch w := post(h, body); w.Code {
		case 202:
			accepted++
		case 503:
			full++
			if w.Header().Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		default:
			t.Fatalf("status %d", w.Code)
		}
		time.Sleep(time.Millisecond)
	}
	if full == 0 || accepted == 0 || accepted > 4+2+1 {
		t.Fatalf("accepted %d, queue full %d: want the queue's bound to push back", accepted, full)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != 503 || !strings.Contains(w.Body.String(), "disk full") {
		t.Errorf("healthz while failing: %d %s", w.Code, w.Body)
	}
	st.set(false)
	deadline := time.Now().Add(5 * time.Second)
	for c.Health() != nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	if w.Code != 200 {
		t.Errorf("healthz after recovery: %d %s", w.Code, w.Body)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st.Store); n.pageviews != accepted {
		t.Errorf("stored %d page views, accepted %d", n.pageviews, accepted)
	}
}

func TestCloseGivesUp(t *testing.T) {
	st := &flakyStore{Store: openStore(t), broken: true}
	c := newCollector(t, st, func(cfg *Config) { cfg.Queue.FlushInterval = 10 * time.Millisecond })
	h := handler(c)
	if w := post(h, goodPageView); w.Code != 202 {
		t.Fatal(w.Code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := c.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "1 records not stored") {
		t.Errorf("Close: %v", err)
	}
	if w := post(h, goodPageView); w.Code != 503 {
		t.Errorf("after Close: status %d, want 503", w.Code)
	}
}

func TestNewErrors(t *testing.T) {
	st := openStore(t)
	for _, cfg := range []Config{
		{Sites: []request.Site{{Domain: "example.fi"}}},
		{Store: st},
		{Store: st, Sites: []request.Site{{Domain: "exa mple.fi"}}},
		{Store: st, Sites: []request.Site{{Domain: "example.fi"}, {Domain: "EXAMPLE.fi"}}},
	} {
		if _, err := New(context.Background(), cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// saltlessStore fails to make the day's salt while broken is set, as a
// damaged or full database does before any batch is written.
type saltlessStore struct {
	*sqlite.Store
	broken atomic.Bool
}

func (s *saltlessStore) Salt(ctx context.Context, t time.Time) ([]byte, error) {
	if s.broken.Load() {
		return nil, errors.New("database disk image is malformed")
	}
	return s.Store.Salt(ctx, t)
}

// TestHealthTellsRefusals: while every event is refused for the server's
// own reason, /healthz says so (not "ok"), and the log gets a line per
// interval with a count, not a line per event.
func TestHealthTellsRefusals(t *testing.T) {
	st := &saltlessStore{Store: openStore(t)}
	st.broken.Store(true)
	var log bytes.Buffer
	c := newCollector(t, st, func(cfg *Config) { cfg.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
	h := handler(c)
	health := func() (int, string) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
		return w.Code, w.Body.String()
	}
	if code, body := health(); code != 200 {
		t.Fatalf("healthz before any event: %d %s", code, body)
	}
	for i := range 500 {
		if w := post(h, strings.Replace(goodPageView, "abc123", "id"+itoa(i), 1)); w.Code != 503 {
			t.Fatalf("event %d: %d, want 503", i, w.Code)
		}
	}
	if code, body := health(); code != 503 || !strings.Contains(body, "refusing events") {
		t.Errorf("healthz while refusing every event: %d %s", code, body)
	}
	if lines := strings.Count(log.String(), "level=ERROR"); lines != 1 {
		t.Errorf("%d error lines for 500 refused events, want 1:\n%.500s", lines, log.String())
	}
	st.broken.Store(false)
	if w := post(h, goodPageView); w.Code != 202 {
		t.Fatalf("event after recovery: %d", w.Code)
	}
	if code, body := health(); code != 200 {
		t.Errorf("healthz after recovery: %d %s", code, body)
	}
}

// TestGatedFields: scroll depth and a hash router's route are stored only
// while the published statement describes them (Config.Described, then
// SetDescribed as serve learns it); otherwise the leave and the page view
// are stored without them.
func TestGatedFields(t *testing.T) {
	st := openStore(t)
	c := newCollector(t, st, func(cfg *Config) { cfg.Queue.FlushInterval = 10 * time.Millisecond })
	h := handler(c)
	send := func(id string) {
		t.Helper()
		for _, body := range []string{
			`{"kind":"pageview","site":"example.fi","url":"https://example.fi/app/#/hinnasto","pageview":"` + id + `"}`,
			`{"kind":"leave","site":"example.fi","pageview":"` + id + `","duration_ms":1000,"scroll":57}`,
		} {
			if w := post(h, body); w.Code != http.StatusAccepted {
				t.Fatalf("%s: %d %s", body, w.Code, w.Body)
			}
		}
	}
	send("undescribed")
	c.SetDescribed(map[string]bool{analytics.ScrollField: true, analytics.HashRouteField: true})
	send("described")
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	rows, err := st.DB().Query(`SELECT p.pageview_id, p.path, l.scroll_pct FROM pageview_values p JOIN leaves l USING (pageview_id)`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, path string
		var scroll int
		if err := rows.Scan(&id, &path, &scroll); err != nil {
			t.Fatal(err)
		}
		got[id] = fmt.Sprintf("%s %d", path, scroll)
	}
	if got["undescribed"] != "/app/ 0" || got["described"] != "/app/#/hinnasto 57" {
		t.Errorf("stored %v; want the route and depth only once described", got)
	}
}

// TestHealthShowsMail: with email configured, /healthz shows the mail
// spool's state under "mail", and a mail server that is down does not
// make the collector unhealthy.
func TestHealthShowsMail(t *testing.T) {
	type mail struct {
		Pending   int    `json:"pending"`
		LastError string `json:"last_error"`
	}
	c := newCollector(t, openStore(t), func(cfg *Config) {
		cfg.MailStatus = func() any { return mail{Pending: 2, LastError: "smtp 127.0.0.1:25: connection refused"} }
	})
	w := httptest.NewRecorder()
	handler(c).ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	var got struct {
		Status string
		Mail   *mail
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if w.Code != 200 || got.Status != "ok" || got.Mail == nil || got.Mail.Pending != 2 || got.Mail.LastError == "" {
		t.Errorf("healthz %d %s", w.Code, w.Body)
	}
}
