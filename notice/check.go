package notice

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Severity says how much a Problem matters.
type Severity string

const (
	// SeverityError: the source is broken or a published version was
	// edited. Build refuses to run; check exits 1.
	SeverityError Severity = "error"
	// SeverityWarning: something the statement should say seems missing.
	SeverityWarning Severity = "warning"
	// SeverityNote: worth knowing, often fine (e.g. no DPO named).
	SeverityNote Severity = "note"
)

// Problem is one finding of Check.
type Problem struct {
	Severity Severity
	File     string
	Line     int    // 1-based; 0 when about the whole file
	Article  string // GDPR article point, e.g. "13(1)(c)"; empty for source problems
	Message  string // in Finnish
	English  string // the same in English
}

// String formats p like a compiler message, Finnish first, English on an
// indented second line.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
	}
	b.WriteString(": " + string(p.Severity) + ": ")
	if p.Article != "" {
		b.WriteString("[Art. " + p.Article + "] ")
	}
	b.WriteString(p.Message)
	if p.English != "" {
		b.WriteString("\n    " + p.English)
	}
	return b.String()
}

// Topic is the short name of the Art. 13 point p is about ("legal-basis",
// "complaint"…), or "" for other problems.
func (p Problem) Topic() string {
	for _, pt := range art13Points {
		if pt.Article == p.Article && strings.HasPrefix(p.English, pt.En) {
			return pt.Topic
		}
	}
	return ""
}

// HasErrors reports whether any problem is an error.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// CheckDir loads the versions in dir and runs every check: the source
// files, the lock (immutability of published versions) and Art. 13
// completeness. vs is nil when the source does not load.
func CheckDir(dir string) (vs []Version, ps []Problem) {
	vs, err := Load(dir)
	if err != nil {
		return nil, problemsFrom(err)
	}
	ps = append(ps, problemsFrom(VerifyLock(dir, vs))...)
	if l, err := ReadLock(dir); err == nil {
		locked := l.Locked()
		for _, v := range PublishedFiles(vs) {
			if !locked[v.Key()] {
				ps = append(ps, Problem{Severity: SeverityNote, File: v.File,
					Message: "julkaistu versio ei ole vielä tiedostossa " + LockFile + ": seuraava seloste notice build lisää sen, minkä jälkeen versiota ei voi enää muuttaa",
					English: "published version not in " + LockFile + " yet: the next seloste notice build adds it, and from then on the version cannot change"})
			}
		}
	}
	cur, ok := Current(vs)
	for _, v := range Pending(vs) {
		p := Problem{Severity: SeverityNote, File: v.File,
			Message: fmt.Sprintf("ajastettu versio: tulee voimaan %s; siihen asti voimassa on %s, ja sivusto ilmoittaa tulevasta versiosta", FinnishDate(v.Date), FinnishDate(cur.Date)),
			English: fmt.Sprintf("scheduled version: takes effect on %s; until then %s stays in force and the site announces the coming version", v.Slug(), cur.Slug())}
		if !ok {
			p.Severity = SeverityWarning
			p.Message = fmt.Sprintf("ajastettu versio: tulee voimaan %s, eikä siihen asti ole voimassa yhtään versiota: julkaise tälle päivälle päivätty versio", FinnishDate(v.Date))
			p.English = fmt.Sprintf("scheduled version: takes effect on %s, and until then no version is in force: publish a version dated today", v.Slug())
		}
		ps = append(ps, p)
	}
	return vs, append(ps, Check(vs)...)
}

// problemsFrom turns Load and VerifyLock errors into error problems.
func problemsFrom(err error) []Problem {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var ps []Problem
		for _, e := range j.Unwrap() {
			ps = append(ps, problemsFrom(e)...)
		}
		return ps
	}
	var se *SourceError
	if errors.As(err, &se) {
		return []Problem{{Severity: SeverityError, File: se.File, Line: se.Line, Message: se.Fi, English: se.En}}
	}
	return []Problem{{Severity: SeverityError, Message: err.Error()}}
}

