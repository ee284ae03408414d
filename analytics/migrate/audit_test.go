package migrate_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/migrate"
	"github.com/seloste/seloste/analytics/sqlite"
)

// TestAuditLogMigrates copies the audit log with the records, oldest
// first, so that the destination lists it in the same order.
func TestAuditLogMigrates(t *testing.T) {
	ctx := context.Background()
	open := func(name string) *sqlite.Store {
		s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	from, to := open("from.db"), open("to.db")
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for i, a := range []string{analytics.AuditLogin, analytics.AuditUserAdd, analytics.AuditShareCreate} {
		if err := from.AppendAudit(ctx, analytics.AuditEntry{Time: t0.Add(time.Duration(i) * time.Minute), Actor: "maija", Action: a}); err != nil {
			t.Fatal(err)
		}
	}
	if err := migrate.Copy(ctx, from, to, time.UTC, t0, nil); err != nil {
		t.Fatal(err)
	}
	got, err := to.AuditEntries(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Action != analytics.AuditShareCreate || got[2].Action != analytics.AuditLogin || !got[2].Time.Equal(t0) {
		t.Fatalf("migrated audit log = %+v", got)
	}
}
