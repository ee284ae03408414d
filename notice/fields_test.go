package notice

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
)

// fieldsVersion parses a version whose body is body, dated 2026-11-25.
func fieldsVersion(t *testing.T, body string) (Version, error) {
	t.Helper()
	src := "---\ntitle: Tietosuojaseloste\nlang: fi\nsummary: Testi.\n---\n" + body
	return Parse("t/2026-11-25.md", date("2026-11-25"), []byte(src))
}

var threeYears = analytics.Retention{Years: 3}

func collector(configured bool) Collector {
	return Collector{Fields: analytics.Fields, Retention: threeYears, Configured: configured}
}

func TestExpandFieldsNamesEveryField(t *testing.T) {
	block := ExpandFields(analytics.Fields, threeYears)
	if !strings.HasPrefix(block, `{{< kerattavat-tiedot sailytys="3y" >}}`+"\n") || !strings.HasSuffix(block, "{{< /kerattavat-tiedot >}}\n") {
		t.Fatalf("block tags wrong:\n%s", block)
	}
	if got := len(bullets(block)); got != len(analytics.Fields) {
		t.Errorf("%d bullets, want one per registry field (%d)", got, len(analytics.Fields))
	}
	for _, f := range analytics.Fields {
		if !strings.Contains(block, "- **"+f.Label+":** "+f.FI) {
			t.Errorf("block lacks field %s", f.Name)
		}
	}
	if !strings.Contains(block, "Sivuvierailutiedot säilytetään 3 vuotta, minkä jälkeen ne poistetaan automaattisesti.") {
		t.Errorf("block lacks the retention sentence:\n%s", block)
	}
}

func TestRetentionFinnish(t *testing.T) {
	for in, want := range map[string]string{
		"3y": "3 vuotta", "1y": "vuoden", "18mo": "18 kuukautta", "1mo": "kuukauden",
		"8w": "8 viikkoa", "1w": "viikon", "90d": "90 päivää", "1d": "päivän",
	} {
		r, err := analytics.ParseRetention(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Finnish(); got != want {
			t.Errorf("%s: Finnish() = %q, want %q", in, got, want)
		}
		if back, _ := analytics.ParseRetention(r.String()); !back.Equal(r) {
			t.Errorf("%s: String() = %q does not parse back", in, r.String())
		}
	}
	a, _ := analytics.ParseRetention("36mo")
	if !a.Equal(threeYears) {
		t.Error("36mo should equal 3y")
	}
}

func TestFieldsBlockRendersWithoutTags(t *testing.T) {
	body := "Alku.\n\n### Sivuvierailut\n\n" + ExpandFields(analytics.Fields, threeYears) + "\nLoppu.\n"
	v, err := fieldsVersion(t, body)
	if err != nil {
		t.Fatal(err)
	}
	html, err := RenderHTML(v)
	if err != nil {
		t.Fatal(err)
	}
	text, err := RenderText(v)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"html": string(html), "text": text, "stamped": Stamped(v)} {
		if strings.Contains(out, "kerattavat-tiedot") || strings.Contains(out, "{{") {
			t.Errorf("%s shows the shortcode:\n%s", name, out)
		}
		if !strings.Contains(out, "Sivuvierailutiedot säilytetään 3 vuotta") {
			t.Errorf("%s lacks the block's text", name)
		}
	}
	if !strings.Contains(string(html), "<li><strong>Ajankohta:</strong> sivulatauksen ajankohta") {
		t.Errorf("the block's list is not rendered as a list:\n%s", html)
	}
	// A placeholder renders as nothing.
	v, err = fieldsVersion(t, "Alku.\n\n{{< kerattavat-tiedot >}}\n\nLoppu.\n")
	if err != nil {
		t.Fatal(err)
	}
	if s := Stamped(v); strings.Contains(s, "{{") || !strings.Contains(s, "Loppu.") {
		t.Errorf("placeholder not stripped:\n%s", s)
	}
}

