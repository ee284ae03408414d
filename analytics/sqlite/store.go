// Package sqlite is seloste's embedded storage engine: an analytics.Store and
// analytics.Reporter over one SQLite file (modernc.org/sqlite, pure Go).
//
// The raw tables are append-only and engine-neutral, so that a ClickHouse
// engine can hold the same records. Everything else (the rollup_* tables) is
// derived data: it can be dropped and rebuilt from the raw tables at any time.
//
// Durability: the database runs in WAL mode with synchronous=FULL: a
// committed transaction survives a crash of the process, of the OS and a
// power loss (as far as the disk honours fsync).
package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Store is the SQLite engine. It is safe for concurrent use.
type Store struct {
	db       *sql.DB
	appendDB *sql.DB // Append's own connection: no mmap (Open)
	// lookupsMu guards lookups, the dictionary lookups prepared on
	// appendDB by the first Append.
	lookupsMu sync.Mutex
	lookups   map[lookupKey]*sql.Stmt
	bulkDB    *sql.DB // settling's and rollups' connection: no mmap (Open)
	// deferredCheck: Verify's full check of a big file is still to be
	// run, by Check.
	deferredCheck bool
	path          string
	release       func() error // Owner's lock; nil without one

	saltMu sync.Mutex
	salts  map[string][]byte // UTC day "2006-01-02" → salt; salts never change once made

	// rollupMu orders changes of the rollups: a refresh holds it a chunk
	// of days at a time, an erasure or purge for its whole change, and
	// counts it in rollupGen, so that a refresh knows to start over.
	rollupMu  sync.Mutex
	rollupGen uint64
	refreshMu sync.Mutex // one rollup refresh at a time
	// testHookChunk, if set, runs between a refresh's chunks, unlocked.
	testHookChunk func()
	now           func() time.Time
	progress      io.Writer // where long work (a schema upgrade) says how far it is; may be nil

	liveMu sync.Mutex
	live   map[liveKey]*liveDay // today per site and zone, see live.go

	eventSet atomic.Pointer[aggregate.EventSet] // the goals and funnels whose days Maintain keeps; nil none
}

var _ analytics.Store = (*Store)(nil)

// Option changes how Open opens a database.
type Option func(*options)

type options struct {
	mustExist bool
	now       func() time.Time
	progress  io.Writer
	verify    bool
	owner     bool
}

// WithProgress makes long work that Open does (a schema upgrade of a large
// database, compacting it after) report how far it is, a line at a time, to
// w: a terminal's standard error.
func WithProgress(w io.Writer) Option { return func(o *options) { o.progress = w } }

// MustExist makes Open fail with an error wrapping fs.ErrNotExist instead of
// creating a new database. Report readers use it: a typo in -db must not
// quietly create an empty database and report zeros.
func MustExist() Option { return func(o *options) { o.mustExist = true } }

