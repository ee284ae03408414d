package dashboard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
)

const (
	sessionCookie = "seloste_session"
	loginCookie   = "seloste_login" // pre-login CSRF nonce
	csrfField     = "csrf"
)

// session is a logged-in user. The cookie is signed, not stored: it holds
// a random id, the expiry and the user's name, and survives restarts. The
// signing key is the user's (auth.File.UserKey): bound to their password
// and epoch, so a new password or the user's removal ends it at once.
type session struct {
	ID      string
	Expires time.Time
	CSRF    string     // token every POST form of this session must carry
	User    *auth.User // as the auth file had them when the request came
}

var b64 = base64.RawURLEncoding

func mac(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// newSession signs a new session of u: "<id+expiry>.<name>.<signature>".
func (h *Handler) newSession(creds *auth.File, u *auth.User) (string, *session, error) {
	var raw [24]byte
	if _, err := rand.Read(raw[:16]); err != nil {
		return "", nil, err
	}
	exp := h.cfg.Now().Add(SessionTTL).Truncate(time.Second)
	binary.BigEndian.PutUint64(raw[16:], uint64(exp.Unix()))
	key := creds.UserKey(u)
	body := b64.EncodeToString(raw[:]) + "." + b64.EncodeToString([]byte(u.Name))
	value := body + "." + b64.EncodeToString(mac(key, "session", body))
	s := &session{ID: b64.EncodeToString(raw[:16]), Expires: exp, User: u}
	s.CSRF = b64.EncodeToString(mac(key, "csrf", s.ID))
	return value, s, nil
}

// readSession returns the valid session of r's cookie, or nil. A cookie
// of version 1's single password ("<id+expiry>.<signature>") is its
// upgraded admin's while that admin keeps the old password.
func (h *Handler) readSession(r *http.Request, creds *auth.File) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	parts := strings.Split(c.Value, ".")
	var (
		key  []byte
		u    *auth.User
		body string
	)
	switch len(parts) {
	case 2:
		var ok bool
		if key, u, ok = creds.LegacyKey(); !ok {
			return nil
		}
		body = parts[0]
	case 3:
		name, err := b64.DecodeString(parts[1])
		if u = creds.User(string(name)); err != nil || u == nil || u.Password == "" {
			return nil
		}
		key, body = creds.UserKey(u), parts[0]+"."+parts[1]
	default:
		return nil
	}
	got, err := b64.DecodeString(parts[len(parts)-1])
	if err != nil || !hmac.Equal(got, mac(key, "session", body)) {
		return nil
	}
	raw, err := b64.DecodeString(parts[0])
	if err != nil || len(raw) != 24 {
		return nil
	}
	exp := time.Unix(int64(binary.BigEndian.Uint64(raw[16:])), 0)
	if !h.cfg.Now().Before(exp) {
		return nil
	}
	s := &session{ID: b64.EncodeToString(raw[:16]), Expires: exp, User: u}
	if creds.IsLoggedOut(s.ID) {
		return nil
	}
	s.CSRF = b64.EncodeToString(mac(key, "csrf", s.ID))
	return s
}

// requireSession runs fn for a logged-in owner. Anyone else is sent to the
// login page (303), and a POST must carry the session's CSRF token.
func (h *Handler) requireSession(fn func(http.ResponseWriter, *http.Request, *session)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		creds, err := h.credentials()
		if err != nil {
			h.log.Error("reading the auth file", "err", err)
			h.fail(w, r, http.StatusInternalServerError, "err.credentials")
			return
		}
		s := h.readSession(r, creds)
		if s == nil {
			next := ""
			if r.Method == http.MethodGet {
				next = r.URL.RequestURI()
			}
			http.Redirect(w, r, loginURL(next, langParam(r)), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
			if err := r.ParseForm(); err != nil {
				h.fail(w, r, http.StatusBadRequest, "err.form")
				return
			}
			if !hmac.Equal([]byte(r.PostForm.Get(csrfField)), []byte(s.CSRF)) {
				h.fail(w, r, http.StatusForbidden, "err.csrf")
				return
			}
		}
		fn(w, r, s)
	})
}

// requireAdmin runs fn for a logged-in admin, as requireSession does; a
// viewer gets 403 in the page's language. Every route that changes what
// others see (share links, tokens, annotations, users) goes through it.
func (h *Handler) requireAdmin(fn func(http.ResponseWriter, *http.Request, *session)) http.Handler {
	return h.requireSession(func(w http.ResponseWriter, r *http.Request, s *session) {
		if !s.User.IsAdmin() {
			h.forbidden(w, r)
			return
		}
		fn(w, r, s)
	})
}

// forbidden answers 403: the user may not do or see this.
func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSONError(w, http.StatusForbidden, "this user may not see or do this: ask an admin")
		return
	}
	h.fail(w, r, http.StatusForbidden, "forbidden")
}

