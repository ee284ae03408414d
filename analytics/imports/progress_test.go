package imports

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestProgress: a terminal gets one redrawn line with the rate and the
// time left; anything else plain lines; a nil Progress nothing.
func TestProgress(t *testing.T) {
	for _, terminal := range []bool{true, false} {
		var b bytes.Buffer
		clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		p := NewProgress(&b, terminal, "rows", 1000)
		p.now = func() time.Time { return clock }
		p.start, p.last = clock, clock
		for range 10 {
			clock = clock.Add(10 * time.Second)
			p.Add(50)
		}
		p.Done()
		out := b.String()
		if !strings.Contains(out, "50/1000 rows (5%), 5/s, 3m10s left") || !strings.Contains(out, "500/1000 rows (50%), 5/s, done in 1m40s") {
			t.Errorf("terminal %v: %q", terminal, out)
		}
		if terminal != strings.Contains(out, "\r\033[K") || terminal == (strings.Count(out, "\n") > 1) {
			t.Errorf("terminal %v: %q", terminal, out)
		}
	}
	var p *Progress
	p.Add(1)
	p.Done()
}

// TestProgressRestart: a second stage counts from zero under its own name
// and total.
func TestProgressRestart(t *testing.T) {
	var b bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewProgress(&b, false, "rows", 0)
	p.now = func() time.Time { return clock }
	p.start, p.last = clock, clock
	clock = clock.Add(10 * time.Second)
	p.Add(700)
	p.Done()
	p.Restart("rows stored", 700)
	clock = clock.Add(10 * time.Second)
	p.Add(350)
	p.Done()
	want := "700 rows, 70/s\n700 rows, 70/s, done in 10s\n350/700 rows stored (50%), 35/s, 10s left\n350/700 rows stored (50%), 35/s, done in 10s\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	var nothing *Progress
	nothing.Restart("rows", 1)
}
