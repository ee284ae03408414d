package dashboard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
)

func init() {
	auth.DefaultParams = auth.Params{Memory: 64, Time: 1, Threads: 1}
}

const testPassword = "oikein pitkä salasana"

// fixedReporter returns one known report and remembers the queries.
type fixedReporter struct {
	mu      sync.Mutex
	queries []analytics.Query
	// imported: the period's first day is imported (imported_test.go).
	imported bool
	consent  analytics.ConsentTotals // the period's consent counts (SetConsent)
	// delay: each report takes this long, or until its context ends.
	delay time.Duration
}

func (f *fixedReporter) Report(ctx context.Context, q analytics.Query) (*analytics.Report, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return nil, fmt.Errorf("counting: %w", ctx.Err())
	}
	rep := &analytics.Report{
		Site: q.Site, From: q.From, To: q.To, Zone: q.Zone, Interval: analytics.Day,
		Totals:   analytics.Totals{Visitors: 1234, Visits: 1500, PageViews: 4321, ViewsPerVisit: 2.88, BounceRate: 0.42, AvgVisitDuration: 95, AvgTimeOnPage: 31, Bots: 7},
		Previous: analytics.Totals{Visitors: 1000, Visits: 1500, PageViews: 5000, ViewsPerVisit: 3.3, BounceRate: 0.4, AvgVisitDuration: 80, AvgTimeOnPage: 35, Bots: 0},
		Breakdowns: map[analytics.Dimension][]analytics.Row{
			analytics.DimPage:        {{Value: "/", Visitors: 900, PageViews: 2000, AvgTime: 20}, {Value: "/hinnasto", Visitors: 300, PageViews: 400, AvgTime: 65, AvgScroll: 62.44, ScrolledViews: 250, ScrolledVisitors: 200}, {Value: analytics.Other, Visitors: 34, PageViews: 40}},
			analytics.DimCountry:     {{Value: "FI", Name: "Finland", Visitors: 1200}, {Value: "SE", Name: "Sweden", Visitors: 34}},
			analytics.DimDevice:      {{Value: "mobile", Visitors: 700}, {Value: "desktop", Visitors: 534}},
			analytics.DimUTMCampaign: {{Value: "=cmd()", Visitors: 3, Visits: 3}},
			analytics.DimReferrer:    {{Value: "", Visitors: 800, Visits: 900}, {Value: "duckduckgo.com", Visitors: 400, Visits: 450}},
			analytics.DimChannel:     {{Value: analytics.ChannelDirect, Visitors: 800, Visits: 900}, {Value: analytics.ChannelOrganicSearch, Visitors: 400, Visits: 450}},
		},
		Filters:     q.Filters,
		Realtime:    3,
		GeneratedAt: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC),
	}
	// A filter on a listed page narrows the totals to that page's row, so
	// a browser test can see a click change the numbers.
	for _, fl := range q.Filters {
		for _, r := range rep.Breakdowns[fl.Dim] {
			if r.Value == fl.Value {
				rep.Totals.Visitors = r.Visitors
			}
		}
	}
	for d := q.From; !d.After(q.To); d = d.AddDate(0, 0, 1) {
		rep.Series = append(rep.Series, analytics.Point{T: d, Visitors: 40, PageViews: 140})
	}
	f.mu.Lock()
	imported := f.imported
	analytics.SetConsent(rep, f.consent)
	f.mu.Unlock()
	switch day := q.From.Format(time.DateOnly); {
	case !imported:
	case q.ExcludeImported:
		rep.Imported = &analytics.ImportedUse{Reason: "left out"}
	case len(q.Filters) > 1:
		rep.Imported = &analytics.ImportedUse{Reason: "two families"}
	default:
		rep.Imported = &analytics.ImportedUse{Included: true, From: day, To: day, Days: 1}
		rep.Series[0].Imported = true
	}
	return rep, nil
}

// last is the last query of a page, API call or CSV: not one of the
// dashboard's page trends (trend.go), which follow the page's own.
func (f *fixedReporter) last() analytics.Query {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.queries) - 1; i > 0; i-- {
		if !isTrend(f.queries[i]) {
			return f.queries[i]
		}
	}
	return f.queries[0]
}

// isTrend reports whether q is a page trend's query: one row, page
// filter last, no goals.
func isTrend(q analytics.Query) bool {
	n := len(q.Filters)
	return q.Limit == 1 && q.Goals == nil && n > 0 && q.Filters[n-1].Dim == analytics.DimPage
}

