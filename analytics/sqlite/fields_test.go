package sqlite

import (
	"context"
	"slices"
	"testing"

	"github.com/seloste/seloste/analytics"
)

// TestSchemaMatchesFieldRegistry reads the schema of a freshly opened
// store and checks that the stored set of columns is exactly the field
// registry's: every raw column is described in the privacy statement (its
// list is generated from the registry), and every registered column is
// really stored. A new table must be classified as raw (then its columns
// must be registered) or derived (rollup_*: aggregates of registered
// fields only).
func TestSchemaMatchesFieldRegistry(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t)

	tables, err := s.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		if !slices.Contains(RawTables, table) && !IsDerived(table) {
			t.Errorf("table %s is neither raw (RawTables, registered in analytics.Fields) nor derived (%s*): classify it", table, DerivedPrefix)
		}
	}

	stored, err := s.RawColumns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	registered := analytics.Columns()
	for _, c := range stored {
		if !slices.Contains(registered, c) {
			t.Errorf("column %s is stored but in no analytics.Fields entry: add it to the registry (and so to the privacy statement)", c)
		}
	}
	for _, c := range registered {
		if !slices.Contains(stored, c) {
			t.Errorf("analytics.Fields names %s, which the SQLite schema does not have", c)
		}
	}

	// Each column belongs to one field, so the statement describes it once.
	owner := map[string]string{}
	for _, f := range analytics.Fields {
		if f.Name == "" || f.Label == "" || f.FI == "" || f.EN == "" || f.Purpose == "" || len(f.Columns) == 0 {
			t.Errorf("field %q is incomplete: %+v", f.Name, f)
		}
		for _, c := range f.Columns {
			if o, ok := owner[c]; ok {
				t.Errorf("column %s is in both %s and %s", c, o, f.Name)
			}
			owner[c] = f.Name
		}
	}
}
