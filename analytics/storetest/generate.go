package storetest

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Config shapes generated events.
type Config struct {
	Seed     uint64
	Sites    []string
	Start    time.Time // first day (UTC midnight)
	Days     int
	People   int // distinct people per site; each gets a new visitor id every UTC day
	Visits   int // visits per site per day, on average
	Paths    int // distinct paths per site (Zipf-distributed popularity)
	BotShare int // one bot hit per BotShare page views
	Variety  int // if > 0, also Zipf-distributed synthetic referrers and cities out of this many
	Drift    int // if > 0, one later page view of a visit in Drift is located elsewhere (a GeoIP update mid-visit)
	// EventShare: if > 0, one page view in EventShare gets an event of
	// EventConfig (some with several, some for the wrong site or late).
	EventShare int
}

// Small is the known-answer data set: a few thousand page views over ten
// days around the EU's spring DST change (29 March 2026), on two sites.
var Small = Config{
	Seed:     20260325,
	Sites:    []string{"a.example", "b.example"},
	Start:    time.Date(2026, 3, 24, 0, 0, 0, 0, time.UTC),
	Days:     10,
	People:   120,
	Visits:   80,
	Paths:    25,
	BotShare: 9,
	Drift:    10,

	EventShare: 3,
}

// Events are generated records, in time order per table.
type Events struct {
	PageViews []analytics.PageView
	Leaves    []analytics.Leave
	Bots      []analytics.BotHit
	// Imports are imported aggregates the test stored (imported.go).
	Imports []ModelImport
	Events  []analytics.Event
}

var (
	countries = []struct{ country, region, city string }{
		{"FI", "18", "Helsinki"}, {"FI", "18", "Espoo"}, {"FI", "11", "Tampere"}, {"FI", "19", "Turku"},
		{"FI", "", ""}, {"SE", "AB", "Stockholm"}, {"EE", "37", "Tallinn"}, {"DE", "BE", "Berlin"},
		{"US", "CA", "Springfield"}, {"US", "IL", "Springfield"}, {"", "", ""},
	}
	browsers = []struct{ browser, version, os, device string }{
		{"Chrome", "131", "Windows", analytics.DeviceDesktop}, {"Firefox", "133", "Linux", analytics.DeviceDesktop},
		{"Safari", "18", "iOS", analytics.DeviceMobile}, {"Chrome", "131", "Android", analytics.DeviceMobile},
		{"Safari", "18", "iPadOS", analytics.DeviceTablet}, {"Edge", "131", "Windows", analytics.DeviceDesktop},
		{"Safari", "17", "macOS", ""},
	}
	referrers = []string{"", "", "", "duckduckgo.com", "www.google.com", "bing.com", "news.ycombinator.com", "t.co"}
	utms      = []struct{ source, medium, campaign string }{
		{"", "", ""}, {"", "", ""}, {"", "", ""}, {"uutiskirje", "email", "kevat"}, {"facebook", "social", "kevat"}, {"x", "", ""},
	}
)

// Generate returns seeded, realistic-looking events: Zipf-popular pages,
// visits of one to several page views, some crossing midnight (UTC and
// Helsinki), page views in the same second, leaves (several per page view,
// some late, some for unknown page views) and bot hits.
func Generate(c Config) Events {
	var ev Events
	GenerateFunc(c, func(day Events) {
		ev.PageViews = append(ev.PageViews, day.PageViews...)
		ev.Leaves = append(ev.Leaves, day.Leaves...)
		ev.Bots = append(ev.Bots, day.Bots...)
		ev.Events = append(ev.Events, day.Events...)
	})
	return ev
}

