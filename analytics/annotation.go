package analytics

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Annotation is an owner's dated note on a site's statistics ("uusi
// hinnasto", a deploy, a campaign), shown on the chart and listed with the
// report. It is the owner's own data, written by the owner: nothing of a
// visitor is in it.
type Annotation struct {
	ID      string    `json:"id"`   // given by the store
	Site    string    `json:"site"` // the site it is about
	Day     string    `json:"day"`  // YYYY-MM-DD, the day as the owner wrote it
	Text    string    `json:"text"`
	Created time.Time `json:"created"` // set by the store when zero
}

// MaxAnnotationText is the longest note, in characters: a line on a chart,
// not a document.
const MaxAnnotationText = 200

// The ways an annotation can be refused, for a caller to say in its
// reader's language (errors.Is); CheckAnnotation wraps them with details.
var (
	ErrAnnotationEmpty = errors.New("the note is empty")
	ErrAnnotationLong  = fmt.Errorf("the note is longer than %d characters", MaxAnnotationText)
	ErrAnnotationChars = errors.New("the note holds control characters or invalid UTF-8")
	ErrAnnotationDay   = errors.New("the day is not a date YYYY-MM-DD")
	ErrAnnotationSite  = errors.New("no site given")
	// ErrNoAnnotation is returned for an id the site has no note of.
	ErrNoAnnotation = errors.New("no such note")
)

// CheckAnnotation returns a in the form a store keeps (text trimmed, day
// in its canonical form, created at now when it has no time, in whole
// seconds, UTC), or why it can't be kept. It is what every store calls
// before writing, so that the CLI, the dashboard and a migration refuse
// the same notes.
func CheckAnnotation(a Annotation, now time.Time) (Annotation, error) {
	a.Site = strings.TrimSpace(a.Site)
	if a.Site == "" {
		return a, ErrAnnotationSite
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(a.Day))
	if err != nil {
		return a, fmt.Errorf("%w: %q", ErrAnnotationDay, a.Day)
	}
	a.Day = d.Format(time.DateOnly)
	a.Text = strings.TrimSpace(a.Text)
	switch {
	case !utf8.ValidString(a.Text) || strings.ContainsFunc(a.Text, unicode.IsControl):
		return a, ErrAnnotationChars
	case a.Text == "":
		return a, ErrAnnotationEmpty
	case utf8.RuneCountInString(a.Text) > MaxAnnotationText:
		return a, fmt.Errorf("%w (it has %d)", ErrAnnotationLong, utf8.RuneCountInString(a.Text))
	}
	if a.Created.IsZero() {
		a.Created = now
	}
	a.Created = a.Created.UTC().Truncate(time.Second)
	return a, nil
}

// AnnotationStore keeps the owner's notes. Every engine implements it; the
// shared suite (analytics/storetest) holds it to the same answers.
type AnnotationStore interface {
	// AddAnnotation checks a (CheckAnnotation) and stores it, returning it
	// as stored: with its id, and its creation time when a had none.
	AddAnnotation(ctx context.Context, a Annotation) (Annotation, error)
	// Annotations lists a site's notes whose day is in [from, to]
	// (YYYY-MM-DD; "" leaves that end open), by day, then by creation,
	// then by id. Site "" lists every site's, by site first.
	Annotations(ctx context.Context, site, from, to string) ([]Annotation, error)
	// DeleteAnnotation deletes one note; ErrNoAnnotation if the site has
	// none of that id.
	DeleteAnnotation(ctx context.Context, site, id string) error
}

// Annotate sets r.Annotations to the notes of r's site on the days of its
// period (in the report's zone).
func Annotate(ctx context.Context, s AnnotationStore, r *Report) error {
	if r == nil || r.Site == "" {
		return nil
	}
	zone := r.Zone
	if zone == nil {
		zone = time.UTC
	}
	list, err := s.Annotations(ctx, r.Site, r.From.In(zone).Format(time.DateOnly), r.To.In(zone).Format(time.DateOnly))
	if err != nil {
		return fmt.Errorf("notes of %s: %w", r.Site, err)
	}
	r.Annotations = list
	return nil
}
