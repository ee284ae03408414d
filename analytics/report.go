package analytics

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// Other is the row name rows are folded into by Limit and MinVisitors.
const Other = "(muut)"

// Totals are the headline numbers of a period.
type Totals struct {
	Visitors         int64   `json:"visitors"` // unique ids per day, summed over the days
	Visits           int64   `json:"visits"`
	PageViews        int64   `json:"pageviews"`
	ViewsPerVisit    float64 `json:"views_per_visit"`
	BounceRate       float64 `json:"bounce_rate"`          // share of visits with one page view, 0..1
	AvgVisitDuration float64 `json:"avg_visit_duration_s"` // seconds
	AvgTimeOnPage    float64 `json:"avg_time_on_page_s"`   // seconds of visible time
	Bots             int64   `json:"bots"`

	// Withheld says that the period has fewer visitors than the report's
	// k-anonymity floor (Query.MinVisitors): its averages (views per visit,
	// bounce rate, both durations) would be those few people's own numbers,
	// so they are not given (0 here, null in JSON). TimeWithheld says the
	// same of the average time on page: its visitors with a timed view are
	// under the floor, or the report's pages would give a few people's time
	// away by subtraction (WithholdDifferences). DurationWithheld says it
	// of the visit duration, which ends with the last page's visible time:
	// withheld with the rest, or when some but too few visitors had a timed
	// view, or with the time on page by WithholdDifferences.
	Withheld         bool `json:"-"`
	TimeWithheld     bool `json:"-"`
	DurationWithheld bool `json:"-"`
}

// Point is one bucket of the time series.
type Point struct {
	T         time.Time
	Visitors  int64
	PageViews int64
	Imported  bool // the bucket counts imported aggregates
}

// Row is one line of a breakdown. Which of the optional fields are set
// depends on the dimension (the JSON document, report_json.go, names them).
type Row struct {
	Value     string // the dimension's value
	Name      string // a display name, for countries
	Visitors  int64
	PageViews int64   // page-view dimensions: the page views with the value
	AvgTime   float64 // page-view dimensions: average visible seconds

	// Visits is, for visit-level dimensions (entry and exit pages, sources,
	// channels), how many visits have the value; 0 for the others.
	Visits int64
	// TimedViews is how many of PageViews have a visible time; AvgTime is
	// over them. Kept so that folded rows can average exactly.
	TimedViews int64
	// TimedVisitors are the visitors of those timed views. With fewer than
	// the k-anonymity floor, AvgTime is withheld (0, AvgTimeWithheld set):
	// it would be those few people's own time.
	TimedVisitors   int64
	AvgTimeWithheld bool

	// AvgScroll is, for pages, the average scroll depth in percent of the
	// ScrolledViews that measured one (0 when none did), over
	// ScrolledVisitors; withheld under the k-anonymity floor as AvgTime is.
	AvgScroll         float64
	ScrolledViews     int64
	ScrolledVisitors  int64
	AvgScrollWithheld bool
}

// Report is every number the CLI, the API, the CSV export and the dashboard
// show. It is computed once, by a Store, and only rendered elsewhere.
type Report struct {
	Site       string
	From, To   time.Time
	Zone       *time.Location
	Interval   Interval
	Totals     Totals
	Previous   Totals // the period of equal length just before From
	Series     []Point
	Breakdowns map[Dimension][]Row
	// Filters are the query's. A filtered report counts no bots (Totals.Bots
	// is 0 and the JSON document says null): bot hits have no page, source
	// or location to filter by, and the whole site's number would look
	// filtered.
	Filters     []Filter
	Realtime    int64 // visitors in the last 5 minutes
	GeneratedAt time.Time
	// Imported says whether imported aggregates are counted, and which
	// days; nil when the period has none.
	Imported *ImportedUse

	// Consent is the consent banner's counts of the period (SetConsent);
	// nil for a filtered report or when no banner was counted.
	Consent *ConsentTotals

	// The event parts (EventScanner): Goals and Funnels in the query's
	// order, Events and Props by visitors.
	Goals   []GoalRow
	Events  []EventRow
	Props   []PropRow
	Funnels []FunnelRow

	// Annotations are the owner's notes on the period's days (Annotate):
	// filled by the caller that has an AnnotationStore, not by Report.
	Annotations []Annotation
}

// Reporter computes reports. Every engine implements it with the same
// meaning; analytics/sqlite is the reference.
type Reporter interface {
	Report(ctx context.Context, q Query) (*Report, error)
}

