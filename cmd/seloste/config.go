package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/geo"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/analytics/visitor"
	"github.com/seloste/seloste/notice/site"
)

// serveConfig is the configuration of "seloste serve": the defaults, then
// the TOML file (configPath: -config, or ./seloste.toml when present), then
// the flags given on the command line, which win. The other commands take
// the settings they share with serve from the same file (fileFlags).
// README's "Configuration" section shows it as a file.
//
// Each setting is declared here once, by its field's tags: toml is the key
// in the file (the flag is the same name with '-' for '_'), default its
// default and help its flag's help, where {word} names the flag's argument
// in -h. The defaults, the flags, the merge of file and flags and -h all
// come from these tags (serveSettings).
type serveConfig struct {
	Addr          string       `toml:"addr" default:"127.0.0.1:8080" help:"listen {address}"`
	DB            string       `toml:"db" default:"seloste.db" help:"the store: SQLite database {file} (created if missing), or clickhouse://HOST:9000/DB"`
	Public        string       `toml:"public" default:"public" help:"{dir}ectory of the built notice site, served at /"`
	GeoIP         string       `toml:"geoip" help:"MaxMind-format location database {file} (GeoLite2/GeoIP2 City or Country, DB-IP Lite), or ip-location-db's IPv4 and IPv6 files (comma-separated, or their directory); reloaded on SIGHUP and when changed; empty: auto-detect in /var/lib/seloste, /usr/share/GeoIP and /var/lib/GeoIP; \"none\": no location"`
	GeoPrecision  string       `toml:"geo_precision" default:"city" help:"location kept: country, region or city"`
	TrustProxy    []string     `toml:"trust_proxy" help:"{CIDR} of a reverse proxy whose X-Forwarded-For is believed (repeatable)"`
	Retention     string       `toml:"retention" default:"3y" help:"keep events this long: Ny, Nmo, Nw or Nd; older ones are purged daily"`
	HonourDNT     bool         `toml:"honour_dnt" default:"true" help:"do not store events of browsers sending DNT: 1 or Sec-GPC: 1"`
	AllowLocal    bool         `toml:"allow_local" help:"accept events from pages on localhost/127.0.0.1 (development)"`
	QueueSize     int          `toml:"queue_size" default:"0" help:"events waiting for the database before the collector answers 503; 0: the store's (16384 on SQLite, 65536 on ClickHouse)"`
	BatchSize     int          `toml:"batch_size" default:"0" help:"events per database transaction; 0: the store's (2000 on SQLite, 50000 on ClickHouse)"`
	FlushInterval string       `toml:"flush_interval" default:"1s" help:"longest wait before accepted events are written (at most 1s: a SIGKILL loses at most this window)"`
	MaxConns      int          `toml:"max_connections" default:"10000" help:"open connections at most (kept under the open-file limit): at the cap the longest-idle one is closed, or a new one gets 503"`
	MaxValues     int          `toml:"max_values_per_day" default:"10000" help:"distinct paths, referrer hosts, values of each utm_* parameter, cities and values of each event property a site can add in a day; past it new ones are stored as \"(muut)\"; 0 = no cap"`
	MaxEvents     int          `toml:"max_events_per_visit" default:"1000" help:"custom events one visit may send in a day (UTC); past it the collector answers 429 and stores nothing; at most 65535, 0 = no cap"`
	Consent       string       `toml:"consent" default:"required" help:"terms the tracker runs on, for sites that do not set their own: required (nothing is sent until the visitor agrees) or exempt (your own assessment that the statistics need no consent)"`
	Sites         []siteConfig `toml:"site" help:"tracked site {domain}, e.g. example.fi (repeatable; replaces the config file's list, keeping its origins)"`

	// Events, goals and funnels are tables of the file only (no flags):
	// README's "Events, goals and funnels" documents their keys.
	AutoEvents []string       `toml:"auto_events" help:"automatic events the tracker's script tag switches on and the collector stores: outbound, downloads, 404 (repeatable)"`
	Events     []eventConfig  `toml:"event" flag:"-" help:"a custom event the collector stores: name, props, description_fi, description_sv, description_en"`
	Goals      []goalConfig   `toml:"goal" flag:"-" help:"a conversion goal: name, and event (with optional props) or page"`
	Funnels    []funnelConfig `toml:"funnel" flag:"-" help:"a funnel: name and steps, pages or goal names in order"`

	// Email reports and alerts are tables of the file only (no flags):
	// docs/email.md documents them.
	SMTP       smtpConfig        `toml:"smtp" flag:"-" help:"the SMTP server that sends email reports and alerts"`
	Reports    reportsConfig     `toml:"reports" flag:"-" help:"when email reports are made and where their link goes"`
	Alerts     alertsConfig      `toml:"alerts" flag:"-" help:"when a site's traffic alerts its admins by email"`
	Recipients []recipientConfig `toml:"recipient" flag:"-" help:"a person who gets email reports or alerts"`

	Zone             string `toml:"zone" default:"Europe/Helsinki" help:"IANA time {zone} of report days"`
	ReportTimeout    string `toml:"report_timeout" default:"30s" help:"longest a report of the dashboard, the stats API, CSV or a share page may take (1s to 10m); filtered yearly reports of a large ClickHouse store may need more"`
	MinVisitors      int    `toml:"min_visitors" default:"1" help:"k-anonymity floor: report rows with fewer visitors are folded into \"(muut)\"; 1 = off"`
	ShareMinVisitors int    `toml:"share_min_visitors" help:"k-anonymity floor of public share links (0 = 5)"`
	SecureCookies    bool   `toml:"secure_cookies" help:"mark dashboard cookies Secure even without TLS seen by this process"`
	Auth             string `toml:"auth" help:"dashboard credentials {file} (default: seloste.auth next to -db)"`
	Content          string `toml:"content" default:"content" help:"notice source {folder}, built into -public at start"`
	Themes           string `toml:"themes" help:"{folder} whose seloste/ overrides the built-in theme, file by file (default: themes, when it holds seloste/)"`
	BuildNotice      bool   `toml:"build_notice" default:"true" help:"build the notice site from -content into -public at start (when -content exists)"`
	LogFormat        string `toml:"log_format" default:"text" help:"log lines on standard error as text (key=value) or json (one object a line, for log collectors)"`

	// Demo is a flag only: track "localhost", tag the notice pages with the
	// tracker and print a generated dashboard password on first start.
	Demo bool `toml:"-"`
	// File is the configuration file read (configPath), "" if none.
	File string `toml:"-"`
}

