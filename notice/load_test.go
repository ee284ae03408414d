package notice

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
)

func TestLoadRepositorySource(t *testing.T) {
	vs := mustLoad(t, contentDir)
	v := vs[0]
	if v.Slug() != "2020-02-08" || v.Title != "Tietosuojaseloste" || v.Lang != "fi" || v.Draft || v.Summary == "" {
		t.Errorf("first version = %s %q %q draft=%v summary=%q", v.Slug(), v.Title, v.Lang, v.Draft, v.Summary)
	}
	if !strings.HasPrefix(v.Hash, "sha256:") || len(v.Hash) != len("sha256:")+64 {
		t.Errorf("hash = %q", v.Hash)
	}
	// The 2026-11-25 version, describing seloste's own collector, replaced
	// it; 2026-12-02 has the same text with Swedish and English translations.
	if cur, ok := Current(vs); !ok || cur.Slug() != "2026-12-02" || cur.Draft || len(cur.Translations) != 2 {
		t.Errorf("Current = %s, %v", cur.Slug(), ok)
	}
	if cur, ok := Current(vs[:1]); !ok || cur.Slug() != "2020-02-08" {
		t.Errorf("Current of the first version alone = %s, %v", cur.Slug(), ok)
	}
	lines := strings.Split(readFile(t, v.File), "\n")
	if got := lines[v.BodyLine-1]; got != strings.SplitN(v.Body, "\n", 2)[0] {
		t.Errorf("BodyLine %d points at %q", v.BodyLine, got)
	}
}

func TestLoadSortsAndSkipsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"2024-01-02", "2021-05-06", "2023-12-31"} {
		writeFile(t, filepath.Join(dir, d+".md"), "---\ntitle: T\nlang: fi\nsummary: s\n---\n\nText "+d+".\n")
	}
	writeFile(t, filepath.Join(dir, LockFile), "# nothing yet\n")
	writeFile(t, filepath.Join(dir, ".2020-01-01.md.swp"), "junk")
	writeFile(t, filepath.Join(dir, "2020-01-01.md~"), "junk")
	vs := mustLoad(t, dir)
	var got []string
	for _, v := range vs {
		got = append(got, v.Slug())
	}
	if strings.Join(got, " ") != "2021-05-06 2023-12-31 2024-01-02" {
		t.Errorf("order = %v", got)
	}
}

func TestLoadDraftsAndCurrent(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "2021-01-01.md"), "---\ntitle: T\nlang: fi\nsummary: s\n---\nOne.\n")
	writeFile(t, filepath.Join(dir, "2022-01-01.md"), "---\ntitle: T\nlang: fi\ndraft: true\n---\nTwo.\n")
	vs := mustLoad(t, dir)
	if !vs[1].Draft || vs[0].Draft {
		t.Fatalf("draft flags = %v %v", vs[0].Draft, vs[1].Draft)
	}
	if cur, _ := Current(vs); cur.Slug() != "2021-01-01" {
		t.Errorf("Current = %s, want the newest non-draft", cur.Slug())
	}
	if p := Published(vs); len(p) != 1 || p[0].Slug() != "2021-01-01" {
		t.Errorf("Published = %v", p)
	}
}

func TestLoadCRLFAndBOM(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "2021-01-01.md"), "\ufeff---\r\ntitle: T\r\nlang: fi\r\nsummary: s\r\n---\r\nOne.\r\n")
	writeFile(t, filepath.Join(dir, "2021-01-02.md"), "---\ntitle: T\nlang: fi\nsummary: s\n---\nOne.\n")
	vs := mustLoad(t, dir)
	if vs[0].Body != "One.\n" {
		t.Errorf("body = %q", vs[0].Body)
	}
	if vs[0].Hash != vs[1].Hash {
		t.Errorf("CRLF and BOM change the hash: %s vs %s", vs[0].Hash, vs[1].Hash)
	}
}

