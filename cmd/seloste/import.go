package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
	"github.com/seloste/seloste/analytics/imports/ga4"
	"github.com/seloste/seloste/analytics/imports/goatcounter"
	"github.com/seloste/seloste/analytics/imports/plausible"
	"github.com/seloste/seloste/notice"
)

// runImport is "seloste import SOURCE ...": one importer per source, and
// the imports' list and deletion.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	sources := []struct {
		name, synopsis string
		run            func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	}{
		{"plausible", "import Plausible's CSV export (a directory or zip of imported_*.csv files)", runImportPlausible},
		{"goatcounter", "import GoatCounter's CSV export (.csv, .csv.gz) as page views", runImportGoatCounter},
		{"ga4", "import a Google Analytics 4 property through the Data API", runImportGA4},
		{"list", "list a site's imports", runImportList},
		{"delete", "delete an import", runImportDelete},
	}
	if len(args) > 0 {
		for _, s := range sources {
			if s.name == args[0] {
				return s.run(ctx, args[1:], stdout, stderr)
			}
		}
	}
	fmt.Fprintln(stderr, "Usage: seloste import SOURCE [flags]")
	for _, s := range sources {
		fmt.Fprintf(stderr, "  %-12s %s\n", s.name, s.synopsis)
	}
	if len(args) == 0 {
		return flag.ErrHelp
	}
	return fmt.Errorf("import: unknown source %q", args[0])
}

// importFlags are the flags every importer has.
type importFlags struct {
	db, site, content *string
	conf              *fileFlags
}

// addImportFlags adds the importers' flags to fs; uses are the settings of
// the configuration file an importer takes beside these.
func addImportFlags(fs *flag.FlagSet, uses ...string) importFlags {
	return importFlags{
		db:      fs.String("db", "seloste.db", dbHelp),
		site:    fs.String("site", "", "the site the history is of (required unless the configuration file has one [[site]])"),
		content: fs.String("content", "content", "the notice sources: the published statement must describe imported statistics"),
		conf:    addConfigFlag(fs, append([]string{"db", "content", "[[site]] (when it is one)"}, uses...)...),
	}
}

// load reads the configuration file into f's flags that the command line
// left unset (fileFlags.load).
func (f importFlags) load(fs *flag.FlagSet) (serveConfig, error) {
	cfg, err := f.conf.load(fs)
	if err != nil {
		return cfg, fmt.Errorf("%s: %w", strings.TrimPrefix(fs.Name(), "seloste "), err)
	}
	if *f.site == "" {
		*f.site = cfg.onlySite()
	}
	return cfg, nil
}

// parseImportArgs parses flags that may come before or after the one
// argument (the export's path).
func parseImportArgs(fs *flag.FlagSet, args []string, what string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	rest := fs.Args()
	if len(rest) > 0 {
		if err := fs.Parse(rest[1:]); err != nil {
			return "", err
		}
		if fs.NArg() > 0 {
			return "", fmt.Errorf("%s: unexpected argument %q", strings.TrimPrefix(fs.Name(), "seloste "), fs.Arg(0))
		}
		return rest[0], nil
	}
	if what != "" {
		fs.Usage()
		return "", fmt.Errorf("%s: give %s", strings.TrimPrefix(fs.Name(), "seloste "), what)
	}
	return "", nil
}

