package dashboard

import (
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

// trendBudget bounds the time the trends add to a page: an engine whose
// filtered reports are slow (ClickHouse over a year) shows the page
// without them rather than late.
const trendBudget = 3 * time.Second

// pageTrends are the series of the Pages rows shown, each the series of
// the view its row links to: the report q filtered to page=path
// (analytics.PageTrender). None for a report already filtered to a page,
// or with a goal filter (a goal's report reads every page view), or when
// they take longer than trendBudget, or when they fail (the dashboard
// shows the rest of the page).
func (h *Handler) pageTrends(ctx context.Context, q analytics.Query, rows []analytics.Row) (map[string][]analytics.Point, error) {
	if q.Goal != "" || len(rows) < 2 {
		return nil, nil
	}
	for _, f := range q.Filters {
		if f.Dim == analytics.DimPage {
			return nil, nil
		}
	}
	var paths []string
	for _, r := range rows {
		if r.Value != analytics.Other {
			paths = append(paths, r.Value)
		}
	}
	var (
		trends map[string][]analytics.Point
		err    error
	)
	if h.cfg.Trends != nil {
		trends, err = h.cfg.Trends.PageTrends(ctx, q, paths)
	} else {
		trends, err = analytics.PageTrendsByReports(ctx, h.cfg.Reporter, q, paths)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, nil // over budget: not an error of the store
	}
	return trends, err
}

// sparkline draws a page's visitors per bucket as a small inline SVG, its
// numbers in the title (the text alternative).
func sparkline(l locale, path string, pts []analytics.Point, iv analytics.Interval, rep *analytics.Report) template.HTML {
	if len(pts) < 2 {
		return ""
	}
	const w, h, pad = 64.0, 18.0, 2.0
	var top int64
	nums := make([]string, len(pts))
	for i, p := range pts {
		top = max(top, p.Visitors)
		nums[i] = l.Int(p.Visitors)
	}
	var line strings.Builder
	for i, p := range pts {
		y := h - pad
		if top > 0 {
			y -= float64(p.Visitors) / float64(top) * (h - 2*pad)
		}
		fmt.Fprintf(&line, "%.1f,%.1f ", pad+float64(i)*(w-2*pad)/float64(len(pts)-1), y)
	}
	zone := zoneOf(rep)
	title := fmt.Sprintf(l.T("trend.title"), path, l.BucketLong(pts[0].T.In(zone), iv), l.BucketLong(pts[len(pts)-1].T.In(zone), iv), strings.Join(nums, ", "))
	return template.HTML(fmt.Sprintf(`<svg class="spark" viewBox="0 0 %g %g" width="%g" height="%g" role="img" xmlns="http://www.w3.org/2000/svg"><title>%s</title><polyline class="vis-line" points="%s" fill="none" stroke-width="1.5" stroke-linejoin="round"/></svg>`,
		w, h, w, h, html.EscapeString(title), strings.TrimSpace(line.String())))
}

// fillTrends puts each Pages row's sparkline into v's Pages table.
func (h *Handler) fillTrends(v *dashView, rep *analytics.Report, trends map[string][]analytics.Point) {
	if len(trends) == 0 {
		return
	}
	rows := rep.Breakdowns[analytics.DimPage]
	for ti := range v.Tables {
		t := &v.Tables[ti]
		if t.Dim != string(analytics.DimPage) || len(t.Rows) != len(rows) {
			continue
		}
		for i, r := range rows {
			if pts, ok := trends[r.Value]; ok {
				t.Rows[i].Trend = sparkline(v.locale, r.Value, pts, rep.Interval, rep)
				t.HasTrend = t.HasTrend || t.Rows[i].Trend != ""
			}
		}
	}
}
