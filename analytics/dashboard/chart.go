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

// The chart's colours are the style sheet's (classes vis, pv, imp, grid,
// ax), so that dark mode and print restyle it. Geometry is in SVG user
// units and the SVG scales to its box, so a phone gets its own narrower,
// taller shape with fewer labels instead of a shrunken wide one.

type chartShape struct {
	id           string
	w, h         float64
	xLabels      int
	padL, padR   float64
	padT, padB   float64
	plotW, plotH float64
}

func shape(id string, w, h float64, xLabels int) chartShape {
	c := chartShape{id: id, w: w, h: h, xLabels: xLabels, padL: 48, padR: 14, padT: 26, padB: 28}
	c.plotW, c.plotH = w-c.padL-c.padR, h-c.padT-c.padB
	return c
}

var (
	wideChart   = shape("wide", 900, 260, 8)
	narrowChart = shape("narrow", 400, 260, 4)
)

// charts draws the series twice, wide and narrow; CSS shows one.
func charts(l locale, rep *analytics.Report) template.HTML {
	return chart(l, rep, wideChart) + chart(l, rep, narrowChart)
}

// chart draws the time series as an inline SVG: pageviews as a light area,
// visitors as a dark line, with a title and a text description for screen
// readers. It is drawn on the server, so the page needs no script.
func chart(l locale, rep *analytics.Report, c chartShape) template.HTML {
	pts := rep.Series
	esc := html.EscapeString
	var b strings.Builder
	title := l.T("chart")
	var maxY int64
	for _, p := range pts {
		maxY = max(maxY, p.PageViews, p.Visitors)
	}
	desc := chartSummary(l, rep)
	fmt.Fprintf(&b, `<svg class="chart %s" viewBox="0 0 %g %g" role="img" aria-labelledby="chart-title-%s chart-desc-%s" xmlns="http://www.w3.org/2000/svg">`, c.id, c.w, c.h, c.id, c.id)
	fmt.Fprintf(&b, `<title id="chart-title-%s">%s</title><desc id="chart-desc-%s">%s</desc>`, c.id, esc(title), c.id, esc(desc))
	padL, padR, padT, plotW, plotH, chartW := c.padL, c.padR, c.padT, c.plotW, c.plotH, c.w

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
		fmt.Fprintf(&b, `<line class="grid" x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke-width="1"/>`, padL, chartW-padR, y(n), y(n))
		fmt.Fprintf(&b, `<text class="ax" x="%g" y="%.1f" text-anchor="end" font-size="12">%s</text>`, padL-6, y(n)+4, esc(l.Int(n)))
	}
	imported := false
	for i, p := range pts {
		if !p.Imported {
			continue
		}
		// Buckets that count imported aggregates get a band behind them.
		half := plotW / 2
		if len(pts) > 1 {
			half = plotW / float64(len(pts)-1) / 2
		}
		x0, x1 := max(padL, x(i)-half), min(padL+plotW, x(i)+half)
		fmt.Fprintf(&b, `<rect class="imported" x="%.1f" y="%g" width="%.1f" height="%g"><title>%s</title></rect>`,
			x0, padT, x1-x0, plotH, esc(l.T("imported.legend")))
		imported = true
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
		fmt.Fprintf(&b, `<path class="pv-area" d="%s" fill-opacity="0.35"/>`, area.String())
		fmt.Fprintf(&b, `<polyline class="pv-line" points="%s" fill="none" stroke-width="2" stroke-dasharray="5 3"/>`, strings.TrimSpace(pv.String()))
		fmt.Fprintf(&b, `<polyline class="vis-line" points="%s" fill="none" stroke-width="2.5" stroke-linejoin="round"/>`, strings.TrimSpace(vis.String()))
		if len(pts) <= int(plotW/12) {
			for i, p := range pts {
				fmt.Fprintf(&b, `<circle class="vis" cx="%.1f" cy="%.1f" r="2.5"><title>%s: %s</title></circle>`,
					x(i), y(p.Visitors), esc(l.BucketLong(p.T.In(zoneOf(rep)), rep.Interval)), esc(l.Int(p.Visitors)))
			}
		}
		// At most about seven x labels, evenly spaced, always the first and last.
		last := len(pts) - 1
		step := max(1, int(math.Ceil(float64(len(pts))/float64(c.xLabels-1))))
		for i := 0; i < last; i += step {
			if i > 0 && last-i < step {
				break // closer to the last label than to its neighbour: they would collide
			}
			label(&b, c, x(i), pts[i], l, rep, i == 0)
		}
		label(&b, c, x(last), pts[last], l, rep, false)
	}
	noteMarks(&b, l, rep, c, x)
	// Legend: a solid line for visitors, a dashed line over an area for
	// pageviews, a band for imported days: told apart by shape, not only
	// by colour.
	fmt.Fprintf(&b, `<g font-size="12"><line class="vis-line" x1="%g" x2="%g" y1="9" y2="9" stroke-width="2.5"/><text class="ax" x="%g" y="13">%s</text>`,
		padL, padL+16, padL+20, esc(l.T("visitors")))
	fmt.Fprintf(&b, `<rect class="pv-area" x="%g" y="3" width="16" height="10" fill-opacity="0.35"/><line class="pv-line" x1="%g" x2="%g" y1="3" y2="3" stroke-width="2" stroke-dasharray="5 3"/><text class="ax" x="%g" y="13">%s</text></g>`,
		padL+120, padL+120, padL+136, padL+140, esc(l.T("pageviews")))
	if imported {
		fmt.Fprintf(&b, `<g font-size="12"><rect class="imp" x="%g" y="2" width="16" height="12"/><text class="ax" x="%g" y="13">%s</text></g>`,
			padL+250, padL+270, esc(l.T("imported.legend")))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartSummary tells the chart in words: the totals over the period and
// its busiest point, for the SVG's description and the caption under it.
func chartSummary(l locale, rep *analytics.Report) string {
	var sumV, sumP, maxV int64
	peak := -1
	for i, p := range rep.Series {
		sumV += p.Visitors
		sumP += p.PageViews
		if p.Visitors > maxV || peak < 0 {
			maxV, peak = p.Visitors, i
		}
	}
	if sumP == 0 && sumV == 0 {
		return l.T("chart.empty")
	}
	return fmt.Sprintf(l.T("chart.desc"), l.Int(sumV), l.Int(sumP), l.Range(rep.From, rep.To),
		l.BucketLong(rep.Series[peak].T.In(zoneOf(rep)), rep.Interval), l.Int(maxV))
}

func label(b *strings.Builder, c chartShape, x float64, p analytics.Point, l locale, rep *analytics.Report, first bool) {
	anchor := "middle"
	if first {
		anchor = "start"
	}
	if x > c.w-c.padR-20 {
		anchor = "end"
	}
	fmt.Fprintf(b, `<text class="ax" x="%.1f" y="%g" text-anchor="%s" font-size="12">%s</text>`,
		x, c.h-8, anchor, html.EscapeString(l.Bucket(p.T.In(zoneOf(rep)), rep.Interval)))
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
