package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/storetest"
)

// truthUA is a desktop Chrome's User-Agent: headless Chromium's own says
// "HeadlessChrome", which the collector rightly counts as a bot.
const truthUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

// truthSite is the tracked site; Chromium maps it to 127.0.0.1, so the
// pages are a real site's to the tracker (which ignores localhost pages).
const truthSite = "seloste.test"

func chromiumPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("/usr/bin/chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium not found at /usr/bin/chromium; CI must run the browser test")
		}
		t.Skip("chromium not found at /usr/bin/chromium: skipping the end-to-end browser test (apt-get install chromium)")
	}
	return p
}

var listenURL = regexp.MustCompile(`url=http://127\.0\.0\.1:(\d+)/`)

// startServeInProcess runs "seloste serve" through run() until the test
// ends, and returns its port.
func startServeInProcess(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "-addr", "127.0.0.1:0"}, args...), io.Discard, pw)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	})
	port := make(chan string, 1)
	var log strings.Builder
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if m := listenURL.FindStringSubmatch(sc.Text()); m != nil {
				port <- m[1]
			}
		}
	}()
	select {
	case p := <-port:
		return p
	case err := <-done:
		t.Fatalf("serve exited: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

// TestStatementTellsTheTruth builds the notice site from the real content,
// serves it with the collector, loads the current statement in headless
// Chromium and checks that
//   - the page view is recorded in the database;
//   - the statement's list of collected data names exactly the registry's
//     fields, and the database stores exactly the registry's columns;
//   - the self-service page, from the same browser, shows that page view
//     (GET /api/me), and its delete button erases it and its duration;
//   - the same in Swedish and English: each statement's list is the
//     registry's in its language, and each self-service page shows and
//     erases its page view in its language.
func TestStatementTellsTheTruth(t *testing.T) {
	exe := chromiumPath(t)
	ctx := context.Background()
	root := t.TempDir()
	content, public, db := filepath.Join(root, "content"), filepath.Join(root, "public"), filepath.Join(root, "seloste.db")
	if err := os.CopyFS(filepath.Join(content, "tietosuojaseloste"), os.DirFS(exampleStatement)); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"notice", "build", "-content", content, "-out", public, "-themes", "../../themes", "-site", truthSite}, io.Discard, io.Discard); err != nil {
		t.Fatalf("notice build: %v", err)
	}
	port := startServeInProcess(t, "-site", truthSite, "-db", db, "-public", public, "-geoip", "none",
		"-build-notice=false", "-auth", filepath.Join(root, "seloste.auth"), "-flush-interval", "50ms",
		"-consent", "exempt") // the example's statement rests on legitimate interest: the tracker sends at once
	base := "http://" + truthSite + ":" + port

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.UserAgent(truthUA),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("host-resolver-rules", "MAP "+truthSite+" 127.0.0.1, EXCLUDE localhost"),
	)
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	bctx, cancelT := context.WithTimeout(bctx, 90*time.Second)
	defer cancelT()
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			status, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.title + ": " + (document.querySelector("#omat-tiedot .tila") || {}).textContent`))
			t.Fatalf("%s: %v (page: %s)", what, err, status)
		}
	}
	// The delete button asks for confirmation: say yes.
	confirmed := make(chan struct{}, 1)
	err := chromedp.Listen(bctx, func(ev any) {
		if _, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			go func() {
				chromedp.Call(bctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
				confirmed <- struct{}{}
			}()
		}
	})
	if err != nil {
		t.Fatal(err)
	}

	// The current statement, as a visitor opens it.
	do("load the statement", chromedp.Navigate(base+"/tietosuojaseloste/"), chromedp.WaitVisible(`article.seloste`))
	items, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("article.seloste li")].map(li => li.textContent.replace(/\s+/g, " ").trim())`))
	if err != nil {
		t.Fatal(err)
	}

	// Its list of collected data is the registry, field by field, in order
	// (but for fields stored only on request that came after the committed
	// statement: imported statistics, which nothing here stores).
	var want []string
	for _, f := range analytics.Fields {
		if !f.Gated {
			want = append(want, strings.ReplaceAll(analytics.FieldBullet(f), "**", ""))
		}
	}
	var listed []string
	for _, it := range items {
		if strings.Contains(it, "; käyttötarkoitus: ") {
			listed = append(listed, it)
		}
	}
	if !slices.Equal(listed, want) {
		t.Errorf("the statement lists:\n  %s\nthe registry has:\n  %s", strings.Join(listed, "\n  "), strings.Join(want, "\n  "))
	}

	// The page view is recorded.
	store, err := openStore(ctx, db, true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	raw := rawDB(t, db)
	pageview := waitFor(t, func() (string, bool) {
		var id, path string
		err := raw.QueryRow(`SELECT pageview_id, path FROM pageview_values WHERE site = ?`, truthSite).Scan(&id, &path)
		return id, err == nil && path == "/tietosuojaseloste/"
	}, "the statement's page view in the database")

	// The database stores exactly the registry's columns.
	storetest.CheckInventory(t, store)

	// The self-service page of the same browser shows that page view...
	do("self-service page", chromedp.Navigate(base+"/tietosuojaseloste/omat-tiedot/"), chromedp.WaitVisible(`#omat-tiedot button.poista`))
	rows, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#omat-tiedot tbody tr").length`))
	if err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(bctx, chromedp.Text(`#omat-tiedot .tila`))
	if err != nil {
		t.Fatal(err)
	}
	apiIDs, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`fetch("/api/me?site=`+truthSite+`").then(r => r.json()).then(d => d.pageviews.map(p => p.pageview_id))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if rows != 1 || !strings.Contains(status, "on tallennettu 1 sivulataus") || !slices.Equal(apiIDs, []string{pageview}) {
		t.Fatalf("self-service shows %d rows, status %q, /api/me ids %v; want the one page view %s", rows, status, apiIDs, pageview)
	}
	// Leaving the statement sent its visible duration.
	waitFor(t, func() (string, bool) {
		var n int
		raw.QueryRow(`SELECT COUNT(*) FROM leaves WHERE site = ? AND pageview_id = ?`, truthSite, pageview).Scan(&n)
		return "", n > 0
	}, "the statement's visible duration in the database")

	// ...and its delete button erases it, duration included.
	do("delete", chromedp.Click(`#omat-tiedot button.poista`), chromedp.WaitNotVisible(`#omat-tiedot button.poista`))
	if status, err = chromedp.Run(bctx, chromedp.Text(`#omat-tiedot .tila`)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-confirmed:
	default:
		t.Error("the delete button did not ask for confirmation")
	}
	if !strings.Contains(status, "Poistettu 1 sivulatausta") {
		t.Errorf("status after delete: %q", status)
	}
	var pvs, leaves int
	raw.QueryRow(`SELECT COUNT(*) FROM pageviews WHERE site = ?`, truthSite).Scan(&pvs)
	raw.QueryRow(`SELECT COUNT(*) FROM leaves WHERE site = ?`, truthSite).Scan(&leaves)
	if pvs != 0 || leaves != 0 {
		t.Errorf("after delete: %d page views and %d leaves left", pvs, leaves)
	}

	// The same in Swedish and English: the statement's list is the
	// registry's in that language, and the self-service page in that
	// language shows the page view and erases it.
	for _, c := range []struct{ lang, page, self, list, shown, erased string }{
		{"sv", "/sv/dataskyddsbeskrivning/", "/sv/dataskyddsbeskrivning/mina-uppgifter/", "; ändamål: ", "har 1 sidladdning sparats", "Raderade 1 sidladdning och"},
		{"en", "/en/privacy-notice/", "/en/privacy-notice/my-data/", "; purpose: ", "1 page load is stored", "Deleted 1 page load and"},
	} {
		do(c.lang+" statement", chromedp.Navigate(base+c.page), chromedp.WaitVisible(`article.seloste`))
		items, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("article.seloste li")].map(li => li.textContent.replace(/\s+/g, " ").trim())`))
		if err != nil {
			t.Fatal(err)
		}
		var want, listed []string
		for _, f := range analytics.Fields {
			if !f.Gated {
				want = append(want, strings.ReplaceAll(analytics.FieldBulletIn(f, c.lang), "**", ""))
			}
		}
		for _, it := range items {
			if strings.Contains(it, c.list) {
				listed = append(listed, it)
			}
		}
		if !slices.Equal(listed, want) {
			t.Errorf("%s: the statement lists:\n  %s\nthe registry has:\n  %s", c.lang, strings.Join(listed, "\n  "), strings.Join(want, "\n  "))
		}
		waitFor(t, func() (string, bool) {
			var n int
			raw.QueryRow(`SELECT COUNT(*) FROM pageview_values WHERE site = ? AND path = ?`, truthSite, c.page).Scan(&n)
			return "", n == 1
		}, "the "+c.lang+" statement's page view in the database")
		do(c.lang+" self-service", chromedp.Navigate(base+c.self), chromedp.WaitVisible(`#omat-tiedot button.poista`))
		if status, err = chromedp.Run(bctx, chromedp.Text(`#omat-tiedot .tila`)); err != nil || !strings.Contains(status, c.shown) {
			t.Errorf("%s self-service status %q (%v), want %q", c.lang, status, err, c.shown)
		}
		do(c.lang+" delete", chromedp.Click(`#omat-tiedot button.poista`), chromedp.WaitNotVisible(`#omat-tiedot button.poista`))
		if status, err = chromedp.Run(bctx, chromedp.Text(`#omat-tiedot .tila`)); err != nil || !strings.Contains(status, c.erased) {
			t.Errorf("%s status after delete %q (%v), want %q", c.lang, status, err, c.erased)
		}
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() (string, bool), what string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if v, ok := cond(); ok {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}