func loginURL(next, lang string) string {
	v := url.Values{}
	if next != "" && next != "/dashboard" {
		v.Set("next", next)
	}
	if lang != "" {
		v.Set("lang", lang)
	}
	if len(v) == 0 {
		return "/dashboard/login"
	}
	return "/dashboard/login?" + v.Encode()
}

// safeNext keeps the post-login redirect on the dashboard itself.
func safeNext(next string) string {
	if strings.HasPrefix(next, "/dashboard") && !strings.ContainsAny(next, "\\\r\n") {
		if u, err := url.Parse(next); err == nil && u.Host == "" && u.Scheme == "" {
			return next
		}
	}
	return "/dashboard"
}

type loginView struct {
	page
	Name       string // the user name typed, kept after a failed login
	Next       string
	CSRF       string
	Error      string
	NoPassword bool
	Lang       string // the language asked for in the URL, kept through the form
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	creds, err := h.credentials()
	if err != nil {
		h.log.Error("reading the auth file", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "err.credentials")
		return
	}
	if h.readSession(r, creds) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	h.renderLogin(w, r, creds, http.StatusOK, "")
}

// loginNonceTTL is how long a login form can be sent.
const loginNonceTTL = time.Hour

func (h *Handler) renderLogin(w http.ResponseWriter, r *http.Request, creds *auth.File, code int, errKey string) {
	// The form's nonce: 16 random bytes and the time it was made, so that
	// it ages out without any state (and is used once: login).
	var nonce [24]byte
	rand.Read(nonce[:16])
	binary.BigEndian.PutUint64(nonce[16:], uint64(h.cfg.Now().Unix()))
	n := b64.EncodeToString(nonce[:])
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: n, Path: "/dashboard/login", MaxAge: 3600,
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteStrictMode,
	})
	v := loginView{
		page:       h.newPage(r),
		Next:       safeNext(r.FormValue("next")),
		CSRF:       b64.EncodeToString(mac(creds.FormKey(), "login", n)),
		Name:       r.FormValue("name"),
		NoPassword: !creds.HasPassword(),
		Lang:       langParam(r),
	}
	if errKey != "" {
		v.Error = v.T(errKey)
	}
	v.Title = v.T("login.title")
	h.render(w, code, "login.html", v)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	creds, err := h.credentials()
	if err != nil {
		h.log.Error("reading the auth file", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "err.credentials")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "err.form")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || !hmac.Equal([]byte(r.PostForm.Get(csrfField)), []byte(b64.EncodeToString(mac(creds.FormKey(), "login", c.Value)))) ||
		!h.nonces.use(c.Value, h.cfg.Now()) {
		// Forged, expired or replayed: a new form, no password check, no
		// log line (a replay flood must not fill the log).
		h.renderLogin(w, r, creds, http.StatusForbidden, "login.stale")
		return
	}
	if !creds.HasPassword() {
		h.renderLogin(w, r, creds, http.StatusServiceUnavailable, "login.nopassword")
		return
	}
	name := loginName(creds, r.PostForm.Get("name"))
	// Guesses are limited per client, whichever user they name: a limit
	// per user would let anyone lock that user out.
	ip := h.clientKey(r)
	if ok, wait := h.logins.allow(ip); !ok {
		secs := int(wait.Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		h.limitedLog.warn(h.log, h.cfg.Now(), "dashboard login rate-limited", "retry_after_s", secs)
		h.renderLogin(w, r, creds, http.StatusTooManyRequests, "login.toomany")
		return
	}
	h.hashes <- struct{}{}
	u, err := creds.VerifyUser(name, r.PostForm.Get("password"))
	<-h.hashes
	if err != nil {
		h.log.Error("checking the password", "err", err)
	}
	if u == nil {
		h.log.Info("dashboard login failed") // no address, no password: nothing to leak
		// A name nobody has is not written down: it may be a mistyped password.
		actor := ""
		if creds.User(name) != nil {
			actor = name
		}
		h.audit(r, actor, analytics.AuditLoginFailed, "")
		h.renderLogin(w, r, creds, http.StatusUnauthorized, "login.wrong")
		return
	}
	h.logins.reset(ip)
	value, s, err := h.newSession(creds, u)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "err.session")
		return
	}
	h.setSessionCookie(w, r, value, s)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/dashboard/login", MaxAge: -1, HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteStrictMode})
	h.log.Info("dashboard login", "user", u.Name)
	h.audit(r, u.Name, analytics.AuditLogin, "")
	http.Redirect(w, r, withLang(safeNext(r.PostForm.Get("next")), langParam(r)), http.StatusSeeOther)
}

// loginName is the user a login form names: the name typed, or with none
// typed the only user there is (an install of one owner needs no name).
func loginName(creds *auth.File, typed string) string {
	typed = strings.ToLower(strings.TrimSpace(typed))
	if typed == "" && len(creds.Users) == 1 {
		return creds.Users[0].Name
	}
	return typed
}

