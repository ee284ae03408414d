package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/seloste/seloste/analytics"
)

var _ analytics.RecordScanner = (*Store)(nil)

// CountRecords returns how many page views, leaves and bot hits are stored.
func (s *Store) CountRecords(ctx context.Context) (int64, error) {
	var n uint64
	err := s.conn.QueryRow(ctx, "SELECT (SELECT count() FROM "+s.pageviews+") + (SELECT count() FROM "+s.leaves+") + (SELECT count() FROM "+s.bots+") + (SELECT count() FROM "+s.events+")").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count records: %w", err)
	}
	return int64(n), nil
}

// ScanRecords calls fn with every stored record: page views in the order
// they were stored (a month at a time, so that the server sorts one month),
// then leaves, then bot hits. A page view's own visible time and scroll
// depth (settled, settle.go, or from a migration) come as a Leave at its
// time.
func (s *Store) ScanRecords(ctx context.Context, size int, fn func(analytics.Batch) error) error {
	var b analytics.Batch
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := fn(b)
		b = analytics.Batch{}
		return err
	}
	months, err := s.months(ctx, s.pageviews, "toDateTime(intDiv(ts, 4294967296))")
	if err != nil {
		return fmt.Errorf("scan page views: %w", err)
	}
	for _, m := range months {
		rows, err := s.conn.Query(ctx, "SELECT "+pageviewColumns+", scroll_pct FROM "+s.pageviews+
			" WHERE toYYYYMM(toDateTime(intDiv(ts, 4294967296)), 'UTC') = @month ORDER BY ts", clickhouse.Named("month", m))
		if err != nil {
			return fmt.Errorf("scan page views: %w", err)
		}
		for rows.Next() {
			var (
				p      analytics.PageView
				ts     uint64
				dur    int64
				scroll uint8
			)
			if err := rows.Scan(&ts, &p.Site, &p.Visitor, &p.Visit, &p.ID, &p.Path, &p.UTMSource, &p.UTMMedium, &p.UTMCampaign, &p.UTMTerm, &p.UTMContent,
				&p.ReferrerHost, &p.Country, &p.Region, &p.City, &p.Browser, &p.BrowserVersion, &p.OS, &p.Device, &dur, &scroll); err != nil {
				rows.Close()
				return fmt.Errorf("scan page views: %w", err)
			}
			p.Time = time.Unix(int64(ts>>32), 0).UTC()
			b.PageViews = append(b.PageViews, p)
			if dur >= 0 {
				b.Leaves = append(b.Leaves, analytics.Leave{Time: p.Time, Site: p.Site, PageView: p.ID, Duration: time.Duration(dur) * time.Millisecond, Scroll: int(scroll)})
			}
			if b.Len() >= size {
				if err := flush(); err != nil {
					rows.Close()
					return err
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("scan page views: %w", err)
		}
	}
	rows, err := s.conn.Query(ctx, "SELECT ts, site, pageview_id, duration_ms, scroll_pct FROM "+s.leaves)
	if err != nil {
		return fmt.Errorf("scan leaves: %w", err)
	}
	for rows.Next() {
		var (
			l      analytics.Leave
			ms     int64
			scroll uint8
		)
		if err := rows.Scan(&l.Time, &l.Site, &l.PageView, &ms, &scroll); err != nil {
			rows.Close()
			return fmt.Errorf("scan leaves: %w", err)
		}
		l.Time, l.Duration, l.Scroll = l.Time.UTC(), time.Duration(ms)*time.Millisecond, int(scroll)
		b.Leaves = append(b.Leaves, l)
		if b.Len() >= size {
			if err := flush(); err != nil {
				rows.Close()
				return err
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan leaves: %w", err)
	}
	rows, err = s.conn.Query(ctx, "SELECT ts, site FROM "+s.bots)
	if err != nil {
		return fmt.Errorf("scan bot hits: %w", err)
	}
	for rows.Next() {
		var h analytics.BotHit
		if err := rows.Scan(&h.Time, &h.Site); err != nil {
			rows.Close()
			return fmt.Errorf("scan bot hits: %w", err)
		}
		h.Time = h.Time.UTC()
		b.Bots = append(b.Bots, h)
		if b.Len() >= size {
			if err := flush(); err != nil {
				rows.Close()
				return err
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scan bot hits: %w", err)
	}
	err = s.scanEvents(ctx, "SELECT "+eventColumns+" FROM "+s.events+" ORDER BY ts", func(e analytics.Event) error {
		b.Events = append(b.Events, e)
		if b.Len() >= size {
			return flush()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan events: %w", err)
	}
	err = s.scanConsent(ctx, func(c analytics.ConsentCount) error {
		b.Consent = append(b.Consent, c)
		if b.Len() >= size {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// months lists the UTC months (YYYYMM) of table's rows, in order; at is
// the rows' time as a DateTime.
func (s *Store) months(ctx context.Context, table, at string) ([]uint32, error) {
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT toYYYYMM("+at+", 'UTC') AS m FROM "+table+" ORDER BY m")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []uint32
	for rows.Next() {
		var m uint32
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
