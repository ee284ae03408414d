package clickhouse

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Every statement the Store sends goes through a conn: it carries the
// settings chosen for its server's version (querySettings) with each
// query, so that a user profile that changes them cannot change what the
// SQL means, and a server is never sent a setting it does not know (18.16
// rejects unknown settings).
//
// The SQL keeps to what ClickHouse 18.16 and current releases both accept
// and mean alike; compat_test.go holds the checklist of constructs that
// differ between them, and checks every statement of the package's tests
// against it as it is sent.

// serverVersion is a server's release, from version() read when a
// connection opens.
type serverVersion struct {
	major, minor int
	text         string // as the server gave it, e.g. 18.16.1 or 24.8.4.13
}

// parseVersion reads version()'s answer.
func parseVersion(s string) (serverVersion, error) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return serverVersion{}, fmt.Errorf("server version %q: want MAJOR.MINOR…", s)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return serverVersion{}, fmt.Errorf("server version %q: want MAJOR.MINOR…", s)
	}
	return serverVersion{major: major, minor: minor, text: s}, nil
}

func (v serverVersion) atLeast(major, minor int) bool {
	return v.major > major || v.major == major && v.minor >= minor
}

// querySettings are the settings every statement is sent with on a server
// of version v:
//
//   - join_use_nulls = 0: a row of a LEFT JOIN without a match gets the
//     columns' defaults (0, ”, []), which the reports count with; 1 in a
//     user profile would make them NULL. The default on every release, pinned.
//   - inserts into a cluster's Distributed tables are written to the shards
//     before the insert returns, so that the next read sees them:
//     insert_distributed_sync, renamed distributed_foreground_insert by
//     ClickHouse PR #55978 (released in 23.10 or 23.11); the old name stays an
//     alias, so 23.10 may keep it.
func querySettings(v serverVersion) clickhouse.Settings {
	s := clickhouse.Settings{"join_use_nulls": 0}
	if v.atLeast(23, 11) {
		s["distributed_foreground_insert"] = 1
	} else {
		s["insert_distributed_sync"] = 1
	}
	return s
}

// statementCheck, when set (by the package's tests), sees every statement
// before it is sent, with its settings and the server's version; an error
// fails the statement.
var statementCheck func(query string, settings clickhouse.Settings, v serverVersion) error

// conn is a connection pool to one server that sends every statement with
// querySettings.
type conn struct {
	driver.Conn
	version  serverVersion
	settings clickhouse.Settings
}

// prepare returns ctx carrying the settings for a statement, or the
// checklist's finding.
func (c *conn) prepare(ctx context.Context, query string) (context.Context, error) {
	// A copy per statement: the client writes into the map it is given
	// (max_execution_time from a context's deadline).
	settings := maps.Clone(c.settings)
	if statementCheck != nil {
		if err := statementCheck(query, settings, c.version); err != nil {
			return nil, err
		}
	}
	return clickhouse.Context(ctx, clickhouse.WithSettings(settings)), nil
}

func (c *conn) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	ctx, err := c.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return c.Conn.Query(ctx, query, args...)
}

func (c *conn) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	ctx, err := c.prepare(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return c.Conn.QueryRow(ctx, query, args...)
}

func (c *conn) Select(ctx context.Context, dest any, query string, args ...any) error {
	ctx, err := c.prepare(ctx, query)
	if err != nil {
		return err
	}
	return c.Conn.Select(ctx, dest, query, args...)
}

func (c *conn) Exec(ctx context.Context, query string, args ...any) error {
	ctx, err := c.prepare(ctx, query)
	if err != nil {
		return err
	}
	return c.Conn.Exec(ctx, query, args...)
}

func (c *conn) PrepareBatch(ctx context.Context, query string, opts ...driver.PrepareBatchOption) (driver.Batch, error) {
	ctx, err := c.prepare(ctx, query)
	if err != nil {
		return nil, err
	}
	return c.Conn.PrepareBatch(ctx, query, opts...)
}

func (c *conn) AsyncInsert(ctx context.Context, query string, wait bool, args ...any) error {
	ctx, err := c.prepare(ctx, query)
	if err != nil {
		return err
	}
	return c.Conn.AsyncInsert(ctx, query, wait, args...)
}

// errRow is a row that QueryRow could not ask for.
type errRow struct{ err error }

func (r errRow) Err() error           { return r.err }
func (r errRow) Scan(...any) error    { return r.err }
func (r errRow) ScanStruct(any) error { return r.err }
