package notice

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
)

// The rules for translations, one test each: the lock covers them, the
// stale-translation warning, the heading structure, the generated list in
// each language, the Art. 13 checks in each language's words, and the
// translation drafts of "seloste notice new".

func TestStampInEachLanguage(t *testing.T) {
	vs := mustLoad(t, contentDir)
	v := vs[len(vs)-1]
	if v.Slug() != "2026-12-02" || len(v.Translations) != 2 {
		t.Fatalf("newest version %s has %d translations; the test expects 2026-12-02 with sv and en", v.Slug(), len(v.Translations))
	}
	want := map[string]string{
		"fi": "Seloste on päivitetty viimeksi 2.12.2026.",
		"sv": "Beskrivningen uppdaterades senast 2.12.2026.",
		"en": "Last updated on 2 December 2026.",
	}
	for _, f := range Files(vs[len(vs)-1:]) {
		if f.Stamp() != want[f.Lang] {
			t.Errorf("%s: stamp %q, want %q", f.File, f.Stamp(), want[f.Lang])
		}
		if !strings.Contains(Stamped(f), want[f.Lang]) {
			t.Errorf("%s: the stamped text lacks %q", f.File, want[f.Lang])
		}
	}
	for d, s := range map[string]string{"2026-12-01": "1 December 2026", "2027-02-28": "28 February 2027", "2026-01-09": "9 January 2026"} {
		if got := FormatDate(date(d), "en"); got != s {
			t.Errorf("FormatDate(%s, en) = %q, want %q", d, got, s)
		}
	}
}

func TestTypedStampInATranslation(t *testing.T) {
	for file, body := range map[string]string{
		"t/2026-12-02.sv.md": "---\ntitle: T\nlang: sv\nsummary: s\n---\nText.\n\nBeskrivningen uppdaterades senast 1.12.2026.\n",
		"t/2026-12-02.en.md": "---\ntitle: T\nlang: en\nsummary: s\n---\nText.\n\nLast updated on 1 December 2026.\n",
	} {
		_, err := Parse(file, date("2026-12-02"), []byte(body))
		var se *SourceError
		if !errors.As(err, &se) || se.Line != 8 || !strings.Contains(se.En, "stamped automatically") {
			t.Errorf("%s: want an error on line 8 about the typed stamp, got %v", file, err)
		}
	}
}

func TestTranslationFileRules(t *testing.T) {
	cases := []struct {
		name, file, content, want string
	}{
		{"no Finnish version", "2026-12-03.sv.md", readFile(t, filepath.Join(contentDir, "2026-12-02.sv.md")), "no Finnish version"},
		{"unknown language", "2026-12-02.de.md", "---\ntitle: T\nlang: de\nsummary: s\n---\nText.\n", `unknown language "de"`},
		{"wrong lang", "2026-12-02.sv.md", strings.Replace(readFile(t, filepath.Join(contentDir, "2026-12-02.sv.md")), "lang: sv", "lang: en", 1), "not the file name's language"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copySource(t)
			writeFile(t, filepath.Join(dir, c.file), c.content)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file) {
				t.Errorf("want an error naming %s and saying %q, got %v", c.file, c.want, err)
			}
		})
	}
}

