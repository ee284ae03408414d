package dashboard

import (
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
)

// TestConsentRate: beside the visitor numbers, the dashboard says what
// share of the visits asked for consent the statistics cover, in the
// viewer's language, and says nothing of consent for a site without a
// banner.
func TestConsentRate(t *testing.T) {
	f := newFixture(t)
	_, c := f.login(t, testPassword, "192.0.2.1")
	if c == nil {
		t.Fatal("no session")
	}
	if body := f.get("/dashboard?site=example.fi&period=7d", c).Body.String(); strings.Contains(body, `id="consent"`) {
		t.Error("a site without consent counts shows a consent rate")
	}
	f.rep.mu.Lock()
	f.rep.consent = analytics.ConsentTotals{Shown: 40, Accepted: 30, Declined: 8}
	f.rep.mu.Unlock()
	for lang, want := range map[string]string{
		"fi": "Tilastot kattavat 75",
		"sv": "Statistiken täcker 75",
		"en": "The statistics cover 75",
	} {
		body := f.get("/dashboard?site=example.fi&period=7d&lang="+lang, c).Body.String()
		i := strings.Index(body, `id="consent"`)
		if i < 0 {
			t.Errorf("%s: no consent rate", lang)
			continue
		}
		if line := body[i:min(len(body), i+300)]; !strings.Contains(line, want) || !strings.Contains(line, "40") {
			t.Errorf("%s: consent rate %q, want %q and the 40 banners shown", lang, line, want)
		}
	}
}
