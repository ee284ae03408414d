package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path"
	"regexp"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/collect"
	"github.com/seloste/seloste/analytics/dashboard"
	"github.com/seloste/seloste/analytics/geo"
	"github.com/seloste/seloste/analytics/metrics"
	"github.com/seloste/seloste/analytics/upkeep"
	"github.com/seloste/seloste/notice"
	"github.com/seloste/seloste/notice/site"
)

// shutdownTimeout bounds each step of a graceful stop: in-flight requests,
// then writing the queue.
const shutdownTimeout = 30 * time.Second

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseServeFlags(args, stderr)
	if err != nil {
		return err
	}
	set, err := cfg.check()
	if err != nil {
		return err
	}
	logger := newLogger(stderr, cfg.LogFormat)
	logConfigFile(logger, cfg)
	// The statement must state the terms the trackers run on, as it must
	// describe what is stored: a mismatch stops the start, before anything
	// is opened.
	if err := notice.ConsentStated(cfg.Content, siteTerms(set.sites)); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(collect.GCPercent)
	}

	locations, err := openGeo(cfg.GeoIP, logger)
	if err != nil {
		return err
	}
	defer locations.Close()

	store, err := openServeStore(ctx, cfg.DB, stderr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer store.Close()
	keepEventDays(store, set.events)

	var siteNames []string
	for _, s := range set.sites {
		siteNames = append(siteNames, s.Domain)
	}
	mailer, err := newMailer(cfg, set.zone, set.events.Goals, siteNames, store, logger)
	if err != nil {
		return fmt.Errorf("serve: email: %w", err)
	}
	var mailStatus func() any
	stats := metrics.New()
	if mailer != nil {
		logger.Info("email reports and alerts on", "smtp", cfg.SMTP.Host, "recipients", len(cfg.Recipients), "spool", cfg.mailSpoolDir())
		mailStatus = func() any { return mailer.Status() }
		stats.WatchMail(func() (int64, int64, int) {
			st := mailer.Status()
			return st.Sent, st.Failed, st.Pending
		})
	}
	col, err := collect.New(ctx, collect.Config{
		Store:             store,
		Sites:             set.sites,
		TrustedProxies:    set.proxies,
		IgnoreDNT:         !cfg.HonourDNT,
		AllowLocal:        cfg.AllowLocal,
		Geo:               locations,
		Precision:         set.precision,
		Queue:             collect.QueueConfig{Size: cfg.QueueSize, BatchSize: cfg.BatchSize, FlushInterval: set.flush},
		MaxValuesPerDay:   valueCap(cfg.MaxValues),
		MaxEventsPerVisit: valueCap(cfg.MaxEvents),
		Zone:              set.zone,
		Logger:            logger,
		OnBatch:           stats.ObserveBatch,
		MailStatus:        mailStatus,
		Events:            set.events,
		// Until the statement is read below, before the server listens.
		Undescribed: map[string]string{"*": "the privacy statement is not read yet"},
	})
	if err != nil {
		return err
	}

	if err := ensurePassword(set.authFile, cfg.Demo, stdout, logger); err != nil {
		col.Close(ctx)
		return err
	}
	audit, _ := store.(analytics.AuditLog) // both engines keep one
	dash, err := dashboard.New(dashboard.Config{
		Audit:            audit,
		Reporter:         stats.Reports(store),
		Annotations:      store,
		Trends:           store,
		Sites:            siteNames,
		Zone:             set.zone,
		AuthFile:         set.authFile,
		ReportTimeout:    set.report,
		MinVisitors:      cfg.MinVisitors,
		ShareMinVisitors: cfg.ShareMinVisitors,
		Goals:            set.events.Goals,
		Funnels:          set.events.Funnels,
		SecureCookies:    cfg.SecureCookies,
		TrustedProxies:   set.proxies,
		CreditDBIP:       func() bool { return locations.Info().FromDBIP() },
		HasLocations:     func() bool { return len(locations.Info().Paths) > 0 },
		Logger:           logger,
	})
	if err != nil {
		col.Close(ctx)
		return fmt.Errorf("serve: %w", err)
	}
	stats.Watch(col, locations)
	metricsRoute := stats.Handler(metrics.Access{TrustedProxies: set.proxies, Bearer: dash.BearerToken})
	if cfg.BuildNotice {
		buildNoticeAtStart(ctx, cfg, siteNames, logger)
	}
	refused, err := refusedEvents(cfg.Content, set.events, logger)
	if err != nil {
		col.Close(ctx)
		return fmt.Errorf("serve: %w", err)
	}
	col.SetUndescribed(refused)
	col.SetDescribed(describedGated(cfg.Content, logger))

	conns := newConnLimit(connCap(cfg.MaxConns, logger))
	srv := &http.Server{
		Handler:           newMux(col, cfg.Public, logger, dash, selfServiceRoutes(store, set, cfg.AllowLocal, logger), metricsRoute),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       30 * time.Second,
		ConnState:         conns.ConnState,
		MaxHeaderBytes:    16 << 10,
		// net/http's own messages name the peer's address: scrub them.
		ErrorLog: log.New(scrubWriter{logger}, "", 0),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		col.Close(ctx)
		return fmt.Errorf("serve: %w", err)
	}
	ln = conns.Listener(ln)
	logger.Info("seloste serve listening", "url", "http://"+ln.Addr().String()+"/",
		"sites", strings.Join(siteNames, ","), "db", storeName(cfg.DB), "geo", locations.Type(),
		"geo_precision", set.precision.String(), "honour_dnt", cfg.HonourDNT, "retention", cfg.Retention)

	upkeepCtx, stopUpkeep := context.WithCancel(context.Background())
	kept := make(chan struct{})
	go func() {
		defer close(kept)
		upkeep.Run(upkeepCtx, store, upkeep.Config{Retention: set.retention, Zone: set.zone, Logger: logger})
	}()
	mailed := make(chan struct{})
	go func() {
		defer close(mailed)
		if mailer != nil {
			mailer.Run(upkeepCtx)
		}
	}()
	// A new location database is swapped in on SIGHUP and when its file changes.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go locations.Watch(upkeepCtx, geoPollInterval, hup, logger)
	// A scheduled version of the statement takes effect at midnight in Finland.
	statementKept := make(chan struct{})
	go func() {
		defer close(statementKept)
		keepStatementCurrent(upkeepCtx, cfg, siteNames, set.events, col, logger)
	}()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	// A big database is checked whole while the server already listens.
	checked := make(chan error, 1)
	if c, ok := store.(analytics.Checker); ok {
		go func() { checked <- c.Check(upkeepCtx) }()
	}
	var serveErr, checkErr error
wait:
	for {
		select {
		case <-ctx.Done():
			logger.Info("shutting down: no new requests; writing accepted events")
			break wait
		case serveErr = <-served:
			logger.Error("server stopped", "err", serveErr)
			break wait
		case checkErr = <-checked:
			if checkErr != nil {
				logger.Error("stopping: the database check failed", "err", checkErr)
				break wait
			}
			checked = nil
		}
	}

	// Stop accepting and wait for running handlers: after Shutdown returns,
	// every 202 that was sent is in the queue.
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Error("shutdown: requests still running", "err", err)
		srv.Close()
	}
	stopUpkeep()
	<-kept
	<-mailed
	<-statementKept
	cctx, cancel2 := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel2()
	if err := col.Close(cctx); err != nil {
		logger.Error("shutdown: accepted events could not be written", "err", err)
		return errExit1
	}
	if err := store.Close(); err != nil {
		logger.Error("shutdown: closing the database", "err", err)
		return errExit1
	}
	logger.Info("stopped; all accepted events written")
	if checkErr != nil {
		return checkErr
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return errExit1
	}
	return nil
}

