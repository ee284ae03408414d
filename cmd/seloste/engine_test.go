package main

import (
	"context"
	"database/sql"
	"testing"

	"github.com/seloste/seloste/analytics/sqlite"
)

// The one test file that knows the SQLite engine: tests elsewhere open
// stores with openStore and look at raw rows only through rawDB.

// rawDB opens the SQLite database at path for tests that count its rows.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, sqlite.MustExist())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st.DB()
}
