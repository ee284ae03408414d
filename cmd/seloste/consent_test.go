package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/notice"
)

// consentStatement writes the statement "seloste init" writes for
// example.fi in fi, sv and en, with the sites' terms mode, dated
// yesterday so that notice new can add today's version. It returns the
// content folder and the statement's folder.
func consentStatement(t *testing.T, mode analytics.Consent) (content, dir string) {
	t.Helper()
	content = filepath.Join(t.TempDir(), "content")
	dir = notice.SourceDir(content)
	cfg := defaultServeConfig()
	cfg.Sites = []siteConfig{{Domain: "example.fi"}}
	cfg.Consent = string(mode)
	set, err := cfg.check()
	if err != nil {
		t.Fatal(err)
	}
	_, err = notice.WriteStart(dir, notice.Start{
		Controller: notice.Controller{Name: "Esimerkki Oy", Address: "Esimerkkikatu 1, 00100 Helsinki", Email: "tietosuoja@esimerkki.invalid"},
		Sites:      []string{"example.fi"},
		Collector: notice.Collector{Fields: analytics.StatementFields(set.events), Retention: set.retention, Sites: []string{"example.fi"},
			Configured: true, Consent: siteTerms(set.sites)},
		Languages: []string{notice.Finnish, "sv", "en"},
		Date:      notice.Today(time.Now()).AddDate(0, 0, -1),
	})
	if err != nil {
		t.Fatal(err)
	}
	return content, dir
}

// TestNoticeConsentMode: a statement written for consent = "required"
// fails notice check in every language when the configuration says
// exempt, and serve refuses to start on it, saying why and what to do;
// notice new writes the exempt paragraph, and once that version is
// published both pass. Exempt lists the exemption's conditions and warns
// that Finland expects consent.
func TestNoticeConsentMode(t *testing.T) {
	content, dir := consentStatement(t, analytics.ConsentRequired)
	yesterday := notice.Today(time.Now()).AddDate(0, 0, -1).Format(notice.DateLayout)
	out, _, err := runNoticeCmd(t, "check", "-content", content, "-site", "example.fi")
	if err != nil || !strings.Contains(out, "0 virhettä / errors, 0 varoitusta / warnings") || !strings.Contains(out, "suostumus / consent required") {
		t.Errorf("required on a required statement: %v\n%s", err, out)
	}

	out, _, err = runNoticeCmd(t, "check", "-content", content, "-site", "example.fi", "-consent", "exempt")
	if !errors.Is(err, errExit1) {
		t.Fatalf("exempt on a required statement: err = %v\n%s", err, out)
	}
	for _, file := range []string{yesterday + ".md", yesterday + ".sv.md", yesterday + ".en.md"} {
		want := filepath.Join(dir, file) + ":"
		found := false
		for _, l := range strings.Split(out, "\n") {
			found = found || strings.HasPrefix(l, want) && strings.Contains(l, ": error: [Art. 13(1)(c)] selosteen sivuvierailujen oikeusperuste ei vastaa asetusta consent (example.fi: selosteessa suostumus (required), asetuksissa ei suostumusta, oikeutettu etu (exempt))")
		}
		if !found {
			t.Errorf("no mismatch error for %s:\n%s", file, out)
		}
	}
	for _, want := range []string{"exemption condition: first party only — met", `geo_precision = "city": the city is kept`,
		`retention = "3y" is longer than the 25 months`, "section 205 of the Act on Electronic Communications Services", "Traficom",
		"3 virhettä / errors, 2 varoitusta / warnings, 13 huomiota / notes", "suostumus / consent exempt"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}

	// serve refuses before it opens anything.
	db := filepath.Join(t.TempDir(), "seloste.db")
	serveArgs := []string{"serve", "-addr", "127.0.0.1:0", "-site", "example.fi", "-consent", "exempt", "-content", content,
		"-db", db, "-geoip", "none", "-public", filepath.Join(t.TempDir(), "public"), "-build-notice=false"}
	err = run(context.Background(), serveArgs, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, yesterday+".md")) ||
		!strings.Contains(err.Error(), "example.fi: the statement says consent (required), the configuration no consent, legitimate interest (exempt)") ||
		!strings.Contains(err.Error(), "run seloste notice new") {
		t.Errorf("serve on a mismatched statement: %v", err)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the refused serve created its database: %v", err)
	}

	// notice fields -basis prints the paragraph notice new writes.
	basis, _, err := runNoticeCmd(t, "fields", "-basis", "-lang", "sv", "-site", "example.fi", "-consent", "exempt")
	if err != nil || basis != notice.ExpandConsentIn(notice.UniformConsent([]string{"example.fi"}, analytics.ConsentExempt), "sv") {
		t.Errorf("fields -basis: %v\n%s", err, basis)
	}

	// notice new writes the exempt paragraph into every language's draft.
	if out, _, err := runNoticeCmd(t, "new", "-content", content, "-site", "example.fi", "-consent", "exempt"); err != nil {
		t.Fatalf("notice new: %v\n%s", err, out)
	}
	today := notice.Today(time.Now()).Format(notice.DateLayout)
	for _, lang := range []string{notice.Finnish, "sv", "en"} {
		file := filepath.Join(dir, today+".md")
		if lang != notice.Finnish {
			file = filepath.Join(dir, today+"."+lang+".md")
		}
		src := readFile(t, file)
		if !strings.Contains(src, `{{< oikeusperuste suostumus="exempt" >}}`) || strings.Contains(src, `suostumus="required"`) {
			t.Errorf("%s lacks the exempt paragraph", file)
		}
		// Published, as the owner would after reading it.
		var kept []string
		for _, l := range strings.SplitAfter(src, "\n") {
			if l != "draft: true\n" && !strings.Contains(l, notice.TranslationMarker) {
				kept = append(kept, l)
			}
		}
		src = strings.Replace(strings.Join(kept, ""), notice.SummaryPlaceholder, "Tilastoinnin ehdot", 1)
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err = runNoticeCmd(t, "check", "-content", content, "-site", "example.fi", "-consent", "exempt")
	if err != nil || !strings.Contains(out, "0 virhettä / errors, 2 varoitusta / warnings") {
		t.Errorf("exempt after notice new: %v\n%s", err, out)
	}
	if err := notice.ConsentStated(content, notice.UniformConsent([]string{"example.fi"}, analytics.ConsentExempt)); err != nil {
		t.Errorf("the serve gate after notice new: %v", err)
	}
	// And required now fails in turn.
	if _, _, err := runNoticeCmd(t, "check", "-content", content, "-site", "example.fi"); !errors.Is(err, errExit1) {
		t.Errorf("required on the exempt statement: err = %v", err)
	}
}
