package dashboard

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/sqlite"
)

const viewerPassword = "katselijan oma salasana"

// usersFixture is the fixture with an audit log in SQLite and a viewer
// "ville" of example.fi (the admin is the fixture's "admin"), who has a
// bearer token of their own.
func usersFixture(t *testing.T) (*fixture, *sqlite.Store, string) {
	t.Helper()
	f := newFixture(t)
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "seloste.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f.h.cfg.Audit = store
	var tok string
	f.changeAuth(t, func(a *auth.File) {
		if err := a.AddUser(auth.User{Name: "ville", Role: auth.RoleViewer, Sites: []string{"example.fi"}}, f.now); err != nil {
			t.Fatal(err)
		}
		if err := a.SetUserPassword("ville", viewerPassword); err != nil {
			t.Fatal(err)
		}
		var err error
		if tok, err = a.AddUserToken("ville-api", "ville", f.now); err != nil {
			t.Fatal(err)
		}
	})
	return f, store, tok
}

// changeAuth changes the auth file as "seloste user" does.
func (f *fixture) changeAuth(t testing.TB, change func(*auth.File)) {
	t.Helper()
	a, err := auth.Load(f.authFile)
	if err != nil {
		t.Fatal(err)
	}
	change(a)
	if err := a.Save(f.authFile); err != nil {
		t.Fatal(err)
	}
}

// loginAs logs in through the form with a user name and returns the
// session cookie, or nil.
func (f *fixture) loginAs(t testing.TB, name, password string) *http.Cookie {
	t.Helper()
	w := f.do(httptest.NewRequest("GET", "/dashboard/login", nil))
	m := csrfRE.FindStringSubmatch(w.Body.String())
	var nonce *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == loginCookie {
			nonce = c
		}
	}
	if m == nil || nonce == nil {
		t.Fatalf("login page: %d", w.Code)
	}
	form := url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}}
	r := httptest.NewRequest("POST", "/dashboard/login", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "192.0.2.77:5555"
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) TestAgent/1.0")
	r.AddCookie(nonce)
	w = f.do(r)
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie && c.MaxAge >= 0 {
			return c
		}
	}
	return nil
}

// post sends a form with the session's CSRF token, read from page.
func (f *fixture) post(t testing.TB, c *http.Cookie, page, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	m := csrfRE.FindStringSubmatch(f.get(page, c).Body.String())
	if m == nil {
		t.Fatalf("no CSRF token on %s", page)
	}
	form.Set("csrf", m[1])
	r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(c)
	return f.do(r)
}

