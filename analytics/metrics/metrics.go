// Package metrics is the server's own health in the Prometheus text format,
// at GET /metrics: what the collector did with the events it got, how its
// queue and database keep up, how long reports take, how old the location
// database is, and the Go runtime and process.
//
// Every seloste_ metric is listed in this file, with its help text. Labels
// take a few fixed values only (a reason, a kind, a database type): never a
// path, an address, a User-Agent or anything else a request carries, so
// that /metrics cannot hold personal data and its series stay few.
//
// The collector's counters are read from collect.Stats when /metrics is
// scraped (the numbers /healthz shows come from the same counters); the
// two durations are observed as they happen, through collect.Config's
// OnBatch and a Reporter wrapped by Reports.
//
// Access (Handler): a request straight from this machine or a trusted
// proxy's host, not forwarded (request.Direct), or one with a bearer
// token. A request forwarded by the reverse proxy comes from a trusted
// address too, so it is answered only with a token.
package metrics

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/collect"
	"github.com/seloste/seloste/analytics/request"
)

// The metrics read from the collector's counters at each scrape.
var (
	eventsAccepted = prometheus.NewDesc("seloste_events_accepted_total",
		"Events queued for storage, by kind: pageview, leave, event (a declared custom event), bot (a bot's page view, "+
			"kept only as a time and a site), or consent (one count of the consent banner). Each is one record: the kinds sum to seloste_records_stored_total once written.",
		[]string{"kind"}, nil)
	eventsRefused = prometheus.NewDesc("seloste_events_refused_total",
		"Events not queued, by reason: too_large, content_type, bad_event, unknown_site, foreign_origin (answered 4xx), "+
			"excluded, dnt, bot (answered 202, nothing stored), queue_full, storage_unavailable, shutting_down (answered 503), "+
			"event_limit (a custom event past max_events_per_visit, answered 429), "+
			"consent (a <noscript> page view of a site whose visitors must agree first, answered, nothing stored).",
		[]string{"reason"}, nil)
	recordsStored = prometheus.NewDesc("seloste_records_stored_total",
		"Records (page views, leaves, custom events, bot hits) written to the database.", nil, nil)
	queueDepth = prometheus.NewDesc("seloste_queue_events",
		"Accepted events waiting in memory to be written.", nil, nil)
	queueCapacity = prometheus.NewDesc("seloste_queue_capacity_events",
		"Events the queue holds before the collector answers 503 (queue_size).", nil, nil)
	databaseErrors = prometheus.NewDesc("seloste_database_errors_total",
		"Database operations that failed, by operation: append (a batch write; retried, nothing lost) "+
			"or salt (reading the day's salt; the event was refused).",
		[]string{"op"}, nil)
	openVisits = prometheus.NewDesc("seloste_visits_open",
		"Visits open in memory (a page view within the last 30 minutes).", nil, nil)
	capsReached = prometheus.NewDesc("seloste_value_caps_reached_total",
		"Times a site's field reached max_values_per_day on a day, after which its new values that day are stored as \"(muut)\", "+
			"by field: path, referrer_host, utm_source, utm_medium, utm_campaign, utm_term, utm_content, city, "+
			"or event_property (each declared property of each event counted on its own).",
		[]string{"field"}, nil)
	geoipAge = prometheus.NewDesc("seloste_geoip_database_age_seconds",
		"Time since the location database was built (its metadata), by database type. Absent without a database.",
		[]string{"type"}, nil)
)

// The email reports' metrics, read from MailStatus at each scrape.
var (
	mailSent = prometheus.NewDesc("seloste_mail_sent_total",
		"Email reports and alerts the SMTP server took, since start.", nil, nil)
	mailFailures = prometheus.NewDesc("seloste_mail_failures_total",
		"Failed attempts to send email (each retried with backoff; the message stays in the spool), since start.", nil, nil)
	mailSpooled = prometheus.NewDesc("seloste_mail_spooled_messages",
		"Email messages waiting in the spool to be sent.", nil, nil)
)

// MailStatus reads the email sender's counters: mailreport.Mailer's Status.
type MailStatus func() (sent, failures int64, spooled int)

// WatchMail adds the email sender's counters to the registry. Call it
// once, when email is configured.
func (m *Metrics) WatchMail(status MailStatus) { m.reg.MustRegister(mailCollector(status)) }

type mailCollector MailStatus

func (c mailCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- mailSent
	ch <- mailFailures
	ch <- mailSpooled
}

func (c mailCollector) Collect(ch chan<- prometheus.Metric) {
	sent, failures, spooled := c()
	ch <- prometheus.MustNewConstMetric(mailSent, prometheus.CounterValue, float64(sent))
	ch <- prometheus.MustNewConstMetric(mailFailures, prometheus.CounterValue, float64(failures))
	ch <- prometheus.MustNewConstMetric(mailSpooled, prometheus.GaugeValue, float64(spooled))
}

// GeoIP is the location database whose age is shown: geo.DB.
type GeoIP interface {
	BuildTime() time.Time // zero: no database
	Type() string
}

// Metrics is the registry of one server's metrics. Make it with New, give
// ObserveBatch to the collector and Reports the Reporter, then Watch the
// collector and serve Handler.
type Metrics struct {
	reg     *prometheus.Registry
	batch   prometheus.Histogram
	reports *prometheus.HistogramVec
	now     func() time.Time
}

