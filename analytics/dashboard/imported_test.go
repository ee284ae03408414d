package dashboard

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestImported: the dashboard says when a period counts imported data,
// marks it in the chart and switches it off and on; the API passes
// imported=false on and says what the report did.
func TestImported(t *testing.T) {
	f := newFixture(t)
	f.rep.imported = true
	_, c := f.login(t, testPassword, "192.0.2.1")
	if c == nil {
		t.Fatal("no session")
	}
	body := f.get("/dashboard?site=example.fi&period=7d", c).Body.String()
	for _, want := range []string{`id="imported"`, "Mukana tuotuja tilastoja", `imported=false`, `class="imported"`, ">tuotu<"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard with imported data lacks %q", want)
		}
	}
	if q := f.rep.last(); q.ExcludeImported {
		t.Error("imported data left out by default")
	}

	body = f.get("/dashboard?site=example.fi&period=7d&imported=false&lang=en", c).Body.String()
	if !f.rep.last().ExcludeImported {
		t.Error("imported=false did not reach the query")
	}
	if !strings.Contains(body, "Imported statistics are left out.") || !strings.Contains(body, "Show imported statistics") || strings.Contains(body, `class="imported"`) {
		t.Errorf("dashboard without imported data: no notice with a link back, or a marked chart")
	}
	// The period picker keeps the switch.
	if !strings.Contains(body, "period=30d") || !strings.Contains(body, "imported=false") {
		t.Error("links lose imported=false")
	}

	body = f.get("/dashboard?site=example.fi&period=7d&filter=page=/&filter=browser=Firefox&lang=sv", c).Body.String()
	if !strings.Contains(body, "Importerad statistik räknas inte med") {
		t.Error("no notice that the filters leave imported data out")
	}

	for query, want := range map[string]string{
		"site=example.fi&period=7d":                `"imported":{"included":true,`,
		"site=example.fi&period=7d&imported=false": `"imported":{"included":false,"reason":"left out"}`,
	} {
		r := httptest.NewRequest("GET", "/api/stats?"+query, nil)
		r.Header.Set("Authorization", "Bearer "+f.token)
		w := f.do(r)
		if w.Code != 200 || !strings.Contains(w.Body.String(), want) || !json.Valid(w.Body.Bytes()) {
			t.Errorf("%s: %d, want %s in %s", query, w.Code, want, w.Body)
		}
	}
	r := httptest.NewRequest("GET", "/api/stats?imported=no", nil)
	r.Header.Set("Authorization", "Bearer "+f.token)
	if w := f.do(r); w.Code != 400 || !strings.Contains(w.Body.String(), "imported=false") {
		t.Errorf("imported=no: %d %s, want 400 saying how", w.Code, w.Body)
	}
}
