package site

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/seloste/seloste/notice"
)

// longSection is a part of a statement with the long values real ones
// have: a controller's full name, an address with a long path and query, a
// path in code, and a long compound word. n varies the values, so that a
// later version's diff shows them changed.
func longSection(lang string, n int) string {
	heading := map[string]string{"fi": "Pitkät tiedot", "sv": "Långa uppgifter", "en": "Long details"}[lang]
	return fmt.Sprintf(`
## %s

Pohjois-Savon Ohjelmistokehitys- ja Digitaalisten Asiointipalveluiden Osuuskunta Kuopion Softop Yhteistyöverkosto %d Oy.

https://www.esimerkki-kustannus-oy.example.com/tietosuoja/henkilotietojen-kasittely/evasteet-ja-analytiikka-2026?kampanja=talvi-%d&lahde=uutiskirje-joulukuu

Polku `+"`/sv/dataskydd/behandling-av-personuppgifter-och-kakor-pa-var-webbplats-%d`"+` ja [ohje](https://example.com/%s).

Lentokonesuihkuturbiinimoottoriapumekaanikkoaliupseerioppilas%d.
`, heading, n, n, n, strings.Repeat("hyvin-pitka-polku/", 6), n)
}

// longVersions is the example's history with the long section in its
// newest version, in every language; a later version (2026-12-04) in every
// language with the section's values changed, so each language has an
// older version and its change history a diff through the long values; and
// a Finnish draft (2026-12-06), shown when the site is built with drafts.
func longVersions(t *testing.T) []notice.Version {
	t.Helper()
	vs := realVersions(t)
	last := vs[len(vs)-1]
	if len(last.Translations) != 2 {
		t.Fatalf("%s has %d translations, want sv and en; update the test", last.File, len(last.Translations))
	}
	date, err := time.Parse(notice.DateLayout, "2026-12-04")
	if err != nil {
		t.Fatal(err)
	}
	with := func(v notice.Version, n int) notice.Version {
		v.Body += longSection(v.Lang, n)
		if n > 1 {
			v.Date = date
			v.File = filepath.Join(filepath.Dir(v.File), strings.Replace(filepath.Base(v.File), v.Slug(), "2026-12-04", 1))
			v.Summary = "Pitkät tiedot muuttuivat."
			v.Hash = "sha256:test-2026-12-04-" + v.Lang
		}
		return v
	}
	for i, n := range []int{1, 2} {
		v := with(last, n)
		v.Translations = nil
		for _, tr := range last.Translations {
			v.Translations = append(v.Translations, with(tr, n))
		}
		if i == 0 {
			vs[len(vs)-1] = v
		} else {
			vs = append(vs, v)
		}
	}
	draft := later(t, vs[0], "2026-12-06")
	draft.Body += longSection(draft.Lang, 3)
	draft.Draft = true
	return append(vs, draft)
}

// statementCheck is what a statement page must hold on a screen W pixels
// wide: nothing wider than the screen (a wide block scrolls in a box of
// its own, which must fit), one h1 and headings that go down a level at a
// time; and a page of the site (not a standalone copy) shows its language
// switcher whole, with every language.
//
// W is the emulated width, not innerWidth: a phone widens its layout
// viewport to fit content wider than the screen, and innerWidth with it.
const statementCheck = `((W, site) => {
  const bad = [];
  if (window.innerWidth !== W) bad.push("the layout viewport is " + window.innerWidth + " px wide: something wider than the " + W + " px screen widens it");
  if (document.documentElement.scrollWidth > W) bad.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " > " + W);
  const scrolls = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll") return true; } return false; };
  const name = e => "<" + e.tagName.toLowerCase() + (e.className ? "." + e.className : "") + "> " + JSON.stringify(e.textContent.trim().slice(0, 40));
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && (r.right > W + 0.5 || r.left < -0.5) && !e.classList.contains("skip") && !scrolls(e)) bad.push("wider than the viewport: " + name(e) + " " + Math.round(r.left) + "–" + Math.round(r.right));
  }
  // Text that runs out of its block: a long word or address not wrapped.
  for (const e of document.querySelectorAll("body *")) {
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible" && !scrolls(e)) bad.push("text runs out of " + name(e) + ": " + e.scrollWidth + " > " + e.clientWidth);
  }
  const langs = [...document.querySelectorAll("nav.langs li")];
  if (site && langs.length !== 3) bad.push("the language switcher has " + langs.length + " languages, want 3");
  for (const li of langs) { const r = li.getBoundingClientRect(); if (r.width < 1 || r.right > W + 0.5) bad.push("language " + li.lang + " not shown whole"); }
  const hs = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(h => +h.tagName[1]);
  if (hs.filter(l => l === 1).length !== 1 || hs[0] !== 1) bad.push("headings: want one h1, first: " + hs.join(","));
  for (let i = 1; i < hs.length; i++) if (hs[i] > hs[i-1] + 1) { bad.push("headings skip a level: h" + hs[i-1] + " → h" + hs[i]); break; }
  return JSON.stringify(bad.slice(0, 10));
})`

// focusCheck reports how the element with the keyboard focus shows it: a
// focus the reader cannot see, or one off the screen, is a problem.
const focusCheck = `((W) => {
  const e = document.activeElement;
  if (!e || e === document.body) return JSON.stringify(["nothing has the focus"]);
  const s = getComputedStyle(e), r = e.getBoundingClientRect(), bad = [];
  if (s.outlineStyle === "none" || parseFloat(s.outlineWidth) < 2) bad.push("no visible focus on <" + e.tagName.toLowerCase() + "> " + JSON.stringify(e.textContent.trim()));
  if (r.width < 1 || r.left < 0 || r.right > W || r.top < 0) bad.push("the focused <" + e.tagName.toLowerCase() + "> is off the screen");
  return JSON.stringify(bad);
})`

