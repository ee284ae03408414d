package request

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/seloste/seloste/analytics"
)

// Site is one tracked site, as configured.
type Site struct {
	// Domain is the site's domain, e.g. "example.fi": the "site" field of
	// events, and (with "www.") the host its pages and Origin may have.
	Domain string
	// Origins are further hosts allowed to send events for the site, e.g.
	// "example.com" or "https://example.com" (scheme and port are ignored).
	Origins []string
	// ExcludeIPs are client addresses or CIDR prefixes ("192.0.2.0/24",
	// "2001:db8::1") whose events are answered and not stored: the owner's
	// office, say.
	ExcludeIPs []string
	// ExcludePaths are path patterns whose page views are answered and not
	// stored: "/admin/**" is /admin and everything under it, "*" matches
	// within one segment ("/tili/*/asetukset"), anything else is literal.
	ExcludePaths []string
	// Consent is the terms the site's tracker runs on.
	Consent analytics.Consent
}

// Sites are the configured sites and the hosts their pages and Origins may
// have: the domain, its www. form and the configured origins (and, with
// allowLocal, localhost). The collector and the visitor self-service share
// it, so that both accept exactly the same pages.
type Sites struct {
	byDomain map[string]*SiteRule
}

// SiteRule is one configured site: its normalised domain and the hosts
// that belong to it.
type SiteRule struct {
	domain       string
	hosts        map[string]bool
	allowLocal   bool
	excludeIPs   []netip.Prefix
	excludePaths [][]string // patterns split at "/"
	consent      analytics.Consent
}

// MaxHost is the longest host name accepted, in bytes (DNS's limit).
const MaxHost = 253

// NewSites checks and normalises the configured sites. allowLocal also
// accepts pages and Origins on localhost for every site.
func NewSites(sites []Site, allowLocal bool) (*Sites, error) {
	s := &Sites{byDomain: make(map[string]*SiteRule)}
	for _, site := range sites {
		d, err := NormalizeHost(site.Domain)
		if err != nil {
			return nil, fmt.Errorf("site %q: %v", site.Domain, err)
		}
		if _, dup := s.byDomain[d]; dup {
			return nil, fmt.Errorf("site %q configured twice", d)
		}
		consent, err := analytics.ParseConsent(string(site.Consent))
		if err != nil {
			return nil, fmt.Errorf("site %q: %v", d, err)
		}
		rule := &SiteRule{domain: d, hosts: map[string]bool{d: true, "www." + d: true}, allowLocal: allowLocal, consent: consent}
		for _, o := range site.Origins {
			h, err := NormalizeHost(o)
			if err != nil {
				return nil, fmt.Errorf("site %q: origin %q: %v", d, o, err)
			}
			rule.hosts[h] = true
		}
		for _, ip := range site.ExcludeIPs {
			p, err := parsePrefix(ip)
			if err != nil {
				return nil, fmt.Errorf("site %q: exclude_ips %q: want an address or a CIDR prefix such as 192.0.2.0/24", d, ip)
			}
			rule.excludeIPs = append(rule.excludeIPs, p)
		}
		for _, pat := range site.ExcludePaths {
			if !strings.HasPrefix(pat, "/") {
				return nil, fmt.Errorf("site %q: exclude_paths %q: a pattern starts with \"/\", e.g. \"/admin/**\"", d, pat)
			}
			segs := strings.Split(pat[1:], "/")
			for i, seg := range segs {
				if _, err := path.Match(seg, ""); err != nil {
					return nil, fmt.Errorf("site %q: exclude_paths %q: %v", d, pat, err)
				}
				if strings.Contains(seg, "**") && (seg != "**" || i != len(segs)-1) {
					return nil, fmt.Errorf("site %q: exclude_paths %q: \"**\" only as the last segment (\"/admin/**\")", d, pat)
				}
			}
			rule.excludePaths = append(rule.excludePaths, segs)
		}
		s.byDomain[d] = rule
	}
	return s, nil
}

