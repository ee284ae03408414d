package dashboard

import (
	"context"
	"crypto/hmac"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
)

// auditLimit is how many entries the audit page shows, newest first.
const auditLimit = 500

// audit adds an entry to the audit log (Config.Audit). The log is the
// owner's: names and actions, never the client's address or agent. A
// store that cannot take it is logged, and the request goes on.
func (h *Handler) audit(r *http.Request, actor, action, target string) {
	if h.cfg.Audit == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	e := analytics.AuditEntry{Time: h.cfg.Now().UTC(), Actor: actor, Action: action, Target: target}
	if err := h.cfg.Audit.AppendAudit(ctx, e); err != nil {
		h.log.Error("writing the audit log", "action", action, "err", err)
	}
}

// visibleSite is the site a user's request names: site= if given, else the
// first of the user's sites. ok is false when the user may not see it,
// also for a site that is not configured: a viewer learns no other names.
func (h *Handler) visibleSite(u *auth.User, q url.Values) (url.Values, bool) {
	site := q.Get("site")
	if site == "" {
		vis := u.VisibleSites(h.cfg.Sites)
		if len(vis) == 0 {
			return q, false
		}
		q = cloneValues(q)
		q.Set("site", vis[0])
		return q, true
	}
	if !u.IsAdmin() && !u.CanSee(site) {
		return q, false
	}
	return q, true
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// usersView is the admins' page of users.
type usersView struct {
	page
	CSRF   string
	Me     string
	Users  []userRow
	Invite string // a new invitation link, shown once
	Error  string
}

type userRow struct {
	Name, Role, Sites, Email, Lang, Created string
	Invited                                 bool // no password yet
}

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, s *session) {
	h.renderUsers(w, r, s, http.StatusOK, "", "")
}

func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, s *session, code int, invite, errText string) {
	creds, err := h.credentials()
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "err.credentials")
		return
	}
	v := usersView{page: h.newPage(r), CSRF: s.CSRF, Me: s.User.Name, Invite: invite, Error: errText}
	v.Title = v.T("users.title")
	for _, u := range creds.Users {
		sites := v.T("users.allsites")
		if !u.IsAdmin() {
			sites = strings.Join(u.Sites, ", ")
		}
		v.Users = append(v.Users, userRow{
			Name: u.Name, Role: v.T("role." + string(u.Role)), Sites: sites, Email: u.Email, Lang: u.Lang,
			Created: v.Date(u.Created.In(h.cfg.Zone)), Invited: u.Password == "",
		})
	}
	h.render(w, code, "users.html", v)
}

// userAction removes a user or makes a new invitation link for one
// (POST /dashboard/users, admins only, CSRF-checked).
func (h *Handler) userAction(w http.ResponseWriter, r *http.Request, s *session) {
	name := r.PostForm.Get("name")
	l := locale(pickLang(r))
	switch r.PostForm.Get("action") {
	case "remove":
		if name == s.User.Name {
			h.renderUsers(w, r, s, http.StatusBadRequest, "", l.T("users.notself"))
			return
		}
		err := h.updateCredentials(func(f *auth.File) error { return f.RemoveUser(name) })
		if err != nil {
			h.renderUsers(w, r, s, http.StatusBadRequest, "", err.Error())
			return
		}
		h.audit(r, s.User.Name, analytics.AuditUserRemove, name)
		http.Redirect(w, r, "/dashboard/users"+langQuery(r), http.StatusSeeOther)
	case "invite":
		var tok string
		err := h.updateCredentials(func(f *auth.File) (err error) {
			tok, err = f.NewInvite(name, h.cfg.Now(), auth.InviteTTL)
			return err
		})
		if err != nil {
			h.renderUsers(w, r, s, http.StatusBadRequest, "", err.Error())
			return
		}
		h.audit(r, s.User.Name, analytics.AuditUserInvite, name)
		h.renderUsers(w, r, s, http.StatusOK, h.absURL(r, InvitePath(tok)), "")
	default:
		h.fail(w, r, http.StatusBadRequest, "err.useraction")
	}
}

func langQuery(r *http.Request) string {
	if l := langParam(r); l != "" {
		return "?lang=" + l
	}
	return ""
}

// auditView is the admins' page of the audit log.
type auditView struct {
	page
	Entries []auditRow
	NoLog   bool
}

type auditRow struct{ Time, Actor, Action, Target string }

