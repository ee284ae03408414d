package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/storetest"
)

// reportDB writes the known-answer data set into a new database file.
func reportDB(t *testing.T) (string, storetest.Events) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "seloste.db")
	s, err := openStore(context.Background(), path, false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ev := storetest.Generate(storetest.Small)
	for _, b := range ev.Batches(1000) {
		if err := s.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, ev
}

func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestReportJSONMatchesKnownAnswer(t *testing.T) {
	db, ev := reportDB(t)
	out, _, err := runCmd(t, "report", "-db", db, "-site", "a.example", "-from", "2026-03-24", "-to", "2026-04-02",
		"-filter", "country=FI", "-format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Site, From, To, Zone string
		Totals               analytics.Totals
		Previous             analytics.Totals
		Series               []struct {
			T         string
			Visitors  int64
			PageViews int64 `json:"pageviews"`
		}
		Pages []struct {
			Path      string
			Visitors  int64
			PageViews int64   `json:"pageviews"`
			AvgTime   float64 `json:"avg_time_s"`
		}
		EntryPages []map[string]any `json:"entry_pages"`
		Referrers  []map[string]any
		Countries  []map[string]any
		Devices    []map[string]any
		Realtime   *int64
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	hel, _ := time.LoadLocation("Europe/Helsinki")
	q, err := analytics.Query{Site: "a.example", From: time.Date(2026, 3, 24, 0, 0, 0, 0, hel), To: time.Date(2026, 4, 2, 0, 0, 0, 0, hel),
		Zone: hel, Filters: []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := storetest.Expect(ev, q, time.Now())
	if doc.Site != "a.example" || doc.From != "2026-03-24" || doc.To != "2026-04-02" || doc.Zone != "Europe/Helsinki" {
		t.Errorf("head = %q %q %q %q", doc.Site, doc.From, doc.To, doc.Zone)
	}
	if doc.Totals.Visitors != want.Totals.Visitors || doc.Totals.PageViews != want.Totals.PageViews ||
		doc.Totals.Visits != want.Totals.Visits || doc.Previous.Visitors != want.Previous.Visitors ||
		doc.Totals.BounceRate != roundTo(want.Totals.BounceRate, 4) || doc.Totals.AvgTimeOnPage != roundTo(want.Totals.AvgTimeOnPage, 2) {
		t.Errorf("totals %+v, want %+v", doc.Totals, want.Totals)
	}
	if len(doc.Series) != 10 || doc.Series[0].T != "2026-03-24T00:00:00+02:00" {
		t.Errorf("series %+v", doc.Series)
	}
	wantPages := want.Breakdowns[analytics.DimPage]
	if len(doc.Pages) != len(wantPages) || doc.Pages[0].Path != wantPages[0].Value || doc.Pages[0].PageViews != wantPages[0].PageViews ||
		doc.Pages[0].AvgTime != roundTo(wantPages[0].AvgTime, 2) {
		t.Errorf("pages[0] = %+v, want %+v (of %d)", doc.Pages[0], wantPages[0], len(wantPages))
	}
	if len(doc.Countries) != 1 || doc.Countries[0]["code"] != "FI" || doc.Countries[0]["name"] != "Finland" {
		t.Errorf("countries = %v", doc.Countries)
	}
	if _, ok := doc.EntryPages[0]["visits"]; !ok {
		t.Errorf("entry page rows have no visits: %v", doc.EntryPages[0])
	}
	if _, ok := doc.Referrers[0]["host"]; !ok || doc.Realtime == nil || len(doc.Devices) == 0 {
		t.Errorf("referrers %v, realtime %v, devices %v", doc.Referrers, doc.Realtime, doc.Devices)
	}
}

func roundTo(x float64, d int) float64 {
	p := math.Pow10(d)
	return math.Round(x*p) / p
}

// TestReportChannels: the channel breakdown and filter through the CLI,
// with the known answer's numbers, and the sqlite: form of -db.
func TestReportChannels(t *testing.T) {
	db, ev := reportDB(t)
	out, _, err := runCmd(t, "report", "-db", "sqlite:"+db, "-site", "a.example", "-from", "2026-03-24", "-to", "2026-04-02",
		"-filter", "channel=Organic Search", "-format", "csv", "-breakdown", "channel")
	if err != nil {
		t.Fatal(err)
	}
	hel, _ := time.LoadLocation("Europe/Helsinki")
	q, err := analytics.Query{Site: "a.example", From: time.Date(2026, 3, 24, 0, 0, 0, 0, hel), To: time.Date(2026, 4, 2, 0, 0, 0, 0, hel),
		Zone: hel, Filters: []analytics.Filter{{Dim: analytics.DimChannel, Value: analytics.ChannelOrganicSearch}}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	rows := storetest.Expect(ev, q, time.Now()).Breakdowns[analytics.DimChannel]
	if len(rows) != 1 || rows[0].Visits == 0 {
		t.Fatalf("the known answer has channel rows %+v; want one, Organic Search", rows)
	}
	want := "name,visitors,visits\nOrganic Search," + strconv.FormatInt(rows[0].Visitors, 10) + "," + strconv.FormatInt(rows[0].Visits, 10) + "\n"
	if out != want {
		t.Errorf("channels CSV:\n%s\nwant:\n%s", out, want)
	}
	if _, _, err := runCmd(t, "report", "-db", "postgres://127.0.0.1:5432/x"); err == nil || !strings.Contains(err.Error(), `unknown engine "postgres"`) {
		t.Errorf("an unknown engine: %v", err)
	}
	// A ClickHouse server that is not there: said so, with the address.
	if _, _, err := runCmd(t, "report", "-db", "clickhouse://127.0.0.1:1/x"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("an unreachable ClickHouse server: %v", err)
	}
}

func TestReportTableAndCSV(t *testing.T) {
	db, _ := reportDB(t)
	out, _, err := runCmd(t, "report", "-db", db, "-site", "b.example", "-from", "2026-03-24", "-to", "2026-04-02", "-limit", "3")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"b.example  2026-03-24 – 2026-04-02 (Europe/Helsinki)", "Visitors", "Bounce rate", "previous",
		"Pages", "Entry pages", "Countries", "(muut)", "Realtime:", "Visitors by day: "} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	// -limit 3: three rows and (muut) under each long breakdown.
	pages := out[strings.Index(out, "\nPages"):]
	pages = pages[:strings.Index(pages[1:], "\n\n")+1]
	if n := strings.Count(pages, "\n"); n != 5 { // blank line before, header, 3 rows, (muut)
		t.Errorf("pages section has %d lines:\n%s", n, pages)
	}

	out, _, err = runCmd(t, "report", "-db", db, "-site", "b.example", "-from", "2026-03-24", "-to", "2026-04-02", "-format", "csv", "-breakdown", "pages")
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "path,visitors,pageviews,avg_time_s,avg_scroll_pct" || len(recs) != 26 {
		t.Errorf("csv header %v, %d records (want 25 paths + header)", recs[0], len(recs))
	}
	out, _, err = runCmd(t, "report", "-db", db, "-site", "b.example", "-from", "2026-03-29", "-to", "2026-03-29", "-format", "csv", "-breakdown", "series")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out, "\n"); lines != 24 || !strings.HasPrefix(out, "t,visitors,pageviews\n2026-03-29T00:00:00+02:00,") {
		t.Errorf("DST day series: %d lines (want header + 23 hours):\n%s", lines, out)
	}
}

func TestReportErrors(t *testing.T) {
	db, _ := reportDB(t)
	missing := filepath.Join(t.TempDir(), "nosuch.db")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"missing db", []string{"-db", missing, "-site", "a.example"}, "does not exist"},
		{"unknown site", []string{"-db", db, "-site", "c.example"}, `site "c.example" has no data`},
		{"several sites", []string{"-db", db}, "several sites; choose one of a.example, b.example (-site chooses)"},
		{"bad date", []string{"-db", db, "-site", "a.example", "-from", "2026-02-30"}, `-from: first day "2026-02-30": not a date`},
		{"backwards", []string{"-db", db, "-site", "a.example", "-from", "2026-03-10", "-to", "2026-03-01"}, "ends (2026-03-01) before it begins"},
		{"to with shortcut", []string{"-db", db, "-site", "a.example", "-from", "7d", "-to", "2026-03-01"}, "can't be used with 7d"},
		{"bad filter", []string{"-db", db, "-site", "a.example", "-filter", "shoe=44"}, `unknown dimension "shoe"`},
		{"filter without =", []string{"-db", db, "-site", "a.example", "-filter", "country"}, "want dimension=value"},
		{"bad format", []string{"-db", db, "-format", "xml"}, `unknown -format "xml"`},
		{"bad breakdown", []string{"-db", db, "-format", "csv", "-breakdown", "shoes"}, `unknown dimension "shoes"`},
		{"bad zone", []string{"-db", db, "-zone", "Mars/Olympus"}, `unknown time zone "Mars/Olympus"`},
	} {
		_, errOut, err := runCmd(t, append([]string{"report"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error()+errOut, c.want) {
			t.Errorf("%s: err = %v (stderr %q), want it to say %q", c.name, err, errOut, c.want)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("report created the missing database")
	}
}

func TestPurgeCommand(t *testing.T) {
	db, ev := reportDB(t)
	out, _, err := runCmd(t, "purge", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "retention 3y") || !strings.Contains(out, "page views   0\n") {
		t.Errorf("default purge (3 years) should delete nothing from 2026:\n%s", out)
	}
	// The data is from March 2026; a retention of one day deletes it all
	// (the test runs later than that).
	out, _, err = runCmd(t, "purge", "-db", db, "-retention", "1d")
	if err != nil {
		t.Fatal(err)
	}
	if want := "page views   " + itoa(len(ev.PageViews)) + "\n"; !strings.Contains(out, want) {
		t.Errorf("purge -retention 1d: want %q in\n%s", want, out)
	}
	for _, bad := range []string{"0d", "3 years", "-1y", ""} {
		if _, _, err := runCmd(t, "purge", "-db", db, "-retention", bad); err == nil {
			t.Errorf("purge -retention %q succeeded", bad)
		}
	}
	if _, _, err := runCmd(t, "purge", "-db", filepath.Join(t.TempDir(), "nosuch.db")); err == nil {
		t.Error("purge of a missing database succeeded")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
