// Package format renders an analytics.Report for people and spreadsheets: an
// aligned terminal table and CSV. It only renders; every number comes from
// the Report (the JSON document is Report.MarshalJSON).
package format

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/seloste/seloste/analytics"
)

// Titles of the breakdowns in the table.
var titles = map[analytics.Dimension]string{
	analytics.DimPage:        "Pages",
	analytics.DimEntryPage:   "Entry pages",
	analytics.DimExitPage:    "Exit pages",
	analytics.DimReferrer:    "Referrers",
	analytics.DimUTMSource:   "UTM sources",
	analytics.DimUTMMedium:   "UTM mediums",
	analytics.DimUTMCampaign: "UTM campaigns",
	analytics.DimChannel:     "Channels",
	analytics.DimCountry:     "Countries",
	analytics.DimRegion:      "Regions",
	analytics.DimCity:        "Cities",
	analytics.DimBrowser:     "Browsers",
	analytics.DimOS:          "Operating systems",
	analytics.DimDevice:      "Devices",
}

// Label is how a row's value is shown: empty values get a name.

// withheld stands for an average over fewer visitors than the k-anonymity
// floor (analytics.Totals.Withheld, Row.AvgTimeWithheld).
const withheld = "–"

func Label(d analytics.Dimension, r analytics.Row) string {
	switch {
	case r.Value == "" && d == analytics.DimReferrer:
		return "(direct)"
	case r.Value == "":
		return "(unknown)"
	case d == analytics.DimCountry && r.Name != "":
		return r.Value + " " + r.Name
	}
	return r.Value
}

