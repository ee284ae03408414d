// Traffic channels
//
// ChannelOf sorts a visit into one traffic channel ("Organic Search",
// "Email", ...). The model is Google Analytics 4's default channel group
// (support.google.com/analytics/answer/9756891): the same channel names, the
// same rules and the same order of evaluation, as far as they apply to what
// seloste stores. Ad-click ids (gclid, fbclid, ...) are never collected, so
// GA4's rules that rely on Google Ads data cannot apply; only the referrer
// host and the utm_source, utm_medium and utm_campaign values of the visit's
// entry page view are used.
//
// # Source and medium
//
// As in GA4, every visit first gets a source and a medium:
//
//   - A tagged visit (utm_source or utm_medium set) takes them from the UTM
//     values. When utm_source is missing, the referrer host stands in for it.
//   - An untagged visit with a referrer has the referrer host as its source
//     and a medium derived from it: "organic" for a search site, "email" for
//     a webmail site, "referral" for anything else.
//   - An untagged visit without a referrer is "(direct)" / "(none)".
//
// utm_campaign alone does not tag a visit, but it is always read by the
// campaign rules below. All comparisons ignore case.
//
// # Rules, first match wins
//
// The paid-medium pattern is GA4's ^(.*cp.*|ppc|retargeting|paid.*)$: a
// medium that contains "cp", is "ppc" or "retargeting", or starts with
// "paid". A shopping campaign is one whose name contains "shopping", or
// "shop" at the start or after any byte but the letters a-d and f-z (GA4's
// ^(.*(([^a-df-z]|^)shop|shopping).*)$: "e-shop", "eshop" and "shop_fi" are
// shopping campaigns, "workshop" is not).
//
//   1. Direct: source "(direct)" and medium "(none)", "(not set)" or empty.
//   2. Cross-network: the campaign contains "cross-network".
//   3. Paid Shopping: a shopping source or a shopping campaign, and a paid medium.
//   4. Paid Search: a search source and a paid medium.
//   5. Paid Social: a social source and a paid medium.
//   6. Paid Video: a video source and a paid medium.
//   7. Display: medium "display", "banner", "expandable", "interstitial" or "cpm".
//   8. Paid Other: any other paid medium.
//   9. Organic Shopping: a shopping source or a shopping campaign.
//  10. Organic Social: a social source, or medium "social", "social-network",
//      "social-media", "sm", "social network" or "social media".
//  11. Organic Video: a video source, or a medium that contains "video".
//  12. Organic Search: a search source, or medium "organic".
//  13. AI Assistants: an AI-assistant source (seloste's addition, as Matomo
//      5.8 has; ChatGPT tags its links utm_source=chatgpt.com, so a tagged
//      visit without a paid, social, video, shopping or search medium
//      counts too).
//  14. Referral: medium "referral", "app" or "link".
//  15. Email: source or medium "email", "e-mail", "e_mail" or "e mail", or a
//      webmail source (the last is seloste's addition).
//  16. Affiliates: medium "affiliate".
//  17. Audio: medium "audio".
//  18. SMS: source or medium "sms".
//  19. Mobile Push Notifications: a medium that ends with "push" or contains
//      "mobile" or "notification", or source "firebase".
//  20. Referral, again: any visit that has a referrer host (seloste's
//      addition; GA4 calls a tagged visit with an unknown medium Unassigned
//      even when it knows where it came from).
//  21. Unassigned: everything else, e.g. an unknown utm_medium and no referrer.
//
// A referrer on the site's own hosts never reaches ChannelOf: the collector
// stores an empty referrer for same-site navigation, so an internal page view
// without UTM values would count as Direct.
//
// # Site lists
//
// GA4 decides "a search source" and the like with lists of sites per
// category. The lists below are seloste's own, written for this project and
// kept short: the big international sites plus the ones that matter in
// Finland and the Nordics. The categories are search, social, video,
// shopping, webmail and AI assistants, plus a handful of hosts listed as no category at all
// (docs.google.com is not a search engine). Mastodon, Lemmy and other
// federated networks run on thousands of independent hosts that no list can
// hold; only their largest instances are listed, the rest count as Referral.
// AI assistants (chatgpt.com, perplexity.ai, claude.ai, ...) have no GA4
// channel; they get seloste's own, "AI Assistants", from one list of the
// assistants' own hosts (an answer's link opens from there), not of their
// makers' other sites.
//
// # Host matching
//
// A source is matched after lower-casing it and dropping a trailing dot, in
// three ways:
//
//   - siteDomains holds domains. A host matches its own entry or the entry
//     of any parent domain, the longest first: "l.facebook.com",
//     "m.facebook.com" and "www.facebook.com" all match "facebook.com", so no
//     "www." or "m." needs stripping, and the more specific
//     "mail.google.com" (webmail) wins over "google.*" (search).
//   - siteBrands holds names that are the same site under many country
//     domains: "google" matches google.com, google.fi, google.co.uk,
//     google.com.au and their subdomains, i.e. the name followed by "com", a
//     two-letter country code, or "co." or "com." and one.
//   - siteNames holds bare utm_source values that are not hosts, like "fb",
//     "ig" or "linkedin". Every brand is a bare name too ("google").
//
// The lookup is a few map reads per label of the host, with no regular
// expressions and no allocation; only a value with upper-case or non-ASCII
// letters is copied to lower-case first.
//
// (This block is deliberately not attached to the package clause: doc.go
// holds the package comment, and go doc would otherwise open with it.)

