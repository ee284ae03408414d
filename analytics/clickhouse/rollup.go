package clickhouse

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"

	"github.com/seloste/seloste/analytics"
)

// Rollups are the result rows of countsSQL for whole, finished days of
// an unfiltered report (rows per day and key, in one report zone), kept
// so that such a report reads a few thousand rows a day instead of
// counting every page view. They are exact: every number of a report is
// a sum of per-day numbers (analytics/aggregate).
//
// Maintain builds them; a report reads the days they hold and counts the
// others from the raw rows. They are derived data: deleting them loses
// nothing.
//
//   - A day is built once it is final: a day after it ended (leaves come
//     up to 24 hours after their page view, and the next day's visits look
//     back into it), plus settleSlack for batches in flight.
//   - A day's rows are written under a build id, and its rollup_builds row
//     last: a report reads, per day, the newest build only, so a build is
//     seen whole or not at all, and two collectors building the same day
//     at once cost work, not correctness.
//   - Every write that can change a final day's numbers (an append of old
//     records — imports, migrate —, an erasure, an import's deletion, a
//     purge) adds a rollup_marks row for the span of seconds it touched,
//     before it writes and again after. A build older than a mark whose
//     span reaches into its day (the day, and a day either side) is not
//     read, and Maintain builds the day again. Marks are dated by the
//     writer's clock (nanoseconds), builds by the builder's: collectors of
//     one cluster need clocks kept in step (NTP).
//   - Superseded builds' rows are deleted supersededAfter after the newer
//     build, when no report can still be reading them.
//
// A zone without a stable name ("Local") gets no rollups.

// settleSlack is added to the day a final day waits: records of a batch
// still on its way, and collectors' clocks a little apart.
const settleSlack = time.Hour

// supersededAfter is how long a superseded build's rows are kept: longer
// than a report, which may have chosen it just before, takes.
const supersededAfter = 15 * time.Minute

// DerivedTables hold the rollups and their bookkeeping: counts per day and
// value, no record; and the settled months of flags.go (analytics.Inventory).
var DerivedTables = []string{"rollups", "rollup_builds", "rollup_marks", "rollup_events", "settled_months"}

// rollupZone returns the name rollups of zone are kept under, or "" when
// the zone has no stable name.
func rollupZone(zone *time.Location) string {
	name := zone.String()
	if name == "Local" || name == "" {
		return ""
	}
	return name
}

// rolledDay is a day whose numbers a report reads from the rollups.
type rolledDay struct {
	day   time.Time // midnight in the report's zone
	build uint64
}

// rolledDays returns the days of [from, end) (zone midnights) whose newest
// build no mark has made stale, in order.
func (s *Store) rolledDays(ctx context.Context, site string, zone *time.Location, from, end time.Time) ([]rolledDay, error) {
	name := rollupZone(zone)
	if name == "" || !from.Before(end) {
		return nil, nil
	}
	type build struct{ id, ns uint64 }
	newest := map[time.Time]build{}
	rows, err := s.conn.Query(ctx, "SELECT day, build, built_ns FROM "+s.rollupBuilds+
		" WHERE zone = @zone AND site = @site AND day >= toDate(@from) AND day < toDate(@end)",
		clickhouse.Named("zone", name), clickhouse.Named("site", site),
		clickhouse.Named("from", from.Format(time.DateOnly)), clickhouse.Named("end", end.Format(time.DateOnly)))
	if err != nil {
		return nil, fmt.Errorf("rollups: %w", err)
	}
	for rows.Next() {
		var day time.Time
		var b build
		if err := rows.Scan(&day, &b.id, &b.ns); err != nil {
			rows.Close()
			return nil, fmt.Errorf("rollups: %w", err)
		}
		day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, zone)
		if b.ns > newest[day].ns {
			newest[day] = b
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("rollups: %w", err)
	}
	if len(newest) == 0 {
		return nil, nil
	}
	marks, err := s.marks(ctx, site, from.Add(-24*time.Hour), end.Add(24*time.Hour))
	if err != nil {
		return nil, err
	}
	var out []rolledDay
	for day, b := range newest {
		lo, hi := day.Add(-24*time.Hour).Unix(), day.AddDate(0, 0, 1).Add(24*time.Hour).Unix()
		stale := slices.ContainsFunc(marks, func(m mark) bool { return m.from <= hi && m.to >= lo && m.ns >= b.ns })
		if !stale {
			out = append(out, rolledDay{day: day, build: b.id})
		}
	}
	slices.SortFunc(out, func(a, b rolledDay) int { return a.day.Compare(b.day) })
	return out, nil
}

