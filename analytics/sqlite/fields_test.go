package sqlite

import (
	"context"
	"slices"
	"testing"

	"github.com/seloste/seloste/analytics"
)

// TestSchemaMatchesFieldRegistry keeps the raw tables and the privacy
// statement's list of stored data (analytics.Fields) the same: a column
// nobody described, or a described field with no column, fails.
func TestSchemaMatchesFieldRegistry(t *testing.T) {
	s, _ := openTest(t)
	described := analytics.Columns() // the optional fields' too: events are described once configured
	stored, err := s.RawColumns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range stored {
		if !slices.Contains(described, c) {
			t.Errorf("column %s is stored but not in analytics.Columns() (the statement must describe it)", c)
		}
	}
	for _, c := range described {
		if !slices.Contains(stored, c) {
			t.Errorf("analytics.Columns() lists %s, which the SQLite schema does not have", c)
		}
	}
}
