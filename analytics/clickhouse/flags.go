package clickhouse

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Settled columns. When a month settles (settle.go) each of its page views
// gets flags, bits of pageviews.flags, that say which page view is the
// first of its visitor's day (in the maintenance zone) by each measure a
// report counts visitors with. A filtered report of such days counts its
// visitors as sums of flags over the rows its filters keep, instead of
// uniqExact over them (flaggedViewCountsSQL): the uniqExact of a year's
// rows was most of a filtered report's time.
//
// The sums are exact for a row filter on visitor-level values (country,
// region, city, browser, OS, device) only where those are the same all
// day: a visitor's are, but a GeoIP database reloaded within the day may
// give their later page views another place. flagUniform marks the
// visitor-days whose values stayed the same; the others are counted with
// uniqExact still, which costs little over so few rows.
//
// Flags are of one zone's days: the zone of the Maintain that settled the
// month, recorded in settled_months with the time the rows were read. A
// month keeps its zone while its record is fresh, so that serve's
// maintenance zone wins over an occasional other. A report in another
// zone, a day that crosses a month's edge (its visitor-days are split
// between two settlings), and a month with a rollup mark (rollup.go)
// younger than its record — an append of old records, an erasure, a
// purge — is counted as before, from the rows; Maintain settles such a
// month again.
const (
	flagFirst               = 1 << iota // the first page view of its visitor-day
	flagFirstOnPath                     // the first of its visitor-day on its path
	flagFirstTimed                      // the first with a visible time (duration_ms >= 0) of its visitor-day
	flagFirstTimedOnPath                // the same on its path
	flagFirstScrolledOnPath             // the first with a scroll depth of its visitor-day on its path
	flagUniform                         // every page view of the visitor-day has the same place, browser, OS and device
)

// unflaggedTable is where a shard's month of settled page views is written
// before their flags are (settleShard); made and dropped under the write
// lock.
const unflaggedTable = "pageviews_unflagged"

// flagsSQL writes into %[1]s, with the columns %[2]s made by %[3]s
// (flagsExpr for flags), a shard's month of settled page views read from
// %[4]s, with their visitor-day's (zone @zone) first page views by each
// measure. A first is told by its ts and pageview_id together: either
// alone may repeat (collectors storing in the same second, imports
// without ids).
const flagsSQL = `INSERT INTO %[1]s (%[2]s)
	SELECT %[3]s
	FROM (
		SELECT %[2]s, zday, first_ts, first_id, timed_ts, timed_id, uni
		FROM (SELECT *, toDate(toDateTime(intDiv(ts, 4294967296)), @zone) AS zday FROM %[4]s) AS pv
		ANY LEFT JOIN (
			SELECT site, zday, visitor,
			       min(ts) AS first_ts, argMin(pageview_id, ts) AS first_id,
			       minIf(ts, duration_ms >= 0) AS timed_ts, argMinIf(pageview_id, ts, duration_ms >= 0) AS timed_id,
			       uniqExact(country, region, city, browser, os, device) = 1 AS uni
			FROM (SELECT site, visitor, pageview_id, ts, duration_ms, country, region, city, browser, os, device,
			             toDate(toDateTime(intDiv(ts, 4294967296)), @zone) AS zday FROM %[4]s)
			GROUP BY site, zday, visitor
		) AS vd USING (site, zday, visitor)
	) AS pvd
	ANY LEFT JOIN (
		SELECT site, zday, visitor, path,
		       min(ts) AS path_ts, argMin(pageview_id, ts) AS path_id,
		       minIf(ts, duration_ms >= 0) AS path_timed_ts, argMinIf(pageview_id, ts, duration_ms >= 0) AS path_timed_id,
		       minIf(ts, scroll_pct > 0) AS path_scrolled_ts, argMinIf(pageview_id, ts, scroll_pct > 0) AS path_scrolled_id
		FROM (SELECT site, visitor, path, pageview_id, ts, duration_ms, scroll_pct,
		             toDate(toDateTime(intDiv(ts, 4294967296)), @zone) AS zday FROM %[4]s)
		GROUP BY site, zday, visitor, path
	) AS vp USING (site, zday, visitor, path)`

// flagsExpr is a page view's flags in flagsSQL.
var flagsExpr = fmt.Sprintf(`toUInt8(if(ts = first_ts AND pageview_id = first_id, %d, 0)
	+ if(ts = path_ts AND pageview_id = path_id, %d, 0)
	+ if(duration_ms >= 0 AND ts = timed_ts AND pageview_id = timed_id, %d, 0)
	+ if(duration_ms >= 0 AND ts = path_timed_ts AND pageview_id = path_timed_id, %d, 0)
	+ if(scroll_pct > 0 AND ts = path_scrolled_ts AND pageview_id = path_scrolled_id, %d, 0)
	+ if(uni, %d, 0))`, flagFirst, flagFirstOnPath, flagFirstTimed, flagFirstTimedOnPath, flagFirstScrolledOnPath, flagUniform)

// settledMonth is a month's newest settled_months record.
type settledMonth struct {
	zone string
	ns   uint64
}

