package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// migrations are the schema's versions; migration i+1 is migrations[i],
// statements run in order on every shard. Only add to the end.
//
// Layout:
//   - pageviews.ts is the unix second << 32 | the order of storing within
//     the second (package doc); intDiv(ts, 4294967296) is the second.
//   - Partitions are UTC months (a day's for salts), so that retention
//     drops whole months and salts go by the day.
//   - The order key (site, UTC day, visitor, ts) serves a site's time
//     range, and keeps a visitor's page views of a day side by side, which
//     is what compresses their ids.
//   - duration_ms is a page view's visible time once its month settled
//     (settle.go), or when it came with it (a migration from a SQLite
//     database that had folded its leaves); -1 otherwise. Reports read
//     the larger of it and the leaves; the same of scroll_pct (0: none).
var migrations = [][]string{
	{
		`CREATE TABLE IF NOT EXISTS pageviews (
			ts              UInt64,
			site            String,
			visitor         UInt64,
			visit           UInt64,
			pageview_id     String,
			path            String,
			utm_source      String,
			utm_medium      String,
			utm_campaign    String,
			utm_term        String,
			utm_content     String,
			referrer_host   String,
			country         String,
			region          String,
			city            String,
			browser         String,
			browser_version String,
			os              String,
			device          String,
			duration_ms     Int64 DEFAULT -1
		) ENGINE = MergeTree
		PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 4294967296)), 'UTC')
		ORDER BY (site, intDiv(ts, 371085174374400), visitor, ts)`,
		`CREATE TABLE IF NOT EXISTS leaves (
			ts          DateTime,
			site        String,
			pageview_id String,
			duration_ms Int64
		) ENGINE = MergeTree
		PARTITION BY toYYYYMM(ts, 'UTC')
		ORDER BY (site, ts)`,
		`CREATE TABLE IF NOT EXISTS bots (
			ts   DateTime,
			site String
		) ENGINE = MergeTree
		PARTITION BY toYYYYMM(ts, 'UTC')
		ORDER BY (site, ts)`,
		`CREATE TABLE IF NOT EXISTS salts (
			day  Date,
			salt String
		) ENGINE = MergeTree
		PARTITION BY day
		ORDER BY day`,
	},
	// 2: custom and automatic events (analytics.Event) with their page
	// view's visitor and visit, so reports need no join; ts as pageviews'
	// (second << 32 | order of storing); props a JSON object, keys sorted,
	// '' without props.
	{
		`CREATE TABLE IF NOT EXISTS events (
			ts          UInt64,
			site        String,
			visitor     UInt64,
			visit       UInt64,
			pageview_id String,
			name        String,
			props       String
		) ENGINE = MergeTree
		PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 4294967296)), 'UTC')
		ORDER BY (site, ts)`,
	},
	// 3: imported aggregates and imports of records (imports.go). A set's
	// rows are written first, its imported_sets row last: readers use only
	// the newest set row of each site and key, so a set is visible whole
	// or not at all. bot_seconds are the unix seconds of an import of
	// records' bot hits, one per hit, which deleting it takes back.
	{
		`CREATE TABLE IF NOT EXISTS imported_sets (
			id          UInt64,
			site        String,
			source      String,
			key         String,
			summary     String,
			from_day    String,
			to_day      String,
			days        UInt32,
			pageviews   Int64,
			created     DateTime,
			records     UInt8,
			bot_seconds Array(UInt32)
		) ENGINE = MergeTree
		ORDER BY (site, id)`,
		`CREATE TABLE IF NOT EXISTS imported_rows (
			set_id        UInt64,
			site          String,
			family        String,
			day           String,
			v0            String,
			v1            String,
			v2            String,
			v3            String,
			visitors      Int64,
			visits        Int64,
			pageviews     Int64,
			bounces       Int64,
			visit_seconds Int64
		) ENGINE = MergeTree
		ORDER BY (site, family, day, set_id)`,
	},
	// 4: scroll depth (analytics.Leave.Scroll), 0 when not measured, kept
	// as the visible time is. A cluster's Distributed tables gain the
	// columns in migrate.
	{
		`ALTER TABLE leaves ADD COLUMN scroll_pct UInt8 DEFAULT 0`,
		`ALTER TABLE pageviews ADD COLUMN scroll_pct UInt8 DEFAULT 0`,
	},
	// 5: rollups (rollup.go): countsSQL's rows of final days per report
	// zone, under a build id; the builds, newest read; and the marks of
	// writes that changed final days.
	{
		`CREATE TABLE IF NOT EXISTS rollups (
			zone  String,
			site  String,
			day   Date,
			build UInt64,
			kind  UInt8,
			k     Int32,
			value String,
			n1 Int64, n2 Int64, n3 Int64, n4 Int64, n5 Int64, n6 Int64, n7 Int64, n8 Int64
		) ENGINE = MergeTree
		PARTITION BY toYYYYMM(day)
		ORDER BY (zone, site, day, build, kind, k, value)`,
		`CREATE TABLE IF NOT EXISTS rollup_builds (
			zone     String,
			site     String,
			day      Date,
			build    UInt64,
			built_ns UInt64
		) ENGINE = MergeTree
		PARTITION BY toYYYYMM(day)
		ORDER BY (zone, site, day)`,
		`CREATE TABLE IF NOT EXISTS rollup_marks (
			site     String,
			from_sec UInt32,
			to_sec   UInt32,
			at_ns    UInt64
		) ENGINE = MergeTree
		ORDER BY (site, to_sec)`,
	},
	// 6: the event parts of rolled-up days (eventdays.go), under their
	// day's build, per set of goals and funnels (aggregate.EventKey).
	{
		`CREATE TABLE IF NOT EXISTS rollup_events (
			zone  String,
			site  String,
			day   Date,
			build UInt64,
			goals String,
			parts String
		) ENGINE = MergeTree
		PARTITION BY toYYYYMM(day)
		ORDER BY (zone, site, goals, day)`,
	},
	// 7: the AI Assistants channel (analytics.Channels gained it): the
	// rollups hold chatgpt.com's visits as Referral. They are derived:
	// emptied, every final day is rolled up again.
	{
		`TRUNCATE TABLE IF EXISTS rollups`,
		`TRUNCATE TABLE IF EXISTS rollup_builds`,
		`TRUNCATE TABLE IF EXISTS rollup_events`,
	},
	// 8: the owner's notes on a site's days (annotations.go): the owner's
	// data, no visitor's.
	{
		`CREATE TABLE IF NOT EXISTS annotations (
			id      UInt64,
			site    String,
			day     String,
			text    String,
			created DateTime
		) ENGINE = MergeTree
		ORDER BY (site, id)`,
	},
	// 9: the consent banner's counts per site and day (analytics.ConsentCount,
	// consent.go): numbers only, no record of anyone.
	{
		`CREATE TABLE IF NOT EXISTS consent (
			day      Date,
			site     String,
			shown    UInt64,
			accepted UInt64,
			declined UInt64
		) ENGINE = SummingMergeTree()
		PARTITION BY toYYYYMM(day)
		ORDER BY (site, day)`,
	},
	// 10: the audit log (audit.go): owner data, who did what and when; no
	// visitor's address, agent or id. Local to the DSN's server.
	{
		`CREATE TABLE IF NOT EXISTS owner_audit (
			ts     Int64,
			added  Int64,
			actor  String,
			action String,
			target String
		) ENGINE = MergeTree
		ORDER BY (ts, added)`,
	},
	// 11: settled columns (flags.go): each page view's first-occurrence
	// flags, written when its month settles, and the months whose flags
	// are of a report zone, dated as rollup builds are.
	{
		`ALTER TABLE pageviews ADD COLUMN flags UInt8 DEFAULT 0`,
		`CREATE TABLE IF NOT EXISTS settled_months (
			zone     String,
			month    UInt32,
			built_ns UInt64
		) ENGINE = MergeTree
		ORDER BY (zone, month)`,
	},
}

