package notice

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
)

var (
	required = analytics.ConsentRequired
	exempt   = analytics.ConsentExempt
)

// consentCollector is the collector of testStart's sites with terms.
func consentCollector(terms ...SiteConsent) Collector {
	c := testStart().Collector
	c.Consent = terms
	c.Precision = "city"
	return c
}

func both(c analytics.Consent) []SiteConsent {
	return UniformConsent([]string{"esimerkki.invalid", "kauppa.esimerkki.invalid"}, c)
}

var mixed = []SiteConsent{{"esimerkki.invalid", required}, {"kauppa.esimerkki.invalid", exempt}}

// consentProblems are the problems about consent: the paragraph's (Art.
// 13(1)(c) naming it) and the exemption's list.
func consentProblems(ps []Problem) (paragraph, exemption []Problem) {
	for _, p := range ps {
		switch {
		case strings.HasPrefix(p.English, `consent = "exempt"`):
			exemption = append(exemption, p)
		case strings.Contains(p.English, "(Consent counts)"):
			// The registry's consent-count field: the list's business.
		case strings.Contains(p.English, "consent") || strings.Contains(p.English, "legal-basis") || strings.Contains(p.English, "legal basis for page visits"):
			paragraph = append(paragraph, p)
		}
	}
	return paragraph, exemption
}

// TestConsentParagraph: the paragraph says, in each language, on what
// terms the statistics run: consent under 205 § and Art. 6(1)(a) with how
// to withdraw it, or legitimate interest and why no consent is asked; with
// sites on different terms, which site runs on which.
func TestConsentParagraph(t *testing.T) {
	for _, tc := range []struct {
		lang       string
		req, exm   []string
		mixedLabel string
	}{
		{"fi", []string{"6 artiklan 1 kohdan a alakohta", "205 §", "perua milloin tahansa", "Omat tiedot", "tietosuojavalinnoista", "localStorage"},
			[]string{"oikeutettu etu", "1 kohdan f alakohta", "ei pyydetä suostumusta", "rekisterinpitäjä on arvioinut", "205 §"},
			"**Oikeusperuste (sivusto kauppa.esimerkki.invalid):** Rekisterinpitäjän oikeutettu etu"},
		{"sv", []string{"artikel 6.1 a", "205 §", "återkallas", "Mina uppgifter", "integritetsval", "localStorage"},
			[]string{"berättigade intresse", "6.1 f", "Inget samtycke begärs", "har bedömt", "205 §"},
			"**Rättslig grund (webbplatsen kauppa.esimerkki.invalid):** Den personuppgiftsansvariges berättigade intresse"},
		{"en", []string{"Article 6(1)(a)", "section 205", "withdrawn at any time", "Your data page", "privacy choices", "localStorage"},
			[]string{"legitimate interest", "6(1)(f)", "No consent is asked", "the controller has assessed", "section 205"},
			"**Legal basis (the website kauppa.esimerkki.invalid):** The controller's legitimate interest"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			req, exm := ExpandConsentIn(both(required), tc.lang), ExpandConsentIn(both(exempt), tc.lang)
			if !strings.HasPrefix(req, `{{< oikeusperuste suostumus="required" >}}`+"\n") || !strings.HasPrefix(exm, `{{< oikeusperuste suostumus="exempt" >}}`+"\n") ||
				!strings.HasSuffix(req, "{{< /oikeusperuste >}}\n") {
				t.Fatalf("tags:\n%s\n%s", req, exm)
			}
			for _, w := range tc.req {
				if !strings.Contains(req, w) {
					t.Errorf("required lacks %q:\n%s", w, req)
				}
			}
			for _, w := range tc.exm {
				if !strings.Contains(exm, w) {
					t.Errorf("exempt lacks %q:\n%s", w, exm)
				}
			}
			if strings.Contains(exm, "6(1)(a)") || strings.Contains(exm, "6.1 a") || strings.Contains(exm, "kohdan a ") || strings.Contains(req, "legitimate") || strings.Contains(req, "berättigade") || strings.Contains(req, "oikeutettu") {
				t.Error("a paragraph names the other basis")
			}
			// Sites on different terms: one paragraph per mode, naming its sites.
			mix := ExpandConsentIn(mixed, tc.lang)
			if !strings.HasPrefix(mix, `{{< oikeusperuste suostumus="esimerkki.invalid=required kauppa.esimerkki.invalid=exempt" >}}`) ||
				!strings.Contains(mix, tc.mixedLabel) || strings.Count(mix, "esimerkki.invalid") != 4 {
				t.Errorf("mixed:\n%s", mix)
			}
			// What the tags say is what is read back.
			name := "t/2026-12-08." + tc.lang + ".md"
			if tc.lang == Finnish {
				name = "t/2026-12-08.md"
			}
			v, err := Parse(name, date("2026-12-08"), []byte("---\ntitle: T\nlang: "+tc.lang+"\nsummary: s\n---\nA.\n\n"+mix))
			if err != nil {
				t.Fatal(err)
			}
			s, _, legacy, ok := stated(v)
			if c, _ := s.modeOf("kauppa.esimerkki.invalid"); !ok || legacy || c != exempt {
				t.Errorf("read back %+v, %v, %v", s, legacy, ok)
			}
			if out := stripShortcodes(v); strings.Contains(out, "{{") || !strings.Contains(out, tc.mixedLabel) {
				t.Errorf("rendered text:\n%s", out)
			}
		})
	}
}

