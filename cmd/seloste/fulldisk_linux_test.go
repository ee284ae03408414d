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

// TestServeFullDisk runs a real "seloste serve" with its database on a
// small file system, fills it, and checks that what holds keeps holding:
// accepted events stay queued while writes fail, the collector answers
// 503 with Retry-After once the queue is full instead of acknowledging
// what it cannot keep, /healthz says why, and once there is room again
// every accepted event is written, once.
func TestServeFullDisk(t *testing.T) {
	fsDir := smallFS(t, 8<<20)
	db := filepath.Join(fsDir, "seloste.db")
	const queue, batch = 100, 50
	s := startServe(t, "-db", db, "-site", "example.fi", "-geoip", "none", "-public", filepath.Join(t.TempDir(), "public"),
		"-flush-interval", "100ms", "-queue-size", fmt.Sprint(queue), "-batch-size", fmt.Sprint(batch))
	client := &http.Client{Timeout: 5 * time.Second}

	accepted := 0
	send := func() (int, http.Header) {
		code, h := sendPageView(client, s.url, fmt.Sprintf("f%d", accepted))
		if code == http.StatusAccepted {
			accepted++
		}
		return code, h
	}
	// A few stored while there is room.
	for range 10 {
		if code, _ := send(); code != http.StatusAccepted {
			t.Fatalf("page view before the disk is full: %d\n%s", code, s.stderr)
		}
	}
	waitHealth(t, s, "before the disk is full", func(code int, h healthReport) bool { return code == 200 && h.Stored == 10 })

	filler := fill(t, fsDir)
	// Accepted until the writer's batch and the queue are full, then 503.
	var refused http.Header
	for i := 0; i < 10*(queue+batch) && refused == nil; i++ {
		switch code, h := send(); code {
		case http.StatusAccepted:
		case http.StatusServiceUnavailable:
			refused = h
		default:
			t.Fatalf("page view on a full disk: %d\n%s", code, s.stderr)
		}
	}
	if refused == nil {
		t.Fatalf("%d page views accepted on a full disk, never a 503 (queue %d, batch %d)\n%s", accepted, queue, batch, s.stderr)
	}
	if refused.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After: %v", refused)
	}
	if onFull := accepted - 10; onFull < batch || onFull > queue+batch+1 {
		t.Errorf("accepted %d page views on the full disk before the first 503, want %d to %d", onFull, batch, queue+batch+1)
	}
	code, h := getHealth(t, s.url)
	t.Logf("full disk: %d page views accepted before the first 503 (Retry-After: %s); /healthz %d %q",
		accepted-10, refused.Get("Retry-After"), code, h.Reason)
	if code != http.StatusServiceUnavailable || h.Status != "error" || !strings.Contains(h.Reason, "full") {
		t.Errorf("/healthz on a full disk: %d %+v, want 503 naming the full disk", code, h)
	}
	if h.Stored != 10 {
		t.Errorf("/healthz says %d stored while the disk is full, want 10", h.Stored)
	}

	// Room again: everything accepted is written without a restart.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	want := int64(accepted)
	waitHealth(t, s, "after room is made", func(code int, h healthReport) bool { return code == 200 && h.Stored == want })
	if code, _ := send(); code != http.StatusAccepted {
		t.Errorf("page view after room is made: %d", code)
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve exited with %v after SIGTERM\n%s", err, s.stderr)
	}
	var rows, distinct int
	if err := rawDB(t, db).QueryRow(`SELECT count(*), count(DISTINCT pageview_id) FROM pageviews`).Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != accepted || distinct != accepted {
		t.Errorf("stored %d page views (%d distinct), want the %d accepted\n%s", rows, distinct, accepted, s.stderr)
	}
	log := s.stderr.String()
	for _, want := range []string{"storing events failed", "storing events works again", "all accepted events written"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}
}
