package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/collect"
	"github.com/seloste/seloste/analytics/geo"
	"github.com/seloste/seloste/analytics/request"
)

// serveConfig is the configuration of "seloste serve": the TOML file
// (-config), then the flags given on the command line, which win.
//
// Example seloste.toml:
//
//	addr = "127.0.0.1:8080"
//	db = "seloste.db"
//	public = "public"
//	geoip = "/var/lib/GeoIP/GeoLite2-City.mmdb"  # "" auto-detects, "none" disables
//	geo_precision = "city"                        # country | region | city
//	trust_proxy = ["127.0.0.1/32", "::1/128"]
//	retention = "3y"                              # Ny, Nmo, Nw, Nd
//	honour_dnt = true                             # DNT: 1 / Sec-GPC: 1 → not stored
//	allow_local = false                           # accept pages on localhost (development)
//	queue_size = 16384
//	batch_size = 2000
//	flush_interval = "1s"                         # at most 1s
//	zone = "Europe/Helsinki"                      # days of the reports
//	min_visitors = 1                              # k-anonymity floor of reports (1 = off)
//	share_min_visitors = 5                        # floor of public share links
//	secure_cookies = false                        # dashboard behind a TLS proxy without trust_proxy
//	auth = ""                                     # credentials file; "" = seloste.auth next to db
//	content = "content"                           # notice sources, built into public at start
//	themes = "themes"
//	build_notice = true
//
//	[[site]]
//	domain = "example.fi"
//	origins = ["example.com"]                     # more hosts allowed to send events
type serveConfig struct {
	Addr          string       `toml:"addr"`
	DB            string       `toml:"db"`
	Public        string       `toml:"public"`
	GeoIP         string       `toml:"geoip"`
	GeoPrecision  string       `toml:"geo_precision"`
	TrustProxy    []string     `toml:"trust_proxy"`
	Retention     string       `toml:"retention"`
	HonourDNT     bool         `toml:"honour_dnt"`
	AllowLocal    bool         `toml:"allow_local"`
	QueueSize     int          `toml:"queue_size"`
	BatchSize     int          `toml:"batch_size"`
	FlushInterval string       `toml:"flush_interval"`
	Sites         []siteConfig `toml:"site"`

	Zone             string `toml:"zone"`
	MinVisitors      int    `toml:"min_visitors"`
	ShareMinVisitors int    `toml:"share_min_visitors"`
	SecureCookies    bool   `toml:"secure_cookies"`
	Auth             string `toml:"auth"`
	Content          string `toml:"content"`
	Themes           string `toml:"themes"`
	BuildNotice      bool   `toml:"build_notice"`

	// Demo is a flag only: track "localhost", tag the notice pages with the
	// tracker and print a generated dashboard password on first start.
	Demo bool `toml:"-"`
}

type siteConfig struct {
	Domain  string   `toml:"domain"`
	Origins []string `toml:"origins"`
}

func defaultServeConfig() serveConfig {
	return serveConfig{
		Addr:          "127.0.0.1:8080",
		DB:            "seloste.db",
		Public:        "public",
		GeoPrecision:  "city",
		Retention:     analytics.DefaultRetention.String(),
		HonourDNT:     true,
		QueueSize:     collect.DefaultQueueSize,
		BatchSize:     collect.DefaultBatchSize,
		FlushInterval: collect.DefaultFlushInterval.String(),
		Zone:          analytics.DefaultZone,
		MinVisitors:   1,
		Content:       "content",
		Themes:        "themes",
		BuildNotice:   true,
	}
}

// loadServeConfig reads a TOML file over the defaults. Unknown keys are
// errors: a typo must not silently change what is collected.
func loadServeConfig(path string, cfg *serveConfig) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
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

