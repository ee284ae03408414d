package collect

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// trackerJS is the tracker, hand-written compact ES2020 (no build step).
// Reading aid for s.js:
//
//	d,l,n,h  document, location, navigator, history
//	s        the script tag's data-* attributes: data-site, data-api,
//	         data-allow-local (send from file:/localhost too),
//	         data-consent="external" (a consent manager calls
//	         seloste.consent; no banner)
//	N        Date.now (also the no-op that swallows a failed fetch)
//	E        the sites configured exempt from consent, {"example.fi":1}:
//	         the collector writes them in when it serves s.js (exemptList)
//	G        gated: the site needs consent (not in E), or data-consent.
//	         Then nothing is sent until localStorage["seloste-opt-out"]
//	         is "0" (agreed), and s.consent.js is loaded: the banner and
//	         seloste.consent. The one key holds every choice: "1" declined,
//	         withdrawn or opted out (never sent, in any mode), "0" agreed,
//	         none not asked yet. Without local storage nothing is sent in a
//	         gated site: a consent that cannot be kept is not assumed.
//	C        the URL s.js was loaded from: the collector, unless data-api
//	         names another; the tag works pasted on any origin
//	U(x)     data-api + x, or x beside s.js ("./api/event")
//	a        beacon URL: U("/api/event")
//	y        site: data-site, else the page's host name
//	H()      the page URL without its fragment
//	r        referrer of the next page view: document.referrer first, then
//	         the previous URL of an SPA navigation
//	i        current page-view id: 128 random bits (crypto.getRandomValues)
//	t        visible milliseconds accumulated for the current page view
//	v        when the page last became visible; 0 while hidden
//	u        URL of the current page view
//	p(k,o)   send an event of kind k: sendBeacon, else fetch keepalive;
//	         nothing (undefined) when the visitor's choice forbids it
//	L()      page hidden or left: stop the clock and send "leave" with the
//	         running total (only on a visible→hidden change, so pagehide
//	         after visibilitychange does not send twice)
//	o()      open a page view: new id, reset the clock, send "pageview";
//	         the referrer moves on only when it was sent, so the page view
//	         sent on consent (g.o, from s.consent.js) keeps the page's own
//	c()      after pushState/popstate: if the URL changed, close the old
//	         page view and open a new one
//
// A page prerendered by the browser is counted only when it is shown
// (prerenderingchange).
//
//	g(e,x)   window.seloste(name, {props}): send a custom event; "404"
//	         carries the path. q() runs the calls the README's stub queued
//	         (w.q), puts g in its place, sends "404" for a page with
//	         <meta name="seloste-404">, and loads (A) s.auto.js when the tag
//	         has data-outbound, data-downloads or data-tagged (g.d hands it
//	         the tag's attributes) and s.consent.js when gated.
//
//go:embed s.js
var trackerJS []byte

// exemptSlot is where s.js receives the exempt sites (E): its last
// argument, an empty object as embedded.
const exemptSlot = "Date.now,{})"

// trackerFor is s.js with the exempt sites written in. A site missing
// from the list (a tag whose data-site is misspelled, a site added
// without restarting) is gated: the safe side.
func trackerFor(exempt []string) ([]byte, error) {
	js := bytes.TrimSpace(trackerJS)
	if !bytes.HasSuffix(js, []byte(exemptSlot)) {
		return nil, fmt.Errorf("collect: s.js does not end with %s", exemptSlot)
	}
	if len(exempt) == 0 {
		return js, nil
	}
	m := make(map[string]int, len(exempt))
	for _, d := range exempt {
		m[d] = 1
	}
	list, err := json.Marshal(m) // keys sorted: the same bytes, the same ETag
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), js[:len(js)-len("{})")]...)
	return append(append(out, list...), ')'), nil
}

// consentJS is the consent banner and seloste.consent, loaded by s.js only
// for a site that needs consent. Reading aid for s.consent.js:
//
//	S, d, s  window.seloste (s.js's g), document, the tag's data-*
//	K        the choice's localStorage key, shared with s.js and the
//	         self-service page: "0" agreed, "1" declined or withdrawn
//	l, t     the language (data-lang, else <html lang>; fi when none, en
//	         when another) and its texts; t[5] the statement's default path
//	A, C(c)  POST /api/consent beside s.consent.js: one count of c
//	         ("shown", "accept", "decline"), the site and nothing else
//	O()      show the banner: a <section> prepended to <body> (first in
//	         the tab order), fixed at the bottom, styles scoped to its id;
//	         counts "shown"
//	S.consent(x)  keep the choice, hide the banner, and on a first
//	         agreement send this page's view (S.o, s.js's o)
//	S.choices()   open the banner again (a "privacy settings" link)
//
// The banner is shown when no choice is kept and the tag does not say
// data-consent (an external consent manager asks instead).
//
//go:embed s.consent.js
var consentJS []byte

// autoJS is the optional second file of the automatic events: outbound
// links, downloads (data-downloads: the default extensions, or its own
// list) and tagged elements (class="seloste-event-name=… seloste-event-KEY=
// VALUE" on a form, link or button). It sends with sendBeacon, which never
// holds up the navigation that follows the click.
//
//go:embed s.auto.js
var autoJS []byte

type trackerFile struct {
	plain, gz []byte
	etag      string
}

func newTrackerFile(src []byte) (trackerFile, error) {
	js := bytes.TrimSpace(src)
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return trackerFile{}, err
	}
	zw.Write(js)
	if err := zw.Close(); err != nil {
		return trackerFile{}, err
	}
	sum := sha256.Sum256(js)
	return trackerFile{plain: js, gz: buf.Bytes(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}, nil
}

// serveTracker answers GET /s.js. Browsers revalidate after an hour, so a
// new tracker reaches every visitor soon after an upgrade.
func (c *Collector) serveTracker(w http.ResponseWriter, r *http.Request) {
	serveJS(w, r, &c.tracker)
}

// serveAuto answers GET /s.auto.js, as serveTracker.
func (c *Collector) serveAuto(w http.ResponseWriter, r *http.Request) {
	serveJS(w, r, &c.auto)
}

// serveConsent answers GET /s.consent.js, as serveTracker.
func (c *Collector) serveConsent(w http.ResponseWriter, r *http.Request) {
	serveJS(w, r, &c.consent)
}

func serveJS(w http.ResponseWriter, r *http.Request, f *trackerFile) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", f.etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	if etagMatch(r.Header.Get("If-None-Match"), f.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.plain
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// etagMatch implements If-None-Match's weak comparison.
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			params = strings.ReplaceAll(params, " ", "")
			return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
		}
	}
	return false
}
