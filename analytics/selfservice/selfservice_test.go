package selfservice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/collect"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/analytics/sqlite"
)

const (
	firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	chrome  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)

// setup runs the real collector and the self-service over one real SQLite
// store, as seloste serve does, with a proxy in front of both.
func setup(t *testing.T) (mux *http.ServeMux, col *collect.Collector, store *sqlite.Store) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seloste.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sites := []request.Site{{Domain: "example.fi", Origins: []string{"example.com"}}, {Domain: "other.fi"}}
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	col, err = collect.New(ctx, collect.Config{Store: store, Sites: sites, TrustedProxies: proxies,
		Queue:     collect.QueueConfig{FlushInterval: time.Millisecond},
		Described: map[string]bool{analytics.ScrollField: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close(context.Background()) })
	h, err := New(Config{Store: store, Sites: sites, TrustedProxies: proxies})
	if err != nil {
		t.Fatal(err)
	}
	mux = http.NewServeMux()
	col.Register(mux)
	h.Register(mux)
	return mux, col, store
}

// visit sends a page view as a browser at ip with user agent ua would.
func visit(t *testing.T, mux http.Handler, ip, ua, id, path string) {
	t.Helper()
	send(t, mux, ip, ua, `{"kind":"pageview","site":"example.fi","url":"https://example.fi`+path+`","referrer":"","pageview":"`+id+`"}`)
}

// leave sends the visible time and scroll depth of page view id.
func leave(t *testing.T, mux http.Handler, ip, ua, id string, ms, scroll int) {
	t.Helper()
	send(t, mux, ip, ua, fmt.Sprintf(`{"kind":"leave","site":"example.fi","pageview":%q,"duration_ms":%d,"scroll":%d}`, id, ms, scroll))
}

// send posts an event body to the collector as the browser would.
func send(t *testing.T, mux http.Handler, ip, ua, body string) {
	t.Helper()
	r := httptest.NewRequest("POST", "https://example.fi/api/event", strings.NewReader(body))
	r.RemoteAddr = ip + ":40000"
	r.Header.Set("User-Agent", ua)
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("Origin", "https://example.fi")
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	if w.Code != http.StatusAccepted {
		t.Fatalf("%s: %d %s", body, w.Code, w.Body)
	}
}

