package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/notice"
)

// demoStatement writes a statement like the demo's in content/: the one
// "seloste init" writes for the site localhost, describing everything the
// collector stores by default.
func demoStatement(t testing.TB) (content, public string) {
	t.Helper()
	root := t.TempDir()
	content = filepath.Join(root, "content")
	cfg := defaultServeConfig()
	cfg.Sites = []siteConfig{{Domain: demoSite}}
	set, err := cfg.check()
	if err != nil {
		t.Fatal(err)
	}
	_, err = notice.WriteStart(notice.SourceDir(content), notice.Start{
		Controller: notice.Controller{Name: "Demo Oy", BusinessID: "1234567-1", Address: "Demokatu 1, 00100 Helsinki",
			Email: "tietosuoja@demo.invalid"},
		Sites:     []string{demoSite},
		Collector: notice.Collector{Fields: analytics.StatementFields(set.events), Retention: set.retention, Sites: []string{demoSite}, Configured: true},
		Languages: []string{notice.Finnish, "sv", "en"},
		Date:      notice.Today(time.Now()),
	})
	if err != nil {
		t.Fatal(err)
	}
	return content, filepath.Join(root, "public")
}

// TestServeDemo runs the README's first command, "seloste serve -demo",
// and checks that one process shows everything: the notice built at start
// with the tracker on its pages, the collector storing what the demo's
// statement describes (scroll depth too), and the dashboard behind the
// password it printed.
func TestServeDemo(t *testing.T) {
	content, public := demoStatement(t)
	dir := filepath.Dir(public)
	var stdout, stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-demo", "-addr", "127.0.0.1:0", "-geoip", "none",
			"-db", filepath.Join(dir, "seloste.db"), "-public", public,
			"-content", content, "-flush-interval", "50ms"}, &stdout, &stderr)
	}()
	stopped := false
	defer func() {
		cancel()
		if !stopped {
			<-done
		}
	}()

	listening := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)/`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
	}
	pw := regexp.MustCompile(`Dashboard password \(shown once[^)]*\): (\S+)`).FindStringSubmatch(stdout.String())
	if pw == nil {
		t.Fatalf("no generated password printed; stdout:\n%s", stdout.String())
	}
	if strings.Contains(stderr.String(), pw[1]) {
		t.Error("the generated password reached the log")
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// The notice was built at start, with the tracker tag on its pages.
	code, page := get("/tietosuojaseloste/")
	if code != 200 || !strings.Contains(page, "Seloste on päivitetty viimeksi") {
		t.Fatalf("GET /tietosuojaseloste/: %d", code)
	}
	// The demo's pages are opened on this machine: the tag must let the
	// tracker send from localhost, which it refuses by default.
	if !strings.Contains(page, `data-site="localhost" data-allow-local>`) || !strings.Contains(page, "s.js") {
		t.Error("demo notice pages carry no tracker tag allowed to send from localhost")
	}
	if code, _ := get("/s.js"); code != 200 {
		t.Errorf("GET /s.js: %d", code)
	}
	if strings.Contains(stderr.String(), "not measured") {
		t.Errorf("the demo leaves out what its statement describes:\n%s", stderr.String())
	}

	// A page view of the demo page and its leave, as the tracker sends
	// them from a browser on this machine: the demo keeps its scroll depth.
	beacon := func(body string) {
		t.Helper()
		if code := postEvent(t, base, body, "Origin", base); code != http.StatusAccepted {
			t.Fatalf("POST /api/event %s: %d\n%s", body, code, stderr.String())
		}
	}
	beacon(`{"kind":"pageview","site":"localhost","url":"http://localhost/demo/","pageview":"demo1"}`)
	beacon(`{"kind":"leave","site":"localhost","pageview":"demo1","duration_ms":4000,"scroll":64}`)

	// The reports need the printed password: log in through the form.
	if code, body := get("/api/stats?site=localhost"); code != 401 {
		t.Errorf("stats API without credentials: %d %s", code, body)
	}
	code, login := get("/dashboard/login")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(login)
	if code != 200 || csrf == nil {
		t.Fatalf("login page: %d, csrf token found: %v", code, csrf != nil)
	}
	form := url.Values{"csrf": {csrf[1]}, "password": {pw[1]}, "next": {"/dashboard"}}
	req, _ := http.NewRequest("POST", base+"/dashboard/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	code, body := get("/api/stats?site=localhost&period=7d")
	if code != 200 {
		t.Fatalf("stats API after login: %d %s", code, body)
	}
	var doc struct {
		Site   string         `json:"site"`
		Totals map[string]any `json:"totals"`
		Pages  []struct {
			Path   string   `json:"path"`
			Scroll *float64 `json:"avg_scroll_pct"`
		} `json:"pages"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, body = get("/api/stats?site=localhost&period=7d")
		if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Site != "localhost" || doc.Totals == nil {
			t.Fatalf("stats document: %v %s", err, body)
		}
		if len(doc.Pages) > 0 && doc.Pages[0].Scroll != nil || time.Now().After(deadline) {
			break
		}
	}
	if len(doc.Pages) != 1 || doc.Pages[0].Path != "/demo/" || doc.Pages[0].Scroll == nil || *doc.Pages[0].Scroll != 64 {
		t.Errorf("the demo's report does not show /demo/ scrolled to 64 %%: %s", body)
	}

	// A second start keeps the password: nothing new is printed.
	cancel()
	stopped = true
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	var stdout2 lockedBuffer
	stderr = lockedBuffer{}
	go func() {
		done <- run(ctx2, []string{"serve", "-demo", "-addr", "127.0.0.1:0", "-geoip", "none",
			"-db", filepath.Join(dir, "seloste.db"), "-public", public, "-build-notice=false"}, &stdout2, &stderr)
	}()
	for deadline := time.Now().Add(30 * time.Second); !listening.MatchString(stderr.String()); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("second serve did not start:\n%s", stderr.String())
		}
	}
	if strings.Contains(stdout2.String(), "password") {
		t.Errorf("second start printed a password again: %s", stdout2.String())
	}
	cancel2()
	if err := <-done; err != nil {
		t.Errorf("second serve: %v\n%s", err, stderr.String())
	}
}

// BenchmarkServeDemoStart is the time from starting the built binary as
// "seloste serve -demo" until it listens, on a statement like the demo's:
// the notice site built at start, the store opened, the password kept from
// the first start. "go run ./cmd/seloste serve -demo" adds the toolchain's
// check of its cached binary to this.
func BenchmarkServeDemoStart(b *testing.B) {
	content, public := demoStatement(b)
	dir := filepath.Dir(public)
	args := []string{"-demo", "-geoip", "none", "-db", filepath.Join(dir, "seloste.db"), "-public", public, "-content", content}
	startServeIn(b, dir, args...).stop(b, syscall.SIGTERM) // the first start creates the database and the password
	b.ResetTimer()
	for b.Loop() {
		s := startServeIn(b, dir, args...)
		b.StopTimer()
		if err := s.stop(b, syscall.SIGTERM); err != nil {
			b.Fatalf("serve -demo did not stop cleanly: %v\n%s", err, s.stderr)
		}
		b.StartTimer()
	}
}
