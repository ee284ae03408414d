package dashboard

import (
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
)

// TestShareIgnoresFilterParameters: a share link takes no filters. Every
// parameter the dashboard or the API reads besides the period and the
// language (filter= on each dimension, a dimension's name on its own,
// goal=, imported=, limit=, site=, breakdown=), with good and bad values,
// leaves the share page byte for byte as it is without it, and asks the
// store the same question.
func TestShareIgnoresFilterParameters(t *testing.T) {
	f := newFixture(t)
	f.h.cfg.Goals = []analytics.Goal{{Name: "Tilaus", Page: "/kiitos"}}
	a, _ := auth.Load(f.authFile)
	id, err := a.AddShare("toinen.fi", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Save(f.authFile); err != nil {
		t.Fatal(err)
	}
	// Each request is a new minute, so that the share cache answers none
	// from an earlier one; the period's days stay the same.
	get := func(query string) (string, analytics.Query) {
		t.Helper()
		f.now = f.now.Add(2 * time.Minute)
		w := f.get("/share/"+id+"?"+query, nil)
		if w.Code != 200 {
			t.Errorf("share page ?%s: %d", query, w.Code)
		}
		return w.Body.String(), f.rep.last()
	}
	base := "period=30d&lang=en"
	want, wantQ := get(base)
	if !strings.Contains(want, "Bots") {
		t.Fatal("the unfiltered share page lacks the Bots card; the test cannot see a filter")
	}

	var extra []string
	for d := range strings.SplitSeq(analytics.DimensionNames(), ", ") {
		extra = append(extra,
			"filter="+url.QueryEscape(d+"=/hinnasto"),
			"filter="+url.QueryEscape(d+"=FI"),
			d+"=/hinnasto",
		)
	}
	extra = append(extra,
		"filter=bogus", "goal=Tilaus", "goal=nope", "imported=false", "imported=maybe",
		"limit=1", "limit=0", "limit=-3", "site=example.fi", "site=unknown.fi", "breakdown=page",
		"filter=page%3D%2Fhinnasto&goal=Tilaus&imported=false&limit=1",
	)
	for _, e := range extra {
		got, gotQ := get(base + "&" + e)
		if got != want {
			t.Errorf("?%s changed the share page:\n%s", e, firstDiff(want, got))
		}
		if !reflect.DeepEqual(gotQ, wantQ) {
			t.Errorf("?%s changed the share report's query:\n got %+v\nwant %+v", e, gotQ, wantQ)
		}
	}
}

// firstDiff shows where two pages part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-120)
	return "want …" + a[from:min(len(a), i+120)] + "…\n got …" + b[from:min(len(b), i+120)] + "…"
}

// TestShareTotalsDoNotGiveAwayOnePerson is issue 27's differencing case on
// a real SQLite store: with the floor at 5, five visitors spend 10 s on /
// and one spends 98.8 s on /secret-page. No combination of the share
// page's numbers — a total's average times its count, less any shown
// pages' averages times theirs — may come within 20 % of the sixth
// person's time, on any of the page's periods.
func TestShareTotalsDoNotGiveAwayOnePerson(t *testing.T) {
	s := newFirstRunServer(t)
	const secret = 98.8
	day := s.now.Add(-2 * time.Hour).UTC().Truncate(time.Second)
	var b analytics.Batch
	add := func(site string, i int, path string, dur time.Duration, scroll int) {
		id := fmt.Sprintf("pv%d", i)
		at := day.Add(time.Duration(i) * time.Minute)
		b.PageViews = append(b.PageViews, analytics.PageView{Time: at, Site: site, Visitor: uint64(100 + i), Visit: uint64(200 + i),
			ID: id, Path: path, Country: "FI", Browser: "Firefox", OS: "Linux", Device: analytics.DeviceDesktop})
		b.Leaves = append(b.Leaves, analytics.Leave{Time: at.Add(dur), Site: site, PageView: id, Duration: dur, Scroll: scroll})
	}
	for i := range 5 {
		add("example.fi", i, "/", 10*time.Second, 40)
	}
	add("example.fi", 5, "/secret-page", time.Duration(secret*float64(time.Second)), 95)
	// The other site's folded pages are five people's: its totals are told.
	for i := range 5 {
		add("toinen.fi", 10+i, "/", 10*time.Second, 40)
		add("toinen.fi", 20+i, fmt.Sprintf("/sivu-%d", i), 30*time.Second, 40)
	}
	s.append(t, b)

	a, err := auth.Load(s.authFile)
	if err != nil {
		t.Fatal(err)
	}
	id, err := a.AddShare("example.fi", s.now)
	if err != nil {
		t.Fatal(err)
	}
	other, err := a.AddShare("toinen.fi", s.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Save(s.authFile); err != nil {
		t.Fatal(err)
	}
	get := func(id, period string) sharePage {
		t.Helper()
		s.now = s.now.Add(2 * time.Minute) // past the share cache
		resp, err := http.Get(s.srv.URL + "/share/" + id + "?lang=en&period=" + period)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("share page, %s: %d %s", period, resp.StatusCode, body)
		}
		return parseSharePage(t, string(body))
	}
	if sp := get(other, "7d"); sp.totals["timeonpage"] != "20\u00a0s" || sp.totals["duration"] != "20\u00a0s" {
		t.Errorf("five people's folded pages: time on page %q, visit duration %q; want both 20 s", sp.totals["timeonpage"], sp.totals["duration"])
	}
	for _, period := range periods {
		sp := get(id, period)
		// The page is the one the case describes, or the test proves nothing.
		if sp.totals["visitors"] != "6" || sp.totals["pageviews"] != "6" || sp.totals["visits"] != "6" {
			t.Fatalf("%s: totals %v, want 6 visitors, visits and page views", period, sp.totals)
		}
		if r, ok := sp.pages["/"]; !ok || r.time != "10\u00a0s" || r.views != 5 {
			t.Fatalf("%s: page / is %+v, want 5 views of 10 s", period, r)
		}
		if _, ok := sp.pages["/secret-page"]; ok {
			t.Fatalf("%s: /secret-page has a row of its own under the floor", period)
		}
		var hits []string
		for _, c := range sp.recoveries() {
			if math.Abs(c.value-secret) <= 0.2*secret {
				hits = append(hits, fmt.Sprintf("%s = %.1f s", c.how, c.value))
			}
		}
		// The rule's own outcome (docs/privacy.md): both durations withheld.
		if sp.totals["timeonpage"] != "–" || sp.totals["duration"] != "–" {
			t.Errorf("%s: time on page %q, visit duration %q; want both withheld", period, sp.totals["timeonpage"], sp.totals["duration"])
		}
		if len(hits) > 0 {
			t.Errorf("%s: %d ways to the sixth visitor's %.1f s (totals %v), e.g.\n%s", period, len(hits), secret, sp.totals,
				strings.Join(hits[:min(4, len(hits))], "\n"))
		}
	}
}

