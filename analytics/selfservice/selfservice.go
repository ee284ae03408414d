// Package selfservice lets a visitor see and erase what the collector has
// stored about them, as the privacy statement promises:
//
//	GET    /api/me[?site=DOMAIN]  today's page views under this browser's id, as JSON
//	DELETE /api/me[?site=DOMAIN]  erase them (page views and their durations)
//	OPTIONS /api/me               CORS preflight from the site's own pages
//
// The pseudonymous visitor id is computed from the request itself (client
// IP, User-Agent and site, with today's salt) exactly as the collector
// computes it, and nothing else is looked up: no id is accepted from the
// request, so nobody can reach another visitor's records through it.
// Visitors who share an IP address and an identical browser share an id,
// in the statistics and here alike.
//
// The site is the ?site= parameter, or else the request's Host; it must be
// a configured site. DELETE needs an Origin header that is the site's (its
// domain, www., or a configured origin): a page elsewhere cannot make a
// visitor's browser erase their data. The IP and User-Agent are only hashed,
// never logged or returned.
package selfservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/analytics/visitor"
)

// Store is what the self-service needs of a storage engine: the daily
// salts (to compute the id) and the visitor's own records.
type Store interface {
	analytics.Salts
	analytics.VisitorStore
}

// Config configures a Handler. Sites, TrustedProxies and AllowLocal must be
// the collector's, or the ids will not match.
type Config struct {
	Store          Store
	Sites          []request.Site
	TrustedProxies []netip.Prefix
	AllowLocal     bool
	Logger         *slog.Logger     // nil: slog.Default()
	Now            func() time.Time // nil: time.Now
}

// Handler serves /api/me.
type Handler struct {
	cfg   Config
	busy  chan struct{} // bounds concurrent lookups: each reads a day of the site's page views
	ids   *visitor.Tracker
	sites *request.Sites
	log   *slog.Logger
}

// MaxConcurrent is how many /api/me requests run at once; more are
// answered 429 with Retry-After, so the endpoint cannot be used to load the
// database.
const MaxConcurrent = 4

// New checks cfg and returns the handler.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("selfservice: no store")
	}
	if len(cfg.Sites) == 0 {
		return nil, errors.New("selfservice: no site configured")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Handler{cfg: cfg, busy: make(chan struct{}, MaxConcurrent), ids: visitor.New(cfg.Store), log: cfg.Logger}
	if h.log == nil {
		h.log = slog.Default()
	}
	var err error
	if h.sites, err = request.NewSites(cfg.Sites, cfg.AllowLocal); err != nil {
		return nil, fmt.Errorf("selfservice: %w", err)
	}
	return h, nil
}

// Register mounts the routes on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/me", h.get)
	mux.HandleFunc("DELETE /api/me", h.delete)
	mux.HandleFunc("OPTIONS /api/me", h.preflight)
}

// Me is the answer to GET /api/me.
type Me struct {
	Site      string     `json:"site"`
	Day       string     `json:"day"`     // the UTC day, 2006-01-02
	Visitor   string     `json:"visitor"` // the pseudonymous id, hex
	PageViews []PageView `json:"pageviews"`
	// Consent is the site's consent mode (analytics.Consent), so that the
	// page can offer the right choice: withdraw, or ask again.
	Consent analytics.Consent `json:"consent"`
}

// PageView is one stored page view. The JSON names are the storage
// columns of the field registry (analytics.Fields), and only those.
type PageView struct {
	Time           time.Time `json:"ts"`
	Visit          string    `json:"visit"`
	ID             string    `json:"pageview_id"`
	Path           string    `json:"path"`
	UTMSource      string    `json:"utm_source"`
	UTMMedium      string    `json:"utm_medium"`
	UTMCampaign    string    `json:"utm_campaign"`
	UTMTerm        string    `json:"utm_term"`
	UTMContent     string    `json:"utm_content"`
	ReferrerHost   string    `json:"referrer_host"`
	Country        string    `json:"country"`
	Region         string    `json:"region"`
	City           string    `json:"city"`
	Browser        string    `json:"browser"`
	BrowserVersion string    `json:"browser_version"`
	OS             string    `json:"os"`
	Device         string    `json:"device"`
	DurationMS     *int64    `json:"duration_ms"` // null when no duration was stored
	ScrollPct      *int      `json:"scroll_pct"`  // null when no scroll depth was stored
	Events         []Event   `json:"events"`      // the events of the page view
}

// Event is one stored event of a page view; its JSON names are the events
// table's columns (the visitor and visit are the page view's).
type Event struct {
	Time  time.Time         `json:"ts"`
	Name  string            `json:"name"`
	Props map[string]string `json:"props"`
}

// Deleted is the answer to DELETE /api/me.
type Deleted struct {
	Site    string           `json:"site"`
	Day     string           `json:"day"`
	Visitor string           `json:"visitor"`
	Deleted analytics.Erased `json:"deleted"`
}

func hexID(v uint64) string { return strconv.FormatUint(v, 16) }

