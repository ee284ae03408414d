package notice

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/seloste/seloste/analytics"
)

// The record of processing activities (GDPR Art. 30, seloste
// käsittelytoimista) of the web statistics is generated, like the
// statement's list of collected data, from what makes it true: the
// collector's configuration (Record), the field registry and the
// statement's own controller and disclosure sections. It is an internal
// document the controller keeps and shows the supervisory authority on
// request; the owner keeps the generated files in RecordDir, and
// CheckRecords fails when one of them no longer says what would be
// generated now.

// RecordDir is the folder of the content folder where the owner keeps the
// record: kasittelyseloste.md, kasittelyseloste.sv.md, kasittelyseloste.en.md
// and their .html renderings (RecordFile). notice build never publishes it
// unless asked; nothing else in the folder is read.
const RecordDir = "kasittelyseloste"

// The record's formats, as "seloste notice record -format" names them.
const (
	RecordMarkdown = "md"
	RecordHTML     = "html"
)

// RecordFile is where the owner keeps the record in language code and
// format (RecordMarkdown, RecordHTML) under the content folder:
// content/kasittelyseloste/kasittelyseloste.md, ….sv.md, ….en.html.
func RecordFile(content, code, format string) string {
	name := RecordDir
	if code != Finnish {
		name += "." + code
	}
	return filepath.Join(content, RecordDir, name+"."+format)
}

// recordFileRE is a kept record's file name: its language and format.
var recordFileRE = regexp.MustCompile(`^` + RecordDir + `(?:\.(sv|en))?\.(md|html)$`)

// Record is what the record of the web statistics is made from: the
// configured collector and the statement in force in the record's
// language.
type Record struct {
	Lang string // fi, sv or en
	// Controller is the statement's section naming the controller and how
	// to reach them (Art. 30(1)(a)), as Markdown: StatementSections.
	Controller string
	// Disclosures is the statement's section on recipients and transfers,
	// "" when it has none: what the owner says of processors.
	Disclosures string
	Sites       []RecordSite
	Fields      []analytics.Field // analytics.StatementFields of the configured events
	Retention   analytics.Retention
	Engine      string // "SQLite" or "ClickHouse"
	// Location is the configured precision, "country", "region" or "city";
	// "" when no location is derived (no location database).
	Location         string
	HonourDNT        bool
	MinVisitors      int  // k-anonymity floor of reports; 1 is none
	ShareMinVisitors int  // the floor of public share links in effect
	BehindProxy      bool // trusted reverse proxies are configured
	SecureCookies    bool // dashboard cookies are always marked Secure
}

// RecordSite is one tracked site and the consent mode it runs on.
type RecordSite struct {
	Domain  string
	Consent analytics.Consent
}

// StatementSections finds, in v's text, the section that names the
// controller and the one on disclosures and transfers: each a level-2
// heading in v's language ("## Rekisterinpitäjä", "## Tietojen
// luovutukset ja siirrot") and its text up to the next level-2 heading,
// HTML comments (notes to the owner) left out. found is false when v has
// no controller section.
func StatementSections(v Version) (controller, disclosures string, found bool) {
	w := recordWords(v.Lang)
	var cur *string
	var b strings.Builder
	flush := func() {
		if cur != nil && *cur == "" {
			*cur = strings.TrimSpace(b.String())
		}
		cur = nil
		b.Reset()
	}
	body := htmlCommentRE.ReplaceAllString(commentBlockRE.ReplaceAllString(stripShortcodes(v), ""), "")
	for _, l := range strings.Split(body, "\n") {
		if m := h12RE.FindStringSubmatch(l); m != nil {
			flush()
			if len(m[1]) == 2 {
				switch h := strings.ToLower(m[2]); {
				case controller == "" && w.controllerHeading.MatchString(h):
					cur = &controller
				case disclosures == "" && w.disclosuresHeading.MatchString(h):
					cur = &disclosures
				}
			}
			continue
		}
		if cur != nil {
			b.WriteString(l + "\n")
		}
	}
	flush()
	return controller, disclosures, controller != ""
}

// h12RE is an ATX heading of level 1 or 2: what ends a section.
var h12RE = regexp.MustCompile(`^ {0,3}(##?)[ \t]+(.*?)[ \t#]*$`)