// Check runs the Art. 13 completeness checks on the current version in
// every language, and on the newest draft and its translations too when
// there is one, since that is the text the owner is working on; then the
// translations' own rules (CheckTranslations).
func Check(vs []Version) []Problem {
	var ps []Problem
	for _, v := range checked(vs) {
		ps = append(ps, Art13(v)...)
		if i := strings.Index(v.Body, AdaptMarker); i >= 0 {
			ps = append(ps, Problem{Severity: SeverityNote, File: v.File, Line: v.BodyLine + strings.Count(v.Body[:i], "\n"),
				Message: "tekstissä on kohtia, jotka seloste init merkitsi luettaviksi ja sovitettaviksi (" + AdaptMarker + "): tarkista, että ne kuvaavat toimintaasi, ja jätä merkinnät pois seuraavasta versiosta (ne ovat kommentteja eivätkä näy sivustolla)",
				English: "the text has paragraphs that seloste init marked for you to read and adapt (" + AdaptMarker + "): make sure they describe what you do, and leave the marks out of the next version (they are comments, not shown on the site)"})
		}
	}
	if _, ok := Current(vs); !ok && len(vs) > 0 && len(Pending(vs)) == 0 {
		ps = append(ps, Problem{Severity: SeverityWarning, File: vs[len(vs)-1].File,
			Message: "selosteesta ei ole yhtään julkaistua versiota: poista draft: true, kun teksti on valmis",
			English: "there is no published version of the statement: remove draft: true when the text is ready"})
	}
	return append(ps, CheckTranslations(vs)...)
}

// checked is the texts the content checks look at: what is in force in
// each language (inForce), every published scheduled version still to come
// with its published translations (announced texts are read too), and the
// newest draft with its translations.
func checked(vs []Version) []Version {
	out := inForce(vs)
	for _, v := range Files(Pending(vs)) {
		if !v.Draft {
			out = append(out, v)
		}
	}
	if n := len(vs); n > 0 && vs[n-1].Draft {
		out = append(out, Files(vs[n-1:])...)
	}
	return out
}

// inForce is the text in force in each language: the current version and
// each language's newest published translation, scheduled versions only
// from their date on.
func inForce(vs []Version) []Version {
	var out []Version
	for _, l := range Languages {
		if v, ok := CurrentIn(vs, l.Code); ok {
			out = append(out, v)
		}
	}
	return out
}

// art13Point is one thing GDPR Art. 13 (or 14) says a privacy statement
// tells the data subject, and how to recognise it in a statement's text.
// Recognition is by keywords, Finnish and English: a heuristic that
// finds omissions, not a legal review.
type art13Point struct {
	Article string
	Topic   string      // short name, for tests
	When    langRe      // if set, the point applies only when the text matches
	Parts   []art13Part // every part must be found
	Note    bool        // applies only to some controllers: report as a note
	Quote   bool        // list what When's first group matched in the message
	Fi, En  string      // what seems missing and what to add
}

type art13Part struct {
	Fi, En string // name of the part, listed when it is missing
	Re     langRe
}

// langRe is a checklist pattern in each language's own words, by language
// code. The Finnish patterns also know some English terms, since Finnish
// statements borrow them.
type langRe map[string]*regexp.Regexp

// match reports whether text, in language code, matches.
func (l langRe) match(code, text string) bool {
	r, ok := l[code]
	if !ok {
		r = l[Finnish]
	}
	return r.MatchString(text)
}

// re compiles a checklist pattern in Finnish, Swedish and English; the text
// it sees is already lowercase.
func re(fi, sv, en string) langRe {
	return langRe{"fi": regexp.MustCompile(fi), "sv": regexp.MustCompile(sv), "en": regexp.MustCompile(en)}
}

func part(fi, sv, en string) []art13Part { return []art13Part{{Re: re(fi, sv, en)}} }

// services are services of companies based outside the EU/EEA, by name.
const services = `\b(google|facebook|instagram|twitter|youtube|linkedin|microsoft|amazon|mailchimp|hubspot|cloudflare|tiktok|dropbox|shopify|stripe|paypal)`