// registrar is a part of the server that adds its own routes.
type registrar interface{ Register(mux *http.ServeMux) }

// newMux builds every route of "seloste serve": the collector's, then those
// of the other parts (the dashboard and stats API), and the notice site
// (public/) takes the rest.
func newMux(col *collect.Collector, public string, logger *slog.Logger, parts ...registrar) *http.ServeMux {
	mux := http.NewServeMux()
	col.Register(mux)
	for _, p := range parts {
		p.Register(mux)
	}
	mux.Handle("GET /", staticSite(public, logger))
	return mux
}

// buildNoticeAtStart builds the notice site from cfg.Content into
// cfg.Public, so that one command serves the current statement. A failed
// build keeps the last good site (builds swap atomically) and does not stop
// the collector: it is logged for the owner to fix.
func buildNoticeAtStart(ctx context.Context, cfg serveConfig, sites []string, logger *slog.Logger) {
	if _, err := os.Stat(notice.SourceDir(cfg.Content)); err != nil {
		logger.Info("no notice sources to build; serving -public as it is", "content", cfg.Content)
		return
	}
	opts := site.Options{ThemesDir: themesFolder(cfg.Themes), OutDir: cfg.Public, BaseURL: "/"}
	if cfg.Demo && len(sites) > 0 {
		// The demo tracks its own pages, opened on this machine: the tracker
		// tag on every notice page, allowed to send from localhost.
		opts.Params = map[string]any{"seloste": map[string]any{"site": sites[0], "allowLocal": true}}
	}
	what, err := site.Publish(ctx, cfg.Content, opts)
	if err != nil {
		logger.Error("notice build failed; serving the last built site", "err", err)
		return
	}
	logger.Info("notice site built", "public", cfg.Public, "what", what.String())
}

