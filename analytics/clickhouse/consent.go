package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/seloste/seloste/analytics"
)

// The consent banner's counts (analytics.ConsentCount) are rows of
// (day, site, shown, accepted, declined), one per stored count; reads sum
// them, and the table's SummingMergeTree folds a site's day into one row
// as it merges.

// consentTotalsSQL sums a site's consent counts of the days [from, to].
const consentTotalsSQL = `SELECT sum(shown), sum(accepted), sum(declined) FROM %s
	WHERE site = @site AND day >= toDate(@from) AND day <= toDate(@to)`

func (s *Store) appendConsent(ctx context.Context, counts []analytics.ConsentCount) error {
	if len(counts) == 0 {
		return nil
	}
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+s.consent+" (day, site, shown, accepted, declined)")
	if err != nil {
		return fmt.Errorf("append consent counts: %w", err)
	}
	for _, c := range counts {
		day, err := time.Parse(time.DateOnly, c.Day)
		if err == nil {
			err = batch.Append(day, c.Site, uint64(max(c.Shown, 0)), uint64(max(c.Accepted, 0)), uint64(max(c.Declined, 0)))
		}
		if err != nil {
			batch.Abort()
			return fmt.Errorf("append consent counts: %w", err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("append consent counts: %w", err)
	}
	return nil
}

// consentTotals are the consent counts of a normalized query's days.
func (s *Store) consentTotals(ctx context.Context, q analytics.Query) (analytics.ConsentTotals, error) {
	from, to := q.ConsentDays()
	var shown, accepted, declined uint64
	err := s.conn.QueryRow(ctx, fmt.Sprintf(consentTotalsSQL, s.consent),
		clickhouse.Named("site", q.Site), clickhouse.Named("from", from), clickhouse.Named("to", to)).Scan(&shown, &accepted, &declined)
	if err != nil {
		return analytics.ConsentTotals{}, fmt.Errorf("consent counts: %w", err)
	}
	return analytics.ConsentTotals{Shown: int64(shown), Accepted: int64(accepted), Declined: int64(declined)}, nil
}

// purgeConsent deletes the counts of the days before the UTC day of
// before, and returns how many site-days went.
func (s *Store) purgeConsent(ctx context.Context, before time.Time) (int64, error) {
	cut := before.UTC().Format(time.DateOnly)
	var n uint64
	if err := s.conn.QueryRow(ctx, "SELECT uniqExact(site, day) FROM "+s.consent+" WHERE day < toDate(@cut)",
		clickhouse.Named("cut", cut)).Scan(&n); err != nil {
		return 0, fmt.Errorf("consent counts: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	if err := s.mutate(ctx, "ALTER TABLE consent DELETE WHERE day < toDate('"+cut+"')"); err != nil {
		return 0, fmt.Errorf("consent counts: %w", err)
	}
	return int64(n), nil
}

// scanConsent calls fn with every site's day of consent counts, summed.
func (s *Store) scanConsent(ctx context.Context, fn func(analytics.ConsentCount) error) error {
	rows, err := s.conn.Query(ctx, "SELECT toString(day), site, sum(shown), sum(accepted), sum(declined) FROM "+s.consent+
		" GROUP BY day, site ORDER BY site, day")
	if err != nil {
		return fmt.Errorf("scan consent counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			c                         analytics.ConsentCount
			shown, accepted, declined uint64
		)
		if err := rows.Scan(&c.Day, &c.Site, &shown, &accepted, &declined); err != nil {
			return fmt.Errorf("scan consent counts: %w", err)
		}
		c.Shown, c.Accepted, c.Declined = int64(shown), int64(accepted), int64(declined)
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}
