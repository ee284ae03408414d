package dashboard

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
)

//go:embed templates/*.html templates/style.css
var files embed.FS

var (
	templates = template.Must(template.New("").ParseFS(files, "templates/*.html"))
	styleCSS  = template.CSS(mustRead("templates/style.css"))
	// The style sheet is inline and allowed by its hash: no extra request,
	// no 'unsafe-inline', and nothing else may style or script the page.
	csp = "default-src 'none'; style-src 'sha256-" + cssHash() + "'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)

func mustRead(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func cssHash() string {
	s := sha256.Sum256([]byte(styleCSS))
	return base64.StdEncoding.EncodeToString(s[:])
}

// page is what every page's layout needs.
type page struct {
	locale
	Title      string
	CSS        template.CSS
	OtherLangs []langLink // this page in the other languages
	HTMLLang   string
	CreditDBIP bool // the footer credits DB-IP's location data
	Refresh    int  // seconds after which the page reloads itself; 0 never
}

// langLink is this page in another language.
type langLink struct{ Code, Name, URL string }

func (h *Handler) newPage(r *http.Request) page {
	l := locale(pickLang(r))
	p := page{locale: l, CSS: styleCSS, HTMLLang: string(l), CreditDBIP: h.cfg.CreditDBIP != nil && h.cfg.CreditDBIP()}
	for _, other := range languages {
		if other.Code == string(l) {
			continue
		}
		q := r.URL.Query()
		q.Set("lang", other.Code)
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		if r.Method != http.MethodGet {
			u.RawQuery = url.Values{"lang": {other.Code}}.Encode()
		}
		p.OtherLangs = append(p.OtherLangs, langLink{other.Code, other.Name, u.String()})
	}
	return p
}

func (h *Handler) render(w http.ResponseWriter, code int, name string, data any) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("rendering a page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// dashView is the dashboard page, fully computed before the template runs.
type dashView struct {
	page
	P          *params
	Base       string // path the links point to: /dashboard or /share/<id>
	Shared     bool
	K          int // k-anonymity floor in effect; <= 1 = off
	ShareK     int // the floor share links use
	CSRF       string
	Error      string
	Sites      []option
	Periods    []option
	Hidden     []hidden // parameters the period form keeps
	Filters    []chip
	ClearURL   string
	Totals     []card
	Realtime   string
	Chart      template.HTML
	Tables     []table
	ShareURL   string
	ShareOn    bool
	FromValue  string
	ToValue    string
	Generated  string
	Filtered   bool
	RangeLabel string
	// Imported is the notice on imported aggregates, with a link that
	// switches them off or on; empty when the period has none.
	Imported, ImportedLink, ImportedURL string
	// FirstRun replaces the report while the site has had no page view.
	FirstRun *firstRun
	// User is who is logged in (nil on a share page); Admin: may change
	// share links and users, and see the audit log.
	User  *auth.User
	Admin bool
}

type option struct {
	Value, Label, URL string
	Current           bool
}

type hidden struct{ Name, Value string }

type chip struct{ Label, Value, RemoveURL string }

type card struct {
	Key, Label, Value, Prev, Change, Dir, Class, ChangeText string
}

type table struct {
	Dim          string
	Title        string
	Rows         []tableRow
	HasPageViews bool   // the second number column is shown
	Second       string // its heading: pageviews, or visits for entry and exit pages
	HasTime      bool
	HasScroll    bool // pages: some measured their scroll depth
	CSVURL       string
}

type tableRow struct {
	Label, Title, URL     string
	Visitors, PageViews   string
	AvgTime, Bar, BarText string
	Scroll                string
}

func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request, s *session) {
	creds, _ := h.credentials()
	q, ok := h.visibleSite(s.User, r.URL.Query())
	if !ok {
		h.forbidden(w, r)
		return
	}
	p, err := h.parseParams(q, 10)
	v := &dashView{page: h.newPage(r), Base: "/dashboard", CSRF: s.CSRF, K: h.cfg.MinVisitors, ShareK: h.cfg.ShareMinVisitors,
		User: s.User, Admin: s.User.IsAdmin()}
	v.Title = v.T("title")
	if err != nil {
		v.P = p
		v.Error = err.Error()
		h.fillPickers(v, p)
		h.render(w, http.StatusBadRequest, "dashboard.html", v)
		return
	}
	rep, err := h.report(w, r, h.query(p, h.cfg.MinVisitors))
	if err != nil {
		h.log.Error("dashboard report", "site", p.Site, "err", err)
		code, key, _ := h.reportFailure(err)
		v.P = p
		v.Error = v.T(key)
		h.fillPickers(v, p)
		h.render(w, code, "dashboard.html", v)
		return
	}
	if fr := h.firstRun(w, r, p.Site, rep); fr != nil {
		v.FirstRun, v.Refresh = fr, firstRunRefresh
		h.fillPickers(v, p)
		h.render(w, http.StatusOK, "dashboard.html", v)
		return
	}
	if id := creds.ShareID(p.Site); id != "" {
		v.ShareOn, v.ShareURL = true, h.absURL(r, "/share/"+id)
	}
	h.fill(v, p, rep)
	h.render(w, http.StatusOK, "dashboard.html", v)
}

func (h *Handler) absURL(r *http.Request, path string) string {
	scheme := "http"
	if h.secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + path
}

func (h *Handler) link(v *dashView, p *params, change func(url.Values)) string {
	q := p.values()
	if v.Shared {
		q.Del("site")
		q.Del("filter")
	}
	if change != nil {
		change(q)
	}
	return v.Base + "?" + q.Encode()
}

func (h *Handler) fillPickers(v *dashView, p *params) {
	v.P = p
	if !v.Shared && v.User != nil {
		for _, s := range v.User.VisibleSites(h.cfg.Sites) {
			v.Sites = append(v.Sites, option{Value: s, Label: s, Current: s == p.Site,
				URL: h.link(v, p, func(q url.Values) { q.Set("site", s) })})
		}
	}
	for _, per := range append(slices.Clone(periods), "custom") {
		v.Periods = append(v.Periods, option{Value: per, Label: v.T("period." + per), Current: per == p.Period,
			URL: h.link(v, p, func(q url.Values) { q.Del("from"); q.Del("to"); q.Set("period", per) })})
	}
	if !p.From.IsZero() {
		v.FromValue, v.ToValue = p.From.Format("2006-01-02"), p.To.Format("2006-01-02")
		v.RangeLabel = v.Range(p.From, p.To)
	}
	if !v.Shared {
		v.Hidden = append(v.Hidden, hidden{"site", p.Site})
		for _, f := range p.Filters {
			v.Hidden = append(v.Hidden, hidden{"filter", string(f.Dim) + "=" + f.Value})
		}
		if p.Goal != "" {
			v.Hidden = append(v.Hidden, hidden{"goal", p.Goal})
		}
	}
	if p.Lang != "" {
		v.Hidden = append(v.Hidden, hidden{"lang", p.Lang})
	}
	for i, f := range p.Filters {
		v.Filters = append(v.Filters, chip{
			Label: v.T("one." + string(f.Dim)),
			Value: v.rowLabel(f.Dim, analytics.Row{Value: f.Value}),
			RemoveURL: h.link(v, p, func(q url.Values) {
				q.Del("filter")
				for j, g := range p.Filters {
					if j != i {
						q.Add("filter", string(g.Dim)+"="+g.Value)
					}
				}
			}),
		})
	}
	// A goal filter is one more chip: the visits that converted.
	if p.Goal != "" {
		v.Filters = append(v.Filters, chip{Label: v.T("one.goal"), Value: p.Goal,
			RemoveURL: h.link(v, p, func(q url.Values) { q.Del("goal") })})
	}
	v.Filtered = len(v.Filters) > 0
	v.ClearURL = h.link(v, p, func(q url.Values) { q.Del("filter"); q.Del("goal") })
}

func (h *Handler) fill(v *dashView, p *params, rep *analytics.Report) {
	h.fillPickers(v, p)
	t, prev := rep.Totals, rep.Previous
	v.Totals = []card{
		v.intCard("visitors", t.Visitors, prev.Visitors, true),
		v.intCard("visits", t.Visits, prev.Visits, true),
		v.intCard("pageviews", t.PageViews, prev.PageViews, true),
		v.numCard("vpv", t.ViewsPerVisit, prev.ViewsPerVisit, v.Dec, true).withheld(v.locale, t.Withheld, prev.Withheld),
		v.numCard("bounce", t.BounceRate, prev.BounceRate, v.Pct, false).withheld(v.locale, t.Withheld, prev.Withheld),
		v.numCard("duration", t.AvgVisitDuration, prev.AvgVisitDuration, v.Dur, true).withheld(v.locale, t.Withheld || t.DurationWithheld, prev.Withheld || prev.DurationWithheld),
		v.numCard("timeonpage", t.AvgTimeOnPage, prev.AvgTimeOnPage, v.Dur, true).withheld(v.locale, t.TimeWithheld, prev.TimeWithheld),
	}
	// Bot hits have no page, source or location: a filtered report has none
	// to show, rather than the whole site's number looking filtered.
	if len(rep.Filters) == 0 && p.Goal == "" {
		v.Totals = append(v.Totals, v.intCard("bots", t.Bots, prev.Bots, false))
		v.Totals[len(v.Totals)-1].Class = "neutral"
	}
	if v.Shared && rep.Realtime > 0 && rep.Realtime < int64(v.K) {
		v.Realtime = v.Tf("lessthan", v.K)
	} else {
		v.Realtime = v.Int(rep.Realtime)
	}
	if u := rep.Imported; u != nil && !v.Shared {
		switch {
		case u.Included:
			from, _ := time.ParseInLocation(time.DateOnly, u.From, h.cfg.Zone)
			to, _ := time.ParseInLocation(time.DateOnly, u.To, h.cfg.Zone)
			v.Imported = v.Tf("imported.included", v.Range(from, to), u.Days)
			v.ImportedLink = v.T("imported.exclude")
			v.ImportedURL = h.link(v, p, func(q url.Values) { q.Set("imported", "false") })
		case p.NoImported:
			v.Imported = v.T("imported.excluded")
			v.ImportedLink = v.T("imported.include")
			v.ImportedURL = h.link(v, p, func(q url.Values) { q.Del("imported") })
		default:
			v.Imported = v.T("imported.filters")
		}
	}
	v.Chart = charts(v.locale, rep)
	for _, d := range analytics.Dimensions {
		v.Tables = append(v.Tables, h.table(v, p, d, rep.Breakdowns[d], rep.Totals.Visitors))
	}
	if !v.Shared {
		v.Tables = append(v.Tables, h.eventTables(v, p, rep)...)
	}
	v.Generated = rep.GeneratedAt.In(h.cfg.Zone).Format("15:04")
}

func (l locale) intCard(key string, cur, prev int64, upIsGood bool) card {
	c := card{Key: key, Label: l.T("total." + key), Value: l.Int(cur), Prev: l.Int(prev)}
	c.setChange(l, float64(cur), float64(prev), l.Int(abs64(cur-prev)), upIsGood)
	return c
}

func (l locale) numCard(key string, cur, prev float64, f func(float64) string, upIsGood bool) card {
	c := card{Key: key, Label: l.T("total." + key), Value: f(cur), Prev: f(prev)}
	diff := f(math.Abs(cur - prev))
	if key == "bounce" {
		// A change of a rate is told in percentage points.
		diff = l.Dec(math.Abs(cur-prev)*100) + "\u00a0" + l.T("pp")
	}
	c.setChange(l, cur, prev, diff, upIsGood)
	return c
}

// withheld hides an average under the k-anonymity floor, this period's
// (cur) or the previous one's, and with it the comparison.
func (c card) withheld(l locale, cur, prev bool) card {
	if cur {
		c.Value = "–"
	}
	if prev {
		c.Prev = "–"
	}
	if cur || prev {
		c.Dir, c.Change, c.Class, c.ChangeText = "", "", "same", l.T("withheld")
	}
	return c
}

// setChange describes cur against prev: an arrow, the absolute and the
// relative change, and whether that is good news (bounce rate up is not).
func (c *card) setChange(l locale, cur, prev float64, absText string, upIsGood bool) {
	switch {
	case cur == prev || math.Abs(cur-prev) < 1e-9:
		c.Dir, c.Class, c.Change, c.ChangeText = "=", "same", "±0", l.T("change.same")
		return
	case cur > prev:
		c.Dir, c.ChangeText = "▲", l.T("change.up")
		c.Change = "+" + absText
		c.Class = map[bool]string{true: "good", false: "bad"}[upIsGood]
	default:
		c.Dir, c.ChangeText = "▼", l.T("change.down")
		c.Change = "−" + absText
		c.Class = map[bool]string{true: "bad", false: "good"}[upIsGood]
	}
	pct, ok := analytics.Change(cur, prev)
	if !ok {
		c.Change += " (" + l.T("new") + ")"
		return
	}
	sign := "+"
	if pct < 0 {
		sign = "−"
	}
	c.Change += " (" + sign + l.Pct(math.Abs(pct)) + ")"
}

func abs64(n int64) int64 { return max(n, -n) }

func (h *Handler) table(v *dashView, p *params, d analytics.Dimension, rows []analytics.Row, total int64) table {
	t := table{Dim: string(d), Title: v.T("dim." + string(d)), Second: v.T("pageviews")}
	// Entry and exit pages count visits that began or ended there.
	second := func(r analytics.Row) int64 { return r.PageViews }
	if d.VisitLevel() {
		t.Second = v.T("total.visits")
		second = func(r analytics.Row) int64 { return r.Visits }
	}
	if !v.Shared && len(rows) > 0 {
		t.CSVURL = h.link(v, p, func(q url.Values) { q.Set("breakdown", string(d)) })
		t.CSVURL = "/dashboard/export.csv?" + t.CSVURL[len(v.Base)+1:]
	}
	filtered := slices.ContainsFunc(p.Filters, func(f analytics.Filter) bool { return f.Dim == d })
	var top int64
	for _, r := range rows {
		top = max(top, r.Visitors)
		t.HasPageViews = t.HasPageViews || second(r) > 0
		// Time on page belongs to pages; elsewhere it would crowd the table.
		t.HasTime = t.HasTime || (r.AvgTime > 0 || r.AvgTimeWithheld) && (d == analytics.DimPage || d == analytics.DimEntryPage || d == analytics.DimExitPage)
		t.HasScroll = t.HasScroll || d == analytics.DimPage && r.ScrolledViews > 0
	}
	for _, r := range rows {
		tr := tableRow{
			Label:     v.rowLabel(d, r),
			Visitors:  v.Int(r.Visitors),
			PageViews: v.Int(second(r)),
			AvgTime:   v.Dur(r.AvgTime),
		}
		if r.AvgTimeWithheld {
			tr.AvgTime = "–"
		}
		switch {
		case r.AvgScrollWithheld, r.ScrolledViews == 0:
			tr.Scroll = "–"
		default:
			tr.Scroll = v.Pct(r.AvgScroll / 100)
		}
		tr.Title = tr.Label
		if top > 0 {
			tr.Bar = strconv.FormatFloat(float64(r.Visitors)*100/float64(top), 'f', 1, 64) + "%"
		}
		if total > 0 {
			tr.BarText = v.Pct(float64(r.Visitors) / float64(total))
		}
		// A row is a link that adds its filter, except the folded rest,
		// a dimension already filtered on, and anything on a share page.
		if !v.Shared && !filtered && r.Value != analytics.Other {
			val := r.Value
			tr.URL = h.link(v, p, func(q url.Values) { q.Add("filter", string(d)+"="+val) })
		}
		t.Rows = append(t.Rows, tr)
	}
	return t
}

func (l locale) rowLabel(d analytics.Dimension, r analytics.Row) string {
	switch {
	case r.Value == analytics.Other:
		return l.T("other")
	case r.Value == "" && d == analytics.DimReferrer:
		return l.T("direct")
	case r.Value == "":
		return l.T("unknown")
	case d == analytics.DimDevice || d == analytics.DimChannel:
		if s, ok := messages[string(l)][string(d)+"."+r.Value]; ok {
			return s
		}
	case r.Name != "" && r.Name != r.Value:
		return r.Name
	}
	return r.Value
}

// share creates or deletes the public share link of a site (POST, CSRF-checked).
func (h *Handler) share(w http.ResponseWriter, r *http.Request, s *session) {
	site, ok := h.site(r.PostForm.Get("site"))
	if !ok {
		h.fail(w, r, http.StatusBadRequest, "unknown site")
		return
	}
	var err error
	switch r.PostForm.Get("action") {
	case "create":
		err = h.updateCredentials(func(f *auth.File) error {
			_, err := f.AddShare(site, h.cfg.Now())
			return err
		})
	case "delete":
		err = h.updateCredentials(func(f *auth.File) error { f.RemoveShare(site); return nil })
	default:
		h.fail(w, r, http.StatusBadRequest, "action must be create or delete")
		return
	}
	if err != nil {
		h.log.Error("saving the share link", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "could not save the share link")
		return
	}
	action := analytics.AuditShareCreate
	if r.PostForm.Get("action") == "delete" {
		action = analytics.AuditShareDelete
	}
	h.audit(r, s.User.Name, action, site)
	q := url.Values{"site": {site}}
	if l := langParam(r); l != "" {
		q.Set("lang", l)
	}
	http.Redirect(w, r, "/dashboard?"+q.Encode()+"#share", http.StatusSeeOther)
}

// shareParams are the only query parameters a share page reads.
var shareParams = []string{"period", "from", "to", "lang"}

// sharePage is the public read-only dashboard of one site: no filters,
// and the k-anonymity floor of share links.
func (h *Handler) sharePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	creds, err := h.credentials()
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "credentials unavailable")
		return
	}
	id := r.PathValue("id")
	site, ok := creds.ShareSite(id)
	if !ok || !slices.Contains(h.cfg.Sites, site) {
		http.NotFound(w, r)
		return
	}
	if ok, wait := h.shareLimit.allow(h.clientKey(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		h.shareLog.warn(h.log, h.cfg.Now(), "share page rate-limited")
		h.fail(w, r, http.StatusTooManyRequests, "too many requests: retry later")
		return
	}
	// Only the period pickers' parameters and the language pass: any
	// filter (filter=, goal=, imported=, another site, a limit) could
	// narrow a public report down to one person.
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if slices.Contains(shareParams, k) {
			q[k] = v
		}
	}
	r.URL.RawQuery = q.Encode()
	q.Set("site", site)
	p, perr := h.parseParams(q, 10)
	v := &dashView{page: h.newPage(r), Base: "/share/" + id, Shared: true, K: h.cfg.ShareMinVisitors}
	v.Title = v.T("shared") + " · " + site
	if perr != nil {
		v.Error = perr.Error()
		h.fillPickers(v, p)
		h.render(w, http.StatusBadRequest, "dashboard.html", v)
		return
	}
	sq := h.query(p, h.cfg.ShareMinVisitors)
	if days(p.From, p.To) <= 2 {
		sq.Interval = analytics.Day // no hour-by-hour trail in public
	}
	rep, err := h.shareCache.get(sq, h.cfg.Now(), func() (*analytics.Report, error) { return h.report(w, r, sq) })
	if err != nil {
		h.log.Error("share report", "site", site, "err", err)
		code, key, _ := h.reportFailure(err)
		v.Error = v.T(key)
		h.fillPickers(v, p)
		h.render(w, code, "dashboard.html", v)
		return
	}
	h.fill(v, p, rep)
	h.render(w, http.StatusOK, "dashboard.html", v)
}

