package analytics

import (
	"context"
	"io"
	"time"
)

// VisitGap is the longest pause between two page views of one visitor that
// still counts as the same visit.
const VisitGap = 30 * time.Minute

// PageView is the only record kept of a page load. Every field is listed in
// the field registry and described in the privacy statement.
type PageView struct {
	Time    time.Time // UTC, truncated to the second
	Site    string    // the configured site domain, e.g. "example.fi"
	Visitor uint64    // pseudonymous id: keyed hash with a salt that rotates daily
	Visit   uint64    // groups one visitor's page views with gaps < VisitGap
	ID      string    // the tracker's random page-view id; links the Leave record

	Path         string // URL path; query dropped except the utm_* parameters below
	UTMSource    string
	UTMMedium    string
	UTMCampaign  string
	UTMTerm      string
	UTMContent   string
	ReferrerHost string // host only, empty for direct visits and same-site navigation

	Country string // ISO 3166-1 alpha-2, "" when unknown
	Region  string // ISO 3166-2 subdivision code without the country, "" when unknown or not stored
	City    string // English city name, "" when unknown or not stored

	Browser        string // e.g. "Firefox"
	BrowserVersion string // major version only, e.g. "133"
	OS             string // e.g. "Windows", "Android"
	Device         string // DeviceDesktop, DeviceMobile, DeviceTablet or ""
}

// Device types stored in PageView.Device.
const (
	DeviceDesktop = "desktop"
	DeviceMobile  = "mobile"
	DeviceTablet  = "tablet"
)

// Leave records the visible time spent on a page view, sent by the tracker
// when the page is hidden or left. A page view may get several Leave records
// (the page was hidden, shown and hidden again); the tracker sends the running
// total, so the largest one wins.
type Leave struct {
	Time     time.Time // UTC, truncated to the second
	Site     string
	PageView string // PageView.ID
	Duration time.Duration
	// Scroll is the largest share of the page that has been in view, in
	// percent, 1–100 (the tracker rounds up, so a page seen at all is at
	// least 1); 0 when not measured, or not stored because the published
	// statement does not describe scroll depth (ScrollField). Like
	// Duration, the largest of a page view's leaves wins.
	Scroll int
}

// MaxScroll is the largest Leave.Scroll.
const MaxScroll = 100

// BotHit counts a request the collector recognised as a bot, crawler,
// headless browser or HTTP library. Only the time and site are kept, so the
// owner can see how much was filtered.
type BotHit struct {
	Time time.Time
	Site string
}

// Batch is what the collector hands to a Store in one transaction.
type Batch struct {
	PageViews []PageView
	Leaves    []Leave
	Bots      []BotHit
	Events    []Event
	// Consent are counts of the consent banner (ConsentField), added to
	// the stored counts of their site and day.
	Consent []ConsentCount
}

// Len is the number of records in the batch.
func (b *Batch) Len() int {
	return len(b.PageViews) + len(b.Leaves) + len(b.Bots) + len(b.Events) + len(b.Consent)
}

// Appender stores collected records. Records are append-only: a Store never
// updates or deletes a record except through Purge and a visitor's own
// erasure (VisitorStore).
type Appender interface {
	// Append stores the whole batch in one transaction, or nothing.
	Append(ctx context.Context, b Batch) error
}

// AppendSizer is an optional capability of a store whose appends cost
// least in other sizes than a collector's defaults (analytics/collect):
// ClickHouse writes a part per insert, with a fixed cost of tens of
// milliseconds of server CPU, and wants about one insert a second. A
// collector whose queue sizes are not set takes these.
type AppendSizer interface {
	// AppendSizes are the records per Append, and the queue a collector
	// needs in front of them to take in what arrives while one is sent.
	AppendSizes() (batch, queue int)
}

// Salts keeps the random daily salts of the visitor id. A salt for a UTC day
// is created on first use and deleted by Purge once its day ended more than
// SaltKeep ago, so yesterday's ids can still close visits that cross
// midnight.
type Salts interface {
	// Salt returns the salt for the UTC day that contains t, creating and
	// storing a new random one if there is none. Concurrent callers, also
	// in other processes sharing the store, get the same salt: the first
	// writer wins and everyone reads it back.
	Salt(ctx context.Context, t time.Time) ([]byte, error)
}

// SaltKeep is how long a daily salt is kept after its day ends.
const SaltKeep = 48 * time.Hour

