package mailreport

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/mailreport/smtptest"
)

// fakeReporter answers summaries with one known report, as a store would
// have computed it, and hourly series from known counts.
type fakeReporter struct {
	mu      sync.Mutex
	queries []analytics.Query
	hourly  map[string]map[string][]int64 // site → day → page views by hour
}

func (f *fakeReporter) Report(_ context.Context, q analytics.Query) (*analytics.Report, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	rep := &analytics.Report{Site: q.Site, From: q.From, To: q.To, Zone: q.Zone, Interval: q.Interval}
	if q.Interval == analytics.Hour {
		counts := f.hourly[q.Site][q.From.Format(time.DateOnly)]
		for i, t := range q.Buckets() {
			var n int64
			if i < len(counts) {
				n = counts[i]
			}
			rep.Series = append(rep.Series, analytics.Point{T: t, PageViews: n})
		}
		return rep, nil
	}
	rep.Totals = analytics.Totals{Visitors: 1234, Visits: 1500, PageViews: 4321, BounceRate: 0.42, AvgVisitDuration: 65}
	rep.Previous = analytics.Totals{Visitors: 1000, Visits: 1400, PageViews: 4000, BounceRate: 0.5, AvgVisitDuration: 60}
	for i, t := range q.Buckets() {
		rep.Series = append(rep.Series, analytics.Point{T: t, PageViews: int64(100 * (i + 1))})
	}
	rep.Breakdowns = map[analytics.Dimension][]analytics.Row{
		analytics.DimPage:     {{Value: "/hinnasto", Visitors: 700}, {Value: "/", Visitors: 500}, {Value: analytics.Other, Visitors: 34}},
		analytics.DimReferrer: {{Value: "", Visitors: 800}, {Value: "duckduckgo.com", Visitors: 400}},
		analytics.DimCountry:  {{Value: "FI", Visitors: 1100}, {Value: "SE", Visitors: 120}},
	}
	rep.Goals = []analytics.GoalRow{{Name: "Tilaus", Visitors: 62, ConversionRate: 0.05}, {Name: "Harvinainen", Visitors: 2}}
	return rep, nil
}

