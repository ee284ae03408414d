// Package dashboard is the owner's side of seloste's statistics on the web:
// the HTML dashboard under /dashboard, the JSON stats API at /api/stats and
// the optional public, read-only share links under /share/.
//
// Every number comes from one analytics.Report computed by an
// analytics.Reporter; this package only renders it. The pages are plain
// server-rendered HTML with an inline SVG chart: no script, no CDN.
// A site that has never had a page view gets, instead of empty charts,
// the tracker tag to paste and a page that reloads itself until the first
// page view arrives (firstrun.go).
//
// Access: users (package analytics/auth: admin or viewer, a viewer with
// their sites) log in with their password (argon2id) and get a signed,
// HttpOnly, SameSite=Strict session cookie; the API also takes a bearer
// token from "seloste token", which acts as its user. A viewer sees only
// their sites' reports and share links; admins also change share links
// and users (requireAdmin), and see the audit log. Everything lives in the
// auth file, which is re-read when it changes, so a revoked token or a
// removed user stops working at once. An invited user sets their own
// password at /dashboard/invite/<token> (users.go).
// The client IP is used only in memory to rate-limit logins; it is never
// logged or stored.
package dashboard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/request"
)

// Config configures the handler returned by New.
type Config struct {
	Reporter analytics.Reporter // computes every report; required
	Sites    []string           // the configured sites, in picker order; required
	Zone     *time.Location     // days of reports; Europe/Helsinki when nil
	AuthFile string             // credentials file written by "seloste user" / "seloste token"; required
	// Audit keeps the audit log: logins, and changes to users and share
	// links. Nil: nothing is recorded and the audit page says so.
	Audit analytics.AuditLog

	// Annotations keeps the owner's notes shown on the chart and added
	// from the dashboard (notes.go); nil: none.
	Annotations analytics.AnnotationStore
	// Trends computes the Pages rows' trends (trend.go) faster than one
	// report per row through Reporter; nil: through Reporter.
	Trends analytics.PageTrender

	// Goals and Funnels are the configured ones, counted in every report.
	Goals   []analytics.Goal
	Funnels []analytics.Funnel

	// ReportTimeout is how long a report may take (the page, the stats
	// API, CSV, share pages); 0 means DefaultReportTimeout.
	ReportTimeout time.Duration

	// MinVisitors is the configured k-anonymity floor for every report.
	MinVisitors int
	// ShareMinVisitors is the floor of public share links; they use the
	// larger of it and MinVisitors. 0 means DefaultShareMinVisitors.
	ShareMinVisitors int

	// SecureCookies marks cookies Secure even when the request did not come
	// over TLS to this process, e.g. behind a TLS-terminating proxy.
	SecureCookies bool
	// TrustedProxies are the peers whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (the same list the collector gets).
	// The client address only keys the login rate limit, in memory.
	TrustedProxies []netip.Prefix
	// LoginAttempts is how many login attempts one client may make in a
	// burst before it must wait; 0 means 5.
	LoginAttempts int
	// CreditDBIP reports whether the location data now loaded is DB-IP's:
	// its licence (CC BY 4.0) asks for the credit the footer then shows.
	// Nil: never.
	CreditDBIP func() bool
	// HasLocations reports whether a location database is loaded; a site
	// waiting for its first page view is then not told how to get one.
	// Nil: none is.
	HasLocations func() bool

	Logger *slog.Logger     // nil discards
	Now    func() time.Time // nil is time.Now
}

// DefaultReportTimeout is how long a report may take when Config sets no
// limit.
const DefaultReportTimeout = 30 * time.Second

// DefaultShareMinVisitors is the k-anonymity floor of share links when the
// configuration sets none: rows seen by fewer visitors are folded away.
const DefaultShareMinVisitors = 5

// ShareFloor is the k-anonymity floor of what leaves the server (share
// links, email reports): share (0: DefaultShareMinVisitors), and never
// under the dashboard's own floor minVisitors.
func ShareFloor(share, minVisitors int) int {
	if share <= 0 {
		share = DefaultShareMinVisitors
	}
	return max(share, minVisitors)
}

// SessionTTL is how long a login lasts.
const SessionTTL = 7 * 24 * time.Hour

// Handler serves /dashboard, /api/stats and /share/. Make one with New.
type Handler struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	cop    *http.CrossOriginProtection
	logins *loginLimiter
	hashes chan struct{} // bounds concurrent argon2 runs (64 MiB each)
	nonces nonces        // login forms already sent
	// Share pages are public: each client may ask for a few a second, and
	// a report asked for again within a minute is not recomputed.
	shareLimit *loginLimiter
	shareCache reportCache
	shareLog   throttledLog
	// limitedLog keeps rate-limited logins to a line a minute.
	limitedLog throttledLog
	// seen holds the sites known to have had a page view: they never need
	// the first-run view again (firstrun.go).
	seen sync.Map

	mu      sync.Mutex
	creds   *auth.File
	credsAt fileStamp
}