// eventTables are the Goals, Events (with their props) and Funnel panels,
// shown when the report has rows for them. A goal's row filters the view
// to the visits that converted; each panel has its CSV.
func (h *Handler) eventTables(v *dashView, p *params, rep *analytics.Report) []table {
	var out []table
	add := func(part string, rows []tableRow) {
		if len(rows) == 0 {
			return
		}
		var top int64
		for _, r := range rows {
			n, _ := strconv.ParseInt(r.Bar, 10, 64)
			top = max(top, n)
		}
		for i := range rows {
			n, _ := strconv.ParseInt(rows[i].Bar, 10, 64)
			rows[i].Bar = ""
			if top > 0 {
				rows[i].Bar = strconv.FormatFloat(float64(n)*100/float64(top), 'f', 1, 64) + "%"
			}
		}
		csv := h.link(v, p, func(q url.Values) { q.Set("breakdown", part) })
		out = append(out, table{Dim: part, Title: v.T("dim." + part), Rows: rows, HasPageViews: true,
			Second: v.T("events"), CSVURL: "/dashboard/export.csv?" + csv[len(v.Base)+1:]})
	}
	row := func(label string, visitors, second int64) tableRow {
		// Bar holds the raw visitors until add scales it.
		return tableRow{Label: label, Title: label, Visitors: v.Int(visitors), PageViews: v.Int(second), Bar: strconv.FormatInt(visitors, 10)}
	}
	var goals, events, props, funnels []tableRow
	for _, g := range rep.Goals {
		r := row(g.Name, g.Visitors, g.Events)
		r.BarText = v.Pct(g.ConversionRate)
		if p.Goal != g.Name {
			name := g.Name
			r.URL = h.link(v, p, func(q url.Values) { q.Set("goal", name) })
		}
		goals = append(goals, r)
	}
	for _, e := range rep.Events {
		events = append(events, row(e.Name, e.Visitors, e.Events))
	}
	for _, x := range rep.Props {
		props = append(props, row(x.Event+" · "+x.Prop+" = "+x.Value, x.Visitors, x.Events))
	}
	for _, f := range rep.Funnels {
		for i, s := range f.Steps {
			funnels = append(funnels, row(f.Name+" "+strconv.Itoa(i+1)+". "+s.Step, s.Visitors, 0))
		}
	}
	add("goals", goals)
	add("events", events)
	add("props", props)
	add("funnels", funnels)
	return out
}