// WithClock sets the clock used for "today", realtime visitors and deciding
// which days are complete. Tests use it; the default is time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Open opens (or creates) the database at path and migrates its schema to the
// current version.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.mustExist {
		if _, err := os.Stat(path); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("database %s does not exist (check -db, or run seloste serve to create it): %w", path, err)
			}
			return nil, fmt.Errorf("database %s: %w", path, err)
		}
	}
	if o.verify {
		if err := writable(path); err != nil {
			return nil, fmt.Errorf("database %s: %w", path, err)
		}
	}
	// The owner's lock comes before anything reads the file: a second
	// collector must not upgrade or check a database that one is writing.
	var release func() error
	if o.owner {
		var err error
		if release, err = Own(path); err != nil {
			return nil, err
		}
		defer func() {
			if release != nil {
				release() // Open failed
			}
		}()
	}

	// The pragmas are in the DSN so that every pooled connection gets them:
	//   busy_timeout      wait for a writer instead of failing with SQLITE_BUSY;
	//   journal_mode=WAL  readers never block the writer, nor it them;
	//   synchronous=FULL  every commit is on disk (fsync of the WAL) before
	//                     Append returns, so a power loss or OS crash loses
	//                     nothing committed; the collector commits once per
	//                     batch, so this costs one fsync a second at most
	//                     (NORMAL would let a power loss undo the last
	//                     commits, breaking the README's promise);
	//   cache_size        small (2 MB a connection): reads come through
	//                     mmap_size, so the page cache mostly holds a write
	//                     transaction's pages, and at 32 MB the four
	//                     connections' caches were 200 MB of a collector's
	//                     resident memory;
	//   mmap_size         reads map the file (up to 4 GiB) instead of copying
	//                     each page through a read call: a filtered year reads
	//                     some 200 MB of packed days;
	//   secure_delete     deleted rows are overwritten with zeros: an erased
	//                     or purged value is gone from the file, not only
	//                     unlinked;
	//   _txlock=immediate write transactions take the write lock at BEGIN, so
	//                     two writers can't deadlock upgrading read locks.
	// None of them writes to the file: a database that is not seloste's is
	// refused (checkOwn) before anything is.
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(0)
	if err := checkOwn(ctx, db, path); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	deferCheck := false
	if o.verify {
		// Reading every page takes about 3 s a GB: a big file is checked
		// after the server listens (Check), so that a restart does not
		// lose the beacons of those seconds.
		if fi, err := os.Stat(path); err == nil && fi.Size() > inlineCheckMax {
			deferCheck = true
		} else if err := verify(ctx, path, o.progress); err != nil {
			db.Close()
			return nil, fmt.Errorf("database %s: %w", path, err)
		}
	}
	// WAL is a property of the file, set once; after page_size, which only a
	// new, empty database can still change.
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode = WAL`).Scan(&mode); err != nil || mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("database %s: cannot enable WAL mode (journal_mode=%q): %v", path, mode, err)
	}
	s := &Store{db: db, path: path, deferredCheck: deferCheck, salts: map[string][]byte{}, now: o.now, live: map[liveKey]*liveDay{}, progress: o.progress}
	upgraded, err := s.migrate(ctx)
	if err == nil && upgraded {
		err = s.compact(ctx)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	// The collector's appends have a connection of their own that does
	// not map the file: the pages an append touches (the indexes' right
	// edges, the dictionaries) would otherwise stay mapped, and so in the
	// process's resident memory, as the file grows.
	if s.appendDB, err = sql.Open("sqlite", dsn(path, false)); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s.appendDB.SetMaxOpenConns(1)
	s.appendDB.SetConnMaxIdleTime(0)
	// So do settling and rollups: they read each raw row of a day once,
	// and through the map a flooded day's pages (40 MB for 600,000 page
	// views) would all count as serve's resident memory.
	if s.bulkDB, err = sql.Open("sqlite", dsn(path, false)); err != nil {
		s.appendDB.Close()
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s.bulkDB.SetMaxOpenConns(1)
	s.bulkDB.SetMaxIdleConns(1)
	s.release, release = release, nil
	return s, nil
}

// scrubLog empties the write-ahead log after an erasure or a purge: its
// frames still hold the deleted rows' old pages (secure_delete zeroes only
// the database file). A TRUNCATE checkpoint waits for readers of older
// snapshots (busy_timeout) and is tried a few times; it is best effort, as
// the log's frames are overwritten by later writes anyway.
func (s *Store) scrubLog(ctx context.Context) error {
	for range 3 {
		var busy, logPages, moved int
		if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &moved); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// applicationID marks a SQLite file as a seloste database (PRAGMA
// application_id, in the file's header): "SLST".
const applicationID = 0x534c5354

// checkOwn refuses a file that is not seloste's, reading only: a database
// is seloste's if it carries applicationID, or is empty, or was made by a
// seloste from before application ids (a schema version and its tables).
func checkOwn(ctx context.Context, db *sql.DB, path string) error {
	var app, version, tables, ours int64
	err := db.QueryRowContext(ctx, `
		SELECT (SELECT application_id FROM pragma_application_id),
		       (SELECT user_version FROM pragma_user_version),
		       (SELECT COUNT(*) FROM sqlite_schema),
		       (SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('pageviews', 'leaves', 'bots', 'salts'))`).
		Scan(&app, &version, &tables, &ours)
	if err != nil {
		return explain(path, err)
	}
	switch {
	case app == applicationID, app == 0 && tables == 0 && version == 0:
		return nil
	case app != 0:
		return foreignError(fmt.Sprintf("the file belongs to another program (SQLite application id %#x), left unchanged: give -db a new path or a seloste database", app))
	case version > 0 && ours == 4:
		return nil
	default:
		return foreignError(fmt.Sprintf("not a seloste database (it has %d tables of something else), left unchanged: give -db a new path or a seloste database", tables))
	}
}

// ErrForeign is what the error for a SQLite database of another program
// is (errors.Is).
var ErrForeign = errors.New("another program's database")

// foreignError is checkOwn's refusal of another program's database.
type foreignError string

func (e foreignError) Error() string        { return string(e) }
func (e foreignError) Is(target error) bool { return target == ErrForeign }

// CheckFile refuses the file at path, reading only, if it is not a seloste
// database (Open's check): commands that write files beside a database
// (the dashboard's credentials) call it first, so that nothing of
// seloste's lands beside another program's. A missing file passes: such a
// command may run before serve has created the database.
func CheckFile(ctx context.Context, path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("database %s: %w", path, err)
	}
	// mode=rw: a file removed meanwhile is an error, not a new database.
	db, err := sql.Open("sqlite", dsn(path, false)+"&mode=rw")
	if err != nil {
		return fmt.Errorf("database %s: %w", path, err)
	}
	defer db.Close()
	if err := checkOwn(ctx, db, path); err != nil {
		return fmt.Errorf("database %s: %w", path, err)
	}
	return nil
}

// compact gives the file's free pages back when they are most of it (after
// the upgrade that rewrote the page views): VACUUM rebuilds the file
// (crash-safe, through the WAL), which takes seconds per gigabyte.
func (s *Store) compact(ctx context.Context) error {
	var free, pages, size int64
	if err := s.db.QueryRowContext(ctx, `
		SELECT (SELECT freelist_count FROM pragma_freelist_count), (SELECT page_count FROM pragma_page_count),
		       (SELECT page_size FROM pragma_page_size)`).Scan(&free, &pages, &size); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	// Below 16 MB free, or half the file, a rewrite is not worth its time.
	if free*size < 16<<20 || free*2 < pages {
		return nil
	}
	if s.progress != nil {
		fmt.Fprintf(s.progress, "seloste: compacting the database (%d MB of %d MB free)\n", free*size>>20, pages*size>>20)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	return nil
}

// Close closes the database, and then gives up Owner's lock.
func (s *Store) Close() error {
	s.lookupsMu.Lock()
	err := closeLookups(s.lookups)
	s.lookups = nil
	s.lookupsMu.Unlock()
	err = errors.Join(err, s.appendDB.Close(), s.bulkDB.Close(), s.db.Close())
	if s.release != nil {
		err = errors.Join(err, s.release())
		s.release = nil
	}
	return err
}

// DB returns the underlying database, for tests and tools.
func (s *Store) DB() *sql.DB { return s.db }

// Append stores the batch in one transaction, or nothing.
func (s *Store) Append(ctx context.Context, b analytics.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	// Prepared before the transaction, which holds appendDB's only
	// connection.
	s.lookupsMu.Lock()
	if s.lookups == nil {
		var err error
		if s.lookups, err = prepareLookups(ctx, s.appendDB); err != nil {
			s.lookupsMu.Unlock()
			return fmt.Errorf("append: %w", err)
		}
	}
	lookups := s.lookups
	s.lookupsMu.Unlock()
	tx, err := s.appendDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("append: %w", err)
	}
	defer tx.Rollback()
	if err := appendRows(ctx, tx, lookups, b); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("append: commit: %w", err)
	}
	return nil
}

// insertChunk is how many rows go into one multi-row INSERT. Fewer, larger
// statements are much faster than one statement per row; 50 rows × 11
// columns stays well under SQLite's limit of 32766 bound parameters.
const insertChunk = 50

// pageviewCols name the dictionary ids in the order of dictionaries (sites
// first), which appendRows relies on.
const pageviewCols = `(ts, site_id, visitor, visit, pageview_id,
	path_id, campaign_id, referrer_id, place_id, agent_id)`

// appendRows stores b in tx; lookups are as dictionaryIDs takes them.
func appendRows(ctx context.Context, tx *sql.Tx, lookups map[lookupKey]*sql.Stmt, b analytics.Batch) error {
	ids, err := dictionaryIDs(ctx, tx, lookups, b.PageViews)
	if err != nil {
		return err
	}
	err = insertMany(ctx, tx, "pageviews", pageviewCols, 10, len(b.PageViews), func(args []any, i int) []any {
		p := &b.PageViews[i]
		args = append(args, p.Time.Unix(), ids[0][i], int64(p.Visitor), int64(p.Visit), p.ID)
		for k := 1; k < len(ids); k++ {
			args = append(args, ids[k][i])
		}
		return args
	})
	if err != nil {
		return err
	}
	err = insertMany(ctx, tx, "leaves", "(ts, site, pageview_id, duration_ms, scroll_pct)", 5, len(b.Leaves), func(args []any, i int) []any {
		l := &b.Leaves[i]
		return append(args, l.Time.Unix(), l.Site, l.PageView, l.Duration.Milliseconds(), l.Scroll)
	})
	if err != nil {
		return err
	}
	err = insertMany(ctx, tx, "bots", "(ts, site)", 2, len(b.Bots), func(args []any, i int) []any {
		return append(args, b.Bots[i].Time.Unix(), b.Bots[i].Site)
	})
	if err != nil {
		return err
	}
	err = insertMany(ctx, tx, "events", "(ts, site, visitor, visit, pageview_id, name, props)", 7, len(b.Events), func(args []any, i int) []any {
		e := &b.Events[i]
		return append(args, e.Time.Unix(), e.Site, int64(e.Visitor), int64(e.Visit), e.PageView, e.Name, analytics.EncodeProps(e.Props))
	})
	if err != nil {
		return err
	}
	return appendConsent(ctx, tx, b.Consent)
}

// insertMany inserts n rows into table with multi-row INSERT statements of
// up to insertChunk rows. The full-size statement is prepared once per call.
func insertMany(ctx context.Context, tx *sql.Tx, table, cols string, ncols, n int, row func(args []any, i int) []any) error {
	if n == 0 {
		return nil
	}
	var full *sql.Stmt
	args := make([]any, 0, insertChunk*ncols)
	for start := 0; start < n; start += insertChunk {
		end := min(start+insertChunk, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(args, i)
		}
		var err error
		if end-start == insertChunk {
			if full == nil {
				full, err = tx.PrepareContext(ctx, insertSQL(table, cols, ncols, insertChunk))
				if err != nil {
					return fmt.Errorf("prepare insert into %s: %w", table, err)
				}
				defer full.Close()
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertSQL(table, cols, ncols, end-start), args...)
		}
		if err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
	}
	return nil
}

var insertSQLCache sync.Map // string key → string

func insertSQL(table, cols string, ncols, rows int) string {
	key := fmt.Sprint(table, ncols, rows)
	if v, ok := insertSQLCache.Load(key); ok {
		return v.(string)
	}
	buf := make([]byte, 0, 32+len(cols)+rows*(ncols*2+3))
	buf = append(buf, "INSERT INTO "+table+" "+cols+" VALUES "...)
	for r := range rows {
		if r > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '(')
		for c := range ncols {
			if c > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '?')
		}
		buf = append(buf, ')')
	}
	q := string(buf)
	insertSQLCache.Store(key, q)
	return q
}

// Salt returns the salt of the UTC day that contains t, creating it once.
func (s *Store) Salt(ctx context.Context, t time.Time) ([]byte, error) {
	day := t.UTC().Format(time.DateOnly)
	s.saltMu.Lock()
	defer s.saltMu.Unlock()
	if salt, ok := s.salts[day]; ok {
		return salt, nil
	}
	fresh := make([]byte, 32)
	rand.Read(fresh) // never fails (crypto/rand)
	// INSERT OR IGNORE then SELECT: if another process made the day's salt
	// first, the insert does nothing and everyone reads the same winner.
	if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO salts (day, salt) VALUES (?, ?)`, day, fresh); err != nil {
		return nil, fmt.Errorf("salt for %s: %w", day, err)
	}
	var salt []byte
	if err := s.db.QueryRowContext(ctx, `SELECT salt FROM salts WHERE day = ?`, day).Scan(&salt); err != nil {
		return nil, fmt.Errorf("salt for %s: %w", day, err)
	}
	s.salts[day] = salt
	return salt, nil
}

