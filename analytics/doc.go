// Package analytics holds seloste's first-party page-view statistics domain:
// what one stored page view is, what a report is, and the Store interface
// that every storage engine satisfies.
//
// The package knows no engine, no HTTP and no SQL. The collector
// (analytics/collect) turns requests into PageView and Leave records, an
// engine (analytics/sqlite) stores and aggregates them, and every output
// format renders the same Report.
//
// Privacy rule that shapes these types: nothing here can hold an IP address
// or a raw User-Agent. Those die inside the collector's request handler.
package analytics
