package dashboard

import (
	"html"
	"net/http"
	"strings"

	"github.com/seloste/seloste/analytics"
)

// firstRunRefresh is how often, in seconds, the page of a site still
// waiting for its first page view reloads itself.
const firstRunRefresh = 10

// firstRun is what the dashboard shows, instead of empty charts, for a
// site that has never had a page view: the tracker tag to paste and how
// to see it work.
type firstRun struct {
	Tag         string // the tracker tag, as text
	Bots        int64  // bot hits so far
	NoLocations bool   // no location database is loaded
}

// firstRun returns the first-run view of site when the site has never
// had a page view, native or imported, else nil. rep is the report of the
// period asked for: any page view in it (or in the period before, or in
// the last minutes) settles the question without another report. Only an
// empty one costs a second report, over everything a store may hold, and
// a site once seen with page views is not asked about again.
func (h *Handler) firstRun(w http.ResponseWriter, r *http.Request, site string, rep *analytics.Report) *firstRun {
	if _, ok := h.seen.Load(site); ok {
		return nil
	}
	if rep.Totals.PageViews > 0 || rep.Previous.PageViews > 0 || rep.Realtime > 0 {
		h.seen.Store(site, true)
		return nil
	}
	today := analytics.Midnight(h.cfg.Now(), h.cfg.Zone)
	all, err := h.report(w, r, analytics.Query{
		Site: site, From: today.AddDate(0, 0, 1-analytics.MaxDays), To: today, Zone: h.cfg.Zone,
		Interval: analytics.Month, Limit: 1,
	})
	if err != nil {
		// The dashboard still shows the period's (empty) report.
		h.log.Error("dashboard: looking for a first page view", "site", site, "err", err)
		return nil
	}
	if all.Totals.PageViews > 0 {
		h.seen.Store(site, true)
		return nil
	}
	return &firstRun{
		Tag:         trackerTag(h.absURL(r, ""), site),
		Bots:        all.Totals.Bots,
		NoLocations: h.cfg.HasLocations == nil || !h.cfg.HasLocations(),
	}
}

// trackerTag is the script tag that counts site's pages with the collector
// at collector (scheme://host): the tag the theme's partial
// (themes/seloste/layouts/partials/seloste/analytics.html) writes with
// params.seloste collector set to it; the tracker sends its beacons back
// to where s.js came from. A site on this machine's own names also gets
// data-allow-local, without which the tracker sends nothing there.
func trackerTag(collector, site string) string {
	c, s := html.EscapeString(collector), html.EscapeString(site)
	tag := `<script defer src="` + c + `/s.js" data-site="` + s + `"`
	if isLocal(site) {
		tag += " data-allow-local"
	}
	return tag + "></script>"
}

// isLocal reports whether pages of site would be on a host name the
// tracker treats as local (s.js: localhost, 127.*, [::1]).
func isLocal(site string) bool {
	return strings.HasPrefix(site, "localhost") || strings.HasPrefix(site, "127.") || strings.HasPrefix(site, "[::1]")
}
