package collect

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/seloste/seloste/analytics"
)

// maxConsentBody bounds a consent count's body: a site name and a word.
const maxConsentBody = 512

// handleConsent answers POST /api/consent: the banner (s.consent.js)
// counts that it was shown, accepted or declined. These are the only
// requests a site that needs consent makes before the visitor agrees, so
// they are counted and nothing else: the body holds the site and the
// choice and no identifier, and the handler reads neither the client's
// address nor its User-Agent, so it cannot derive one. A count is one
// more of its site's day, stored only when the published statement
// describes the counts (analytics.ConsentField).
func (c *Collector) handleConsent(w http.ResponseWriter, r *http.Request) {
	status, msg := c.consentCount(w, r)
	if c.refuse(w, status, msg) {
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (c *Collector) consentCount(w http.ResponseWriter, r *http.Request) (int, string) {
	if r.ContentLength > maxConsentBody {
		return http.StatusRequestEntityTooLarge, "consent count larger than 512 bytes"
	}
	if !acceptedContentType(r.Header.Get("Content-Type")) {
		return http.StatusUnsupportedMediaType, "Content-Type must be text/plain or application/json"
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxConsentBody+1))
	switch {
	case err != nil:
		return http.StatusBadRequest, "reading the consent count failed"
	case len(body) > maxConsentBody:
		return http.StatusRequestEntityTooLarge, "consent count larger than 512 bytes"
	}
	var in struct {
		Site   string                  `json:"site"`
		Choice analytics.ConsentChoice `json:"choice"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return http.StatusBadRequest, `bad consent count: want {"site":…,"choice":"shown"|"accept"|"decline"}`
	}
	count, ok := in.Choice.Count()
	if !ok {
		return http.StatusBadRequest, `bad consent count: field "choice": want "shown", "accept" or "decline"`
	}
	site := c.sites.Rule(in.Site)
	if site == nil {
		return http.StatusForbidden, "unknown site"
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		if !site.AllowsOrigin(origin) {
			return http.StatusForbidden, "Origin is not the site's"
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
	}
	if !c.describes(analytics.ConsentField) {
		return http.StatusAccepted, "" // the statement does not describe the counts yet
	}
	zone := c.cfg.Zone
	if zone == nil {
		zone = time.UTC
	}
	day := c.cfg.Now().In(zone).Format(time.DateOnly)
	return c.enqueue(item{kind: itemConsent, consent: &analytics.ConsentCount{Day: day, Site: site.Domain(), ConsentTotals: count}})
}