// openImportStore checks that the published statement describes imported
// statistics (nothing may be stored that it does not) and opens the store.
func openImportStore(ctx context.Context, f importFlags, stderr io.Writer, name string) (analytics.Store, error) {
	if *f.site == "" {
		return nil, fmt.Errorf("%s: -site DOMAIN is required", name)
	}
	if err := notice.DescribesField(*f.content, importedField()); err != nil {
		return nil, fmt.Errorf("%s: %w (-content names the notice sources)", name, err)
	}
	store, err := openStore(ctx, *f.db, false, stderr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return store, nil
}

// describedEvents is events without the declared events the published
// statement does not describe: an import stores no more than the
// collector would.
func describedEvents(content string, events analytics.EventConfig) (analytics.EventConfig, error) {
	if !events.Any() {
		return events, nil
	}
	refused, err := notice.EventsDescribed(content, events.Declared())
	if err != nil {
		return events, fmt.Errorf("reading the privacy statement for events: %w", err)
	}
	if _, all := refused["*"]; all {
		return analytics.EventConfig{}, nil
	}
	out := analytics.EventConfig{Goals: events.Goals, Funnels: events.Funnels}
	for _, e := range events.Events {
		if _, no := refused[e.Name]; !no {
			out.Events = append(out.Events, e)
		}
	}
	for _, a := range analytics.AutoEvents {
		if _, no := refused[a.Name]; !no && slices.Contains(events.Auto, a.Key) {
			out.Auto = append(out.Auto, a.Key)
		}
	}
	return out, nil
}

func importedField() analytics.Field {
	f, ok := analytics.FieldNamed(analytics.ImportedField)
	if !ok {
		panic("no imported field in the registry")
	}
	return f
}

// terminal reports whether w is a terminal: progress then redraws a line.
func terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runImportPlausible(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import plausible", "-site DOMAIN [-db seloste.db] EXPORT.zip|DIR", stderr)
	f := addImportFlags(fs)
	path, err := parseImportArgs(fs, args, "the export: a zip or a directory of imported_*.csv files")
	if err != nil {
		return err
	}
	if _, err := f.load(fs); err != nil {
		return err
	}
	store, err := openImportStore(ctx, f, stderr, "import plausible")
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := plausible.Import(ctx, store, *f.site, path, imports.DefaultLimits, imports.NewProgress(stderr, terminal(stderr), "rows", 0))
	if err != nil {
		return err
	}
	printImport(stdout, res.Import, res.Replaced)
	return nil
}

func runImportGoatCounter(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import goatcounter", "-site DOMAIN [-db seloste.db] EXPORT.csv[.gz]", stderr)
	retention := fs.String("retention", analytics.DefaultRetention.String(), "the retention period purge keeps page views for: older imported ones are said to go")
	f := addImportFlags(fs, "retention", "auto-events", "[[event]] (event rows become declared events)")
	path, err := parseImportArgs(fs, args, "the export: GoatCounter's CSV file (.csv or .csv.gz)")
	if err != nil {
		return err
	}
	cfg, err := f.load(fs)
	if err != nil {
		return err
	}
	ret, err := analytics.ParseRetention(*retention)
	if err != nil {
		return fmt.Errorf("import goatcounter: -retention: %w", err)
	}
	events, err := cfg.fileEvents()
	if err != nil {
		return fmt.Errorf("import goatcounter: %w", err)
	}
	events, err = describedEvents(*f.content, events)
	if err != nil {
		return fmt.Errorf("import goatcounter: %w", err)
	}
	store, err := openImportStore(ctx, f, stderr, "import goatcounter")
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := goatcounter.Import(ctx, store, *f.site, path, events, imports.DefaultLimits, imports.NewProgress(stderr, terminal(stderr), "rows", 0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Imported goatcounter into %s as import %s: %d days (%s to %s, UTC), %d page views; %s.\n",
		res.Import.Site, res.Import.ID, res.Import.Days, res.Import.From, res.Import.To, res.Import.PageViews, res.Import.Summary)
	if res.Replaced != "" {
		fmt.Fprintf(stdout, "It replaces import %s of the same file, which is deleted.\n", res.Replaced)
	}
	if cut := ret.Cutoff(time.Now()).Format(time.DateOnly); res.Import.From < cut {
		fmt.Fprintf(stdout, "Page views before %s are older than the retention period (%s): the next purge deletes them.\n", cut, ret)
	}
	return nil
}

func runImportGA4(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import ga4", "-site DOMAIN -property ID (-credentials sa.json | -token T) [-from DATE] [-to DATE] [-endpoint URL]", stderr)
	f := addImportFlags(fs)
	var (
		property = fs.String("property", "", "the GA4 property's numeric id (Admin → Property details)")
		cred     = fs.String("credentials", "", "a service account's JSON key `file` with Viewer access to the property")
		token    = fs.String("token", "", "an OAuth access token instead of -credentials (scope analytics.readonly)")
		from     = fs.String("from", "", "first day, YYYY-MM-DD (default: three years before -to)")
		to       = fs.String("to", "", "last day, YYYY-MM-DD (default: yesterday)")
		endpoint = fs.String("endpoint", ga4.DefaultEndpoint, "the Data API's base `URL`")
		tokenURL = fs.String("token-url", "", "the OAuth token endpoint (default: the key file's token_uri)")
	)
	if _, err := parseImportArgs(fs, args, ""); err != nil {
		return err
	}
	if _, err := f.load(fs); err != nil {
		return err
	}
	if (*cred == "") == (*token == "") {
		return errors.New("import ga4: give -credentials FILE or -token TOKEN (one of them)")
	}
	last := analytics.Midnight(time.Now(), time.UTC).AddDate(0, 0, -1)
	var err error
	if *to != "" {
		if last, err = time.Parse(time.DateOnly, *to); err != nil {
			return fmt.Errorf("import ga4: -to %q: want YYYY-MM-DD", *to)
		}
	}
	first := last.AddDate(-3, 0, 1)
	if *from != "" {
		if first, err = time.Parse(time.DateOnly, *from); err != nil {
			return fmt.Errorf("import ga4: -from %q: want YYYY-MM-DD", *from)
		}
	}
	store, err := openImportStore(ctx, f, stderr, "import ga4")
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := ga4.Import(ctx, store, ga4.Config{Site: *f.site, Property: *property, From: first, To: last,
		Endpoint: *endpoint, Token: *token, Credentials: *cred, TokenURL: *tokenURL,
		Progress: imports.NewProgress(stderr, terminal(stderr), "requests", 0)})
	if err != nil {
		return err
	}
	printImport(stdout, res.Import, res.Replaced)
	return nil
}

func printImport(w io.Writer, imp analytics.Import, replaced string) {
	fmt.Fprintf(w, "Imported %s into %s as import %s: %d days (%s to %s), %d page views; %s.\n",
		imp.Source, imp.Site, imp.ID, imp.Days, imp.From, imp.To, imp.PageViews, imp.Summary)
	if replaced != "" {
		fmt.Fprintf(w, "It replaces import %s of the same data, which is deleted.\n", replaced)
	}
	fmt.Fprintln(w, "Reports count imported days only before the site's first collected page view.")
}

func runImportList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import list", "-site DOMAIN [-db seloste.db]", stderr)
	var (
		dbPath = fs.String("db", "seloste.db", dbHelp)
		site   = fs.String("site", "", "the site whose imports to list (required unless the configuration file has one [[site]])")
	)
	conf := addConfigFlag(fs, "db", "[[site]] (when it is one)")
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	cfg, err := conf.load(fs)
	if err != nil {
		return fmt.Errorf("import list: %w", err)
	}
	if *site == "" {
		*site = cfg.onlySite()
	}
	if *site == "" {
		return errors.New("import list: -site DOMAIN is required")
	}
	store, err := openStore(ctx, *dbPath, true, stderr)
	if err != nil {
		return fmt.Errorf("import list: %w", err)
	}
	defer store.Close()
	list, err := store.Imports(ctx, *site)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "No imports for %s.\n", *site)
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSOURCE\tDAYS\tFROM\tTO\tPAGE VIEWS\tWHEN\tSUMMARY")
	for _, imp := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\n", imp.ID, imp.Source, imp.Days, imp.From, imp.To, imp.PageViews,
			imp.Created.Local().Format(time.DateTime), imp.Summary)
	}
	return tw.Flush()
}

