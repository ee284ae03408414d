package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/seloste/seloste/analytics"
)

var _ analytics.AuditLog = (*Store)(nil)

// AppendAudit adds an entry to the audit log (analytics.AuditLog).
func (s *Store) AppendAudit(ctx context.Context, e analytics.AuditEntry) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO owner_audit (ts, actor, action, target) VALUES (?, ?, ?, ?)`,
		e.Time.Unix(), e.Actor, e.Action, e.Target)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// AuditEntries returns up to limit entries (0: all), newest first
// (analytics.AuditLog).
func (s *Store) AuditEntries(ctx context.Context, limit int) ([]analytics.AuditEntry, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT ts, actor, action, target FROM owner_audit ORDER BY ts DESC, rowid DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []analytics.AuditEntry
	for rows.Next() {
		var e analytics.AuditEntry
		var ts int64
		if err := rows.Scan(&ts, &e.Actor, &e.Action, &e.Target); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		e.Time = time.Unix(ts, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
