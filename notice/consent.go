package notice

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

// The page-visit legal-basis paragraph is generated from the sites'
// consent modes (analytics.Consent) and frozen into the version like the
// collected-data list:
//
//	{{< oikeusperuste suostumus="required" >}}
//	**Oikeusperuste:** Kävijän suostumus (…)
//	{{< /oikeusperuste >}}
//
// The attribute is the mode when every site has the same one, otherwise
// each site with its own: suostumus="a.fi=required b.fi=exempt", and the
// Markdown then names which site runs on which terms. A lone
// {{< oikeusperuste >}} is a placeholder that "seloste notice new" fills.

// ConsentShortcode is the name of the legal-basis paragraph's shortcode.
const ConsentShortcode = "oikeusperuste"

// SiteConsent is the terms one tracked site's tracker runs on.
type SiteConsent struct {
	Site    string
	Consent analytics.Consent
}

// UniformConsent gives every site the same terms.
func UniformConsent(sites []string, c analytics.Consent) []SiteConsent {
	out := make([]SiteConsent, len(sites))
	for i, s := range sites {
		out[i] = SiteConsent{s, c}
	}
	return out
}

// consentKind is the legal-basis block for findBlocks.
var consentKind = blockKind{
	name: ConsentShortcode, attr: "suostumus", example: `suostumus="required"`,
	what: "sivuvierailujen oikeusperustekappale", whatEn: "the page-visit legal-basis paragraph",
	check: func(value string) (string, string, bool) {
		if _, err := parseConsentAttr(value); err != nil {
			return fmt.Sprintf("suostumus=%q ei kelpaa: kirjoita required tai exempt, tai sivustoittain esim. \"a.fi=required b.fi=exempt\" (tai aja seloste notice new, joka kirjoittaa kappaleen)", value),
				fmt.Sprintf("suostumus=%q is not valid: write required or exempt, or per site e.g. \"a.fi=required b.fi=exempt\" (or run seloste notice new, which writes the paragraph)", value), false
		}
		return "", "", true
	},
	missingFi: "lohkon alusta puuttuu tila: kirjoita {{< " + ConsentShortcode + " suostumus=\"required\" >}} (tai aja seloste notice new, joka kirjoittaa kappaleen)",
	missingEn: "the block's opening tag has no mode: write {{< " + ConsentShortcode + " suostumus=\"required\" >}} (or run seloste notice new, which writes the paragraph)",
}

// statedTerms is what a statement says about consent: one mode for every
// site (all), or a mode per named site.
type statedTerms struct {
	all   analytics.Consent
	sites map[string]analytics.Consent
}

// modeOf is the stated mode of site; ok is false when the statement does
// not name it.
func (s statedTerms) modeOf(site string) (analytics.Consent, bool) {
	if s.all != "" {
		return s.all, true
	}
	c, ok := s.sites[site]
	return c, ok
}

// uniform is the one mode of every site in terms, or "" when they differ.
func uniform(terms []SiteConsent) analytics.Consent {
	if len(terms) == 0 {
		return ""
	}
	for _, t := range terms[1:] {
		if t.Consent != terms[0].Consent {
			return ""
		}
	}
	return terms[0].Consent
}

// consentAttr is the block's suostumus attribute for terms.
func consentAttr(terms []SiteConsent) string {
	if c := uniform(terms); c != "" {
		return string(c)
	}
	pairs := make([]string, len(terms))
	for i, t := range terms {
		pairs[i] = t.Site + "=" + string(t.Consent)
	}
	return strings.Join(pairs, " ")
}

// parseConsentAttr reads a suostumus attribute. Modes are written out in
// full: an empty mode is not the default here, since the statement states
// what was decided.
func parseConsentAttr(s string) (statedTerms, error) {
	mode := func(m string) (analytics.Consent, error) {
		if c := analytics.Consent(m); c == analytics.ConsentRequired || c == analytics.ConsentExempt {
			return c, nil
		}
		return "", fmt.Errorf("mode %q", m)
	}
	if !strings.Contains(s, "=") {
		c, err := mode(strings.TrimSpace(s))
		return statedTerms{all: c}, err
	}
	st := statedTerms{sites: map[string]analytics.Consent{}}
	for _, pair := range strings.Fields(s) {
		site, m, ok := strings.Cut(pair, "=")
		if !ok || site == "" {
			return st, fmt.Errorf("pair %q", pair)
		}
		c, err := mode(m)
		if err != nil {
			return st, err
		}
		st.sites[site] = c
	}
	return st, nil
}