// art13Points is the checklist. Patterns see the statement's text
// lowercased, with every run of white space as one space. Go's \b is
// ASCII-only, so Finnish word endings are matched with \pL.
var art13Points = []art13Point{
	{
		Article: "13(1)(a)", Topic: "controller",
		Parts: []art13Part{
			{Fi: "rekisterinpitäjän nimi", En: "the controller's name",
				Re: re(`rekisterinpitäjä|\bcontroller\b|\boyj?\b|\b(ay|ky|ry)\b|toiminimi|y-tunnus|business id|\bltd\b|\binc\b`,
					`personuppgiftsansvarig|\boyj?\b|\bab\b|fo-nummer|organisationsnummer|\bfirma`,
					`\bcontroller\b|\boyj?\b|business id|\bltd\b|\binc\b|\bllc\b|\bplc\b`)},
			{Fi: "yhteystiedot", En: "contact details",
				Re: re(`\bpuh\.|puhelin|sähköpost|e-?mail|\bphone\b|@|\b\d{5}\b`,
					`\btfn\b|telefon|e-post|@|\b\d{5}\b`,
					`\bphone\b|\btel\.|e-?mail|@|\b\d{5}\b`)},
		},
		Fi: "rekisterinpitäjän nimi ja yhteystiedot eivät näy: kerro, kuka vastaa tiedoista ja miten häneen saa yhteyden",
		En: "the controller's identity and contact details are not visible: say who is responsible for the data and how to reach them",
	},
	{
		Article: "13(1)(b)", Topic: "dpo", Note: true,
		Parts: part(`tietosuojavastaava|data protection officer|\bdpo\b`, `dataskyddsombud`, `data protection officer|\bdpo\b`),
		Fi:    "tietosuojavastaavaa ei mainita: se on pakollinen vain, jos sellainen on nimitetty (art. 37; useimmat pienyritykset eivät tarvitse)",
		En:    "no data protection officer is named: required only if one has been appointed (Art. 37; most small firms need none)",
	},
	{
		Article: "13(1)(c)", Topic: "purposes",
		Parts: part(`käyttötarkoitu|\btarkoitus\b|\btarkoitukse(na|ssa|en)\b|\bpurposes?\b`, `ändamål|\bsyfte`, `\bpurposes?\b`),
		Fi:    "käsittelyn tarkoituksia ei kerrota: kerro, mihin kutakin tietoa käytetään",
		En:    "the purposes of processing are not stated: say what each kind of data is used for",
	},
	{
		Article: "13(1)(c)", Topic: "legal-basis",
		Parts: part(`oikeusperust|käsittelyperust|käsittelyn perust|perustuu (\pL+ ){0,3}(suostumu|sopimu|oikeutet|lakisäät|lakiin|lain\b|rekisteröidyn)|(suostumuksen|sopimuksen|edun|velvoitteen) perusteella|oikeutet\pL* e[dt]u|legal basis|lawful basis|legitimate interest|based on (your |the )?(consent|contract)|art(\.|icle|ikla)\s*6\b`,
			`rättslig grund|laglig grund|grundar sig på (\pL+ ){0,3}(samtycke|avtal|berättigad|lag)|berättigat intresse|berättigade intresse|artikel\s*6\b|\b6 art`,
			`legal basis|lawful basis|legitimate interest|based on (\pL+ ){0,3}(consent|contract|legal obligation)|art(\.|icle)\s*6\b`),
		Fi: "käsittelyn oikeusperustetta ei kerrota: kerro kullekin tarkoitukselle peruste (esim. sopimus, oikeutettu etu, suostumus, lakisääteinen velvoite; art. 6(1))",
		En: "the legal basis of processing is not stated: give one for each purpose (e.g. contract, legitimate interest, consent, legal obligation; Art. 6(1))",
	},
	{
		Article: "13(1)(e)", Topic: "recipients",
		Parts: part(`luovut|vastaanottaj|henkilötietojen käsittelijä|alihankkij|recipient|disclos|shared with|\bprocessors?\b`,
			`mottagare|lämnas ut|utlämn|personuppgiftsbiträde|underleverantör`,
			`recipient|disclos|shared with|\bprocessors?\b`),
		Fi: "tietojen vastaanottajia ei kerrota: kerro, kenelle tietoja luovutetaan (tai ettei kenellekään) ja ketkä käsittelevät niitä puolestasi",
		En: "recipients are not stated: say to whom the data is disclosed (or that it is not) and who processes it on your behalf",
	},
	{
		Article: "13(1)(f)", Topic: "transfers",
		Parts: part(`\beu:n|\beu-|\beu\b|\beta\b|\beta(:n|-)|euroopan talousalue|euroopan unioni|kolmansiin maihin|kolmanteen maahan|kolmas maa|\beea\b|european economic area|european union|third countr`,
			`\beu\b|\bees\b|europeiska ekonomiska samarbetsområdet|europeiska unionen|tredjeland`,
			`\beu\b|\beea\b|european economic area|european union|third countr`),
		Fi: "siirroista EU:n/ETA:n ulkopuolelle ei kerrota: kerro, siirretäänkö tietoja sinne ja millä suojatoimin",
		En: "transfers outside the EU/EEA are not addressed: say whether data leaves the EU/EEA and under which safeguards",
	},
	{
		// Naming a service run by a company outside the EU/EEA is a strong
		// hint that data travels there, whatever the text says about
		// where the controller's own servers are.
		Article: "13(1)(f)", Topic: "transfers-services", Quote: true,
		When: re(services, services, services),
		Parts: part(`ulkopuolelle|ulkopuolisiin|kolmansiin maihin|kolmanteen maahan|kolmas maa|yhdysvaltoihin|yhdysvalloissa|vakiolauseke|mallisopimuslauseke|tietosuojakehys|riittävyyspäätö|\btransfer|third countr|outside the (eu|eea|european)|standard contractual|data privacy framework|adequacy`,
			`utanför (eu|ees|europeiska)|tredjeland|överförs|överföring|standardavtalsklausul|dataskyddsram|beslut om adekvat`,
			`\btransfer|third countr|outside the (eu|eea|european)|standard contractual|data privacy framework|adequacy`),
		Fi: "teksti mainitsee EU:n/ETA:n ulkopuolisen yhtiön palvelun, mutta ei kerro, siirtyykö tietoja EU:n/ETA:n ulkopuolelle ja millä suojatoimin",
		En: "the text names a service of a company based outside the EU/EEA, but does not say whether data is transferred outside the EU/EEA and under which safeguards",
	},
	{
		Article: "13(2)(a)", Topic: "retention",
		Parts: part(`säilytysai|säilyttämisai|säilytetään|poistetaan|retention|\bretain|kept for|stored for|deleted after`,
			`lagringstid|sparas|bevaras|förvaras|raderas`,
			`retention|\bretain|kept for|stored for|deleted after|(is|are) deleted`),
		Fi: "säilytysaikaa ei kerrota: kerro, kuinka kauan tietoja säilytetään tai miten aika määräytyy",
		En: "the retention period is not stated: say how long data is kept or how that is decided",
	},
	{
		Article: "13(2)(b)", Topic: "rights",
		Parts: []art13Part{
			{Fi: "tarkastusoikeus", En: "access",
				Re: re(`tarkastusoikeu|oikeus tarkastaa|tarkastaa (\pL+ ){0,2}tiedo|pääsy (\pL+ )?tietoihin|saada (\pL+ ){0,3}(tiedot|jäljennö|kopio)|\baccess\b|copy of`,
					`tillgång till|ta del av|registerutdrag|\bkopia`, `\baccess\b|copy of`)},
			{Fi: "oikaisu", En: "rectification",
				Re: re(`oikais|korjaa|korjaami|korjat|rectif|\bcorrect`, `rättelse|\brätta`, `rectif|\bcorrect`)},
			{Fi: "poistaminen", En: "erasure",
				Re: re(`poistetuksi|poistami|tietojen poisto|poistaa (\pL+ ){0,2}tiedo|unohdetuksi|erasure|\bdelet|be forgotten`, `radera|bli bortglömd`, `erasure|\bdelet|be forgotten`)},
			{Fi: "käsittelyn rajoittaminen", En: "restriction",
				Re: re(`rajoitta|restrict`, `begräns`, `restrict`)},
			{Fi: "vastustaminen", En: "objection",
				Re: re(`vastusta|kieltäyty|kieltää|kielto|\bobject\b|\bobjection`, `invända|invändning|motsätta`, `\bobject\b|\bobjection|\bopt out|\bdecline`)},
			{Fi: "siirrettävyys", En: "portability",
				Re: re(`siirrettävyy|siirtää (\pL+ ){0,3}(toiselle|järjestelmä)|portab`, `dataportabilitet|överföra (\pL+ ){0,10}(till ett annat|från ett system)`, `portab|transfer (\pL+ ){0,10}(to another|from one system)`)},
		},
		Fi: "kaikkia rekisteröidyn oikeuksia ei kerrota (tarkastus, oikaisu, poisto, rajoittaminen, vastustaminen, siirrettävyys)",
		En: "not every data-subject right is stated (access, rectification, erasure, restriction, objection, portability)",
	},
	{
		Article: "13(2)(c)", Topic: "withdraw-consent",
		When:  re(`suostumu|markkinointilupa|\bconsent`, `samtyck`, `\bconsent`),
		Parts: part(`peruutta|\bperu(a|ttu)|withdraw|revoke`, `återkalla|dra tillbaka`, `withdraw|revoke`),
		Fi:    "teksti mainitsee suostumuksen, mutta ei kerro, että sen voi perua milloin tahansa: kerro se ja miten",
		En:    "the text mentions consent but not that it can be withdrawn at any time: say so, and how",
	},
	{
		Article: "13(2)(d)", Topic: "complaint",
		Parts: part(`tietosuojavaltuutet|valvontaviranomai|valitus|valituks|kantelu|supervisory authority|lodge a complaint|data protection ombudsman`,
			`dataombudsmannen|tillsynsmyndighet|klagomål`, `supervisory authority|lodge a complaint|data protection ombudsman`),
		Fi: "oikeutta tehdä valitus valvontaviranomaiselle ei kerrota: mainitse Tietosuojavaltuutetun toimisto (tietosuoja.fi)",
		En: "the right to lodge a complaint with the supervisory authority is not stated: name the Office of the Data Protection Ombudsman (tietosuoja.fi)",
	},
	{
		Article: "13(2)(e)", Topic: "requirement",
		Parts: part(`pakollinen|pakollis|vapaaehtoi|edellytys|edellyttää|ei ole velvollinen|mandatory|obligat|required to provide|not required to|voluntar`,
			`obligatorisk|frivillig|förutsättning|skyldig`, `mandatory|obligat|required to provide|not required to|voluntar|a requirement for|a condition (for|of)|prerequisite`),
		Fi: "ei kerrota, onko tietojen antaminen pakollista (laki tai sopimus) ja mitä seuraa, jos niitä ei anna",
		En: "it is not stated whether providing the data is required (by law or contract) and what follows if it is not provided",
	},
	{
		Article: "14(2)(f)", Topic: "source",
		Parts: part(`tietolähte|lähteistä|lähteet|(kerätään|saadaan) (\pL+ ){0,2}\pL+(lta|ltä)([^\pL]|$)|kerää\pL* (\pL+ ){0,3}\pL+(sta|stä)([^\pL]|$)|\bsources?\b|collected from|obtained from`,
			`källa|källor|samlas in (\pL+ ){0,3}från|(fås|erhålls) (av|från)`, `\bsources?\b|collected (\pL+ ){0,2}from|obtained (\pL+ ){0,2}from`),
		Fi: "tietojen lähdettä ei kerrota: kerro, mistä tiedot saadaan (rekisteröidyltä itseltään vai muualta)",
		En: "the source of the data is not stated: say where it comes from (the data subject or elsewhere)",
	},
	{
		Article: "13(2)(f)", Topic: "automated-decisions",
		Parts: part(`automaattis\pL* päätö|profiloi|profilointi|automated decision|profiling`, `automatiserat beslutsfattande|automatiska beslut|profilering`, `automated decision|profiling`),
		Fi:    "automaattisesta päätöksenteosta ja profiloinnista ei kerrota: kerro, onko sitä (usein: ei ole)",
		En:    "automated decision-making and profiling are not addressed: say whether there is any (often: there is none)",
	},
}

