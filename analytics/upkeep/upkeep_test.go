package upkeep

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/sqlite"
)

// lockedBuffer is a log sink safe for the loops' goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRun purges what is past the retention period, maintains the
// rollups and removes what an interrupted backup left at start, and stops
// when its context ends.
func TestRun(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	s, err := sqlite.Open(ctx, filepath.Join(dir, "seloste.db"), sqlite.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A copy that a killed backup left beside the database: no lock file,
	// so no backup runs that would still need it.
	stale := filepath.Join(dir, ".bk.db.seloste-backup-tmp-4242-0badcafe")
	if err := os.WriteFile(stale, []byte("a copy with personal data"), 0o600); err != nil {
		t.Fatal(err)
	}
	pv := func(site string, at time.Time) analytics.PageView {
		return analytics.PageView{Time: at, Site: site, Visitor: 1, Visit: 1, ID: site, Path: "/"}
	}
	if err := s.Append(ctx, analytics.Batch{PageViews: []analytics.PageView{
		pv("old.example", now.AddDate(-4, 0, 0)), pv("new.example", now.AddDate(0, 0, -2)),
	}}); err != nil {
		t.Fatal(err)
	}
	ret, _ := analytics.ParseRetention("3y")
	var logs lockedBuffer
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Run(runCtx, s, Config{Retention: ret, Zone: time.UTC, MaintainEvery: 50 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		old, err := s.HasSite(ctx, "old.example")
		if err != nil {
			t.Fatal(err)
		}
		var through string
		s.DB().QueryRow(`SELECT through_day FROM rollup_state WHERE zone = 'UTC'`).Scan(&through)
		_, staleErr := os.Stat(stale)
		if !old && through == "2026-11-19" && errors.Is(staleErr, fs.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: old site still stored %v, rollups through %q (want 2026-11-19), an interrupted backup's copy still there %v\n%s",
				old, through, staleErr == nil, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ok, _ := s.HasSite(ctx, "new.example"); !ok {
		t.Error("a page view within the retention period was purged")
	}
	stop()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if !strings.Contains(logs.String(), "purged old events") {
		t.Errorf("the purge was not logged:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "removed what interrupted backups left") {
		t.Errorf("the removal was not logged:\n%s", logs.String())
	}
}

// garbage is what TestReturnFreeMemory allocates: a package variable, so
// that the compiler cannot leave the allocation out.
var garbage [64][]byte

// TestReturnFreeMemory: after a large build is garbage, the free heap goes
// back to the operating system at once, not over minutes.
func TestReturnFreeMemory(t *testing.T) {
	read := func(name string) uint64 {
		s := []metrics.Sample{{Name: name}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	for i := range garbage {
		garbage[i] = make([]byte, 1<<20)
	}
	garbage = [64][]byte{}
	runtime.GC() // now free, not yet released
	if free := read("/memory/classes/heap/free:bytes"); free < 48<<20 {
		t.Skipf("the runtime released the memory itself (%d bytes free, %d released, %d objects)", free, read("/memory/classes/heap/released:bytes"), read("/memory/classes/heap/objects:bytes"))
	}
	returnFreeMemory()
	if free := read("/memory/classes/heap/free:bytes"); free >= 16<<20 {
		t.Errorf("%d bytes of free heap kept after returnFreeMemory", free)
	}
}
