package mailreport

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestPeriodSpan(t *testing.T) {
	hel, _ := time.LoadLocation("Europe/Helsinki")
	for _, c := range []struct {
		p          Period
		now        time.Time
		first, end string
		label      string
	}{
		{Weekly, time.Date(2026, 12, 7, 7, 0, 0, 0, hel), "2026-11-30", "2026-12-06", "2026-W49"},
		{Weekly, time.Date(2026, 12, 9, 7, 0, 0, 0, hel), "2026-11-30", "2026-12-06", "2026-W49"}, // by hand mid-week
		{Weekly, time.Date(2027, 1, 4, 0, 30, 0, 0, hel), "2026-12-28", "2027-01-03", "2026-W53"},
		{Monthly, time.Date(2027, 1, 1, 7, 0, 0, 0, hel), "2026-12-01", "2026-12-31", "2026-12"},
		{Monthly, time.Date(2026, 3, 1, 7, 0, 0, 0, hel), "2026-02-01", "2026-02-28", "2026-02"},
		// 23:30 UTC on 31 March is already 1 April in Helsinki.
		{Monthly, time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC), "2026-03-01", "2026-03-31", "2026-03"},
	} {
		first, last := c.p.Span(c.now, hel)
		if first.Format(time.DateOnly) != c.first || last.Format(time.DateOnly) != c.end || c.p.Label(first) != c.label {
			t.Errorf("%s at %v: %s..%s %s, want %s..%s %s", c.p, c.now, first.Format(time.DateOnly), last.Format(time.DateOnly), c.p.Label(first), c.first, c.end, c.label)
		}
	}
	if !Weekly.Due(time.Date(2026, 12, 7, 7, 0, 0, 0, hel), hel) || Weekly.Due(time.Date(2026, 12, 8, 7, 0, 0, 0, hel), hel) ||
		!Monthly.Due(time.Date(2026, 11, 30, 22, 30, 0, 0, time.UTC), hel) {
		t.Error("Due: Mondays and the 1st, in the zone")
	}
}

// TestSpoolCrashAfterSend: a message whose sent mark was made but whose
// queue file survived a crash is not sent again; keys are added once.
func TestSpoolCrashAfterSend(t *testing.T) {
	s, err := OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if added, err := s.Add("week-2026-W49_a.fi_01", []byte("x")); !added || err != nil {
		t.Fatalf("add: %v %v", added, err)
	}
	if added, _ := s.Add("week-2026-W49_a.fi_01", []byte("y")); added {
		t.Error("a queued key added twice")
	}
	if _, err := s.Add("../x", nil); err == nil {
		t.Error("a key that is a path")
	}
	// The crash: the mark made, the queue file not yet removed.
	if err := os.WriteFile(s.mark("week-2026-W49_a.fi_01"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{Sender: failSender{t}, From: "a@example.fi", Spool: s, Reporter: &fakeReporter{},
		Recipients: func(context.Context) ([]Recipient, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	m.Flush(context.Background())
	if keys, _ := s.Queued(); len(keys) != 0 {
		t.Errorf("queued after the flush: %v", keys)
	}
	if st := m.Status(); st.Sent != 0 || st.Failed != 0 {
		t.Errorf("status %+v", st)
	}
}

// failSender fails the test when anything is sent.
type failSender struct{ t *testing.T }

func (f failSender) Send(context.Context, []string, []byte) error {
	f.t.Error("sent a message already sent")
	return nil
}
