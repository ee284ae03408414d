package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/sqlite"
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

// TestAuthRefusesForeignDB: passwd and token with -db naming another
// program's SQLite database refuse, as every other command does, and
// write nothing beside it; a seloste database beside them is accepted.
func TestAuthRefusesForeignDB(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct{ name, setup string }{
		{"own table", `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')`},
		{"application id", `PRAGMA application_id = 1179535687; CREATE TABLE t (x)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			foreign := filepath.Join(dir, "other.db")
			db, err := sql.Open("sqlite", foreign)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(c.setup); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(foreign)
			if err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"passwd", "-db", foreign},
				{"token", "-db", foreign, "-name", "ci"},
				{"token", "-db", foreign, "-list"},
				{"token", "-db", foreign, "-revoke", "ci"},
			} {
				stdin = strings.NewReader("pitkä ja hyvä salasana\n")
				var out, errb bytes.Buffer
				err := run(ctx, args, &out, &errb)
				if err == nil || !strings.Contains(err.Error(), foreign) || !strings.Contains(err.Error(), "left unchanged") {
					t.Errorf("%s: %v, want a refusal naming %s", strings.Join(args, " "), err, foreign)
				}
				if out.Len() > 0 {
					t.Errorf("%s printed %q", strings.Join(args, " "), out.String())
				}
			}
			if after, _ := os.ReadFile(foreign); !bytes.Equal(after, before) {
				t.Error("the foreign database changed")
			}
			if names := dirNames(t, dir); !slices.Equal(names, []string{"other.db"}) {
				t.Errorf("files beside the foreign database: %v, want only other.db", names)
			}
		})
	}

	// A seloste database is accepted.
	dir := t.TempDir()
	path := filepath.Join(dir, "seloste.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"token", "-db", path, "-name", "ci"}, &out, &errb); err != nil {
		t.Fatalf("token beside a seloste database: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "seloste.auth")); err != nil {
		t.Error(err)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
