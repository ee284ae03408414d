package analytics

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Imported aggregates are statistics brought in from another tool (Google
// Analytics 4, Plausible's CSV format) as daily sums per dimension, kept
// apart from the collected records and from any engine's rollups. They hold
// no visitor id and no single page view: counts per day and value only.
//
// Reports add them for the days before the site's first collected page view
// (so nothing is counted twice), unless the query leaves them out
// (Query.ExcludeImported) or its filters combine two families
// (ImportFamily), which imported sums cannot answer. analytics/aggregate
// holds that rule; an engine only stores and reads the rows.

// ImportFamily is one kind of imported row: the day's totals, or the
// dimensions that a source counts together (as Plausible's imported_*
// tables do). Filters on dimensions of one family can be answered from its
// rows; filters on two families cannot.
type ImportFamily string

// The families, named as Plausible's tables without "imported_".
const (
	FamilyVisitors   ImportFamily = "visitors" // the day's totals
	FamilyPages      ImportFamily = "pages"
	FamilyEntryPages ImportFamily = "entry_pages"
	FamilyExitPages  ImportFamily = "exit_pages"
	FamilySources    ImportFamily = "sources" // referrer host, utm_source, utm_medium, utm_campaign (channel follows)
	FamilyLocations  ImportFamily = "locations"
	FamilyBrowsers   ImportFamily = "browsers"
	FamilyOS         ImportFamily = "operating_systems"
	FamilyDevices    ImportFamily = "devices"
	// FamilyCustomEvents are a day's events per name (and the url and
	// path props that Plausible's automatic events carry): Values are the
	// name, link_url and path; Visitors and Events count. They feed the
	// event parts of a report (aggregate.Events), not its totals.
	FamilyCustomEvents ImportFamily = "custom_events"
)

// ImportFamilies lists the families of page views and visits an
// ImportStore keeps, totals first; FamilyCustomEvents is stored beside
// them.
var ImportFamilies = []ImportFamily{
	FamilyVisitors, FamilyPages, FamilyEntryPages, FamilyExitPages, FamilySources,
	FamilyLocations, FamilyBrowsers, FamilyOS, FamilyDevices,
}

// customEventValues is the number of Values of a FamilyCustomEvents row.
const customEventValues = 3

// Dims are the dimensions of the family's ImportedRow.Values, in order.
// Channel is not among them: it follows from a sources row's values
// (ChannelOf).
func (f ImportFamily) Dims() []Dimension {
	switch f {
	case FamilyPages:
		return []Dimension{DimPage}
	case FamilyEntryPages:
		return []Dimension{DimEntryPage}
	case FamilyExitPages:
		return []Dimension{DimExitPage}
	case FamilySources:
		return []Dimension{DimReferrer, DimUTMSource, DimUTMMedium, DimUTMCampaign}
	case FamilyLocations:
		return []Dimension{DimCountry, DimRegion, DimCity}
	case FamilyBrowsers:
		return []Dimension{DimBrowser}
	case FamilyOS:
		return []Dimension{DimOS}
	case FamilyDevices:
		return []Dimension{DimDevice}
	}
	return nil
}

// FamilyOf is the family whose rows hold dimension d.
func FamilyOf(d Dimension) ImportFamily {
	if d == DimChannel {
		return FamilySources
	}
	for _, f := range ImportFamilies {
		for _, fd := range f.Dims() {
			if fd == d {
				return f
			}
		}
	}
	return ""
}

// ImportedValue is row's value of dimension d, which must be of row's
// family.
func ImportedValue(row *ImportedRow, d Dimension) string {
	if d == DimChannel {
		return ChannelOf(row.Values[0], row.Values[1], row.Values[2], row.Values[3])
	}
	for i, fd := range row.Family.Dims() {
		if fd == d {
			return row.Values[i]
		}
	}
	return ""
}

// MaxImportValues is the length of ImportedRow.Values: the most dimensions
// of one family.
const MaxImportValues = 4

// ImportedRow is one day's sums for one value (or, in FamilyVisitors, the
// day's totals). The sums mean what they mean in native reports, as the
// source counted them: visitors unique per day and value, visits, page
// views, bounces (visits of one page view; GA4's are sessions that were not
// engaged) and the visits' whole duration.
type ImportedRow struct {
	Import       string // the import's id; set by the store when reading
	Day          string // YYYY-MM-DD, the calendar day as the source counted it
	Family       ImportFamily
	Values       [MaxImportValues]string // per Family.Dims(); region as "FI-18"
	Visitors     int64
	Visits       int64 // entry pages: entrances; exit pages: exits
	PageViews    int64
	Bounces      int64
	VisitSeconds int64 // the visits' total duration
	// Events is a custom_events row's count of events (0 in the other
	// families). Engines keep it where the other families keep PageViews,
	// which custom_events rows do not have.
	Events int64
}

// Import is one import of history into a site: its rows are stored or
// deleted together.
type Import struct {
	ID     string // given by the store
	Site   string
	Source string // "plausible", "ga4"
	// Key names what was imported (a file's hash, a property and its
	// days): importing the same key again replaces the earlier import.
	Key     string
	Summary string // one line on what was read and what was skipped
	// Filled in by the store from the rows: the first and last day, the
	// days with totals and their page views.
	From, To  string
	Days      int
	PageViews int64
	Created   time.Time
}

// ErrNoImport is returned for an import id the site does not have.
var ErrNoImport = errors.New("no such import")

// ImportStore keeps imported aggregates. Every engine implements it; the
// shared suite (analytics/storetest) holds it to the same answers.
type ImportStore interface {
	// PutImport stores imp's rows, which fill passes to put one at a time,
	// in one transaction: if fill or put fails, nothing is stored. The
	// summary fill returns replaces imp.Summary (the counts are known only
	// once every row is read). An
	// earlier import of the same site and Key is replaced in the same
	// transaction (replaced is its id, "" if none). A row of another day
	// format or family is an error.
	PutImport(ctx context.Context, imp Import, fill func(put func(ImportedRow) error) (summary string, err error)) (stored Import, replaced string, err error)
	// AppendImport stores an import of collected records (an export of
	// single page views, such as GoatCounter's) in one transaction, as
	// Append would, together with imp; fill passes the batches to put. An
	// earlier import of the same site and Key is replaced, its records
	// deleted. The store fills in From, To (UTC days), Days and PageViews,
	// and can delete the records with DeleteImport: page views and their
	// events by their import (the page-view id the store prefixes), bot
	// hits by the import's span of time. Batches with leaves are refused:
	// nothing would delete them with the import.
	AppendImport(ctx context.Context, imp Import, fill func(put func(Batch) error) (summary string, err error)) (stored Import, replaced string, err error)
	// Imports lists a site's imports, oldest first.
	Imports(ctx context.Context, site string) ([]Import, error)
	// ImportSites lists the sites that have imports, in name order (a
	// site can have imports and no page view: SiteLister does not list it).
	ImportSites(ctx context.Context) ([]string, error)
	// DeleteImport deletes an import and its rows or records; ErrNoImport
	// if the site has none of that id.
	DeleteImport(ctx context.Context, site, id string) error
	// ImportedRows calls fn with every stored row of the site's imports
	// whose day is in [from, to] (YYYY-MM-DD) and whose family is one of
	// families, in no particular order.
	ImportedRows(ctx context.Context, site, from, to string, families []ImportFamily, fn func(ImportedRow) error) error
	// FirstPageView is the time of the site's first collected page view;
	// ok is false when it has none.
	FirstPageView(ctx context.Context, site string) (first time.Time, ok bool, err error)
}

// ImportedUse says what a report did with imported aggregates: Report's
// Imported, nil when the period has none to use.
type ImportedUse struct {
	Included bool
	Reason   string // why not, when not included
	// From and To are the first and last imported day the report counted.
	From, To string
	Days     int
}

// CheckImportedRow checks what an importer makes of a row before it is
// stored: a known family, a real day, no negative counts, values without
// control characters.
func CheckImportedRow(r ImportedRow) error {
	known := r.Family == FamilyCustomEvents
	for _, f := range ImportFamilies {
		known = known || f == r.Family
	}
	if !known {
		return fmt.Errorf("unknown imported family %q", r.Family)
	}
	if _, err := time.Parse(time.DateOnly, r.Day); err != nil {
		return fmt.Errorf("day %q is not YYYY-MM-DD", r.Day)
	}
	if r.Visitors < 0 || r.Visits < 0 || r.PageViews < 0 || r.Bounces < 0 || r.VisitSeconds < 0 || r.Events < 0 {
		return fmt.Errorf("%s: negative count", r.Day)
	}
	values := len(r.Family.Dims())
	if r.Family == FamilyCustomEvents {
		if r.Visits != 0 || r.PageViews != 0 || r.Bounces != 0 || r.VisitSeconds != 0 {
			return fmt.Errorf("%s: custom_events rows count visitors and events only", r.Day)
		}
		if strings.TrimSpace(r.Values[0]) == "" {
			return fmt.Errorf("%s: a custom_events row without an event name", r.Day)
		}
		values = customEventValues
	} else if r.Events != 0 {
		return fmt.Errorf("%s: %s rows count no events", r.Day, r.Family)
	}
	for i, v := range r.Values {
		if i >= values && v != "" {
			return fmt.Errorf("%s: %s rows have %d values", r.Day, r.Family, values)
		}
		if len(v) > 2048 || strings.ContainsFunc(v, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			return fmt.Errorf("%s: a %s value is too long or holds control characters", r.Day, r.Family)
		}
	}
	return nil
}
