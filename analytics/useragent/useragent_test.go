package useragent

import (
	"testing"

	"github.com/seloste/seloste/analytics"
)

func TestParse(t *testing.T) {
	p := NewParser()
	tests := []struct {
		name string
		ua   string
		want Agent
	}{
		{"Chrome Windows",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
			Agent{Browser: "Chrome", Version: "131", OS: "Windows", Device: analytics.DeviceDesktop}},
		{"Firefox Linux",
			"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
			Agent{Browser: "Firefox", Version: "133", OS: "Linux", Device: analytics.DeviceDesktop}},
		{"Firefox Ubuntu",
			"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
			Agent{Browser: "Firefox", Version: "128", OS: "Linux", Device: analytics.DeviceDesktop}},
		{"Edge Windows",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70",
			Agent{Browser: "Edge", Version: "131", OS: "Windows", Device: analytics.DeviceDesktop}},
		{"Safari macOS",
			"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
			Agent{Browser: "Safari", Version: "18", OS: "macOS", Device: analytics.DeviceDesktop}},
		{"Safari iPhone",
			"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
			Agent{Browser: "Safari", Version: "18", OS: "iOS", Device: analytics.DeviceMobile}},
		{"Safari iPad",
			"Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
			Agent{Browser: "Safari", Version: "17", OS: "iOS", Device: analytics.DeviceTablet}},
		{"Chrome Android phone",
			"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
			Agent{Browser: "Chrome", Version: "131", OS: "Android", Device: analytics.DeviceMobile}},
		{"Samsung Internet",
			"Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
			Agent{Browser: "Samsung Browser", Version: "26", OS: "Android", Device: analytics.DeviceMobile}},
		{"Firefox Android",
			"Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
			Agent{Browser: "Firefox", Version: "133", OS: "Android", Device: analytics.DeviceMobile}},
		{"Opera",
			"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 OPR/114.0.0.0",
			Agent{Browser: "Opera", Version: "114", OS: "Windows", Device: analytics.DeviceDesktop}},

		// Bots: crawlers, headless browsers, HTTP libraries, nothing at all.
		{"Googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", Agent{Bot: true}},
		{"Googlebot smartphone", "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", Agent{Bot: true}},
		{"Bingbot", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36", Agent{Bot: true}},
		{"YandexBot", "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", Agent{Bot: true}},
		{"Baiduspider", "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", Agent{Bot: true}},
		{"DuckDuckBot", "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", Agent{Bot: true}},
		{"GPTBot", "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", Agent{Bot: true}},
		{"Applebot", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)", Agent{Bot: true}},
		{"facebookexternalhit", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", Agent{Bot: true}},
		{"HeadlessChrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", Agent{Bot: true}},
		{"PhantomJS", "Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1", Agent{Bot: true}},
		{"Lighthouse", "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse", Agent{Bot: true}},
		{"curl", "curl/8.11.0", Agent{Bot: true}},
		{"wget", "Wget/1.24.5", Agent{Bot: true}},
		{"Go-http-client", "Go-http-client/1.1", Agent{Bot: true}},
		{"python-requests", "python-requests/2.32.3", Agent{Bot: true}},
		{"python urllib", "Python-urllib/3.12", Agent{Bot: true}},
		{"aiohttp", "Python/3.12 aiohttp/3.11.9", Agent{Bot: true}},
		{"okhttp", "okhttp/4.12.0", Agent{Bot: true}},
		{"axios", "axios/1.7.9", Agent{Bot: true}},
		{"node-fetch", "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", Agent{Bot: true}},
		{"Java", "Java/17.0.2", Agent{Bot: true}},
		{"Scrapy", "Scrapy/2.12.0 (+https://scrapy.org)", Agent{Bot: true}},
		{"UptimeRobot", "Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", Agent{Bot: true}},
		{"empty", "", Agent{Bot: true}},
		{"bare Mozilla", "Mozilla/5.0", Agent{Bot: true}},
		{"garbage", "x", Agent{Bot: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Parse(tt.ua); got != tt.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tt.ua, got, tt.want)
			}
		})
	}
}

func TestParseOverlong(t *testing.T) {
	long := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0.0.0 Safari/537.36 " + string(make([]byte, 2000))
	if got := NewParser().Parse(long); !got.Bot {
		t.Errorf("overlong header: got %+v, want a bot", got)
	}
}

// BenchmarkParse is a cache hit: the common case, browsers send few
// distinct headers.
func BenchmarkParse(b *testing.B) {
	p := NewParser()
	const s = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	b.ReportAllocs()
	for b.Loop() {
		p.Parse(s)
	}
}

// BenchmarkParseUncached is the cost of a header seen for the first time.
func BenchmarkParseUncached(b *testing.B) {
	p := NewParser()
	const s = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	b.ReportAllocs()
	for b.Loop() {
		p.parse(s)
	}
}

func TestCache(t *testing.T) {
	p := NewParser()
	const s = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	first := p.Parse(s)
	if second := p.Parse(s); second != first || len(p.cache) != 1 {
		t.Errorf("cached answer %+v differs from %+v (cache %d)", second, first, len(p.cache))
	}
	for i := range cacheMax + 10 {
		p.Parse(s + string(rune('a'+i%26)) + string(rune(i)))
	}
	if len(p.cache) > cacheMax {
		t.Errorf("cache holds %d entries, bound %d", len(p.cache), cacheMax)
	}
}