// TestStartConsent: a started statement in either mode, or with mixed
// sites, is clean under the full check (the exemption's own list aside),
// in every language.
func TestStartConsent(t *testing.T) {
	for name, terms := range map[string][]SiteConsent{"required": both(required), "exempt": both(exempt), "mixed": mixed} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), Dir)
			s := testStart("fi", "sv", "en")
			s.Collector = consentCollector(terms...)
			if _, err := WriteStart(dir, s); err != nil {
				t.Fatal(err)
			}
			vs, ps := CheckDir(dir)
			ps = append(ps, CheckCollector(vs, s.Collector)...)
			_, exemption := consentProblems(ps)
			for _, p := range ps {
				if p.Severity != SeverityNote && !strings.HasPrefix(p.English, `consent = "exempt"`) {
					t.Errorf("%s", p)
				}
			}
			if n := len(exemption); (name == "required") != (n == 0) {
				t.Errorf("%d exemption findings", n)
			}
		})
	}
}

// TestCheckConsent: check fails, in each language, when the current
// version states other terms than the configured ones, and passes once
// notice new has written the paragraph for them and it is published; a
// block edited by hand fails too.
func TestCheckConsent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), Dir)
	s := testStart("fi", "sv", "en")
	s.Collector = consentCollector(both(required)...)
	if _, err := WriteStart(dir, s); err != nil {
		t.Fatal(err)
	}
	for _, terms := range [][]SiteConsent{both(exempt), mixed} {
		paragraph, _ := consentProblems(CheckCollector(mustLoad(t, dir), consentCollector(terms...)))
		if len(paragraph) != 3 {
			t.Fatalf("want one error per language, got %v", paragraph)
		}
		for i, lang := range []string{"", ".sv", ".en"} {
			p := paragraph[i]
			if p.Severity != SeverityError || p.File != filepath.Join(dir, "2026-12-08"+lang+".md") || p.Line == 0 ||
				!strings.Contains(p.English, "kauppa.esimerkki.invalid: the statement says consent (required), the configuration no consent, legitimate interest (exempt)") ||
				!strings.Contains(p.English, "run seloste notice new") {
				t.Errorf("%s", p)
			}
		}
		if err := ConsentStated(filepath.Dir(dir), terms); err == nil || !strings.Contains(err.Error(), "2026-12-08.md does not state the configured consent terms") || !strings.Contains(err.Error(), "seloste notice new") {
			t.Errorf("ConsentStated = %v", err)
		}
	}
	if err := ConsentStated(filepath.Dir(dir), both(required)); err != nil {
		t.Errorf("ConsentStated on matching terms: %v", err)
	}

	// notice new writes the paragraph for the configured terms, in each language.
	publish(t, dir, date("2026-12-09"), consentCollector(mixed...))
	vs := mustLoad(t, dir)
	for _, v := range Files(vs[1:]) {
		if !strings.Contains(v.Body, ExpandConsentIn(mixed, v.Lang)) {
			t.Errorf("%s lacks the generated block", v.File)
		}
	}
	if paragraph, _ := consentProblems(CheckCollector(vs, consentCollector(mixed...))); len(paragraph) != 0 {
		t.Errorf("after notice new: %v", paragraph)
	}
	if err := ConsentStated(filepath.Dir(dir), mixed); err != nil {
		t.Errorf("ConsentStated after notice new: %v", err)
	}

	// Hand-edited text inside the block.
	cur := vs[1]
	file := cur.File
	src := readFile(t, file)
	writeFile(t, file, strings.Replace(src, "Tilasto-ohjelma ei lähetä", "Ohjelma ei lähetä", 1))
	paragraph, _ := consentProblems(CheckCollector(mustLoad(t, dir), consentCollector(mixed...)))
	if len(paragraph) != 1 || !strings.Contains(paragraph[0].English, "holds something other than the paragraph generated") {
		t.Errorf("edited block: %v", paragraph)
	}
}

