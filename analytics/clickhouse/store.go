// Package clickhouse is seloste's engine for sites that outgrow one
// machine: an analytics.Store over a ClickHouse server or cluster, reached
// with the native protocol (github.com/ClickHouse/clickhouse-go/v2).
//
// It keeps the same raw records as analytics/sqlite. Every report is
// computed by ClickHouse (report.go), with the definitions of
// analytics/aggregate written as SQL; only result rows come back, and
// analytics/aggregate assembles them into the Report. The result rows of
// final days are kept as daily rollups (rollup.go), which unfiltered
// reports read instead of the raw rows.
//
// The SQL keeps to what ClickHouse 18.16 (Debian's package) and current
// releases both accept and mean alike: aliased joined subqueries, ANY or
// ALL on every join, no TTL, CODEC, ON CLUSTER, window functions, CTEs or
// query parameters; inserts only through native batches. The checklist is
// compat_test.go's; settings go with each statement, named as the
// server's version knows them (conn.go).
//
// Records with equal times: ClickHouse has no row order, so a page view's
// ts holds its unix second in the high 32 bits and, in the low 32 bits,
// how many records of that second the Store appended before it (schema.go):
// mostly 0, which compresses to a fraction of a running count. Reports order a
// visit's page views, and OpenVisits and VisitorPageViews their results,
// by it, as the SQLite engine does by rowid.
//
// With a cluster (Open with Cluster), the tables live on every shard and
// the Store reads and writes them through Distributed tables, page views
// sharded by site and visitor id.
package clickhouse

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"
)

// Config says where the store is.
type Config struct {
	Addr             string // host:port of the native protocol, e.g. 127.0.0.1:9000
	Database         string
	User, Password   string
	DialTimeout      time.Duration // 0: 10 s
	MaxExecutionTime time.Duration // a query's limit on the server; 0: 60 s
	// Cluster, if set, names a cluster of the server's remote_servers:
	// the tables are made on every shard it lists.
	Cluster string
	// MustExist makes Open fail instead of creating a new database: report
	// readers use it, so that a typo does not report zeros.
	MustExist bool
	// Now is the clock of "today" and realtime visitors; nil is time.Now.
	Now func() time.Time
	// Progress, if set, is where long work (Maintain's first rollups)
	// says how far it is.
	Progress io.Writer
}

