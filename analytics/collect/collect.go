// Package collect is seloste's first-party page-view collector: the HTTP
// handlers for the tracker script and the beacon endpoints, and the queue
// that moves accepted records into an analytics.Store.
//
// Wire contract (public API):
//
//	GET  /s.js            the tracker (ETag, 304 on If-None-Match), with
//	                      the sites exempt from consent written in
//	GET  /s.consent.js    the consent banner, loaded by s.js for a site
//	                      that needs consent
//	POST /api/consent     {"site":…,"choice":"shown"|"accept"|"decline"}
//	                      → 202: one count of the site's day, nothing else
//	POST /api/event       {"kind":"pageview","site":…,"url":…,"referrer":…,"pageview":…}
//	                      {"kind":"leave","site":…,"pageview":…,"duration_ms":…}
//	                      {"kind":"event","site":…,"url":…,"name":…,"props":{…},"pageview":…}
//	                      → 202 no body; 413 oversized; 415 wrong Content-Type;
//	                        400 malformed; 403 unknown site or foreign Origin;
//	                        429 an event past the visit's max_events_per_visit;
//	                        503 + Retry-After when the queue is full
//	GET  /api/event.gif   the same page view as query parameters, for <noscript>;
//	                      stored only for a site exempt from consent
//	GET  /healthz         200 when storing works, 503 and the reason when not
//
// The client IP and the raw User-Agent die in the request handler: they are
// reduced to a visitor id (package visitor), a coarse location (package
// geo) and browser facts (package useragent), and never stored, logged or
// put into an error message.
package collect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/geo"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/analytics/useragent"
	"github.com/seloste/seloste/analytics/visitor"
)

// GCPercent is the garbage collector's target (GOGC) that serve runs with
// unless GOGC is set. The largest thing a collector keeps, its open visits,
// holds no pointers, so collecting twice as often as Go's default costs
// little CPU (not measurable in BenchmarkIngestDistinctVisitors) and keeps
// the heap near its live size: about 30 MB less resident memory per
// million open visits.
const GCPercent = 50

// DefaultMaxEventsPerVisit is how many custom events one visit may send in
// a day unless configured otherwise: far more than a person clicks, few
// enough that one client cannot fill the store.
const DefaultMaxEventsPerVisit = 1000

// Config configures a Collector.
type Config struct {
	Store analytics.Store // required
	Sites []request.Site  // at least one

	// TrustedProxies are the peers whose X-Forwarded-For is believed: the
	// client is the right-most hop not in these prefixes.
	TrustedProxies []netip.Prefix
	// IgnoreDNT stores events of browsers that send DNT: 1 or Sec-GPC: 1.
	// By default they are answered 202 and not stored.
	IgnoreDNT bool
	// AllowLocal accepts pages and origins on localhost, 127.0.0.1 and ::1
	// for every site: for trying seloste out on a development machine.
	AllowLocal bool

	// Events declares the events that may be stored: their names and
	// properties (analytics.EventConfig.CheckEvent). The zero value stores
	// none.
	Events analytics.EventConfig
	// Undescribed are declared events refused all the same, by name, each
	// with the reason the client is told: the published privacy statement
	// does not describe them. "*" refuses every event with its reason.
	Undescribed map[string]string
	// Described names the registry's Gated fields the published statement
	// describes (analytics.ScrollField, analytics.HashRouteField): the
	// others are left out of what is stored, a leave's scroll depth or a
	// page's #/route. nil describes none.
	Described map[string]bool

	Geo       *geo.DB // nil: no location
	Precision geo.Precision
	// MaxValuesPerDay caps the distinct paths, referrer hosts, values of
	// each utm_* parameter, cities and values of each declared event
	// property a site can add in a day (of Zone): past it a new value is
	// stored as analytics.Other. 0 means DefaultMaxValuesPerDay, a
	// negative number no cap.
	MaxValuesPerDay int
	// MaxEventsPerVisit caps the custom events one visit may send in a UTC
	// day: past it an event is answered 429 and not stored. 0 means
	// DefaultMaxEventsPerVisit, a negative number no cap; at most
	// visitor.MaxEventsLimit.
	MaxEventsPerVisit int
	Zone              *time.Location // nil: UTC
	Queue             QueueConfig
	Logger            *slog.Logger // nil: slog.Default()

	// Now is the clock; time.Now if nil.
	Now func() time.Time

	// OnBatch, if set, is called after each attempt to write a batch:
	// how long the store's Append took, the records in the batch and its
	// error. It runs on the writer's goroutine and must be quick (metrics).
	OnBatch func(elapsed time.Duration, records int, err error)

	// MailStatus, if set, is the email reports' state (mailreport.Status),
	// shown as "mail" in /healthz. It does not change the status code:
	// a mail server that is down loses no events.
	MailStatus func() any
}

