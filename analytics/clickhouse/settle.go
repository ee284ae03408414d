package clickhouse

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Settling. A leave counts for its page view only within 24 hours
// (analytics/aggregate), so once a month's page views are older than
// settleAfter their visible times and scroll depths are final. Settling
// writes them into the page views (duration_ms, scroll_pct: the larger of
// the stored value and the leaves in the window) and takes those leaves
// out of the month's leaves partition: their page-view ids would
// otherwise take a third of the bytes of every page view kept for years
// (the SQLite engine folds its leaves the same way, a day at a time).
//
// It changes where a number is kept, never a number: reports and
// VisitorPageViews read the larger of a page view's own value and any
// leave still stored, so every state in between counts the same. A leave
// that arrives later (a migration) changes its month's partition, and the
// month is settled again.
//
// On 18.16 a row changes only by a mutation, and a mutation can't read
// another table. So a month is written anew into settlingTable and swapped
// in whole with REPLACE PARTITION, which is atomic. The new month must not
// bring back a row an erasure or a purge deleted meanwhile, nor lose one
// appended meanwhile: every write to records older than settleSlack goes
// through changing (rollup.go), and changing and settling each hold the
// write lock (lock.go). A collector's own appends are younger, and
// never reach a month that settles.

// settleAfter is how old a month's last page view must be to settle: its
// 24-hour leave window, and settleSlack for batches in flight and clocks.
const settleAfter = 24*time.Hour + settleSlack

// settlingTable and leavesSettlingTable are where a shard's month of
// page views or leaves is written before it replaces the month; made and
// dropped under the write lock.
const (
	settlingTable       = "pageviews_settling"
	leavesSettlingTable = "leaves_settling"
)

// settle settles every month of page views that can be, oldest first,
// and then takes out of each settled leaves partition the leaves that are
// in page views now. A leaves partition also holds leaves of the last day
// of the month before, so that month is settled again first (rewritten
// unchanged if it already was). Leaves of no page view stay, as in the
// SQLite engine: their page view may still come (a migration, an import).
func (s *Store) settle(ctx context.Context, zone *time.Location) error {
	if err := s.settleLeaved(ctx, zone); err != nil {
		return err
	}
	return s.flagMonths(ctx, zone)
}

// settleLeaved settles the months of leaves partitions that can be, and
// takes their leaves out (settle).
func (s *Store) settleLeaved(ctx context.Context, zone *time.Location) error {
	cut := s.now().Add(-settleAfter)
	parts, err := s.partitions(ctx, "leaves")
	if err != nil {
		return fmt.Errorf("settle: %w", err)
	}
	var todo, months []string
	for _, id := range slices.Sorted(maps.Keys(parts)) {
		start, err := time.Parse("200601", id)
		if err != nil {
			return fmt.Errorf("settle: leaves partition %q: %w", id, err)
		}
		if start.AddDate(0, 1, 0).After(cut) || s.settled(id, parts[id].parts) {
			continue
		}
		n, err := s.claimedLeaves(ctx, s.leaves, start)
		if err != nil {
			return fmt.Errorf("settle: %w", err)
		}
		if n == 0 { // only leaves of no page view: nothing to take out
			s.remember(id, parts[id].parts)
			continue
		}
		todo = append(todo, id)
		months = append(months, start.AddDate(0, -1, 0).Format("200601"), id)
	}
	if len(todo) == 0 {
		return nil
	}
	slices.Sort(months)
	months = slices.Compact(months)
	have, err := s.partitions(ctx, "pageviews")
	if err != nil {
		return fmt.Errorf("settle: %w", err)
	}
	months = slices.DeleteFunc(months, func(m string) bool { _, ok := have[m]; return !ok })
	for i, m := range months {
		if s.cfg.Progress != nil && len(months) > 2 {
			fmt.Fprintf(s.cfg.Progress, "seloste: settling visible times: %s-%s (%d of %d months)\n", m[:4], m[4:], i+1, len(months))
		}
		if err := s.locked(ctx, func(ctx context.Context) error { return s.settleMonth(ctx, m, zone) }); err != nil {
			return fmt.Errorf("settle %s-%s: %w", m[:4], m[4:], err)
		}
	}
	for _, id := range todo {
		if err := s.locked(ctx, func(ctx context.Context) error { return s.settleLeaves(ctx, id) }); err != nil {
			return fmt.Errorf("settle the leaves of %s-%s: %w", id[:4], id[4:], err)
		}
	}
	return nil
}

// settled reports whether this Store found the leaves partition id with
// these parts settled before: then nothing was written to it since.
func (s *Store) settled(id, parts string) bool {
	s.settledMu.Lock()
	defer s.settledMu.Unlock()
	return s.settledParts[id] == parts
}

func (s *Store) remember(id, parts string) {
	s.settledMu.Lock()
	defer s.settledMu.Unlock()
	if s.settledParts == nil {
		s.settledParts = map[string]string{}
	}
	s.settledParts[id] = parts
}