// ParseDSN reads clickhouse://host:port/database?user=&password=
// &dial_timeout=&max_execution_time=&cluster=.
func ParseDSN(dsn string) (Config, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "clickhouse" {
		return Config{}, fmt.Errorf("want clickhouse://host:port/database, got %q", Redact(dsn))
	}
	c := Config{Addr: u.Host, Database: strings.Trim(u.Path, "/")}
	if c.Addr == "" {
		return Config{}, fmt.Errorf("%q: no host:port (e.g. clickhouse://127.0.0.1:9000/seloste)", Redact(dsn))
	}
	if u.Port() == "" {
		c.Addr += ":9000"
	}
	if c.Database == "" {
		c.Database = "seloste"
	}
	if !validName(c.Database) {
		return Config{}, fmt.Errorf("database name %q: use letters, digits and _ only", c.Database)
	}
	if u.User != nil {
		c.User = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	for key, vals := range u.Query() {
		v := vals[len(vals)-1]
		switch key {
		case "user":
			c.User = v
		case "password":
			c.Password = v
		case "cluster":
			if !validName(v) {
				return Config{}, fmt.Errorf("cluster name %q: use letters, digits and _ only", v)
			}
			c.Cluster = v
		case "dial_timeout", "max_execution_time":
			d, err := time.ParseDuration(v)
			if err != nil {
				secs, serr := strconv.Atoi(v)
				if serr != nil || secs <= 0 {
					return Config{}, fmt.Errorf("%s=%q: want a duration such as 10s", key, v)
				}
				d = time.Duration(secs) * time.Second
			}
			if key == "dial_timeout" {
				c.DialTimeout = d
			} else {
				c.MaxExecutionTime = d
			}
		default:
			return Config{}, fmt.Errorf("unknown parameter %q (use user, password, dial_timeout, max_execution_time, cluster)", key)
		}
	}
	return c, nil
}

// Redact returns dsn without its password, for logs and messages.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func validName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Store is the ClickHouse engine. It is safe for concurrent use.
type Store struct {
	cfg  Config
	conn driver.Conn   // the server of the DSN: reads, and writes through the tables below
	all  []driver.Conn // every shard's server, for DDL, mutations and partitions; conn alone without a cluster
	now  func() time.Time

	// The tables reads and inserts go to: the local tables, or the
	// Distributed ones of a cluster.
	pageviews, leaves, bots, salts, events string
	consent                                string
	importedSets, importedRows             string
	rollups, rollupBuilds, rollupMarks     string
	rollupEvents                           string
	annotations                            string
	settledMonths                          string

	supersededAfter time.Duration                      // rollup.go; a test's store shortens it
	lockStale       time.Duration                      // lock.go; likewise
	eventSet        atomic.Pointer[aggregate.EventSet] // the goals and funnels whose days Maintain keeps; nil none

	// seq orders records stored in the same second (package doc).
	seq secondSeq

	saltMu sync.Mutex
	salt   map[string][]byte // UTC day → salt, as read back

	settledMu    sync.Mutex
	settledParts map[string]string // leaves partition → its parts when found settled (settle.go)

	closeOnce sync.Once
	closeErr  error
}

var (
	_ analytics.Store       = (*Store)(nil)
	_ analytics.Reporter    = (*Store)(nil)
	_ analytics.AppendSizer = (*Store)(nil)
)

// Open connects, creates the database and its tables if needed and
// migrates them to the current schema (on every shard of a cluster).
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.MaxExecutionTime == 0 {
		cfg.MaxExecutionTime = 60 * time.Second
	}
	where := fmt.Sprintf("clickhouse %s/%s", cfg.Addr, cfg.Database)
	boot, err := dial(ctx, cfg, cfg.Addr, "default")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	addrs := []string{cfg.Addr}
	if cfg.Cluster != "" {
		addrs, err = shardAddrs(ctx, boot, cfg.Cluster)
		if err != nil {
			boot.Close()
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	if cfg.MustExist {
		var n uint64
		err := boot.QueryRow(ctx, "SELECT count() FROM system.tables WHERE database = @db AND name = @table",
			clickhouse.Named("db", cfg.Database), clickhouse.Named("table", versionTable)).Scan(&n)
		if err == nil && n == 0 {
			err = fmt.Errorf("no seloste database %q on the server (check -db, or run seloste serve to create it)", cfg.Database)
		}
		if err != nil {
			boot.Close()
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	boot.Close()
	s := &Store{cfg: cfg, now: cfg.Now, salt: map[string][]byte{},
		pageviews: "pageviews", leaves: "leaves", bots: "bots", salts: "salts", events: "events", consent: "consent",
		importedSets: "imported_sets", importedRows: "imported_rows",
		rollups: "rollups", rollupBuilds: "rollup_builds", rollupMarks: "rollup_marks", rollupEvents: "rollup_events",
		annotations: "annotations", settledMonths: "settled_months", supersededAfter: supersededAfter, lockStale: lockStale}
	if cfg.Cluster != "" {
		s.pageviews, s.leaves, s.bots, s.salts = distributed("pageviews"), distributed("leaves"), distributed("bots"), distributed("salts")
		s.events, s.consent = distributed("events"), distributed("consent")
		s.importedSets, s.importedRows = distributed("imported_sets"), distributed("imported_rows")
		s.rollups, s.rollupBuilds, s.rollupMarks = distributed("rollups"), distributed("rollup_builds"), distributed("rollup_marks")
		s.rollupEvents = distributed("rollup_events")
		s.annotations = distributed("annotations")
		s.settledMonths = distributed("settled_months")
	}
	for _, addr := range addrs {
		c, err := dial(ctx, cfg, addr, "default")
		if err == nil {
			err = c.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+cfg.Database)
			c.Close()
		}
		if err == nil {
			c, err = dial(ctx, cfg, addr, cfg.Database)
		}
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("%s: shard %s: %w", where, addr, err)
		}
		s.all = append(s.all, c)
	}
	c, err := dial(ctx, cfg, cfg.Addr, cfg.Database)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	s.conn = c
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	// What an import killed earlier left (imports.go).
	if _, err := s.Sweep(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return s, nil
}

// dial opens a pool of connections to the server at addr, reads its
// version and returns a conn that sends every statement with the settings
// for it (conn.go).
func dial(ctx context.Context, cfg Config, addr, database string) (*conn, error) {
	c, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{addr},
		Protocol:    clickhouse.Native,
		Auth:        clickhouse.Auth{Database: database, Username: cfg.User, Password: cfg.Password},
		DialTimeout: cfg.DialTimeout,
		// A cancelled context does not stop a query on the server: the
		// server's own limit does. Every release knows the setting; the
		// ones that depend on the version go with each statement.
		Settings: clickhouse.Settings{
			"max_execution_time": int(cfg.MaxExecutionTime / time.Second),
		},
		MaxOpenConns: 8,
		MaxIdleConns: 4,
	})
	if err != nil {
		return nil, err
	}
	if err := c.Ping(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("connect: %w (is the server running, and -db's host:port its native port, usually 9000?)", err)
	}
	var text string
	if err := c.QueryRow(ctx, "SELECT version()").Scan(&text); err != nil {
		c.Close()
		return nil, fmt.Errorf("server version: %w", err)
	}
	v, err := parseVersion(text)
	if err != nil {
		c.Close()
		return nil, err
	}
	return &conn{Conn: c, version: v, settings: querySettings(v)}, nil
}

// shardAddrs lists the native address of every shard of cluster (its first
// replica).
func shardAddrs(ctx context.Context, c driver.Conn, cluster string) ([]string, error) {
	rows, err := c.Query(ctx, `SELECT host_address, toUInt32(port) FROM system.clusters WHERE cluster = @cluster AND replica_num = 1 ORDER BY shard_num`,
		clickhouse.Named("cluster", cluster))
	if err != nil {
		return nil, fmt.Errorf("read system.clusters: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var host string
		var port uint32
		if err := rows.Scan(&host, &port); err != nil {
			return nil, err
		}
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		out = append(out, fmt.Sprintf("%s:%d", host, port))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("cluster %q is not in the server's remote_servers (system.clusters): check ?cluster=", cluster)
	}
	return out, nil
}

// Close closes the connections. Closing again returns the first
// Close's error: clickhouse-go's second Close of a connection blocks for
// ever, and serve closes its store both on the way out and deferred.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		if s.conn != nil {
			errs = append(errs, s.conn.Close())
		}
		for _, c := range s.all {
			errs = append(errs, c.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// secondSeq numbers the records a Store appends within each second
// (package doc). A running count over all records would do as well, but
// costs 2.5 B a page view more on disk (5.5 B against 3.0 B, zstd,
// benchmark data sets 2 and 3).
type secondSeq struct {
	mu     sync.Mutex
	next   map[int64]secondCount
	append uint64 // appends so far
}

type secondCount struct {
	n      uint32
	append uint64 // the append that last used the second
}

// forgetSeconds is how many seconds secondSeq keeps before it forgets
// those that none of the last eight appends used: a collector's records
// reach the store within a flush or two of their second, an import's in
// time order.
const forgetSeconds = 1 << 16

// keys returns the ts of n records, the i'th at t(i), numbered after the
// records of their second appended earlier.
func (q *secondSeq) keys(n int, t func(i int) time.Time) []uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.next == nil {
		q.next = map[int64]secondCount{}
	}
	q.append++
	keys := make([]uint64, n)
	for i := range n {
		sec := t(i).Unix()
		c := q.next[sec]
		keys[i] = uint64(sec)<<32 | uint64(c.n)
		q.next[sec] = secondCount{n: c.n + 1, append: q.append}
	}
	if len(q.next) > forgetSeconds {
		for sec, c := range q.next {
			if c.append+8 < q.append {
				delete(q.next, sec)
			}
		}
	}
	return keys
}

// secKey is the smallest ts of the second sec: ts >= secKey(a) AND ts <
// secKey(b) is the page views of [a, b).
func secKey(sec int64) uint64 { return uint64(sec) << 32 }

// AppendSizes are a collector's batch and queue sizes on ClickHouse. An
// insert makes a part, whose fixed cost (10–40 ms of server CPU on 18.16,
// a buffer per column) a collector's default 2 000 records spread to
// 9–23 µs each: on one machine a large share of what the collector spends
// on a page view. In batches of 50 000 (in practice one insert per flush interval,
// as ClickHouse advises) it is 1–3 µs; the queue holds what arrives during
// a send (BenchmarkAppend, BenchmarkIngestHTTPClickHouse).
func (s *Store) AppendSizes() (batch, queue int) { return 50000, 65536 }

// Append stores the batch: page views, leaves, events and bot hits, each table in
// one insert. ClickHouse has no transactions across tables: an error
// between the inserts keeps the tables already written.
//
// Records of days that may be rolled up (imports, migrate; rollup.go) are
// written between marks that make those days' rollups stale.
func (s *Store) Append(ctx context.Context, b analytics.Batch) error {
	site, from, to, old := s.oldSpan(b)
	if !old {
		return s.append(ctx, b)
	}
	return s.changing(ctx, site, from, to, func(ctx context.Context) error { return s.append(ctx, b) })
}

// oldSpan returns the span of seconds of the batch's page views, leaves
// and events older than settleSlack, and their site ("" for several); old is false
// when it has none.
func (s *Store) oldSpan(b analytics.Batch) (site string, from, to int64, old bool) {
	cutoff := s.now().Add(-settleSlack)
	see := func(recSite string, t time.Time) {
		if !t.Before(cutoff) {
			return
		}
		sec := t.Unix()
		if !old {
			site, from, to, old = recSite, sec, sec, true
			return
		}
		if recSite != site {
			site = ""
		}
		from, to = min(from, sec), max(to, sec)
	}
	for i := range b.PageViews {
		see(b.PageViews[i].Site, b.PageViews[i].Time)
	}
	for i := range b.Leaves {
		see(b.Leaves[i].Site, b.Leaves[i].Time)
	}
	for i := range b.Events { // the kept event parts (eventdays.go)
		see(b.Events[i].Site, b.Events[i].Time)
	}
	return site, from, to, old
}

func (s *Store) append(ctx context.Context, b analytics.Batch) error {
	if len(b.PageViews) > 0 {
		batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.pageviews+" ("+pageviewColumns+")")
		if err != nil {
			return fmt.Errorf("append page views: %w", err)
		}
		keys := s.seq.keys(len(b.PageViews), func(i int) time.Time { return b.PageViews[i].Time })
		for i := range b.PageViews {
			p := &b.PageViews[i]
			if err := batch.Append(keys[i], p.Site, p.Visitor, p.Visit, p.ID, p.Path,
				p.UTMSource, p.UTMMedium, p.UTMCampaign, p.UTMTerm, p.UTMContent, p.ReferrerHost,
				p.Country, p.Region, p.City, p.Browser, p.BrowserVersion, p.OS, p.Device, int64(-1)); err != nil {
				batch.Abort()
				return fmt.Errorf("append page views: %w", err)
			}
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("append page views: %w", err)
		}
	}
	if len(b.Leaves) > 0 {
		batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.leaves+" (ts, site, pageview_id, duration_ms, scroll_pct)")
		if err != nil {
			return fmt.Errorf("append leaves: %w", err)
		}
		for _, l := range b.Leaves {
			if err := batch.Append(l.Time.UTC(), l.Site, l.PageView, l.Duration.Milliseconds(), uint8(min(max(l.Scroll, 0), analytics.MaxScroll))); err != nil {
				batch.Abort()
				return fmt.Errorf("append leaves: %w", err)
			}
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("append leaves: %w", err)
		}
	}
	if len(b.Events) > 0 {
		batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.events+" (ts, site, visitor, visit, pageview_id, name, props)")
		if err != nil {
			return fmt.Errorf("append events: %w", err)
		}
		keys := s.seq.keys(len(b.Events), func(i int) time.Time { return b.Events[i].Time })
		for i := range b.Events {
			e := &b.Events[i]
			if err := batch.Append(keys[i], e.Site, e.Visitor, e.Visit, e.PageView, e.Name, analytics.EncodeProps(e.Props)); err != nil {
				batch.Abort()
				return fmt.Errorf("append events: %w", err)
			}
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("append events: %w", err)
		}
	}
	if len(b.Bots) > 0 {
		batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.bots+" (ts, site)")
		if err != nil {
			return fmt.Errorf("append bot hits: %w", err)
		}
		for _, h := range b.Bots {
			if err := batch.Append(h.Time.UTC(), h.Site); err != nil {
				batch.Abort()
				return fmt.Errorf("append bot hits: %w", err)
			}
		}
		if err := batch.Send(); err != nil {
			return fmt.Errorf("append bot hits: %w", err)
		}
	}
	return s.appendConsent(ctx, b.Consent)
}

