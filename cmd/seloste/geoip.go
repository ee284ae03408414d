package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics/geo"
	"github.com/seloste/seloste/analytics/geo/update"
)

// geoipBaseURL, when set, replaces the providers' download addresses: the
// tests point it at a local server.
var geoipBaseURL string

func runGeoIP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "update" {
		fmt.Fprintln(stderr, "Usage: seloste geoip update [-provider dbip-lite|maxmind] [-account-id ID -license-key KEY] [-dir /var/lib/seloste]")
		if len(args) == 0 {
			return errors.New("geoip: missing subcommand (update)")
		}
		return fmt.Errorf("geoip: unknown subcommand %q (want update)", args[0])
	}
	fs := newFlagSet("geoip update", "[-provider dbip-lite|maxmind] [-account-id ID -license-key KEY] [-dir /var/lib/seloste]", stderr)
	provider := fs.String("provider", update.DBIPLite, "`dbip-lite` (DB-IP City Lite, monthly, CC BY 4.0, no account) or maxmind (GeoLite2 City, needs a free account)")
	account := fs.String("account-id", os.Getenv("MAXMIND_ACCOUNT_ID"), "MaxMind account `ID` (default $MAXMIND_ACCOUNT_ID)")
	key := fs.String("license-key", "", "MaxMind licence `key` (default $MAXMIND_LICENSE_KEY, which keeps it out of the process list)")
	dir := fs.String("dir", "/var/lib/seloste", "`directory` to install the database in (serve looks there); when the configuration file's geoip names one file or folder, its folder")
	conf := addConfigFlag(fs, "geoip (its folder is the default -dir)")
	if err := parseFlags(fs, args[1:], ""); err != nil {
		return err
	}
	cfg, err := conf.load(fs)
	if err != nil {
		return fmt.Errorf("geoip update: %w", err)
	}
	dirGiven := false
	fs.Visit(func(f *flag.Flag) { dirGiven = dirGiven || f.Name == "dir" })
	configured := geoipFile(cfg.GeoIP)
	if !dirGiven && configured != "" {
		*dir = configured
		if fi, err := os.Stat(configured); err != nil || !fi.IsDir() {
			*dir = filepath.Dir(configured)
		}
	}
	if *key == "" {
		*key = os.Getenv("MAXMIND_LICENSE_KEY")
	}
	ucfg := update.Config{Provider: *provider, Dir: *dir, AccountID: *account, LicenseKey: *key, BaseURL: geoipBaseURL}
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		ucfg.Progress = stderr
	}
	res, err := update.Run(ctx, ucfg)
	if err != nil {
		return fmt.Errorf("geoip update: %w", err)
	}
	fmt.Fprintf(stdout, "installed %s: %s built %s, %.1f MB, from %s\n", res.Path, res.Type, res.Built.Format(time.DateOnly), float64(res.Bytes)/1e6, res.From)
	if configured != "" && configured != res.Path && configured != filepath.Dir(res.Path) {
		fmt.Fprintf(stdout, "note: %s's geoip names %s; set geoip = %q there for serve to use this one\n", cfg.File, configured, res.Path)
	} else if configured != "" {
		fmt.Fprintln(stdout, "a running seloste serve loads it within a minute (or now: kill -HUP its pid)")
	} else if found := geo.Detect(); found != res.Path && slices.Contains(geo.Candidates, res.Path) {
		fmt.Fprintf(stdout, "note: serve without -geoip uses %s, found first; give it -geoip %s or remove the other file\n", found, res.Path)
	} else {
		fmt.Fprintln(stdout, "a running seloste serve loads it within a minute (or now: kill -HUP its pid)")
	}
	return nil
}

// geoipFile is the one file or folder a configured geoip setting names;
// "" when it names none (auto-detect), disables location, or names two
// files (ip-location-db's IPv4 and IPv6).
func geoipFile(setting string) string {
	switch setting {
	case "", "none", "off":
		return ""
	}
	if strings.Contains(setting, ",") {
		return ""
	}
	return setting
}