func TestLoadErrors(t *testing.T) {
	const ok = "---\ntitle: T\nlang: fi\nsummary: s\n---\n"
	tests := []struct {
		name, data string
		line       int
		want       string
	}{
		{"empty", "", 1, "empty file"},
		{"blank", " \n\n", 1, "empty file"},
		{"no front matter", "# Otsikko\n\nTeksti.\n", 1, "missing front matter"},
		{"unclosed", "---\ntitle: T\nlang: fi\n\nTeksti.\n", 1, "never closed"},
		{"bad yaml", "---\ntitle: T\nlang: [fi\nsummary: s\n---\nTeksti.\n", 3, "not valid YAML"},
		{"bad yaml indent", "---\ntitle: T\n  lang: fi\n---\nTeksti.\n", 3, "not valid YAML"},
		{"not a mapping", "---\n- title\n- lang\n---\nTeksti.\n", 2, "key: value"},
		{"empty front matter", "---\n---\nTeksti.\n", 2, "front matter is empty"},
		{"unknown key", "---\ntitle: T\nlang: fi\nsummary: s\ndate: 2020-01-01\n---\nTeksti.\n", 5, `unknown front matter key "date"`},
		{"duplicate key", "---\ntitle: T\nlang: fi\ntitle: U\nsummary: s\n---\nTeksti.\n", 4, `"title" appears twice`},
		{"title not text", "---\ntitle: [a, b]\nlang: fi\nsummary: s\n---\nTeksti.\n", 2, `"title" must be text`},
		{"title number", "---\ntitle: 2020\nlang: fi\nsummary: s\n---\nTeksti.\n", 2, `"title" must be text`},
		{"bad lang", "---\ntitle: T\nlang: Finnish\nsummary: s\n---\nTeksti.\n", 3, "language tag"},
		{"bad draft", "---\ntitle: T\nlang: fi\ndraft: yes\n---\nTeksti.\n", 4, "draft must be true or false"},
		{"no title", "---\nlang: fi\nsummary: s\n---\nTeksti.\n", 4, "no title"},
		{"empty title", "---\ntitle: \"\"\nlang: fi\nsummary: s\n---\nTeksti.\n", 5, "no title"},
		{"no lang", "---\ntitle: T\nsummary: s\n---\nTeksti.\n", 4, "no language"},
		{"no summary", "---\ntitle: T\nlang: fi\n---\nTeksti.\n", 4, "needs a summary"},
		{"placeholder summary", "---\ntitle: T\nlang: fi\nsummary: " + SummaryPlaceholder + "\n---\nTeksti.\n", 5, "placeholder"},
		{"no body", ok + "\n  \n", 5, "no statement text"},
		{"invalid utf-8", ok + "Teksti.\nRikki \xff tässä.\n", 7, "not valid UTF-8"},
		{"typed stamp", ok + "\nTeksti. Seloste on päivitetty viimeksi 8.2.2020.\n", 7, "stamped automatically"},
		{"typed stamp wrapped", ok + "\nTeksti.\n\nSeloste on\npäivitetty viimeksi 8.2.2020.\n", 9, "stamped automatically"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "2021-03-04.md")
			writeFile(t, path, tt.data)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			var se *SourceError
			if !errors.As(err, &se) {
				t.Fatalf("error is not a *SourceError: %v", err)
			}
			if se.File != path || se.Line != tt.line {
				t.Errorf("position = %s:%d, want %s:%d (%v)", se.File, se.Line, path, tt.line, err)
			}
			if !strings.Contains(se.En, tt.want) {
				t.Errorf("English message %q does not contain %q", se.En, tt.want)
			}
			if se.Fi == "" || !strings.HasPrefix(err.Error(), path+":") {
				t.Errorf("error %q lacks Finnish text or file position", err)
			}
		})
	}
}

func TestLoadFileNames(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"notes.md", "YYYY-MM-DD.md"},
		{"2020-2-8.md", "YYYY-MM-DD.md"},
		{"2020-02-30.md", "not a real date"},
		{"2020-13-01.md", "not a real date"},
	} {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, tt.name), "---\ntitle: T\nlang: fi\nsummary: s\n---\nTeksti.\n")
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, tt.name)) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one naming the file and saying %q", tt.name, err, tt.want)
		}
	}
}

func TestLoadReportsEveryBrokenFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "2021-01-01.md"), "")
	writeFile(t, filepath.Join(dir, "2022-01-01.md"), "no front matter\n")
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "2021-01-01.md:1") || !strings.Contains(err.Error(), "2022-01-01.md:1") {
		t.Errorf("error = %v, want both files", err)
	}
}

func TestLoadEmptyOrMissingFolder(t *testing.T) {
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no statement versions") {
		t.Errorf("empty folder: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "nope")
	_, err := Load(missing)
	if !errors.Is(err, ErrNoSourceDir) || !strings.Contains(err.Error(), missing) || strings.Contains(err.Error(), "-content") {
		t.Errorf("missing folder: want ErrNoSourceDir naming the folder but no flag, got %v", err)
	}
}

// FuzzLoad feeds arbitrary bytes to Load as a version file: it must never
// panic, and a version it accepts must render.
func FuzzLoad(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join(contentDir, "2020-02-08.md"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	if cur, err := os.ReadFile(filepath.Join(contentDir, "2026-11-25.md")); err == nil {
		f.Add(cur) // with the collected-data block
	}
	f.Add([]byte("---\ntitle: T\nlang: fi\nsummary: s\n---\nA\n{{< kerattavat-tiedot >}}\n\n{{< kerattavat-tiedot sailytys=\"2y\" >}}\n- x\n{{< /kerattavat-tiedot >}}\n"))
	f.Add([]byte("---\ntitle: T\nlang: fi\nsummary: s\n---\n# H\n\n- a\n- b\n\n> q\n\n```\ncode\n```\n"))
	f.Add([]byte("---\ntitle: &a T\nlang: *a\n---\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "2021-01-01.md"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		vs, err := Load(dir)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if len(vs) != 1 {
			t.Fatalf("%d versions from one file", len(vs))
		}
		if _, err := RenderHTML(vs[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := RenderText(vs[0]); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(Stamped(vs[0]), vs[0].Stamp()) {
			t.Fatal("stamp missing")
		}
		_ = DiffHTML(vs[0], vs[0])
		_ = Art13(vs[0])
		_ = CheckCollector(vs, Collector{Fields: analytics.Fields, Retention: analytics.DefaultRetention, Configured: true})
		if _, _, err := RefreshFields(vs[0], analytics.Fields, analytics.DefaultRetention); err != nil {
			t.Fatalf("a loaded version's block does not refresh: %v", err)
		}
	})
}

func TestLoadYAMLErrorLines(t *testing.T) {
	// The line reported is the line with the mistake, whether the YAML
	// scanner or its parser finds it.
	for _, tt := range []struct {
		fm   string
		line int
	}{
		{"title: T\nlang: [fi\nsummary: s\n", 3},
		{"title: T\nlang: {fi\n", 3},
		{"title: T\n- lang\n", 3},
		{"title: T\nlang: fi: x\n", 3},
		{"title: T\nlang: @fi\n", 3},
		{"title: T\nlang: fi\nsummary: 'open\n", 4},
	} {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "2021-01-01.md"), "---\n"+tt.fm+"---\nTeksti.\n")
		_, err := Load(dir)
		var se *SourceError
		if !errors.As(err, &se) || se.Line != tt.line {
			t.Errorf("%q: error %v, want line %d", tt.fm, err, tt.line)
		}
	}
}
