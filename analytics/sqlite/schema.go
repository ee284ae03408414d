package sqlite

import (
	"context"
	"fmt"
)

// migrations take the schema from version i to i+1. The version is kept in
// PRAGMA user_version. Never edit a migration that has shipped: add one.
var migrations = []string{
	// 1: the raw, append-only records. Engine-neutral: integers, text, no
	// SQLite-only types, so the same rows fit ClickHouse. Nothing personal
	// beyond what the privacy statement lists: no IP, no User-Agent.
	`
	CREATE TABLE pageviews (
		ts              INTEGER NOT NULL, -- unix seconds, UTC
		site            TEXT    NOT NULL,
		visitor         INTEGER NOT NULL, -- uint64 id stored as its int64 bit pattern
		visit           INTEGER NOT NULL, -- uint64 visit id, same encoding
		pageview_id     TEXT    NOT NULL, -- the tracker's random id; Leave records point at it
		path            TEXT    NOT NULL,
		utm_source      TEXT    NOT NULL DEFAULT '',
		utm_medium      TEXT    NOT NULL DEFAULT '',
		utm_campaign    TEXT    NOT NULL DEFAULT '',
		utm_term        TEXT    NOT NULL DEFAULT '',
		utm_content     TEXT    NOT NULL DEFAULT '',
		referrer_host   TEXT    NOT NULL DEFAULT '',
		country         TEXT    NOT NULL DEFAULT '',
		region          TEXT    NOT NULL DEFAULT '',
		city            TEXT    NOT NULL DEFAULT '',
		browser         TEXT    NOT NULL DEFAULT '',
		browser_version TEXT    NOT NULL DEFAULT '',
		os              TEXT    NOT NULL DEFAULT '',
		device          TEXT    NOT NULL DEFAULT ''
	);
	-- Every report reads one site's time range.
	CREATE INDEX pageviews_site_ts ON pageviews (site, ts);

	CREATE TABLE leaves (
		ts          INTEGER NOT NULL,
		site        TEXT    NOT NULL,
		pageview_id TEXT    NOT NULL,
		duration_ms INTEGER NOT NULL  -- visible time so far; the largest one per page view counts
	);
	-- Reports look up a page view's leaves; covering, so the table isn't read.
	CREATE INDEX leaves_site_pageview ON leaves (site, pageview_id, ts, duration_ms);

	CREATE TABLE bots (
		ts   INTEGER NOT NULL,
		site TEXT    NOT NULL
	);
	CREATE INDEX bots_site_ts ON bots (site, ts);

	CREATE TABLE salts (
		day  TEXT PRIMARY KEY, -- UTC day, 2006-01-02
		salt BLOB NOT NULL
	);
	`,

	// 2: daily rollups: derived data, rebuilt from the raw tables whenever
	// needed (see rollup.go). Days are calendar days in the zone named by
	// the zone column, so each report zone has its own rollups.
	`
	CREATE TABLE rollup_days (
		zone        TEXT    NOT NULL,
		site        TEXT    NOT NULL,
		day         TEXT    NOT NULL, -- 2006-01-02 in zone
		visitors    INTEGER NOT NULL, -- distinct visitor ids that day
		visits      INTEGER NOT NULL, -- visits with a page view that day
		pageviews   INTEGER NOT NULL,
		bounces     INTEGER NOT NULL, -- visits with exactly one page view that day
		visit_ms    INTEGER NOT NULL, -- sum of the visits' durations
		timed_views INTEGER NOT NULL, -- page views that have a leave
		time_ms     INTEGER NOT NULL, -- sum of their visible times
		bots        INTEGER NOT NULL,
		PRIMARY KEY (zone, site, day)
	) WITHOUT ROWID;

	CREATE TABLE rollup_hours (
		zone      TEXT    NOT NULL,
		site      TEXT    NOT NULL,
		hour      INTEGER NOT NULL, -- unix seconds of the hour's start
		day       TEXT    NOT NULL, -- the hour's day in zone, to rebuild and purge by day
		visitors  INTEGER NOT NULL, -- distinct visitor ids in the hour
		pageviews INTEGER NOT NULL,
		PRIMARY KEY (zone, site, hour)
	) WITHOUT ROWID;

	CREATE TABLE rollup_dims (
		zone        TEXT    NOT NULL,
		site        TEXT    NOT NULL,
		dim         TEXT    NOT NULL, -- analytics.Dimension
		day         TEXT    NOT NULL,
		value       TEXT    NOT NULL,
		visitors    INTEGER NOT NULL,
		visits      INTEGER NOT NULL, -- entry/exit pages: visits entering/leaving there
		pageviews   INTEGER NOT NULL,
		timed_views INTEGER NOT NULL,
		time_ms     INTEGER NOT NULL,
		PRIMARY KEY (zone, site, dim, day, value)
	) WITHOUT ROWID;

	-- What the rollups of a zone cover: every day up to and including
	-- through_day is rolled up, from raw rows up to the given rowids. Rows
	-- appended later mark their days for a rebuild.
	CREATE TABLE rollup_state (
		zone          TEXT PRIMARY KEY,
		through_day   TEXT    NOT NULL,
		pageviews_max INTEGER NOT NULL,
		leaves_max    INTEGER NOT NULL,
		bots_max      INTEGER NOT NULL
	);
	`,

	// 3: breakdown rollups packed into one blob per day (and per month):
	// reading thirty blobs is ten times faster than reading a hundred
	// thousand rows through the driver. See pack.go for the format.
	`
	DROP TABLE rollup_dims;

	CREATE TABLE rollup_breakdowns_days (
		zone TEXT NOT NULL,
		site TEXT NOT NULL,
		day  TEXT NOT NULL, -- 2006-01-02 in zone
		rows BLOB NOT NULL, -- every breakdown row of the day, packed
		PRIMARY KEY (zone, site, day)
	) WITHOUT ROWID;

	-- The sum of a whole month's day rows, made once every day of the month
	-- is rolled up: a year's report reads twelve of these.
	CREATE TABLE rollup_breakdowns_months (
		zone  TEXT NOT NULL,
		site  TEXT NOT NULL,
		month TEXT NOT NULL, -- 2006-01 in zone
		rows  BLOB NOT NULL,
		PRIMARY KEY (zone, site, month)
	) WITHOUT ROWID;

	-- Rebuild every rollup in the new layout.
	DELETE FROM rollup_state;
	DELETE FROM rollup_days;
	DELETE FROM rollup_hours;
	`,

	// 4: each rolled-up day's page views, packed (pack.go), for filtered
	// reports: a compact copy that reads ten times faster than the rows.
	`
	CREATE TABLE rollup_views (
		zone  TEXT NOT NULL,
		site  TEXT NOT NULL,
		day   TEXT NOT NULL, -- 2006-01-02 in zone
		views BLOB NOT NULL,
		PRIMARY KEY (zone, site, day)
	) WITHOUT ROWID;

	DELETE FROM rollup_state;
	DELETE FROM rollup_days;
	DELETE FROM rollup_hours;
	DELETE FROM rollup_breakdowns_days;
	DELETE FROM rollup_breakdowns_months;
	`,

	// 5: sources per visit and the channel breakdown (analytics/aggregate),
	// and packed days in fixed-width columns: every rollup and packed day
	// is rebuilt in the new layout.
	`
	DELETE FROM rollup_state;
	DELETE FROM rollup_days;
	DELETE FROM rollup_hours;
	DELETE FROM rollup_breakdowns_days;
	DELETE FROM rollup_breakdowns_months;
	DELETE FROM rollup_views;
	`,

	// 6: visible times folded into their page views a day after (see
	// settle.go), so the leaves table holds about a day of records instead
	// of all of them.
	`
	-- The largest leave within 24 h once settled; NULL without one. Until
	-- then it holds a placeholder of the width of most settled values, so
	-- that settling rewrites a row in place instead of splitting its page.
	ALTER TABLE pageviews ADD COLUMN duration_ms INTEGER DEFAULT -4294967296;

	-- How far each site's page views are settled: derived bookkeeping, so
	-- losing it only makes the next settle start over.
	CREATE TABLE rollup_settled (
		site      TEXT PRIMARY KEY,
		before_ts INTEGER NOT NULL -- every page view before this has its leaves folded in
	);
	`,
}

// SchemaVersion is the schema version this code writes.
var SchemaVersion = len(migrations)

// migrate brings the schema to SchemaVersion in one transaction, so a failed
// migration leaves the database as it was.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this seloste understands (%d): upgrade seloste", v, len(migrations))
	}
	if v == len(migrations) {
		return nil
	}
	for i := v; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
		return fmt.Errorf("migrate: set schema version: %w", err)
	}
	return tx.Commit()
}
