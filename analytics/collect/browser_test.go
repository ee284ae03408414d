package collect

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
)

const chromium = "/usr/bin/chromium"

// browserUA is a desktop Chrome's header: headless Chromium's own says
// "HeadlessChrome", which the collector rightly counts as a bot.
const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

func findChromium(t *testing.T) string {
	p, err := exec.LookPath(chromium)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium not found at %s; CI must run the browser test", chromium)
		}
		t.Skipf("chromium not found at %s: skipping the browser test (apt-get install chromium)", chromium)
	}
	return p
}

// TestBrowser loads the tracker in headless Chromium from a page of
// example.test (mapped to 127.0.0.1), navigates with pushState, leaves, and
// checks what the real SQLite store holds: the page views, their visit and
// visible durations. A localhost page without data-allow-local sends nothing.
// browser starts headless Chromium for one test, with example.test and
// other.test resolving to 127.0.0.1 and nothing else reached, and returns
// a context of a tab that ends with the test, within a minute, or when
// stop is called.
func browser(t *testing.T, exe string) (ctx context.Context, stop func()) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.UserAgent(browserUA),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("host-resolver-rules", "MAP example.test 127.0.0.1, MAP other.test 127.0.0.1, EXCLUDE localhost"),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelT)
	return ctx, cancel
}

// quiet waits until the collector has answered no request for half a
// second (the browser's last beacons are in), at most ten seconds: a
// navigation may finish before the beacons of the page it left arrive.
func quiet(c *Collector) {
	answered := func() int64 { return c.stats.accepted.Load() + c.stats.rejected.Load() + c.stats.excluded.Load() }
	last, since := answered(), time.Now()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && time.Since(since) < 500*time.Millisecond; time.Sleep(20 * time.Millisecond) {
		if n := answered(); n != last {
			last, since = n, time.Now()
		}
	}
}

