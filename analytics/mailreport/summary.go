package mailreport

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seloste/seloste/analytics"
)

// Recipient is a person who gets mail about sites. The server's users are
// its source; this package needs only these fields.
type Recipient struct {
	Name    string
	Email   string
	Lang    Lang
	Sites   []string // the sites they may see; empty: every site
	Admin   bool     // admins get the sites' alerts
	Weekly  bool     // wants the weekly summary
	Monthly bool     // wants the monthly summary
}

// Sees reports whether r may see site's numbers.
func (r Recipient) Sees(site string) bool {
	if len(r.Sites) == 0 {
		return true
	}
	for _, s := range r.Sites {
		if strings.EqualFold(s, site) {
			return true
		}
	}
	return false
}

// Wants reports whether r ordered p's summary.
func (r Recipient) Wants(p Period) bool {
	if p == Weekly {
		return r.Weekly
	}
	return r.Monthly
}

// topRows is how many rows each table of a summary shows before "(other)".
const topRows = 5

// SummaryQuery is the query of site's summary for the period before now's:
// daily series, topRows rows a table, and the k-anonymity floor minVisitors.
func SummaryQuery(site string, p Period, now time.Time, zone *time.Location, minVisitors int, goals []analytics.Goal) analytics.Query {
	first, last := p.Span(now, zone)
	return analytics.Query{Site: site, From: first, To: last, Zone: zone, Interval: analytics.Day,
		Limit: topRows, MinVisitors: minVisitors, Goals: goals}
}

// Summary renders rep, a report asked with SummaryQuery, for to in its
// language. dashboard is the dashboard's address ("" leaves the link out);
// k is the floor the report was asked with.
func Summary(rep *analytics.Report, p Period, to Recipient, dashboard string, k int) (Message, error) {
	l := to.Lang
	if _, ok := words[l]; !ok {
		l = Finnish
	}
	v := summaryView(rep, p, l, dashboard, k)
	var text strings.Builder
	if err := writeText(&text, v); err != nil {
		return Message{}, err
	}
	var html bytes.Buffer
	if err := htmlTemplate.Execute(&html, v); err != nil {
		return Message{}, fmt.Errorf("mail: summary of %s: %w", rep.Site, err)
	}
	return Message{To: to.Email, Subject: v.Subject, Text: text.String(), HTML: html.String()}, nil
}

type (
	view struct {
		L                Lang
		Subject, Title   string
		Site, Link, Note string
		Why, None        string
		Totals           []totalRow
		Tables           []table
		Days             []bar
		DaysTitle        string
		Empty            bool
	}
	totalRow struct{ Name, Now, Before, Change string }
	table    struct {
		Title, Col2 string
		Rows        []cells
	}
	cells struct{ A, B string }
	bar   struct {
		Day, N string
		Pct    int // of the widest bar, 0..100
	}
)

