package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// sendPageView posts one page view with the given id to a running server
// and returns the status (0 when the request failed).
func sendPageView(client *http.Client, url, id string) (int, http.Header) {
	body := `{"kind":"pageview","site":"example.fi","url":"https://example.fi/d/` + id + `","pageview":"` + id + `"}`
	req, _ := http.NewRequest("POST", url+"/api/event", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("User-Agent", testUA)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

// TestServeSIGKILLLosesAtMostOneFlushWindow sends page views to a real
// "seloste serve" with a 200 ms flush interval, kills it with SIGKILL in
// the middle, and checks the database: every page view acknowledged (202)
// more than one flush window before the kill, plus a margin for the
// commit itself, is stored; none is stored twice; nothing is stored that
// was not sent; and the server starts again on the killed one's database.
func TestServeSIGKILLLosesAtMostOneFlushWindow(t *testing.T) {
	const (
		window = 200 * time.Millisecond
		// The commit of a batch (one fsync) and the scheduling of a
		// shared 2-core machine: the writer starts a commit at most one
		// window after the 202 and may take this long to finish it.
		margin  = 300 * time.Millisecond
		workers = 4
		most    = 20000 // page views sent at most
	)
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	s := startServe(t, "-db", db, "-site", "example.fi", "-geoip", "none", "-public", filepath.Join(dir, "public"),
		"-flush-interval", window.String())

	type ack struct {
		id string
		at time.Time // when the 202 had been read: after the server queued it
	}
	var (
		mu    sync.Mutex
		acks  []ack
		sent  = map[string]bool{}
		seq   atomic.Int64
		stop  = make(chan struct{})
		wg    sync.WaitGroup
		start = time.Now()
	)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	for w := range workers {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := seq.Add(1)
				if i > most {
					return
				}
				id := fmt.Sprintf("k%d-%d", w, i)
				mu.Lock()
				sent[id] = true
				mu.Unlock()
				status, _ := sendPageView(client, s.url, id)
				if status == http.StatusAccepted {
					at := time.Now()
					mu.Lock()
					acks = append(acks, ack{id, at})
					mu.Unlock()
				}
				time.Sleep(time.Millisecond) // a steady stream, not a flood
			}
		})
	}
	// Run for several flush windows, then kill without warning.
	time.Sleep(1500 * time.Millisecond)
	killed := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not die after SIGKILL")
	}
	close(stop)
	wg.Wait()

	// The killed server's database, its WAL still hot, passes the
	// start-up check and opens: a crash is not damage.
	if fi, err := os.Stat(db + "-wal"); err != nil || fi.Size() == 0 {
		t.Fatalf("the killed server left no WAL to recover (%v)", err)
	}
	s = startServe(t, "-db", db, "-site", "example.fi", "-geoip", "none", "-public", filepath.Join(dir, "public"))
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve after the SIGKILL: %v\n%s", err, s.stderr)
	}

	rows, err := rawDB(t, db).Query(`SELECT pageview_id, count(*) FROM pageviews GROUP BY pageview_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[string]bool{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("page view %s stored %d times", id, n)
		}
		if !sent[id] {
			t.Errorf("page view %s stored but never sent", id)
		}
		stored[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	due := killed.Add(-window - margin)
	var mustHave, lost, lostLate int
	var oldest time.Duration // the age at the kill of the oldest acknowledged page view lost
	for _, a := range acks {
		switch {
		case !a.at.After(due):
			mustHave++
			if !stored[a.id] {
				lost++
				if lost <= 5 {
					t.Errorf("page view %s acknowledged %v before the SIGKILL is not stored", a.id, killed.Sub(a.at).Round(time.Millisecond))
				}
			}
		case !stored[a.id]:
			lostLate++
			oldest = max(oldest, killed.Sub(a.at))
		}
	}
	t.Logf("sent %d, acknowledged %d (%d more than %v before the kill), stored %d; lost: %d, acknowledged at most %v before the kill",
		len(sent), len(acks), mustHave, window+margin, len(stored), lostLate, oldest.Round(time.Millisecond))
	if lost > 0 {
		t.Errorf("%d of %d page views acknowledged more than %v before the SIGKILL are not stored", lost, mustHave, window+margin)
	}
	// The test proves nothing unless page views were acknowledged well
	// before the kill.
	if mustHave < 100 {
		t.Fatalf("only %d page views acknowledged more than %v before the kill (%v of sending)\n%s", mustHave, window+margin, killed.Sub(start), s.stderr)
	}
}
