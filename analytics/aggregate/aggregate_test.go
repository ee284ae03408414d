package aggregate

import (
	"reflect"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/storetest"
)

// The definitions are checked against storetest's independent model by
// every engine's run of the shared suite; these tests cover what only this
// package sees: the binary forms and corrupt input.

// testDays builds the Helsinki days of the known-answer data set of site.
func testDays(t testing.TB, site string) []*Day {
	t.Helper()
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	ev := storetest.Generate(storetest.Small)
	leaves := map[string]int64{}
	for _, l := range ev.Leaves {
		leaves[l.PageView] = max(leaves[l.PageView], l.Duration.Milliseconds())
	}
	byDay := map[int64][]View{}
	values := NewValues()
	for i, p := range ev.PageViews {
		if p.Site != site {
			continue
		}
		start := analytics.Midnight(p.Time, hel).Unix()
		v := View{TS: p.Time.Unix(), Seq: int64(i), Visitor: p.Visitor, Visit: p.Visit, Dur: -1}
		if ms, ok := leaves[p.ID]; ok {
			v.Dur = ms
		}
		for f, s := range [NumFields]string{p.Path, p.ReferrerHost, p.UTMSource, p.UTMMedium, p.UTMCampaign, p.Country, p.Region, p.City, p.Browser, p.OS, p.Device} {
			v.Values[f] = values.Code(f, []byte(s))
		}
		byDay[start] = append(byDay[start], v)
	}
	var days []*Day
	for d := analytics.Midnight(storetest.Small.Start, hel); d.Before(storetest.Small.Start.AddDate(0, 0, storetest.Small.Days)); d = d.AddDate(0, 0, 1) {
		prior := sources(byDay[d.AddDate(0, 0, -1).Unix()], values)
		days = append(days, NewBuilder().Build(d.Unix(), byDay[d.Unix()], values, func(visit uint64) (Source, bool) {
			s, ok := prior[visit]
			return s, ok
		}))
	}
	return days
}

func TestDayRoundTrip(t *testing.T) {
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	var dec DayDecoder
	for _, d := range testDays(t, "a.example") {
		b := d.AppendBinary(nil)
		want := Stats(d, hel)
		got, err := dec.Decode(b, d.AppendTimes(nil), d.Start)
		if err != nil {
			t.Fatalf("%s: %v", time.Unix(d.Start, 0), err)
		}
		have := Stats(got, hel)
		if !reflect.DeepEqual(want, have) {
			t.Errorf("%s: decoded day counts differently", time.Unix(d.Start, 0))
		}
		// Without its times, the same numbers but no hours.
		var quick DayDecoder
		got, err = quick.Decode(b, nil, d.Start)
		if err != nil {
			t.Fatalf("%s without times: %v", time.Unix(d.Start, 0), err)
		}
		have = Stats(got, hel)
		if have.Hours != nil || !reflect.DeepEqual(want.Totals, have.Totals) || !reflect.DeepEqual(want.Rows, have.Rows) {
			t.Errorf("%s: decoded without times, the day counts differently", time.Unix(d.Start, 0))
		}
		if d.Len() > 0 && len(b) > 40*d.Len() {
			t.Errorf("%d bytes for %d page views: the encoding grew", len(b), d.Len())
		}
	}
}

func TestRowsRoundTrip(t *testing.T) {
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	sum, again := NewRows(), NewRows()
	for _, d := range testDays(t, "b.example") {
		st := Stats(d, hel)
		sum.Merge(st.Rows)
		if err := again.AddEncoded(st.Rows.AppendRows(nil)); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(sum, again) {
		t.Error("rows differ after encoding")
	}
	if err := NewRows().AddEncoded([]byte{200, 1, 2}); err == nil {
		t.Error("corrupt rows decoded")
	}
}

// FuzzDecodeDay: a corrupt packed day, or corrupt times of a sound one, is
// an error, never a panic, and a day that decodes can be counted.
func FuzzDecodeDay(f *testing.F) {
	days := testDays(f, "a.example")
	for i, d := range days {
		if i < 3 {
			f.Add(d.AppendBinary(nil))
			f.Add(d.AppendTimes(nil))
		}
	}
	f.Add([]byte{dayFormat})
	f.Add([]byte{})
	sound := days[2]
	soundViews := sound.AppendBinary(nil)
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	count := func(d *Day) {
		Stats(d, hel)
		sc := NewScratch(func(int, string, *RowCounts) {})
		sc.Count(d, []analytics.Filter{{Dim: analytics.DimChannel, Value: analytics.ChannelDirect}}, hel, true)
		sc.Flush()
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var dec DayDecoder
		if d, err := dec.Decode(b, nil, 1774994400); err == nil {
			count(d)
		}
		if d, err := dec.Decode(soundViews, b, sound.Start); err == nil {
			count(d)
		}
	})
}

