package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/format"
	"github.com/seloste/seloste/analytics/mailreport"
)

// filterFlags collects repeated -filter k=v flags.
type filterFlags []analytics.Filter

func (f *filterFlags) String() string {
	var s []string
	for _, x := range *f {
		s = append(s, string(x.Dim)+"="+x.Value)
	}
	return strings.Join(s, " ")
}

func (f *filterFlags) Set(v string) error {
	x, err := analytics.ParseFilter(v)
	if err != nil {
		return err
	}
	*f = append(*f, x)
	return nil
}

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", "[-db seloste.db] [-site DOMAIN] [-from 30d] [-to DATE] [-filter k=v ...] [-format table|json|csv] | [-email ADDRESS|NAME [-period week|month]]", stderr)
	var (
		dbPath     = fs.String("db", "seloste.db", dbHelp)
		site       = fs.String("site", "", "the site to report on; may be left out when the database, or the configuration file, holds one site")
		from       = fs.String("from", analytics.DefaultPeriod, "first day: "+analytics.PeriodHelp)
		to         = fs.String("to", "", "last day, YYYY-MM-DD (only with a -from date; default today)")
		zoneName   = fs.String("zone", analytics.DefaultZone, "time zone of the days and the series (IANA name)")
		outFormat  = fs.String("format", "table", "output: table, json or csv")
		breakdown  = fs.String("breakdown", "pages", "with -format csv: the breakdown to write ("+analytics.DimensionNames()+", series, goals, events, props, funnels or annotations)")
		limit      = fs.Int("limit", 10, "rows per breakdown; the rest fold into \"(muut)\"; 0 = all (the default for json and csv)")
		minVisit   = fs.Int("min-visitors", 1, "k-anonymity floor: rows with fewer visitors fold into \"(muut)\"; 1 = off")
		intervalFl = fs.String("interval", "", "series bucket: hour, day, week or month (default: by the period's length)")
		imported   = fs.Bool("imported", true, "count imported statistics (seloste import) for the days before the first page view; -imported=false leaves them out")
		goal       = fs.String("goal", "", "keep the visits that converted to this configured `goal`")
		email      = fs.String("email", "", "send the email summary now to this `address`, or a [[recipient]]'s address or name, through the configuration's [smtp] (see -period)")
		period     = fs.String("period", "week", "with -email: week (the previous ISO week) or month (the previous month)")
		filters    filterFlags
	)
	fs.Var(&filters, "filter", "keep only matching page views, dimension=value (repeatable, all must match), e.g. country=FI or page=/hinnasto")
	conf := addConfigFlag(fs, "db", "zone", "min-visitors", "[[site]] (when it is one)", "[[goal]]", "[[funnel]]", "[smtp]", "[reports]", "[[recipient]]", "share-min-visitors")
	if err := parseFlags(fs, args, " (flags go before it? see seloste report -h)"); err != nil {
		return err
	}
	cfg, err := conf.load(fs)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if *site == "" {
		*site = cfg.onlySite()
	}
	limitSet := false
	fs.Visit(func(f *flag.Flag) { limitSet = limitSet || f.Name == "limit" })

	switch *outFormat {
	case "table", "json", "csv":
	default:
		return fmt.Errorf("report: unknown -format %q (use table, json or csv)", *outFormat)
	}
	var csvDim analytics.Dimension
	if *outFormat == "csv" && (slices.Contains(format.EventParts, *breakdown) || *breakdown == format.AnnotationsPart) {
		// an event part, or the notes
	} else if *outFormat == "csv" && *breakdown != "series" {
		d, err := analytics.ParseDimension(*breakdown)
		if err != nil {
			return fmt.Errorf("report: -breakdown: %w", err)
		}
		csvDim = d
	}
	if *limit < 0 || *minVisit < 0 {
		return errors.New("report: -limit and -min-visitors can't be negative")
	}
	zone, err := analytics.LoadZone(*zoneName)
	if err != nil {
		return fmt.Errorf("report: -zone: %w", err)
	}
	first, last, err := analytics.ParsePeriod(*from, *to, zone, time.Now())
	if pe := (*analytics.PeriodError)(nil); errors.As(err, &pe) && pe.Input != "" {
		return fmt.Errorf("report: -%s: %w", pe.Input, err)
	} else if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	events, err := cfg.fileEvents()
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	q := analytics.Query{
		Site: *site, From: first, To: last, Zone: zone, Filters: filters,
		Interval: analytics.Interval(*intervalFl), MinVisitors: *minVisit, Limit: *limit,
		ExcludeImported: !*imported, Goals: events.Goals, Funnels: events.Funnels, Goal: *goal,
	}
	if *outFormat != "table" && !limitSet {
		q.Limit = 0 // machine-readable output gets every row unless asked otherwise
	}

	// Reading a report never creates a database: a typo in -db is an error.
	store, err := openStore(ctx, *dbPath, true, stderr)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer store.Close()
	if q.Site, err = analytics.ChooseSite(ctx, store, q.Site); err != nil {
		return fmt.Errorf("report: database %s: %w (-site chooses)", *dbPath, err)
	}

	// Reports are exact without maintenance, but fast with it: without a
	// running seloste serve, bring the derived data up to date first. The
	// first time takes a while on a big database, and so do the days an
	// import changed; the store says so on stderr, with its progress, only
	// when it has such work.
	keepEventDays(store, events)
	if m, ok := store.(analytics.Maintainer); ok {
		if err := m.Maintain(ctx, zone); err != nil {
			return fmt.Errorf("report: %w", err)
		}
	}
	if *email != "" {
		p, err := mailreport.ParsePeriod(*period)
		if err != nil {
			return fmt.Errorf("report: -period: %w", err)
		}
		logger := slog.New(slog.NewTextHandler(stderr, nil))
		cfg.DB = *dbPath // the spool is beside the database reported on
		to, err := sendReportNow(ctx, cfg, store, zone, events.Goals, q.Site, *email, p, logger)
		if err != nil {
			return fmt.Errorf("report: -email: %w", err)
		}
		fmt.Fprintf(stdout, "sent the %sly report of %s to %s\n", p, q.Site, to)
		return nil
	}
	rep, err := store.Report(ctx, q)
	if err != nil {
		return err
	}
	if err := analytics.Annotate(ctx, store, rep); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	switch *outFormat {
	case "json":
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return fmt.Errorf("report: %w", err)
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	case "csv":
		if slices.Contains(format.EventParts, *breakdown) {
			return format.EventCSV(stdout, rep, *breakdown)
		}
		if *breakdown == format.AnnotationsPart {
			return format.AnnotationsCSV(stdout, rep)
		}
		if csvDim == "" {
			return format.SeriesCSV(stdout, rep)
		}
		return format.CSV(stdout, rep, csvDim)
	}
	return format.Table(stdout, rep, 0)
}