// Collector turns beacons into stored records. Create it with New, mount
// it with Register, and Close it after the HTTP server has shut down.
type Collector struct {
	cfg     Config
	sites   *request.Sites
	ua      *useragent.Parser
	visits  *visitor.Tracker
	w       *writer
	log     *slog.Logger
	tracker trackerFile
	auto    trackerFile // s.auto.js
	consent trackerFile // s.consent.js

	undescribed atomic.Pointer[map[string]string] // Config.Undescribed, then SetUndescribed's
	described   atomic.Pointer[map[string]bool]   // Config.Described, then SetDescribed's

	closing  atomic.Bool
	stats    stats
	refusals refusals
	caps     *valueCaps
	// maxEvents is Config.MaxEventsPerVisit resolved: 0 no cap.
	maxEvents int
	counters  // by kind and reason, for Stats (metrics)
}

// stats are counters shown by /healthz.
type stats struct {
	accepted, rejected, bots, dnt, full, excluded atomic.Int64
}

// New checks cfg, loads the visits that may still go on from the store, and
// starts the batch writer.
func New(ctx context.Context, cfg Config) (*Collector, error) {
	if cfg.Store == nil {
		return nil, errors.New("collect: no store")
	}
	if len(cfg.Sites) == 0 {
		return nil, errors.New("collect: no site configured")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	sites, err := request.NewSites(cfg.Sites, cfg.AllowLocal)
	if err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	c := &Collector{
		cfg:   cfg,
		sites: sites,
		ua:    useragent.NewParser(),
		log:   log,
	}
	c.refusals.log, c.refusals.every = log, time.Minute
	c.SetUndescribed(cfg.Undescribed)
	c.SetDescribed(cfg.Described)
	if max := cfg.MaxValuesPerDay; max >= 0 {
		if max == 0 {
			max = DefaultMaxValuesPerDay
		}
		c.caps = newValueCaps(max, cfg.Zone, log)
	}
	switch n := cfg.MaxEventsPerVisit; {
	case n == 0:
		c.maxEvents = DefaultMaxEventsPerVisit
	case n > visitor.MaxEventsLimit:
		return nil, fmt.Errorf("collect: a limit of %d events per visit is more than the %d a visit can count; use at most %d, or no limit", n, visitor.MaxEventsLimit, visitor.MaxEventsLimit)
	case n > 0:
		c.maxEvents = n
	}
	js, err := trackerFor(sites.Exempt())
	if err != nil {
		return nil, err
	}
	if c.tracker, err = newTrackerFile(js); err != nil {
		return nil, err
	}
	if c.consent, err = newTrackerFile(consentJS); err != nil {
		return nil, err
	}
	if c.auto, err = newTrackerFile(autoJS); err != nil {
		return nil, err
	}
	c.visits = visitor.New(cfg.Store)
	open, err := cfg.Store.OpenVisits(ctx, cfg.Now().Add(-analytics.VisitGap))
	if err != nil {
		return nil, fmt.Errorf("collect: loading open visits: %w", err)
	}
	c.visits.Seed(open)
	c.w = newWriter(cfg.Store, cfg.Queue, log)
	c.w.onBatch = cfg.OnBatch
	return c, nil
}

// Close stops accepting events and stores everything already accepted.
// Call it after http.Server.Shutdown has returned, so that no handler is
// still running. If ctx ends first, Close gives up and says how many
// records were lost.
func (c *Collector) Close(ctx context.Context) error {
	c.closing.Store(true)
	return c.w.close(ctx)
}

// SetUndescribed replaces Config.Undescribed: serve learns what the
// published statement describes once it has built the notice.
func (c *Collector) SetUndescribed(m map[string]string) { c.undescribed.Store(&m) }

// SetDescribed replaces Config.Described, as SetUndescribed does.
func (c *Collector) SetDescribed(m map[string]bool) { c.described.Store(&m) }

// describes reports whether the published statement describes the Gated
// field name.
func (c *Collector) describes(name string) bool { return (*c.described.Load())[name] }

// Health is nil while records are being stored, or the last store error.
func (c *Collector) Health() error {
	if c.closing.Load() {
		return errors.New("shutting down")
	}
	if err := c.w.healthErr(); err != nil {
		return err
	}
	if reason := c.refusals.current(c.cfg.Now(), c.w.flushes.Load()); reason != "" {
		return errors.New("refusing events: " + reason)
	}
	return nil
}