// refusedEvents reads which declared events the published statement
// describes and says at start which will be refused, and why.
func refusedEvents(content string, events analytics.EventConfig, logger *slog.Logger) (map[string]string, error) {
	declared := events.Declared()
	refused, err := notice.EventsDescribed(content, declared)
	if err != nil {
		return nil, fmt.Errorf("reading the privacy statement for events: %w", err)
	}
	if reason, all := refused["*"]; all {
		logger.Warn("refusing every event", "reason", reason, "events", len(declared))
		return refused, nil
	}
	var accepted []string
	for _, d := range declared {
		if reason, ok := refused[d.Name]; ok {
			logger.Warn("refusing event", "event", d.Name, "reason", reason)
		} else {
			accepted = append(accepted, d.Name)
		}
	}
	if len(accepted) > 0 {
		logger.Info("storing events the published statement describes", "events", strings.Join(accepted, ", "))
	}
	return refused, nil
}

// describedGated reads which of the collector's Gated fields (scroll
// depth, the hash route, the consent counts) the published statement
// describes; the collector
// measures only those, and says at start which it leaves out and why.
func describedGated(content string, logger *slog.Logger) map[string]bool {
	described := map[string]bool{}
	for _, name := range []string{analytics.ScrollField, analytics.HashRouteField, analytics.ConsentField} {
		field, _ := analytics.FieldNamed(name)
		if err := notice.DescribesField(content, field); err != nil {
			logger.Info("not measured until the statement describes it", "field", name, "reason", err.Error())
			continue
		}
		described[name] = true
	}
	return described
}

// ensurePassword makes sure the dashboard can be opened. Without a
// password it says how to set one; in -demo it sets a random one and
// prints it once, to stdout (not the log).
func ensurePassword(authFile string, demo bool, stdout io.Writer, logger *slog.Logger) error {
	f, err := auth.Load(authFile)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if f.HasPassword() {
		return nil
	}
	if !demo {
		logger.Warn("no dashboard password yet: set one with seloste passwd", "auth", authFile)
		return nil
	}
	pw := rand.Text()
	if err := f.SetPassword(pw); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if err := f.Save(authFile); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintf(stdout, "Dashboard password (shown once; change it with seloste passwd): %s\n", pw)
	return nil
}