// SortRows orders a breakdown: most visitors first, then by value so that
// equal rows always come in the same order.
func SortRows(rows []Row) {
	slices.SortFunc(rows, func(a, b Row) int {
		if c := cmp.Compare(b.Visitors, a.Visitors); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
}

// FoldRows sorts rows and folds into one Other row, put last, every row with
// fewer than minVisitors visitors (the k-anonymity floor; <= 1 is off) and
// every row after the first limit rows (0 is no limit). Other's page views
// are the sums of the folded rows; its average time is weighted by their
// timed page views, its scroll depth by their scrolled ones. Under the
// floor, an average over fewer visitors than minVisitors is withheld, in
// Other too.
//
// The folded rows may share visitors and visits (one visitor's many pages),
// and which of them do is not known from the rows, so Other's visitors and
// visits are their sums, at most visitors and visits: those of all the rows
// together, the period's (0: no bound). One visitor on 30,000 pages is one
// visitor in Other, not 30,000; Other's visitors are an upper bound, exact
// when the folded rows share no visitor.
func FoldRows(rows []Row, limit, minVisitors int, visitors, visits int64) []Row {
	SortRows(rows)
	var (
		kept   = make([]Row, 0, len(rows))
		other  = Row{Value: Other}
		folded int
	)
	for _, r := range rows {
		if r.Value == Other || (minVisitors > 1 && r.Visitors < int64(minVisitors)) || (limit > 0 && len(kept) >= limit) {
			other.Visitors += r.Visitors
			other.Visits += r.Visits
			other.PageViews += r.PageViews
			other.AvgTime += r.AvgTime * float64(r.TimedViews) // weighted sum, divided below
			other.TimedViews += r.TimedViews
			// The folded rows may share visitors: the most of any one row is
			// how many distinct people the average is surely over.
			other.TimedVisitors = max(other.TimedVisitors, r.TimedVisitors)
			other.AvgScroll += r.AvgScroll * float64(r.ScrolledViews)
			other.ScrolledViews += r.ScrolledViews
			other.ScrolledVisitors = max(other.ScrolledVisitors, r.ScrolledVisitors)
			folded++
			continue
		}
		kept = append(kept, r)
	}
	if folded > 0 {
		if visitors > 0 {
			other.Visitors = min(other.Visitors, visitors)
		}
		if visits > 0 {
			other.Visits = min(other.Visits, visits)
		}
		if other.TimedViews > 0 {
			other.AvgTime /= float64(other.TimedViews)
		} else {
			other.AvgTime = 0
		}
		if other.ScrolledViews > 0 {
			other.AvgScroll /= float64(other.ScrolledViews)
		} else {
			other.AvgScroll = 0
		}
		kept = append(kept, other)
	}
	if minVisitors > 1 {
		for i := range kept {
			if kept[i].TimedViews > 0 && kept[i].TimedVisitors < int64(minVisitors) {
				kept[i].AvgTime, kept[i].AvgTimeWithheld = 0, true
			}
			if kept[i].ScrolledViews > 0 && kept[i].ScrolledVisitors < int64(minVisitors) {
				kept[i].AvgScroll, kept[i].AvgScrollWithheld = 0, true
			}
		}
	}
	return kept
}

// WithholdDifferences withholds, under the k-anonymity floor minVisitors
// (<= 1 is off), the averages that subtracting shown numbers would turn
// into a few people's own. rows are the report's folded breakdowns (FoldRows);
// timedViews and timedVisitors are the period's page views with a visible
// time and their visitors.
//
// Pages partition the page views: the period's time on page times its
// timed views, less each shown page's average times its timed views, is
// the time of the page views no shown average covers (the pages folded
// into Other or withheld). So the period's time on page, and the visit
// duration made of the same visible time, are withheld unless those page
// views are none or have at least minVisitors visitors, counted from
// below: the period's timed visitors less those of the shown pages, or the
// most of any one page not shown. Other breakdowns split the same page
// views another way, and a row of one less a row of another (a country
// every visitor is from, less a page) would isolate a few people just the
// same: under a floor only pages carry a time average.
//
// Counts (visitors, visits, page views) are shown as they are, Other's
// included: they say how many, not how long, and Other's are what the
// total less the shown rows gives anyway.
func WithholdDifferences(t *Totals, rows map[Dimension][]Row, timedViews, timedVisitors int64, minVisitors int) {
	if minVisitors <= 1 {
		return
	}
	for d, rs := range rows {
		if d == DimPage {
			continue
		}
		for i := range rs {
			if rs[i].TimedViews > 0 {
				rs[i].AvgTime, rs[i].AvgTimeWithheld = 0, true
			}
		}
	}
	if t.TimeWithheld {
		return
	}
	var shownViews, shownVisitors, hiddenMost int64
	for _, r := range rows[DimPage] {
		switch {
		case r.TimedViews == 0:
		case r.AvgTimeWithheld:
			hiddenMost = max(hiddenMost, r.TimedVisitors)
		case r.Value == Other:
			// Its TimedVisitors are the most of the folded rows'; its
			// Visitors (their sum, capped by the period's: FoldRows) are
			// surely no fewer than its people.
			shownViews += r.TimedViews
			shownVisitors += r.Visitors
		default:
			shownViews += r.TimedViews
			shownVisitors += r.TimedVisitors
		}
	}
	if timedViews-shownViews <= 0 {
		return
	}
	if max(timedVisitors-shownVisitors, hiddenMost) < int64(minVisitors) {
		t.AvgTimeOnPage, t.AvgVisitDuration, t.TimeWithheld, t.DurationWithheld = 0, 0, true, true
	}
}
