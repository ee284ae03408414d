package sqlite

import (
	"context"
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
// match accepts, asking match once per stored path.
func (s *Store) ScanPages(ctx context.Context, site string, from, end time.Time, match func(string) bool, fn func(analytics.PageView) error) error {
	paths, err := s.db.QueryContext(ctx, `SELECT id, path FROM paths`)
	if err != nil {
		return fmt.Errorf("read paths: %w", err)
	}
	var ids []string
	all := true
	for paths.Next() {
		var (
			id   int64
			path string
		)
		if err := paths.Scan(&id, &path); err != nil {
			paths.Close()
			return fmt.Errorf("read paths: %w", err)
		}
		if match(path) {
			ids = append(ids, strconv.FormatInt(id, 10))
		} else {
			all = false
		}
	}
	paths.Close()
	if err := paths.Err(); err != nil {
		return fmt.Errorf("read paths: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	only := ""
	if !all {
		// Integers from the database itself: safe to put in the text.
		only = " AND p.path_id IN (" + strings.Join(ids, ",") + ")"
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT p.ts, p.visitor, p.visit, p.pageview_id, paths.path, places.country, places.region, places.city,
		       agents.browser, agents.os, agents.device
		FROM pageviews p`+joins+`
		WHERE `+siteIs("p.site_id", "?")+` AND p.ts >= ? AND p.ts < ?`+only+`
		ORDER BY p.ts, p.rowid`, site, from.Unix(), end.Unix())
	if err != nil {
		return fmt.Errorf("read page views: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p          = analytics.PageView{Site: site}
			ts, v, vis int64
		)
		if err := rows.Scan(&ts, &v, &vis, &p.ID, &p.Path, &p.Country, &p.Region, &p.City, &p.Browser, &p.OS, &p.Device); err != nil {
			return fmt.Errorf("read page views: %w", err)
		}
		p.Time, p.Visitor, p.Visit = time.Unix(ts, 0).UTC(), uint64(v), uint64(vis)
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}