func runImportDelete(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import delete", "-site DOMAIN [-db seloste.db] ID", stderr)
	var (
		dbPath = fs.String("db", "seloste.db", dbHelp)
		site   = fs.String("site", "", "the site whose import to delete (required unless the configuration file has one [[site]])")
	)
	conf := addConfigFlag(fs, "db", "[[site]] (when it is one)")
	id, err := parseImportArgs(fs, args, "the import's ID (seloste import list shows them)")
	if err != nil {
		return err
	}
	cfg, err := conf.load(fs)
	if err != nil {
		return fmt.Errorf("import delete: %w", err)
	}
	if *site == "" {
		*site = cfg.onlySite()
	}
	if *site == "" {
		return errors.New("import delete: -site DOMAIN is required")
	}
	store, err := openStore(ctx, *dbPath, true, stderr)
	if err != nil {
		return fmt.Errorf("import delete: %w", err)
	}
	defer store.Close()
	if err := store.DeleteImport(ctx, *site, id); err != nil {
		if errors.Is(err, analytics.ErrNoImport) {
			return fmt.Errorf("import delete: %s has no import %s (seloste import list -site %s shows them)", *site, id, *site)
		}
		return fmt.Errorf("import delete: %w", err)
	}
	fmt.Fprintf(stdout, "Deleted import %s of %s.\n", id, *site)
	return nil
}

