package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/clickhouse/chtest"
	"github.com/seloste/seloste/analytics/storetest"
)

// openAt opens a store on database db of srv with its clock at now.
func openAt(t *testing.T, srv *chtest.Server, db string, now time.Time) *Store {
	t.Helper()
	return openDSN(t, srv.DSN(db), now)
}

// openDSN opens a store on dsn with its clock at now.
func openDSN(t *testing.T, dsn string, now time.Time) *Store {
	t.Helper()
	cfg, err := ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Now = func() time.Time { return now }
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// queryInt returns a function that runs a query of one number on srv,
// failing t on an error.
func queryInt(t *testing.T, srv *chtest.Server) func(query string) int {
	return func(query string) int {
		t.Helper()
		n, err := srv.Int(query)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// TestSettleTakesLeavesOut checks what the shared suite can't see:
// settling moves the settled months' leaves into their page views (leaves
// of no page view stay, as the generator makes some), leaves no table
// behind, does nothing when run again, and settles a month again when a
// late leave arrives.
func TestSettleTakesLeavesOut(t *testing.T) {
	t.Parallel()
	srv := chtest.Shared(t)
	db := chtest.Database(t, srv)
	checkSettling(t, srv.DSN(db), db, "", srv)
}

// TestSettleOnCluster is TestSettleTakesLeavesOut on the two-shard
// cluster, whose leaves are sharded apart from their page views: the
// shared suite runs the cluster at a clock at which no month settles.
func TestSettleOnCluster(t *testing.T) {
	t.Parallel()
	c := chtest.SharedCluster(t)
	db := chtest.Database(t, c.Shards...)
	checkSettling(t, c.DSN(db), db, "_cluster", c.Shards...)
}

// checkSettling runs the settling test on dsn, database db of shards,
// reading its tables whose names end in suffix (the Distributed ones on a
// cluster).
func checkSettling(t *testing.T, dsn, db, suffix string, shards ...*chtest.Server) {
	now := storetest.Small.Start.AddDate(0, 3, 0)
	s := openDSN(t, dsn, now)
	ctx := context.Background()
	gen := storetest.Generate(storetest.Small)
	orphan := analytics.Leave{Time: time.Date(2026, 3, 26, 12, 0, 0, 0, time.UTC), Site: "a.example", PageView: "of-no-page-view", Duration: time.Minute}
	leaves := append(gen.Leaves, orphan)
	if err := s.Append(ctx, analytics.Batch{PageViews: gen.PageViews, Leaves: leaves, Bots: gen.Bots}); err != nil {
		t.Fatal(err)
	}
	count := queryInt(t, shards[0])
	for _, sh := range shards {
		if n := queryInt(t, sh)("SELECT count() FROM " + db + ".leaves"); n == 0 {
			t.Fatalf("no leaves on shard %s: the test needs them on every shard", sh.TCP)
		}
	}
	// The parts of every shard's page views and leaves: they change when
	// settling rewrites a month.
	parts := func() int {
		sum := 0
		for _, sh := range shards {
			sum += queryInt(t, sh)("SELECT toInt64(sum(cityHash64(name)) % 1000000007) FROM system.parts WHERE database = '" + db + "' AND table IN ('pageviews', 'leaves') AND active")
		}
		return sum
	}
	// The leaves that stay: those of no page view that could count them
	// (one of their month or of the day before it).
	pvTime := map[string]time.Time{}
	for _, p := range gen.PageViews {
		pvTime[p.Site+" "+p.ID] = p.Time
	}
	stay := 0
	for _, l := range leaves {
		month := time.Date(l.Time.Year(), l.Time.Month(), 1, 0, 0, 0, 0, time.UTC)
		pt, ok := pvTime[l.Site+" "+l.PageView]
		if !ok || pt.Before(month.Add(-24*time.Hour)) || !pt.Before(month.AddDate(0, 1, 0)) {
			stay++
		}
	}
	if stay < 2 || stay > len(leaves)/10 {
		t.Fatalf("%d of %d leaves would stay: the test needs a few", stay, len(leaves))
	}
	q := analytics.Query{Site: "a.example", From: storetest.Small.Start, To: storetest.Small.Start.AddDate(0, 0, storetest.Small.Days), Zone: time.UTC}
	before, err := s.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	// Filtered reports, which count settled days from the flags (flags.go).
	filtered := []analytics.Query{q, q, q}
	filtered[0].Filters = []analytics.Filter{{Dim: analytics.DimCountry, Value: "FI"}}
	filtered[1].Filters = []analytics.Filter{{Dim: analytics.DimPage, Value: "/"}}
	filtered[2].Filters = []analytics.Filter{{Dim: analytics.DimPage, Value: "/"}, {Dim: analytics.DimBrowser, Value: "Firefox"}}
	var filteredBefore []*analytics.Report
	for _, fq := range filtered {
		r, err := s.Report(ctx, fq)
		if err != nil {
			t.Fatal(err)
		}
		filteredBefore = append(filteredBefore, r)
	}
	if n := count("SELECT count() FROM " + db + ".pageviews" + suffix + " WHERE duration_ms >= 0"); n != 0 {
		t.Fatalf("%d page views have a visible time before settling", n)
	}

	if err := s.Maintain(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT count() FROM " + db + ".leaves" + suffix); n != stay {
		t.Errorf("%d leaves after settling, want %d (those of no page view)", n, stay)
	}
	if n := count("SELECT count() FROM " + db + ".pageviews" + suffix + " WHERE duration_ms >= 0"); n == 0 {
		t.Error("no page view has a visible time after settling")
	}
	if n := count("SELECT count() FROM " + db + ".pageviews" + suffix); n != len(gen.PageViews) {
		t.Errorf("%d page views after settling, want %d", n, len(gen.PageViews))
	}
	if unknown, err := s.UnknownTables(ctx); err != nil || len(unknown) > 0 {
		t.Errorf("tables after settling: %v (%v)", unknown, err)
	}
	for _, sh := range shards {
		if n := queryInt(t, sh)("SELECT count() FROM system.tables WHERE database = '" + db + "' AND name IN ('" + settlingTable + "', '" + leavesSettlingTable + "', '" + unflaggedTable + "', '" + lockTable + "')"); n != 0 {
			t.Errorf("%d of settling's tables left on %s", n, sh.TCP)
		}
	}
	after, err := s.Report(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the report changed with settling:\nbefore %+v\nafter  %+v", before.Totals, after.Totals)
	}
	for i, fq := range filtered {
		r, err := s.Report(ctx, fq)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(filteredBefore[i], r) {
			t.Errorf("the report filtered by %v changed with settling:\nbefore %+v\nafter  %+v", fq.Filters, filteredBefore[i].Totals, r.Totals)
		}
	}
	// One first page view per visitor-day, and per visitor-day and path;
	// both months' flags recorded, of the maintenance zone.
	day := "toDate(toDateTime(intDiv(ts, 4294967296)), 'UTC')"
	for _, c := range []struct {
		flag int
		keys string
	}{{flagFirst, "site, " + day + ", visitor"}, {flagFirstOnPath, "site, " + day + ", visitor, path"}} {
		got := count(fmt.Sprintf("SELECT count() FROM %s.pageviews%s WHERE bitAnd(flags, %d) != 0", db, suffix, c.flag))
		want := count(fmt.Sprintf("SELECT count() FROM (SELECT DISTINCT %s FROM %s.pageviews%s)", c.keys, db, suffix))
		if got != want || want == 0 {
			t.Errorf("%d page views flagged %d, want %d (distinct %s)", got, c.flag, want, c.keys)
		}
	}
	if n := count("SELECT count() FROM " + db + ".settled_months" + suffix + " WHERE zone = 'UTC'"); n != 2 {
		t.Errorf("%d settled months recorded, want 2 (March and April)", n)
	}

	// Again: nothing to settle, nothing rewritten.
	was := parts()
	if err := s.Maintain(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	if parts() != was {
		t.Error("settling again rewrote parts")
	}
	// So does a store that did not settle them (another collector).
	other := openDSN(t, dsn, now)
	if err := other.Maintain(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	if parts() != was {
		t.Error("another store's settling rewrote parts")
	}

	// A late leave of a settled page view: settled again, and counted.
	p := gen.PageViews[0]
	late := analytics.Leave{Time: p.Time.Add(time.Hour), Site: p.Site, PageView: p.ID, Duration: 40 * time.Minute}
	if err := s.Append(ctx, analytics.Batch{Leaves: []analytics.Leave{late}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Maintain(ctx, time.UTC); err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT count() FROM " + db + ".leaves" + suffix); n != stay {
		t.Errorf("%d leaves after the late leave settled, want %d", n, stay)
	}
	views, err := s.VisitorPageViews(ctx, p.Site, p.Visitor, p.Time)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, v := range views {
		if v.ID == p.ID {
			found = true
			if v.Duration != late.Duration {
				t.Errorf("the late leave's page view has %v, want %v", v.Duration, late.Duration)
			}
		}
	}
	if !found {
		t.Errorf("page view %s not among the visitor's", p.ID)
	}
}

// TestWriteLock checks the write lock across two stores of one database:
// one writer at a time, and a lock a crashed holder left is taken over.
func TestWriteLock(t *testing.T) {
	t.Parallel()
	l := newLockDB(t)
	srv, db := l.srv, l.db
	a, b := l.open(t, 0), l.open(t, 0)
	ctx := context.Background()

	checkRefused(t, a, b, time.Second, 300*time.Millisecond, "a second writer while the lock is held")
	ran := false
	if err := b.locked(ctx, func(context.Context) error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("after the release: ran %v, error %v", ran, err)
	}
	// fn's error comes back, and the lock is released all the same.
	boom := errors.New("boom")
	if err := a.locked(ctx, func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("locked returned %v, want fn's error", err)
	}

	// A holder that crashed: its lock is taken over once stale.
	if err := srv.Query("CREATE TABLE " + db + "." + lockTable + " (beat DateTime) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	b.lockStale = time.Second
	waited := time.Now()
	ran = false
	if err := b.locked(ctx, func(context.Context) error { ran = true; return nil }); err != nil || !ran {
		t.Fatalf("a stale lock: ran %v, error %v", ran, err)
	}
	if time.Since(waited) < time.Second {
		t.Errorf("a lock younger than lockStale was taken over after %v", time.Since(waited))
	}
	if n := l.tables(t, lockTable); n != 0 {
		t.Errorf("%d lock tables after the release", n)
	}
}

// TestWriteLockTakeover checks that a holder's beats keep its lock past
// lockStale, and that of several writers finding a stale lock at once
// only one holds it at a time.
func TestWriteLockTakeover(t *testing.T) {
	t.Parallel()
	l := newLockDB(t)
	srv, db := l.srv, l.db
	open := func() *Store { return l.open(t, 2*time.Second) }
	ctx := context.Background()

	// A live holder for twice lockStale.
	a, b := open(), open()
	checkRefused(t, a, b, 5*time.Second, 4*time.Second, "a live holder's lock past lockStale")

	// A stale lock that several writers find at once.
	if err := srv.Query("CREATE TABLE " + db + "." + lockTable + " (beat DateTime) ENGINE = Memory"); err != nil {
		t.Fatal(err)
	}
	writers := []*Store{open(), open(), open(), open()}
	time.Sleep(3 * time.Second)
	var (
		mu           sync.Mutex
		inside, most int
		wg           sync.WaitGroup
		errs         = make(chan error, len(writers))
	)
	for _, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- w.locked(ctx, func(context.Context) error {
				mu.Lock()
				inside++
				most = max(most, inside)
				mu.Unlock()
				time.Sleep(300 * time.Millisecond)
				mu.Lock()
				inside--
				mu.Unlock()
				return nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if most != 1 {
		t.Errorf("%d writers held the lock at once after a takeover, want 1", most)
	}
	if n := l.tables(t, lockTable, lockTakeoverTable); n != 0 {
		t.Errorf("%d lock tables after the release", n)
	}
}

// TestWriteLockLost checks a holder whose lock another writer took over
// (as after it could not beat for lockStale): its work's context ends, it
// reports the loss, and it leaves its successor's lock alone.
func TestWriteLockLost(t *testing.T) {
	t.Parallel()
	l := newLockDB(t)
	a, b := l.open(t, 2*time.Second), l.open(t, 0) // a beats every 0.5 s
	ctx := context.Background()

	held := make(chan struct{})
	aDone := make(chan error, 1)
	var aCause error
	go func() {
		aDone <- a.locked(ctx, func(work context.Context) error {
			close(held)
			select {
			case <-work.Done():
				aCause = context.Cause(work)
				return work.Err()
			case <-time.After(10 * time.Second):
				return nil
			}
		})
	}()
	<-held
	// What a takeover of a's lock does, as if a's beats had not arrived.
	if err := l.srv.Query("DROP TABLE " + l.db + "." + lockTable); err != nil {
		t.Fatal(err)
	}
	var aErr error
	tablesAfterA := -1
	if err := b.locked(ctx, func(context.Context) error {
		aErr = <-aDone
		tablesAfterA = l.tables(t, lockTable)
		return nil
	}); err != nil {
		t.Fatalf("the successor: %v", err)
	}
	if !errors.Is(aErr, errLockLost) || !errors.Is(aCause, errLockLost) {
		t.Errorf("the holder taken over returned %v, its work's context ended with %v; want errLockLost for both", aErr, aCause)
	}
	if tablesAfterA != 1 {
		t.Errorf("%d lock tables once the holder taken over returned, want its successor's 1", tablesAfterA)
	}
	if n := l.tables(t, lockTable); n != 0 {
		t.Errorf("%d lock tables after the successor's release", n)
	}
}

// lockDB is a database of the shared server for a write-lock test.
type lockDB struct {
	srv *chtest.Server
	db  string
}

func newLockDB(t *testing.T) lockDB {
	srv := chtest.Shared(t)
	return lockDB{srv, chtest.Database(t, srv)}
}

// open opens a writer on it whose locks go stale after stale (0: lockStale).
func (l lockDB) open(t *testing.T, stale time.Duration) *Store {
	s := openAt(t, l.srv, l.db, time.Date(2026, 4, 5, 12, 0, 0, 0, time.UTC))
	if stale > 0 {
		s.lockStale = stale
	}
	return s
}

// tables counts which of the tables names exist.
func (l lockDB) tables(t *testing.T, names ...string) int {
	t.Helper()
	n, err := l.srv.Int("SELECT count() FROM system.tables WHERE database = '" + l.db + "' AND has(['" + strings.Join(names, "', '") + "'], name)")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkRefused has holder hold the write lock for hold, and checks that
// other, trying for try meanwhile, is refused as waiting for it.
func checkRefused(t *testing.T, holder, other *Store, hold, try time.Duration, what string) {
	t.Helper()
	ctx := context.Background()
	held := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- holder.locked(ctx, func(context.Context) error { close(held); time.Sleep(hold); return nil })
	}()
	<-held
	short, cancel := context.WithTimeout(ctx, try)
	ran := false
	err := other.locked(short, func(context.Context) error { ran = true; return nil })
	cancel()
	if ran || err == nil || !strings.Contains(err.Error(), "held by another writer") {
		t.Errorf("%s: the other writer ran %v, error %v", what, ran, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
