package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/notice"
)

// collectorFlags are the serve settings the notice commands need: which
// collector the statement must describe.
type collectorFlags struct {
	config, retention, consent *string
	sites                      listFlag
	read                       serveConfig // the configuration collector read
}

func addCollectorFlags(fs *flag.FlagSet) *collectorFlags {
	c := &collectorFlags{
		config: fs.String("config", "", "the TOML configuration `file` of seloste serve (default ./"+defaultConfigFile+" when present): the statement must describe the collector it configures; flags given here override it"),
		retention: fs.String("retention", analytics.DefaultRetention.String(),
			"the collector's retention `period` (Ny, Nmo, Nw, Nd), as for seloste serve; overrides the config file"),
		consent: fs.String("consent", "", "the sites' consent `mode`, required or exempt, as for seloste serve; overrides the config file (default: the file's, else required)"),
	}
	fs.Var(&c.sites, "site", "tracked site `domain`, as for seloste serve (repeatable): the collector counts as configured")
	return c
}

// collector reads the serve configuration exactly as "seloste serve" does
// (parseServeFlags: defaults, then the file, then these flags) and says
// what the collector stores and for how long. The collector counts as
// configured when it has a site to track. A -content flag of fset that the
// command line left unset takes the file's content folder.
func (c *collectorFlags) collector(fset *flag.FlagSet, stderr io.Writer) (notice.Collector, error) {
	var args []string
	retentionGiven, contentGiven := false, false
	fset.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "config":
			args = append(args, "-config", *c.config)
		case "retention":
			args = append(args, "-retention", *c.retention)
			retentionGiven = true
		case "consent":
			args = append(args, "-consent", *c.consent)
		case "site":
			for _, s := range c.sites {
				args = append(args, "-site", s)
			}
		case "content":
			contentGiven = true
		}
	})
	cfg, err := parseServeFlags(args, stderr)
	if err != nil {
		return notice.Collector{}, err
	}
	c.read = cfg
	if f := fset.Lookup("content"); f != nil && !contentGiven {
		f.Value.Set(cfg.Content)
	}
	col := notice.Collector{Fields: analytics.Fields, Configured: len(cfg.Sites) > 0, CheckRetention: retentionGiven || cfg.File != ""}
	for _, s := range cfg.Sites {
		col.Sites = append(col.Sites, s.Domain)
	}
	if col.Configured {
		// The whole configuration must be valid: it is the collector that
		// the statement is checked against.
		set, err := cfg.check()
		if err != nil {
			return notice.Collector{}, err
		}
		col.Retention = set.retention
		col.Fields = analytics.StatementFields(set.events)
		col.Consent = siteTerms(set.sites)
		col.Precision = set.precision.String()
		col.Events = set.events.Declared()
	} else if col.Retention, err = analytics.ParseRetention(cfg.Retention); err != nil {
		return notice.Collector{}, err
	}
	return col, nil
}

// siteTerms are the consent terms of the configured sites, for the
// statement's legal-basis paragraph.
func siteTerms(sites []request.Site) []notice.SiteConsent {
	out := make([]notice.SiteConsent, len(sites))
	for i, s := range sites {
		out[i] = notice.SiteConsent{Site: s.Domain, Consent: s.Consent}
	}
	return out
}

// runNoticeFields prints the collected-data block generated from the
// field registry, or with -basis the legal-basis paragraph generated from
// the consent mode, to paste into a draft.
func runNoticeFields(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("notice fields", "[-lang fi|sv|en] [-basis] [-config seloste.toml] [-retention 3y] [-consent required|exempt]", stderr)
	langFlag := fs.String("lang", notice.Finnish, "the statement's `language`: fi, sv or en")
	basis := fs.Bool("basis", false, "print the page-visit legal-basis paragraph generated from the consent mode instead of the list")
	cf := addCollectorFlags(fs)
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	if _, ok := notice.LanguageOf(*langFlag); !ok {
		return fmt.Errorf("notice fields: -lang %q: kieli on fi, sv tai en / the language is fi, sv or en", *langFlag)
	}
	col, err := cf.collector(fs, stderr)
	if err != nil {
		return err
	}
	if *basis {
		if !col.Configured {
			return fmt.Errorf("notice fields -basis: no site configured: the paragraph names the terms of the configured sites (./%s, -config FILE or -site DOMAIN)", defaultConfigFile)
		}
		_, err = io.WriteString(stdout, notice.ExpandConsentIn(col.Consent, *langFlag))
		return err
	}
	_, err = io.WriteString(stdout, notice.ExpandFieldsIn(col.Fields, col.Retention, *langFlag))
	return err
}
