package clickhouse

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"

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
// Every number is of one day, so both periods are counted a chunk of
// days at a time (chunk.go): a year no longer needs the server's memory
// for all of its page views at once.
//
// The channel of a source is analytics.ChannelOf, a Go function: each
// chunk's distinct sources are read first and their channels handed to
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

// viewsSQL is the views subquery: the site's page views of a chunk with
// their visible time. The leaves of the chunk (and a day after) are
// grouped by page view and joined once (no second read of the page
// views); a page view's visible time and scroll depth are settledDuration
// and settledScroll (settle.go). %[1]s is the page views table, %[2]s the
// leaves table, %[3]s the view filter, %[4]s the condition on visits
// (candidates), %[5]s the condition on leaves (of the candidates' page
// views).
const viewsSQL = `(
	SELECT ts, sec, visitor, visit, path, country, place, city, browser, os, device,
	       toDate(toDateTime(sec), @zone) AS day,
	       ` + settledDuration + ` AS dur,
	       ` + settledScroll + ` AS scr,
	       (%[3]s) AS vf
	FROM (SELECT ts, intDiv(ts, 4294967296) AS sec, visitor, visit, ` + pageviewKey + `, path, country,
	             if(region = '', '', concat(country, '-', region)) AS place, city, browser, os, device, duration_ms, scroll_pct
	      FROM %[1]s WHERE site = @site AND ts >= @from_key AND ts < @end_key %[4]s) AS pv
	ANY LEFT JOIN (
		SELECT ` + pageviewKey + `, groupArray(toUInt32(ts)) AS lts, groupArray(duration_ms) AS lds, groupArray(scroll_pct) AS lss FROM %[2]s
		WHERE site = @site AND ts >= toDateTime(@leaves_from) AND ts <= toDateTime(@leaves_to) %[5]s
		GROUP BY h1, h2
	) AS lv USING (h1, h2))`

// settledViewsSQL is viewsSQL for settled days (flaggedDays): their page
// views' own visible times and scroll depths, without the leaves. %[1]s is
// the page views table, %[2]s the view filter, %[3]s the condition on
// visits (candidates).
const settledViewsSQL = `(
	SELECT ts, sec, visitor, visit, path, country, place, city, browser, os, device,
	       toDate(toDateTime(sec), @zone) AS day, duration_ms AS dur, scroll_pct AS scr, (%[2]s) AS vf
	FROM (SELECT ts, intDiv(ts, 4294967296) AS sec, visitor, visit, path, country,
	             if(region = '', '', concat(country, '-', region)) AS place, city, browser, os, device, duration_ms, scroll_pct
	      FROM %[1]s WHERE site = @site AND ts >= @from_key AND ts < @end_key %[3]s))`

// visitsSQL is the visits subquery; %[1]s is the views subquery, %[2]s the
// page views table, %[3]s the channel expression, %[4]s the visit filter,
// %[5]s the condition on visits (candidates).
const visitsSQL = `(
	SELECT day, visit, entry_visitor, entry, exit, views, span, last_dur, hit,
	       src_referrer, src_source, src_medium, src_campaign, %[3]s AS channel, (%[4]s) AS pass
	FROM (SELECT day, visit, argMin(visitor, ts) AS entry_visitor, argMin(path, ts) AS entry, argMax(path, ts) AS exit,
	             count() AS views, max(sec) - min(sec) AS span, argMax(dur, ts) AS last_dur, max(vf) AS hit
	      FROM %[1]s GROUP BY day, visit) AS vd
	ANY LEFT JOIN (
		SELECT visit, ` + sourceSQL + `
		FROM %[2]s WHERE site = @site AND ts >= @look_key AND ts < @end_key %[5]s GROUP BY visit
	) AS vs USING (visit))`