// Purge deletes raw records older than before and what the rollups hold of
// them, and salts whose day ended more than analytics.SaltKeep before now.
//
// The raw records and salts go in one transaction, with every rollup day
// that began before the cut-off's day in the rollup's zone. The day the
// cut-off falls in is then rebuilt from the rows left of it (with its
// month), before any refresh or report of this Store can read the rollups.
func (s *Store) Purge(ctx context.Context, before, now time.Time) (analytics.Purged, error) {
	var c analytics.Purged
	// A salt for day D is needed until D ends plus SaltKeep: it goes when
	// D ends before now - SaltKeep, i.e. when D is before the UTC day of
	// the last instant before now - SaltKeep.
	saltCut := now.UTC().Add(-analytics.SaltKeep - time.Nanosecond).Format(time.DateOnly)
	// No rollup refresh may run between the delete and the rollups' repair.
	s.rollupMu.Lock()
	defer s.rollupMu.Unlock()
	s.rollupGen++
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return c, fmt.Errorf("purge: %w", err)
	}
	defer tx.Rollback()
	times, values, err := deletePageViews(ctx, tx, `WHERE ts < ?`, before.Unix())
	if err != nil {
		return analytics.Purged{}, fmt.Errorf("purge: %w", err)
	}
	c.PageViews = int64(len(times))
	steps := []struct {
		n   *int64
		sql string
		arg any
	}{
		{&c.Leaves, `DELETE FROM leaves WHERE ts < ?`, before.Unix()},
		{&c.Bots, `DELETE FROM bots WHERE ts < ?`, before.Unix()},
		{&c.Events, `DELETE FROM events WHERE ts < ?`, before.Unix()},
		{&c.Salts, `DELETE FROM salts WHERE day < ?`, saltCut},
		// The counts' days are the collector's; a day goes once the UTC
		// day of before is past it.
		{&c.Consent, `DELETE FROM consent WHERE day < ?`, before.UTC().Format(time.DateOnly)},
	}
	for _, st := range steps {
		r, err := tx.ExecContext(ctx, st.sql, st.arg)
		if err != nil {
			return analytics.Purged{}, fmt.Errorf("purge: %w", err)
		}
		n, _ := r.RowsAffected()
		*st.n += n
	}
	// The values only the purged page views used go with them.
	if _, err := collectDictionaries(ctx, tx, values); err != nil {
		return analytics.Purged{}, fmt.Errorf("purge: %w", err)
	}
	repairs, err := purgeRollups(ctx, tx, before, &c.Derived)
	if err != nil {
		return analytics.Purged{}, fmt.Errorf("purge: rollups: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return analytics.Purged{}, fmt.Errorf("purge: commit: %w", err)
	}
	s.saltMu.Lock()
	for day := range s.salts {
		if day < saltCut {
			delete(s.salts, day)
		}
	}
	s.saltMu.Unlock()
	// Today kept in memory may have lost rows too (a cut-off in today).
	s.liveMu.Lock()
	clear(s.live)
	s.liveMu.Unlock()
	for _, r := range repairs {
		if err := s.rollupDay(ctx, r.zoneName, r.site, r.start, r.zone); err != nil {
			return c, fmt.Errorf("purge: rollups: %s %s: %w", r.site, r.start.Format(time.DateOnly), err)
		}
		if r.month {
			if err := s.rollupMonth(ctx, r.zoneName, r.site, r.start.Format("2006-01")); err != nil {
				return c, fmt.Errorf("purge: rollups: %s %s: %w", r.site, r.start.Format("2006-01"), err)
			}
		}
	}
	if err := s.scrubLog(ctx); err != nil {
		return c, fmt.Errorf("purge: %w", err)
	}
	return c, nil
}

