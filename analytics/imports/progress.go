package imports

import (
	"fmt"
	"io"
	"time"
)

// Progress shows how far long work is. On a terminal it redraws one line
// with the rate and, when the total is known, the time left; otherwise it
// writes a plain line every few seconds, for logs. A nil *Progress is
// silent.
type Progress struct {
	w         io.Writer
	terminal  bool
	what      string // "rows", "days"
	total     int64  // 0: unknown
	done      int64
	start     time.Time
	last      time.Time
	every     time.Duration
	now       func() time.Time
	wroteLine bool
}

// NewProgress returns progress of total units (0 if not known) written to
// w; terminal says whether w is one.
func NewProgress(w io.Writer, terminal bool, what string, total int64) *Progress {
	p := &Progress{w: w, terminal: terminal, what: what, total: total, now: time.Now, every: 5 * time.Second}
	if terminal {
		p.every = 200 * time.Millisecond
	}
	p.start = p.now()
	p.last = p.start
	return p
}

// SetTotal sets the total once it is known.
func (p *Progress) SetTotal(n int64) {
	if p != nil {
		p.total = n
	}
}

// Add counts n more units done.
func (p *Progress) Add(n int64) {
	if p == nil {
		return
	}
	p.done += n
	if t := p.now(); t.Sub(p.last) >= p.every {
		p.last = t
		p.print(false)
	}
}

// Done writes the last line.
func (p *Progress) Done() {
	if p != nil && (p.wroteLine || p.now().Sub(p.start) >= time.Second) {
		p.print(true)
	}
}

func (p *Progress) print(final bool) {
	elapsed := p.now().Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done) / elapsed
	}
	line := fmt.Sprintf("%d %s", p.done, p.what)
	if p.total > 0 {
		line = fmt.Sprintf("%d/%d %s (%d%%)", p.done, p.total, p.what, p.done*100/p.total)
	}
	line += fmt.Sprintf(", %.0f/s", rate)
	if p.total > 0 && rate > 0 && !final && p.done < p.total {
		left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second)).Round(time.Second)
		line += ", " + left.String() + " left"
	}
	if final {
		line += fmt.Sprintf(", done in %s", time.Duration(elapsed*float64(time.Second)).Round(100*time.Millisecond))
	}
	p.wroteLine = true
	if p.terminal {
		end := ""
		if final {
			end = "\n"
		}
		fmt.Fprintf(p.w, "\r\033[K%s%s", line, end)
		return
	}
	fmt.Fprintln(p.w, line)
}

// Restart starts counting another stage of the work: total units (0 if
// not known) of what.
func (p *Progress) Restart(what string, total int64) {
	if p == nil {
		return
	}
	p.what, p.total, p.done, p.wroteLine = what, total, 0, false
	p.start = p.now()
	p.last = p.start
}