// stepper returns a function that runs chromedp actions in ctx's tab and
// ends the test on the first that fails.
func stepper(t *testing.T, ctx context.Context) func(...chromedp.Action[chromedp.Void]) {
	return func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBrowser(t *testing.T) {
	exe := findChromium(t)
	st := openStore(t)
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Sites = []request.Site{{Domain: "example.test", Consent: analytics.ConsentExempt}} // sends at once, as before consent modes
		cfg.Queue.FlushInterval = 50 * time.Millisecond
	})
	mux := http.NewServeMux()
	c.Register(mux)
	page := func(site, extra string) string {
		return `<!doctype html><html><head><meta charset="utf-8"><title>t</title>
<script src="/s.js" data-site="` + site + `"` + extra + ` defer></script></head><body><p>test page</p></body></html>`
	}
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, page("example.test", "")) })
	mux.HandleFunc("GET /nobeacon", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><script>navigator.sendBeacon = undefined</script>`+page("example.test", ""))
	})
	mux.HandleFunc("GET /local", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, page("example.test", " data-allow-local")) })
	mux.HandleFunc("GET /bye", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<!doctype html><p>bye</p>") })
	srv := httptest.NewServer(mux) // 127.0.0.1 only
	defer srv.Close()
	port := srv.Listener.Addr().(interface{ String() string }).String()
	port = port[strings.LastIndex(port, ":")+1:]
	base := "http://example.test:" + port

	ctx, cancel := browser(t, exe)

	step := stepper(t, ctx)
	eval := func(js string) bool {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	sent := func() int64 { return c.stats.accepted.Load() + c.stats.rejected.Load() }
	// On localhost the tracker stays silent, unless the page opts in with
	// data-allow-local (this collector then refuses the localhost URL: 400).
	step(chromedp.Navigate(srv.URL+"/page"), chromedp.Sleep(300*time.Millisecond))
	if n := sent(); n != 0 {
		t.Fatalf("tracker on localhost sent %d events", n)
	}
	step(chromedp.Navigate(srv.URL + "/local"))
	for deadline := time.Now().Add(5 * time.Second); c.stats.rejected.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if n := c.stats.rejected.Load(); n == 0 {
		t.Fatal("tracker with data-allow-local sent nothing")
	}

	// Without sendBeacon the tracker falls back to fetch(…, {keepalive: true}).
	step(chromedp.Navigate(base+"/nobeacon"), chromedp.Sleep(300*time.Millisecond))
	for deadline := time.Now().Add(5 * time.Second); c.stats.accepted.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if c.stats.accepted.Load() == 0 {
		t.Fatal("no page view sent through the fetch fallback")
	}

	// Opted out on the self-service page (a flag in the origin's local
	// storage): the tracker sends nothing, not even on a later navigation.
	step(chromedp.Navigate(base + "/bye"))
	eval(`localStorage.setItem("seloste-opt-out", "1"), true`)
	before := sent()
	step(chromedp.Navigate(base + "/page"))
	eval(`history.pushState({}, "", "/spa/opted-out"), true`)
	step(chromedp.Sleep(500*time.Millisecond), chromedp.Navigate(base+"/bye"), chromedp.Sleep(300*time.Millisecond))
	if n := sent() - before; n != 0 {
		t.Fatalf("the tracker sent %d events from an opted-out browser", n)
	}
	eval(`localStorage.removeItem("seloste-opt-out"), true`)

	// The real thing.
	start := time.Now()
	step(chromedp.Navigate(base + "/page?utm_source=e2e&secret=1#top"))
	if eval(`document.hidden`) {
		t.Fatal("headless page reports document.hidden; visible time cannot be measured")
	}
	step(chromedp.Sleep(1200 * time.Millisecond))
	visible1 := time.Since(start)
	eval(`history.pushState({}, "", "/spa/step2"), true`)
	spa := time.Now()
	step(chromedp.Sleep(600 * time.Millisecond))
	// A fragment change is not a new page view.
	eval(`location.hash = "#later", true`)
	// Hidden for a second, then visible again: the clock pauses. Headless
	// Chromium cannot unhide a page, so this round emulates the state.
	eval(`Object.defineProperty(document, "hidden", {configurable: true, get: () => window.hiddenForTest});
		window.hiddenForTest = true; document.dispatchEvent(new Event("visibilitychange")); true`)
	pause := time.Now()
	step(chromedp.Sleep(1000 * time.Millisecond))
	eval(`window.hiddenForTest = false; document.dispatchEvent(new Event("visibilitychange")); delete document.hidden; !document.hidden`)
	hiddenFor := time.Since(pause)
	step(chromedp.Sleep(500 * time.Millisecond))
	// Really hide it: freezing makes the page hidden (visibilitychange →
	// leave with the running total); "active" unfreezes it, still hidden.
	// Leaving the page then sends nothing more.
	visible2 := time.Since(spa) - hiddenFor
	if _, err := chromedp.Call(ctx, cdppage.SetWebLifecycleState, cdppage.SetWebLifecycleStateParams{State: cdppage.SetWebLifecycleStateStateFrozen}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdppage.SetWebLifecycleState, cdppage.SetWebLifecycleStateParams{State: cdppage.SetWebLifecycleStateStateActive}); err != nil {
		t.Fatal(err)
	}
	if !eval(`document.hidden`) {
		t.Fatal("page still visible after freezing")
	}
	step(chromedp.Sleep(1000 * time.Millisecond))
	step(chromedp.Navigate(base + "/bye"))
	elapsed := time.Since(start)

	// Wait for the beacons to be stored.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if n := count(t, st); n.pageviews >= 3 && n.leaves >= 4 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	rows, err := st.DB().Query(`SELECT pageview_id, path, utm_source, referrer_host, visitor, visit, browser, device FROM pageview_values WHERE path != '/nobeacon' ORDER BY ts, seq`)
	if err != nil {
		t.Fatal(err)
	}
	type pv struct {
		id, path, utm, ref, browser, device string
		visitor, visit                      int64
	}
	var pvs []pv
	for rows.Next() {
		var p pv
		if err := rows.Scan(&p.id, &p.path, &p.utm, &p.ref, &p.visitor, &p.visit, &p.browser, &p.device); err != nil {
			t.Fatal(err)
		}
		pvs = append(pvs, p)
	}
	rows.Close()
	if len(pvs) != 2 {
		t.Fatalf("stored %d page views, want 2 (/page, /spa/step2): %+v", len(pvs), pvs)
	}
	if pvs[0].path != "/page" || pvs[0].utm != "e2e" || pvs[1].path != "/spa/step2" || pvs[1].utm != "" {
		t.Errorf("page views: %+v", pvs)
	}
	if pvs[0].visitor != pvs[1].visitor || pvs[0].visit != pvs[1].visit || pvs[0].id == pvs[1].id {
		t.Errorf("the two page views should share visitor and visit, not id: %+v", pvs)
	}
	if pvs[1].ref != "" || pvs[0].browser != "Chrome" || pvs[0].device != "desktop" {
		t.Errorf("referrer/browser/device: %+v", pvs)
	}

	// The fetch fallback sent the /nobeacon page's leave too.
	var fallbackLeaves int
	st.DB().QueryRow(`SELECT count(*) FROM leaves JOIN pageview_values USING (pageview_id) WHERE path = '/nobeacon'`).Scan(&fallbackLeaves)
	if fallbackLeaves != 1 {
		t.Errorf("/nobeacon (fetch fallback) has %d leaves, want 1", fallbackLeaves)
	}

	// The largest leave per page view is its visible time.
	dur := map[string]int64{}
	lrows, err := st.DB().Query(`SELECT pageview_id, MAX(duration_ms) FROM leaves GROUP BY pageview_id`)
	if err != nil {
		t.Fatal(err)
	}
	for lrows.Next() {
		var id string
		var ms int64
		lrows.Scan(&id, &ms)
		dur[id] = ms
	}
	lrows.Close()
	// Lower bounds: the sleeps while visible. Upper bounds: the wall time
	// the page was visible as seen from here; hidden time must not count.
	// Both upper bounds allow 300 ms: the browser's event loop may run the
	// hide handler that long after the test's step returned.
	if d, ok := dur[pvs[0].id]; !ok || d < 1150 || d > visible1.Milliseconds()+300 {
		t.Errorf("first page's visible time %d ms (present %v), want 1150..%d", d, ok, visible1.Milliseconds()+300)
	}
	if d, ok := dur[pvs[1].id]; !ok || d < 1050 || d > visible2.Milliseconds()+300 {
		t.Errorf("SPA page's visible time %d ms (present %v), want 1050..%d (hidden time excluded)", d, ok, visible2.Milliseconds()+300)
	}
	// Two leaves for the SPA page (pause, then freeze), the later larger.
	var nLeaves int
	st.DB().QueryRow(`SELECT count(*) FROM leaves WHERE pageview_id = ?`, pvs[1].id).Scan(&nLeaves)
	if nLeaves != 2 {
		t.Errorf("SPA page has %d leave records, want 2 (hidden twice)", nLeaves)
	}
	t.Logf("visible: first page %v, SPA page %v; total run %v", visible1, visible2, elapsed)
	t.Logf("page views %+v, visible ms %v", pvs, dur)
}

// TestBrowserCollectorElsewhere loads the tracker the way the docs give its
// tag: from the collector's own host, on a page of another origin, with no
// data-api. The beacons must go back where s.js came from, not to the
// page's origin, which has no collector.
func TestBrowserCollectorElsewhere(t *testing.T) {
	exe := findChromium(t)
	st := openStore(t)
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Sites = []request.Site{{Domain: "example.test", Consent: analytics.ConsentExempt}} // sends at once, as before consent modes
		cfg.Queue.FlushInterval = 50 * time.Millisecond
	})
	collector := http.NewServeMux()
	c.Register(collector)
	cs := httptest.NewServer(collector)
	defer cs.Close()
	collectorURL := "http://other.test:" + cs.URL[strings.LastIndex(cs.URL, ":")+1:]

	var pageOriginBeacons atomic.Int64
	site := http.NewServeMux()
	site.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><head><meta charset="utf-8"><title>t</title>
<script defer src="`+collectorURL+`/s.js" data-site="example.test"></script></head><body><p>page</p></body></html>`)
	})
	site.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) { pageOriginBeacons.Add(1) })
	ss := httptest.NewServer(site)
	defer ss.Close()

	ctx, cancel := browser(t, exe)
	defer cancel()
	stepper(t, ctx)(chromedp.Navigate("http://example.test:" + ss.URL[strings.LastIndex(ss.URL, ":")+1:] + "/page"))
	for deadline := time.Now().Add(10 * time.Second); c.stats.accepted.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if n := c.stats.accepted.Load(); n != 1 {
		t.Errorf("the collector the tag loads s.js from accepted %d page views, want 1", n)
	}
	if n := pageOriginBeacons.Load(); n != 0 {
		t.Errorf("the tracker sent %d beacons to the page's own origin, which has no collector", n)
	}
}