// consentWords are the paragraph's words in one language.
type consentWords struct {
	label             string // "Oikeusperuste"
	siteOne, siteMany string // "sivusto %s", "sivustot %s"
	and               string
	required, exempt  string
	legacyLabel       *regexp.Regexp // a hand-written legal-basis paragraph's start
	legacyConsent     *regexp.Regexp // it names consent as the basis
	legacyInterest    *regexp.Regexp // it names legitimate interest
}

var consentText = map[string]consentWords{
	"fi": {
		label: "Oikeusperuste", siteOne: "sivusto %s", siteMany: "sivustot %s", and: "ja",
		required: "Kävijän suostumus (EU:n yleisen tietosuoja-asetuksen 6 artiklan 1 kohdan a alakohta ja sähköisen viestinnän palveluista annetun lain 205 §). " +
			"Tilasto-ohjelma ei lähetä selaimesta mitään ennen kuin kävijä on hyväksynyt tilastoinnin sivustolla näytettävästä kysymyksestä; jos kävijä kieltäytyy, mitään ei lähetetä. " +
			"Suostumuksen voi perua milloin tahansa Omat tiedot -sivulla tai sivuston tietosuojavalinnoista, minkä jälkeen selain ei enää lähetä sivuvierailuja. " +
			"Valinta tallennetaan vain kävijän selaimen paikalliseen tallennustilaan (localStorage): ei evästettä eikä mitään palvelimelle. " +
			"Jos selain lähettää Do Not Track- tai Global Privacy Control -pyynnön, sivuvierailua ei tallenneta.",
		exempt: "Rekisterinpitäjän oikeutettu etu (EU:n yleisen tietosuoja-asetuksen 6 artiklan 1 kohdan f alakohta): sivuston toimivuuden ja sisällön kehittäminen kävijätilastojen avulla. " +
			"Tilastointiin ei pyydetä suostumusta, koska rekisterinpitäjä on arvioinut, ettei sähköisen viestinnän palveluista annetun lain 205 §:n mukaista suostumusta tarvita näin rajatulle tilastoinnille: tilastot kerää rekisterinpitäjän oma palvelin, tietoja ei luovuteta kolmansille osapuolille, vierailijan tunniste on sivustokohtainen ja vaihtuu joka päivä, joten sillä ei voi seurata kävijää sivustolta toiselle, ja tilastoista näytetään vain koostettuja lukuja. " +
			"Jos selain lähettää Do Not Track- tai Global Privacy Control -pyynnön, sivuvierailua ei tallenneta. " +
			"Kävijä voi myös kieltää tilastoinnin omassa selaimessaan Omat tiedot -sivulla: valinta tallennetaan vain selaimen paikalliseen tallennustilaan (localStorage, ei evästettä), eikä selain sen jälkeen lähetä sivuvierailuja.",
		legacyLabel:    regexp.MustCompile(`^\*\*Oikeusperuste`),
		legacyConsent:  regexp.MustCompile(`(?i)suostumu|1 kohdan a alakohta`),
		legacyInterest: regexp.MustCompile(`(?i)oikeutet\pL* e[dt]u|1 kohdan f alakohta`),
	},
	"sv": {
		label: "Rättslig grund", siteOne: "webbplatsen %s", siteMany: "webbplatserna %s", and: "och",
		required: "Besökarens samtycke (artikel 6.1 a i EU:s allmänna dataskyddsförordning och 205 § i lagen om tjänster inom elektronisk kommunikation). " +
			"Statistikprogrammet skickar ingenting från webbläsaren innan besökaren har godkänt statistiken i frågan som visas på webbplatsen; om besökaren avböjer skickas ingenting. " +
			"Samtycket kan när som helst återkallas på sidan Mina uppgifter eller i webbplatsens integritetsval, och webbläsaren skickar därefter inga sidbesök. " +
			"Valet sparas bara i den lokala lagringen i besökarens webbläsare (localStorage): ingen kaka och ingenting på servern. " +
			"Om webbläsaren skickar en Do Not Track- eller Global Privacy Control-begäran sparas sidbesöket inte.",
		exempt: "Den personuppgiftsansvariges berättigade intresse (artikel 6.1 f i EU:s allmänna dataskyddsförordning): att utveckla webbplatsens funktion och innehåll med hjälp av besöksstatistik. " +
			"Inget samtycke begärs för statistiken, eftersom den personuppgiftsansvarige har bedömt att så begränsad statistik inte kräver samtycke enligt 205 § i lagen om tjänster inom elektronisk kommunikation: statistiken samlas in av den personuppgiftsansvariges egen server, uppgifter lämnas inte ut till tredje parter, besökarens identifierare gäller en webbplats och byts varje dag, så att den inte kan användas för att följa besökaren mellan webbplatser, och statistiken visar bara sammanställda siffror. " +
			"Om webbläsaren skickar en Do Not Track- eller Global Privacy Control-begäran sparas sidbesöket inte. " +
			"Besökaren kan också förbjuda statistikföringen i sin egen webbläsare på sidan Mina uppgifter: valet sparas bara i webbläsarens lokala lagring (localStorage, ingen kaka), och webbläsaren skickar därefter inga sidbesök.",
		legacyLabel:    regexp.MustCompile(`^\*\*Rättslig grund`),
		legacyConsent:  regexp.MustCompile(`(?i)samtyck|6\.1 a\b`),
		legacyInterest: regexp.MustCompile(`(?i)berättigat? intresse|berättigade intresse|6\.1 f\b`),
	},
	"en": {
		label: "Legal basis", siteOne: "the website %s", siteMany: "the websites %s", and: "and",
		required: "The visitor's consent (Article 6(1)(a) of the EU General Data Protection Regulation and section 205 of the Finnish Act on Electronic Communications Services). " +
			"The statistics program sends nothing from the browser until the visitor has accepted the statistics in the question shown on the website; if the visitor declines, nothing is sent. " +
			"Consent can be withdrawn at any time on the Your data page or in the website's privacy choices, after which the browser sends no more page visits. " +
			"The choice is kept only in the local storage of the visitor's browser (localStorage): no cookie, and nothing on the server. " +
			"If the browser sends a Do Not Track or Global Privacy Control request, the page visit is not stored.",
		exempt: "The controller's legitimate interest (Article 6(1)(f) of the EU General Data Protection Regulation): developing the website's functioning and content with the help of visitor statistics. " +
			"No consent is asked for the statistics, as the controller has assessed that statistics this limited do not need consent under section 205 of the Finnish Act on Electronic Communications Services: they are collected by the controller's own server, no data is disclosed to third parties, the visitor identifier is specific to one website and changes every day, so it cannot follow a visitor from one website to another, and the statistics show only aggregated figures. " +
			"If the browser sends a Do Not Track or Global Privacy Control request, the page visit is not stored. " +
			"Visitors can also opt out in their own browser on the Your data page: the choice is kept only in the browser's local storage (localStorage, no cookie), and the browser then sends no page visits.",
		legacyLabel:    regexp.MustCompile(`^\*\*Legal basis`),
		legacyConsent:  regexp.MustCompile(`(?i)\bconsent|6\(1\)\(a\)`),
		legacyInterest: regexp.MustCompile(`(?i)legitimate interest|6\(1\)\(f\)`),
	},
}