// siteConfig is one [[site]] of the file. The -site flag gives domains
// only; a domain the file also lists keeps its origins and exclusions.
type siteConfig struct {
	Domain       string   `toml:"domain"`
	Origins      []string `toml:"origins"`
	ExcludeIPs   []string `toml:"exclude_ips"`
	ExcludePaths []string `toml:"exclude_paths"`
	Consent      string   `toml:"consent"` // empty: the top-level consent
}

// smtpConfig is the [smtp] table. The password is never in the file.
type smtpConfig struct {
	Host         string `toml:"host"`
	Port         int    `toml:"port"`
	Security     string `toml:"security"`
	User         string `toml:"user"`
	PasswordFile string `toml:"password_file"`
	PasswordEnv  string `toml:"password_env"`
	From         string `toml:"from"`
}

// reportsConfig is the [reports] table.
type reportsConfig struct {
	Hour         int    `toml:"hour"` // defaultReportHour unless set
	DashboardURL string `toml:"dashboard_url"`
	Spool        string `toml:"spool"`
}

// defaultReportHour is when summaries are made: before the working day.
const defaultReportHour = 7

// alertsConfig is the [alerts] table; zeros are mailreport's defaults.
type alertsConfig struct {
	Off         bool    `toml:"off"`
	DropShare   float64 `toml:"drop_share"`
	DropHours   int     `toml:"drop_hours"`
	SpikeFactor float64 `toml:"spike_factor"`
	SpikeMin    int     `toml:"spike_min"`
	MinUsual    int     `toml:"min_usual"`
	Weeks       int     `toml:"weeks"`
}

// recipientConfig is one [[recipient]] of the file: until the server has
// users, the people who get email.
type recipientConfig struct {
	Name    string   `toml:"name"`
	Email   string   `toml:"email"`
	Lang    string   `toml:"lang"`
	Sites   []string `toml:"sites"`
	Admin   bool     `toml:"admin"`
	Weekly  bool     `toml:"weekly"`
	Monthly bool     `toml:"monthly"`
}

