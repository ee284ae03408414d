package analytics

import (
	"slices"
	"testing"
)

type channelCase struct {
	ref, source, medium, campaign string
	want                          string
}

var channelCases = []channelCase{
	// Direct
	{"", "", "", "", ChannelDirect},
	{"", "(direct)", "", "", ChannelDirect},
	{"", "(direct)", "(none)", "", ChannelDirect},
	{"", "(Direct)", "(Not Set)", "", ChannelDirect},
	{"", "", "", "spring-sale", ChannelDirect}, // utm_campaign alone tags nothing
	{"", "", "(none)", "", ChannelDirect},      // no source: "(direct)"

	// Organic Search: referrer hosts, country domains, casing, prefixes
	{"www.google.com", "", "", "", ChannelOrganicSearch},
	{"google.com", "", "", "", ChannelOrganicSearch},
	{"www.google.fi", "", "", "", ChannelOrganicSearch},
	{"google.fi", "", "", "", ChannelOrganicSearch},
	{"www.google.co.uk", "", "", "", ChannelOrganicSearch},
	{"www.google.com.au", "", "", "", ChannelOrganicSearch},
	{"www.google.se", "", "", "", ChannelOrganicSearch},
	{"news.google.fi", "", "", "", ChannelOrganicSearch},
	{"WWW.GOOGLE.FI", "", "", "", ChannelOrganicSearch},
	{"www.google.fi.", "", "", "", ChannelOrganicSearch},
	{"www.bing.com", "", "", "", ChannelOrganicSearch},
	{"cn.bing.com", "", "", "", ChannelOrganicSearch},
	{"duckduckgo.com", "", "", "", ChannelOrganicSearch},
	{"html.duckduckgo.com", "", "", "", ChannelOrganicSearch},
	{"fi.search.yahoo.com", "", "", "", ChannelOrganicSearch},
	{"search.yahoo.co.jp", "", "", "", ChannelOrganicSearch},
	{"yandex.ru", "", "", "", ChannelOrganicSearch},
	{"yandex.com.tr", "", "", "", ChannelOrganicSearch},
	{"ya.ru", "", "", "", ChannelOrganicSearch},
	{"www.ecosia.org", "", "", "", ChannelOrganicSearch},
	{"www.baidu.com", "", "", "", ChannelOrganicSearch},
	{"www.startpage.com", "", "", "", ChannelOrganicSearch},
	{"www.qwant.com", "", "", "", ChannelOrganicSearch},
	{"search.brave.com", "", "", "", ChannelOrganicSearch},
	{"www.ask.com", "", "", "", ChannelOrganicSearch},
	{"search.naver.com", "", "", "", ChannelOrganicSearch},
	{"search.seznam.cz", "", "", "", ChannelOrganicSearch},
	{"kagi.com", "", "", "", ChannelOrganicSearch},
	// via utm_source or utm_medium
	{"", "google", "organic", "", ChannelOrganicSearch},
	{"", "Google", "", "", ChannelOrganicSearch},
	{"", "duckduckgo.com", "", "", ChannelOrganicSearch},
	{"", "ecosia", "", "", ChannelOrganicSearch},
	{"", "newsletter-archive", "organic", "", ChannelOrganicSearch},

	// Paid Search
	{"www.google.fi", "google", "cpc", "", ChannelPaidSearch},
	{"", "google", "cpc", "brand-fi", ChannelPaidSearch},
	{"", "bing", "ppc", "", ChannelPaidSearch},
	{"", "Google", "CPC", "", ChannelPaidSearch},
	{"", "google.com", "paidsearch", "", ChannelPaidSearch},
	{"", "duckduckgo", "retargeting", "", ChannelPaidSearch},
	{"", "google", "cpm", "", ChannelPaidSearch},       // "cpm" contains "cp": paid before display
	{"www.bing.com", "", "cpc", "", ChannelPaidSearch}, // no utm_source: referrer stands in

	// Organic Social
	{"www.facebook.com", "", "", "", ChannelOrganicSocial},
	{"m.facebook.com", "", "", "", ChannelOrganicSocial},
	{"l.facebook.com", "", "", "", ChannelOrganicSocial},
	{"lm.facebook.com", "", "", "", ChannelOrganicSocial},
	{"www.instagram.com", "", "", "", ChannelOrganicSocial},
	{"l.instagram.com", "", "", "", ChannelOrganicSocial},
	{"t.co", "", "", "", ChannelOrganicSocial},
	{"x.com", "", "", "", ChannelOrganicSocial},
	{"twitter.com", "", "", "", ChannelOrganicSocial},
	{"www.linkedin.com", "", "", "", ChannelOrganicSocial},
	{"lnkd.in", "", "", "", ChannelOrganicSocial},
	{"old.reddit.com", "", "", "", ChannelOrganicSocial},
	{"fi.pinterest.com", "", "", "", ChannelOrganicSocial},
	{"www.pinterest.fi", "", "", "", ChannelOrganicSocial},
	{"www.tiktok.com", "", "", "", ChannelOrganicSocial},
	{"www.threads.net", "", "", "", ChannelOrganicSocial},
	{"bsky.app", "", "", "", ChannelOrganicSocial},
	{"mastodon.social", "", "", "", ChannelOrganicSocial},
	{"keskustelu.suomi24.fi", "", "", "", ChannelOrganicSocial},
	{"www.vauva.fi", "", "", "", ChannelOrganicSocial},
	{"ylilauta.org", "", "", "", ChannelOrganicSocial},
	{"news.ycombinator.com", "", "", "", ChannelOrganicSocial},
	{"", "facebook", "social", "", ChannelOrganicSocial},
	{"", "fb", "", "", ChannelOrganicSocial},
	{"", "IG", "story", "", ChannelOrganicSocial},
	{"", "newsletter", "social-media", "", ChannelOrganicSocial},
	{"", "someforum", "social network", "", ChannelOrganicSocial},
	{"", "someforum", "sm", "", ChannelOrganicSocial},

	// Paid Social
	{"", "facebook", "cpc", "", ChannelPaidSocial},
	{"l.facebook.com", "facebook", "paid_social", "", ChannelPaidSocial},
	{"", "linkedin", "paid", "", ChannelPaidSocial},
	{"", "tiktok", "cpv", "", ChannelPaidSocial},
	{"", "instagram.com", "Paid-Social", "", ChannelPaidSocial},

	// Organic Video
	{"www.youtube.com", "", "", "", ChannelOrganicVideo},
	{"m.youtube.com", "", "", "", ChannelOrganicVideo},
	{"youtu.be", "", "", "", ChannelOrganicVideo},
	{"vimeo.com", "", "", "", ChannelOrganicVideo},
	{"areena.yle.fi", "", "", "", ChannelOrganicVideo},
	{"www.twitch.tv", "", "", "", ChannelOrganicVideo},
	{"", "youtube", "", "", ChannelOrganicVideo},
	{"", "partner-site", "video", "", ChannelOrganicVideo},
	{"", "partner-site", "embedded-video", "", ChannelOrganicVideo},

	// Paid Video
	{"", "youtube", "cpc", "", ChannelPaidVideo},
	{"", "youtube.com", "paid-video", "", ChannelPaidVideo},
	{"", "vimeo", "cpv", "", ChannelPaidVideo},

	// Organic Shopping
	{"www.amazon.de", "", "", "", ChannelOrganicShopping},
	{"www.amazon.co.uk", "", "", "", ChannelOrganicShopping},
	{"www.ebay.com", "", "", "", ChannelOrganicShopping},
	{"hintaopas.fi", "", "", "", ChannelOrganicShopping},
	{"www.tori.fi", "", "", "", ChannelOrganicShopping},
	{"www.prisjakt.nu", "", "", "", ChannelOrganicShopping},
	{"shopping.google.com", "", "", "", ChannelOrganicShopping}, // not google search
	{"", "hintaopas", "referral", "", ChannelOrganicShopping},
	{"", "newsletter", "email", "summer-shop", ChannelOrganicShopping}, // GA4 order: shopping before email
	{"", "partner", "referral", "Shopping_Week", ChannelOrganicShopping},
	{"", "partner", "referral", "e-shop launch", ChannelOrganicShopping},
	{"", "partner", "referral", "eshop", ChannelOrganicShopping},
	{"www.facebook.com", "", "", "shop", ChannelOrganicShopping},

	// Paid Shopping
	{"", "amazon", "cpc", "", ChannelPaidShopping},
	{"", "hintaopas.fi", "paid", "", ChannelPaidShopping},
	{"", "google", "cpc", "shopping-fi", ChannelPaidShopping}, // shopping campaign beats search
	{"", "facebook", "paid_social", "black friday shop", ChannelPaidShopping},

	// "workshop" is no shopping campaign
	{"", "partner", "referral", "workshop-2026", ChannelReferral},
	{"", "newsletter", "email", "workshop", ChannelEmail},

	// Display
	{"", "adnetwork", "display", "", ChannelDisplay},
	{"", "adnetwork", "banner", "", ChannelDisplay},
	{"", "adnetwork", "Interstitial", "", ChannelDisplay},
	{"", "adnetwork", "cpm", "", ChannelDisplay},
	{"", "", "expandable", "", ChannelDisplay},

	// Paid Other
	{"", "adnetwork", "cpc", "", ChannelPaidOther},
	{"", "", "ppc", "", ChannelPaidOther},
	{"", "podcastads", "paid", "", ChannelPaidOther},
	{"", "partner", "retargeting", "", ChannelPaidOther},
	{"www.example.com", "adnetwork", "cpa", "", ChannelPaidOther},

	// AI Assistants: referrers, ChatGPT's own utm_source, bare names
	{"chatgpt.com", "", "", "", ChannelAIAssistants},
	{"chat.openai.com", "", "", "", ChannelAIAssistants},
	{"www.perplexity.ai", "", "", "", ChannelAIAssistants},
	{"perplexity.ai", "", "", "", ChannelAIAssistants},
	{"copilot.microsoft.com", "", "", "", ChannelAIAssistants},
	{"gemini.google.com", "", "", "", ChannelAIAssistants}, // not Google search
	{"claude.ai", "", "", "", ChannelAIAssistants},
	{"chat.mistral.ai", "", "", "", ChannelAIAssistants},
	{"chat.deepseek.com", "", "", "", ChannelAIAssistants},
	{"CHATGPT.COM.", "", "", "", ChannelAIAssistants},
	{"", "chatgpt.com", "", "", ChannelAIAssistants},
	{"chatgpt.com", "chatgpt.com", "", "", ChannelAIAssistants},
	{"", "chatgpt", "referral", "", ChannelAIAssistants},
	{"", "perplexity", "", "", ChannelAIAssistants},
	{"chatgpt.com", "chatgpt.com", "cpc", "", ChannelPaidOther}, // paid wins
	{"", "claude.ai", "social", "", ChannelOrganicSocial},       // an explicit medium wins
	{"chatgpt.com", "newsletter", "email", "", ChannelEmail},    // UTM overrides the referrer

	// Referral
	{"www.example.com", "", "", "", ChannelReferral},
	{"yle.fi", "", "", "", ChannelReferral},
	{"www.hs.fi", "", "", "", ChannelReferral},
	{"brave.com", "", "", "", ChannelReferral},       // only search.brave.com is search
	{"docs.google.com", "", "", "", ChannelReferral}, // Google, but not search
	{"aws.amazon.com", "", "", "", ChannelReferral},
	{"openai.com", "", "", "", ChannelReferral},        // the maker's site, not the assistant
	{"www.microsoft.com", "", "", "", ChannelReferral}, // only copilot.microsoft.com is
	{"google.example.com", "", "", "", ChannelReferral},
	{"blog.google", "", "", "", ChannelReferral}, // the .google TLD is not google.*
	{"mastodon.example.fi", "", "", "", ChannelReferral},
	{"ask.fm", "", "", "", ChannelReferral},
	{"", "partner", "referral", "", ChannelReferral},
	{"", "partner", "link", "", ChannelReferral},
	{"", "myapp", "app", "", ChannelReferral},
	{"www.example.com", "partner", "whatever", "", ChannelReferral}, // unknown medium, known referrer
	{"www.example.com", "newsletter", "", "", ChannelReferral},

	// UTM overrides the referrer
	{"www.google.com", "newsletter", "email", "", ChannelEmail},
	{"www.facebook.com", "google", "cpc", "", ChannelPaidSearch},
	{"t.co", "partner", "affiliate", "", ChannelAffiliates},
	{"www.example.com", "facebook", "", "", ChannelOrganicSocial},

	// Email
	{"", "newsletter", "email", "", ChannelEmail},
	{"", "mailchimp", "E-Mail", "", ChannelEmail},
	{"", "newsletter", "e_mail", "", ChannelEmail},
	{"", "newsletter", "e mail", "", ChannelEmail},
	{"", "email", "", "", ChannelEmail},
	{"", "e-mail", "newsletter", "", ChannelEmail},
	{"mail.google.com", "", "", "", ChannelEmail}, // webmail, not Google search
	{"outlook.live.com", "", "", "", ChannelEmail},
	{"outlook.office.com", "", "", "", ChannelEmail},
	{"mail.yahoo.com", "", "", "", ChannelEmail},
	{"", "gmail", "", "", ChannelEmail},

	// Affiliates
	{"", "partner", "affiliate", "", ChannelAffiliates},
	{"", "", "Affiliate", "", ChannelAffiliates},

	// Audio
	{"", "spotify", "audio", "", ChannelAudio},
	{"", "podcast", "AUDIO", "", ChannelAudio},

	// SMS
	{"", "sms", "", "", ChannelSMS},
	{"", "operator", "sms", "", ChannelSMS},
	{"", "SMS", "text", "", ChannelSMS},

	// Mobile Push Notifications
	{"", "app", "push", "", ChannelMobilePush},
	{"", "app", "web-push", "", ChannelMobilePush},
	{"", "app", "mobile", "", ChannelMobilePush},
	{"", "app", "notification", "", ChannelMobilePush},
	{"", "firebase", "", "", ChannelMobilePush},

	// Cross-network
	{"", "google", "cpc", "pmax-cross-network", ChannelCrossNetwork},
	{"www.google.fi", "", "", "cross-network", ChannelCrossNetwork},
	{"", "", "", "Cross-Network-FI", ChannelDirect}, // Direct is decided first

	// Unassigned
	{"", "", "whatever", "", ChannelUnassigned},
	{"", "newsletter", "", "", ChannelUnassigned},
	{"", "partner", "qr", "autumn", ChannelUnassigned},
	{"", "(direct)", "print", "", ChannelUnassigned},
}