// staticSite serves the built notice site without directory listings. The
// directory may appear after start (seloste notice build), and is swapped
// whole by each build, so it is opened per request. Only what the build
// wrote is served: a symbolic link that leads out of it (os.Root refuses
// to follow one), a dotfile (.git, .env) and a malformed name are not.
func staticSite(dir string, logger *slog.Logger) http.Handler {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		logger.Warn("no notice site to serve yet; build it with: seloste notice build", "public", dir)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if name == "" {
			name = "."
		}
		if msg, code := badName(name); code != 0 {
			http.Error(w, msg, code)
			return
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			http.Error(w, "The notice site is not built yet: run seloste notice build.", http.StatusNotFound)
			return
		}
		defer root.Close()
		files := root.FS()
		fi, err := fs.Stat(files, name)
		if err != nil {
			http.NotFound(w, r) // missing, or a link out of the site
			return
		}
		if fi.IsDir() {
			if _, err := fs.Stat(files, path.Join(name, "index.html")); err != nil {
				http.NotFound(w, r)
				return
			}
		}
		http.FileServerFS(files).ServeHTTP(w, r)
	})
}

// badName says why a request path cannot name a file of the site: 400 for
// what no URL of it can contain (bytes that are not UTF-8, control
// characters), 404 for hidden files and names too long for a file system.
func badName(name string) (string, int) {
	if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "Bad request: the path is not valid text.", http.StatusBadRequest
	}
	for seg := range strings.SplitSeq(name, "/") {
		if len(seg) > 255 || (strings.HasPrefix(seg, ".") && seg != ".") {
			return "404 page not found", http.StatusNotFound
		}
	}
	return "", 0
}

// geoPollInterval is how often serve looks for a changed location database.
const geoPollInterval = time.Minute

// openGeo opens the location database: the given path (or two, comma-separated:
// ip-location-db's IPv4 and IPv6 files; or a directory), or the first found
// in the usual places. Without one, location is empty, and it says so once.
func openGeo(p string, logger *slog.Logger) (*geo.DB, error) {
	switch p {
	case "none", "off":
		logger.Info("location disabled (-geoip none): country, region and city are not recorded")
		return nil, nil
	case "":
		p = geo.Detect()
		if p == "" {
			logger.Warn("no GeoIP database found: country, region and city are not recorded; install one (e.g. GeoLite2-City.mmdb) and pass -geoip PATH",
				"searched", strings.Join(geo.Candidates, " "))
			return nil, nil
		}
	}
	var paths listFlag
	paths.Set(p)
	db, err := geo.Open(paths...)
	if err != nil {
		return nil, fmt.Errorf("serve: -geoip: %w", err)
	}
	return db, nil
}

// addrPattern matches IPv4 and IPv6 addresses (with an optional port) in
// net/http's error messages, such as "http: TLS handshake error from
// 203.0.113.9:41000: EOF".
var addrPattern = regexp.MustCompile(`\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*:[0-9a-fA-F:.]*\]?(:\d+)?|\d{1,3}(\.\d{1,3}){3}(:\d+)?`)

// scrubWriter logs net/http's messages with addresses removed.
type scrubWriter struct{ logger *slog.Logger }

func (w scrubWriter) Write(p []byte) (int, error) {
	msg := addrPattern.ReplaceAllString(strings.TrimSpace(string(p)), "[address]")
	w.logger.Warn(msg)
	return len(p), nil
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// newLogger is serve's logger in log_format ("text" or "json", checked by
// serveConfig.check): one key=value or JSON object per line.
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return newTextLogger(w)
}

// valueCap turns max_values_per_day or max_events_per_visit (0: no cap) into
// collect's setting (negative: no cap).
func valueCap(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
