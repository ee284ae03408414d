package notice

import (
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
)

// recordEvents are a configuration's events: a declared one with
// properties and an automatic one, so that the record's list has the
// events field and an entry per event, as the statement's has.
var recordEvents = analytics.EventConfig{
	Events: []analytics.EventDef{{Name: "tilaus", Props: []string{"tuote", "maksutapa"},
		Desc: analytics.Description{FI: "Tilauslomakkeen lähetys", SV: "Beställningsformuläret skickas", EN: "The order form is sent"}}},
	Auto: []string{"outbound"},
}

// startedRecord writes a started statement in fi, sv and en into a
// temporary folder and returns it loaded, with a record generator over
// it for the given retention.
func startedRecord(t *testing.T) (vs []Version, gen func(r analytics.Retention) func(code string) (Record, error)) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), Dir)
	if _, err := WriteStart(dir, testStart("fi", "sv", "en")); err != nil {
		t.Fatal(err)
	}
	vs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return vs, func(ret analytics.Retention) func(string) (Record, error) {
		return func(code string) (Record, error) {
			v, ok := CurrentIn(vs, code)
			if !ok {
				return Record{}, errors.New("no version in " + code)
			}
			c, d, found := StatementSections(v)
			if !found {
				return Record{}, errors.New("no controller section in " + v.File)
			}
			return Record{Lang: code, Controller: c, Disclosures: d,
				Sites:     []RecordSite{{"esimerkki.invalid", analytics.ConsentRequired}, {"kauppa.esimerkki.invalid", analytics.ConsentExempt}},
				Fields:    analytics.StatementFields(recordEvents),
				Retention: ret, Engine: "SQLite", Location: "region", HonourDNT: true, MinVisitors: 3}, nil
		}
	}
}

// The record names every field of the registry in its language, every
// declared event and property, the configured retention, the controller
// from the statement and the legal basis of each site's consent mode.
func TestRecordNamesEveryField(t *testing.T) {
	_, gen := startedRecord(t)
	ret := analytics.Retention{Months: 18}
	retWords := map[string]string{"fi": "18 kuukautta", "sv": "18 månader", "en": "18 months"}
	basis := map[string][2]string{
		"fi": {"6 artiklan 1 kohdan a alakohta", "6 artiklan 1 kohdan f alakohta"},
		"sv": {"artikel 6.1 a", "artikel 6.1 f"},
		"en": {"Article 6(1)(a)", "Article 6(1)(f)"},
	}
	fields := analytics.StatementFields(recordEvents)
	if len(fields) <= len(analytics.Fields)+2 {
		t.Fatalf("the test's configuration gives %d fields: want the registry's, the events field and each event", len(fields))
	}
	for _, code := range []string{"fi", "sv", "en"} {
		t.Run(code, func(t *testing.T) {
			r, err := gen(ret)(code)
			if err != nil {
				t.Fatal(err)
			}
			md, err := r.Markdown()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fields {
				txt := f.Text(code)
				if !strings.Contains(md, "| "+txt.Label+" | "+txt.What+" | "+txt.Purpose+" |") {
					t.Errorf("the record does not name %s (%q) with its description and purpose", f.Name, txt.Label)
				}
			}
			for _, want := range []string{"tilaus", "tuote", "maksutapa", analytics.EventOutbound, retWords[code],
				"Esimerkki Oy", "1234567-1", "tietosuoja@esimerkki.invalid", "esimerkki.invalid", "kauppa.esimerkki.invalid",
				basis[code][0], basis[code][1], "region", "min_visitors = 3"} {
				if !strings.Contains(md, want) {
					t.Errorf("the record lacks %q", want)
				}
			}
			if strings.Contains(md, AdaptMarker) || strings.Contains(md, "<!--") {
				t.Error("the record carries the statement's notes to the owner")
			}
			// The statement's own words on disclosures are quoted.
			if !strings.Contains(md, "\n> ") {
				t.Error("the record does not quote the statement's section on disclosures")
			}
		})
	}
}

// The printable page is well-formed, self-contained and set for A4.
func TestRecordHTML(t *testing.T) {
	_, gen := startedRecord(t)
	r, err := gen(analytics.DefaultRetention)("fi")
	if err != nil {
		t.Fatal(err)
	}
	page, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(strings.NewReader(string(page)))
	d.Strict, d.Entity = true, xml.HTMLEntity
	var elements []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the page is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			elements = append(elements, se.Name.Local)
			for _, a := range se.Attr {
				if a.Name.Local == "src" || (a.Name.Local == "href" && se.Name.Local != "a") {
					t.Errorf("<%s %s=%q> loads a resource", se.Name.Local, a.Name.Local, a.Value)
				}
			}
		}
	}
	s := string(page)
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "url(", "@import"} {
		if strings.Contains(s, bad) {
			t.Errorf("the page has %q", bad)
		}
	}
	for _, want := range []string{`<html lang="fi"`, "size: A4", "<table>", "<h1>Seloste käsittelytoimista", "Esimerkki Oy"} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	rows := 0
	for _, e := range elements {
		if e == "tr" {
			rows++
		}
	}
	if want := len(analytics.StatementFields(recordEvents)) + 1; rows != want {
		t.Errorf("the page's table has %d rows, want a heading and one per field, %d", rows, want)
	}
}

