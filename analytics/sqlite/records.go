package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/seloste/seloste/analytics"
)

var _ analytics.RecordScanner = (*Store)(nil)

// CountRecords returns how many page views, leaves and bot hits are stored.
func (s *Store) CountRecords(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM pageviews) + (SELECT COUNT(*) FROM leaves) + (SELECT COUNT(*) FROM bots) + (SELECT COUNT(*) FROM events)`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count records: %w", err)
	}
	return n, nil
}

// ScanRecords calls fn with every stored record: page views in rowid
// order (a settled visible time as a Leave at the page view's time), then
// leaves, bot hits, events and consent counts. It reads one snapshot.
func (s *Store) ScanRecords(ctx context.Context, size int, fn func(analytics.Batch) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("scan records: %w", err)
	}
	defer tx.Rollback()
	var b analytics.Batch
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := fn(b)
		b = analytics.Batch{}
		return err
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT ts, site, visitor, visit, pageview_id, path, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
		       referrer_host, country, region, city, browser, browser_version, os, device, duration_ms, scroll_pct
		FROM pageview_values ORDER BY seq`)
	if err != nil {
		return fmt.Errorf("scan page views: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p              analytics.PageView
			ts             int64
			visitor, visit int64
			dur            sql.NullInt64
			scroll         int
		)
		if err := rows.Scan(&ts, &p.Site, &visitor, &visit, &p.ID, &p.Path, &p.UTMSource, &p.UTMMedium, &p.UTMCampaign, &p.UTMTerm, &p.UTMContent,
			&p.ReferrerHost, &p.Country, &p.Region, &p.City, &p.Browser, &p.BrowserVersion, &p.OS, &p.Device, &dur, &scroll); err != nil {
			return fmt.Errorf("scan page views: %w", err)
		}
		p.Time = time.Unix(ts, 0).UTC()
		p.Visitor, p.Visit = uint64(visitor), uint64(visit)
		b.PageViews = append(b.PageViews, p)
		if dur.Valid && dur.Int64 >= 0 {
			b.Leaves = append(b.Leaves, analytics.Leave{Time: p.Time, Site: p.Site, PageView: p.ID, Duration: time.Duration(dur.Int64) * time.Millisecond, Scroll: scroll})
		}
		if b.Len() >= size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan page views: %w", err)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT ts, site, pageview_id, duration_ms, scroll_pct FROM leaves ORDER BY rowid`)
	if err != nil {
		return fmt.Errorf("scan leaves: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l analytics.Leave
		var ts, ms int64
		if err := rows.Scan(&ts, &l.Site, &l.PageView, &ms, &l.Scroll); err != nil {
			return fmt.Errorf("scan leaves: %w", err)
		}
		l.Time, l.Duration = time.Unix(ts, 0).UTC(), time.Duration(ms)*time.Millisecond
		b.Leaves = append(b.Leaves, l)
		if b.Len() >= size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan leaves: %w", err)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT ts, site FROM bots ORDER BY rowid`)
	if err != nil {
		return fmt.Errorf("scan bot hits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h analytics.BotHit
		var ts int64
		if err := rows.Scan(&ts, &h.Site); err != nil {
			return fmt.Errorf("scan bot hits: %w", err)
		}
		h.Time = time.Unix(ts, 0).UTC()
		b.Bots = append(b.Bots, h)
		if b.Len() >= size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan bot hits: %w", err)
	}
	rows.Close()
	evs, err := tx.QueryContext(ctx, `SELECT ts, site, visitor, visit, pageview_id, name, props FROM events ORDER BY ts, rowid`)
	if err != nil {
		return fmt.Errorf("scan events: %w", err)
	}
	defer evs.Close()
	for evs.Next() {
		var (
			e              analytics.Event
			ts, vis, visit int64
			props          string
		)
		if err := evs.Scan(&ts, &e.Site, &vis, &visit, &e.PageView, &e.Name, &props); err != nil {
			return fmt.Errorf("scan events: %w", err)
		}
		if e.Props, err = analytics.DecodeProps(props); err != nil {
			return fmt.Errorf("scan events: %w", err)
		}
		e.Time, e.Visitor, e.Visit = time.Unix(ts, 0).UTC(), uint64(vis), uint64(visit)
		b.Events = append(b.Events, e)
		if b.Len() >= size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := evs.Err(); err != nil {
		return fmt.Errorf("scan events: %w", err)
	}
	// The consent counts last: a site's days, a few a year.
	cs, err := tx.QueryContext(ctx, `SELECT day, site, shown, accepted, declined FROM consent ORDER BY site, day`)
	if err != nil {
		return fmt.Errorf("scan consent counts: %w", err)
	}
	defer cs.Close()
	for cs.Next() {
		var c analytics.ConsentCount
		if err := cs.Scan(&c.Day, &c.Site, &c.Shown, &c.Accepted, &c.Declined); err != nil {
			return fmt.Errorf("scan consent counts: %w", err)
		}
		b.Consent = append(b.Consent, c)
		if b.Len() >= size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := cs.Err(); err != nil {
		return fmt.Errorf("scan consent counts: %w", err)
	}
	return flush()
}
