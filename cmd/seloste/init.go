package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/notice"
)

func runInit(_ context.Context, args []string, stdout, stderr io.Writer) error {
	return initSite(args, os.Stdin, isTerminal(os.Stdin), stdout, stderr)
}

// initQuestion is one value of init: its flag, and how it is asked and
// checked when the flag is not given.
type initQuestion struct {
	flag, help string
	required   bool
	value      *string
	check      func(string) error
}

// initSite is "seloste init": it asks for what the flags leave out when
// interactive (reading answers from in), then writes seloste.toml and the
// first version of the statement into -dir, never overwriting a file.
func initSite(args []string, in io.Reader, interactive bool, stdout, stderr io.Writer) error {
	flags := newFlagSet("init", "[-dir .] [-controller NAME] [-business-id 1234567-8] [-address ADDRESS] [-contact NAME] [-phone NUMBER] [-email ADDRESS] [-site DOMAIN ...] [-consent required|exempt] [-retention 3y] [-languages fi,sv,en]", stderr)
	var (
		dir        = flags.String("dir", ".", "`folder` to write seloste.toml and content/"+notice.Dir+"/ into")
		controller = new(string)
		businessID = new(string)
		address    = new(string)
		contact    = new(string)
		phone      = new(string)
		email      = new(string)
		sites      listFlag
		siteText   string
		consent    = new(string)
		retention  = flags.String("retention", analytics.DefaultRetention.String(), "how long page visits are kept: Ny, Nmo, Nw or Nd")
		languages  = flags.String("languages", "fi,sv,en", "the statement's `languages`, comma-separated: fi, and sv and en if wanted")
	)
	questions := []initQuestion{
		{flag: "controller", help: "Rekisterinpitäjä (yrityksen tai yhteisön nimi) / controller (name of the company or organisation)", required: true, value: controller, check: oneLine},
		{flag: "business-id", help: "Y-tunnus, jos on (1234567-8) / Finnish business ID, if any", value: businessID, check: notice.CheckBusinessID},
		{flag: "address", help: "Postiosoite (katu, postinumero ja toimipaikka pilkuin eroteltuina) / postal address (street, postcode and town, comma-separated)", required: true, value: address, check: oneLine},
		{flag: "contact", help: "Yhteyshenkilö tietosuoja-asioissa, jos on / contact person on data protection, if any", value: contact, check: oneLine},
		{flag: "phone", help: "Puhelinnumero, jos julkaistaan / phone number, if published", value: phone, check: checkPhone},
		{flag: "email", help: "Sähköpostiosoite tietosuojapyynnöille / email address for data-protection requests", required: true, value: email, check: checkEmail},
		{flag: "site", help: "Seurattavan sivuston verkkotunnus, esim. example.fi (useita pilkuin) / tracked site's domain, e.g. example.fi (several comma-separated)", required: true, value: &siteText, check: checkSites},
		{flag: "consent", help: "Tilastoinnin ehdot / the statistics' terms:\n" +
			"  required: kävijältä kysytään suostumus, eikä mitään lähetetä ennen sitä (oletus; Suomessa lähtökohta) / visitors are asked first and nothing is sent before they agree (default; what Finland expects)\n" +
			"  exempt:   oma arviosi, ettei näin rajattu tilastointi tarvitse suostumusta; seloste kertoo perusteen / your own assessment that statistics this limited need no consent; the statement gives the basis (docs/consent.md)\n" +
			"required vai exempt / required or exempt [required]", value: consent, check: checkConsent},
	}
	for _, q := range questions {
		if q.flag == "site" {
			flags.Var(&sites, "site", q.help+" (repeatable)")
			continue
		}
		flags.StringVar(q.value, q.flag, "", q.help)
	}
	if err := parseFlags(flags, args, ""); err != nil {
		return err
	}
	siteText = sites.String()

	for i, d := range sites {
		if err := checkDomain(d); err != nil {
			return fmt.Errorf("-site %s: %w", d, err)
		}
		if slices.Contains(sites[:i], d) {
			return fmt.Errorf("-site %s: annettu kahdesti / given twice", d)
		}
	}
	for _, q := range questions {
		if *q.value == "" || q.flag == "site" {
			continue
		}
		if err := q.check(*q.value); err != nil {
			return fmt.Errorf("-%s %s: %w", q.flag, *q.value, err)
		}
	}
	ret, err := analytics.ParseRetention(*retention)
	if err != nil {
		return fmt.Errorf("-retention %s: %w", *retention, err)
	}
	var langs listFlag
	langs.Set(*languages)
	if !slices.Contains(langs, notice.Finnish) {
		return fmt.Errorf("-languages %s: suomi (fi) on pakollinen, sillä suomenkielinen teksti on ratkaiseva / fi is required: the Finnish text is the authoritative one", *languages)
	}
	for i, l := range langs {
		if _, ok := notice.LanguageOf(l); !ok || slices.Contains(langs[:i], l) {
			return fmt.Errorf("-languages %s: kielet ovat fi, sv ja en, kukin kerran / the languages are fi, sv and en, each once", *languages)
		}
	}

	if interactive {
		if err := askMissing(questions, in, stderr); err != nil {
			return err
		}
	}
	var missing []string
	for _, q := range questions {
		if q.required && *q.value == "" {
			missing = append(missing, "-"+q.flag)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("init: puuttuu / missing: %s (anna liput, tai aja init päätteessä, jolloin se kysyy / give the flags, or run init on a terminal, which asks)", strings.Join(missing, ", "))
	}
	sites = nil
	sites.Set(siteText)

	mode, err := analytics.ParseConsent(*consent)
	if err != nil {
		return fmt.Errorf("-consent: %w", err)
	}
	cfg := defaultServeConfig()
	cfg.Retention = ret.String()
	cfg.Consent = string(mode)
	for _, s := range sites {
		cfg.Sites = append(cfg.Sites, siteConfig{Domain: s})
	}
	set, err := cfg.check()
	if err != nil {
		return err
	}
	start := notice.Start{
		Controller: notice.Controller{Name: *controller, BusinessID: *businessID, Address: *address,
			Contact: *contact, Phone: *phone, Email: *email},
		Sites: sites,
		Collector: notice.Collector{Fields: analytics.StatementFields(set.events), Retention: set.retention, Sites: sites, Configured: true,
			Consent: siteTerms(set.sites)},
		Languages: langs,
		Date:      notice.Today(time.Now()),
	}

	configPath := filepath.Join(*dir, defaultConfigFile)
	if _, err := os.Stat(configPath); err == nil {
		return fmt.Errorf("%s on jo olemassa, sitä ei korvata / already exists, not overwritten", configPath)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	content := filepath.Join(*dir, "content")
	written, err := notice.WriteStart(notice.SourceDir(content), start)
	if err != nil {
		return err
	}
	if err := writeNewFile(configPath, initConfig(sites, ret, mode, start.Date)); err != nil {
		for _, w := range written {
			os.Remove(w)
		}
		return err
	}

	fmt.Fprintln(stdout, "Kirjoitettu / written:")
	for _, p := range append([]string{configPath}, written...) {
		fmt.Fprintln(stdout, "  "+p)
	}
	fmt.Fprint(stdout, initNextSteps(*dir, sites))
	return nil
}

// askMissing asks for every value the flags left out, each until it is
// valid. An optional value may be left empty; the end of input stops the
// questions, leaving the rest missing.
func askMissing(questions []initQuestion, in io.Reader, prompt io.Writer) error {
	sc := bufio.NewScanner(in)
	for _, q := range questions {
		for *q.value == "" {
			fmt.Fprintf(prompt, "%s: ", q.help)
			if !sc.Scan() {
				fmt.Fprintln(prompt)
				return sc.Err()
			}
			answer := strings.TrimSpace(sc.Text())
			if answer == "" {
				if !q.required {
					break
				}
				fmt.Fprintln(prompt, "  pakollinen / required")
				continue
			}
			if err := q.check(answer); err != nil {
				fmt.Fprintf(prompt, "  %s: %v\n", answer, err)
				continue
			}
			*q.value = answer
		}
	}
	return nil
}

func checkConsent(s string) error {
	_, err := analytics.ParseConsent(s)
	return err
}

func oneLine(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }) || strings.Contains(s, "{{") || strings.Contains(s, "-->") {
		return errors.New("vain tavallista tekstiä yhdellä rivillä / plain text on one line only")
	}
	return nil
}

