package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func init() {
	// Keep tests fast; the format and the code path are the same.
	DefaultParams = Params{Memory: 64, Time: 1, Threads: 1}
}

func TestPasswordRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seloste.auth")
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.HasPassword() {
		t.Fatal("new file has a password")
	}
	if _, err := f.VerifyPassword("anything-at-all"); err != ErrNoPassword {
		t.Fatalf("VerifyPassword without password: %v", err)
	}
	if err := f.SetPassword("lyhyt"); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("short password accepted: %v", err)
	}
	if err := f.SetPassword("oikein hyvä salasana"); err != nil {
		t.Fatal(err)
	}
	if len(f.Users) != 1 || f.Users[0].Name != DefaultAdmin || !f.Users[0].IsAdmin() ||
		!strings.HasPrefix(f.Users[0].Password, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("users %+v: want one admin with a PHC argon2id hash", f.Users)
	}
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), "hyvä") {
		t.Fatal("password stored in the clear")
	}
	g, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]bool{"oikein hyvä salasana": true, "oikein hyvä salasanA": false, "": false} {
		ok, err := g.VerifyPassword(pw)
		if err != nil || ok != want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	if string(g.Key()) != string(f.Key()) {
		t.Error("session key changed on reload")
	}
	k := g.Key()
	if err := g.SetPassword("toinen hyvä salasana"); err != nil {
		t.Fatal(err)
	}
	if string(k) == string(g.Key()) {
		t.Error("a new password must change the session key")
	}
}

func TestTokens(t *testing.T) {
	f := &File{Users: []User{{Name: "admin", Role: RoleAdmin}}}
	now := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	tok, err := f.AddToken("ci", now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, TokenPrefix) || len(tok) < 40 {
		t.Fatalf("token %q", tok)
	}
	if _, err := f.AddToken("ci", now); err == nil {
		t.Fatal("duplicate name accepted")
	}
	if _, err := f.AddToken("bad name", now); err == nil {
		t.Fatal("name with a space accepted")
	}
	if name, ok := f.VerifyToken(tok); !ok || name != "ci" {
		t.Fatalf("VerifyToken = %q, %v", name, ok)
	}
	if _, ok := f.VerifyToken(tok + "x"); ok {
		t.Fatal("wrong token accepted")
	}
	if strings.Contains(f.Tokens[0].SHA256, tok) {
		t.Fatal("token stored in the clear")
	}
	if err := f.RevokeToken("ci"); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.VerifyToken(tok); ok {
		t.Fatal("revoked token accepted")
	}
	if err := f.RevokeToken("ci"); err == nil {
		t.Fatal("revoking a missing token succeeded")
	}
}

func TestShares(t *testing.T) {
	f := &File{}
	now := time.Now()
	id, err := f.AddShare("example.fi", now)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := f.AddShare("example.fi", now)
	if again != id {
		t.Fatal("AddShare made a second link")
	}
	if site, ok := f.ShareSite(id); !ok || site != "example.fi" {
		t.Fatalf("ShareSite = %q, %v", site, ok)
	}
	if _, ok := f.ShareSite(""); ok {
		t.Fatal("empty id matched")
	}
	f.RemoveShare("example.fi")
	if _, ok := f.ShareSite(id); ok {
		t.Fatal("removed link still works")
	}
}

func TestLoadDamaged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seloste.auth")
	os.WriteFile(path, []byte(`{"version":1,"password":"plain"}`), 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "argon2id") {
		t.Fatalf("Load of a damaged file: %v", err)
	}
	os.WriteFile(path, []byte(`{not json`), 0o600)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("Load of bad JSON: %v", err)
	}
}