// pageviewColumns are the page views' columns in Append's order.
const pageviewColumns = `ts, site, visitor, visit, pageview_id, path,
	utm_source, utm_medium, utm_campaign, utm_term, utm_content, referrer_host,
	country, region, city, browser, browser_version, os, device, duration_ms`

// Salt returns the salt of the UTC day that contains t.
//
// ClickHouse has no unique key to make the first writer win, so every
// writer adds a candidate and everyone uses the smallest candidate of the
// day: the same one in every process once all candidates are in. A day's
// salt is made a day ahead (asking for one day's makes the next), so
// collectors that share the store have read tomorrow's winner long before
// they use it; two processes could only disagree if they both made the
// very first salt of a new store in the same instant.
func (s *Store) Salt(ctx context.Context, t time.Time) ([]byte, error) {
	day := t.UTC().Truncate(24 * time.Hour)
	key := day.Format(time.DateOnly)
	s.saltMu.Lock()
	defer s.saltMu.Unlock()
	if salt, ok := s.salt[key]; ok {
		return salt, nil
	}
	salt, err := s.ensureSalt(ctx, day)
	if err != nil {
		return nil, fmt.Errorf("salt for %s: %w", key, err)
	}
	if _, err := s.ensureSalt(ctx, day.Add(24*time.Hour)); err != nil {
		return nil, fmt.Errorf("salt for the day after %s: %w", key, err)
	}
	s.salt[key] = salt
	return salt, nil
}

