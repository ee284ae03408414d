// Package aggregate is the one definition of every number in a report. An
// engine scans page views into Days (or keeps DayStats it computed with this
// package); this package folds them into per-day numbers, sums days into a
// Period and assembles the analytics.Report. An engine may instead push the
// same definitions down into its own query language (the ClickHouse engine
// does); analytics/storetest checks either way against an independent model.
//
// The definitions:
//
//   - A day is a calendar day in the report's zone. Every number of a report
//     is a sum of per-day numbers, which is what makes daily rollups exact.
//   - Visitors: distinct visitor ids among the day's selected page views,
//     summed over the days. Ids rotate at midnight UTC (02:00 or 03:00 in
//     Helsinki), so one person seen both before and after that in one
//     Helsinki day counts as two visitors that day: exact for "ids per day",
//     not for "people".
//   - A visit (one visitor's page views with gaps under analytics.VisitGap)
//     that goes on past midnight in the report's zone counts on both days,
//     with that day's page views, as Google Analytics did. Each part has its
//     own entry and exit page, bounce and duration. A visit's visitor is the
//     visitor id of its entry page view.
//   - Sources are per visit: a visit's referrer host, UTM parameters and
//     channel are those of its first page view, looking back one day for a
//     visit that began before midnight. Later page views of a visit (which
//     store an empty referrer for same-site navigation) never count as
//     direct. "(direct)" is a visit whose first page view had no referrer
//     from another site; the channel follows analytics.ChannelOf.
//   - Visible time of a page view: the largest duration of its leaves that
//     arrived within 24 hours of the page view (an engine applies this when
//     it scans a view's Dur).
//   - Scroll depth of a page view: the largest share of the page that was
//     in view (percent, 1–100) among the same leaves; 0 when none measured
//     it (older trackers, or a statement that does not describe it). A
//     page's average scroll depth is over its selected page views that
//     measured one; its visitors are theirs (the k-anonymity floor looks at
//     them). Other page-view breakdowns have none.
//   - Visit duration: from the visit's first page view to the end of the
//     visible time of its last one: last.ts - first.ts + visible(last). A
//     visit of one page view without a leave lasts 0 s.
//   - Bounce: a visit (on that day) with exactly one page view.
//   - Filters: one on a page-view dimension (page, country, region, city,
//     browser, os, device) keeps the page views with that value; one on a
//     visit-level dimension (entry_page, exit_page, referrer, utm_*,
//     channel) keeps every page view of the visits that have the value. All
//     filters must match. Visits, bounces and durations are of the visits
//     that have a selected page view, over all of their page views that day;
//     visitors, page views, time on page and the page-view breakdowns are of
//     the selected page views. A goal filter (Query.Goal) is a visit-level
//     filter: it keeps the visit-days that converted (Conversions). A
//     filtered report counts no bots.
//   - Breakdowns: page-view dimensions count visitors, page views and
//     visible time of the selected page views; visit-level dimensions count
//     visits and the visits' visitors. Region is "FI-18" (country and
//     subdivision). Empty values are rows too ("" referrer is direct
//     traffic), except for the UTM breakdowns, which list tagged visits only.
//     Rows are sorted by visitors; Limit and MinVisitors fold rows into
//     analytics.Other (analytics.FoldRows), whose visitors and visits are
//     the folded rows' sums, at most the period's: rows share visitors.
//   - The previous period is the one of equal length just before; the series
//     has a bucket for every hour, day, week or month (analytics.Query).
//   - Imported aggregates (analytics.ImportStore, AddImported) count for the
//     days before the site's first collected page view only, so that nothing
//     counts twice; of each day, the rows of the newest import that covers
//     it. Their sums add to the totals, the series (a bucket holding such a
//     day is marked) and the breakdowns of their family's dimensions; a
//     channel follows from a sources row as from a visit. Filters on the
//     dimensions of one family are answered from that family's rows (their
//     totals, and that family's breakdowns); filters on two families, or a
//     query that asks for none (ExcludeImported), leave them out, and the
//     report says why (Report.Imported). An hourly series has no imported
//     hours.
//   - Imported events (analytics.FamilyCustomEvents) of the same days and
//     import add to the event parts of an unfiltered report (events.go):
//     see Events.
package aggregate
