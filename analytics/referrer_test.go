package analytics

import (
	"strings"
	"testing"
)

func TestReferrerHost(t *testing.T) {
	for raw, want := range map[string]string{
		"":                                                "",
		"https://DuckDuckGo.com/?q=x":                     "duckduckgo.com",
		"HTTPS://www.Google.FI/":                          "www.google.fi",
		"http://news.example:8080/a":                      "news.example",
		"https://user:pass@example.com/x":                 "example.com",
		"https://example.com/#frag":                       "example.com",
		"https://Bücher.example/":                         "bücher.example", // Unicode stays Unicode
		"https://xn--bcher-kva.example/":                  "xn--bcher-kva.example",
		"https://b%C3%BCcher.example/":                    "bücher.example",
		"android-app://com.google.app/":                   "",
		"www.google.com":                                  "", // a browser sends a URL
		"not a url":                                       "",
		"https:":                                          "",
		"https://example.fi/" + "\x00bad":                 "",
		"https://" + strings.Repeat("a.", 127) + "fi/":    "",
		"https://example.fi/" + strings.Repeat("a", 2048): "",
	} {
		if got := ReferrerHost(raw); got != want {
			t.Errorf("ReferrerHost(%q) = %q, want %q", raw, got, want)
		}
	}
}

// importedCase is a referrer as a tool exported it, and the referrer a
// browser sent for the same visit.
type importedCase struct {
	tool             string
	referrer, source string
	browser          string // the browser's referrer the collector got, "" for none
}

// importedCases: every known source, as each tool writes it, gives the
// host the collector stores for a browser's referrer from there.
var importedCases = []importedCase{
	// GoatCounter's export: ref_scheme h is host and path without the
	// scheme; o is anything else (older versions: whole URLs); g a name
	// it generated for a group of referrers.
	{"goatcounter h", "www.reddit.com/r/programming", "", "https://www.reddit.com/r/programming/top"},
	{"goatcounter h", "duckduckgo.com", "", "https://duckduckgo.com/"},
	{"goatcounter h", "en.wikipedia.org/wiki/Foo", "", "https://en.wikipedia.org/wiki/Foo"},
	{"goatcounter o", "https://www.google.fi/", "", "https://www.google.fi/"},
	{"goatcounter o", "https://fi.wikipedia.org/wiki/Kuopio", "", "https://fi.wikipedia.org/wiki/Kuopio"},
	{"goatcounter o", "https://duckduckgo.com", "", "https://duckduckgo.com/"},
	{"goatcounter o", "", "", ""},
	{"goatcounter g", "Google", "", "https://www.google.com/"},
	{"goatcounter g", "Yahoo", "", "https://search.yahoo.com/search?p=x"},
	{"goatcounter g", "Yandex", "", "https://yandex.ru/"},
	{"goatcounter g", "Baidu", "", "https://www.baidu.com/"},
	{"goatcounter g", "Hacker News", "", "https://news.ycombinator.com/"},
	{"goatcounter g", "www.facebook.com", "", "https://www.facebook.com/"},
	{"goatcounter g", "Telegram Messenger", "", "https://t.me/"},

	// Plausible's export: referrer is host (without "www.") and path,
	// source its name for the site; seloste's own export and hand-made
	// files put URLs in referrer.
	{"plausible", "https://www.google.com/search?q=x", "Google", "https://www.google.com/"},
	{"plausible", "google.com", "Google", "https://www.google.com/"},
	{"plausible", "bing.com/search", "Bing", "https://www.bing.com/search?q=x"},
	{"plausible", "duckduckgo.com", "DuckDuckGo", "https://duckduckgo.com/"},
	{"plausible", "l.facebook.com", "Facebook", "https://l.facebook.com/"},
	{"plausible", "m.facebook.com", "Facebook", "https://m.facebook.com/"},
	{"plausible", "reddit.com/r/finland", "Reddit", "https://www.reddit.com/r/finland"},
	{"plausible", "t.co/abc", "Twitter", "https://t.co/abc"},
	{"plausible", "fi.wikipedia.org/wiki/Kuopio", "Wikipedia", "https://fi.wikipedia.org/wiki/Kuopio"},
	{"plausible", "news.ycombinator.com", "Hacker News", "https://news.ycombinator.com/"},
	{"plausible", "", "Google", "https://www.google.com/"},
	{"plausible", "", "DuckDuckGo", "https://duckduckgo.com/"},
	{"plausible", "", "X (Twitter)", "https://t.co/"},
	{"plausible", "", "Gmail", "https://mail.google.com/"},
	{"plausible", "android-app://com.google.android.gm", "Gmail", "https://mail.google.com/"},
	{"plausible", "", "Direct / None", ""},
	{"plausible", "", "", ""},

	// GA4's sessionSource (medium organic, referral or none).
	{"ga4", "", "google", "https://www.google.com/"},
	{"ga4", "", "bing", "https://www.bing.com/"},
	{"ga4", "", "duckduckgo", "https://duckduckgo.com/"},
	{"ga4", "", "ecosia.org", "https://ecosia.org/"},
	{"ga4", "", "l.facebook.com", "https://l.facebook.com/"},
	{"ga4", "", "m.youtube.com", "https://m.youtube.com/"},
	{"ga4", "", "(direct)", ""},
}