func TestChannelOf(t *testing.T) {
	for _, c := range channelCases {
		if got := ChannelOf(c.ref, c.source, c.medium, c.campaign); got != c.want {
			t.Errorf("ChannelOf(%q, %q, %q, %q) = %q, want %q", c.ref, c.source, c.medium, c.campaign, got, c.want)
		}
	}
}

// TestChannelOfCoversChannels checks that the cases reach every channel at
// least twice and that Channels lists each returned channel once.
func TestChannelOfCoversChannels(t *testing.T) {
	seen := map[string]int{}
	for _, c := range channelCases {
		seen[c.want]++
	}
	for _, ch := range Channels {
		if seen[ch] < 2 {
			t.Errorf("channel %q has %d test cases, want at least 2", ch, seen[ch])
		}
	}
	for ch := range seen {
		if !slices.Contains(Channels, ch) {
			t.Errorf("channel %q is not in Channels", ch)
		}
	}
	if len(Channels) != 20 || len(slices.Compact(slices.Sorted(slices.Values(Channels)))) != len(Channels) {
		t.Errorf("Channels = %q, want 20 distinct names", Channels)
	}
}

func TestChannelSiteLists(t *testing.T) {
	for _, m := range []map[string]siteCategory{siteBrands, siteDomains, siteNames} {
		for k, c := range m {
			if k != lowerASCII(k) || c == catUnknown {
				t.Errorf("site list entry %q: %d", k, c)
			}
		}
	}
	for k := range siteDomains {
		if _, ok := siteBrands[k]; ok {
			t.Errorf("%q is both a domain and a brand", k)
		}
	}
	for k := range siteBrands {
		if _, ok := siteNames[k]; ok {
			t.Errorf("%q is both a brand and a name", k)
		}
	}
}