package analytics

import "strings"

// Channel names, the strings shown in reports.
const (
	ChannelDirect          = "Direct"
	ChannelOrganicSearch   = "Organic Search"
	ChannelPaidSearch      = "Paid Search"
	ChannelOrganicSocial   = "Organic Social"
	ChannelPaidSocial      = "Paid Social"
	ChannelOrganicVideo    = "Organic Video"
	ChannelPaidVideo       = "Paid Video"
	ChannelOrganicShopping = "Organic Shopping"
	ChannelPaidShopping    = "Paid Shopping"
	ChannelDisplay         = "Display"
	ChannelPaidOther       = "Paid Other"
	ChannelEmail           = "Email"
	ChannelAffiliates      = "Affiliates"
	ChannelReferral        = "Referral"
	ChannelAudio           = "Audio"
	ChannelSMS             = "SMS"
	ChannelMobilePush      = "Mobile Push Notifications"
	ChannelCrossNetwork    = "Cross-network"
	ChannelAIAssistants    = "AI Assistants"
	ChannelUnassigned      = "Unassigned"
)

// Channels lists every channel ChannelOf returns, in report order: Direct,
// then the organic and paid pairs of search, social, video and shopping,
// then the other advertising channels, the unpaid ones, and Unassigned last.
// An engine that stores a channel by its position here rebuilds what it
// stored when the list changes (a schema migration).
// This is not the order in which the rules are evaluated.
var Channels = []string{
	ChannelDirect,
	ChannelOrganicSearch, ChannelPaidSearch,
	ChannelOrganicSocial, ChannelPaidSocial,
	ChannelOrganicVideo, ChannelPaidVideo,
	ChannelOrganicShopping, ChannelPaidShopping,
	ChannelDisplay, ChannelPaidOther, ChannelCrossNetwork,
	ChannelAIAssistants,
	ChannelEmail, ChannelAffiliates, ChannelReferral,
	ChannelAudio, ChannelSMS, ChannelMobilePush,
	ChannelUnassigned,
}

