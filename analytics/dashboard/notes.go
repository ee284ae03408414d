package dashboard

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Notes (analytics.Annotation) are the owner's dated remarks on a site's
// days: marks on the chart and a list under it, added and deleted from the
// dashboard by a logged-in owner. Share pages do not show them: a note
// such as "deploy failed" is the owner's, not the public's.

// noteView is one note as the list under the chart shows it.
type noteView struct {
	ID, Day, Text string
}

// noteErrors are the reasons a note is refused, as the key of their
// message; the redirect after a refused note carries the key (noteerr=),
// never the text.
var noteErrors = []struct {
	err error
	key string
}{
	{analytics.ErrAnnotationEmpty, "empty"},
	{analytics.ErrAnnotationLong, "long"},
	{analytics.ErrAnnotationChars, "chars"},
	{analytics.ErrAnnotationDay, "day"},
}

// annotate adds the report's notes when the handler has a store of them.
func (h *Handler) annotate(ctx context.Context, rep *analytics.Report) error {
	if h.cfg.Annotations == nil || rep == nil {
		return nil
	}
	return analytics.Annotate(ctx, h.cfg.Annotations, rep)
}

// fillNotes puts the report's notes and the form to add one into v.
func (h *Handler) fillNotes(v *dashView, p *params, rep *analytics.Report, q url.Values) {
	if v.Shared || h.cfg.Annotations == nil {
		return
	}
	v.NotesOn = true
	for _, a := range rep.Annotations {
		day, _ := time.ParseInLocation(time.DateOnly, a.Day, h.cfg.Zone)
		v.Notes = append(v.Notes, noteView{ID: a.ID, Day: v.Date(day), Text: a.Text})
	}
	v.NoteDay = p.To.Format(time.DateOnly)
	if today := analytics.Midnight(h.cfg.Now(), h.cfg.Zone); today.Before(p.To) {
		v.NoteDay = today.Format(time.DateOnly)
	}
	v.NoteBack = p.values().Encode()
	if len(v.Notes) > 0 {
		q := p.values()
		q.Set("breakdown", "annotations")
		v.NotesCSV = "/dashboard/export.csv?" + q.Encode()
	}
	v.NoteMax = analytics.MaxAnnotationText
	for _, e := range noteErrors {
		if q.Get("noteerr") == e.key {
			v.NoteError = v.T("notes.err." + e.key)
			if e.err == analytics.ErrAnnotationLong {
				v.NoteError = v.Tf("notes.err."+e.key, analytics.MaxAnnotationText)
			}
		}
	}
}

// notes adds or deletes a note (POST /dashboard/notes, CSRF-checked by
// requireSession), then returns to the view the form was on.
func (h *Handler) notes(w http.ResponseWriter, r *http.Request, s *session) {
	if h.cfg.Annotations == nil {
		http.NotFound(w, r)
		return
	}
	site, ok := h.site(r.PostForm.Get("site"))
	if !ok {
		h.fail(w, r, http.StatusBadRequest, "err.site", r.PostForm.Get("site"), strings.Join(h.cfg.Sites, ", "))
		return
	}
	// The view to return to: parsed and re-encoded, always under /dashboard.
	back, err := url.ParseQuery(r.PostForm.Get("back"))
	if err != nil {
		back = url.Values{}
	}
	back.Del("noteerr")
	back.Set("site", site)
	if l := langParam(r); l != "" {
		back.Set("lang", l)
	}
	ctx := r.Context()
	switch r.PostForm.Get("action") {
	case "add":
		_, err = h.cfg.Annotations.AddAnnotation(ctx, analytics.Annotation{
			Site: site, Day: r.PostForm.Get("day"), Text: r.PostForm.Get("text")})
		for _, e := range noteErrors {
			if errors.Is(err, e.err) {
				back.Set("noteerr", e.key)
				err = nil
			}
		}
	case "delete":
		err = h.cfg.Annotations.DeleteAnnotation(ctx, site, r.PostForm.Get("id"))
		if errors.Is(err, analytics.ErrNoAnnotation) {
			err = nil // deleted already, e.g. in another tab
		}
	default:
		h.fail(w, r, http.StatusBadRequest, "err.noteaction")
		return
	}
	if err != nil {
		h.log.Error("saving a note", "site", site, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "err.notesave")
		return
	}
	http.Redirect(w, r, "/dashboard?"+back.Encode()+"#notes", http.StatusSeeOther)
}

// noteMarks draws the report's notes on the chart: a dashed line at the
// bucket of each note's day, with the day and the text as its title.
// Hourly charts cover one or two days: a note marks its day's first hour.
func noteMarks(b *strings.Builder, l locale, rep *analytics.Report, c chartShape, x func(int) float64) {
	if len(rep.Annotations) == 0 || len(rep.Series) == 0 {
		return
	}
	zone := zoneOf(rep)
	buckets := make([]time.Time, len(rep.Series))
	for i, p := range rep.Series {
		buckets[i] = p.T
	}
	byBucket := map[int][]string{}
	var order []int
	for _, a := range rep.Annotations {
		day, err := time.ParseInLocation(time.DateOnly, a.Day, zone)
		if err != nil {
			continue
		}
		i := analytics.BucketOf(buckets, day)
		if i < 0 || i >= len(buckets) {
			continue
		}
		if byBucket[i] == nil {
			order = append(order, i)
		}
		byBucket[i] = append(byBucket[i], l.Date(day)+": "+a.Text)
	}
	for _, i := range order {
		title := html.EscapeString(strings.Join(byBucket[i], "\n"))
		fmt.Fprintf(b, `<g class="note"><title>%s</title><line class="mark-line" x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke-width="1.5" stroke-dasharray="4 3"/>`,
			title, x(i), x(i), c.padT, c.padT+c.plotH)
		fmt.Fprintf(b, `<circle class="mark-dot" cx="%.1f" cy="%g" r="4"/></g>`, x(i), c.padT)
	}
}
