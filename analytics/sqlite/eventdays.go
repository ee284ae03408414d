package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"
)

// The event parts (goals, funnels, events, props) of finished days are kept
// in rollup_events beside the other rollups, for the one set of goals and
// funnels the configuration names (KeepEventDays): an unfiltered report of
// a year then reads 365 small rows instead of scanning every page view the
// goals match. They live and die with the day's rollups: every rebuild,
// purge or erasure that replaces a day's rollup rows deletes its kept
// parts too (see dayRollups), and a report uses them only for days the
// rollups cover (coverage.rolled). Maintain counts the missing ones again.
// Beside the set's row (goals = its EventKey), each goal of the set has a
// row for a goal filter (goals = aggregate.GoalKey): the parts of the
// visit-days converting to it, and those visits' ids (visits, NULL in the
// set's row), which with the packed days' visit ids (rollup_views.visits)
// answer a goal-filtered report without the raw rows.

var (
	_ analytics.EventDayKeeper      = (*Store)(nil)
	_ analytics.ConversionDayKeeper = (*Store)(nil)
)

// KeepEventDays names the goals and funnels whose event parts Maintain
// keeps per finished day.
func (s *Store) KeepEventDays(goals []analytics.Goal, funnels []analytics.Funnel) {
	s.eventSet.Store(aggregate.NewEventSet(goals, funnels))
}

// EventDays calls fn with the kept parts of site's days in [from, end) in
// zone for key, of the days the rollups cover.
func (s *Store) EventDays(ctx context.Context, site string, zone *time.Location, key string, from, end time.Time, fn func(time.Time, []byte) error) error {
	cov, err := s.coverage(ctx, site, zone)
	if err != nil {
		return err
	}
	return s.eventDays(ctx, cov, site, zone, key, from, end, fn)
}

// coveredEvents is the Store with a report's coverage already read, so that
// the report's event parts do not read it a second time.
type coveredEvents struct {
	*Store
	cov coverage
}

func (c coveredEvents) EventDays(ctx context.Context, site string, zone *time.Location, key string, from, end time.Time, fn func(time.Time, []byte) error) error {
	return c.eventDays(ctx, c.cov, site, zone, key, from, end, fn)
}

// ConversionDays calls fn with the kept converted visits of site's days in
// [from, end) in zone for key (aggregate.GoalKey), of the days the rollups
// cover.
func (s *Store) ConversionDays(ctx context.Context, site string, zone *time.Location, key string, from, end time.Time, fn func(time.Time, []byte) error) error {
	cov, err := s.coverage(ctx, site, zone)
	if err != nil {
		return err
	}
	return s.keptDays(ctx, cov, "visits", site, zone, key, from, end, fn)
}

func (c coveredEvents) ConversionDays(ctx context.Context, site string, zone *time.Location, key string, from, end time.Time, fn func(time.Time, []byte) error) error {
	return c.keptDays(ctx, c.cov, "visits", site, zone, key, from, end, fn)
}

func (s *Store) eventDays(ctx context.Context, cov coverage, site string, zone *time.Location, key string, from, end time.Time, fn func(time.Time, []byte) error) error {
	return s.keptDays(ctx, cov, "parts", site, zone, key, from, end, fn)
}

