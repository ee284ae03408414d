package dashboard

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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

// TestBrowserLoginAndFilter logs in through the form in a real browser,
// reads the visitors total, clicks a page row to filter and reads the
// filtered total, and saves desktop and phone screenshots.
func TestBrowserLoginAndFilter(t *testing.T) {
	ctx := browser(t)
	f := newFixture(t)
	srv := httptest.NewServer(f.h) // 127.0.0.1
	defer srv.Close()

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/dashboard?period=7d&lang=fi"),
		chromedp.WaitVisible(chromedp.ID("password")),
	); err != nil {
		t.Fatalf("opening the dashboard did not lead to the login form: %v", err)
	}
	screenshot(t, ctx, "login.png", true)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#total-visitors .num")),
	); err != nil {
		t.Fatalf("logging in: %v", err)
	}
	if got := text(t, ctx, "#total-visitors .num"); got != "1 234" {
		t.Fatalf("visitors total %q, want %q", got, "1 234")
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
	if got := text(t, ctx, "#total-visitors .num"); got != "300" {
		t.Fatalf("filtered visitors total %q, want %q", got, "300")
	}
	if q := f.rep.last(); len(q.Filters) != 1 || q.Filters[0].Value != "/hinnasto" {
		t.Errorf("the click asked for %+v", q.Filters)
	}

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(srv.URL+"/dashboard?period=30d&lang=fi"),
		chromedp.WaitVisible(chromedp.CSS("#total-visitors .num")),
	); err != nil {
		t.Fatalf("phone viewport: %v", err)
	}
	// Nothing may stick out sideways on a phone.
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Error("the dashboard scrolls sideways on a 390 px wide phone")
	}
	screenshot(t, ctx, "dashboard-phone.png", false)
	screenshot(t, ctx, "dashboard-phone-top.png", true)
}
