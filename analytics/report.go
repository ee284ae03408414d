package analytics

import (
	"context"
	"time"
)

// Dimension names a breakdown of a report, and the key of a filter.
type Dimension string

// The breakdown dimensions. The string is the name used in -filter and
// -breakdown flags, the API's filter parameter and the CSV file name.
const (
	DimPage        Dimension = "page"
	DimEntryPage   Dimension = "entry_page"
	DimExitPage    Dimension = "exit_page"
	DimReferrer    Dimension = "referrer"
	DimUTMSource   Dimension = "utm_source"
	DimUTMMedium   Dimension = "utm_medium"
	DimUTMCampaign Dimension = "utm_campaign"
	DimCountry     Dimension = "country"
	DimRegion      Dimension = "region"
	DimCity        Dimension = "city"
	DimBrowser     Dimension = "browser"
	DimOS          Dimension = "os"
	DimDevice      Dimension = "device"
)

// Dimensions lists every breakdown in the order reports show them.
var Dimensions = []Dimension{
	DimPage, DimEntryPage, DimExitPage, DimReferrer,
	DimUTMSource, DimUTMMedium, DimUTMCampaign,
	DimCountry, DimRegion, DimCity, DimBrowser, DimOS, DimDevice,
}

// Filter keeps only page views whose Dim equals Value.
type Filter struct {
	Dim   Dimension
	Value string
}

// Interval is the bucket size of a report's time series.
type Interval string

const (
	Hour  Interval = "hour"
	Day   Interval = "day"
	Week  Interval = "week"
	Month Interval = "month"
)

// Query asks for the report of one site over whole days [From, To] in Zone.
type Query struct {
	Site        string
	From, To    time.Time      // first and last day, inclusive; midnight in Zone
	Zone        *time.Location // days and series buckets are in this zone; Europe/Helsinki by default
	Filters     []Filter       // all must match
	Interval    Interval       // "" picks hour for <= 2 days, else day, week or month
	Limit       int            // rows per breakdown before the rest is folded; 0 = no limit
	MinVisitors int            // k-anonymity floor: rows with fewer visitors fold into Other; <= 1 = off
}

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
}

// Point is one bucket of the time series.
type Point struct {
	T         time.Time `json:"t"`
	Visitors  int64     `json:"visitors"`
	PageViews int64     `json:"pageviews"`
}

// Row is one line of a breakdown. Which of the optional fields are set
// depends on the dimension; the JSON names follow the API contract.
type Row struct {
	Value     string  `json:"-"` // the dimension's value; JSON name depends on the dimension
	Name      string  `json:"name,omitempty"`
	Visitors  int64   `json:"visitors"`
	PageViews int64   `json:"pageviews,omitempty"`
	AvgTime   float64 `json:"avg_time_s,omitempty"`

	// Visits is, for entry and exit pages, how many visits began or ended
	// on the page; 0 for other dimensions.
	Visits int64 `json:"visits,omitempty"`
	// TimedViews is how many of PageViews have a visible time; AvgTime is
	// over them. Kept so that folded rows can average exactly.
	TimedViews int64 `json:"-"`
}

// Report is every number the CLI, the API, the CSV export and the dashboard
// show. It is computed once, by a Store, and only rendered elsewhere.
type Report struct {
	Site        string
	From, To    time.Time
	Zone        *time.Location
	Interval    Interval
	Totals      Totals
	Previous    Totals // the period of equal length just before From
	Series      []Point
	Breakdowns  map[Dimension][]Row
	Realtime    int64 // visitors in the last 5 minutes
	GeneratedAt time.Time
}

// Reporter computes reports. Every engine implements it with the same
// meaning; analytics/sqlite is the reference.
type Reporter interface {
	Report(ctx context.Context, q Query) (*Report, error)
}
