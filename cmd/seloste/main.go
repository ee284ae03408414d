// Command seloste publishes a site's privacy statement (tietosuojaseloste)
// and collects first-party, cookieless page-view statistics that the
// statement describes.
//
// This package only parses flags and wires the packages together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand: "seloste NAME ...".
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"init", "start a site here: seloste.toml and the first version of its statement", runInit},
		{"notice", "build, check or start a version of the privacy statement", runNotice},
		{"serve", "run the collector, the notice site and the reports", runServe},
		{"report", "print aggregate statistics (table, JSON or CSV)", runReport},
		{"purge", "delete events older than the retention period", runPurge},
		{"import", "import history: plausible, goatcounter, ga4; list, delete", runImport},
		{"export", "export a site's history in Plausible's CSV format", runExport},
		{"annotate", "add, list or delete dated notes on a site's chart (a deploy, new prices)", runAnnotate},
		{"backup", "copy the database while serve runs", runBackup},
		{"restore", "put a backup in place of a stopped database", runRestore},
		{"migrate", "copy every record and import to another store (SQLite to ClickHouse, or back)", runMigrate},
		{"user", "add, list or remove the dashboard's users; invitation links", runUser},
		{"passwd", "set the dashboard password (the first admin's)", runPasswd},
		{"token", "create a bearer token for the stats API", runToken},
		{"geoip", "download a current location database (geoip update)", runGeoIP},
		{"version", "print the version, source revision and Go version (also -version)", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case errors.Is(err, errExit1):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "seloste:", err)
		os.Exit(1)
	}
}

// errExit1 makes main exit with status 1 without printing anything more: the
// command has already said why.
var errExit1 = errors.New("exit status 1")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return flag.ErrHelp
		}
		return nil
	}
	if args[0] == "-version" || args[0] == "--version" {
		return runVersion(ctx, args[1:], stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: seloste COMMAND [flags]")
	fmt.Fprintln(w, "       seloste -version")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "seloste COMMAND -h" for the flags of one command.`)
}

// newFlagSet returns a flag set that reports errors instead of exiting, and
// prints its usage to stderr.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("seloste "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: seloste %s %s\n\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs and refuses arguments left over, which
// are usually flags given after a value; hint, if any, ends the error.
func parseFlags(fs *flag.FlagSet, args []string, hint string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("%s: unexpected argument %q%s", strings.TrimPrefix(fs.Name(), "seloste "), fs.Arg(0), hint)
	}
	return nil
}