// ImportedTables hold imported aggregates and the imports' bookkeeping: no
// visitor id, no single page view (the registry's one imported field).
var ImportedTables = []string{"imported_sets", "imported_rows"}

// OwnerTables hold what the site's owner wrote (annotations.go): no
// visitor's data.
var OwnerTables = []string{"annotations"}

// RawTables hold collected records; every column of them is a field of
// the registry (analytics.Fields).
var RawTables = []string{"pageviews", "leaves", "bots", "salts", "events", "consent"}

// auditTable is the audit log (audit.go): the owner's data, no record.
const auditTable = "owner_audit"

// versionTable records the migrations applied: bookkeeping, no record.
const versionTable = "schema_migrations"

// shardKeys are the Distributed tables' sharding keys: a visitor's day of
// page views lives on one shard.
var shardKeys = map[string]string{
	"pageviews": "cityHash64(site, visitor)",
	"leaves":    "cityHash64(site, pageview_id)",
	"bots":      "rand()",
	"salts":     "toUInt32(day)",
	"events":    "cityHash64(site, visitor)",
	"consent":   "cityHash64(site)",
	// A site's imports on one shard.
	"imported_sets": "cityHash64(site)",
	"imported_rows": "cityHash64(site)",
	// Rows of a day together; where matters not, reads sum every shard.
	"rollups":        "cityHash64(zone, site, day)",
	"rollup_builds":  "cityHash64(zone, site, day)",
	"rollup_marks":   "rand()",
	"rollup_events":  "cityHash64(zone, site, day)",
	"annotations":    "cityHash64(site)",
	"settled_months": "rand()",
}

// distributed is the name of a raw table's Distributed table.
func distributed(table string) string { return table + "_cluster" }