type fixture struct {
	h        *Handler
	rep      *fixedReporter
	authFile string
	token    string
	now      time.Time
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{rep: &fixedReporter{}, authFile: filepath.Join(t.TempDir(), "seloste.auth")}
	a, err := auth.Load(f.authFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword(testPassword); err != nil {
		t.Fatal(err)
	}
	if f.token, err = a.AddToken("ci", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := a.Save(f.authFile); err != nil {
		t.Fatal(err)
	}
	zone, _ := time.LoadLocation("Europe/Helsinki")
	f.now = time.Date(2026, 11, 25, 12, 0, 0, 0, zone)
	f.h, err = New(Config{
		Reporter: f.rep, Sites: []string{"example.fi", "toinen.fi"}, Zone: zone, AuthFile: f.authFile,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:    func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// login goes through the login form and returns the session cookie.
func (f *fixture) login(t testing.TB, password, ip string) (*httptest.ResponseRecorder, *http.Cookie) {
	t.Helper()
	w := f.do(httptest.NewRequest("GET", "/dashboard/login", nil))
	m := csrfRE.FindStringSubmatch(w.Body.String())
	if w.Code != 200 || m == nil {
		t.Fatalf("login page: %d %s", w.Code, w.Body)
	}
	var nonce *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == loginCookie {
			nonce = c
		}
	}
	form := url.Values{"csrf": {m[1]}, "password": {password}, "next": {"/dashboard?period=7d"}}
	r := httptest.NewRequest("POST", "/dashboard/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Origin", "http://example.com")
	r.Host = "example.com"
	r.RemoteAddr = ip + ":5555"
	r.AddCookie(nonce)
	w = f.do(r)
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie && c.MaxAge >= 0 {
			return w, c
		}
	}
	return w, nil
}

func (f *fixture) get(target string, c *http.Cookie) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", target, nil)
	if c != nil {
		r.AddCookie(c)
	}
	return f.do(r)
}

func TestEveryAdminRouteNeedsCredentials(t *testing.T) {
	f := newFixture(t)
	html := []struct{ method, path string }{
		{"GET", "/dashboard"},
		{"GET", "/dashboard/"},
		{"GET", "/dashboard?site=example.fi&period=7d"},
		{"GET", "/dashboard/export.csv?breakdown=page"},
		{"GET", "/dashboard/anything"},
		{"POST", "/dashboard/logout"},
		{"POST", "/dashboard/share"},
		{"POST", "/dashboard/notes"},
		{"GET", "/dashboard/users"},
		{"POST", "/dashboard/users"},
		{"GET", "/dashboard/audit"},
	}
	for _, rt := range html {
		w := f.do(httptest.NewRequest(rt.method, rt.path, nil))
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/dashboard/login") {
			t.Errorf("%s %s without login: %d %q, want 303 to the login page", rt.method, rt.path, w.Code, w.Header().Get("Location"))
		}
	}
	// A forged or expired cookie is no better than none.
	bad := &http.Cookie{Name: sessionCookie, Value: "AAAA.BBBB"}
	if w := f.get("/dashboard", bad); w.Code != http.StatusSeeOther {
		t.Errorf("forged cookie: %d", w.Code)
	}
	for _, rt := range []struct{ method, path string }{{"GET", "/api/stats"}, {"GET", "/api/stats?site=example.fi"}, {"POST", "/api/stats"}, {"HEAD", "/api/stats"}} {
		w := f.do(httptest.NewRequest(rt.method, rt.path, nil))
		if w.Code != http.StatusUnauthorized || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s %s without credentials: %d %q, want 401 with a Bearer challenge", rt.method, rt.path, w.Code, w.Header().Get("WWW-Authenticate"))
		}
	}
	if len(f.rep.queries) != 0 {
		t.Fatalf("a report was computed for an anonymous request: %+v", f.rep.queries)
	}
	// The share path without a valid id is a plain 404.
	if w := f.get("/share/nope", nil); w.Code != http.StatusNotFound {
		t.Errorf("unknown share link: %d", w.Code)
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	w, c := f.login(t, "väärä salasana!!", "192.0.2.1")
	if c != nil || w.Code != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d, cookie %v", w.Code, c)
	}
	w, c = f.login(t, testPassword, "192.0.2.1")
	if c == nil || w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/dashboard?period=7d" {
		t.Fatalf("right password: %d %q cookie %v", w.Code, w.Header().Get("Location"), c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure {
		t.Errorf("cookie flags: HttpOnly=%v SameSite=%v Secure=%v (no TLS here)", c.HttpOnly, c.SameSite, c.Secure)
	}
	w = f.get("/dashboard?period=7d", c)
	if w.Code != 200 {
		t.Fatalf("dashboard: %d %s", w.Code, w.Body)
	}
	body := html.UnescapeString(w.Body.String())
	for _, want := range []string{
		"1\u00a0234",                    // visitors, Finnish grouping
		"+234 (+23,4\u00a0%)",           // change against the previous period
		"Kävijät", "Sivut", "/hinnasto", // Finnish labels and a row
		`<svg class="chart wide"`, `<title id="chart-title-narrow">`, // the chart, accessible
		"filter=page%3D%2Fhinnasto",       // clicking a row filters
		"/dashboard/export.csv?",          // CSV links
		"puhelin",                         // device names translated
		">Vieritetty</th>", "62,4\u00a0%", // a page's average scroll depth
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	q := f.rep.last()
	if q.Site != "example.fi" || q.From.Format("2006-01-02") != "2026-11-19" || q.To.Format("2006-01-02") != "2026-11-25" {
		t.Errorf("query %+v", q)
	}
	// A bad parameter is explained on the page, with the pickers still there.
	if w := f.get("/dashboard?period=viikko", c); w.Code != 400 || !strings.Contains(w.Body.String(), "Tuntematon aikaväli &#34;viikko&#34;") || !strings.Contains(w.Body.String(), "7 päivää") {
		t.Errorf("bad period on the dashboard: %d", w.Code)
	}
	// The session also opens the API.
	if w := f.get("/api/stats?period=today", c); w.Code != 200 {
		t.Errorf("API with a session: %d", w.Code)
	}
	// A new password logs the session out.
	a, _ := auth.Load(f.authFile)
	a.SetPassword("aivan toinen salasana")
	a.Save(f.authFile)
	if w := f.get("/dashboard", c); w.Code != http.StatusSeeOther {
		t.Errorf("session after a password change: %d", w.Code)
	}
}

func TestSessionExpires(t *testing.T) {
	f := newFixture(t)
	_, c := f.login(t, testPassword, "192.0.2.1")
	if c == nil {
		t.Fatal("no session")
	}
	f.now = f.now.Add(SessionTTL + time.Second)
	if w := f.get("/dashboard", c); w.Code != http.StatusSeeOther {
		t.Errorf("expired session: %d", w.Code)
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		w, c := f.login(t, "arvaus numero "+string(rune('a'+i))+"xx", "192.0.2.7")
		if w.Code != http.StatusUnauthorized || c != nil {
			t.Fatalf("attempt %d: %d", i+1, w.Code)
		}
	}
	w, c := f.login(t, testPassword, "192.0.2.7")
	if w.Code != http.StatusTooManyRequests || c != nil {
		t.Fatalf("6th attempt: %d, cookie %v; want 429 even with the right password", w.Code, c)
	}
	if ra := w.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	// Another client is not blocked by the first one's guesses.
	if _, c := f.login(t, testPassword, "192.0.2.8"); c == nil {
		t.Error("a second client was blocked")
	}
	// Behind a trusted proxy the client is the forwarded address.
	f.h.cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("192.0.2.7/32")}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "192.0.2.7:443"
	r.Header.Set("X-Forwarded-For", "203.0.113.5, 192.0.2.7")
	if k := f.h.clientKey(r); k != "203.0.113.5" {
		t.Errorf("client behind a trusted proxy: %q", k)
	}
	r.Header.Set("X-Forwarded-For", "2001:db8:1:2:3:4:5:6")
	if k := f.h.clientKey(r); k != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 client key: %q", k)
	}
	r.RemoteAddr = "198.51.100.1:443" // not trusted: its header is ignored
	if k := f.h.clientKey(r); k != "198.51.100.1" {
		t.Errorf("client via an untrusted peer: %q", k)
	}
	f.h.cfg.TrustedProxies = nil
	// After a minute one more attempt is allowed.
	f.now = f.now.Add(61 * time.Second)
	if _, c := f.login(t, testPassword, "192.0.2.7"); c == nil {
		t.Error("no attempt allowed after waiting")
	}
}

