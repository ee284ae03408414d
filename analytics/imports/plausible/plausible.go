// Package plausible reads and writes Plausible Analytics' CSV format: the
// ten imported_* tables, one CSV file each named
// {table}_{YYYYMMDD}_{YYYYMMDD}.csv with a header row, in a directory or a
// zip. Import turns them into imported aggregates
// (analytics.ImportStore); Export writes them from a site's collected
// data, so that Plausible, or anything reading its format, can take
// seloste's history.
//
// The counts are Plausible's: totals per day and value, not averages;
// visit_duration is the visits' total duration in seconds.
//
// What comes back of an export imported into an empty store (the
// round-trip test checks it on every engine): the totals and series; every
// row of pages, entry and exit pages, countries, regions, browsers,
// systems and devices; the visits of every row of referrers, UTM tags and
// channels, and their visitors as sums: sources are rows per combination
// of a referrer and its tags, so a visitor with two combinations sharing a
// value in one day counts twice in that value's row (as in Plausible);
// events' counts and their url and path props. Not carried: cities (a
// GeoNames id there, an English name here; exported as 0, imported as
// none); time on page, scroll depth, bot hits, browser and OS versions,
// utm_term and utm_content (no report counts them); events' other props,
// and a name's visitors when its rows are per url or path (summed). The
// export leaves 0 in what a report has only under a filter, which would
// take a report per value and day: page views, bounces and durations of
// sources; visits, bounces and durations of locations, browsers, systems
// and devices; bounces, durations and page views of entry and exit pages.
// An import exported again comes back whole.
package plausible

import "github.com/seloste/seloste/analytics"

// table is one of the format's files: its name, family and columns.
type table struct {
	name   string
	family analytics.ImportFamily
	// columns are the table's columns as Plausible's exporter writes them
	// now (lib/plausible/exports.ex), in its order; Export writes them.
	columns []string
	// required are the columns that every version of Plausible's exporter
	// wrote and that seloste reads: a file without one of them is refused.
	// The others may be missing: older versions did not write pageviews
	// of sources, entry pages and the session tables, visits of pages,
	// visit_duration, bounces and pageviews of exit pages, browser and
	// OS versions, link_url and path of custom events, nor referrer and
	// utm_source of sources; seloste does not read hostname, city,
	// utm_content and utm_term. Columns not listed (newer versions' scroll
	// depth and time on page of pages) are ignored.
	required []string
}

// tables are the ten tables.
var tables = []table{
	{"imported_visitors", analytics.FamilyVisitors,
		[]string{"date", "visitors", "pageviews", "bounces", "visits", "visit_duration"},
		[]string{"date", "visitors", "pageviews", "bounces", "visits", "visit_duration"}},
	{"imported_sources", analytics.FamilySources,
		[]string{"date", "source", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "pageviews", "visitors", "visits", "visit_duration", "bounces"},
		[]string{"date", "source", "utm_medium", "utm_campaign", "visitors", "visits", "visit_duration", "bounces"}},
	{"imported_pages", analytics.FamilyPages,
		[]string{"date", "hostname", "page", "visits", "visitors", "pageviews"},
		[]string{"date", "page", "visitors", "pageviews"}},
	{"imported_entry_pages", analytics.FamilyEntryPages,
		[]string{"date", "entry_page", "visitors", "entrances", "visit_duration", "bounces", "pageviews"},
		[]string{"date", "entry_page", "visitors", "entrances", "visit_duration", "bounces"}},
	{"imported_exit_pages", analytics.FamilyExitPages,
		[]string{"date", "exit_page", "visitors", "visit_duration", "exits", "bounces", "pageviews"},
		[]string{"date", "exit_page", "visitors", "exits"}},
	{"imported_custom_events", analytics.FamilyCustomEvents,
		[]string{"date", "name", "link_url", "path", "visitors", "events"},
		[]string{"date", "name", "visitors", "events"}},
	{"imported_locations", analytics.FamilyLocations,
		[]string{"date", "country", "region", "city", "visitors", "visits", "visit_duration", "bounces", "pageviews"},
		[]string{"date", "country", "region", "visitors", "visits", "visit_duration", "bounces"}},
	{"imported_devices", analytics.FamilyDevices,
		[]string{"date", "device", "visitors", "visits", "visit_duration", "bounces", "pageviews"},
		[]string{"date", "device", "visitors", "visits", "visit_duration", "bounces"}},
	{"imported_browsers", analytics.FamilyBrowsers,
		[]string{"date", "browser", "browser_version", "visitors", "visits", "visit_duration", "bounces", "pageviews"},
		[]string{"date", "browser", "visitors", "visits", "visit_duration", "bounces"}},
	{"imported_operating_systems", analytics.FamilyOS,
		[]string{"date", "operating_system", "operating_system_version", "visitors", "visits", "visit_duration", "bounces", "pageviews"},
		[]string{"date", "operating_system", "visitors", "visits", "visit_duration", "bounces"}},
}

// Device names: Plausible's, ours.
var devices = map[string]string{
	"Desktop": analytics.DeviceDesktop, "Laptop": analytics.DeviceDesktop,
	"Mobile": analytics.DeviceMobile, "Tablet": analytics.DeviceTablet,
}