func do(mux http.Handler, method, target, ip, ua, origin string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = ip + ":40001"
	r.Header.Set("User-Agent", ua)
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

// waitRows waits until the collector's batch writer has stored n page views.
func waitRows(t *testing.T, store *sqlite.Store, n int) {
	t.Helper()
	for i := 0; ; i++ {
		var got int
		store.DB().QueryRow(`SELECT COUNT(*) FROM pageviews`).Scan(&got)
		if got == n {
			return
		}
		if i == 500 {
			t.Fatalf("%d page views stored, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func decode[T any](t *testing.T, w *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	return v
}

func TestSeeAndEraseOwnDataOnly(t *testing.T) {
	mux, _, store := setup(t)
	visit(t, mux, "203.0.113.9", firefox, "me1", "/")
	visit(t, mux, "203.0.113.9", firefox, "me2", "/tietosuojaseloste/?utm_source=uutiskirje")
	visit(t, mux, "203.0.113.9", chrome, "sameip", "/")   // same IP, another browser
	visit(t, mux, "198.51.100.7", firefox, "sameua", "/") // same browser, another IP
	waitRows(t, store, 4)
	leave(t, mux, "203.0.113.9", firefox, "me1", 12345, 64)
	for i := 0; ; i++ {
		var n int
		store.DB().QueryRow(`SELECT COUNT(*) FROM leaves`).Scan(&n)
		if n == 1 {
			break
		}
		if i == 500 {
			t.Fatal("the leave was not stored")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The same browser sees exactly its two page views, with registry
	// fields only.
	w := do(mux, "GET", "https://example.fi/api/me", "203.0.113.9", firefox, "")
	me := decode[Me](t, w)
	if me.Site != "example.fi" || len(me.PageViews) != 2 || me.PageViews[0].ID != "me1" || me.PageViews[1].ID != "me2" ||
		me.Consent != analytics.ConsentRequired {
		t.Fatalf("GET /api/me = %+v", me)
	}
	if p := me.PageViews[0]; p.DurationMS == nil || *p.DurationMS != 12345 || p.ScrollPct == nil || *p.ScrollPct != 64 {
		t.Errorf("the leave's time and scroll depth: %+v", p)
	}
	if p := me.PageViews[1]; p.DurationMS != nil || p.ScrollPct != nil {
		t.Errorf("a page view without a leave shows a time or depth: %+v", p)
	}
	if p := me.PageViews[1]; p.Path != "/tietosuojaseloste/" || p.UTMSource != "uutiskirje" || p.Browser != "Firefox" || p.OS != "Linux" {
		t.Errorf("page view fields = %+v", p)
	}
	var raw struct{ PageViews []map[string]any }
	json.Unmarshal(w.Body.Bytes(), &raw)
	for key := range raw.PageViews[0] {
		if !isRegistryColumn(key) {
			t.Errorf("JSON key %q is not a column of the field registry", key)
		}
	}
	if got := w.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	if strings.Contains(w.Body.String(), "203.0.113.9") || strings.Contains(w.Body.String(), "Gecko") {
		t.Error("the answer holds the IP or the User-Agent")
	}

	// Behind a trusted proxy, the client is the forwarded address: the same id.
	w = do(mux, "GET", "/api/me?site=example.fi", "10.1.2.3", firefox, "https://example.fi", "X-Forwarded-For", "203.0.113.9")
	if got := decode[Me](t, w); got.Visitor != me.Visitor || len(got.PageViews) != 2 {
		t.Errorf("via the proxy: %+v", got)
	}
	if w.Header().Get("Access-Control-Allow-Origin") != "https://example.fi" {
		t.Error("no CORS header for the site's own origin")
	}
	// An untrusted peer's X-Forwarded-For is not believed: another visitor.
	w = do(mux, "GET", "/api/me?site=example.fi", "192.0.2.1", firefox, "", "X-Forwarded-For", "203.0.113.9")
	if got := decode[Me](t, w); len(got.PageViews) != 0 {
		t.Errorf("a forged X-Forwarded-For reached someone's data: %+v", got)
	}
	// An id in the request is not accepted: there is no way to name one.
	w = do(mux, "GET", "/api/me?site=example.fi&visitor="+me.Visitor, "192.0.2.1", chrome, "")
	if got := decode[Me](t, w); len(got.PageViews) != 0 {
		t.Errorf("?visitor= reached someone's data: %+v", got)
	}

	// Refusals: unknown site, foreign Origin, DELETE without Origin.
	for _, tc := range []struct {
		method, target, origin string
		want                   int
	}{
		{"GET", "https://evil.example/api/me", "", http.StatusForbidden},
		{"GET", "/api/me?site=evil.example", "", http.StatusForbidden},
		{"GET", "/api/me?site=example.fi", "https://evil.example", http.StatusForbidden},
		{"DELETE", "/api/me?site=example.fi", "", http.StatusForbidden},
		{"DELETE", "/api/me?site=example.fi", "https://evil.example", http.StatusForbidden},
		{"DELETE", "/api/me?site=example.fi", "null", http.StatusForbidden},
		{"DELETE", "/api/me?site=other.fi", "https://example.fi", http.StatusForbidden},
		{"OPTIONS", "/api/me?site=example.fi", "https://evil.example", http.StatusForbidden},
		{"OPTIONS", "/api/me?site=example.fi", "https://example.com", http.StatusNoContent},
		{"PUT", "/api/me?site=example.fi", "https://example.fi", http.StatusMethodNotAllowed},
	} {
		if w := do(mux, tc.method, tc.target, "203.0.113.9", firefox, tc.origin); w.Code != tc.want {
			t.Errorf("%s %s Origin %q: %d, want %d", tc.method, tc.target, tc.origin, w.Code, tc.want)
		}
	}
	waitRows(t, store, 4) // nothing was erased by a refused request

	// Erase: only my two page views go.
	w = do(mux, "DELETE", "https://www.example.fi/api/me", "203.0.113.9", firefox, "https://www.example.fi")
	del := decode[Deleted](t, w)
	if del.Deleted.PageViews != 2 || del.Visitor != me.Visitor {
		t.Errorf("DELETE = %+v", del)
	}
	waitRows(t, store, 2)
	if got := decode[Me](t, do(mux, "GET", "/api/me?site=example.fi", "203.0.113.9", firefox, "")); len(got.PageViews) != 0 {
		t.Errorf("after DELETE: %+v", got)
	}
	if got := decode[Me](t, do(mux, "GET", "/api/me?site=example.fi", "203.0.113.9", chrome, "")); len(got.PageViews) != 1 {
		t.Errorf("the other browser's page view went too: %+v", got)
	}
}

func isRegistryColumn(key string) bool {
	if key == "events" {
		return true // the events table's rows, whose keys are its columns
	}
	for _, c := range analytics.Columns() {
		if strings.HasSuffix(c, "."+key) && (strings.HasPrefix(c, "pageviews.") || strings.HasPrefix(c, "leaves.")) {
			return true
		}
	}
	return false
}

func TestBusyAnswers429(t *testing.T) {
	_, _, store := setup(t)
	h, err := New(Config{Store: store, Sites: []request.Site{{Domain: "example.fi"}}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	for range MaxConcurrent {
		h.busy <- struct{}{}
	}
	w := do(mux, "GET", "/api/me?site=example.fi", "203.0.113.9", firefox, "")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Errorf("busy: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	<-h.busy
	if w := do(mux, "GET", "/api/me?site=example.fi", "203.0.113.9", firefox, ""); w.Code != http.StatusOK {
		t.Errorf("with a free slot: %d", w.Code)
	}
}
