package plausible

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/imports"
	"github.com/seloste/seloste/analytics/storetest"
)

// sourceVisit is one visit as a row of imported_sources and as a browser
// made it.
type sourceVisit struct {
	referrer, source string
	utm              [3]string // utm_source, utm_medium, utm_campaign
	browser          string    // the referrer the browser sent
}

// sourceVisits: referrers as URLs (seloste's own export, hand-made files)
// and as Plausible writes them (host and path without "www."; its source
// names), rows with only a source, direct rows and tagged rows.
var sourceVisits = []sourceVisit{
	{"https://www.google.com/search?q=x", "Google", [3]string{}, "https://www.google.com/"},
	{"https://duckduckgo.com/", "DuckDuckGo", [3]string{}, "https://duckduckgo.com/"},
	{"https://user:pw@www.example.org:8443/a?b=1#c", "example.org", [3]string{}, "https://www.example.org/a"},
	{"google.com", "Google", [3]string{}, "https://www.google.com/"},
	{"fi.wikipedia.org/wiki/Kuopio", "Wikipedia", [3]string{}, "https://fi.wikipedia.org/wiki/Kuopio"},
	{"l.facebook.com", "Facebook", [3]string{}, "https://l.facebook.com/"},
	{"", "Bing", [3]string{}, "https://www.bing.com/"},
	{"", "Direct / None", [3]string{}, ""},
	{"", "", [3]string{}, ""},
	{"", "Newsletter", [3]string{"newsletter", "email", ""}, ""},
	{"t.co/abc", "Twitter", [3]string{"twitter", "social", "kevat"}, "https://t.co/abc"},
}

// TestImportReferrers: an imported_sources file with URLs and Plausible's
// own forms gives the referrer, channel and UTM rows of the same visits
// collected (their referrers through analytics.ReferrerHost, as the
// collector does).
func TestImportReferrers(t *testing.T) {
	day := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "imported_sources_20250601_20250601.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(tables[1].columns)
	var native analytics.Batch
	for i, v := range sourceVisits {
		w.Write([]string{"2025-06-01", v.source, v.referrer, v.utm[0], v.utm[1], v.utm[2], "", "", "1", "1", "1", "30", "1"})
		native.PageViews = append(native.PageViews, analytics.PageView{
			Time: day.Add(time.Duration(i) * time.Minute), Site: "example.fi", Visitor: uint64(i + 1), Visit: uint64(i + 1),
			ID: fmt.Sprint("p", i), Path: "/", ReferrerHost: analytics.ReferrerHost(v.browser),
			UTMSource: v.utm[0], UTMMedium: v.utm[1], UTMCampaign: v.utm[2],
		})
	}
	w.Flush()
	if err := f.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}
	if tables[1].name != "imported_sources" {
		t.Fatal("tables[1] is not imported_sources")
	}

	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	imported := openStore(t, now)
	if _, err := Import(ctx, imported, "example.fi", dir, imports.DefaultLimits, nil); err != nil {
		t.Fatal(err)
	}
	collected := openStore(t, now)
	if err := collected.Append(ctx, native); err != nil {
		t.Fatal(err)
	}
	q := analytics.Query{Site: "example.fi", From: day.Truncate(24 * time.Hour), To: day.Truncate(24 * time.Hour), Zone: time.UTC}
	have, err := imported.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want, err := collected.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SameRows(t, have, want, analytics.DimReferrer, analytics.DimChannel, analytics.DimUTMSource, analytics.DimUTMMedium, analytics.DimUTMCampaign)
	if n := len(want.Breakdowns[analytics.DimReferrer]); n < 7 {
		t.Fatalf("only %d referrer rows collected", n)
	}
}

// TestImportRefusesIncomplete: a table file without a column that every
// version of Plausible's export writes and seloste reads is refused,
// naming the file and the columns; the column sets of older and newer
// versions are accepted.
func TestImportRefusesIncomplete(t *testing.T) {
	importFile := func(t *testing.T, name, header, row string) error {
		t.Helper()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(header+"\n"+row+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		s := openStore(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		_, err := Import(ctx, s, "example.fi", dir, imports.DefaultLimits, nil)
		if err != nil {
			if list, _ := s.Imports(ctx, "example.fi"); len(list) != 0 {
				t.Errorf("a refused import left %v", list)
			}
		}
		return err
	}

	err := importFile(t, "imported_visitors_20240101_20241231.csv", "date,visitors", "2024-01-01,5")
	if err == nil || !strings.Contains(err.Error(), "imported_visitors_20240101_20241231.csv:1: missing columns pageviews, bounces, visits, visit_duration") {
		t.Errorf("visitors with date and visitors only: %v", err)
	}

	// Every required column, left out, is named.
	for _, tb := range tables {
		for _, c := range tb.required {
			if c == "date" {
				continue
			}
			var header, row []string
			for _, col := range tb.columns {
				if col != c {
					header = append(header, col)
					row = append(row, value(col))
				}
			}
			name := tb.name + "_20240101_20240101.csv"
			err := importFile(t, name, strings.Join(header, ","), strings.Join(row, ","))
			if err == nil || !strings.Contains(err.Error(), name+":1: missing columns "+c+" (") {
				t.Errorf("%s without %s: %v", tb.name, c, err)
			}
		}
	}

	// The shapes Plausible's exporter wrote: before version 2.1 (its CSV
	// importer's input structures), and since (scroll depth and time on
	// page in pages, added in 3.0).
	for name, header := range map[string]string{
		"imported_sources":           "date,source,utm_medium,utm_campaign,utm_content,utm_term,visitors,visits,visit_duration,bounces",
		"imported_pages":             "date,hostname,page,visitors,pageviews,exits,time_on_page",
		"imported_exit_pages":        "date,exit_page,visitors,exits",
		"imported_entry_pages":       "date,entry_page,visitors,entrances,visit_duration,bounces",
		"imported_browsers":          "date,browser,visitors,visits,visit_duration,bounces",
		"imported_operating_systems": "date,operating_system,visitors,visits,visit_duration,bounces",
		"imported_locations":         "date,country,region,city,visitors,visits,visit_duration,bounces",
		"imported_devices":           "date,device,visitors,visits,visit_duration,bounces",
		"imported_custom_events":     "date,name,link_url,visitors,events",
		"imported_visitors":          "date,visitors,pageviews,bounces,visits,visit_duration",
	} {
		if err := importFile(t, name+"_20240101_20240101.csv", header, rowFor(header)); err != nil {
			t.Errorf("%s as older versions wrote it: %v", name, err)
		}
	}
	newer := "date,hostname,page,visits,visitors,pageviews,total_scroll_depth,total_scroll_depth_visits,total_time_on_page,total_time_on_page_visits"
	if err := importFile(t, "imported_pages_20240101_20240101.csv", newer, rowFor(newer)); err != nil {
		t.Errorf("pages as newer versions write them: %v", err)
	}
}

// value is a valid value of a column.
func value(col string) string {
	switch col {
	case "date":
		return "2024-01-01"
	case "source", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
		"hostname", "page", "entry_page", "exit_page", "name", "link_url", "path",
		"country", "region", "device", "browser", "browser_version", "operating_system", "operating_system_version":
		return "x"
	}
	return "1"
}

func rowFor(header string) string {
	var row []string
	for _, col := range strings.Split(header, ",") {
		row = append(row, value(col))
	}
	return strings.Join(row, ",")
}