// consentWordsIn is the paragraph's words in code, Finnish for a language
// without its own.
func consentWordsIn(code string) consentWords {
	if w, ok := consentText[code]; ok {
		return w
	}
	return consentText[Finnish]
}

// modeWords names a mode in messages, in Finnish and in English.
func modeWords(c analytics.Consent) (fi, en string) {
	switch c {
	case analytics.ConsentRequired:
		return "suostumus (required)", "consent (required)"
	case analytics.ConsentExempt:
		return "ei suostumusta, oikeutettu etu (exempt)", "no consent, legitimate interest (exempt)"
	}
	return "ei tiedossa", "unknown"
}

// ConsentMarkdownIn is the legal-basis paragraph for terms in language
// code, as the block holds it: one paragraph when every site has the same
// terms, else one per mode naming its sites. terms must not be empty.
func ConsentMarkdownIn(terms []SiteConsent, code string) string {
	w := consentWordsIn(code)
	text := func(c analytics.Consent) string {
		if c == analytics.ConsentExempt {
			return w.exempt
		}
		return w.required
	}
	if c := uniform(terms); c != "" {
		return "**" + w.label + ":** " + text(c) + "\n"
	}
	var paras []string
	for _, c := range []analytics.Consent{analytics.ConsentRequired, analytics.ConsentExempt} {
		var sites []string
		for _, t := range terms {
			if t.Consent == c {
				sites = append(sites, t.Site)
			}
		}
		if len(sites) == 0 {
			continue
		}
		which := fmt.Sprintf(w.siteOne, siteList(sites, w.and))
		if len(sites) > 1 {
			which = fmt.Sprintf(w.siteMany, siteList(sites, w.and))
		}
		paras = append(paras, "**"+w.label+" ("+which+"):** "+text(c)+"\n")
	}
	return strings.Join(paras, "\n")
}

