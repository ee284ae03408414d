package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/seloste/seloste/analytics"
)

// A page view's text values repeat: a site has a few thousand paths, fewer
// referrers, places and browsers, and millions of page views. Each distinct
// value (or tuple of values that go together) is stored once, as a row of a
// dictionary table, and the page view holds its row id: a page-view row is
// about 54 bytes instead of 116, and its (site, ts) index entry 14 instead of
// 26.
//
// The dictionaries are raw tables: their value columns are the registry's
// page-view columns (RawColumns names them so), and a value goes with the
// last page view that uses it (Purge and DeleteVisitor collect the rest).

// dictionary is one dictionary table.
type dictionary struct {
	table  string   // e.g. "places"
	id     string   // the pageviews column holding its row ids, e.g. "place_id"
	values []string // its value columns, named as the registry names them
	// of appends a page view's values to dst, in the order of values.
	of func(dst []string, p *analytics.PageView) []string
}

var dictionaries = []dictionary{
	{"sites", "site_id", []string{"site"}, func(dst []string, p *analytics.PageView) []string { return append(dst, p.Site) }},
	{"paths", "path_id", []string{"path"}, func(dst []string, p *analytics.PageView) []string { return append(dst, p.Path) }},
	{"campaigns", "campaign_id", []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"},
		func(dst []string, p *analytics.PageView) []string {
			return append(dst, p.UTMSource, p.UTMMedium, p.UTMCampaign, p.UTMTerm, p.UTMContent)
		}},
	{"referrers", "referrer_id", []string{"referrer_host"}, func(dst []string, p *analytics.PageView) []string { return append(dst, p.ReferrerHost) }},
	{"places", "place_id", []string{"country", "region", "city"}, func(dst []string, p *analytics.PageView) []string {
		return append(dst, p.Country, p.Region, p.City)
	}},
	{"agents", "agent_id", []string{"browser", "browser_version", "os", "device"}, func(dst []string, p *analytics.PageView) []string {
		return append(dst, p.Browser, p.BrowserVersion, p.OS, p.Device)
	}},
}

// dictionaryByID is the dictionary whose ids a pageviews column holds.
func dictionaryByID(column string) (dictionary, bool) {
	for _, d := range dictionaries {
		if d.id == column {
			return d, true
		}
	}
	return dictionary{}, false
}

// where is the condition that selects one row by its values: "a = ? AND b = ?".
func (d dictionary) where() string {
	return strings.Join(d.values, " = ? AND ") + " = ?"
}

// joins joins page views ("pageviews p") to every dictionary, each by its
// table name: "FROM pageviews p"+joins.
var joins = func() string {
	var b strings.Builder
	for _, d := range dictionaries {
		fmt.Fprintf(&b, " JOIN %s ON %s.id = p.%s", d.table, d.table, d.id)
	}
	return b.String()
}()

// siteIs is the condition that column (a site_id) is the site named by the
// query parameter param ("?" or "?1").
func siteIs(column string, param string) string {
	return column + " = (SELECT id FROM sites WHERE site = " + param + ")"
}

