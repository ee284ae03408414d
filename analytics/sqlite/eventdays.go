package sqlite

import (
	"context"
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

var _ analytics.EventDayKeeper = (*Store)(nil)

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

func (s *Store) eventDays(ctx context.Context, cov coverage, site string, zone *time.Location, key string, from, end time.Time, fn func(time.Time, []byte) error) error {
	if !cov.found {
		return nil
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT day, parts FROM rollup_events
		WHERE zone = ? AND site = ? AND goals = ? AND day >= ? AND day < ?`,
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
	if _, err := s.db.ExecContext(ctx, `DELETE FROM rollup_events WHERE zone = ? AND goals != ?`, name, key); err != nil {
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
		parts, err := aggregate.EventDay(ctx, s, sd.site, zone, set.Goals, set.Funnels, start)
		if err != nil {
			return fmt.Errorf("kept event days: %s %s: %w", sd.site, sd.day, err)
		}
		s.rollupMu.Lock()
		if s.rollupGen == gen {
			// Only beside the day's rollup row: a purge may have taken it.
			_, err = s.db.ExecContext(ctx, `
				INSERT OR REPLACE INTO rollup_events (zone, site, day, goals, parts)
				SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (
					SELECT 1 FROM rollup_days WHERE zone = ?1 AND site = ?2 AND day = ?3)`,
				name, sd.site, sd.day, key, parts)
		}
		s.rollupMu.Unlock()
		if err != nil {
			return fmt.Errorf("kept event days: %s %s: %w", sd.site, sd.day, err)
		}
		tick()
	}
	return nil
}
