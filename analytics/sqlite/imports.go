package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
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

	// Rows are packed per family and day; groups are written when many
	// rows wait, and at the end. A group seen again later is another row.
	type group struct {
		family analytics.ImportFamily
		day    string
	}
	var (
		pending = map[group][]byte{}
		waiting int
	)
	flush := func() error {
		for g, blob := range pending {
			if _, err := tx.ExecContext(ctx, `INSERT INTO imported_rows (set_id, family, day, rows) VALUES (?, ?, ?, ?)`,
				id, string(g.family), g.day, blob); err != nil {
				return err
			}
		}
		clear(pending)
		waiting = 0
		return nil
	}
	put := func(r analytics.ImportedRow) error {
		if err := analytics.CheckImportedRow(r); err != nil {
			return err
		}
		g := group{r.Family, r.Day}
		pending[g] = packImported(pending[g], &r)
		if waiting++; waiting >= 200_000 {
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
	if err := tx.QueryRowContext(ctx, `SELECT IFNULL(MIN(day), ''), IFNULL(MAX(day), '') FROM imported_rows WHERE set_id = ?`, id).Scan(&imp.From, &imp.To); err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	days := map[string]bool{}
	err = s.importedRows(ctx, tx, id, "", "", []analytics.ImportFamily{analytics.FamilyVisitors}, func(r analytics.ImportedRow) error {
		days[r.Day] = true
		imp.PageViews += r.PageViews
		return nil
	})
	if err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	imp.Days = len(days)
	if _, err := tx.ExecContext(ctx, `UPDATE imported_sets SET from_day = ?, to_day = ?, days = ?, pageviews = ?, summary = ? WHERE id = ?`,
		imp.From, imp.To, imp.Days, imp.PageViews, imp.Summary, id); err != nil {
		return imp, "", fmt.Errorf("import: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return imp, "", fmt.Errorf("import: commit: %w", err)
	}
	return imp, replaced, nil
}

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
		if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE site = ? AND ts >= ? AND ts <= ? AND pageview_id LIKE ? ESCAPE '\'`,
			site, from.Int64, to.Int64, importedIDPrefix(id)+"%"); err != nil {
			return fmt.Errorf("delete import %d: events: %w", id, err)
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

// ImportSites lists the sites that have imports, in name order.
func (s *Store) ImportSites(ctx context.Context) ([]string, error) {
	out, err := queryStrings(ctx, s.db, `SELECT DISTINCT site FROM imported_sets ORDER BY site`)
	if err != nil {
		return nil, fmt.Errorf("list sites with imports: %w", err)
	}
	return out, nil
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
	ids, err := queryStrings(ctx, s.db, `SELECT id FROM imported_sets WHERE site = ? ORDER BY id`, site)
	if err != nil {
		return fmt.Errorf("read imported rows: %w", err)
	}
	for _, text := range ids {
		id, _ := strconv.ParseInt(text, 10, 64)
		if err := s.importedRows(ctx, s.db, id, from, to, families, fn); err != nil {
			return err
		}
	}
	return nil
}

// importedRows reads one set's rows; from and to "" are no bound.
func (s *Store) importedRows(ctx context.Context, q querier, id int64, from, to string, families []analytics.ImportFamily, fn func(analytics.ImportedRow) error) error {
	if to == "" {
		to = "9999"
	}
	idText := strconv.FormatInt(id, 10)
	for _, f := range families {
		rows, err := q.QueryContext(ctx, `SELECT day, rows FROM imported_rows WHERE set_id = ? AND family = ? AND day >= ? AND day <= ?`, id, string(f), from, to)
		if err != nil {
			return fmt.Errorf("read imported rows: %w", err)
		}
		var (
			day  string
			blob sql.RawBytes
		)
		for rows.Next() {
			if err := rows.Scan(&day, &blob); err != nil {
				rows.Close()
				return fmt.Errorf("read imported rows: %w", err)
			}
			err := unpackImported(blob, func(r *analytics.ImportedRow) error {
				r.Import, r.Family, r.Day = idText, f, day
				if f == analytics.FamilyCustomEvents {
					r.Events, r.PageViews = r.PageViews, 0
				}
				return fn(*r)
			})
			if err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("read imported rows: %w", err)
		}
	}
	return nil
}

// packImported appends r's values and sums to a group's blob: per row,
// each value as a length and its bytes, then the five sums, all uvarints.
func packImported(b []byte, r *analytics.ImportedRow) []byte {
	for _, v := range r.Values {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	views := r.PageViews
	if r.Family == analytics.FamilyCustomEvents {
		views = r.Events // in the page views' place (analytics.ImportedRow)
	}
	for _, n := range [...]int64{r.Visitors, r.Visits, views, r.Bounces, r.VisitSeconds} {
		b = binary.AppendUvarint(b, uint64(n))
	}
	return b
}

// errBadImported is a blob that does not unpack.
var errBadImported = errors.New("corrupt imported rows (delete the import and import it again)")

func unpackImported(b []byte, fn func(*analytics.ImportedRow) error) error {
	var r analytics.ImportedRow
	next := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	for len(b) > 0 {
		r = analytics.ImportedRow{}
		for i := range r.Values {
			n, ok := next()
			if !ok || n > uint64(len(b)) {
				return errBadImported
			}
			r.Values[i], b = string(b[:n]), b[n:]
		}
		var sums [5]int64
		for i := range sums {
			v, ok := next()
			if !ok || v > 1<<62 {
				return errBadImported
			}
			sums[i] = int64(v)
		}
		r.Visitors, r.Visits, r.PageViews, r.Bounces, r.VisitSeconds = sums[0], sums[1], sums[2], sums[3], sums[4]
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
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
		// The ids change here, not in the caller's batch.
		b.PageViews, b.Events = slices.Clone(b.PageViews), slices.Clone(b.Events)
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
		// Deleting an import finds its page views and events by the
		// page-view id prefix, its bot hits by rowids.
		for i := range b.Events {
			e := &b.Events[i]
			if e.Site != imp.Site {
				return fmt.Errorf("import: an event of %s in an import of %s", e.Site, imp.Site)
			}
			e.PageView = prefix + e.PageView
			span(e.Time)
		}
		imp.PageViews += int64(len(b.PageViews))
		return appendRows(ctx, tx, nil, b)
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