// New makes the registry: its own, not Prometheus's global one, holding
// the Go runtime and process collectors and the two duration histograms.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "seloste_batch_write_duration_seconds",
			Help: "Time to write one batch of events to the database (one transaction, synced), failed writes included.",
			// From a small batch on a fast disk to a slow fsync under load.
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 10), // 0.5 ms … 1.9 s
		}),
		reports: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "seloste_report_duration_seconds",
			Help: "Time to compute a report for the dashboard, the stats API or a share page, by whether it was filtered.",
			// Unfiltered reports take milliseconds; filtered ones over a
			// year of a big site, a few hundred.
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 11), // 1 ms … 9.5 s
		}, []string{"filtered"}),
		now: time.Now,
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.batch, m.reports,
	)
	// Both label values exist from the start, so a dashboard shows 0, not
	// "no data", before the first report.
	m.reports.WithLabelValues("false")
	m.reports.WithLabelValues("true")
	return m
}

// ObserveBatch records one batch write; it is collect.Config's OnBatch.
func (m *Metrics) ObserveBatch(elapsed time.Duration, records int, err error) {
	m.batch.Observe(elapsed.Seconds())
}

// Reports returns r with the duration of each report recorded.
func (m *Metrics) Reports(r analytics.Reporter) analytics.Reporter {
	return timedReporter{r, m.reports}
}

type timedReporter struct {
	r analytics.Reporter
	h *prometheus.HistogramVec
}

func (t timedReporter) Report(ctx context.Context, q analytics.Query) (*analytics.Report, error) {
	start := time.Now()
	rep, err := t.r.Report(ctx, q)
	filtered := "false"
	if len(q.Filters) > 0 || q.Goal != "" {
		filtered = "true"
	}
	t.h.WithLabelValues(filtered).Observe(time.Since(start).Seconds())
	return rep, err
}

// Watch adds the collector's counters and the location database's age
// (geo may be nil, or a nil *geo.DB: no database) to the registry. Call it
// once.
func (m *Metrics) Watch(c *collect.Collector, geo GeoIP) {
	m.reg.MustRegister(&statsCollector{c: c, geo: geo, now: m.now})
}

// statsCollector turns collect.Stats into metrics at each scrape.
type statsCollector struct {
	c   *collect.Collector
	geo GeoIP
	now func() time.Time
}

func (s *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{eventsAccepted, eventsRefused, recordsStored, queueDepth, queueCapacity, databaseErrors, openVisits, capsReached, geoipAge} {
		ch <- d
	}
}

func (s *statsCollector) Collect(ch chan<- prometheus.Metric) {
	st := s.c.Stats()
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter(eventsAccepted, st.PageViews, "pageview")
	counter(eventsAccepted, st.Leaves, "leave")
	counter(eventsAccepted, st.Events, "event")
	counter(eventsAccepted, st.BotHits, "bot")
	counter(eventsAccepted, st.Consent, "consent")
	for r := range collect.NumRefusals {
		counter(eventsRefused, st.Refused[r], r.String())
	}
	counter(recordsStored, st.Stored)
	gauge(queueDepth, float64(st.Queued))
	gauge(queueCapacity, float64(st.QueueCapacity))
	counter(databaseErrors, st.AppendErrors, "append")
	counter(databaseErrors, st.SaltErrors, "salt")
	gauge(openVisits, float64(st.OpenVisits))
	for f, name := range collect.CapFieldNames {
		counter(capsReached, st.CapsReached[f], name)
	}
	if s.geo != nil {
		if built := s.geo.BuildTime(); !built.IsZero() {
			gauge(geoipAge, s.now().Sub(built).Seconds(), s.geo.Type())
		}
	}
}

// Access says who may read /metrics without a token.
type Access struct {
	// TrustedProxies are trust_proxy: a request straight from one of them
	// (no forwarding header) is answered like one from loopback.
	TrustedProxies []netip.Prefix
	// Bearer checks an "Authorization: Bearer" token (dashboard.Handler's
	// BearerToken: the tokens of "seloste token"); given is false without
	// an Authorization header. nil: tokens are not accepted.
	Bearer func(r *http.Request) (name string, given, ok bool)
}

// Handler serves the registry at GET /metrics to those a allows: a request
// that came straight from this machine or a trusted proxy's host, or one
// with a valid bearer token. Others get 403 (no token) or 401 (a wrong
// one), and nothing of the metrics.
func (m *Metrics) Handler(a Access) *Handler {
	return &Handler{
		access: a,
		serve: promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
			Registry:            m.reg, // counts its own errors (promhttp_metric_handler_errors_total)
			ErrorHandling:       promhttp.ContinueOnError,
			Timeout:             10 * time.Second,
			MaxRequestsInFlight: 4,
		}),
	}
}

// Handler is GET /metrics; mount it with Register.
type Handler struct {
	access Access
	serve  http.Handler
}

// Register mounts GET /metrics on mux.
func (h *Handler) Register(mux *http.ServeMux) { mux.Handle("GET /metrics", h) }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	given, ok := false, false
	if h.access.Bearer != nil {
		_, given, ok = h.access.Bearer(r)
	}
	switch {
	case ok:
	case given:
		w.Header().Set("WWW-Authenticate", `Bearer realm="seloste", error="invalid_token"`)
		http.Error(w, "metrics: invalid or revoked token", http.StatusUnauthorized)
		return
	case !request.Direct(r, h.access.TrustedProxies):
		http.Error(w, `metrics: only for this machine and trusted proxies' hosts, not forwarded; `+
			`elsewhere send "Authorization: Bearer TOKEN" (create one with "seloste token")`, http.StatusForbidden)
		return
	}
	h.serve.ServeHTTP(w, r)
}