// rollupRepair is a rolled-up day that a purge cut through: it is rebuilt
// from the rows left, and so is its month row if there is one.
type rollupRepair struct {
	zoneName, site string
	zone           *time.Location
	start          time.Time
	month          bool
}

// purgeRollups deletes, per rollup zone, the rollup rows of the days (and
// months) that began before the day of before in that zone, adding their
// number to derived, and returns the rolled-up days of the cut-off's day,
// whose rows hold purged records too. A zone this binary cannot load loses
// all its rollups, as do rows of no zone state: the next refresh rebuilds
// them.
func purgeRollups(ctx context.Context, tx *sql.Tx, before time.Time, derived *int64) ([]rollupRepair, error) {
	dayTables := dayRollups
	exec := func(query string, args ...any) error {
		r, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		*derived += n
		return nil
	}
	zones, err := queryStrings(ctx, tx, `SELECT zone FROM rollup_state ORDER BY zone`)
	if err != nil {
		return nil, err
	}
	var repairs []rollupRepair
	for _, name := range zones {
		zone, err := time.LoadLocation(name)
		if err != nil {
			for _, table := range slices.Concat(dayTables, []string{"rollup_breakdowns_months", "rollup_state"}) {
				if err := exec(`DELETE FROM "`+table+`" WHERE zone = ?`, name); err != nil {
					return nil, err
				}
			}
			continue
		}
		start := analytics.Midnight(before, zone)
		cut := start.Format(time.DateOnly)
		for _, table := range dayTables {
			if err := exec(`DELETE FROM `+table+` WHERE zone = ? AND day < ?`, name, cut); err != nil {
				return nil, err
			}
		}
		if err := exec(`DELETE FROM rollup_breakdowns_months WHERE zone = ? AND month < ?`, name, cut[:7]); err != nil {
			return nil, err
		}
		sites, err := queryStrings(ctx, tx, `SELECT site FROM rollup_days WHERE zone = ? AND day = ? ORDER BY site`, name, cut)
		if err != nil {
			return nil, err
		}
		for _, site := range sites {
			var month int
			if err := tx.QueryRowContext(ctx, `
				SELECT COUNT(*) FROM rollup_breakdowns_months WHERE zone = ? AND site = ? AND month = ?`,
				name, site, cut[:7]).Scan(&month); err != nil {
				return nil, err
			}
			repairs = append(repairs, rollupRepair{zoneName: name, site: site, zone: zone, start: start, month: month > 0})
		}
	}
	for _, table := range slices.Concat(dayTables, []string{"rollup_breakdowns_months"}) {
		if err := exec(`DELETE FROM ` + table + ` WHERE zone NOT IN (SELECT zone FROM rollup_state)`); err != nil {
			return nil, err
		}
	}
	return repairs, nil
}

