package clickhouse_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/clickhouse"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/upkeep"
)

// crashDSN, in the environment, makes TestInterruptedImport the process
// that dies half-way through an import.
const crashDSN = "SELOSTE_TEST_CRASH_DSN"

// crashExit is the status the dying import exits with.
const crashExit = 7

// TestInterruptedImport: a process killed during an import of records
// (os.Exit in the middle of its fill, so nothing of it cleans up) leaves
// page views behind. While its lease runs they are kept, since the import
// could still be running; once it has ended, serve's upkeep deletes them,
// and so does opening the store; the import was never listed.
func TestInterruptedImport(t *testing.T) {
	ctx := context.Background()
	if dsn := os.Getenv(crashDSN); dsn != "" {
		dieDuringImport(ctx, dsn)
		return
	}
	srv := chtest.Shared(t)
	dsn := srv.DSN(chtest.Database(t, srv))
	crash := func() {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptedImport$")
		cmd.Env = append(os.Environ(), crashDSN+"="+dsn)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != crashExit {
			t.Fatalf("the importing process: %v, want exit status %d\n%s", err, crashExit, out)
		}
	}
	var clock atomic.Int64 // unix nanoseconds
	clock.Store(time.Now().UnixNano())
	open := func() *clickhouse.Store {
		t.Helper()
		cfg, err := clickhouse.ParseDSN(dsn)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Now = func() time.Time { return time.Unix(0, clock.Load()) }
		s, err := clickhouse.Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	records := func(s *clickhouse.Store) int64 {
		t.Helper()
		n, err := s.CountRecords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Within the lease: perhaps still running, so kept.
	crash()
	s := open()
	if n := records(s); n != 2*crashBatch {
		t.Fatalf("right after the crash: %d records, want the %d written", n, 2*crashBatch)
	}
	if n, err := s.Sweep(ctx); n != 0 || err != nil {
		t.Errorf("sweep within the lease: %d swept, %v; want none", n, err)
	}
	// After it, serve's upkeep sweeps them away.
	clock.Add(int64(10 * time.Minute))
	up, stop := context.WithTimeout(ctx, time.Minute)
	done := make(chan struct{})
	go func() {
		defer close(done)
		upkeep.Run(up, s, upkeep.Config{Retention: analytics.Retention{Years: 3}, MaintainEvery: 50 * time.Millisecond,
			Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	}()
	for records(s) != 0 && up.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	<-done
	if n := records(s); n != 0 {
		t.Errorf("after the lease, with serve's upkeep: %d records, want none", n)
	}

	// And opening the store does, for a process that is not serve.
	clock.Store(time.Now().UnixNano())
	crash()
	clock.Add(int64(10 * time.Minute))
	s = open()
	if n := records(s); n != 0 {
		t.Errorf("after the lease, opened again: %d records, want none", n)
	}
	if list, err := s.Imports(ctx, "example.fi"); len(list) != 0 || err != nil {
		t.Errorf("imports %v, %v: want none listed", list, err)
	}
}

const crashBatch = 500

// dieDuringImport imports two batches of page views, then exits as a
// killed process would: no deferred clean-up, no error returned.
func dieDuringImport(ctx context.Context, dsn string) {
	cfg, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s, err := clickhouse.Open(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -30)
	imp := analytics.Import{Site: "example.fi", Source: "goatcounter", Key: "crash test"}
	_, _, err = s.AppendImport(ctx, imp, func(put func(analytics.Batch) error) (string, error) {
		for b := range 2 {
			var batch analytics.Batch
			for i := range crashBatch {
				batch.PageViews = append(batch.PageViews, analytics.PageView{
					Time: day.Add(time.Duration(b*crashBatch+i) * time.Second), Site: "example.fi",
					Visitor: uint64(i + 1), Visit: uint64(i + 1), ID: fmt.Sprintf("pv%d-%d", b, i), Path: "/"})
			}
			if err := put(batch); err != nil {
				return "", err
			}
		}
		os.Exit(crashExit)
		return "", nil
	})
	fmt.Fprintln(os.Stderr, "the import returned:", err)
	os.Exit(1)
}
