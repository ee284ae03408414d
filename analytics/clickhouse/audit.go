package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/seloste/seloste/analytics"
)

var _ analytics.AuditLog = (*Store)(nil)

// AppendAudit adds an entry to the audit log (analytics.AuditLog). The log
// is small owner data: it lives in one local table on the DSN's server,
// also in a cluster.
func (s *Store) AppendAudit(ctx context.Context, e analytics.AuditEntry) error {
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO "+auditTable+" (ts, added, actor, action, target)")
	if err == nil {
		// added orders the entries of one second as they were added.
		err = batch.Append(e.Time.Unix(), time.Now().UnixNano(), e.Actor, e.Action, e.Target)
	}
	if err == nil {
		err = batch.Send()
	}
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// AuditEntries returns up to limit entries (0: all), newest first
// (analytics.AuditLog).
func (s *Store) AuditEntries(ctx context.Context, limit int) ([]analytics.AuditEntry, error) {
	q := "SELECT ts, actor, action, target FROM " + auditTable + " ORDER BY ts DESC, added DESC"
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.conn.Query(ctx, q)
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
