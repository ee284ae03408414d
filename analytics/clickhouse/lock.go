package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// The write lock: a table on the first shard whose existence is the lock.
// CREATE TABLE is atomic on one server, so of two writers one creates it
// and the other waits. Its holder adds a beat (a row of the server's
// time) every lockStale/4 while it holds it, so a lock whose newest beat
// is older than lockStale was left by a crashed holder, and is taken
// over. Taking over is itself under a second lock (lockTakeoverTable),
// so of two writers that both found it stale only one drops it: the other
// then finds its successor fresh.
const (
	lockTable         = "write_lock"
	lockTakeoverTable = "write_lock_takeover"
	lockStale         = 10 * time.Minute
)

// ClickHouse's error codes the lock expects: a lock table that another
// writer is dropping answers TABLE_IS_DROPPED for a moment.
const (
	codeTableExists  = 57
	codeUnknownTable = 60
	codeTableDropped = 218
)

// isCode reports whether err is a ClickHouse exception with one of codes.
func isCode(err error, codes ...int32) bool {
	var exc *clickhouse.Exception
	return errors.As(err, &exc) && slices.Contains(codes, exc.Code)
}

// locked runs fn holding the write lock.
func (s *Store) locked(ctx context.Context, fn func() error) error {
	c := s.all[0]
	// A ctx that ends during a query fails it with the connection's
	// timeout: the waiting is what the caller needs to hear of.
	waited := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("write lock: held by another writer (an erasure, a purge, an import or settling): %w", ctx.Err())
		}
		return fmt.Errorf("write lock: %w", err)
	}
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		created, err := createLock(ctx, c, lockTable)
		if err != nil {
			return waited(err)
		}
		if created {
			break
		}
		stale, err := s.lockStaleNow(ctx, c, lockTable)
		if err != nil {
			return waited(err)
		}
		if stale {
			dropped, err := s.takeOver(ctx, c)
			if err != nil {
				return waited(err)
			}
			if dropped {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return waited(ctx.Err())
		case <-time.After(delay):
		}
	}

	beating, stop := context.WithCancel(ctx)
	beats := make(chan struct{})
	go func() {
		defer close(beats)
		tick := time.NewTicker(s.lockStale / 4)
		defer tick.Stop()
		for {
			select {
			case <-beating.Done():
				return
			case <-tick.C:
				// A beat that fails is retried at the next tick; a holder
				// that misses them all for lockStale loses the lock.
				_ = beat(beating, c, lockTable)
			}
		}
	}()
	ferr := fn()
	stop()
	<-beats

	// Released also when ctx ended: else every writer would wait lockStale.
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := c.Exec(uctx, "DROP TABLE IF EXISTS "+lockTable); err != nil {
		return errors.Join(ferr, fmt.Errorf("release the write lock: %w", err))
	}
	return ferr
}

// createLock creates the lock table name; false if it exists. Until its
// first beat the table's own time stands for one (lockStaleNow).
func createLock(ctx context.Context, c driver.Conn, name string) (bool, error) {
	err := c.Exec(ctx, "CREATE TABLE "+name+" (beat DateTime) ENGINE = Memory")
	if isCode(err, codeTableExists, codeTableDropped) {
		return false, nil
	}
	return err == nil, err
}

// beat adds a row of the server's time to the lock table name.
func beat(ctx context.Context, c driver.Conn, name string) error {
	return c.Exec(ctx, "INSERT INTO "+name+" SELECT now()")
}

// lockStaleNow reports whether the lock table name is older than
// lockStale: its newest beat, or its creation if it has none, on the
// server's clock. A lock released meanwhile is not stale.
func (s *Store) lockStaleNow(ctx context.Context, c driver.Conn, name string) (bool, error) {
	var age int64
	err := c.QueryRow(ctx, `SELECT toInt64(now()) - greatest(toInt64(max(beat)),
		(SELECT toInt64(any(metadata_modification_time)) FROM system.tables WHERE database = @db AND name = @name)) FROM `+name,
		clickhouse.Named("db", s.cfg.Database), clickhouse.Named("name", name)).Scan(&age)
	if isCode(err, codeUnknownTable, codeTableDropped) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("the age of %s: %w", name, err)
	}
	return age > int64(s.lockStale/time.Second), nil
}

// takeOver drops the write lock if, holding the takeover lock, it finds it
// still stale, and reports whether it did. A takeover lock a crash left is
// dropped once stale: then two writers could both take over, which needs
// two crashes at the same moment.
func (s *Store) takeOver(ctx context.Context, c driver.Conn) (bool, error) {
	created, err := createLock(ctx, c, lockTakeoverTable)
	if err != nil {
		return false, fmt.Errorf("take over a stale lock: %w", err)
	}
	if !created {
		stale, err := s.lockStaleNow(ctx, c, lockTakeoverTable)
		if err == nil && stale {
			err = c.Exec(ctx, "DROP TABLE IF EXISTS "+lockTakeoverTable)
		}
		if err != nil {
			return false, fmt.Errorf("take over a stale lock: %w", err)
		}
		return false, nil // another writer is taking over
	}
	stale, err := s.lockStaleNow(ctx, c, lockTable)
	if err == nil && stale {
		err = c.Exec(ctx, "DROP TABLE IF EXISTS "+lockTable)
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if derr := c.Exec(uctx, "DROP TABLE IF EXISTS "+lockTakeoverTable); derr != nil {
		err = errors.Join(err, derr)
	}
	if err != nil {
		return false, fmt.Errorf("take over a stale lock: %w", err)
	}
	return stale, nil
}
