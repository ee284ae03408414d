package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
)

var _ analytics.Backuper = (*Store)(nil)

// testHookBackup, if set, runs once a backup has written its temporary
// copy, before it is checked and renamed.
var testHookBackup func(tmp string)

// Backup writes a consistent copy of the database to dst while the store
// stays in use: VACUUM INTO reads one snapshot (a WAL read transaction,
// which never blocks the collector's writes) and writes it compacted. The
// copy goes to a temporary file next to dst (see backupTemp), is checked
// (its own quick_check and that it is a seloste database) and synced, and
// only then renamed to dst: a failed or interrupted backup leaves no dst
// behind, and what a killed one left is removed by the next backup into
// dst's folder (first thing) and by RemoveStaleBackups. An existing dst is
// an error. progress, if not nil, gets a line every few seconds with how
// far the copy is.
func (s *Store) Backup(ctx context.Context, dst string, progress io.Writer) error {
	dst, err := filepath.Abs(dst)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if same, _ := sameFile(dst, s.path); same {
		return fmt.Errorf("backup: %s is the database itself: give -out another file", dst)
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("backup: %s exists: remove it or choose another -out (a backup never overwrites)", dst)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	dir := filepath.Dir(dst)
	// What a dead backup left goes before this one starts; a leftover
	// that cannot be removed (another user's) does not stop a backup.
	removed, size, err := removeStaleBackups(dir)
	if progress != nil {
		if len(removed) > 0 {
			fmt.Fprintf(progress, "backup: removed %s left by interrupted backups: %s\n", megabytes(size), strings.Join(removed, ", "))
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) { // a missing folder is said below
			fmt.Fprintf(progress, "backup: cannot remove what interrupted backups left in %s (%v): remove those files by hand\n", dir, err)
		}
	}
	// Recorded before the copy starts, so that the upkeep finds the folder
	// even if this backup is killed; without the record, the next backup
	// into the folder still cleans it.
	if err := s.recordBackupFolder(dir); err != nil && progress != nil {
		fmt.Fprintf(progress, "backup: cannot record the folder in %s%s (%v): serve's upkeep will not look there for what an interrupted backup leaves; the next backup into %s will\n",
			s.path, BackupFoldersSuffix, err, dir)
	}
	tmp, err := newBackupTemp(dir, filepath.Base(dst))
	if err != nil {
		return fmt.Errorf("backup: %w (is the folder of -out writable?)", err)
	}
	defer tmp.remove()
	tmpPath := tmp.path

	var pages, pageSize int64
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT page_count FROM pragma_page_count), (SELECT page_size FROM pragma_page_size)`).
		Scan(&pages, &pageSize); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	done := make(chan struct{})
	if progress != nil {
		go reportCopy(progress, tmpPath, pages*pageSize, done)
	}
	start := time.Now()
	_, err = s.db.ExecContext(ctx, `VACUUM INTO ?`, tmpPath)
	close(done)
	if err != nil {
		return fmt.Errorf("backup: copying the database: %w", err)
	}
	if testHookBackup != nil {
		testHookBackup(tmpPath)
	}
	if err := checkCopy(ctx, tmpPath); err != nil {
		return fmt.Errorf("backup: the copy does not check out (%w); the database is unchanged, try again", err)
	}
	if err := syncFile(tmpPath); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmpPath, dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncFile(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if progress != nil {
		if fi, err := os.Stat(dst); err == nil {
			fmt.Fprintf(progress, "backup: %s written, %s in %s\n", dst, megabytes(fi.Size()), time.Since(start).Round(100*time.Millisecond))
		}
	}
	return nil
}

// Restore replaces the database at path with the backup from, for a
// stopped installation: from must be a seloste database that checks out,
// of a schema this version can open (it is upgraded on first open). An
// existing database is kept beside it as PATH.before-restore-TIME unless
// there is none; one that a running server may still use (its write-ahead
// log is there) is refused. The copy is written next to path and renamed
// into place, so path is always either the old database or the whole new
// one. It owns the database meanwhile (Own): one that a collector owns is
// refused with an *InUseError.
func Restore(ctx context.Context, from, path string, progress io.Writer) error {
	if same, _ := sameFile(from, path); same {
		return fmt.Errorf("restore: %s is the database itself", from)
	}
	if err := checkCopy(ctx, from); err != nil {
		return fmt.Errorf("restore: %s: %w", from, err)
	}
	// Another program's database is not moved aside (nor a lock file put
	// beside it); a damaged seloste database, the usual reason for a
	// restore, is.
	if err := CheckFile(ctx, path); errors.Is(err, ErrForeign) {
		return fmt.Errorf("restore: %w", err)
	}
	// A running collector owns the database (Owner): it is not replaced
	// under it, and none starts on it until the copy is in place.
	release, err := Own(path)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer release()
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return fmt.Errorf("restore: %s-wal exists: a seloste serve may be using %s; stop it first (after a crash, start and stop serve once so that it folds the log in)", path, path)
	}
	src, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".restore-*")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	var w io.Writer = tmp
	if progress != nil {
		fi, _ := src.Stat()
		w = &copyProgress{w: tmp, out: progress, total: fi.Size(), every: 2 * time.Second}
	}
	if _, err := io.Copy(w, src); err != nil {
		tmp.Close()
		return fmt.Errorf("restore: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("restore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := os.Stat(path); err == nil {
		aside := path + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(path, aside); err != nil {
			return fmt.Errorf("restore: keeping the old database: %w", err)
		}
		os.Remove(path + "-wal") // empty: checked above
		os.Remove(path + "-shm")
		if progress != nil {
			fmt.Fprintf(progress, "restore: the old database is kept as %s\n", aside)
		}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := syncFile(filepath.Dir(path)); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if progress != nil {
		fmt.Fprintf(progress, "restore: %s restored from %s\n", path, from)
	}
	return nil
}

// checkCopy opens the file at path read-only and checks that it is a
// seloste database of a schema this version knows and that SQLite's
// quick_check passes.
func checkCopy(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	if err := checkOwn(ctx, db, path); err != nil {
		return err
	}
	var version int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version == 0 || version > len(migrations) {
		return fmt.Errorf("schema version %d: not a seloste backup this version can restore (it knows 1 to %d)", version, len(migrations))
	}
	var result string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&result); err != nil {
		return err
	}
	if result != "ok" {
		return fmt.Errorf("damaged: %s", result)
	}
	return nil
}

func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}

// syncFile fsyncs a file or a folder (so that a rename in it is durable).
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// reportCopy prints how far VACUUM INTO has written path, out of about
// total bytes (the source's size: the copy is compacted, so it ends at or
// below 100 %), until done closes.
func reportCopy(out io.Writer, path string, total int64, done chan struct{}) {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			if fi, err := os.Stat(path); err == nil && total > 0 {
				fmt.Fprintf(out, "backup: %s of at most %s (%d%%)\n", megabytes(fi.Size()), megabytes(total), min(100, fi.Size()*100/total))
			}
		}
	}
}

// copyProgress is a writer that says how much has been written every so
// often.
type copyProgress struct {
	w        io.Writer
	out      io.Writer
	total, n int64
	every    time.Duration
	last     time.Time
}

func (c *copyProgress) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if now := time.Now(); now.Sub(c.last) >= c.every {
		c.last = now
		if c.total > 0 {
			fmt.Fprintf(c.out, "restore: %s of %s (%d%%)\n", megabytes(c.n), megabytes(c.total), c.n*100/c.total)
		}
	}
	return n, err
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
