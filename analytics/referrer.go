package analytics

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Referrers
//
// A page view keeps only the host of its referrer. ReferrerHost is the rule
// for a browser's referrer, as the collector receives it; ImportedReferrer
// applies the same rule to what other tools exported, which also write
// bare hosts ("www.google.com", "fi.wikipedia.org/wiki/Kuopio") and names
// of known sources ("Google", "duckduckgo", "Hacker News"). A known name
// becomes the host the collector stores for that site's referrer, so that
// imported and collected rows merge and ChannelOf sorts them alike.

// Limits of a referrer.
const (
	maxReferrer = 2048 // bytes of a referrer accepted at all (the collector's limit of a URL)
	maxHost     = 253  // bytes of a host name (DNS's limit)
)

// ReferrerHost returns what is kept of a browser's referrer: the host of
// an http or https URL, lower-cased, without scheme, credentials, port,
// path, query and fragment. It is "" for anything else: no referrer, an
// app's referrer (android-app://...), a host longer than DNS allows or one
// with control characters. A host in Unicode stays in Unicode and one in
// punycode (xn--) stays in punycode: neither is converted to the other.
func ReferrerHost(raw string) string {
	if raw == "" || len(raw) > maxReferrer {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	return cleanHost(u.Hostname())
}

// ImportedReferrer returns the referrer host of an imported row, by the
// same rule as ReferrerHost, from the referrer as another tool wrote it
// and, when that is empty or not a web address, from its source name. Both
// may be:
//
//   - an http(s) URL, as ReferrerHost takes it;
//   - a host with or without a path, query or port ("www.google.com",
//     "google.com/search?q=x", "//news.example:8080/a"), as the URL with
//     that host would give;
//   - a known source name, in any case ("Google", "duckduckgo", "Hacker
//     News", "X (Twitter)"): the host the collector stores for that site's
//     referrer (sourceHosts); "(direct)" and "Direct / None" are no
//     referrer;
//   - any other name without ":", "/", "@", "?" or "#" ("RSS", "Slack
//     Chat"): kept as written; ChannelOf counts it as Referral (GoatCounter's
//     "Email" as Email).
//
// Anything else (another scheme, invalid UTF-8, control characters, more
// than a host's 253 bytes of name) is no referrer. Tools that strip "www."
// from the referrer (Plausible writes "google.com" for source "Google")
// get it back when the source name's host is exactly that host with
// "www.", so that their rows merge with collected ones.
func ImportedReferrer(referrer, source string) string {
	host := importedHost(referrer)
	name := importedHost(source)
	switch {
	case host == "":
		return name
	case name == "www."+host:
		return name
	}
	return host
}

// importedHost is ImportedReferrer for one value.
func importedHost(raw string) string {
	s := strings.TrimSpace(raw)
	if s == "" || len(s) > maxReferrer || !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
		return ""
	}
	if h, ok := sourceHosts[strings.ToLower(s)]; ok {
		return h
	}
	if hasScheme(s) {
		return ReferrerHost(s)
	}
	if h := bareHost(s); h != "" {
		return h
	}
	if len(s) > maxHost || strings.ContainsAny(s, ":/@?#") {
		return ""
	}
	return s
}

// hasScheme reports whether s starts with a URL scheme ("https:",
// "android-app:", "mailto:"): letters, digits, "+" and "-" before a ":"
// that does not start a port ("localhost:8080" and "example.com:443/x"
// have none).
func hasScheme(s string) bool {
	i := strings.IndexByte(s, ':')
	if i <= 0 || i+1 < len(s) && '0' <= s[i+1] && s[i+1] <= '9' {
		return false
	}
	for j, c := range s[:i] {
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (j == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-')) {
			return false
		}
	}
	return true
}

// bareHost is the host of s read as a URL without its scheme, or "" when
// s does not start with a host name that has a dot.
func bareHost(s string) string {
	u, err := url.Parse("//" + strings.TrimPrefix(s, "//"))
	if err != nil || u.Host == "" {
		return ""
	}
	h := u.Hostname()
	if !isHostName(h) {
		return ""
	}
	return cleanHost(h)
}

// isHostName reports whether h is labels of letters, digits, "-" and "_"
// joined by dots, at least two of them; a trailing dot is allowed.
func isHostName(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if !strings.Contains(h, ".") {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" {
			return false
		}
		for _, c := range label {
			if !unicode.IsLetter(c) && !unicode.IsDigit(c) && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}

func cleanHost(h string) string {
	h = strings.ToLower(h)
	if len(h) > maxHost || strings.ContainsFunc(h, isControl) {
		return ""
	}
	return h
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// sourceHosts maps source names, lower-case, to the host the collector
// stores for a browser's referrer from that site: the host a link there
// sends (Google search sends https://www.google.com/, X sends
// https://t.co/). They are the names GA4 writes as sessionSource with
// medium organic, Plausible as its source (its referrer database's names)
// and GoatCounter as its generated referrers (ref_scheme g). A name that
// stands for many sites or for an app without a web referrer ("RSS",
// "Wikipedia", "Slack Chat") is not here and is kept as written; so is
// "Email", GoatCounter's name for all webmail, which ChannelOf counts as
// Email.
var sourceHosts = map[string]string{
	// no referrer
	"(direct)":      "",
	"(none)":        "",
	"direct":        "",
	"direct / none": "",

	// search
	"google":     "www.google.com",
	"bing":       "www.bing.com",
	"duckduckgo": "duckduckgo.com",
	"yahoo":      "search.yahoo.com",
	"yahoo!":     "search.yahoo.com",
	"yandex":     "yandex.ru",
	"baidu":      "www.baidu.com",
	"ecosia":     "www.ecosia.org",
	"startpage":  "www.startpage.com",
	"qwant":      "www.qwant.com",
	"brave":      "search.brave.com",
	"kagi":       "kagi.com",
	"naver":      "search.naver.com",
	"seznam":     "search.seznam.cz",
	"sogou":      "www.sogou.com",

	// social
	"facebook":           "www.facebook.com",
	"instagram":          "www.instagram.com",
	"twitter":            "t.co",
	"x":                  "t.co",
	"x (twitter)":        "t.co",
	"linkedin":           "www.linkedin.com",
	"reddit":             "www.reddit.com",
	"pinterest":          "www.pinterest.com",
	"tiktok":             "www.tiktok.com",
	"hacker news":        "news.ycombinator.com",
	"telegram":           "t.me",
	"telegram messenger": "t.me",
	"whatsapp":           "web.whatsapp.com",
	"bluesky":            "bsky.app",
	"threads":            "www.threads.net",
	"discord":            "discord.com",
	"vk":                 "vk.com",

	// video
	"youtube": "www.youtube.com",
	"vimeo":   "vimeo.com",
	"twitch":  "www.twitch.tv",

	// webmail
	"gmail":       "mail.google.com",
	"outlook":     "outlook.live.com",
	"outlook.com": "outlook.live.com",
	"yahoo! mail": "mail.yahoo.com",

	// AI assistants
	"chatgpt":    "chatgpt.com",
	"perplexity": "www.perplexity.ai",
	"claude":     "claude.ai",
	"gemini":     "gemini.google.com",
	"copilot":    "copilot.microsoft.com",

	// no channel of their own (Referral)
	"github": "github.com",
}
