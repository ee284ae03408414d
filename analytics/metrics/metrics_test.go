package metrics_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/collect"
	"github.com/seloste/seloste/analytics/dashboard"
	"github.com/seloste/seloste/analytics/geo"
	"github.com/seloste/seloste/analytics/metrics"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/analytics/sqlite"
)

// server is a real "seloste serve" minus the command: a collector over a
// real SQLite store, the dashboard and /metrics on one mux, on 127.0.0.1.
type server struct {
	*httptest.Server
	col     *collect.Collector
	handler http.Handler
	token   string
}

var loopbackProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}

func newServer(t *testing.T) *server {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "seloste.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	locations, err := geo.Open(writeGeoIP(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { locations.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	authFile := filepath.Join(dir, "seloste.auth")
	creds, err := auth.Load(authFile)
	if err != nil {
		t.Fatal(err)
	}
	token, err := creds.AddToken("prometheus", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := creds.Save(authFile); err != nil {
		t.Fatal(err)
	}

	m := metrics.New()
	col, err := collect.New(ctx, collect.Config{
		Store: store, Sites: []request.Site{{Domain: "example.fi"}}, TrustedProxies: loopbackProxy,
		Geo: locations, Logger: logger, OnBatch: m.ObserveBatch,
		Queue: collect.QueueConfig{FlushInterval: 20 * time.Millisecond},
		Events: analytics.EventConfig{Events: []analytics.EventDef{{Name: "Yhteydenotto", Props: []string{"lomake"},
			Desc: analytics.Description{FI: "Lomake", EN: "Form"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close(context.Background()) })
	dash, err := dashboard.New(dashboard.Config{Reporter: m.Reports(store), Sites: []string{"example.fi"},
		AuthFile: authFile, TrustedProxies: loopbackProxy, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	m.Watch(col, locations)
	mux := http.NewServeMux()
	col.Register(mux)
	dash.Register(mux)
	m.Handler(metrics.Access{TrustedProxies: loopbackProxy, Bearer: dash.BearerToken}).Register(mux)
	s := &server{Server: httptest.NewServer(mux), col: col, handler: mux, token: token}
	t.Cleanup(s.Close)
	return s
}

// writeGeoIP writes a small City database with one network.
func writeGeoIP(t *testing.T, dir string) string {
	t.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 28, Languages: []string{"en"},
		Description: map[string]string{"en": "seloste metrics test"}})
	if err != nil {
		t.Fatal(err)
	}
	_, n, _ := net.ParseCIDR("81.175.0.0/16")
	if err := w.Insert(n, mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String("FI")}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "GeoLite2-City.mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func (s *server) do(t *testing.T, method, path, body string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// scrape reads /metrics from 127.0.0.1 and parses it.
func (s *server) scrape(t *testing.T) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	code, body := s.do(t, "GET", "/metrics", "")
	if code != 200 {
		t.Fatalf("GET /metrics from 127.0.0.1: %d %s", code, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parsing /metrics: %v\n%s", err, body)
	}
	return fams, body
}

// value is the value of the metric name with the label (name, value), if
// given; -1 when there is no such metric. For a histogram it is the count.
func value(fams map[string]*dto.MetricFamily, name string, label ...string) float64 {
	f := fams[name]
	if f == nil {
		return -1
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(label); i += 2 {
			found := false
			for _, l := range m.Label {
				found = found || l.GetName() == label[i] && l.GetValue() == label[i+1]
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

const canaryUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 SelosteCanaryMetrics/77"

var canaryIPs = []string{"81.175.33.201", "203.0.113.177", "2001:db8:5e1:77::beef"}

// TestMetricsAfterEvents sends real events through the collector into
// SQLite and a real report through the stats API, and checks that each
// moves its metric by the right amount, and that no address or
// User-Agent of a request shows in /metrics.
func TestMetricsAfterEvents(t *testing.T) {
	s := newServer(t)
	before, _ := s.scrape(t)
	for _, name := range []string{"seloste_events_accepted_total", "seloste_events_refused_total", "seloste_batch_write_duration_seconds",
		"seloste_report_duration_seconds", "seloste_queue_events", "seloste_queue_capacity_events", "seloste_database_errors_total",
		"seloste_visits_open", "seloste_records_stored_total", "seloste_geoip_database_age_seconds", "go_goroutines", "go_gc_duration_seconds"} {
		if before[name] == nil {
			t.Errorf("no %s before any event", name)
		}
	}
	if value(before, "seloste_events_refused_total", "reason", "queue_full") != 0 {
		t.Error("refused{queue_full} is not 0 at start")
	}
	if age := value(before, "seloste_geoip_database_age_seconds", "type", "GeoLite2-City"); age < 0 || age > 120 {
		t.Errorf("GeoIP age %v s for a database written just now", age)
	}
	if v := value(before, "seloste_queue_capacity_events"); v != collect.DefaultQueueSize {
		t.Errorf("queue capacity %v", v)
	}

	event := func(body, ip string, status int, hdr ...string) {
		t.Helper()
		hdr = append([]string{"Content-Type", "text/plain", "User-Agent", canaryUA, "X-Forwarded-For", ip}, hdr...)
		if code, msg := s.do(t, "POST", "/api/event", body, hdr...); code != status {
			t.Fatalf("%.50s: %d %s, want %d", body, code, msg, status)
		}
	}
	for i, ip := range canaryIPs {
		id := "m" + string(rune('a'+i))
		event(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/p","pageview":"`+id+`"}`, ip, 202)
	}
	event(`{"kind":"leave","site":"example.fi","pageview":"ma","duration_ms":1500}`, canaryIPs[0], 202)
	event(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/p","pageview":"x1"}`, canaryIPs[1], 403, "Origin", "https://evil.example")
	event(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/p","pageview":"x2"}`, canaryIPs[1], 202, "Dnt", "1")
	event(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/`+canaryIPs[2]+`"`, canaryIPs[2], 400)

	// Wait for the writer, then ask for a report over the API.
	for deadline := time.Now().Add(10 * time.Second); s.col.Stats().Stored < 4; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d records stored", s.col.Stats().Stored)
		}
	}
	if code, body := s.do(t, "GET", "/api/stats?site=example.fi&period=today", "", "Authorization", "Bearer "+s.token); code != 200 {
		t.Fatalf("/api/stats: %d %s", code, body)
	}
	if code, body := s.do(t, "GET", "/api/stats?site=example.fi&period=today&filter=page%3D%2Fp", "", "Authorization", "Bearer "+s.token); code != 200 {
		t.Fatalf("/api/stats filtered: %d %s", code, body)
	}

	after, text := s.scrape(t)
	delta := func(name string, label ...string) float64 {
		return value(after, name, label...) - value(before, name, label...)
	}
	for _, c := range []struct {
		name  string
		label []string
		want  float64
	}{
		{"seloste_events_accepted_total", []string{"kind", "pageview"}, 3},
		{"seloste_events_accepted_total", []string{"kind", "leave"}, 1},
		{"seloste_events_accepted_total", []string{"kind", "bot"}, 0},
		{"seloste_events_refused_total", []string{"reason", "foreign_origin"}, 1},
		{"seloste_events_refused_total", []string{"reason", "dnt"}, 1},
		{"seloste_events_refused_total", []string{"reason", "bad_event"}, 1},
		{"seloste_events_refused_total", []string{"reason", "queue_full"}, 0},
		{"seloste_records_stored_total", nil, 4},
		{"seloste_database_errors_total", []string{"op", "append"}, 0},
		{"seloste_visits_open", nil, 3},
		{"seloste_report_duration_seconds", []string{"filtered", "false"}, 1},
		{"seloste_report_duration_seconds", []string{"filtered", "true"}, 1},
	} {
		if got := delta(c.name, c.label...); got != c.want {
			t.Errorf("%s%v moved by %v, want %v", c.name, c.label, got, c.want)
		}
	}
	if n := delta("seloste_batch_write_duration_seconds"); n < 1 {
		t.Errorf("batch write histogram: %v new observations, want at least 1", n)
	}
	if h := after["seloste_batch_write_duration_seconds"].Metric[0].Histogram; h.GetSampleSum() <= 0 {
		t.Errorf("batch write histogram: sum %v", h.GetSampleSum())
	}
	if value(after, "seloste_queue_events") != 0 {
		t.Errorf("queue depth %v after every event was stored", value(after, "seloste_queue_events"))
	}
	for _, leak := range append([]string{canaryUA, "SelosteCanary", "/p\"", "evil.example", "beef"}, canaryIPs...) {
		if strings.Contains(text, leak) {
			t.Errorf("/metrics contains %q", leak)
		}
	}
}

// TestMetricsCountEveryKind sends each kind of record through the
// collector into SQLite (page views, a leave, custom events, a bot's page
// view): each accepted one is counted once under its kind, so the kinds
// sum to the records stored, and the store holds that many rows.
func TestMetricsCountEveryKind(t *testing.T) {
	s := newServer(t)
	before, _ := s.scrape(t)
	event := func(body, ip, ua string) {
		t.Helper()
		if code, msg := s.do(t, "POST", "/api/event", body, "Content-Type", "text/plain", "User-Agent", ua, "X-Forwarded-For", ip); code != 202 {
			t.Fatalf("%.60s: %d %s, want 202", body, code, msg)
		}
	}
	event(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/","pageview":"k1"}`, canaryIPs[0], canaryUA)
	event(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/p","pageview":"k2"}`, canaryIPs[1], canaryUA)
	event(`{"kind":"leave","site":"example.fi","pageview":"k1","duration_ms":2500}`, canaryIPs[0], canaryUA)
	for range 3 {
		event(`{"kind":"event","site":"example.fi","url":"https://example.fi/","name":"Yhteydenotto","props":{"lomake":"tarjous"},"pageview":"k1"}`, canaryIPs[0], canaryUA)
	}
	event(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/","pageview":"k3"}`, canaryIPs[2], "curl/8.11.0")
	const records = 2 + 1 + 3 + 1
	for deadline := time.Now().Add(10 * time.Second); s.col.Stats().Stored < records; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d records stored", s.col.Stats().Stored, records)
		}
	}
	after, _ := s.scrape(t)
	delta := func(name string, label ...string) float64 {
		return value(after, name, label...) - value(before, name, label...)
	}
	var sum float64
	for _, k := range []struct {
		kind string
		want float64
	}{{"pageview", 2}, {"leave", 1}, {"event", 3}, {"bot", 1}} {
		got := delta("seloste_events_accepted_total", "kind", k.kind)
		if got != k.want {
			t.Errorf("seloste_events_accepted_total{kind=%q} moved by %v, want %v", k.kind, got, k.want)
		}
		sum += got
	}
	// Every series of the metric, whatever its kind, is in the sum.
	var all float64
	for _, m := range after["seloste_events_accepted_total"].Metric {
		all += m.Counter.GetValue()
	}
	stored := delta("seloste_records_stored_total")
	if sum != stored || all != value(after, "seloste_records_stored_total") || stored != records {
		t.Errorf("accepted by kind sum to %v (all series %v), records stored %v, want %d each", sum, all, stored, records)
	}
}

// TestMetricsAccess: /metrics answers loopback and trusted proxies' hosts,
// and anyone with a token; a request forwarded by a proxy, or from
// elsewhere, needs the token.
func TestMetricsAccess(t *testing.T) {
	s := newServer(t)
	direct := func(peer string, hdr ...string) (int, string) {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = peer
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		s.handler.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	bearer := "Bearer " + s.token
	for _, c := range []struct {
		name string
		peer string
		hdr  []string
		want int
	}{
		{"loopback", "127.0.0.1:40000", nil, 200},
		{"loopback IPv6", "[::1]:40000", nil, 200},
		{"public peer", "198.51.100.7:40000", nil, 403},
		{"public peer, XFF claiming loopback", "198.51.100.7:40000", []string{"X-Forwarded-For", "127.0.0.1"}, 403},
		{"forwarded by the local proxy", "127.0.0.1:40000", []string{"X-Forwarded-For", "198.51.100.7"}, 403},
		{"public peer with the token", "198.51.100.7:40000", []string{"Authorization", bearer}, 200},
		{"forwarded with the token", "127.0.0.1:40000", []string{"X-Forwarded-For", "198.51.100.7", "Authorization", bearer}, 200},
		{"wrong token", "198.51.100.7:40000", []string{"Authorization", "Bearer seloste_nottherightone"}, 401},
		{"wrong token from loopback", "127.0.0.1:40000", []string{"Authorization", "Bearer seloste_nottherightone"}, 401},
		{"not a bearer", "198.51.100.7:40000", []string{"Authorization", "Basic Zm9vOmJhcg=="}, 401},
	} {
		code, body := direct(c.peer, c.hdr...)
		if code != c.want {
			t.Errorf("%s: %d, want %d: %.100s", c.name, code, c.want, body)
		}
		if code != 200 && strings.Contains(body, "seloste_") && !strings.Contains(body, "seloste token") {
			t.Errorf("%s: refused, but the body has metrics: %.200s", c.name, body)
		}
		if code == 200 && !strings.Contains(body, "seloste_events_accepted_total") {
			t.Errorf("%s: 200 without the metrics", c.name)
		}
	}
	// Over real TCP from 127.0.0.1: the same rule.
	if code, _ := s.do(t, "GET", "/metrics", "", "X-Forwarded-For", "198.51.100.7"); code != 403 {
		t.Errorf("forwarded over TCP: %d, want 403", code)
	}
	if code, _ := s.do(t, "POST", "/metrics", ""); code == 200 {
		t.Error("POST /metrics answered 200")
	}
}
