package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

var _ analytics.ImportStore = (*Store)(nil)

// PutImport stores an import in one transaction (analytics.ImportStore).
// The set's row is written first, so that its rows can name it, and its
// first and last day, days and page views are filled in at the end.
func (s *Store) PutImport(ctx context.Context, imp analytics.Import, fill func(put func(analytics.ImportedRow) error) (string, error)) (analytics.Import, string, error) {
	if imp.Site == "" || imp.Source == "" || imp.Key == "" {
		return imp, "", errors.New("import: site, source and key are required")
	}
	// The key may name an import of records, which replacing deletes.
	s.rollupMu.Lock()
	defer s.rollupMu.Unlock()
	s.rollupGen++
	defer s.forgetLive(imp.Site)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback()
	id, replaced, err := s.beginSet(ctx, tx, &imp)
	if err != nil {
		return imp, "", err
	}

	// Rows go in multi-row statements of insertChunk rows.
	const ncols = 12
	stmt, err := tx.PrepareContext(ctx, insertSQL("imported_rows", importedCols, ncols, insertChunk))
	if err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	defer stmt.Close()
	args := make([]any, 0, ncols*insertChunk)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		var err error
		if n := len(args) / ncols; n == insertChunk {
			_, err = stmt.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertSQL("imported_rows", importedCols, ncols, n), args...)
		}
		args = args[:0]
		return err
	}
	put := func(r analytics.ImportedRow) error {
		if err := analytics.CheckImportedRow(r); err != nil {
			return err
		}
		args = append(args, id, string(r.Family), r.Day, r.Values[0], r.Values[1], r.Values[2], r.Values[3],
			r.Visitors, r.Visits, r.PageViews, r.Bounces, r.VisitSeconds)
		if len(args) == ncols*insertChunk {
			return flush()
		}
		return nil
	}
	summary, err := fill(put)
	if err != nil {
		return imp, "", err
	}
	if summary != "" {
		imp.Summary = summary
	}
	if err := flush(); err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	err = tx.QueryRowContext(ctx, `
		SELECT IFNULL(MIN(day), ''), IFNULL(MAX(day), ''),
		       COUNT(DISTINCT CASE WHEN family = 'visitors' THEN day END),
		       IFNULL(SUM(CASE WHEN family = 'visitors' THEN pageviews END), 0)
		FROM imported_rows WHERE set_id = ?`, id).Scan(&imp.From, &imp.To, &imp.Days, &imp.PageViews)
	if err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE imported_sets SET from_day = ?, to_day = ?, days = ?, pageviews = ?, summary = ? WHERE id = ?`,
		imp.From, imp.To, imp.Days, imp.PageViews, imp.Summary, id); err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return imp, "", fmt.Errorf("import: commit: %w", err)
	}
	return imp, replaced, nil
}

const importedCols = `(set_id, family, day, value1, value2, value3, value4, visitors, visits, pageviews, bounces, visit_s)`

// deleteImportTx deletes an import's set, rows and records. For records,
// the caller holds rollupMu (as for an erasure) and forgets the live day.
func deleteImportTx(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM imported_rows WHERE set_id = ?`, id); err != nil {
		return fmt.Errorf("delete import %d: %w", id, err)
	}
	var (
		site                        string
		from, to, botsAfter, botsTo sql.NullInt64
	)
	if err := tx.QueryRowContext(ctx, `SELECT site, records_from, records_to, bots_after, bots_through FROM imported_sets WHERE id = ?`, id).
		Scan(&site, &from, &to, &botsAfter, &botsTo); err != nil {
		return fmt.Errorf("delete import %d: %w", id, err)
	}
	if from.Valid {
		times, values, err := deletePageViews(ctx, tx, `WHERE `+siteIs("site_id", "?")+` AND ts >= ? AND ts <= ? AND pageview_id LIKE ? ESCAPE '\'`,
			site, from.Int64, to.Int64, importedIDPrefix(id)+"%")
		if err != nil {
			return fmt.Errorf("delete import %d: page views: %w", id, err)
		}
		// Bot hits keep only a time and a site: the import's are a run of
		// rowids, appended in its transaction.
		if _, err := tx.ExecContext(ctx, `DELETE FROM bots WHERE rowid > ? AND rowid <= ? AND site = ?`, botsAfter.Int64, botsTo.Int64, site); err != nil {
			return fmt.Errorf("delete import %d: bots: %w", id, err)
		}
		if _, err := collectDictionaries(ctx, tx, values); err != nil {
			return fmt.Errorf("delete import %d: %w", id, err)
		}
		if err := forgetInRollups(ctx, tx, append(times, from.Int64, to.Int64)); err != nil {
			return fmt.Errorf("delete import %d: rollups: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM imported_sets WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete import %d: %w", id, err)
	}
	return nil
}