// Rule is the site whose domain is domain (in any case), or nil.
func (s *Sites) Rule(domain string) *SiteRule { return s.byDomain[strings.ToLower(domain)] }

// Match returns the configured site that host (a domain, or a host or
// origin of one of its pages) belongs to.
func (s *Sites) Match(host string) (domain string, ok bool) {
	h, err := NormalizeHost(host)
	if err != nil {
		return "", false
	}
	if r := s.byDomain[h]; r != nil {
		return r.domain, true
	}
	for d, r := range s.byDomain {
		if r.hosts[h] {
			return d, true
		}
	}
	return "", false
}

// AllowedOrigin reports whether an Origin header belongs to the site
// domain.
func (s *Sites) AllowedOrigin(domain, origin string) bool {
	r := s.Rule(domain)
	return r != nil && r.AllowsOrigin(origin)
}

// AnyAllowsOrigin reports whether an Origin header belongs to one of the
// sites.
func (s *Sites) AnyAllowsOrigin(origin string) bool {
	for _, r := range s.byDomain {
		if r.AllowsOrigin(origin) {
			return true
		}
	}
	return false
}

// Exempt lists the domains of the sites whose tracker runs without
// consent (analytics.ConsentExempt), in name order.
func (s *Sites) Exempt() []string {
	var out []string
	for d, r := range s.byDomain {
		if r.consent == analytics.ConsentExempt {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// Consent is the terms the site's tracker runs on; ConsentRequired unless
// the site is configured exempt.
func (r *SiteRule) Consent() analytics.Consent { return r.consent }

// Domain is the site's normalised domain.
func (r *SiteRule) Domain() string { return r.domain }

// ExcludesIP reports whether events from ip are not to be stored.
func (r *SiteRule) ExcludesIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range r.excludeIPs {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ExcludesPath reports whether page views of path (as stored: decoded,
// without query) are not to be stored.
func (r *SiteRule) ExcludesPath(path string) bool {
	if len(r.excludePaths) == 0 {
		return false
	}
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, pat := range r.excludePaths {
		if matchSegments(pat, segs) {
			return true
		}
	}
	return false
}

// matchSegments matches path segments against a pattern's: "*" is any one
// segment's text (path.Match within it), a last "**" any number of
// segments, including none.
func matchSegments(pat, segs []string) bool {
	for i, p := range pat {
		if p == "**" {
			return true
		}
		if i >= len(segs) {
			return false
		}
		if ok, err := path.Match(p, segs[i]); err != nil || !ok {
			return false
		}
	}
	return len(pat) == len(segs)
}

// parsePrefix parses an address or a CIDR prefix.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// AllowsOrigin reports whether an Origin header ("https://example.fi")
// belongs to the site.
func (r *SiteRule) AllowsOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Path != "" && u.Path != "/" {
		return false
	}
	return r.AllowsHost(strings.ToLower(u.Hostname()))
}

// AllowsHost reports whether a page or an Origin on host (lower case,
// without port) belongs to the site.
func (r *SiteRule) AllowsHost(host string) bool {
	return r.hosts[host] || r.allowLocal && isLocalHost(host)
}

// NormalizeHost reduces a site domain or origin such as "Example.fi" or
// "https://example.fi:8443/" to the host form sites are keyed by:
// "example.fi".
func NormalizeHost(s string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	h, _, _ = strings.Cut(h, "/")
	if strings.HasPrefix(h, "[") {
		if i := strings.Index(h, "]"); i > 0 {
			h = h[1:i]
		}
	} else if i := strings.LastIndex(h, ":"); i >= 0 && strings.Count(h, ":") == 1 {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > MaxHost {
		return "", errors.New("want a domain name")
	}
	for _, r := range h {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '.' || r == ':') {
			return "", errors.New("want a domain name of a-z, 0-9, '-' and '.' (use the punycode form of international names)")
		}
	}
	return h, nil
}

// isLocalHost reports whether host is localhost (or a name under
// .localhost), 127.0.0.1 or ::1: the hosts allowLocal accepts.
func isLocalHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1" || strings.HasSuffix(host, ".localhost")
}
