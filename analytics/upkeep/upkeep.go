// Package upkeep runs a store's background work while seloste serve runs:
// the daily purge of what the retention period no longer allows, and the
// maintenance of derived data (rollups) that keeps reports fast. Reports
// never do this work themselves, so none waits for it.
package upkeep

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Config says what to keep up and how often.
type Config struct {
	Retention analytics.Retention
	Zone      *time.Location // the report zone whose derived data is maintained
	// MaintainEvery is the pause between maintenance runs; 0 is
	// DefaultMaintainEvery. Rows appended since the last run are read from
	// the raw records by every report, so a short pause keeps reports fast.
	MaintainEvery time.Duration
	Logger        *slog.Logger     // nil: slog.Default()
	Now           func() time.Time // nil: time.Now
}

// DefaultMaintainEvery is the usual pause between maintenance runs.
const DefaultMaintainEvery = 5 * time.Minute

// Run purges at once and then daily, and, if the store is an
// analytics.Maintainer, maintains at once and then every MaintainEvery
// (an analytics.Sweeper sweeps as often; an analytics.BackupCleaner
// removes what interrupted backups left as often as it purges), until ctx
// is done. Failures are
// logged and retried.
func Run(ctx context.Context, store analytics.Purger, cfg Config) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaintainEvery <= 0 {
		cfg.MaintainEvery = DefaultMaintainEvery
	}
	var wg sync.WaitGroup
	wg.Go(func() { repeat(ctx, func() time.Duration { return purge(ctx, store, cfg) }) })
	if m, ok := store.(analytics.Maintainer); ok && cfg.Zone != nil {
		wg.Go(func() { repeat(ctx, func() time.Duration { return maintain(ctx, m, cfg) }) })
	}
	if sw, ok := store.(analytics.Sweeper); ok {
		wg.Go(func() { repeat(ctx, func() time.Duration { return sweep(ctx, sw, cfg) }) })
	}
	if bc, ok := store.(analytics.BackupCleaner); ok {
		wg.Go(func() { repeat(ctx, func() time.Duration { return removeStaleBackups(ctx, bc, cfg) }) })
	}
	wg.Wait()
}

// sweep clears what interrupted writes left, as often as maintenance runs.
func sweep(ctx context.Context, sw analytics.Sweeper, cfg Config) time.Duration {
	n, err := sw.Sweep(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		cfg.Logger.Error("deleting what interrupted imports left failed; retrying later", "err", err)
	case n > 0:
		cfg.Logger.Info("deleted what interrupted imports left", "imports", n)
	}
	return cfg.MaintainEvery
}

// removeStaleBackups removes the copies that interrupted backups left
// (they hold records that purges and erasures would not reach), daily.
func removeStaleBackups(ctx context.Context, bc analytics.BackupCleaner, cfg Config) time.Duration {
	removed, err := bc.RemoveStaleBackups(ctx)
	if len(removed) > 0 {
		cfg.Logger.Info("removed what interrupted backups left", "files", strings.Join(removed, ", "))
	}
	if err != nil && ctx.Err() == nil {
		cfg.Logger.Error("removing what interrupted backups left failed; retrying in an hour", "err", err)
		return time.Hour
	}
	return 24 * time.Hour
}

// purge deletes what is older than the retention period and says when to
// try next.
func purge(ctx context.Context, store analytics.Purger, cfg Config) time.Duration {
	now := cfg.Now().UTC()
	before := cfg.Retention.Cutoff(now)
	c, err := store.Purge(ctx, before, now)
	switch {
	case err != nil && ctx.Err() == nil:
		cfg.Logger.Error("purge failed; retrying in an hour", "err", err)
		return time.Hour
	case err == nil && c.Records() > 0:
		cfg.Logger.Info("purged old events", "records", c.Records(), "before", before.Format(time.DateOnly))
	}
	return 24 * time.Hour
}

func maintain(ctx context.Context, m analytics.Maintainer, cfg Config) time.Duration {
	start := time.Now()
	if err := m.Maintain(ctx, cfg.Zone); err != nil && ctx.Err() == nil {
		cfg.Logger.Error("maintaining report rollups failed; reports stay exact but slower until the next try", "err", err)
	} else if d := time.Since(start); d > 2*time.Second {
		cfg.Logger.Info("report rollups brought up to date", "took", d.Round(time.Millisecond))
	}
	returnFreeMemory()
	return cfg.MaintainEvery
}

// returnFreeMemory gives the operating system back at once the memory a
// large rollup held (a day of a flood of visitors: a hundred megabytes or
// more), which Go's runtime would otherwise return over minutes. Below
// freeMemoryAtLeast of free heap it does nothing, so a routine run costs
// no forced collection.
func returnFreeMemory() {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() >= freeMemoryAtLeast {
		debug.FreeOSMemory()
	}
}

// freeMemoryAtLeast is the free heap worth returning after a maintenance.
const freeMemoryAtLeast = 32 << 20

// repeat runs job now and then again after the pause it returns, until ctx
// is done.
func repeat(ctx context.Context, job func() time.Duration) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		t.Reset(job())
	}
}
