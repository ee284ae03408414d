package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"
)

// The event parts (goals, funnels, events, props) of rolled-up days are
// kept in rollup_events for the one set of goals and funnels the
// configuration names (KeepEventDays), each under the rollup build of its
// day it was counted beside: a report uses a day's parts only while that
// build is the one it reads (rolledDays), so they go stale with it, on
// the same marks. aggregate counts them (aggregate.EventDay, from this
// engine's scans) and reads them (aggregate.Events).

var _ analytics.EventDayKeeper = (*Store)(nil)

// KeepEventDays names the goals and funnels whose event parts Maintain
// keeps per rolled-up day.
func (s *Store) KeepEventDays(goals []analytics.Goal, funnels []analytics.Funnel) {
	s.eventSet.Store(aggregate.NewEventSet(goals, funnels))
}

// EventDays calls fn with the kept parts of site's rolled-up days in
// [from, end) in zone for key.
func (s *Store) EventDays(ctx context.Context, site string, zone *time.Location, key string, from, end time.Time, fn func(time.Time, []byte) error) error {
	from, end = analytics.Midnight(from, zone), analytics.Midnight(end.Add(-time.Nanosecond), zone).AddDate(0, 0, 1)
	rolled, err := s.rolledDays(ctx, site, zone, from, end)
	if err != nil {
		return err
	}
	return s.eventDays(ctx, rolled, site, zone, key, from, end, fn)
}

// rolledEvents is the Store with a report's rolled-up days already read,
// so that its event parts do not read them a second time.
type rolledEvents struct {
	*Store
	rolled []rolledDay
}

func (r rolledEvents) EventDays(ctx context.Context, site string, zone *time.Location, key string, from, end time.Time, fn func(time.Time, []byte) error) error {
	from, end = analytics.Midnight(from, zone), analytics.Midnight(end.Add(-time.Nanosecond), zone).AddDate(0, 0, 1)
	return r.eventDays(ctx, within(r.rolled, from, end), site, zone, key, from, end, fn)
}

// eventDays calls fn with the kept parts of the days of rolled, which are
// site's in [from, end).
func (s *Store) eventDays(ctx context.Context, rolled []rolledDay, site string, zone *time.Location, key string, from, end time.Time, fn func(time.Time, []byte) error) error {
	if len(rolled) == 0 {
		return nil
	}
	builds := map[uint16]uint64{}
	for _, r := range rolled {
		builds[uint16(civilDay(r.day))] = r.build
	}
	rows, err := s.conn.Query(ctx, "SELECT toUInt16(day), build, parts FROM "+s.rollupEvents+
		" WHERE zone = @zone AND site = @site AND goals = @key AND day >= toDate(@from) AND day < toDate(@end)",
		clickhouse.Named("zone", rollupZone(zone)), clickhouse.Named("site", site), clickhouse.Named("key", key),
		clickhouse.Named("from", from.Format(time.DateOnly)), clickhouse.Named("end", end.Format(time.DateOnly)))
	if err != nil {
		return fmt.Errorf("kept event days: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			day   uint16
			build uint64
			parts string
		)
		if err := rows.Scan(&day, &build, &parts); err != nil {
			return fmt.Errorf("kept event days: %w", err)
		}
		if builds[day] != build {
			continue // counted beside a build no longer read
		}
		t := time.Unix(int64(day)*86400, 0).UTC()
		if err := fn(time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone), []byte(parts)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// keepEventDays counts the event parts of every rolled-up day of site in
// [from, end) that has none for the kept set beside its build.
func (s *Store) keepEventDays(ctx context.Context, zone *time.Location, site string, from, end time.Time) error {
	set := s.eventSet.Load()
	name := rollupZone(zone)
	if set == nil || name == "" {
		// A command that knows no goals (an import) keeps what serve kept.
		return nil
	}
	rolled, err := s.rolledDays(ctx, site, zone, from, end)
	if err != nil || len(rolled) == 0 {
		return err
	}
	type dayBuild struct {
		day   uint16
		build uint64
	}
	have := map[dayBuild]bool{}
	rows, err := s.conn.Query(ctx, "SELECT toUInt16(day), build FROM "+s.rollupEvents+
		" WHERE zone = @zone AND site = @site AND goals = @key AND day >= toDate(@from) AND day < toDate(@end)",
		clickhouse.Named("zone", name), clickhouse.Named("site", site), clickhouse.Named("key", set.Key),
		clickhouse.Named("from", from.Format(time.DateOnly)), clickhouse.Named("end", end.Format(time.DateOnly)))
	if err != nil {
		return fmt.Errorf("kept event days: %w", err)
	}
	for rows.Next() {
		var day uint16
		var build uint64
		if err := rows.Scan(&day, &build); err != nil {
			rows.Close()
			return fmt.Errorf("kept event days: %w", err)
		}
		have[dayBuild{day, build}] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("kept event days: %w", err)
	}
	var todo []rolledDay
	for _, r := range rolled {
		if !have[dayBuild{uint16(civilDay(r.day)), r.build}] {
			todo = append(todo, r)
		}
	}
	for i, r := range todo {
		parts, err := aggregate.EventDay(ctx, s, site, zone, set.Goals, set.Funnels, r.day)
		if err != nil {
			return fmt.Errorf("kept event days: %s %s: %w", site, r.day.Format(time.DateOnly), err)
		}
		batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.rollupEvents+" (zone, site, day, build, goals, parts)")
		if err == nil {
			err = batch.Append(name, site, time.Date(r.day.Year(), r.day.Month(), r.day.Day(), 0, 0, 0, 0, time.UTC), r.build, set.Key, string(parts))
			if err == nil {
				err = batch.Send()
			} else {
				batch.Abort()
			}
		}
		if err != nil {
			return fmt.Errorf("kept event days: %s %s: %w", site, r.day.Format(time.DateOnly), err)
		}
		if s.cfg.Progress != nil && len(todo) >= 30 && ((i+1)%30 == 0 || i+1 == len(todo)) {
			fmt.Fprintf(s.cfg.Progress, "seloste: goals and funnels (%s, %s): %d of %d days\n", name, site, i+1, len(todo))
		}
	}
	return nil
}

// dropOtherEventSets deletes the kept parts of zone of every set but the
// kept one (a changed configuration).
func (s *Store) dropOtherEventSets(ctx context.Context, zone string) error {
	set := s.eventSet.Load()
	if set == nil {
		return nil
	}
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+s.rollupEvents+" WHERE zone = @zone AND goals != @key",
		clickhouse.Named("zone", zone), clickhouse.Named("key", set.Key)).Scan(&n); err != nil {
		return fmt.Errorf("kept event days: %w", err)
	}
	if n == 0 {
		return nil
	}
	return s.mutate(ctx, "ALTER TABLE rollup_events DELETE WHERE zone = "+quote(zone)+" AND goals != "+quote(set.Key))
}
