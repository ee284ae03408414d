package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/sqlite"
)

// chromium finds a Chromium-family browser. Without one the browser tests
// skip on a developer's machine and fail in CI, which must run them.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("Chromium is not installed; CI must run the browser tests (apt-get install chromium)")
	}
	t.Skip("Chromium is not installed: skipping the browser test (install chromium to run it)")
	return ""
}

// artifactDir is where screenshots go: $SELOSTE_TEST_ARTIFACTS or a temp dir.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("SELOSTE_TEST_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// browser starts a headless Chromium with a fresh profile and no network
// beyond what the test asks for.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	return bctx
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("reading %s: %v", css, err)
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " ")
}

// screenshot saves the whole page, or with top only what the first screen
// shows.
func screenshot(t *testing.T, ctx context.Context, name string, top bool) {
	t.Helper()
	shot := chromedp.FullScreenshot(100)
	if top {
		shot = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// knownViews is a small, fixed week of page views on example.fi ending at
// now: day d (0 = six days ago) has 3+d visitors; everyone opens "/", every
// other visitor also "/hinnasto", every third "/yhteystiedot".
func knownViews(now time.Time) []analytics.PageView {
	zone := now.Location()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone)
	var pvs []analytics.PageView
	for d := range 7 {
		day := today.AddDate(0, 0, d-6)
		for v := range 3 + d {
			id := uint64(1000*(d+1) + v)
			paths := []string{"/"}
			if v%2 == 0 {
				paths = append(paths, "/hinnasto")
			}
			if v%3 == 0 {
				paths = append(paths, "/yhteystiedot")
			}
			country, device, browser, ref := "FI", analytics.DeviceDesktop, "Firefox", ""
			if v%4 == 3 {
				country = "SE"
			}
			if v%2 == 1 {
				device, browser = analytics.DeviceMobile, "Chrome"
			}
			if v%3 == 1 {
				ref = "duckduckgo.com"
			}
			for i, p := range paths {
				pvs = append(pvs, analytics.PageView{
					Time: day.Add(9*time.Hour + time.Duration(v)*7*time.Minute + time.Duration(i)*time.Minute).UTC(),
					Site: "example.fi", Visitor: id, Visit: id, ID: fmt.Sprintf("pv-%d-%d", id, i),
					Path: p, ReferrerHost: ref, Country: country, Browser: browser, OS: "Linux", Device: device,
				})
			}
		}
	}
	return pvs
}

// visitorsOn counts the unique visitors per day (the report's definition)
// of the views that pass keep, straight from the generated views.
func visitorsOn(pvs []analytics.PageView, zone *time.Location, keep func(analytics.PageView) bool) int {
	seen := map[string]bool{}
	for _, p := range pvs {
		if keep(p) {
			seen[p.Time.In(zone).Format("2006-01-02")+fmt.Sprint(p.Visitor)] = true
		}
	}
	return len(seen)
}

// TestBrowserLoginAndFilter runs the real thing: a SQLite store filled with
// known page views, the dashboard on a loopback server, and headless
// Chromium logging in through the form, reading the visitors total,
// clicking a page row to filter and reading the filtered total. It saves
// login, desktop and phone screenshots.
func TestBrowserLoginAndFilter(t *testing.T) {
	ctx := browser(t)
	zone, _ := time.LoadLocation("Europe/Helsinki")
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, zone)
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seloste.db"), sqlite.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	pvs := knownViews(now)
	if err := store.Append(context.Background(), analytics.Batch{PageViews: pvs}); err != nil {
		t.Fatal(err)
	}
	all := visitorsOn(pvs, zone, func(analytics.PageView) bool { return true })
	priced := visitorsOn(pvs, zone, func(p analytics.PageView) bool { return p.Path == "/hinnasto" })

	f := newFixture(t)
	f.h.cfg.Reporter = store
	f.now = now
	srv := httptest.NewServer(f.h) // 127.0.0.1
	defer srv.Close()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/dashboard?period=7d&lang=fi"),
		chromedp.WaitVisible(chromedp.ID("password")),
	); err != nil {
		t.Fatalf("opening the dashboard did not lead to the login form: %v", err)
	}
	screenshot(t, ctx, "login.png", true)
	// The inline style sheet is allowed by its hash in the CSP; if the hash
	// were wrong the browser would drop it and the page would be unstyled.
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`))
	if err != nil || bg != "rgb(246, 247, 249)" {
		t.Errorf("the style sheet was not applied (body background %q, %v)", bg, err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#total-visitors .num")),
	); err != nil {
		t.Fatalf("logging in: %v", err)
	}
	if got, want := text(t, ctx, "#total-visitors .num"), fmt.Sprint(all); got != want {
		t.Fatalf("visitors total %q, want %q", got, want)
	}
	screenshot(t, ctx, "dashboard-desktop.png", false)

	if err := chromedp.Do(ctx,
		chromedp.Click(`//section[@id="bd-page"]//a[normalize-space()="/hinnasto"]`),
		chromedp.WaitVisible(chromedp.CSS(".filters .chip")),
	); err != nil {
		t.Fatalf("clicking a page row: %v", err)
	}
	if got := text(t, ctx, ".filters .chip"); !strings.Contains(got, "Sivu: /hinnasto") {
		t.Errorf("active filter shows %q", got)
	}
	if got, want := text(t, ctx, "#total-visitors .num"), fmt.Sprint(priced); got != want {
		t.Fatalf("filtered visitors total %q, want %q", got, want)
	}
	screenshot(t, ctx, "dashboard-filtered.png", false)

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/dashboard?period=30d&lang=fi"),
		chromedp.WaitVisible(chromedp.CSS("#total-visitors .num")),
	); err != nil {
		t.Fatalf("phone viewport: %v", err)
	}
	// Nothing may stick out sideways on a phone.
	// Against the screen's width: a phone widens innerWidth to fit what
	// is wider than the screen.
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > 390 || window.innerWidth !== 390`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Error("the dashboard scrolls sideways on a 390 px wide phone")
	}
	screenshot(t, ctx, "dashboard-phone.png", false)
	screenshot(t, ctx, "dashboard-phone-top.png", true)

	// The public share link: same totals, no filters, small rows folded.
	f.h.cfg.ShareMinVisitors = 20
	a, err := auth.Load(f.authFile)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := a.AddShare("example.fi", now)
	if err := a.Save(f.authFile); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(srv.URL+"/share/"+id+"?period=7d&lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#total-visitors .num")),
	); err != nil {
		t.Fatalf("share page: %v", err)
	}
	if got, want := text(t, ctx, "#total-visitors .num"), fmt.Sprint(all); got != want {
		t.Errorf("share page visitors %q, want %q", got, want)
	}
	links, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[href*="filter="], form[method="post"]').length`))
	if err != nil || links != 0 {
		t.Errorf("share page has %d filter links or forms (%v)", links, err)
	}
	if pages := text(t, ctx, "#bd-page"); !strings.Contains(pages, "(other)") || strings.Contains(pages, "/yhteystiedot") {
		t.Errorf("share page shows a row under k=20 visitors: %q", pages)
	}
	screenshot(t, ctx, "share.png", false)

	// The same numbers through the API, with a bearer token, over HTTP.
	req, _ := http.NewRequest("GET", srv.URL+"/api/stats?site=example.fi&period=7d", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Totals struct {
			Visitors int `json:"visitors"`
		} `json:"totals"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || resp.StatusCode != 200 {
		t.Fatalf("API: %d %v", resp.StatusCode, err)
	}
	if doc.Totals.Visitors != all {
		t.Errorf("API visitors %d, want %d", doc.Totals.Visitors, all)
	}
}

// TestBrowserFirstRun: on a 375 px phone, the page of a site without page
// views shows the waiting heading and the whole tracker tag, with nothing
// sticking out sideways; the tag's text, as a browser would copy it, is
// the tag itself.
func TestBrowserFirstRun(t *testing.T) {
	ctx := browser(t)
	s := newFirstRunServer(t)
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(375, 812, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(s.srv.URL+"/dashboard/login?lang=en"),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#firstrun pre.tag")),
	); err != nil {
		t.Fatalf("logging in to a site without page views: %v", err)
	}
	if got, want := text(t, ctx, "#firstrun h2"), "Waiting for the first page view"; got != want {
		t.Errorf("heading %q, want %q", got, want)
	}
	tag, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#firstrun pre.tag").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `<script defer src="` + s.srv.URL + `/s.js" data-site="example.fi"></script>`; tag != want {
		t.Errorf("tag text %q, want %q", tag, want)
	}
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > 375 || window.innerWidth !== 375`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Error("the first-run page scrolls sideways on a 375 px wide phone")
	}
	// The tag wraps inside its box rather than being cut off.
	clipped, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(e => e.scrollWidth > e.clientWidth)(document.querySelector("#firstrun pre.tag"))`))
	if err != nil {
		t.Fatal(err)
	}
	if clipped {
		t.Error("the tracker tag does not fit its box on a 375 px wide phone")
	}
	screenshot(t, ctx, "firstrun-phone.png", false)
}
