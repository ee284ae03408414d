package clickhouse

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/aggregate"
)

// Reports, computed by the server. The definitions are analytics/
// aggregate's (its package documentation), written as SQL over the raw
// rows:
//
//   - views: the site's page views of a period with their day in the
//     report's zone, their visible time (visibleMs) and whether the view
//     filters select them (vf);
//   - visits: one row per visit and day, with its entry and exit page,
//     page views, span, the visible time of its last page view, its
//     source (the visit's first page view, looking back one day) and
//     channel, and whether the visit filters pass it;
//   - the counts, per day and per breakdown value, of both; only these
//     rows come back, and aggregate.Period sums them into the Report.
//
// The channel of a source is analytics.ChannelOf, a Go function: the
// period's distinct sources are read first and their channels handed to
// the server as a lookup table (transform).

// viewColumn and visitColumn are the columns of views and visits that
// hold each dimension's value.
var (
	viewColumn = map[analytics.Dimension]string{
		analytics.DimPage: "path", analytics.DimCountry: "country", analytics.DimRegion: "place", analytics.DimCity: "city",
		analytics.DimBrowser: "browser", analytics.DimOS: "os", analytics.DimDevice: "device",
	}
	visitColumn = map[analytics.Dimension]string{
		analytics.DimEntryPage: "entry", analytics.DimExitPage: "exit", analytics.DimReferrer: "src_referrer",
		analytics.DimUTMSource: "src_source", analytics.DimUTMMedium: "src_medium", analytics.DimUTMCampaign: "src_campaign",
		analytics.DimChannel: "channel",
	}
)

// Keys of the rows the counting queries return, besides the dimensions'
// indexes in analytics.Dimensions.
const (
	keyTotal = -1 // the day's totals
	keyHour  = -2 // an hour of the day; the value is its start, unix seconds
)

// viewsSQL is the views subquery: the site's page views of the period,
// each read once, with its visible time. The leaves of the period (and a
// day after) are grouped by page view and joined once; a page view's
// visible time is its largest leave within 24 hours of it. %[1]s is the
// page views table, %[2]s the leaves table, %[3]s the view filter.
const viewsSQL = `(
	SELECT ts, sec, visitor, visit, path, country, place, city, browser, os, device,
	       toDate(toDateTime(sec), @zone) AS day,
	       greatest(duration_ms, toInt64(arrayReduce('max', arrayMap((t, d) -> if(t >= sec AND t <= sec + 86400, d + 1, 0), lts, lds))) - 1) AS dur,
	       (%[3]s) AS vf
	FROM (SELECT ts, intDiv(ts, 4294967296) AS sec, visitor, visit, ` + pageviewKey + `, path, country,
	             if(region = '', '', concat(country, '-', region)) AS place, city, browser, os, device, duration_ms
	      FROM %[1]s WHERE site = @site AND ts >= @from_key AND ts < @end_key)
	ANY LEFT JOIN (
		SELECT ` + pageviewKey + `, groupArray(toUInt32(ts)) AS lts, groupArray(duration_ms) AS lds FROM %[2]s
		WHERE site = @site AND ts >= toDateTime(@leaves_from) AND ts <= toDateTime(@leaves_to)
		GROUP BY h1, h2
	) USING (h1, h2))`

// visitsSQL is the visits subquery: one row per visit and day, with its
// page views in vs (visitor, path, country, place, city, browser, os,
// device, dur, vf, sec), so that the counting query reads views once.
// %[1]s is the views subquery, %[2]s the page views table, %[3]s the
// channel expression, %[4]s the visit filter.
const visitsSQL = `(
	SELECT day, visit, entry_visitor, entry, exit, views, span, last_dur, hit, vs,
	       src_referrer, src_source, src_medium, src_campaign, %[3]s AS channel, (%[4]s) AS pass
	FROM (SELECT day, visit, argMin(visitor, ts) AS entry_visitor, argMin(path, ts) AS entry, argMax(path, ts) AS exit,
	             count() AS views, max(sec) - min(sec) AS span, argMax(dur, ts) AS last_dur, max(vf) AS hit,
	             groupArray((visitor, path, country, place, city, browser, os, device, dur, vf, sec)) AS vs
	      FROM %[1]s GROUP BY day, visit)
	ANY LEFT JOIN (
		SELECT visit, argMin(referrer_host, ts) AS src_referrer, argMin(utm_source, ts) AS src_source,
		       argMin(utm_medium, ts) AS src_medium, argMin(utm_campaign, ts) AS src_campaign
		FROM %[2]s WHERE site = @site AND ts >= @look_key AND ts < @end_key GROUP BY visit
	) USING (visit))`

