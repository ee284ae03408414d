package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io"
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

	// 7: page views hold their repeated values as ids of dictionary tables
	// (dictionary.go). The dictionaries are filled here; copyPageViews then
	// rewrites the page views, keeping their rowids (the rollups' marks).
	`
	CREATE TABLE sites (id INTEGER PRIMARY KEY, site TEXT NOT NULL UNIQUE);
	CREATE TABLE paths (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
	CREATE TABLE campaigns (
		id           INTEGER PRIMARY KEY,
		utm_source   TEXT NOT NULL,
		utm_medium   TEXT NOT NULL,
		utm_campaign TEXT NOT NULL,
		utm_term     TEXT NOT NULL,
		utm_content  TEXT NOT NULL,
		UNIQUE (utm_source, utm_medium, utm_campaign, utm_term, utm_content)
	);
	CREATE TABLE referrers (id INTEGER PRIMARY KEY, referrer_host TEXT NOT NULL UNIQUE);
	CREATE TABLE places (
		id      INTEGER PRIMARY KEY,
		country TEXT NOT NULL,
		region  TEXT NOT NULL,
		city    TEXT NOT NULL,
		UNIQUE (country, region, city)
	);
	CREATE TABLE agents (
		id              INTEGER PRIMARY KEY,
		browser         TEXT NOT NULL,
		browser_version TEXT NOT NULL,
		os              TEXT NOT NULL,
		device          TEXT NOT NULL,
		UNIQUE (browser, browser_version, os, device)
	);
	INSERT INTO sites (site) SELECT DISTINCT site FROM pageviews ORDER BY 1;
	INSERT INTO paths (path) SELECT DISTINCT path FROM pageviews;
	INSERT INTO campaigns (utm_source, utm_medium, utm_campaign, utm_term, utm_content)
		SELECT DISTINCT utm_source, utm_medium, utm_campaign, utm_term, utm_content FROM pageviews;
	INSERT INTO referrers (referrer_host) SELECT DISTINCT referrer_host FROM pageviews;
	INSERT INTO places (country, region, city) SELECT DISTINCT country, region, city FROM pageviews;
	INSERT INTO agents (browser, browser_version, os, device)
		SELECT DISTINCT browser, browser_version, os, device FROM pageviews;

	CREATE TABLE pageviews_v7 (
		ts          INTEGER NOT NULL, -- unix seconds, UTC
		site_id     INTEGER NOT NULL, -- sites.id
		visitor     INTEGER NOT NULL, -- uint64 id stored as its int64 bit pattern
		visit       INTEGER NOT NULL, -- uint64 visit id, same encoding
		pageview_id TEXT    NOT NULL, -- the tracker's random id; Leave records point at it
		path_id     INTEGER NOT NULL, -- paths.id
		campaign_id INTEGER NOT NULL, -- campaigns.id
		referrer_id INTEGER NOT NULL, -- referrers.id
		place_id    INTEGER NOT NULL, -- places.id
		agent_id    INTEGER NOT NULL, -- agents.id
		duration_ms INTEGER DEFAULT -4294967296 -- see migration 6
	);

	-- The file says it is seloste's (store.go, checkOwn).
	PRAGMA application_id = 1397510996; -- applicationID, "SLST"

	-- Packed days keep their page views' times apart, read only for an
	-- hourly series; every rollup is rebuilt in the new layout.
	ALTER TABLE rollup_views ADD COLUMN times BLOB;
	-- Visitors with a timed page view: the k-anonymity floor of averages.
	ALTER TABLE rollup_days ADD COLUMN timed_visitors INTEGER NOT NULL DEFAULT 0;
	DELETE FROM rollup_state;
	DELETE FROM rollup_days;
	DELETE FROM rollup_hours;
	DELETE FROM rollup_breakdowns_days;
	DELETE FROM rollup_breakdowns_months;
	DELETE FROM rollup_views;
	`,

	// 8: imported aggregates (imports.go): daily sums per value brought in
	// from another tool, with no visitor id and no single page view. Apart
	// from the collected records and the rollups, and kept until deleted.
	// An import of records (page views) is listed here too; its records are
	// in the raw tables.
	`
	CREATE TABLE imported_sets (
		id        INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: a replaced import's id stays gone
		site      TEXT    NOT NULL,
		source    TEXT    NOT NULL, -- "plausible", "ga4"
		key       TEXT    NOT NULL, -- what was imported: the same key again replaces the set
		summary   TEXT    NOT NULL,
		from_day  TEXT    NOT NULL, -- 2006-01-02
		to_day    TEXT    NOT NULL,
		days      INTEGER NOT NULL, -- days with totals
		pageviews INTEGER NOT NULL, -- their page views
		created   INTEGER NOT NULL, -- unix seconds
		-- An import of records (GoatCounter's page views): the first and
		-- last record's time; its page views' pageview_id starts with
		-- "imp<id>-". NULL for aggregates.
		records_from INTEGER,
		records_to   INTEGER,
		-- and its bot hits' rowids, after and through (bot hits have no id).
		bots_after   INTEGER,
		bots_through INTEGER,
		UNIQUE (site, key)
	);
	-- A set's rows of one family and day, packed (imports.go): a day of a
	-- thousand pages is one row to write and to read.
	CREATE TABLE imported_rows (
		set_id INTEGER NOT NULL, -- imported_sets.id
		family TEXT    NOT NULL, -- analytics.ImportFamily
		day    TEXT    NOT NULL, -- 2006-01-02 as the source counted it
		rows   BLOB    NOT NULL  -- values and sums of each row
	);
	-- Reports read one set's family over a range of days.
	CREATE INDEX imported_rows_set_family_day ON imported_rows (set_id, family, day);
	`,

	// 9: custom and automatic events (analytics.Event), with the visitor id
	// and visit of their page view's visit, so that reports need no join.
	`
	CREATE TABLE events (
		ts          INTEGER NOT NULL, -- unix seconds, UTC
		site        TEXT    NOT NULL,
		visitor     INTEGER NOT NULL, -- as pageviews.visitor
		visit       INTEGER NOT NULL, -- as pageviews.visit
		pageview_id TEXT    NOT NULL, -- the page view it happened on
		name        TEXT    NOT NULL,
		props       TEXT    NOT NULL DEFAULT '' -- JSON object, keys sorted; '' without props
	);
	-- Reports read one site's time range; erasure and the self-service page
	-- find a page view's events.
	CREATE INDEX events_site_ts ON events (site, ts);
	CREATE INDEX events_site_pageview ON events (site, pageview_id);
	`,

	// 10: the event parts (goals, funnels, events, props) of rolled-up days
	// for the configured goals and funnels, named by goals
	// (aggregate.EventKey); derived data, see eventdays.go.
	`
	CREATE TABLE rollup_events (
		zone  TEXT NOT NULL,
		site  TEXT NOT NULL,
		day   TEXT NOT NULL,
		goals TEXT NOT NULL,
		parts BLOB NOT NULL,
		PRIMARY KEY (zone, site, day, goals)
	) WITHOUT ROWID;
	`,

	// 11: scroll depth (analytics.Leave.Scroll), kept and settled as the
	// visible time is; 0 is not measured. The leaves index stays covering.
	// Pages' rollup rows and packed days gain it: they are rebuilt.
	`
	ALTER TABLE leaves ADD COLUMN scroll_pct INTEGER NOT NULL DEFAULT 0;
	DROP INDEX leaves_site_pageview;
	CREATE INDEX leaves_site_pageview ON leaves (site, pageview_id, ts, duration_ms, scroll_pct);
	ALTER TABLE pageviews ADD COLUMN scroll_pct INTEGER NOT NULL DEFAULT 0;

	DROP VIEW pageview_values;
	CREATE VIEW pageview_values AS
	SELECT p.rowid AS seq, p.ts, sites.site, p.visitor, p.visit, p.pageview_id, paths.path,
		campaigns.utm_source, campaigns.utm_medium, campaigns.utm_campaign, campaigns.utm_term, campaigns.utm_content,
		referrers.referrer_host, places.country, places.region, places.city,
		agents.browser, agents.browser_version, agents.os, agents.device, p.duration_ms, p.scroll_pct
	FROM pageviews p
	JOIN sites ON sites.id = p.site_id
	JOIN paths ON paths.id = p.path_id
	JOIN campaigns ON campaigns.id = p.campaign_id
	JOIN referrers ON referrers.id = p.referrer_id
	JOIN places ON places.id = p.place_id
	JOIN agents ON agents.id = p.agent_id;

	DELETE FROM rollup_state;
	DELETE FROM rollup_days;
	DELETE FROM rollup_hours;
	DELETE FROM rollup_breakdowns_days;
	DELETE FROM rollup_breakdowns_months;
	DELETE FROM rollup_views;
	DELETE FROM rollup_events;
	`,

	// 12: the AI Assistants channel (analytics.Channels gained it): rolled-up
	// days hold channels by their position in that list, and chatgpt.com's
	// visits were Referral. Every rollup is rebuilt.
	`
	DELETE FROM rollup_state;
	DELETE FROM rollup_days;
	DELETE FROM rollup_hours;
	DELETE FROM rollup_breakdowns_days;
	DELETE FROM rollup_breakdowns_months;
	DELETE FROM rollup_views;
	DELETE FROM rollup_events;
	`,

	// 13: the owner's notes on a site's days (annotations.go): the owner's
	// data, no visitor's.
	`
	CREATE TABLE annotations (
		id      INTEGER PRIMARY KEY,
		site    TEXT    NOT NULL,
		day     TEXT    NOT NULL, -- 2006-01-02, as the owner wrote it
		text    TEXT    NOT NULL,
		created INTEGER NOT NULL  -- unix seconds
	);
	CREATE INDEX annotations_site_day ON annotations (site, day);
	`,

	// 14: the consent banner's counts per site and day
	// (analytics.ConsentCount): numbers only, no record of anyone.
	`
	CREATE TABLE consent (
		day      TEXT    NOT NULL, -- "2006-01-02" in the collector's zone
		site     TEXT    NOT NULL,
		shown    INTEGER NOT NULL DEFAULT 0,
		accepted INTEGER NOT NULL DEFAULT 0,
		declined INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (site, day)
	) WITHOUT ROWID;
	`,

	// 15: the audit log (audit.go): owner data, who did what and when; no
	// visitor's address, agent or id.
	`
	CREATE TABLE owner_audit (
		ts     INTEGER NOT NULL, -- unix seconds, UTC
		actor  TEXT    NOT NULL,
		action TEXT    NOT NULL,
		target TEXT    NOT NULL DEFAULT ''
	);
	CREATE INDEX owner_audit_ts ON owner_audit (ts);
	`,

	// 16: a goal filter from derived data: each packed day's visit ids
	// (aggregate.Day.AppendVisits, day format 7) and, per goal of the kept
	// set, the converted visits and their totals beside the kept event
	// parts (eventdays.go). A report reads one key's rows over a range of
	// days, so the key comes before the day: the goals' rows, with their
	// visits, are not read for another key. Every rollup is rebuilt.
	`
	ALTER TABLE rollup_views ADD COLUMN visits BLOB;
	DROP TABLE rollup_events;
	CREATE TABLE rollup_events (
		zone   TEXT NOT NULL,
		site   TEXT NOT NULL,
		day    TEXT NOT NULL,
		goals  TEXT NOT NULL, -- aggregate.EventKey, or GoalKey for a goal's rows
		parts  BLOB NOT NULL,
		visits BLOB,          -- a goal's converted visits; NULL in a set's row
		totals BLOB,          -- a goal's totals (aggregate.GoalCounts); NULL in a set's row
		PRIMARY KEY (zone, site, goals, day)
	) WITHOUT ROWID;
	-- A day's rebuild deletes its rows of every key.
	CREATE INDEX rollup_events_day ON rollup_events (zone, site, day);
	DELETE FROM rollup_state;
	DELETE FROM rollup_days;
	DELETE FROM rollup_hours;
	DELETE FROM rollup_breakdowns_days;
	DELETE FROM rollup_breakdowns_months;
	DELETE FROM rollup_views;
	`,
}