// eventConfig is one [[event]] of the file.
type eventConfig struct {
	Name          string   `toml:"name"`
	Props         []string `toml:"props"`
	DescriptionFI string   `toml:"description_fi"`
	DescriptionSV string   `toml:"description_sv"` // optional: the Swedish list then gives the English text
	DescriptionEN string   `toml:"description_en"`
}

// goalConfig is one [[goal]] of the file.
type goalConfig struct {
	Name  string            `toml:"name"`
	Event string            `toml:"event"`
	Props map[string]string `toml:"props"`
	Page  string            `toml:"page"`
}

// funnelConfig is one [[funnel]] of the file.
type funnelConfig struct {
	Name  string   `toml:"name"`
	Steps []string `toml:"steps"`
}

// eventSettings is what the file declares about events, in the domain's
// terms.
func (cfg serveConfig) eventSettings() analytics.EventConfig {
	var c analytics.EventConfig
	for _, e := range cfg.Events {
		c.Events = append(c.Events, analytics.EventDef{Name: e.Name, Props: e.Props,
			Desc: analytics.Description{FI: e.DescriptionFI, SV: e.DescriptionSV, EN: e.DescriptionEN}})
	}
	c.Auto = cfg.AutoEvents
	for _, g := range cfg.Goals {
		c.Goals = append(c.Goals, analytics.Goal{Name: g.Name, Event: g.Event, Props: g.Props, Page: g.Page})
	}
	for _, f := range cfg.Funnels {
		c.Funnels = append(c.Funnels, analytics.Funnel{Name: f.Name, Steps: f.Steps})
	}
	return c
}

// setting is one field of a serveConfig as its tags declare it.
type setting struct {
	noFlag               bool // a table of the file only
	key, flag, def, help string
	field                reflect.Value // addressable, in the serveConfig given to serveSettings
}

// serveSettings are the settings of cfg, in declaration order.
func serveSettings(cfg *serveConfig) []setting {
	v := reflect.ValueOf(cfg).Elem()
	var out []setting
	for _, f := range reflect.VisibleFields(v.Type()) {
		key := f.Tag.Get("toml")
		if key == "" || key == "-" {
			continue
		}
		out = append(out, setting{
			noFlag: f.Tag.Get("flag") == "-",
			key:    key,
			flag:   strings.ReplaceAll(key, "_", "-"),
			def:    f.Tag.Get("default"),
			help:   strings.NewReplacer("{", "`", "}", "`").Replace(f.Tag.Get("help")),
			field:  v.FieldByIndex(f.Index),
		})
	}
	return out
}

func defaultServeConfig() serveConfig {
	var cfg serveConfig
	for _, s := range serveSettings(&cfg) {
		if s.def == "" {
			continue
		}
		var err error
		switch p := s.field.Addr().Interface().(type) {
		case *string:
			*p = s.def
		case *int:
			*p, err = strconv.Atoi(s.def)
		case *bool:
			*p, err = strconv.ParseBool(s.def)
		default:
			err = fmt.Errorf("no default for a %T", p)
		}
		if err != nil {
			panic(fmt.Sprintf("serveConfig: tag default of %s: %v", s.key, err))
		}
	}
	cfg.Reports.Hour = defaultReportHour
	return cfg
}

// addFlag adds s's flag to fs, setting s's field.
func (s setting) addFlag(fs *flag.FlagSet) {
	if s.noFlag {
		return
	}
	switch p := s.field.Addr().Interface().(type) {
	case *string:
		fs.StringVar(p, s.flag, *p, s.help)
	case *int:
		fs.IntVar(p, s.flag, *p, s.help)
	case *bool:
		fs.BoolVar(p, s.flag, *p, s.help)
	case *[]string:
		fs.Var((*listFlag)(p), s.flag, s.help)
	case *[]siteConfig:
		fs.Var((*siteFlag)(p), s.flag, s.help)
	default:
		panic(fmt.Sprintf("serveConfig: no flag for %s, a %T", s.key, p))
	}
}