// fileStamp identifies one version of the auth file. Save renames a new
// file into place, so the file's identity (inode) changes on every write
// even when the size and a coarse modification time do not.
type fileStamp struct {
	info os.FileInfo
}

func stamp(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fileStamp{}, nil
	}
	return fileStamp{fi}, err
}

func (a fileStamp) same(b fileStamp) bool {
	if a.info == nil || b.info == nil {
		return a.info == nil && b.info == nil
	}
	return os.SameFile(a.info, b.info) && a.info.ModTime().Equal(b.info.ModTime()) && a.info.Size() == b.info.Size()
}

// New returns the handler of the dashboard, the stats API and share links.
// Add its routes to a server's mux with Register, or serve it alone.
func New(cfg Config) (*Handler, error) {
	if cfg.Reporter == nil {
		return nil, errors.New("dashboard: no Reporter")
	}
	if len(cfg.Sites) == 0 {
		return nil, errors.New("dashboard: no sites configured")
	}
	if cfg.AuthFile == "" {
		return nil, errors.New("dashboard: no auth file")
	}
	if cfg.Zone == nil {
		z, err := analytics.LoadZone("")
		if err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
		cfg.Zone = z
	}
	if cfg.ReportTimeout < 0 {
		return nil, errors.New("dashboard: negative ReportTimeout")
	}
	if cfg.ReportTimeout == 0 {
		cfg.ReportTimeout = DefaultReportTimeout
	}
	cfg.ShareMinVisitors = ShareFloor(cfg.ShareMinVisitors, cfg.MinVisitors)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LoginAttempts <= 0 {
		cfg.LoginAttempts = 5
	}
	h := &Handler{
		cfg:    cfg,
		log:    cfg.Logger,
		mux:    http.NewServeMux(),
		cop:    http.NewCrossOriginProtection(),
		logins: newLoginLimiter(cfg.LoginAttempts, cfg.Now),
		hashes: make(chan struct{}, 1),
		// 20 pages at once, then one every 2 s per client; 10 a second for all.
		shareLimit: newLimiter(20, 2*time.Second, 200, 100*time.Millisecond, cfg.Now),
	}
	if _, err := h.credentials(); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	h.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusForbidden, "err.crossorigin")
	}))

	h.mux.HandleFunc("GET /dashboard/login", h.loginPage)
	h.mux.HandleFunc("POST /dashboard/login", h.login)
	h.mux.Handle("POST /dashboard/logout", h.requireSession(h.logout))
	h.mux.Handle("GET /dashboard", h.requireSession(h.dashboard))
	h.mux.Handle("GET /dashboard/{$}", h.requireSession(func(w http.ResponseWriter, r *http.Request, s *session) {
		http.Redirect(w, r, "/dashboard", http.StatusMovedPermanently)
	}))
	h.mux.Handle("GET /dashboard/export.csv", h.requireSession(h.exportCSV))
	h.mux.Handle("POST /dashboard/share", h.requireAdmin(h.share))
	h.mux.Handle("GET /dashboard/users", h.requireAdmin(h.usersPage))
	h.mux.Handle("POST /dashboard/users", h.requireAdmin(h.userAction))
	h.mux.Handle("GET /dashboard/audit", h.requireAdmin(h.auditPage))
	h.mux.HandleFunc("GET /dashboard/invite/{token}", h.invitePage)
	h.mux.HandleFunc("POST /dashboard/invite/{token}", h.acceptInvite)
	h.mux.Handle("POST /dashboard/notes", h.requireAdmin(h.notes))
	// Anything else under /dashboard/ still needs a login first, so that
	// the set of pages is not probeable without one.
	h.mux.Handle("/dashboard/", h.requireSession(func(w http.ResponseWriter, r *http.Request, s *session) {
		http.NotFound(w, r)
	}))
	h.mux.HandleFunc("GET /api/stats", h.apiStats)
	h.mux.HandleFunc("/api/stats", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := h.apiAuth(w, r); !ok {
			return
		}
		w.Header().Set("Allow", "GET, HEAD")
		writeJSONError(w, http.StatusMethodNotAllowed, "use GET")
	})
	h.mux.HandleFunc("GET /share/{id}", h.sharePage)
	return h, nil
}