// Imports lists a site's imports, oldest first.
func (s *Store) Imports(ctx context.Context, site string) ([]analytics.Import, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT id, site, source, key, summary, from_day, to_day, days, pageviews, created
		FROM imported_sets WHERE site = ? ORDER BY id`, site)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	defer rows.Close()
	var out []analytics.Import
	for rows.Next() {
		var (
			imp     analytics.Import
			id      int64
			created int64
		)
		if err := rows.Scan(&id, &imp.Site, &imp.Source, &imp.Key, &imp.Summary, &imp.From, &imp.To, &imp.Days, &imp.PageViews, &created); err != nil {
			return nil, fmt.Errorf("list imports: %w", err)
		}
		imp.ID, imp.Created = strconv.FormatInt(id, 10), time.Unix(created, 0).UTC()
		out = append(out, imp)
	}
	return out, rows.Err()
}

// DeleteImport deletes one import of a site and its rows.
func (s *Store) DeleteImport(ctx context.Context, site, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("import %q: %w", id, analytics.ErrNoImport)
	}
	s.rollupMu.Lock()
	defer s.rollupMu.Unlock()
	s.rollupGen++
	defer s.forgetLive(site)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete import: %w", err)
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM imported_sets WHERE id = ? AND site = ?`, n, site).Scan(&have); err != nil {
		return fmt.Errorf("delete import: %w", err)
	}
	if have == 0 {
		return fmt.Errorf("import %s of %s: %w", id, site, analytics.ErrNoImport)
	}
	if err := deleteImportTx(ctx, tx, n); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("delete import: commit: %w", err)
	}
	return s.scrubLog(ctx)
}

