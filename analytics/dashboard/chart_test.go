package dashboard

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seloste/seloste/analytics"
)

// axisLabel is an x axis label: its anchor, position and text.
var axisLabel = regexp.MustCompile(`<text class="ax" x="([0-9.]+)" y="252" text-anchor="(\w+)" font-size="12">([^<]*)</text>`)

// TestChartLabelsDoNotCollide: on the wide and the narrow chart, in every
// language and for every interval, the x axis labels keep clear of each
// other (a label's width estimated at 7.5 units a character at 12 units).
func TestChartLabelsDoNotCollide(t *testing.T) {
	zone, _ := time.LoadLocation("Europe/Helsinki")
	series := func(from time.Time, n int, iv analytics.Interval) *analytics.Report {
		rep := &analytics.Report{From: from, Interval: iv, Zone: zone}
		t := from
		for i := range n {
			rep.Series = append(rep.Series, analytics.Point{T: t, Visitors: int64(10 + i), PageViews: int64(20 + i)})
			switch iv {
			case analytics.Month:
				t = t.AddDate(0, 1, 0)
			case analytics.Week:
				t = t.AddDate(0, 0, 7)
			case analytics.Hour:
				t = t.Add(time.Hour)
			default:
				t = t.AddDate(0, 0, 1)
			}
		}
		rep.To = t
		return rep
	}
	jan := time.Date(2026, 1, 1, 0, 0, 0, 0, zone)
	for _, lang := range []string{"fi", "sv", "en"} {
		for _, rep := range []*analytics.Report{
			series(jan, 12, analytics.Month), series(jan, 13, analytics.Month), series(jan, 24, analytics.Month),
			series(jan, 30, analytics.Day), series(jan, 31, analytics.Day), series(jan, 7, analytics.Day),
			series(jan, 24, analytics.Hour), series(jan, 53, analytics.Week),
		} {
			for _, c := range []chartShape{wideChart, narrowChart} {
				svg := string(chart(locale(lang), rep, c))
				var prevRight float64 = -1
				labels := axisLabel.FindAllStringSubmatch(svg, -1)
				if len(labels) < 2 {
					t.Fatalf("%s, %d points, %s chart: %d x labels in %s", lang, len(rep.Series), c.id, len(labels), svg)
				}
				for _, m := range labels {
					x, _ := strconv.ParseFloat(m[1], 64)
					w := 7.5 * float64(utf8.RuneCountInString(strings.ReplaceAll(m[3], "\u00a0", " ")))
					left := x - w/2
					switch m[2] {
					case "start":
						left = x
					case "end":
						left = x - w
					}
					if left < prevRight+4 {
						t.Errorf("%s, %d points by %v, %s chart: label %q at %.0f runs into the one before (ends at %.0f)",
							lang, len(rep.Series), rep.Interval, c.id, m[3], left, prevRight)
					}
					if left < 0 || left+w > c.w {
						t.Errorf("%s, %s chart: label %q outside the chart", lang, c.id, m[3])
					}
					prevRight = left + w
				}
			}
		}
	}
}
