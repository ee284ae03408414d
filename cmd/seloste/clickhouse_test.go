package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/storetest"
)

// TestClusterTwoCollectors runs two "seloste serve" processes on one
// two-shard ClickHouse cluster, as behind a load balancer that routes by
// client address (the README's nginx upstream with hash $remote_addr
// consistent): a real Chromium visits pages through one, HTTP clients from
// other addresses through both. The report, from either shard, counts
// every visitor and visit once, as one collector would.
func TestClusterTwoCollectors(t *testing.T) {
	t.Parallel() // own servers and files; mostly waiting for them to start and stop
	exe := chromiumPath(t)
	c := chtest.StartCluster(t)
	db := chtest.Database(t, c.Shards...)
	dsn := c.DSN(db)
	root := t.TempDir()
	public := filepath.Join(root, "public")
	if err := os.MkdirAll(public, 0o755); err != nil {
		t.Fatal(err)
	}
	page := `<!doctype html><html><head><title>%s</title><script src="/s.js" data-site="` + truthSite + `" defer></script></head><body><p>%s</p></body></html>`
	for _, name := range []string{"index", "toinen"} {
		if err := os.WriteFile(filepath.Join(public, name+".html"), fmt.Appendf(nil, page, name, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := func(auth string) []string {
		return []string{"-site", truthSite, "-db", dsn, "-public", public, "-geoip", "none", "-build-notice=false",
			"-auth", filepath.Join(root, auth), "-flush-interval", "50ms", "-trust-proxy", "127.0.0.1/32",
			"-consent", "exempt"} // the browser's page views go at once, with no banner to answer
	}
	a, b := startServe(t, args("a.auth")...), startServe(t, args("b.auth")...)
	urlA := a.url

	// Three visitors from other addresses: two reach collector B, one A,
	// each with two page views of one visit.
	send := func(base, ip, path, id string) {
		t.Helper()
		body := fmt.Sprintf(`{"kind":"pageview","site":%q,"url":"https://%s%s","pageview":%q}`, truthSite, truthSite, path, id)
		if code := postEvent(t, base, body, "X-Forwarded-For", ip); code != http.StatusAccepted {
			t.Fatalf("page view to %s: %d", base, code)
		}
	}
	for i, v := range []struct{ base, ip string }{{b.url, "203.0.113.1"}, {b.url, "203.0.113.2"}, {urlA, "203.0.113.3"}} {
		send(v.base, v.ip, "/", fmt.Sprintf("h%d-1", i))
		send(v.base, v.ip, "/hinnasto", fmt.Sprintf("h%d-2", i))
	}

	// The browser, through collector A: two pages of one visit.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.UserAgent(truthUA),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("host-resolver-rules", "MAP "+truthSite+" 127.0.0.1, EXCLUDE localhost"),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	bctx, cancelB := chromedp.NewContext(actx)
	defer cancelB()
	bctx, cancelT := context.WithTimeout(bctx, 60*time.Second)
	defer cancelT()
	base := strings.Replace(a.url, "127.0.0.1", truthSite, 1)
	for _, path := range []string{"/", "/toinen.html"} {
		if err := chromedp.Do(bctx, chromedp.Navigate(base+path)); err != nil {
			t.Fatalf("load %s: %v\n%s", path, err, a.stderr)
		}
		time.Sleep(300 * time.Millisecond) // the tracker's beacon
	}

	// The report, through either shard, as the CLI prints it.
	report := func(dsn string) analytics.Totals {
		var out bytes.Buffer
		if err := run(context.Background(), []string{"report", "-db", dsn, "-site", truthSite, "-from", "today", "-format", "json"}, &out, io.Discard); err != nil {
			t.Fatalf("report: %v", err)
		}
		var doc struct {
			Totals analytics.Totals `json:"totals"`
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("report: %v\n%s", err, out.String())
		}
		return doc.Totals
	}
	var got analytics.Totals
	for deadline := time.Now().Add(20 * time.Second); ; {
		got = report(dsn)
		if got.PageViews >= 8 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got.PageViews != 8 || got.Visitors != 4 || got.Visits != 4 || got.BounceRate != 0 {
		t.Errorf("report: %d page views, %d visitors, %d visits, bounce rate %v; want 8, 4, 4, 0\n%s\n%s",
			got.PageViews, got.Visitors, got.Visits, got.BounceRate, a.stderr, b.stderr)
	}
	other := c.Shards[1].DSN(db) + "?cluster=" + c.Name
	if again := report(other); again != got {
		t.Errorf("report through the second shard: %+v, through the first %+v", again, got)
	}
}

// TestMigrateCommand copies a SQLite file into ClickHouse and back with
// seloste migrate: each copy ends with the reports of both sides compared.
func TestMigrateCommand(t *testing.T) {
	t.Parallel() // own servers and files; mostly waiting for them to start and stop
	srv := chtest.Start(t)
	dsn := srv.DSN(chtest.Database(t, srv))
	dir := t.TempDir()
	db, back := filepath.Join(dir, "seloste.db"), filepath.Join(dir, "back.db")
	ctx := context.Background()
	st, err := openStore(ctx, db, false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range storetest.Generate(storetest.Small).Batches(1000) {
		if err := st.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	for _, c := range [][2]string{{db, dsn}, {dsn, back}} {
		var out, errs bytes.Buffer
		if err := run(ctx, []string{"migrate", "-from", c[0], "-to", c[1]}, &out, &errs); err != nil {
			t.Fatalf("migrate %s → %s: %v\n%s", c[0], c[1], err, errs.String())
		}
		if !strings.Contains(out.String(), "agree") || !strings.Contains(errs.String(), "both report") {
			t.Errorf("migrate %s → %s said:\n%s%s", c[0], c[1], out.String(), errs.String())
		}
	}
	// Into a store with records: refused.
	if err := run(ctx, []string{"migrate", "-from", db, "-to", dsn}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "already has page views") {
		t.Errorf("migrate into a store with records: %v", err)
	}
	if err := run(ctx, []string{"migrate", "-from", dsn, "-to", back}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("migrate onto an existing file: %v", err)
	}
}

// TestServeStopsOnClickHouse: serve on ClickHouse stops on SIGTERM with
// every accepted page view written, and exits 0. (It closed its store
// twice, and clickhouse-go's second Close blocks: serve hung after
// "stopped".)
func TestServeStopsOnClickHouse(t *testing.T) {
	t.Parallel() // own servers and files; mostly waiting for them to start and stop
	srv := chtest.Start(t)
	db := chtest.Database(t, srv)
	dsn := srv.DSN(db)
	root := t.TempDir()
	s := startServe(t, "-site", "example.fi", "-db", dsn, "-public", root, "-geoip", "none",
		"-build-notice=false", "-auth", filepath.Join(root, "a.auth"))
	if status, _ := sendPageView(http.DefaultClient, s.url, "stop-1"); status != http.StatusAccepted {
		t.Fatalf("page view: %d", status)
	}
	stopped := make(chan error, 1)
	go func() { s.cmd.Process.Signal(syscall.SIGTERM); stopped <- <-s.done }()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("serve exited with %v\n%s", err, s.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve has not exited 30 s after SIGTERM\n%s", s.stderr)
	}
	if n, err := srv.Count(db + ".pageviews"); err != nil || n != 1 {
		t.Errorf("%d page views stored (%v), want 1", n, err)
	}
}
