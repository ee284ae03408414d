package site

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// A visitor's own page loads as /api/me answers, with the long values
// real pages and referrers have.
const meJSON = `{"site":"example.fi","day":"2026-12-07","visitor":"3f9a0c7d1e2b4a68","pageviews":[
{"ts":"2026-12-07T08:15:00Z","path":"/sv/dataskydd/behandling-av-personuppgifter-och-kakor-pa-var-webbplats-2026","utm_source":"uutiskirje-joulukuu-2026-erikoistarjous","utm_medium":"email","utm_campaign":"talvikampanja-yrityksille","referrer_host":"uutiset.erittain-pitka-alidomain.esimerkki-kustannus-oy.example.com","country":"FI","region":"Pohjois-Savo","city":"Kuopio","browser":"Firefox","browser_version":"133","os":"Linux","device":"desktop","duration_ms":65400},
{"ts":"2026-12-07T08:16:10Z","path":"/hinnasto","referrer_host":"","country":"FI","region":"","city":"","browser":"Firefox","browser_version":"133","os":"Linux","device":"desktop","duration_ms":null}]}`

// selfServiceCheck is what the self-service page must hold on a screen W
// pixels wide: every page load's first cell shown whole, nothing wider than
// the screen. It returns the rows seen and the problems. W is the emulated
// width: a phone widens innerWidth to fit content wider than its screen.
const selfServiceCheck = `((W) => {
  const bad = [];
  if (window.innerWidth !== W) bad.push("the layout viewport is " + window.innerWidth + " px wide, the screen " + W);
  if (document.documentElement.scrollWidth > W) bad.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + W);
  let rows = 0;
  for (const tr of document.querySelectorAll("#omat-tiedot tbody tr")) {
    rows++;
    const c = tr.cells[0], r = c.getBoundingClientRect();
    if (r.width < 1 || r.height < 1 || c.textContent.trim() === "") bad.push("first cell hidden");
    for (const td of tr.cells) if (td.scrollWidth > td.clientWidth + 1) bad.push("cell cut: " + td.textContent);
  }
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && r.right > W + 0.5) bad.push("wider than the viewport: <" + e.tagName.toLowerCase() + "> right " + Math.round(r.right));
  }
  return JSON.stringify({rows, bad: bad.slice(0, 10)});
})`

// axeScript is axe-core's script from $SELOSTE_AXE; "" (the checks
// skipped, as the log says) when it is unset, except in CI, where that
// fails the test.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("SELOSTE_AXE")
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SELOSTE_AXE is not set; CI must run the accessibility checks (.ci/run installs axe-core and sets it)")
		}
		t.Log("SELOSTE_AXE is not set: skipping the axe-core checks (see docs/development.md)")
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("SELOSTE_AXE: %v", err)
	}
	return string(b)
}

// TestBrowserSelfServicePage: the visitor's self-service page, in Finnish,
// Swedish and English at 390 and 1280 px in real Chromium, shows the page
// loads /api/me gives with long values whole and nothing sideways, and with
// axe-core ($SELOSTE_AXE) breaks no WCAG 2.1 A/AA rule, light or dark.
func TestBrowserSelfServicePage(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	out := build(t, Options{Versions: realVersions(t)})
	mux := http.NewServeMux()
	mux.Handle("/", http.FileServer(http.Dir(out)))
	mux.HandleFunc("GET /api/me", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, meJSON)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true))
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()

	scheme := func(s string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: s}}})
			return err
		})
	}
	const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
  .then(r => JSON.stringify(r.violations.map(v => v.id + ": " + v.help + " — " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "))))`
	pages := map[string]string{"fi": "/tietosuojaseloste/omat-tiedot/", "sv": "/sv/dataskyddsbeskrivning/mina-uppgifter/", "en": "/en/privacy-notice/my-data/"}
	for _, width := range []int64{390, 1280} {
		vp := chromedp.EmulateViewport(width, 900)
		if width < 600 {
			vp = chromedp.EmulateViewport(width, 844, chromedp.EmulateMobile)
		}
		for _, lang := range []string{"fi", "sv", "en"} {
			if err := chromedp.Do(bctx, vp, scheme("light"), chromedp.Navigate(srv.URL+pages[lang]),
				chromedp.WaitVisible(chromedp.CSS("#omat-tiedot tbody tr"))); err != nil {
				t.Fatalf("%s at %d px: the page loads did not show: %v", lang, width, err)
			}
			raw, err := chromedp.Run(bctx, chromedp.Evaluate[string](fmt.Sprintf("%s(%d)", selfServiceCheck, width)))
			if err != nil {
				t.Fatal(err)
			}
			var res struct {
				Rows int
				Bad  []string
			}
			if err := json.Unmarshal([]byte(raw), &res); err != nil {
				t.Fatal(err)
			}
			if res.Rows != 2 {
				t.Errorf("%s at %d px: %d page loads shown, want 2", lang, width, res.Rows)
			}
			for _, p := range res.Bad {
				t.Errorf("%s at %d px: %s", lang, width, p)
			}
			if axe == "" {
				continue
			}
			if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
				t.Fatalf("injecting axe-core: %v", err)
			}
			for _, s := range []string{"light", "dark"} {
				if err := chromedp.Do(bctx, scheme(s)); err != nil {
					t.Fatal(err)
				}
				raw, err := chromedp.Run(bctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
				if err != nil {
					t.Fatalf("axe-core: %v", err)
				}
				var violations []string
				if err := json.Unmarshal([]byte(raw), &violations); err != nil {
					t.Fatal(err)
				}
				for _, v := range violations {
					t.Errorf("%s at %d px, %s: WCAG 2.1 A/AA: %s", lang, width, s, v)
				}
			}
		}
	}
}
