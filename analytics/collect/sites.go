package collect

import (
	"fmt"
	"net/url"
	"strings"
)

// Sites are the configured sites and the hosts their pages and Origins may
// have: the domain, its www. form and the configured origins (and, with
// allowLocal, localhost). The collector and the visitor self-service share
// it, so that both accept exactly the same pages.
type Sites struct {
	byDomain   map[string]*siteRule
	allowLocal bool
}

type siteRule struct {
	domain string
	hosts  map[string]bool
}

// NewSites checks and normalises the configured sites.
func NewSites(sites []Site, allowLocal bool) (*Sites, error) {
	s := &Sites{byDomain: make(map[string]*siteRule), allowLocal: allowLocal}
	for _, site := range sites {
		d, err := normalizeHost(site.Domain)
		if err != nil {
			return nil, fmt.Errorf("collect: site %q: %v", site.Domain, err)
		}
		if _, dup := s.byDomain[d]; dup {
			return nil, fmt.Errorf("collect: site %q configured twice", d)
		}
		rule := &siteRule{domain: d, hosts: map[string]bool{d: true, "www." + d: true}}
		for _, o := range site.Origins {
			h, err := normalizeHost(o)
			if err != nil {
				return nil, fmt.Errorf("collect: site %q: origin %q: %v", d, o, err)
			}
			rule.hosts[h] = true
		}
		s.byDomain[d] = rule
	}
	return s, nil
}

// rule is the site whose domain is domain, or nil.
func (s *Sites) rule(domain string) *siteRule { return s.byDomain[strings.ToLower(domain)] }

// Match returns the configured site that host (a domain, or a host or
// origin of one of its pages) belongs to.
func (s *Sites) Match(host string) (domain string, ok bool) {
	h, err := normalizeHost(host)
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
	r := s.rule(domain)
	return r != nil && s.allowedOrigin(r, origin)
}

func (s *Sites) allowedOrigin(r *siteRule, origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Path != "" && u.Path != "/" {
		return false
	}
	return s.allowedHost(r, strings.ToLower(u.Hostname()))
}

// allowedHost reports whether a page or an Origin on host belongs to site r.
func (s *Sites) allowedHost(r *siteRule, host string) bool {
	return r.hosts[host] || s.allowLocal && isLocalHost(host)
}