// migrate brings every shard to the current schema, and makes the
// Distributed tables of a cluster on every shard.
func (s *Store) migrate(ctx context.Context) error {
	for _, c := range s.all {
		if err := migrateOne(ctx, c); err != nil {
			return err
		}
		if s.cfg.Cluster == "" {
			continue
		}
		for _, table := range slices.Concat(RawTables, ImportedTables, DerivedTables, OwnerTables) {
			q := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s AS %s ENGINE = Distributed(%s, %s, %s, %s)",
				distributed(table), table, s.cfg.Cluster, s.cfg.Database, table, shardKeys[table])
			if err := c.Exec(ctx, q); err != nil {
				return fmt.Errorf("create %s: %w", distributed(table), err)
			}
			if err := s.followColumns(ctx, c, table); err != nil {
				return err
			}
		}
	}
	return nil
}

// followColumns adds to a Distributed table made before a migration the
// columns its local table has gained since. system.columns lists them in
// the table's order (18.16 has no position column to sort by).
func (s *Store) followColumns(ctx context.Context, c driver.Conn, table string) error {
	rows, err := c.Query(ctx, `SELECT name, type, default_expression FROM system.columns
		WHERE database = @db AND table = @local AND name NOT IN (SELECT name FROM system.columns WHERE database = @db AND table = @dist)`, clickhouse.Named("db", s.cfg.Database), clickhouse.Named("local", table), clickhouse.Named("dist", distributed(table)))
	if err != nil {
		return fmt.Errorf("columns of %s: %w", table, err)
	}
	var add []string
	for rows.Next() {
		var name, typ, def string
		if err := rows.Scan(&name, &typ, &def); err != nil {
			rows.Close()
			return fmt.Errorf("columns of %s: %w", table, err)
		}
		col := "ADD COLUMN " + name + " " + typ
		if def != "" {
			col += " DEFAULT " + def
		}
		add = append(add, col)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("columns of %s: %w", table, err)
	}
	for _, a := range add {
		if err := c.Exec(ctx, "ALTER TABLE "+distributed(table)+" "+a); err != nil {
			return fmt.Errorf("%s: %w", distributed(table), err)
		}
	}
	return nil
}

func migrateOne(ctx context.Context, c driver.Conn) error {
	if err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+versionTable+` (version UInt32) ENGINE = MergeTree ORDER BY version`); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	var have uint32
	if err := c.QueryRow(ctx, `SELECT max(version) FROM `+versionTable).Scan(&have); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if int(have) > len(migrations) {
		return fmt.Errorf("the schema is version %d, newer than this seloste knows (%d): upgrade seloste", have, len(migrations))
	}
	for v := int(have) + 1; v <= len(migrations); v++ {
		for _, stmt := range migrations[v-1] {
			if err := c.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("schema version %d: %w", v, err)
			}
		}
		batch, err := c.PrepareBatch(ctx, "INSERT INTO "+versionTable+" (version)")
		if err == nil {
			err = batch.Append(uint32(v))
		}
		if err == nil {
			err = batch.Send()
		}
		if err != nil {
			return fmt.Errorf("schema version %d: %w", v, err)
		}
	}
	return nil
}

// derivedColumns are columns of the raw tables that hold no record of
// their own: pageviews.flags is computed from the visitor, visit, path
// and time of its month's page views when the month settles (flags.go).
var derivedColumns = []string{"flags"}

// RawColumns lists the raw tables' columns as the server has them,
// "table.column" (analytics.Inventory), without derivedColumns.
func (s *Store) RawColumns(ctx context.Context) ([]string, error) {
	rows, err := s.all[0].Query(ctx, `SELECT table, name FROM system.columns WHERE database = @db AND has(@tables, table) AND NOT has(@derived, name) ORDER BY table, name`,
		clickhouse.Named("db", s.cfg.Database), clickhouse.Named("tables", RawTables), clickhouse.Named("derived", derivedColumns))
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, name string
		if err := rows.Scan(&table, &name); err != nil {
			return nil, err
		}
		out = append(out, table+"."+name)
	}
	return out, rows.Err()
}

// UnknownTables lists the tables that are neither raw, nor imported, nor
// derived, nor the owner's, nor their Distributed tables, nor the schema's version, nor
// the write lock's (lock.go: its holder's random name and beats, the
// server's time; no records), nor settling's (settle.go: a month of page
// views or leaves while it settles, flags.go: a month of page views before
// its flags) (analytics.Inventory).
func (s *Store) UnknownTables(ctx context.Context) ([]string, error) {
	var out []string
	for _, c := range s.all {
		rows, err := c.Query(ctx, `SELECT name FROM system.tables WHERE database = @db ORDER BY name`, clickhouse.Named("db", s.cfg.Database))
		if err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				rows.Close()
				return nil, err
			}
			raw := strings.TrimSuffix(name, "_cluster")
			known := slices.Contains(RawTables, raw) || slices.Contains(ImportedTables, raw) || slices.Contains(DerivedTables, raw) ||
				slices.Contains(OwnerTables, raw) || name == versionTable || name == auditTable ||
				name == lockTable || name == lockTakeoverTable || name == settlingTable || name == leavesSettlingTable || name == unflaggedTable
			if !known && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