// claimedLeaves counts the leaves in leaves (a table) of the month that
// starts at start that belong to a page view that could count them: one of
// the month, or of the day before it.
func (s *Store) claimedLeaves(ctx context.Context, leaves string, start time.Time) (uint64, error) {
	var n uint64
	err := s.conn.QueryRow(ctx, fmt.Sprintf(`SELECT count() FROM %s WHERE ts >= toDateTime(@from) AND ts < toDateTime(@end) AND %s`, leaves, claimed(s.pageviews)),
		claimedArgs(start)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count settled leaves: %w", err)
	}
	return n, nil
}

// claimed is the condition on a leave that a page view of pageviews in
// [@pv_from, @pv_end) is its own. GLOBAL: on a cluster the page views
// are read once, and the set goes to the shards that read the leaves.
func claimed(pageviews string) string {
	return `(site, cityHash64(pageview_id), sipHash64(pageview_id)) GLOBAL IN (SELECT site, ` + pageviewKey + ` FROM ` + pageviews +
		` WHERE ts >= @pv_from AND ts < @pv_end)`
}

// claimedArgs are the arguments of the leaves of the month that starts at
// start ([@from, @end)) and of claimed's page views: the month's and the
// day's before it.
func claimedArgs(start time.Time) []any {
	end := start.AddDate(0, 1, 0)
	return []any{clickhouse.Named("from", start.Unix()), clickhouse.Named("end", end.Unix()),
		clickhouse.Named("pv_from", secKey(start.Add(-24*time.Hour).Unix())), clickhouse.Named("pv_end", secKey(end.Unix()))}
}

