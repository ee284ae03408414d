package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/notice"
)

// With the collector configured, the 2020 statement fails the check: it
// names Google Analytics and has no list of what the collector stores.
func TestNoticeCheck2020WithCollectorFails(t *testing.T) {
	content, dir := statementCopy2020(t)
	out, _, err := runNoticeCmd(t, "check", "-content", content, "-site", "example.fi")
	if !errors.Is(err, errExit1) {
		t.Fatalf("err = %v, want exit 1\n%s", err, out)
	}
	file := filepath.Join(dir, "2020-02-08.md")
	for _, want := range []string{
		file + ":53: error: [Art. 13(1)(e)] seloste kertoo sivuvierailut tilastoitavan Google Analyticsilla",
		file + ":7: error: [Art. 13(1)(c)] selosteesta puuttuu keräimen tallentamien tietojen luettelo",
		"missing fields: time, site, visitor, visit, pageview, page, hashroute, referrer, location, browser, duration, scroll, bot, consent, imported, salt",
		"seloste notice new",
		// Nor does it say on what terms visits are counted.
		file + ":7: error: [Art. 13(1)(c)] selosteesta ei käy ilmi, millä ehdoilla sivuvierailuja tilastoidaan",
		"3 virhettä / errors, 7 varoitusta / warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// The current statement passes with no error, warning or note, with and
// without a collector, but for warnings per language: it came before
// imported statistics, scroll depth and consent counts, so it does not
// describe them and none is stored until a new version does; a different
// configured retention fails it. Its page-visit legal basis, written by
// hand before the generated paragraph, is legitimate interest: checked
// with consent = "exempt", each language warns that it is hand-written,
// and the exemption's conditions are listed (3y is longer than 25 months;
// Finland expects consent).
func TestNoticeCheckCurrentTellsTheTruth(t *testing.T) {
	content, dir := statementCopy(t)
	for _, tc := range []struct {
		args   []string
		counts string
	}{
		{[]string{"check", "-content", content}, "0 virhettä / errors, 12 varoitusta / warnings, 0 huomiota / notes"},
		{[]string{"check", "-content", content, "-site", "example.fi", "-consent", "exempt", "-retention", "3y"}, "0 virhettä / errors, 17 varoitusta / warnings, 7 huomiota / notes"},
		{[]string{"check", "-content", content, "-site", "example.fi", "-consent", "exempt", "-retention", "36mo"}, "0 virhettä / errors, 17 varoitusta / warnings, 7 huomiota / notes"},
	} {
		args := tc.args
		out, _, err := runNoticeCmd(t, args...)
		if err != nil || !strings.Contains(out, "voimassa / current: 2026-12-02; "+tc.counts) ||
			strings.Count(out, "the list does not describe imported (Imported statistics), so none is stored until a version that describes it is published: a published version cannot change: run seloste notice new") != 3 ||
			strings.Count(out, "the list does not describe scroll (Scroll depth), so none is stored until a version that describes it is published") != 3 ||
			strings.Count(out, "the list does not describe consent (Consent counts), so none is stored until a version that describes it is published") != 3 {
			t.Errorf("%v: err = %v\n%s", args[3:], err, out)
		}
	}

	// The retention from a config file, as seloste serve reads it.
	cfg := filepath.Join(t.TempDir(), "seloste.toml")
	if err := os.WriteFile(cfg, []byte("retention = \"2y\"\nconsent = \"exempt\"\n\n[[site]]\ndomain = \"example.fi\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runNoticeCmd(t, "check", "-content", content, "-config", cfg)
	// Every language's list states the retention, so each is wrong.
	for _, file := range []string{"2026-12-02.md", "2026-12-02.sv.md", "2026-12-02.en.md"} {
		want := filepath.Join(dir, file) + ":61: error: [Art. 13(2)(a)] selosteen säilytysaika (sailytys=\"3y\") ei ole keräimen asetettu säilytysaika (2y)"
		if !errors.Is(err, errExit1) || !strings.Contains(out, want) {
			t.Errorf("retention 2y in the config: err = %v, want %q in\n%s", err, want, out)
		}
	}
	// The published version predates the Gated fields: each language warns
	// of each, and of its hand-written legal basis; the exemption warns
	// that Finland expects consent (2y is within 25 months).
	gated := 0
	for _, f := range analytics.Fields {
		if f.Gated {
			gated++
		}
	}
	if want := fmt.Sprintf("; 3 virhettä / errors, %d varoitusta / warnings", 3*gated+4); !strings.Contains(out, want) {
		t.Errorf("want three errors and %d warnings counted: %s", 3*gated+4, out)
	}
	out, _, _ = runNoticeCmd(t, "check", "-content", content, "-site", "example.fi", "-consent", "exempt", "-retention", "1y")
	if !strings.Contains(out, "; 3 virhettä / errors") {
		t.Errorf("retention 1y: %s", out)
	}
	// A broken config is an error, not a silently unconfigured collector.
	if err := os.WriteFile(cfg, []byte("retenshun = \"2y\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runNoticeCmd(t, "check", "-content", content, "-config", cfg); err == nil || !strings.Contains(err.Error(), "unknown key") {
		t.Errorf("broken config: err = %v", err)
	}
	if _, _, err := runNoticeCmd(t, "check", "-content", content, "-config", cfg+".missing"); err == nil {
		t.Error("a missing -config file was ignored")
	}
}

// "notice new" writes the registry's list with the configured retention
// into the draft; "notice fields" prints the same block.
func TestNoticeNewWritesFieldsBlock(t *testing.T) {
	content, dir := statementCopy(t)
	// The fixture's terms (legitimate interest): notice new writes them
	// as the generated paragraph.
	stdout, _, err := runNoticeCmd(t, "new", "-content", content, "-date", "2026-12-05", "-retention", "18mo", "-site", "example.fi", "-consent", "exempt")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"2026-12-05.md", "2026-12-05.sv.md", "2026-12-05.en.md"} {
		if !strings.Contains(stdout, filepath.Join(dir, file)) {
			t.Errorf("notice new does not name %s:\n%s", file, stdout)
		}
	}
	draft := readFile(t, filepath.Join(dir, "2026-12-05.md"))
	block, _, err := runNoticeCmd(t, "fields", "-retention", "18mo")
	if err != nil {
		t.Fatal(err)
	}
	if block != notice.ExpandFields(analytics.Fields, analytics.Retention{Months: 18}) || !strings.Contains(block, "säilytetään 18 kuukautta") {
		t.Errorf("fields printed:\n%s", block)
	}
	if !strings.Contains(draft, block) || strings.Count(draft, "kerattavat-tiedot") != 2 {
		t.Errorf("the draft lacks the refreshed block:\n%s", draft)
	}
	if strings.Contains(draft, `sailytys="3y"`) {
		t.Error("the draft still has the old retention")
	}
	// The draft is checked against the collector too.
	out, _, err := runNoticeCmd(t, "check", "-content", content, "-site", "example.fi", "-consent", "exempt", "-retention", "18mo")
	if !errors.Is(err, errExit1) || !strings.Contains(out, "2026-12-02.md:61: error") || strings.Contains(out, "2026-12-05.md:61: error") {
		t.Errorf("check with 18mo: the current version (3y) should fail, the draft (18mo) pass:\n%s", out)
	}
	// The translation drafts have their lists in their own language, with
	// the new retention.
	sv := readFile(t, filepath.Join(dir, "2026-12-05.sv.md"))
	if !strings.Contains(sv, notice.ExpandFieldsIn(analytics.Fields, analytics.Retention{Months: 18}, "sv")) || !strings.Contains(sv, "sparas i 18 månader") || !strings.Contains(sv, notice.TranslationMarker) {
		t.Errorf("the Swedish draft lacks its list or its marker:\n%s", sv)
	}
	if strings.Contains(out, "2026-12-05.sv.md:") {
		t.Errorf("the Swedish draft's list is reported:\n%s", out)
	}
	block, _, _ = runNoticeCmd(t, "fields", "-lang", "en", "-retention", "18mo")
	if !strings.Contains(block, "Page visit data is kept for 18 months") {
		t.Errorf("fields -lang en:\n%s", block)
	}
}