// ChannelOf returns the channel of a visit from its entry page view's
// referrer host (host only, e.g. "www.google.com", "" when none) and its
// utm_source, utm_medium and utm_campaign values. It follows GA4's default
// channel group; the rules, their order and the site lists are described at
// the top of channel.go.
func ChannelOf(referrerHost, utmSource, utmMedium, utmCampaign string) string {
	ref := trimDot(lowerASCII(referrerHost))
	source := lowerASCII(utmSource)
	medium := lowerASCII(utmMedium)
	campaign := lowerASCII(utmCampaign)

	var cat siteCategory
	if source != "" || medium != "" {
		if source == "" {
			source = ref
		}
		if source == "" {
			source = "(direct)"
		}
		cat = categoryOf(trimDot(source))
	} else if ref != "" {
		source = ref
		cat = categoryOf(ref)
		switch cat {
		case catSearch:
			medium = "organic"
		case catEmail:
			medium = "email"
		default:
			medium = "referral"
		}
	} else {
		source, medium = "(direct)", "(none)"
	}

	if source == "(direct)" && (medium == "" || medium == "(none)" || medium == "(not set)") {
		return ChannelDirect
	}
	if strings.Contains(campaign, "cross-network") {
		return ChannelCrossNetwork
	}
	paid := isPaidMedium(medium)
	shopping := cat == catShopping || isShoppingCampaign(campaign)
	if paid {
		switch {
		case shopping:
			return ChannelPaidShopping
		case cat == catSearch:
			return ChannelPaidSearch
		case cat == catSocial:
			return ChannelPaidSocial
		case cat == catVideo:
			return ChannelPaidVideo
		}
	}
	switch medium {
	case "display", "banner", "expandable", "interstitial", "cpm":
		return ChannelDisplay
	}
	if paid {
		return ChannelPaidOther
	}
	if shopping {
		return ChannelOrganicShopping
	}
	switch medium {
	case "social", "social-network", "social-media", "sm", "social network", "social media":
		return ChannelOrganicSocial
	}
	if cat == catSocial {
		return ChannelOrganicSocial
	}
	if cat == catVideo || strings.Contains(medium, "video") {
		return ChannelOrganicVideo
	}
	if cat == catSearch || medium == "organic" {
		return ChannelOrganicSearch
	}
	if cat == catAI {
		return ChannelAIAssistants
	}
	switch medium {
	case "referral", "app", "link":
		return ChannelReferral
	}
	if cat == catEmail || isEmailWord(source) || isEmailWord(medium) {
		return ChannelEmail
	}
	switch {
	case medium == "affiliate":
		return ChannelAffiliates
	case medium == "audio":
		return ChannelAudio
	case source == "sms" || medium == "sms":
		return ChannelSMS
	case strings.HasSuffix(medium, "push") || strings.Contains(medium, "mobile") ||
		strings.Contains(medium, "notification") || source == "firebase":
		return ChannelMobilePush
	case ref != "":
		return ChannelReferral
	}
	return ChannelUnassigned
}

// isPaidMedium is GA4's ^(.*cp.*|ppc|retargeting|paid.*)$.
func isPaidMedium(m string) bool {
	return strings.Contains(m, "cp") || m == "ppc" || m == "retargeting" || strings.HasPrefix(m, "paid")
}

// isShoppingCampaign is GA4's ^(.*(([^a-df-z]|^)shop|shopping).*)$: the name
// contains "shopping", or "shop" at the start or after a byte that is not a
// lower-case letter other than "e".
func isShoppingCampaign(c string) bool {
	if strings.Contains(c, "shopping") {
		return true
	}
	for i := 0; ; {
		j := strings.Index(c[i:], "shop")
		if j < 0 {
			return false
		}
		i += j
		if i == 0 {
			return true
		}
		if b := c[i-1]; b < 'a' || b > 'z' || b == 'e' {
			return true
		}
		i++
	}
}

func isEmailWord(s string) bool {
	switch s {
	case "email", "e-mail", "e_mail", "e mail":
		return true
	}
	return false
}

// lowerASCII returns s lower-cased, and s itself when it is ASCII without
// upper-case letters, which is the common case and costs no allocation.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

func trimDot(s string) string { return strings.TrimSuffix(s, ".") }

// siteCategory is what the site lists say a source is.
type siteCategory uint8

const (
	catUnknown  siteCategory = iota // on no list
	catNone                         // listed so that a parent domain's entry does not apply
	catSearch                       // search engines
	catSocial                       // social networks, forums, messaging
	catVideo                        // video sites
	catShopping                     // marketplaces, price comparison
	catEmail                        // webmail (seloste's addition, GA4 has no such list)
	catAI                           // AI assistants (seloste's addition)
)