func TestViewerSeesOnlyTheirSites(t *testing.T) {
	f, store, viewerToken := usersFixture(t)
	admin := f.loginAs(t, "admin", testPassword)
	viewer := f.loginAs(t, "ville", viewerPassword)
	if admin == nil || viewer == nil {
		t.Fatal("login failed")
	}
	if f.loginAs(t, "ville", testPassword) != nil {
		t.Fatal("the admin's password logged the viewer in")
	}

	w := f.get("/dashboard?lang=en", viewer)
	if w.Code != 200 || strings.Contains(w.Body.String(), "toinen.fi") || strings.Contains(w.Body.String(), `action="/dashboard/share"`) ||
		strings.Contains(w.Body.String(), "/dashboard/users") {
		t.Errorf("viewer's dashboard: %d, shows the other site, the share form or the users link", w.Code)
	}
	if w := f.get("/dashboard?lang=en", admin); !strings.Contains(w.Body.String(), "toinen.fi") || !strings.Contains(w.Body.String(), `action="/dashboard/share"`) {
		t.Error("the admin's dashboard lacks the other site or the share form")
	}
	forbidden := []string{"/dashboard?site=toinen.fi", "/dashboard?site=nosuch.fi", "/dashboard/export.csv?site=toinen.fi&breakdown=page", "/dashboard/users", "/dashboard/audit"}
	for _, p := range forbidden {
		w := f.get(p+"&lang=sv", viewer)
		if !strings.Contains(p, "?") {
			w = f.get(p+"?lang=sv", viewer)
		}
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "Den här användaren får inte") {
			t.Errorf("viewer GET %s: %d %q, want 403 in Swedish", p, w.Code, w.Body)
		}
	}
	if w := f.get("/dashboard/export.csv?site=example.fi&breakdown=page", viewer); w.Code != 200 {
		t.Errorf("viewer's own CSV: %d", w.Code)
	}
	if w := f.post(t, viewer, "/dashboard", "/dashboard/share", url.Values{"site": {"example.fi"}, "action": {"create"}, "lang": {"en"}}); w.Code != http.StatusForbidden ||
		!strings.Contains(w.Body.String(), "This user may not") {
		t.Errorf("viewer creating a share link: %d %q", w.Code, w.Body)
	}
	if w := f.post(t, admin, "/dashboard", "/dashboard/share", url.Values{"site": {"example.fi"}, "action": {"create"}}); w.Code != http.StatusSeeOther {
		t.Errorf("admin creating a share link: %d", w.Code)
	}
	// The viewer sees the link the admin made, without its forms.
	if body := f.get("/dashboard", viewer).Body.String(); !strings.Contains(body, "/share/") || strings.Contains(body, `value="delete"`) {
		t.Error("the viewer does not see the share link, or sees its delete button")
	}

	api := func(tok, site string) int {
		r := httptest.NewRequest("GET", "/api/stats?period=7d&site="+site, nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return f.do(r).Code
	}
	if c := api(viewerToken, "example.fi"); c != 200 {
		t.Errorf("viewer's token, own site: %d", c)
	}
	if c := api(viewerToken, "toinen.fi"); c != http.StatusForbidden {
		t.Errorf("viewer's token, other site: %d, want 403", c)
	}
	if c := api(f.token, "toinen.fi"); c != 200 {
		t.Errorf("admin's token, other site: %d", c)
	}
	r := httptest.NewRequest("GET", "/metrics", nil)
	r.Header.Set("Authorization", "Bearer "+viewerToken)
	if _, given, ok := f.h.BearerToken(r); !given || ok {
		t.Error("a viewer's token opens /metrics, which shows every site")
	}

	// Removed: the next request goes to the login page, the token fails.
	f.changeAuth(t, func(a *auth.File) {
		if err := a.RemoveUser("ville"); err != nil {
			t.Fatal(err)
		}
	})
	if w := f.get("/dashboard", viewer); w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/dashboard/login") {
		t.Errorf("removed viewer: %d %q, want 303 to the login page", w.Code, w.Header().Get("Location"))
	}
	if c := api(viewerToken, "example.fi"); c != http.StatusUnauthorized {
		t.Errorf("removed viewer's token: %d, want 401", c)
	}

	// A new password ends the admin's sessions at once.
	f.changeAuth(t, func(a *auth.File) {
		if err := a.SetUserPassword("admin", "ylläpitäjän uusi salasana"); err != nil {
			t.Fatal(err)
		}
	})
	if w := f.get("/dashboard", admin); w.Code != http.StatusSeeOther {
		t.Errorf("admin after a new password: %d, want 303", w.Code)
	}

	// The audit log has the logins, the failed one, the share link; and
	// nothing of the client's address or agent.
	entries, err := store.AuditEntries(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Actor+" "+e.Action+" "+e.Target)
		for _, s := range []string{e.Actor, e.Action, e.Target} {
			if strings.Contains(s, "192.0.2") || strings.Contains(s, "Mozilla") || strings.Contains(s, "TestAgent") {
				t.Errorf("audit entry %+v holds visitor-like data", e)
			}
		}
	}
	want := []string{"admin share.create example.fi", "ville login.failed ", "ville login ", "admin login "}
	if strings.Join(actions, "|") != strings.Join(want, "|") {
		t.Errorf("audit log:\n%q\nwant\n%q", actions, want)
	}
}

// A session cookie of version 1 (one password, no user name) still opens
// the dashboard after the upgrade, as the upgraded admin's.
func TestLegacySessionAfterUpgrade(t *testing.T) {
	f := newFixture(t)
	// As auth.Load leaves a version 1 file: its password the admin's, who
	// has not set a new one since (epoch 0).
	f.changeAuth(t, func(a *auth.File) { a.LegacyAdmin, a.Users[0].Epoch = "admin", 0 })
	a, err := auth.Load(f.authFile)
	if err != nil {
		t.Fatal(err)
	}
	key, _, ok := a.LegacyKey()
	if !ok {
		t.Fatal("no legacy key")
	}
	// Version 1's cookie: base64(16 random bytes + expiry) "." signature.
	var raw [24]byte
	rand.Read(raw[:16])
	binary.BigEndian.PutUint64(raw[16:], uint64(f.now.Add(time.Hour).Unix()))
	body := b64.EncodeToString(raw[:])
	sig := b64.EncodeToString(mac(key, "session", body))
	old := &http.Cookie{Name: sessionCookie, Value: body + "." + sig}
	if w := f.get("/dashboard", old); w.Code != 200 || !strings.Contains(w.Body.String(), "/dashboard/users") {
		t.Fatalf("version 1 session: %d, want the admin's dashboard", w.Code)
	}
	forged := &http.Cookie{Name: sessionCookie, Value: body + "." + b64.EncodeToString(mac([]byte("wrong"), "session", body))}
	if w := f.get("/dashboard", forged); w.Code != http.StatusSeeOther {
		t.Errorf("forged version 1 session: %d", w.Code)
	}
}

