package collect

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/analytics/selfservice"
	"github.com/seloste/seloste/analytics/sqlite"
)

// TestBrowserConsent runs the consent flows in one headless Chromium
// against a collector whose site needs consent, counting at the test
// server every request the pages make: nothing reaches /api/event (nor
// the GIF) before the visitor agrees, on the banner (mouse or keyboard)
// or through seloste.consent from a consent manager; declining, and
// withdrawing (seloste.consent(false) or the real self-service script),
// stop it. Then the report has the banner's counts, and the database
// files hold neither the browser's address nor its User-Agent.
func TestBrowserConsent(t *testing.T) {
	exe := findChromium(t)
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "seloste.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sites := []request.Site{{Domain: "example.test"}} // consent required: the default
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Sites = sites
		cfg.Described = map[string]bool{analytics.ConsentField: true}
		cfg.Queue.FlushInterval = 20 * time.Millisecond
	})
	me, err := selfservice.New(selfservice.Config{Store: st, Sites: sites})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	c.Register(mux)
	me.Register(mux)
	page := func(lang, extra string) string {
		return `<!doctype html><html lang="` + lang + `"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>t</title><style>body{font-family:Georgia,serif;margin:0}</style>
<script src="/s.js" data-site="example.test"` + extra + ` defer></script></head>
<body><p id="content">test page</p><p><a href="/bye">next</a></p></body></html>`
	}
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page(r.URL.Query().Get("lang"), ""))
	})
	mux.HandleFunc("GET /external", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, page("fi", ` data-consent="external"`)) })
	mux.HandleFunc("GET /bye", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<!doctype html><p>bye</p>") })
	// The theme's self-service page, reduced to what its script uses.
	selfJS, err := os.ReadFile(filepath.Join("..", "..", "themes", "seloste", "assets", "js", "omat-tiedot.js"))
	if err != nil {
		t.Fatal(err)
	}
	mux.HandleFunc("GET /omat-tiedot.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(selfJS)
	})
	mux.HandleFunc("GET /omat", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html lang="fi"><head><meta charset="utf-8"><title>omat</title></head><body>
<div id="omat-tiedot" data-api="" data-site="example.test"><p class="tila"></p><table hidden><tbody></tbody></table>
<p><button type="button" class="hae">hae</button> <button type="button" class="poista" hidden>poista</button></p>
<p class="optout"><button type="button" class="optout" hidden></button> <span class="optout-tila"></span></p></div>
<script src="/omat-tiedot.js" defer></script></body></html>`)
	})

	// Every request of the browser to the collector's endpoints, counted
	// as it arrives.
	var events, gifs atomic.Int64
	var mu sync.Mutex
	counted := map[string]int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/event":
			events.Add(1)
		case "/api/event.gif":
			gifs.Add(1)
		case "/api/consent":
			body, _ := io.ReadAll(r.Body)
			var v struct{ Choice string }
			json.Unmarshal(body, &v)
			mu.Lock()
			counted[v.Choice]++
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		mux.ServeHTTP(w, r)
	}))
	defer srv.Close()
	base := "http://example.test:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	consents := func(choice string) int64 { mu.Lock(); defer mu.Unlock(); return counted[choice] }

	ctx, cancel := browser(t, exe)
	defer cancel()
	run := func(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	eval := func(t *testing.T, js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	waitFor := func(t *testing.T, what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting: %s", what)
			}
		}
	}
	bannerShown := func(t *testing.T) bool {
		return eval(t, `String(!!document.getElementById("seloste-consent"))`) == "true"
	}
	stored := func(t *testing.T, path string) int {
		t.Helper()
		var n int
		if err := st.DB().QueryRow(`SELECT count(*) FROM pageview_values WHERE path = ?`, path).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// silent checks that a page sent nothing in its first moments and on
	// leaving: long enough for the tracker's page view, which goes at once.
	silent := func(t *testing.T, step string, before int64) {
		t.Helper()
		time.Sleep(300 * time.Millisecond)
		if n := events.Load() - before; n != 0 || gifs.Load() != 0 {
			t.Fatalf("%s: %d requests to /api/event, %d to the GIF", step, n, gifs.Load())
		}
	}
	fresh := func(t *testing.T) {
		t.Helper()
		run(t, chromedp.Navigate(base+"/bye"))
		eval(t, `localStorage.clear(), ""`)
	}
	choice := func(t *testing.T) string {
		return eval(t, `String(localStorage.getItem("seloste-opt-out"))`)
	}
	// tabTo presses Tab until the banner's button with value v (1 accept,
	// 0 decline) has the focus, visibly.
	tabTo := func(t *testing.T, v string) {
		t.Helper()
		for range 8 {
			run(t, chromedp.KeyEvent(kb.Tab))
			if eval(t, `String(document.activeElement.value)`) == v {
				if eval(t, `String(document.activeElement.matches(":focus-visible") && getComputedStyle(document.activeElement).outlineStyle)`) != "solid" {
					t.Fatal("the focused button shows no focus outline")
				}
				return
			}
		}
		t.Fatalf("Tab never reached the banner's button %s", v)
	}

	t.Run("nothing before accept, then that page view", func(t *testing.T) {
		fresh(t)
		before, shown := events.Load(), consents("shown")
		run(t, chromedp.EmulateViewport(360, 640), chromedp.Navigate(base+"/page?lang=fi"))
		waitFor(t, "the banner", func() bool { return bannerShown(t) })
		silent(t, "banner shown", before)
		waitFor(t, "the banner's count", func() bool { return consents("shown") == shown+1 })
		// Fixed at the bottom over the page, in its font, both answers
		// alike, within a phone's width.
		layout := eval(t, `(() => {
			const b = document.getElementById("seloste-consent"), [a, d] = b.querySelectorAll("button"), r = b.getBoundingClientRect();
			const same = ["width", "height", "fontWeight", "backgroundColor", "color", "borderWidth"].every(k => getComputedStyle(a)[k] === getComputedStyle(d)[k]);
			return [getComputedStyle(b).position, Math.round(r.bottom) === innerHeight && r.width <= innerWidth,
				getComputedStyle(b).fontFamily === getComputedStyle(document.body).fontFamily, same,
				a.getBoundingClientRect().height >= 44, document.documentElement.scrollWidth <= innerWidth,
				a.textContent, d.textContent, b.querySelector("a").getAttribute("href")].join(" ");
		})()`)
		if want := "fixed true true true true true Hyväksy Kieltäydy /tietosuojaseloste/"; layout != want {
			t.Errorf("banner: %q, want %q", layout, want)
		}
		top := eval(t, `String(document.getElementById("content").getBoundingClientRect().top)`)
		run(t, chromedp.Click(chromedp.CSS(`#seloste-consent button[value="1"]`)))
		waitFor(t, "the page view sent on accept", func() bool { return stored(t, "/page") == 1 })
		if bannerShown(t) || choice(t) != "0" || consents("accept") != 1 {
			t.Errorf("after accept: banner %v, choice %s, accepts counted %d", bannerShown(t), choice(t), consents("accept"))
		}
		if now := eval(t, `String(document.getElementById("content").getBoundingClientRect().top)`); now != top {
			t.Errorf("the page moved when the banner went: top %s, then %s", top, now)
		}
		// A later page: no banner, sent at once.
		run(t, chromedp.Navigate(base+"/page?lang=fi&next"))
		waitFor(t, "the next page view", func() bool { return stored(t, "/page") == 2 })
		if bannerShown(t) {
			t.Error("the banner asks again after accept")
		}
	})

	t.Run("seloste.consent(false) stops sending at once", func(t *testing.T) {
		run(t, chromedp.Navigate(base+"/page?lang=fi"))
		waitFor(t, "the page view", func() bool { return stored(t, "/page") == 3 })
		eval(t, `seloste.consent(false), ""`)
		before := events.Load()
		eval(t, `history.pushState({}, "", "/spa/withdrawn"), seloste("Klikkaus"), ""`)
		run(t, chromedp.Navigate(base+"/bye"))
		silent(t, "after withdrawal", before)
		if choice(t) != "1" {
			t.Errorf("choice after withdrawal %s, want 1", choice(t))
		}
		run(t, chromedp.Navigate(base+"/page?lang=fi"))
		silent(t, "a page after withdrawal", before)
		if bannerShown(t) {
			t.Error("the banner asks again after a withdrawal")
		}
	})

	t.Run("decline: nothing sent, not asked again", func(t *testing.T) {
		fresh(t)
		before, shown := events.Load(), consents("shown")
		run(t, chromedp.Navigate(base+"/page?lang=sv"))
		waitFor(t, "the banner", func() bool { return bannerShown(t) })
		if got := eval(t, `[...document.querySelectorAll("#seloste-consent button")].map(b => b.textContent).join(" ")`); got != "Godkänn Avböj" {
			t.Errorf("Swedish buttons %q", got)
		}
		run(t, chromedp.Click(chromedp.CSS(`#seloste-consent button[value="0"]`)))
		waitFor(t, "the decline's count", func() bool { return consents("decline") == 1 })
		run(t, chromedp.Navigate(base+"/page?lang=sv&again"))
		silent(t, "declined", before)
		if bannerShown(t) || consents("shown") != shown+1 {
			t.Errorf("the banner asked again after decline (shown %d times)", consents("shown")-shown)
		}
		// The page's own "privacy settings" link opens it again.
		eval(t, `seloste.choices(), ""`)
		waitFor(t, "the banner from seloste.choices()", func() bool { return bannerShown(t) })
		run(t, chromedp.Click(chromedp.CSS(`#seloste-consent button[value="0"]`)))
		waitFor(t, "the second decline's count", func() bool { return consents("decline") == 2 })
		silent(t, "declined again", before)
	})

	t.Run("keyboard alone", func(t *testing.T) {
		fresh(t)
		before := events.Load()
		run(t, chromedp.Navigate(base+"/page?lang=en"))
		waitFor(t, "the banner", func() bool { return bannerShown(t) })
		tabTo(t, "0")
		run(t, chromedp.KeyEvent(" "))
		waitFor(t, "the decline by Space", func() bool { return choice(t) == "1" })
		silent(t, "declined by keyboard", before)

		fresh(t)
		run(t, chromedp.Navigate(base+"/page?lang=en&keys"))
		waitFor(t, "the banner", func() bool { return bannerShown(t) })
		if got := eval(t, `document.querySelector("#seloste-consent button").textContent`); got != "Accept" {
			t.Errorf("English accept button %q", got)
		}
		tabTo(t, "1")
		run(t, chromedp.KeyEvent(kb.Enter))
		waitFor(t, "the page view after Enter", func() bool { return stored(t, "/page") == 4 })
	})

	t.Run("withdrawal on the self-service page", func(t *testing.T) {
		if choice(t) != "0" {
			t.Fatalf("choice %s: the keyboard's accept did not hold", choice(t))
		}
		run(t, chromedp.Navigate(base+"/omat"))
		waitFor(t, "the withdraw button", func() bool {
			return eval(t, `document.querySelector("button.optout").textContent`) == "Peru suostumus"
		})
		run(t, chromedp.Click(chromedp.CSS(`button.optout`)))
		if choice(t) != "1" {
			t.Fatalf("choice after withdrawing %s", choice(t))
		}
		before := events.Load()
		run(t, chromedp.Navigate(base+"/page?lang=fi"))
		silent(t, "withdrawn on the self-service page", before)
		if bannerShown(t) {
			t.Error("the banner asks right after a withdrawal")
		}
		// Asking again: the banner is back on the next page.
		run(t, chromedp.Navigate(base+"/omat"))
		waitFor(t, "the ask-again button", func() bool {
			return eval(t, `document.querySelector("button.optout").textContent`) == "Kysy minulta uudelleen"
		})
		run(t, chromedp.Click(chromedp.CSS(`button.optout`)))
		run(t, chromedp.Navigate(base+"/page?lang=fi"))
		waitFor(t, "the banner again", func() bool { return bannerShown(t) })
		silent(t, "asked again", before)
	})

	t.Run("external consent manager", func(t *testing.T) {
		fresh(t)
		before, shown := events.Load(), consents("shown")
		run(t, chromedp.Navigate(base+"/external"))
		waitFor(t, "seloste.consent", func() bool { return eval(t, `typeof seloste.consent`) == "function" })
		silent(t, "external, before consent", before)
		if bannerShown(t) || consents("shown") != shown {
			t.Fatal("a banner on a page whose consent manager asks")
		}
		eval(t, `seloste.consent(true), ""`)
		waitFor(t, "the page view after seloste.consent(true)", func() bool { return stored(t, "/external") == 1 })
		run(t, chromedp.Navigate(base+"/external"))
		waitFor(t, "the next page view", func() bool { return stored(t, "/external") == 2 })
	})

	t.Run("counted, not tracked", func(t *testing.T) {
		run(t, chromedp.Navigate(base+"/bye"))
		cancel()
		if err := c.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		today := analytics.Midnight(time.Now(), time.UTC)
		rep, err := st.Report(context.Background(), analytics.Query{Site: "example.test", From: today, To: today, Zone: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		want := analytics.ConsentTotals{Shown: consents("shown"), Accepted: consents("accept"), Declined: consents("decline")}
		if rep.Consent == nil || *rep.Consent != want || want.Shown < 6 || want.Accepted != 2 || want.Declined != 3 {
			t.Fatalf("report's consent %+v, the browser sent %+v (want 2 accepted, 3 declined, 6 or more shown)", rep.Consent, want)
		}
		doc, _ := json.Marshal(rep)
		if !bytes.Contains(doc, []byte(fmt.Sprintf(`"consent":{"shown":%d,"accepted":2,"declined":3,`, want.Shown))) {
			t.Errorf("report document lacks the consent counts: %s", doc)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "seloste.db*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{"127.0.0.1", browserUA, "X11; Linux x86_64", "HeadlessChrome"} {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s holds %q", filepath.Base(f), s)
				}
			}
		}
		if len(files) == 0 {
			t.Fatal("no database files to search")
		}
	})
}