// passingSQL is, for a report with visit filters, the query of the
// visit-days of a chunk that pass them and have a page view that passes
// its view filters: visitsSQL's entry and exit page, source and channel
// (and hit) of every visit-day of the chunk, without the page views'
// visible times and the joins they need. %[1]s is the page views table,
// %[2]s the view filter on its rows, %[3]s the channel expression, %[4]s
// the visit filter.
const passingSQL = `
	SELECT toUInt16(day) AS d, visit FROM (
		SELECT day, visit, hit, entry, exit, src_referrer, src_source, src_medium, src_campaign, %[3]s AS channel
		FROM (SELECT toDate(toDateTime(intDiv(ts, 4294967296)), @zone) AS day, visit,
		             argMin(path, ts) AS entry, argMax(path, ts) AS exit, max(%[2]s) AS hit
		      FROM %[1]s WHERE site = @site AND ts >= @from_key AND ts < @end_key GROUP BY day, visit) AS vd
		ANY LEFT JOIN (
			SELECT visit, ` + sourceSQL + `
			FROM %[1]s WHERE site = @site AND ts >= @look_key AND ts < @end_key GROUP BY visit
		) AS vs USING (visit))
	WHERE hit AND %[4]s`

// passingSourcesSQL is, for a report whose visit filters are all of the
// source, the query of the visits of a chunk that pass them and have a
// page view, in the chunk or the day before, with each view filter's
// value: visitsSQL's source and channel of every visit, alone.
// Placeholders as passingSQL's.
const passingSourcesSQL = `
	SELECT visit FROM (
		SELECT visit, hit, src_referrer, src_source, src_medium, src_campaign, %[3]s AS channel
		FROM (SELECT visit, ` + sourceSQL + `, max(%[2]s) AS hit
		      FROM %[1]s WHERE site = @site AND ts >= @look_key AND ts < @end_key GROUP BY visit))
	WHERE hit AND %[4]s`

// sourceSQL is a visit's source, grouped by visit: the referrer host and
// UTM source, medium and campaign of its first page view (the package doc
// above). visitsSQL, passingSQL and passingSourcesSQL read it.
const sourceSQL = `argMin(referrer_host, ts) AS src_referrer, argMin(utm_source, ts) AS src_source,
	argMin(utm_medium, ts) AS src_medium, argMin(utm_campaign, ts) AS src_campaign`

// channelSQL is the channel of a visit's source: the chunk's lookup table
// (chunk).
const channelSQL = "transform(" + sourceKeySQL + ", @source_keys, @channels, '')"

// countsSQL is the query of a chunk of days: page views per day and key
// (kind 0) and visits per day and key (kind 1; UTM rows list tagged
// visits only). %[1]s is the views subquery, %[2]s its keys array, %[3]s
// the condition on views, %[4]s the visits subquery, %[5]s its keys
// array, %[6]s the goal filter's condition on visits.
const countsSQL = viewCountsSQL + `
	UNION ALL` + visitCountsSQL

// viewCountsSQL and visitCountsSQL are countsSQL's halves.
const viewCountsSQL = `
	SELECT toUInt8(0) AS kind, day, tupleElement(kv, 1) AS k, tupleElement(kv, 2) AS value,
	       toInt64(uniqExact(visitor)) AS n1, toInt64(count()) AS n2, toInt64(countIf(dur >= 0)) AS n3,
	       toInt64(sumIf(dur, dur >= 0)) AS n4, toInt64(uniqExactIf(visitor, dur >= 0)) AS n5,
	       toInt64(countIf(scr > 0 AND k = @page_key)) AS n6, toInt64(sumIf(toUInt64(scr), scr > 0 AND k = @page_key)) AS n7,
	       toInt64(uniqExactIf(visitor, scr > 0 AND k = @page_key)) AS n8
	FROM %[1]s ARRAY JOIN %[2]s AS kv
	WHERE vf %[3]s
	GROUP BY day, k, value`

const visitCountsSQL = `
	SELECT toUInt8(1) AS kind, day, tupleElement(kv, 1) AS k, tupleElement(kv, 2) AS value,
	       toInt64(count()) AS n1, toInt64(uniqExact(entry_visitor)) AS n2, toInt64(countIf(views = 1)) AS n3,
	       toInt64(sum(span * 1000 + if(last_dur > 0, last_dur, 0))) AS n4, toInt64(0) AS n5,
	       toInt64(0) AS n6, toInt64(0) AS n7, toInt64(0) AS n8
	FROM %[4]s ARRAY JOIN %[5]s AS kv
	WHERE hit AND pass %[6]s AND NOT (has(@untagged_keys, k) AND value = '')
	GROUP BY day, k, value
`