// migrationSteps are the parts of a migration that are Go, run after its
// SQL in the same transaction, by the version they migrate to.
var migrationSteps = map[int]func(ctx context.Context, tx *sql.Tx, progress io.Writer) error{
	7: copyPageViews,
}

// copyPageViews copies the page views into the dictionary-coded table of
// migration 7, a million rows per statement so that a large database shows
// how far it is, and puts the new table in the old one's place.
func copyPageViews(ctx context.Context, tx *sql.Tx, progress io.Writer) error {
	var lo, hi int64
	if err := tx.QueryRowContext(ctx, `SELECT IFNULL(MIN(rowid), 1), IFNULL(MAX(rowid), 0) FROM pageviews`).Scan(&lo, &hi); err != nil {
		return err
	}
	const step = 1_000_000
	for from := lo; from <= hi; from += step {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO pageviews_v7 (rowid, ts, site_id, visitor, visit, pageview_id,
				path_id, campaign_id, referrer_id, place_id, agent_id, duration_ms)
			SELECT p.rowid, p.ts, s.id, p.visitor, p.visit, p.pageview_id, pa.id, c.id, r.id, pl.id, a.id, p.duration_ms
			FROM pageviews p
			JOIN sites s ON s.site = p.site
			JOIN paths pa ON pa.path = p.path
			JOIN campaigns c ON c.utm_source = p.utm_source AND c.utm_medium = p.utm_medium
				AND c.utm_campaign = p.utm_campaign AND c.utm_term = p.utm_term AND c.utm_content = p.utm_content
			JOIN referrers r ON r.referrer_host = p.referrer_host
			JOIN places pl ON pl.country = p.country AND pl.region = p.region AND pl.city = p.city
			JOIN agents a ON a.browser = p.browser AND a.browser_version = p.browser_version
				AND a.os = p.os AND a.device = p.device
			WHERE p.rowid >= ? AND p.rowid < ?
			ORDER BY p.rowid`, from, from+step); err != nil {
			return err
		}
		if progress != nil && hi-lo >= step {
			fmt.Fprintf(progress, "seloste: database upgrade: page views %d%%\n", min(100, (from+step-lo)*100/(hi-lo+1)))
		}
	}
	var n, m int64
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM pageviews), (SELECT COUNT(*) FROM pageviews_v7)`).Scan(&n, &m); err != nil {
		return err
	}
	if n != m {
		return fmt.Errorf("copied %d of %d page views", m, n)
	}
	_, err := tx.ExecContext(ctx, `
		DROP TABLE pageviews;
		ALTER TABLE pageviews_v7 RENAME TO pageviews;
		-- Every report reads one site's time range.
		CREATE INDEX pageviews_site_ts ON pageviews (site_id, ts);

		-- The page views as they were before, for people and tests that
		-- read the database with SQL: seq is the row's rowid.
		CREATE VIEW pageview_values AS
		SELECT p.rowid AS seq, p.ts, sites.site, p.visitor, p.visit, p.pageview_id, paths.path,
			campaigns.utm_source, campaigns.utm_medium, campaigns.utm_campaign, campaigns.utm_term, campaigns.utm_content,
			referrers.referrer_host, places.country, places.region, places.city,
			agents.browser, agents.browser_version, agents.os, agents.device, p.duration_ms
		FROM pageviews p
		JOIN sites ON sites.id = p.site_id
		JOIN paths ON paths.id = p.path_id
		JOIN campaigns ON campaigns.id = p.campaign_id
		JOIN referrers ON referrers.id = p.referrer_id
		JOIN places ON places.id = p.place_id
		JOIN agents ON agents.id = p.agent_id;`)
	return err
}