// dictionaryIDs returns, per dictionary, the row id of each page view's
// values, adding the values not stored yet. It runs in the append's
// transaction, so that a value and the page views using it are stored
// together or not at all (and no purge can collect it in between). The
// batch's distinct values are looked up a few hundred at a time, in one
// statement each: a statement per value cost the collector an eighth of
// its CPU.
//
// lookups, if not nil, holds the lookup statements prepared on the
// transaction's connection (Store.appendLookups); without them each
// lookup is parsed anew.
func dictionaryIDs(ctx context.Context, tx *sql.Tx, lookups map[lookupKey]*sql.Stmt, pvs []analytics.PageView) ([][]int64, error) {
	out := make([][]int64, len(dictionaries))
	for k, d := range dictionaries {
		// The batch's distinct values, and each page view's among them.
		index := map[string]int{} // values joined by NUL → index in distinct
		var distinct [][]string
		of := make([]int, len(pvs))
		// One page view's values and key, reused: only a batch's distinct
		// values are kept, so a page view costs no allocation here.
		var values []string
		var key []byte
		for i := range pvs {
			values = d.of(values[:0], &pvs[i])
			key = key[:0]
			for c, v := range values {
				if c > 0 {
					key = append(key, 0)
				}
				key = append(key, v...)
			}
			j, ok := index[string(key)]
			if !ok {
				j = len(distinct)
				index[string(key)] = j
				distinct = append(distinct, slices.Clone(values))
			}
			of[i] = j
		}
		ids := make([]int64, len(distinct)) // 0: not stored yet
		if err := d.lookup(ctx, tx, lookups, k, distinct, ids); err != nil {
			return nil, fmt.Errorf("%s: %w", d.table, err)
		}
		var add *sql.Stmt
		for j, id := range ids {
			if id != 0 {
				continue
			}
			if add == nil {
				cols := strings.Join(d.values, ", ")
				marks := strings.TrimSuffix(strings.Repeat("?, ", len(d.values)), ", ")
				var err error
				if add, err = tx.PrepareContext(ctx, `INSERT INTO `+d.table+` (`+cols+`) VALUES (`+marks+`)`); err != nil {
					return nil, fmt.Errorf("%s: %w", d.table, err)
				}
				defer add.Close()
			}
			args := make([]any, len(d.values))
			for c, v := range distinct[j] {
				args[c] = v
			}
			r, err := add.ExecContext(ctx, args...)
			if err == nil {
				ids[j], err = r.LastInsertId()
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", d.table, err)
			}
		}
		out[k] = make([]int64, len(pvs))
		for i, j := range of {
			out[k][i] = ids[j]
		}
	}
	return out, nil
}

// lookupChunk is how many values one lookup statement asks for: well under
// SQLite's limit of 32 766 parameters for the widest dictionary.
const lookupChunk = 500

// lookupSizes are the sizes of lookup statements: a chunk of values is
// padded to the next size with rows that match nothing, so that a few
// statements, prepared once on Append's connection, serve every batch.
// Parsing a statement of hundreds of parameters for each batch was half
// of the lookups' time.
var lookupSizes = []int{1, 4, 16, 64, 256, lookupChunk}

// lookupKey names a prepared lookup statement: the dictionary's index in
// dictionaries and the statement's number of rows.
type lookupKey struct{ dict, rows int }

// lookupSQL joins a VALUES list of rows rows, numbered, to the table by
// its unique index.
func (d dictionary) lookupSQL(rows int) string {
	var q strings.Builder
	q.WriteString("WITH v(n")
	for c := range d.values {
		fmt.Fprintf(&q, ", c%d", c)
	}
	q.WriteString(") AS (VALUES ")
	row := "(?" + strings.Repeat(", ?", len(d.values)) + ")"
	for j := range rows {
		if j > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
	}
	q.WriteString(") SELECT v.n, t.id FROM v JOIN " + d.table + " t ON ")
	for c, col := range d.values {
		if c > 0 {
			q.WriteString(" AND ")
		}
		fmt.Fprintf(&q, "t.%s = v.c%d", col, c)
	}
	return q.String()
}

// prepareLookups prepares every dictionary's lookup statements on db.
func prepareLookups(ctx context.Context, db *sql.DB) (map[lookupKey]*sql.Stmt, error) {
	m := map[lookupKey]*sql.Stmt{}
	for k, d := range dictionaries {
		for _, rows := range lookupSizes {
			st, err := db.PrepareContext(ctx, d.lookupSQL(rows))
			if err != nil {
				closeLookups(m)
				return nil, fmt.Errorf("%s: %w", d.table, err)
			}
			m[lookupKey{k, rows}] = st
		}
	}
	return m, nil
}