// checkPhone accepts what people write as a phone number: digits, spaces,
// +, -, parentheses.
func checkPhone(s string) error {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-()", r):
		default:
			return errors.New("anna numero, esim. +358 40 123 4567 / give a number, e.g. +358 40 123 4567")
		}
	}
	if digits < 5 || digits > 15 {
		return errors.New("numerossa on 5–15 numeroa / a phone number has 5 to 15 digits")
	}
	return nil
}

func checkEmail(s string) error {
	a, err := mail.ParseAddress(s)
	at := strings.LastIndexByte(s, '@')
	if err != nil || a.Address != s || at < 1 || strings.ContainsAny(s, " <>\"") {
		return errors.New("anna pelkkä osoite, esim. tietosuoja@example.fi / give the address only, e.g. tietosuoja@example.fi")
	}
	domain := s[at+1:]
	if err := checkDomain(domain); err != nil || !strings.Contains(domain, ".") {
		return fmt.Errorf("verkkotunnus %q ei kelpaa / the domain %q is not valid", domain, domain)
	}
	return nil
}

func checkSites(s string) error {
	var l listFlag
	l.Set(s)
	if len(l) == 0 {
		return errors.New("anna sivuston verkkotunnus, esim. example.fi / give the site's domain, e.g. example.fi")
	}
	for i, d := range l {
		if err := checkDomain(d); err != nil {
			return err
		}
		if slices.Contains(l[:i], d) {
			return fmt.Errorf("%s annettu kahdesti / given twice", d)
		}
	}
	return nil
}

