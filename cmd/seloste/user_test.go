package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/sqlite"
)

// TestUserCommands: an auth file of version 1 (one password, one token) is
// upgraded by the first user command with nothing lost; users are added
// with an invitation link, listed, given a password and removed; each
// change is in the database's audit log, done by "cli", with no visitor
// data in it.
func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	authFile := filepath.Join(dir, "seloste.auth")

	// Version 1, as "seloste passwd" and "seloste token" wrote it.
	var v1 auth.File
	if err := v1.SetPassword("vanha hyvä salasana"); err != nil {
		t.Fatal(err)
	}
	tok, err := v1.AddToken("ci", v1.Users[0].Created)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := json.Marshal(map[string]any{
		"version": 1, "password": v1.Users[0].Password, "session_key": "",
		"tokens": []map[string]any{{"name": "ci", "sha256": v1.Tokens[0].SHA256, "created": v1.Tokens[0].Created}},
	})
	if err := os.WriteFile(authFile, old, 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append(args, "-db", db), &out, &errb)
		return out.String(), errb.String(), err
	}
	out, _, err := cmd("user", "list")
	if err != nil || !strings.Contains(out, "admin") || !strings.Contains(out, "(all)") {
		t.Fatalf("list after upgrade: %v\n%s", err, out)
	}
	out, stderr, err := cmd("user", "add", "ville", "-role", "viewer", "-sites", "a.fi,b.fi", "-email", "ville@example.fi", "-lang", "sv", "-weekly", "-base-url", "https://tilastot.example.fi/")
	if err != nil {
		t.Fatalf("user add: %v\n%s", err, stderr)
	}
	link := strings.TrimSpace(out)
	if !strings.HasPrefix(link, "https://tilastot.example.fi/dashboard/invite/") || !strings.Contains(stderr, "72 hours") {
		t.Fatalf("user add printed %q\n%s", out, stderr)
	}
	if _, _, err := cmd("user", "add", "ville", "-role", "viewer", "-sites", "a.fi"); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("adding ville twice: %v", err)
	}
	if _, _, err := cmd("user", "add", "pekka", "-role", "boss"); err == nil || !strings.Contains(err.Error(), "-role") {
		t.Errorf("a bad role: %v", err)
	}
	if _, _, err := cmd("user", "add", "pekka", "-role", "viewer"); err == nil || !strings.Contains(err.Error(), "no sites") {
		t.Errorf("a viewer without sites: %v", err)
	}

	a, err := auth.Load(authFile)
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := a.VerifyUser("admin", "vanha hyvä salasana"); u == nil || !u.IsAdmin() {
		t.Fatal("the upgrade lost the admin's password")
	}
	if tk, u := a.TokenUser(tok); tk == nil || u.Name != "admin" {
		t.Fatal("the upgrade lost the token")
	}
	v := a.User("ville")
	if v == nil || v.Role != auth.RoleViewer || strings.Join(v.Sites, ",") != "a.fi,b.fi" || v.Email != "ville@example.fi" || v.Lang != "sv" || !v.Weekly || v.Monthly || v.Password != "" {
		t.Fatalf("ville = %+v", v)
	}
	if _, err := a.InviteUser(link[strings.LastIndex(link, "/")+1:], v.Created); err != nil {
		t.Fatalf("the printed link is no open invitation: %v", err)
	}

	stdin = strings.NewReader("villen oma salasana\n")
	if _, stderr, err := cmd("user", "passwd", "ville"); err != nil {
		t.Fatalf("user passwd: %v\n%s", err, stderr)
	}
	a, _ = auth.Load(authFile)
	if u, _ := a.VerifyUser("ville", "villen oma salasana"); u == nil {
		t.Fatal("user passwd did not set the password")
	}
	if _, stderr, err := cmd("user", "set", "ville", "-monthly", "-lang", "en", "-sites", "b.fi"); err != nil {
		t.Fatalf("user set: %v\n%s", err, stderr)
	}
	if _, _, err := cmd("user", "set", "admin", "-role", "viewer", "-sites", "a.fi"); err == nil || !strings.Contains(err.Error(), "last admin") {
		t.Errorf("demoting the last admin: %v", err)
	}
	if _, _, err := cmd("user", "set", "admin", "-weekly"); err == nil || !strings.Contains(err.Error(), "-email") {
		t.Errorf("reports without an address: %v", err)
	}
	a, _ = auth.Load(authFile)
	if v := a.User("ville"); v.Lang != "en" || !v.Monthly || !v.Weekly || strings.Join(v.Sites, ",") != "b.fi" || v.Email != "ville@example.fi" {
		t.Errorf("after user set: %+v", v)
	}
	out, _, _ = cmd("user", "list")
	if !strings.Contains(out, "ville") || !strings.Contains(out, "b.fi") || !strings.Contains(out, "weekly,monthly") || strings.Contains(out, "invited") {
		t.Errorf("list:\n%s", out)
	}
	if _, _, err := cmd("user", "remove", "admin"); err == nil || !strings.Contains(err.Error(), "last admin") {
		t.Errorf("removing the last admin: %v", err)
	}
	if _, _, err := cmd("user", "remove", "ville"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cmd("user", "remove", "ville"); err == nil {
		t.Error("removing ville twice succeeded")
	}

	s, err = sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	entries, err := s.AuditEntries(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Actor != "cli" {
			t.Errorf("entry %+v: actor is not cli", e)
		}
		got = append(got, e.Action+" "+e.Target)
	}
	want := []string{analytics.AuditUserRemove + " ville", analytics.AuditUserChange + " ville", analytics.AuditUserPassword + " ville", analytics.AuditUserAdd + " ville"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("audit log %q, want %q", got, want)
	}
}
