package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"
)

// Rollups are the numbers of whole, finished days, stored so that an
// unfiltered report reads a few hundred rows instead of every page view.
// They are exact, not estimates: visitor ids rotate daily, so every number
// of a report is a sum of per-day numbers (see aggregate.go).
//
// Rollups are kept per report zone (days differ between zones) and are
// derived data: deleting them loses nothing. RefreshRollups brings them up
// to date:
//   - every day up to yesterday (in the zone) gets rolled up once;
//   - rows appended since the last refresh (found by rowid, as raw tables
//     are append-only) mark their days for a rebuild: a late leave can
//     still change the visible time of a page view up to 24 h older, so it
//     marks the days of the 24 h before it;
//   - if rows were deleted from the end (rowids went back), or there is no
//     state, everything is rebuilt.
//
// Each day is rebuilt in its own short transaction, so the collector's
// writes are never held up for long.

// rollupZone returns the name rollups of zone are stored under, or "" when
// the zone has no stable name ("Local" differs between machines).
func rollupZone(zone *time.Location) string {
	name := zone.String()
	if name == "Local" || name == "" {
		return ""
	}
	return name
}

// dayRollups are the rollups kept per (zone, site, day): a day's rebuild,
// and a purge, replace the rows of all of them at once.
var dayRollups = []string{"rollup_days", "rollup_hours", "rollup_breakdowns_days", "rollup_views", "rollup_events"}

type rollupState struct {
	through                 string // last rolled-up day, 2006-01-02
	pageviews, leaves, bots int64  // rowids covered
	found                   bool
}

// RefreshRollups brings the rollups of zone up to date, and returns the last
// day they cover (midnight in zone; zero if none). Background maintenance
// (Maintain) calls it; reports never wait for it.
//
// It holds rollupMu only a chunk of days at a time, so that an erasure or a
// purge waits seconds, not the minutes of a full rebuild. One of those in
// between can have made days already rebuilt hold records that are gone:
// the refresh then starts over instead of saying it covers them.
func (s *Store) RefreshRollups(ctx context.Context, zone *time.Location) (time.Time, error) {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	for attempt := 1; ; attempt++ {
		through, err := s.refresh(ctx, zone)
		if err != errRollupsChanged {
			return through, err
		}
		if attempt == 5 {
			return time.Time{}, fmt.Errorf("rollups: records kept being erased or purged while rolling up; will retry")
		}
	}
}

// errRollupsChanged is a refresh interrupted by an erasure or a purge.
var errRollupsChanged = errors.New("rollups changed underneath")

// rollupChunk is how many days a refresh rebuilds per hold of rollupMu.
const rollupChunk = 14

