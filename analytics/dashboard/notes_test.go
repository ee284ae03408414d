package dashboard

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/sqlite"
)

// TestNotes: a logged-in owner adds a note from the dashboard's form; it is
// stored, drawn on the chart with its text as the mark's title, listed
// under the chart, and in the API's JSON and the CSV; a bad note comes
// back with the reason in the page's language; a form without the CSRF
// token stores nothing; a note is deleted from its list; the share page
// shows none.
func TestNotes(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seloste.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	f.h.cfg.Annotations = store
	_, c := f.login(t, testPassword, "192.0.2.1")
	page := f.get("/dashboard?period=30d", c).Body.String()
	m := csrfRE.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `id="notes"`) {
		t.Fatalf("no notes form on the dashboard:\n%s", page)
	}
	csrf := m[1]
	post := func(form url.Values, withCSRF bool) *httptest.ResponseRecorder {
		t.Helper()
		if withCSRF {
			form.Set("csrf", csrf)
		}
		r := httptest.NewRequest("POST", "/dashboard/notes", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(c)
		return f.do(r)
	}
	add := func(day, text, lang string) *httptest.ResponseRecorder {
		return post(url.Values{"action": {"add"}, "site": {"example.fi"}, "day": {day}, "text": {text}, "lang": {lang},
			"back": {"period=30d&filter=country%3DFI"}}, true)
	}

	w := add("2026-11-20", "Uusi hinnasto", "")
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/dashboard?") || !strings.Contains(loc, "filter=country%3DFI") || !strings.HasSuffix(loc, "#notes") {
		t.Fatalf("add: %d to %q", w.Code, loc)
	}
	notes, err := store.Annotations(ctx, "example.fi", "", "")
	if err != nil || len(notes) != 1 || notes[0].Day != "2026-11-20" || notes[0].Text != "Uusi hinnasto" {
		t.Fatalf("stored notes %+v, %v", notes, err)
	}
	id := notes[0].ID

	body := f.get("/dashboard?period=30d", c).Body.String()
	for _, want := range []string{
		`<g class="note"><title>20.11.2026: Uusi hinnasto</title>`,
		`<span class="noteday">20.11.2026</span> <span class="notetext">Uusi hinnasto</span>`,
		`name="id" value="` + id + `"`,
		`href="/dashboard/export.csv?breakdown=annotations&amp;period=30d&amp;site=example.fi" download`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	// Outside the period: neither on the chart nor in the list.
	if body := f.get("/dashboard?from=2026-10-01&to=2026-10-31", c).Body.String(); strings.Contains(body, "Uusi hinnasto") {
		t.Error("a note outside the period is shown")
	}

	// Refused notes: the reason, in the page's language; nothing stored.
	for _, bad := range []struct{ day, text, lang, want string }{
		{"2026-11-20", strings.Repeat("x", analytics.MaxAnnotationText+1), "", "enintään 200 merkkiä"},
		{"2026-11-20", "   ", "sv", "Anteckningen är tom."},
		{"20.11.2026", "x", "en", "The day is missing or not a date."},
	} {
		w := add(bad.day, bad.text, bad.lang)
		loc := w.Header().Get("Location")
		if w.Code != http.StatusSeeOther || !strings.Contains(loc, "noteerr=") {
			t.Errorf("bad note %q: %d to %q", bad.text, w.Code, loc)
			continue
		}
		page, _, _ := strings.Cut(loc, "#") // a browser keeps the fragment to itself
		if body := f.get(page, c).Body.String(); !strings.Contains(html.UnescapeString(body), bad.want) {
			t.Errorf("bad note %q: the page after it (%s) lacks %q:\n%s", bad.text, loc, bad.want, body)
		}
	}
	if w := post(url.Values{"action": {"add"}, "site": {"example.fi"}, "day": {"2026-11-21"}, "text": {"forged"}}, false); w.Code != http.StatusForbidden {
		t.Errorf("without CSRF: %d", w.Code)
	}
	if notes, _ := store.Annotations(ctx, "", "", ""); len(notes) != 1 {
		t.Errorf("after refused notes the store holds %+v", notes)
	}

	// The API and the CSV carry the period's notes.
	r := httptest.NewRequest("GET", "/api/stats?site=example.fi&period=30d", nil)
	r.Header.Set("Authorization", "Bearer "+f.token)
	var doc struct {
		Annotations []struct{ ID, Day, Text string }
	}
	if w := f.do(r); w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &doc) != nil ||
		len(doc.Annotations) != 1 || doc.Annotations[0].Text != "Uusi hinnasto" || doc.Annotations[0].Day != "2026-11-20" {
		t.Errorf("API annotations: %+v", doc.Annotations)
	}
	if w := f.get("/dashboard/export.csv?period=30d&breakdown=annotations", c); w.Body.String() != "day,text,id\n2026-11-20,Uusi hinnasto,"+id+"\n" {
		t.Errorf("CSV of notes: %d %q", w.Code, w.Body.String())
	}

	// The share page shows no notes.
	a, _ := auth.Load(f.authFile)
	share, err := a.AddShare("example.fi", time.Now())
	if err != nil || a.Save(f.authFile) != nil {
		t.Fatal(err)
	}
	if body := f.get("/share/"+share+"?period=30d", nil).Body.String(); strings.Contains(body, "Uusi hinnasto") || strings.Contains(body, `id="notes"`) {
		t.Error("the share page shows the owner's notes")
	}

	if w := post(url.Values{"action": {"delete"}, "site": {"example.fi"}, "id": {id}}, true); w.Code != http.StatusSeeOther {
		t.Fatalf("delete: %d", w.Code)
	}
	if notes, _ := store.Annotations(ctx, "", "", ""); len(notes) != 0 {
		t.Errorf("after delete the store holds %+v", notes)
	}
}

// TestPageTrends: each Pages row gets its page's own series, from the
// report filtered to that page (the view its row links to), as a sparkline
// whose title names the page and its numbers; a view already filtered to a
// page computes none.
func TestPageTrends(t *testing.T) {
	f := newFixture(t)
	_, c := f.login(t, testPassword, "192.0.2.1")
	n := len(f.rep.queries)
	body := f.get("/dashboard?period=7d", c).Body.String()
	var trends []string
	for _, q := range f.rep.queries[n:] {
		if isTrend(q) {
			trends = append(trends, q.Filters[len(q.Filters)-1].Value)
		}
	}
	if strings.Join(trends, " ") != "/ /hinnasto" && strings.Join(trends, " ") != "/hinnasto /" {
		t.Errorf("trend queries for %q, want / and /hinnasto (not the folded rest)", trends)
	}
	if got := strings.Count(body, `<svg class="spark"`); got != 2 || !strings.Contains(body, `<th scope="col" class="trend">Kehitys</th>`) ||
		!strings.Contains(body, "<title>Sivun /hinnasto kävijät 19.11.2026–25.11.2026: 40, 40, 40, 40, 40, 40, 40</title>") {
		t.Errorf("%d sparklines; the page:\n%s", got, body)
	}
	if !strings.Contains(body, `href="/dashboard?filter=page%3D%2Fhinnasto&amp;period=7d&amp;site=example.fi" title="`) {
		t.Error("the /hinnasto row does not link to its page's view")
	}
	n = len(f.rep.queries)
	body = f.get("/dashboard?period=7d&filter=page%3D%2Fhinnasto", c).Body.String()
	if len(f.rep.queries)-n != 1 || strings.Contains(body, `class="spark"`) {
		t.Errorf("a page's own view made %d reports", len(f.rep.queries)-n)
	}
}