// categoryOf looks s up in the site lists; s is lower-case.
func categoryOf(s string) siteCategory {
	if s == "" {
		return catUnknown
	}
	if strings.IndexByte(s, '.') < 0 {
		if c := siteNames[s]; c != catUnknown {
			return c
		}
		return siteBrands[s]
	}
	for {
		if c := siteDomains[s]; c != catUnknown {
			return c
		}
		i := strings.IndexByte(s, '.')
		if i < 0 {
			return catUnknown
		}
		if isCountrySuffix(s[i+1:]) {
			if c := siteBrands[s[:i]]; c != catUnknown {
				return c
			}
		}
		s = s[i+1:]
	}
}

// isCountrySuffix reports whether s is "com", a two-letter country code, or
// "co." or "com." and one: the suffixes a brand's country sites use.
func isCountrySuffix(s string) bool {
	switch {
	case s == "com" || isCountryCode(s):
		return true
	case strings.HasPrefix(s, "co."):
		return isCountryCode(s[3:])
	case strings.HasPrefix(s, "com."):
		return isCountryCode(s[4:])
	}
	return false
}

func isCountryCode(s string) bool {
	return len(s) == 2 && 'a' <= s[0] && s[0] <= 'z' && 'a' <= s[1] && s[1] <= 'z'
}

// siteBrands are sites that run under country domains: the name matches
// name.com, name.<cc>, name.co.<cc>, name.com.<cc> and their subdomains, and
// is also a bare utm_source value.
var siteBrands = map[string]siteCategory{
	// search
	"google":     catSearch,
	"bing":       catSearch,
	"yahoo":      catSearch,
	"yandex":     catSearch,
	"duckduckgo": catSearch,
	"baidu":      catSearch,
	"startpage":  catSearch,
	"qwant":      catSearch,
	// social
	"facebook":  catSocial,
	"pinterest": catSocial,
	// shopping
	"amazon":      catShopping,
	"ebay":        catShopping,
	"zalando":     catShopping,
	"pricerunner": catShopping,
	"prisjakt":    catShopping,
	"idealo":      catShopping,
	"aliexpress":  catShopping,
	"temu":        catShopping,
}

// siteDomains are matched as the host itself or a parent domain of it.
var siteDomains = map[string]siteCategory{
	// search
	"ask.com":          catSearch,
	"ecosia.org":       catSearch,
	"search.aol.com":   catSearch,
	"search.brave.com": catSearch,
	"kagi.com":         catSearch,
	"mojeek.com":       catSearch,
	"naver.com":        catSearch,
	"seznam.cz":        catSearch,
	"ya.ru":            catSearch,
	"daum.net":         catSearch,
	"sogou.com":        catSearch,

	// social
	"fb.com":               catSocial,
	"fb.me":                catSocial,
	"messenger.com":        catSocial,
	"instagram.com":        catSocial,
	"threads.net":          catSocial,
	"threads.com":          catSocial,
	"t.co":                 catSocial,
	"x.com":                catSocial,
	"twitter.com":          catSocial,
	"linkedin.com":         catSocial,
	"lnkd.in":              catSocial,
	"reddit.com":           catSocial,
	"redd.it":              catSocial,
	"pin.it":               catSocial,
	"tiktok.com":           catSocial,
	"snapchat.com":         catSocial,
	"tumblr.com":           catSocial,
	"bsky.app":             catSocial,
	"mastodon.social":      catSocial,
	"mastodon.online":      catSocial,
	"mstdn.social":         catSocial,
	"quora.com":            catSocial,
	"discord.com":          catSocial,
	"discord.gg":           catSocial,
	"t.me":                 catSocial,
	"web.telegram.org":     catSocial,
	"wa.me":                catSocial,
	"web.whatsapp.com":     catSocial,
	"vk.com":               catSocial,
	"weibo.com":            catSocial,
	"xing.com":             catSocial,
	"news.ycombinator.com": catSocial,
	"suomi24.fi":           catSocial,
	"vauva.fi":             catSocial,
	"ylilauta.org":         catSocial,
	"jodel.com":            catSocial,

	// video
	"youtube.com":     catVideo,
	"youtu.be":        catVideo,
	"vimeo.com":       catVideo,
	"twitch.tv":       catVideo,
	"dailymotion.com": catVideo,
	"areena.yle.fi":   catVideo,
	"ruutu.fi":        catVideo,
	"svtplay.se":      catVideo,
	"tv.nrk.no":       catVideo,

	// shopping
	"shopping.google.com": catShopping,
	"etsy.com":            catShopping,
	"alibaba.com":         catShopping,
	"shop.app":            catShopping,
	"hintaopas.fi":        catShopping,
	"tori.fi":             catShopping,
	"huuto.net":           catShopping,
	"blocket.se":          catShopping,
	"tradera.com":         catShopping,
	"finn.no":             catShopping,
	"dba.dk":              catShopping,

	// webmail
	"mail.google.com":       catEmail,
	"outlook.live.com":      catEmail,
	"outlook.office.com":    catEmail,
	"outlook.office365.com": catEmail,
	"mail.yahoo.com":        catEmail,
	"mail.aol.com":          catEmail,
	"mail.proton.me":        catEmail,
	"app.tuta.com":          catEmail,
	"email.seznam.cz":       catEmail,
	"mail.yandex.ru":        catEmail,

	// AI assistants: the hosts their answers' links open from
	"chatgpt.com":             catAI,
	"chat.openai.com":         catAI,
	"perplexity.ai":           catAI,
	"copilot.microsoft.com":   catAI,
	"copilot.cloud.microsoft": catAI,
	"gemini.google.com":       catAI,
	"bard.google.com":         catAI,
	"claude.ai":               catAI,
	"chat.mistral.ai":         catAI,
	"chat.deepseek.com":       catAI,
	"grok.com":                catAI,
	"meta.ai":                 catAI,
	"you.com":                 catAI,
	"poe.com":                 catAI,
	"phind.com":               catAI,
	"chat.qwen.ai":            catAI,

	// parts of the sites above that are none of their category
	"docs.google.com":   catNone,
	"drive.google.com":  catNone,
	"sites.google.com":  catNone,
	"groups.google.com": catNone,
	"play.google.com":   catNone,
	"aws.amazon.com":    catNone,
}