// keptDays calls fn with column (parts, visits or totals) of the kept rows for key
// of site's days in [from, end), of the days the rollups cover; rows
// without the column (the set's own, for visits) are skipped.
func (s *Store) keptDays(ctx context.Context, cov coverage, column, site string, zone *time.Location, key string, from, end time.Time, fn func(time.Time, []byte) error) error {
	if !cov.found {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT day, `+column+` FROM rollup_events
		WHERE zone = ? AND site = ? AND goals = ? AND day >= ? AND day < ? AND `+column+` IS NOT NULL`,
		cov.zone, site, key, from.In(zone).Format(time.DateOnly), end.In(zone).Format(time.DateOnly))
	if err != nil {
		return fmt.Errorf("kept event days: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			day   string
			parts []byte
		)
		if err := rows.Scan(&day, &parts); err != nil {
			return fmt.Errorf("kept event days: %w", err)
		}
		start, err := time.ParseInLocation(time.DateOnly, day, zone)
		if err != nil {
			return fmt.Errorf("kept event days: bad day %q: %w", day, err)
		}
		if !cov.rolled(start) {
			continue
		}
		if err := fn(start, parts); err != nil {
			return err
		}
	}
	return rows.Err()
}

// keepEventDays counts the event parts of every rolled-up day that has none
// for the kept set, and drops those of other sets (a changed
// configuration). The caller holds
// refreshMu, so no refresh replaces a day's rollups meanwhile; an erasure,
// purge or import that does (rollupGen) makes it leave that day for the
// next run.
func (s *Store) keepEventDays(ctx context.Context, zone *time.Location) error {
	set := s.eventSet.Load()
	name := rollupZone(zone)
	if set == nil || name == "" {
		// A command that knows no goals (an import) keeps what serve kept.
		return nil
	}
	key := set.Key
	// The set's own parts and, per goal, a goal filter's (GoalKey).
	keys := []string{key}
	for _, g := range set.Goals {
		keys = append(keys, aggregate.GoalKey(key, g.Name))
	}
	keysJSON, err := json.Marshal(keys)
	if err != nil {
		return fmt.Errorf("kept event days: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM rollup_events WHERE zone = ? AND goals NOT IN (SELECT value FROM json_each(?))`,
		name, string(keysJSON)); err != nil {
		return fmt.Errorf("kept event days: %w", err)
	}
	type siteDay struct{ site, day string }
	var todo []siteDay
	rows, err := s.db.QueryContext(ctx, `
		SELECT d.site, d.day FROM rollup_days d
		WHERE d.zone = ?1 AND NOT EXISTS (
			SELECT 1 FROM rollup_events e WHERE e.zone = ?1 AND e.site = d.site AND e.day = d.day AND e.goals = ?2)
		ORDER BY d.site, d.day`, name, key)
	if err != nil {
		return fmt.Errorf("kept event days: %w", err)
	}
	for rows.Next() {
		var sd siteDay
		if err := rows.Scan(&sd.site, &sd.day); err != nil {
			rows.Close()
			return fmt.Errorf("kept event days: %w", err)
		}
		todo = append(todo, sd)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kept event days: %w", err)
	}
	tick := s.progressEvery(len(todo), "goals and funnels ("+name+")", "days")
	for _, sd := range todo {
		start, err := time.ParseInLocation(time.DateOnly, sd.day, zone)
		if err != nil {
			return fmt.Errorf("kept event days: bad day %q: %w", sd.day, err)
		}
		s.rollupMu.Lock()
		gen := s.rollupGen
		s.rollupMu.Unlock()
		kept, err := keptEventDay(ctx, s, set, sd.site, zone, start)
		if err != nil {
			return fmt.Errorf("kept event days: %s %s: %w", sd.site, sd.day, err)
		}
		s.rollupMu.Lock()
		if s.rollupGen == gen {
			err = s.writeKeptEventDay(ctx, name, sd.site, sd.day, kept)
		}
		s.rollupMu.Unlock()
		if err != nil {
			return fmt.Errorf("kept event days: %s %s: %w", sd.site, sd.day, err)
		}
		tick()
	}
	return nil
}

// keptRow is one row of rollup_events: the parts of a set or of a goal
// filter, and for a goal filter its converted visits.
type keptRow struct {
	key                   string
	parts, visits, totals []byte
}

// keptEventDay counts the kept rows of site's day that begins at start: the
// set's parts, then per goal a goal filter's parts and visits
// (aggregate.EventDayGoals).
func keptEventDay(ctx context.Context, s *Store, set *aggregate.EventSet, site string, zone *time.Location, start time.Time) ([]keptRow, error) {
	parts, goalParts, goalVisits, err := aggregate.EventDayGoals(ctx, s, site, zone, set.Goals, set.Funnels, start)
	if err != nil {
		return nil, err
	}
	// The goals' totals count the day's packed page views (a day without
	// any has none).
	var (
		dec      aggregate.DayDecoder
		day      *aggregate.Day
		dayStart = start.Format(time.DateOnly)
	)
	var views, visits []byte
	err = s.db.QueryRowContext(ctx, `SELECT views, visits FROM rollup_views WHERE zone = ? AND site = ? AND day = ?`,
		rollupZone(zone), site, dayStart).Scan(&views, &visits)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, err
	default:
		if day, err = dec.Decode(views, nil, start.Unix()); err != nil {
			return nil, err
		}
		if err := dec.DecodeVisits(day, visits); err != nil {
			return nil, err
		}
	}
	out := []keptRow{{key: set.Key, parts: parts}}
	for i, g := range set.Goals {
		var c aggregate.Counts
		if day != nil {
			if c, err = aggregate.GoalCounts(day, zone, goalVisits[i]); err != nil {
				return nil, err
			}
		}
		out = append(out, keptRow{aggregate.GoalKey(set.Key, g.Name), goalParts[i], goalVisits[i], aggregate.AppendCounts(nil, c)})
	}
	return out, nil
}

// writeKeptEventDay writes a day's kept rows in one transaction, so that a
// day has either all of them or none (keepEventDays looks for the set's
// row alone); only beside the day's rollup row: a purge may have taken it.
func (s *Store) writeKeptEventDay(ctx context.Context, zone, site, day string, kept []keptRow) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, k := range kept {
		if _, err := tx.ExecContext(ctx, `
			INSERT OR REPLACE INTO rollup_events (zone, site, day, goals, parts, visits, totals)
			SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (
				SELECT 1 FROM rollup_days WHERE zone = ?1 AND site = ?2 AND day = ?3)`,
			zone, site, day, k.key, k.parts, k.visits, k.totals); err != nil {
			return err
		}
	}
	return tx.Commit()
}