// GenerateFunc is Generate for data sets too big to hold: it calls fn with
// each site's day of events (fn may keep them).
func GenerateFunc(c Config, fn func(Events)) {
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x5e1057e))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(c.Seed+1, 7)), 1.2, 2, uint64(c.Paths-1))
	paths := make([]string, c.Paths)
	for i := range paths {
		switch i {
		case 0:
			paths[i] = "/"
		case 1:
			paths[i] = "/hinnasto"
		default:
			paths[i] = fmt.Sprintf("/blogi/%03d", i)
		}
	}
	drift := rand.New(rand.NewPCG(c.Seed+3, 11))   // its own stream: other data sets stay as they were
	events := rand.New(rand.NewPCG(c.Seed+4, 13))  // the same
	scrolls := rand.New(rand.NewPCG(c.Seed+5, 17)) // the same
	// scroll is a leave's scroll depth: a quarter of them from trackers
	// that do not measure it.
	scroll := func() int {
		if scrolls.IntN(4) == 0 {
			return 0
		}
		return 1 + scrolls.IntN(analytics.MaxScroll)
	}
	var variety *rand.Zipf
	if c.Variety > 0 {
		variety = rand.NewZipf(rand.New(rand.NewPCG(c.Seed+2, 9)), 1.1, 1, uint64(c.Variety-1))
	}
	seq := 0
	for si, site := range c.Sites {
		for day := range c.Days {
			var ev Events
			dayStart := c.Start.AddDate(0, 0, day)
			n := c.Visits/2 + rng.IntN(c.Visits+1)
			for range n {
				person := rng.IntN(c.People)
				geo := countries[(person*7+si)%len(countries)]
				ua := browsers[(person*3+si)%len(browsers)]
				// Most visits in the daytime; some on purpose right around
				// Helsinki's and UTC's midnights.
				var start time.Time
				switch rng.IntN(10) {
				case 0:
					start = dayStart.Add(21*time.Hour + time.Duration(rng.IntN(3600)+1800)*time.Second) // ~Helsinki midnight
				case 1:
					start = dayStart.Add(23*time.Hour + 40*time.Minute + time.Duration(rng.IntN(1200))*time.Second) // UTC midnight
				default:
					start = dayStart.Add(time.Duration(rng.IntN(86400)) * time.Second)
				}
				visit := rng.Uint64()
				ref := referrers[rng.IntN(len(referrers))]
				if variety != nil && rng.IntN(4) == 0 {
					ref = fmt.Sprintf("ref%d.example", variety.Uint64())
					geo.city = fmt.Sprintf("City %d", variety.Uint64())
				}
				utm := utms[rng.IntN(len(utms))]
				views := 1
				if rng.IntN(3) > 0 {
					views += rng.IntN(6)
				}
				t := start
				for v := range views {
					if v > 0 {
						switch rng.IntN(4) {
						case 0:
							// same second: order must follow insertion
						default:
							t = t.Add(time.Duration(rng.IntN(20*60)) * time.Second)
						}
					}
					seq++
					pv := analytics.PageView{
						Time:    t,
						Site:    site,
						Visitor: visitorID(site, person, t),
						Visit:   visit,
						ID:      fmt.Sprintf("pv%06d", seq),
						Path:    paths[zipf.Uint64()],
						Country: geo.country, Region: geo.region, City: geo.city,
						Browser: ua.browser, BrowserVersion: ua.version, OS: ua.os, Device: ua.device,
					}
					if v > 0 && c.Drift > 0 && drift.IntN(c.Drift) == 0 {
						pv.City, pv.Region = "", ""
					}
					if v == 0 {
						pv.ReferrerHost = ref
						pv.UTMSource, pv.UTMMedium, pv.UTMCampaign = utm.source, utm.medium, utm.campaign
					}
					ev.PageViews = append(ev.PageViews, pv)
					switch r := rng.IntN(10); {
					case r < 3: // no leave: closed tab, old browser
					case r < 8:
						ev.Leaves = append(ev.Leaves, analytics.Leave{Time: t.Add(5 * time.Second), Site: site, PageView: pv.ID,
							Duration: time.Duration(rng.IntN(300000)) * time.Millisecond, Scroll: scroll()})
					case r < 9: // hidden, shown, hidden: running totals, not in order of size; the depths neither
						d := time.Duration(1000+rng.IntN(60000)) * time.Millisecond
						ev.Leaves = append(ev.Leaves,
							analytics.Leave{Time: t.Add(30 * time.Second), Site: site, PageView: pv.ID, Duration: d, Scroll: scroll()},
							analytics.Leave{Time: t.Add(2 * time.Minute), Site: site, PageView: pv.ID, Duration: d + 2500*time.Millisecond, Scroll: scroll()},
							analytics.Leave{Time: t.Add(3 * time.Minute), Site: site, PageView: pv.ID, Duration: d / 2, Scroll: scroll()})
					default: // a tab left open: one leave in time, one too late to count
						ev.Leaves = append(ev.Leaves,
							analytics.Leave{Time: t.Add(20 * time.Hour), Site: site, PageView: pv.ID, Duration: 7000 * time.Millisecond, Scroll: scroll()},
							analytics.Leave{Time: t.Add(25 * time.Hour), Site: site, PageView: pv.ID, Duration: 99000 * time.Millisecond, Scroll: analytics.MaxScroll})
					}
					if c.EventShare > 0 && events.IntN(c.EventShare) == 0 {
						ev.Events = append(ev.Events, genEvent(events, pv))
					}
					if c.BotShare > 0 && rng.IntN(c.BotShare) == 0 {
						ev.Bots = append(ev.Bots, analytics.BotHit{Time: t.Add(time.Duration(rng.IntN(7200)) * time.Second), Site: site})
					}
				}
			}
			// A leave for a page view that was never stored counts for nothing.
			ev.Leaves = append(ev.Leaves, analytics.Leave{Time: dayStart.Add(time.Hour), Site: site, PageView: "nosuch", Duration: time.Minute})
			fn(ev)
		}
	}
}

