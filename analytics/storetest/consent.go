package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// consentModel sums counts the plain way: the expected totals of a site's
// days [from, to] (inclusive, "2006-01-02").
func consentModel(counts []analytics.ConsentCount, site, from, to string) analytics.ConsentTotals {
	var t analytics.ConsentTotals
	for _, c := range counts {
		if c.Site == site && c.Day >= from && c.Day <= to {
			t.Add(c.ConsentTotals)
		}
	}
	return t
}

// capConsent: consent banner counts are added up per site and day across
// appends (and within one), reported for an unfiltered period only,
// purged with the retention, and scanned for a migration.
func capConsent(t *testing.T, open Opener) {
	ctx := context.Background()
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	e := open(t, now)
	count := func(day, site string, shown, accepted, declined int64) analytics.ConsentCount {
		return analytics.ConsentCount{Day: day, Site: site, ConsentTotals: analytics.ConsentTotals{Shown: shown, Accepted: accepted, Declined: declined}}
	}
	var stored []analytics.ConsentCount
	for _, b := range []analytics.Batch{
		{Consent: []analytics.ConsentCount{count("2026-03-01", "a.example", 1, 0, 0), count("2026-03-01", "a.example", 0, 1, 0), count("2026-03-02", "b.example", 4, 1, 2)}},
		{Consent: []analytics.ConsentCount{count("2026-03-01", "a.example", 3, 1, 1), count("2026-03-03", "a.example", 10, 6, 3)},
			PageViews: []analytics.PageView{{Time: now.Add(-time.Hour), Site: "a.example", Visitor: 1, Visit: 1, ID: "c1", Path: "/"}}},
		{Consent: []analytics.ConsentCount{count("2026-03-05", "a.example", 2, 0, 2), count("2026-03-03", "a.example", 1, 1, 0)}},
	} {
		if err := e.Append(ctx, b); err != nil {
			t.Fatalf("append: %v", err)
		}
		stored = append(stored, b.Consent...)
	}
	check := func(step string, counts []analytics.ConsentCount) {
		t.Helper()
		for _, c := range []struct {
			site, from, to string
			filtered       bool
		}{
			{"a.example", "2026-03-01", "2026-03-19", false},
			{"a.example", "2026-03-02", "2026-03-03", false},
			{"a.example", "2026-03-05", "2026-03-05", false},
			{"a.example", "2026-03-06", "2026-03-19", false}, // none counted
			{"b.example", "2026-03-01", "2026-03-05", false},
			{"a.example", "2026-03-01", "2026-03-19", true},
		} {
			q := analytics.Query{Site: c.site, From: mustDay(t, c.from), To: mustDay(t, c.to), Zone: time.UTC}
			if c.filtered {
				q.Filters = []analytics.Filter{{Dim: analytics.DimPage, Value: "/"}}
			}
			r, err := e.Report(ctx, q)
			if err != nil {
				t.Fatalf("%s: report: %v", step, err)
			}
			want := consentModel(counts, c.site, c.from, c.to)
			name := fmt.Sprintf("%s: %s %s..%s filtered=%v", step, c.site, c.from, c.to, c.filtered)
			switch {
			case c.filtered || want == (analytics.ConsentTotals{}):
				if r.Consent != nil {
					t.Errorf("%s: Consent = %+v, want none", name, *r.Consent)
				}
			case r.Consent == nil:
				t.Errorf("%s: Consent = nil, want %+v", name, want)
			case *r.Consent != want:
				t.Errorf("%s: Consent = %+v, want %+v", name, *r.Consent, want)
			}
		}
	}
	check("stored", stored)

	if scan, ok := e.(analytics.RecordScanner); ok {
		got := map[string]analytics.ConsentTotals{}
		err := scan.ScanRecords(ctx, 2, func(b analytics.Batch) error {
			for _, c := range b.Consent {
				v := got[c.Site+" "+c.Day]
				v.Add(c.ConsentTotals)
				got[c.Site+" "+c.Day] = v
			}
			return nil
		})
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		want := map[string]analytics.ConsentTotals{}
		for _, c := range stored {
			v := want[c.Site+" "+c.Day]
			v.Add(c.ConsentTotals)
			want[c.Site+" "+c.Day] = v
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("scanned consent counts %v, want %v", got, want)
		}
	}

	// The retention: days before the cut-off's go, site-days counted.
	purged, err := e.Purge(ctx, time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC), now)
	if err != nil {
		t.Fatalf("purge: %v", err)
	}
	var kept []analytics.ConsentCount
	gone := map[string]bool{}
	for _, c := range stored {
		if c.Day < "2026-03-03" {
			gone[c.Site+" "+c.Day] = true
			continue
		}
		kept = append(kept, c)
	}
	if purged.Consent != int64(len(gone)) {
		t.Errorf("purge: %d days of consent counts deleted, want %d", purged.Consent, len(gone))
	}
	check("purged", kept)
}

func mustDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, s, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
