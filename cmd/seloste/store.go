package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/clickhouse"
	"github.com/seloste/seloste/analytics/sqlite"
)

// The one place that knows the storage engines: every command opens its
// store from the -db value here, and sees only analytics.Store afterwards.

// dbHelp documents the -db value for every command's flag.
const dbHelp = "the store: a SQLite file (seloste.db, or sqlite:PATH), or a ClickHouse database " +
	"(clickhouse://HOST:9000/DB, parameters user, password, dial_timeout, max_execution_time, cluster)"

// openStore opens the engine that dsn names: "sqlite:PATH" or a plain path
// is the embedded SQLite engine, "clickhouse://host:port/db" a ClickHouse
// server (or, with ?cluster=NAME, a cluster). With mustExist a missing database is an
// error instead of a new, empty one (a report must not create a store).
// Long work (a schema upgrade, a rollup rebuild) reports progress to
// progress, the command's standard error.
func openStore(ctx context.Context, dsn string, mustExist bool, progress io.Writer) (analytics.Store, error) {
	return openStoreWith(ctx, dsn, mustExist, progress)
}

// openServeStore opens the collector's store after checking it whole (a
// damaged, truncated or read-only database is refused at start-up, left
// unchanged, rather than failing writes later). The collector owns a
// SQLite database while it runs: a second one on the same file is refused.
func openServeStore(ctx context.Context, dsn string, progress io.Writer) (analytics.Store, error) {
	s, err := openStoreWith(ctx, dsn, false, progress, sqlite.Verify(), sqlite.Owner())
	return s, inUse(err, "-db")
}

// ownStore makes this process the owner of the SQLite database that dsn
// names, as a collector is (openServeStore), until release; a ClickHouse
// store has no owner and release does nothing.
func ownStore(dsn, flag string) (release func() error, err error) {
	path := storePath(dsn)
	if path == "" {
		return func() error { return nil }, nil
	}
	release, err = sqlite.Own(path)
	return release, inUse(err, flag)
}

// inUse says, for an error that a database is owned by another process,
// how to go on; flag names the command's flag that chose the database.
func inUse(err error, flag string) error {
	var e *sqlite.InUseError
	if !errors.As(err, &e) {
		return err
	}
	holder := "another seloste process"
	if e.PID != 0 {
		holder = fmt.Sprintf("another seloste process (pid %d)", e.PID)
	}
	return fmt.Errorf("%s is in use by %s: stop it first, or give another %s", e.Path, holder, flag)
}

func openStoreWith(ctx context.Context, dsn string, mustExist bool, progress io.Writer, extra ...sqlite.Option) (analytics.Store, error) {
	path := storePath(dsn)
	if strings.HasPrefix(dsn, "clickhouse://") {
		cfg, err := clickhouse.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("database: %w", err)
		}
		cfg.MustExist, cfg.Progress = mustExist, progress
		return clickhouse.Open(ctx, cfg)
	}
	if scheme, _, ok := strings.Cut(dsn, "://"); ok && path == "" {
		return nil, fmt.Errorf("database %q: unknown engine %q (use a SQLite file path, sqlite:PATH or clickhouse://HOST:PORT/DB)", dsn, scheme)
	}
	if path == "" {
		return nil, fmt.Errorf("database %q: no path given", dsn)
	}
	opts := append([]sqlite.Option{sqlite.WithProgress(progress)}, extra...)
	if mustExist {
		opts = append(opts, sqlite.MustExist())
	}
	return sqlite.Open(ctx, path, opts...)
}

// checkStoreFile refuses the SQLite database that dsn names if it is
// another program's (reading only; a missing one passes): a command that
// writes beside a database (seloste.auth) calls it first, as serve's
// openServeStore checks before anything is written.
func checkStoreFile(ctx context.Context, dsn string) error {
	if path := storePath(dsn); path != "" {
		return sqlite.CheckFile(ctx, path)
	}
	return nil
}

// storePath is the file a dsn names, for files kept next to the database
// (the dashboard's credentials); "" when the engine has no file.
func storePath(dsn string) string {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		return path
	}
	if strings.Contains(dsn, "://") {
		return ""
	}
	return dsn
}

// restoreStore puts the backup from in place of the store that dsn names,
// which must not be in use.
func restoreStore(ctx context.Context, dsn, from string, progress io.Writer) error {
	path := storePath(dsn)
	if strings.HasPrefix(dsn, "clickhouse://") {
		return fmt.Errorf("restore: a ClickHouse database is restored with ClickHouse's own tools " +
			"(clickhouse-backup, or ALTER TABLE … ATTACH PARTITION from a FREEZE copy): see the README's ClickHouse section")
	}
	if path == "" {
		return fmt.Errorf("restore: %q is not a SQLite file: restore that engine with its own tools", dsn)
	}
	err := sqlite.Restore(ctx, from, path, progress)
	if errors.As(err, new(*sqlite.InUseError)) {
		return fmt.Errorf("restore: %w", inUse(err, "-db"))
	}
	return err
}

// storeName is dsn as logs and messages may show it: without a password.
func storeName(dsn string) string {
	if strings.HasPrefix(dsn, "clickhouse://") {
		return clickhouse.Redact(dsn)
	}
	return dsn
}

// keepEventDays tells an engine that keeps the event parts of finished days
// (analytics.EventDayKeeper) which goals and funnels reports ask for.
func keepEventDays(store analytics.Store, events analytics.EventConfig) {
	if k, ok := store.(analytics.EventDayKeeper); ok {
		k.KeepEventDays(events.Goals, events.Funnels)
	}
}
