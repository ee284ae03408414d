package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/storetest"
)

// TestUpgradeFromTextColumns stores the known-answer data in the layout of
// schema version 6 (text in every page-view row), opens it with this code,
// and wants the same reports as the same records appended to a new database.
func TestUpgradeFromTextColumns(t *testing.T) {
	ctx := context.Background()
	ev := storetest.Generate(storetest.Small)
	for i := range ev.Leaves {
		ev.Leaves[i].Scroll = 0 // schema version 6 had no scroll depth
	}
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+path+"?_pragma=page_size(16384)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(`PRAGMA journal_mode = WAL`); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if _, err := old.Exec(migrations[i]); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
	}
	tx, err := old.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ev.PageViews {
		if _, err := tx.Exec(`INSERT INTO pageviews (ts, site, visitor, visit, pageview_id, path,
			utm_source, utm_medium, utm_campaign, utm_term, utm_content, referrer_host,
			country, region, city, browser, browser_version, os, device)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Time.Unix(), p.Site, int64(p.Visitor), int64(p.Visit), p.ID, p.Path,
			p.UTMSource, p.UTMMedium, p.UTMCampaign, p.UTMTerm, p.UTMContent, p.ReferrerHost,
			p.Country, p.Region, p.City, p.Browser, p.BrowserVersion, p.OS, p.Device); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range ev.Leaves {
		if _, err := tx.Exec(`INSERT INTO leaves (ts, site, pageview_id, duration_ms) VALUES (?, ?, ?, ?)`,
			l.Time.Unix(), l.Site, l.PageView, l.Duration.Milliseconds()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(`PRAGMA user_version = 6`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	old.Close()

	now := storetest.Small.Start.AddDate(0, 0, storetest.Small.Days+3)
	clock := WithClock(func() time.Time { return now })
	var progress bytes.Buffer
	upgraded, err := Open(ctx, path, clock, WithProgress(&progress))
	if err != nil {
		t.Fatal(err)
	}
	defer upgraded.Close()
	if !strings.Contains(progress.String(), "schema version 7") {
		t.Errorf("no progress line for the upgrade: %q", progress.String())
	}
	fresh, _ := openTest(t, clock)
	if err := fresh.Append(ctx, analytics.Batch{PageViews: ev.PageViews, Leaves: ev.Leaves}); err != nil {
		t.Fatal(err)
	}
	hel, _ := time.LoadLocation(analytics.DefaultZone)
	for _, site := range storetest.Small.Sites {
		q := analytics.Query{Site: site, From: storetest.Small.Start, To: storetest.Small.Start.AddDate(0, 0, storetest.Small.Days-1), Zone: hel, Limit: 100}
		for _, filters := range [][]analytics.Filter{nil, {{Dim: analytics.DimCountry, Value: "FI"}}} {
			q.Filters = filters
			if got, want := reportJSON(t, upgraded, q), reportJSON(t, fresh, q); got != want {
				t.Errorf("%s %v: upgraded database reports\n%s\nwant\n%s", site, filters, got, want)
			}
		}
	}
	var n int
	upgraded.db.QueryRow(`SELECT COUNT(*) FROM pageviews`).Scan(&n)
	if n != len(ev.PageViews) {
		t.Errorf("%d page views after the upgrade, want %d", n, len(ev.PageViews))
	}
}

func reportJSON(t *testing.T, s *Store, q analytics.Query) string {
	t.Helper()
	r, err := s.Report(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDictionaryValuesGoWithTheirLastPageView: values no page view uses
// any more are deleted by the purge or erasure that removed the last one;
// values still in use stay.
func TestDictionaryValuesGoWithTheirLastPageView(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	s, _ := openTest(t, WithClock(func() time.Time { return day.Add(36 * time.Hour) }))
	pv := func(at time.Duration, visitor uint64, path, city string) analytics.PageView {
		return analytics.PageView{Time: day.Add(at), Site: "example.fi", Visitor: visitor, Visit: visitor, ID: fmt.Sprint("pv", visitor, at),
			Path: path, Country: "FI", City: city, Browser: "Firefox", OS: "Linux"}
	}
	b := analytics.Batch{PageViews: []analytics.PageView{
		pv(time.Hour, 1, "/", "Helsinki"),
		pv(2*time.Hour, 2, "/only-old", "Oulu"),
		pv(30*time.Hour, 3, "/", "Helsinki"),
		pv(31*time.Hour, 4, "/only-erased", "Kuopio"),
		pv(32*time.Hour, 5, "/", "Helsinki"),
	}}
	if err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	values := func(table, col string) string {
		var out []string
		rows, err := s.db.Query(`SELECT ` + col + ` FROM ` + table + ` ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			rows.Scan(&v)
			out = append(out, v)
		}
		return strings.Join(out, " ")
	}
	if got := values("paths", "path"); got != "/ /only-erased /only-old" {
		t.Fatalf("paths = %q", got)
	}
	if _, err := s.Purge(ctx, day.Add(24*time.Hour), day.Add(36*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := values("paths", "path"); got != "/ /only-erased" {
		t.Errorf("after the purge, paths = %q, want / /only-erased", got)
	}
	if got := values("places", "city"); got != "Helsinki Kuopio" {
		t.Errorf("after the purge, cities = %q, want Helsinki Kuopio", got)
	}
	if _, err := s.DeleteVisitor(ctx, "example.fi", 4, day.Add(31*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := values("paths", "path"); got != "/" {
		t.Errorf("after the erasure, paths = %q, want /", got)
	}
	if got := values("places", "city"); got != "Helsinki" {
		t.Errorf("after the erasure, cities = %q, want Helsinki", got)
	}
	if got := values("sites", "site"); got != "example.fi" {
		t.Errorf("sites = %q", got)
	}
	// Everything gone: so is the site.
	if _, err := s.Purge(ctx, day.Add(48*time.Hour), day.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, d := range dictionaries {
		if got := values(d.table, "id"); got != "" {
			t.Errorf("%s keeps rows %q with no page view left", d.table, got)
		}
	}
}

// TestErasureDuringRollupRebuild: an erasure does not wait for a rebuild
// of many days, and the rebuild that it interrupts leaves no count of the
// erased page views behind.
func TestErasureDuringRollupRebuild(t *testing.T) {
	ctx := context.Background()
	cfg := storetest.Config{Seed: 7, Sites: []string{"a.example"}, Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Days: 45, People: 40, Visits: 30, Paths: 20}
	ev := storetest.Generate(cfg)
	now := cfg.Start.AddDate(0, 0, cfg.Days+2)
	clock := WithClock(func() time.Time { return now })
	victim := ev.PageViews[len(ev.PageViews)/20] // on a day of the first chunk
	var kept []analytics.PageView
	for _, p := range ev.PageViews {
		if p.Visitor != victim.Visitor || !p.Time.Truncate(24*time.Hour).Equal(victim.Time.Truncate(24*time.Hour)) {
			kept = append(kept, p)
		}
	}

	s, _ := openTest(t, clock)
	if err := s.Append(ctx, analytics.Batch{PageViews: ev.PageViews}); err != nil {
		t.Fatal(err)
	}
	erased, pauses := false, 0
	s.testHookChunk = func() {
		// The first pause comes before any day is built, the second after
		// the victim's day is.
		if pauses++; pauses == 2 {
			erased = true
			n, err := s.DeleteVisitor(ctx, victim.Site, victim.Visitor, victim.Time)
			if err != nil || n.PageViews == 0 {
				t.Errorf("erasure during the rebuild: %+v, %v", n, err)
			}
		}
	}
	if _, err := s.RefreshRollups(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	if !erased {
		t.Fatal("the rebuild never paused between chunks")
	}

	want, _ := openTest(t, clock)
	if err := want.Append(ctx, analytics.Batch{PageViews: kept}); err != nil {
		t.Fatal(err)
	}
	if _, err := want.RefreshRollups(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	q := analytics.Query{Site: "a.example", From: cfg.Start, To: cfg.Start.AddDate(0, 0, cfg.Days-1), Zone: time.UTC, Limit: 100}
	for _, filters := range [][]analytics.Filter{nil, {{Dim: analytics.DimPage, Value: victim.Path}}} {
		q.Filters = filters
		if got, exp := reportJSON(t, s, q), reportJSON(t, want, q); got != exp {
			t.Errorf("%v: after an erasure during the rebuild the report is\n%s\nwant\n%s", filters, got, exp)
		}
	}
	var rolled int
	s.db.QueryRow(`SELECT COUNT(*) FROM rollup_days WHERE zone = 'UTC'`).Scan(&rolled)
	if rolled < cfg.Days-1 {
		t.Errorf("%d days rolled up after the rebuild, want %d", rolled, cfg.Days)
	}
}
