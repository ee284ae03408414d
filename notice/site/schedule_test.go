package site

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/notice"
)

// TestScheduledVersionAnnounced builds a statement with a scheduled
// version twice: the evening before its date, when every language's
// current page announces it with links to its page and its changes and its
// own page says when it takes effect; and at midnight in Helsinki, when it
// is the current version and nothing is announced.
func TestScheduledVersionAnnounced(t *testing.T) {
	dir := t.TempDir()
	titles := map[string]string{"fi": "Tietosuojaseloste", "sv": "Dataskyddsbeskrivning", "en": "Privacy notice"}
	for _, d := range []string{"2026-12-02", "2027-02-01"} {
		extra, text := "", "Tietoja säilytetään kolme vuotta."
		if d == "2027-02-01" {
			extra, text = "scheduled: true\n", "Tietoja säilytetään kaksi vuotta."
		}
		for code, title := range titles {
			name := d + ".md"
			if code != "fi" {
				name = d + "." + code + ".md"
			}
			src := "---\ntitle: " + title + "\nlang: " + code + "\nsummary: Muutos.\n" + extra + "---\n## " + title + "\n\n" + text + "\n"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	effective, err := time.ParseInLocation(notice.DateLayout, "2027-02-01", mustHelsinki(t))
	if err != nil {
		t.Fatal(err)
	}

	vs, err := notice.LoadAt(dir, effective.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	out := build(t, Options{Versions: vs})
	for page, want := range map[string]string{
		"tietosuojaseloste/index.html":            "Uusi versio tulee voimaan 1.2.2027. Lue uusi versio tai katso, mitä muuttuu.",
		"tietosuojaseloste/2026-12-02/index.html": "Uusi versio tulee voimaan 1.2.2027.",
		"sv/dataskyddsbeskrivning/index.html":     "En ny version träder i kraft 1.2.2027. Läs den nya versionen eller se vad som ändras.",
		"en/privacy-notice/index.html":            "A new version takes effect on 1 February 2027. Read the new version or see what changes.",
	} {
		html := read(t, out, page)
		text := strings.ReplaceAll(visibleText(t, html), " .", ".")
		if !strings.Contains(text, want) {
			t.Errorf("%s does not announce the scheduled version: want %q in\n%s", page, want, text)
		}
		section := strings.SplitN(page, "/index.html", 2)[0]
		section = strings.TrimSuffix(section, "/2026-12-02")
		history := map[string]string{"tietosuojaseloste": "muutokset", "sv/dataskyddsbeskrivning": "andringar", "en/privacy-notice": "changes"}[section]
		for _, link := range []string{section + "/2027-02-01/", section + "/" + history + "/#v-2027-02-01"} {
			if !strings.Contains(html, link+`"`) {
				t.Errorf("%s: the announcement does not link to %s", page, link)
			}
		}
	}
	cur := visibleText(t, read(t, out, "tietosuojaseloste/index.html"))
	if !strings.Contains(cur, "Seloste on päivitetty viimeksi 2.12.2026.") || strings.Contains(cur, "kaksi vuotta") {
		t.Errorf("the current page is not the version of 2.12.2026:\n%s", cur)
	}
	next := strings.ReplaceAll(visibleText(t, read(t, out, "tietosuojaseloste/2027-02-01/index.html")), " .", ".")
	if !strings.Contains(next, "Tämä versio tulee voimaan 1.2.2027. Siihen asti voimassa on versio 2.12.2026.") ||
		strings.Contains(next, "vanha versio") || strings.Contains(next, "päivitetty viimeksi 1.2.2027") {
		t.Errorf("the scheduled version's page does not say when it takes effect:\n%s", next)
	}
	if !strings.Contains(cur, "1.2.2027 (tulee voimaan)") {
		t.Errorf("the list of versions does not mark the scheduled one:\n%s", cur)
	}
	if h := read(t, out, "tietosuojaseloste/muutokset/index.html"); !strings.Contains(h, `id="v-2027-02-01"`) ||
		!regexp.MustCompile(`<ins>[^<]*kaksi vuotta`).MatchString(h) || !regexp.MustCompile(`<del>[^<]*kolme vuotta`).MatchString(h) {
		t.Errorf("the history lacks the scheduled version's diff:\n%s", mainOf(t, h))
	}

	vs, err = notice.LoadAt(dir, effective)
	if err != nil {
		t.Fatal(err)
	}
	out = build(t, Options{Versions: vs})
	for _, page := range []string{"tietosuojaseloste/index.html", "sv/dataskyddsbeskrivning/index.html", "en/privacy-notice/index.html"} {
		if text := visibleText(t, read(t, out, page)); strings.Contains(text, "1.2.2027.") && strings.Contains(text, "tulee voimaan") ||
			strings.Contains(text, "träder i kraft") || strings.Contains(text, "takes effect") {
			t.Errorf("%s still announces the version in force:\n%s", page, text)
		}
	}
	if cur := visibleText(t, read(t, out, "tietosuojaseloste/index.html")); !strings.Contains(cur, "Seloste on päivitetty viimeksi 1.2.2027.") {
		t.Errorf("on its date the current page is not the scheduled version:\n%s", cur)
	}
}

func mustHelsinki(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