func TestInvitationOnce(t *testing.T) {
	f, _, _ := usersFixture(t)
	var tok string
	f.changeAuth(t, func(a *auth.File) {
		if err := a.AddUser(auth.User{Name: "liisa", Role: auth.RoleViewer, Sites: []string{"toinen.fi"}}, f.now); err != nil {
			t.Fatal(err)
		}
		var err error
		if tok, err = a.NewInvite("liisa", f.now, auth.InviteTTL); err != nil {
			t.Fatal(err)
		}
	})
	page := f.get(InvitePath(tok)+"?lang=en", nil)
	m := csrfRE.FindStringSubmatch(page.Body.String())
	if page.Code != 200 || m == nil || !strings.Contains(page.Body.String(), "liisa") {
		t.Fatalf("invitation page: %d", page.Code)
	}
	send := func(pw, again string) *httptest.ResponseRecorder {
		form := url.Values{"csrf": {m[1]}, "password": {pw}, "again": {again}}
		r := httptest.NewRequest("POST", InvitePath(tok), strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return f.do(r)
	}
	if w := send("liisan salasana 1", "liisan salasana 2"); w.Code != http.StatusBadRequest {
		t.Errorf("different passwords: %d", w.Code)
	}
	if w := send("lyhyt", "lyhyt"); w.Code != http.StatusBadRequest {
		t.Errorf("short password: %d", w.Code)
	}
	w := send("liisan oma salasana", "liisan oma salasana")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/dashboard" {
		t.Fatalf("accepting: %d %q", w.Code, w.Header().Get("Location"))
	}
	var c *http.Cookie
	for _, k := range w.Result().Cookies() {
		if k.Name == sessionCookie {
			c = k
		}
	}
	if w := f.get("/dashboard", c); w.Code != 200 || !strings.Contains(w.Body.String(), "toinen.fi") {
		t.Errorf("the invited user's dashboard: %d", w.Code)
	}
	if w := send("toinen salasana tähän", "toinen salasana tähän"); w.Code != http.StatusGone {
		t.Errorf("the link used twice: %d, want 410", w.Code)
	}
	if w := f.get(InvitePath(tok), nil); w.Code != http.StatusGone {
		t.Errorf("the used link's page: %d, want 410", w.Code)
	}
	if f.loginAs(t, "liisa", "liisan oma salasana") == nil {
		t.Error("the password set by invitation does not log in")
	}
	// An expired link.
	f.changeAuth(t, func(a *auth.File) {
		var err error
		if tok, err = a.NewInvite("liisa", f.now, auth.InviteTTL); err != nil {
			t.Fatal(err)
		}
	})
	f.now = f.now.Add(auth.InviteTTL + time.Minute)
	if w := f.get(InvitePath(tok)+"?lang=fi", nil); w.Code != http.StatusGone || !strings.Contains(w.Body.String(), "vanhentunut") {
		t.Errorf("expired link: %d", w.Code)
	}
}

// TestUsersPage: an admin lists users, makes a new invitation link (shown
// once, working) and removes a user on the dashboard, each in the audit
// log; an admin cannot remove themselves.
func TestUsersPage(t *testing.T) {
	f, store, _ := usersFixture(t)
	admin := f.loginAs(t, "admin", testPassword)
	body := f.get("/dashboard/users?lang=en", admin).Body.String()
	if !strings.Contains(body, "ville") || !strings.Contains(body, "viewer") || !strings.Contains(body, "example.fi") {
		t.Fatalf("users page lacks ville:\n%s", body)
	}
	w := f.post(t, admin, "/dashboard/users", "/dashboard/users", url.Values{"name": {"ville"}, "action": {"invite"}, "lang": {"en"}})
	m := regexp.MustCompile(`http://[^<"]+/dashboard/invite/([A-Za-z0-9_-]+)`).FindStringSubmatch(w.Body.String())
	if w.Code != 200 || m == nil {
		t.Fatalf("new invitation: %d, no link shown", w.Code)
	}
	if page := f.get(InvitePath(m[1]), nil); page.Code != 200 {
		t.Errorf("the shown link: %d", page.Code)
	}
	if w := f.post(t, admin, "/dashboard/users", "/dashboard/users", url.Values{"name": {"admin"}, "action": {"remove"}}); w.Code != http.StatusBadRequest {
		t.Errorf("removing oneself: %d", w.Code)
	}
	if w := f.post(t, admin, "/dashboard/users", "/dashboard/users", url.Values{"name": {"ville"}, "action": {"remove"}}); w.Code != http.StatusSeeOther {
		t.Errorf("removing ville: %d", w.Code)
	}
	a, _ := auth.Load(f.authFile)
	if a.User("ville") != nil {
		t.Error("ville is still there")
	}
	entries, _ := store.AuditEntries(context.Background(), 2)
	if len(entries) != 2 || entries[0].Action != analytics.AuditUserRemove || entries[1].Action != analytics.AuditUserInvite || entries[0].Target != "ville" {
		t.Errorf("audit log: %+v", entries)
	}
}
