package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// smallFS mounts a tmpfs of size bytes on a new temporary directory and
// unmounts it when the test ends. Where it cannot be made (no
// CAP_SYS_ADMIN, a container that forbids mounts) the test is skipped,
// and fails under CI=true, where the check must run.
func smallFS(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		msg := fmt.Sprintf("cannot make a small file system for the full-disk check (mount -t tmpfs: %v; it needs root or CAP_SYS_ADMIN and a container that allows mounts)", err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true requires it")
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes a file into dir until the file system is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	// Fill the last pages too.
	for n := 4096; n > 0; n /= 2 {
		for {
			if _, err := f.Write(chunk[:n]); err != nil {
				break
			}
		}
	}
	return p
}

type healthReport struct {
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Stored   int64  `json:"stored"`
	Accepted int64  `json:"accepted"`
	Full     int64  `json:"queue_full"`
}

func getHealth(t *testing.T, url string) (int, healthReport) {
	t.Helper()
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h healthReport
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("/healthz: %v: %s", err, b)
	}
	return resp.StatusCode, h
}

// waitHealth polls /healthz until ok says the report is the one wanted.
func waitHealth(t *testing.T, s *server, what string, ok func(int, healthReport) bool) healthReport {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); ; {
		code, h := getHealth(t, s.url)
		if ok(code, h) {
			return h
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: /healthz still %d %+v\n%s", what, code, h, s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fullDisk is a running "seloste serve" whose database is on a small file
// system that has just been filled, and that has accepted page views
// until it answered 503.
type fullDisk struct {
	s        *server
	db       string
	filler   string
	accepted int
	send     func() (int, http.Header)
}

const fullQueue, fullBatch = 100, 50

// newFullDisk starts the server on a small file system, stores ten page
// views, fills the file system, and sends page views until the collector
// refuses one. It checks the refusal: 503 with Retry-After once the
// writer's batch and the queue are full, and /healthz naming the full disk.
func newFullDisk(t *testing.T) *fullDisk {
	t.Helper()
	fsDir := smallFS(t, 8<<20)
	d := &fullDisk{db: filepath.Join(fsDir, "seloste.db")}
	d.s = startServe(t, "-db", d.db, "-site", "example.fi", "-geoip", "none", "-public", filepath.Join(t.TempDir(), "public"),
		"-flush-interval", "100ms", "-queue-size", fmt.Sprint(fullQueue), "-batch-size", fmt.Sprint(fullBatch))
	client := &http.Client{Timeout: 5 * time.Second}
	d.send = func() (int, http.Header) {
		code, h := sendPageView(client, d.s.url, fmt.Sprintf("f%d", d.accepted))
		if code == http.StatusAccepted {
			d.accepted++
		}
		return code, h
	}
	s := d.s
	// A few stored while there is room.
	for range 10 {
		if code, _ := d.send(); code != http.StatusAccepted {
			t.Fatalf("page view before the disk is full: %d\n%s", code, s.stderr)
		}
	}
	waitHealth(t, s, "before the disk is full", func(code int, h healthReport) bool { return code == 200 && h.Stored == 10 })

	d.filler = fill(t, fsDir)
	// Accepted until the writer's batch and the queue are full, then 503.
	var refused http.Header
	for i := 0; i < 10*(fullQueue+fullBatch) && refused == nil; i++ {
		switch code, h := d.send(); code {
		case http.StatusAccepted:
		case http.StatusServiceUnavailable:
			refused = h
		default:
			t.Fatalf("page view on a full disk: %d\n%s", code, s.stderr)
		}
	}
	if refused == nil {
		t.Fatalf("%d page views accepted on a full disk, never a 503 (queue %d, batch %d)\n%s", d.accepted, fullQueue, fullBatch, s.stderr)
	}
	if refused.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After: %v", refused)
	}
	if onFull := d.accepted - 10; onFull < fullBatch || onFull > fullQueue+fullBatch+1 {
		t.Errorf("accepted %d page views on the full disk before the first 503, want %d to %d", onFull, fullBatch, fullQueue+fullBatch+1)
	}
	code, h := getHealth(t, s.url)
	t.Logf("full disk: %d page views accepted before the first 503 (Retry-After: %s); /healthz %d %q",
		d.accepted-10, refused.Get("Retry-After"), code, h.Reason)
	if code != http.StatusServiceUnavailable || h.Status != "error" || !strings.Contains(h.Reason, "full") {
		t.Errorf("/healthz on a full disk: %d %+v, want 503 naming the full disk", code, h)
	}
	if h.Stored != 10 {
		t.Errorf("/healthz says %d stored while the disk is full, want 10", h.Stored)
	}
	return d
}

// storedOnce checks, after the server has stopped, that every accepted
// page view is in the database once, and that the log told the story.
func (d *fullDisk) storedOnce(t *testing.T) {
	t.Helper()
	var rows, distinct int
	if err := rawDB(t, d.db).QueryRow(`SELECT count(*), count(DISTINCT pageview_id) FROM pageviews`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != d.accepted || distinct != d.accepted {
		t.Errorf("stored %d page views (%d distinct), want the %d accepted\n%s", rows, distinct, d.accepted, d.s.stderr)
	}
	log := d.s.stderr.String()
	for _, want := range []string{"storing events failed", "storing events works again", "all accepted events written"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}
}

// TestServeFullDisk runs a real "seloste serve" with its database on a
// small file system and fills it: accepted events stay queued while
// writes fail, the collector answers 503 with Retry-After once the queue
// is full instead of acknowledging what it cannot keep, /healthz says why,
// and once there is room again every accepted event is written, once,
// without a restart; and a SIGTERM on the full disk waits for room and
// then writes them all too.
func TestServeFullDisk(t *testing.T) {
	t.Run("room returns", func(t *testing.T) {
		d := newFullDisk(t)
		if err := os.Remove(d.filler); err != nil {
			t.Fatal(err)
		}
		want := int64(d.accepted)
		waitHealth(t, d.s, "after room is made", func(code int, h healthReport) bool { return code == 200 && h.Stored == want })
		if code, _ := d.send(); code != http.StatusAccepted {
			t.Errorf("page view after room is made: %d", code)
		}
		if err := d.s.stop(t, syscall.SIGTERM); err != nil {
			t.Fatalf("serve exited with %v after SIGTERM\n%s", err, d.s.stderr)
		}
		d.storedOnce(t)
	})
	t.Run("SIGTERM on a full disk", func(t *testing.T) {
		d := newFullDisk(t)
		d.s.cmd.Process.Signal(syscall.SIGTERM)
		// Still retrying: it must not exit while it holds accepted events.
		select {
		case err := <-d.s.done:
			t.Fatalf("serve exited (%v) on a full disk with %d page views not yet written\n%s", err, d.accepted-10, d.s.stderr)
		case <-time.After(time.Second):
		}
		if err := os.Remove(d.filler); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-d.s.done:
			if err != nil {
				t.Fatalf("serve exited with %v once there was room\n%s", err, d.s.stderr)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("serve did not stop once there was room\n%s", d.s.stderr)
		}
		d.storedOnce(t)
	})
}
