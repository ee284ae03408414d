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
// up paths, referrers or UTM tags, or random addresses spread over every
// city, would otherwise grow the dictionaries and every report by values
// seen once. Browser, OS and device come from a parser with a fixed set of
// answers; countries and regions are few.
const (
	capPath = iota
	capReferrer
	capUTMSource
	capUTMMedium
	capUTMCampaign
	capUTMTerm
	capUTMContent
	capCity
	numCapped
)

var cappedNames = [numCapped]string{"paths", "referrer hosts", "utm_source values", "utm_medium values",
	"utm_campaign values", "utm_term values", "utm_content values", "cities"}

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
}

type siteValues struct {
	seen   [numCapped]map[uint64]struct{}
	capped [numCapped]int64 // page views whose value was replaced today
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
	day := analytics.Midnight(pv.Time, c.zone).Unix()
	c.mu.Lock()
	defer c.mu.Unlock()
	if day != c.day {
		if day < c.day {
			return // a page view of yesterday arriving late: not worth a set
		}
		c.day, c.sites = day, map[string]*siteValues{}
	}
	sv := c.sites[pv.Site]
	if sv == nil {
		sv = &siteValues{}
		c.sites[pv.Site] = sv
	}
	for f, v := range fields {
		if *v == "" || *v == analytics.Other {
			continue
		}
		seen := sv.seen[f]
		if seen == nil {
			seen = map[uint64]struct{}{}
			sv.seen[f] = seen
		}
		h := maphash.String(c.seed, *v)
		if _, ok := seen[h]; ok {
			continue
		}
		if len(seen) < c.max {
			seen[h] = struct{}{}
			continue
		}
		*v = analytics.Other
		if sv.capped[f] == 0 && c.log != nil {
			c.log.Warn("distinct values capped for today: further new ones are stored as "+analytics.Other,
				"site", pv.Site, "field", cappedNames[f], "cap", c.max, "setting", "max_values_per_day")
		}
		sv.capped[f]++
	}
}

// cappedToday is how many values were replaced today, all sites and fields.
func (c *valueCaps) cappedToday() int64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int64
	for _, sv := range c.sites {
		for _, k := range sv.capped {
			n += k
		}
	}
	return n
}