// A kept record that no longer says what would be generated fails the
// check, naming the command that makes it again; no record is a note.
func TestCheckRecordsDrift(t *testing.T) {
	_, gen := startedRecord(t)
	content := t.TempDir()
	ps := CheckRecords(content, gen(analytics.DefaultRetention))
	if len(ps) != 1 || ps[0].Severity != SeverityNote || !strings.Contains(ps[0].English, "seloste notice record -out "+RecordFile(content, "fi", "md")) {
		t.Fatalf("no record kept: %v", ps)
	}

	keep := func(g func(string) (Record, error)) {
		t.Helper()
		for _, code := range []string{"fi", "sv", "en"} {
			for _, format := range []string{RecordMarkdown, RecordHTML} {
				r, err := g(code)
				if err != nil {
					t.Fatal(err)
				}
				data, err := r.Render(format)
				if err != nil {
					t.Fatal(err)
				}
				if err := WriteRecord(RecordFile(content, code, format), data); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	keep(gen(analytics.DefaultRetention))
	// The owner's other files in the folder are not read.
	if err := os.WriteFile(filepath.Join(content, RecordDir, "allekirjoitettu.pdf"), []byte("%PDF"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ps := CheckRecords(content, gen(analytics.DefaultRetention)); len(ps) != 0 {
		t.Fatalf("records just generated: %v", ps)
	}

	// The retention changes: every kept record drifted.
	ps = CheckRecords(content, gen(analytics.Retention{Years: 2}))
	if len(ps) != 6 {
		t.Fatalf("retention changed: want 6 errors, got %v", ps)
	}
	for _, p := range ps {
		code := "fi"
		if m := recordFileRE.FindStringSubmatch(filepath.Base(p.File)); m != nil && m[1] != "" {
			code = m[1]
		}
		if p.Severity != SeverityError || p.Line == 0 || !strings.Contains(p.English, "seloste notice record -lang "+code+" -out "+p.File) {
			t.Errorf("drift: %v", p)
		}
	}
	keep(gen(analytics.Retention{Years: 2}))
	if ps := CheckRecords(content, gen(analytics.Retention{Years: 2})); len(ps) != 0 {
		t.Fatalf("records generated again: %v", ps)
	}

	// A record saved with Windows line endings still matches.
	file := RecordFile(content, "fi", RecordMarkdown)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(string(data), "\n", "\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if ps := CheckRecords(content, gen(analytics.Retention{Years: 2})); len(ps) != 0 {
		t.Fatalf("CRLF record: %v", ps)
	}
	// An edited record drifted, at the line edited.
	lines := strings.Split(string(data), "\n")
	lines[4] += " Muokattu."
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if ps := CheckRecords(content, gen(analytics.Retention{Years: 2})); len(ps) != 1 || ps[0].Line != 5 {
		t.Fatalf("edited record: %v", ps)
	}
}

// A statement without a section naming the controller gives no record.
func TestRecordNeedsController(t *testing.T) {
	v := Version{Lang: "fi", Body: "## Tietoja\n\nTeksti.\n"}
	if _, _, found := StatementSections(v); found {
		t.Fatal("found a controller section in a statement without one")
	}
	r := Record{Lang: "fi", Sites: []RecordSite{{"a.invalid", analytics.ConsentRequired}}, Fields: analytics.Fields, Engine: "SQLite"}
	if _, err := r.Markdown(); err == nil || !strings.Contains(err.Error(), "Rekisterinpitäjä") {
		t.Errorf("no controller: err = %v", err)
	}
}

// The security measures and the legal basis say what the configuration
// does, setting by setting.
func TestRecordFollowsConfig(t *testing.T) {
	_, gen := startedRecord(t)
	base, err := gen(analytics.DefaultRetention)("fi")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		change    func(*Record)
		want, not string
	}{
		{"no location", func(r *Record) { r.Location = "" }, "sijaintia ei päätellä", "geo_precision"},
		{"DNT off", func(r *Record) { r.HonourDNT = false }, "honour_dnt on pois päältä", "käyntiä ei tallenneta (asetus honour_dnt)"},
		{"proxy", func(r *Record) { r.BehindProxy = true }, "käänteisvälityspalvelimen kautta (asetus trust_proxy)", "ei ole käänteisvälityspalvelinta"},
		{"ClickHouse", func(r *Record) { r.Engine = "ClickHouse" }, "omaan ClickHouse-tietokantaan", "seloste backup"},
		{"no floor", func(r *Record) { r.MinVisitors = 1 }, "ei ole kävijämäärän alarajaa", "min_visitors = 3"},
		{"share floor", func(r *Record) { r.ShareMinVisitors = 10 }, "alle 10 kävijää, yhdistetään", "alle 5 kävijää"},
		{"secure cookies", func(r *Record) { r.SecureCookies = true }, "asetus secure_cookies", ""},
		{"all exempt", func(r *Record) {
			r.Sites = []RecordSite{{"esimerkki.invalid", analytics.ConsentExempt}}
		}, "**Oikeusperuste:** rekisterinpitäjän oikeutettu etu", "Suostumus ennen tilastointia"},
		{"no events", func(r *Record) { r.Fields = analytics.Fields }, "Sivuvierailutiedot", "**Tapahtumat:**"},
	} {
		r := base
		tc.change(&r)
		md, err := r.Markdown()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !strings.Contains(md, tc.want) || (tc.not != "" && strings.Contains(md, tc.not)) {
			t.Errorf("%s: want %q and not %q in the record", tc.name, tc.want, tc.not)
		}
	}
	bad := base
	bad.Location = "street"
	if _, err := bad.Markdown(); err == nil {
		t.Error("a location precision that does not exist gave a record")
	}
}
