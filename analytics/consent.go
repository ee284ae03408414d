package analytics

import "fmt"

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
