package request

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
)

func TestExclusions(t *testing.T) {
	sites, err := NewSites([]Site{{Domain: "example.fi",
		ExcludeIPs:   []string{"192.0.2.0/24", "2001:db8::1"},
		ExcludePaths: []string{"/admin/**", "/tili/*/asetukset", "/esikatselu"},
	}}, false)
	if err != nil {
		t.Fatal(err)
	}
	r := sites.Rule("example.fi")
	for ip, want := range map[string]bool{
		"192.0.2.7": true, "::ffff:192.0.2.7": true, "2001:db8::1": true,
		"192.0.3.1": false, "2001:db8::2": false,
	} {
		if got := r.ExcludesIP(netip.MustParseAddr(ip)); got != want {
			t.Errorf("ExcludesIP(%s) = %v, want %v", ip, got, want)
		}
	}
	for path, want := range map[string]bool{
		"/admin": true, "/admin/": true, "/admin/users/42": true, "/administrator": false,
		"/tili/matti/asetukset": true, "/tili/matti/muuta": false, "/tili/a/b/asetukset": false,
		"/esikatselu": true, "/esikatselu/x": false, "/": false,
	} {
		if got := r.ExcludesPath(path); got != want {
			t.Errorf("ExcludesPath(%q) = %v, want %v", path, got, want)
		}
	}
	for _, bad := range []Site{
		{Domain: "a.fi", ExcludeIPs: []string{"192.0.2.0/33"}},
		{Domain: "a.fi", ExcludeIPs: []string{"office"}},
		{Domain: "a.fi", ExcludePaths: []string{"admin/**"}},
		{Domain: "a.fi", ExcludePaths: []string{"/**/x"}},
		{Domain: "a.fi", ExcludePaths: []string{"/[a"}},
	} {
		if _, err := NewSites([]Site{bad}, false); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// A site needs consent unless configured exempt; the exempt ones are
// listed by their normalised domain.
func TestSitesConsent(t *testing.T) {
	s, err := NewSites([]Site{{Domain: "asks.example"}, {Domain: "Exempt.Example", Consent: analytics.ConsentExempt},
		{Domain: "b.example", Consent: analytics.ConsentRequired}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Exempt(); len(got) != 1 || got[0] != "exempt.example" {
		t.Errorf("Exempt() = %q, want [exempt.example]", got)
	}
	if s.Rule("asks.example").Consent() != analytics.ConsentRequired || s.Rule("exempt.example").Consent() != analytics.ConsentExempt {
		t.Error("consent modes not kept")
	}
	if _, err := NewSites([]Site{{Domain: "x.example", Consent: "maybe"}}, false); err == nil || !strings.Contains(err.Error(), "x.example") {
		t.Errorf("a bad consent mode: %v", err)
	}
}
