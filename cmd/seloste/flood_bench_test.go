package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/collect/loadgen"
)

// BenchmarkServeFloodMaintenance measures serve's memory through a day, as
// issue 27 saw it: a flood of distinct visitors (one client address each,
// through a trusted proxy), then the maintenance that rolls that day up
// after midnight. Memory is read from outside the process (VmHWM and
// VmRSS in /proc/PID/status), nothing calls FreeOSMemory, and the clock is
// the real one. Target: ≤ 200 MB VmHWM through the maintenance.
// SELOSTE_BENCH_VISITORS sets the flood (default 600,000);
// SELOSTE_BENCH_LOG names a file for the maintaining serve's whole log.
// Linux only.
//
//	go test -run '^$' -bench ServeFloodMaintenance -benchtime 1x -timeout 10m ./cmd/seloste/
//
// How the maintenance is made to run over the flooded day: serve rolls up
// finished days only (yesterday and before, Helsinki time) and settles
// page views 25 hours old, and a beacon cannot be dated in the past. So
// the flood's own rows are moved 26 hours back once serve has stopped
// (SIGTERM, everything stored), as if the flood had been the day before
// yesterday, and serve is started again: it maintains at once at start, as
// it does after midnight, and rolls up and settles those rows. The rows are
// the beacons' own; only their times changed. Not covered: a flood and a
// maintenance in one process (the maintenance runs in a fresh one, so its
// VmHWM holds startup and the maintenance, not the flood), and a day
// already half rolled up.
func BenchmarkServeFloodMaintenance(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("resident memory is read from Linux's /proc/PID/status")
	}
	visitors := int64(600_000)
	if v := os.Getenv("SELOSTE_BENCH_VISITORS"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("SELOSTE_BENCH_VISITORS=%q: want a positive number of visitors", v)
		}
		visitors = n
	}
	root := b.TempDir()
	db := filepath.Join(root, "seloste.db")
	public := filepath.Join(root, "public")
	if err := os.MkdirAll(public, 0o755); err != nil {
		b.Fatal(err)
	}
	args := []string{"-site", "example.fi", "-db", db, "-public", public, "-build-notice=false",
		"-auth", filepath.Join(root, "seloste.auth"), "-trust-proxy", "127.0.0.1/32"}

	for b.Loop() {
		// The flood.
		s := startServe(b, args...)
		rss := sampleRSS(s.cmd.Process.Pid)
		load := loadgen.Config{Addrs: []string{strings.TrimPrefix(s.url, "http://")}, N: visitors,
			Request: func(conn int, i int64) loadgen.Request {
				// One address per visitor, public-looking (91.152.0.0
				// onwards), each with one page view.
				return loadgen.Request{
					Body:         fmt.Sprintf(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/p/%d","referrer":"https://duckduckgo.com/","pageview":"f%d"}`, i%500, i),
					ForwardedFor: fmt.Sprintf("91.%d.%d.%d", 152+i>>16, i>>8&255, i&255),
					UserAgent:    testUA,
				}
			}}
		start := time.Now()
		res, err := loadgen.Run(load)
		if err != nil {
			b.Fatal(err)
		}
		flood := time.Since(start)
		rss.read()
		if err := s.stop(b, syscall.SIGTERM); err != nil {
			b.Fatalf("serve: %v\n%s", err, s.stderr)
		}
		floodPeak, _ := rss.stop()

		stored := backdate(b, db, 26*time.Hour)
		if stored != res.Accepted {
			b.Fatalf("accepted %d page views, the store has %d", res.Accepted, stored)
		}

		// The maintenance: at once at start.
		s = startServe(b, args...)
		rss = sampleRSS(s.cmd.Process.Pid)
		const line = "report rollups brought up to date"
		deadline := time.Now().Add(4 * time.Minute)
		for !strings.Contains(s.stderr.String(), line) {
			if time.Now().After(deadline) {
				b.Fatalf("serve did not log %q within 4 minutes:\n%s", line, s.stderr)
			}
			time.Sleep(50 * time.Millisecond)
		}
		maintPeak, _ := rss.now()
		// Idle: what serve keeps once the maintenance is over, after 10 s
		// and after the runtime's forced collection (every 2 minutes), which
		// is what lets an idle process return the maintenance's garbage.
		time.Sleep(10 * time.Second)
		_, idle := rss.now()
		time.Sleep(2 * time.Minute)
		_, idleLater := rss.stop()
		if err := s.stop(b, syscall.SIGTERM); err != nil {
			b.Fatalf("serve: %v\n%s", err, s.stderr)
		}
		if path := os.Getenv("SELOSTE_BENCH_LOG"); path != "" {
			// All of it, where b.Logf keeps a benchmark's first lines:
			// with GODEBUG=gctrace=1, the Go heap through the maintenance.
			if err := os.WriteFile(path, []byte(s.stderr.String()), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("%d visitors in %v (%d refused); maintenance peak %.1f MB (%.1f MB after 10 s idle, %.1f MB after 2 min 10 s); serve said:\n%s",
			res.Accepted, flood.Round(time.Millisecond), res.Refused, maintPeak, idle, idleLater, s.stderr)
		b.ReportMetric(float64(res.Accepted), "visitors")
		b.ReportMetric(floodPeak, "flood-peak-MB")
		b.ReportMetric(maintPeak, "maintenance-peak-MB")
		b.ReportMetric(idle, "idle-MB")
		b.ReportMetric(idleLater, "idle-2min-MB")
	}
}

// backdate moves every stored record of the stopped serve's database back
// by d and returns the number of page views.
func backdate(b *testing.B, path string, d time.Duration) int64 {
	b.Helper()
	conn, err := sql.Open("sqlite", path)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	for _, table := range []string{"pageviews", "leaves", "bots", "events"} {
		if _, err := conn.ExecContext(ctx, `UPDATE `+table+` SET ts = ts - ?`, int64(d.Seconds())); err != nil {
			b.Fatalf("backdating %s: %v", table, err)
		}
	}
	var n int64
	if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM pageviews`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// rssSampler reads a child's VmHWM and VmRSS every 100 ms.
type rssSampler struct {
	pid  int
	mu   sync.Mutex
	hwm  float64 // MB
	rss  float64 // MB, the last sample
	quit chan struct{}
	done chan struct{}
}

func sampleRSS(pid int) *rssSampler {
	r := &rssSampler{pid: pid, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			r.read()
			select {
			case <-r.quit:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

// read samples /proc/PID/status; a process that has exited keeps the
// last figures.
func (r *rssSampler) read() {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", r.pid))
	if err != nil {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	r.mu.Lock()
	defer r.mu.Unlock()
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			continue
		}
		if name == "VmHWM" {
			r.hwm = max(r.hwm, kb/1024)
		} else {
			r.rss = kb / 1024
		}
	}
}

// now samples once more and returns the peak so far and the current RSS.
func (r *rssSampler) now() (hwm, rss float64) {
	r.read()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hwm, r.rss
}

// stop ends the sampling and returns the last figures.
func (r *rssSampler) stop() (hwm, rss float64) {
	close(r.quit)
	<-r.done
	return r.now()
}
