package notice

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
)

// TestCheckBusinessID: each valid ID was verified by hand with the
// weights 7, 9, 10, 5, 8, 4, 2 (e.g. 0112038-9: 0+9+10+10+0+12+16 = 57,
// 57 mod 11 = 2, 11−2 = 9).
func TestCheckBusinessID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want string // "" = valid; else a part of the error
	}{
		{"0112038-9", ""}, // sum 57, r 2
		{"1572860-0", ""}, // sum 220, r 0: check digit 0
		{"2617416-4", ""}, // sum 161, r 7
		{"0859365-6", ""}, // sum 225, r 5
		{"1234567-1", ""}, // sum 153, r 10
		{"0000000-0", ""}, // sum 0
		{"0112038-8", "check digit does not match"},
		{"1572860-1", "check digit does not match"},
		{"2617416-6", "check digit does not match"},
		{"0000001-0", "check digit does not match"}, // sum 2, r 2: 9
		{"0010001-0", "no such ID"},                 // sum 10+2 = 12, r 1
		{"112038-9", "1234567-8"},
		{"01120389", "1234567-8"},
		{"0112038-", "1234567-8"},
		{"0112038-X", "check digit is a digit"},
		{"O112038-9", "1234567-8"},
		{"0112038 9", "1234567-8"},
		{"", "1234567-8"},
	} {
		err := CheckBusinessID(tc.id)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckBusinessID(%q) = %v, want valid", tc.id, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckBusinessID(%q) = %v, want an error containing %q", tc.id, err, tc.want)
		}
	}
}

func testStart(langs ...string) Start {
	return Start{
		Controller: Controller{Name: "Esimerkki Oy", BusinessID: "1234567-1", Address: "Esimerkkikatu 1 A, 00100 Helsinki",
			Contact: "Maija Esimerkki", Phone: "+358 40 000 0000", Email: "tietosuoja@esimerkki.invalid"},
		Sites:     []string{"esimerkki.invalid", "kauppa.esimerkki.invalid"},
		Collector: Collector{Fields: analytics.Fields, Retention: analytics.Retention{Months: 18}, Sites: []string{"esimerkki.invalid"}, Configured: true},
		Languages: langs,
		Date:      date("2026-12-08"),
	}
}

// TestWriteStartIsClean: a started statement loads, and the full check
// against the collector it was written for finds no error and no warning,
// in every set of languages; the only notes are the adapt marks, which no
// rendering shows, and that the first build will lock the files.
func TestWriteStartIsClean(t *testing.T) {
	for _, langs := range [][]string{{"fi"}, {"fi", "sv"}, {"en", "fi", "sv"}} {
		t.Run(strings.Join(langs, ","), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "content", Dir)
			s := testStart(langs...)
			paths, err := WriteStart(dir, s)
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != len(langs) || filepath.Base(paths[0]) != "2026-12-08.md" {
				t.Fatalf("written %v", paths)
			}
			vs, ps := CheckDir(dir)
			if len(vs) != 1 || len(vs[0].Translations) != len(langs)-1 {
				t.Fatalf("loaded %d versions (%+v)", len(vs), ps)
			}
			ps = append(ps, CheckCollector(vs, s.Collector)...)
			notes := 0
			for _, p := range ps {
				switch {
				case p.Severity != SeverityNote:
					t.Errorf("%s", p)
				case strings.Contains(p.Message, AdaptMarker):
					notes++
				case !strings.Contains(p.Message, LockFile): // not locked until the first build
					t.Errorf("%s", p)
				}
			}
			if notes != len(langs) {
				t.Errorf("%d notes, want one adapt note per language", notes)
			}
			for _, v := range Files(vs) {
				if v.Draft || v.Summary == "" {
					t.Errorf("%s: draft %v, summary %q: want published", v.File, v.Draft, v.Summary)
				}
				html, err := RenderHTML(v)
				if err != nil {
					t.Fatal(err)
				}
				text, err := RenderText(v)
				if err != nil {
					t.Fatal(err)
				}
				for _, out := range []string{string(html), string(text)} {
					if strings.Contains(out, "MUOKKAA") || strings.Contains(out, "ADAPT") || strings.Contains(out, "{{") || strings.Contains(out, "<!--") {
						t.Errorf("%s: a rendering shows the marks or the block's tags", v.File)
					}
					for _, want := range []string{"Esimerkki Oy", "1234567-1", "00100 Helsinki", "Maija Esimerkki", "+358 40 000 0000", "tietosuoja@esimerkki.invalid", "kauppa.esimerkki.invalid"} {
						if !strings.Contains(out, want) {
							t.Errorf("%s: rendering lacks %q", v.File, want)
						}
					}
				}
			}
		})
	}
}

func TestWriteStartRefuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), Dir)
	if _, err := WriteStart(dir, testStart("fi", "en")); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, filepath.Join(dir, "2026-12-08.md"))
	// A second start in the same folder: no file is touched.
	s := testStart("fi", "en")
	s.Controller.Name = "Toinen Oy"
	_, err := WriteStart(dir, s)
	if err == nil || !strings.Contains(err.Error(), "2026-12-08") || !strings.Contains(err.Error(), "seloste notice new") {
		t.Errorf("second start: %v", err)
	}
	if readFile(t, filepath.Join(dir, "2026-12-08.md")) != before {
		t.Error("the second start changed the first version")
	}

	// A lock already there: nothing written, the error names it.
	dir = filepath.Join(t.TempDir(), Dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, LockFile), "# lock\n")
	if _, err := WriteStart(dir, testStart("fi", "sv")); err == nil || !strings.Contains(err.Error(), LockFile) {
		t.Errorf("existing lock: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files after a refused start: %v", entries)
	}

	for _, tc := range []struct {
		name string
		edit func(*Start)
		want string
	}{
		{"no Finnish", func(s *Start) { s.Languages = []string{"sv"} }, "must include fi"},
		{"unknown language", func(s *Start) { s.Languages = []string{"fi", "de"} }, `"de"`},
		{"bad business ID", func(s *Start) { s.Controller.BusinessID = "1234567-2" }, "check digit"},
		{"line break", func(s *Start) { s.Controller.Address = "Katu 1\n00100 Helsinki" }, "address"},
		{"shortcode", func(s *Start) { s.Controller.Name = "{{< x >}}" }, "name"},
		{"no email", func(s *Start) { s.Controller.Email = "" }, "required"},
		{"no site", func(s *Start) { s.Sites = nil }, "no site"},
	} {
		s := testStart("fi")
		tc.edit(&s)
		dir := filepath.Join(t.TempDir(), Dir)
		if _, err := WriteStart(dir, s); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.name, err, tc.want)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s: the folder was created", tc.name)
		}
	}
}

// TestStartTextEscapes: a value is text, never markup.
func TestStartTextEscapes(t *testing.T) {
	s := testStart("fi")
	s.Controller.Name = "*Tähti* <b>Oy</b>"
	text, err := StartText(s, Finnish)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Parse("2026-12-08.md", s.Date, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	html, err := BodyHTML(v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "*Tähti* &lt;b&gt;Oy&lt;/b&gt;") {
		t.Errorf("the name is not shown as typed:\n%s", html)
	}
}

// TestArt13ReadsWhatReadersSee: a point said only inside an HTML comment,
// which no rendering shows, is missing.
func TestArt13ReadsWhatReadersSee(t *testing.T) {
	var fi []string
	for _, s := range completeFi {
		if s.topic == "complaint" {
			fi = append(fi, "<!-- "+AdaptMarker+": "+s.text+" -->")
			continue
		}
		fi = append(fi, s.text)
	}
	warned, _ := topics(Art13(statement(fi)))
	if len(warned) != 1 || warned[0] != "complaint" {
		t.Errorf("warnings = %v, want [complaint]", warned)
	}
}
