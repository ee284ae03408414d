package notice

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/seloste/seloste/analytics"
)

// The statement's list of collected page-visit data is generated from the
// field registry (analytics.Fields) and frozen into the version's source
// as a paired shortcode block, so that a published version never changes
// when the registry does:
//
//	{{< kerattavat-tiedot sailytys="3y" >}}
//	- **Ajankohta:** … (one bullet per registry field)
//
//	Sivuvierailutiedot säilytetään 3 vuotta, minkä jälkeen ne poistetaan automaattisesti.
//	{{< /kerattavat-tiedot >}}
//
// A lone opening tag without attributes, {{< kerattavat-tiedot >}}, is a
// placeholder: "seloste notice new" puts the generated block there. The
// delimiter lines are never rendered; the Markdown between them is.

// FieldsShortcode is the name of the shortcode.
const FieldsShortcode = "kerattavat-tiedot"

// FieldsBlock is a version's collected-data block, or its placeholder.
type FieldsBlock struct {
	Placeholder bool   // a lone {{< kerattavat-tiedot >}}: to be filled in
	Retention   string // the sailytys attribute as written, e.g. "3y"
	Inner       string // the Markdown between the tags
	Line        int    // 1-based file line of the opening tag
	EndLine     int    // file line of the closing tag (= Line for a placeholder)
	start, end  int    // byte offsets in Body: the opening line's start, the closing line's end
}

// fieldsKind is the collected-data block for findBlocks.
var fieldsKind = blockKind{
	name: FieldsShortcode, attr: "sailytys", example: `sailytys="3y"`,
	what: "kerättävien tietojen luettelo", whatEn: "the list of collected data",
	check: func(value string) (string, string, bool) {
		if _, err := analytics.ParseRetention(value); err != nil {
			return fmt.Sprintf("säilytysaika %q ei kelpaa: kirjoita esim. 3y (vuotta), 18mo (kuukautta), 8w (viikkoa) tai 90d (päivää)", value),
				fmt.Sprintf("retention %q is not valid: write e.g. 3y, 18mo, 8w or 90d", value), false
		}
		return "", "", true
	},
	missingFi: "lohkon alusta puuttuu säilytysaika: kirjoita {{< " + FieldsShortcode + " sailytys=\"3y\" >}} (tai aja seloste notice new, joka kirjoittaa lohkon)",
	missingEn: "the block's opening tag has no retention: write {{< " + FieldsShortcode + " sailytys=\"3y\" >}} (or run seloste notice new, which writes the block)",
}

// FindFields finds the collected-data block in v's text. found is false
// when there is neither a block nor a placeholder. The error is a
// *SourceError with the file and line of the problem; every shortcode of
// the text is checked, the consent block's too.
func FindFields(v Version) (b FieldsBlock, found bool, err error) {
	blocks, err := findBlocks(v)
	if err != nil {
		return b, false, err
	}
	k, found := blocks[FieldsShortcode]
	if !found {
		return b, false, nil
	}
	return FieldsBlock{Placeholder: k.Placeholder, Retention: k.Attr, Inner: k.Inner, Line: k.Line, EndLine: k.EndLine, start: k.start, end: k.end}, true, nil
}

// FieldsMarkdown is the expected inner Markdown of the Finnish block for
// the given fields and retention: one bullet per field, then the retention
// sentence.
func FieldsMarkdown(fields []analytics.Field, r analytics.Retention) string {
	return FieldsMarkdownIn(fields, r, Finnish)
}

// FieldsMarkdownIn is FieldsMarkdown in language code: every language's
// list is generated from the same registry, so none can drift.
func FieldsMarkdownIn(fields []analytics.Field, r analytics.Retention, code string) string {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString("- " + analytics.FieldBulletIn(f, code) + "\n")
	}
	b.WriteString("\n" + analytics.RetentionSentenceIn(r, code) + "\n")
	return b.String()
}

// ExpandFields is the whole Finnish block, tags included, as "seloste
// notice new" writes it and "seloste notice fields" prints it.
func ExpandFields(fields []analytics.Field, r analytics.Retention) string {
	return ExpandFieldsIn(fields, r, Finnish)
}

// ExpandFieldsIn is ExpandFields in language code. The shortcode keeps its
// Finnish name in every language: it is a tag, not text.
func ExpandFieldsIn(fields []analytics.Field, r analytics.Retention, code string) string {
	return fmt.Sprintf("{{< %s sailytys=%q >}}\n%s{{< /%s >}}\n", FieldsShortcode, r.String(), FieldsMarkdownIn(fields, r, code), FieldsShortcode)
}