func TestFindFieldsErrors(t *testing.T) {
	const open = `{{< kerattavat-tiedot sailytys="3y" >}}`
	const close = `{{< /kerattavat-tiedot >}}`
	for _, tc := range []struct {
		name, body string
		line       int // file line of the error: the body starts on line 6
		want       string
	}{
		{"unclosed", "a\n\n" + open + "\n- x\n", 8, "never closed"},
		{"closing only", "a\n\n" + close + "\n", 8, "never opened"},
		{"no retention", "{{< kerattavat-tiedot >}}\n- x\n" + close + "\n", 6, "no retention"},
		{"bad retention", `{{< kerattavat-tiedot sailytys="3 vuotta" >}}` + "\n" + close + "\n", 6, "retention \"3 vuotta\" is not valid"},
		{"unknown attribute", `{{< kerattavat-tiedot retention="3y" >}}` + "\n" + close + "\n", 6, "unknown attribute \"retention\""},
		{"unknown shortcode", "a\n{{< kerattavat_tiedot >}}\n", 7, "unknown shortcode \"kerattavat_tiedot\""},
		{"percent form", "{{% kerattavat-tiedot %}}\n", 6, "not {{% %}}"},
		{"inline", "Tiedot: {{< kerattavat-tiedot >}}\n", 6, "line of its own"},
		{"twice", open + "\n" + close + "\n\n" + open + "\n" + close + "\n", 9, "already appears on line 6"},
		{"nested", open + "\n" + open + "\n" + close + "\n" + close + "\n", 6, "never closed"},
		{"attribute on closing", open + "\n" + `{{< /kerattavat-tiedot sailytys="3y" >}}` + "\n", 7, "closing shortcode takes no attributes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fieldsVersion(t, tc.body)
			var se *SourceError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SourceError", err)
			}
			if se.Line != tc.line || !strings.Contains(se.En, tc.want) {
				t.Errorf("got %s:%d %q, want line %d and %q", se.File, se.Line, se.En, tc.line, tc.want)
			}
		})
	}
}

func TestRefreshFields(t *testing.T) {
	// A placeholder is filled.
	v, err := fieldsVersion(t, "Alku.\n\n{{< kerattavat-tiedot >}}\n\nLoppu.\n")
	if err != nil {
		t.Fatal(err)
	}
	body, changed, err := RefreshFields(v, analytics.Fields, threeYears)
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	want := "Alku.\n\n" + ExpandFields(analytics.Fields, threeYears) + "\nLoppu.\n"
	if body != want {
		t.Fatalf("filled body:\n%s\nwant:\n%s", body, want)
	}
	// An out-of-date block is replaced; an up-to-date one stays.
	v.Body = strings.Replace(body, "3y", "1y", 1)
	body2, changed, err := RefreshFields(v, analytics.Fields, threeYears)
	if err != nil || !changed || body2 != want {
		t.Errorf("stale block not refreshed (changed=%v err=%v):\n%s", changed, err, body2)
	}
	v.Body = want
	if _, changed, _ := RefreshFields(v, analytics.Fields, threeYears); changed {
		t.Error("an up-to-date block was changed")
	}
	// No block, no placeholder: nothing to do.
	v.Body = "Alku.\n"
	if body, changed, err := RefreshFields(v, analytics.Fields, threeYears); changed || err != nil || body != v.Body {
		t.Errorf("a body without a block changed: %q %v %v", body, changed, err)
	}
}

