package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/notice"
)

// runNoticeRecord writes the record of processing activities (GDPR
// Art. 30) of the configured collector in one language: to stdout, or to
// -out through a temporary file.
func runNoticeRecord(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("notice record", "[-lang fi|sv|en] [-format md|html] [-out FILE] [-content DIR] [-config seloste.toml]", stderr)
	content := fs.String("content", "content", "content `folder` holding "+notice.Dir+"/: the controller's details come from the statement in force")
	langFlag := fs.String("lang", notice.Finnish, "the record's `language`: fi, sv or en")
	format := fs.String("format", "", "md (Markdown) or html (a printable page); default: html when -out ends in .html, else md")
	out := fs.String("out", "", "the `file` to write, replaced whole (default: standard output); keep it as "+filepath.Join("content", notice.RecordDir, notice.RecordDir+".md")+" so that notice check finds it")
	cf := addCollectorFlags(fs)
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	if _, ok := notice.LanguageOf(*langFlag); !ok {
		return fmt.Errorf("notice record: -lang %q: kieli on fi, sv tai en / the language is fi, sv or en", *langFlag)
	}
	switch *format {
	case "":
		*format = notice.RecordMarkdown
		if ext := strings.ToLower(filepath.Ext(*out)); ext == ".html" || ext == ".htm" {
			*format = notice.RecordHTML
		}
	case notice.RecordMarkdown, notice.RecordHTML:
	default:
		return fmt.Errorf("notice record: -format %q: md tai html / md or html", *format)
	}
	col, err := cf.collector(fs, stderr)
	if err != nil {
		return err
	}
	if !col.Configured {
		return fmt.Errorf("notice record: keräintä ei ole määritetty: seloste kuvaa sen asetuksia / no collector configured, and the record describes it: give a [[site]] in ./%s, -config FILE or -site DOMAIN", defaultConfigFile)
	}
	vs, err := notice.Load(notice.SourceDir(*content))
	if err != nil {
		return folderFlag(err, *content, "")
	}
	r, err := recordFor(cf.read, vs, *langFlag)
	if err != nil {
		return fmt.Errorf("notice record: %w", err)
	}
	data, err := r.Render(*format)
	if err != nil {
		return fmt.Errorf("notice record: %w", err)
	}
	if *out == "" {
		_, err = stdout.Write(data)
		return err
	}
	if err := notice.WriteRecord(*out, data); err != nil {
		return fmt.Errorf("notice record: %w", err)
	}
	fmt.Fprintf(stdout, "Seloste käsittelytoimista / record of processing activities: %s\n", *out)
	return nil
}

// recordFor is the record input of the collector cfg configures, in
// language code, with the controller's details from the statement in
// force in that language (or the Finnish one, when that language has no
// section naming the controller).
func recordFor(cfg serveConfig, vs []notice.Version, code string) (notice.Record, error) {
	set, err := cfg.check()
	if err != nil {
		return notice.Record{}, err
	}
	r := notice.Record{
		Lang:             code,
		Fields:           analytics.StatementFields(set.events),
		Retention:        set.retention,
		Engine:           "SQLite",
		Location:         cfg.GeoPrecision,
		HonourDNT:        cfg.HonourDNT,
		MinVisitors:      max(cfg.MinVisitors, 1),
		ShareMinVisitors: cfg.ShareMinVisitors,
		BehindProxy:      len(set.proxies) > 0,
		SecureCookies:    cfg.SecureCookies,
	}
	if strings.HasPrefix(cfg.DB, "clickhouse://") {
		r.Engine = "ClickHouse"
	}
	if cfg.GeoIP == "none" {
		r.Location = ""
	}
	for _, s := range set.sites {
		r.Sites = append(r.Sites, notice.RecordSite{Domain: s.Domain, Consent: s.Consent})
	}
	found := false
	for _, c := range []string{code, notice.Finnish} {
		if v, ok := notice.CurrentIn(vs, c); ok {
			if r.Controller, r.Disclosures, found = notice.StatementSections(v); found {
				break
			}
		}
	}
	if !found {
		return r, errors.New("voimassa olevasta tietosuojaselosteesta ei löydy rekisterinpitäjän tietoja otsikon \"## Rekisterinpitäjä\" alta: seloste käsittelytoimista ottaa ne sieltä / " +
			"the statement in force has no section \"## Rekisterinpitäjä\" (\"## Personuppgiftsansvarig\", \"## Controller\") naming the controller: the record takes the controller's details from it")
	}
	return r, nil
}

// publishRecords writes the record's printable page into the built site
// out, one per language the statement is in force in ("notice build
// -record"), and returns the files written.
func publishRecords(cfg serveConfig, content, out string) ([]string, error) {
	if len(cfg.Sites) == 0 {
		return nil, fmt.Errorf("keräintä ei ole määritetty / no collector configured: the record describes the [[site]]s of ./%s (or -config FILE)", defaultConfigFile)
	}
	vs, err := notice.Load(notice.SourceDir(content))
	if err != nil {
		return nil, err
	}
	var files []string
	for _, l := range notice.Languages {
		if _, ok := notice.CurrentIn(vs, l.Code); !ok {
			continue
		}
		r, err := recordFor(cfg, vs, l.Code)
		if err != nil {
			return files, err
		}
		page, err := r.HTML()
		if err != nil {
			return files, err
		}
		file := notice.RecordFile(out, l.Code, notice.RecordHTML)
		if err := notice.WriteRecord(file, page); err != nil {
			return files, err
		}
		files = append(files, file)
	}
	return files, nil
}
