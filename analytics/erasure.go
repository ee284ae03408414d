package analytics

import (
	"context"
	"time"
)

// VisitorStore is what a visitor's self-service needs of a storage engine:
// the records stored under one pseudonymous visitor id on one UTC day, and
// their erasure. The id is computed from the visitor's own request, so a
// visitor can only ever reach their own records.
//
// DeleteVisitor is the one deliberate exception to append-only storage: it
// serves the data subject's right to erasure (GDPR Art. 17).
type VisitorStore interface {
	// VisitorPageViews returns the site's page views with visitor id visitor
	// on the UTC day that contains day, oldest first, each with its visible
	// duration as reports count it (the largest of its Leave records within
	// 24 hours) and its events, oldest first.
	VisitorPageViews(ctx context.Context, site string, visitor uint64, day time.Time) ([]VisitorPageView, error)
	// DeleteVisitor deletes those page views, their Leave records and their
	// events in one
	// transaction, and brings derived data (rollups) up to date, so that
	// nothing of them remains. It reports how many records went.
	DeleteVisitor(ctx context.Context, site string, visitor uint64, day time.Time) (Erased, error)
}

// VisitorPageView is a stored page view with its visible duration.
type VisitorPageView struct {
	PageView
	Duration time.Duration // 0 when no Leave record was stored
	Timed    bool          // a Leave record was stored
	Scroll   int           // the largest Leave.Scroll, 0 for none
	Events   []Event       // the events of the page view, oldest first
}

// Erased counts what DeleteVisitor deleted. Leaves counts leave records;
// those an engine has folded into their page views go uncounted.
type Erased struct {
	PageViews int64 `json:"pageviews"`
	Leaves    int64 `json:"leaves"`
	Events    int64 `json:"events"`
}
