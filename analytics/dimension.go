package analytics

import "slices"

// Dimension names a breakdown of a report, and the key of a filter.
type Dimension string

// The breakdown dimensions. The string is the name used in filters and
// breakdowns, the API's filter parameter and the CSV file name.
const (
	DimPage        Dimension = "page"
	DimEntryPage   Dimension = "entry_page"
	DimExitPage    Dimension = "exit_page"
	DimReferrer    Dimension = "referrer"
	DimUTMSource   Dimension = "utm_source"
	DimUTMMedium   Dimension = "utm_medium"
	DimUTMCampaign Dimension = "utm_campaign"
	DimChannel     Dimension = "channel"
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
	DimUTMSource, DimUTMMedium, DimUTMCampaign, DimChannel,
	DimCountry, DimRegion, DimCity, DimBrowser, DimOS, DimDevice,
}

// Filter keeps only the page views whose Dim equals Value. On a visit-level
// dimension (Dimension.VisitLevel) it keeps whole visits.
type Filter struct {
	Dim   Dimension
	Value string
}

// Valid reports whether d is one of Dimensions.
func (d Dimension) Valid() bool { return slices.Contains(Dimensions, d) }

// VisitLevel reports whether d is a property of a whole visit rather than
// of each page view: its entry or exit page, or its source (referrer, UTM
// parameters and channel), which is that of its entry page view. Rows of a
// visit-level breakdown count visits and their visitors; a filter on one
// keeps whole visits.
func (d Dimension) VisitLevel() bool {
	switch d {
	case DimEntryPage, DimExitPage, DimReferrer, DimUTMSource, DimUTMMedium, DimUTMCampaign, DimChannel:
		return true
	}
	return false
}

// Source reports whether d is one of a visit's source dimensions.
func (d Dimension) Source() bool { return d.VisitLevel() && d != DimEntryPage && d != DimExitPage }

// DimensionNames lists the dimension names, for error messages and help.
func DimensionNames() string {
	s := ""
	for i, d := range Dimensions {
		if i > 0 {
			s += ", "
		}
		s += string(d)
	}
	return s
}

// JSONKey is the name of the dimension's list in the JSON report, e.g.
// "pages", "countries".
func (d Dimension) JSONKey() string {
	switch d {
	case DimPage:
		return "pages"
	case DimEntryPage:
		return "entry_pages"
	case DimExitPage:
		return "exit_pages"
	case DimReferrer:
		return "referrers"
	case DimUTMSource:
		return "utm_sources"
	case DimUTMMedium:
		return "utm_mediums"
	case DimUTMCampaign:
		return "utm_campaigns"
	case DimChannel:
		return "channels"
	case DimCountry:
		return "countries"
	case DimRegion:
		return "regions"
	case DimCity:
		return "cities"
	case DimBrowser:
		return "browsers"
	case DimOS:
		return "os"
	case DimDevice:
		return "devices"
	}
	return string(d)
}

// ValueKey is the JSON name of a row's value in the dimension's list, and
// the CSV column header: "path", "host", "code" or "name".
func (d Dimension) ValueKey() string {
	switch d {
	case DimPage, DimEntryPage, DimExitPage:
		return "path"
	case DimReferrer:
		return "host"
	case DimCountry, DimRegion:
		return "code"
	}
	return "name"
}
