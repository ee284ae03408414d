package site

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium finds a Chromium-family browser. Without one the browser test
// skips on a developer's machine and fails in CI, which must run it.
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

// TestBrowserLanguageSwitcher opens pages of every kind in every language
// in a real Chromium, follows each language switcher link by clicking it,
// and checks where it lands: the page's language, its address, and the
// update date stamped into the statement there. The site has a Finnish
// version (2027-01-05) newer than its translations, so some links lead to
// the newest translation instead, and must say so.
func TestBrowserLanguageSwitcher(t *testing.T) {
	exe := chromium(t)
	vs := realVersions(t)
	newer := later(t, vs[len(vs)-1], "2027-01-05")
	newer.Translations = nil
	vs = append(vs, newer)
	out := build(t, Options{Versions: vs})
	srv := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	// Start the browser on the test's context: the first action's context
	// owns it, and the steps below run on shorter ones.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}

	// What each page stamps: the newest translations are of 2026-12-02,
	// the Finnish text is of 2027-01-05.
	stamps := map[string]string{
		"/tietosuojaseloste/":                   "Seloste on päivitetty viimeksi 5.1.2027.",
		"/tietosuojaseloste/2027-01-05/":        "Seloste on päivitetty viimeksi 5.1.2027.",
		"/tietosuojaseloste/2026-12-02/":        "Seloste on päivitetty viimeksi 2.12.2026.",
		"/tietosuojaseloste/2020-02-08/":        "Seloste on päivitetty viimeksi 8.2.2020.",
		"/sv/dataskyddsbeskrivning/":            "Beskrivningen uppdaterades senast 2.12.2026.",
		"/sv/dataskyddsbeskrivning/2026-12-02/": "Beskrivningen uppdaterades senast 2.12.2026.",
		"/en/privacy-notice/":                   "Last updated on 2 December 2026.",
		"/en/privacy-notice/2026-12-02/":        "Last updated on 2 December 2026.",
	}
	cases := []struct {
		from string
		to   map[string]string // language → where its link leads
	}{
		{"/tietosuojaseloste/", map[string]string{"sv": "/sv/dataskyddsbeskrivning/", "en": "/en/privacy-notice/"}},
		{"/tietosuojaseloste/2026-12-02/", map[string]string{"sv": "/sv/dataskyddsbeskrivning/2026-12-02/", "en": "/en/privacy-notice/2026-12-02/"}},
		{"/tietosuojaseloste/2020-02-08/", map[string]string{"sv": "/sv/dataskyddsbeskrivning/", "en": "/en/privacy-notice/"}},
		{"/tietosuojaseloste/muutokset/", map[string]string{"sv": "/sv/dataskyddsbeskrivning/andringar/", "en": "/en/privacy-notice/changes/"}},
		{"/tietosuojaseloste/omat-tiedot/", map[string]string{"sv": "/sv/dataskyddsbeskrivning/mina-uppgifter/", "en": "/en/privacy-notice/my-data/"}},
		{"/sv/dataskyddsbeskrivning/", map[string]string{"fi": "/tietosuojaseloste/2026-12-02/", "en": "/en/privacy-notice/"}},
		{"/sv/dataskyddsbeskrivning/2026-12-02/", map[string]string{"fi": "/tietosuojaseloste/2026-12-02/", "en": "/en/privacy-notice/2026-12-02/"}},
		{"/sv/dataskyddsbeskrivning/andringar/", map[string]string{"fi": "/tietosuojaseloste/muutokset/", "en": "/en/privacy-notice/changes/"}},
		{"/sv/dataskyddsbeskrivning/mina-uppgifter/", map[string]string{"fi": "/tietosuojaseloste/omat-tiedot/", "en": "/en/privacy-notice/my-data/"}},
		{"/en/privacy-notice/", map[string]string{"fi": "/tietosuojaseloste/2026-12-02/", "sv": "/sv/dataskyddsbeskrivning/"}},
		{"/en/privacy-notice/2026-12-02/", map[string]string{"fi": "/tietosuojaseloste/2026-12-02/", "sv": "/sv/dataskyddsbeskrivning/2026-12-02/"}},
		{"/en/privacy-notice/changes/", map[string]string{"fi": "/tietosuojaseloste/muutokset/", "sv": "/sv/dataskyddsbeskrivning/andringar/"}},
		{"/en/privacy-notice/my-data/", map[string]string{"fi": "/tietosuojaseloste/omat-tiedot/", "sv": "/sv/dataskyddsbeskrivning/mina-uppgifter/"}},
	}
	// Links from pages whose version has no translation say where they go.
	notes := map[string]string{
		"/tietosuojaseloste/ sv":            "(senaste översättningen, 2.12.2026)",
		"/tietosuojaseloste/ en":            "(latest translation, 2 December 2026)",
		"/tietosuojaseloste/2020-02-08/ sv": "(senaste översättningen, 2.12.2026)",
		"/tietosuojaseloste/2020-02-08/ en": "(latest translation, 2 December 2026)",
	}
	space := regexp.MustCompile(`\s+`)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	for _, c := range cases {
		fromLang := "fi"
		if strings.HasPrefix(c.from, "/sv/") {
			fromLang = "sv"
		} else if strings.HasPrefix(c.from, "/en/") {
			fromLang = "en"
		}
		for lang, want := range c.to {
			do(c.from, chromedp.Navigate(srv.URL+c.from), chromedp.WaitReady(`html[lang="`+fromLang+`"] nav.langs`))
			note := eval(`(document.querySelector('nav.langs li[lang="` + lang + `"] .note') || {}).textContent || ""`)
			if want, ok := notes[c.from+" "+lang]; note != want && (ok || note != "") {
				t.Errorf("%s → %s: the link's note is %q, want %q", c.from, lang, note, want)
			}
			do(c.from+" → "+lang,
				chromedp.Click(`nav.langs li[lang="`+lang+`"] a`),
				chromedp.WaitReady(`html[lang="`+lang+`"] main`))
			path, htmlLang := eval(`location.pathname`), eval(`document.documentElement.lang`)
			article := eval(`(document.querySelector("article.seloste") || {}).innerText || ""`)
			if p, _ := url.PathUnescape(path); p != want || htmlLang != lang {
				t.Errorf("%s → %s: landed on %s (lang %s), want %s", c.from, lang, p, htmlLang, want)
				continue
			}
			if stamp, ok := stamps[want]; ok {
				if got := space.ReplaceAllString(article, " "); strings.Count(got, stamp) != 1 {
					t.Errorf("%s → %s: the statement at %s does not read %q", c.from, lang, want, stamp)
				}
			} else if article != "" {
				t.Errorf("%s → %s: %s shows a statement, the test expected none", c.from, lang, want)
			}
		}
	}

	// The Swedish and English current pages say the Finnish text is newer,
	// and their link to it works.
	for page, say := range map[string]string{
		"/sv/dataskyddsbeskrivning/": "Den finska texten är nyare: den uppdaterades senast 5.1.2027.",
		"/en/privacy-notice/":        "The Finnish text is newer: it was last updated on 5 January 2027.",
	} {
		do(page, chromedp.Navigate(srv.URL+page), chromedp.WaitVisible(`.banner.newer-finnish`))
		banner := eval(`document.querySelector(".banner.newer-finnish").innerText`)
		if !strings.Contains(space.ReplaceAllString(banner, " "), say) {
			t.Errorf("%s: the note reads %q, want %q", page, banner, say)
		}
		do(page+" note link", chromedp.Click(`.banner.newer-finnish a`), chromedp.WaitReady(`html[lang="fi"] article.seloste`))
		path := eval(`location.pathname`)
		if path != "/tietosuojaseloste/" {
			t.Errorf("%s: the note's link leads to %s", page, path)
		}
	}
}