// ensureSalt returns the winning salt of day, adding a candidate if it has
// none.
func (s *Store) ensureSalt(ctx context.Context, day time.Time) ([]byte, error) {
	read := func() ([]byte, error) {
		rows, err := s.conn.Query(ctx, "SELECT salt FROM "+s.salts+" WHERE day = @day ORDER BY salt LIMIT 1", clickhouse.Named("day", day.Format(time.DateOnly)))
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var salt string
		if rows.Next() {
			if err := rows.Scan(&salt); err != nil {
				return nil, err
			}
		}
		return []byte(salt), rows.Err()
	}
	salt, err := read()
	if err != nil || len(salt) > 0 {
		return salt, err
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.salts+" (day, salt)")
	if err != nil {
		return nil, err
	}
	if err := batch.Append(day, string(fresh)); err != nil {
		batch.Abort()
		return nil, err
	}
	if err := batch.Send(); err != nil {
		return nil, err
	}
	salt, err = read()
	if err == nil && len(salt) != 32 {
		err = fmt.Errorf("stored salt has %d bytes, want 32", len(salt))
	}
	return salt, err
}

// Purge deletes records older than before and salts whose day ended more
// than analytics.SaltKeep before now. Months wholly before the cut-off
// are dropped as partitions; the rest goes with a mutation, waited for.
func (s *Store) Purge(ctx context.Context, before, now time.Time) (analytics.Purged, error) {
	var c analytics.Purged
	if _, err := s.Sweep(ctx); err != nil { // serve's daily upkeep: interrupted imports too
		return c, fmt.Errorf("purge: %w", err)
	}
	cut := before.Unix()
	counts := []struct {
		n     *int64
		query string
		arg   any
	}{
		{&c.PageViews, "SELECT count() FROM " + s.pageviews + " WHERE ts < @cut", secKey(cut)},
		{&c.Leaves, "SELECT count() FROM " + s.leaves + " WHERE ts < toDateTime(@cut)", cut},
		{&c.Bots, "SELECT count() FROM " + s.bots + " WHERE ts < toDateTime(@cut)", cut},
		{&c.Events, "SELECT count() FROM " + s.events + " WHERE ts < @cut", secKey(cut)},
	}
	for _, q := range counts {
		var n uint64
		if err := s.conn.QueryRow(ctx, q.query, clickhouse.Named("cut", q.arg)).Scan(&n); err != nil {
			return c, fmt.Errorf("purge: count: %w", err)
		}
		*q.n = int64(n)
	}
	month := before.UTC().Format("200601")
	// Final days up to the cut-off change: the records' deletion goes
	// between marks that make their rollups stale, and whole months of
	// rollups go with the records' (rollup.go).
	deleteRecords := func(ctx context.Context) error {
		for _, table := range []string{"rollups", "rollup_builds", "rollup_events"} {
			if err := s.dropPartitions(ctx, table, func(id string) bool { return id < month }); err != nil {
				return err
			}
		}
		for _, t := range []struct {
			table, where string
			n            int64
		}{
			{"pageviews", fmt.Sprintf("ts < %d", secKey(cut)), c.PageViews},
			{"leaves", fmt.Sprintf("ts < toDateTime(%d)", cut), c.Leaves},
			{"bots", fmt.Sprintf("ts < toDateTime(%d)", cut), c.Bots},
			{"events", fmt.Sprintf("ts < %d", secKey(cut)), c.Events},
		} {
			if t.n == 0 {
				continue
			}
			if err := s.dropPartitions(ctx, t.table, func(id string) bool { return id < month }); err != nil {
				return err
			}
			if err := s.mutate(ctx, "ALTER TABLE "+t.table+" DELETE WHERE "+t.where); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if c.PageViews > 0 || c.Leaves > 0 || c.Events > 0 {
		err = s.changing(ctx, "", 0, cut, deleteRecords)
	} else {
		err = deleteRecords(ctx) // bot hits only: no rollup counts them
	}
	if err != nil {
		return c, fmt.Errorf("purge: %w", err)
	}
	// Marks that reach no day the dropped months leave.
	monthStart := time.Date(before.UTC().Year(), before.UTC().Month(), 1, 0, 0, 0, 0, time.UTC).Add(-48 * time.Hour).Unix()
	var marks uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.rollupMarks+" WHERE to_sec < @cut",
		clickhouse.Named("cut", uint32(max(monthStart, 0)))).Scan(&marks); err != nil {
		return c, fmt.Errorf("purge: rollup marks: %w", err)
	}
	if marks > 0 {
		if err := s.mutate(ctx, fmt.Sprintf("ALTER TABLE rollup_marks DELETE WHERE to_sec < %d", max(monthStart, 0))); err != nil {
			return c, fmt.Errorf("purge: %w", err)
		}
	}
	if c.Consent, err = s.purgeConsent(ctx, before); err != nil {
		return c, fmt.Errorf("purge: %w", err)
	}
	// A salt for day D is needed until D ends plus SaltKeep (as in the
	// SQLite engine).
	saltCut := now.UTC().Add(-analytics.SaltKeep - time.Nanosecond).Format("20060102")
	var days uint64
	if err := s.conn.QueryRow(ctx, "SELECT uniqExact(day) FROM "+s.salts+" WHERE day < toDate(@cut)",
		clickhouse.Named("cut", saltCut[:4]+"-"+saltCut[4:6]+"-"+saltCut[6:])).Scan(&days); err != nil {
		return c, fmt.Errorf("purge: salts: %w", err)
	}
	c.Salts = int64(days)
	if err := s.dropPartitions(ctx, "salts", func(id string) bool { return id < saltCut }); err != nil {
		return c, fmt.Errorf("purge: salts: %w", err)
	}
	s.saltMu.Lock()
	for day := range s.salt {
		if strings.ReplaceAll(day, "-", "") < saltCut {
			delete(s.salt, day)
		}
	}
	s.saltMu.Unlock()
	return c, nil
}

// partition is what every shard's parts tell of a partition of a table.
type partition struct {
	parts string // the names of its active parts: they change when anything is written to it
	rows  uint64
}

// partitions returns, per partition id of table on any shard, its parts
// on every shard: no read of the table.
func (s *Store) partitions(ctx context.Context, table string) (map[string]partition, error) {
	out := map[string]partition{}
	for _, c := range s.all {
		rows, err := c.Query(ctx, `SELECT partition_id, arrayStringConcat(arraySort(groupArray(name)), ' '), sum(rows) FROM system.parts
			WHERE database = @db AND table = @table AND active GROUP BY partition_id`,
			clickhouse.Named("db", s.cfg.Database), clickhouse.Named("table", table))
		if err != nil {
			return nil, fmt.Errorf("partitions of %s: %w", table, err)
		}
		for rows.Next() {
			var id, names string
			var n uint64
			if err := rows.Scan(&id, &names, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("partitions of %s: %w", table, err)
			}
			p := out[id]
			p.parts += names + ";"
			p.rows += n
			out[id] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("partitions of %s: %w", table, err)
		}
	}
	return out, nil
}

// dropPartitions drops, on every shard, the partitions of table whose id
// drop selects.
func (s *Store) dropPartitions(ctx context.Context, table string, drop func(id string) bool) error {
	for _, c := range s.all {
		rows, err := c.Query(ctx, `SELECT DISTINCT partition_id FROM system.parts WHERE database = @db AND table = @table AND active`,
			clickhouse.Named("db", s.cfg.Database), clickhouse.Named("table", table))
		if err != nil {
			return fmt.Errorf("partitions of %s: %w", table, err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			if drop(id) {
				ids = append(ids, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if err := c.Exec(ctx, fmt.Sprintf("ALTER TABLE %s DROP PARTITION ID '%s'", table, id)); err != nil {
				return fmt.Errorf("drop partition %s of %s: %w", id, table, err)
			}
		}
	}
	return nil
}

// mutate runs an ALTER … DELETE on every shard's local table and waits
// until the server has rewritten every part it touches: until then the
// rows are still on disk and in reports.
func (s *Store) mutate(ctx context.Context, alter string) error {
	table := strings.Fields(alter)[2]
	for _, c := range s.all {
		if err := c.Exec(ctx, alter); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
	}
	for _, c := range s.all {
		for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
			var left uint64
			var failed string
			if err := c.QueryRow(ctx, `SELECT count(), any(latest_fail_reason) FROM system.mutations WHERE database = @db AND table = @table AND NOT is_done`,
				clickhouse.Named("db", s.cfg.Database), clickhouse.Named("table", table)).Scan(&left, &failed); err != nil {
				// Older servers have no latest_fail_reason.
				if err := c.QueryRow(ctx, `SELECT count() FROM system.mutations WHERE database = @db AND table = @table AND NOT is_done`,
					clickhouse.Named("db", s.cfg.Database), clickhouse.Named("table", table)).Scan(&left); err != nil {
					return fmt.Errorf("%s: wait for the deletion: %w", table, err)
				}
			}
			if left == 0 {
				break
			}
			if failed != "" {
				return fmt.Errorf("%s: the deletion failed on the server: %s", table, failed)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: the deletion is still running on the server: %w", table, ctx.Err())
			case <-time.After(delay):
			}
		}
	}
	return nil
}

// OpenVisits returns, per site and visitor, the visit of the latest page
// view at or after since.
func (s *Store) OpenVisits(ctx context.Context, since time.Time) ([]analytics.OpenVisit, error) {
	rows, err := s.conn.Query(ctx, "SELECT site, visitor, argMax(visit, ts), max(ts) FROM "+s.pageviews+
		" WHERE ts >= @since GROUP BY site, visitor", clickhouse.Named("since", secKey(since.Unix())))
	if err != nil {
		return nil, fmt.Errorf("open visits: %w", err)
	}
	defer rows.Close()
	var out []analytics.OpenVisit
	for rows.Next() {
		var v analytics.OpenVisit
		var ts uint64
		if err := rows.Scan(&v.Site, &v.Visitor, &v.Visit, &ts); err != nil {
			return nil, fmt.Errorf("open visits: %w", err)
		}
		v.Last = time.Unix(int64(ts>>32), 0).UTC()
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("open visits: %w", err)
	}
	return out, nil
}

// Sites lists the sites that have page views, in name order.
func (s *Store) Sites(ctx context.Context) ([]string, error) {
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT site FROM "+s.pageviews+" ORDER BY site")
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var site string
		if err := rows.Scan(&site); err != nil {
			return nil, fmt.Errorf("list sites: %w", err)
		}
		out = append(out, site)
	}
	return out, rows.Err()
}

// HasSite reports whether the site has any page view or bot hit.
func (s *Store) HasSite(ctx context.Context, site string) (bool, error) {
	for _, table := range []string{s.pageviews, s.bots} {
		var n uint64
		if err := s.conn.QueryRow(ctx, "SELECT count() FROM (SELECT 1 FROM "+table+" WHERE site = @site LIMIT 1)",
			clickhouse.Named("site", site)).Scan(&n); err != nil {
			return false, fmt.Errorf("look up site %q: %w", site, err)
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}
