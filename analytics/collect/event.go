package collect

import (
	"errors"
	"net/http"
	"net/netip"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
	"github.com/seloste/seloste/analytics/visitor"
)

// checkEvent holds a decoded custom event to what may be stored: its page
// on the site, its name and properties declared and within the limits, no
// value that looks like personal data, and the published statement
// describing it. It answers the status and message of a refusal (0 when
// the event may go on); messages name the rule, never a value.
func (c *Collector) checkEvent(site *request.SiteRule, ev *Event) (int, string) {
	if ev.URL != "" {
		pg, ok := parsePage(ev.URL, false) // only the host is checked
		if !ok {
			return http.StatusBadRequest, `bad event: field "url": want an absolute http(s) URL`
		}
		if !site.AllowsHost(pg.host) {
			return http.StatusBadRequest, `bad event: field "url" is not a page of the site`
		}
	}
	if err := c.cfg.Events.CheckEvent(ev.Name, ev.Props); err != nil {
		var rule *analytics.EventRule
		if errors.As(err, &rule) {
			return http.StatusBadRequest, "bad event: " + rule.Rule
		}
		return http.StatusBadRequest, "bad event"
	}
	undescribed := *c.undescribed.Load()
	if reason, ok := undescribed[ev.Name]; ok {
		return http.StatusBadRequest, "event refused: " + reason
	}
	if reason, ok := undescribed["*"]; ok {
		return http.StatusBadRequest, "event refused: " + reason
	}
	return 0, ""
}

// recordEvent is the stored form of a checked event, once the request is
// known to be a person's, not excluded: the browser must have a visit open
// on the site (an event belongs to a page view of the site, which the
// browser loaded at most analytics.VisitGap before), and the event keeps it
// open. Past the visit's limit of events for the day it is refused with
// 429; within it, its property values are capped as page views' are.
//
// The page view may still be on its way: s.js sends it and the events
// called before it loaded at once, and nothing orders two requests on two
// connections. So an event that finds no open visit waits up to
// eventWait for the collector's next page views before it is refused.
func (c *Collector) recordEvent(r *http.Request, now time.Time, site *request.SiteRule, ip netip.Addr, userAgent string, ev Event) (item, int, string) {
	var wait <-chan time.Time
	for {
		assigned := c.visits.Assigned() // before Touch, so no Assign is missed
		vis, visit, open, err := c.visits.Touch(r.Context(), now, site.Domain(), ip, userAgent, c.maxEvents)
		if errors.Is(err, visitor.ErrEventLimit) {
			c.refused[RefusedEventLimit].Add(1)
			return item{}, http.StatusTooManyRequests, "event refused: this visit has sent as many events today as one visit may"
		}
		if err != nil {
			c.refused[RefusedStorage].Add(1)
			c.refusals.refuse(now, c.w.flushes.Load(), "storage unavailable (visitor id)", err)
			return item{}, http.StatusServiceUnavailable, "storage unavailable, retry later"
		}
		if open {
			c.caps.applyProps(now, site.Domain(), ev.Name, ev.Props)
			return item{kind: itemEvent, event: &analytics.Event{
				Time: now, Site: site.Domain(), Visitor: vis, Visit: visit, PageView: ev.PageView, Name: ev.Name, Props: ev.Props,
			}}, 0, ""
		}
		if wait == nil {
			timer := time.NewTimer(eventWait)
			defer timer.Stop()
			wait = timer.C
		}
		select {
		case <-assigned:
		case <-wait:
			return item{}, http.StatusBadRequest, noVisitOpen
		case <-r.Context().Done():
			return item{}, http.StatusBadRequest, noVisitOpen
		}
	}
}

// eventWait is how long an event waits for the page view it follows: far
// longer than two requests sent together arrive apart, short enough that a
// stray event holds nothing for long.
const eventWait = 2 * time.Second

const noVisitOpen = "bad event: no page view of the site is open in this browser (an event follows a page view of its site within 30 minutes)"
