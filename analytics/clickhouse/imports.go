package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/seloste/seloste/analytics"
)

// errNoImports is what the import methods answer until the engine keeps
// imported aggregates: imports need the SQLite engine for now.
var errNoImports = errors.New("clickhouse: imported aggregates and records are not supported by this engine yet (use the SQLite engine for imports)")

// PutImport is not supported yet.
func (s *Store) PutImport(ctx context.Context, imp analytics.Import, fill func(put func(analytics.ImportedRow) error) (string, error)) (analytics.Import, string, error) {
	return analytics.Import{}, "", errNoImports
}

// AppendImport is not supported yet.
func (s *Store) AppendImport(ctx context.Context, imp analytics.Import, fill func(put func(analytics.Batch) error) (string, error)) (analytics.Import, string, error) {
	return analytics.Import{}, "", errNoImports
}

// Imports lists none: the engine stores no imports.
func (s *Store) Imports(ctx context.Context, site string) ([]analytics.Import, error) { return nil, nil }

// DeleteImport finds none.
func (s *Store) DeleteImport(ctx context.Context, site, id string) error { return analytics.ErrNoImport }

// ImportedRows has none to call fn with.
func (s *Store) ImportedRows(ctx context.Context, site, from, to string, families []analytics.ImportFamily, fn func(analytics.ImportedRow) error) error {
	return nil
}

// FirstPageView is the time of the site's first page view.
func (s *Store) FirstPageView(ctx context.Context, site string) (time.Time, bool, error) {
	var n, ts uint64
	if err := s.conn.QueryRow(ctx, "SELECT count(), min(ts) FROM "+s.pageviews+" WHERE site = @site",
		clickhouse.Named("site", site)).Scan(&n, &ts); err != nil {
		return time.Time{}, false, fmt.Errorf("first page view of %q: %w", site, err)
	}
	if n == 0 {
		return time.Time{}, false, nil
	}
	return time.Unix(int64(ts>>32), 0).UTC(), true, nil
}