// ExpandConsentIn is the whole block for terms in language code, tags
// included, as "seloste notice new" and "seloste init" write it.
func ExpandConsentIn(terms []SiteConsent, code string) string {
	return fmt.Sprintf("{{< %s suostumus=%q >}}\n%s{{< /%s >}}\n", ConsentShortcode, consentAttr(terms), ConsentMarkdownIn(terms, code), ConsentShortcode)
}

// legacyBasis finds the hand-written page-visit legal-basis paragraph of a
// version without the block, as statements written before it have it: the
// first paragraph after the collected-data block, in the same section,
// that opens with the language's label (**Oikeusperuste:**). start and end
// are its byte range in v.Body, its last line's newline included; mode is
// what it names as the basis, "" when it names neither consent nor
// legitimate interest, or both.
func legacyBasis(v Version, fields genBlock) (start, end, line int, mode analytics.Consent, ok bool) {
	w := consentWordsIn(v.Lang)
	off := fields.end
	lines := strings.SplitAfter(v.Body[off:], "\n")
	lineNo := fields.EndLine + 1
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "#") {
			return 0, 0, 0, "", false
		}
		if l != "" && (i == 0 || strings.TrimSpace(lines[i-1]) == "") && w.legacyLabel.MatchString(l) {
			start, line = off, lineNo
			para := ""
			for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
				para += lines[i]
				off += len(lines[i])
			}
			interest, consent := w.legacyInterest.MatchString(para), w.legacyConsent.MatchString(para)
			switch {
			case interest && !consent:
				mode = analytics.ConsentExempt
			case consent && !interest:
				mode = analytics.ConsentRequired
			}
			return start, off, line, mode, true
		}
		off += len(lines[i])
		lineNo++
	}
	return 0, 0, 0, "", false
}

// stated is what version v says about consent: from its block, or from a
// hand-written paragraph (legacy). ok is false when it says nothing that
// can be read (no block, a placeholder, no such paragraph, or a paragraph
// naming neither basis or both). line is where it says it, or where the
// block belongs.
func stated(v Version) (s statedTerms, line int, legacy, ok bool) {
	blocks, err := findBlocks(v)
	if err != nil {
		return s, 0, false, false
	}
	line = textLine(v)
	if b, found := blocks[ConsentShortcode]; found {
		if b.Placeholder {
			return s, b.Line, false, false
		}
		s, err := parseConsentAttr(b.Attr) // findBlocks checked it
		return s, b.Line, false, err == nil
	}
	f, found := blocks[FieldsShortcode]
	if !found || f.Placeholder {
		return s, line, false, false
	}
	_, _, l, mode, found := legacyBasis(v, f)
	if !found {
		return s, f.EndLine, true, false
	}
	return statedTerms{all: mode}, l, true, mode != ""
}

// RefreshConsent returns body with its legal-basis block (or placeholder)
// replaced by the block generated from terms. A version without either
// that has the hand-written paragraph older statements have
// (**Oikeusperuste:** after the collected-data list) gets the block in its
// place. changed is false when there is nothing to replace, or the block is
// already up to date.
func RefreshConsent(v Version, terms []SiteConsent) (body string, changed bool, err error) {
	if len(terms) == 0 {
		return v.Body, false, nil
	}
	blocks, err := findBlocks(v)
	if err != nil {
		return v.Body, false, err
	}
	start, end := 0, 0
	if b, found := blocks[ConsentShortcode]; found {
		start, end = b.start, b.end
	} else if f, found := blocks[FieldsShortcode]; found && !f.Placeholder {
		s, e, _, _, found := legacyBasis(v, f)
		if !found {
			return v.Body, false, nil
		}
		start, end = s, e
	} else {
		return v.Body, false, nil
	}
	body = v.Body[:start] + ExpandConsentIn(terms, v.Lang) + v.Body[end:]
	return body, body != v.Body, nil
}

