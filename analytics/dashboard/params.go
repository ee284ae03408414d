package dashboard

import (
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

// params are a report request's query parameters, as parsed and checked:
// site, period or from/to, filter=dim=value..., limit.
type params struct {
	Site     string
	Period   string // today, 7d, 30d, month, year or "custom"
	From, To time.Time
	Filters  []analytics.Filter
	Goal     string // goal=NAME: the visits that converted
	Limit    int
	Lang     string // "" unless set in the URL
	// NoImported leaves imported aggregates out: imported=false.
	NoImported bool
}

// periods are the shortcuts of the period picker, in its order.
var periods = []string{"today", "7d", "30d", "month", "year"}

// paramError is a bad parameter: the message says which and how to fix it.
// Error is the English text the API and the CSV answer with; text is the
// page's, in its own language (key is a message of messages, args its
// arguments, which each language may use or leave out).
type paramError struct {
	key  string
	args []any
}

func (e *paramError) Error() string { return locale("en").Tf(e.key, e.args...) }

func (e *paramError) text(l locale) string { return l.Tf(e.key, e.args...) }

func badParam(key string, args ...any) error { return &paramError{key, args} }

// errorText is err for a page in l: a bad parameter in l's words, anything
// else as it is.
func errorText(l locale, err error) string {
	if pe := (*paramError)(nil); errors.As(err, &pe) {
		return pe.text(l)
	}
	return err.Error()
}

// parseParams reads the report parameters of a dashboard or API URL.
// defLimit is the rows per breakdown when limit is not given.
func (h *Handler) parseParams(v url.Values, defLimit int) (*params, error) {
	p := &params{Lang: v.Get("lang"), Limit: defLimit}
	if !knownLang(p.Lang) {
		p.Lang = ""
	}
	site, ok := h.site(v.Get("site"))
	if !ok {
		return p, badParam("err.site", v.Get("site"), strings.Join(h.cfg.Sites, ", "))
	}
	p.Site = site

	// One reading of periods for the CLI, the API and the dashboard:
	// period=7d is the shortcut 7d (ParsePeriod's from); from=&to= are dates.
	from, to, period := v.Get("from"), v.Get("to"), v.Get("period")
	switch {
	case from != "" || to != "":
		if period != "" && period != "custom" {
			return p, badParam("err.periodboth")
		}
		p.Period = "custom"
	case period == "" || period == "custom":
		p.Period, from = analytics.DefaultPeriod, analytics.DefaultPeriod
	default:
		p.Period, from = period, period
	}
	var err error
	if p.From, p.To, err = analytics.ParsePeriod(from, to, h.cfg.Zone, h.cfg.Now()); err != nil {
		if p.Period != "custom" {
			return p, badParam("err.period", period, analytics.PeriodHelp)
		}
		// ParsePeriod's from and to are this URL's parameters of those names.
		if pe := (*analytics.PeriodError)(nil); errors.As(err, &pe) && pe.Input != "" {
			return p, badParam("err.date", pe.Input, err)
		}
		return p, badParam("err.date", "from/to", err)
	}

	for _, s := range v["filter"] {
		f, err := analytics.ParseFilter(s)
		if err != nil {
			return p, badParam("err.filter", s, err)
		}
		p.Filters = append(p.Filters, f)
	}

	switch v.Get("imported") {
	case "", "true":
	case "false":
		p.NoImported = true
	default:
		return p, badParam("err.imported", v.Get("imported"))
	}

	if g := v.Get("goal"); g != "" {
		if !slices.ContainsFunc(h.cfg.Goals, func(x analytics.Goal) bool { return x.Name == g }) {
			return p, badParam("err.goal", g)
		}
		p.Goal = g
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 || n > MaxRows {
			return p, badParam("err.limit", l, MaxRows, MaxRows)
		}
		p.Limit = n
	}
	if p.Limit == 0 {
		p.Limit = MaxRows
	}
	return p, nil
}

// MaxRows bounds the rows of one breakdown that a request over HTTP gets
// (the rest are folded into "(muut)"): a site with a bot inventing paths
// must not make one request build megabytes of JSON. The CLI has no bound.
const MaxRows = 10000

// days counts the days from a to b, inclusive.
func days(a, b time.Time) int { return analytics.Query{From: a, To: b}.Days() }

func (h *Handler) query(p *params, minVisitors int) analytics.Query {
	return analytics.Query{
		Site: p.Site, From: p.From, To: p.To, Zone: h.cfg.Zone,
		Filters: p.Filters, Limit: p.Limit, MinVisitors: minVisitors,
		ExcludeImported: p.NoImported,
		Goals:           h.cfg.Goals, Funnels: h.cfg.Funnels, Goal: p.Goal,
	}
}

// values encodes p back into URL parameters, for links that change one
// thing and keep the rest.
func (p *params) values() url.Values {
	v := url.Values{}
	v.Set("site", p.Site)
	if p.Period == "custom" {
		v.Set("from", p.From.Format("2006-01-02"))
		v.Set("to", p.To.Format("2006-01-02"))
	} else {
		v.Set("period", p.Period)
	}
	for _, f := range p.Filters {
		v.Add("filter", string(f.Dim)+"="+f.Value)
	}
	if p.Goal != "" {
		v.Set("goal", p.Goal)
	}
	if p.Lang != "" {
		v.Set("lang", p.Lang)
	}
	if p.NoImported {
		v.Set("imported", "false")
	}
	return v
}
