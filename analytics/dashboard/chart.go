package dashboard

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Chart geometry in SVG user units; the SVG scales to its box.
const (
	chartW, chartH                     = 720.0, 220.0
	padL, padR, padT, padB             = 48.0, 12.0, 12.0, 28.0
	plotW, plotH                       = chartW - padL - padR, chartH - padT - padB
	colorVisitors, colorPageviews, ink = "#1c5d99", "#8cb8e0", "#555"
)

// chart draws the time series as an inline SVG: pageviews as a light area,
// visitors as a dark line, with a title and a text description for screen
// readers. It is drawn on the server, so the page needs no script.
func chart(l locale, rep *analytics.Report) template.HTML {
	pts := rep.Series
	esc := html.EscapeString
	var b strings.Builder
	title := l.T("chart")
	var sumV, sumP, maxV, maxY int64
	peak := -1
	for i, p := range pts {
		sumV += p.Visitors
		sumP += p.PageViews
		if p.Visitors > maxV || peak < 0 {
			maxV, peak = p.Visitors, i
		}
		maxY = max(maxY, p.PageViews, p.Visitors)
	}
	desc := l.T("chart.empty")
	if sumP > 0 || sumV > 0 {
		desc = fmt.Sprintf(l.T("chart.desc"), l.Int(sumV), l.Int(sumP), l.Range(rep.From, rep.To),
			l.BucketLong(pts[peak].T.In(zoneOf(rep)), rep.Interval), l.Int(maxV))
	}
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %g %g" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH)
	fmt.Fprintf(&b, `<title id="chart-title">%s</title><desc id="chart-desc">%s</desc>`, esc(title), esc(desc))

	top := niceCeil(maxY)
	y := func(n int64) float64 { return padT + plotH - float64(n)/float64(top)*plotH }
	x := func(i int) float64 {
		if len(pts) <= 1 {
			return padL + plotW/2
		}
		return padL + float64(i)*plotW/float64(len(pts)-1)
	}
	// Grid and y axis labels at 0, 1/2 and the top.
	for _, n := range []int64{0, top / 2, top} {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#ddd" stroke-width="1"/>`, padL, chartW-padR, y(n), y(n))
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" text-anchor="end" font-size="12" fill="%s">%s</text>`, padL-6, y(n)+4, ink, esc(l.Int(n)))
	}
	if len(pts) > 0 {
		// Pageviews: area under a line.
		var area, pv, vis strings.Builder
		fmt.Fprintf(&area, "M%.1f,%.1f", x(0), y(0))
		for i, p := range pts {
			fmt.Fprintf(&area, " L%.1f,%.1f", x(i), y(p.PageViews))
			fmt.Fprintf(&pv, "%.1f,%.1f ", x(i), y(p.PageViews))
			fmt.Fprintf(&vis, "%.1f,%.1f ", x(i), y(p.Visitors))
		}
		fmt.Fprintf(&area, " L%.1f,%.1f Z", x(len(pts)-1), y(0))
		fmt.Fprintf(&b, `<path d="%s" fill="%s" fill-opacity="0.35"/>`, area.String(), colorPageviews)
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.TrimSpace(pv.String()), colorPageviews)
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2.5" stroke-linejoin="round"/>`, strings.TrimSpace(vis.String()), colorVisitors)
		if len(pts) <= 40 {
			for i, p := range pts {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s: %s</title></circle>`,
					x(i), y(p.Visitors), colorVisitors, esc(l.BucketLong(p.T.In(zoneOf(rep)), rep.Interval)), esc(l.Int(p.Visitors)))
			}
		}
		// At most about seven x labels, evenly spaced, always the first and last.
		last := len(pts) - 1
		step := max(1, int(math.Ceil(float64(len(pts))/7)))
		for i := 0; i < last; i += step {
			if i > 0 && last-i < (step+1)/2 {
				break // too close to the last label
			}
			label(&b, x(i), pts[i], l, rep, i == 0)
		}
		label(&b, x(last), pts[last], l, rep, false)
	}
	// Legend.
	fmt.Fprintf(&b, `<g font-size="12" fill="%s"><rect x="%g" y="2" width="12" height="4" fill="%s"/><text x="%g" y="9">%s</text>`,
		ink, padL+4, colorVisitors, padL+20, esc(l.T("visitors")))
	fmt.Fprintf(&b, `<rect x="%g" y="2" width="12" height="4" fill="%s"/><text x="%g" y="9">%s</text></g>`,
		padL+110, colorPageviews, padL+126, esc(l.T("pageviews")))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func label(b *strings.Builder, x float64, p analytics.Point, l locale, rep *analytics.Report, first bool) {
	anchor := "middle"
	if first {
		anchor = "start"
	}
	if x > chartW-padR-20 {
		anchor = "end"
	}
	fmt.Fprintf(b, `<text x="%.1f" y="%g" text-anchor="%s" font-size="12" fill="%s">%s</text>`,
		x, chartH-8, anchor, ink, html.EscapeString(l.Bucket(p.T.In(zoneOf(rep)), rep.Interval)))
}

func zoneOf(rep *analytics.Report) *time.Location {
	if rep.Zone != nil {
		return rep.Zone
	}
	return rep.From.Location()
}

// niceCeil rounds n up to 2, 4, 6, 8 or 10 times a power of ten: round,
// and even, so the half-way grid line is a whole number too.
func niceCeil(n int64) int64 {
	p := int64(1)
	for p*10 < n {
		p *= 10
	}
	for _, m := range []int64{2, 4, 6, 8, 10} {
		if m*p >= n {
			return m * p
		}
	}
	return 10 * p
}