// Register adds the handler's routes to mux: everything under /dashboard,
// GET /api/stats and GET /share/. The patterns name their methods, so they
// sit next to a catch-all "GET /" (the notice site) without conflict.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, p := range []string{"GET /dashboard", "GET /dashboard/", "POST /dashboard/", "GET /api/stats", "GET /share/"} {
		mux.Handle(p, h)
	}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	// Dashboard URLs carry filters and share ids: never leak them onwards.
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	if err := h.cop.Check(r); err != nil {
		h.fail(w, r, http.StatusForbidden, "err.crossorigin")
		return
	}
	h.mux.ServeHTTP(w, r)
}

// credentials returns the auth file's contents, re-reading the file when it
// changed on disk (a new password, a revoked token).
func (h *Handler) credentials() (*auth.File, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	st, err := stamp(h.cfg.AuthFile)
	if err != nil {
		return nil, err
	}
	if h.creds != nil && st.same(h.credsAt) {
		return h.creds, nil
	}
	f, err := auth.Load(h.cfg.AuthFile)
	if err != nil {
		if h.creds != nil {
			// Keep serving with the last good credentials; say why once.
			h.log.Error("auth file unreadable, keeping the previous credentials", "err", err)
			h.credsAt = st
			return h.creds, nil
		}
		return nil, err
	}
	h.creds, h.credsAt = f, st
	return f, nil
}

// updateCredentials changes the auth file under the lock and saves it.
func (h *Handler) updateCredentials(change func(*auth.File) error) error {
	if _, err := h.credentials(); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	f, err := auth.Load(h.cfg.AuthFile)
	if err != nil {
		return err
	}
	if err := change(f); err != nil {
		return err
	}
	if err := f.Save(h.cfg.AuthFile); err != nil {
		return err
	}
	st, _ := stamp(h.cfg.AuthFile)
	h.creds, h.credsAt = f, st
	return nil
}

func (h *Handler) site(name string) (string, bool) {
	if name == "" {
		return h.cfg.Sites[0], true
	}
	return name, slices.Contains(h.cfg.Sites, name)
}

// errReportSlow is a report that ran out of Config.ReportTimeout.
var errReportSlow = errors.New("the report took longer than its time limit")

// report computes q for the request r within Config.ReportTimeout. The
// response's write deadline moves with it: a server's WriteTimeout is
// meant for every other response, and must not cut off a report that is
// still allowed to run.
func (h *Handler) report(w http.ResponseWriter, r *http.Request, q analytics.Query) (*analytics.Report, error) {
	limit := h.cfg.ReportTimeout
	// Not supported by test recorders; a real server's conn supports it.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(limit + 10*time.Second))
	ctx, cancel := context.WithTimeout(r.Context(), limit)
	defer cancel()
	rep, err := h.cfg.Reporter.Report(ctx, q)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && r.Context().Err() == nil {
		return nil, fmt.Errorf("%w (%s, serve's report_timeout): %v", errReportSlow, limit, err)
	}
	return rep, err
}

// reportFailure is the status of a failed report, the key of its message
// on pages and its message in the API and CSV.
func (h *Handler) reportFailure(err error) (code int, key, text string) {
	if errors.Is(err, errReportSlow) {
		return http.StatusServiceUnavailable, "error.report_slow",
			fmt.Sprintf("the report took longer than %s: choose a shorter period or fewer filters", h.cfg.ReportTimeout)
	}
	return http.StatusInternalServerError, "error.report", "the report could not be computed"
}

// fail answers with a short message, never with internals: key is one of
// messages, shown in the page's language, or for the API in English JSON.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, code int, key string, args ...any) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSONError(w, code, locale("en").Tf(key, args...))
		return
	}
	l := errorLang(r)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Language", string(l))
	w.WriteHeader(code)
	fmt.Fprintln(w, l.Tf(key, args...))
}

// failParams answers a request whose parameters parseParams refused.
func (h *Handler) failParams(w http.ResponseWriter, r *http.Request, err error) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	l := errorLang(r)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Language", string(l))
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintln(w, errorText(l, err))
}

// clientKey is the login rate limit's key for r's client: its address
// (the collector's reading, through trusted proxies), or for IPv6 its /64,
// since one user usually holds a whole /64.
func (h *Handler) clientKey(r *http.Request) string {
	ip := request.ClientIP(r, h.cfg.TrustedProxies)
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// secure reports whether r reached us over HTTPS, directly or through a
// trusted proxy; cookies are then marked Secure.
func (h *Handler) secure(r *http.Request) bool {
	if h.cfg.SecureCookies || r.TLS != nil {
		return true
	}
	if request.FromTrustedProxy(r, h.cfg.TrustedProxies) {
		return strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
	}
	return false
}