// within returns the days of rolled (in order) in [from, end).
func within(rolled []rolledDay, from, end time.Time) []rolledDay {
	i := slices.IndexFunc(rolled, func(r rolledDay) bool { return !r.day.Before(from) })
	if i < 0 {
		return nil
	}
	j := slices.IndexFunc(rolled[i:], func(r rolledDay) bool { return !r.day.Before(end) })
	if j < 0 {
		return rolled[i:]
	}
	return rolled[i : i+j]
}

// mark is a span of unix seconds [from, to] that a write changed, and when.
type mark struct {
	from, to int64
	ns       uint64
}

// marks returns the site's marks (and every site's) that reach into [from, end).
func (s *Store) marks(ctx context.Context, site string, from, end time.Time) ([]mark, error) {
	rows, err := s.conn.Query(ctx, "SELECT from_sec, to_sec, at_ns FROM "+s.rollupMarks+
		" WHERE (site = @site OR site = '') AND to_sec >= @from AND from_sec < @end",
		clickhouse.Named("site", site), clickhouse.Named("from", uint32(max(from.Unix(), 0))), clickhouse.Named("end", uint32(max(end.Unix(), 0))))
	if err != nil {
		return nil, fmt.Errorf("rollup marks: %w", err)
	}
	defer rows.Close()
	var out []mark
	for rows.Next() {
		var from, to uint32
		var m mark
		if err := rows.Scan(&from, &to, &m.ns); err != nil {
			return nil, fmt.Errorf("rollup marks: %w", err)
		}
		m.from, m.to = int64(from), int64(to)
		out = append(out, m)
	}
	return out, rows.Err()
}

// markChanged records that a write changes the records of site ("" every
// site) in the seconds [from, to].
func (s *Store) markChanged(ctx context.Context, site string, from, to int64) error {
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.rollupMarks+" (site, from_sec, to_sec, at_ns)")
	if err != nil {
		return fmt.Errorf("rollup mark: %w", err)
	}
	clamp := func(sec int64) uint32 { return uint32(min(max(sec, 0), 1<<32-1)) }
	if err := batch.Append(site, clamp(from), clamp(to), uint64(time.Now().UnixNano())); err != nil {
		batch.Abort()
		return fmt.Errorf("rollup mark: %w", err)
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("rollup mark: %w", err)
	}
	return nil
}

// changing runs write, which changes the records of site in [from, to],
// between two marks (package doc above): the first stays if the write is
// interrupted, the second makes builds that began during it stale. It
// holds the write lock, so that no month settles meanwhile (settle.go);
// write's context ends if the lock is lost, and the second mark is made
// all the same.
func (s *Store) changing(ctx context.Context, site string, from, to int64, write func(ctx context.Context) error) error {
	return s.locked(ctx, func(work context.Context) error {
		if err := s.markChanged(work, site, from, to); err != nil {
			return err
		}
		werr := write(work)
		if err := s.markChanged(ctx, site, from, to); err != nil {
			return errors.Join(werr, err)
		}
		return werr
	})
}

// unrolled returns the spans of days of [from, end) that rolled lacks, as
// [first midnight, end midnight) pairs.
func unrolled(from, end time.Time, rolled []rolledDay) [][2]time.Time {
	var out [][2]time.Time
	i := 0
	for day := from; day.Before(end); day = day.AddDate(0, 0, 1) {
		if i < len(rolled) && rolled[i].day.Equal(day) {
			i++
			continue
		}
		next := day.AddDate(0, 0, 1)
		if n := len(out); n > 0 && out[n-1][1].Equal(day) {
			out[n-1][1] = next
		} else {
			out = append(out, [2]time.Time{day, next})
		}
	}
	return out
}

// rollupsSQL reads the rolled days (external table rollup_days) of a
// report: each day's totals, and for the current period its breakdown
// rows summed over the days and, for an hourly series, its hours.
const rollupsSQL = `
	SELECT kind, if(k = -1, day, toDate(@cur_day)) AS d, k, value,
	       sum(n1), sum(n2), sum(n3), sum(n4), sum(n5), sum(n6), sum(n7), sum(n8)
	FROM %s
	WHERE zone = @rzone AND site = @site AND day >= toDate(@from_day) AND day < toDate(@end_day)
	  AND (toUInt16(day), build) IN rollup_days
	  AND (k = -1 OR (day >= toDate(@cur_day) AND (k >= 0 OR @hourly = 1)))
	GROUP BY kind, d, k, value`

