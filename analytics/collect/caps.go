package collect

import (
	"hash/maphash"
	"log/slog"
	"sync"
	"time"

	"github.com/seloste/seloste/analytics"
)

// DefaultMaxValuesPerDay is how many distinct values of each capped field
// a site may add in a day unless configured otherwise.
const DefaultMaxValuesPerDay = 10000

// The fields whose values come from the visitor's browser or from the
// location database and could be invented without end: a bot that makes
// up paths, referrers, UTM tags or event property values, or random
// addresses spread over every city, would otherwise grow the dictionaries
// and every report by values seen once. Browser, OS and device come from a
// parser with a fixed set of answers; countries and regions are few. Each
// declared property of each event is capped on its own (capProperty).
const (
	capPath = iota
	capReferrer
	capUTMSource
	capUTMMedium
	capUTMCampaign
	capUTMTerm
	capUTMContent
	capCity
	numCapped   // of a page view
	capProperty = numCapped
	// NumCapFields is the number of CapFieldNames.
	NumCapFields = numCapped + 1
)

var cappedNames = [numCapped]string{"paths", "referrer hosts", "utm_source values", "utm_medium values",
	"utm_campaign values", "utm_term values", "utm_content values", "cities"}

// CapFieldNames name the capped fields in metrics (Stats.CapsReached), the
// values of every event property being one.
var CapFieldNames = [NumCapFields]string{"path", "referrer_host", "utm_source", "utm_medium",
	"utm_campaign", "utm_term", "utm_content", "city", "event_property"}

// valueCaps bounds the distinct values of each capped field per site and
// day (in the report zone). A value seen earlier that day is always kept; a
// new one past the cap is stored as analytics.Other, which reports fold
// into "(muut)": the page view still counts, its value does not spread.
// The values themselves are not kept, only 64-bit hashes, so memory is
// bounded by the cap (about 20 bytes a value) whatever the values' length.
// After a restart a day's count starts over.
type valueCaps struct {
	max  int
	zone *time.Location
	log  *slog.Logger
	seed maphash.Seed

	mu    sync.Mutex
	day   int64 // unix seconds of the midnight the sets are of
	sites map[string]*siteValues
	// reached counts, since start, the fields (each event property on its
	// own) of a site that reached the cap on a day: once each a day.
	reached [NumCapFields]int64
}

type siteValues struct {
	fields [numCapped]cappedValues
	// props are the declared event properties, by event and property name:
	// names the configuration declares (checkEvent), so few.
	props map[propName]*cappedValues
}

type propName struct{ event, prop string }

// cappedValues are one field's values of a site's day.
type cappedValues struct {
	seen   map[uint64]struct{}
	capped int64 // values replaced today
}

// keep reports whether v may be stored as it is: seen earlier today, or
// new within the cap (then remembered).
func (cv *cappedValues) keep(c *valueCaps, v string) bool {
	if cv.seen == nil {
		cv.seen = map[uint64]struct{}{}
	}
	h := maphash.String(c.seed, v)
	if _, ok := cv.seen[h]; ok {
		return true
	}
	if len(cv.seen) < c.max {
		cv.seen[h] = struct{}{}
		return true
	}
	return false
}

// today returns the site's sets of the day of t, or nil for a day before
// the current one. c.mu is held.
func (c *valueCaps) today(t time.Time, site string) *siteValues {
	day := analytics.Midnight(t, c.zone).Unix()
	if day != c.day {
		if day < c.day {
			return nil // a record of yesterday arriving late: not worth a set
		}
		c.day, c.sites = day, map[string]*siteValues{}
	}
	sv := c.sites[site]
	if sv == nil {
		sv = &siteValues{}
		c.sites[site] = sv
	}
	return sv
}

func newValueCaps(max int, zone *time.Location, log *slog.Logger) *valueCaps {
	if zone == nil {
		zone = time.UTC
	}
	return &valueCaps{max: max, zone: zone, log: log, seed: maphash.MakeSeed(), sites: map[string]*siteValues{}}
}

// apply replaces the values of pv that are new past the cap.
func (c *valueCaps) apply(pv *analytics.PageView) {
	if c == nil || c.max <= 0 {
		return
	}
	fields := [numCapped]*string{&pv.Path, &pv.ReferrerHost, &pv.UTMSource, &pv.UTMMedium,
		&pv.UTMCampaign, &pv.UTMTerm, &pv.UTMContent, &pv.City}
	c.mu.Lock()
	defer c.mu.Unlock()
	sv := c.today(pv.Time, pv.Site)
	if sv == nil {
		return
	}
	for f, v := range fields {
		if *v == "" || *v == analytics.Other || sv.fields[f].keep(c, *v) {
			continue
		}
		*v = analytics.Other
		if sv.fields[f].capped == 0 {
			c.reached[f]++
			if c.log != nil {
				c.log.Warn("distinct values capped for today: further new ones are stored as "+analytics.Other,
					"site", pv.Site, "field", cappedNames[f], "cap", c.max, "setting", "max_values_per_day")
			}
		}
		sv.fields[f].capped++
	}
}

// applyProps replaces the values of a custom event's properties that are
// new past the cap, each property of each event counted on its own. The
// log names the event and the property (the configuration's names), never
// a value.
func (c *valueCaps) applyProps(t time.Time, site, event string, props []analytics.Prop) {
	if c == nil || c.max <= 0 || len(props) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	sv := c.today(t, site)
	if sv == nil {
		return
	}
	for i, p := range props {
		if p.Value == "" || p.Value == analytics.Other {
			continue
		}
		k := propName{event, p.Key}
		cv := sv.props[k]
		if cv == nil {
			if sv.props == nil {
				sv.props = map[propName]*cappedValues{}
			}
			cv = &cappedValues{}
			sv.props[k] = cv
		}
		if cv.keep(c, p.Value) {
			continue
		}
		props[i].Value = analytics.Other
		if cv.capped == 0 {
			c.reached[capProperty]++
			if c.log != nil {
				c.log.Warn("distinct values capped for today: further new ones are stored as "+analytics.Other,
					"site", site, "field", "event property", "event", event, "property", p.Key,
					"cap", c.max, "setting", "max_values_per_day")
			}
		}
		cv.capped++
	}
}

// cappedToday is how many values were replaced today, all sites, fields
// and properties, and how many of those fields and properties (each of
// each site once) reached the cap.
func (c *valueCaps) cappedToday() (values, fields int64) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	count := func(cv *cappedValues) {
		if cv.capped > 0 {
			values += cv.capped
			fields++
		}
	}
	for _, sv := range c.sites {
		for i := range sv.fields {
			count(&sv.fields[i])
		}
		for _, cv := range sv.props {
			count(cv)
		}
	}
	return values, fields
}

// capsReached is how many times since start a site's field (each event
// property on its own) reached the cap on a day, by field.
func (c *valueCaps) capsReached() (n [NumCapFields]int64) {
	if c == nil {
		return n
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reached
}