// The columns of a page view of vs, for the keys (viewColumn).
var vsColumn = map[string]string{
	"visitor": "tupleElement(v, 1)", "path": "tupleElement(v, 2)", "country": "tupleElement(v, 3)", "place": "tupleElement(v, 4)",
	"city": "tupleElement(v, 5)", "browser": "tupleElement(v, 6)", "os": "tupleElement(v, 7)", "device": "tupleElement(v, 8)",
	"dur": "tupleElement(v, 9)", "vf": "tupleElement(v, 10)", "sec": "tupleElement(v, 11)",
}

// countsSQL is the one query of a report, one pass over the visits of
// both periods: each page view of a visit-day (vs, array-joined) counts
// in its keys of kind 0 (page views) and the visit-day's first one also
// in the visit's keys of kind 1 (visits; UTM rows list tagged visits
// only), grouped by day and key; and, in one row (kind 2), realtime
// visitors and the bot hits of both periods. Of kind 0, n1..n5 are
// visitors, page views, timed views, their time and their visitors; of
// kind 1, visits, their (entry) visitors, bounces, time and 0. %[1]s is
// the visits subquery, %[2]s the keys array (kind, key, value), %[3]s the
// page views table, %[4]s the bot hits table.
const countsSQL = `
	SELECT kind, day, k, value,
	       toInt64(if(kind = 0, uniqExact(who), count())) AS n1,
	       toInt64(if(kind = 0, count(), uniqExact(who))) AS n2,
	       toInt64(countIf(if(kind = 0, vdur >= 0, views = 1))) AS n3,
	       toInt64(sum(if(kind = 0, if(vdur >= 0, vdur, 0), span * 1000 + if(last_dur > 0, last_dur, 0)))) AS n4,
	       toInt64(uniqExactIf(who, kind = 0 AND vdur >= 0)) AS n5
	FROM (SELECT day, tupleElement(kv, 1) AS kind, tupleElement(kv, 2) AS k, tupleElement(kv, 3) AS value,
	             if(kind = 0, vvisitor, entry_visitor) AS who, vdur, views, span, last_dur
	      FROM (SELECT day, entry_visitor, views, span, last_dur, tupleElement(v, 1) AS vvisitor, tupleElement(v, 9) AS vdur,
	                   arrayFilter((x, m) -> m, %[2]s) AS ks
	            FROM %[1]s ARRAY JOIN vs AS v, arrayEnumerate(vs) AS vi WHERE pass)
	      ARRAY JOIN ks AS kv
	      WHERE NOT (kind = 1 AND has(@untagged_keys, k) AND value = ''))
	GROUP BY kind, day, k, value
	UNION ALL
	SELECT toUInt8(2) AS kind, toDate(0) AS day, toInt32(0) AS k, '' AS value,
	       (SELECT toInt64(uniqExact(visitor)) FROM %[3]s WHERE site = @site AND ts >= @now_from AND ts < @now_to) AS n1,
	       (SELECT toInt64(countIf(ts >= toDateTime(@cur_from))) FROM %[4]s WHERE site = @site AND ts >= toDateTime(@leaves_from) AND ts < toDateTime(@end)) AS n2,
	       (SELECT toInt64(countIf(ts < toDateTime(@cur_from))) FROM %[4]s WHERE site = @site AND ts >= toDateTime(@leaves_from) AND ts < toDateTime(@end)) AS n3,
	       toInt64(0) AS n4, toInt64(0) AS n5`

// Report computes the report of q on the server.
func (s *Store) Report(ctx context.Context, q analytics.Query) (*analytics.Report, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	now := s.now()
	prevQ := q.Previous()
	// The sources of both periods, with their look-back day.
	channels, err := s.channels(ctx, q.Site, prevQ.From.AddDate(0, 0, -1), q.End())
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	cur, prev := aggregate.NewPeriod(q, true), aggregate.NewPeriod(prevQ, false)
	realtime, err := s.periods(ctx, cur, prev, channels, now)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	// Imported aggregates of the days before the first collected page view
	// (analytics/aggregate decides which).
	if _, err := aggregate.AddImported(ctx, s, cur); err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	if _, err := aggregate.AddImported(ctx, s, prev); err != nil {
		return nil, fmt.Errorf("report %s: previous period: %w", q.Site, err)
	}
	r := aggregate.Report(cur, prev, realtime, now)
	if err := aggregate.Events(ctx, s, q, r.Totals.Visitors, r); err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	return r, nil
}

