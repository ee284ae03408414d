package site

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/seloste/seloste/notice"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const (
	// The example's locked history (never the repository's own content/,
	// a demo that may change): tests only read it.
	contentDir = "../../examples/kuopion-softop/content/tietosuojaseloste"
	themesDir  = "../../themes"
)

// realVersions is the example statement's history.
func realVersions(t testing.TB) []notice.Version {
	t.Helper()
	vs, err := notice.Load(contentDir)
	if err != nil {
		t.Fatalf("load the real content: %v", err)
	}
	return vs
}

// first is the real 2020-02-08 version, the one every test builds on.
func first(t testing.TB) notice.Version {
	t.Helper()
	for _, v := range realVersions(t) {
		if v.Slug() == "2020-02-08" {
			return v
		}
	}
	t.Fatal("content has no 2020-02-08 version")
	return notice.Version{}
}

// later is a second version of v, dated d, with one sentence changed and
// one added.
func later(t testing.TB, v notice.Version, d string) notice.Version {
	t.Helper()
	date, err := time.Parse(notice.DateLayout, d)
	if err != nil {
		t.Fatal(err)
	}
	const old = "Selostetta päivitetään tarvittaessa."
	if !strings.Contains(v.Body, old) {
		t.Fatalf("%s no longer contains %q; update the test", v.File, old)
	}
	v.Date = date
	v.File = filepath.Join(filepath.Dir(v.File), d+".md")
	v.Summary = "Päivitystapa tarkennettu."
	v.Body = strings.Replace(v.Body, old, "Selostetta päivitetään aina, kun käytännöt muuttuvat.", 1) +
		"\n## Uusi osio\n\nTämä kappale lisättiin testissä.\n"
	v.Hash = "sha256:test-" + d
	return v
}

func build(t testing.TB, o Options) string {
	t.Helper()
	if o.OutDir == "" {
		o.OutDir = filepath.Join(t.TempDir(), "public")
	}
	if o.ThemesDir == "" {
		o.ThemesDir = themesDir
	}
	if err := Build(context.Background(), o); err != nil {
		t.Fatalf("Build: %v", err)
	}
	return o.OutDir
}