// recordMarkdown is the one goldmark configuration of the record: tables
// for the data categories, XHTML so that the printable page is
// well-formed, no raw HTML (the statement's sections are text).
var recordMarkdown = goldmark.New(
	goldmark.WithExtensions(extension.Table),
	goldmark.WithRendererOptions(html.WithXHTML()),
)

// Markdown is the record in r.Lang.
func (r Record) Markdown() (string, error) {
	w, err := r.words()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n\n", a...) }
	section := func(n int, title, article string) {
		p("## %d. %s", n, title)
		p("*%s*", fmt.Sprintf(w.article, article))
	}
	domains := make([]string, len(r.Sites))
	for i, s := range r.Sites {
		domains[i] = s.Domain
	}
	sites := fmt.Sprintf(w.siteOne, siteList(domains, w.and))
	if len(domains) > 1 {
		sites = fmt.Sprintf(w.siteMany, siteList(domains, w.and))
	}
	retention := r.retentionWords()

	p("# %s", w.title)
	p(w.intro, sites)

	section(1, w.controllerTitle, "a")
	b.WriteString(strings.TrimSpace(r.Controller) + "\n\n")
	p("%s", w.controllerSource)

	section(2, w.purposesTitle, "b")
	p("%s", w.purpose)
	var purposes []string
	for _, f := range r.Fields {
		if t := f.Text(r.Lang).Purpose; t != "" && !slices.Contains(purposes, t) {
			purposes = append(purposes, t)
		}
	}
	for _, t := range purposes {
		b.WriteString("- " + md(upperFirst(t)) + "\n")
	}
	b.WriteString("\n")
	modes := map[analytics.Consent][]string{}
	for _, s := range r.Sites {
		modes[s.Consent] = append(modes[s.Consent], s.Domain)
	}
	basis := func(c analytics.Consent) string {
		if c == analytics.ConsentExempt {
			return w.basisExempt
		}
		return w.basisConsent
	}
	if len(modes) == 1 {
		p("**%s** %s", w.basisLabel, basis(r.Sites[0].Consent))
	} else {
		p("**%s**", w.basisLabel)
		for _, c := range []analytics.Consent{analytics.ConsentRequired, analytics.ConsentExempt} {
			if len(modes[c]) > 0 {
				b.WriteString("- " + siteList(modes[c], w.and) + ": " + basis(c) + "\n")
			}
		}
		b.WriteString("\n")
	}

	section(3, w.categoriesTitle, "c")
	p("**%s** %s", w.subjectsLabel, fmt.Sprintf(w.subjects, sites))
	p("**%s** %s", w.dataLabel, w.dataIntro)
	b.WriteString("| " + strings.Join(w.columns[:], " | ") + " |\n|---|---|---|---|\n")
	for _, f := range r.Fields {
		t := f.Text(r.Lang)
		keep := t.Retention
		if keep == "" {
			keep = fmt.Sprintf(w.keptFor, retention)
		}
		b.WriteString("| " + strings.Join([]string{cell(t.Label), cell(t.What), cell(t.Purpose), cell(upperFirst(keep))}, " | ") + " |\n")
	}
	b.WriteString("\n")
	p("%s", w.special)

	section(4, w.recipientsTitle, "d")
	p(w.recipients, r.Engine, r.shareFloor())
	if d := strings.TrimSpace(r.Disclosures); d != "" {
		p("%s", w.disclosuresIntro)
		for _, l := range strings.Split(d, "\n") {
			b.WriteString(strings.TrimRight("> "+l, " ") + "\n")
		}
		b.WriteString("\n")
	} else {
		p("%s", w.noDisclosures)
	}

	section(5, w.transfersTitle, "e")
	p("%s", w.transfers)

	section(6, w.erasureTitle, "f")
	fmt.Fprintf(&b, "- "+w.purge+"\n", retention)
	for _, f := range r.Fields {
		if t := f.Text(r.Lang); t.Retention != "" {
			b.WriteString("- **" + md(t.Label) + ":** " + md(t.Retention) + ".\n")
		}
	}
	fmt.Fprintf(&b, "- "+w.backups+"\n", retention)
	fmt.Fprintf(&b, "- "+w.selfService+"\n\n", w.selfPath)

	section(7, w.measuresTitle, "g")
	measures := []string{w.pseudonyms, w.noAddress}
	switch r.Location {
	case "":
		measures = append(measures, w.noLocation)
	default:
		measures = append(measures, fmt.Sprintf(w.location, w.precision[r.Location], r.Location))
	}
	if len(modes[analytics.ConsentRequired]) > 0 {
		measures = append(measures, w.consentFirst)
	}
	if r.HonourDNT {
		measures = append(measures, w.dnt)
	} else {
		measures = append(measures, w.noDNT)
	}
	if slices.ContainsFunc(r.Fields, func(f analytics.Field) bool { return f.Name == analytics.EventsField.Name }) {
		measures = append(measures, w.eventValues)
	}
	if r.MinVisitors > 1 {
		measures = append(measures, fmt.Sprintf(w.floor, r.MinVisitors, r.MinVisitors))
	} else {
		measures = append(measures, w.noFloor)
	}
	measures = append(measures, fmt.Sprintf(w.shareFloor, r.shareFloor()), w.access)
	if r.SecureCookies {
		measures = append(measures, w.secureCookies)
	}
	if r.BehindProxy {
		measures = append(measures, w.tls)
	} else {
		measures = append(measures, w.noProxy)
	}
	if r.Engine == "ClickHouse" {
		measures = append(measures, w.backupClickHouse)
	} else {
		measures = append(measures, w.backupSQLite)
	}
	for _, m := range measures {
		b.WriteString("- " + m + "\n")
	}
	return b.String(), nil
}

