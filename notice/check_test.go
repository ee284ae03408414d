package notice

import (
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// topics returns the Art. 13 topics ps warn about, and those only noted.
func topics(ps []Problem) (warned, noted []string) {
	for _, p := range ps {
		switch t := p.Topic(); {
		case t == "":
		case p.Severity == SeverityNote:
			noted = append(noted, t)
		default:
			warned = append(warned, t)
		}
	}
	sort.Strings(warned)
	sort.Strings(noted)
	return warned, noted
}

// TestArt13On2020 pins what the check says about the original statement.
// Each expectation was verified by reading the 2020 text:
//   - legal basis: never stated (consent is mentioned for marketing only);
//   - rights: access ("saada hänestä kerätyt tiedot"), erasure
//     ("poistetuksi") and objection to marketing ("kieltäytymisellä") are
//     there; rectification, restriction and portability are not;
//   - withdrawal of consent: consent and "markkinointilupa" appear, but not
//     that consent can be withdrawn;
//   - complaint to the supervisory authority: absent;
//   - whether providing data is required: absent;
//   - automated decision-making/profiling: absent;
//   - transfers: the text says the registers are kept "EU:n rajojen
//     sisäpuolella", but it names Google (Analytics), Facebook, Twitter,
//     YouTube and LinkedIn and says nothing about data leaving the EU/EEA;
//   - DPO: none named, which is fine for a small firm (a note).
//
// The others are present: controller and contact (Kuopion Softop Oy,
// address, "puh."), purposes ("Tarkoitus:"), recipients ("ei luovuteta"),
// location relative to the EU ("EU:n rajojen sisäpuolella"), retention
// ("poistetaan kolmen vuoden päästä"), source ("keräävät
// sivuvierailijoista ja asiakkaistaan").
func TestArt13On2020(t *testing.T) {
	v := firstVersion(t)
	ps := Art13(v)
	warned, noted := topics(ps)
	want := []string{"automated-decisions", "complaint", "legal-basis", "requirement", "rights", "transfers-services", "withdraw-consent"}
	if !slices.Equal(warned, want) {
		t.Errorf("warnings on 2020-02-08 = %v\nwant %v", warned, want)
	}
	if !slices.Equal(noted, []string{"dpo"}) {
		t.Errorf("notes on 2020-02-08 = %v, want [dpo]", noted)
	}
	for _, p := range ps {
		if p.File != v.File || p.Line != v.BodyLine+1 || p.Message == "" || p.English == "" {
			t.Errorf("problem lacks position or text: %+v", p)
		}
		if p.Topic() == "rights" && !strings.Contains(p.English, "missing: rectification, restriction, portability") {
			t.Errorf("rights warning: %s", p.English)
		}
	}
	s := Problem{Severity: SeverityWarning, File: "f.md", Line: 7, Article: "13(2)(d)", Message: "fi", English: "en"}.String()
	if s != "f.md:7: warning: [Art. 13(2)(d)] fi\n    en" {
		t.Errorf("Problem.String() = %q", s)
	}
}

// completeFi says everything Art. 13 asks for, one sentence per topic (the
// rights one sentence per right), in Finnish.
var completeFi = []struct{ topic, text string }{
	{"controller", "Rekisterinpitäjä: Esimerkki Oy, Kauppakatu 1, 70100 Kuopio, puh. 040 123 4567."},
	{"dpo", "Tietosuojavastaava: Maija Meikäläinen."},
	{"purposes", "Tietojen käyttötarkoitus on laskutus ja asiakassuhteen hoito."},
	{"legal-basis", "Käsittelyn oikeusperuste on sopimus ja rekisterinpitäjän oikeutettu etu."},
	{"recipients", "Tietoja ei luovuteta kenellekään."},
	{"transfers", "Tietoja ei siirretä EU:n tai ETA:n ulkopuolelle."},
	{"retention", "Tiedot poistetaan kolmen vuoden kuluttua asiakassuhteen päättymisestä."},
	{"rights/access", "Sinulla on oikeus tarkastaa tietosi."},
	{"rights/rectification", "Voit vaatia virheellisen tiedon oikaisua."},
	{"rights/erasure", "Voit vaatia tietojesi poistamista."},
	{"rights/restriction", "Voit vaatia käsittelyn rajoittamista."},
	{"rights/objection", "Voit vastustaa käsittelyä."},
	{"rights/portability", "Sinulla on oikeus tietojen siirrettävyyteen."},
	{"withdraw-consent", "Uutiskirjeen suostumuksen voit peruuttaa milloin tahansa."},
	{"complaint", "Voit tehdä valituksen Tietosuojavaltuutetun toimistolle."},
	{"requirement", "Tietojen antaminen on vapaaehtoista, mutta ilman niitä emme voi toimittaa tilausta."},
	{"source", "Tietolähteenä on asiakas itse."},
	{"automated-decisions", "Automaattista päätöksentekoa tai profilointia ei käytetä."},
}

var completeEn = []string{
	"Controller: Example Ltd, 1 High Street, phone +44 20 7946 0000, privacy@example.com.",
	"Data protection officer: Jane Doe.",
	"We process your data for the purposes of invoicing and customer service.",
	"The legal basis is our contract with you and our legitimate interest.",
	"Recipients: our accounting firm.",
	"We do not transfer data outside the EU/EEA.",
	"Retention: we keep the data for three years after the last order.",
	"You have the right of access, rectification, erasure, restriction of processing, to object, and to data portability.",
	"You may withdraw your consent at any time.",
	"You may lodge a complaint with the supervisory authority.",
	"Providing the data is voluntary.",
	"The source of the data is you.",
	"We do not use automated decision-making or profiling.",
}

func statement(sentences []string) Version {
	return Version{Date: date("2026-11-05"), File: "x.md", Title: "Tietosuojaseloste", Lang: "fi", BodyLine: 6,
		Body: "\n" + strings.Join(sentences, "\n\n") + "\n"}
}

func TestArt13CompleteStatementHasNoProblems(t *testing.T) {
	var fi []string
	for _, s := range completeFi {
		fi = append(fi, s.text)
	}
	for name, sentences := range map[string][]string{"fi": fi, "en": completeEn} {
		if ps := Art13(statement(sentences)); len(ps) != 0 {
			for _, p := range ps {
				t.Errorf("%s: %s", name, p)
			}
		}
	}
}

// TestArt13EachPoint removes one topic's sentence from the complete
// statement at a time: exactly that point must be reported, which also
// proves no other sentence satisfies it by accident.
func TestArt13EachPoint(t *testing.T) {
	for i, s := range completeFi {
		var rest []string
		for j, o := range completeFi {
			if j != i {
				rest = append(rest, o.text)
			}
		}
		warned, noted := topics(Art13(statement(rest)))
		got := append(warned, noted...)
		topic, _, _ := strings.Cut(s.topic, "/")
		want := []string{topic}
		if topic == "withdraw-consent" {
			want = nil // no consent mentioned any more: nothing to withdraw
		}
		if !slices.Equal(got, want) {
			t.Errorf("without %q: reported %v, want %v", s.text, got, want)
		}
		if topic == "dpo" && len(noted) != 1 {
			t.Errorf("a missing DPO is a note, not a warning: %v %v", warned, noted)
		}
	}
	// Consent mentioned without the right to withdraw it.
	var fi []string
	for _, s := range completeFi {
		if s.topic != "withdraw-consent" {
			fi = append(fi, s.text)
		}
	}
	fi = append(fi, "Uutiskirje lähetetään vain suostumuksellasi.")
	if warned, _ := topics(Art13(statement(fi))); !slices.Equal(warned, []string{"withdraw-consent"}) {
		t.Errorf("consent without withdrawal: %v", warned)
	}

	// A service of a non-EU company, with and without a word on transfers.
	// ("Tietoja ei siirretä…" would cover it, so say only where servers are.)
	fi = slices.DeleteFunc(fi[:len(fi)-1], func(s string) bool { return strings.Contains(s, "siirretä") })
	withGoogle := append(fi, "Palvelimemme ovat EU:n alueella.", "Kävijätilastot koostetaan Google Analyticsilla.")
	ps := Art13(statement(withGoogle))
	if warned, _ := topics(ps); !slices.Equal(warned, []string{"transfers-services"}) || !strings.HasSuffix(ps[0].Message, ": google") {
		t.Errorf("Google without transfers: %v", ps)
	}
	withGoogle = append(withGoogle, "Tietoja siirretään Yhdysvaltoihin EU:n vakiolausekkein.")
	if ps := Art13(statement(withGoogle)); len(ps) != 0 {
		t.Errorf("Google with transfers: %v", ps)
	}
}

func TestArt13PointsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, pt := range art13Points {
		if pt.Article == "" || pt.Topic == "" || pt.Fi == "" || pt.En == "" || len(pt.Parts) == 0 || seen[pt.Topic] {
			t.Errorf("bad point %+v", pt)
		}
		seen[pt.Topic] = true
		var res []*regexp.Regexp
		for _, r := range pt.When {
			res = append(res, r)
		}
		for _, p := range pt.Parts {
			if len(pt.Parts) > 1 && (p.Fi == "" || p.En == "") {
				t.Errorf("%s: part without a name", pt.Topic)
			}
			for _, l := range Languages {
				if p.Re[l.Code] == nil {
					t.Errorf("%s: no pattern in %s", pt.Topic, l.Code)
				}
				res = append(res, p.Re[l.Code])
			}
		}
		// Art13 lowercases the text, so an uppercase letter never matches.
		for _, r := range res {
			if r != nil && regexp.MustCompile(`[A-ZÄÖÅ]`).MatchString(strings.ReplaceAll(r.String(), `\pL`, "")) {
				t.Errorf("%s: pattern %q has an uppercase letter", pt.Topic, r)
			}
		}
	}
}