// TestChannelOfAllocs: lower-case input, the collector's referrer hosts and
// well-kept UTM values, costs no allocation.
func TestChannelOfAllocs(t *testing.T) {
	var lower []channelCase
	for _, c := range channelCases {
		if c.ref == lowerASCII(c.ref) && c.source == lowerASCII(c.source) &&
			c.medium == lowerASCII(c.medium) && c.campaign == lowerASCII(c.campaign) {
			lower = append(lower, c)
		}
	}
	if len(lower) < 100 {
		t.Fatalf("only %d lower-case cases", len(lower))
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, c := range lower {
			ChannelOf(c.ref, c.source, c.medium, c.campaign)
		}
	})
	if allocs != 0 {
		t.Errorf("ChannelOf allocates %v times per %d calls, want 0", allocs, len(lower))
	}
}

// BenchmarkChannelOf is one call over a mix of typical visits.
func BenchmarkChannelOf(b *testing.B) {
	visits := []channelCase{
		{ref: ""},
		{ref: "www.google.com"},
		{ref: "www.google.fi"},
		{ref: "l.facebook.com"},
		{ref: "www.example.com"},
		{ref: "keskustelu.suomi24.fi"},
		{source: "newsletter", medium: "email", campaign: "march"},
		{source: "google", medium: "cpc", campaign: "brand"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v := visits[i%len(visits)]
		ChannelOf(v.ref, v.source, v.medium, v.campaign)
	}
}

// TestAIAssistantsCollectedAndImported: a visit from an AI assistant gets
// its channel whether the collector stored the referrer or an importer
// read it from another tool's export (a URL, a host, or the tool's source
// name), and ChatGPT's own utm_source tag counts the same.
func TestAIAssistantsCollectedAndImported(t *testing.T) {
	for _, c := range []struct{ browser, referrer, source string }{
		{"https://chatgpt.com/", "chatgpt.com", "ChatGPT"},
		{"https://chat.openai.com/c/123", "https://chat.openai.com/c/123", ""},
		{"https://www.perplexity.ai/search?q=x", "", "Perplexity"},
		{"https://claude.ai/chat/1", "claude.ai", ""},
		{"https://gemini.google.com/app", "", "Gemini"},
		{"https://copilot.microsoft.com/", "copilot.microsoft.com/chats", "Copilot"},
	} {
		collected := ChannelOf(ReferrerHost(c.browser), "", "", "")
		row := ImportedRow{Family: FamilySources, Values: [4]string{ImportedReferrer(c.referrer, c.source), "", "", ""}}
		imported := ImportedValue(&row, DimChannel)
		if collected != ChannelAIAssistants || imported != ChannelAIAssistants {
			t.Errorf("%s: collected %s, imported (%q, %q) %s; want %s", c.browser, collected, c.referrer, c.source, imported, ChannelAIAssistants)
		}
	}
	tagged := ImportedRow{Family: FamilySources, Values: [4]string{"", "chatgpt.com", "", ""}}
	if got := ImportedValue(&tagged, DimChannel); got != ChannelAIAssistants {
		t.Errorf("imported utm_source=chatgpt.com: %s, want %s", got, ChannelAIAssistants)
	}
}
