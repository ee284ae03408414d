package dashboard

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/sqlite"
)

// TestBrowserUsers runs users in headless Chromium against a loopback
// server: an admin sees both sites, the users page and the audit log; a
// viewer sees only their site, gets 403 on admin pages and is sent to the
// login page as soon as they are removed; an invited person sets their
// password through the link and is logged in; the link does not work
// twice, nor after it expired. One browser for all of it.
func TestBrowserUsers(t *testing.T) {
	ctx := browser(t)
	zone, _ := time.LoadLocation("Europe/Helsinki")
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, zone)
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seloste.db"), sqlite.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.Append(context.Background(), analytics.Batch{PageViews: knownViews(now)}); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	f.h.cfg.Reporter, f.h.cfg.Audit = store, store
	f.now = now
	f.changeAuth(t, func(a *auth.File) {
		if err := a.AddUser(auth.User{Name: "ville", Role: auth.RoleViewer, Sites: []string{"example.fi"}}, now); err != nil {
			t.Fatal(err)
		}
		if err := a.SetUserPassword("ville", viewerPassword); err != nil {
			t.Fatal(err)
		}
	})
	srv := httptest.NewServer(f.h)
	defer srv.Close()

	login := func(t *testing.T, name, pw string) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/dashboard/login?lang=en"),
			chromedp.WaitVisible(chromedp.ID("password")),
			chromedp.SendKeys(chromedp.ID("name"), name),
			chromedp.SendKeys(chromedp.ID("password"), pw),
			chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#total-visitors .num")),
		); err != nil {
			t.Fatalf("logging in as %s: %v", name, err)
		}
	}
	logout := func(t *testing.T) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/dashboard?lang=en"),
			chromedp.WaitVisible(chromedp.CSS(`form.logout button`)),
			chromedp.Click(chromedp.CSS(`form.logout button`)),
			chromedp.WaitVisible(chromedp.ID("password")),
		); err != nil {
			t.Fatalf("logging out: %v", err)
		}
	}
	// body opens path and returns the text the browser shows. (The pages'
	// CSP allows no fetch(), so the status is read from what it says.)
	body := func(t *testing.T, path string) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("opening %s: %v", path, err)
		}
		return text(t, ctx, "body")
	}

	t.Run("admin", func(t *testing.T) {
		login(t, "admin", testPassword)
		if got := text(t, ctx, ".sites"); !strings.Contains(got, "toinen.fi") {
			t.Errorf("the admin's site picker %q lacks toinen.fi", got)
		}
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`.usernav a[href^="/dashboard/audit"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.audit")),
		); err != nil {
			t.Fatalf("opening the audit log: %v", err)
		}
		if got := text(t, ctx, "table.audit tbody"); !strings.Contains(got, "admin logged in") {
			t.Errorf("audit log %q lacks the admin's login", got)
		}
		logout(t)
	})

	t.Run("viewer", func(t *testing.T) {
		login(t, "ville", viewerPassword)
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[href*="toinen.fi"], form[action="/dashboard/share"], a[href^="/dashboard/users"]').length`))
		if err != nil || n != 0 {
			t.Errorf("the viewer's page has %d links to the other site, share forms or user pages (%v)", n, err)
		}
		for _, p := range []string{"/dashboard/users?lang=en", "/dashboard/audit?lang=en", "/dashboard?site=toinen.fi&lang=en"} {
			if got := body(t, p); got != "This user may not do this. Ask an admin." {
				t.Errorf("viewer GET %s shows %q, want the 403 text", p, got)
			}
		}
		if got := body(t, "/dashboard?site=toinen.fi&lang=fi"); !strings.HasPrefix(got, "Tämä ei ole sallittua") {
			t.Errorf("the 403 in Finnish reads %q", got)
		}
		if got := body(t, "/api/stats?site=toinen.fi"); !strings.Contains(got, "may not see or do this") {
			t.Errorf("viewer's API call for the other site shows %q", got)
		}
		// Removed on the server ("seloste user remove"): the next request
		// lands on the login page.
		f.changeAuth(t, func(a *auth.File) {
			if err := a.RemoveUser("ville"); err != nil {
				t.Fatal(err)
			}
		})
		if err := chromedp.Do(ctx,
			chromedp.Navigate(srv.URL+"/dashboard?lang=en"),
			chromedp.WaitVisible(chromedp.ID("password")),
		); err != nil {
			t.Fatalf("a removed viewer was not sent to the login page: %v", err)
		}
	})

	t.Run("invitation", func(t *testing.T) {
		var tok string
		f.changeAuth(t, func(a *auth.File) {
			if err := a.AddUser(auth.User{Name: "liisa", Role: auth.RoleViewer, Sites: []string{"example.fi"}, Lang: "sv"}, now); err != nil {
				t.Fatal(err)
			}
			var err error
			if tok, err = a.NewInvite("liisa", now, auth.InviteTTL); err != nil {
				t.Fatal(err)
			}
		})
		link := srv.URL + InvitePath(tok) + "?lang=sv"
		if err := chromedp.Do(ctx,
			chromedp.Navigate(link),
			chromedp.WaitVisible(chromedp.ID("again")),
			chromedp.SendKeys(chromedp.ID("password"), "liisan oma salasana"),
			chromedp.SendKeys(chromedp.ID("again"), "liisan oma salasana"),
			chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#total-visitors .num")),
		); err != nil {
			t.Fatalf("accepting the invitation: %v", err)
		}
		if got := text(t, ctx, ".usernav"); !strings.Contains(got, "liisa") {
			t.Errorf("logged in as %q, want liisa", got)
		}
		logout(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("p.error"))); err != nil {
			t.Fatal(err)
		}
		if got := text(t, ctx, "p.error"); !strings.Contains(got, "redan använd") {
			t.Errorf("a used link reads %q", got)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#password").length`)); n != 0 {
			t.Error("a used link still shows the password form")
		}
		f.changeAuth(t, func(a *auth.File) {
			var err error
			if tok, err = a.NewInvite("liisa", now.Add(-auth.InviteTTL-time.Minute), auth.InviteTTL); err != nil {
				t.Fatal(err)
			}
		})
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+InvitePath(tok)+"?lang=en"), chromedp.WaitVisible(chromedp.CSS("p.error"))); err != nil {
			t.Fatal(err)
		}
		if got := text(t, ctx, "p.error"); !strings.Contains(got, "used, expired or unknown") {
			t.Errorf("an expired link reads %q", got)
		}
	})
}
