package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seloste/seloste/notice/site"
)

// writeTestFile writes data to root/name, making its folders.
func writeTestFile(t *testing.T, root, name, data string) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNoticeBuildThemes runs "notice build" with its defaults in a folder
// of the test's own: without themes/ it builds with the built-in theme;
// with themes/seloste/ that folder's files override it; a -themes folder
// without seloste/ is an error naming the flag.
func TestNoticeBuildThemes(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, dir, "content/tietosuojaseloste/2026-01-15.md", "---\ntitle: Tietosuojaseloste\nlang: fi\nsummary: Ensimmäinen versio.\n---\n\n"+
		"Testi Oy kertoo tässä, mitä tietoja se kerää.\n\n## Rekisterinpitäjä\n\nTesti Oy\n")
	t.Chdir(dir)
	build := func(args ...string) error {
		t.Helper()
		var stdout bytes.Buffer
		err := run(context.Background(), append([]string{"notice", "build"}, args...), &stdout, io.Discard)
		if err == nil && !strings.Contains(stdout.String(), "built public: 1 published version(s)") {
			t.Errorf("notice build %v printed %q", args, stdout.String())
		}
		return err
	}

	if err := build(); err != nil {
		t.Fatalf("without themes/: %v", err)
	}
	page := readFile(t, filepath.Join("public", "tietosuojaseloste", "index.html"))
	if !strings.Contains(page, "Testi Oy kertoo tässä") || !strings.Contains(page, `<a class="skip"`) {
		t.Errorf("the built-in theme's page:\n%s", page)
	}

	writeTestFile(t, dir, "themes/seloste/layouts/home.html", "{{ define \"main\" }}<p class=\"oma-etusivu\">{{ .Title }}</p>{{ end }}\n")
	if err := build(); err != nil {
		t.Fatalf("with themes/seloste/: %v", err)
	}
	if home := readFile(t, filepath.Join("public", "index.html")); !strings.Contains(home, `<p class="oma-etusivu">`) || !strings.Contains(home, `<a class="skip"`) {
		t.Errorf("themes/seloste/layouts/home.html does not override the built-in one:\n%s", home)
	}

	// A themes folder with no seloste/ is not used by default, and an
	// error when named.
	if err := os.Rename("themes/seloste", "themes/other"); err != nil {
		t.Fatal(err)
	}
	if err := build(); err != nil {
		t.Fatalf("with themes/ but no themes/seloste/: %v", err)
	}
	if home := readFile(t, filepath.Join("public", "index.html")); strings.Contains(home, "oma-etusivu") {
		t.Error("themes/other was used")
	}
	err := build("-themes", "themes")
	if !errors.Is(err, site.ErrNoTheme) || !strings.HasPrefix(err.Error(), "-themes themes: ") {
		t.Errorf("-themes naming a folder without seloste/: %v", err)
	}
}
