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
// What the format cannot carry both ways (the round-trip test names it):
// a city is a GeoNames id there and an English name here, so cities are
// not imported and exported as 0; sources are rows of a referrer together
// with its UTM tags, while seloste's reports count referrers and each tag
// apart, so the export writes a row per referrer host without tags (UTM
// rows and the channels that depend on tags are lost); time on page, bot
// hits, browser and OS versions are not in it; the page-view breakdowns
// (pages, locations, browsers, systems, devices) export visitors and page
// views, entry and exit pages visitors and visits, and leave their other
// columns 0; custom events carry their name and only the url (link_url)
// and path props, and on import a name's visitors are the sum of its rows'.
package plausible

import "github.com/seloste/seloste/analytics"

// table is one of the format's files: its name, columns (as the
// documentation lists them) and family.
type table struct {
	name    string
	family  analytics.ImportFamily
	columns []string
}

// tables are the ten tables, in the documentation's column order.
var tables = []table{
	{"imported_visitors", analytics.FamilyVisitors, []string{"date", "visitors", "pageviews", "bounces", "visits", "visit_duration"}},
	{"imported_sources", analytics.FamilySources, []string{"date", "source", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "pageviews", "visitors", "visits", "visit_duration", "bounces"}},
	{"imported_pages", analytics.FamilyPages, []string{"date", "hostname", "page", "visits", "visitors", "pageviews"}},
	{"imported_entry_pages", analytics.FamilyEntryPages, []string{"date", "entry_page", "visitors", "entrances", "visit_duration", "bounces", "pageviews"}},
	{"imported_exit_pages", analytics.FamilyExitPages, []string{"date", "exit_page", "visitors", "visit_duration", "exits", "bounces", "pageviews"}},
	{"imported_custom_events", analytics.FamilyCustomEvents, []string{"date", "name", "link_url", "path", "visitors", "events"}},
	{"imported_locations", analytics.FamilyLocations, []string{"date", "country", "region", "city", "visitors", "visits", "visit_duration", "bounces", "pageviews"}},
	{"imported_devices", analytics.FamilyDevices, []string{"date", "device", "visitors", "visits", "visit_duration", "bounces", "pageviews"}},
	{"imported_browsers", analytics.FamilyBrowsers, []string{"date", "browser", "browser_version", "visitors", "visits", "visit_duration", "bounces", "pageviews"}},
	{"imported_operating_systems", analytics.FamilyOS, []string{"date", "operating_system", "operating_system_version", "visitors", "visits", "visit_duration", "bounces", "pageviews"}},
}

// Device names: Plausible's, ours.
var devices = map[string]string{
	"Desktop": analytics.DeviceDesktop, "Laptop": analytics.DeviceDesktop,
	"Mobile": analytics.DeviceMobile, "Tablet": analytics.DeviceTablet,
}
