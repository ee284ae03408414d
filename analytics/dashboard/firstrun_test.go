package dashboard

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/sqlite"
)

// firstRunServer is the dashboard on a loopback server over an empty
// SQLite store, with a logged-in owner's session cookie.
type firstRunServer struct {
	*fixture
	store  *sqlite.Store
	srv    *httptest.Server
	cookie *http.Cookie
}

func newFirstRunServer(t *testing.T) *firstRunServer {
	t.Helper()
	f := newFixture(t)
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seloste.db"),
		sqlite.WithClock(func() time.Time { return f.now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f.h.cfg.Reporter = store
	_, c := f.login(t, testPassword, "192.0.2.7")
	if c == nil {
		t.Fatal("no session")
	}
	srv := httptest.NewServer(f.h) // 127.0.0.1
	t.Cleanup(srv.Close)
	return &firstRunServer{fixture: f, store: store, srv: srv, cookie: c}
}

// page GETs path from the server as the logged-in owner, with the Host
// and other headers given as "Name: value", and returns the body.
func (s *firstRunServer) page(t *testing.T, path string, headers ...string) string {
	t.Helper()
	req, err := http.NewRequest("GET", s.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(s.cookie)
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ": ")
		if name == "Host" {
			req.Host = value
			continue
		}
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return string(body)
}

func (s *firstRunServer) append(t *testing.T, b analytics.Batch) {
	t.Helper()
	if err := s.store.Append(context.Background(), b); err != nil {
		t.Fatal(err)
	}
}

var (
	tagRE     = regexp.MustCompile(`<pre class="tag"><code>([^<]*)</code></pre>`)
	refreshRE = regexp.MustCompile(`<meta http-equiv="refresh" content="10">`)
)

// firstRunTag is the tracker tag a page shows, as the owner copies it;
// "" when it shows none.
func firstRunTag(t *testing.T, body string) string {
	t.Helper()
	m := tagRE.FindAllStringSubmatch(body, -1)
	switch len(m) {
	case 0:
		return ""
	case 1:
		return html.UnescapeString(m[0][1])
	}
	t.Fatalf("%d tracker tags on one page", len(m))
	return ""
}

// TestFirstRun: an empty store shows, in each language, the waiting text,
// the exact tag for the site and the collector the owner reached, and
// reloads itself; bot hits do not end it, a page view does.
func TestFirstRun(t *testing.T) {
	s := newFirstRunServer(t)
	wantTag := `<script defer src="` + s.srv.URL + `/s.js" data-site="example.fi"></script>`
	for _, lang := range []string{"fi", "sv", "en"} {
		body := s.page(t, "/dashboard?period=7d&lang="+lang)
		text := html.UnescapeString(body)
		for _, key := range []string{"firstrun.title", "firstrun.browser", "firstrun.nogeo"} {
			if !strings.Contains(text, messages[lang][key]) {
				t.Errorf("%s: the first-run page lacks %s %q", lang, key, messages[lang][key])
			}
		}
		if got := firstRunTag(t, body); got != wantTag {
			t.Errorf("%s: tag\n%s\nwant\n%s", lang, got, wantTag)
		}
		if !refreshRE.MatchString(body) {
			t.Errorf("%s: the first-run page does not reload itself", lang)
		}
		if strings.Contains(body, `id="total-visitors"`) || strings.Contains(body, `class="chartbox"`) {
			t.Errorf("%s: the first-run page shows empty totals or charts", lang)
		}
		if strings.Contains(body, "firstrun-bots") {
			t.Errorf("%s: bot hits shown before any", lang)
		}
	}

	// A headless browser's visit is a bot hit: the page says the tag works.
	s.append(t, analytics.Batch{Bots: []analytics.BotHit{{Time: s.now.UTC(), Site: "example.fi"}}})
	body := s.page(t, "/dashboard?period=7d&lang=en")
	if firstRunTag(t, body) != wantTag || !strings.Contains(body, `id="firstrun-bots"`) ||
		!strings.Contains(html.UnescapeString(body), "Bot hits so far: 1.") {
		t.Errorf("after a bot hit: want the first-run page with the bot count, got\n%s", body)
	}

	// One page view, months before the period shown: the normal dashboard,
	// for this site only.
	pv := knownViews(s.now)[0]
	pv.Time = s.now.AddDate(0, -3, 0).UTC()
	s.append(t, analytics.Batch{PageViews: []analytics.PageView{pv}})
	for _, lang := range []string{"fi", "sv", "en"} {
		body := s.page(t, "/dashboard?period=7d&lang="+lang)
		text := html.UnescapeString(body)
		if firstRunTag(t, body) != "" || refreshRE.MatchString(body) || strings.Contains(body, "http-equiv") ||
			strings.Contains(text, messages[lang]["firstrun.title"]) || strings.Contains(text, messages[lang]["firstrun.nogeo"]) {
			t.Errorf("%s: first-run parts after a page view:\n%s", lang, body)
		}
		if !strings.Contains(body, `id="total-visitors"`) {
			t.Errorf("%s: no totals after a page view", lang)
		}
	}
	other := s.page(t, "/dashboard?site=toinen.fi&period=7d")
	if got, want := firstRunTag(t, other), strings.ReplaceAll(wantTag, "example.fi", "toinen.fi"); got != want {
		t.Errorf("the other site, still without page views: tag %q, want %q", got, want)
	}
}

// TestFirstRunCollectorScheme: the tag's collector is the address the
// owner reached, https only when the request came over TLS or through a
// trusted proxy that says so, as for the cookies and share links.
func TestFirstRunCollectorScheme(t *testing.T) {
	s := newFirstRunServer(t)
	proxied := []string{"Host: stats.example.fi", "X-Forwarded-Proto: https"}
	tag := func(base string) string {
		return `<script defer src="` + base + `/s.js" data-site="example.fi"></script>`
	}
	if got, want := firstRunTag(t, s.page(t, "/dashboard", proxied...)), tag("http://stats.example.fi"); got != want {
		t.Errorf("through an untrusted peer: tag %q, want %q", got, want)
	}
	s.h.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	if got, want := firstRunTag(t, s.page(t, "/dashboard", proxied...)), tag("https://stats.example.fi"); got != want {
		t.Errorf("through a trusted proxy: tag %q, want %q", got, want)
	}
	if got, want := firstRunTag(t, s.page(t, "/dashboard", "Host: stats.example.fi")), tag("http://stats.example.fi"); got != want {
		t.Errorf("through a trusted proxy over http: tag %q, want %q", got, want)
	}
}

// TestFirstRunLocationHint: how to get a location database is said only
// while none is loaded.
func TestFirstRunLocationHint(t *testing.T) {
	s := newFirstRunServer(t)
	var loaded atomic.Bool
	s.h.cfg.HasLocations = loaded.Load
	for _, on := range []bool{false, true, false} {
		loaded.Store(on)
		body := s.page(t, "/dashboard?lang=en")
		if firstRunTag(t, body) == "" {
			t.Fatal("no first-run page")
		}
		hint := strings.Contains(body, `id="firstrun-geo"`) && strings.Contains(body, "seloste geoip update")
		if hint == on {
			t.Errorf("location database loaded %v: hint shown %v", on, hint)
		}
	}
}

// TestFirstRunLeavesAPIAndShareAlone: the stats API is the store's report
// document byte for byte, and a public share page of a site without page
// views shows no tag and does not reload.
func TestFirstRunLeavesAPIAndShareAlone(t *testing.T) {
	s := newFirstRunServer(t)
	req, _ := http.NewRequest("GET", s.srv.URL+"/api/stats?site=example.fi&period=7d", nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("API: %d %s", resp.StatusCode, got)
	}
	p, err := s.h.parseParams(url.Values{"site": {"example.fi"}, "period": {"7d"}}, apiDefaultLimit)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.store.Report(context.Background(), s.h.query(p, s.h.cfg.MinVisitors))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(rep)
	if string(got) != string(want)+"\n" {
		t.Errorf("API on an empty store:\n%s\nwant the report document\n%s", got, want)
	}

	a, err := auth.Load(s.authFile)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := a.AddShare("example.fi", s.now)
	if err := a.Save(s.authFile); err != nil {
		t.Fatal(err)
	}
	resp, err = http.Get(s.srv.URL + "/share/" + id)
	if err != nil {
		t.Fatal(err)
	}
	share, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || firstRunTag(t, string(share)) != "" || strings.Contains(string(share), "http-equiv") ||
		strings.Contains(string(share), `id="firstrun"`) {
		t.Errorf("share page of a site without page views: %d\n%s", resp.StatusCode, share)
	}
}

func TestTrackerTag(t *testing.T) {
	for _, c := range []struct{ collector, site, want string }{
		{"https://stats.example.fi", "example.fi",
			`<script defer src="https://stats.example.fi/s.js" data-site="example.fi"></script>`},
		{"http://127.0.0.1:8080", "localhost",
			`<script defer src="http://127.0.0.1:8080/s.js" data-site="localhost" data-allow-local></script>`},
		{`http://a"b`, `x"y`, `<script defer src="http://a&#34;b/s.js" data-site="x&#34;y"></script>`},
	} {
		if got := trackerTag(c.collector, c.site); got != c.want {
			t.Errorf("trackerTag(%q, %q) = %s, want %s", c.collector, c.site, got, c.want)
		}
	}
}