func (s *Store) refresh(ctx context.Context, zone *time.Location) (time.Time, error) {
	name := rollupZone(zone)
	if name == "" {
		return time.Time{}, nil
	}
	s.rollupMu.Lock()
	locked := true
	defer func() {
		if locked {
			s.rollupMu.Unlock()
		}
	}()
	gen := s.rollupGen
	// relock takes rollupMu back after a pause, failing if the records
	// changed meanwhile.
	pause := func() { s.rollupMu.Unlock(); locked = false }
	relock := func() error {
		s.rollupMu.Lock()
		locked = true
		if s.rollupGen != gen {
			return errRollupsChanged
		}
		return nil
	}

	target := analytics.Midnight(s.now(), zone).AddDate(0, 0, -1) // yesterday: the last finished day
	st, err := s.readState(ctx, name)
	if err != nil {
		return time.Time{}, fmt.Errorf("rollups: %w", err)
	}
	var maxPV, maxLeaves, maxBots int64
	err = s.db.QueryRowContext(ctx, `
		SELECT (SELECT IFNULL(MAX(rowid), 0) FROM pageviews),
		       (SELECT IFNULL(MAX(rowid), 0) FROM leaves),
		       (SELECT IFNULL(MAX(rowid), 0) FROM bots)`).Scan(&maxPV, &maxLeaves, &maxBots)
	if err != nil {
		return time.Time{}, fmt.Errorf("rollups: %w", err)
	}
	targetDay := target.Format(time.DateOnly)
	if st.found && st.through == targetDay && st.pageviews == maxPV && st.leaves == maxLeaves && st.bots == maxBots {
		return target, nil // nothing new: the common case, two tiny queries
	}

	sites, err := s.allSites(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("rollups: %w", err)
	}
	todo := map[string]map[string]bool{} // site → days to (re)build
	mark := func(site string, day time.Time) {
		if todo[site] == nil {
			todo[site] = map[string]bool{}
		}
		todo[site][day.Format(time.DateOnly)] = true
	}
	full := !st.found || maxPV < st.pageviews || maxLeaves < st.leaves || maxBots < st.bots
	from := map[string]time.Time{} // site → first day to roll up as new
	if full {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM rollup_state WHERE zone = ?`, name); err != nil {
			return time.Time{}, fmt.Errorf("rollups: %w", err)
		}
		for _, table := range slices.Concat(dayRollups, []string{"rollup_breakdowns_months"}) {
			if _, err := s.db.ExecContext(ctx, `DELETE FROM `+table+` WHERE zone = ?`, name); err != nil {
				return time.Time{}, fmt.Errorf("rollups: %w", err)
			}
		}
		for _, site := range sites {
			var first sql.NullInt64
			err := s.db.QueryRowContext(ctx, `
				SELECT MIN(t) FROM (
					SELECT MIN(ts) AS t FROM pageviews WHERE `+siteIs("site_id", "?1")+`
					UNION ALL SELECT MIN(ts) FROM bots WHERE site = ?1)`, site).Scan(&first)
			if err != nil {
				return time.Time{}, fmt.Errorf("rollups: %w", err)
			}
			if first.Valid {
				from[site] = analytics.Midnight(time.Unix(first.Int64, 0), zone)
			}
		}
	} else {
		through, err := time.ParseInLocation(time.DateOnly, st.through, zone)
		if err != nil {
			return time.Time{}, fmt.Errorf("rollups: bad state day %q: %w", st.through, err)
		}
		throughEnd := through.AddDate(0, 0, 1)
		for _, site := range sites {
			from[site] = throughEnd
		}
		dirty, err := s.dirtyDays(ctx, st, zone, "", throughEnd)
		if err != nil {
			return time.Time{}, fmt.Errorf("rollups: %w", err)
		}
		for site, days := range dirty {
			todo[site] = days
		}
	}
	for site, first := range from {
		for d := first; !d.After(target); d = d.AddDate(0, 0, 1) {
			mark(site, d)
		}
	}

	total := 0
	for _, days := range todo {
		total += len(days)
	}
	if s.progress != nil && total >= 30 {
		// Said only when the work is there: the first roll-up, or days an
		// import or a late record changed (their progress follows).
		fmt.Fprintf(s.progress, "seloste: rolling up %d days for fast reports (%s)...\n", total, name)
	}
	tick := s.progressEvery(total, "rollups ("+name+")", "days")
	for _, site := range sites {
		days := make([]string, 0, len(todo[site]))
		for day := range todo[site] {
			days = append(days, day)
		}
		slices.Sort(days)
		months := map[string]bool{}
		// Runs of consecutive days are scanned in one pass: each day is
		// also the look-back of the next.
		var run []time.Time
		flush := func() error {
			if len(run) == 0 {
				return nil
			}
			// Others may erase or purge between chunks (see RefreshRollups).
			pause()
			if s.testHookChunk != nil {
				s.testHookChunk()
			}
			if err := relock(); err != nil {
				return err
			}
			err := s.rollupDays(ctx, name, site, run[0], run[len(run)-1].AddDate(0, 0, 1), zone, tick)
			if err != nil {
				err = fmt.Errorf("rollups: %s %s…%s: %w", site, run[0].Format(time.DateOnly), run[len(run)-1].Format(time.DateOnly), err)
			}
			run = run[:0]
			return err
		}
		for _, day := range days {
			start, err := time.ParseInLocation(time.DateOnly, day, zone)
			if err != nil {
				return time.Time{}, err
			}
			if len(run) == rollupChunk || len(run) > 0 && !run[len(run)-1].AddDate(0, 0, 1).Equal(start) {
				if err := flush(); err != nil {
					return time.Time{}, err
				}
			}
			run = append(run, start)
			// A month gets its own row once its last day is rolled up.
			if first := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, zone); !first.AddDate(0, 1, -1).After(target) {
				months[day[:7]] = true
			}
		}
		if err := flush(); err != nil {
			return time.Time{}, err
		}
		for month := range months {
			if err := s.rollupMonth(ctx, name, site, month); err != nil {
				return time.Time{}, fmt.Errorf("rollups: %s %s: %w", site, month, err)
			}
		}
	}
	// The state says what the rollups now cover. Rows appended while we
	// worked have rowids above the maxima read at the start, so the next
	// refresh sees them.
	_, err = s.db.ExecContext(ctx, `
		INSERT OR REPLACE INTO rollup_state (zone, through_day, pageviews_max, leaves_max, bots_max)
		VALUES (?, ?, ?, ?, ?)`, name, targetDay, maxPV, maxLeaves, maxBots)
	if err != nil {
		return time.Time{}, fmt.Errorf("rollups: %w", err)
	}
	if total >= 30 {
		// A rebuild leaves a large write-ahead log that reads then look
		// pages up in: fold it into the file now. PASSIVE never waits for
		// readers or blocks the collector's writes; what a reader still
		// needs is left for the automatic checkpoints.
		var busy, logPages, moved int
		if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logPages, &moved); err != nil {
			return time.Time{}, fmt.Errorf("rollups: checkpoint: %w", err)
		}
	}
	return target, nil
}

// rollupDay recomputes one site's day from the raw rows and replaces its
// rollup rows, in one transaction.
func (s *Store) rollupDay(ctx context.Context, zoneName, site string, start time.Time, zone *time.Location) error {
	return s.rollupDays(ctx, zoneName, site, start, start.AddDate(0, 0, 1), zone, func() {})
}

// rollupDays recomputes the site's days from (midnight in zone) up to end
// from the raw rows, read in one pass, and replaces each day's rollup rows
// in a transaction of its own, calling tick after each.
func (s *Store) rollupDays(ctx context.Context, zoneName, site string, from, end time.Time, zone *time.Location, tick func()) error {
	return s.scanDays(ctx, s.bulkDB, site, from, end, zone, nil, func(day *aggregate.Day) error {
		start := time.Unix(day.Start, 0).In(zone)
		if err := s.writeRollupDay(ctx, zoneName, site, start, aggregate.Stats(day, zone), day); err != nil {
			return err
		}
		tick()
		return nil
	})
}

// progressEvery returns a function to call once per unit of work done of
// total: on the Store's progress writer, work of a month or more says how
// far it is at every tenth.
func (s *Store) progressEvery(total int, what, units string) func() {
	if s.progress == nil || total < 30 {
		return func() {}
	}
	done, shown := 0, 0
	return func() {
		done++
		if tenth := done * 10 / total; tenth > shown {
			shown = tenth
			fmt.Fprintf(s.progress, "seloste: %s: %d of %d %s\n", what, done, total, units)
		}
	}
}

// writeRollupDay replaces the rollup rows of one site's day with d and the
// packed page views, counting the day's bot hits.
func (s *Store) writeRollupDay(ctx context.Context, zoneName, site string, start time.Time, d *aggregate.DayStats, views *aggregate.Day) error {
	end := start.AddDate(0, 0, 1)
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM bots WHERE site = ? AND ts >= ? AND ts < ?`,
		site, start.Unix(), end.Unix()).Scan(&d.Totals.Bots); err != nil {
		return err
	}
	day := start.Format(time.DateOnly)

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, table := range dayRollups {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE zone = ? AND site = ? AND day = ?`, zoneName, site, day); err != nil {
			return err
		}
	}
	if d.Totals.PageViews == 0 && d.Totals.Bots == 0 {
		return tx.Commit()
	}
	t := d.Totals
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO rollup_days (zone, site, day, visitors, visits, pageviews, bounces, visit_ms, timed_views, time_ms, bots, timed_visitors)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		zoneName, site, day, t.Visitors, t.Visits, t.PageViews, t.Bounces, t.VisitMs, t.TimedViews, t.TimeMs, t.Bots, t.TimedVisitors); err != nil {
		return err
	}
	hours, err := tx.PrepareContext(ctx, `
		INSERT INTO rollup_hours (zone, site, hour, day, visitors, pageviews) VALUES (?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer hours.Close()
	for _, h := range d.Hours {
		if _, err := hours.ExecContext(ctx, zoneName, site, h.Start, day, h.Visitors, h.PageViews); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO rollup_breakdowns_days (zone, site, day, rows) VALUES (?, ?, ?, ?)`,
		zoneName, site, day, d.Rows.AppendRows([]byte{})); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO rollup_views (zone, site, day, views, times, visits) VALUES (?, ?, ?, ?, ?, ?)`,
		zoneName, site, day, views.AppendBinary(nil), views.AppendTimes(nil), views.AppendVisits(nil)); err != nil {
		return err
	}
	return tx.Commit()
}

// rollupMonth sums the day rows of a month (2006-01) into its month row.
func (s *Store) rollupMonth(ctx context.Context, zoneName, site, month string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `
		SELECT rows FROM rollup_breakdowns_days
		WHERE zone = ? AND site = ? AND day >= ? AND day <= ?`, zoneName, site, month+"-01", month+"-31")
	if err != nil {
		return err
	}
	sum := aggregate.NewRows()
	for rows.Next() {
		var blob []byte
		if err := rows.Scan(&blob); err != nil {
			rows.Close()
			return err
		}
		if err := sum.AddEncoded(blob); err != nil {
			rows.Close()
			return err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT OR REPLACE INTO rollup_breakdowns_months (zone, site, month, rows) VALUES (?, ?, ?, ?)`,
		zoneName, site, month, sum.AppendRows([]byte{})); err != nil {
		return err
	}
	return tx.Commit()
}

// allSites lists every site with page views or bot hits.
func (s *Store) allSites(ctx context.Context) ([]string, error) {
	var out []string
	for _, query := range []string{pageviewSites, sitesQuery("bots")} {
		sites, err := queryStrings(ctx, s.db, query)
		if err != nil {
			return nil, err
		}
		for _, site := range sites {
			if !slices.Contains(out, site) {
				out = append(out, site)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

var _ analytics.Maintainer = (*Store)(nil)

// Maintain settles the visible times of page views older than a day
// (settle.go) and brings the rollups of zone up to date
// (analytics.Maintainer).
func (s *Store) Maintain(ctx context.Context, zone *time.Location) error {
	sites, err := s.allSites(ctx)
	if err != nil {
		return fmt.Errorf("maintain: %w", err)
	}
	if err := s.settle(ctx, sites); err != nil {
		return fmt.Errorf("maintain: %w", err)
	}
	if _, err := s.RefreshRollups(ctx, zone); err != nil {
		return err
	}
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	return s.keepEventDays(ctx, zone)
}

// readState reads the rollup state of a zone.
func (s *Store) readState(ctx context.Context, name string) (rollupState, error) {
	var st rollupState
	err := s.db.QueryRowContext(ctx, `
		SELECT through_day, pageviews_max, leaves_max, bots_max FROM rollup_state WHERE zone = ?`, name).
		Scan(&st.through, &st.pageviews, &st.leaves, &st.bots)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return st, nil
	case err != nil:
		return st, err
	}
	st.found = true
	return st, nil
}

// dirtyDays returns, per site (only site, unless ""), the days before
// throughEnd whose rollups rows appended after st may change: a page view
// changes its day, and the next (the sources of visits that go on past
// midnight); a leave the days of the 24 hours before it; a bot hit its
// day. Rows are grouped in 15-minute steps (every zone's midnight falls on
// one), so the query stays small.
func (s *Store) dirtyDays(ctx context.Context, st rollupState, zone *time.Location, site string, throughEnd time.Time) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{}
	mark := func(table string, lo int64, before, after int64) error {
		// NOT INDEXED: walk the rowid range of the new rows; the planner
		// would otherwise scan a whole covering (site, ts) index.
		siteCol := "site"
		if table == "pageviews" {
			siteCol = "(SELECT site FROM sites WHERE id = site_id)"
		}
		q := `SELECT DISTINCT ` + siteCol + `, ts / 900 * 900 FROM ` + table + ` NOT INDEXED WHERE rowid > ?`
		args := []any{lo}
		if site != "" {
			q += ` AND ` + siteCol + ` = ?`
			args = append(args, site)
		}
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				site string
				t    int64
			)
			if err := rows.Scan(&site, &t); err != nil {
				return err
			}
			for d := analytics.Midnight(time.Unix(t-before, 0), zone); d.Unix() <= t+after && d.Before(throughEnd); d = d.AddDate(0, 0, 1) {
				if out[site] == nil {
					out[site] = map[string]bool{}
				}
				out[site][d.Format(time.DateOnly)] = true
			}
		}
		return rows.Err()
	}
	if err := mark("pageviews", st.pageviews, 0, 86400); err != nil {
		return nil, err
	}
	if err := mark("leaves", st.leaves, 86400, 0); err != nil {
		return nil, err
	}
	if err := mark("bots", st.bots, 0, 0); err != nil {
		return nil, err
	}
	return out, nil
}