func TestLockCoversTranslations(t *testing.T) {
	dir := copySource(t)
	lock := readFile(t, filepath.Join(dir, LockFile))
	for _, key := range []string{"2026-12-02 ", "2026-12-02.sv ", "2026-12-02.en "} {
		if !strings.Contains(lock, "\n"+key+"sha256:") {
			t.Errorf("the committed lock has no line for %s", key)
		}
	}
	if err := VerifyLock(dir, mustLoad(t, dir)); err != nil {
		t.Fatalf("the committed content does not verify: %v", err)
	}

	// A published translation is as immutable as its original.
	sv := filepath.Join(dir, "2026-12-02.sv.md")
	orig := readFile(t, sv)
	writeFile(t, sv, strings.Replace(orig, "Beskrivningen uppdateras vid behov.", "Beskrivningen uppdateras ibland.", 1))
	err := VerifyLock(dir, mustLoad(t, dir))
	if err == nil || !strings.Contains(err.Error(), "2026-12-02.sv.md") || !strings.Contains(err.Error(), "seloste notice new") {
		t.Errorf("an edited published translation: %v", err)
	}
	if _, err := UpdateLock(dir, mustLoad(t, dir)); err == nil {
		t.Error("UpdateLock ran over an edited translation")
	}

	// Nor can it be deleted.
	if err := os.Remove(sv); err != nil {
		t.Fatal(err)
	}
	err = VerifyLock(dir, mustLoad(t, dir))
	if err == nil || !strings.Contains(err.Error(), "2026-12-02.sv.md") || !strings.Contains(err.Error(), "missing") {
		t.Errorf("a deleted published translation: %v", err)
	}

	// A translation published later, for an older version, is locked too.
	writeFile(t, sv, orig)
	old := filepath.Join(dir, "2026-11-25.sv.md")
	writeFile(t, old, strings.Replace(orig, "Första versionen", "Översättning av versionen 25.11.2026", 1))
	added, err := UpdateLock(dir, mustLoad(t, dir))
	if err != nil || len(added) != 1 || added[0].Key() != "2026-11-25.sv" {
		t.Fatalf("UpdateLock with a new translation: added %v, %v", added, err)
	}
	if !regexp.MustCompile(`\n2026-11-25 sha256:\w+\n2026-11-25\.sv sha256:\w+\n2026-12-02 `).MatchString(readFile(t, filepath.Join(dir, LockFile))) {
		t.Errorf("the new translation's line is not after its version's:\n%s", readFile(t, filepath.Join(dir, LockFile)))
	}
}

// newerFinnish adds a published Finnish version 2027-01-05 without
// translations: the newest translations are then 2026-12-02's.
func newerFinnish(t *testing.T, dir string) {
	t.Helper()
	src := readFile(t, filepath.Join(dir, "2026-12-02.md"))
	src = regexp.MustCompile(`(?m)^summary: .*$`).ReplaceAllString(src, "summary: Testissä lisätty kappale.")
	writeFile(t, filepath.Join(dir, "2027-01-05.md"), src+"\nTämä kappale lisättiin testissä.\n")
}

func TestCheckStaleTranslation(t *testing.T) {
	dir := copySource(t)
	if ps := CheckTranslations(mustLoad(t, dir)); len(ps) != 0 {
		t.Fatalf("the committed content: %v", ps)
	}
	newerFinnish(t, dir)
	_, ps := CheckDir(dir)
	var stale []Problem
	for _, p := range ps {
		if strings.Contains(p.English, "translation of the current version") {
			stale = append(stale, p)
		}
	}
	if len(stale) != 2 {
		t.Fatalf("want one warning per language, got %v", ps)
	}
	for i, code := range []string{"sv", "en"} {
		p := stale[i]
		missing := filepath.Join(dir, "2027-01-05."+code+".md")
		if p.Severity != SeverityWarning || p.File != missing || !strings.Contains(p.Message, missing) || !strings.Contains(p.English, "2026-12-02") {
			t.Errorf("%s: want a warning naming %s and the translation shown (2026-12-02), got %s", code, missing, p)
		}
	}
	if HasErrors(ps) {
		t.Errorf("an untranslated new version is not an error: %v", ps)
	}
	// A Swedish draft is still missing, and said so.
	writeFile(t, filepath.Join(dir, "2027-01-05.sv.md"),
		strings.Replace(readFile(t, filepath.Join(dir, "2026-12-02.sv.md")), "lang: sv\n", "lang: sv\ndraft: true\n", 1))
	ps = CheckTranslations(mustLoad(t, dir))
	if len(ps) != 2 || !strings.Contains(ps[0].English, "still a draft") {
		t.Errorf("with a Swedish draft: %v", ps)
	}
}