// override sets s's field to from's, the same setting given as a flag.
// The flag's sites replace the file's, keeping a domain's origins.
func (s setting) override(from setting) {
	if sites, ok := s.field.Addr().Interface().(*[]siteConfig); ok {
		old := *sites
		*sites = nil
		for _, sc := range *from.field.Addr().Interface().(*[]siteConfig) {
			for _, o := range old {
				if strings.EqualFold(o.Domain, sc.Domain) {
					sc.Origins, sc.ExcludeIPs, sc.ExcludePaths, sc.Consent = o.Origins, o.ExcludeIPs, o.ExcludePaths, o.Consent
				}
			}
			*sites = append(*sites, sc)
		}
		return
	}
	s.field.Set(from.field)
}

// defaultConfigFile is the configuration file every command reads, when
// it exists and no -config is given: seloste serve, report, purge and the
// notice commands in one folder agree on one collector.
const defaultConfigFile = "seloste.toml"

// configHelp is serve's -config help.
const configHelp = "TOML configuration `file` (default ./" + defaultConfigFile + " when present); flags given here override it"

// configPath decides, for every command, the configuration file to read:
// explicit (the -config flag) if given, else ./seloste.toml if it exists,
// else none ("").
func configPath(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	_, err := os.Stat(defaultConfigFile)
	switch {
	case err == nil:
		return defaultConfigFile, nil
	case errors.Is(err, fs.ErrNotExist):
		return "", nil
	}
	return "", fmt.Errorf("config %s: %w", defaultConfigFile, err)
}

// readConfig is the one loader of the configuration: the defaults, then
// the file configPath(explicit) chooses, if any. given holds the keys the
// file sets.
func readConfig(explicit string) (cfg serveConfig, given map[string]bool, err error) {
	cfg = defaultServeConfig()
	path, err := configPath(explicit)
	if err != nil || path == "" {
		return cfg, nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return cfg, nil, fmt.Errorf("config: %w", err)
	}
	if err := decodeServeConfig(path, b, &cfg); err != nil {
		return cfg, nil, err
	}
	var keys map[string]any
	if err := toml.Unmarshal(b, &keys); err != nil {
		return cfg, nil, fmt.Errorf("config %s: %w", path, err)
	}
	given = map[string]bool{}
	for k := range keys {
		given[k] = true
	}
	cfg.File = path
	return cfg, given, nil
}

// loadServeConfig reads a TOML file over the defaults. Unknown keys are
// errors: a typo must not silently change what is collected.
func loadServeConfig(path string, cfg *serveConfig) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return decodeServeConfig(path, b, cfg)
}

