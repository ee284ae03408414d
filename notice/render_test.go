package notice

import (
	"flag"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./notice -run %s -update to create it)", err, t.Name())
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run go test ./notice -run %s -update and review the diff", path, t.Name())
	}
}

func firstVersion(t *testing.T) Version {
	t.Helper()
	vs := mustLoad(t, contentDir)
	if vs[0].Slug() != "2020-02-08" {
		t.Fatalf("first version is %s", vs[0].Slug())
	}
	return vs[0]
}

func TestRenderHTMLGolden(t *testing.T) {
	b, err := RenderHTML(firstVersion(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "2020-02-08.html", b)
}

func TestRenderTextGolden(t *testing.T) {
	s, err := RenderText(firstVersion(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "2020-02-08.txt", []byte(s))
}

func TestRenderHTMLIsStandalone(t *testing.T) {
	b, err := RenderHTML(firstVersion(t))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{"<!DOCTYPE html>", `<html lang="fi">`, `<meta charset="utf-8">`, "<title>Tietosuojaseloste</title>", "<style>", "@media print"} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q", want)
		}
	}
	// Self-contained: nothing is fetched from anywhere.
	for _, bad := range []string{"<link", "<script", "src=", "@import", "url("} {
		if strings.Contains(doc, bad) {
			t.Errorf("document refers to an external resource: %q", bad)
		}
	}
}

func TestRenderTextWraps(t *testing.T) {
	s, err := RenderText(firstVersion(t))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(s, "\n") {
		// A single word longer than the width may overflow; none here is.
		if n := utf8.RuneCountInString(line); n > TextWidth {
			t.Errorf("line %d has %d characters: %q", i+1, n, line)
		}
	}
	for _, want := range []string{"Tietosuojaseloste\n=================\n", "Yrityksen yhteystiedot\n----------------------\n",
		"Kuopion Softop Oy\nSärkiniementie 16 a 21\n70700 Kuopio\nY-tunnus: 0859365-6\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("text lacks %q", want)
		}
	}
}

var (
	tagRE    = regexp.MustCompile(`<[^>]*>`)
	spaceRE2 = regexp.MustCompile(`\s+`)
)

func collapse(s string) string { return strings.TrimSpace(spaceRE2.ReplaceAllString(s, " ")) }

// plainHTML is the visible text of an HTML fragment: tags become spaces.
func plainHTML(s string) string { return collapse(html.UnescapeString(tagRE.ReplaceAllString(s, " "))) }