// sharePage is what a share page shows: the totals' cards and the pages
// table's rows.
type sharePage struct {
	totals map[string]string // card key → shown value
	pages  map[string]pageRow
}

type pageRow struct {
	visitors, views int64
	time            string
}

var (
	cardRE    = regexp.MustCompile(`id="total-(\w+)"><span class="lbl">[^<]*</span>\n<span class="num">([^<]*)</span>`)
	pagesRE   = regexp.MustCompile(`(?s)<section class="bd[^"]*" id="bd-page"[^>]*>(.*?)</section>`)
	pageRowRE = regexp.MustCompile(`<span title="[^"]*">([^<]*)</span></th>\n<td class="n" title="[^"]*">([^<]*)</td><td class="n">([^<]*)</td><td class="n">([^<]*)</td>`)
)

func parseSharePage(t *testing.T, body string) sharePage {
	t.Helper()
	sp := sharePage{totals: map[string]string{}, pages: map[string]pageRow{}}
	for _, m := range cardRE.FindAllStringSubmatch(body, -1) {
		sp.totals[m[1]] = html.UnescapeString(m[2])
	}
	sec := pagesRE.FindStringSubmatch(body)
	if sec == nil || len(sp.totals) == 0 {
		t.Fatalf("no totals or pages table on the share page:\n%s", body)
	}
	for _, m := range pageRowRE.FindAllStringSubmatch(sec[1], -1) {
		v, _ := strconv.ParseInt(m[2], 10, 64)
		n, _ := strconv.ParseInt(m[3], 10, 64)
		sp.pages[html.UnescapeString(m[1])] = pageRow{visitors: v, views: n, time: html.UnescapeString(m[4])}
	}
	return sp
}

// seconds reads a shown duration ("25 s", "1 min 39 s"); ok is false for
// a withheld one ("–").
func seconds(s string) (float64, bool) {
	f := strings.Fields(strings.ReplaceAll(s, "\u00a0", " "))
	var secs float64
	for i := 0; i+1 < len(f); i += 2 {
		n, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return 0, false
		}
		switch f[i+1] {
		case "h":
			secs += n * 3600
		case "min":
			secs += n * 60
		case "s":
			secs += n
		default:
			return 0, false
		}
	}
	return secs, len(f) > 0 && len(f)%2 == 0
}

type recovery struct {
	how   string
	value float64
}

// recoveries are every per-person value an attacker can compute from sp:
// each shown total average (time on page over page views or visitors,
// visit duration over visits or visitors) times its count, less the shown
// time of every subset of the shown pages, over the people or views left.
func (sp sharePage) recoveries() []recovery {
	var out []recovery
	count := func(k string) float64 {
		n, _ := strconv.ParseFloat(strings.ReplaceAll(sp.totals[k], ",", ""), 64)
		return n
	}
	type shown struct {
		name           string
		sum, views, vs float64
	}
	var rows []shown
	for name, r := range sp.pages {
		if secs, ok := seconds(r.time); ok {
			rows = append(rows, shown{name, secs * float64(r.views), float64(r.views), float64(r.visitors)})
		}
	}
	for _, tot := range []string{"timeonpage", "duration"} {
		avg, ok := seconds(sp.totals[tot])
		if !ok {
			continue
		}
		for _, per := range []string{"pageviews", "visits", "visitors"} {
			n := count(per)
			for mask := 0; mask < 1<<len(rows); mask++ {
				sum, views, vs, how := avg*n, n, n, fmt.Sprintf("%s×%s", tot, per)
				for i, r := range rows {
					if mask&(1<<i) != 0 {
						sum, views, vs = sum-r.sum, views-r.views, vs-r.vs
						how += " − " + r.name
					}
				}
				out = append(out, recovery{how, sum})
				if views > 0 {
					out = append(out, recovery{how + " per view left", sum / views})
				}
				if vs > 0 {
					out = append(out, recovery{how + " per visitor left", sum / vs})
				}
			}
		}
	}
	return out
}