// freshMonths returns the newest record of each month (YYYYMM) in
// [from, end) whose flags no rollup mark of site has made stale since;
// site "" counts every site's marks (Maintain).
func (s *Store) freshMonths(ctx context.Context, site string, from, end time.Time) (map[string]settledMonth, error) {
	rows, err := s.conn.Query(ctx, "SELECT month, argMax(zone, built_ns), max(built_ns) FROM "+s.settledMonths+
		" WHERE month >= @from AND month < @end GROUP BY month",
		clickhouse.Named("from", monthNumber(from)), clickhouse.Named("end", monthNumber(end.AddDate(0, 1, 0))))
	if err != nil {
		return nil, fmt.Errorf("settled months: %w", err)
	}
	out := map[string]settledMonth{}
	for rows.Next() {
		var month uint32
		var m settledMonth
		if err := rows.Scan(&month, &m.zone, &m.ns); err != nil {
			rows.Close()
			return nil, fmt.Errorf("settled months: %w", err)
		}
		out[fmt.Sprintf("%06d", month)] = m
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// A mark reaches a month's flags from a day either side: a leave of the
	// month's last day comes the day after.
	q := "SELECT from_sec, to_sec, at_ns FROM " + s.rollupMarks + " WHERE to_sec >= @from AND from_sec < @end"
	args := []any{clickhouse.Named("from", uint32(max(from.Add(-48*time.Hour).Unix(), 0))), clickhouse.Named("end", uint32(max(end.AddDate(0, 1, 2).Unix(), 0)))}
	if site != "" {
		q += " AND (site = @site OR site = '')"
		args = append(args, clickhouse.Named("site", site))
	}
	mrows, err := s.conn.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("settled months: rollup marks: %w", err)
	}
	defer mrows.Close()
	for mrows.Next() {
		var lo, hi uint32
		var ns uint64
		if err := mrows.Scan(&lo, &hi, &ns); err != nil {
			return nil, fmt.Errorf("settled months: rollup marks: %w", err)
		}
		for id, m := range out {
			start, err := time.Parse("200601", id)
			if err != nil {
				return nil, fmt.Errorf("settled months: %q: %w", id, err)
			}
			if int64(hi) >= start.Add(-24*time.Hour).Unix() && int64(lo) <= start.AddDate(0, 1, 1).Unix() && ns >= m.ns {
				delete(out, id)
			}
		}
	}
	return out, mrows.Err()
}

// monthNumber is t's UTC month as settled_months keeps it, YYYYMM.
func monthNumber(t time.Time) uint32 {
	t = t.UTC()
	return uint32(t.Year()*100 + int(t.Month()))
}

// recordSettled records that every shard's page views of month carry the
// flags of zone (name), as read at ns.
func (s *Store) recordSettled(ctx context.Context, month, zone string, ns uint64) error {
	start, err := time.Parse("200601", month)
	if err != nil {
		return err
	}
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.settledMonths+" (zone, month, built_ns)")
	if err != nil {
		return fmt.Errorf("record the settled month: %w", err)
	}
	if err := batch.Append(zone, monthNumber(start), ns); err != nil {
		batch.Abort()
		return fmt.Errorf("record the settled month: %w", err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("record the settled month: %w", err)
	}
	return nil
}

// flagMonths settles, in zone, every month of page views old enough that
// has no fresh flags (freshMonths): with rollups' first build, every
// month of the store once.
func (s *Store) flagMonths(ctx context.Context, zone *time.Location) error {
	if rollupZone(zone) == "" {
		return nil
	}
	cut := s.now().Add(-settleAfter)
	have, err := s.partitions(ctx, "pageviews")
	if err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	var months []string
	for _, id := range slices.Sorted(maps.Keys(have)) {
		start, err := time.Parse("200601", id)
		if err != nil {
			return fmt.Errorf("flags: pageviews partition %q: %w", id, err)
		}
		if !start.AddDate(0, 1, 0).After(cut) {
			months = append(months, id)
		}
	}
	if len(months) == 0 {
		return nil
	}
	first, _ := time.Parse("200601", months[0])
	last, _ := time.Parse("200601", months[len(months)-1])
	fresh, err := s.freshMonths(ctx, "", first, last)
	if err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	months = slices.DeleteFunc(months, func(m string) bool { _, ok := fresh[m]; return ok })
	for i, m := range months {
		if s.cfg.Progress != nil && len(months) > 2 {
			fmt.Fprintf(s.cfg.Progress, "seloste: settling page views: %s-%s (%d of %d months)\n", m[:4], m[4:], i+1, len(months))
		}
		if err := s.locked(ctx, func(ctx context.Context) error { return s.settleMonth(ctx, m, zone) }); err != nil {
			return fmt.Errorf("settle %s-%s: %w", m[:4], m[4:], err)
		}
	}
	return nil
}

// flaggedDays returns the days of [from, end) (midnights of zone) whose
// page views a report of site has settled: days whose UTC months have
// fresh flags (of any zone). It maps to true the days it may count from
// the flags: those within one month, whose flags are of zone.
func (s *Store) flaggedDays(ctx context.Context, site string, zone *time.Location, from, end time.Time) (map[time.Time]bool, error) {
	if !from.Before(end) {
		return nil, nil
	}
	name := rollupZone(zone)
	fresh, err := s.freshMonths(ctx, site, from.UTC(), end.UTC())
	if err != nil || len(fresh) == 0 {
		return nil, err
	}
	out := map[time.Time]bool{}
	for day := from; day.Before(end); day = day.AddDate(0, 0, 1) {
		next := day.AddDate(0, 0, 1)
		a, b := day.UTC().Format("200601"), next.Add(-time.Second).UTC().Format("200601")
		ma, okA := fresh[a]
		if _, okB := fresh[b]; okA && okB {
			out[day] = a == b && name != "" && ma.zone == name
		}
	}
	return out, nil
}