// seedSentences splits the seed text into lines, then each line into
// sentences at a '.', '!' or '?' followed by a space and a capital letter.
// Deliberately simple and independent of the code under test.
func seedSentences(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(readFile(t, "testdata/seed-2020-02-08.txt"), "\n") {
		line = strings.TrimSpace(line)
		rs := []rune(line)
		start := 0
		for i := 0; i+2 < len(rs); i++ {
			if strings.ContainsRune(".!?", rs[i]) && rs[i+1] == ' ' && unicode.IsUpper(rs[i+2]) {
				out = append(out, string(rs[start:i+1]))
				start = i + 2
			}
		}
		if s := strings.TrimSpace(string(rs[start:])); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func TestSeedSentencesSplit(t *testing.T) {
	ss := seedSentences(t)
	if len(ss) < 50 {
		t.Fatalf("only %d sentences: the splitter is broken", len(ss))
	}
	for _, want := range []string{"Seloste on päivitetty viimeksi 8.2.2020.", "puh. +358 400 677 306", "Kerättäviä tietoja: Sähköpostiosoitteet."} {
		found := false
		for _, s := range ss {
			found = found || s == want
		}
		if !found {
			t.Errorf("splitter did not produce %q", want)
		}
	}
}

// TestVerbatim: every sentence of the original statement appears, as is,
// in the rendered 2020-02-08 version, and nothing else does: the visible
// text of the HTML document's <main> is exactly the seed text.
func TestVerbatim(t *testing.T) {
	v := firstVersion(t)
	b, err := RenderHTML(v)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	main := doc[strings.Index(doc, "<main>"):strings.Index(doc, "</main>")]
	txt, err := RenderText(v)
	if err != nil {
		t.Fatal(err)
	}
	// Drop the heading underlines of the text rendering.
	txt = regexp.MustCompile(`(?m)^[=-]+$`).ReplaceAllString(txt, "")
	outputs := map[string]string{"html": plainHTML(main), "text": collapse(txt)}
	for name, out := range outputs {
		for _, s := range seedSentences(t) {
			if !strings.Contains(out, collapse(s)) {
				t.Errorf("%s rendering lacks the sentence %q", name, s)
			}
		}
		if seed := collapse(readFile(t, "testdata/seed-2020-02-08.txt")); out != seed {
			t.Errorf("%s rendering's text differs from the seed text:\n got %.200q\nwant %.200q", name, out, seed)
		}
	}
}

func TestVerbatimSeedCopyMatchesShared(t *testing.T) {
	shared, err := os.ReadFile("/work/shared/seed/tietosuojaseloste-2020-02-08.txt")
	if err != nil {
		t.Skip("shared seed not on this machine (normal in a user's clone)")
	}
	if string(shared) != readFile(t, "testdata/seed-2020-02-08.txt") {
		t.Error("testdata/seed-2020-02-08.txt differs from the shared seed")
	}
}

func TestStamp(t *testing.T) {
	v := firstVersion(t)
	if v.Stamp() != "Seloste on päivitetty viimeksi 8.2.2020." {
		t.Errorf("stamp = %q", v.Stamp())
	}
	if strings.Contains(v.Body, "8.2.2020") {
		t.Error("the source itself carries the date")
	}
	first := strings.Split(readFile(t, "testdata/seed-2020-02-08.txt"), "\n")[2]
	if !strings.Contains(Stamped(v), "\n"+first+"\n") {
		t.Errorf("stamped first paragraph is not the seed's:\n%s", first)
	}
	if got := FinnishDate(date("2026-11-05")); got != "5.11.2026" {
		t.Errorf("FinnishDate = %q", got)
	}
}

func TestStampedPlacement(t *testing.T) {
	const stamp = "Seloste on päivitetty viimeksi 5.11.2026."
	for _, tt := range []struct{ body, want string }{
		{"Eka.\n\nToka.\n", "Eka. " + stamp + "\n\nToka.\n"},
		{"\n# Otsikko\n\nEka rivi\njatkuu.\n\nToka.\n", "\n# Otsikko\n\nEka rivi\njatkuu. " + stamp + "\n\nToka.\n"},
		{"Osoite  \nKatu 1   \n\nToka.", "Osoite  \nKatu 1 " + stamp + "   \n\nToka."},
		{"- lista\n- vain\n\nKappale.\n", "- lista\n- vain\n\nKappale. " + stamp + "\n"},
		{"# Vain otsikko\n", "# Vain otsikko\n\n" + stamp + "\n"},
	} {
		v := Version{Date: date("2026-11-05"), Body: tt.body}
		if got := Stamped(v); got != tt.want {
			t.Errorf("Stamped(%q) =\n%q\nwant\n%q", tt.body, got, tt.want)
		}
	}
	v := Version{Date: date("2026-11-05"), Title: "T", Lang: "fi", Body: "Eka.\n"}
	b, _ := RenderHTML(v)
	if !strings.Contains(string(b), "<p>Eka. "+stamp+"</p>") {
		t.Errorf("HTML lacks the stamped paragraph:\n%s", b)
	}
	s, _ := RenderText(v)
	if !strings.Contains(s, "Eka. "+stamp) {
		t.Errorf("text lacks the stamped paragraph:\n%s", s)
	}
}

func TestRenderTextBlocks(t *testing.T) {
	v := Version{Date: date("2021-01-01"), Title: "Otsikko", Body: "Eka.\n\n" +
		"- yksi *kaksi*\n- [linkki](https://example.fi) ja <https://tietosuoja.fi>\n\n" +
		"1. eka\n2. toka\n\n> lainaus\n\nA &amp; B \\*ei korostus\\*\n\n<div>piilo</div>\n"}
	s, err := RenderText(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- yksi kaksi\n- linkki <https://example.fi> ja https://tietosuoja.fi\n", "1. eka\n2. toka\n", "> lainaus\n", "A & B *ei korostus*\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("text lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "piilo") {
		t.Errorf("raw HTML leaked into text:\n%s", s)
	}
}