// OpenVisits returns, per site and visitor, the visit of the latest page view
// at or after since.
func (s *Store) OpenVisits(ctx context.Context, since time.Time) ([]analytics.OpenVisit, error) {
	// Each site's recent rows from the (site_id, ts) index.
	rows, err := s.db.QueryContext(ctx, `
		SELECT sites.site, p.visitor, p.visit, p.ts
		FROM sites JOIN pageviews p ON p.site_id = sites.id AND p.ts >= ?
		ORDER BY p.ts, p.rowid`, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("open visits: %w", err)
	}
	defer rows.Close()
	type key struct {
		site    string
		visitor uint64
	}
	latest := map[key]int{}
	var out []analytics.OpenVisit
	for rows.Next() {
		var (
			site           string
			visitor, visit int64
			ts             int64
		)
		if err := rows.Scan(&site, &visitor, &visit, &ts); err != nil {
			return nil, fmt.Errorf("open visits: %w", err)
		}
		v := analytics.OpenVisit{Site: site, Visitor: uint64(visitor), Visit: uint64(visit), Last: time.Unix(ts, 0).UTC()}
		k := key{site, v.Visitor}
		if i, ok := latest[k]; ok {
			out[i] = v // rows come in time order: the later one wins
			continue
		}
		latest[k] = len(out)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("open visits: %w", err)
	}
	return out, nil
}