// disagreement lists, in Finnish and English, the sites whose configured
// terms the statement does not state; empty when it states all of them.
func disagreement(s statedTerms, terms []SiteConsent) (fi, en []string) {
	for _, t := range terms {
		c, ok := s.modeOf(t.Site)
		if ok && c == t.Consent {
			continue
		}
		sfi, sen := modeWords(c)
		if !ok {
			sfi, sen = "ei mainita", "not named"
		}
		cfi, cen := modeWords(t.Consent)
		fi = append(fi, fmt.Sprintf("%s: selosteessa %s, asetuksissa %s", t.Site, sfi, cfi))
		en = append(en, fmt.Sprintf("%s: the statement says %s, the configuration %s", t.Site, sen, cen))
	}
	return fi, en
}

// checkVersionConsent checks that v's legal-basis paragraph states the
// configured terms and is the generated one.
func checkVersionConsent(vs []Version, v Version, c Collector) []Problem {
	const article = "13(1)(c)"
	fix := "aja seloste notice new, joka kirjoittaa uuteen versioon asetusten mukaisen kappaleen (tai muuta asetusta consent, jos selosteen ehdot ovat oikeat)"
	fixEn := "run seloste notice new, which writes the paragraph for the configured terms into a new version (or change the setting consent, if the statement's terms are the right ones)"
	switch {
	case v.Draft:
		fix = "liitä luonnokseen seloste notice fields -basis -komennon tulostama oikeusperustelohko (tai muuta asetusta consent)"
		fixEn = "paste the legal-basis block printed by seloste notice fields -basis into the draft (or change the setting consent)"
	case len(vs) > 0 && vs[len(vs)-1].Date.After(v.Date):
		// A newer version exists: notice new would refuse; that one is the fix.
		a := Fix(vs, v, func(w Version) bool {
			s, _, _, ok := stated(w)
			fi, _ := disagreement(s, c.Consent)
			return ok && len(fi) == 0
		})
		fix, fixEn = "julkaistua versiota ei voi muuttaa: "+a.Fi, "a published version cannot change: "+a.En
	default:
		fix = "julkaistua versiota ei voi muuttaa: " + fix
		fixEn = "a published version cannot change: " + fixEn
	}
	if _, err := findBlocks(v); err != nil {
		return nil // reported with the collected-data list
	}
	s, line, legacy, ok := stated(v)
	problem := func(sev Severity, fi, en string) []Problem {
		return []Problem{{Severity: sev, File: v.File, Line: line, Article: article, Message: fi, English: en}}
	}
	if !ok {
		return problem(SeverityError,
			"selosteesta ei käy ilmi, millä ehdoilla sivuvierailuja tilastoidaan (suostumus vai oikeutettu etu): siitä puuttuu asetuksista luotu oikeusperustekappale {{< "+ConsentShortcode+" >}}: "+fix,
			"the statement does not say on what terms page visits are counted (consent or legitimate interest): it lacks the legal-basis paragraph generated from the configuration, {{< "+ConsentShortcode+" >}}: "+fixEn)
	}
	if fi, en := disagreement(s, c.Consent); len(fi) > 0 {
		return problem(SeverityError,
			"selosteen sivuvierailujen oikeusperuste ei vastaa asetusta consent ("+strings.Join(fi, "; ")+"): "+fix,
			"the statement's legal basis for page visits does not match the setting consent ("+strings.Join(en, "; ")+"): "+fixEn)
	}
	if legacy {
		return problem(SeverityWarning,
			"sivuvierailujen oikeusperuste on kirjoitettu käsin, eikä se kerro kaikkea, mitä asetuksista luotu kappale kertoo (miksi suostumusta ei pyydetä tai miten sen voi perua): "+fix,
			"the legal basis for page visits is written by hand and does not say all the generated paragraph says (why no consent is asked, or how to withdraw it): "+fixEn)
	}
	blocks, _ := findBlocks(v)
	if normSpace(blocks[ConsentShortcode].Inner) != normSpace(ConsentMarkdownIn(c.Consent, v.Lang)) {
		return problem(SeverityError,
			"oikeusperustelohkossa on muuta kuin asetuksista luotu kappale: kirjoita oma teksti lohkon ulkopuolelle; "+fix,
			"the legal-basis block holds something other than the paragraph generated from the configuration: write your own text outside the block; "+fixEn)
	}
	return nil
}