// TestConsentLegacy: a statement from before the block says its terms in
// a hand-written paragraph: Kuopion Softop's says legitimate interest. It
// passes as exempt with a warning per language, fails as required, and
// notice new puts the generated block in its place.
func TestConsentLegacy(t *testing.T) {
	content := t.TempDir()
	dir := filepath.Join(content, Dir)
	if err := os.Rename(copySource(t), dir); err != nil {
		t.Fatal(err)
	}
	vs := mustLoad(t, dir)
	paragraph, _ := consentProblems(CheckCollector(vs, consentCollector(UniformConsent([]string{"example.fi"}, exempt)...)))
	if len(paragraph) != 3 {
		t.Fatalf("exempt: %v", paragraph)
	}
	for _, p := range paragraph {
		if p.Severity != SeverityWarning || p.Line != 82 || !strings.Contains(p.English, "written by hand") {
			t.Errorf("%s", p)
		}
	}
	paragraph, _ = consentProblems(CheckCollector(vs, consentCollector(UniformConsent([]string{"example.fi"}, required)...)))
	if len(paragraph) != 3 || !HasErrors(paragraph) || !strings.Contains(paragraph[0].English, "example.fi: the statement says no consent, legitimate interest (exempt), the configuration consent (required)") {
		t.Errorf("required: %v", paragraph)
	}
	if err := ConsentStated(content, UniformConsent([]string{"example.fi"}, exempt)); err != nil {
		t.Errorf("ConsentStated exempt: %v", err)
	}
	if err := ConsentStated(content, UniformConsent([]string{"example.fi"}, required)); err == nil {
		t.Error("ConsentStated required on a legitimate-interest statement: nil")
	}

	cur, _ := Current(vs)
	body, changed, err := RefreshConsent(cur, UniformConsent([]string{"example.fi"}, required))
	if err != nil || !changed {
		t.Fatalf("RefreshConsent: %v, %v", changed, err)
	}
	if !strings.Contains(body, "{{< /kerattavat-tiedot >}}") || !strings.Contains(body, ExpandConsentIn(UniformConsent([]string{"example.fi"}, required), Finnish)) ||
		strings.Contains(body, "**Oikeusperuste:** Rekisterinpitäjän oikeutettu etu") ||
		!strings.Contains(body, "**Oikeusperuste:** Listalle liittyneen suostumus.") {
		t.Errorf("refreshed body:\n%s", body)
	}
	// The 2020 text has neither block nor paragraph: nothing to replace,
	// and the check says the terms are not stated.
	content2020 := t.TempDir()
	if err := os.Rename(copySource2020(t), filepath.Join(content2020, Dir)); err != nil {
		t.Fatal(err)
	}
	only := mustLoad(t, filepath.Join(content2020, Dir))
	if _, changed, _ := RefreshConsent(only[0], both(required)); changed {
		t.Error("RefreshConsent changed the 2020 text")
	}
	// A collector may start on it only if it asks consent first.
	if err := ConsentStated(content2020, both(required)); err != nil {
		t.Errorf("ConsentStated required on a statement stating no terms: %v", err)
	}
	if err := ConsentStated(content2020, mixed); err == nil || !strings.Contains(err.Error(), "does not say on what terms page visits are counted, and kauppa.esimerkki.invalid runs with consent = \"exempt\"") {
		t.Errorf("ConsentStated exempt on a statement stating no terms: %v", err)
	}
	// No statement at all: nothing to disagree with.
	if err := ConsentStated(t.TempDir(), mixed); err != nil {
		t.Errorf("ConsentStated without a statement: %v", err)
	}
}

// TestCheckExemption: with a site exempt, check lists each condition
// against the configuration, and warns that Finland expects consent.
func TestCheckExemption(t *testing.T) {
	dir := filepath.Join(t.TempDir(), Dir)
	s := testStart("fi", "en")
	s.Collector = consentCollector(mixed...)
	if _, err := WriteStart(dir, s); err != nil {
		t.Fatal(err)
	}
	vs := mustLoad(t, dir)
	c := consentCollector(mixed...)
	c.Events = []analytics.EventDef{{Name: "haku", Props: []string{"sana"}, Desc: analytics.Description{FI: "Haku", EN: "A search"}}}
	_, ex := consentProblems(CheckCollector(vs, c))
	text := problemText(ex)
	for _, want := range []string{"first party only — met", "identifiers per site and rotated daily — met", "no cross-site identifier — met",
		`geo_precision = "city": the city is kept`, `limited retention — met: retention = "18mo"`,
		"free-form event properties declared and described — not met: the statement in force does not describe the events haku",
		"no data to third parties — met", "section 205", "Traficom", "kauppa.esimerkki.invalid"} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
	if len(ex) != 8 || HasErrors(ex) {
		t.Errorf("%d findings (errors %v), want 7 conditions and the warning", len(ex), HasErrors(ex))
	}
	c.Retention, c.Precision, c.Events = threeYears, "region", nil
	_, ex = consentProblems(CheckCollector(vs, c))
	text = problemText(ex)
	for _, want := range []string{`retention = "3y" is longer than the 25 months`, `met: geo_precision = "region"`, "met: no event declares properties"} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
	c.Consent = both(required)
	if _, ex := consentProblems(CheckCollector(vs, c)); len(ex) != 0 {
		t.Errorf("required: %v", ex)
	}
}
