package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/seloste/seloste/analytics"
)

// inlineCheckMax is the largest file Open checks whole before it returns
// (about 0.8 s); a bigger one is checked by Check.
var inlineCheckMax int64 = 256 << 20 // a variable for tests

var _ analytics.Checker = (*Store)(nil)

// Check runs the full check that Verify put off for a file over
// inlineCheckMax (nil at once otherwise): the collector runs it while it
// already listens, and stops with its error.
func (s *Store) Check(ctx context.Context) error {
	if !s.deferredCheck {
		return nil
	}
	if err := verify(ctx, s.path, nil); err != nil {
		return fmt.Errorf("database %s: %w", s.path, err)
	}
	return nil
}

// Verify makes Open check, before it writes anything, that the whole file
// is sound (PRAGMA quick_check, which reads every page: about 3 s a GB on a
// 2-core machine; a file over inlineCheckMax is left to Check) and that
// this process can write it.
// The collector uses it, so that a damaged, truncated or read-only
// database is a start-up error and not failing writes, wrong reports or a
// panic later.
func Verify() Option { return func(o *options) { o.verify = true } }

// SQLite's primary result codes that say what is wrong with a file (any
// other, such as SQLITE_NOTADB, is a file seloste cannot read).
const (
	codeReadOnly = 8
	codeCorrupt  = 11
	codeCantOpen = 14
)

// sqliteCode is the primary result code of err, 0 if it is not SQLite's.
func sqliteCode(err error) int {
	var e interface{ Code() int }
	if errors.As(err, &e) {
		return e.Code() & 0xff
	}
	return 0
}

// explain turns an error from reading the file at path into what is wrong
// with it and how to fix that. The file is left unchanged in every case.
func explain(path string, err error) error {
	switch sqliteCode(err) {
	case codeCorrupt:
		return damaged(path, err.Error())
	case codeReadOnly:
		return unwritable(path, err)
	case codeCantOpen:
		// A read-only file system, or a directory that is not there. Opening
		// for writing, without creating or truncating, changes nothing.
		f, oerr := os.OpenFile(path, os.O_RDWR, 0)
		if oerr == nil {
			f.Close()
			return fmt.Errorf("cannot be opened (%v): seloste makes %s-wal and %s-shm next to it, so its directory must be writable for this user; or give -db another path", err, path, path)
		}
		if errors.Is(oerr, os.ErrNotExist) {
			return fmt.Errorf("cannot be opened: its directory %s does not exist; create it, or give -db another path", filepath.Dir(path))
		}
		return unwritable(path, oerr)
	}
	return fmt.Errorf("not a database seloste can read (%v), left unchanged: give -db a new path or a seloste database", err)
}

func damaged(path, what string) error {
	return fmt.Errorf("is damaged (%s), left unchanged: restore it from a backup, or move it aside and give -db a new path (sqlite3 %s .recover may save what is left)", what, path)
}

func unwritable(path string, err error) error {
	return fmt.Errorf("cannot be written (%v), left unchanged: seloste writes it and makes %s-wal and %s-shm next to it; make the file and its directory writable for this user, or give -db a writable path", err, path, path)
}

// writable checks, before SQLite opens the file, that this process may
// write it: SQLite would open a read-only file read-only, and the
// collector would start and fail every write. Opening for writing, without
// creating or truncating, changes nothing. A file that is not there yet is
// made by SQLite, which says so if it cannot.
func writable(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("is a directory, not a database file: give -db the path of a file in it, such as seloste.db")
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	switch {
	case err == nil:
		return f.Close()
	case errors.Is(err, os.ErrNotExist):
		return nil
	}
	return unwritable(path, err)
}

// verify reads the whole file on a connection of its own that does not
// map it (a check of a large file would otherwise leave it all in the
// process's resident memory). It writes nothing.
func verify(ctx context.Context, path string, progress io.Writer) error {
	if fi, err := os.Stat(path); err == nil && fi.Size() > 256<<20 && progress != nil {
		fmt.Fprintf(progress, "seloste: checking the database (%d MB)\n", fi.Size()>>20)
	}
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return explain(path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA quick_check(3)`)
	if err != nil {
		return explain(path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return explain(path, err)
		}
		// One line of the error, without SQLite's headings.
		for line := range strings.Lines(p) {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "***") {
				problems = append(problems, line)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return explain(path, err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return damaged(path, strings.Join(problems[:min(len(problems), 3)], "; "))
	}
	return nil
}
