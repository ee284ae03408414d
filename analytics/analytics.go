package analytics

import (
	"context"
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
}

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
}

// Len is the number of records in the batch.
func (b *Batch) Len() int { return len(b.PageViews) + len(b.Leaves) + len(b.Bots) }

// Appender stores collected records. Records are append-only: a Store never
// updates or deletes a record except through Purge.
type Appender interface {
	// Append stores the whole batch in one transaction, or nothing.
	Append(ctx context.Context, b Batch) error
}

// Salts keeps the random daily salts of the visitor id. A salt for a UTC day
// is created on first use and deleted by Purge once it is older than
// SaltKeep, so yesterday's ids can still close visits that cross midnight.
type Salts interface {
	// Salt returns the salt for the UTC day that contains t, creating and
	// storing a new random one if there is none. Concurrent callers get the
	// same salt.
	Salt(ctx context.Context, t time.Time) ([]byte, error)
}

// SaltKeep is how long a daily salt is kept after its day ends.
const SaltKeep = 48 * time.Hour

// Store is a storage engine. analytics/sqlite is the embedded default.
type Store interface {
	Appender
	Salts
	// Purge deletes records older than before, and salts older than SaltKeep
	// relative to now. It reports how many records it deleted.
	Purge(ctx context.Context, before, now time.Time) (int64, error)
	// OpenVisits returns, per site and visitor, the visit of the latest page
	// view at or after since. The collector loads them at start so that a
	// restart does not split visits.
	OpenVisits(ctx context.Context, since time.Time) ([]OpenVisit, error)
	Close() error
}

// OpenVisit is a visitor's latest page view, whose visit may still go on.
type OpenVisit struct {
	Site    string
	Visitor uint64
	Visit   uint64
	Last    time.Time
}