func (h *Handler) setSessionCookie(w http.ResponseWriter, r *http.Request, value string, s *session) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", Expires: s.Expires,
		// Max-Age too, which browsers prefer: it counts from the browser's
		// own clock, so a server clock that is off does not end the
		// session at once.
		MaxAge:   max(1, int(s.Expires.Sub(h.cfg.Now()).Seconds())),
		HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteStrictMode,
	})
}

// withLang keeps the language chosen on the login page: next gets lang
// unless it names one itself.
func withLang(next, lang string) string {
	if lang == "" {
		return next
	}
	u, err := url.Parse(next)
	if err != nil {
		return next
	}
	q := u.Query()
	if q.Get("lang") != "" {
		return next
	}
	q.Set("lang", lang)
	u.RawQuery = q.Encode()
	return u.String()
}

// logout ends the session for good: it is recorded in the auth file, so a
// copy of the cookie stays refused after a restart too.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s *session) {
	err := h.updateCredentials(func(f *auth.File) error {
		f.LogOut(s.ID, s.Expires, h.cfg.Now())
		return nil
	})
	if err != nil {
		h.log.Error("recording a logout in the auth file", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "err.logout")
		return
	}
	h.audit(r, s.User.Name, analytics.AuditLogout, "")
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, loginURL("", langParam(r)), http.StatusSeeOther)
}

// apiAuth accepts a bearer token or a session cookie, and returns the user
// either acts as. Without either it answers 401 with a WWW-Authenticate
// challenge.
func (h *Handler) apiAuth(w http.ResponseWriter, r *http.Request) (*auth.User, bool) {
	creds, err := h.credentials()
	if err != nil {
		h.log.Error("reading the auth file", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "credentials unavailable")
		return nil, false
	}
	if r.Header.Get("Authorization") != "" {
		if t, u := creds.TokenUser(bearerToken(r)); t != nil {
			return u, true
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="seloste", error="invalid_token"`)
		writeJSONError(w, http.StatusUnauthorized, "invalid or revoked token")
		return nil, false
	}
	if s := h.readSession(r, creds); s != nil {
		return s.User, true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="seloste"`)
	writeJSONError(w, http.StatusUnauthorized, `credentials required: send "Authorization: Bearer TOKEN" (create one with "seloste token")`)
	return nil, false
}

// bearerToken is the token of r's "Authorization: Bearer TOKEN" header, or
// "" when it has none.
func bearerToken(r *http.Request) string {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// BearerToken checks r's "Authorization: Bearer" token as the stats API
// does: against the tokens of the auth file ("seloste token"), re-read when
// it changes. given is false when r has no Authorization header. Other
// routes of the server (/metrics) accept the same tokens through it; they
// see every site, so only an admin's token is ok.
func (h *Handler) BearerToken(r *http.Request) (name string, given, ok bool) {
	if r.Header.Get("Authorization") == "" {
		return "", false, false
	}
	creds, err := h.credentials()
	if err != nil {
		h.log.Error("reading the auth file", "err", err)
		return "", true, false
	}
	t, u := creds.TokenUser(bearerToken(r))
	if t == nil || !u.IsAdmin() {
		return "", true, false
	}
	return t.Name, true, true
}

// nonces remembers the login nonces already used, until they expire, so
// that each login form is sent once. It holds at most maxNonces: past that
// the oldest are forgotten (such a nonce could be replayed once more, and
// meets the rate limit like any guess).
type nonces struct {
	mu   sync.Mutex
	used map[string]time.Time // nonce → when it expires
	fifo []string
}

const maxNonces = 10000

// use reports whether the nonce n is well formed, not expired at now and
// not used before, and marks it used.
func (ns *nonces) use(n string, now time.Time) bool {
	raw, err := b64.DecodeString(n)
	if err != nil || len(raw) != 24 {
		return false
	}
	made := time.Unix(int64(binary.BigEndian.Uint64(raw[16:])), 0)
	expires := made.Add(loginNonceTTL)
	if now.Before(made.Add(-time.Minute)) || !now.Before(expires) {
		return false
	}
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ns.used == nil {
		ns.used = map[string]time.Time{}
	}
	if _, seen := ns.used[n]; seen {
		return false
	}
	for len(ns.fifo) > 0 && (len(ns.fifo) >= maxNonces || !now.Before(ns.used[ns.fifo[0]])) {
		delete(ns.used, ns.fifo[0])
		ns.fifo = ns.fifo[1:]
	}
	ns.used[n] = expires
	ns.fifo = append(ns.fifo, n)
	return true
}

// throttledLog logs a message at most once a minute, with how many times
// it happened in between.
type throttledLog struct {
	mu     sync.Mutex
	logged time.Time
	quiet  int
}

func (t *throttledLog) warn(log *slog.Logger, now time.Time, msg string, attrs ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.logged) < time.Minute {
		t.quiet++
		return
	}
	if t.quiet > 0 {
		attrs = append(attrs, "times_since_last_line", t.quiet)
	}
	log.Warn(msg, attrs...)
	t.logged, t.quiet = now, 0
}
