package dashboard

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkDashboardPage measures rendering the whole dashboard (totals,
// both charts, thirteen breakdowns) from a ready report, so the page's own
// cost can be told apart from the store's.
func BenchmarkDashboardPage(b *testing.B) {
	f := newFixture(b)
	_, c := f.login(b, testPassword, "192.0.2.1")
	if c == nil {
		b.Fatal("login failed")
	}
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/dashboard?period=30d", nil)
		r.AddCookie(c)
		w := httptest.NewRecorder()
		f.h.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
