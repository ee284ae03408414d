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
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
		return page{}, false
	}
	p := page{host: strings.ToLower(u.Hostname())}
	if p.host == "" || len(p.host) > maxHost {
		return page{}, false
	}
	p.path = u.Path
	if !utf8.ValidString(p.path) || strings.ContainsFunc(p.path, isControl) {
		// Percent-encoded bytes that are not text: keep them encoded.
		p.path = u.EscapedPath()
	}
	if p.path == "" {
		p.path = pathRoot
	}
	if route, ok := strings.CutPrefix(u.Fragment, "/"); ok && routes {
		route, _, _ = strings.Cut(route, "?")
		if !utf8.ValidString(route) || strings.ContainsFunc(route, isControl) {
			route, _, _ = strings.Cut(strings.TrimPrefix(u.EscapedFragment(), "/"), "?")
		}
		p.path += "#/" + route
	}
	p.path = cut(p.path, MaxPath)
	if u.RawQuery != "" {
		p.utm = parseUTM(u.RawQuery)
	}
	return p, true
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