func read(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// mainOf is the page's <main> element: the part that is the statement's,
// without the CSS link (its name carries a content hash).
func mainOf(t testing.TB, page string) string {
	t.Helper()
	i, j := strings.Index(page, "<main"), strings.Index(page, "</main>")
	if i < 0 || j < i {
		t.Fatalf("page has no <main> element:\n%s", page)
	}
	return page[i : j+len("</main>")]
}

func TestBuildRealContent(t *testing.T) {
	out := build(t, Options{Versions: realVersions(t)})

	for _, name := range []string{
		"index.html",
		"demo/index.html",
		"tietosuojaseloste/index.html",
		"tietosuojaseloste/2020-02-08/index.html",
		"tietosuojaseloste/2026-11-25/index.html",
		"tietosuojaseloste/2026-12-02/index.html",
		"tietosuojaseloste/muutokset/index.html",
		"tietosuojaseloste/omat-tiedot/index.html",
		"tietosuojaseloste/tietosuojaseloste.html",
		"tietosuojaseloste/tietosuojaseloste.txt",
		"sv/dataskyddsbeskrivning/index.html",
		"sv/dataskyddsbeskrivning/2026-12-02/index.html",
		"sv/dataskyddsbeskrivning/andringar/index.html",
		"sv/dataskyddsbeskrivning/mina-uppgifter/index.html",
		"sv/dataskyddsbeskrivning/dataskyddsbeskrivning.html",
		"sv/dataskyddsbeskrivning/dataskyddsbeskrivning.txt",
		"en/privacy-notice/index.html",
		"en/privacy-notice/2026-12-02/index.html",
		"en/privacy-notice/changes/index.html",
		"en/privacy-notice/my-data/index.html",
		"en/privacy-notice/privacy-notice.html",
		"en/privacy-notice/privacy-notice.txt",
	} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}

	// Every version carries its own date, in its own language's words; the
	// current one is 2026-12-02 in all three.
	for stamp, names := range map[string][]string{
		"Seloste on päivitetty viimeksi 8.2.2020.":   {"tietosuojaseloste/2020-02-08/index.html"},
		"Seloste on päivitetty viimeksi 25.11.2026.": {"tietosuojaseloste/2026-11-25/index.html"},
		"Seloste on päivitetty viimeksi 2.12.2026.": {
			"tietosuojaseloste/index.html",
			"tietosuojaseloste/2026-12-02/index.html",
			"tietosuojaseloste/tietosuojaseloste.html",
			"tietosuojaseloste/tietosuojaseloste.txt",
		},
		"Beskrivningen uppdaterades senast 2.12.2026.": {
			"sv/dataskyddsbeskrivning/index.html",
			"sv/dataskyddsbeskrivning/2026-12-02/index.html",
			"sv/dataskyddsbeskrivning/dataskyddsbeskrivning.html",
			"sv/dataskyddsbeskrivning/dataskyddsbeskrivning.txt",
		},
		"Last updated on 2 December 2026.": {
			"en/privacy-notice/index.html",
			"en/privacy-notice/2026-12-02/index.html",
			"en/privacy-notice/privacy-notice.html",
			"en/privacy-notice/privacy-notice.txt",
		},
	} {
		for _, name := range names {
			// Collapse whitespace: the text rendering wraps lines.
			if page := strings.Join(strings.Fields(read(t, out, name)), " "); strings.Count(page, stamp) != 1 {
				t.Errorf("%s: want the stamp %q exactly once", name, stamp)
			}
		}
	}

	for _, c := range []struct{ page, html, text, history, historyPage, lang string }{
		{"tietosuojaseloste/index.html", "../tietosuojaseloste/tietosuojaseloste.html", "../tietosuojaseloste/tietosuojaseloste.txt", "../tietosuojaseloste/muutokset/", "tietosuojaseloste/muutokset/index.html", "fi"},
		{"sv/dataskyddsbeskrivning/index.html", "../../sv/dataskyddsbeskrivning/dataskyddsbeskrivning.html", "../../sv/dataskyddsbeskrivning/dataskyddsbeskrivning.txt", "../../sv/dataskyddsbeskrivning/andringar/", "sv/dataskyddsbeskrivning/andringar/index.html", "sv"},
		{"en/privacy-notice/index.html", "../../en/privacy-notice/privacy-notice.html", "../../en/privacy-notice/privacy-notice.txt", "../../en/privacy-notice/changes/", "en/privacy-notice/changes/index.html", "en"},
	} {
		cur := read(t, out, c.page)
		for _, link := range []string{c.html, c.text, c.history} {
			if !strings.Contains(cur, `href="`+link+`"`) {
				t.Errorf("%s lacks the link %s", c.page, link)
			}
		}
		if strings.Contains(cur, "kerattavat-tiedot") || strings.Contains(cur, "{{") {
			t.Errorf("%s shows the shortcode of the collected-data list", c.page)
		}
		golden(t, "current-main-"+c.lang+".html", mainOf(t, cur))
		golden(t, "history-main-"+c.lang+".html", mainOf(t, read(t, out, c.historyPage)))
	}
	golden(t, "standalone-sv.txt", read(t, out, "sv/dataskyddsbeskrivning/dataskyddsbeskrivning.txt"))
	golden(t, "standalone-en.txt", read(t, out, "en/privacy-notice/privacy-notice.txt"))
	checkAllHTML(t, out)
	checkLanguageLinks(t, out)

	// The site as it was while 2020-02-08 was the only version: Finnish only,
	// with no language switcher.
	out = build(t, Options{Versions: []notice.Version{first(t)}})
	cur := read(t, out, "tietosuojaseloste/index.html")
	const stamp = "Seloste on päivitetty viimeksi 8.2.2020."
	for _, name := range []string{
		"tietosuojaseloste/index.html",
		"tietosuojaseloste/2020-02-08/index.html",
		"tietosuojaseloste/tietosuojaseloste.html",
		"tietosuojaseloste/tietosuojaseloste.txt",
	} {
		if page := strings.Join(strings.Fields(read(t, out, name)), " "); strings.Count(page, stamp) != 1 {
			t.Errorf("2020 only: %s: want the stamp %q exactly once", name, stamp)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "sv")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a Swedish site without a Swedish translation: %v", err)
	}
	if strings.Contains(cur, `class="langs"`) || strings.Contains(cur, "hreflang") {
		t.Error("a Finnish-only site has a language switcher")
	}
	golden(t, "current-main.html", mainOf(t, cur))
}

