package request

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestDirect(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	tests := []struct {
		name, peer string
		header     []string // name, value
		want       bool
	}{
		{"loopback", "127.0.0.1:5000", nil, true},
		{"loopback IPv6", "[::1]:5000", nil, true},
		{"mapped loopback", "[::ffff:127.0.0.1]:5000", nil, true},
		{"trusted proxy's host", "10.0.0.2:5000", nil, true},
		{"public peer", "198.51.100.7:5000", nil, false},
		{"public peer claiming loopback", "198.51.100.7:5000", []string{"X-Forwarded-For", "127.0.0.1"}, false},
		{"forwarded by a local proxy", "127.0.0.1:5000", []string{"X-Forwarded-For", "203.0.113.1"}, false},
		{"forwarded, empty header", "127.0.0.1:5000", []string{"X-Forwarded-For", ""}, false},
		{"forwarded by a trusted proxy", "10.0.0.2:5000", []string{"X-Forwarded-For", "203.0.113.1"}, false},
		{"X-Real-Ip", "127.0.0.1:5000", []string{"X-Real-Ip", "203.0.113.1"}, false},
		{"Forwarded", "127.0.0.1:5000", []string{"Forwarded", "for=203.0.113.1"}, false},
		{"not an address", "@", nil, false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = tt.peer
		if tt.header != nil {
			r.Header[tt.header[0]] = []string{tt.header[1]}
		}
		if got := Direct(r, trusted); got != tt.want {
			t.Errorf("%s: Direct = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestProxyExamples: the client address through the reverse proxies of
// examples/ (on the same host, trust_proxy = ["127.0.0.1/32", "::1/128"]).
func TestProxyExamples(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}
	for name, xff := range map[string]string{
		// nginx's $proxy_add_x_forwarded_for appends the peer it saw to
		// whatever the client sent: the client's own claim is left of it.
		"nginx, client sent nothing": "203.0.113.5",
		"nginx, client sent a claim": "192.0.2.1, 127.0.0.1, 203.0.113.5",
		// Caddy replaces a header from a client it does not trust.
		"caddy": "203.0.113.5",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("X-Forwarded-For", xff)
		if got := ClientIP(r, trusted); got != netip.MustParseAddr("203.0.113.5") {
			t.Errorf("%s: client %v, want 203.0.113.5", name, got)
		}
	}
}
