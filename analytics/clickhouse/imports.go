package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/seloste/seloste/analytics"
)

// Imports without transactions (analytics.ImportStore): an import's rows
// (or page views) are written under a new set id, and its imported_sets row
// last. Readers use the newest set row of each site and key, so a set of
// aggregates appears whole, and replaces the one before it, in the instant
// its set row is written; rows of no visible set are ignored. A fill that
// fails deletes what it wrote with a mutation, awaited; so are the replaced
// set's rows and a deleted import's.
//
// Imported page views go into pageviews and their events into events (the
// page views' ids prefixed with the set's, as in the SQLite engine, which
// is how deleting finds both) and are counted as they arrive: a failed
// import of records is in reports until its deletion finishes, and a
// replacing one is counted twice until the replaced one's is. Its bot hits are written
// after the fill succeeds; bot hits are only a time and a site, so deleting
// them takes back as many hits of each of their seconds.
//
// A process killed during an import of records cannot delete what it
// wrote, so the import holds a lease: a pending set row (records =
// pendingSet, ignored by readers) written before its first page view and
// again every leaseRenew, the last one with its bot hits' seconds once
// they are written. Sweep deletes the data of every set whose pending rows
// have no visible row and whose lease is older than leaseExpiry; it runs
// when the store opens, at the start of every import, with every purge,
// and as analytics.Sweeper every 5 minutes while serve runs. A crash
// in the moment between the bot hits' insert and the pending row that
// names them leaves those hits.

var (
	_ analytics.ImportStore = (*Store)(nil)
	_ analytics.Sweeper     = (*Store)(nil)
)

// lastSetID keeps set ids increasing within a process: they order imports.
var lastSetID atomic.Uint64

// newSetID is a set id: the wall clock's nanoseconds, later than any id
// this process gave before.
func newSetID() uint64 {
	for {
		last, id := lastSetID.Load(), uint64(time.Now().UnixNano())
		if id <= last {
			id = last + 1
		}
		if lastSetID.CompareAndSwap(last, id) {
			return id
		}
	}
}

// pendingSet marks an imported_sets row that is a lease (see above), not
// a visible set.
const pendingSet = 2

const (
	leaseRenew  = 30 * time.Second
	leaseExpiry = 5 * time.Minute
)

// setRow is an imported_sets row.
type setRow struct {
	analytics.Import
	id         uint64
	records    bool
	botSeconds []uint32
}