// decodeServeConfig decodes the file at path, b, strictly into cfg.
func decodeServeConfig(path string, b []byte, cfg *serveConfig) error {
	// Said before the strict decoding, whose error would quote the line.
	var smtp struct {
		SMTP map[string]any `toml:"smtp"`
	}
	if toml.Unmarshal(b, &smtp) == nil {
		if _, ok := smtp.SMTP["password"]; ok {
			return fmt.Errorf("config %s: [smtp] password: the password is not read from this file, which ends up in backups and version control: put it in a file named by password_file, or in the environment variable named by password_env", path)
		}
	}
	d := toml.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(cfg); err != nil {
		var se *toml.StrictMissingError
		if errors.As(err, &se) {
			return fmt.Errorf("config %s: unknown key:\n%s", path, se.String())
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return fmt.Errorf("config %s:%d:%d: %v", path, row, col, de)
		}
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// listFlag is a repeatable string flag; values may also be comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// siteFlag is the repeatable -site flag: domains, as listFlag reads them.
type siteFlag []siteConfig

func (f *siteFlag) String() string {
	var l listFlag
	for _, s := range *f {
		l = append(l, s.Domain)
	}
	return l.String()
}

func (f *siteFlag) Set(s string) error {
	var l listFlag
	l.Set(s)
	for _, d := range l {
		*f = append(*f, siteConfig{Domain: d})
	}
	return nil
}

// parseServeFlags parses serve's flags over the configuration file
// (configPath: -config, or ./seloste.toml when present) and the defaults.
func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	fs := newFlagSet("serve", "[flags]", stderr)
	configFile := fs.String("config", "", configHelp)
	demo := fs.Bool("demo", false, "try it out: track the site \"localhost\" (allow-local), put the tracker on the notice pages and print a generated dashboard password on first start")
	flags := defaultServeConfig()
	fromFlags := serveSettings(&flags)
	for _, s := range fromFlags {
		s.addFlag(fs)
	}
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: seloste serve [-config seloste.toml] [-addr 127.0.0.1:8080] [-db seloste.db]
                     [-site DOMAIN ...] [-geoip PATH] [-trust-proxy CIDR ...] [-public DIR] [flags]

Reads ./seloste.toml when present (or the -config file); flags given
here override it.

Serves the collector (GET /s.js, POST /api/event, GET /api/event.gif,
GET /healthz, GET /metrics), the owner's reports (/dashboard,
/api/stats, /share/) and the notice site (-public, built from -content
at start) on one address.

Accepted events are queued in memory and written in batches at least once
per -flush-interval. SIGTERM or SIGINT stops accepting, writes everything
accepted and exits 0; a SIGKILL loses at most one flush window of events.

Flags:
`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, ""); err != nil {
		return serveConfig{}, err
	}
	cfg, _, err := readConfig(*configFile)
	if err != nil {
		return serveConfig{}, err
	}
	into := serveSettings(&cfg)
	fs.Visit(func(f *flag.Flag) {
		for i, s := range into {
			if s.flag == f.Name {
				s.override(fromFlags[i])
			}
		}
	})
	if *demo {
		cfg.Demo = true
		cfg.AllowLocal = true
		if len(cfg.Sites) == 0 {
			cfg.Sites = []siteConfig{{Domain: demoSite}}
		}
	}
	return cfg, nil
}

// demoSite is the site -demo tracks: pages opened on this machine.
const demoSite = "localhost"

// collectorSettings are the parsed, checked forms of serveConfig values.
type collectorSettings struct {
	sites     []request.Site
	proxies   []netip.Prefix
	precision geo.Precision
	retention analytics.Retention
	events    analytics.EventConfig
	flush     time.Duration
	report    time.Duration // the dashboard's ReportTimeout
	zone      *time.Location
	authFile  string
}

func (cfg serveConfig) check() (collectorSettings, error) {
	var s collectorSettings
	if len(cfg.Sites) == 0 {
		file := "./" + defaultConfigFile
		if cfg.File != "" {
			file = cfg.File
		}
		return s, fmt.Errorf("serve: no site to track: give -site DOMAIN or a [[site]] in %s (or -demo to try it on localhost)", file)
	}
	for _, site := range cfg.Sites {
		mode := site.Consent
		if mode == "" {
			mode = cfg.Consent
		}
		consent, err := analytics.ParseConsent(mode)
		if err != nil {
			return s, fmt.Errorf("serve: site %s: %w", site.Domain, err)
		}
		s.sites = append(s.sites, request.Site{Domain: site.Domain, Origins: site.Origins, ExcludeIPs: site.ExcludeIPs, ExcludePaths: site.ExcludePaths, Consent: consent})
	}
	for _, p := range cfg.TrustProxy {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			a, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return s, fmt.Errorf("serve: trust-proxy %q: want a CIDR such as 10.0.0.0/8 or an address", p)
			}
			pfx = netip.PrefixFrom(a, a.BitLen())
		}
		s.proxies = append(s.proxies, pfx.Masked())
	}
	var err error
	if s.precision, err = geo.ParsePrecision(cfg.GeoPrecision); err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	if s.retention, err = analytics.ParseRetention(cfg.Retention); err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	s.events = cfg.eventSettings()
	if err := s.events.Check(); err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	if s.flush, err = time.ParseDuration(cfg.FlushInterval); err != nil || s.flush <= 0 || s.flush > time.Second {
		return s, fmt.Errorf("serve: flush-interval %q: want a duration from 1ms to 1s", cfg.FlushInterval)
	}
	if s.report, err = time.ParseDuration(cfg.ReportTimeout); err != nil || s.report < time.Second || s.report > 10*time.Minute {
		return s, fmt.Errorf("serve: report-timeout %q: want a duration from 1s to 10m", cfg.ReportTimeout)
	}
	if cfg.QueueSize < 0 || cfg.BatchSize < 0 {
		return s, errors.New("serve: queue-size and batch-size must be positive, or 0 for the store's")
	}
	if cfg.MaxValues < 0 {
		return s, errors.New("serve: max-values-per-day must be 0 (no cap) or more")
	}
	if cfg.MaxEvents < 0 || cfg.MaxEvents > visitor.MaxEventsLimit {
		return s, fmt.Errorf("serve: max-events-per-visit must be from 0 (no cap) to %d", visitor.MaxEventsLimit)
	}
	if cfg.MaxConns < 16 {
		return s, errors.New("serve: max-connections must be at least 16")
	}
	if s.zone, err = analytics.LoadZone(cfg.Zone); err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	if cfg.MinVisitors < 0 || cfg.ShareMinVisitors < 0 {
		return s, errors.New("serve: min-visitors and share-min-visitors must not be negative")
	}
	if cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return s, fmt.Errorf("serve: log-format %q: want text or json", cfg.LogFormat)
	}
	if cfg.BuildNotice && cfg.Themes != "" {
		if _, err := site.ThemeOverride(cfg.Themes); err != nil {
			return s, fmt.Errorf("serve: -themes %s (or themes in the config file): %w", cfg.Themes, err)
		}
	}
	s.authFile = cfg.Auth
	if s.authFile == "" {
		s.authFile = authPathFor(cfg.DB)
	}
	return s, nil
}

// logConfigFile says at serve's start which configuration file it read.
func logConfigFile(logger *slog.Logger, cfg serveConfig) {
	if cfg.File == "" {
		logger.Info("no configuration file: defaults and flags only (./" + defaultConfigFile + " is read when present, or -config FILE)")
		return
	}
	logger.Info("configuration read", "file", cfg.File)
}

// fileFlags is the -config flag of a command other than serve, and the
// settings that command takes from the file.
type fileFlags struct {
	path *string
	uses []string
}

// addConfigFlag adds -config to fs. uses are what the command takes from
// the file, for -h: each a flag of fs named as serve's flag of the same
// setting ("db"), or as "flag=serve-flag" when the command names it
// otherwise ("out=public"), or a part of the file read another way
// ("[[site]]").
func addConfigFlag(fs *flag.FlagSet, uses ...string) *fileFlags {
	var keys []string
	for _, u := range uses {
		_, serveFlag, ok := strings.Cut(u, "=")
		if !ok {
			serveFlag = u
		}
		keys = append(keys, strings.ReplaceAll(serveFlag, "-", "_"))
	}
	help := "the TOML configuration `file` of seloste serve (default ./" + defaultConfigFile + " when present); this command takes from it: " +
		strings.Join(keys, ", ") + "; flags given here override it"
	return &fileFlags{path: fs.String("config", "", help), uses: uses}
}

// load reads the configuration file as serve does (readConfig) after fs is
// parsed, and gives each flag of uses that the command line left unset
// the value the file sets. The configuration is returned for what no flag
// holds (sites, goals and funnels).
func (c *fileFlags) load(fs *flag.FlagSet) (serveConfig, error) {
	cfg, given, err := readConfig(*c.path)
	if err != nil {
		return cfg, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	settings := serveSettings(&cfg)
	for _, u := range c.uses {
		name, serveFlag, ok := strings.Cut(u, "=")
		if !ok {
			serveFlag = u
		}
		if fs.Lookup(name) == nil || set[name] {
			continue
		}
		for _, s := range settings {
			if s.flag != serveFlag || !given[s.key] {
				continue
			}
			switch s.field.Kind() {
			case reflect.String, reflect.Int, reflect.Bool:
			default:
				panic(fmt.Sprintf("fileFlags: %s is not a value one flag holds", s.key))
			}
			if err := fs.Set(name, fmt.Sprint(s.field.Interface())); err != nil {
				return cfg, fmt.Errorf("config %s: %s: %w", cfg.File, s.key, err)
			}
		}
	}
	return cfg, nil
}

// onlySite is the file's one [[site]], the default of a command's -site
// when it lists exactly one; "" otherwise.
func (cfg serveConfig) onlySite() string {
	if len(cfg.Sites) == 1 {
		return cfg.Sites[0].Domain
	}
	return ""
}

// fileEvents are the events, goals and funnels the file declares, checked.
func (cfg serveConfig) fileEvents() (analytics.EventConfig, error) {
	ev := cfg.eventSettings()
	if err := ev.Check(); err != nil {
		return analytics.EventConfig{}, fmt.Errorf("config %s: %w", cfg.File, err)
	}
	return ev, nil
}
