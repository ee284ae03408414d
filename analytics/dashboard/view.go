package dashboard

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
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
	// Consent is the share of the visits asked for consent that the
	// statistics cover, in a sentence; empty when no banner was counted.
	Consent string
	// FirstRun replaces the report while the site has had no page view.
	FirstRun *firstRun

	// The owner's notes (notes.go): NotesOn shows them and their form.
	NotesOn             bool
	Notes               []noteView
	NoteDay, NoteBack   string // the form's default day; the view to return to
	NoteError, NotesCSV string
	NoteMax             int
	// ChartSummary tells the chart in words; ChartRows are its numbers.
	ChartSummary string
	ChartRows    []chartRow
	// User is who is logged in (nil on a share page); Admin: may change
	// share links and users, and see the audit log.
	User  *auth.User
	Admin bool
}

// chartRow is one point of the chart, for its data table.
type chartRow struct {
	When, Visitors, PageViews string
	Imported                  bool
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

// table is one panel of rows: a first cell that names the row in full
// (wrapped, never cut) with a bar behind it, then the number columns.
type table struct {
	Dim      string // id of the panel: bd-<Dim>
	Title    string
	Head     string // the first column's heading: what one row is
	Cols     []column
	Rows     []tableRow
	CSVURL   string
	Wide     bool // spans two columns of the grid on wide screens
	HasTrend bool // pages: each row's own series (trend.go)
}

// column is a number column's heading, with a longer explanation in Title.
type column struct{ Text, Title string }

type tableRow struct {
	Label string // the row's value, in full
	URL   string // the row's link (adds its filter); "" none
	Title string // the link's title: what it does and the full value
	Bar   string // the bar's width, "37.5%"
	// BarText is what the bar means, for a tooltip on the first number.
	BarText string
	Nums    []string      // one per column of the table
	Trend   template.HTML // a sparkline, for pages
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
		v.Error = errorText(v.locale, err)
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
	if err := h.annotate(r.Context(), rep); err != nil {
		h.log.Error("dashboard notes", "site", p.Site, "err", err)
	}
	ctx, cancel := context.WithTimeout(r.Context(), min(h.cfg.ReportTimeout, trendBudget))
	trends, err := h.pageTrends(ctx, h.query(p, h.cfg.MinVisitors), rep.Breakdowns[analytics.DimPage])
	cancel()
	if err != nil {
		h.log.Error("dashboard page trends", "site", p.Site, "err", err)
	}
	h.fill(v, p, rep)
	h.fillNotes(v, p, rep, r.URL.Query())
	h.fillTrends(v, rep, trends)
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
		v.numCard("vpv", t.ViewsPerVisit, prev.ViewsPerVisit, v.Dec1, true).withheld(v.locale, t.Withheld, prev.Withheld),
		v.numCard("bounce", t.BounceRate, prev.BounceRate, v.Pct, false).withheld(v.locale, t.Withheld, prev.Withheld),
		v.numCard("duration", t.AvgVisitDuration, prev.AvgVisitDuration, v.Dur, true).withheld(v.locale, t.Withheld || t.DurationWithheld, prev.Withheld || prev.DurationWithheld),
		v.numCard("timeonpage", t.AvgTimeOnPage, prev.AvgTimeOnPage, v.Dur, true).withheld(v.locale, t.TimeWithheld, prev.TimeWithheld).
			untimed(v.locale, t.AvgTimeOnPage == 0 && !t.TimeWithheld, prev.AvgTimeOnPage == 0 && !prev.TimeWithheld),
	}
	// Bot hits have no page, source or location: a filtered report has none
	// to show, rather than the whole site's number looking filtered.
	if len(rep.Filters) == 0 && p.Goal == "" {
		v.Totals = append(v.Totals, v.intCard("bots", t.Bots, prev.Bots, false))
		v.Totals[len(v.Totals)-1].Class = "neutral"
	}
	if c := rep.Consent; c != nil {
		if rate, ok := c.Rate(); ok {
			v.Consent = v.Tf("consent.rate", v.Pct(rate), v.Int(c.Shown), v.Int(c.Accepted), v.Int(c.Declined))
		} else {
			v.Consent = v.Tf("consent.norate", v.Int(c.Accepted+c.Declined), v.Int(c.Accepted), v.Int(c.Declined))
		}
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
	v.ChartSummary = chartSummary(v.locale, rep)
	for _, pt := range rep.Series {
		v.ChartRows = append(v.ChartRows, chartRow{When: v.BucketLong(pt.T.In(zoneOf(rep)), rep.Interval),
			Visitors: v.Int(pt.Visitors), PageViews: v.Int(pt.PageViews), Imported: pt.Imported})
	}
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
		diff = l.Dec1(math.Abs(cur-prev)*100) + "\u00a0" + l.T("pp")
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

// untimed shows "–" for an average time on page that does not exist: no
// page view of the period had a visible time (imported days carry none).
func (c card) untimed(l locale, cur, prev bool) card {
	if cur && c.Value != "–" {
		c.Value = "–"
	}
	if prev && c.Prev != "–" {
		c.Prev = "–"
	}
	if cur || prev {
		c.Dir, c.Change, c.Class, c.ChangeText = "", "", "same", l.T("untimed")
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
	t := table{Dim: string(d), Title: v.T("dim." + string(d)), Head: v.T("one." + string(d))}
	// Entry and exit pages count visits that began or ended there.
	second, secondHead := func(r analytics.Row) int64 { return r.PageViews }, v.T("pageviews")
	if d.VisitLevel() {
		second, secondHead = func(r analytics.Row) int64 { return r.Visits }, v.T("total.visits")
	}
	if !v.Shared && len(rows) > 0 {
		t.CSVURL = h.link(v, p, func(q url.Values) { q.Set("breakdown", string(d)) })
		t.CSVURL = "/dashboard/export.csv?" + t.CSVURL[len(v.Base)+1:]
	}
	filtered := slices.ContainsFunc(p.Filters, func(f analytics.Filter) bool { return f.Dim == d })
	var top int64
	var hasSecond, hasTime, hasScroll bool
	pageDim := d == analytics.DimPage || d == analytics.DimEntryPage || d == analytics.DimExitPage
	for _, r := range rows {
		top = max(top, r.Visitors)
		hasSecond = hasSecond || second(r) > 0
		// Time on page belongs to pages; elsewhere it would crowd the table.
		hasTime = hasTime || pageDim && (r.TimedViews > 0 || r.AvgTime > 0 || r.AvgTimeWithheld)
		hasScroll = hasScroll || d == analytics.DimPage && r.ScrolledViews > 0
	}
	t.Cols = []column{{Text: v.T("visitors")}}
	if hasSecond {
		t.Cols = append(t.Cols, column{Text: secondHead})
	}
	if hasTime {
		t.Cols = append(t.Cols, column{Text: v.T("avgtime")})
	}
	if hasScroll {
		t.Cols = append(t.Cols, column{Text: v.T("avgscroll"), Title: v.T("avgscroll.title")})
	}
	t.Wide = len(t.Cols) > 2
	for _, r := range rows {
		tr := tableRow{Label: v.rowLabel(d, r), Nums: []string{v.Int(r.Visitors)}}
		if hasSecond {
			tr.Nums = append(tr.Nums, v.Int(second(r)))
		}
		if hasTime {
			// No timed view (imported days carry none): no average, not 0 s.
			avg := v.Dur(r.AvgTime)
			if r.AvgTimeWithheld || r.TimedViews == 0 && r.AvgTime == 0 {
				avg = "–"
			}
			tr.Nums = append(tr.Nums, avg)
		}
		if hasScroll {
			scroll := "–"
			if !r.AvgScrollWithheld && r.ScrolledViews > 0 {
				scroll = v.Pct(r.AvgScroll / 100)
			}
			tr.Nums = append(tr.Nums, scroll)
		}
		tr.Title = tr.Label
		if top > 0 {
			tr.Bar = barWidth(r.Visitors, top)
		}
		if total > 0 {
			tr.BarText = v.Pct(float64(r.Visitors) / float64(total))
		}
		// A row is a link that adds its filter, except the folded rest,
		// a dimension already filtered on, and anything on a share page.
		if !v.Shared && !filtered && r.Value != analytics.Other {
			val := r.Value
			tr.URL = h.link(v, p, func(q url.Values) { q.Add("filter", string(d)+"="+val) })
			tr.Title = v.T("filter.add") + ": " + tr.Label
		}
		t.Rows = append(t.Rows, tr)
	}
	return t
}

// barWidth is n's bar against the longest, top, as an SVG width.
func barWidth(n, top int64) string {
	if top <= 0 {
		return "0%"
	}
	return strconv.FormatFloat(float64(max(n, 0))*100/float64(top), 'f', 1, 64) + "%"
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
		h.fail(w, r, http.StatusBadRequest, "err.site", r.PostForm.Get("site"), strings.Join(h.cfg.Sites, ", "))
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
		h.fail(w, r, http.StatusBadRequest, "err.action")
		return
	}
	if err != nil {
		h.log.Error("saving the share link", "err", err)
		h.fail(w, r, http.StatusInternalServerError, "err.sharesave")
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
		h.fail(w, r, http.StatusInternalServerError, "err.credentials")
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
		h.fail(w, r, http.StatusTooManyRequests, "err.toomany")
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
		v.Error = errorText(v.locale, perr)
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

// eventTables are the Goals, Events, event properties and Funnels panels,
// shown when the report has rows for them; every number is the report's
// own. A goal's row filters the view to the visits that converted; each
// panel has its CSV.
func (h *Handler) eventTables(v *dashView, p *params, rep *analytics.Report) []table {
	var out []table
	panel := func(part, title, head string, cols []column) table {
		csv := h.link(v, p, func(q url.Values) { q.Set("breakdown", part) })
		return table{Dim: part, Title: title, Head: head, Cols: cols, Wide: len(cols) > 2,
			CSVURL: "/dashboard/export.csv?" + csv[len(v.Base)+1:]}
	}
	count := []column{{Text: v.T("visitors")}, {Text: v.T("events")}}

	if len(rep.Goals) > 0 {
		t := panel("goals", v.T("dim.goals"), v.T("one.goal"), []column{
			{Text: v.T("goal.visitors")}, {Text: v.T("goal.conversions")},
			{Text: v.T("goal.rate"), Title: v.T("goal.rate.title")}})
		var top int64
		for _, g := range rep.Goals {
			top = max(top, g.Visitors)
		}
		for _, g := range rep.Goals {
			r := tableRow{Label: g.Name, Title: g.Name, Bar: barWidth(g.Visitors, top), BarText: v.Pct(g.ConversionRate),
				Nums: []string{v.Int(g.Visitors), v.Int(g.Events), v.Pct(g.ConversionRate)}}
			if p.Goal != g.Name {
				name := g.Name
				r.URL = h.link(v, p, func(q url.Values) { q.Set("goal", name) })
				r.Title = v.T("filter.add") + ": " + g.Name
			}
			t.Rows = append(t.Rows, r)
		}
		out = append(out, t)
	}
	if len(rep.Events) > 0 {
		t := panel("events", v.T("dim.events"), v.T("one.event"), count)
		var top int64
		for _, e := range rep.Events {
			top = max(top, e.Visitors)
		}
		for _, e := range rep.Events {
			label := e.Name
			if e.Name == analytics.Other {
				label = v.T("other")
			}
			t.Rows = append(t.Rows, tableRow{Label: label, Title: label, Bar: barWidth(e.Visitors, top),
				Nums: []string{v.Int(e.Visitors), v.Int(e.Events)}})
		}
		out = append(out, t)
	}
	if len(rep.Props) > 0 {
		t := panel("props", v.T("dim.props"), v.T("one.prop"), count)
		var top int64
		for _, x := range rep.Props {
			top = max(top, x.Visitors)
		}
		for _, x := range rep.Props {
			value := x.Value
			if value == analytics.Other {
				value = v.T("other")
			}
			label := x.Event + " · " + x.Prop + " = " + value
			t.Rows = append(t.Rows, tableRow{Label: label, Title: label, Bar: barWidth(x.Visitors, top),
				Nums: []string{v.Int(x.Visitors), v.Int(x.Events)}})
		}
		out = append(out, t)
	}
	for i, f := range rep.Funnels {
		// Each funnel is its own panel: its steps, with the visitors who
		// went on from the step before and those who did not, and bars
		// against the first step.
		t := panel("funnels", v.Tf("dim.funnel", f.Name), v.T("one.step"), []column{
			{Text: v.T("visitors")},
			{Text: v.T("funnel.conversion"), Title: v.T("funnel.conversion.title")},
			{Text: v.T("funnel.dropoff"), Title: v.T("funnel.dropoff.title")},
			{Text: v.T("funnel.dropoff.pct"), Title: v.T("funnel.dropoff.title")}})
		t.Dim = "funnel-" + strconv.Itoa(i+1)
		var first int64
		if len(f.Steps) > 0 {
			first = f.Steps[0].Visitors
		}
		for j, s := range f.Steps {
			r := tableRow{Label: strconv.Itoa(j+1) + ". " + s.Step, Bar: barWidth(s.Visitors, first),
				Nums: []string{v.Int(s.Visitors), "–", "–", "–"}}
			r.Title = r.Label
			if conv, dropped, ok := f.StepChange(j); ok {
				r.Nums[1], r.Nums[2], r.Nums[3] = v.Pct(conv), v.Int(dropped), v.Pct(1-conv)
			}
			if first > 0 {
				r.BarText = v.Pct(float64(s.Visitors) / float64(first))
			}
			t.Rows = append(t.Rows, r)
		}
		out = append(out, t)
	}
	return out
}
