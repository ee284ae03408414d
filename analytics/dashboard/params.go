package dashboard

import (
	"fmt"
	"net/url"
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
	Limit    int
	Lang     string // "" unless set in the URL
}

// periods are the shortcuts of the period picker, in its order.
var periods = []string{"today", "7d", "30d", "month", "year"}

const defaultPeriod = "30d"

// paramError is a bad parameter: the message says which and how to fix it.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func badParam(format string, a ...any) error { return &paramError{fmt.Sprintf(format, a...)} }

// parseParams reads the report parameters of a dashboard or API URL.
// defLimit is the rows per breakdown when limit is not given.
func (h *Handler) parseParams(v url.Values, defLimit int) (*params, error) {
	p := &params{Lang: v.Get("lang"), Limit: defLimit}
	if p.Lang != "" && p.Lang != "fi" && p.Lang != "en" {
		p.Lang = ""
	}
	site, ok := h.site(v.Get("site"))
	if !ok {
		return p, badParam("unknown site %q; configured sites: %s", v.Get("site"), strings.Join(h.cfg.Sites, ", "))
	}
	p.Site = site

	today := analytics.Midnight(h.cfg.Now(), h.cfg.Zone)
	from, to := v.Get("from"), v.Get("to")
	switch {
	case from != "" || to != "":
		if from == "" || to == "" {
			return p, badParam("give both from and to (YYYY-MM-DD), or a period")
		}
		var err error
		if p.From, err = parseDay(from, h.cfg.Zone); err != nil {
			return p, badParam("from: %v", err)
		}
		if p.To, err = parseDay(to, h.cfg.Zone); err != nil {
			return p, badParam("to: %v", err)
		}
		if p.To.Before(p.From) {
			return p, badParam("from %s is after to %s", from, to)
		}
		if days(p.From, p.To) > analytics.MaxDays {
			return p, badParam("the range %s..%s is longer than %d days", from, to, analytics.MaxDays)
		}
		p.Period = "custom"
		if per := v.Get("period"); per != "" && per != "custom" {
			return p, badParam("give either period or from/to, not both")
		}
	default:
		p.Period = v.Get("period")
		if p.Period == "" {
			p.Period = defaultPeriod
		}
		var err error
		if p.From, p.To, err = periodRange(p.Period, today); err != nil {
			return p, err
		}
	}

	for _, f := range v["filter"] {
		dim, val, ok := strings.Cut(f, "=")
		if !ok || !analytics.Dimension(dim).Valid() {
			return p, badParam("filter %q: want DIMENSION=VALUE with DIMENSION one of %s", f, analytics.DimensionNames())
		}
		p.Filters = append(p.Filters, analytics.Filter{Dim: analytics.Dimension(dim), Value: val})
	}

	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 || n > 100000 {
			return p, badParam("limit %q: want a whole number from 0 (no limit) to 100000", l)
		}
		p.Limit = n
	}
	return p, nil
}

// periodRange resolves a period shortcut to inclusive days ending today.
func periodRange(period string, today time.Time) (from, to time.Time, err error) {
	switch period {
	case "today":
		return today, today, nil
	case "7d":
		return today.AddDate(0, 0, -6), today, nil
	case "30d":
		return today.AddDate(0, 0, -29), today, nil
	case "month":
		return time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, today.Location()), today, nil
	case "year":
		return time.Date(today.Year(), 1, 1, 0, 0, 0, 0, today.Location()), today, nil
	}
	return time.Time{}, time.Time{}, badParam("period %q: want one of %s, or from and to", period, strings.Join(periods, ", "))
}

func parseDay(s string, zone *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", s, zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2026-01-31", s)
	}
	return t, nil
}

// days counts the days from a to b, inclusive, across DST changes.
func days(a, b time.Time) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours()/24) + 1
}

func (h *Handler) query(p *params, minVisitors int) analytics.Query {
	return analytics.Query{
		Site: p.Site, From: p.From, To: p.To, Zone: h.cfg.Zone,
		Filters: p.Filters, Limit: p.Limit, MinVisitors: minVisitors,
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
	if p.Lang != "" {
		v.Set("lang", p.Lang)
	}
	return v
}
