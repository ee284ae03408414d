package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/seloste/seloste/analytics"
)

// addConsentSQL adds a count to its site's day (analytics.ConsentCount).
const addConsentSQL = `
	INSERT INTO consent (day, site, shown, accepted, declined) VALUES (?, ?, ?, ?, ?)
	ON CONFLICT (site, day) DO UPDATE SET
		shown = shown + excluded.shown,
		accepted = accepted + excluded.accepted,
		declined = declined + excluded.declined`

// consentTotalsSQL sums a site's consent counts of the days [from, to].
const consentTotalsSQL = `
	SELECT COALESCE(SUM(shown), 0), COALESCE(SUM(accepted), 0), COALESCE(SUM(declined), 0)
	FROM consent WHERE site = ? AND day >= ? AND day <= ?`

func appendConsent(ctx context.Context, tx *sql.Tx, counts []analytics.ConsentCount) error {
	if len(counts) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, addConsentSQL)
	if err != nil {
		return fmt.Errorf("insert into consent: %w", err)
	}
	defer st.Close()
	for _, c := range counts {
		if _, err := st.ExecContext(ctx, c.Day, c.Site, c.Shown, c.Accepted, c.Declined); err != nil {
			return fmt.Errorf("insert into consent: %w", err)
		}
	}
	return nil
}

// consentTotals are the consent counts of a normalized query's days.
func (s *Store) consentTotals(ctx context.Context, q analytics.Query) (analytics.ConsentTotals, error) {
	var t analytics.ConsentTotals
	from, to := q.ConsentDays()
	err := s.db.QueryRowContext(ctx, consentTotalsSQL, q.Site, from, to).Scan(&t.Shown, &t.Accepted, &t.Declined)
	if err != nil {
		return t, fmt.Errorf("consent counts: %w", err)
	}
	return t, nil
}
