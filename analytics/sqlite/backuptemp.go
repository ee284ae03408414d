package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/seloste/seloste/analytics"
)

// A backup writes its copy to a temporary file beside its output,
// .OUT.seloste-backup-tmp-PID-RANDOM (SQLite adds a -journal to it), and
// holds an operating-system lock on PATH.lock, made before the copy and
// removed after it. A backup killed without warning (SIGKILL, a power
// loss) leaves the copy, personal data that erasures and purges would
// never reach. The lock tells it from a running backup's: the kernel drops
// it when its process ends, so a copy whose lock no one holds is stale.
// Stale copies are removed by every backup, in its output's folder, before
// it starts, and by the daily upkeep (RemoveStaleBackups) in the
// database's folder and in every folder that backups of it were written
// to, which each backup records in the database's PATH.backup-folders.

var _ analytics.BackupCleaner = (*Store)(nil)

// backupTempMark is in the name of every temporary file of a backup.
const backupTempMark = ".seloste-backup-tmp-"

// backupTempName matches a backup's temporary files, SQLite's and the
// lock: the part before the suffix is the copy's name, its stem.
var backupTempName = regexp.MustCompile(`^(\..+\.seloste-backup-tmp-[0-9]+-[0-9a-f]+)(-journal|-wal|-shm|\.lock)?$`)

// BackupFoldersSuffix is appended to a database's path to name the file
// that lists, one a line, the folders its backups were written to.
const BackupFoldersSuffix = ".backup-folders"

// backupTemp is a running backup's temporary copy and its lock.
type backupTemp struct {
	path string   // the copy; VACUUM INTO creates it
	lock *os.File // path + ".lock", locked
}

// newBackupTemp makes and locks a temporary copy's lock in dir, for the
// output named base.
func newBackupTemp(dir, base string) (*backupTemp, error) {
	for range 10 {
		path := filepath.Join(dir, fmt.Sprintf(".%s%s%d-%08x", base, backupTempMark, os.Getpid(), rand.Uint32()))
		f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		held, err := tryLock(f)
		// A clean-up that found the lock file between its creation and
		// this lock holds it and removes it: start again with another name.
		if err != nil || !held || !stillAt(f, path+".lock") {
			f.Close()
			if err != nil {
				os.Remove(path + ".lock")
				return nil, err
			}
			continue
		}
		return &backupTemp{path: path, lock: f}, nil
	}
	return nil, fmt.Errorf("cannot make a temporary file in %s: its names keep being taken", dir)
}

// remove removes the copy (unless renamed away), SQLite's files beside it,
// and last the lock, still held, so that no clean-up removes them first.
func (t *backupTemp) remove() {
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		os.Remove(t.path + suffix)
	}
	os.Remove(t.lock.Name())
	t.lock.Close()
}

// removeStaleBackups removes in dir the temporary files of backups that
// no longer run (no one holds their lock) and returns their paths and
// their size. Where locks do not work (see tryLock) it removes nothing: a
// running backup's files could not be told apart.
func removeStaleBackups(dir string) (removed []string, size int64, err error) {
	if !locksWork {
		return nil, 0, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, err
	}
	var stems []string
	for _, e := range entries {
		if m := backupTempName.FindStringSubmatch(e.Name()); m != nil && !slices.Contains(stems, m[1]) {
			stems = append(stems, m[1])
		}
	}
	var errs []error
	for _, stem := range stems {
		path := filepath.Join(dir, stem)
		// The lock file is made before the copy and removed after it: a
		// copy without one is a dead backup's too.
		lock, err := os.OpenFile(path+".lock", os.O_RDWR, 0)
		if err == nil {
			held, err := tryLock(lock)
			if err != nil || !held { // running, or unknown: kept
				lock.Close()
				continue
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
			fi, err := os.Lstat(path + suffix)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			if err := os.Remove(path + suffix); err != nil {
				errs = append(errs, err)
				continue
			}
			removed = append(removed, path+suffix)
			size += fi.Size()
		}
		if lock != nil {
			if err := os.Remove(lock.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			lock.Close()
		}
	}
	return removed, size, errors.Join(errs...)
}

// recordBackupFolder adds dir to the database's list of backup folders,
// unless it is there or is the database's own folder (always cleaned).
// Lines are appended (O_APPEND, one write each), not rewritten through a
// temporary file: concurrent backups each add theirs, and a torn or
// repeated line only costs RemoveStaleBackups a look at a folder.
func (s *Store) recordBackupFolder(dir string) error {
	dbDir, err := filepath.Abs(filepath.Dir(s.path))
	if err != nil || dbDir == dir {
		return err
	}
	list := s.path + BackupFoldersSuffix
	folders, err := readBackupFolders(list)
	if err != nil || slices.Contains(folders, dir) {
		return err
	}
	f, err := os.OpenFile(list, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(dir + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readBackupFolders reads a list of backup folders: absolute paths, one a
// line. A missing list is empty.
func readBackupFolders(list string) ([]string, error) {
	f, err := os.Open(list)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var folders []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if dir := strings.TrimSpace(sc.Text()); filepath.IsAbs(dir) && !slices.Contains(folders, dir) {
			folders = append(folders, dir)
		}
	}
	return folders, sc.Err()
}

// RemoveStaleBackups removes what interrupted backups of the database left
// (see backupTemp): in the database's folder and in each folder its
// backups were written to. It returns the files removed. serve's upkeep
// runs it daily.
func (s *Store) RemoveStaleBackups(ctx context.Context) ([]string, error) {
	dbDir, err := filepath.Abs(filepath.Dir(s.path))
	if err != nil {
		return nil, err
	}
	folders, err := readBackupFolders(s.path + BackupFoldersSuffix)
	if err != nil {
		return nil, fmt.Errorf("backup folders: %w", err)
	}
	var removed []string
	var errs []error
	for _, dir := range append([]string{dbDir}, folders...) {
		if ctx.Err() != nil {
			break
		}
		r, _, err := removeStaleBackups(dir)
		removed = append(removed, r...)
		if err != nil && !errors.Is(err, fs.ErrNotExist) { // a folder since removed
			errs = append(errs, fmt.Errorf("backup folder %s: %w", dir, err))
		}
	}
	return removed, errors.Join(errs...)
}
