package dashboard

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
)

// TestShareIgnoresFilterParameters: a share link takes no filters. Every
// parameter the dashboard or the API reads besides the period and the
// language (filter= on each dimension, a dimension's name on its own,
// goal=, imported=, limit=, site=, breakdown=), with good and bad values,
// leaves the share page byte for byte as it is without it, and asks the
// store the same question.
func TestShareIgnoresFilterParameters(t *testing.T) {
	f := newFixture(t)
	f.h.cfg.Goals = []analytics.Goal{{Name: "Tilaus", Page: "/kiitos"}}
	a, _ := auth.Load(f.authFile)
	id, err := a.AddShare("toinen.fi", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Save(f.authFile); err != nil {
		t.Fatal(err)
	}
	// Each request is a new minute, so that the share cache answers none
	// from an earlier one; the period's days stay the same.
	get := func(query string) (string, analytics.Query) {
		t.Helper()
		f.now = f.now.Add(2 * time.Minute)
		w := f.get("/share/"+id+"?"+query, nil)
		if w.Code != 200 {
			t.Errorf("share page ?%s: %d", query, w.Code)
		}
		return w.Body.String(), f.rep.last()
	}
	base := "period=30d&lang=en"
	want, wantQ := get(base)
	if !strings.Contains(want, "Bots") {
		t.Fatal("the unfiltered share page lacks the Bots card; the test cannot see a filter")
	}

	var extra []string
	for d := range strings.SplitSeq(analytics.DimensionNames(), ", ") {
		extra = append(extra,
			"filter="+url.QueryEscape(d+"=/hinnasto"),
			"filter="+url.QueryEscape(d+"=FI"),
			d+"=/hinnasto",
		)
	}
	extra = append(extra,
		"filter=bogus", "goal=Tilaus", "goal=nope", "imported=false", "imported=maybe",
		"limit=1", "limit=0", "limit=-3", "site=example.fi", "site=unknown.fi", "breakdown=page",
		"filter=page%3D%2Fhinnasto&goal=Tilaus&imported=false&limit=1",
	)
	for _, e := range extra {
		got, gotQ := get(base + "&" + e)
		if got != want {
			t.Errorf("?%s changed the share page:\n%s", e, firstDiff(want, got))
		}
		if !reflect.DeepEqual(gotQ, wantQ) {
			t.Errorf("?%s changed the share report's query:\n got %+v\nwant %+v", e, gotQ, wantQ)
		}
	}
}

// firstDiff shows where two pages part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-120)
	return "want …" + a[from:min(len(a), i+120)] + "…\n got …" + b[from:min(len(b), i+120)] + "…"
}