func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, s *session) {
	v := auditView{page: h.newPage(r), NoLog: h.cfg.Audit == nil}
	v.Title = v.T("audit.title")
	if h.cfg.Audit != nil {
		entries, err := h.cfg.Audit.AuditEntries(r.Context(), auditLimit)
		if err != nil {
			h.log.Error("reading the audit log", "err", err)
			h.fail(w, r, http.StatusInternalServerError, "err.auditread")
			return
		}
		for _, e := range entries {
			v.Entries = append(v.Entries, auditRow{
				Time:  e.Time.In(h.cfg.Zone).Format("2006-01-02 15:04:05"),
				Actor: e.Actor, Action: v.T("audit." + e.Action), Target: e.Target,
			})
		}
	}
	h.render(w, http.StatusOK, "audit.html", v)
}

// InvitePath is the dashboard path of the invitation token tok; "seloste
// user add" prints it after the server's address.
func InvitePath(tok string) string { return "/dashboard/invite/" + tok }

// inviteView is the page where an invited user sets their password.
type inviteView struct {
	page
	Name, CSRF, Error string
	Invalid           bool
}

func (h *Handler) invitePage(w http.ResponseWriter, r *http.Request) {
	creds, err := h.credentials()
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "err.credentials")
		return
	}
	tok := r.PathValue("token")
	u, err := creds.InviteUser(tok, h.cfg.Now())
	if err != nil {
		h.renderInvite(w, r, http.StatusGone, inviteView{Invalid: true})
		return
	}
	h.renderInvite(w, r, http.StatusOK, inviteView{Name: u.Name, CSRF: inviteCSRF(creds, tok)})
}

func inviteCSRF(creds *auth.File, tok string) string {
	return b64.EncodeToString(mac(creds.FormKey(), "invite", tok))
}

func (h *Handler) renderInvite(w http.ResponseWriter, r *http.Request, code int, v inviteView) {
	v.page = h.newPage(r)
	v.Title = v.T("invite.title")
	if v.Error != "" {
		v.Error = v.T(v.Error)
	}
	// The link is a secret: never let it on to another page or a cache.
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	h.render(w, code, "invite.html", v)
}

// acceptInvite sets the invited user's password, closes the invitation
// and logs the user in.
func (h *Handler) acceptInvite(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusBadRequest, "err.form")
		return
	}
	creds, err := h.credentials()
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "err.credentials")
		return
	}
	tok := r.PathValue("token")
	if !hmac.Equal([]byte(r.PostForm.Get(csrfField)), []byte(inviteCSRF(creds, tok))) {
		h.renderInvite(w, r, http.StatusForbidden, inviteView{Invalid: true})
		return
	}
	if ok, wait := h.logins.allow(h.clientKey(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		h.renderInvite(w, r, http.StatusTooManyRequests, inviteView{Error: "login.toomany", CSRF: inviteCSRF(creds, tok)})
		return
	}
	pw := r.PostForm.Get("password")
	if pw != r.PostForm.Get("again") {
		u, _ := creds.InviteUser(tok, h.cfg.Now())
		if u == nil {
			h.renderInvite(w, r, http.StatusGone, inviteView{Invalid: true})
			return
		}
		h.renderInvite(w, r, http.StatusBadRequest, inviteView{Name: u.Name, CSRF: inviteCSRF(creds, tok), Error: "invite.differ"})
		return
	}
	var u *auth.User
	var short error
	h.hashes <- struct{}{}
	err = h.updateCredentials(func(f *auth.File) error {
		u, err = f.AcceptInvite(tok, pw, h.cfg.Now())
		if err != nil && !errors.Is(err, auth.ErrInvite) {
			short = err
		}
		return err
	})
	<-h.hashes
	switch {
	case short != nil:
		name := ""
		if iu, _ := creds.InviteUser(tok, h.cfg.Now()); iu != nil {
			name = iu.Name
		}
		h.renderInvite(w, r, http.StatusBadRequest, inviteView{Name: name, CSRF: inviteCSRF(creds, tok), Error: "invite.weak"})
		return
	case errors.Is(err, auth.ErrInvite):
		h.renderInvite(w, r, http.StatusGone, inviteView{Invalid: true})
		return
	case err != nil:
		h.log.Error("saving an invited user's password", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "err.passwordsave")
		return
	}
	h.audit(r, u.Name, analytics.AuditUserPassword, u.Name)
	creds, err = h.credentials()
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "err.credentials")
		return
	}
	value, s, err := h.newSession(creds, creds.User(u.Name))
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "err.session")
		return
	}
	h.setSessionCookie(w, r, value, s)
	h.log.Info("invitation accepted", "user", u.Name)
	http.Redirect(w, r, "/dashboard"+langQuery(r), http.StatusSeeOther)
}