// parseServeFlags parses serve's flags over the config file named by
// -config (if any) and the defaults.
func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	fs := newFlagSet("serve", "[flags]", stderr)
	def := defaultServeConfig()
	var (
		configPath = fs.String("config", "", "TOML configuration `file`; flags given here override it")
		addr       = fs.String("addr", def.Addr, "listen `address`")
		db         = fs.String("db", def.DB, "SQLite database `file` (created if missing)")
		public     = fs.String("public", def.Public, "`dir`ectory of the built notice site, served at /")
		geoip      = fs.String("geoip", "", "MaxMind-format location database `file` (GeoLite2/GeoIP2 City or Country, DB-IP Lite); empty: auto-detect in /usr/share/GeoIP and /var/lib/GeoIP; \"none\": no location")
		precision  = fs.String("geo-precision", def.GeoPrecision, "location kept: country, region or city")
		retention  = fs.String("retention", def.Retention, "keep events this long: Ny, Nmo, Nw or Nd; older ones are purged daily")
		honourDNT  = fs.Bool("honour-dnt", def.HonourDNT, "do not store events of browsers sending DNT: 1 or Sec-GPC: 1")
		allowLocal = fs.Bool("allow-local", def.AllowLocal, "accept events from pages on localhost/127.0.0.1 (development)")
		queueSize  = fs.Int("queue-size", def.QueueSize, "events waiting for the database before the collector answers 503")
		batchSize  = fs.Int("batch-size", def.BatchSize, "events per database transaction")
		flush      = fs.String("flush-interval", def.FlushInterval, "longest wait before accepted events are written (at most 1s: a SIGKILL loses at most this window)")
		zone       = fs.String("zone", def.Zone, "IANA time `zone` of report days")
		minVisits  = fs.Int("min-visitors", def.MinVisitors, "k-anonymity floor: report rows with fewer visitors are folded into \"(muut)\"; 1 = off")
		shareMin   = fs.Int("share-min-visitors", def.ShareMinVisitors, "k-anonymity floor of public share links (0 = 5)")
		secure     = fs.Bool("secure-cookies", def.SecureCookies, "mark dashboard cookies Secure even without TLS seen by this process")
		authFile   = fs.String("auth", def.Auth, "dashboard credentials `file` (default: seloste.auth next to -db)")
		content    = fs.String("content", def.Content, "notice source `folder`, built into -public at start")
		themes     = fs.String("themes", def.Themes, "theme `folder` for the notice build")
		build      = fs.Bool("build-notice", def.BuildNotice, "build the notice site from -content into -public at start (when -content exists)")
		demo       = fs.Bool("demo", false, "try it out: track the site \"localhost\" (allow-local), put the tracker on the notice pages and print a generated dashboard password on first start")
		sites      listFlag
		proxies    listFlag
	)
	fs.Var(&sites, "site", "tracked site `domain`, e.g. example.fi (repeatable; replaces the config file's list, keeping its origins)")
	fs.Var(&proxies, "trust-proxy", "`CIDR` of a reverse proxy whose X-Forwarded-For is believed (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: seloste serve [-config seloste.toml] [-addr 127.0.0.1:8080] [-db seloste.db]
                     [-site DOMAIN ...] [-geoip PATH] [-trust-proxy CIDR ...] [-public DIR] [flags]

Serves the collector (GET /s.js, POST /api/event, GET /api/event.gif,
GET /healthz), the owner's reports (/dashboard, /api/stats, /share/) and
the notice site (-public, built from -content at start) on one address.

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
	cfg := def
	if *configPath != "" {
		if err := loadServeConfig(*configPath, &cfg); err != nil {
			return serveConfig{}, err
		}
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "addr":
			cfg.Addr = *addr
		case "db":
			cfg.DB = *db
		case "public":
			cfg.Public = *public
		case "geoip":
			cfg.GeoIP = *geoip
		case "geo-precision":
			cfg.GeoPrecision = *precision
		case "retention":
			cfg.Retention = *retention
		case "honour-dnt":
			cfg.HonourDNT = *honourDNT
		case "allow-local":
			cfg.AllowLocal = *allowLocal
		case "queue-size":
			cfg.QueueSize = *queueSize
		case "batch-size":
			cfg.BatchSize = *batchSize
		case "flush-interval":
			cfg.FlushInterval = *flush
		case "trust-proxy":
			cfg.TrustProxy = proxies
		case "zone":
			cfg.Zone = *zone
		case "min-visitors":
			cfg.MinVisitors = *minVisits
		case "share-min-visitors":
			cfg.ShareMinVisitors = *shareMin
		case "secure-cookies":
			cfg.SecureCookies = *secure
		case "auth":
			cfg.Auth = *authFile
		case "content":
			cfg.Content = *content
		case "themes":
			cfg.Themes = *themes
		case "build-notice":
			cfg.BuildNotice = *build
		case "site":
			old := cfg.Sites
			cfg.Sites = nil
			for _, d := range sites {
				sc := siteConfig{Domain: d}
				for _, o := range old {
					if strings.EqualFold(o.Domain, d) {
						sc.Origins = o.Origins
					}
				}
				cfg.Sites = append(cfg.Sites, sc)
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
	flush     time.Duration
	zone      *time.Location
	authFile  string
}

func (cfg serveConfig) check() (collectorSettings, error) {
	var s collectorSettings
	if len(cfg.Sites) == 0 {
		return s, errors.New("serve: no site to track: give -site DOMAIN or a [[site]] in the config file (or -demo to try it on localhost)")
	}
	for _, site := range cfg.Sites {
		s.sites = append(s.sites, request.Site{Domain: site.Domain, Origins: site.Origins})
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
	if s.flush, err = time.ParseDuration(cfg.FlushInterval); err != nil || s.flush <= 0 || s.flush > time.Second {
		return s, fmt.Errorf("serve: flush-interval %q: want a duration from 1ms to 1s", cfg.FlushInterval)
	}
	if cfg.QueueSize < 1 || cfg.BatchSize < 1 {
		return s, errors.New("serve: queue-size and batch-size must be positive")
	}
	if s.zone, err = analytics.LoadZone(cfg.Zone); err != nil {
		return s, fmt.Errorf("serve: %w", err)
	}
	if cfg.MinVisitors < 0 || cfg.ShareMinVisitors < 0 {
		return s, errors.New("serve: min-visitors and share-min-visitors must not be negative")
	}
	s.authFile = cfg.Auth
	if s.authFile == "" {
		s.authFile = authPathFor(cfg.DB)
	}
	return s, nil
}