// Table writes the report as aligned text: the totals against the previous
// period, the series as a sparkline, and every breakdown with at most limit
// rows (0: all).
func Table(w io.Writer, r *analytics.Report, limit int) error {
	ew := &errWriter{w: w}
	zone := r.Zone
	if zone == nil {
		zone = time.UTC
	}
	fmt.Fprintf(ew, "%s  %s – %s (%s)\n\n", r.Site, r.From.In(zone).Format(time.DateOnly), r.To.In(zone).Format(time.DateOnly), zone)
	if u := r.Imported; u != nil {
		if u.Included {
			fmt.Fprintf(ew, "Includes imported statistics for %s – %s (%d days; -imported=false leaves them out)\n\n", u.From, u.To, u.Days)
		} else {
			fmt.Fprintf(ew, "Imported statistics not included: %s\n\n", u.Reason)
		}
	}

	t, p := r.Totals, r.Previous
	// An average under the k-anonymity floor is not shown, nor compared.
	average := func(cur, prev string, withheldCur, withheldPrev bool, chg string) []string {
		if withheldCur {
			cur, chg = withheld, ""
		}
		if withheldPrev {
			prev, chg = withheld, ""
		}
		return []string{cur, prev, chg}
	}
	rows := [][]string{
		{"", "this period", "previous", "change"},
		{"Visitors", count(t.Visitors), count(p.Visitors), change(float64(t.Visitors), float64(p.Visitors))},
		{"Visits", count(t.Visits), count(p.Visits), change(float64(t.Visits), float64(p.Visits))},
		{"Page views", count(t.PageViews), count(p.PageViews), change(float64(t.PageViews), float64(p.PageViews))},
		append([]string{"Views per visit"}, average(strconv.FormatFloat(t.ViewsPerVisit, 'f', 2, 64), strconv.FormatFloat(p.ViewsPerVisit, 'f', 2, 64),
			t.Withheld, p.Withheld, change(t.ViewsPerVisit, p.ViewsPerVisit))...),
		append([]string{"Bounce rate"}, average(percent(t.BounceRate), percent(p.BounceRate),
			t.Withheld, p.Withheld, points(t.BounceRate, p.BounceRate, p.Visits > 0))...),
		append([]string{"Avg visit duration"}, average(maybeDuration(t.AvgVisitDuration, t.Visits > 0), maybeDuration(p.AvgVisitDuration, p.Visits > 0),
			t.Withheld || t.DurationWithheld, p.Withheld || p.DurationWithheld, change(t.AvgVisitDuration, p.AvgVisitDuration))...),
		append([]string{"Avg time on page"}, average(maybeDuration(t.AvgTimeOnPage, t.AvgTimeOnPage > 0), maybeDuration(p.AvgTimeOnPage, p.AvgTimeOnPage > 0),
			t.TimeWithheld, p.TimeWithheld, change(t.AvgTimeOnPage, p.AvgTimeOnPage))...),
	}
	if len(r.Filters) == 0 {
		rows = append(rows, []string{"Bots filtered", count(t.Bots), count(p.Bots), change(float64(t.Bots), float64(p.Bots))})
	}
	writeAligned(ew, rows)
	fmt.Fprintf(ew, "\nRealtime: %s visitors in the last 5 minutes\n", count(r.Realtime))
	if c := r.Consent; c != nil {
		fmt.Fprintf(ew, "Consent: banner shown %s times, accepted %s, declined %s", count(c.Shown), count(c.Accepted), count(c.Declined))
		if rate, ok := c.Rate(); ok {
			fmt.Fprintf(ew, "; the statistics cover %s of the visits that saw the banner", percent(rate))
		}
		fmt.Fprintln(ew)
	}

	if len(r.Series) > 0 {
		var peak analytics.Point
		for _, pt := range r.Series {
			if pt.Visitors > peak.Visitors {
				peak = pt
			}
		}
		fmt.Fprintf(ew, "\nVisitors by %s: %s", r.Interval, sparkline(r.Series))
		if peak.Visitors > 0 {
			fmt.Fprintf(ew, "  (most: %s, %s)", count(peak.Visitors), bucketLabel(peak.T.In(zone), r.Interval))
		}
		fmt.Fprintln(ew)
	}
	annotationLines(ew, r)

	for _, d := range analytics.Dimensions {
		list := r.Breakdowns[d]
		if len(list) == 0 {
			continue
		}
		head := []string{titles[d], "visitors"}
		switch d {
		case analytics.DimPage:
			head = append(head, "page views", "avg time", "scroll")
		default:
			if d.VisitLevel() {
				head = append(head, "visits")
			}
		}
		rows := [][]string{head}
		for i, row := range list {
			if limit > 0 && i >= limit {
				rows = append(rows, []string{fmt.Sprintf("… %d more rows", len(list)-limit)})
				break
			}
			line := []string{truncate(Label(d, row), 48), count(row.Visitors)}
			switch d {
			case analytics.DimPage:
				avg := duration(row.AvgTime)
				switch {
				case row.AvgTimeWithheld:
					avg = withheld
				case row.TimedViews == 0 && row.AvgTime == 0:
					avg = "–" // no view with a visible time (imported days carry none), not 0.0s
				}
				line = append(line, count(row.PageViews), avg, scrollText(row))
			default:
				if d.VisitLevel() {
					line = append(line, count(row.Visits))
				}
			}
			rows = append(rows, line)
		}
		fmt.Fprintln(ew)
		writeAligned(ew, rows)
	}
	eventTables(ew, r)
	return ew.err
}