// siteNames are bare utm_source values, matched only as the whole source.
var siteNames = map[string]siteCategory{
	// search
	"brave":  catSearch,
	"ask":    catSearch,
	"ecosia": catSearch,
	"kagi":   catSearch,
	"naver":  catSearch,
	"seznam": catSearch,

	// social
	"fb":         catSocial,
	"ig":         catSocial,
	"instagram":  catSocial,
	"messenger":  catSocial,
	"threads":    catSocial,
	"twitter":    catSocial,
	"x":          catSocial,
	"linkedin":   catSocial,
	"reddit":     catSocial,
	"tiktok":     catSocial,
	"snapchat":   catSocial,
	"tumblr":     catSocial,
	"bluesky":    catSocial,
	"bsky":       catSocial,
	"mastodon":   catSocial,
	"quora":      catSocial,
	"discord":    catSocial,
	"telegram":   catSocial,
	"whatsapp":   catSocial,
	"vk":         catSocial,
	"weibo":      catSocial,
	"xing":       catSocial,
	"hackernews": catSocial,
	"suomi24":    catSocial,
	"vauva":      catSocial,
	"ylilauta":   catSocial,
	"jodel":      catSocial,

	// video
	"youtube":     catVideo,
	"vimeo":       catVideo,
	"twitch":      catVideo,
	"dailymotion": catVideo,
	"areena":      catVideo,
	"yle areena":  catVideo,
	"ruutu":       catVideo,

	// shopping
	"etsy":      catShopping,
	"alibaba":   catShopping,
	"hintaopas": catShopping,
	"tori":      catShopping,
	"huuto":     catShopping,
	"blocket":   catShopping,
	"tradera":   catShopping,
	"finn":      catShopping,

	// AI assistants
	"chatgpt":    catAI,
	"openai":     catAI,
	"perplexity": catAI,
	"claude":     catAI,
	"deepseek":   catAI,

	// webmail; "email" is also GoatCounter's name for a referrer from any
	// webmail, kept as the referrer of imported page views
	"email":   catEmail,
	"gmail":   catEmail,
	"outlook": catEmail,
}
