package sqlite

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// RawTables are the tables that hold collected records: the records and the
// dictionaries of page-view values (dictionary.go). Every column of them is
// a field of the registry (analytics.Fields), which the privacy statement's
// list of collected data is generated from; a test keeps the two equal.
//
// Every other table is derived: the rollup_* tables hold only per-day
// counts and sums over registered fields (no visitor id, no single page
// view), and are rebuilt from the raw tables at will.
var RawTables = func() []string {
	t := []string{"pageviews", "leaves", "bots", "salts", "events", "consent"}
	for _, d := range dictionaries {
		t = append(t, d.table)
	}
	return t
}()

// OwnerTables hold what the site's owner wrote (annotations.go): no
// visitor's data, so neither raw nor derived.
var OwnerTables = []string{"annotations"}

// DerivedPrefix names the derived tables.
const DerivedPrefix = "rollup_"

// OwnerPrefix names the tables of the owner's own data (the audit log,
// audit.go): who of the site's team did what, never a visitor's data.
const OwnerPrefix = "owner_"

// ImportedPrefix names the tables of imported aggregates (imports.go):
// daily sums brought in from another tool, no visitor id, no single page
// view. The registry describes them in one field without columns.
const ImportedPrefix = "imported_"

// Tables lists every table of the database, in name order.
func (s *Store) Tables(ctx context.Context) ([]string, error) {
	out, err := queryStrings(ctx, s.db, `
		SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return out, nil
}

// RawColumns lists the columns of the raw tables as the database has them,
// "table.column", read with PRAGMA table_info. A page view's dictionary id
// column stands for its dictionary's columns but the row id: place_id is
// pageviews.country, pageviews.region and pageviews.city, so the names are
// the registry's whichever way an engine lays the values out.
func (s *Store) RawColumns(ctx context.Context) ([]string, error) {
	columns := func(table string) ([]string, error) {
		cols, err := queryStrings(ctx, s.db, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, table)
		if err == nil && len(cols) == 0 {
			err = fmt.Errorf("no such table")
		}
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		return cols, nil
	}
	var out []string
	for _, table := range RawTables {
		if slices.ContainsFunc(dictionaries, func(d dictionary) bool { return d.table == table }) {
			continue // listed with the page views
		}
		cols, err := columns(table)
		if err != nil {
			return nil, err
		}
		for _, col := range cols {
			d, ok := dictionaryByID(col)
			if table != "pageviews" || !ok {
				out = append(out, table+"."+col)
				continue
			}
			values, err := columns(d.table)
			if err != nil {
				return nil, err
			}
			for _, v := range values {
				if v != "id" {
					out = append(out, table+"."+v)
				}
			}
		}
	}
	return out, nil
}

// IsDerived reports whether table holds derived data only.
func IsDerived(table string) bool { return strings.HasPrefix(table, DerivedPrefix) }

// UnknownTables lists the tables that are neither raw, nor derived, nor
// imported, nor the owner's (analytics.Inventory).
func (s *Store) UnknownTables(ctx context.Context) ([]string, error) {
	tables, err := s.Tables(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range tables {
		if !slices.Contains(RawTables, t) && !IsDerived(t) && !strings.HasPrefix(t, ImportedPrefix) && !slices.Contains(OwnerTables, t) && !strings.HasPrefix(t, OwnerPrefix) {
			out = append(out, t)
		}
	}
	return out, nil
}