func TestCheckCollector(t *testing.T) {
	good := "Sivuvierailuista tallennetaan:\n\n" + ExpandFields(analytics.Fields, threeYears)
	v, err := fieldsVersion(t, good)
	if err != nil {
		t.Fatal(err)
	}
	if ps := CheckCollector([]Version{v}, collector(true)); len(ps) != 0 {
		t.Errorf("an up-to-date block has problems: %v", ps)
	}

	// A field the collector stores that the statement lacks, and one the
	// statement lists that the collector does not store.
	fewer := analytics.Fields[:len(analytics.Fields)-1]
	more := append(slices.Clone(analytics.Fields), analytics.Field{Name: "screen", Label: "Näytön koko", FI: "näytön leveys", Purpose: "testi"})
	ps := CheckCollector([]Version{v}, Collector{Fields: more, Retention: threeYears})
	if len(ps) != 1 || !strings.Contains(ps[0].English, "missing or changed: screen") || ps[0].Severity != SeverityError || !strings.Contains(ps[0].English, "seloste notice new") {
		t.Errorf("missing field: %v", ps)
	}
	ps = CheckCollector([]Version{v}, Collector{Fields: fewer, Retention: threeYears})
	if len(ps) != 1 || !strings.Contains(ps[0].English, "extra or changed: Päivän suola") {
		t.Errorf("extra field: %v", ps)
	}
	if ps[0].Line != 8 {
		t.Errorf("problem on line %d, want the block's opening tag, line 8", ps[0].Line)
	}

	// Retention differs from the configured one.
	ps = CheckCollector([]Version{v}, Collector{Fields: analytics.Fields, Retention: analytics.Retention{Years: 2}, Configured: true})
	if len(ps) != 1 || !strings.Contains(ps[0].English, `retention (sailytys="3y") is not the collector's configured retention (2y)`) {
		t.Errorf("retention: %v", ps)
	}
	// ... but not compared when no collector is configured nor retention given.
	if ps := CheckCollector([]Version{v}, Collector{Fields: analytics.Fields, Retention: analytics.Retention{Years: 2}}); len(ps) != 0 {
		t.Errorf("retention compared without a collector: %v", ps)
	}
	// The sentence must match the tag.
	v2, _ := fieldsVersion(t, strings.Replace(good, "säilytetään 3 vuotta", "säilytetään 5 vuotta", 1))
	if ps := CheckCollector([]Version{v2}, collector(false)); len(ps) != 1 || !strings.Contains(ps[0].English, "lacks the sentence") {
		t.Errorf("retention sentence: %v", ps)
	}

	// Hand-written text inside the block.
	v4, _ := fieldsVersion(t, strings.Replace(good, "\nSivuvierailutiedot", "\nTämä lisättiin käsin.\n\nSivuvierailutiedot", 1))
	if ps := CheckCollector([]Version{v4}, collector(false)); len(ps) != 1 || !strings.Contains(ps[0].English, "holds more than the list") {
		t.Errorf("hand-written text in the block: %v", ps)
	}

	// No block: only an error when a collector is configured.
	v3, _ := fieldsVersion(t, "Sivuvierailuista ei kerrota.\n")
	if ps := CheckCollector([]Version{v3}, collector(false)); len(ps) != 0 {
		t.Errorf("no block, no collector: %v", ps)
	}
	ps = CheckCollector([]Version{v3}, collector(true))
	if len(ps) != 1 || !strings.Contains(ps[0].English, "lacks the list of data the collector stores") || !strings.Contains(ps[0].English, "time, site, visitor") {
		t.Errorf("no block, collector: %v", ps)
	}
}

func TestCheckGoogleAnalytics(t *testing.T) {
	block := "\n" + ExpandFields(analytics.Fields, threeYears)
	for _, tc := range []struct {
		text  string
		named bool
	}{
		{"Verkkosivuvierailuista koostetaan Googlen Analytics -työkaluja hyödyntäen tilastoja, joita ei liitetä yksittäisen asiakkaan henkilötietoihin.", true},
		{"Käytämme Google Analyticsia.", true},
		{"Sivustolla käytetään Google Universal Analytics -palvelua.", true},
		{"Seurantakoodi ladataan osoitteesta www.googletagmanager.com.", true},
		{"Sivustolla ei käytetä Google Analyticsia.", false},
		{"Tilastot kerätään ilman Google Analyticsia.", false},
		{"Google Analyticsin käytöstä on luovuttu.", false},
		{"Sivustolla ei käytetä evästeitä eikä Googlen tai muiden kolmansien osapuolten analytiikkapalveluja.", false},
		{"Tietoja ei luovuteta Googlelle.", false},
	} {
		v, err := fieldsVersion(t, "Alku.\n\n"+tc.text+"\n"+block)
		if err != nil {
			t.Fatal(err)
		}
		ps := CheckCollector([]Version{v}, collector(true))
		if got := len(ps) == 1 && strings.Contains(ps[0].English, "Google Analytics"); got != tc.named || len(ps) > 1 {
			t.Errorf("%q: problems %v, want Google Analytics named: %v", tc.text, ps, tc.named)
		}
		if tc.named && len(ps) == 1 && ps[0].Line != 8 {
			t.Errorf("%q: reported on line %d, want 8", tc.text, ps[0].Line)
		}
		// Without a collector, naming it is the owner's business.
		if ps := CheckCollector([]Version{v}, collector(false)); len(ps) != 0 {
			t.Errorf("%q: problems without a collector: %v", tc.text, ps)
		}
	}
}

