package loadgen

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRun sends pipelined and unpipelined loads to a real net/http server
// that refuses every third request with a body, and checks the counts, the
// requests the server saw, and that an unexpected answer is an error.
func TestRun(t *testing.T) {
	var seen, bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.URL.Path != "/api/event" || r.Header.Get("User-Agent") != "ua" ||
			r.Header.Get("X-Forwarded-For") != "81.1.1.1" || !strings.HasPrefix(string(body), `{"i":`) {
			bad.Add(1)
		}
		switch n := seen.Add(1); {
		case strings.Contains(string(body), "teapot"):
			http.Error(w, "no", http.StatusTeapot)
		case n%3 == 0:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "event queue full, retry later", http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	req := func(conn int, i int64) Request {
		return Request{Body: `{"i":` + string(rune('0'+i%10)) + `}`, ForwardedFor: "81.1.1.1", UserAgent: "ua"}
	}
	for _, window := range []int{1, 32} {
		seen.Store(0)
		res, err := Run(Config{Addrs: []string{addr}, Conns: 4, Window: window, N: 3000, Request: req})
		if err != nil {
			t.Fatalf("window %d: %v", window, err)
		}
		if res.Accepted != 2000 || res.Refused != 1000 || seen.Load() != 3000 {
			t.Errorf("window %d: accepted %d, refused %d, server saw %d; want 2000, 1000, 3000", window, res.Accepted, res.Refused, seen.Load())
		}
		if q := res.Latency.Quantile(0.99); q <= 0 {
			t.Errorf("window %d: p99 %v", window, q)
		}
	}
	if bad.Load() != 0 {
		t.Errorf("the server saw %d malformed requests", bad.Load())
	}
	_, err := Run(Config{Addrs: []string{addr}, N: 10, Request: func(int, int64) Request {
		return Request{Body: "teapot", ForwardedFor: "81.1.1.1", UserAgent: "ua"}
	}})
	if err == nil || !strings.Contains(err.Error(), "418") {
		t.Errorf("an answer 418: error %v, want one naming it", err)
	}
}
