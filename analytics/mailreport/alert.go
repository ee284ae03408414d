package mailreport

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

// AlertConfig is the [alerts] table: when a site's traffic is unusual
// enough to write to its admins.
//
// The usual level of an hour is the median of the page views in the same
// hour of the same weekday in the previous Weeks weeks (the 4 Mondays
// before a Monday, 14–15 o'clock each, in the site's zone). An hour
// "usually has traffic" when that median is at least MinUsual.
type AlertConfig struct {
	Off bool
	// Drop: the last DropHours complete hours each had page views at most
	// DropShare of their usual level, and each usually has traffic.
	// Default: no page views at all (share 0) for 2 hours.
	DropShare float64
	DropHours int
	// Spike: the last complete hour had more than SpikeFactor times its
	// usual level, and at least SpikeMin page views.
	SpikeFactor float64
	SpikeMin    int64
	MinUsual    int64 // default 5 page views
	Weeks       int   // default 4
}

// WithDefaults fills in the zero values: the defaults documented above.
func (c AlertConfig) WithDefaults() (AlertConfig, error) {
	if c.DropHours == 0 {
		c.DropHours = 2
	}
	if c.SpikeFactor == 0 {
		c.SpikeFactor = 5
	}
	if c.SpikeMin == 0 {
		c.SpikeMin = 50
	}
	if c.MinUsual == 0 {
		c.MinUsual = 5
	}
	if c.Weeks == 0 {
		c.Weeks = 4
	}
	switch {
	case c.DropShare < 0 || c.DropShare >= 1:
		return c, fmt.Errorf("alerts: drop_share %v: want a share from 0 (no page views at all) to under 1", c.DropShare)
	case c.DropHours < 1 || c.DropHours > 24:
		return c, fmt.Errorf("alerts: drop_hours %d: want 1 to 24", c.DropHours)
	case c.SpikeFactor <= 1:
		return c, fmt.Errorf("alerts: spike_factor %v: want more than 1", c.SpikeFactor)
	case c.SpikeMin < 0 || c.MinUsual < 0:
		return c, fmt.Errorf("alerts: spike_min and min_usual must not be negative")
	case c.Weeks < 1 || c.Weeks > 12:
		return c, fmt.Errorf("alerts: weeks %d: want 1 to 12", c.Weeks)
	}
	return c, nil
}

// AlertKind is what is unusual.
type AlertKind string

const (
	Drop  AlertKind = "drop"
	Spike AlertKind = "spike"
)

// HourCount is one complete hour: its page views and their usual level.
type HourCount struct {
	Start     time.Time
	PageViews int64
	Usual     int64 // the median of the same hour in the previous weeks
	Samples   []int64
}

// Alert is a finding about one site.
type Alert struct {
	Site  string
	Kind  AlertKind
	Hours []HourCount // the hours that triggered it, oldest first
	Cfg   AlertConfig
}

// CheckAlerts looks at the complete hours before now for site: the drop
// rule over the last DropHours hours, the spike rule over the last one.
// Every count is a page-view bucket of an hourly report series
// (Reporter), today's and the same weekday's of the previous weeks.
func CheckAlerts(ctx context.Context, r analytics.Reporter, site string, zone *time.Location, now time.Time, cfg AlertConfig) ([]Alert, error) {
	end := now.In(zone).Truncate(time.Hour) // the start of the running hour
	var hours []HourCount
	series := map[string][]analytics.Point{} // by day, hourly
	pageViews := func(t time.Time) (int64, error) {
		day := analytics.Midnight(t, zone)
		key := day.Format(time.DateOnly)
		pts, ok := series[key]
		if !ok {
			rep, err := r.Report(ctx, analytics.Query{Site: site, From: day, To: day, Zone: zone, Interval: analytics.Hour, Limit: 1})
			if err != nil {
				return 0, fmt.Errorf("alerts: %s: %w", site, err)
			}
			pts = rep.Series
			series[key] = pts
		}
		for _, p := range pts {
			if p.T.Equal(t) {
				return p.PageViews, nil
			}
		}
		return 0, nil
	}
	for i := cfg.DropHours; i >= 1; i-- {
		h := HourCount{Start: end.Add(-time.Duration(i) * time.Hour)}
		var err error
		if h.PageViews, err = pageViews(h.Start); err != nil {
			return nil, err
		}
		for w := 1; w <= cfg.Weeks; w++ {
			// The same wall-clock hour: AddDate keeps it across DST.
			n, err := pageViews(h.Start.AddDate(0, 0, -7*w))
			if err != nil {
				return nil, err
			}
			h.Samples = append(h.Samples, n)
		}
		h.Usual = median(h.Samples)
		hours = append(hours, h)
	}
	var out []Alert
	drop := true
	for _, h := range hours {
		if h.Usual < cfg.MinUsual || float64(h.PageViews) > cfg.DropShare*float64(h.Usual) {
			drop = false
		}
	}
	if drop {
		out = append(out, Alert{Site: site, Kind: Drop, Hours: hours, Cfg: cfg})
	}
	last := hours[len(hours)-1]
	if last.PageViews >= cfg.SpikeMin && float64(last.PageViews) > cfg.SpikeFactor*float64(max(last.Usual, 1)) {
		out = append(out, Alert{Site: site, Kind: Spike, Hours: []HourCount{last}, Cfg: cfg})
	}
	return out, nil
}