// textLine is the first line of v's text: where a missing point is
// reported, since it has no place of its own.
func textLine(v Version) int {
	n := v.BodyLine
	for _, l := range strings.Split(v.Body, "\n") {
		if strings.TrimSpace(l) != "" {
			break
		}
		n++
	}
	return n
}

var spaceRE = regexp.MustCompile(`\s+`)

// htmlCommentRE is an HTML comment in a version's Markdown.
var htmlCommentRE = regexp.MustCompile(`(?s)<!--.*?-->`)

// Art13 checks one version's text against the Art. 13 checklist and
// returns a warning (or note) for each point it cannot find.
func Art13(v Version) []Problem {
	// What readers see: HTML comments are dropped from every rendering.
	body := htmlCommentRE.ReplaceAllString(v.Body, " ")
	text := strings.ToLower(spaceRE.ReplaceAllString(v.Title+" "+body, " "))
	var ps []Problem
	for _, pt := range art13Points {
		if pt.When != nil && !pt.When.match(v.Lang, text) {
			continue
		}
		var missFi, missEn []string
		for _, p := range pt.Parts {
			if !p.Re.match(v.Lang, text) {
				missFi = append(missFi, p.Fi)
				missEn = append(missEn, p.En)
			}
		}
		if len(missFi) == 0 {
			continue
		}
		p := Problem{Severity: SeverityWarning, File: v.File, Line: textLine(v), Article: pt.Article, Message: pt.Fi, English: pt.En}
		if pt.Note {
			p.Severity = SeverityNote
		}
		if pt.Quote {
			var names []string
			for _, m := range pt.When[Finnish].FindAllStringSubmatch(text, -1) {
				if !slices.Contains(names, m[1]) {
					names = append(names, m[1])
				}
			}
			p.Message += ": " + strings.Join(names, ", ")
			p.English += ": " + strings.Join(names, ", ")
		}
		if len(pt.Parts) > 1 {
			p.Message += "; puuttuu: " + strings.Join(missFi, ", ")
			p.English += "; missing: " + strings.Join(missEn, ", ")
		}
		ps = append(ps, p)
	}
	return ps
}
