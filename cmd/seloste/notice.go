package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seloste/seloste/notice"
	"github.com/seloste/seloste/notice/site"
)

func runNotice(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		noticeUsage(stderr)
		return flag.ErrHelp
	}
	switch args[0] {
	case "build":
		return runNoticeBuild(ctx, args[1:], stdout, stderr)
	case "check":
		return runNoticeCheck(args[1:], stdout, stderr)
	case "new":
		return runNoticeNew(args[1:], stdout, stderr)
	case "fields":
		return runNoticeFields(args[1:], stdout, stderr)
	case "record":
		return runNoticeRecord(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		noticeUsage(stderr)
		return nil
	}
	noticeUsage(stderr)
	return fmt.Errorf("notice: unknown subcommand %q", args[0])
}

func noticeUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: seloste notice SUBCOMMAND [flags]

Subcommands:
  build    build the statement's site into public/
  check    validate the source: front matter, published versions, GDPR Art. 13,
           and that the statement describes what the collector stores
  new      start the next version as a draft copy of the newest
  fields   print the list of collected data, generated from the field registry
  record   write the record of processing activities (GDPR Art. 30) of the
           statistics, generated like the statement's list

Run "seloste notice SUBCOMMAND -h" for its flags.
`)
}

// runNoticeCheck prints every problem and fails only on errors: missing
// Art. 13 points are warnings the owner may knowingly accept.
func runNoticeCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("notice check", "[-content DIR] [-config seloste.toml] [-site DOMAIN ...] [-retention 3y] [-consent required|exempt]", stderr)
	content := fs.String("content", "content", "content `folder` holding "+notice.Dir+"/")
	cf := addCollectorFlags(fs)
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	col, err := cf.collector(fs, stderr)
	if err != nil {
		return err
	}
	dir := notice.SourceDir(*content)
	vs, ps := notice.CheckDir(dir)
	if vs != nil {
		ps = append(ps, notice.CheckCollector(vs, col)...)
		if col.Configured {
			// The record the owner keeps must still say what would be
			// generated now, as the statement's list must.
			ps = append(ps, notice.CheckRecords(*content, func(code string) (notice.Record, error) {
				return recordFor(cf.read, vs, code)
			})...)
		}
	}
	counts := map[notice.Severity]int{}
	for _, p := range ps {
		fmt.Fprintln(stdout, p)
		counts[p.Severity]++
	}
	if col.Configured {
		fmt.Fprintf(stdout, "keräin / collector: %s, säilytys / retention %s, suostumus / consent %s\n", strings.Join(col.Sites, ", "), col.Retention, termsText(col.Consent))
	} else {
		fmt.Fprintf(stdout, "keräintä ei ole määritetty, sitä ei tarkisteta / no collector configured, not checked (./%s, -config FILE or -site DOMAIN)\n", defaultConfigFile)
	}
	summary := fmt.Sprintf("%s / errors, %s / warnings, %s / notes",
		countFi(counts[notice.SeverityError], "virhe", "virhettä"),
		countFi(counts[notice.SeverityWarning], "varoitus", "varoitusta"),
		countFi(counts[notice.SeverityNote], "huomio", "huomiota"))
	if cur, ok := notice.Current(vs); ok {
		versions := fmt.Sprintf("%s / versions, voimassa / current: %s", countFi(len(vs), "versio", "versiota"), cur.Slug())
		for _, v := range notice.Pending(vs) {
			versions += fmt.Sprintf(", ajastettu / scheduled: %s (voimaan / in force from %s)", v.Slug(), notice.FinnishDate(v.Date))
		}
		summary = versions + "; " + summary
	}
	fmt.Fprintln(stdout, summary)
	if notice.HasErrors(ps) {
		return errExit1
	}
	return nil
}

func runNoticeNew(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("notice new", "[-content DIR] [-date YYYY-MM-DD [-schedule]] [-config seloste.toml] [-retention 3y] [-consent required|exempt]", stderr)
	content := fs.String("content", "content", "content `folder` holding "+notice.Dir+"/")
	dateFlag := fs.String("date", "", "the new version's `date`, YYYY-MM-DD (default today in Europe/Helsinki)")
	schedule := fs.Bool("schedule", false, "a version dated after today: once published, the site announces it and it takes effect on its -date")
	cf := addCollectorFlags(fs)
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	col, err := cf.collector(fs, stderr)
	if err != nil {
		return err
	}
	date := notice.Today(time.Now())
	if *dateFlag != "" {
		d, err := time.Parse(notice.DateLayout, *dateFlag)
		if err != nil {
			return fmt.Errorf("notice new: -date %q: anna päivä muodossa VVVV-KK-PP / give the date as YYYY-MM-DD", *dateFlag)
		}
		date = d
	}
	dir := notice.SourceDir(*content)
	vs, err := notice.Load(dir)
	if err != nil {
		return folderFlag(err, *content, "")
	}
	if err := notice.VerifyLock(dir, vs); err != nil {
		return err
	}
	// The list of collected data is written from the registry as it is
	// now, and the legal-basis paragraph from the consent mode, so the new
	// version describes what the collector stores and on what terms.
	paths, err := notice.NewVersion(dir, vs, date, notice.NewOptions{Collector: &col, Schedule: *schedule})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Uusi luonnos / new draft: %s\n", paths[0])
	if *schedule {
		fmt.Fprintf(stdout, "Ajastettu / scheduled: julkaistuna sivusto ilmoittaa siitä, ja se tulee voimaan %s / once published, the site announces it and it takes effect on %s\n",
			notice.FinnishDate(date), date.Format(notice.DateLayout))
	}
	for _, p := range paths[1:] {
		fmt.Fprintf(stdout, "Käännösluonnos / translation draft: %s (%s)\n", p, notice.TranslationMarker)
	}
	fmt.Fprint(stdout, `