// ImportedRows reads a site's imported rows of some families and days.
func (s *Store) ImportedRows(ctx context.Context, site, from, to string, families []analytics.ImportFamily, fn func(analytics.ImportedRow) error) error {
	if len(families) == 0 {
		return nil
	}
	args := []any{site, from, to}
	marks := make([]string, len(families))
	for i, f := range families {
		marks[i] = "?"
		args = append(args, string(f))
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT r.set_id, r.family, r.day, r.value1, r.value2, r.value3, r.value4,
		       r.visitors, r.visits, r.pageviews, r.bounces, r.visit_s
		FROM imported_sets s JOIN imported_rows r ON r.set_id = s.id
		WHERE s.site = ? AND r.day >= ? AND r.day <= ? AND r.family IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return fmt.Errorf("read imported rows: %w", err)
	}
	defer rows.Close()
	var (
		id     int64
		lastID int64 = -1
		idText string
	)
	for rows.Next() {
		var r analytics.ImportedRow
		var family string
		if err := rows.Scan(&id, &family, &r.Day, &r.Values[0], &r.Values[1], &r.Values[2], &r.Values[3],
			&r.Visitors, &r.Visits, &r.PageViews, &r.Bounces, &r.VisitSeconds); err != nil {
			return fmt.Errorf("read imported rows: %w", err)
		}
		if id != lastID {
			lastID, idText = id, strconv.FormatInt(id, 10)
		}
		r.Import, r.Family = idText, analytics.ImportFamily(family)
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// FirstPageView is the time of the site's first stored page view.
func (s *Store) FirstPageView(ctx context.Context, site string) (time.Time, bool, error) {
	var ts sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(ts) FROM pageviews WHERE `+siteIs("site_id", "?"), site).Scan(&ts); err != nil {
		return time.Time{}, false, fmt.Errorf("first page view: %w", err)
	}
	if !ts.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(ts.Int64, 0).UTC(), true, nil
}

// importedIDPrefix starts the pageview_id of every page view an import of
// records stored: how DeleteImport finds them ("_" escaped for LIKE).
func importedIDPrefix(id int64) string { return "imp" + strconv.FormatInt(id, 10) + "-" }

// AppendImport stores an import of records with its set, in one
// transaction (analytics.ImportStore).
func (s *Store) AppendImport(ctx context.Context, imp analytics.Import, fill func(put func(analytics.Batch) error) (string, error)) (analytics.Import, string, error) {
	if imp.Site == "" || imp.Source == "" || imp.Key == "" {
		return imp, "", errors.New("import: site, source and key are required")
	}
	// As for an erasure: no rollup refresh between the change and the
	// rollup state's.
	s.rollupMu.Lock()
	defer s.rollupMu.Unlock()
	s.rollupGen++
	defer s.forgetLive(imp.Site)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback()
	id, replaced, err := s.beginSet(ctx, tx, &imp)
	if err != nil {
		return imp, "", err
	}
	prefix := importedIDPrefix(id)
	var botsAfter, botsThrough int64
	if err := tx.QueryRowContext(ctx, `SELECT IFNULL(MAX(rowid), 0) FROM bots`).Scan(&botsAfter); err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	var (
		first, last int64 = math.MaxInt64, math.MinInt64
		days              = map[string]bool{}
	)
	span := func(t time.Time) {
		first, last = min(first, t.Unix()), max(last, t.Unix())
	}
	put := func(b analytics.Batch) error {
		for i := range b.PageViews {
			p := &b.PageViews[i]
			if p.Site != imp.Site {
				return fmt.Errorf("import: a page view of %s in an import of %s", p.Site, imp.Site)
			}
			p.ID = prefix + p.ID
			span(p.Time)
			days[p.Time.UTC().Format(time.DateOnly)] = true
		}
		for _, bot := range b.Bots {
			if bot.Site != imp.Site {
				return fmt.Errorf("import: a bot hit of %s in an import of %s", bot.Site, imp.Site)
			}
			span(bot.Time)
		}
		if len(b.Leaves) > 0 {
			return errors.New("import: imports of records hold no leave records")
		}
		imp.PageViews += int64(len(b.PageViews))
		return appendRows(ctx, tx, b)
	}
	summary, err := fill(put)
	if err != nil {
		return imp, "", err
	}
	if summary != "" {
		imp.Summary = summary
	}
	imp.Days = len(days)
	for d := range days {
		if imp.From == "" || d < imp.From {
			imp.From = d
		}
		imp.To = max(imp.To, d)
	}
	if err := tx.QueryRowContext(ctx, `SELECT IFNULL(MAX(rowid), 0) FROM bots`).Scan(&botsThrough); err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	if first > last {
		first, last = 0, 0
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE imported_sets SET from_day = ?, to_day = ?, days = ?, pageviews = ?, summary = ?,
			records_from = ?, records_to = ?, bots_after = ?, bots_through = ? WHERE id = ?`,
		imp.From, imp.To, imp.Days, imp.PageViews, imp.Summary, first, last, botsAfter, botsThrough, id); err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return imp, "", fmt.Errorf("import: commit: %w", err)
	}
	return imp, replaced, nil
}

// beginSet replaces an earlier import of imp's key and writes imp's set,
// to be completed when its rows are in: its id, and the replaced one's.
func (s *Store) beginSet(ctx context.Context, tx *sql.Tx, imp *analytics.Import) (int64, string, error) {
	var replaced string
	var old int64
	switch err := tx.QueryRowContext(ctx, `SELECT id FROM imported_sets WHERE site = ? AND key = ?`, imp.Site, imp.Key).Scan(&old); {
	case err == nil:
		if err := deleteImportTx(ctx, tx, old); err != nil {
			return 0, "", err
		}
		replaced = strconv.FormatInt(old, 10)
	case !errors.Is(err, sql.ErrNoRows):
		return 0, "", fmt.Errorf("import: %w", err)
	}
	imp.Created = s.now().UTC().Truncate(time.Second)
	res, err := tx.ExecContext(ctx, `
		INSERT INTO imported_sets (site, source, key, summary, from_day, to_day, days, pageviews, created)
		VALUES (?, ?, ?, ?, '', '', 0, 0, ?)`, imp.Site, imp.Source, imp.Key, imp.Summary, imp.Created.Unix())
	if err != nil {
		return 0, "", fmt.Errorf("import: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, "", fmt.Errorf("import: %w", err)
	}
	imp.ID = strconv.FormatInt(id, 10)
	return id, replaced, nil
}
