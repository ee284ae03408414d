package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A leave counts for its page view only within 24 hours (aggregate's
// definition), so a day after a page view its visible time is final.
// Settling folds it into pageviews.duration_ms and deletes the leave
// records, which would otherwise hold on to about a third of the database
// for years. Reports read the larger of the folded time and any leave
// still stored, so a settled page view counts the same, also when a record
// with an old time arrives later (a migration): settling changes where a
// number is kept, never the number.

// unsettled is pageviews.duration_ms before settling (the column's
// default, schema.go): below every duration, so reading the larger of it
// and the leaves needs no special case.
const unsettled = -4294967296

// settleAfter is how old a page view must be to settle: its 24-hour leave
// window, and an hour for batches in flight and clocks.
const settleAfter = 25 * time.Hour

// settleBatch bounds the page views one settling transaction updates:
// SQLite keeps an UPDATE's rows in memory until it commits, and one
// transaction over a flooded day of 600,000 page views took ~95 MB.
const settleBatch = 20_000

// settle folds the leaves of every site's page views older than
// settleAfter, at most a UTC day and about settleBatch page views (all of
// one second's, however many) per transaction, so that the collector's
// writes never wait long and memory stays bounded. The caller must not
// hold rollupMu.
func (s *Store) settle(ctx context.Context, sites []string) error {
	cut := s.now().Add(-settleAfter).Unix()
	for _, site := range sites {
		var from sql.NullInt64
		err := s.db.QueryRowContext(ctx, `SELECT before_ts FROM rollup_settled WHERE site = ?`, site).Scan(&from)
		if errors.Is(err, sql.ErrNoRows) {
			err = s.db.QueryRowContext(ctx, `SELECT MIN(ts) FROM pageviews WHERE `+siteIs("site_id", "?")+``, site).Scan(&from)
		}
		if err != nil {
			return fmt.Errorf("settle %s: %w", site, err)
		}
		if !from.Valid {
			continue
		}
		for lo := from.Int64; lo < cut; {
			hi := min(time.Unix(lo, 0).UTC().Truncate(24*time.Hour).Add(24*time.Hour).Unix(), cut)
			var batchEnd sql.NullInt64
			if err := s.bulkDB.QueryRowContext(ctx, `SELECT ts FROM pageviews WHERE `+siteIs("site_id", "?")+`
				AND ts >= ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?`, site, lo, hi, settleBatch).Scan(&batchEnd); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("settle %s: %w", site, err)
			}
			if batchEnd.Valid {
				hi = max(batchEnd.Int64, lo+1)
			}
			// The lock per day, not for the whole run: an erasure waits
			// for one day's settling at most.
			s.rollupMu.Lock()
			err := s.settleRange(ctx, site, lo, hi)
			s.rollupMu.Unlock()
			if err != nil {
				return fmt.Errorf("settle %s: %w", site, err)
			}
			lo = hi
		}
	}
	return nil
}

// settleRange settles the site's page views in [lo, hi).
func (s *Store) settleRange(ctx context.Context, site string, lo, hi int64) error {
	tx, err := s.bulkDB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The largest leave within the window, kept with the page view, NULL
	// for none (the placeholder of an unsettled row is below every
	// duration); likewise the largest scroll depth, 0 for none.
	if _, err := tx.ExecContext(ctx, `
		UPDATE pageviews SET duration_ms = NULLIF(MAX(IFNULL(duration_ms, -1), IFNULL((
			SELECT MAX(l.duration_ms) FROM leaves l
			WHERE l.site = ?1 AND l.pageview_id = pageviews.pageview_id
			AND l.ts >= pageviews.ts AND l.ts <= pageviews.ts + 86400), -1)), -1),
		scroll_pct = MAX(scroll_pct, IFNULL((
			SELECT MAX(l.scroll_pct) FROM leaves l
			WHERE l.site = ?1 AND l.pageview_id = pageviews.pageview_id
			AND l.ts >= pageviews.ts AND l.ts <= pageviews.ts + 86400), 0))
		WHERE `+siteIs("site_id", "?1")+` AND ts >= ?2 AND ts < ?3`, site, lo, hi); err != nil {
		return err
	}
	// Their leave records go, except the newest of the table: its rowid
	// is what later appends are told apart by (rollup.go, live.go).
	if _, err := tx.ExecContext(ctx, `
		DELETE FROM leaves WHERE site = ?1 AND pageview_id IN (
			SELECT pageview_id FROM pageviews WHERE `+siteIs("site_id", "?1")+` AND ts >= ?2 AND ts < ?3)
		AND rowid < (SELECT MAX(rowid) FROM leaves)`, site, lo, hi); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO rollup_settled (site, before_ts) VALUES (?, ?)
		ON CONFLICT (site) DO UPDATE SET before_ts = excluded.before_ts`, site, hi); err != nil {
		return err
	}
	return tx.Commit()
}
