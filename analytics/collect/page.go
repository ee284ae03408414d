package collect

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/seloste/seloste/analytics/request"
)

// Limits of what is stored from a URL.
const (
	MaxPath  = 1024 // bytes of a stored path; longer paths are cut
	maxUTM   = 256  // bytes of a stored utm_* value
	maxHost  = request.MaxHost
	maxURL   = 2048 // bytes of a page URL or referrer accepted at all
	pathRoot = "/"
)

// page is what is kept of a page URL.
type page struct {
	host string // lower case, without port
	path string
	utm  [5]string // source, medium, campaign, term, content
}

var utmKeys = [5]string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}

// parsePage reduces an absolute http(s) URL to its host, path and utm_*
// parameters. Everything else in the query and any user info are dropped,
// and so is the fragment, unless it is a hash router's route: one that
// begins with "/" (s.js sends it only with data-hash) is kept up to any
// "?" as part of the page, "/#/hinnasto", when routes is set (the
// statement describes them). Other fragments may hold
// anything (an access token, a text fragment), so they never get in.
func parsePage(raw string, routes bool) (page, bool) {
	if len(raw) > maxURL {
		return page{}, false
	}
	host, path, query, fragment, simple := simpleURL(raw)
	var u *url.URL // nil for a simple URL
	if !simple {
		var err error
		u, err = url.Parse(raw)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
			return page{}, false
		}
		host, path, query, fragment = strings.ToLower(u.Hostname()), u.Path, u.RawQuery, u.Fragment
	}
	p := page{host: host}
	if p.host == "" || len(p.host) > maxHost {
		return page{}, false
	}
	p.path = path
	if u != nil && (!utf8.ValidString(p.path) || strings.ContainsFunc(p.path, isControl)) {
		// Percent-encoded bytes that are not text: keep them encoded.
		p.path = u.EscapedPath()
	}
	if p.path == "" {
		p.path = pathRoot
	}
	if route, ok := strings.CutPrefix(fragment, "/"); ok && routes {
		route, _, _ = strings.Cut(route, "?")
		if u != nil && (!utf8.ValidString(route) || strings.ContainsFunc(route, isControl)) {
			route, _, _ = strings.Cut(strings.TrimPrefix(u.EscapedFragment(), "/"), "?")
		}
		p.path += "#/" + route
	}
	p.path = cut(p.path, MaxPath)
	if query != "" {
		p.utm = parseUTM(query)
	}
	return p, true
}

// simpleURL splits an http(s) URL of printable ASCII without
// percent-escapes, whose host is lower-case letters, digits, dots and
// hyphens (what browsers send for nearly every page), as url.Parse
// would, without its allocations: the host, the path (the same escaped
// or not), the raw query and the fragment. ok is false for any other URL,
// which parsePage leaves to url.Parse.
func simpleURL(raw string) (host, path, query, fragment string, ok bool) {
	rest, found := strings.CutPrefix(raw, "https://")
	if !found {
		if rest, found = strings.CutPrefix(raw, "http://"); !found {
			return "", "", "", "", false
		}
	}
	for i := 0; i < len(rest); i++ {
		if b := rest[i]; b <= ' ' || b >= 0x7f || b == '%' {
			return "", "", "", "", false
		}
	}
	// As url.Parse cuts: the fragment at the first "#", the query at the
	// first "?" before it, the host at the first "/".
	rest, fragment, _ = strings.Cut(rest, "#")
	rest, query, _ = strings.Cut(rest, "?")
	host, path = rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		host, path = rest[:i], rest[i:]
	}
	if host == "" {
		return "", "", "", "", false
	}
	for i := 0; i < len(host); i++ {
		if b := host[i]; !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '.' || b == '-') {
			return "", "", "", "", false
		}
	}
	return host, path, query, fragment, true
}

// parseUTM picks the utm_* parameters out of a raw query; the first value of
// each wins. Values are cut to maxUTM bytes of valid UTF-8.
func parseUTM(q string) (utm [5]string) {
	for q != "" {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		k, v, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "utm") { // "utm_" or percent-encoded "utm%5F"
			continue
		}
		k, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		for i, name := range utmKeys {
			if k != name || utm[i] != "" {
				continue
			}
			v, err := url.QueryUnescape(v)
			if err != nil {
				break
			}
			v = strings.TrimSpace(strings.Map(dropControl, strings.ToValidUTF8(v, "")))
			utm[i] = cut(v, maxUTM)
		}
	}
	return utm
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func dropControl(r rune) rune {
	if isControl(r) {
		return -1
	}
	return r
}

// cut shortens s to at most n bytes without splitting a UTF-8 sequence.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