// TestNewerFinnish builds the site of a Finnish version newer than its
// translations: each language shows its newest translation with a note and
// a link to the Finnish text, and the new Finnish page's switcher says it
// leads to an older translation.
func TestNewerFinnish(t *testing.T) {
	vs := realVersions(t)
	v := later(t, vs[len(vs)-1], "2027-01-05")
	v.Translations = nil
	vs = append(vs, v)
	out := build(t, Options{Versions: vs})

	for page, want := range map[string]string{
		"sv/dataskyddsbeskrivning/index.html": "Den finska texten är nyare: den uppdaterades senast 5.1.2027.",
		"en/privacy-notice/index.html":        "The Finnish text is newer: it was last updated on 5 January 2027.",
	} {
		text := visibleText(t, read(t, out, page))
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks the note %q", page, want)
		}
		if !strings.Contains(read(t, out, page), `href="../../tietosuojaseloste/" hreflang="fi" lang="fi"`) {
			t.Errorf("%s: the note does not link to the Finnish text", page)
		}
	}
	// The newest translation's dated page says so too; the Finnish text's
	// own pages do not.
	if !strings.Contains(read(t, out, "sv/dataskyddsbeskrivning/2026-12-02/index.html"), "finska texten är nyare") {
		t.Error("the dated page of the newest Swedish translation lacks the note")
	}
	if strings.Contains(read(t, out, "tietosuojaseloste/2026-12-02/index.html"), "newer-finnish") {
		t.Error("a Finnish page carries the note meant for translations")
	}
	fi := read(t, out, "tietosuojaseloste/index.html")
	for _, want := range []string{
		`<a href="../sv/dataskyddsbeskrivning/" hreflang="sv" data-newest>På svenska</a> <span class="note">(senaste översättningen, 2.12.2026)</span>`,
		`<a href="../en/privacy-notice/" hreflang="en" data-newest>In English</a> <span class="note">(latest translation, 2 December 2026)</span>`,
	} {
		if !strings.Contains(fi, want) {
			t.Errorf("the new Finnish page lacks the switcher entry %s", want)
		}
	}
	if strings.Contains(fi, `hreflang="sv" href=`) {
		t.Error("the new Finnish page names an older translation as its hreflang alternate")
	}
	// The Swedish current page switches to the Finnish version it translates.
	if !strings.Contains(read(t, out, "sv/dataskyddsbeskrivning/index.html"), `<a href="../../tietosuojaseloste/2026-12-02/" hreflang="fi">Suomeksi</a>`) {
		t.Error("the Swedish page does not switch to the Finnish version it translates")
	}
	checkAllHTML(t, out)
	checkLanguageLinks(t, out)
}

