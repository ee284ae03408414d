package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics/auth"
)

func init() { auth.DefaultParams = auth.Params{Memory: 64, Time: 1, Threads: 1} }

func TestPasswdAndToken(t *testing.T) {
	ctx := context.Background()
	f := filepath.Join(t.TempDir(), "seloste.auth")
	var out, errb bytes.Buffer

	stdin = strings.NewReader("liian lyhyt\n")
	if err := run(ctx, []string{"passwd", "-auth", f}, &out, &errb); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Fatalf("short password: %v", err)
	}
	stdin = strings.NewReader("")
	if err := run(ctx, []string{"passwd", "-auth", f}, &out, &errb); err == nil {
		t.Fatal("empty stdin accepted")
	}
	stdin = strings.NewReader("pitkä ja hyvä salasana\r\n")
	if err := run(ctx, []string{"passwd", "-auth", f}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	a, err := auth.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.VerifyPassword("pitkä ja hyvä salasana"); !ok {
		t.Fatal("password from stdin not stored")
	}

	out.Reset()
	if err := run(ctx, []string{"token", "-auth", f, "-name", "ci"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(out.String())
	a, _ = auth.Load(f)
	if name, ok := a.VerifyToken(tok); !ok || name != "ci" {
		t.Fatalf("printed token %q not valid: %q %v", tok, name, ok)
	}
	if ok, _ := a.VerifyPassword("pitkä ja hyvä salasana"); !ok {
		t.Fatal("token command lost the password")
	}
	out.Reset()
	if err := run(ctx, []string{"token", "-auth", f, "-name", "ci"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "-name: a token named \"ci\" exists") {
		t.Fatalf("a second token of the same name: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"token", "-auth", f, "-list"}, &out, &errb); err != nil || !strings.HasPrefix(out.String(), "ci\t") || strings.Contains(out.String(), tok) {
		t.Fatalf("list: %q %v", out.String(), err)
	}
	if err := run(ctx, []string{"token", "-auth", f, "-revoke", "ci"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	a, _ = auth.Load(f)
	if _, ok := a.VerifyToken(tok); ok {
		t.Fatal("revoked token still valid")
	}
	if err := run(ctx, []string{"token", "-auth", f, "-revoke", "ci"}, &out, &errb); err == nil {
		t.Fatal("revoking twice succeeded")
	}
}

func TestAuthFileNextToDB(t *testing.T) {
	dir := t.TempDir()
	stdin = strings.NewReader("pitkä ja hyvä salasana\n")
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"passwd", "-db", filepath.Join(dir, "stats.db")}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	a, err := auth.Load(filepath.Join(dir, "seloste.auth"))
	if err != nil || !a.HasPassword() {
		t.Fatalf("no password in seloste.auth next to the database: %v", err)
	}
	if got := authPathFor("seloste.db"); got != "seloste.auth" {
		t.Errorf("authPathFor(seloste.db) = %q", got)
	}
}