func TestCheckDir(t *testing.T) {
	vs, ps := CheckDir(contentDir)
	if len(vs) == 0 || len(ps) != 0 {
		t.Fatalf("repository source: %d versions, problems %v; want none at all", len(vs), ps)
	}
	// The 2020 statement, while it was the current version.
	dir := copySource2020(t)
	vs, ps = CheckDir(dir)
	if len(vs) != 1 || HasErrors(ps) {
		t.Fatalf("2020 source: %d versions, problems %v", len(vs), ps)
	}
	warned, _ := topics(ps)
	if !slices.Contains(warned, "legal-basis") || !slices.Contains(warned, "complaint") {
		t.Errorf("warnings = %v, want legal-basis and complaint", warned)
	}

	// A draft is checked too, so the owner sees what is still missing.
	path, err := NewDraft(dir, mustLoad(t, dir), date("2026-11-05"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, readFile(t, path)+"\nVoit tehdä valituksen Tietosuojavaltuutetun toimistolle.\n")
	_, ps = CheckDir(dir)
	var draftTopics []string
	for _, p := range ps {
		if p.File == path {
			draftTopics = append(draftTopics, p.Topic())
		}
	}
	if slices.Contains(draftTopics, "complaint") || !slices.Contains(draftTopics, "legal-basis") {
		t.Errorf("draft problems = %v", draftTopics)
	}

	// Broken source: errors, with file and line.
	writeFile(t, filepath.Join(dir, "2027-01-01.md"), "---\ntitle: T\n")
	vs, ps = CheckDir(dir)
	if vs != nil || !HasErrors(ps) || ps[0].Line != 1 || !strings.HasSuffix(ps[0].File, "2027-01-01.md") {
		t.Errorf("broken source: %v", ps)
	}
}