// HasSite reports whether the site has any page view or bot hit stored.
func (s *Store) HasSite(ctx context.Context, site string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM pageviews WHERE `+siteIs("site_id", "?1")+`) OR EXISTS (SELECT 1 FROM bots WHERE site = ?1)`,
		site).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up site %q: %w", site, err)
	}
	return n == 1, nil
}

// Sites lists the sites that have page views, in name order.
func (s *Store) Sites(ctx context.Context) ([]string, error) {
	out, err := queryStrings(ctx, s.db, pageviewSites)
	if err != nil {
		return nil, fmt.Errorf("list sites: %w", err)
	}
	return out, nil
}

// pageviewSites lists the sites with page views, in name order: a site's
// dictionary row can outlive its page views until the next purge.
const pageviewSites = `
	SELECT site FROM sites WHERE EXISTS (SELECT 1 FROM pageviews WHERE site_id = sites.id) ORDER BY site`

// sitesQuery lists the distinct sites of a table with a (site, ...) index,
// in name order: a skip scan, one index seek per site instead of reading
// every row.
func sitesQuery(table string) string {
	return `
		WITH RECURSIVE sites(site) AS (
			SELECT MIN(site) FROM ` + table + `
			UNION ALL
			SELECT (SELECT MIN(site) FROM ` + table + ` WHERE site > sites.site) FROM sites WHERE site IS NOT NULL
		)
		SELECT site FROM sites WHERE site IS NOT NULL`
}

// querier is a *sql.DB or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryStrings runs a query whose rows are one text column.
func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// dsn is the data source name of the database at path, with the pragmas
// above; mmap maps the file for reading (see Open).
func dsn(path string, mmap bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "secure_delete(on)")
	q.Add("_pragma", "page_size(16384)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "wal_autocheckpoint(1000)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", "cache_size(-2000)") // 2 MB per connection: see Open
	if mmap {
		q.Add("_pragma", "mmap_size(4294967296)")
	}
	q.Set("_txlock", "immediate")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}
