package metrics_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/collect"
	"github.com/seloste/seloste/analytics/metrics"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/analytics/sqlite"
)

// TestMetricsCountCaps: a browser inventing values of an event property
// past max_values_per_day moves seloste_value_caps_reached_total{field=
// "event_property"} once, however many values it invents, and its events
// past max_events_per_visit are refused as event_limit.
func TestMetricsCountCaps(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seloste.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	m := metrics.New()
	col, err := collect.New(ctx, collect.Config{
		Store: store, Sites: []request.Site{{Domain: "example.fi"}}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxValuesPerDay: 2, MaxEventsPerVisit: 6,
		Events: analytics.EventConfig{Events: []analytics.EventDef{
			{Name: "Lomake", Props: []string{"arvo"}, Desc: analytics.Description{FI: "Lomake", EN: "Form"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close(context.Background()) })
	m.Watch(col, nil)
	mux := http.NewServeMux()
	col.Register(mux)
	m.Handler(metrics.Access{}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	send := func(body string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/api/event", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("User-Agent", canaryUA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/","pageview":"p1"}`); code != 202 {
		t.Fatalf("page view: %d", code)
	}
	var codes []int
	for i := range 8 {
		codes = append(codes, send(fmt.Sprintf(`{"kind":"event","site":"example.fi","name":"Lomake","props":{"arvo":"keksitty %c"},"pageview":"p1"}`, 'a'+i)))
	}
	if fmt.Sprint(codes) != "[202 202 202 202 202 202 429 429]" {
		t.Errorf("answers %v, want 6 × 202, then 429", codes)
	}

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		label []string
		want  float64
	}{
		{"seloste_value_caps_reached_total", []string{"field", "event_property"}, 1},
		{"seloste_value_caps_reached_total", []string{"field", "path"}, 0},
		{"seloste_events_refused_total", []string{"reason", "event_limit"}, 2},
	} {
		if got := value(fams, c.name, c.label...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.label, got, c.want)
		}
	}
}