func TestCheckStructure(t *testing.T) {
	dir := copySource(t)
	sv := filepath.Join(dir, "2026-12-02.sv.md")
	src := readFile(t, sv)
	cases := []struct {
		name, from, to, want string
	}{
		{"level changed", "### Kundregister\n", "## Kundregister\n", `heading 6: the Finnish "Asiakasrekisteri" (level 3, line 39), the translation "Kundregister" (level 2)`},
		// Among headings of one level, a missing or extra one shows in the
		// count and where the levels first part.
		{"section dropped", "### Automatiserat beslutsfattande\n", "", "(15 headings, the translation has 14)"},
		{"section added", "### E-postlista\n", "### E-postlista\n\n### Nyhetsbrev\n", `(15 headings, the translation has 16); first difference: heading 9: the Finnish "Tietosuojaratkaisut" (level 2`},
		{"heading added at the end", "### Rätt att lämna in klagomål till tillsynsmyndigheten\n", "### Rätt att lämna in klagomål till tillsynsmyndigheten\n\n## Bilaga\n", `extra heading 16 "Bilaga"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(src, c.from) {
				t.Fatalf("the Swedish translation no longer has %q", c.from)
			}
			v, err := Parse(sv, date("2026-12-02"), []byte(strings.Replace(src, c.from, c.to, 1)))
			if err != nil {
				t.Fatal(err)
			}
			fi := mustLoad(t, dir)[2]
			ps := CheckStructure(fi, v)
			if len(ps) != 1 || ps[0].Severity != SeverityError || ps[0].File != sv || ps[0].Line == 0 || !strings.Contains(ps[0].English, c.want) {
				t.Errorf("want one error at a line of %s saying %q, got %v", sv, c.want, ps)
			}
		})
	}
	// Headings worded differently are fine: only the structure counts.
	fi := mustLoad(t, dir)[2]
	v, _ := Parse(sv, date("2026-12-02"), []byte(strings.Replace(src, "### Kundregister", "### Register över kunder", 1)))
	if ps := CheckStructure(fi, v); len(ps) != 0 {
		t.Errorf("a reworded heading: %v", ps)
	}
}

func TestCheckTranslatedFieldsList(t *testing.T) {
	dir := copySource(t)
	vs := mustLoad(t, dir)
	if ps := withoutGated(t, CheckCollector(vs, collector(true))); len(ps) != 0 {
		t.Fatalf("the committed content against the registry: %v", ps)
	}
	// Each language's list is its own language's rendering of the registry.
	for _, code := range []string{"sv", "en"} {
		tr, _ := vs[2].Translation(code)
		b, _, err := FindFields(tr)
		if err != nil || normSpace(b.Inner) != normSpace(FieldsMarkdownIn(publishedFields(), threeYears, code)) {
			t.Errorf("%s: the list is not the registry's (%v)", code, err)
		}
	}

	// The registry changes: the Swedish description of a field.
	fields := slices.Clone(analytics.Fields)
	fields[3].SV.What = "ett besöksnummer"
	ps := withoutGated(t, CheckCollector(vs, Collector{Fields: fields, Retention: threeYears, Configured: true}))
	if len(ps) != 1 || ps[0].File != filepath.Join(dir, "2026-12-02.sv.md") || ps[0].Severity != SeverityError || !strings.Contains(ps[0].English, "missing or changed: visit") {
		t.Errorf("a changed Swedish description: want one error on the Swedish file, got %v", ps)
	}
	// Another retention: every language's list says the old one.
	ps = CheckCollector(vs, Collector{Fields: analytics.Fields, Retention: analytics.Retention{Months: 18}, Configured: true})
	files := map[string]bool{}
	for _, p := range ps {
		files[filepath.Base(p.File)] = true
	}
	if len(files) != 3 {
		t.Errorf("another retention: want errors on all three languages, got %v", ps)
	}
	for _, code := range []string{"sv", "en"} {
		if strings.Contains(analytics.RetentionSentenceIn(analytics.Retention{Months: 18}, code), "vuot") {
			t.Errorf("%s retention sentence is Finnish", code)
		}
	}
	if got := analytics.RetentionSentenceIn(threeYears, "sv"); got != "Uppgifterna om sidbesök sparas i 3 år, varefter de raderas automatiskt." {
		t.Errorf("Swedish retention sentence: %q", got)
	}
	if got := (analytics.Retention{Days: 7}).English(); got != "1 week" {
		t.Errorf("English of 1w: %q", got)
	}
}

func TestArt13InEachLanguage(t *testing.T) {
	vs := mustLoad(t, contentDir)
	for _, code := range []string{"sv", "en"} {
		tr, _ := vs[2].Translation(code)
		if ps := Art13(tr); len(ps) != 0 {
			t.Errorf("%s: the full translation: %v", code, ps)
		}
	}
	// Without its complaint section and its rights, each language is
	// warned, in that language's words.
	cut := map[string][2]string{
		"sv": {"### Den registrerades rättigheter", "### Rätt att lämna in klagomål"},
		"en": {"### Rights of the data subject", "### Right to lodge a complaint"},
	}
	for code, c := range cut {
		tr, _ := vs[2].Translation(code)
		i := strings.Index(tr.Body, c[0])
		if i < 0 {
			t.Fatalf("%s: no %q", code, c[0])
		}
		tr.Body = tr.Body[:i]
		_, got := topics(Art13(tr))
		_ = got
		warned, _ := topics(Art13(tr))
		if !slices.Contains(warned, "complaint") || !slices.Contains(warned, "rights") {
			t.Errorf("%s: without the last sections, warned %v; want complaint and rights", code, warned)
		}
	}
	// Finnish words do not satisfy the Swedish checklist: a Swedish text
	// that only names the Finnish authority is warned.
	tr, _ := vs[2].Translation("sv")
	tr.Body = strings.NewReplacer("Dataombudsmannens byrå", "Tietosuojavaltuutetun toimisto", "klagomål", "valitus", "tillsynsmyndighet", "viranomainen").Replace(tr.Body)
	if warned, _ := topics(Art13(tr)); !slices.Equal(warned, []string{"complaint"}) {
		t.Errorf("Swedish text with the complaint in Finnish: warned %v, want complaint", warned)
	}
}

func TestNewDraftCopiesTranslations(t *testing.T) {
	dir := copySource(t)
	vs := mustLoad(t, dir)
	c := collector(true)
	paths, err := NewDraftFields(dir, vs, date("2027-01-05"), &c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "2027-01-05.md"), filepath.Join(dir, "2027-01-05.sv.md"), filepath.Join(dir, "2027-01-05.en.md")}
	if !slices.Equal(paths, want) {
		t.Fatalf("paths = %v, want %v", paths, want)
	}
	vs = mustLoad(t, dir)
	v := vs[len(vs)-1]
	if !v.Draft || len(v.Translations) != 2 {
		t.Fatalf("new version: draft %v, %d translations", v.Draft, len(v.Translations))
	}
	for _, tr := range v.Translations {
		prev, _ := vs[2].Translation(tr.Lang)
		if !tr.Draft || tr.Title != prev.Title || !strings.Contains(tr.Body, TranslationMarker) || !strings.Contains(tr.Body, prev.Body[:200]) {
			t.Errorf("%s: want a draft copy of %s marked %s", tr.File, prev.File, TranslationMarker)
		}
	}
	// Publishing the copy as it is, marked, is refused at the marker.
	sv := paths[1]
	src := readFile(t, sv)
	writeFile(t, paths[0], strings.Replace(strings.Replace(readFile(t, paths[0]), "draft: true\n", "", 1), SummaryPlaceholder, "Testi.", 1))
	writeFile(t, sv, strings.Replace(strings.Replace(src, "draft: true\n", "", 1), SummaryPlaceholder, "Test.", 1))
	_, err = Load(dir)
	var se *SourceError
	if !errors.As(err, &se) || se.File != sv || se.Line != 7 || !strings.Contains(se.En, "needing translation") {
		t.Errorf("a published translation with the marker: want an error at %s:7, got %v", sv, err)
	}
	// Translated, it publishes.
	writeFile(t, sv, regexp.MustCompile(`(?m)^\*\*`+regexp.QuoteMeta(TranslationMarker)+`.*\n`).ReplaceAllString(readFile(t, sv), ""))
	if _, err := Load(dir); err != nil {
		t.Errorf("the translated draft: %v", err)
	}

	// Either every draft is written or none: a Swedish file in the way
	// stops them all.
	dir = copySource(t)
	writeFile(t, filepath.Join(dir, "2027-01-05.sv.md"), "x")
	if _, err := NewDraftFields(dir, []Version{mustLoad(t, copySource(t))[2]}, date("2027-01-05"), nil); err == nil {
		t.Error("NewDraftFields wrote over an existing translation")
	}
	if _, err := os.Stat(filepath.Join(dir, "2027-01-05.md")); !os.IsNotExist(err) {
		t.Errorf("the Finnish draft was written although the translations could not be: %v", err)
	}
}

// publishedFields are the registry's fields without those stored only on
// request, which the committed statement (2026-12-02) came before.
func publishedFields() []analytics.Field {
	var out []analytics.Field
	for _, f := range analytics.Fields {
		if !f.Gated {
			out = append(out, f)
		}
	}
	return out
}
