package site

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/seloste/seloste/notice"
	"github.com/seloste/seloste/themes"
)

// ownVersions is a one-version statement written for the test, not the
// repository's content/.
func ownVersions(t *testing.T) []notice.Version {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "content", notice.Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src := "---\ntitle: Tietosuojaseloste\nlang: fi\nsummary: Ensimmäinen versio.\n---\n\n" +
		"Testi Oy kertoo tässä, mitä tietoja se kerää.\n\n## Rekisterinpitäjä\n\nTesti Oy\n"
	if err := os.WriteFile(filepath.Join(dir, "2026-01-15.md"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	vs, err := notice.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// stylesheet is the built site's CSS file linked from page.
func stylesheet(t *testing.T, out, page string) string {
	t.Helper()
	m := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)"`).FindStringSubmatch(read(t, out, page))
	if m == nil {
		t.Fatalf("%s links no stylesheet", page)
	}
	// Links are relative (relativeURLs): "../css/seloste.<hash>.css".
	return read(t, filepath.Join(out, filepath.Dir(page)), m[1])
}

// TestBuildEmbeddedTheme builds with no themes folder at all, from a
// working directory that has none: the theme in the binary is enough.
func TestBuildEmbeddedTheme(t *testing.T) {
	vs := ownVersions(t)
	t.Chdir(t.TempDir())
	out := filepath.Join(t.TempDir(), "public")
	if err := Build(context.Background(), Options{Versions: vs, OutDir: out}); err != nil {
		t.Fatalf("Build with the embedded theme: %v", err)
	}
	for _, name := range []string{"index.html", "tietosuojaseloste/index.html", "tietosuojaseloste/2026-01-15/index.html", "tietosuojaseloste/muutokset/index.html"} {
		if page := read(t, out, name); !strings.Contains(page, `<a class="skip"`) {
			t.Errorf("%s is not in the theme's page frame:\n%s", name, page)
		}
	}
	if page := read(t, out, "tietosuojaseloste/index.html"); !strings.Contains(page, "Testi Oy kertoo tässä") {
		t.Errorf("the current version's text is not on its page:\n%s", page)
	}
	css, err := fs.ReadFile(themes.Seloste(), "assets/css/seloste.css")
	if err != nil {
		t.Fatal(err)
	}
	if got := stylesheet(t, out, "index.html"); len(got) < len(css)/2 || !strings.Contains(got, "font") {
		t.Errorf("the published stylesheet is not the theme's (%d bytes of %d):\n%s", len(got), len(css), got)
	}
}

// TestBuildThemeOverride overrides two files of the theme, the stylesheet
// and the home page's template, in a site's own themes/seloste/: those
// win, and every other file still comes from the embedded theme.
func TestBuildThemeOverride(t *testing.T) {
	vs := ownVersions(t)
	themesDir := t.TempDir()
	own := map[string]string{
		"assets/css/seloste.css": "body { color: #123456 }\n",
		"layouts/home.html":      "{{ define \"main\" }}<p class=\"oma-etusivu\">{{ .Title }}</p>{{ end }}\n",
	}
	for name, data := range own {
		path := filepath.Join(themesDir, ThemeName, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "public")
	if err := Build(context.Background(), Options{Versions: vs, ThemesDir: themesDir, OutDir: out}); err != nil {
		t.Fatalf("Build with a theme override: %v", err)
	}

	home := read(t, out, "index.html")
	if !strings.Contains(home, `<p class="oma-etusivu">`) {
		t.Errorf("the site's own home.html does not win:\n%s", home)
	}
	if got := stylesheet(t, out, "index.html"); !strings.Contains(got, "#123456") || strings.Contains(got, "font") {
		t.Errorf("the site's own stylesheet does not win:\n%s", got)
	}
	// baseof.html, page.html and the partials are the embedded theme's.
	if !strings.Contains(home, `<a class="skip"`) {
		t.Errorf("the home page is not in the embedded theme's page frame:\n%s", home)
	}
	page := read(t, out, "tietosuojaseloste/index.html")
	if !strings.Contains(page, "Testi Oy kertoo tässä") || strings.Contains(page, "oma-etusivu") {
		t.Errorf("the statement's page is not the embedded theme's:\n%s", page)
	}
	// The override folder is read, never written.
	var files []string
	filepath.WalkDir(themesDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if len(files) != len(own) {
		t.Errorf("the themes folder changed: %v", files)
	}
}

// TestBuildThemesDirMissing: a themes folder that is named but has no
// seloste/ is an error the caller can recognise, naming the folder.
func TestBuildThemesDirMissing(t *testing.T) {
	vs := ownVersions(t)
	for _, themesDir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "nosuch")} {
		out := filepath.Join(t.TempDir(), "public")
		err := Build(context.Background(), Options{Versions: vs, ThemesDir: themesDir, OutDir: out})
		if !errors.Is(err, ErrNoTheme) || !strings.Contains(err.Error(), themesDir) {
			t.Errorf("%s: want ErrNoTheme naming the folder, got %v", themesDir, err)
		}
		if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: output created by a failed build: %v", themesDir, err)
		}
	}
}

// TestThemePaths: a Hugo error names the owner's own theme file where the
// file came from the override folder, and the built-in theme otherwise,
// never the generated project, which is gone when the error is read.
func TestThemePaths(t *testing.T) {
	theme := filepath.Join("/tmp", "seloste-site-1", "themes", "seloste")
	override := filepath.Join("/srv", "site", "themes", "seloste")
	cause := errors.New("hugo")
	err := fmt.Errorf(`%q: broken; %q: called from here: %w`,
		filepath.Join(theme, "layouts", "page.html")+":1:2", filepath.Join(theme, "layouts", "baseof.html")+":3:4", cause)
	got := themePaths(err, theme, override, []string{"layouts/page.html"})
	want := fmt.Sprintf(`%q: broken; "(built-in theme)/layouts/baseof.html:3:4": called from here: hugo`, filepath.Join(override, "layouts", "page.html")+":1:2")
	if got.Error() != want || !errors.Is(got, cause) {
		t.Errorf("got  %v\nwant %s", got, want)
	}
}