func (f *fakeReporter) last() analytics.Query {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries[len(f.queries)-1]
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestMailWithSMTPServer sends the weekly and monthly summaries and both
// alerts through a real SMTP server and reads them as a mail client would.
func TestMailWithSMTPServer(t *testing.T) {
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	srv := smtptest.New(t, smtptest.FreePort(t))
	srv.Start()
	sender, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: srv.Port, Security: None, From: "Seloste <seloste@example.fi>"})
	if err != nil {
		t.Fatal(err)
	}
	people := []Recipient{
		{Name: "Anna", Email: "anna@example.fi", Lang: Finnish, Weekly: true},
		{Name: "Bo", Email: "bo@example.fi", Lang: Swedish, Monthly: true, Sites: []string{"example.fi"}},
		{Name: "Ada", Email: "ada@example.fi", Lang: English, Admin: true},
	}
	rep := &fakeReporter{hourly: map[string]map[string][]int64{}}
	clk := &clock{}
	newMailer := func(spool *Spool, sites ...string) *Mailer {
		m, err := New(Config{
			Sender: sender, From: "Seloste <seloste@example.fi>", Spool: spool, Reporter: rep,
			Recipients: func(context.Context) ([]Recipient, error) { return people, nil },
			Sites:      sites, Zone: helsinki, Hour: 7, MinVisitors: 5,
			Dashboard: "https://tilastot.example.fi/dashboard",
			Logger:    slog.New(slog.NewTextHandler(testWriter{t}, nil)), Now: clk.now,
			Backoff: time.Minute,
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ctx := context.Background()
	spool, err := OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := newMailer(spool, "example.fi")
	m.cfg.Alerts.Off = true

	t.Run("weekly", func(t *testing.T) {
		clk.set(time.Date(2026, 12, 7, 6, 59, 0, 0, helsinki)) // a Monday, before the hour
		m.Tick(ctx)
		if got := srv.Next(); len(got) != 0 {
			t.Fatalf("%d messages before the report hour", len(got))
		}
		clk.set(time.Date(2026, 12, 7, 7, 0, 0, 0, helsinki))
		m.Tick(ctx)
		got := srv.Next()
		if len(got) != 1 {
			t.Fatalf("%d messages, want Anna's weekly one", len(got))
		}
		q := rep.last()
		if q.From.Format(time.DateOnly) != "2026-11-30" || q.To.Format(time.DateOnly) != "2026-12-06" || q.MinVisitors != 5 {
			t.Errorf("query %s..%s floor %d, want the previous ISO week 2026-11-30..2026-12-06 with the share floor 5",
				q.From.Format(time.DateOnly), q.To.Format(time.DateOnly), q.MinVisitors)
		}
		msg := got[0]
		if msg.RcptTo != "anna@example.fi" || msg.Subject != "Viikkoraportti example.fi: viikko 49" {
			t.Errorf("to %q subject %q", msg.RcptTo, msg.Subject)
		}
		for _, want := range []string{
			"Kävijät", "1\u00a0234", "1\u00a0000", "+23\u00a0%", "Sivulataukset", "4\u00a0321", "+8\u00a0%",
			"Välitön poistuminen", "42\u00a0%", "1 min 05 s", "/hinnasto", "(suora)", "duckduckgo.com", "Suomi", "Ruotsi",
			"Tilaus", "62 · 5\u00a0%", "Harvinainen", "< 5", "(muut)", "Alle 5 kävijän",
			"https://tilastot.example.fi/dashboard?from=2026-11-30&site=example.fi&to=2026-12-06",
		} {
			if !strings.Contains(msg.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, msg.Text)
			}
		}
		// The HTML: the same numbers, bars as cells, nothing remote or run.
		for _, want := range []string{"1\u00a0234", `width="100%" style="background:#2f6fb3`, "6.12.2026", "from=2026-11-30&amp;site=example.fi"} {
			if !strings.Contains(msg.HTML, want) {
				t.Errorf("HTML lacks %q", want)
			}
		}
		for _, bad := range []string{"<script", "<img", "src=", "<link"} {
			if strings.Contains(msg.HTML, bad) {
				t.Errorf("HTML has %q", bad)
			}
		}

		// The same hour again, and a restarted server: nothing twice.
		clk.set(time.Date(2026, 12, 7, 9, 30, 0, 0, helsinki))
		m.Tick(ctx)
		newMailer(spool, "example.fi").Tick(ctx)
		if got := srv.Next(); len(got) != 0 {
			t.Errorf("%d messages sent again", len(got))
		}
	})

	t.Run("monthly", func(t *testing.T) {
		clk.set(time.Date(2026, 12, 1, 8, 0, 0, 0, helsinki)) // a Tuesday, the 1st
		m.Tick(ctx)
		got := srv.Next()
		if len(got) != 1 {
			t.Fatalf("%d messages, want Bo's monthly one", len(got))
		}
		msg := got[0]
		if q := rep.last(); q.From.Format(time.DateOnly) != "2026-11-01" || q.To.Format(time.DateOnly) != "2026-11-30" {
			t.Errorf("query %v..%v, want November", q.From, q.To)
		}
		if msg.RcptTo != "bo@example.fi" || msg.Subject != "Månadsrapport example.fi: november 2026" {
			t.Errorf("to %q subject %q", msg.RcptTo, msg.Subject)
		}
		if !strings.Contains(msg.Raw, "=?utf-8?q?M=C3=A5nadsrapport") {
			t.Errorf("the subject's å is not an encoded-word:\n%.400s", msg.Raw)
		}
		for _, want := range []string{"Besökare", "1\u00a0234", "Sidvisningar per dag", "30.11.2026", "3\u00a0000", "Finland", "Sverige", "(direkt)", "Öppna rapporten"} {
			if !strings.Contains(msg.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, msg.Text)
			}
		}
	})

	t.Run("alerts", func(t *testing.T) {
		// Tuesday 8 Dec 2026, 14:05: the hours 12–13 and 13–14 are complete.
		// The four Tuesdays before had 18–25 page views in those hours.
		hours := func(h12, h13 int64) []int64 { c := make([]int64, 24); c[12], c[13] = h12, h13; return c }
		rep.hourly["quiet.fi"] = map[string][]int64{
			"2026-12-08": hours(0, 0),
			"2026-12-01": hours(20, 21), "2026-11-24": hours(22, 19), "2026-11-17": hours(18, 25), "2026-11-10": hours(25, 30),
		}
		rep.hourly["busy.fi"] = map[string][]int64{
			"2026-12-08": hours(30, 260),
			"2026-12-01": hours(20, 21), "2026-11-24": hours(22, 19), "2026-11-17": hours(18, 25), "2026-11-10": hours(25, 30),
		}
		rep.hourly["calm.fi"] = map[string][]int64{
			"2026-12-08": hours(19, 22),
			"2026-12-01": hours(20, 21), "2026-11-24": hours(22, 19), "2026-11-17": hours(18, 25), "2026-11-10": hours(25, 30),
		}
		am := newMailer(spool, "quiet.fi", "busy.fi", "calm.fi")
		clk.set(time.Date(2026, 12, 8, 14, 5, 0, 0, helsinki))
		am.Tick(ctx)
		got := srv.Next()
		if len(got) != 2 {
			t.Fatalf("%d messages, want the drop of quiet.fi and the spike of busy.fi", len(got))
		}
		bySubject := map[string]smtptest.Message{}
		for _, g := range got {
			if g.RcptTo != "ada@example.fi" {
				t.Errorf("alert to %s, want the admin only", g.RcptTo)
			}
			bySubject[g.Subject] = g
		}
		drop, ok := bySubject["Alert quiet.fi: page views stopped"]
		if !ok {
			t.Fatalf("no drop alert: %v", keys(bySubject))
		}
		// Usual: the lower median of 20,22,18,25 is 20; of 21,19,25,30, 21.
		for _, want := range []string{"2026-12-08 12:00–13:00 0 20 (20, 22, 18, 25)", "2026-12-08 13:00–14:00 0 21 (21, 19, 25, 30)", "tracker may be broken"} {
			if !strings.Contains(squash(drop.Text), want) {
				t.Errorf("drop alert lacks %q:\n%s", want, drop.Text)
			}
		}
		spike, ok := bySubject["Alert busy.fi: traffic spike"]
		if !ok {
			t.Fatalf("no spike alert: %v", keys(bySubject))
		}
		if !strings.Contains(squash(spike.Text), "2026-12-08 13:00–14:00 260 21 (21, 19, 25, 30)") || !strings.Contains(spike.HTML, "<td style=\"text-align:right;font-weight:bold\">260</td>") {
			t.Errorf("spike alert lacks its numbers:\n%s", spike.Text)
		}
		// At most one per kind, site and day: later hours send nothing more.
		clk.set(time.Date(2026, 12, 8, 15, 5, 0, 0, helsinki))
		rep.hourly["busy.fi"]["2026-12-08"][14] = 400
		am.Tick(ctx)
		if got := srv.Next(); len(got) != 0 {
			t.Errorf("%d more alerts the same day", len(got))
		}
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestMailRetriedUntilServerAnswers: a summary made while the SMTP server
// is down stays in the spool, is retried after the backoff, and arrives
// once the server answers, once.
func TestMailRetriedUntilServerAnswers(t *testing.T) {
	helsinki, _ := time.LoadLocation("Europe/Helsinki")
	srv := smtptest.New(t, smtptest.FreePort(t)) // not started: connections are refused
	sender, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: srv.Port, Security: None, From: "seloste@example.fi", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	clk := &clock{t: time.Date(2026, 12, 7, 8, 0, 0, 0, helsinki)}
	spool, _ := OpenSpool(t.TempDir())
	m, err := New(Config{
		Sender: sender, From: "seloste@example.fi", Spool: spool, Reporter: &fakeReporter{},
		Recipients: func(context.Context) ([]Recipient, error) {
			return []Recipient{{Email: "anna@example.fi", Weekly: true}}, nil
		},
		Sites: []string{"example.fi"}, Zone: helsinki, Hour: 7, MinVisitors: 5, Alerts: AlertConfig{Off: true},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: clk.now, Backoff: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m.Tick(ctx)
	m.Tick(ctx) // within the backoff: not tried
	clk.set(clk.now().Add(61 * time.Second))
	m.Tick(ctx) // tried again, refused again
	st := m.Status()
	if st.Pending != 1 || st.Failed != 2 || st.LastError == "" || st.NextTry.IsZero() {
		t.Fatalf("status %+v, want one pending message after two failed attempts", st)
	}
	if !st.NextTry.Equal(clk.now().Add(2 * time.Minute)) {
		t.Errorf("next try %v, want the doubled backoff, 2 min after %v", st.NextTry, clk.now())
	}
	if n := strings.Count(logs.String(), "sending failed"); n != 1 {
		t.Errorf("the outage logged %d times, want once:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "Viikkoraportti") {
		t.Error("the log holds the message")
	}

	srv.Start()
	m.Tick(ctx) // still waiting out the backoff
	if got := srv.Next(); len(got) != 0 {
		t.Fatalf("sent during the backoff")
	}
	clk.set(clk.now().Add(2 * time.Minute))
	m.Tick(ctx)
	got := srv.Next()
	if len(got) != 1 || got[0].Subject != "Viikkoraportti example.fi: viikko 49" {
		t.Fatalf("after the server answers: %d messages %v", len(got), got)
	}
	if st := m.Status(); st.Pending != 0 || st.Sent != 1 || st.LastError != "" {
		t.Errorf("status %+v after delivery", st)
	}
	if !strings.Contains(logs.String(), "takes mail again") {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
	m.Tick(ctx)
	if got := srv.Next(); len(got) != 0 {
		t.Errorf("sent twice")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// squash is s with every run of spaces one space: the text part's columns
// are for the eye, the test reads the numbers in each row.
func squash(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, strings.Join(strings.Fields(l), " "))
	}
	return strings.Join(lines, "\n")
}