// Purger deletes what the retention period no longer allows.
type Purger interface {
	// Purge deletes records older than before (and what is derived from
	// them), and salts whose day ended more than SaltKeep before now.
	Purge(ctx context.Context, before, now time.Time) (Purged, error)
}

// Purged counts what one Purge deleted, per kind of record. Leave records
// that an engine has folded into their page views (once their visible
// time is final: SQLite a day after, ClickHouse after the month) go with
// the page view and are not counted in Leaves.
type Purged struct {
	PageViews, Leaves, Bots, Salts int64
	Events                         int64
	Consent                        int64 // days of a site's consent counts
	Derived                        int64 // rows of an engine's own aggregates (rollups), if it keeps any
}

// Records is the number of collected records deleted (salts and derived
// rows not included).
func (p Purged) Records() int64 { return p.PageViews + p.Leaves + p.Bots + p.Events }

// VisitOpener finds the visits that may still go on, so that a collector
// that restarts does not split them.
type VisitOpener interface {
	// OpenVisits returns, per site and visitor, the visit of the latest page
	// view at or after since.
	OpenVisits(ctx context.Context, since time.Time) ([]OpenVisit, error)
}

// SiteLister tells which sites have data.
type SiteLister interface {
	// Sites lists the sites that have page views, in name order.
	Sites(ctx context.Context) ([]string, error)
	// HasSite reports whether the site has any page view or bot hit.
	HasSite(ctx context.Context, site string) (bool, error)
}

// Maintainer is an optional capability of an engine that keeps derived data
// (such as daily rollups) for fast reports. Reports are exact without it,
// only slower; Maintain is run in the background (seloste serve does it at
// start and then every few minutes), never by a report.
type Maintainer interface {
	// Maintain brings the derived data of report zone up to date.
	Maintain(ctx context.Context, zone *time.Location) error
}

// Sweeper is an optional capability of an engine without transactions:
// Sweep deletes what an interrupted write left behind (a killed import of
// the ClickHouse engine) and says how many writes it cleared. seloste
// serve sweeps with its maintenance.
type Sweeper interface {
	Sweep(ctx context.Context) (int, error)
}

// Checker is an optional capability: a check of the whole store that an
// engine puts off at start when it would take seconds; serve runs it while
// it already listens and stops with its error.
type Checker interface {
	Check(ctx context.Context) error
}

// Backuper is an optional capability: a consistent copy of the whole store,
// made while it is in use (the collector keeps writing), to dst, reporting
// how far it is to progress (nil: silent). An engine whose data lives on a
// server (ClickHouse) documents its own way instead.
type Backuper interface {
	Backup(ctx context.Context, dst string, progress io.Writer) error
}

// BackupCleaner is an optional capability of an engine whose backups are
// files (Backuper): it removes the temporary copies that interrupted
// backups left wherever backups of the store were written, and returns
// the files removed. serve's upkeep runs it daily.
type BackupCleaner interface {
	RemoveStaleBackups(ctx context.Context) (removed []string, err error)
}

// Inventory is an engine's own account of what it stores, held to the field
// registry (Fields) by the shared suite and the end-to-end statement test:
// every column of collected records belongs to a registered field, and
// every other table holds only derived aggregates.
type Inventory interface {
	// RawColumns lists the columns that hold collected records, as
	// "table.column".
	RawColumns(ctx context.Context) ([]string, error)
	// UnknownTables lists the tables that are neither raw nor derived:
	// there must be none.
	UnknownTables(ctx context.Context) ([]string, error)
}

// Store is a storage engine: every capability seloste needs of one. An
// engine proves it by passing analytics/storetest. analytics/sqlite is the
// embedded default.
type Store interface {
	Appender
	Salts
	Purger
	VisitOpener
	SiteLister
	Reporter
	VisitorStore
	ImportStore
	AnnotationStore
	PageTrender
	Inventory
	Close() error
}

// OpenVisit is a visitor's latest page view, whose visit may still go on.
type OpenVisit struct {
	Site    string
	Visitor uint64
	Visit   uint64
	Last    time.Time
}

// RecordScanner is an optional capability: every stored record, for moving
// a store to another engine (seloste migrate).
type RecordScanner interface {
	// CountRecords returns how many page views, leaves and bot hits are
	// stored.
	CountRecords(ctx context.Context) (int64, error)
	// ScanRecords calls fn with every stored record in batches of about
	// size records, page views in the order they were stored. A visible
	// time that an engine folded into its page view (the leaves being
	// gone) comes as one Leave at the page view's time: it counts the same.
	ScanRecords(ctx context.Context, size int, fn func(Batch) error) error
}