func TestDecodeRejectsTruncated(t *testing.T) {
	d := testDays(t, "a.example")[2]
	b := d.AppendBinary(nil)
	var dec DayDecoder
	for _, n := range []int{1, len(b) / 3, len(b) / 2, len(b) - 1} {
		if _, err := dec.Decode(b[:n], nil, d.Start); err == nil {
			t.Errorf("a day cut to %d of %d bytes decoded", n, len(b))
		}
	}
	times := d.AppendTimes(nil)
	for _, n := range []int{0, 1, len(times) - 1} {
		if _, err := dec.Decode(b, times[:n], d.Start); err == nil {
			t.Errorf("a day with its times cut to %d of %d bytes decoded", n, len(times))
		}
	}
}

// TestVisitsRoundTrip: a packed day's visit ids come back in its visit
// order, so that a goal filter keeps the same page views as on the Day
// built from page views; ids of another day, or cut, are refused.
func TestVisitsRoundTrip(t *testing.T) {
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	days := testDays(t, "a.example")
	var dec DayDecoder
	for _, d := range days[1:4] {
		// Every other visit converted: the filter must keep exactly those.
		conv := map[uint64]bool{}
		for i, v := range d.Visit {
			if i%2 == 0 {
				conv[v] = true
			}
		}
		count := func(d *Day) Counts {
			p := NewPeriod(analytics.Query{Goal: "g", Zone: hel}, false)
			p.Conversions = &Conversions{days: map[int64]map[uint64]bool{d.Start: conv}}
			p.AddDay(d, 0)
			return p.Totals
		}
		want := count(d)
		if want.Visits != int64(len(conv)) || want.PageViews == 0 {
			t.Fatalf("%s: the goal filter kept %d visits, %d page views; want %d visits", time.Unix(d.Start, 0), want.Visits, want.PageViews, len(conv))
		}
		got, err := dec.Decode(d.AppendBinary(nil), nil, d.Start)
		if err != nil {
			t.Fatal(err)
		}
		if err := dec.DecodeVisits(got, d.AppendVisits(nil)); err != nil {
			t.Fatal(err)
		}
		if have := count(got); have != want {
			t.Errorf("%s: decoded day with its visits counts %+v; want %+v", time.Unix(d.Start, 0), have, want)
		}
		visits := d.AppendVisits(nil)
		if err := dec.DecodeVisits(got, visits[:len(visits)-8]); err == nil {
			t.Errorf("%s: visit ids one short decoded", time.Unix(d.Start, 0))
		}
		other := days[0]
		if len(other.Visit) != len(d.Visit) {
			if err := dec.DecodeVisits(got, other.AppendVisits(nil)); err == nil {
				t.Errorf("%s: another day's visit ids decoded", time.Unix(d.Start, 0))
			}
		}
	}
}

// TestVisitSetRoundTrip: kept conversions come back as they were; a cut
// or padded encoding is an error.
func TestVisitSetRoundTrip(t *testing.T) {
	for _, set := range []map[uint64]bool{{}, {7: true}, {1: true, 1 << 40: true, ^uint64(0) - 1: true, 12345: true}} {
		b := appendVisitSet(nil, set)
		c := &Conversions{days: map[int64]map[uint64]bool{}}
		if err := c.decodeDay(86400, b); err != nil {
			t.Fatalf("%v: %v", set, err)
		}
		got := c.Day(86400)
		if len(set) == 0 && got != nil || len(set) > 0 && !reflect.DeepEqual(got, set) {
			t.Errorf("decoded %v; want %v", got, set)
		}
		if len(set) > 0 {
			if err := c.decodeDay(86400, b[:len(b)-1]); err == nil {
				t.Errorf("%v cut by a byte decoded", set)
			}
		}
		if err := c.decodeDay(86400, append(b, 0)); err == nil {
			t.Errorf("%v with a byte more decoded", set)
		}
	}
}

func TestCountsRoundTrip(t *testing.T) {
	c := Counts{Visitors: 1, Visits: 2, PageViews: 3, Bounces: 4, VisitMs: 1 << 40, TimedViews: 6, TimeMs: 7, Bots: 0, TimedVisitors: 9}
	b := AppendCounts(nil, c)
	if got, err := DecodeCounts(b); err != nil || got != c {
		t.Errorf("decoded %+v, %v; want %+v", got, err, c)
	}
	for _, bad := range [][]byte{b[:len(b)-1], append(b, 0), nil} {
		if _, err := DecodeCounts(bad); err == nil {
			t.Errorf("%x decoded", bad)
		}
	}
}

func BenchmarkCountDay(b *testing.B) {
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	d := testDays(b, "a.example")[3]
	sc := NewScratch(func(int, string, *RowCounts) {})
	filters := []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}
	for b.Loop() {
		sc.Count(d, filters, hel, false)
	}
	sc.Flush()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(d.Len()), "ns/pageview")
}

// sources returns the source of every visit among views (any order, values
// in t): that of its first page view. The test's look-back for the next day's
// Day, kept apart from Entries, which the engines use.
func sources(views []View, t *Values) map[uint64]Source {
	first := map[uint64]int{}
	for i := range views {
		if j, ok := first[views[i].Visit]; !ok || views[i].Before(&views[j]) {
			first[views[i].Visit] = i
		}
	}
	out := make(map[uint64]Source, len(first))
	for visit, i := range first {
		out[visit] = SourceOf(&views[i], t)
	}
	return out
}