// settleLeaves rewrites every shard's leaves partition id without the
// leaves that are in page views now, and remembers it settled. The
// caller holds the write lock, and has settled the month and the one
// before.
func (s *Store) settleLeaves(ctx context.Context, id string) error {
	start, err := time.Parse("200601", id)
	if err != nil {
		return err
	}
	for _, c := range s.all {
		if err := rewritePartition(ctx, c, "leaves", leavesSettlingTable, id, func() error {
			err := c.Exec(ctx, fmt.Sprintf(`INSERT INTO %s SELECT * FROM leaves WHERE ts >= toDateTime(@from) AND ts < toDateTime(@end) AND NOT %s`,
				leavesSettlingTable, claimed(s.pageviews)), claimedArgs(start)...)
			if err != nil {
				return fmt.Errorf("keep the leaves of no page view: %w", err)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	parts, err := s.partitions(ctx, "leaves")
	if err != nil {
		return err
	}
	s.remember(id, parts[id].parts)
	return nil
}

// settleMonth writes every shard's page views of month (partition id
// YYYYMM) anew with their settled visible times, a UTC day per query (a
// day's leaves in memory at a time), and their flags (flags.go) of the
// zone of the month's fresh flags, else of zone; and swaps them in. The
// caller holds the write lock.
func (s *Store) settleMonth(ctx context.Context, month string, zone *time.Location) error {
	start, err := time.Parse("200601", month)
	if err != nil {
		return err
	}
	end := start.AddDate(0, 1, 0)
	ns := uint64(time.Now().UnixNano()) // before the rows are read, as a rollup build's
	fresh, err := s.freshMonths(ctx, "", start, start)
	if err != nil {
		return err
	}
	name := rollupZone(zone)
	if name == "" {
		zone = time.UTC // "Local" is no zone name the server knows
	}
	if m, ok := fresh[month]; ok && m.zone != name {
		if z, err := time.LoadLocation(m.zone); err == nil {
			zone, name = z, m.zone
		}
	}
	for _, c := range s.all {
		if err := s.settleShard(ctx, c, month, start, end, zone); err != nil {
			return err
		}
	}
	if name == "" {
		return nil // no stable zone to count by: flags of its days, never read
	}
	return s.recordSettled(ctx, month, name, ns)
}

func (s *Store) settleShard(ctx context.Context, c driver.Conn, month string, start, end time.Time, zone *time.Location) error {
	var want uint64
	if err := c.QueryRow(ctx, "SELECT count() FROM pageviews WHERE ts >= @from_key AND ts < @end_key",
		clickhouse.Named("from_key", secKey(start.Unix())), clickhouse.Named("end_key", secKey(end.Unix()))).Scan(&want); err != nil {
		return fmt.Errorf("count page views: %w", err)
	}
	if want == 0 {
		return nil
	}
	// Every column the table has, by name: a column a later migration adds
	// is copied as it is.
	rows, err := c.Query(ctx, `SELECT name FROM system.columns WHERE database = @db AND table = 'pageviews'`, clickhouse.Named("db", s.cfg.Database))
	if err != nil {
		return fmt.Errorf("columns of pageviews: %w", err)
	}
	var cols, exprs, flagged []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return fmt.Errorf("columns of pageviews: %w", err)
		}
		expr := name
		switch name {
		case "duration_ms":
			expr = settledDuration
		case "scroll_pct":
			expr = settledScroll
		}
		cols, exprs = append(cols, name), append(exprs, expr)
		if name == "flags" {
			flagged = append(flagged, flagsExpr)
		} else {
			flagged = append(flagged, name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("columns of pageviews: %w", err)
	}
	if !slices.Contains(cols, "duration_ms") || !slices.Contains(cols, "scroll_pct") || !slices.Contains(cols, "flags") {
		return fmt.Errorf("pageviews lacks duration_ms, scroll_pct or flags: the schema is not the one this seloste knows")
	}
	// The settled rows first, then their flags, which need the month's
	// settled visible times.
	insert := fmt.Sprintf(settleSQL, unflaggedTable, strings.Join(cols, ", "), strings.Join(exprs, ", "), s.leaves)
	flag := fmt.Sprintf(flagsSQL, settlingTable, strings.Join(cols, ", "), strings.Join(flagged, ", "), unflaggedTable)
	return rewritePartition(ctx, c, "pageviews", settlingTable, month, func() error {
		for _, q := range []string{"DROP TABLE IF EXISTS " + unflaggedTable, "CREATE TABLE " + unflaggedTable + " AS pageviews"} {
			if err := c.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		for day := start; day.Before(end); day = day.AddDate(0, 0, 1) {
			if err := c.Exec(ctx, insert,
				clickhouse.Named("from_key", secKey(day.Unix())), clickhouse.Named("end_key", secKey(day.AddDate(0, 0, 1).Unix())),
				clickhouse.Named("leaves_from", day.Unix()), clickhouse.Named("leaves_to", day.AddDate(0, 0, 2).Unix())); err != nil {
				return fmt.Errorf("write %s: %w", day.Format(time.DateOnly), err)
			}
		}
		if err := c.Exec(ctx, flag, clickhouse.Named("zone", zone.String())); err != nil {
			return fmt.Errorf("write the flags: %w", err)
		}
		if err := c.Exec(ctx, "DROP TABLE "+unflaggedTable); err != nil {
			return fmt.Errorf("drop %s: %w", unflaggedTable, err)
		}
		var got uint64
		if err := c.QueryRow(ctx, "SELECT count() FROM "+settlingTable).Scan(&got); err != nil {
			return fmt.Errorf("count %s: %w", settlingTable, err)
		}
		if got != want {
			return fmt.Errorf("%s has %d page views of the month, pageviews %d: left unchanged", settlingTable, got, want)
		}
		return nil
	})
}

// rewritePartition writes the partition id of table anew on the shard c:
// fill writes it into side, made like table, which then replaces it whole
// (REPLACE PARTITION is atomic) and is dropped. When fill fails the
// partition stays as it was.
func rewritePartition(ctx context.Context, c driver.Conn, table, side, id string, fill func() error) error {
	for _, q := range []string{"DROP TABLE IF EXISTS " + side, "CREATE TABLE " + side + " AS " + table} {
		if err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	if err := fill(); err != nil {
		return err
	}
	if err := c.Exec(ctx, fmt.Sprintf("ALTER TABLE %s REPLACE PARTITION ID '%s' FROM %s", table, id, side)); err != nil {
		return fmt.Errorf("replace the month: %w", err)
	}
	if err := c.Exec(ctx, "DROP TABLE "+side); err != nil {
		return fmt.Errorf("drop %s: %w", side, err)
	}
	return nil
}

// settleSQL writes a day of a shard's page views ([@from_key, @end_key))
// into %[1]s with the columns %[2]s made by %[3]s, their leaves read from
// %[4]s (every shard's) in [@leaves_from, @leaves_to). The leaves are
// grouped by page view and joined once, as in viewsSQL; page views of
// several sites at once, so the site is in the key.
const settleSQL = `INSERT INTO %[1]s (%[2]s)
	SELECT %[3]s
	FROM (SELECT *, intDiv(ts, 4294967296) AS sec, ` + pageviewKey + ` FROM pageviews WHERE ts >= @from_key AND ts < @end_key) AS pv
	ANY LEFT JOIN (
		SELECT site, ` + pageviewKey + `, groupArray(toUInt32(ts)) AS lts, groupArray(duration_ms) AS lds, groupArray(scroll_pct) AS lss FROM %[4]s
		WHERE ts >= toDateTime(@leaves_from) AND ts < toDateTime(@leaves_to)
		GROUP BY site, h1, h2
	) AS lv USING (site, h1, h2)`

// settledDuration and settledScroll are a page view's visible time and
// scroll depth, in settleSQL and viewsSQL: the larger of its own and of
// its leaves within 24 hours (lts, lds, lss: the leaves' seconds,
// durations and depths; sec the page view's second). sec goes into the
// lambda as an array: an 18.16 lambda may not use a column of the
// subquery.
const (
	settledDuration = `greatest(duration_ms, toInt64(arrayReduce('max', arrayMap((t, d, s) -> if(t >= s AND t <= s + 86400, d + 1, 0), lts, lds, arrayResize(emptyArrayUInt32(), length(lts), toUInt32(sec))))) - 1)`
	settledScroll   = `greatest(scroll_pct, toUInt8(arrayReduce('max', arrayMap((t, p, s) -> if(t >= s AND t <= s + 86400, p, 0), lts, lss, arrayResize(emptyArrayUInt32(), length(lts), toUInt32(sec))))))`
)