// flaggedViewCountsSQL is viewCountsSQL's half for settled days
// (flaggedDays), of a report whose filters are all of page views: on the
// days @flag_days (toUInt16) its visitors are sums of flags over the rows
// the filters keep (the first on a path for the page rows; %[5]d and %[7]d
// for the others, the first of the visitor-day or, with a page filter, on
// its path), plus the uniqExact of visitor-days whose values changed
// within the day; on the other days, the uniqExact of them all. The
// visible times and scroll depths are the rows' own: a month with fresh
// flags has settled them. %[1]s is the page views table, %[2]s the
// filters on its rows, %[3]s the keys array; %[4]d to %[9]d are flags.
const flaggedViewCountsSQL = `
	SELECT toUInt8(0) AS kind, day, tupleElement(kv, 1) AS k, tupleElement(kv, 2) AS value,
	       toInt64(sumIf(uni, bitAnd(flags, if(k = @page_key, %[4]d, %[5]d)) != 0) + uniqExactIf(visitor, uni = 0)) AS n1,
	       toInt64(count()) AS n2, toInt64(countIf(dur >= 0)) AS n3, toInt64(sumIf(dur, dur >= 0)) AS n4,
	       toInt64(sumIf(uni, bitAnd(flags, if(k = @page_key, %[6]d, %[7]d)) != 0) + uniqExactIf(visitor, uni = 0 AND dur >= 0)) AS n5,
	       toInt64(countIf(scr > 0 AND k = @page_key)) AS n6, toInt64(sumIf(toUInt64(scr), scr > 0 AND k = @page_key)) AS n7,
	       toInt64(sumIf(uni, bitAnd(flags, %[8]d) != 0 AND k = @page_key) + uniqExactIf(visitor, uni = 0 AND scr > 0 AND k = @page_key)) AS n8
	FROM (SELECT visitor, duration_ms AS dur, scroll_pct AS scr, flags, toUInt8(bitAnd(flags, %[9]d) != 0 AND has(@flag_days, toUInt16(day))) AS uni,
	             path, country, if(region = '', '', concat(country, '-', region)) AS place, city, browser, os, device,
	             toDate(toDateTime(intDiv(ts, 4294967296)), @zone) AS day
	      FROM %[1]s WHERE site = @site AND ts >= @from_key AND ts < @end_key AND %[2]s) AS fv
	ARRAY JOIN %[3]s AS kv
	GROUP BY day, k, value`

// otherSQL is the row of kind 2: realtime visitors and the bot hits of
// both periods. %[1]s is the page views table, %[2]s the bot hits table.
const otherSQL = `
	SELECT toUInt8(2) AS kind, toDate(0) AS day, toInt32(0) AS k, '' AS value,
	       (SELECT toInt64(uniqExact(visitor)) FROM %[1]s WHERE site = @site AND ts >= @now_from AND ts < @now_to) AS n1,
	       (SELECT toInt64(countIf(ts >= toDateTime(@cur_from))) FROM %[2]s WHERE site = @site AND ts >= toDateTime(@bots_from) AND ts < toDateTime(@end)) AS n2,
	       (SELECT toInt64(countIf(ts < toDateTime(@cur_from))) FROM %[2]s WHERE site = @site AND ts >= toDateTime(@bots_from) AND ts < toDateTime(@end)) AS n3,
	       toInt64(0) AS n4, toInt64(0) AS n5, toInt64(0) AS n6, toInt64(0) AS n7, toInt64(0) AS n8`

