package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/notice"
)

var initArgs = []string{"init",
	"-controller", "Esimerkki Oy", "-business-id", "1234567-1", "-address", "Esimerkkikatu 1 A, 00100 Helsinki",
	"-contact", "Maija Esimerkki", "-phone", "+358 40 000 0000", "-email", "tietosuoja@esimerkki.invalid",
	"-site", "esimerkki.invalid", "-site", "kauppa.esimerkki.invalid", "-retention", "18mo", "-languages", "fi,en"}

// helsinkiToday is the date init gives the first version.
func helsinkiToday(t *testing.T) string {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	return time.Now().In(loc).Format(notice.DateLayout)
}

// TestInit: in an empty folder, init writes a configuration that serve's
// strict loader reads and a statement that notice check passes with no
// error and no warning; the site builds; a second init changes nothing.
func TestInit(t *testing.T) {
	themes, err := filepath.Abs("../../themes")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	today := helsinkiToday(t)
	out, _, err := runCmd(t, initArgs...)
	if err != nil {
		t.Fatal(err)
	}
	fi := filepath.Join("content", notice.Dir, today+".md")
	en := filepath.Join("content", notice.Dir, today+".en.md")
	for _, want := range []string{"seloste.toml", fi, en, "seloste notice check", "seloste notice build", "seloste serve",
		`<script defer src="https://STATS-HOST/s.js" data-site="esimerkki.invalid"></script>`,
		`<script defer src="https://STATS-HOST/s.js" data-site="kauppa.esimerkki.invalid"></script>`} {
		if !strings.Contains(out, want) {
			t.Errorf("init's output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join("content", notice.Dir, today+".sv.md")); !os.IsNotExist(err) {
		t.Errorf("a Swedish version without -languages sv: %v", err)
	}

	cfg := defaultServeConfig()
	if err := loadServeConfig("seloste.toml", &cfg); err != nil {
		t.Fatal(err)
	}
	var domains []string
	for _, s := range cfg.Sites {
		domains = append(domains, s.Domain)
	}
	if !slices.Equal(domains, []string{"esimerkki.invalid", "kauppa.esimerkki.invalid"}) || cfg.Retention != "18mo" || cfg.DB != "seloste.db" || cfg.Consent != "required" {
		t.Errorf("seloste.toml: sites %v, retention %q, db %q, consent %q", domains, cfg.Retention, cfg.DB, cfg.Consent)
	}
	// Without -consent, the statement asks consent, in each language.
	terms := notice.UniformConsent(domains, analytics.ConsentRequired)
	if !strings.Contains(readFile(t, fi), notice.ExpandConsentIn(terms, notice.Finnish)) || !strings.Contains(readFile(t, en), notice.ExpandConsentIn(terms, "en")) {
		t.Error("the statement lacks the required legal-basis paragraph")
	}

	// notice check reads ./seloste.toml: the collector it describes.
	out, _, err = runNoticeCmd(t, "check")
	if err != nil || !strings.Contains(out, "0 virhettä / errors, 0 varoitusta / warnings") ||
		!strings.Contains(out, "keräin / collector: esimerkki.invalid, kauppa.esimerkki.invalid, säilytys / retention 18mo, suostumus / consent required") {
		t.Errorf("notice check after init: %v\n%s", err, out)
	}

	var stdout, stderr bytes.Buffer
	if err := run(t.Context(), []string{"notice", "build", "-themes", themes, "-out", "public"}, &stdout, &stderr); err != nil {
		t.Fatalf("notice build: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	page := readFile(t, filepath.Join("public", "tietosuojaseloste", "index.html"))
	if !strings.Contains(page, "Esimerkki Oy") || strings.Contains(page, notice.AdaptMarker) {
		t.Errorf("the built page lacks the controller or shows the adapt marks")
	}
	if lock := readFile(t, filepath.Join("content", notice.Dir, notice.LockFile)); !strings.Contains(lock, today+".en ") {
		t.Errorf("the build did not lock the English version:\n%s", lock)
	}

	// A second init refuses, and leaves everything as it was.
	before := readFile(t, fi)
	_, _, err = runCmd(t, initArgs...)
	if err == nil || !strings.Contains(err.Error(), "seloste.toml") || !strings.Contains(err.Error(), "not overwritten") {
		t.Errorf("second init: %v", err)
	}
	if err := os.Remove("seloste.toml"); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, initArgs...)
	if err == nil || !strings.Contains(err.Error(), today) || !strings.Contains(err.Error(), "seloste notice new") {
		t.Errorf("init over a statement: %v", err)
	}
	if readFile(t, fi) != before {
		t.Error("a refused init changed the statement")
	}
	if _, err := os.Stat("seloste.toml"); !os.IsNotExist(err) {
		t.Errorf("a refused init wrote seloste.toml: %v", err)
	}
}

func TestInitDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	out, _, err := runCmd(t, append(initArgs, "-dir", dir)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "cd "+dir) {
		t.Errorf("init -dir does not say to cd there:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "seloste.toml")); err != nil {
		t.Error(err)
	}
	out, _, err = runNoticeCmd(t, "check", "-content", filepath.Join(dir, "content"), "-config", filepath.Join(dir, "seloste.toml"))
	if err != nil || !strings.Contains(out, "0 virhettä / errors, 0 varoitusta / warnings") {
		t.Errorf("notice check: %v\n%s", err, out)
	}
}

// TestInitFlagErrors: a bad value is an error naming its flag, and nothing
// is written.
func TestInitFlagErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	with := func(flag, value string) []string {
		args := slices.Clone(initArgs)
		i := slices.Index(args, flag)
		args[i+1] = value
		return args
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{with("-business-id", "1234567-8"), "-business-id 1234567-8: tarkistusmerkki ei täsmää / check digit does not match"},
		{with("-business-id", "123456-7"), "-business-id 123456-7: anna muodossa 1234567-8"},
		{with("-email", "Maija <m@esimerkki.invalid>"), "-email Maija <m@esimerkki.invalid>: "},
		{with("-email", "m@localhost"), "-email m@localhost: "},
		{with("-email", "m@-bad-.fi"), "-email m@-bad-.fi: "},
		{with("-site", "https://example.fi/"), "-site https://example.fi/: anna pelkkä verkkotunnus: example.fi"},
		{with("-site", "Example.fi"), "give the domain only: example.fi"},
		{with("-site", "esimerkki..fi"), "-site esimerkki..fi: "},
		{with("-site", "ääkköset.fi"), "punycode"},
		{with("-phone", "soita minulle"), "-phone soita minulle: "},
		{with("-retention", "forever"), "-retention forever: "},
		{with("-languages", "sv,en"), "-languages sv,en: suomi (fi) on pakollinen"},
		{with("-languages", "fi,de"), "-languages fi,de: "},
		{with("-languages", "fi,en,fi"), "-languages fi,en,fi: "},
		{with("-site", "kauppa.esimerkki.invalid"), "-site kauppa.esimerkki.invalid: annettu kahdesti / given twice"},
		{append(slices.Clone(initArgs), "-consent", "sometimes"), `-consent sometimes: consent "sometimes": want required`},
		{append(slices.Clone(initArgs), "stray"), `unexpected argument "stray"`},
	} {
		_, _, err := runCmd(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error containing %q", tc.args[len(tc.args)-2:], err, tc.want)
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("refused inits wrote %v", entries)
	}
}

// TestInitAsks: without a terminal, missing values are an error naming the
// flags; on one, init asks for them, again until an answer is valid.
func TestInitAsks(t *testing.T) {
	t.Chdir(t.TempDir())
	var stdout, stderr bytes.Buffer
	err := initSite([]string{"-controller", "Esimerkki Oy", "-phone", "+358 40 000 0000"}, strings.NewReader(""), false, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "-address, -email, -site") || strings.Contains(err.Error(), "-phone") {
		t.Errorf("missing flags without a terminal: %v", err)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 0 {
		t.Errorf("a refused init wrote %v", entries)
	}

	answers := strings.Join([]string{
		"1234567-8",                       // business ID: bad check digit, asked again
		"1234567-1",                       // business ID
		"",                                // address: required, asked again
		"Esimerkkikatu 1, 00100 Helsinki", // address
		"",                                // contact: optional, left empty
		"tietosuoja@esimerkki.invalid",    // email
		"localhost",                       // site
		"maybe",                           // consent: not a mode, asked again
		"exempt",                          // consent
	}, "\n") + "\n"
	stdout.Reset()
	stderr.Reset()
	err = initSite([]string{"-controller", "Esimerkki Oy", "-phone", "+358 40 000 0000", "-languages", "fi"}, strings.NewReader(answers), true, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	asked := stderr.String()
	for _, want := range []string{"Y-tunnus, jos on", "check digit does not match", "pakollinen / required", "Yhteyshenkilö", "Sähköpostiosoite", "verkkotunnus",
		"required: kävijältä kysytään suostumus", "exempt:   oma arviosi", `consent "maybe": want required`} {
		if !strings.Contains(asked, want) {
			t.Errorf("the questions lack %q:\n%s", want, asked)
		}
	}
	if strings.Contains(asked, "Rekisterinpitäjä (") || strings.Contains(asked, "Puhelinnumero") {
		t.Errorf("init asked for a value its flag gave:\n%s", asked)
	}
	src := readFile(t, filepath.Join("content", notice.Dir, helsinkiToday(t)+".md"))
	if !strings.Contains(src, "Y-tunnus: 1234567-1") || !strings.Contains(src, "sivuston localhost") || strings.Contains(src, "Maija") ||
		!strings.Contains(src, notice.ExpandConsentIn(notice.UniformConsent([]string{"localhost"}, analytics.ConsentExempt), notice.Finnish)) {
		t.Errorf("the statement does not say what was answered:\n%s", src)
	}
	if toml := readFile(t, "seloste.toml"); !strings.Contains(toml, "\nconsent = \"exempt\"\n") {
		t.Errorf("seloste.toml does not say the answered consent:\n%s", toml)
	}

	// The end of input ends the questions; what is still missing is named.
	t.Chdir(t.TempDir())
	err = initSite(nil, strings.NewReader("Esimerkki Oy\n"), true, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "missing: -address, -email, -site") {
		t.Errorf("answers ending early: %v", err)
	}
}