// HTML is the record as one printable, self-contained page: inline CSS
// for A4 paper, no external resources, well-formed (XHTML syntax).
func (r Record) HTML() ([]byte, error) {
	src, err := r.Markdown()
	if err != nil {
		return nil, err
	}
	var body bytes.Buffer
	if err := recordMarkdown.Convert([]byte(src), &body); err != nil {
		return nil, fmt.Errorf("record: render: %w", err)
	}
	var out bytes.Buffer
	err = recordTmpl.Execute(&out, map[string]any{
		"Lang":  r.Lang,
		"Title": recordWords(r.Lang).title,
		"CSS":   template.CSS(noticeCSS + recordCSS),
		"Body":  template.HTML(body.String()),
	})
	return out.Bytes(), err
}

// Render is the record in format (RecordMarkdown or RecordHTML).
func (r Record) Render(format string) ([]byte, error) {
	switch format {
	case RecordMarkdown:
		s, err := r.Markdown()
		return []byte(s), err
	case RecordHTML:
		return r.HTML()
	}
	return nil, fmt.Errorf("record format %q: md or html", format)
}

// recordCSS adds to the statement's CSS what the record needs: tables, and
// A4 paper.
const recordCSS = `main { max-width: 60rem; }
table { border-collapse: collapse; width: 100%; margin: 0 0 1rem; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
blockquote { margin: 0 0 1rem; padding-left: 1rem; border-left: 3px solid #999; }
@media print {
  @page { size: A4; margin: 2cm; }
  table { font-size: 9pt; }
  tr, blockquote { break-inside: avoid; page-break-inside: avoid; }
}
`