func TestImportedReferrer(t *testing.T) {
	for _, c := range importedCases {
		want := ReferrerHost(c.browser)
		got := ImportedReferrer(c.referrer, c.source)
		if got != want {
			t.Errorf("%s: ImportedReferrer(%q, %q) = %q, want %q as collected from %q", c.tool, c.referrer, c.source, got, want, c.browser)
		}
		if g, w := ChannelOf(got, "", "", ""), ChannelOf(want, "", "", ""); g != w {
			t.Errorf("%s: %q %q is %s, collected %s", c.tool, c.referrer, c.source, g, w)
		}
	}
	// Every known name gives a host of the same channel as the name
	// itself, and a host ReferrerHost keeps.
	for name, host := range sourceHosts {
		if host == "" {
			continue
		}
		if ReferrerHost("https://"+host+"/") != host {
			t.Errorf("%q: %q is not a host the collector stores", name, host)
		}
		// ChannelOf knows some names as utm_source values ("hackernews").
		bare := strings.ReplaceAll(name, " ", "")
		if c, n := ChannelOf(host, "", "", ""), ChannelOf("", bare, "", ""); categoryOf(bare) != catUnknown && c != n {
			t.Errorf("%q → %q: channel %s, the name's %s", name, host, c, n)
		}
	}
}

// TestImportedReferrerOwnHosts: a host the tool wrote without "www." stays
// so (the site may have been reached without it); its channel is the
// collected one's.
func TestImportedReferrerOwnHosts(t *testing.T) {
	for _, c := range []importedCase{
		{"plausible", "google.fi", "Google", "https://www.google.fi/"},
		{"plausible", "google.de", "Google", "https://www.google.de/"},
	} {
		got, want := ImportedReferrer(c.referrer, c.source), ReferrerHost(c.browser)
		if got != strings.TrimPrefix(want, "www.") || ChannelOf(got, "", "", "") != ChannelOf(want, "", "", "") {
			t.Errorf("%s: ImportedReferrer(%q, %q) = %q (%s), collected %q (%s)", c.tool, c.referrer, c.source,
				got, ChannelOf(got, "", "", ""), want, ChannelOf(want, "", "", ""))
		}
	}
}

func TestImportedReferrerForms(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"www.google.com", "www.google.com"},
		{"twitter.com/search?q=https%3A%2F%2Ft.co%2Fasd", "twitter.com"},
		{"google.com/search?q=x", "google.com"},
		{"WWW.Example.COM:8080/a#b", "www.example.com"},
		{"//news.example/a", "news.example"},
		{"https://user:pass@example.com:443/x?y#z", "example.com"},
		{"Bücher.example/a", "bücher.example"},
		{"  duckduckgo.com  ", "duckduckgo.com"},
		{"GOOGLE", "www.google.com"},
		{"RSS", "RSS"},
		{"Slack Chat", "Slack Chat"},
		{"Email", "Email"},
		{"https:", ""},
		{"https://", ""},
		{"android-app://com.slack", ""},
		{"ftp://example.com/", ""},
		{"localhost:8080", ""},
		{"mailto:a@example.com", ""},
		{"bad\x00host.example", ""},
		{"\xff\xfe", ""},
		{strings.Repeat("x", 254), ""},
	} {
		if got := ImportedReferrer(c.raw, ""); got != c.want {
			t.Errorf("ImportedReferrer(%q) = %q, want %q", c.raw, got, c.want)
		}
		if got := ImportedReferrer("", c.raw); got != c.want {
			t.Errorf("ImportedReferrer(\"\", %q) = %q, want %q", c.raw, got, c.want)
		}
	}
	if got := ChannelOf(ImportedReferrer("Email", ""), "", "", ""); got != ChannelEmail {
		t.Errorf("GoatCounter's Email is %s, want %s", got, ChannelEmail)
	}
}