// ConsentStated checks, for a collector about to start, that the
// statement under content (the content folder) states the configured
// terms in its published version in force, in every language. A folder
// without a statement, or without a version in force, states nothing to
// disagree with: nil. A statement that does not say which terms it
// describes, or does not load, is accepted for sites that ask consent (the
// tracker then sends nothing without it) but refused for exempt ones,
// which run on the statement's word. The error says why and what to do.
func ConsentStated(content string, terms []SiteConsent) error {
	var exempt []string
	for _, t := range terms {
		if t.Consent == analytics.ConsentExempt {
			exempt = append(exempt, t.Site)
		}
	}
	vs, err := Load(SourceDir(content))
	switch {
	case errors.Is(err, ErrNoSourceDir):
		return nil
	case err != nil && len(exempt) > 0:
		return fmt.Errorf("reading the privacy statement, which must state the terms %s runs on (consent = \"exempt\"): %w", strings.Join(exempt, ", "), err)
	case err != nil:
		return nil // sites that ask consent first: the failed build says what is wrong
	}
	for _, v := range inForce(vs) {
		s, _, _, ok := stated(v)
		if !ok {
			if len(exempt) > 0 {
				return fmt.Errorf("the published statement %s does not say on what terms page visits are counted, and %s runs with consent = \"exempt\", on the statement's word: run seloste notice new, which writes the legal-basis paragraph for the configured terms, publish the new version and build the site (seloste notice build)", v.File, strings.Join(exempt, ", "))
			}
			continue
		}
		if _, en := disagreement(s, terms); len(en) > 0 {
			return fmt.Errorf("the published statement %s does not state the configured consent terms (%s): run seloste notice new, which writes the legal-basis paragraph for the configured terms, publish the new version and build the site (seloste notice build); or change the setting consent if the statement's terms are the right ones", v.File, strings.Join(en, "; "))
		}
	}
	return nil
}

// cnilRetentionMonths is the longest retention of audience-measurement
// data that CNIL's exemption (deliberation 2020-091) allows.
const cnilRetentionMonths = 25