// The 2020 statement, as the only version, with a collector configured:
// it names Google Analytics and has no list of collected data.
func TestCheckCollectorOn2020(t *testing.T) {
	vs := mustLoad(t, contentDir)
	v := vs[0]
	if v.Slug() != "2020-02-08" {
		t.Fatalf("first version is %s", v.Slug())
	}
	ps := CheckCollector([]Version{v}, collector(true))
	var ga, missing bool
	for _, p := range ps {
		if p.Severity != SeverityError {
			t.Errorf("not an error: %v", p)
		}
		ga = ga || strings.Contains(p.English, "Google Analytics")
		missing = missing || strings.Contains(p.English, "lacks the list")
	}
	if !ga || !missing {
		t.Errorf("2020 with a collector: problems %v; want Google Analytics and the missing list", ps)
	}
	if ps := CheckCollector([]Version{v}, collector(false)); len(ps) != 0 {
		t.Errorf("2020 without a collector: %v", ps)
	}
}

// The current version describes exactly the registry, the default
// retention, and has no Art. 13 warnings or notes at all — but for fields
// stored only on request that came after it (imported statistics), which
// it may leave out until the next version (see withoutGated).
func TestCurrentVersionTellsTheTruth(t *testing.T) {
	vs := mustLoad(t, contentDir)
	cur, _ := Current(vs)
	if ps := withoutGated(t, append(CheckCollector(vs, collector(true)), Art13(cur)...)); len(ps) != 0 {
		t.Errorf("%s: %v", filepath.Base(cur.File), ps)
	}
}

// withoutGated drops the warnings about Gated fields that a
// version does not describe: a version published before such a field is
// not wrong, and nothing of it can be stored until one describes it
// (TestDescribesField).
func withoutGated(t *testing.T, ps []Problem) []Problem {
	t.Helper()
	var out []Problem
	for _, p := range ps {
		onRequest := false
		for _, f := range analytics.Fields {
			onRequest = onRequest || (f.Gated && p.Severity == SeverityWarning && strings.Contains(p.English, "does not describe "+f.Name+" "))
		}
		if !onRequest {
			out = append(out, p)
		}
	}
	return out
}

// TestDescribesField: a command storing an Gated field refuses while
// the published statement (in any language shown) lacks it, saying what to
// do, and goes ahead once a version with the generated list is published.
func TestDescribesField(t *testing.T) {
	var field analytics.Field
	for _, f := range analytics.Fields {
		if f.Gated {
			field = f
		}
	}
	if field.Name == "" {
		t.Skip("no Gated field in the registry")
	}
	content := filepath.Join(t.TempDir(), "content")
	dir := SourceDir(content)
	if err := os.CopyFS(dir, os.DirFS(contentDir)); err != nil {
		t.Fatal(err)
	}
	err := DescribesField(content, field)
	if err == nil || !strings.Contains(err.Error(), "seloste notice new") {
		t.Fatalf("the committed statement: %v, want a refusal saying to run seloste notice new", err)
	}
	// A new version with the generated list, in every language.
	for _, suffix := range []string{"", ".sv", ".en"} {
		src, err := os.ReadFile(filepath.Join(dir, "2026-12-02"+suffix+".md"))
		if err != nil {
			t.Fatal(err)
		}
		lang := "fi"
		if suffix != "" {
			lang = suffix[1:]
		}
		v, err := Parse(filepath.Join(dir, "2026-12-03"+suffix+".md"), date("2026-12-03"), src)
		if err != nil {
			t.Fatal(err)
		}
		v.Lang = lang
		body, changed, err := RefreshFields(v, analytics.Fields, analytics.DefaultRetention)
		if err != nil || !changed {
			t.Fatalf("refresh %s: changed %v, %v", suffix, changed, err)
		}
		out := strings.Replace(string(src), v.Body, body, 1)
		if err := os.WriteFile(filepath.Join(dir, "2026-12-03"+suffix+".md"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		if suffix == ".sv" {
			// Until the Swedish translation has it, the Swedish site lacks it.
			if err := DescribesField(content, field); err == nil {
				t.Error("went ahead with the Swedish translation lacking the field")
			}
		}
	}
	if err := DescribesField(content, field); err != nil {
		t.Errorf("with a version that describes it: %v", err)
	}
}