func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", "-site DOMAIN -format plausible -out DIR|FILE.zip [-from DATE] [-to DATE] [-db seloste.db]", stderr)
	var (
		dbPath   = fs.String("db", "seloste.db", dbHelp)
		site     = fs.String("site", "", "the site to export (required unless the configuration file has one [[site]])")
		format   = fs.String("format", "plausible", "the format: plausible (Plausible's CSV import format)")
		out      = fs.String("out", "", "a directory to create, or a FILE.zip (must not exist)")
		from     = fs.String("from", "", "first day, YYYY-MM-DD (default: the site's first imported day or page view)")
		to       = fs.String("to", "", "last day, YYYY-MM-DD (default: today, as far as it has gone)")
		zoneName = fs.String("zone", analytics.DefaultZone, "time zone of the days (IANA name)")
	)
	conf := addConfigFlag(fs, "db", "zone", "[[site]] (when it is one)")
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	cfg, err := conf.load(fs)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if *site == "" {
		*site = cfg.onlySite()
	}
	if *format != "plausible" {
		return fmt.Errorf("export: unknown -format %q (use plausible)", *format)
	}
	if *site == "" || *out == "" {
		return errors.New("export: -site DOMAIN and -out DIR|FILE.zip are required")
	}
	zone, err := analytics.LoadZone(*zoneName)
	if err != nil {
		return fmt.Errorf("export: -zone: %w", err)
	}
	store, err := openStore(ctx, *dbPath, true, stderr)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer store.Close()
	first, last := time.Time{}, time.Now()
	if *from == "" {
		var ok bool
		if first, ok, err = firstDay(ctx, store, *site, zone); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if !ok {
			return fmt.Errorf("export: %s has no page views or imports to export", *site)
		}
	} else if first, err = time.ParseInLocation(time.DateOnly, *from, zone); err != nil {
		return fmt.Errorf("export: -from %q: want YYYY-MM-DD", *from)
	}
	if *to != "" {
		if last, err = time.ParseInLocation(time.DateOnly, *to, zone); err != nil {
			return fmt.Errorf("export: -to %q: want YYYY-MM-DD", *to)
		}
	}
	if m, ok := store.(analytics.Maintainer); ok {
		if err := m.Maintain(ctx, zone); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	res, err := plausible.Export(ctx, store, *site, first, last, zone, *out, imports.NewProgress(stderr, terminal(stderr), "days", 0))
	if err != nil {
		return err
	}
	until := ""
	if res.Partial {
		until = " (today until " + res.Time.In(zone).Format("15:04") + ")"
	}
	fmt.Fprintf(stdout, "Exported %s to %s in Plausible's CSV format: %s to %s%s, %d days with page views, %d page views, %d files.\n",
		*site, *out, res.From, res.To, until, res.Days, res.PageViews, len(res.Files))
	return nil
}

// firstDay is the first day of site's history: its first imported day or
// collected page view, whichever is earlier.
func firstDay(ctx context.Context, store analytics.Store, site string, zone *time.Location) (time.Time, bool, error) {
	first, ok, err := store.FirstPageView(ctx, site)
	if err != nil {
		return first, false, err
	}
	list, err := store.Imports(ctx, site)
	if err != nil {
		return first, false, err
	}
	for _, imp := range list {
		day, err := time.ParseInLocation(time.DateOnly, imp.From, zone)
		if err != nil {
			continue // an import without days
		}
		if !ok || day.Before(first) {
			first, ok = day, true
		}
	}
	return first, ok, nil
}
