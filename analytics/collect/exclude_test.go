package collect

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics/request"
)

// TestExclusions: page views of excluded paths and events from excluded
// addresses are answered 202 like any other and leave nothing in the
// store; /healthz counts them.
func TestExclusions(t *testing.T) {
	st := openStore(t)
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Sites = []request.Site{{Domain: "example.fi", ExcludeIPs: []string{"192.0.2.0/24"}, ExcludePaths: []string{"/admin/**"}}}
	})
	h := handler(c)
	send := func(body, addr string) {
		t.Helper()
		r := httptest.NewRequest("POST", "/api/event", strings.NewReader(body))
		r.Header.Set("Content-Type", "text/plain")
		r.Header.Set("User-Agent", chromeUA)
		r.Header.Set("Origin", "https://example.fi")
		r.RemoteAddr = addr + ":40000"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusAccepted {
			t.Fatalf("%s from %s: %d %s", body, addr, w.Code, w.Body)
		}
	}
	pv := func(path, id string) string {
		return `{"kind":"pageview","site":"example.fi","url":"https://example.fi` + path + `","pageview":"` + id + `"}`
	}
	send(pv("/admin/users", "x1"), "198.51.100.1")
	send(pv("/admin", "x2"), "198.51.100.1")
	send(pv("/", "x3"), "192.0.2.55")
	send(`{"kind":"leave","site":"example.fi","pageview":"x3","duration_ms":1000}`, "192.0.2.55")
	send(pv("/administrator", "kept"), "198.51.100.1")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/healthz", nil))
	var health struct {
		Excluded int64 `json:"excluded"`
	}
	json.Unmarshal(w.Body.Bytes(), &health)
	if health.Excluded != 4 {
		t.Errorf("excluded = %d, want 4", health.Excluded)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := count(t, st); n.pageviews != 1 || n.leaves != 0 {
		t.Errorf("stored %+v, want only the page view of /administrator", n)
	}
	var id string
	st.DB().QueryRow(`SELECT pageview_id FROM pageview_values`).Scan(&id)
	if id != "kept" {
		t.Errorf("stored page view %q, want kept", id)
	}
}