// SchemaVersion is the schema version this code writes.
var SchemaVersion = len(migrations)

// migrate brings the schema to SchemaVersion in one transaction, so a failed
// migration leaves the database as it was. upgraded is whether an existing
// database's schema changed.
func (s *Store) migrate(ctx context.Context) (upgraded bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	var v int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
		return false, fmt.Errorf("migrate: read schema version: %w", err)
	}
	if v > len(migrations) {
		return false, fmt.Errorf("schema version %d is newer than this seloste understands (%d): upgrade seloste", v, len(migrations))
	}
	if v == len(migrations) {
		return false, nil
	}
	for i := v; i < len(migrations); i++ {
		if v > 0 && s.progress != nil {
			fmt.Fprintf(s.progress, "seloste: database upgrade to schema version %d of %d\n", i+1, len(migrations))
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return false, fmt.Errorf("migrate to schema version %d: %w", i+1, err)
		}
		if step := migrationSteps[i+1]; step != nil {
			if err := step(ctx, tx, s.progress); err != nil {
				return false, fmt.Errorf("migrate to schema version %d: %w", i+1, err)
			}
		}
	}
	// PRAGMA takes no parameters; the value is our own integer.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations))); err != nil {
		return false, fmt.Errorf("migrate: set schema version: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migrate: commit: %w", err)
	}
	return v > 0, nil
}