// readRollups returns the rows of the rolled days of c's report.
func (s *Store) readRollups(ctx context.Context, c *counter, rolled []rolledDay) ([]countRow, error) {
	t, err := ext.NewTable("rollup_days", ext.Column("d", "UInt16"), ext.Column("build", "UInt64"))
	if err != nil {
		return nil, err
	}
	for _, r := range rolled {
		if err := t.Append(uint16(civilDay(r.day)), r.build); err != nil {
			return nil, err
		}
	}
	hourly := 0
	if c.q.Interval == analytics.Hour {
		hourly = 1
	}
	ctx = clickhouse.Context(ctx, clickhouse.WithExternalTable(t))
	rows, err := s.count(ctx, fmt.Sprintf(rollupsSQL, s.rollups), append(slices.Clip(c.args),
		clickhouse.Named("rzone", rollupZone(c.q.Zone)), clickhouse.Named("hourly", hourly),
		clickhouse.Named("from_day", rolled[0].day.Format(time.DateOnly)),
		clickhouse.Named("end_day", rolled[len(rolled)-1].day.AddDate(0, 0, 1).Format(time.DateOnly))))
	if err != nil {
		return nil, fmt.Errorf("rollups: %w", err)
	}
	return rows, nil
}

var _ analytics.Maintainer = (*Store)(nil)

// Maintain settles the months that can be (settle.go), builds the
// rollups of zone for every site's final days that have none, or a stale
// one, and deletes superseded builds (analytics.Maintainer). The first run
// on a large store counts every day once (minutes; progress on
// Config.Progress). Settling that fails does not keep the rollups from
// being built: it only saves space.
func (s *Store) Maintain(ctx context.Context, zone *time.Location) error {
	settleErr := s.settle(ctx, zone)
	return errors.Join(settleErr, s.maintainRollups(ctx, zone))
}

func (s *Store) maintainRollups(ctx context.Context, zone *time.Location) error {
	name := rollupZone(zone)
	if name == "" {
		return nil
	}
	finalEnd := analytics.Midnight(s.now().Add(-24*time.Hour-settleSlack), zone)
	sites, err := s.Sites(ctx)
	if err != nil {
		return fmt.Errorf("rollups: %w", err)
	}
	type work struct {
		site string
		a, b time.Time
	}
	var todo []work
	days := 0
	var chunks *chunker
	firsts := map[string]time.Time{}
	for _, site := range sites {
		first, ok, err := s.FirstPageView(ctx, site)
		if err != nil || !ok {
			if err != nil {
				return fmt.Errorf("rollups: %w", err)
			}
			continue
		}
		from := analytics.Midnight(first, zone)
		firsts[site] = from
		rolled, err := s.rolledDays(ctx, site, zone, from, finalEnd)
		if err != nil {
			return err
		}
		spans := unrolled(from, finalEnd, rolled)
		if len(spans) == 0 {
			continue
		}
		if chunks == nil { // read once, and only when a day needs building
			if chunks, err = s.newChunker(ctx); err != nil {
				return fmt.Errorf("rollups: %w", err)
			}
		}
		for _, span := range chunks.split(spans) {
			todo = append(todo, work{site, span[0], span[1]})
			for d := span[0]; d.Before(span[1]); d = d.AddDate(0, 0, 1) {
				days++
			}
		}
	}
	if s.cfg.Progress != nil && days >= 30 {
		// Said only when the work is there (its progress follows).
		fmt.Fprintf(s.cfg.Progress, "seloste: rolling up %d days for fast reports (%s)...\n", days, name)
	}
	done := 0
	for _, w := range todo {
		if err := s.build(ctx, name, zone, w.site, w.a, w.b); err != nil {
			return fmt.Errorf("rollups of %s, %s to %s: %w", w.site, w.a.Format(time.DateOnly), w.b.AddDate(0, 0, -1).Format(time.DateOnly), err)
		}
		for d := w.a; d.Before(w.b); d = d.AddDate(0, 0, 1) {
			done++
		}
		if s.cfg.Progress != nil && days >= 30 {
			fmt.Fprintf(s.cfg.Progress, "seloste: rollups (%s): %d of %d days\n", name, done, days)
		}
	}
	// The event parts beside the builds.
	if err := s.dropOtherEventSets(ctx, name); err != nil {
		return err
	}
	for _, site := range sites {
		if from, ok := firsts[site]; ok {
			if err := s.keepEventDays(ctx, zone, site, from, finalEnd); err != nil {
				return err
			}
		}
	}
	return s.dropSuperseded(ctx, name)
}