// sets returns a site's visible sets, oldest first: the newest row of each
// key.
func (s *Store) sets(ctx context.Context, site string) ([]setRow, error) {
	rows, err := s.conn.Query(ctx, `SELECT id, source, key, summary, from_day, to_day, days, pageviews, created, records, bot_seconds
		FROM `+s.importedSets+` WHERE site = @site AND records != @pending ORDER BY id`, clickhouse.Named("site", site), clickhouse.Named("pending", uint8(pendingSet)))
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	defer rows.Close()
	var all []setRow
	newest := map[string]int{}
	for rows.Next() {
		var (
			r       = setRow{Import: analytics.Import{Site: site}}
			days    uint32
			records uint8
		)
		if err := rows.Scan(&r.id, &r.Source, &r.Key, &r.Summary, &r.From, &r.To, &days, &r.PageViews, &r.Created, &records, &r.botSeconds); err != nil {
			return nil, fmt.Errorf("list imports: %w", err)
		}
		r.ID, r.Days, r.records, r.Created = strconv.FormatUint(r.id, 10), int(days), records == 1, r.Created.UTC()
		newest[r.Key] = len(all)
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	var out []setRow
	for i, r := range all {
		if newest[r.Key] == i {
			out = append(out, r)
		}
	}
	return out, nil
}

// Imports lists a site's imports, oldest first.
func (s *Store) Imports(ctx context.Context, site string) ([]analytics.Import, error) {
	sets, err := s.sets(ctx, site)
	if err != nil {
		return nil, err
	}
	var out []analytics.Import
	for _, r := range sets {
		out = append(out, r.Import)
	}
	return out, nil
}

// ImportSites lists the sites that have imports, in name order: those
// with a set row that is not a pending fill's.
func (s *Store) ImportSites(ctx context.Context) ([]string, error) {
	rows, err := s.conn.Query(ctx, `SELECT DISTINCT site FROM `+s.importedSets+` WHERE records != @pending ORDER BY site`,
		clickhouse.Named("pending", uint8(pendingSet)))
	if err != nil {
		return nil, fmt.Errorf("list sites with imports: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var site string
		if err := rows.Scan(&site); err != nil {
			return nil, fmt.Errorf("list sites with imports: %w", err)
		}
		out = append(out, site)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sites with imports: %w", err)
	}
	return out, nil
}

// writeSet makes set r visible: the last write of an import.
func (s *Store) writeSet(ctx context.Context, r setRow) error {
	records := uint8(0)
	if r.records {
		records = 1
	}
	return s.insertSet(ctx, r, records)
}

// lease writes a pending row of set r, renewing its lease.
func (s *Store) lease(ctx context.Context, r setRow) error {
	r.Created = s.now().UTC().Truncate(time.Second)
	return s.insertSet(ctx, r, pendingSet)
}

func (s *Store) insertSet(ctx context.Context, r setRow, records uint8) error {
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.importedSets+
		" (id, site, source, key, summary, from_day, to_day, days, pageviews, created, records, bot_seconds)")
	if err != nil {
		return err
	}
	seconds := r.botSeconds
	if seconds == nil {
		seconds = []uint32{}
	}
	if err := batch.Append(r.id, r.Site, r.Source, r.Key, r.Summary, r.From, r.To, uint32(r.Days), r.PageViews,
		r.Created, records, seconds); err != nil {
		batch.Abort()
		return err
	}
	return batch.Send()
}

// beginSet is a new set of imp, and the visible set of its key it is to
// replace (nil if none).
func (s *Store) beginSet(ctx context.Context, imp analytics.Import) (setRow, *setRow, error) {
	if imp.Site == "" || imp.Source == "" || imp.Key == "" {
		return setRow{}, nil, errors.New("import: site, source and key are required")
	}
	if _, err := s.Sweep(ctx); err != nil {
		return setRow{}, nil, fmt.Errorf("import: %w", err)
	}
	sets, err := s.sets(ctx, imp.Site)
	if err != nil {
		return setRow{}, nil, fmt.Errorf("import: %w", err)
	}
	var old *setRow
	for i := range sets {
		if sets[i].Key == imp.Key {
			old = &sets[i]
		}
	}
	r := setRow{Import: imp, id: newSetID()}
	r.ID, r.Created = strconv.FormatUint(r.id, 10), s.now().UTC().Truncate(time.Second)
	r.From, r.To, r.Days, r.PageViews = "", "", 0, 0
	return r, old, nil
}

// deleteSetData deletes what set r wrote but its set row, and waits.
func (s *Store) deleteSetData(ctx context.Context, r setRow) error {
	if err := s.mutate(ctx, fmt.Sprintf("ALTER TABLE imported_rows DELETE WHERE site = %s AND set_id = %d", quote(r.Site), r.id)); err != nil {
		return err
	}
	if !r.records {
		return nil
	}
	prefix := importedIDPrefix(r.id)
	// The import's days may be rolled up (rollup.go): any of them.
	err := s.changing(ctx, r.Site, 0, 1<<32-1, func(ctx context.Context) error {
		for _, table := range []string{"pageviews", "events"} {
			if err := s.mutate(ctx, fmt.Sprintf("ALTER TABLE %s DELETE WHERE site = %s AND substring(pageview_id, 1, %d) = %s",
				table, quote(r.Site), len(prefix), quote(prefix))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.takeBackBots(ctx, r.Site, r.botSeconds)
}

// takeBackBots deletes one bot hit of site per entry of seconds: every hit
// of those seconds goes, and those left over are written again.
func (s *Store) takeBackBots(ctx context.Context, site string, seconds []uint32) error {
	if len(seconds) == 0 {
		return nil
	}
	take := map[uint32]int64{}
	distinct := []uint32{}
	for _, sec := range seconds {
		if take[sec] == 0 {
			distinct = append(distinct, sec)
		}
		take[sec]++
	}
	rows, err := s.conn.Query(ctx, "SELECT toUInt32(ts), count() FROM "+s.bots+" WHERE site = @site AND has(@secs, toUInt32(ts)) GROUP BY ts",
		clickhouse.Named("site", site), clickhouse.Named("secs", distinct))
	if err != nil {
		return fmt.Errorf("bot hits: %w", err)
	}
	keep := map[uint32]int64{}
	for rows.Next() {
		var (
			sec uint32
			n   uint64
		)
		if err := rows.Scan(&sec, &n); err != nil {
			rows.Close()
			return fmt.Errorf("bot hits: %w", err)
		}
		keep[sec] = max(0, int64(n)-take[sec])
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("bot hits: %w", err)
	}
	list := make([]string, len(distinct))
	for i, sec := range distinct {
		list[i] = strconv.FormatUint(uint64(sec), 10)
	}
	if err := s.mutate(ctx, fmt.Sprintf("ALTER TABLE bots DELETE WHERE site = %s AND has([%s], toUInt32(ts))", quote(site), strings.Join(list, ", "))); err != nil {
		return err
	}
	var again []analytics.BotHit
	for sec, n := range keep {
		for range n {
			again = append(again, analytics.BotHit{Time: time.Unix(int64(sec), 0).UTC(), Site: site})
		}
	}
	if len(again) == 0 {
		return nil
	}
	return s.Append(ctx, analytics.Batch{Bots: again})
}

// finish makes set r visible and deletes the set it replaces; on an error
// before, it deletes what r wrote.
func (s *Store) finish(ctx context.Context, r setRow, old *setRow, fillErr error) (analytics.Import, string, error) {
	if fillErr == nil {
		fillErr = s.writeSet(ctx, r)
		if fillErr != nil {
			fillErr = fmt.Errorf("import: %w", fillErr)
		}
	}
	if fillErr != nil {
		// The context may be what failed: the clean-up gets its own time.
		clean, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		drop := s.deleteSetData
		if r.records {
			drop = s.dropSet // its leases too
		}
		if err := drop(clean, r); err != nil {
			return analytics.Import{}, "", fmt.Errorf("%w (and deleting what it wrote failed: %v; delete import %s's rows by hand)", fillErr, err, r.ID)
		}
		return analytics.Import{}, "", fillErr
	}
	if old == nil {
		return r.Import, "", nil
	}
	if err := s.deleteSet(ctx, *old); err != nil {
		return r.Import, old.ID, fmt.Errorf("import %s is stored, but deleting the import it replaces (%s) failed: %w", r.ID, old.ID, err)
	}
	return r.Import, old.ID, nil
}

// Sweep deletes what imports killed before they finished wrote: the sets
// with pending rows only, whose lease ended leaseExpiry ago. It returns
// how many it deleted.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	rows, err := s.conn.Query(ctx, `SELECT site, id, max(created), argMax(bot_seconds, created) FROM `+s.importedSets+`
		GROUP BY site, id HAVING countIf(records != @pending) = 0`, clickhouse.Named("pending", uint8(pendingSet)))
	if err != nil {
		return 0, fmt.Errorf("interrupted imports: %w", err)
	}
	var dead []setRow
	for rows.Next() {
		var (
			r       = setRow{records: true}
			renewed time.Time
		)
		if err := rows.Scan(&r.Site, &r.id, &renewed, &r.botSeconds); err != nil {
			rows.Close()
			return 0, fmt.Errorf("interrupted imports: %w", err)
		}
		if s.now().Sub(renewed) > leaseExpiry {
			r.ID = strconv.FormatUint(r.id, 10)
			dead = append(dead, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("interrupted imports: %w", err)
	}
	for i, r := range dead {
		if err := s.dropSet(ctx, r); err != nil {
			return i, fmt.Errorf("interrupted import %s of %s: %w", r.ID, r.Site, err)
		}
	}
	return len(dead), nil
}

// deleteSet hides set r (its set row goes first) and deletes its data.
// A set of records is leased first, so that a deletion that stops half-way
// is finished by Sweep rather than leaving its page views behind unlisted.
func (s *Store) deleteSet(ctx context.Context, r setRow) error {
	hide := fmt.Sprintf("ALTER TABLE imported_sets DELETE WHERE site = %s AND id = %d", quote(r.Site), r.id)
	if r.records {
		if err := s.lease(ctx, r); err != nil {
			return err
		}
		hide += fmt.Sprintf(" AND records != %d", pendingSet)
	}
	if err := s.mutate(ctx, hide); err != nil {
		return err
	}
	return s.dropSet(ctx, r)
}

// dropSet deletes set r's data, then every row of it, leases included: in
// this order, so that an interruption leaves a lease for Sweep.
func (s *Store) dropSet(ctx context.Context, r setRow) error {
	if err := s.deleteSetData(ctx, r); err != nil {
		return err
	}
	return s.mutate(ctx, fmt.Sprintf("ALTER TABLE imported_sets DELETE WHERE site = %s AND id = %d", quote(r.Site), r.id))
}

// PutImport stores imp's rows under a new set, made visible at the end
// (analytics.ImportStore).
func (s *Store) PutImport(ctx context.Context, imp analytics.Import, fill func(put func(analytics.ImportedRow) error) (string, error)) (analytics.Import, string, error) {
	r, old, err := s.beginSet(ctx, imp)
	if err != nil {
		return imp, "", err
	}
	var (
		batch   driver.Batch
		waiting int
		days    = map[string]bool{}
	)
	send := func() error {
		if batch == nil {
			return nil
		}
		err := batch.Send()
		batch, waiting = nil, 0
		return err
	}
	put := func(row analytics.ImportedRow) error {
		if err := analytics.CheckImportedRow(row); err != nil {
			return err
		}
		if batch == nil {
			b, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.importedRows+
				" (set_id, site, family, day, v0, v1, v2, v3, visitors, visits, pageviews, bounces, visit_seconds)")
			if err != nil {
				return err
			}
			batch = b
		}
		views := row.PageViews
		if row.Family == analytics.FamilyCustomEvents {
			views = row.Events // in the page views' column (analytics.ImportedRow)
		}
		if err := batch.Append(r.id, r.Site, string(row.Family), row.Day, row.Values[0], row.Values[1], row.Values[2], row.Values[3],
			row.Visitors, row.Visits, views, row.Bounces, row.VisitSeconds); err != nil {
			return err
		}
		if r.From == "" || row.Day < r.From {
			r.From = row.Day
		}
		r.To = max(r.To, row.Day)
		if row.Family == analytics.FamilyVisitors {
			days[row.Day] = true
			r.PageViews += row.PageViews
		}
		if waiting++; waiting >= 100_000 {
			return send()
		}
		return nil
	}
	summary, err := fill(put)
	if err == nil {
		err = send()
	} else if batch != nil {
		batch.Abort()
	}
	if summary != "" {
		r.Summary = summary
	}
	r.Days = len(days)
	return s.finish(ctx, r, old, err)
}

// importedIDPrefix starts the pageview_id of every page view an import of
// records stored: how deleting it finds them.
func importedIDPrefix(id uint64) string { return "imp" + strconv.FormatUint(id, 10) + "-" }

// AppendImport stores an import of records under a new set, made visible
// at the end (analytics.ImportStore).
func (s *Store) AppendImport(ctx context.Context, imp analytics.Import, fill func(put func(analytics.Batch) error) (string, error)) (analytics.Import, string, error) {
	r, old, err := s.beginSet(ctx, imp)
	if err != nil {
		return imp, "", err
	}
	r.records = true
	prefix := importedIDPrefix(r.id)
	days := map[string]bool{}
	var bots []analytics.BotHit
	if err := s.lease(ctx, r); err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	leased := s.now()
	put := func(b analytics.Batch) error {
		if len(b.Leaves) > 0 {
			return errors.New("import: imports of records hold no leave records")
		}
		if s.now().Sub(leased) >= leaseRenew {
			if err := s.lease(ctx, r); err != nil {
				return err
			}
			leased = s.now()
		}
		// Events carry the prefix on their page view's id: deleting the
		// import finds them by it.
		evs := slices.Clone(b.Events)
		for i := range evs {
			e := &evs[i]
			if e.Site != imp.Site {
				return fmt.Errorf("import: an event of %s in an import of %s", e.Site, imp.Site)
			}
			e.PageView = prefix + e.PageView
		}
		pvs := slices.Clone(b.PageViews)
		for i := range pvs {
			p := &pvs[i]
			if p.Site != imp.Site {
				return fmt.Errorf("import: a page view of %s in an import of %s", p.Site, imp.Site)
			}
			p.ID = prefix + p.ID
			days[p.Time.UTC().Format(time.DateOnly)] = true
		}
		for _, bot := range b.Bots {
			if bot.Site != imp.Site {
				return fmt.Errorf("import: a bot hit of %s in an import of %s", bot.Site, imp.Site)
			}
		}
		bots = append(bots, b.Bots...)
		r.PageViews += int64(len(pvs))
		if len(pvs) == 0 && len(evs) == 0 {
			return nil
		}
		return s.Append(ctx, analytics.Batch{PageViews: pvs, Events: evs})
	}
	summary, err := fill(put)
	if err == nil && len(bots) > 0 {
		if err = s.Append(ctx, analytics.Batch{Bots: bots}); err == nil {
			for _, b := range bots {
				r.botSeconds = append(r.botSeconds, uint32(b.Time.Unix()))
			}
			// The lease names them now: a sweep takes them back.
			err = s.lease(ctx, r)
		}
	}
	if summary != "" {
		r.Summary = summary
	}
	r.Days = len(days)
	for d := range days {
		if r.From == "" || d < r.From {
			r.From = d
		}
		r.To = max(r.To, d)
	}
	return s.finish(ctx, r, old, err)
}

// DeleteImport deletes one import of a site and its rows or records.
func (s *Store) DeleteImport(ctx context.Context, site, id string) error {
	sets, err := s.sets(ctx, site)
	if err != nil {
		return fmt.Errorf("delete import: %w", err)
	}
	for _, r := range sets {
		if r.ID == id {
			if err := s.deleteSet(ctx, r); err != nil {
				return fmt.Errorf("delete import %s: %w", id, err)
			}
			return nil
		}
	}
	return fmt.Errorf("import %s of %s: %w", id, site, analytics.ErrNoImport)
}

// ImportedRows reads the rows of a site's visible sets of some families
// and days.
func (s *Store) ImportedRows(ctx context.Context, site, from, to string, families []analytics.ImportFamily, fn func(analytics.ImportedRow) error) error {
	sets, err := s.sets(ctx, site)
	if err != nil {
		return fmt.Errorf("read imported rows: %w", err)
	}
	ids := []uint64{}
	for _, r := range sets {
		if !r.records {
			ids = append(ids, r.id)
		}
	}
	if len(ids) == 0 || len(families) == 0 {
		return nil
	}
	if to == "" {
		to = "9999"
	}
	fams := make([]string, len(families))
	for i, f := range families {
		fams[i] = string(f)
	}
	rows, err := s.conn.Query(ctx, `SELECT set_id, family, day, v0, v1, v2, v3, visitors, visits, pageviews, bounces, visit_seconds
		FROM `+s.importedRows+` WHERE site = @site AND has(@ids, set_id) AND has(@fams, family) AND day >= @from AND day <= @to`,
		clickhouse.Named("site", site), clickhouse.Named("ids", ids), clickhouse.Named("fams", fams),
		clickhouse.Named("from", from), clickhouse.Named("to", to))
	if err != nil {
		return fmt.Errorf("read imported rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r      analytics.ImportedRow
			id     uint64
			family string
		)
		if err := rows.Scan(&id, &family, &r.Day, &r.Values[0], &r.Values[1], &r.Values[2], &r.Values[3],
			&r.Visitors, &r.Visits, &r.PageViews, &r.Bounces, &r.VisitSeconds); err != nil {
			return fmt.Errorf("read imported rows: %w", err)
		}
		r.Import, r.Family = strconv.FormatUint(id, 10), analytics.ImportFamily(family)
		if r.Family == analytics.FamilyCustomEvents {
			r.Events, r.PageViews = r.PageViews, 0
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FirstPageView is the time of the site's first page view.
func (s *Store) FirstPageView(ctx context.Context, site string) (time.Time, bool, error) {
	var n, ts uint64
	if err := s.conn.QueryRow(ctx, "SELECT count(), min(ts) FROM "+s.pageviews+" WHERE site = @site",
		clickhouse.Named("site", site)).Scan(&n, &ts); err != nil {
		return time.Time{}, false, fmt.Errorf("first page view of %q: %w", site, err)
	}
	if n == 0 {
		return time.Time{}, false, nil
	}
	return time.Unix(int64(ts>>32), 0).UTC(), true, nil
}