// RefreshFields returns body with its collected-data block (or placeholder)
// replaced by the block generated from fields and r. changed is false when
// v has neither, or the block is already up to date.
func RefreshFields(v Version, fields []analytics.Field, r analytics.Retention) (body string, changed bool, err error) {
	b, found, err := FindFields(v)
	if err != nil || !found {
		return v.Body, false, err
	}
	body = v.Body[:b.start] + ExpandFieldsIn(fields, r, v.Lang) + v.Body[b.end:]
	return body, body != v.Body, nil
}

// Collector is what the configured collector stores: the notice is checked
// against it.
type Collector struct {
	Fields    []analytics.Field
	Retention analytics.Retention
	Sites     []string // the tracked sites, for messages
	// Configured: a collector is set up to run (sites configured). Then the
	// current version must have the block and must not name Google
	// Analytics as the page-visit tool, and the block's retention must be
	// Retention. Without it, a block that is present must still match the
	// registry.
	Configured bool
	// CheckRetention compares the block's retention with Retention even
	// when no collector is configured (e.g. the retention was given alone).
	CheckRetention bool
	// Consent is the terms each tracked site runs on. When set, the
	// statement's legal-basis paragraph must state them
	// (ConsentShortcode), and with a site exempt the exemption's
	// conditions are listed against Precision, Retention and Events.
	Consent []SiteConsent
	// Precision is the configured location precision (geo_precision):
	// country, region or city.
	Precision string
	// Events are the declared custom events.
	Events []analytics.EventDef
}

// gaRE finds Google Analytics named in a statement: "Google Analytics",
// "Googlen Analytics -työkaluja", "Google Analyticsia", its script hosts.
var gaRE = regexp.MustCompile(`(?i)google\pL*[\s-]+(universal[\s-]+)?analytic|google-analytics\.com|googletagmanager\.com|\bgtag\.js`)

// negationRE finds a word that denies the use next to a mention ("ei
// käytetä Google Analyticsia", "ilman Google Analyticsia", "Google
// Analyticsin käytöstä on luovuttu"): that is not naming it as the tool.
var negationRE = regexp.MustCompile(`^(ei|eikä|emme|ilman|sijaan|sijasta|lopetettu|luovuttu|not|no|without|instead|stopped|inte|ej|utan|ingen|inga|stället|slutat)$`)

// sentenceEndRE ends a sentence, roughly.
var sentenceEndRE = regexp.MustCompile(`[.!?](\s|$)|\n\s*\n`)

// wordRE is a word for the negation window.
var wordRE = regexp.MustCompile(`[\pL\pN]+`)