func summaryView(rep *analytics.Report, p Period, l Lang, dashboard string, k int) view {
	first, last := rep.From, rep.To
	v := view{L: l, Site: rep.Site, Empty: rep.Totals.Visitors == 0, None: l.t("none"), Why: l.t("why", rep.Site)}
	if p == Weekly {
		_, w := first.ISOWeek()
		v.Subject = l.t("week.subject", rep.Site, w)
		v.Title = l.t("week.title", w, l.date(first), l.date(last))
	} else {
		month := l.monthName(int(first.Month())) + " " + first.Format("2006")
		v.Subject = l.t("month.subject", rep.Site, month)
		v.Title = l.t("month.title", capitalize(month), l.date(first), l.date(last))
	}
	if dashboard != "" {
		q := url.Values{"site": {rep.Site}, "from": {first.Format(time.DateOnly)}, "to": {last.Format(time.DateOnly)}}
		sep := "?"
		if strings.Contains(dashboard, "?") {
			sep = "&"
		}
		v.Link = dashboard + sep + q.Encode()
	}
	if k > 1 {
		v.Note = l.t("withheld", k)
	}

	cur, prev := rep.Totals, rep.Previous
	count := func(name string, a, b int64) {
		c, ok := analytics.Change(float64(a), float64(b))
		v.Totals = append(v.Totals, totalRow{name, l.number(a), l.number(b), l.change(c, ok)})
	}
	count(l.t("visitors"), cur.Visitors, prev.Visitors)
	count(l.t("visits"), cur.Visits, prev.Visits)
	count(l.t("pageviews"), cur.PageViews, prev.PageViews)
	// An average withheld under the floor is not given, in either period.
	if !cur.Withheld && !prev.Withheld {
		c, ok := analytics.Change(cur.BounceRate, prev.BounceRate)
		v.Totals = append(v.Totals, totalRow{l.t("bounce"), l.percent(cur.BounceRate), l.percent(prev.BounceRate), l.change(c, ok)})
	}
	if !cur.DurationWithheld && !prev.DurationWithheld && !cur.Withheld && !prev.Withheld {
		c, ok := analytics.Change(cur.AvgVisitDuration, prev.AvgVisitDuration)
		v.Totals = append(v.Totals, totalRow{l.t("duration"), l.duration(cur.AvgVisitDuration), l.duration(prev.AvgVisitDuration), l.change(c, ok)})
	}

	rows := func(title string, dim analytics.Dimension, name func(analytics.Row) string) {
		t := table{Title: title, Col2: l.t("visitors")}
		for _, r := range rep.Breakdowns[dim] {
			t.Rows = append(t.Rows, cells{name(r), l.number(r.Visitors)})
		}
		if len(t.Rows) > 0 {
			v.Tables = append(v.Tables, t)
		}
	}
	label := func(r analytics.Row) string {
		switch r.Value {
		case analytics.Other:
			return l.t("other")
		case "":
			return l.t("direct")
		}
		return r.Value
	}
	rows(l.t("pages"), analytics.DimPage, label)
	rows(l.t("sources"), analytics.DimReferrer, label)
	rows(l.t("countries"), analytics.DimCountry, func(r analytics.Row) string {
		switch r.Value {
		case analytics.Other:
			return label(r)
		case "":
			return l.t("unknown")
		}
		return l.country(r.Value)
	})
	if len(rep.Goals) > 0 {
		t := table{Title: l.t("goals"), Col2: l.t("visitors") + " · " + l.t("conversion")}
		for _, g := range rep.Goals {
			// A goal reached by fewer than the floor would name those few.
			if k > 1 && g.Visitors < int64(k) {
				t.Rows = append(t.Rows, cells{g.Name, fmt.Sprintf("< %d", k)})
				continue
			}
			t.Rows = append(t.Rows, cells{g.Name, l.number(g.Visitors) + " · " + l.percent(g.ConversionRate)})
		}
		v.Tables = append(v.Tables, t)
	}

	v.DaysTitle = l.t("daily")
	var most int64
	for _, pt := range rep.Series {
		most = max(most, pt.PageViews)
	}
	for _, pt := range rep.Series {
		pct := 0
		if most > 0 {
			pct = int(pt.PageViews * 100 / most)
		}
		v.Days = append(v.Days, bar{Day: l.date(pt.T.In(rep.Zone)), N: l.number(pt.PageViews), Pct: pct})
	}
	return v
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// writeText writes v as plain text, aligned for a monospace reader.
func writeText(w *strings.Builder, v view) error {
	fmt.Fprintf(w, "%s — %s\n\n", v.Site, v.Title)
	if v.Empty {
		fmt.Fprintf(w, "%s\n\n", v.None)
	}
	fmt.Fprintf(w, "%s %s %s %s\n", pad("", -22), pad(periodWord(v.L), 12), pad(v.L.t("previous"), 18), pad(v.L.t("change"), 10))
	for _, t := range v.Totals {
		fmt.Fprintf(w, "%s %s %s %s\n", pad(t.Name, -22), pad(t.Now, 12), pad(t.Before, 18), pad(t.Change, 10))
	}
	for _, t := range v.Tables {
		fmt.Fprintf(w, "\n%s\n", t.Title)
		for _, r := range t.Rows {
			fmt.Fprintf(w, "  %s %s\n", pad(r.A, -40), pad(r.B, 14))
		}
	}
	if len(v.Days) > 0 {
		fmt.Fprintf(w, "\n%s\n", v.DaysTitle)
		for _, d := range v.Days {
			fmt.Fprintf(w, "  %s %s %s\n", pad(d.Day, -11), pad(d.N, 8), strings.Repeat("#", d.Pct/5))
		}
	}
	if v.Note != "" {
		fmt.Fprintf(w, "\n%s\n", v.Note)
	}
	if v.Link != "" {
		fmt.Fprintf(w, "\n%s: %s\n", v.L.t("dashboard"), v.Link)
	}
	fmt.Fprintf(w, "\n-- \n%s\n", v.Why)
	return nil
}

// pad aligns s in width characters (not bytes: ä is one): to the right,
// or to the left for a negative width.
func pad(s string, width int) string {
	n := utf8.RuneCountInString(s)
	left := width < 0
	if left {
		width = -width
	}
	if n >= width {
		return s
	}
	if left {
		return s + strings.Repeat(" ", width-n)
	}
	return strings.Repeat(" ", width-n) + s
}

func periodWord(l Lang) string {
	return map[Lang]string{Finnish: "Jakso", Swedish: "Perioden", English: "This period"}[l]
}

// htmlTemplate is the HTML part: tables and inline styles only, no
// scripts, no images, no external anything, so that it reads the same in
// webmail, Outlook and a phone's mail app. The chart is table cells whose
// widths are the bars.
var htmlTemplate = template.Must(template.New("summary").Funcs(template.FuncMap{
	"period": periodWord,
	"t":      func(l Lang, k string) string { return l.t(k) },
	"rest":   func(p int) int { return 100 - p },
}).Parse(`<!DOCTYPE html>
<html lang="{{.L}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.Subject}}</title></head>
<body style="margin:0;padding:16px;background:#f4f4f4;font-family:Arial,Helvetica,sans-serif;color:#1a1a1a">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:640px;margin:0 auto;background:#ffffff;border-collapse:collapse">
<tr><td style="padding:16px 20px">
<h1 style="font-size:20px;margin:0 0 4px">{{.Site}}</h1>
<p style="margin:0 0 16px;color:#555">{{.Title}}</p>
{{if .Empty}}<p>{{.None}}</p>{{end}}
<table width="100%" cellpadding="6" cellspacing="0" style="border-collapse:collapse;font-size:14px">
<tr style="background:#eef2f7"><th style="text-align:left"></th><th style="text-align:right">{{period .L}}</th><th style="text-align:right">{{t .L "previous"}}</th><th style="text-align:right">{{t .L "change"}}</th></tr>
{{range .Totals}}<tr style="border-bottom:1px solid #e5e5e5"><td>{{.Name}}</td><td style="text-align:right;font-weight:bold">{{.Now}}</td><td style="text-align:right;color:#555">{{.Before}}</td><td style="text-align:right">{{.Change}}</td></tr>
{{end}}</table>
{{if .Days}}<h2 style="font-size:16px;margin:20px 0 6px">{{.DaysTitle}}</h2>
<table width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-size:12px">
{{range .Days}}<tr><td style="width:80px;padding:2px 6px 2px 0;white-space:nowrap">{{.Day}}</td><td style="padding:2px 0"><table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr>{{if .Pct}}<td width="{{.Pct}}%" style="background:#2f6fb3;height:12px;font-size:1px;line-height:1px">&nbsp;</td>{{end}}<td width="{{rest .Pct}}%" style="height:12px;font-size:1px;line-height:1px">&nbsp;</td></tr></table></td><td style="width:60px;text-align:right;padding:2px 0 2px 6px">{{.N}}</td></tr>
{{end}}</table>{{end}}
{{range .Tables}}<h2 style="font-size:16px;margin:20px 0 6px">{{.Title}}</h2>
<table width="100%" cellpadding="5" cellspacing="0" style="border-collapse:collapse;font-size:14px">
<tr style="background:#eef2f7"><th></th><th style="text-align:right">{{.Col2}}</th></tr>
{{range .Rows}}<tr style="border-bottom:1px solid #e5e5e5"><td style="word-break:break-all">{{.A}}</td><td style="text-align:right;white-space:nowrap">{{.B}}</td></tr>
{{end}}</table>
{{end}}
{{if .Note}}<p style="font-size:12px;color:#555;margin-top:16px">{{.Note}}</p>{{end}}
{{if .Link}}<p style="margin:20px 0"><a href="{{.Link}}" style="background:#2f6fb3;color:#ffffff;padding:10px 16px;text-decoration:none;border-radius:4px;display:inline-block">{{t .L "dashboard"}}</a></p>{{end}}
<p style="font-size:12px;color:#777;margin-top:24px">{{.Why}}</p>
</td></tr></table>
</body></html>
`))