// Report computes the report of q on the server.
func (s *Store) Report(ctx context.Context, q analytics.Query) (*analytics.Report, error) {
	q, err := q.Normalize()
	if err != nil {
		return nil, err
	}
	now := s.now()
	cur, prev, err := aggregate.NewPeriods(ctx, s, q)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	// The rolled-up days are read once: for the page-view numbers of an
	// unfiltered report, the visitors of its goal filter's conversion
	// rates, and its event parts.
	var rolled []rolledDay
	if len(q.Filters) == 0 {
		if rolled, err = s.rolledDays(ctx, q.Site, q.Zone, prev.Query.From.In(q.Zone), q.End()); err != nil {
			return nil, fmt.Errorf("report %s: %w", q.Site, err)
		}
	}
	unlessGoal := rolled
	if q.Goal != "" {
		unlessGoal = nil
	}
	realtime, err := s.periods(ctx, cur, prev, now, unlessGoal)
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
	visitors, err := aggregate.RateVisitors(q, r, func(p *aggregate.Period) error {
		// A "previous" period that starts where the current one does.
		_, err := s.periods(ctx, p, aggregate.NewPeriod(p.Query, false), now, rolled)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	if err := aggregate.Events(ctx, rolledEvents{s, rolled}, q, visitors, r); err != nil {
		return nil, fmt.Errorf("report %s: %w", q.Site, err)
	}
	if len(q.Filters) == 0 {
		consent, err := s.consentTotals(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("report %s: %w", q.Site, err)
		}
		analytics.SetConsent(r, consent)
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

// countRow is a row of countsSQL or otherSQL.
type countRow struct {
	kind  uint8
	day   time.Time
	k     int32
	value string
	n     [8]int64
}

// counter builds the counting queries of one report query (countsSQL):
// its filters, the keys rows count in, and the arguments every chunk
// shares.
type counter struct {
	s                   *Store
	q                   analytics.Query
	conv                *aggregate.Conversions // the goal filter's visit-days; nil without one
	args                []any
	now                 time.Time
	views               string
	viewsSettled        string // views without the leaves' condition (chunk)
	visitFilter         []string
	candidates          string // the condition on a filtered report's visits; "" unfiltered
	candidatesSQL       string // the query of their ids (chunk)
	passingDays         bool   // candidatesSQL is passingSQL: visit-days
	viewKeys, visitKeys string
	flaggedViews        string             // flaggedViewCountsSQL for the report; "" when it cannot count it
	flagDays            map[time.Time]bool // flaggedDays, read by chunk
	viewsFlagged        string             // settledViewsSQL, the views of its visits on settled days
}

// newCounter prepares the counting of q's days from from (the previous
// period's first day, or q.From) to q.End(): days before q.From count in
// their totals only. hours adds a row per hour of the day.
func (s *Store) newCounter(q analytics.Query, conv *aggregate.Conversions, from, now time.Time, hours bool) *counter {
	curFrom, end := q.From, q.End()
	c := &counter{s: s, q: q, conv: conv, now: now, args: []any{
		clickhouse.Named("site", q.Site),
		clickhouse.Named("zone", q.Zone.String()),
		clickhouse.Named("cur_day", curFrom.Format(time.DateOnly)),
		clickhouse.Named("cur_from", curFrom.Unix()),
		clickhouse.Named("bots_from", from.Unix()),
		clickhouse.Named("end", end.Unix()),
		clickhouse.Named("now_from", secKey(now.Add(-analytics.Realtime).Unix()+1)),
		clickhouse.Named("now_to", secKey(now.Unix()+1)),
	}}
	var viewFilter []string
	for i, f := range q.Filters {
		name := "f" + strconv.Itoa(i)
		c.args = append(c.args, clickhouse.Named(name, f.Value))
		if col, ok := viewColumn[f.Dim]; ok {
			viewFilter = append(viewFilter, col+" = @"+name)
		} else {
			c.visitFilter = append(c.visitFilter, visitColumn[f.Dim]+" = @"+name)
		}
	}
	var untagged []int32
	for i, d := range analytics.Dimensions {
		if d == analytics.DimUTMSource || d == analytics.DimUTMMedium || d == analytics.DimUTMCampaign {
			untagged = append(untagged, int32(i))
		}
	}
	c.args = append(c.args, clickhouse.Named("untagged_keys", untagged),
		clickhouse.Named("page_key", int32(slices.Index(analytics.Dimensions, analytics.DimPage))))

	// The keys each row counts in: a day of the previous period only in
	// its totals.
	total := "(toInt32(-1), '')"
	viewKeys, visitKeys := []string{total}, []string{total}
	for i, d := range analytics.Dimensions {
		if col, ok := viewColumn[d]; ok {
			viewKeys = append(viewKeys, fmt.Sprintf("(toInt32(%d), %s)", i, col))
		} else {
			visitKeys = append(visitKeys, fmt.Sprintf("(toInt32(%d), %s)", i, visitColumn[d]))
		}
	}
	if hours {
		viewKeys = append(viewKeys, "(toInt32(-2), toString(toUnixTimestamp(toStartOfHour(toDateTime(sec), @zone))))")
	}
	keys := func(full []string) string {
		return "if(day >= toDate(@cur_day), [" + strings.Join(full, ", ") + "], [" + total + "])"
	}
	c.viewKeys, c.visitKeys = keys(viewKeys), keys(visitKeys)
	// A filtered report counts only its candidate visits, read first so
	// that the joins and the visits' grouping see a fraction of the rows:
	// with an entry or exit page filter, the visit-days that pass the
	// visit filters (passingSQL); with source filters only, the visits
	// that pass them (passingSourcesSQL); else the visits that have, in
	// the chunk or the day before it, a page view with each view filter's
	// value (a superset of those the view filters pass; so is the hit of
	// passingSourcesSQL). They are read once per chunk and go back with
	// its query as tables (chunk): as a subquery, each of the query's
	// several uses of them would compute them again.
	leaves := ""
	if len(q.Filters) > 0 {
		in := "IN"
		if s.cfg.Cluster != "" {
			in = "GLOBAL IN" // both sides are Distributed tables
		}
		var have, rawView []string
		for i, f := range q.Filters {
			if !f.Dim.VisitLevel() {
				rawView = append(rawView, fmt.Sprintf("%s = @f%d", rawColumn(f.Dim), i))
				have = append(have, fmt.Sprintf("max(%s = @f%d) = 1", rawColumn(f.Dim), i))
			}
		}
		byDay := slices.ContainsFunc(q.Filters, func(f analytics.Filter) bool {
			return f.Dim == analytics.DimEntryPage || f.Dim == analytics.DimExitPage
		})
		switch {
		case byDay:
			c.candidatesSQL = fmt.Sprintf(passingSQL, s.pageviews, and(rawView), channelSQL, and(c.visitFilter))
			c.passingDays = true
		case len(c.visitFilter) > 0:
			// A source is the whole visit's: the visits that pass.
			c.candidatesSQL = fmt.Sprintf(passingSourcesSQL, s.pageviews, and(rawView), channelSQL, and(c.visitFilter))
		default:
			// Only rows with one of the values can make a visit one: the
			// others are left out before grouping.
			c.candidatesSQL = "SELECT visit FROM " + s.pageviews +
				" WHERE site = @site AND ts >= @look_key AND ts < @end_key AND (" + strings.Join(rawView, " OR ") + ")" +
				" GROUP BY visit HAVING " + strings.Join(have, " AND ")
		}
		c.candidates = "AND visit " + in + " " + candidatesTable
		if len(rawView) == len(q.Filters) && q.Goal == "" && !hours {
			first, timed := flagFirst, flagFirstTimed
			if slices.ContainsFunc(q.Filters, func(f analytics.Filter) bool { return f.Dim == analytics.DimPage }) {
				first, timed = flagFirstOnPath, flagFirstTimedOnPath
			}
			c.flaggedViews = fmt.Sprintf(flaggedViewCountsSQL, s.pageviews, and(rawView), c.viewKeys,
				flagFirstOnPath, first, flagFirstTimedOnPath, timed, flagFirstScrolledOnPath, flagUniform)
		}
		leaves = "AND pageview_id " + in + " (SELECT pageview_id FROM " + s.pageviews +
			" WHERE site = @site AND ts >= @from_key AND ts < @end_key " + c.candidates + ")"
	}
	c.views = fmt.Sprintf(viewsSQL, s.pageviews, s.leaves, and(viewFilter), c.candidates, leaves)
	c.viewsSettled = fmt.Sprintf(viewsSQL, s.pageviews, s.leaves, and(viewFilter), c.candidates, "")
	c.viewsFlagged = fmt.Sprintf(settledViewsSQL, s.pageviews, and(viewFilter), c.candidates)
	return c
}

// settledBy reports whether the leaves up to leavesTo are all in months
// that have settled by now, if the maintenance runs (settle.go): then few
// are left, and joining them all is cheaper than first picking those of a
// filtered report's candidate visits (2.9 of 12.7 s of a year's page=
// report on the benchmark data set). Either way counts the same.
func settledBy(leavesTo, now time.Time) bool {
	t := leavesTo.UTC()
	monthEnd := time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	return !monthEnd.Add(settleAfter).After(now)
}

// rawColumn is the expression of a dimension's value on a row of the page
// views table; not of DimChannel.
func rawColumn(d analytics.Dimension) string {
	switch d {
	case analytics.DimRegion:
		return "if(region = '', '', concat(country, '-', region))"
	case analytics.DimEntryPage, analytics.DimExitPage:
		return "path"
	case analytics.DimReferrer:
		return "referrer_host"
	case analytics.DimUTMSource:
		return "utm_source"
	case analytics.DimUTMMedium:
		return "utm_medium"
	case analytics.DimUTMCampaign:
		return "utm_campaign"
	}
	return viewColumn[d]
}

// chunk returns the query that counts the days of [a, b), zone midnights
// (their page views, the leaves of a day more, and sources looking back a
// day), the context to run it with and its arguments; "" when there is
// nothing to count. flagged says the days' page views have settled
// (flaggedDays, c.flagDays).
func (c *counter) chunk(ctx context.Context, a, b time.Time, flagged bool) (context.Context, string, []any, error) {
	look := a.AddDate(0, 0, -1)
	channels, err := c.s.channels(ctx, c.q.Site, look, b)
	if err != nil || len(channels.keys) == 0 {
		return ctx, "", nil, err // no page views: nothing to count
	}
	args := append(slices.Clip(c.args),
		clickhouse.Named("from_key", secKey(a.Unix())),
		clickhouse.Named("end_key", secKey(b.Unix())),
		clickhouse.Named("look_key", secKey(look.Unix())),
		clickhouse.Named("leaves_from", a.Unix()),
		clickhouse.Named("leaves_to", b.Unix()+86400),
		clickhouse.Named("source_keys", channels.keys), clickhouse.Named("channels", channels.channels))
	if flagged && c.flagDays != nil {
		var days []uint16
		for day := a; day.Before(b); day = day.AddDate(0, 0, 1) {
			if c.flagDays[day] {
				days = append(days, uint16(civilDay(day)))
			}
		}
		if len(days) == 0 {
			flagged = false // no flags of the report's zone: counted as before
		} else {
			args = append(args, clickhouse.Named("flag_days", days))
		}
	}
	var tables []*ext.Table
	inVisits, converted := "", ""
	if c.candidatesSQL != "" {
		candidates, passing, err := c.s.candidateVisits(ctx, c.candidatesSQL, c.passingDays, args)
		if err != nil || candidates == nil {
			return ctx, "", nil, err // no visit can pass: nothing to count
		}
		tables = append(tables, candidates)
		if passing != nil {
			tables = append(tables, passing)
			inVisits = "AND (toUInt16(day), visit) IN " + passingTable
		}
	}

	views := c.views
	if settledBy(b.Add(24*time.Hour), c.now) {
		views = c.viewsSettled
	}
	if c.q.Goal != "" {
		// The goal filter's visit-days (aggregate.Converted) go to the
		// server with the query, as a table of its own.
		t, err := ext.NewTable("goal_visits", ext.Column("d", "UInt16"), ext.Column("visit", "UInt64"))
		if err != nil {
			return ctx, "", nil, err
		}
		n := 0
		c.conv.Each(a, b, func(day time.Time, visit uint64) {
			if err == nil {
				err = t.Append(uint16(civilDay(day.In(c.q.Zone))), visit)
				n++
			}
		})
		if err != nil {
			return ctx, "", nil, fmt.Errorf("goal filter: %w", err)
		}
		if n == 0 {
			return ctx, "", nil, nil // no visit converted: nothing to count
		}
		tables = append(tables, t)
		converted = "AND (toUInt16(day), visit) IN goal_visits"
		inVisits += " " + converted
	}
	if len(tables) > 0 {
		ctx = clickhouse.Context(ctx, clickhouse.WithExternalTable(tables...))
	}
	return ctx, c.countsQuery(views, inVisits, converted, flagged), args, nil
}

// countsQuery is a chunk's counting query (countsSQL) over views (c.views
// or c.viewsSettled); inVisits and converted are its conditions on visits
// (chunk). flagged counts the page views by c.flaggedViews, if it can.
func (c *counter) countsQuery(views, inVisits, converted string, flagged bool) string {
	if flagged && c.flaggedViews != "" && c.flagDays != nil {
		visits := fmt.Sprintf(visitsSQL, c.viewsFlagged, c.s.pageviews, channelSQL, and(c.visitFilter), c.candidates)
		// visitCountsSQL's placeholders are countsSQL's, 4 to 6.
		return fmt.Sprintf("%[1]s\n\tUNION ALL"+visitCountsSQL, c.flaggedViews, "", "", visits, c.visitKeys, converted)
	}
	visits := fmt.Sprintf(visitsSQL, views, c.s.pageviews, channelSQL, and(c.visitFilter), c.candidates)
	return fmt.Sprintf(countsSQL, views, c.viewKeys, inVisits, visits, c.visitKeys, converted)
}

// candidatesTable and passingTable are the names of a chunk's candidate
// visits and, with visit filters, of the visit-days that pass them
// (newCounter) in its query.
const (
	candidatesTable = "candidate_visits"
	passingTable    = "passing_visits"
)

// candidateVisits runs query, which returns a chunk's candidate visits'
// ids (or, when days, the day numbers and ids of the visit-days that
// pass), and returns them as the external table candidatesTable (and
// passingTable); nil tables when there are none.
func (s *Store) candidateVisits(ctx context.Context, query string, days bool, args []any) (candidates, passing *ext.Table, err error) {
	if candidates, err = ext.NewTable(candidatesTable, ext.Column("visit", "UInt64")); err != nil {
		return nil, nil, err
	}
	if days {
		if passing, err = ext.NewTable(passingTable, ext.Column("d", "UInt16"), ext.Column("visit", "UInt64")); err != nil {
			return nil, nil, err
		}
	}
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("candidate visits: %w", err)
	}
	defer rows.Close()
	seen := map[uint64]bool{}
	for rows.Next() {
		var day uint16
		var visit uint64
		if days {
			err = rows.Scan(&day, &visit)
		} else {
			err = rows.Scan(&visit)
		}
		if err == nil && days {
			err = passing.Append(day, visit)
		}
		if err == nil && !seen[visit] {
			seen[visit] = true
			err = candidates.Append(visit)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("candidate visits: %w", err)
		}
	}
	if err := rows.Err(); err != nil || len(seen) == 0 {
		return nil, nil, err
	}
	return candidates, passing, nil
}

// count runs one query of countsSQL's, otherSQL's or rollupsSQL's columns
// and returns its rows.
func (s *Store) count(ctx context.Context, query string, args []any) ([]countRow, error) {
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []countRow
	for rows.Next() {
		var r countRow
		if err := rows.Scan(&r.kind, &r.day, &r.k, &r.value, &r.n[0], &r.n[1], &r.n[2], &r.n[3], &r.n[4], &r.n[5], &r.n[6], &r.n[7]); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// periods adds every day of cur's query (totals, hours and breakdown
// rows) and of prev's (totals), which is the period just before, to them,
// counting both in the same queries: every number is of one day, and the
// days do not overlap. The days of rolled (rolledDays; nil for a filtered
// query) within them are read from the rollups (rollup.go); the others are
// counted from the raw rows.
//
// It returns the number of realtime visitors at now.
func (s *Store) periods(ctx context.Context, cur, prev *aggregate.Period, now time.Time, rolled []rolledDay) (int64, error) {
	q := cur.Query
	from, curFrom, end := prev.Query.From.In(q.Zone), q.From, q.End()
	c := s.newCounter(q, cur.Conversions, from, now, q.Interval == analytics.Hour)
	rolled = within(rolled, from, end)
	spans := unrolled(from, end, rolled)
	var flaggedSpans [][2]time.Time
	if c.flaggedViews != "" {
		flagged, err := s.flaggedDays(ctx, q.Site, q.Zone, from, end)
		if err != nil {
			return 0, fmt.Errorf("count: %w", err)
		}
		spans, flaggedSpans = splitSpans(spans, flagged)
		c.flagDays = flagged
	}
	chunks, err := s.chunks(ctx, spans)
	if err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	flaggedChunks, err := s.chunks(ctx, flaggedSpans)
	if err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		results [][]countRow
		errs    []error
		wg      sync.WaitGroup
		sem     = make(chan struct{}, chunkQueries)
	)
	run := func(f func(context.Context) ([]countRow, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			rows, err := f(ctx)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				cancel()
				return
			}
			results = append(results, rows)
		}()
	}
	run(func(ctx context.Context) ([]countRow, error) {
		return s.count(ctx, fmt.Sprintf(otherSQL, s.pageviews, s.bots), c.args)
	})
	if len(rolled) > 0 {
		run(func(ctx context.Context) ([]countRow, error) {
			return s.readRollups(ctx, c, rolled)
		})
	}
	for i, span := range slices.Concat(chunks, flaggedChunks) {
		run(func(ctx context.Context) ([]countRow, error) {
			ctx, query, args, err := c.chunk(ctx, span[0], span[1], i >= len(chunks))
			if err != nil || query == "" {
				return nil, err
			}
			return s.count(ctx, query, args)
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return 0, fmt.Errorf("count: %w", errs[0])
	}

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
	var realtime int64
	for _, rows := range results {
		for _, r := range rows {
			n1, n2, n3, n4, n5 := r.n[0], r.n[1], r.n[2], r.n[3], r.n[4]
			switch {
			case r.kind == 2:
				realtime = n1
				cur.AddBots(n2)
				prev.AddBots(n3)
			case r.kind == 0 && r.k == keyTotal:
				c := dayTotals(r.day)
				c.Visitors, c.PageViews, c.TimedViews, c.TimeMs, c.TimedVisitors = n1, n2, n3, n4, n5
			case r.kind == 0 && r.k == keyHour:
				start, err := strconv.ParseInt(r.value, 10, 64)
				if err != nil {
					return 0, fmt.Errorf("count: hour %q: %w", r.value, err)
				}
				cur.AddHour(aggregate.Hour{Start: start, Visitors: n1, PageViews: n2})
			case r.kind == 0:
				cur.Rows.Row(int(r.k), r.value).Add(aggregate.RowCounts{Visitors: n1, PageViews: n2, TimedViews: n3, TimeMs: n4, TimedVisitors: n5,
					ScrolledViews: r.n[5], ScrollSum: r.n[6], ScrolledVisitors: r.n[7]})
			case r.k == keyTotal:
				c := dayTotals(r.day)
				c.Visits, c.Bounces, c.VisitMs = n1, n3, n4
			default:
				cur.Rows.Row(int(r.k), r.value).Add(aggregate.RowCounts{Visits: n1, Visitors: n2})
			}
		}
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

// splitSpans splits spans of days (zone midnights) into those of days
// flagged lacks and those of days it has.
func splitSpans(spans [][2]time.Time, flagged map[time.Time]bool) (other, in [][2]time.Time) {
	add := func(out [][2]time.Time, day, next time.Time) [][2]time.Time {
		if n := len(out); n > 0 && out[n-1][1].Equal(day) {
			out[n-1][1] = next
			return out
		}
		return append(out, [2]time.Time{day, next})
	}
	for _, span := range spans {
		for day := span[0]; day.Before(span[1]); day = day.AddDate(0, 0, 1) {
			next := day.AddDate(0, 0, 1)
			if _, ok := flagged[day]; ok {
				in = add(in, day, next)
			} else {
				other = add(other, day, next)
			}
		}
	}
	return other, in
}

// civilDay is the number of t's date (in its location) counted from
// 1970-01-01, as ClickHouse's Date holds it.
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
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
