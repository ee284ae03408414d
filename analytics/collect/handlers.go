package collect

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
)

// Register mounts the collector's routes on mux.
func (c *Collector) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /s.js", c.serveTracker)
	mux.HandleFunc("GET /s.auto.js", c.serveAuto)
	mux.HandleFunc("GET /s.consent.js", c.serveConsent)
	mux.HandleFunc("POST /api/consent", c.handleConsent)
	mux.HandleFunc("POST /api/event", c.handleEvent)
	mux.HandleFunc("OPTIONS /api/event", c.handlePreflight)
	mux.HandleFunc("GET /api/event.gif", c.handleGIF)
	mux.HandleFunc("GET /healthz", c.handleHealth)
}

var bodyPool = sync.Pool{New: func() any { b := make([]byte, MaxBody+1); return &b }}

// handleEvent answers POST /api/event.
func (c *Collector) handleEvent(w http.ResponseWriter, r *http.Request) {
	status, msg := c.event(w, r)
	if c.refuse(w, status, msg) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// refuse answers and counts a refusal (status other than 202), saying
// when to try again after 503, and reports whether it was one.
func (c *Collector) refuse(w http.ResponseWriter, status int, msg string) bool {
	if status == http.StatusAccepted {
		return false
	}
	c.stats.rejected.Add(1)
	c.countRefusal(status, msg)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	http.Error(w, msg, status)
	return true
}

func (c *Collector) event(w http.ResponseWriter, r *http.Request) (int, string) {
	if r.ContentLength > MaxBody {
		return http.StatusRequestEntityTooLarge, "event body larger than 4 KiB"
	}
	if !acceptedContentType(r.Header.Get("Content-Type")) {
		return http.StatusUnsupportedMediaType, "Content-Type must be text/plain or application/json"
	}
	bp := bodyPool.Get().(*[]byte)
	defer bodyPool.Put(bp)
	n, err := io.ReadFull(r.Body, *bp)
	switch {
	case n > MaxBody:
		return http.StatusRequestEntityTooLarge, "event body larger than 4 KiB"
	case err != nil && err != io.ErrUnexpectedEOF && err != io.EOF:
		return http.StatusBadRequest, "reading the event body failed"
	}
	ev, err := DecodeEvent((*bp)[:n])
	if err != nil {
		return http.StatusBadRequest, err.Error()
	}
	site := c.sites.Rule(ev.Site)
	if site == nil {
		return http.StatusForbidden, "unknown site"
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !site.AllowsOrigin(origin) {
			return http.StatusForbidden, "Origin is not the site's"
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	}
	return c.accept(r, site, ev)
}

// accept turns a decoded event into a queued record.
func (c *Collector) accept(r *http.Request, site *request.SiteRule, ev Event) (int, string) {
	it, status, msg := c.record(r, site, ev)
	if it.kind == 0 {
		return status, msg
	}
	return c.enqueue(it)
}

// record turns a decoded event into the record to store: a zero item with
// the status to answer when there is nothing to store. It is the only
// place that sees the client IP and the User-Agent; both end here.
func (c *Collector) record(r *http.Request, site *request.SiteRule, ev Event) (item, int, string) {
	var pg page
	if ev.Kind == KindEvent {
		if status, msg := c.checkEvent(site, &ev); status != 0 {
			return item{}, status, msg
		}
	}
	if ev.Kind == KindPageView {
		var ok bool
		pg, ok = parsePage(ev.URL, c.describes(analytics.HashRouteField))
		if !ok {
			return item{}, http.StatusBadRequest, `bad event: field "url": want an absolute http(s) URL`
		}
		if !site.AllowsHost(pg.host) {
			return item{}, http.StatusBadRequest, `bad event: field "url" is not a page of the site`
		}
		if site.ExcludesPath(pg.path) {
			c.stats.excluded.Add(1)
			c.refused[RefusedExcluded].Add(1)
			return item{}, http.StatusAccepted, ""
		}
	}
	// The owner's own addresses: answered like any event, nothing kept.
	ip := request.ClientIP(r, c.cfg.TrustedProxies)
	if site.ExcludesIP(ip) {
		c.stats.excluded.Add(1)
		c.refused[RefusedExcluded].Add(1)
		return item{}, http.StatusAccepted, ""
	}
	if !c.cfg.IgnoreDNT && (r.Header.Get("Dnt") == "1" || r.Header.Get("Sec-Gpc") == "1") {
		c.stats.dnt.Add(1)
		c.refused[RefusedDNT].Add(1)
		return item{}, http.StatusAccepted, ""
	}
	now := c.cfg.Now().UTC().Truncate(1e9)
	userAgent := r.Header.Get("User-Agent")
	agent := c.ua.Parse(userAgent)
	if agent.Bot {
		// One definition of a bot hit everywhere: a bot's page view, the
		// record the reports count. A bot's leave or event is only refused.
		if ev.Kind != KindPageView {
			c.refused[RefusedBot].Add(1)
			return item{}, http.StatusAccepted, ""
		}
		c.stats.bots.Add(1)
		return item{kind: itemBot, bot: analytics.BotHit{Time: now, Site: site.Domain()}}, 0, ""
	}
	if ev.Kind == KindEvent {
		return c.recordEvent(r, now, site, ip, userAgent, ev)
	}
	if ev.Kind == KindLeave {
		l := analytics.Leave{Time: now, Site: site.Domain(), PageView: ev.PageView, Duration: ev.Duration}
		if c.describes(analytics.ScrollField) {
			l.Scroll = ev.Scroll // else left out: the statement does not say it is collected
		}
		return item{kind: itemLeave, leave: l}, 0, ""
	}

	vis, visit, err := c.visits.Assign(r.Context(), now, site.Domain(), ip, userAgent)
	if err != nil {
		// A store error (the daily salt); it holds no request data.
		c.refused[RefusedStorage].Add(1)
		c.refusals.refuse(now, c.w.flushes.Load(), "storage unavailable (visitor id)", err)
		return item{}, http.StatusServiceUnavailable, "storage unavailable, retry later"
	}
	loc := c.cfg.Geo.Lookup(ip).Trim(c.cfg.Precision)
	ref := analytics.ReferrerHost(ev.Referrer)
	if ref != "" && (site.AllowsHost(ref) || ref == pg.host) {
		ref = "" // same-site navigation
	}
	it := item{kind: itemPageView, pv: analytics.PageView{
		Time:           now,
		Site:           site.Domain(),
		Visitor:        vis,
		Visit:          visit,
		ID:             ev.PageView,
		Path:           pg.path,
		UTMSource:      pg.utm[0],
		UTMMedium:      pg.utm[1],
		UTMCampaign:    pg.utm[2],
		UTMTerm:        pg.utm[3],
		UTMContent:     pg.utm[4],
		ReferrerHost:   ref,
		Country:        loc.Country,
		Region:         loc.Region,
		City:           loc.City,
		Browser:        agent.Browser,
		BrowserVersion: agent.Version,
		OS:             agent.OS,
		Device:         agent.Device,
	}}
	c.caps.apply(&it.pv)
	return it, 0, ""
}

func (c *Collector) enqueue(it item) (int, string) {
	switch err := c.w.enqueue(it); {
	case err == nil:
		c.stats.accepted.Add(1)
		c.queued[it.kind].Add(1)
		c.refusals.accept(c.cfg.Now())
		return http.StatusAccepted, ""
	case errors.Is(err, ErrQueueFull):
		c.stats.full.Add(1)
		c.refused[RefusedQueueFull].Add(1)
		c.refusals.refuse(c.cfg.Now(), c.w.flushes.Load(), "event queue full", nil)
		return http.StatusServiceUnavailable, "event queue full, retry later"
	default:
		c.refused[RefusedShuttingDown].Add(1)
		return http.StatusServiceUnavailable, "shutting down, retry later"
	}
}

func acceptedContentType(ct string) bool {
	switch ct {
	case "text/plain;charset=UTF-8", "text/plain", "application/json":
		// What browsers send (sendBeacon and fetch with a string body, the
		// first) and the bare types, without ParseMediaType's map: it was
		// a tenth of the handler's allocations.
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "text/plain" || mt == "application/json")
}

// handlePreflight answers CORS preflight requests from the sites' origins,
// for trackers loaded with data-api pointing at another host.
func (c *Collector) handlePreflight(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || !c.sites.AnyAllowsOrigin(origin) {
		http.Error(w, "Origin is not a site's", http.StatusForbidden)
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
	h.Add("Vary", "Origin")
	w.WriteHeader(http.StatusNoContent)
}

// gif is a transparent 1×1 GIF.
var gif = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// handleGIF answers GET /api/event.gif?site=…&url=…[&referrer=…][&pageview=…]:
// a page view for <noscript>. url defaults to the Referer header (the page
// that holds the image), pageview to a random id. It answers the GIF (200)
// when the page view is accepted, and the error status otherwise.
func (c *Collector) handleGIF(w http.ResponseWriter, r *http.Request) {
	status, msg := c.gifEvent(r)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if c.refuse(w, status, msg) {
		return
	}
	h.Set("Content-Type", "image/gif")
	h.Set("Content-Length", strconv.Itoa(len(gif)))
	w.WriteHeader(http.StatusOK)
	w.Write(gif)
}

var gifParams = map[string]bool{"kind": true, "site": true, "url": true, "referrer": true, "pageview": true}

func (c *Collector) gifEvent(r *http.Request) (int, string) {
	if len(r.URL.RawQuery) > MaxBody {
		return http.StatusRequestURITooLong, "query longer than 4 KiB"
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return http.StatusBadRequest, "bad event: malformed query"
	}
	for k, vs := range q {
		if !gifParams[k] {
			return http.StatusBadRequest, "bad event: unknown parameter " + strconv.Quote(cut(k, 32))
		}
		if len(vs) != 1 {
			return http.StatusBadRequest, "bad event: parameter " + strconv.Quote(k) + " given twice"
		}
		if !utf8.ValidString(vs[0]) {
			return http.StatusBadRequest, "bad event: parameter " + strconv.Quote(k) + ": invalid UTF-8"
		}
	}
	if k := q.Get("kind"); k != "" && k != KindPageView {
		return http.StatusBadRequest, `bad event: parameter "kind": only "pageview"`
	}
	ev := Event{Kind: KindPageView, Site: q.Get("site"), URL: q.Get("url"), Referrer: q.Get("referrer"), PageView: q.Get("pageview")}
	if ev.URL == "" {
		ev.URL = r.Header.Get("Referer")
	}
	if ev.URL == "" {
		return http.StatusBadRequest, `bad event: missing parameter "url"`
	}
	if ev.PageView == "" {
		ev.PageView = randomID()
	}
	if err := checkSite(ev.Site); err != nil {
		return http.StatusBadRequest, err.Error()
	}
	if err := checkID(ev.PageView); err != nil {
		return http.StatusBadRequest, err.Error()
	}
	site := c.sites.Rule(ev.Site)
	if site == nil {
		return http.StatusForbidden, "unknown site"
	}
	if origin := r.Header.Get("Origin"); origin != "" && !site.AllowsOrigin(origin) {
		return http.StatusForbidden, "Origin is not the site's"
	}
	if site.Consent() != analytics.ConsentExempt {
		// An image cannot ask first: answered, nothing kept.
		c.refused[RefusedConsent].Add(1)
		return http.StatusAccepted, ""
	}
	return c.accept(r, site, ev)
}

// randomID is a page view id for a beacon that brings none: 64 random
// bits in hex, as many as the tracker's (s.js, in decimal): enough to
// tell a site's page views of a day apart (two of 10 M collide with odds
// of about 3 in a million), and it is the largest stored column of a
// page view and a leave, so every bit more is paid on disk.
func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// handleHealth answers GET /healthz: 200 while events are stored, 503 with
// the reason when the store fails or the server is shutting down.
func (c *Collector) handleHealth(w http.ResponseWriter, r *http.Request) {
	type health struct {
		Status   string `json:"status"`
		Reason   string `json:"reason,omitempty"`
		Queued   int    `json:"queued"`
		Capacity int    `json:"capacity"`
		Stored   int64  `json:"stored"`
		Accepted int64  `json:"accepted"`
		Rejected int64  `json:"rejected"`
		Bots     int64  `json:"bots"`
		DNT      int64  `json:"dnt"`
		Excluded int64  `json:"excluded"` // events of exclude_ips and exclude_paths, not stored
		Full     int64  `json:"queue_full"`
		Capped   int64  `json:"capped_today"` // values stored as "(muut)" past max_values_per_day
		// The fields and event properties (each of each site once) that
		// reached max_values_per_day today.
		CapsReached int64 `json:"caps_reached_today"`
		// Custom events refused past max_events_per_visit, since start.
		EventLimit int64 `json:"event_limit_refused"`
		// Page views whose visit could not be tracked (more open visits
		// than visitor.DefaultMaxOpen): their visits are over-counted.
		Untracked int64 `json:"visits_untracked"`
		// The email reports' spool and counters, when email is configured.
		Mail any `json:"mail,omitempty"`
	}
	hs := health{
		Status: "ok", Queued: c.w.len(), Capacity: c.w.cfg.Size, Stored: c.w.stored.Load(),
		Accepted: c.stats.accepted.Load(), Rejected: c.stats.rejected.Load(),
		Bots: c.stats.bots.Load(), DNT: c.stats.dnt.Load(), Excluded: c.stats.excluded.Load(), Full: c.stats.full.Load(),
		EventLimit: c.refused[RefusedEventLimit].Load(), Untracked: c.visits.Untracked(),
	}
	hs.Capped, hs.CapsReached = c.caps.cappedToday()
	if c.cfg.MailStatus != nil {
		hs.Mail = c.cfg.MailStatus()
	}
	status := http.StatusOK
	if err := c.Health(); err != nil {
		hs.Status, hs.Reason = "error", err.Error()
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(hs)
}

func itoa(n int) string { return strconv.Itoa(n) }