// visitorID mimics the collector: a person's id changes at midnight UTC.
func visitorID(site string, person int, t time.Time) uint64 {
	y, m, d := t.UTC().Date()
	h := uint64(14695981039346656037)
	for _, b := range []byte(fmt.Sprintf("%s/%d/%d-%d-%d", site, person, y, m, d)) {
		h ^= uint64(b)
		h *= 1099511628211
	}
	return h
}

// Batches splits events into batches of about size records, as a collector
// would hand them over (out of time order across tables).
func (e Events) Batches(size int) []analytics.Batch {
	var out []analytics.Batch
	for i := 0; i < len(e.PageViews) || i < len(e.Leaves) || i < len(e.Bots) || i < len(e.Events); i += size {
		var b analytics.Batch
		b.PageViews = e.PageViews[min(i, len(e.PageViews)):min(i+size, len(e.PageViews))]
		b.Leaves = e.Leaves[min(i, len(e.Leaves)):min(i+size, len(e.Leaves))]
		b.Bots = e.Bots[min(i, len(e.Bots)):min(i+size, len(e.Bots))]
		b.Events = e.Events[min(i, len(e.Events)):min(i+size, len(e.Events))]
		out = append(out, b)
	}
	return out
}

// EventConfig declares the events the generator makes, with goals and
// funnels over them and the pages: the known-answer reports ask for these.
var EventConfig = analytics.EventConfig{
	Events: []analytics.EventDef{
		{Name: "Yhteydenotto", Props: []string{"lomake"}, Desc: analytics.Description{FI: "Lomake lähetettiin", EN: "A form was sent"}},
		{Name: "Tilaus", Props: []string{"maksutapa", "tuote"}, Desc: analytics.Description{FI: "Tilaus tehtiin", EN: "An order was made"}},
	},
	Auto: []string{"outbound"},
	Goals: []analytics.Goal{
		{Name: "Tarjouspyyntö", Event: "Yhteydenotto", Props: map[string]string{"lomake": "tarjous"}},
		{Name: "Yhteys", Event: "Yhteydenotto"},
		{Name: "Hinnasto", Page: "/hinnasto"},
		{Name: "Blogi", Page: "/blogi/*"},
		{Name: "Mikä tahansa", Page: "/**"},
		{Name: "Kortilla", Event: "Tilaus", Props: map[string]string{"maksutapa": "kortti"}},
	},
	Funnels: []analytics.Funnel{
		{Name: "Tarjouspolku", Steps: []string{"/", "/hinnasto", "Tarjouspyyntö"}},
		{Name: "Blogista tilaus", Steps: []string{"/blogi/**", "Yhteys", "Kortilla"}},
	},
}

// genEvent makes an event of EventConfig for page view pv, in its visit:
// mostly seconds to minutes after it (some past midnight), now and then
// an hour later.
func genEvent(rng *rand.Rand, pv analytics.PageView) analytics.Event {
	e := analytics.Event{Time: pv.Time.Add(time.Duration(rng.IntN(180)) * time.Second), Site: pv.Site,
		Visitor: pv.Visitor, Visit: pv.Visit, PageView: pv.ID}
	switch rng.IntN(5) {
	case 0, 1:
		e.Name = "Yhteydenotto"
		e.Props = []analytics.Prop{{Key: "lomake", Value: []string{"tarjous", "yhteys", "uutiskirje"}[rng.IntN(3)]}}
	case 2:
		e.Name = "Tilaus"
		e.Props = []analytics.Prop{{Key: "maksutapa", Value: []string{"kortti", "lasku"}[rng.IntN(2)]}, {Key: "tuote", Value: fmt.Sprintf("T%d", rng.IntN(4))}}
		if rng.IntN(4) == 0 {
			e.Props = e.Props[1:] // without maksutapa
		}
	case 3:
		e.Name = "Yhteydenotto" // without props
	default:
		e.Name = analytics.EventOutbound
		e.Props = []analytics.Prop{{Key: "url", Value: []string{"https://kela.fi/", "https://vero.fi/a"}[rng.IntN(2)]}}
	}
	if rng.IntN(20) == 0 {
		e.Time = pv.Time.Add(time.Hour)
	}
	return e
}

// TrackerID turns the generator's short sequential page view id into one
// like s.js's (64 random bits, two 32-bit halves in decimal), always the
// same for the same id so that leaves still find their page view: the
// generator's ids compress to a fraction of a real one, and a benchmark's
// storage would be understated.
func TrackerID(id string) string {
	h := fnv.New64a()
	h.Write([]byte(id))
	v := h.Sum64()
	return strconv.FormatUint(v>>32, 10) + strconv.FormatUint(v&0xffffffff, 10)
}