func TestLoginGlobalLimit(t *testing.T) {
	f := newFixture(t)
	limited := false
	for i := range 120 {
		w, _ := f.login(t, "wrong password here", "198.51.100."+string(rune('0'+i%10))+string(rune('0'+i/10%10)))
		if w.Code == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("many clients guessing were never limited")
	}
}

func TestBearerToken(t *testing.T) {
	f := newFixture(t)
	api := func(tok string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/api/stats?site=toinen.fi&period=month&filter=country=FI&limit=5", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return f.do(r)
	}
	w := api(f.token)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("API with the token: %d %s", w.Code, w.Body)
	}
	var doc struct {
		Site   string
		Totals map[string]float64
		Pages  []map[string]any
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("API body is not JSON: %v", err)
	}
	// The report document of the wire contract, as analytics.Report encodes itself.
	if doc.Site != "toinen.fi" || doc.Totals["visitors"] != 1200 || doc.Totals["bounce_rate"] != 0.42 ||
		len(doc.Pages) != 3 || doc.Pages[1]["path"] != "/hinnasto" || doc.Pages[1]["avg_scroll_pct"] != 62.4 || doc.Pages[0]["avg_scroll_pct"] != nil {
		t.Errorf("API document: %s", w.Body)
	}
	q := f.rep.last()
	if q.Site != "toinen.fi" || q.From.Format("2006-01-02") != "2026-11-01" || q.Limit != 5 ||
		len(q.Filters) != 1 || q.Filters[0] != (analytics.Filter{Dim: analytics.DimCountry, Value: "FI"}) {
		t.Errorf("query %+v", q)
	}
	if w := api(f.token + "x"); w.Code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", w.Code)
	}
	a, _ := auth.Load(f.authFile)
	if err := a.RevokeToken("ci"); err != nil {
		t.Fatal(err)
	}
	a.Save(f.authFile)
	if w := api(f.token); w.Code != http.StatusUnauthorized || !strings.Contains(w.Header().Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("revoked token: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}

func TestAPIBadParams(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ query, want string }{
		{"period=week", "period \"week\": use"},
		{"site=muu.fi", "unknown site"},
		{"to=2026-11-10", "parameter to: last day 2026-11-10 needs a first day too"},
		{"from=2026-11-10&to=2026-11-01", "before it begins"},
		{"from=10.11.2026&to=2026-11-11", `parameter from: first day "10.11.2026": not a date`},
		{"from=2026-11-01&to=2026-11-31", `parameter to: last day "2026-11-31": not a date`},
		{"period=7d&from=2026-11-01", "either period or from/to"},
		{"filter=maa=FI", "unknown dimension"},
		{"filter=country", "dimension=value"},
		{"limit=-1", "limit"},
		{"limit=10001", "to 10000"},
		{"from=2010-01-01&to=2026-01-01", "more than the"},
	} {
		r := httptest.NewRequest("GET", "/api/stats?"+tc.query, nil)
		r.Header.Set("Authorization", "Bearer "+f.token)
		w := f.do(r)
		var e struct{ Error string }
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 400 || !strings.Contains(e.Error, tc.want) {
			t.Errorf("%s: %d %q, want 400 mentioning %q", tc.query, w.Code, e.Error, tc.want)
		}
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t)
	_, c := f.login(t, testPassword, "192.0.2.1")
	page := f.get("/dashboard", c).Body.String()
	token := csrfRE.FindStringSubmatch(page)[1]
	post := func(form url.Values, hdr map[string]string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/dashboard/logout", strings.NewReader(form.Encode()))
		r.Host = "example.com"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		r.AddCookie(c)
		return f.do(r)
	}
	if w := post(url.Values{}, nil); w.Code != http.StatusForbidden {
		t.Errorf("POST without a CSRF token: %d", w.Code)
	}
	if w := post(url.Values{"csrf": {"forged"}}, nil); w.Code != http.StatusForbidden {
		t.Errorf("POST with a wrong CSRF token: %d", w.Code)
	}
	if w := post(url.Values{"csrf": {token}}, map[string]string{"Origin": "https://evil.example"}); w.Code != http.StatusForbidden {
		t.Errorf("POST from a foreign origin: %d", w.Code)
	}
	if w := post(url.Values{"csrf": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); w.Code != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", w.Code)
	}
	if w := f.get("/dashboard", c); w.Code != 200 {
		t.Fatalf("a refused logout logged out: %d", w.Code)
	}
	w := post(url.Values{"csrf": {token}}, map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	// The old cookie no longer works, even if a client kept it.
	if w := f.get("/dashboard", c); w.Code != http.StatusSeeOther {
		t.Errorf("cookie after logout: %d", w.Code)
	}
	// The login form itself refuses a POST without its nonce.
	r := httptest.NewRequest("POST", "/dashboard/login", strings.NewReader("password="+url.QueryEscape(testPassword)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if w := f.do(r); w.Code != http.StatusForbidden || len(w.Result().Cookies()) > 0 && w.Result().Cookies()[0].Name == sessionCookie {
		t.Errorf("login POST without the form's token: %d", w.Code)
	}
}

func TestShareLink(t *testing.T) {
	f := newFixture(t)
	_, c := f.login(t, testPassword, "192.0.2.1")
	page := f.get("/dashboard?site=toinen.fi", c).Body.String()
	token := csrfRE.FindStringSubmatch(page)[1]
	share := func(action string) {
		form := url.Values{"csrf": {token}, "site": {"toinen.fi"}, "action": {action}}
		r := httptest.NewRequest("POST", "/dashboard/share", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(c)
		if w := f.do(r); w.Code != http.StatusSeeOther {
			t.Fatalf("share %s: %d %s", action, w.Code, w.Body)
		}
	}
	share("create")
	a, _ := auth.Load(f.authFile)
	id := a.ShareID("toinen.fi")
	if id == "" {
		t.Fatal("no share link saved")
	}
	if !strings.Contains(f.get("/dashboard?site=toinen.fi", c).Body.String(), "/share/"+id) {
		t.Error("dashboard does not show the share link")
	}
	w := f.get("/share/"+id+"?period=7d&filter=page=/hinnasto&lang=en", nil)
	if w.Code != 200 {
		t.Fatalf("share page: %d", w.Code)
	}
	body := w.Body.String()
	q := f.rep.last()
	if q.Site != "toinen.fi" || len(q.Filters) != 0 || q.MinVisitors != DefaultShareMinVisitors || q.Interval != "" {
		t.Errorf("share query %+v: want the site, no filters, k=%d", q, DefaultShareMinVisitors)
	}
	if strings.Contains(body, "filter=") || strings.Contains(body, "csrf") || strings.Contains(body, "export.csv") {
		t.Error("share page offers filters, forms or downloads")
	}
	if !strings.Contains(body, "Visitors") || !strings.Contains(body, "1,234") {
		t.Error("share page lacks the English totals")
	}
	f.get("/share/"+id+"?period=today", nil)
	if q := f.rep.last(); q.Interval != analytics.Day {
		t.Errorf("share link asked for %q buckets for one day; want day, no hourly trail", q.Interval)
	}
	share("delete")
	if w := f.get("/share/"+id, nil); w.Code != http.StatusNotFound {
		t.Errorf("deleted share link: %d", w.Code)
	}
}

func TestExportCSV(t *testing.T) {
	f := newFixture(t)
	_, c := f.login(t, testPassword, "192.0.2.1")
	w := f.get("/dashboard/export.csv?site=example.fi&period=30d&breakdown=page", c)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", w.Code, w.Body)
	}
	if cd := w.Header().Get("Content-Disposition"); cd != `attachment; filename="example.fi-page-2026-10-27-2026-11-25.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if !strings.Contains(w.Body.String(), "/hinnasto,") || f.rep.last().Limit != MaxRows {
		t.Errorf("csv body %q, limit %d", w.Body, f.rep.last().Limit)
	}
	w = f.get("/dashboard/export.csv?breakdown=utm_campaign", c)
	if strings.Contains(w.Body.String(), "\n=cmd()") {
		t.Error("a formula was written into the CSV unescaped")
	}
	if w := f.get("/dashboard/export.csv?breakdown=nope", c); w.Code != 400 {
		t.Errorf("bad breakdown: %d", w.Code)
	}
}

func TestLanguage(t *testing.T) {
	f := newFixture(t)
	_, c := f.login(t, testPassword, "192.0.2.1")
	if b := f.get("/dashboard", c).Body.String(); !strings.Contains(b, `lang="fi"`) || !strings.Contains(b, "Kävijät") {
		t.Error("default is not Finnish")
	}
	if b := f.get("/dashboard?lang=en", c).Body.String(); !strings.Contains(b, `lang="en"`) || !strings.Contains(b, "Bounce rate") {
		t.Error("?lang=en is not English")
	}
	r := httptest.NewRequest("GET", "/dashboard/login", nil)
	r.Header.Set("Accept-Language", "en-GB,en;q=0.9,fi;q=0.5")
	if b := f.do(r).Body.String(); !strings.Contains(b, "Log in") {
		t.Error("Accept-Language en ignored")
	}
	r.Header.Set("Accept-Language", "de-DE,fi;q=0.8,en;q=0.5")
	if b := f.do(r).Body.String(); !strings.Contains(b, "Kirjaudu") {
		t.Error("Accept-Language fi ignored")
	}
	r.Header.Set("Accept-Language", "sv-FI,fi;q=0.8,en;q=0.5")
	if b := f.do(r).Body.String(); !strings.Contains(b, `lang="sv"`) || !strings.Contains(b, "Logga in") {
		t.Error("Accept-Language sv ignored")
	}
	// A language chosen in the URL beats the browser's and goes with the form.
	r = httptest.NewRequest("GET", "/dashboard/login?lang=sv", nil)
	r.Header.Set("Accept-Language", "fi")
	if b := f.do(r).Body.String(); !strings.Contains(b, "Logga in") || !strings.Contains(b, `<input type="hidden" name="lang" value="sv">`) {
		t.Error("?lang=sv ignored, or the login form does not keep it")
	}

	// ?lang=sv: the dashboard in Swedish, with Finnish number forms and
	// links to the same page in Finnish and English.
	b := f.get("/dashboard?site=example.fi&period=30d&lang=sv", c).Body.String()
	for _, want := range []string{`<html lang="sv">`, "Besöksstatistik", "Besökare", "Avvisningsfrekvens", "Kanaler", "Sökmotorer", "(direkt)", "Logga ut",
		`hreflang="fi" lang="fi">Suomeksi</a>`, `hreflang="en" lang="en">In English</a>`} {
		if !strings.Contains(b, want) {
			t.Errorf("the Swedish dashboard lacks %q", want)
		}
	}
	if strings.Contains(b, ">På svenska<") {
		t.Error("the Swedish dashboard links to itself")
	}
	if got := locale("sv").Pct(0.125); got != "12,5\u00a0%" {
		t.Errorf("Swedish percentage %q", got)
	}
}

// TestSwedishLabels: every label of the Finnish dashboard has a Swedish
// translation of its own (a missing one would fall back to Finnish).
func TestSwedishLabels(t *testing.T) {
	same := map[string]bool{"seconds.short": true, "minutes.short": true, "hours.short": true, "channel.Organic Video": true}
	for key, fi := range messages["fi"] {
		sv, ok := messages["sv"][key]
		switch {
		case !ok:
			t.Errorf("no Swedish for %q (%q)", key, fi)
		case sv == fi && !same[key]:
			t.Errorf("the Swedish for %q is the Finnish %q", key, fi)
		case strings.Count(sv, "%") != strings.Count(fi, "%"):
			t.Errorf("%q: the Swedish %q does not take the Finnish %q's arguments", key, sv, fi)
		}
	}
	for key := range messages["sv"] {
		if _, ok := messages["fi"][key]; !ok {
			t.Errorf("Swedish %q has no Finnish original", key)
		}
	}
}

// TestChannels: the channel breakdown on the page (Finnish and English
// names), in the CSV with visits, and no bots figure once filtered.
func TestChannels(t *testing.T) {
	f := newFixture(t)
	_, c := f.login(t, testPassword, "192.0.2.1")
	b := f.get("/dashboard?site=example.fi&period=30d", c).Body.String()
	for _, want := range []string{"Kanavat", "Hakukoneet", "Suora", "(suora)", "Botit"} {
		if !strings.Contains(b, want) {
			t.Errorf("the Finnish dashboard lacks %q", want)
		}
	}
	if b := f.get("/dashboard?site=example.fi&period=30d&lang=en", c).Body.String(); !strings.Contains(b, "Channels") || !strings.Contains(b, "Organic Search") {
		t.Error("the English dashboard lacks the channels")
	}
	if b := f.get("/dashboard?site=example.fi&period=30d&filter=channel=Direct", c).Body.String(); strings.Contains(b, "Botit") {
		t.Error("a filtered dashboard shows a bots figure")
	}
	w := f.get("/dashboard/export.csv?site=example.fi&period=30d&breakdown=channel", c)
	if w.Code != 200 || !strings.HasPrefix(w.Body.String(), "name,visitors,visits\nDirect,800,900\nOrganic Search,400,450\n") {
		t.Errorf("channels CSV: %d %q", w.Code, w.Body)
	}
	if q := f.rep.last(); len(q.Filters) != 0 {
		t.Errorf("CSV query %+v", q)
	}
}

func TestNoPasswordSet(t *testing.T) {
	f := newFixture(t)
	f.h.cfg.AuthFile = filepath.Join(t.TempDir(), "none.auth")
	w := f.get("/dashboard/login", nil)
	if !strings.Contains(w.Body.String(), "seloste passwd") {
		t.Error("login page does not say how to set a password")
	}
	if _, c := f.login(t, "", "192.0.2.1"); c != nil {
		t.Error("logged in without a password")
	}
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	w := f.get("/dashboard/login", nil)
	for k, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	} {
		if !strings.Contains(w.Header().Get(k), want) {
			t.Errorf("%s: %q", k, w.Header().Get(k))
		}
	}
}

// TestRegister mounts the handler next to a catch-all site and a collector
// route, as "seloste serve" does, and checks each path lands right.
func TestRegister(t *testing.T) {
	f := newFixture(t)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/event", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(202) })
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "site") })
	f.h.Register(mux) // must not panic on overlapping patterns
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/", 200},
		{"GET", "/tietosuojaseloste/", 200},
		{"POST", "/api/event", 202},
		{"GET", "/dashboard", 303},
		{"GET", "/dashboard/export.csv?breakdown=page", 303},
		{"GET", "/dashboard/login", 200},
		{"POST", "/dashboard/logout", 303},
		{"GET", "/api/stats", 401},
		{"HEAD", "/api/stats", 401},
		{"GET", "/share/nope", 404},
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, w.Code, tc.code)
		}
	}
}

// TestLoginFormsAreUsedOnce: a replayed login form is refused before the
// password is checked, and neither replays nor a flood of rate-limited
// guesses fill the log.
func TestLoginFormsAreUsedOnce(t *testing.T) {
	f := newFixture(t)
	var log bytes.Buffer
	f.h.log = slog.New(slog.NewTextHandler(&log, nil))
	w := f.do(httptest.NewRequest("GET", "/dashboard/login", nil))
	token := csrfRE.FindStringSubmatch(w.Body.String())[1]
	nonce := w.Result().Cookies()[0]
	send := func(password string) int {
		form := url.Values{"csrf": {token}, "password": {password}}
		r := httptest.NewRequest("POST", "/dashboard/login", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = "192.0.2.9:5555"
		r.AddCookie(nonce)
		return f.do(r).Code
	}
	if code := send("väärä salasana 1"); code != http.StatusUnauthorized {
		t.Fatalf("first use of the form: %d", code)
	}
	for i := range 200 {
		if code := send(testPassword); code != http.StatusForbidden {
			t.Fatalf("replay %d of the form: %d, want 403 (even with the right password)", i+1, code)
		}
	}
	// Fresh forms past the rate limit: 429 each, one log line.
	for i := range 50 {
		w, _ := f.login(t, "arvaus "+strconv.Itoa(i)+" pitkä", "192.0.2.9")
		if i >= 5 && w.Code != http.StatusTooManyRequests {
			t.Fatalf("guess %d: %d, want 429", i+1, w.Code)
		}
	}
	if n := strings.Count(log.String(), "rate-limited"); n != 1 {
		t.Errorf("%d rate-limited lines for 45 limited guesses, want 1", n)
	}
	if n := strings.Count(log.String(), "\n"); n > 10 {
		t.Errorf("%d log lines for replays and guesses:\n%.600s", n, log.String())
	}
	// A form older than an hour is refused too.
	w = f.do(httptest.NewRequest("GET", "/dashboard/login", nil))
	token, nonce = csrfRE.FindStringSubmatch(w.Body.String())[1], w.Result().Cookies()[0]
	f.now = f.now.Add(61 * time.Minute)
	if code := send(testPassword); code != http.StatusForbidden {
		t.Errorf("an expired form: %d, want 403", code)
	}
}

// TestLogoutSurvivesRestart: a logged-out session stays logged out when the
// server restarts (a new Handler on the same auth file).
func TestLogoutSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	_, c := f.login(t, testPassword, "192.0.2.1")
	token := csrfRE.FindStringSubmatch(f.get("/dashboard", c).Body.String())[1]
	r := httptest.NewRequest("POST", "/dashboard/logout", strings.NewReader(url.Values{"csrf": {token}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(c)
	if w := f.do(r); w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	restarted, err := New(Config{
		Reporter: f.rep, Sites: []string{"example.fi"}, AuthFile: f.authFile,
		Now: func() time.Time { return f.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.h = restarted
	if w := f.get("/dashboard", c); w.Code != http.StatusSeeOther {
		t.Errorf("the logged-out cookie after a restart: %d, want 303 to the login page", w.Code)
	}
	// Other sessions still work, and a new login too.
	if _, c2 := f.login(t, testPassword, "192.0.2.1"); c2 == nil || f.get("/dashboard", c2).Code != 200 {
		t.Error("a new login after the restart failed")
	}
}

// TestSharePagesAreCachedAndRateLimited: the same share page asked for
// again within a minute is one report, and one client asking for many
// different ones is told to slow down (429 with Retry-After).
func TestSharePagesAreCachedAndRateLimited(t *testing.T) {
	f := newFixture(t)
	a, _ := auth.Load(f.authFile)
	id, err := a.AddShare("example.fi", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a.Save(f.authFile)
	reports := func() int {
		f.rep.mu.Lock()
		defer f.rep.mu.Unlock()
		return len(f.rep.queries)
	}
	get := func(query, ip string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/share/"+id+query, nil)
		r.RemoteAddr = ip + ":4444"
		return f.do(r)
	}
	before := reports()
	for i := range 10 { // ten visitors of one link
		if w := get("?period=30d", "198.51.100."+strconv.Itoa(i+1)); w.Code != 200 {
			t.Fatalf("share page: %d", w.Code)
		}
	}
	if n := reports() - before; n != 1 {
		t.Errorf("ten views of the same share page made %d reports, want 1", n)
	}
	f.now = f.now.Add(2 * time.Minute)
	if get("?period=30d", "198.51.100.1"); reports()-before != 2 {
		t.Error("a cached share report outlived its minute")
	}
	// One client walking through periods: the burst, then 429.
	limited := 0
	for i := range 40 {
		w := get("?from=2026-10-01&to=2026-10-"+fmt.Sprintf("%02d", i%28+2), "203.0.113.9")
		if w.Code == http.StatusTooManyRequests {
			limited++
			if w.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		}
	}
	if limited == 0 || limited > 25 {
		t.Errorf("%d of 40 rapid share requests limited, want the ones past the burst of 20", limited)
	}
	if w := get("?period=7d", "203.0.113.10"); w.Code != 200 {
		t.Errorf("another client was limited too: %d", w.Code)
	}
}

// TestAPILimitIsBounded: limit=0 asks for as many rows as allowed, never
// more than MaxRows.
func TestAPILimitIsBounded(t *testing.T) {
	f := newFixture(t)
	for query, want := range map[string]int{"limit=0": MaxRows, "limit=5": 5, "": apiDefaultLimit} {
		r := httptest.NewRequest("GET", "/api/stats?"+query, nil)
		r.Header.Set("Authorization", "Bearer "+f.token)
		if w := f.do(r); w.Code != 200 || f.rep.last().Limit != want {
			t.Errorf("%q: %d, limit %d; want %d", query, w.Code, f.rep.last().Limit, want)
		}
	}
}

// The footer credits DB-IP while DB-IP's data is loaded (its licence asks
// for it), and only then; the answer is asked per page, so a reloaded
// database changes it without a restart.
func TestFooterCreditsDBIP(t *testing.T) {
	f := newFixture(t)
	var dbip atomic.Bool
	f.h.cfg.CreditDBIP = dbip.Load
	_, c := f.login(t, testPassword, "192.0.2.7")
	if c == nil {
		t.Fatal("no session")
	}
	const credit = `<a href="https://db-ip.com">IP geolocation by DB-IP</a>`
	for _, on := range []bool{false, true, false} {
		dbip.Store(on)
		for path, cookie := range map[string]*http.Cookie{"/dashboard/login": nil, "/dashboard?period=7d": c} {
			w := f.get(path, cookie)
			if w.Code != 200 {
				t.Fatalf("%s: %d", path, w.Code)
			}
			footer := w.Body.String()[strings.LastIndex(w.Body.String(), "<footer>"):]
			if got := strings.Contains(footer, credit); got != on {
				t.Errorf("%s with DB-IP data %v: footer %q", path, on, footer)
			}
		}
	}
}

// TestReportTimeout: a report that runs out of ReportTimeout answers 503
// saying what to do, on the page and in the API; one within it arrives
// whole although it takes longer than the server's WriteTimeout.
func TestReportTimeout(t *testing.T) {
	f := newFixture(t)
	_, cookie := f.login(t, testPassword, "192.0.2.7")
	if cookie == nil {
		t.Fatal("no session")
	}
	handler := func(limit time.Duration) *Handler {
		h, err := New(Config{Reporter: f.rep, Sites: []string{"example.fi"}, AuthFile: f.authFile, ReportTimeout: limit,
			Now: func() time.Time { return f.now }})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	api := func(base string) *http.Request {
		r := httptest.NewRequest("GET", base+"/api/stats?site=example.fi&period=7d", nil)
		r.Header.Set("Authorization", "Bearer "+f.token)
		return r
	}

	f.rep.delay = 5 * time.Second
	f.h = handler(50 * time.Millisecond)
	start := time.Now()
	w := f.do(api(""))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "took longer than 50ms") {
		t.Errorf("API past the limit: %d %s, want 503 naming the limit", w.Code, w.Body)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("API past the limit answered after %s, want about 50ms", took)
	}
	w = f.get("/dashboard?period=7d", cookie)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "kesti liian kauan") {
		t.Errorf("page past the limit: %d, want 503 with the Finnish message", w.Code)
	}
	w = f.get("/dashboard/export.csv?breakdown=page&period=7d", cookie)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "kesti liian kauan") {
		t.Errorf("CSV past the limit: %d %s, want 503", w.Code, w.Body)
	}

	// A real server whose WriteTimeout is shorter than the report.
	f.rep.delay = 600 * time.Millisecond
	srv := httptest.NewUnstartedServer(handler(10 * time.Second))
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/stats?site=example.fi&period=7d", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("a report within its limit, past WriteTimeout: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || !json.Valid(body) || !strings.Contains(string(body), "4321") {
		t.Errorf("a report within its limit, past WriteTimeout: %d, %v, %.200s", resp.StatusCode, err, body)
	}
}