// checkExemption lists, when a site runs exempt, the conditions such an
// exemption rests on, each against the configuration: a met one as a note,
// an unmet one as a warning. For a statement with a Finnish version it
// warns that in Finland consent is expected (205 §, Traficom's guidance):
// the assessment is the owner's, and this is what it is weighed against.
func checkExemption(vs []Version, c Collector) []Problem {
	var exempt []string
	for _, t := range c.Consent {
		if t.Consent == analytics.ConsentExempt {
			exempt = append(exempt, t.Site)
		}
	}
	if len(exempt) == 0 || len(vs) == 0 {
		return nil
	}
	v, ok := Current(vs)
	if !ok {
		v = vs[len(vs)-1]
	}
	var ps []Problem
	cond := func(met bool, fi, en string) {
		p := Problem{Severity: SeverityNote, File: v.File,
			Message: "consent = \"exempt\" (" + strings.Join(exempt, ", ") + "), poikkeuksen ehto: " + fi,
			English: "consent = \"exempt\" (" + strings.Join(exempt, ", ") + "), exemption condition: " + en}
		if !met {
			p.Severity = SeverityWarning
		}
		ps = append(ps, p)
	}
	cond(true, "vain ensimmäinen osapuoli — täyttyy: seuranta-skripti ja keräin toimivat omalla palvelimellasi (seloste serve), eikä kolmannen osapuolen palvelu saa käyntejä",
		"first party only — met: the tracker and the collector run on your own server (seloste serve); no third-party service receives the visits")
	cond(true, "tunnisteet sivustokohtaisia ja päivittäin vaihtuvia — täyttyy: vierailijan tunniste lasketaan päivän suolasta ja sivustosta, ja suola poistetaan vuorokauden jälkeen",
		"identifiers per site and rotated daily — met: the visitor id is computed from the day's salt and the site, and the salt is deleted after the day")
	cond(true, "ei sivustojen välistä tunnistetta — täyttyy: ei evästettä eikä pysyvää tunnistetta; sama selain saa eri sivustoilla eri tunnisteen",
		"no cross-site identifier — met: no cookie and no lasting identifier; the same browser gets a different id on each site")
	precision := c.Precision
	if precision == "" {
		precision = "city"
	}
	if precision == "city" {
		cond(true, "sijainti enintään asetetulla tarkkuudella — geo_precision = \"city\": tallennetaan kaupunki, tarkin sijainti, jonka poikkeus sallii; region tai country tallentaa vähemmän",
			"location no finer than configured — geo_precision = \"city\": the city is kept, the finest location such an exemption allows; region or country keeps less")
	} else {
		cond(true, fmt.Sprintf("sijainti enintään asetetulla tarkkuudella — täyttyy: geo_precision = %q", precision),
			fmt.Sprintf("location no finer than configured — met: geo_precision = %q", precision))
	}
	ref := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	if c.Retention.Cutoff(ref).Before(ref.AddDate(0, -cnilRetentionMonths, 0)) {
		cond(false, fmt.Sprintf("rajattu säilytysaika — ei täyty: retention = %q on pidempi kuin %d kuukautta, jonka CNIL:n poikkeus sallii; lyhennä sitä (ja aja seloste notice new)", c.Retention, cnilRetentionMonths),
			fmt.Sprintf("limited retention — not met: retention = %q is longer than the %d months CNIL's exemption allows; shorten it (then run seloste notice new)", c.Retention, cnilRetentionMonths))
	} else {
		cond(true, fmt.Sprintf("rajattu säilytysaika — täyttyy: retention = %q (enintään %d kuukautta)", c.Retention, cnilRetentionMonths),
			fmt.Sprintf("limited retention — met: retention = %q (at most %d months)", c.Retention, cnilRetentionMonths))
	}
	var withProps, undescribed []string
	for _, d := range c.Events {
		if len(d.Props) == 0 {
			continue
		}
		withProps = append(withProps, d.Name)
		if !describesEvent(v, d) {
			undescribed = append(undescribed, d.Name)
		}
	}
	switch {
	case len(withProps) == 0:
		cond(true, "vapaamuotoiset tapahtumien ominaisuudet ilmoitettu ja kuvattu — täyttyy: tapahtumille ei ole ilmoitettu ominaisuuksia",
			"free-form event properties declared and described — met: no event declares properties")
	case len(undescribed) > 0:
		cond(false, "vapaamuotoiset tapahtumien ominaisuudet ilmoitettu ja kuvattu — ei täyty: voimassa oleva seloste ei kuvaa tapahtumia "+strings.Join(undescribed, ", "),
			"free-form event properties declared and described — not met: the statement in force does not describe the events "+strings.Join(undescribed, ", "))
	default:
		cond(true, "vapaamuotoiset tapahtumien ominaisuudet ilmoitettu ja kuvattu — täyttyy: "+strings.Join(withProps, ", "),
			"free-form event properties declared and described — met: "+strings.Join(withProps, ", "))
	}
	cond(true, "ei tietoja kolmansille — täyttyy: seloste ei lähetä tietoja muualle; selosteen luovutuksia koskeva kohta on sinun pidettävä totena",
		"no data to third parties — met: seloste sends data nowhere else; the statement's section on recipients is yours to keep true")
	if _, fi := CurrentIn(vs, Finnish); fi || v.Lang == Finnish {
		ps = append(ps, Problem{Severity: SeverityWarning, File: v.File,
			Message: "consent = \"exempt\" (" + strings.Join(exempt, ", ") + "): Suomessa sähköisen viestinnän palveluista annetun lain 205 § edellyttää suostumusta tietojen tallentamiseen päätelaitteelle ja lukemiseen sieltä, ja Traficomin (tietosuojavaltuutetun toimiston kanssa laaditun) ohjeen mukaan kävijäanalytiikka vaatii suostumuksen; Suomessa ei ole Ranskan tai Espanjan kaltaista poikkeusta. Arvio on sinun: ks. docs/consent.md",
			English: "consent = \"exempt\" (" + strings.Join(exempt, ", ") + "): in Finland, section 205 of the Act on Electronic Communications Services requires consent to store or read information on the user's device, and Traficom's guidance (written with the Data Protection Ombudsman's office) counts visitor analytics among what needs consent; Finland has no exemption like France's or Spain's. The assessment is yours: see docs/consent.md"})
	}
	return ps
}

// describesEvent reports whether v's list describes declared event d as
// the registry generates it now.
func describesEvent(v Version, d analytics.EventDef) bool {
	b, found, err := FindFields(v)
	if err != nil || !found || b.Placeholder {
		return false
	}
	return slices.Contains(bullets(b.Inner), normSpace(analytics.FieldBulletIn(analytics.EventField(d), v.Lang)))
}