// channelTable is the channel of every source of a site's period, keyed by
// sourceKey.
type channelTable struct{ keys, channels []string }

// sourceKey joins a source's four values unambiguously: each with its
// length. sourceKeySQL is the same in SQL.
func sourceKey(ref, source, medium, campaign string) string {
	var b strings.Builder
	for _, v := range []string{ref, source, medium, campaign} {
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

const sourceKeySQL = `concat(toString(length(src_referrer)), ':', src_referrer, toString(length(src_source)), ':', src_source,
	toString(length(src_medium)), ':', src_medium, toString(length(src_campaign)), ':', src_campaign)`

// channels reads the distinct sources of the site's page views in [from,
// end) and names their channels.
func (s *Store) channels(ctx context.Context, site string, from, end time.Time) (*channelTable, error) {
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT referrer_host, utm_source, utm_medium, utm_campaign FROM "+s.pageviews+
		" WHERE site = @site AND ts >= @from AND ts < @to",
		clickhouse.Named("site", site), clickhouse.Named("from", secKey(from.Unix())), clickhouse.Named("to", secKey(end.Unix())))
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	defer rows.Close()
	t := &channelTable{}
	for rows.Next() {
		var ref, source, medium, campaign string
		if err := rows.Scan(&ref, &source, &medium, &campaign); err != nil {
			return nil, fmt.Errorf("sources: %w", err)
		}
		t.keys = append(t.keys, sourceKey(ref, source, medium, campaign))
		t.channels = append(t.channels, analytics.ChannelOf(ref, source, medium, campaign))
	}
	return t, rows.Err()
}

// periods adds every day of cur's query (totals, hours and breakdown
// rows) and of prev's (totals), which is the period just before, to them,
// counting both in the same queries: every number is of one day, and the
// days do not overlap.
//
// It returns the number of realtime visitors at now.
func (s *Store) periods(ctx context.Context, cur, prev *aggregate.Period, channels *channelTable, now time.Time) (int64, error) {
	q := cur.Query
	from, curFrom, end := prev.Query.From, q.From, q.End()
	var (
		viewFilter, visitFilter []string
		args                    = []any{
			clickhouse.Named("site", q.Site),
			clickhouse.Named("zone", q.Zone.String()),
			clickhouse.Named("from_key", secKey(from.Unix())),
			clickhouse.Named("end_key", secKey(end.Unix())),
			clickhouse.Named("look_key", secKey(from.AddDate(0, 0, -1).Unix())),
			clickhouse.Named("leaves_from", from.Unix()),
			clickhouse.Named("leaves_to", end.Unix()+86400),
			clickhouse.Named("cur_day", curFrom.Format(time.DateOnly)),
			clickhouse.Named("cur_from", curFrom.Unix()),
			clickhouse.Named("end", end.Unix()),
			clickhouse.Named("now_from", secKey(now.Add(-analytics.Realtime).Unix()+1)),
			clickhouse.Named("now_to", secKey(now.Unix()+1)),
		}
	)
	for i, f := range q.Filters {
		name := "f" + strconv.Itoa(i)
		args = append(args, clickhouse.Named(name, f.Value))
		if col, ok := viewColumn[f.Dim]; ok {
			viewFilter = append(viewFilter, col+" = @"+name)
		} else {
			visitFilter = append(visitFilter, visitColumn[f.Dim]+" = @"+name)
		}
	}
	channel := "''"
	if channels != nil && len(channels.keys) > 0 {
		channel = "transform(" + sourceKeySQL + ", @source_keys, @channels, '')"
		args = append(args, clickhouse.Named("source_keys", channels.keys), clickhouse.Named("channels", channels.channels))
	}
	var untagged []int32
	for i, d := range analytics.Dimensions {
		if d == analytics.DimUTMSource || d == analytics.DimUTMMedium || d == analytics.DimUTMCampaign {
			untagged = append(untagged, int32(i))
		}
	}
	args = append(args, clickhouse.Named("untagged_keys", untagged))

	views := fmt.Sprintf(viewsSQL, s.pageviews, s.leaves, and(viewFilter))
	visits := fmt.Sprintf(visitsSQL, views, s.pageviews, channel, and(visitFilter))

	// The keys each row counts in, (kind, key, value): a day of the
	// previous period only in its totals.
	viewTotal, visitTotal := "(toUInt8(0), toInt32(-1), '')", "(toUInt8(1), toInt32(-1), '')"
	full := []string{viewTotal, visitTotal}
	for i, d := range analytics.Dimensions {
		if col, ok := viewColumn[d]; ok {
			full = append(full, fmt.Sprintf("(toUInt8(0), toInt32(%d), %s)", i, vsColumn[col]))
		} else {
			full = append(full, fmt.Sprintf("(toUInt8(1), toInt32(%d), %s)", i, visitColumn[d]))
		}
	}
	if q.Interval == analytics.Hour {
		full = append(full, "(toUInt8(0), toInt32(-2), toString(toUnixTimestamp(toStartOfHour(toDateTime("+vsColumn["sec"]+"), @zone))))")
	}
	// Which keys a row of vs counts in: a page view in its view keys if the
	// view filters select it, and the visit-day's first one in the visit's
	// keys if the visit has a selected page view. (A lambda in 18.16 may
	// not use a column of the subquery: the masks are arrays of their own.)
	mask := func(keys []string) string {
		m := make([]string, len(keys))
		for i, k := range keys {
			if strings.HasPrefix(k, "(toUInt8(0)") {
				m[i] = "toUInt8(" + vsColumn["vf"] + ")"
			} else {
				m[i] = "toUInt8(vi = 1 AND hit)"
			}
		}
		return "[" + strings.Join(m, ", ") + "]"
	}
	totals := []string{viewTotal, visitTotal}
	keys := "if(day >= toDate(@cur_day), [" + strings.Join(full, ", ") + "], [" + strings.Join(totals, ", ") + "]), " +
		"if(day >= toDate(@cur_day), " + mask(full) + ", " + mask(totals) + ")"

	byDay := map[int64]*aggregate.Counts{}
	dayTotals := func(day time.Time) *aggregate.Counts {
		start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, q.Zone).Unix()
		c := byDay[start]
		if c == nil {
			c = &aggregate.Counts{}
			byDay[start] = c
		}
		return c
	}

	rows, err := s.conn.Query(ctx, fmt.Sprintf(countsSQL, visits, keys, s.pageviews, s.bots), args...)
	if err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	defer rows.Close()
	var realtime int64
	for rows.Next() {
		var (
			kind               uint8
			day                time.Time
			k                  int32
			value              string
			n1, n2, n3, n4, n5 int64
		)
		if err := rows.Scan(&kind, &day, &k, &value, &n1, &n2, &n3, &n4, &n5); err != nil {
			return 0, fmt.Errorf("count: %w", err)
		}
		switch {
		case kind == 2:
			realtime = n1
			cur.AddBots(n2)
			prev.AddBots(n3)
		case kind == 0 && k == keyTotal:
			c := dayTotals(day)
			c.Visitors, c.PageViews, c.TimedViews, c.TimeMs, c.TimedVisitors = n1, n2, n3, n4, n5
		case kind == 0 && k == keyHour:
			start, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("count: hour %q: %w", value, err)
			}
			cur.AddHour(aggregate.Hour{Start: start, Visitors: n1, PageViews: n2})
		case kind == 0:
			cur.Rows.Row(int(k), value).Add(aggregate.RowCounts{Visitors: n1, PageViews: n2, TimedViews: n3, TimeMs: n4, TimedVisitors: n5})
		case k == keyTotal:
			c := dayTotals(day)
			c.Visits, c.Bounces, c.VisitMs = n1, n3, n4
		default:
			cur.Rows.Row(int(k), value).Add(aggregate.RowCounts{Visits: n1, Visitors: n2})
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	for start, c := range byDay {
		if start >= curFrom.Unix() {
			cur.AddTotals(start, *c)
		} else {
			prev.AddTotals(start, *c)
		}
	}
	return realtime, nil
}

// and joins conditions; "1" for none.
func and(conds []string) string {
	if len(conds) == 0 {
		return "1"
	}
	return strings.Join(conds, " AND ")
}

// quote is s as a ClickHouse string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// quoteAll is an array literal of the strings.
func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