Seuraavaksi / next:
  1. Muokkaa tekstiä ja kirjoita summary-kenttään lyhyesti, mitä muutit.
     Edit the text and say briefly in "summary" what you changed.
`)
	if len(paths) > 1 {
		fmt.Fprint(stdout, `     Käännä muutokset käännösluonnoksiin ja poista niiden merkintäkappale.
     Translate the changes into the translation drafts and remove their marker paragraph.
`)
	}
	fmt.Fprint(stdout, `  2. Tarkista / check:   seloste notice check
  3. Julkaise: poista rivi "draft: true" ja rakenna sivusto.
     Publish: remove the line "draft: true", then build:   seloste notice build
`)
	return nil
}

// defaultThemes is the folder whose seloste/ overrides the built-in theme
// when no themes folder is named, if it has one.
const defaultThemes = "themes"

// themesFolder is the themes folder a notice build uses (site.Options's
// ThemesDir): dir when one is named, where a missing seloste/ is then an
// error; otherwise ./themes when it holds seloste/, or else "", the
// built-in theme alone, so that the binary builds in any folder.
func themesFolder(dir string) string {
	if dir != "" {
		return dir
	}
	if fi, err := os.Stat(filepath.Join(defaultThemes, site.ThemeName)); err == nil && fi.IsDir() {
		return defaultThemes
	}
	return ""
}

// folderFlag names the flag that gave the folder an error is about: the
// packages speak of the content and themes folders, not of flags.
func folderFlag(err error, content, themes string) error {
	switch {
	case errors.Is(err, notice.ErrNoSourceDir):
		return fmt.Errorf("-content %s: %w", content, err)
	case errors.Is(err, site.ErrNoTheme):
		return fmt.Errorf("-themes %s: %w", themes, err)
	}
	return err
}

// termsText is the sites' consent terms for a line of output: the mode,
// or each site's when they differ.
func termsText(terms []notice.SiteConsent) string {
	if len(terms) == 0 {
		return "-"
	}
	same := true
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = t.Site + " " + string(t.Consent)
		same = same && t.Consent == terms[0].Consent
	}
	if same {
		return string(terms[0].Consent)
	}
	return strings.Join(parts, ", ")
}

// countFi writes n with the form of the noun a Finnish numeral takes:
// "1 virhe", but "0 virhettä" and "2 virhettä".
func countFi(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