var recordTmpl = template.Must(template.New("record").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}" xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{{.Title}}</title>
<style>
{{.CSS}}</style>
</head>
<body>
<main>
{{.Body}}</main>
</body>
</html>
`))

// check says what in r cannot make a record.
func (r Record) check() error {
	if _, ok := recordText[r.Lang]; !ok {
		return fmt.Errorf("record language %q: fi, sv or en", r.Lang)
	}
	if len(r.Sites) == 0 {
		return errors.New("record: no site: the record describes the statistics of the configured sites")
	}
	if strings.TrimSpace(r.Controller) == "" {
		return errors.New("record: no controller: it is taken from the statement's section \"## Rekisterinpitäjä\" (\"## Personuppgiftsansvarig\", \"## Controller\")")
	}
	if len(r.Fields) == 0 {
		return errors.New("record: no fields: give the collector's (analytics.StatementFields)")
	}
	if r.Engine != "SQLite" && r.Engine != "ClickHouse" {
		return fmt.Errorf("record: engine %q: SQLite or ClickHouse", r.Engine)
	}
	if r.Engine != "SQLite" && r.Engine != "ClickHouse" {
		return fmt.Errorf("record: engine %q: SQLite or ClickHouse", r.Engine)
	}
	switch r.Location {
	case "", "country", "region", "city":
	default:
		return fmt.Errorf("record: location precision %q: country, region, city or \"\" for none", r.Location)
	}
	for _, s := range r.Sites {
		if _, err := analytics.ParseConsent(string(s.Consent)); err != nil {
			return fmt.Errorf("record: site %s: %w", s.Domain, err)
		}
	}
	return nil
}

func (r Record) words() (recordWordsT, error) {
	if err := r.check(); err != nil {
		return recordWordsT{}, err
	}
	return recordWords(r.Lang), nil
}

// retentionWords is the configured retention in r's language: "3 vuotta".
func (r Record) retentionWords() string {
	switch r.Lang {
	case "sv":
		return r.Retention.Swedish()
	case "en":
		return r.Retention.English()
	}
	return r.Retention.Finnish()
}

// shareFloor is the k-anonymity floor of share links in effect.
func (r Record) shareFloor() int {
	if r.ShareMinVisitors > 0 {
		return r.ShareMinVisitors
	}
	return 5
}

// cell is text in a Markdown table cell: one line, its pipes escaped.
func cell(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(s), " "), "|", `\|`)
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// WriteRecord writes a rendering of the record to path, creating its
// folder: through a temporary file renamed over path, so that a reader
// sees the old record or the new, never half of one.
func WriteRecord(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// CheckRecords compares each record the owner keeps in content's RecordDir
// with what generate makes now in its language: one error per file that
// differs (the record drifted from the configuration, the registry or the
// statement), a note when no record is kept at all.
func CheckRecords(content string, generate func(code string) (Record, error)) []Problem {
	dir := filepath.Join(content, RecordDir)
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return []Problem{{Severity: SeverityError, File: dir, Message: err.Error()}}
	}
	var ps []Problem
	kept := 0
	for _, e := range entries {
		m := recordFileRE.FindStringSubmatch(e.Name())
		if m == nil || e.IsDir() {
			continue
		}
		kept++
		code, format := m[1], m[2]
		if code == "" {
			code = Finnish
		}
		file := filepath.Join(dir, e.Name())
		cmd := fmt.Sprintf("seloste notice record -lang %s -out %s", code, file)
		have, err := os.ReadFile(file)
		if err != nil {
			ps = append(ps, Problem{Severity: SeverityError, File: file, Message: err.Error()})
			continue
		}
		var want []byte
		r, err := generate(code)
		if err == nil {
			want, err = r.Render(format)
		}
		if err != nil {
			ps = append(ps, Problem{Severity: SeverityError, File: file, Article: "30",
				Message: "käsittelytoimien selostetta ei voi tarkistaa: " + err.Error(),
				English: "the record of processing cannot be checked: " + err.Error()})
			continue
		}
		if line := firstDiff(string(have), string(want)); line > 0 {
			ps = append(ps, Problem{Severity: SeverityError, File: file, Line: line, Article: "30",
				Message: "käsittelytoimien seloste ei vastaa nykyisiä asetuksia, tietoluetteloa ja tietosuojaselostetta: luo se uudelleen komennolla " + cmd,
				English: "the record of processing activities does not match the current configuration, field registry and statement: generate it again with " + cmd})
		}
	}
	if kept == 0 {
		file := RecordFile(content, Finnish, RecordMarkdown)
		ps = append(ps, Problem{Severity: SeverityNote, File: dir, Article: "30",
			Message: "käsittelytoimien selostetta ei ole tallennettu: tilastoinnista pitää pitää seloste käsittelytoimista ja näyttää se pyynnöstä valvontaviranomaiselle; luo se komennolla seloste notice record -out " + file + " (docs/record.md)",
			English: "no record of processing activities is kept: the statistics need one, shown to the supervisory authority on request; make it with seloste notice record -out " + file + " (docs/record.md)"})
	}
	return ps
}

// firstDiff is the 1-based line where have and want first differ, line
// endings normalised; 0 when they are the same.
func firstDiff(have, want string) int {
	hl := strings.Split(strings.ReplaceAll(have, "\r\n", "\n"), "\n")
	wl := strings.Split(want, "\n")
	for i := 0; i < max(len(hl), len(wl)); i++ {
		if i >= len(hl) || i >= len(wl) || hl[i] != wl[i] {
			return i + 1
		}
	}
	return 0
}
