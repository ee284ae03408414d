package collect

import (
	"net/http"
	"sync/atomic"
)

// Refusal is why an event that reached the collector was not queued for
// storage. Every event is either queued (Stats.PageViews, Leaves, Events,
// BotHits, Consent: one record each) or refused for exactly one of these
// reasons.
type Refusal uint8

const (
	RefusedTooLarge      Refusal = iota // 413 body, 414 query over 4 KiB
	RefusedContentType                  // 415
	RefusedBadEvent                     // 400: malformed, or a URL not on the site
	RefusedUnknownSite                  // 403: a site not configured
	RefusedForeignOrigin                // 403: an Origin that is not the site's
	RefusedExcluded                     // 202, nothing stored: exclude_ips or exclude_paths of the site
	RefusedDNT                          // 202, nothing stored: DNT: 1 or Sec-GPC: 1
	RefusedBot                          // 202, nothing stored: a bot's leave (a bot's page view is kept as a BotHit)
	RefusedQueueFull                    // 503: the queue is full
	RefusedStorage                      // 503: the store failed (the day's salt)
	RefusedShuttingDown                 // 503: the server is stopping
	RefusedEventLimit                   // 429: the visit has sent max_events_per_visit custom events today
	RefusedConsent                      // 200, nothing stored: a <noscript> page view of a site whose visitors must consent first
	NumRefusals
)

var refusalNames = [NumRefusals]string{
	"too_large", "content_type", "bad_event", "unknown_site", "foreign_origin",
	"excluded", "dnt", "bot", "queue_full", "storage_unavailable", "shutting_down",
	"event_limit", "consent",
}

// String is the reason's name in metrics, such as "queue_full".
func (r Refusal) String() string {
	if r < NumRefusals {
		return refusalNames[r]
	}
	return "unknown"
}

// counters count what the collector did with each event, for Stats.
type counters struct {
	queued  [itemConsent + 1]atomic.Int64 // by itemKind
	refused [NumRefusals]atomic.Int64
}

// countRefusal counts an event answered with an error status. The 503s
// are counted where they are decided (record, enqueue), since one status
// has several reasons there.
func (c *Collector) countRefusal(status int, msg string) {
	switch status {
	case http.StatusRequestEntityTooLarge, http.StatusRequestURITooLong:
		c.refused[RefusedTooLarge].Add(1)
	case http.StatusUnsupportedMediaType:
		c.refused[RefusedContentType].Add(1)
	case http.StatusBadRequest:
		c.refused[RefusedBadEvent].Add(1)
	case http.StatusForbidden:
		if msg == "unknown site" {
			c.refused[RefusedUnknownSite].Add(1)
		} else {
			c.refused[RefusedForeignOrigin].Add(1)
		}
	}
}

// Stats are the collector's counters since New and its current state. They
// hold no request data: counts only.
type Stats struct {
	// Events queued for storage, by kind, one record each: a bot's page
	// view is kept only as a BotHit (time and site), a declared custom
	// event as an Event.
	PageViews, Leaves, BotHits, Events int64
	// Consent are counts of the consent banner queued (shown, accepted
	// or declined, one each): no record of anyone.
	Consent int64
	Refused [NumRefusals]int64 // by Refusal

	Queued, QueueCapacity int   // records waiting for the writer, and the bound
	Stored                int64 // records written to the store
	// Store errors: failed batch writes (retried, nothing lost) and
	// failed reads of the day's salt (the event was refused).
	AppendErrors, SaltErrors int64
	OpenVisits               int // visits tracked in memory
	// CapsReached counts the times a site's field reached
	// max_values_per_day on a day, by field (CapFieldNames; each event
	// property on its own, all counted under "event_property").
	CapsReached [NumCapFields]int64
}

// Stats returns the collector's counters. It is cheap enough for every
// metrics scrape.
func (c *Collector) Stats() Stats {
	s := Stats{
		PageViews:     c.queued[itemPageView].Load(),
		Leaves:        c.queued[itemLeave].Load(),
		BotHits:       c.queued[itemBot].Load(),
		Events:        c.queued[itemEvent].Load(),
		Consent:       c.queued[itemConsent].Load(),
		Queued:        c.w.len(),
		QueueCapacity: c.w.cfg.Size,
		Stored:        c.w.stored.Load(),
		AppendErrors:  c.w.errors.Load(),
		SaltErrors:    c.refused[RefusedStorage].Load(),
		OpenVisits:    c.visits.Open(),
		CapsReached:   c.caps.capsReached(),
	}
	for i := range s.Refused {
		s.Refused[i] = c.refused[i].Load()
	}
	return s
}
