package collect

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParsePage(t *testing.T) {
	tests := []struct {
		raw  string
		want page
		ok   bool
	}{
		{"https://Example.FI:8443/a/b?x=1&utm_source=news&utm_medium=e%20mail&utm_term=&utm_content=c#frag", page{host: "example.fi", path: "/a/b", utm: [5]string{"news", "e mail", "", "", "c"}}, true},
		{"https://example.fi", page{host: "example.fi", path: "/"}, true},
		{"http://user:pw@example.fi/p", page{host: "example.fi", path: "/p"}, true},
		{"https://example.fi/%C3%A4%20x", page{host: "example.fi", path: "/ä x"}, true},
		{"https://example.fi/%FF%00", page{host: "example.fi", path: "/%FF%00"}, true},
		{"https://example.fi/?utm%5Fsource=enc&utm_source=second", page{host: "example.fi", path: "/", utm: [5]string{"enc"}}, true},
		{"https://example.fi/?utm_campaign=%FFok%0A", page{host: "example.fi", path: "/", utm: [5]string{"", "", "ok"}}, true},
		{"https://example.fi/#/hinnasto", page{host: "example.fi", path: "/#/hinnasto"}, true},
		{"https://example.fi/app/#/tilaus/kiitos?token=secret", page{host: "example.fi", path: "/app/#/tilaus/kiitos"}, true},
		{"https://example.fi/#/%C3%A4", page{host: "example.fi", path: "/#/ä"}, true},
		{"https://example.fi/a#access_token=secret", page{host: "example.fi", path: "/a"}, true},
		{"https://example.fi/a#:~:text=hello", page{host: "example.fi", path: "/a"}, true},
		{"ftp://example.fi/", page{}, false},
		{"/relative", page{}, false},
		{"https:///nohost", page{}, false},
		{"https://example.fi/" + strings.Repeat("x", 3000), page{}, false},
	}
	for _, tt := range tests {
		got, ok := parsePage(tt.raw, true)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parsePage(%.60q) = %+v, %v; want %+v, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
		// Without a statement that describes routes, none is kept.
		if path, _, _ := strings.Cut(tt.want.path, "#"); ok {
			if got, _ := parsePage(tt.raw, false); got.path != path {
				t.Errorf("parsePage(%.60q) without routes: path %q, want %q", tt.raw, got.path, path)
			}
		}
	}
	long, ok := parsePage("https://example.fi/"+strings.Repeat("ä", 1000), true)
	if !ok || len(long.path) > MaxPath || !strings.HasPrefix(long.path, "/ää") || strings.ToValidUTF8(long.path, "") != long.path {
		t.Errorf("long path: %d bytes, valid UTF-8 %v", len(long.path), strings.ToValidUTF8(long.path, "") == long.path)
	}
}

// FuzzSimpleURL checks parsePage, whose simple URLs skip url.Parse,
// against parsePageParsed, which reads every URL with url.Parse.
func FuzzSimpleURL(f *testing.F) {
	for _, s := range []string{
		"https://example.fi/a/b?x=1&utm_source=news#frag", "http://example.fi", "https://example.fi?q#/r?x",
		"https://example.fi#a?b/c", "https://a.b-c.fi/x?y?z#/w#v", "https://example.fi/a b", "https://Example.fi/",
		"https://example.fi:8443/", "https://u@example.fi/", "https://example.fi/%41", "https:///x", "https://",
		"https://example.fi/\x7f", "https://[::1]/", "https://example.fi/ä", "HTTPS://example.fi/", "https://example.fi/a\\b{}|^`<>\"'#/{x}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if _, _, _, _, ok := simpleURL(raw); !ok {
			return
		}
		for _, routes := range []bool{false, true} {
			got, ok := parsePage(raw, routes)
			want, wantOK := parsePageParsed(raw, routes)
			if got != want || ok != wantOK {
				t.Fatalf("parsePage(%q, %v) = %+v, %v; with url.Parse %+v, %v", raw, routes, got, ok, want, wantOK)
			}
		}
	})
}

// parsePageParsed is parsePage as it was before simpleURL: url.Parse for
// every URL.
func parsePageParsed(raw string, routes bool) (page, bool) {
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
