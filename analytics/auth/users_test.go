package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A version 1 file (one password, a token, a share link, a logout) is read
// as version 2 with nothing lost: the password is the admin's, the token
// theirs, and sessions signed before the upgrade still verify.
func TestUpgradeFromSinglePassword(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seloste.auth")
	hash, err := hashPassword("vanha hyvä salasana", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	tokDigest := tokenDigest("seloste_vanha")
	v1 := `{"version":1,"password":"` + hash + `","session_key":"` + strings.Repeat("QUJD", 11) + `",
		"tokens":[{"name":"ci","sha256":"` + tokDigest + `","created":"2026-01-01T00:00:00Z"}],
		"shares":[{"site":"a.fi","id":"jaettu","created":"2026-01-01T00:00:00Z"}],
		"logged_out":[{"sha256":"ab","expires":"2099-01-01T00:00:00Z"}]}`
	if err := os.WriteFile(path, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	old := &File{SessionKey: strings.Repeat("QUJD", 11), Password: hash}
	oldKey := old.derive(hash) // version 1's Key(): the key, 0, the hash
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	a := f.User(DefaultAdmin)
	if a == nil || !a.IsAdmin() || a.Password != hash || f.Password != "" {
		t.Fatalf("upgraded users %+v, password %q", f.Users, f.Password)
	}
	if u, err := f.VerifyUser("admin", "vanha hyvä salasana"); err != nil || u == nil {
		t.Fatalf("old password refused: %v", err)
	}
	if tk, u := f.TokenUser("seloste_vanha"); tk == nil || u.Name != "admin" {
		t.Fatal("the old token does not act as the admin")
	}
	if site, ok := f.ShareSite("jaettu"); !ok || site != "a.fi" || !f.IsLoggedOut("") && len(f.LoggedOut) != 1 {
		t.Fatal("share link or logouts lost")
	}
	if k, u, ok := f.LegacyKey(); !ok || u.Name != "admin" || string(k) != string(oldKey) {
		t.Fatal("sessions of version 1 no longer verify")
	}
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `"version": 2`) || strings.Contains(string(raw), `"password": "$`) && !strings.Contains(string(raw), `"users"`) {
		t.Fatalf("saved file:\n%s", raw)
	}
	// A new password ends the sessions of version 1 too.
	if err := f.SetUserPassword("admin", "uusi hyvä salasana"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := f.LegacyKey(); ok {
		t.Fatal("the legacy key survived a new password")
	}
}

func TestUsersAndInvites(t *testing.T) {
	f := &File{}
	if err := f.ensureKey(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	if err := f.AddUser(User{Name: "maija", Role: RoleAdmin}, now); err != nil {
		t.Fatal(err)
	}
	if err := f.AddUser(User{Name: "ville", Role: RoleViewer}, now); err == nil {
		t.Fatal("a viewer without sites was added")
	}
	if err := f.AddUser(User{Name: "Ville!", Role: RoleViewer, Sites: []string{"a.fi"}}, now); err == nil {
		t.Fatal("a bad name was accepted")
	}
	if err := f.AddUser(User{Name: "ville", Role: RoleViewer, Sites: []string{"a.fi"}, Lang: "sv"}, now); err != nil {
		t.Fatal(err)
	}
	v := f.User("ville")
	if !v.CanSee("a.fi") || v.CanSee("b.fi") || !f.User("maija").CanSee("b.fi") {
		t.Fatal("site access is wrong")
	}
	tok, err := f.NewInvite("ville", now, InviteTTL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.InviteUser(tok, now.Add(InviteTTL)); !errors.Is(err, ErrInvite) {
		t.Fatalf("an expired invitation was accepted: %v", err)
	}
	if _, err := f.AcceptInvite(tok, "lyhyt", now); err == nil {
		t.Fatal("a short password was accepted")
	}
	u, err := f.AcceptInvite(tok, "villen oma salasana", now.Add(time.Hour))
	if err != nil || u.Name != "ville" {
		t.Fatal(err)
	}
	if _, err := f.AcceptInvite(tok, "toinen salasana tässä", now.Add(time.Hour)); !errors.Is(err, ErrInvite) {
		t.Fatalf("a used invitation was accepted again: %v", err)
	}
	key := f.UserKey(f.User("ville"))
	if err := f.SetUserPassword("ville", "villen uusi salasana"); err != nil {
		t.Fatal(err)
	}
	if string(key) == string(f.UserKey(f.User("ville"))) {
		t.Fatal("a new password kept the session key")
	}
	vt, err := f.AddUserToken("ville-api", "ville", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.RemoveUser("maija"); err == nil {
		t.Fatal("the last admin was removed")
	}
	if err := f.RemoveUser("ville"); err != nil {
		t.Fatal(err)
	}
	if tk, _ := f.TokenUser(vt); tk != nil || len(f.Tokens) != 0 {
		t.Fatal("a removed user's token still works")
	}
	if u, _ := f.VerifyUser("ville", "villen uusi salasana"); u != nil {
		t.Fatal("a removed user logs in")
	}
}

// A version 1 file with a token and no password yet keeps its token: an
// admin without a password owns it.
func TestUpgradeTokenWithoutPassword(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seloste.auth")
	v1 := `{"version":1,"session_key":"","tokens":[{"name":"ci","sha256":"` + tokenDigest("seloste_t") + `","created":"2026-01-01T00:00:00Z"}]}`
	if err := os.WriteFile(path, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if tk, u := f.TokenUser("seloste_t"); tk == nil || !u.IsAdmin() || f.HasPassword() {
		t.Fatalf("token lost in the upgrade: %+v", f.Users)
	}
}

func TestUpdateUserAndUsersOf(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f := &File{}
	for _, u := range []User{{Name: "maija", Role: RoleAdmin}, {Name: "ville", Role: RoleViewer, Sites: []string{"a.fi"}}} {
		if err := f.AddUser(u, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.UpdateUser("maija", func(u *User) { u.Role = RoleViewer; u.Sites = []string{"a.fi"} }); err == nil {
		t.Fatal("the last admin was made a viewer")
	}
	if err := f.UpdateUser("ville", func(u *User) { u.Lang = "de" }); err == nil {
		t.Fatal("a language other than fi, sv, en was taken")
	}
	if err := f.UpdateUser("ville", func(u *User) { u.Email, u.Weekly, u.Sites = "ville@example.fi", true, []string{"a.fi", "b.fi"} }); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range f.UsersOf("b.fi") {
		names = append(names, u.Name)
	}
	if strings.Join(names, ",") != "maija,ville" || !f.User("ville").Weekly {
		t.Errorf("UsersOf(b.fi) = %v", names)
	}
	if len(f.UsersOf("c.fi")) != 1 {
		t.Error("a viewer sees a site not theirs")
	}
}