// TestVerbatim checks that every sentence of the original statement reaches
// the built page unchanged (no smart quotes, no lost text).
func TestVerbatim(t *testing.T) {
	seed, err := os.ReadFile("../testdata/seed-2020-02-08.txt")
	if err != nil {
		t.Skipf("seed text not available: %v", err)
	}
	out := build(t, Options{Versions: realVersions(t)})
	text := visibleText(t, read(t, out, "tietosuojaseloste/2020-02-08/index.html"))
	n := 0
	for _, line := range strings.Split(string(seed), "\n") {
		for _, s := range regexp.MustCompile(`[^.:]+[.:]`).FindAllString(line, -1) {
			s = strings.TrimSpace(s)
			if len(s) < 8 {
				continue
			}
			n++
			if !strings.Contains(text, s) {
				t.Errorf("sentence missing from the page: %q", s)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d sentences found in the seed; the test is not checking much", n)
	}
}

func TestNewVersion(t *testing.T) {
	v1 := first(t)
	v2 := later(t, v1, "2026-11-25")
	out := build(t, Options{Versions: []notice.Version{v1, v2}})

	cur := read(t, out, "tietosuojaseloste/index.html")
	if !strings.Contains(cur, "Seloste on päivitetty viimeksi 25.11.2026.") {
		t.Error("current page does not show the new date")
	}
	if strings.Contains(cur, "8.2.2020.") {
		t.Error("current page still carries the old stamp")
	}
	if read(t, out, "tietosuojaseloste/2026-11-25/index.html") == "" {
		t.Error("no page for the new version")
	}

	old := read(t, out, "tietosuojaseloste/2020-02-08/index.html")
	if !strings.Contains(old, "Seloste on päivitetty viimeksi 8.2.2020.") {
		t.Error("old version lost its own date")
	}
	if !strings.Contains(old, "vanha versio") || !strings.Contains(old, `href="../../tietosuojaseloste/2026-11-25/"`) {
		t.Error("old version does not point to the newer one")
	}

	hist := read(t, out, "tietosuojaseloste/muutokset/index.html")
	for _, want := range []string{"25.11.2026", "8.2.2020", "Päivitystapa tarkennettu.", "<ins>", "<del>", "aina, kun käytännöt muuttuvat", "Uusi osio"} {
		if !strings.Contains(hist, want) {
			t.Errorf("change history lacks %q", want)
		}
	}
	// Newest first.
	if strings.Index(hist, "25.11.2026") > strings.Index(hist, "8.2.2020") {
		t.Error("change history is not newest first")
	}
	checkAllHTML(t, out)
}

func TestDrafts(t *testing.T) {
	v1 := first(t)
	draft := later(t, v1, "2026-12-01")
	draft.Draft = true
	vs := []notice.Version{v1, draft}

	out := build(t, Options{Versions: vs})
	if _, err := os.Stat(filepath.Join(out, "tietosuojaseloste/2026-12-01")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("draft built without Drafts: %v", err)
	}
	if strings.Contains(read(t, out, "tietosuojaseloste/muutokset/index.html"), "2026-12-01") {
		t.Error("change history mentions the draft")
	}

	out = build(t, Options{Versions: vs, Drafts: true})
	page := read(t, out, "tietosuojaseloste/2026-12-01/index.html")
	if !strings.Contains(page, "LUONNOS / DRAFT") {
		t.Error("draft page is not marked LUONNOS / DRAFT")
	}
	if !strings.Contains(read(t, out, "tietosuojaseloste/index.html"), "viimeksi 8.2.2020.") {
		t.Error("with drafts, the current page is no longer the newest published version")
	}
	if !strings.Contains(read(t, out, "tietosuojaseloste/muutokset/index.html"), "LUONNOS / DRAFT") {
		t.Error("change history does not mark the draft")
	}
}

func TestNothingToBuild(t *testing.T) {
	v := first(t)
	v.Draft = true
	for _, vs := range [][]notice.Version{nil, {v}} {
		out := filepath.Join(t.TempDir(), "public")
		err := Build(context.Background(), Options{Versions: vs, ThemesDir: themesDir, OutDir: out})
		if err == nil || !strings.Contains(err.Error(), "tietosuojaseloste") {
			t.Errorf("%d versions: want an error naming what to add, got %v", len(vs), err)
		}
		if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("output created by a failed build: %v", err)
		}
	}
}

func TestNoTheme(t *testing.T) {
	themes := t.TempDir()
	err := Build(context.Background(), Options{Versions: realVersions(t), ThemesDir: themes, OutDir: filepath.Join(t.TempDir(), "public")})
	if !errors.Is(err, ErrNoTheme) || !strings.Contains(err.Error(), themes) || strings.Contains(err.Error(), "-themes") {
		t.Errorf("want ErrNoTheme naming the folder but no flag, got %v", err)
	}
}

// TestFailureKeepsOldOutput breaks the theme in two ways and checks that the
// build fails clearly and the previous site is left exactly as it was.
func TestFailureKeepsOldOutput(t *testing.T) {
	vs := realVersions(t)
	out := build(t, Options{Versions: vs})
	before := tree(t, out)

	cases := []struct {
		name    string
		breakIt func(theme string) error
		want    string
	}{
		{"broken template", func(theme string) error {
			return os.WriteFile(filepath.Join(theme, "layouts", "page.html"), []byte("{{ define \"main\" }}{{ .Foo }{{ end }}"), 0o644)
		}, "page.html"},
		{"a warning", func(theme string) error {
			// Removing the file would not do: the embedded one takes its place.
			return os.WriteFile(filepath.Join(theme, "layouts", "page.html"), []byte("{{ define \"main\" }}{{ warnf \"a theme warning\" }}{{ end }}"), 0o644)
		}, "a theme warning"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			themes := t.TempDir()
			if err := os.CopyFS(filepath.Join(themes, ThemeName), os.DirFS(filepath.Join(themesDir, ThemeName))); err != nil {
				t.Fatal(err)
			}
			if err := c.breakIt(filepath.Join(themes, ThemeName)); err != nil {
				t.Fatal(err)
			}
			err := Build(context.Background(), Options{Versions: vs, ThemesDir: themes, OutDir: out})
			if err == nil {
				t.Fatal("build with a broken theme succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error does not mention %q:\n%v", c.want, err)
			}
			if strings.Contains(err.Error(), "seloste-site-") {
				t.Errorf("error names the generated project, removed by now:\n%v", err)
			}
			if after := tree(t, out); after != before {
				t.Error("the failed build changed the old output")
			}
			leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".public.*"))
			if len(leftovers) > 0 {
				t.Errorf("temporary folders left behind: %v", leftovers)
			}
		})
	}
}

