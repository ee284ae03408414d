package clickhouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// The write lock: a table on the first shard whose existence is the lock.
// CREATE TABLE is atomic on one server, so of two writers one creates it
// and the other waits. Its creator's first row names it (holder, first =
// 1), and it adds a beat (a row of the server's time) every lockStale/4
// while it holds it, so a lock whose newest beat is older than lockStale
// was left by a crashed holder, and is taken over. Taking over is itself
// under a second lock (lockTakeoverTable), so of two writers that both
// found it stale only one drops it: the other then finds its successor
// fresh.
//
// A holder that could not beat for lockStale (cut off from the first
// shard) may have been taken over: before each beat, and before it drops
// the table, it checks that the lock is still its own. When it is not, the
// work's context ends and nothing of the successor's is dropped. A
// mutation the server is already running still completes.
//
// Tables of the earlier format (beat only) are still seen as held and
// taken over when stale; such a writer's own beats fail on a table of
// this format, so while versions are mixed a long write can be taken over
// after lockStale.
const (
	lockTable         = "write_lock"
	lockTakeoverTable = "write_lock_takeover"
	lockStale         = 10 * time.Minute
)

// ClickHouse's error codes the lock expects: a lock table that another
// writer is dropping answers TABLE_IS_DROPPED for a moment; a table of the
// earlier format has no holder column.
const (
	codeUnknownColumn = 47
	codeTableExists   = 57
	codeUnknownTable  = 60
	codeTableDropped  = 218
)

// errLockLost is the cause of a holder's context when its lock was taken
// over.
var errLockLost = errors.New("write lock lost: this writer could not reach the first shard for " +
	"a while and another writer took the lock over; the work stopped part way, run it again")

// isCode reports whether err is a ClickHouse exception with one of codes.
func isCode(err error, codes ...int32) bool {
	var exc *clickhouse.Exception
	return errors.As(err, &exc) && slices.Contains(codes, exc.Code)
}

// locked runs fn holding the write lock. fn's context ends, with cause
// errLockLost, if the lock is taken over meanwhile; locked then returns
// that error too.
func (s *Store) locked(ctx context.Context, fn func(ctx context.Context) error) error {
	c := s.all[0]
	// A ctx that ends during a query fails it with the connection's
	// timeout, which can come a moment before ctx says so: the waiting is
	// what the caller needs to hear of.
	waited := func(err error) error {
		end := ctx.Err()
		if d, ok := ctx.Deadline(); ok && end == nil && !time.Now().Before(d) {
			end = context.DeadlineExceeded
		}
		if end != nil {
			return fmt.Errorf("write lock: held by another writer (an erasure, a purge, an import or settling): %w", end)
		}
		return fmt.Errorf("write lock: %w", err)
	}
	holder := lockHolder()
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		created, err := createLock(ctx, c, lockTable, holder)
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

	// work ends when fn returns, or with errLockLost when the lock is lost.
	work, lost := context.WithCancelCause(ctx)
	defer lost(nil)
	beats := make(chan struct{})
	go func() {
		defer close(beats)
		tick := time.NewTicker(s.lockStale / 4)
		defer tick.Stop()
		for {
			select {
			case <-work.Done():
				return
			case <-tick.C:
				// A beat that fails is retried at the next tick; a holder
				// that misses them all for lockStale may lose the lock.
				ours, err := lockOwned(work, c, lockTable, holder)
				if err != nil {
					continue
				}
				if !ours {
					lost(errLockLost)
					return
				}
				_ = beat(work, c, lockTable, holder)
			}
		}
	}()
	ferr := fn(work)
	lost(nil) // a loss found first stays the cause
	<-beats
	if context.Cause(work) == errLockLost {
		return errors.Join(ferr, errLockLost)
	}

	uctx, cancel := releasing(ctx)
	defer cancel()
	ours, err := lockOwned(uctx, c, lockTable, holder)
	if err == nil && !ours {
		return errors.Join(ferr, errLockLost)
	}
	if err == nil {
		err = c.Exec(uctx, "DROP TABLE IF EXISTS "+lockTable)
	}
	if err != nil {
		return errors.Join(ferr, fmt.Errorf("release the write lock: %w", err))
	}
	return ferr
}

// releasing is the context a lock is released with: also when ctx has
// ended, else every writer would wait lockStale; for 30 s at most.
func releasing(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
}

// lockHolder names a holder of a lock: 64 random bits in hex.
func lockHolder() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// createLock creates the lock table name held by holder; false if it
// exists. Until its first beat the table's own time stands for one
// (lockStaleNow). A table whose first row could not be written is dropped
// again: nobody would own it.
func createLock(ctx context.Context, c driver.Conn, name, holder string) (bool, error) {
	err := c.Exec(ctx, "CREATE TABLE "+name+" (beat DateTime, holder String, first UInt8) ENGINE = Memory")
	if isCode(err, codeTableExists, codeTableDropped) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := c.Exec(ctx, "INSERT INTO "+name+" (beat, holder, first) SELECT now(), @holder, 1", clickhouse.Named("holder", holder)); err != nil {
		uctx, cancel := releasing(ctx)
		defer cancel()
		return false, errors.Join(err, c.Exec(uctx, "DROP TABLE IF EXISTS "+name))
	}
	return true, nil
}

// lockOwned reports whether the lock table name is holder's: its first
// row names holder. A table another writer made, one of the earlier
// format, and none at all are not.
func lockOwned(ctx context.Context, c driver.Conn, name, holder string) (bool, error) {
	var n uint64
	err := c.QueryRow(ctx, "SELECT count() FROM "+name+" WHERE first = 1 AND holder = @holder",
		clickhouse.Named("holder", holder)).Scan(&n)
	if isCode(err, codeUnknownTable, codeTableDropped, codeUnknownColumn) {
		return false, nil
	}
	return n > 0, err
}

// beat adds a row of the server's time to holder's lock table name.
func beat(ctx context.Context, c driver.Conn, name, holder string) error {
	return c.Exec(ctx, "INSERT INTO "+name+" (beat, holder, first) SELECT now(), @holder, 0", clickhouse.Named("holder", holder))
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
	created, err := createLock(ctx, c, lockTakeoverTable, lockHolder())
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
	uctx, cancel := releasing(ctx)
	defer cancel()
	if derr := c.Exec(uctx, "DROP TABLE IF EXISTS "+lockTakeoverTable); derr != nil {
		err = errors.Join(err, derr)
	}
	if err != nil {
		return false, fmt.Errorf("take over a stale lock: %w", err)
	}
	return stale, nil
}