// denied reports whether a negation is among the 4 words before or after
// the mention s[lo:hi].
func denied(s string, lo, hi int) bool {
	before := wordRE.FindAllString(s[:lo], -1)
	after := wordRE.FindAllString(s[hi:], 4)
	if len(before) > 4 {
		before = before[len(before)-4:]
	}
	for _, w := range append(before, after...) {
		if negationRE.MatchString(strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// CheckCollector checks what the site shows in every language (the current
// version, each language's newest published translation), and the newest
// draft with its translations if there is one, against what the collector
// stores.
func CheckCollector(vs []Version, c Collector) []Problem {
	var ps []Problem
	for _, v := range checked(vs) {
		ps = append(ps, checkVersionFields(vs, v, c)...)
		if len(c.Consent) > 0 {
			ps = append(ps, checkVersionConsent(vs, v, c)...)
		}
	}
	return append(ps, checkExemption(vs, c)...)
}

func checkVersionFields(vs []Version, v Version, c Collector) []Problem {
	var ps []Problem
	// The list says what is collected and why (purposes, 13(1)(c)); its
	// retention sentence is 13(2)(a).
	const list, retention = "13(1)(c)", "13(2)(a)"
	errorf := func(article string, line int, fi, en string) {
		ps = append(ps, Problem{Severity: SeverityError, File: v.File, Line: line, Article: article, Message: fi, English: en})
	}
	fix := "aja seloste notice new, joka kirjoittaa uuteen versioon rekisteristä luodun luettelon (tai liitä luonnokseen seloste notice fields -komennon tulostama lohko)"
	fixEn := "run seloste notice new, which writes the list generated from the registry into a new version (or paste the block printed by seloste notice fields into a draft)"
	switch {
	case v.Draft:
		fix = "liitä luonnokseen seloste notice fields -komennon tulostama lohko"
		fixEn = "paste the block printed by seloste notice fields into the draft"
	case !v.Pending:
		// The text in force: the fix may be a newer file to publish.
		a := Fix(vs, v, func(w Version) bool { return len(checkVersionFields(nil, w, c)) == 0 })
		fix, fixEn = "julkaistua versiota ei voi muuttaa: "+a.Fi, "a published version cannot change: "+a.En
	default:
		fix = "julkaistua versiota ei voi muuttaa: " + fix
		fixEn = "a published version cannot change: " + fixEn
	}

	if c.Configured {
		ps = append(ps, googleAnalytics(v, fix, fixEn)...)
	}
	b, found, err := FindFields(v)
	switch {
	case err != nil:
		return append(ps, problemsFrom(err)...)
	case !found || b.Placeholder:
		if !c.Configured {
			return ps
		}
		line := textLine(v)
		if found {
			line = b.Line
		}
		errorf(list, line,
			"selosteesta puuttuu keräimen tallentamien tietojen luettelo ({{< "+FieldsShortcode+" >}}); puuttuvat tiedot: "+strings.Join(names(c.Fields), ", ")+": "+fix,
			"the statement lacks the list of data the collector stores ({{< "+FieldsShortcode+" >}}); missing fields: "+strings.Join(names(c.Fields), ", ")+": "+fixEn)
		return ps
	}

	if v.Lang == "sv" {
		for _, f := range c.Fields {
			if f.SVFromEN {
				ps = append(ps, Problem{Severity: SeverityWarning, File: v.File, Line: b.Line, Article: list,
					Message: "tapahtumalla " + f.Name + " ei ole ruotsinkielistä kuvausta (description_sv): ruotsinkielinen luettelo kertoo sen englanniksi",
					English: "the event " + f.Name + " has no Swedish description (description_sv): the Swedish list gives it in English"})
			}
		}
	}
	have := bullets(b.Inner)
	// A Gated field that the version does not describe is a warning:
	// nothing of it is stored until a version that does is published (what
	// stores it checks, DescribesField).
	fields := make([]analytics.Field, 0, len(c.Fields))
	for _, f := range c.Fields {
		if f.Gated && !slices.Contains(have, normSpace(analytics.FieldBulletIn(f, v.Lang))) {
			ps = append(ps, Problem{Severity: SeverityWarning, File: v.File, Line: b.Line, Article: list,
				Message: "luettelo ei kuvaa tietoa " + f.Name + " (" + f.Label + "), joten sitä ei tallenneta ennen kuin sen kuvaava versio on julkaistu: " + fix,
				English: "the list does not describe " + f.Name + " (" + f.EN.Label + "), so none is stored until a version that describes it is published: " + fixEn})
			continue
		}
		fields = append(fields, f)
	}
	c.Fields = fields
	want := bullets(FieldsMarkdownIn(c.Fields, c.Retention, v.Lang))
	var missing, extra []string
	for i, w := range want {
		if !slices.Contains(have, w) {
			missing = append(missing, c.Fields[i].Name)
		}
	}
	for _, h := range have {
		if !slices.Contains(want, h) {
			extra = append(extra, label(h))
		}
	}
	if len(missing) > 0 || len(extra) > 0 {
		fi, en := "luettelo kerätyistä tiedoista ei vastaa keräimen tallentamia tietoja", "the list of collected data does not match what the collector stores"
		if len(missing) > 0 {
			fi += "; puuttuu tai muuttunut: " + strings.Join(missing, ", ")
			en += "; missing or changed: " + strings.Join(missing, ", ")
		}
		if len(extra) > 0 {
			fi += "; ylimääräinen tai muuttunut: " + strings.Join(extra, ", ")
			en += "; extra or changed: " + strings.Join(extra, ", ")
		}
		errorf(list, b.Line, fi+": "+fix, en+": "+fixEn)
	}
	stated, _ := analytics.ParseRetention(b.Retention) // FindFields checked it
	if (c.Configured || c.CheckRetention) && !stated.Equal(c.Retention) {
		errorf(retention, b.Line,
			fmt.Sprintf("selosteen säilytysaika (sailytys=%q) ei ole keräimen asetettu säilytysaika (%s): %s", b.Retention, c.Retention, fix),
			fmt.Sprintf("the statement's retention (sailytys=%q) is not the collector's configured retention (%s): %s", b.Retention, c.Retention, fixEn))
	} else if !strings.Contains(normSpace(b.Inner), normSpace(analytics.RetentionSentenceIn(stated, v.Lang))) {
		errorf(retention, b.Line,
			fmt.Sprintf("lohkosta puuttuu säilytysaikaa sailytys=%q vastaava lause: %s", b.Retention, fix),
			fmt.Sprintf("the block lacks the sentence stating its retention sailytys=%q: %s", b.Retention, fixEn))
	} else if len(missing) == 0 && len(extra) == 0 && normSpace(b.Inner) != normSpace(FieldsMarkdownIn(c.Fields, stated, v.Lang)) {
		errorf(list, b.Line,
			"lohkossa on muutakin kuin rekisteristä luotu luettelo: kirjoita oma teksti lohkon ulkopuolelle; "+fix,
			"the block holds more than the list generated from the registry: write your own text outside the block; "+fixEn)
	}
	return ps
}

// googleAnalytics finds sentences that name Google Analytics without
// denying its use; fix and fixEn say how to describe the collector instead.
func googleAnalytics(v Version, fix, fixEn string) []Problem {
	var ps []Problem
	body := stripShortcodes(v)
	for start := 0; start < len(body); {
		end := len(body)
		if loc := sentenceEndRE.FindStringIndex(body[start:]); loc != nil {
			end = start + loc[1]
		}
		s := body[start:end]
		if loc := gaRE.FindStringIndex(s); loc != nil && !denied(s, loc[0], loc[1]) {
			line := v.BodyLine + strings.Count(body[:start+loc[0]], "\n")
			if body != v.Body {
				line = lineOfText(v, strings.TrimSpace(s[loc[0]:loc[1]]), line)
			}
			ps = append(ps, Problem{Severity: SeverityError, File: v.File, Line: line, Article: "13(1)(e)",
				Message: "seloste kertoo sivuvierailut tilastoitavan Google Analyticsilla, mutta käytössä on sivuston oma keräin, jonka selosteen pitää kuvata (luettelo {{< " + FieldsShortcode + " >}}): " + fix,
				English: "the statement says page visits are counted with Google Analytics, but seloste's own collector is configured, which the statement must describe (list {{< " + FieldsShortcode + " >}}): " + fixEn})
		}
		start = end
	}
	return ps
}

// lineOfText finds the file line of the first occurrence of s at or after
// around, for positions in a stripped body.
func lineOfText(v Version, s string, around int) int {
	lines := strings.Split(v.Body, "\n")
	for i := max(0, around-v.BodyLine); i < len(lines); i++ {
		if strings.Contains(lines[i], s) {
			return v.BodyLine + i
		}
	}
	return around
}

func names(fs []analytics.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

// bullets are the list items of Markdown, white space normalised.
func bullets(md string) []string {
	var out []string
	for _, l := range strings.Split(md, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "* ") {
			out = append(out, normSpace(l[2:]))
		}
	}
	return out
}

// label is a bullet's bold lead, or its start, for messages.
func label(bullet string) string {
	if strings.HasPrefix(bullet, "**") {
		if i := strings.Index(bullet[2:], "**"); i >= 0 {
			return strings.TrimSuffix(bullet[2:2+i], ":")
		}
	}
	if r := []rune(bullet); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return bullet
}

func normSpace(s string) string { return strings.TrimSpace(spaceRE.ReplaceAllString(s, " ")) }

// DescribesField checks that the statement under content (the content
// folder) tells of field in its current published version, in Finnish and
// in each language's current translation: what stores a Gated field (an
// import, the collector's scroll depth) calls it first. The error says what to do.
func DescribesField(content string, field analytics.Field) error {
	vs, err := Load(SourceDir(content))
	if err != nil {
		return err
	}
	if _, ok := Current(vs); !ok {
		return fmt.Errorf("no published version of the statement in force in %s: publish one that describes %s (seloste notice new, seloste notice build)", SourceDir(content), field.EN.Label)
	}
	describes := func(v Version) bool {
		b, found, err := FindFields(v)
		return err == nil && found && slices.Contains(bullets(b.Inner), normSpace(analytics.FieldBulletIn(field, v.Lang)))
	}
	for _, v := range inForce(vs) {
		if _, _, err := FindFields(v); err != nil {
			return err
		}
		if !describes(v) {
			return fmt.Errorf("the published statement %s does not describe %s (%s), so it cannot be stored: %s, then try again", v.File, strings.ToLower(field.EN.Label), field.Name, Fix(vs, v, describes).En)
		}
	}
	return nil
}