// TestStrayEnvironment shows that HUGO_* variables of the user's shell do
// not reach the build.
func TestStrayEnvironment(t *testing.T) {
	vs := realVersions(t)
	clean := tree(t, build(t, Options{Versions: vs}))

	t.Setenv("HUGO_ENVIRONMENT", "development")
	t.Setenv("HUGO_ENV", "development")
	t.Setenv("HUGO_BASEURL", "https://evil.example/")
	t.Setenv("HUGO_TITLE", "Väärä otsikko")
	t.Setenv("HUGO_PARAMS_SELOSTE_SITE", "evil.example")
	t.Setenv("HUGO_RELATIVEURLS", "false")
	t.Setenv("HUGO_THEME", "nonexistent")
	if dirty := tree(t, build(t, Options{Versions: vs})); dirty != clean {
		t.Error("HUGO_* environment variables changed the output")
	}
}

func TestAnalyticsPartial(t *testing.T) {
	vs := realVersions(t)
	cases := []struct {
		name   string
		params map[string]any
		want   string // in the demo page; "" for no script at all
	}{
		{"not configured", nil, ""},
		{"no site", map[string]any{"seloste": map[string]any{"collector": "https://stats.example.fi"}}, ""},
		{"collector", map[string]any{"seloste": map[string]any{"site": "example.fi", "collector": "https://stats.example.fi/"}},
			`<script defer src="https://stats.example.fi/s.js" data-site="example.fi"></script>`},
		{"api", map[string]any{"seloste": map[string]any{"site": "example.fi", "collector": "https://stats.example.fi", "api": "https://api.example.fi"}},
			`<script defer src="https://stats.example.fi/s.js" data-site="example.fi" data-api="https://api.example.fi"></script>`},
		{"same origin", map[string]any{"seloste": map[string]any{"site": "example.fi"}},
			`<script defer src="../s.js" data-site="example.fi"></script>`},
		{"allow local", map[string]any{"seloste": map[string]any{"site": "localhost", "allowLocal": true}},
			`<script defer src="../s.js" data-site="localhost" data-allow-local></script>`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := build(t, Options{Versions: vs, Params: c.params})
			for _, name := range []string{"demo/index.html", "tietosuojaseloste/index.html"} {
				page := read(t, out, name)
				if c.want == "" {
					if strings.Contains(page, "<script") {
						t.Errorf("%s: script tag without configuration", name)
					}
					continue
				}
				if strings.Count(page, "<script") != 1 {
					t.Errorf("%s: want one script tag", name)
				}
				if name == "demo/index.html" && !strings.Contains(page, c.want) {
					t.Errorf("%s: want %s in\n%s", name, c.want, page)
				}
			}
		})
	}
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.md")
	if err := os.WriteFile(file, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rebuilt := make(chan struct{}, 10)
	done := make(chan error)
	go func() {
		done <- Watch(ctx, []string{dir}, 10*time.Millisecond,
			func(context.Context) error { rebuilt <- struct{}{}; return errors.New("broken") },
			func(err error) {})
	}()
	time.Sleep(50 * time.Millisecond)
	for i := range 2 { // the second change proves an error does not stop the watch
		if err := os.WriteFile(file, []byte(strings.Repeat("b", i+2)), 0o644); err != nil {
			t.Fatal(err)
		}
		select {
		case <-rebuilt:
		case <-time.After(10 * time.Second):
			t.Fatalf("change %d: no rebuild", i+1)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Watch returned %v after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Watch did not stop on cancel")
	}
}

func BenchmarkBuild(b *testing.B) {
	vs := realVersions(b)
	o := Options{Versions: vs, ThemesDir: themesDir, OutDir: filepath.Join(b.TempDir(), "public")}
	if err := Build(context.Background(), o); err != nil { // warm up
		b.Fatal(err)
	}
	for b.Loop() {
		if err := Build(context.Background(), o); err != nil {
			b.Fatal(err)
		}
	}
}

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run go test -update if the change is intended):\n%s", name, path, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return ""
}

