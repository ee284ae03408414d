package mailreport

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/mailreport/smtptest"
	"github.com/seloste/seloste/analytics/sqlite"
	"github.com/seloste/seloste/analytics/storetest"
)

// TestSummaryKnownAnswer mails the weekly summary of the known-answer data
// set from a real SQLite store and checks its numbers against the plain
// model (storetest.Expect): the mail shows the store's report, unchanged.
func TestSummaryKnownAnswer(t *testing.T) {
	ctx := context.Background()
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seloste.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ev := storetest.Generate(storetest.Small)
	for _, b := range ev.Batches(1000) {
		if err := store.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	srv := smtptest.New(t, smtptest.FreePort(t))
	srv.Start()
	sender, err := NewSMTP(SMTPConfig{Host: "localhost", Port: srv.Port, Security: None, From: "seloste@example.fi"})
	if err != nil {
		t.Fatal(err)
	}
	spool, _ := OpenSpool(t.TempDir())
	// Monday 30 March 2026: the week before is 23–29 March, the data's
	// first six days, across the spring DST change.
	now := time.Date(2026, 3, 30, 9, 0, 0, 0, helsinki)
	goals := storetest.EventConfig.Goals
	m, err := New(Config{
		Sender: sender, From: "seloste@example.fi", Spool: spool, Reporter: store,
		Recipients: func(context.Context) ([]Recipient, error) {
			return []Recipient{{Email: "ada@example.fi", Lang: English, Weekly: true, Sites: []string{"a.example"}}}, nil
		},
		Sites: []string{"a.example", "b.example"}, Zone: helsinki, Hour: 7, MinVisitors: 5, Goals: goals,
		Alerts: AlertConfig{Off: true}, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Tick(ctx)
	got := srv.Next()
	if len(got) != 1 {
		t.Fatalf("%d messages, want one (a.example's weekly, for its one recipient)", len(got))
	}
	q, err := SummaryQuery("a.example", Weekly, now, helsinki, 5, goals).Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := storetest.Expect(ev, q, now)
	if want.Totals.Visitors < 50 {
		t.Fatalf("the model has %d visitors in the week: the test reads nothing", want.Totals.Visitors)
	}
	text := squash(got[0].Text)
	l := English
	c, ok := analytics.Change(float64(want.Totals.PageViews), float64(want.Previous.PageViews))
	lines := []string{
		fmt.Sprintf("Visitors %s %s", l.number(want.Totals.Visitors), l.number(want.Previous.Visitors)),
		fmt.Sprintf("Visits %s %s", l.number(want.Totals.Visits), l.number(want.Previous.Visits)),
		fmt.Sprintf("Page views %s %s %s", l.number(want.Totals.PageViews), l.number(want.Previous.PageViews), l.change(c, ok)),
	}
	for _, r := range want.Breakdowns[analytics.DimPage] {
		name := r.Value
		if name == analytics.Other {
			name = "(other)"
		}
		lines = append(lines, fmt.Sprintf("%s %s", name, l.number(r.Visitors)))
	}
	for _, r := range want.Breakdowns[analytics.DimCountry] {
		name := map[string]string{analytics.Other: "(other)", "": "(unknown)"}[r.Value]
		if name == "" {
			name = analytics.CountryName(r.Value)
		}
		lines = append(lines, fmt.Sprintf("%s %s", name, l.number(r.Visitors)))
	}
	for _, g := range want.Goals {
		if g.Visitors < 5 {
			lines = append(lines, fmt.Sprintf("%s < 5", g.Name))
		} else {
			lines = append(lines, fmt.Sprintf("%s %s · %s", g.Name, l.number(g.Visitors), l.percent(g.ConversionRate)))
		}
	}
	for _, p := range want.Series {
		lines = append(lines, fmt.Sprintf("%s %s", l.date(p.T.In(helsinki)), l.number(p.PageViews)))
	}
	for _, line := range lines {
		if !strings.Contains(text, line) {
			t.Errorf("the mail lacks %q:\n%s", line, got[0].Text)
		}
	}
	for _, r := range want.Breakdowns[analytics.DimPage] {
		if r.Value != analytics.Other && r.Visitors < 5 {
			t.Errorf("page %s has %d visitors, under the floor", r.Value, r.Visitors)
		}
	}
}
