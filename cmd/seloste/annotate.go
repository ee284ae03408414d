package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seloste/seloste/analytics"
)

// runAnnotate adds, lists or deletes the owner's notes on a site's days
// (analytics.Annotation), shown on the dashboard's chart and in reports.
func runAnnotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("annotate", `[-db seloste.db] [-site DOMAIN] [-date YYYY-MM-DD] "text" | -list | -delete ID`, stderr)
	var (
		dbPath   = fs.String("db", "seloste.db", dbHelp)
		site     = fs.String("site", "", "the site the note is about; may be left out when the configuration file holds one site (with -list: every site's notes)")
		date     = fs.String("date", "", "the day the note is on, YYYY-MM-DD (default today)")
		zoneName = fs.String("zone", analytics.DefaultZone, "time zone of today (IANA name)")
		list     = fs.Bool("list", false, "list the notes instead of adding one")
		del      = fs.String("delete", "", "delete the note of this `id` (see -list)")
	)
	conf := addConfigFlag(fs, "db", "zone", "[[site]] (when it is one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	text := strings.Join(fs.Args(), " ")
	// flag stops at the text: a flag after it would become part of the note.
	for _, a := range fs.Args() {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && fs.Lookup(name) != nil {
			return fmt.Errorf("annotate: %q comes after the text: give the flags before it", a)
		}
	}
	cfg, err := conf.load(fs)
	if err != nil {
		return fmt.Errorf("annotate: %w", err)
	}
	if *site == "" {
		*site = cfg.onlySite()
	}
	var configured []string
	for _, s := range cfg.Sites {
		configured = append(configured, s.Domain)
	}
	if *site != "" && len(configured) > 0 && !slices.Contains(configured, *site) {
		return fmt.Errorf("annotate: -site %q is not a site of %s (sites: %s)", *site, cfg.File, strings.Join(configured, ", "))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case *list && (*del != "" || text != "" || given["date"]):
		return errors.New("annotate: -list takes no -delete, -date or text")
	case *del != "" && (text != "" || given["date"]):
		return errors.New("annotate: -delete takes no -date or text")
	case !*list && *del == "" && text == "":
		fs.Usage()
		return errors.New(`annotate: no text: seloste annotate -date 2026-03-01 "uusi hinnasto"`)
	case !*list && *site == "":
		return errors.New("annotate: which site? give -site DOMAIN (the configuration file holds none, or several)")
	}

	store, err := openStore(ctx, *dbPath, true, stderr)
	if err != nil {
		return fmt.Errorf("annotate: %w", err)
	}
	defer store.Close()

	switch {
	case *list:
		notes, err := store.Annotations(ctx, *site, "", "")
		if err != nil {
			return fmt.Errorf("annotate: %w", err)
		}
		if len(notes) == 0 {
			fmt.Fprintln(stdout, "No notes.")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSITE\tDAY\tNOTE")
		for _, a := range notes {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ID, a.Site, a.Day, a.Text)
		}
		return tw.Flush()
	case *del != "":
		if err := store.DeleteAnnotation(ctx, *site, *del); errors.Is(err, analytics.ErrNoAnnotation) {
			return fmt.Errorf("annotate: %s has no note %q (see seloste annotate -list)", *site, *del)
		} else if err != nil {
			return fmt.Errorf("annotate: %w", err)
		}
		fmt.Fprintf(stdout, "Deleted note %s of %s.\n", *del, *site)
		return nil
	}
	if *date == "" {
		zone, err := analytics.LoadZone(*zoneName)
		if err != nil {
			return fmt.Errorf("annotate: -zone: %w", err)
		}
		*date = time.Now().In(zone).Format(time.DateOnly)
	}
	a, err := store.AddAnnotation(ctx, analytics.Annotation{Site: *site, Day: *date, Text: text})
	switch {
	case errors.Is(err, analytics.ErrAnnotationDay):
		return fmt.Errorf("annotate: -date %q: give the day as YYYY-MM-DD, e.g. 2026-03-01", *date)
	case errors.Is(err, analytics.ErrAnnotationLong), errors.Is(err, analytics.ErrAnnotationEmpty), errors.Is(err, analytics.ErrAnnotationChars):
		return fmt.Errorf("annotate: %w: a note is one line of at most %d characters", err, analytics.MaxAnnotationText)
	case err != nil:
		return fmt.Errorf("annotate: %w", err)
	}
	fmt.Fprintf(stdout, "Added note %s to %s on %s: %s\n", a.ID, a.Site, a.Day, a.Text)
	return nil
}
