package analytics

import (
	"fmt"
	"time"
)

// Consent is the terms a site's tracker runs on, as the owner decided them:
// whether a visitor must agree before the tracker sends anything. It is the
// owner's assessment; the statement says which was taken, and the
// collector refuses to run on a statement that says otherwise.
type Consent string

const (
	// ConsentRequired: the tracker sends nothing until the visitor agrees
	// (Finland's 205 § of the Electronic Communications Services Act and
	// GDPR 6(1)(a)). The default.
	ConsentRequired Consent = "required"
	// ConsentExempt: the owner has assessed the statistics as exempt from
	// consent (first-party, no cross-site identifier, daily-rotated ids,
	// coarse location, limited retention) and states the legal basis.
	ConsentExempt Consent = "exempt"
)

// ParseConsent reads a configured consent mode; empty is ConsentRequired.
func ParseConsent(s string) (Consent, error) {
	switch Consent(s) {
	case "", ConsentRequired:
		return ConsentRequired, nil
	case ConsentExempt:
		return ConsentExempt, nil
	}
	return "", fmt.Errorf("consent %q: want required (visitors agree before anything is sent) or exempt (your own assessment that the statistics need no consent)", s)
}

// ConsentCount is one site's consent banner on one day: how many times it
// was shown and answered. Counts only: the banner's requests carry no
// identifier, and the collector reads neither the address nor the agent
// of them (analytics/collect), so nothing here is about a person.
type ConsentCount struct {
	Day  string // the calendar day, "2006-01-02", in the collector's zone
	Site string
	ConsentTotals
}

// ConsentTotals are consent banner counts summed over a period.
type ConsentTotals struct {
	Shown    int64 `json:"shown"`
	Accepted int64 `json:"accepted"`
	Declined int64 `json:"declined"`
}

// Add adds o to t.
func (t *ConsentTotals) Add(o ConsentTotals) {
	t.Shown += o.Shown
	t.Accepted += o.Accepted
	t.Declined += o.Declined
}

// Rate is the share of banners shown that were accepted, 0..1, and
// whether there is one: with no banner shown there is no rate. It is the
// share of the visits that saw the banner that the statistics cover.
func (t ConsentTotals) Rate() (float64, bool) {
	if t.Shown <= 0 {
		return 0, false
	}
	return min(1, float64(t.Accepted)/float64(t.Shown)), true
}

// ConsentChoice is what a consent banner reports: shown, accepted or
// declined.
type ConsentChoice string

const (
	ConsentShown    ConsentChoice = "shown"
	ConsentAccepted ConsentChoice = "accept"
	ConsentDeclined ConsentChoice = "decline"
)

// Count is a count of one for the choice, and whether the choice is one.
func (c ConsentChoice) Count() (ConsentTotals, bool) {
	switch c {
	case ConsentShown:
		return ConsentTotals{Shown: 1}, true
	case ConsentAccepted:
		return ConsentTotals{Accepted: 1}, true
	case ConsentDeclined:
		return ConsentTotals{Declined: 1}, true
	}
	return ConsentTotals{}, false
}

// SetConsent puts a period's consent totals into its report: none for a
// filtered report (the counts have no page, source or place to filter
// by, and the whole site's would look filtered), nor for a period in which
// no banner was counted (a site exempt from consent).
func SetConsent(r *Report, t ConsentTotals) {
	r.Consent = nil
	if len(r.Filters) == 0 && t != (ConsentTotals{}) {
		r.Consent = &t
	}
}

// ConsentDays are the first and last day of a normalized query as the
// consent counts name them ("2006-01-02"): the counts' days are the
// collector's, which are the report's when both use the same zone.
func (q Query) ConsentDays() (from, to string) {
	return q.From.Format(time.DateOnly), q.To.Format(time.DateOnly)
}