// build counts the days [a, b) of site from the raw rows into the rollups,
// as one new build.
func (s *Store) build(ctx context.Context, zoneName string, zone *time.Location, site string, a, b time.Time) error {
	var idBytes [8]byte
	rand.Read(idBytes[:])
	id := binary.LittleEndian.Uint64(idBytes[:])
	builtNs := uint64(time.Now().UnixNano()) // before the raw rows are read
	q := analytics.Query{Site: site, From: a, To: b.AddDate(0, 0, -1), Zone: zone}
	c := s.newCounter(q, nil, a, s.now(), true)
	ctx2, query, args, err := c.chunk(ctx, a, b, false)
	if err != nil {
		return err
	}
	if query != "" {
		insert := "INSERT INTO " + s.rollups + " (zone, site, day, build, kind, k, value, n1, n2, n3, n4, n5, n6, n7, n8) " +
			"SELECT @rzone, @site, day, toUInt64(@build), kind, k, value, n1, n2, n3, n4, n5, n6, n7, n8 FROM (" + query + ")"
		if err := s.conn.Exec(ctx2, insert, append(args, clickhouse.Named("rzone", zoneName), clickhouse.Named("build", id))...); err != nil {
			return err
		}
	}
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.rollupBuilds+" (zone, site, day, build, built_ns)")
	if err != nil {
		return err
	}
	for d := a; d.Before(b); d = d.AddDate(0, 0, 1) {
		if err := batch.Append(zoneName, site, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), id, builtNs); err != nil {
			batch.Abort()
			return err
		}
	}
	return batch.Send()
}

// dropSuperseded deletes the rows of builds of zone that a newer build of
// their day replaced more than supersededAfter ago.
func (s *Store) dropSuperseded(ctx context.Context, zoneName string) error {
	rows, err := s.conn.Query(ctx, "SELECT site, toUInt16(day), groupArray(build), groupArray(built_ns) FROM "+s.rollupBuilds+
		" WHERE zone = @zone GROUP BY site, day HAVING count() > 1", clickhouse.Named("zone", zoneName))
	if err != nil {
		return fmt.Errorf("rollups: superseded builds: %w", err)
	}
	type key struct {
		site string
		day  uint16
	}
	type build struct{ id, ns uint64 }
	all := map[key][]build{}
	for rows.Next() {
		var k key
		var ids, ns []uint64
		if err := rows.Scan(&k.site, &k.day, &ids, &ns); err != nil {
			rows.Close()
			return fmt.Errorf("rollups: superseded builds: %w", err)
		}
		for i := range ids {
			all[k] = append(all[k], build{ids[i], ns[i]})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rollups: superseded builds: %w", err)
	}
	cutoff := uint64(time.Now().Add(-s.supersededAfter).UnixNano())
	var drop []string
	for k, builds := range all {
		newest := slices.MaxFunc(builds, func(a, b build) int { return cmp.Compare(a.ns, b.ns) })
		if newest.ns > cutoff {
			continue
		}
		for _, b := range builds {
			if b.id != newest.id {
				drop = append(drop, fmt.Sprintf("(%s, %d, %d)", quote(k.site), k.day, b.id))
			}
		}
	}
	if len(drop) == 0 {
		return nil
	}
	slices.Sort(drop)
	for len(drop) > 0 {
		n := min(len(drop), 1000)
		list := strings.Join(drop[:n], ", ")
		drop = drop[n:]
		// Rows and event parts first, their build rows after.
		for _, table := range []string{"rollups", "rollup_events", "rollup_builds"} {
			if err := s.mutate(ctx, "ALTER TABLE "+table+" DELETE WHERE zone = "+quote(zoneName)+" AND (site, toUInt16(day), build) IN ("+list+")"); err != nil {
				return fmt.Errorf("rollups: superseded builds: %w", err)
			}
		}
	}
	return nil
}