// tree is every file under dir with its content, for comparing outputs.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		b.WriteString(rel + "\n" + string(data) + "\n")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// voidElements never have an end tag.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// checkAllHTML checks every HTML page under dir: a doctype, the lang of its
// folder (sv/, en/, else fi),
// one <h1>, a <title>, nothing loaded from another host and every element
// closed in order.
func checkAllHTML(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".html" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		name, _ := filepath.Rel(dir, path)
		page := string(data)
		if !strings.HasPrefix(strings.ToLower(page), "<!doctype html>") {
			t.Errorf("%s: no <!doctype html>", name)
		}
		lang := "fi"
		if l, _, ok := strings.Cut(filepath.ToSlash(name), "/"); ok && (l == "sv" || l == "en") {
			lang = l
		}
		if !strings.Contains(page, `<html lang="`+lang+`">`) {
			t.Errorf("%s: no <html lang=\"%s\">", name, lang)
		}
		for _, bad := range []string{"ZgotmplZ", "<no value>", "src=\"http", "href=\"http://", "@import"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: contains %q", name, bad)
			}
		}
		if n := strings.Count(page, "<h1"); n != 1 {
			t.Errorf("%s: %d <h1> elements, want 1", name, n)
		}
		if err := balanced(page); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// balanced reports the first element closed out of order or left open.
func balanced(page string) error {
	z := html.NewTokenizer(strings.NewReader(page))
	var stack []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return z.Err()
			}
			if len(stack) > 0 {
				return errors.New("unclosed <" + strings.Join(stack, "> <") + ">")
			}
			return nil
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				stack = append(stack, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(stack) == 0 || stack[len(stack)-1] != string(name) {
				return errors.New("unexpected </" + string(name) + "> (open: " + strings.Join(stack, " ") + ")")
			}
			stack = stack[:len(stack)-1]
		}
	}
}

// visibleText is the page's text with tags removed and whitespace collapsed
// (hard line breaks in addresses become spaces).
func visibleText(t *testing.T, page string) string {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	var b bytes.Buffer
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			b.Write(z.Text())
		default:
			b.WriteByte(' ')
		}
	}
}

var linkRE = regexp.MustCompile(`<(?:link rel="alternate"|a) (?:hreflang="(\w+)" )?href="([^"#]*)"(?: hreflang="(\w+)")?`)

// checkLanguageLinks checks that every hreflang alternate and language
// switcher link of every page leads to a page that exists and is in the
// language it says, and that every statement page has a switcher naming
// all three languages.
func checkLanguageLinks(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(path) != "index.html" {
			return err
		}
		page, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		name, _ := filepath.Rel(dir, path)
		langs := 0
		for _, m := range linkRE.FindAllStringSubmatch(string(page), -1) {
			lang := m[1] + m[3]
			if lang == "" {
				continue
			}
			langs++
			target := filepath.Join(filepath.Dir(path), filepath.FromSlash(m[2]))
			if !strings.HasSuffix(m[2], ".html") && !strings.HasSuffix(m[2], ".txt") {
				target = filepath.Join(target, "index.html")
			}
			b, err := os.ReadFile(target)
			if err != nil {
				t.Errorf("%s: link %s (%s) leads nowhere: %v", name, m[2], lang, err)
				continue
			}
			if !strings.Contains(string(b), `<html lang="`+lang+`">`) {
				t.Errorf("%s: link %s says %s, the page is not", name, m[2], lang)
			}
		}
		if strings.Contains(string(page), `class="seloste`) && !strings.Contains(string(page), `<nav class="langs"`) {
			t.Errorf("%s: a statement page without a language switcher", name)
		}
		if langs == 0 && name != "demo/index.html" {
			t.Errorf("%s: no language links", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