func closeLookups(m map[lookupKey]*sql.Stmt) error {
	var errs []error
	for _, st := range m {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

// lookup sets ids[j] to the row id of values[j] where it is stored, by
// statements of lookupSQL: from lookups, prepared, if given (d is
// dictionaries[k]).
func (d dictionary) lookup(ctx context.Context, tx *sql.Tx, lookups map[lookupKey]*sql.Stmt, k int, values [][]string, ids []int64) error {
	for start := 0; start < len(values); start += lookupChunk {
		chunk := values[start:min(start+lookupChunk, len(values))]
		rows := lookupChunk
		for _, n := range lookupSizes {
			if n >= len(chunk) {
				rows = n
				break
			}
		}
		args := make([]any, 0, rows*(1+len(d.values)))
		for j, vs := range chunk {
			args = append(args, start+j)
			for _, v := range vs {
				args = append(args, v)
			}
		}
		// Padding: NULL equals nothing, so these rows join no row.
		for range rows - len(chunk) {
			args = append(args, -1)
			for range d.values {
				args = append(args, nil)
			}
		}
		var (
			res *sql.Rows
			err error
		)
		if st := lookups[lookupKey{k, rows}]; st != nil {
			res, err = tx.StmtContext(ctx, st).QueryContext(ctx, args...)
		} else {
			res, err = tx.QueryContext(ctx, d.lookupSQL(rows), args...)
		}
		if err != nil {
			return err
		}
		for res.Next() {
			var n, id int64
			if err := res.Scan(&n, &id); err != nil {
				res.Close()
				return err
			}
			ids[n] = id
		}
		res.Close()
		if err := res.Err(); err != nil {
			return err
		}
	}
	return nil
}

// idColumns are the pageviews columns that hold dictionary ids, in the
// order of dictionaries.
var idColumns = func() string {
	var cols []string
	for _, d := range dictionaries {
		cols = append(cols, d.id)
	}
	return strings.Join(cols, ", ")
}()

// deletePageViews deletes the page views that where selects (a WHERE clause
// on pageviews) and returns their times and, per dictionary, the ids they
// used: the candidates for collectDictionaries. One pass: the rows are read
// as they are deleted (RETURNING).
func deletePageViews(ctx context.Context, tx *sql.Tx, where string, args ...any) (times []int64, used []map[int64]bool, err error) {
	used = newIDSets()
	rows, err := tx.QueryContext(ctx, `DELETE FROM pageviews `+where+` RETURNING ts, `+idColumns, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var ts int64
	ids := make([]int64, len(dictionaries))
	dest := []any{&ts}
	for k := range ids {
		dest = append(dest, &ids[k])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, err
		}
		times = append(times, ts)
		for k, id := range ids {
			used[k][id] = true
		}
	}
	return times, used, rows.Err()
}

func newIDSets() []map[int64]bool {
	sets := make([]map[int64]bool, len(dictionaries))
	for k := range sets {
		sets[k] = map[int64]bool{}
	}
	return sets
}

// collectDictionaries deletes the rows of candidates (ids per dictionary,
// those of deleted page views) that no page view uses any more, and returns
// how many went. It runs in the transaction that deleted the page views.
// One pass over the page views' ids, which stops once every candidate is
// seen in use: a purge of a day whose values recur reads a few rows, one
// that frees a value reads them all.
func collectDictionaries(ctx context.Context, tx *sql.Tx, candidates []map[int64]bool) (int64, error) {
	left := 0
	for _, c := range candidates {
		left += len(c)
	}
	if left > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT `+idColumns+` FROM pageviews`)
		if err != nil {
			return 0, err
		}
		ids := make([]int64, len(dictionaries))
		dest := make([]any, len(dictionaries))
		for k := range ids {
			dest[k] = &ids[k]
		}
		for left > 0 && rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return 0, err
			}
			for k, id := range ids {
				if candidates[k][id] {
					delete(candidates[k], id) // in use: keep it
					left--
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	var n int64
	for k, d := range dictionaries {
		for id := range candidates[k] {
			r, err := tx.ExecContext(ctx, `DELETE FROM `+d.table+` WHERE id = ?`, id)
			if err != nil {
				return n, err
			}
			m, _ := r.RowsAffected()
			n += m
		}
	}
	return n, nil
}
