package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/seloste/seloste/analytics"
)

// A visitor's own records, for the self-service page (analytics.VisitorStore).
//
// DeleteVisitor is a deliberate, documented exception to the rule that raw
// tables are append-only: the data subject's right to erasure (GDPR Art.
// 17) outranks it. It keeps the rollups honest too: a deleted row must not
// live on in an aggregate, nor make the next refresh miss new rows.

var _ analytics.VisitorStore = (*Store)(nil)

// utcDay is the [start, end) of the UTC day that contains t, in unix seconds.
func utcDay(t time.Time) (int64, int64) {
	start := t.UTC().Truncate(24 * time.Hour)
	return start.Unix(), start.Add(24 * time.Hour).Unix()
}

// VisitorPageViews returns the site's page views of visitor on the UTC day
// of day, oldest first, with their visible durations and scroll depths.
func (s *Store) VisitorPageViews(ctx context.Context, site string, visitor uint64, day time.Time) ([]analytics.VisitorPageView, error) {
	from, to := utcDay(day)
	rows, err := s.db.QueryContext(ctx, `
		SELECT p.ts, sites.site, p.visitor, p.visit, p.pageview_id, paths.path,
		       campaigns.utm_source, campaigns.utm_medium, campaigns.utm_campaign, campaigns.utm_term, campaigns.utm_content,
		       referrers.referrer_host, places.country, places.region, places.city,
		       agents.browser, agents.browser_version, agents.os, agents.device,
		       MAX(IFNULL(p.duration_ms, -1), IFNULL((SELECT MAX(l.duration_ms) FROM leaves l WHERE l.site = sites.site AND l.pageview_id = p.pageview_id
		           AND l.ts >= p.ts AND l.ts <= p.ts + 86400), -1)),
		       MAX(p.scroll_pct, IFNULL((SELECT MAX(l.scroll_pct) FROM leaves l WHERE l.site = sites.site AND l.pageview_id = p.pageview_id
		           AND l.ts >= p.ts AND l.ts <= p.ts + 86400), 0))
		FROM pageviews p`+joins+`
		WHERE `+siteIs("p.site_id", "?")+` AND p.ts >= ? AND p.ts < ? AND p.visitor = ?
		ORDER BY p.ts, p.rowid`, site, from, to, int64(visitor))
	if err != nil {
		return nil, fmt.Errorf("visitor page views: %w", err)
	}
	defer rows.Close()
	var out []analytics.VisitorPageView
	for rows.Next() {
		var (
			v              analytics.VisitorPageView
			ts, vis, visit int64
			duration       sql.NullInt64
			p              = &v.PageView
		)
		if err := rows.Scan(&ts, &p.Site, &vis, &visit, &p.ID, &p.Path,
			&p.UTMSource, &p.UTMMedium, &p.UTMCampaign, &p.UTMTerm, &p.UTMContent, &p.ReferrerHost,
			&p.Country, &p.Region, &p.City, &p.Browser, &p.BrowserVersion, &p.OS, &p.Device, &duration, &v.Scroll); err != nil {
			return nil, fmt.Errorf("visitor page views: %w", err)
		}
		p.Time = time.Unix(ts, 0).UTC()
		p.Visitor, p.Visit = uint64(vis), uint64(visit)
		if duration.Valid && duration.Int64 >= 0 {
			v.Duration, v.Timed = time.Duration(duration.Int64)*time.Millisecond, true
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("visitor page views: %w", err)
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	byID := map[string]int{}
	for i := range out {
		byID[out[i].ID] = i
	}
	evs, err := s.db.QueryContext(ctx, `
		SELECT e.ts, e.visitor, e.visit, e.pageview_id, e.name, e.props FROM events e
		WHERE e.site = ?1 AND e.pageview_id IN (
			SELECT pageview_id FROM pageviews WHERE `+siteIs("site_id", "?1")+` AND ts >= ?2 AND ts < ?3 AND visitor = ?4)
		ORDER BY e.ts, e.rowid`, site, from, to, int64(visitor))
	if err != nil {
		return nil, fmt.Errorf("visitor events: %w", err)
	}
	defer evs.Close()
	for evs.Next() {
		var (
			e              analytics.Event
			ts, vis, visit int64
			props          string
		)
		if err := evs.Scan(&ts, &vis, &visit, &e.PageView, &e.Name, &props); err != nil {
			return nil, fmt.Errorf("visitor events: %w", err)
		}
		if e.Props, err = analytics.DecodeProps(props); err != nil {
			return nil, fmt.Errorf("visitor events: %w", err)
		}
		e.Time, e.Site, e.Visitor, e.Visit = time.Unix(ts, 0).UTC(), site, uint64(vis), uint64(visit)
		if i, ok := byID[e.PageView]; ok {
			out[i].Events = append(out[i].Events, e)
		}
	}
	if err := evs.Err(); err != nil {
		return nil, fmt.Errorf("visitor events: %w", err)
	}
	return out, nil
}

// DeleteVisitor deletes the site's page views of visitor on the UTC day of
// day, and every leave record of those page views, in one transaction.
//
// Rollups: a zone whose rolled-up days include a deleted row's day loses
// its rollup state, so the next refresh rebuilds it from the raw rows that
// remain. Other zones keep their rollups, with their rowid marks lowered
// to what is left, so that new rows reusing a deleted rowid are still seen
// as new.
func (s *Store) DeleteVisitor(ctx context.Context, site string, visitor uint64, day time.Time) (analytics.Erased, error) {
	var n analytics.Erased
	from, to := utcDay(day)
	// No rollup refresh may run between the delete and the state change.
	s.rollupMu.Lock()
	defer s.rollupMu.Unlock()
	s.rollupGen++
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return n, fmt.Errorf("delete visitor: %w", err)
	}
	defer tx.Rollback()

	// Their events and leave records first: found through the page views.
	re, err := tx.ExecContext(ctx, `
		DELETE FROM events WHERE site = ?1 AND pageview_id IN (
			SELECT pageview_id FROM pageviews WHERE `+siteIs("site_id", "?1")+` AND ts >= ?2 AND ts < ?3 AND visitor = ?4)`,
		site, from, to, int64(visitor))
	if err != nil {
		return n, fmt.Errorf("delete visitor: events: %w", err)
	}
	r, err := tx.ExecContext(ctx, `
		DELETE FROM leaves WHERE site = ?1 AND pageview_id IN (
			SELECT pageview_id FROM pageviews WHERE `+siteIs("site_id", "?1")+` AND ts >= ?2 AND ts < ?3 AND visitor = ?4)`,
		site, from, to, int64(visitor))
	if err != nil {
		return n, fmt.Errorf("delete visitor: leaves: %w", err)
	}
	// The page views' times say which days' rollups count them (and their
	// leaves' durations); the values only they used go with them.
	times, values, err := deletePageViews(ctx, tx, `WHERE `+siteIs("site_id", "?")+` AND ts >= ? AND ts < ? AND visitor = ?`,
		site, from, to, int64(visitor))
	if err != nil {
		return n, fmt.Errorf("delete visitor: page views: %w", err)
	}
	if len(times) == 0 {
		return n, nil // nothing stored (and so no leaves): the transaction rolls back
	}
	n.Leaves, _ = r.RowsAffected()
	n.Events, _ = re.RowsAffected()
	n.PageViews = int64(len(times))
	if _, err := collectDictionaries(ctx, tx, values); err != nil {
		return n, fmt.Errorf("delete visitor: %w", err)
	}

	if err := forgetInRollups(ctx, tx, times); err != nil {
		return analytics.Erased{}, fmt.Errorf("delete visitor: rollups: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return analytics.Erased{}, fmt.Errorf("delete visitor: commit: %w", err)
	}
	s.forgetLive(site)
	if err := s.scrubLog(ctx); err != nil {
		return n, fmt.Errorf("delete visitor: %w", err)
	}
	return n, nil
}

// forgetInRollups updates the rollup state after raw rows at times were
// deleted: see DeleteVisitor.
func forgetInRollups(ctx context.Context, tx *sql.Tx, times []int64) error {
	type state struct{ zone, through string }
	rows, err := tx.QueryContext(ctx, `SELECT zone, through_day FROM rollup_state`)
	if err != nil {
		return err
	}
	var states []state
	for rows.Next() {
		var st state
		if err := rows.Scan(&st.zone, &st.through); err != nil {
			rows.Close()
			return err
		}
		states = append(states, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	tables, err := rollupTables(ctx, tx)
	if err != nil {
		return err
	}
	for _, st := range states {
		rebuild := true // a zone this binary cannot load: rebuild to be safe
		if zone, err := time.LoadLocation(st.zone); err == nil {
			rebuild = false
			for _, ts := range times {
				if time.Unix(ts, 0).In(zone).Format(time.DateOnly) <= st.through {
					rebuild = true
				}
			}
		}
		if rebuild {
			// Drop the zone's rollups now, not at the next refresh: no
			// aggregate of the erased rows is left behind meanwhile.
			for _, table := range append(tables, "rollup_state") {
				if _, err := tx.ExecContext(ctx, `DELETE FROM "`+table+`" WHERE zone = ?`, st.zone); err != nil {
					return err
				}
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE rollup_state SET
				pageviews_max = MIN(pageviews_max, (SELECT IFNULL(MAX(rowid), 0) FROM pageviews)),
				leaves_max    = MIN(leaves_max,    (SELECT IFNULL(MAX(rowid), 0) FROM leaves))
			WHERE zone = ?`, st.zone); err != nil {
			return err
		}
	}
	return nil
}

// rollupTables lists the derived per-zone tables (rollup_*, with a zone
// column) other than rollup_state, whatever migrations added them.
func rollupTables(ctx context.Context, tx *sql.Tx) ([]string, error) {
	return queryStrings(ctx, tx, `
		SELECT m.name FROM sqlite_schema m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name LIKE 'rollup\_%' ESCAPE '\' AND m.name != 'rollup_state' AND c.name = 'zone'
		ORDER BY m.name`)
}
