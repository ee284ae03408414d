// Package useragent reduces a User-Agent header to the few coarse facts
// seloste stores: browser name and major version, operating system, device
// type, and whether the client is a bot. The raw header is never kept.
//
// Parsing is done by github.com/medama-io/go-useragent; this package maps
// its answer onto the analytics vocabulary and adds the bot rules seloste
// needs (headless browsers, HTTP libraries, crawlers the trie misses, and
// anything that names no browser at all).
package useragent

import (
	"bytes"
	"hash/maphash"
	"strings"
	"sync"

	ua "github.com/medama-io/go-useragent"
	"github.com/medama-io/go-useragent/agents"

	"github.com/seloste/seloste/analytics"
)

// Agent is what seloste keeps of a User-Agent.
type Agent struct {
	Browser string // e.g. "Firefox"; "" for bots
	Version string // major version only, e.g. "133"
	OS      string // e.g. "Windows", "Android"
	Device  string // analytics.DeviceDesktop, DeviceMobile, DeviceTablet or ""
	Bot     bool   // crawler, headless browser, HTTP library or no browser at all
}

// Parser parses User-Agent strings. It is safe for concurrent use.
//
// Browsers send few distinct headers, so answers are cached. The cache is
// keyed by a seeded 64-bit hash of the header, not the header itself: the
// raw User-Agent is not kept even in memory.
type Parser struct {
	p     *ua.Parser
	seed  maphash.Seed
	mu    sync.RWMutex
	cache map[uint64]Agent
}

// cacheMax bounds the cache; when full it starts over.
const cacheMax = 8192

// NewParser returns a parser. The first call builds the parser's trie
// (a few milliseconds); later calls share it.
func NewParser() *Parser {
	return &Parser{p: ua.NewParser(), seed: maphash.MakeSeed(), cache: make(map[uint64]Agent)}
}

// maxLen bounds the work spent on one header: real browsers send well under
// 512 bytes, and a longer header is almost always a tool or an attack.
const maxLen = 1024

// botTokens are lower-case substrings that mark a client as automated.
// They complement the parser's own bot list with crawlers and libraries it
// does not know, and with generic words ("spider", "crawl") used by many.
var botTokens = []string{
	"bot", "crawl", "spider", "slurp", "headless", "lighthouse", "phantomjs",
	"curl", "wget", "python", "go-http-client", "java/", "okhttp", "axios",
	"node-fetch", "undici", "libwww", "httpclient", "http-client", "scrapy",
	"aiohttp", "httpx", "guzzle", "postman", "insomnia", "feedfetcher",
	"preview", "facebookexternalhit", "monitor", "uptime", "pingdom",
	"validator", "archiver", "fetch", "scan", "+http",
}

// Parse reduces s to an Agent. An empty or overlong header is a bot.
func (p *Parser) Parse(s string) Agent {
	h := maphash.String(p.seed, s)
	p.mu.RLock()
	a, ok := p.cache[h]
	p.mu.RUnlock()
	if ok {
		return a
	}
	a = p.parse(s)
	p.mu.Lock()
	if len(p.cache) >= cacheMax {
		clear(p.cache)
	}
	p.cache[h] = a
	p.mu.Unlock()
	return a
}

func (p *Parser) parse(s string) Agent {
	if s == "" || len(s) > maxLen || !strings.HasPrefix(s, "Mozilla/") && !strings.HasPrefix(s, "Opera/") {
		// Every browser in use today starts with "Mozilla/5.0" (old Opera
		// with "Opera/"); anything else is a library, a tool or a crawler.
		return Agent{Bot: true}
	}
	r := p.p.Parse(s)
	if r.IsBot() || r.Browser() == "" || hasBotToken(s) {
		return Agent{Bot: true}
	}
	a := Agent{
		Browser: string(r.Browser()),
		Version: r.BrowserVersionMajor(),
		OS:      osName(r.OS()),
	}
	switch r.Device() {
	case agents.DeviceDesktop:
		a.Device = analytics.DeviceDesktop
	case agents.DeviceMobile:
		a.Device = analytics.DeviceMobile
	case agents.DeviceTablet:
		a.Device = analytics.DeviceTablet
	}
	if len(a.Version) > 8 {
		a.Version = ""
	}
	return a
}

func osName(o agents.OS) string {
	if o == agents.OSMacOS {
		return "macOS"
	}
	return string(o)
}

// hasBotToken reports whether s contains one of botTokens, ignoring ASCII
// case, without allocating a lower-cased copy.
func hasBotToken(s string) bool {
	var buf [maxLen]byte
	b := buf[:len(s)]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	for _, t := range botTokenBytes {
		if bytes.Contains(b, t) {
			return true
		}
	}
	return false
}

var botTokenBytes = func() [][]byte {
	bs := make([][]byte, len(botTokens))
	for i, t := range botTokens {
		bs[i] = []byte(t)
	}
	return bs
}()