// checkDomain accepts a host name as the collector keys sites: lower case
// ASCII labels (punycode for international names), no scheme, port or
// path.
func checkDomain(d string) error {
	n, err := request.NormalizeHost(d)
	if err == nil && n != d {
		return fmt.Errorf("anna pelkkä verkkotunnus: %s / give the domain only: %s", n, n)
	}
	if err != nil || strings.Contains(d, ":") {
		return errors.New("anna verkkotunnus kirjaimin a–z, numeroin ja merkein - ja . (kansainväliset nimet punycode-muodossa, xn--…) / give a domain of a-z, 0-9, '-' and '.' (international names in punycode, xn--…)")
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return fmt.Errorf("%s ei ole verkkotunnus / is not a domain name", d)
		}
	}
	return nil
}

// writeNewFile writes a file init makes, never over an existing one.
func writeNewFile(path string, data []byte) error {
	err := notice.WriteNew(path, data)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s on jo olemassa, sitä ei korvata / already exists, not overwritten", path)
	}
	return err
}

// initConfig is the seloste.toml that init writes: the sites, the
// retention and the database, and the settings an owner changes first,
// commented. Every key is one of serveConfig's.
func initConfig(sites []string, ret analytics.Retention, consent analytics.Consent, date time.Time) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `# seloste's configuration, written by "seloste init" on %s.
# The commands run in this folder read it (seloste serve, seloste notice check …);
# its keys are the flags of "seloste serve -h", with _ for -.

# Where the collector, the dashboard and the statement's site listen. Behind a
# reverse proxy (Caddy, nginx) keep it on 127.0.0.1 and name the proxy in trust_proxy.
addr = "127.0.0.1:8080"
# trust_proxy = ["127.0.0.1"]

# The database, created on first start.
db = "seloste.db"

# How long page visits are kept. The statement says the same
# (sailytys="%s" in content/%s/): change them together, with
# "seloste notice new -retention …" for the statement.
retention = "%s"

# The terms the tracker runs on: "required" asks the visitor first and sends
# nothing before they agree; "exempt" is your own assessment that the statistics
# need no consent (see docs/consent.md). The statement's legal basis says the
# same: change them together, with "seloste notice new" for the statement.
consent = "%s"

# The location database; empty: looked for in /var/lib/seloste, /usr/share/GeoIP
# and /var/lib/GeoIP ("seloste geoip update" installs one there); "none": no location.
# geoip = ""

# The statement's sources and the site built from them.
content = "content"
public = "public"

# The tracked sites: the tracker tag's data-site names one of them.
`, date.Format(notice.DateLayout), ret, notice.Dir, ret, consent)
	for i, s := range sites {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "[[site]]\ndomain = %q\n", s)
		if i == 0 {
			b.WriteString("# origins = [\"shop.example.fi\"] # other hosts whose pages count for this site\n")
		}
	}
	return []byte(b.String())
}

// initNextSteps is what init prints after writing: how to go on.
func initNextSteps(dir string, sites []string) string {
	var b strings.Builder
	b.WriteString("\nSeuraavaksi / next:\n")
	if filepath.Clean(dir) != "." {
		fmt.Fprintf(&b, "  cd %s\n", dir)
	}
	fmt.Fprintf(&b, `  1. Lue seloste ja sovita kohdat, jotka on merkitty %[1]s (kommentteja, eivät näy sivustolla).
     Read the statement and adapt the paragraphs marked %[1]s (comments, not shown on the site).
  2. Tarkista / check:                 seloste notice check
  3. Rakenna ja lukitse / build, lock: seloste notice build
  4. Käynnistä / run:                  seloste serve
  5. Lisää sivuston jokaiselle sivulle ennen </body>-tagia / add to every page before </body>:
`, notice.AdaptMarker)
	for _, s := range sites {
		fmt.Fprintf(&b, "       <script defer src=\"https://STATS-HOST/s.js\" data-site=\"%s\"></script>\n", s)
	}
	b.WriteString("     STATS-HOST on osoite, jossa seloste serve vastaa / STATS-HOST is where seloste serve answers.\n")
	return b.String()
}