// begin does what GET and DELETE share: pick the site and check the
// Origin, take a lookup slot (release it when done) and compute today's id
// of the request's browser. When ok is false it has answered already.
func (h *Handler) begin(w http.ResponseWriter, r *http.Request, change bool) (site string, id uint64, now time.Time, ok bool) {
	site, status, msg := h.site(r, change)
	if status != 0 {
		http.Error(w, msg, status)
		return "", 0, now, false
	}
	cors(w, r)
	if !h.acquire(w) {
		return "", 0, now, false
	}
	now = h.cfg.Now().UTC()
	if id, ok = h.visitorID(w, r, site, now); !ok {
		h.release()
	}
	return site, id, now, ok
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	site, id, now, ok := h.begin(w, r, false)
	if !ok {
		return
	}
	defer h.release()
	views, err := h.cfg.Store.VisitorPageViews(r.Context(), site, id, now)
	if err != nil {
		h.storeError(w, "read", err)
		return
	}
	me := Me{Site: site, Day: now.Format(time.DateOnly), Visitor: hexID(id), PageViews: []PageView{}, Consent: h.sites.Rule(site).Consent()}
	for _, v := range views {
		p := PageView{
			Time: v.Time.UTC(), Visit: hexID(v.Visit), ID: v.ID, Path: v.Path,
			UTMSource: v.UTMSource, UTMMedium: v.UTMMedium, UTMCampaign: v.UTMCampaign, UTMTerm: v.UTMTerm, UTMContent: v.UTMContent,
			ReferrerHost: v.ReferrerHost, Country: v.Country, Region: v.Region, City: v.City,
			Browser: v.Browser, BrowserVersion: v.BrowserVersion, OS: v.OS, Device: v.Device,
		}
		if v.Timed {
			ms := v.Duration.Milliseconds()
			p.DurationMS = &ms
		}
		if v.Scroll > 0 {
			pct := v.Scroll
			p.ScrollPct = &pct
		}
		p.Events = []Event{}
		for _, e := range v.Events {
			props := map[string]string{}
			for _, x := range e.Props {
				props[x.Key] = x.Value
			}
			p.Events = append(p.Events, Event{Time: e.Time.UTC(), Name: e.Name, Props: props})
		}
		me.PageViews = append(me.PageViews, p)
	}
	writeJSON(w, me)
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	site, id, now, ok := h.begin(w, r, true)
	if !ok {
		return
	}
	defer h.release()
	n, err := h.cfg.Store.DeleteVisitor(r.Context(), site, id, now)
	if err != nil {
		h.storeError(w, "erase", err)
		return
	}
	writeJSON(w, Deleted{Site: site, Day: now.Format(time.DateOnly), Visitor: hexID(id), Deleted: n})
}

// preflight answers CORS preflights from the site's own pages, for a
// collector on another host than the pages.
func (h *Handler) preflight(w http.ResponseWriter, r *http.Request) {
	if _, status, msg := h.site(r, true); status != 0 {
		http.Error(w, msg, status)
		return
	}
	cors(w, r)
	hd := w.Header()
	hd.Set("Access-Control-Allow-Methods", "GET, DELETE")
	hd.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// acquire takes a lookup slot, or answers 429; release it when done.
func (h *Handler) acquire(w http.ResponseWriter) bool {
	select {
	case h.busy <- struct{}{}:
		return true
	default:
		w.Header().Set("Retry-After", "1")
		http.Error(w, "too many requests, retry in a second", http.StatusTooManyRequests)
		return false
	}
}

func (h *Handler) release() { <-h.busy }

// cors lets the site's pages read the answer; site has checked the Origin.
func cors(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Vary", "Origin")
	if origin := r.Header.Get("Origin"); origin != "" {
		w.Header().Set("Access-Control-Allow-Origin", origin)
	}
}

// site picks the configured site of the request and checks its Origin:
// required for a change (DELETE and its preflight), checked when present.
// It sets no header: its callers add the CORS headers (cors) once it has
// accepted the Origin.
func (h *Handler) site(r *http.Request, change bool) (string, int, string) {
	name := r.URL.Query().Get("site")
	if name == "" {
		name = r.Host
	}
	if _, err := request.NormalizeHost(name); err != nil {
		return "", http.StatusBadRequest, "give the site as ?site=DOMAIN"
	}
	site, ok := h.sites.Match(name)
	if !ok {
		return "", http.StatusForbidden, "unknown site: not one that this server collects for"
	}
	origin := r.Header.Get("Origin")
	switch {
	case origin == "" && change:
		return "", http.StatusForbidden, "erasing needs a request from the site's own page (no Origin header)"
	case origin != "" && !h.sites.AllowedOrigin(site, origin):
		return "", http.StatusForbidden, "Origin is not the site's"
	}
	return site, 0, ""
}

// visitorID computes today's id of the request's browser for site, the
// collector's way. The IP and User-Agent end here.
func (h *Handler) visitorID(w http.ResponseWriter, r *http.Request, site string, now time.Time) (uint64, bool) {
	ip := request.ClientIP(r, h.cfg.TrustedProxies)
	id, err := h.ids.ID(r.Context(), now, site, ip, r.Header.Get("User-Agent"))
	if err != nil {
		h.storeError(w, "visitor id", err)
		return 0, false
	}
	return id, true
}

// storeError answers 503; the logged error holds no request data.
func (h *Handler) storeError(w http.ResponseWriter, what string, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	h.log.Error("self-service: "+what+" failed", "err", err)
	http.Error(w, "storage unavailable, retry later", http.StatusServiceUnavailable)
}

func writeJSON(w http.ResponseWriter, v any) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