// median is the middle of the samples, the lower middle of an even count:
// one unusual week does not move it.
func median(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// Message writes a to an admin in their language.
func (a Alert) Message(to Recipient, dashboard string) Message {
	l := to.Lang
	if _, ok := words[l]; !ok {
		l = Finnish
	}
	w := alertWords[l]
	var subject, lead string
	if a.Kind == Drop {
		subject = fmt.Sprintf(w["drop.subject"], a.Site)
		lead = fmt.Sprintf(w["drop.lead"], len(a.Hours))
	} else {
		subject = fmt.Sprintf(w["spike.subject"], a.Site)
		lead = fmt.Sprintf(w["spike.lead"], a.Cfg.SpikeFactor)
	}
	var text, rows strings.Builder
	fmt.Fprintf(&text, "%s\n\n%s\n\n", subject, lead)
	fmt.Fprintf(&text, "%s %s %s\n", pad(w["hour"], -22), pad(l.t("pageviews"), 14), pad(w["usual"], 14))
	for _, h := range a.Hours {
		span := h.Start.Format("2006-01-02 15:04") + "–" + h.Start.Add(time.Hour).Format("15:04")
		samples := make([]string, len(h.Samples))
		for i, s := range h.Samples {
			samples[i] = l.number(s)
		}
		fmt.Fprintf(&text, "%s %s %s  (%s)\n", pad(span, -22), pad(l.number(h.PageViews), 14), pad(l.number(h.Usual), 14), strings.Join(samples, ", "))
		fmt.Fprintf(&rows, `<tr style="border-bottom:1px solid #e5e5e5"><td>%s</td><td style="text-align:right;font-weight:bold">%s</td><td style="text-align:right">%s</td><td style="color:#555">%s</td></tr>`+"\n",
			span, l.number(h.PageViews), l.number(h.Usual), strings.Join(samples, ", "))
	}
	fmt.Fprintf(&text, "\n%s\n", fmt.Sprintf(w["usual.def"], a.Cfg.Weeks))
	if a.Kind == Drop {
		fmt.Fprintf(&text, "\n%s\n", w["drop.hint"])
	}
	if dashboard != "" {
		fmt.Fprintf(&text, "\n%s: %s\n", l.t("dashboard"), dashboard)
	}
	hint := ""
	if a.Kind == Drop {
		hint = "<p>" + htmlEscape(w["drop.hint"]) + "</p>"
	}
	link := ""
	if dashboard != "" {
		link = fmt.Sprintf(`<p><a href="%s">%s</a></p>`, htmlEscape(dashboard), htmlEscape(l.t("dashboard")))
	}
	html := fmt.Sprintf(`<!DOCTYPE html>
<html lang="%s"><head><meta charset="utf-8"><title>%s</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;padding:16px">
<h1 style="font-size:18px">%s</h1>
<p>%s</p>
<table cellpadding="6" cellspacing="0" style="border-collapse:collapse;font-size:14px">
<tr style="background:#eef2f7"><th style="text-align:left">%s</th><th style="text-align:right">%s</th><th style="text-align:right">%s</th><th style="text-align:left">%s</th></tr>
%s</table>
<p style="font-size:12px;color:#555">%s</p>
%s%s</body></html>
`, l, htmlEscape(subject), htmlEscape(subject), htmlEscape(lead), htmlEscape(w["hour"]), htmlEscape(l.t("pageviews")), htmlEscape(w["usual"]), htmlEscape(w["samples"]),
		rows.String(), htmlEscape(fmt.Sprintf(w["usual.def"], a.Cfg.Weeks)), hint, link)
	return Message{To: to.Email, Subject: subject, Text: text.String(), HTML: html}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

var alertWords = map[Lang]map[string]string{
	Finnish: {
		"drop.subject":  "Hälytys %s: sivulataukset loppuivat",
		"drop.lead":     "Sivustolla ei ollut tavallista liikennettä %d viimeiseen tuntiin. Seurantakoodi voi olla rikki.",
		"drop.hint":     "Tarkista, että sivujen seurantakoodi (s.js) latautuu ja että palvelin vastaa osoitteessa /healthz.",
		"spike.subject": "Hälytys %s: liikennepiikki",
		"spike.lead":    "Viime tunnin sivulatauksia oli yli %g kertaa tavallinen määrä.",
		"hour":          "Tunti",
		"usual":         "Tavallisesti",
		"samples":       "Aiemmat viikot",
		"usual.def":     "Tavallinen taso on saman viikonpäivän saman tunnin sivulatausten mediaani %d edellisellä viikolla.",
	},
	Swedish: {
		"drop.subject":  "Larm %s: sidvisningarna upphörde",
		"drop.lead":     "Webbplatsen hade inte sin vanliga trafik under de senaste %d timmarna. Spårningskoden kan vara trasig.",
		"drop.hint":     "Kontrollera att sidornas spårningskod (s.js) laddas och att servern svarar på /healthz.",
		"spike.subject": "Larm %s: trafiktopp",
		"spike.lead":    "Den senaste timmen hade mer än %g gånger de vanliga sidvisningarna.",
		"hour":          "Timme",
		"usual":         "Vanligen",
		"samples":       "Tidigare veckor",
		"usual.def":     "Den vanliga nivån är medianen av sidvisningarna samma timme samma veckodag de %d föregående veckorna.",
	},
	English: {
		"drop.subject":  "Alert %s: page views stopped",
		"drop.lead":     "The site did not have its usual traffic in the last %d hours. The tracker may be broken.",
		"drop.hint":     "Check that the pages' tracker (s.js) loads and that the server answers at /healthz.",
		"spike.subject": "Alert %s: traffic spike",
		"spike.lead":    "The last hour had more than %g times the usual page views.",
		"hour":          "Hour",
		"usual":         "Usually",
		"samples":       "Previous weeks",
		"usual.def":     "The usual level is the median of the page views in the same hour of the same weekday in the previous %d weeks.",
	},
}