// TestBrowserStatementPages: the statement's pages (the version in force,
// an older version, a draft, the change history with its diffs, the
// standalone HTML copy) in Finnish, Swedish and English at 390 and 1280 px
// in real Chromium, with long values, fit the screen, show the language
// switcher and keep their headings in order, show the keyboard focus,
// switch to dark colours when the reader prefers them, and with axe-core
// ($SELOSTE_AXE) break no WCAG 2.1 A/AA rule, light or dark.
func TestBrowserStatementPages(t *testing.T) {
	exe := chromium(t)
	axe := axeScript(t)
	out := build(t, Options{Versions: longVersions(t), Drafts: true})
	srv := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true))
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}

	scheme := func(s string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: s}}})
			return err
		})
	}
	// problems runs js, which answers a JSON list of problems.
	problems := func(ctx context.Context, t *testing.T, what, js string, opts ...chromedp.EvaluateOption) []string {
		t.Helper()
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, opts...))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var out []string
		if err := json.Unmarshal([]byte(raw), &out); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return out
	}
	const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
  .then(r => JSON.stringify(r.violations.map(v => v.id + ": " + v.help + " — " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "))))`
	// The page's background is dark when the reader prefers dark colours.
	const dark = `(() => { const m = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number);
  return JSON.stringify(m[0] + m[1] + m[2] < 3 * 80 ? [] : ["the background stays light in dark mode: " + getComputedStyle(document.body).backgroundColor]); })()`

	// Each language's version in force, an older version, the change
	// history and the standalone HTML copy; in Finnish a draft too.
	pages := map[string][]string{
		"fi": {"/tietosuojaseloste/", "/tietosuojaseloste/2026-12-02/", "/tietosuojaseloste/2026-12-06/", "/tietosuojaseloste/muutokset/", "/tietosuojaseloste/tietosuojaseloste.html"},
		"sv": {"/sv/dataskyddsbeskrivning/", "/sv/dataskyddsbeskrivning/2026-12-02/", "/sv/dataskyddsbeskrivning/andringar/", "/sv/dataskyddsbeskrivning/dataskyddsbeskrivning.html"},
		"en": {"/en/privacy-notice/", "/en/privacy-notice/2026-12-02/", "/en/privacy-notice/changes/", "/en/privacy-notice/privacy-notice.html"},
	}
	for _, width := range []int64{390, 1280} {
		vp := chromedp.EmulateViewport(width, 900)
		if width < 600 {
			vp = chromedp.EmulateViewport(width, 844, chromedp.EmulateMobile)
		}
		for _, lang := range []string{"fi", "sv", "en"} {
			for _, page := range pages[lang] {
				t.Run(fmt.Sprintf("%d%s", width, page), func(t *testing.T) {
					sctx, scancel := context.WithTimeout(bctx, 20*time.Second)
					defer scancel()
					site := !strings.HasSuffix(page, ".html")
					ready := `html[lang="` + lang + `"] main`
					if site {
						ready = `html[lang="` + lang + `"] footer.site`
					}
					if err := chromedp.Do(sctx, vp, scheme("light"), chromedp.Navigate(srv.URL+page),
						chromedp.WaitReady(chromedp.CSS(ready))); err != nil {
						t.Fatalf("load: %v", err)
					}
					for _, p := range problems(sctx, t, "layout", fmt.Sprintf("%s(%d, %t)", statementCheck, width, site)) {
						t.Error(p)
					}
					// On a page of the site the first Tab reaches the skip
					// link, the next the first link of the navigation; each
					// shows it has the focus.
					for i := range map[bool]int{true: 2}[site] {
						if err := chromedp.Do(sctx, chromedp.KeyEvent("\t")); err != nil {
							t.Fatal(err)
						}
						for _, p := range problems(sctx, t, "focus", fmt.Sprintf("%s(%d)", focusCheck, width)) {
							t.Errorf("Tab %d: %s", i+1, p)
						}
					}
					// axe-core runs on every page at 390 px, light and dark
					// (English light only: its pages hold the same elements
					// as the Swedish ones), and on the Finnish pages at
					// 1280 px too. The colours are the same at both widths;
					// this keeps the test's time down.
					var schemes []string
					switch {
					case lang == "fi" || lang == "sv" && width < 600:
						schemes = []string{"light", "dark"}
					case width < 600:
						schemes = []string{"light"}
					}
					if err := chromedp.Do(sctx, scheme("dark")); err != nil {
						t.Fatal(err)
					}
					for _, p := range problems(sctx, t, "dark mode", dark) {
						t.Error(p)
					}
					if axe == "" || len(schemes) == 0 {
						return
					}
					if err := chromedp.Do(sctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
						t.Fatalf("injecting axe-core: %v", err)
					}
					for _, s := range schemes {
						if err := chromedp.Do(sctx, scheme(s)); err != nil {
							t.Fatal(err)
						}
						for _, v := range problems(sctx, t, "axe-core", axeRun, chromedp.EvalAwaitPromise) {
							t.Errorf("%s: WCAG 2.1 A/AA: %s", s, v)
						}
					}
				})
			}
		}
	}
}
