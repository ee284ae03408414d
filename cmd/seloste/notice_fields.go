package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/notice"
)

// collectorFlags are the serve settings the notice commands need: which
// collector the statement must describe.
type collectorFlags struct {
	config, retention *string
	sites             listFlag
	read              serveConfig // the configuration collector read
}

func addCollectorFlags(fs *flag.FlagSet) *collectorFlags {
	c := &collectorFlags{
		config: fs.String("config", "", "the TOML configuration `file` of seloste serve (default ./"+defaultConfigFile+" when present): the statement must describe the collector it configures; flags given here override it"),
		retention: fs.String("retention", analytics.DefaultRetention.String(),
			"the collector's retention `period` (Ny, Nmo, Nw, Nd), as for seloste serve; overrides the config file"),
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
	} else if col.Retention, err = analytics.ParseRetention(cfg.Retention); err != nil {
		return notice.Collector{}, err
	}
	return col, nil
}

// runNoticeFields prints the collected-data block generated from the
// field registry, to paste into a draft.
func runNoticeFields(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("notice fields", "[-lang fi|sv|en] [-config seloste.toml] [-retention 3y]", stderr)
	langFlag := fs.String("lang", notice.Finnish, "the statement's `language`: fi, sv or en")
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
	_, err = io.WriteString(stdout, notice.ExpandFieldsIn(col.Fields, col.Retention, *langFlag))
	return err
}