// CSV writes one breakdown as CSV with a header row. Cells that a
// spreadsheet would run as a formula are quoted with a leading apostrophe:
// paths and campaign names come from visitors' URLs.
func CSV(w io.Writer, r *analytics.Report, d analytics.Dimension) error {
	cw := csv.NewWriter(w)
	head := []string{d.ValueKey()}
	if d == analytics.DimCountry {
		head = append(head, "name")
	}
	head = append(head, "visitors")
	switch d {
	case analytics.DimPage:
		head = append(head, "pageviews", "avg_time_s", "avg_scroll_pct")
	default:
		if d.VisitLevel() {
			head = append(head, "visits")
		}
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, row := range r.Breakdowns[d] {
		// Direct traffic has the table's and the dashboard's name; the JSON
		// keeps the raw empty host.
		value := row.Value
		if value == "" && d == analytics.DimReferrer {
			value = Label(d, row)
		}
		line := []string{safeCell(value)}
		if d == analytics.DimCountry {
			line = append(line, row.Name)
		}
		line = append(line, strconv.FormatInt(row.Visitors, 10))
		switch d {
		case analytics.DimPage:
			avg := strconv.FormatFloat(row.AvgTime, 'f', 2, 64)
			if row.AvgTimeWithheld || row.TimedViews == 0 && row.AvgTime == 0 {
				avg = "" // withheld under the k-anonymity floor, or no view with a visible time
			}
			scroll := "" // none measured, or withheld under the k-anonymity floor
			if row.ScrolledViews > 0 && !row.AvgScrollWithheld {
				scroll = strconv.FormatFloat(row.AvgScroll, 'f', 1, 64)
			}
			line = append(line, strconv.FormatInt(row.PageViews, 10), avg, scroll)
		default:
			if d.VisitLevel() {
				line = append(line, strconv.FormatInt(row.Visits, 10))
			}
		}
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SeriesCSV writes the time series as CSV: t, visitors, pageviews.
func SeriesCSV(w io.Writer, r *analytics.Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"t", "visitors", "pageviews"})
	zone := r.Zone
	if zone == nil {
		zone = time.UTC
	}
	for _, p := range r.Series {
		cw.Write([]string{p.T.In(zone).Format(time.RFC3339), strconv.FormatInt(p.Visitors, 10), strconv.FormatInt(p.PageViews, 10)})
	}
	cw.Flush()
	return cw.Error()
}

func safeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// writeAligned writes rows as columns: the first left-aligned, the others
// right-aligned, two spaces apart. Widths count runes, not bytes.
func writeAligned(w io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		if len(r) == 1 {
			continue // a note line spans the table
		}
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := 0
			if i < len(widths) {
				pad = widths[i] - utf8.RuneCountInString(c)
			}
			if i == 0 {
				b.WriteString(c)
				if len(r) > 1 {
					b.WriteString(strings.Repeat(" ", pad))
				}
				continue
			}
			b.WriteString("  ")
			b.WriteString(strings.Repeat(" ", pad))
			b.WriteString(c)
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// count writes an integer with thin groups of three: 12 345.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func percent(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + " %" }

// change is the relative change as "+12.5 %", or "–" with nothing before.
func change(cur, prev float64) string {
	c, ok := analytics.Change(cur, prev)
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%+.1f %%", 100*c)
}

// points is the change of a rate in percentage points; "–" when the
// previous period had no rate.
func points(cur, prev float64, hadPrev bool) string {
	if !hadPrev {
		return "–"
	}
	return fmt.Sprintf("%+.1f pp", 100*(cur-prev))
}

// duration writes seconds as "1h 02m", "3m 05s" or "12.3s".
// maybeDuration is duration(sec), or "–" when there is no such average: no
// visit, or no page view with a visible time (imported days carry none).
func maybeDuration(sec float64, exists bool) string {
	if !exists {
		return "–"
	}
	return duration(sec)
}

func duration(sec float64) string {
	switch {
	case sec >= 3600:
		s := int64(math.Round(sec))
		return fmt.Sprintf("%dh %02dm", s/3600, s%3600/60)
	case sec >= 60:
		s := int64(math.Round(sec))
		return fmt.Sprintf("%dm %02ds", s/60, s%60)
	}
	return strconv.FormatFloat(sec, 'f', 1, 64) + "s"
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

var bars = []rune("▁▂▃▄▅▆▇█")

func sparkline(series []analytics.Point) string {
	var top int64
	for _, p := range series {
		top = max(top, p.Visitors)
	}
	var b strings.Builder
	for _, p := range series {
		i := 0
		if top > 0 {
			i = int(p.Visitors * int64(len(bars)-1) / top)
		}
		b.WriteRune(bars[i])
	}
	return b.String()
}

func bucketLabel(t time.Time, iv analytics.Interval) string {
	switch iv {
	case analytics.Hour:
		return t.Format("2006-01-02 15:00")
	case analytics.Week:
		return "week of " + t.Format(time.DateOnly)
	case analytics.Month:
		return t.Format("2006-01")
	}
	return t.Format(time.DateOnly)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// scrollText is a page's average scroll depth for the text report: "–"
// when none of its views measured one.
func scrollText(row analytics.Row) string {
	switch {
	case row.AvgScrollWithheld:
		return withheld
	case row.ScrolledViews == 0:
		return "–"
	}
	return fmt.Sprintf("%.0f %%", row.AvgScroll)
}
