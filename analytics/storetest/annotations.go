package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// capAnnotations checks the owner's notes: what is stored comes back as
// written, listed by site, day and creation, within a range of days; bad
// notes are refused with the error that names why; a delete removes one
// note of one site only; a purge of records keeps them (they are the
// owner's, not a visitor's); and the store lists no unknown table.
func capAnnotations(t *testing.T, open Opener) {
	ctx := context.Background()
	now := time.Date(2026, 4, 2, 9, 30, 0, 0, time.UTC)
	e := open(t, now)

	if got, err := e.Annotations(ctx, "a.example", "", ""); err != nil || len(got) != 0 {
		t.Fatalf("empty store: Annotations = %v, %v; want none", got, err)
	}
	created := func(h int) time.Time { return time.Date(2026, 3, 1, h, 0, 0, 0, time.UTC) }
	in := []analytics.Annotation{
		// Added out of order; the last has no creation time: the store's clock.
		{Site: "a.example", Day: "2026-03-27", Text: "Uusi hinnasto", Created: created(3)},
		{Site: "b.example", Day: "2026-03-20", Text: "Kampanja alkaa", Created: created(1)},
		{Site: "a.example", Day: "2026-03-10", Text: "  deploy v2.3 — ÅÄÖ åäö  ", Created: created(2)},
		{Site: "a.example", Day: "2026-03-27", Text: "Toinen saman päivän merkintä", Created: created(1)},
		{Site: "a.example", Day: "2026-04-02", Text: strings.Repeat("é", analytics.MaxAnnotationText)},
	}
	var stored []analytics.Annotation
	ids := map[string]bool{}
	for _, a := range in {
		got, err := e.AddAnnotation(ctx, a)
		if err != nil {
			t.Fatalf("AddAnnotation(%+v): %v", a, err)
		}
		want := a
		want.Text = strings.TrimSpace(a.Text)
		if want.Created.IsZero() {
			want.Created = now
		}
		if got.ID == "" || ids[got.ID] || got.Site != want.Site || got.Day != want.Day || got.Text != want.Text || !got.Created.Equal(want.Created) {
			t.Errorf("AddAnnotation(%+v) = %+v; want a new id and %+v", a, got, want)
		}
		ids[got.ID] = true
		stored = append(stored, got)
	}
	// The model: by site, day, creation.
	want := func(site, from, to string, drop ...string) []analytics.Annotation {
		var out []analytics.Annotation
		for _, a := range stored {
			if (site == "" || a.Site == site) && a.Day >= from && (to == "" || a.Day <= to) && !slices.Contains(drop, a.ID) {
				out = append(out, a)
			}
		}
		slices.SortFunc(out, func(a, b analytics.Annotation) int {
			if c := strings.Compare(a.Site+" "+a.Day, b.Site+" "+b.Day); c != 0 {
				return c
			}
			return a.Created.Compare(b.Created)
		})
		return out
	}
	same := func(a, b analytics.Annotation) bool {
		return a.ID == b.ID && a.Site == b.Site && a.Day == b.Day && a.Text == b.Text && a.Created.Equal(b.Created)
	}
	check := func(step, site, from, to string, drop ...string) {
		t.Helper()
		got, err := e.Annotations(ctx, site, from, to)
		if err != nil {
			t.Fatalf("%s: Annotations(%q, %q, %q): %v", step, site, from, to, err)
		}
		if w := want(site, from, to, drop...); !slices.EqualFunc(got, w, same) {
			t.Errorf("%s: Annotations(%q, %q, %q) =\n%+v\nwant\n%+v", step, site, from, to, got, w)
		}
	}
	check("stored", "a.example", "", "")
	check("stored", "a.example", "2026-03-11", "2026-03-31")
	check("stored", "a.example", "2026-03-27", "2026-03-27")
	check("stored", "b.example", "", "")
	check("stored", "", "", "")
	check("stored", "nosuch.example", "", "")

	// A report's notes are those of its period's days, in its zone.
	hel, err := time.LoadLocation(analytics.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	r := &analytics.Report{Site: "a.example", From: time.Date(2026, 3, 24, 0, 0, 0, 0, hel), To: time.Date(2026, 4, 2, 0, 0, 0, 0, hel), Zone: hel}
	if err := analytics.Annotate(ctx, e, r); err != nil {
		t.Fatal(err)
	}
	if w := want("a.example", "2026-03-24", "2026-04-02"); !slices.EqualFunc(r.Annotations, w, same) {
		t.Errorf("Annotate: %+v, want %+v", r.Annotations, w)
	}

	for _, c := range []struct {
		a    analytics.Annotation
		want error
	}{
		{analytics.Annotation{Site: "a.example", Day: "2026-03-01", Text: "   "}, analytics.ErrAnnotationEmpty},
		{analytics.Annotation{Site: "a.example", Day: "2026-03-01", Text: strings.Repeat("x", analytics.MaxAnnotationText+1)}, analytics.ErrAnnotationLong},
		{analytics.Annotation{Site: "a.example", Day: "2026-03-01", Text: "two\nlines"}, analytics.ErrAnnotationChars},
		{analytics.Annotation{Site: "a.example", Day: "2026-03-01", Text: "bad \xff"}, analytics.ErrAnnotationChars},
		{analytics.Annotation{Site: "a.example", Day: "2026-02-30", Text: "x"}, analytics.ErrAnnotationDay},
		{analytics.Annotation{Site: "a.example", Day: "1.3.2026", Text: "x"}, analytics.ErrAnnotationDay},
		{analytics.Annotation{Site: " ", Day: "2026-03-01", Text: "x"}, analytics.ErrAnnotationSite},
	} {
		if _, err := e.AddAnnotation(ctx, c.a); !errors.Is(err, c.want) {
			t.Errorf("AddAnnotation(%+v) = %v, want %v", c.a, err, c.want)
		}
	}
	check("after refused notes", "", "", "")

	// Deleting: only the site's own id; again, or another site's, is ErrNoAnnotation.
	gone := stored[0].ID
	if err := e.DeleteAnnotation(ctx, "b.example", gone); !errors.Is(err, analytics.ErrNoAnnotation) {
		t.Errorf("DeleteAnnotation of another site's note = %v, want ErrNoAnnotation", err)
	}
	if err := e.DeleteAnnotation(ctx, "a.example", gone); err != nil {
		t.Fatalf("DeleteAnnotation: %v", err)
	}
	for _, id := range []string{gone, "", "x", "999999999999"} {
		if err := e.DeleteAnnotation(ctx, "a.example", id); !errors.Is(err, analytics.ErrNoAnnotation) {
			t.Errorf("DeleteAnnotation(%q) = %v, want ErrNoAnnotation", id, err)
		}
	}
	check("deleted", "", "", "", gone)

	// Retention purges records, not the owner's notes.
	pv := analytics.PageView{Time: now.AddDate(-4, 0, 0), Site: "a.example", Visitor: 1, Visit: 1, ID: "old", Path: "/"}
	if err := e.Append(ctx, analytics.Batch{PageViews: []analytics.PageView{pv}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Purge(ctx, now.AddDate(-3, 0, 0), now); err != nil {
		t.Fatal(err)
	}
	check("purged", "", "", "", gone)
	if unknown, err := e.UnknownTables(ctx); err != nil || len(unknown) > 0 {
		t.Errorf("UnknownTables = %q, %v; want none", unknown, err)
	}
}
