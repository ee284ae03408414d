package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

var _ analytics.EventScanner = (*Store)(nil)

// ScanEvents calls fn with the site's events in [from, end).
func (s *Store) ScanEvents(ctx context.Context, site string, from, end time.Time, fn func(analytics.Event) error) error {
	rows, err := s.db.QueryContext(ctx, `
		SELECT ts, visitor, visit, pageview_id, name, props FROM events
		WHERE site = ? AND ts >= ? AND ts < ? ORDER BY ts, rowid`, site, from.Unix(), end.Unix())
	if err != nil {
		return fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e              = analytics.Event{Site: site}
			ts, vis, visit int64
			props          string
		)
		if err := rows.Scan(&ts, &vis, &visit, &e.PageView, &e.Name, &props); err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		if e.Props, err = analytics.DecodeProps(props); err != nil {
			return fmt.Errorf("read events: %w", err)
		}
		e.Time, e.Visitor, e.Visit = time.Unix(ts, 0).UTC(), uint64(vis), uint64(visit)
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ScanPages calls fn with the site's page views in [from, end) whose path
// match accepts, asking match once per stored path. The rows are read
// without joins, their path, sources, place and agent resolved from the
// dictionaries read once per call: a report's today holds tens of
// thousands of page views, and six joins a row cost more than the rest.
func (s *Store) ScanPages(ctx context.Context, site string, from, end time.Time, match func(string) bool, fn func(analytics.PageView) error) error {
	paths := map[int64]string{}
	var ids []string
	all := true
	err := scanRows(ctx, s.db, `SELECT id, path FROM paths`, func(rows *sql.Rows) error {
		var (
			id   int64
			path string
		)
		if err := rows.Scan(&id, &path); err != nil {
			return err
		}
		if match(path) {
			paths[id] = path
			ids = append(ids, strconv.FormatInt(id, 10))
		} else {
			all = false
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read paths: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	type place struct{ country, region, city string }
	places := map[int64]place{}
	err = scanRows(ctx, s.db, `SELECT id, country, region, city FROM places`, func(rows *sql.Rows) error {
		var (
			id int64
			p  place
		)
		err := rows.Scan(&id, &p.country, &p.region, &p.city)
		places[id] = p
		return err
	})
	if err != nil {
		return fmt.Errorf("read places: %w", err)
	}
	type agent struct{ browser, os, device string }
	agents := map[int64]agent{}
	err = scanRows(ctx, s.db, `SELECT id, browser, os, device FROM agents`, func(rows *sql.Rows) error {
		var (
			id int64
			a  agent
		)
		err := rows.Scan(&id, &a.browser, &a.os, &a.device)
		agents[id] = a
		return err
	})
	if err != nil {
		return fmt.Errorf("read agents: %w", err)
	}
	referrers := map[int64]string{}
	err = scanRows(ctx, s.db, `SELECT id, referrer_host FROM referrers`, func(rows *sql.Rows) error {
		var (
			id  int64
			ref string
		)
		err := rows.Scan(&id, &ref)
		referrers[id] = ref
		return err
	})
	if err != nil {
		return fmt.Errorf("read referrers: %w", err)
	}
	type campaign struct{ source, medium, name, term, content string }
	campaigns := map[int64]campaign{}
	err = scanRows(ctx, s.db, `SELECT id, utm_source, utm_medium, utm_campaign, utm_term, utm_content FROM campaigns`, func(rows *sql.Rows) error {
		var (
			id int64
			c  campaign
		)
		err := rows.Scan(&id, &c.source, &c.medium, &c.name, &c.term, &c.content)
		campaigns[id] = c
		return err
	})
	if err != nil {
		return fmt.Errorf("read campaigns: %w", err)
	}
	only := ""
	if !all {
		// Integers from the database itself: safe to put in the text.
		only = " AND path_id IN (" + strings.Join(ids, ",") + ")"
	}
	err = scanRows(ctx, s.db, `
		SELECT ts, visitor, visit, pageview_id, path_id, place_id, agent_id, referrer_id, campaign_id FROM pageviews
		WHERE `+siteIs("site_id", "?")+` AND ts >= ? AND ts < ?`+only+`
		ORDER BY ts, rowid`, func(rows *sql.Rows) error {
		var (
			p                                          = analytics.PageView{Site: site}
			ts, v, vis, pathID, placeID, agt, ref, cmp int64
		)
		if err := rows.Scan(&ts, &v, &vis, &p.ID, &pathID, &placeID, &agt, &ref, &cmp); err != nil {
			return err
		}
		c := campaigns[cmp]
		p.ReferrerHost, p.UTMSource, p.UTMMedium, p.UTMCampaign, p.UTMTerm, p.UTMContent = referrers[ref], c.source, c.medium, c.name, c.term, c.content
		pl, ag := places[placeID], agents[agt]
		p.Time, p.Visitor, p.Visit, p.Path = time.Unix(ts, 0).UTC(), uint64(v), uint64(vis), paths[pathID]
		p.Country, p.Region, p.City = pl.country, pl.region, pl.city
		p.Browser, p.OS, p.Device = ag.browser, ag.os, ag.device
		return fn(p)
	}, site, from.Unix(), end.Unix())
	if err != nil {
		return fmt.Errorf("read page views: %w", err)
	}
	return nil
}

// scanRows calls fn for each row of query; an error of fn ends the scan
// and is returned as it is.
func scanRows(ctx context.Context, db *sql.DB, query string, fn func(*sql.Rows) error, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
