package request

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	tests := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"direct", "198.51.100.7:5000", nil, "198.51.100.7"},
		{"untrusted peer's XFF ignored", "198.51.100.7:5000", []string{"203.0.113.1"}, "198.51.100.7"},
		{"trusted peer", "10.0.0.2:5000", []string{"203.0.113.1"}, "203.0.113.1"},
		{"right-most untrusted", "10.0.0.2:5000", []string{"192.0.2.66, 203.0.113.1, 10.0.0.5"}, "203.0.113.1"},
		{"spoofed left hops ignored", "10.0.0.2:5000", []string{"1.1.1.1", "203.0.113.1"}, "203.0.113.1"},
		{"all trusted", "10.0.0.2:5000", []string{"10.0.0.9"}, "10.0.0.9"},
		{"garbage hop", "10.0.0.2:5000", []string{"203.0.113.1, garbage"}, "10.0.0.2"},
		{"hop with port", "10.0.0.2:5000", []string{"203.0.113.1:41000"}, "203.0.113.1"},
		{"IPv6", "[fd00::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"mapped peer", "[::ffff:198.51.100.7]:5000", nil, "198.51.100.7"},
		{"no XFF", "10.0.0.2:5000", nil, "10.0.0.2"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.peer
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ClientIP(r, trusted).String(); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestFromTrustedProxy(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	for peer, want := range map[string]bool{
		"10.0.0.2:443":            true,
		"[::ffff:10.0.0.2]:443":   true,
		"198.51.100.7:443":        false,
		"not an address and port": false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		if got := FromTrustedProxy(r, trusted); got != want {
			t.Errorf("%s: got %v, want %v", peer, got, want)
		}
	}
}

func TestNormalizeHost(t *testing.T) {
	for in, want := range map[string]string{
		"example.fi":                "example.fi",
		"  Example.FI. ":            "example.fi",
		"https://example.fi:8443/a": "example.fi",
		"example.fi:80":             "example.fi",
		"[::1]:8080":                "::1",
		"http://[2001:db8::1]/":     "2001:db8::1",
	} {
		if got, err := NormalizeHost(in); err != nil || got != want {
			t.Errorf("NormalizeHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "https://", "exa mple.fi", "ä.fi", "example.fi_"} {
		if got, err := NormalizeHost(in); err == nil {
			t.Errorf("NormalizeHost(%q) = %q; want an error", in, got)
		}
	}
}

func TestSites(t *testing.T) {
	s, err := NewSites([]Site{{Domain: "Example.fi", Origins: []string{"https://example.com"}}, {Domain: "other.fi"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{
		"example.fi": "example.fi", "www.example.fi": "example.fi", "https://example.com:443": "example.fi",
		"other.fi": "other.fi", "www.other.fi": "other.fi", "example.org": "", "localhost": "",
	} {
		if got, _ := s.Match(host); got != want {
			t.Errorf("Match(%q) = %q, want %q", host, got, want)
		}
	}
	for _, c := range []struct {
		domain, origin string
		want           bool
	}{
		{"example.fi", "https://example.fi", true},
		{"EXAMPLE.fi", "http://www.example.fi:8080", true},
		{"example.fi", "https://example.com/", true},
		{"example.fi", "https://example.fi/page", false},
		{"example.fi", "ftp://example.fi", false},
		{"example.fi", "https://other.fi", false},
		{"example.fi", "http://localhost:8080", false},
		{"unknown.fi", "https://unknown.fi", false},
	} {
		if got := s.AllowedOrigin(c.domain, c.origin); got != c.want {
			t.Errorf("AllowedOrigin(%q, %q) = %v", c.domain, c.origin, got)
		}
	}
	if !s.AnyAllowsOrigin("https://www.other.fi") || s.AnyAllowsOrigin("https://example.org") {
		t.Error("AnyAllowsOrigin: wrong answer")
	}
	if r := s.Rule("EXAMPLE.FI"); r == nil || r.Domain() != "example.fi" || !r.AllowsHost("example.com") || r.AllowsHost("other.fi") {
		t.Errorf("Rule(EXAMPLE.FI) = %+v", r)
	}
	if s.Rule("example.com") != nil {
		t.Error("an origin is not a site's domain")
	}

	local, err := NewSites([]Site{{Domain: "example.fi"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	r := local.Rule("example.fi")
	for _, h := range []string{"localhost", "127.0.0.1", "::1", "dev.localhost"} {
		if !r.AllowsHost(h) {
			t.Errorf("allowLocal: %s refused", h)
		}
	}
	if !local.AllowedOrigin("example.fi", "http://localhost:1313") {
		t.Error("allowLocal: localhost Origin refused")
	}

	for _, bad := range [][]Site{
		{{Domain: "exa mple.fi"}},
		{{Domain: "example.fi"}, {Domain: "EXAMPLE.fi"}},
		{{Domain: "example.fi", Origins: []string{"bad origin"}}},
	} {
		if _, err := NewSites(bad, false); err == nil {
			t.Errorf("NewSites(%+v) accepted", bad)
		}
	}
}
