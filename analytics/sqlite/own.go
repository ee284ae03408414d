package sqlite

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// One process owns a database: the collector writes it for hours and
// upgrades its schema at start, a restore replaces it, a migration creates
// it. SQLite's own locks order single transactions, not that, so the owner
// holds an operating-system lock on a file beside the database,
// PATH.lock, which holds its process id. The kernel drops the lock when
// the process ends, however it ends: a lock file left by a crash or a
// SIGKILL does not keep the next owner out. Readers (reports, backups)
// and short writers (purge, imports) do not take it: SQLite orders them.

// LockSuffix is appended to a database's path to name its lock file.
const LockSuffix = ".lock"

// InUseError is Own's error when another process owns the database.
type InUseError struct {
	Path string // the database
	PID  int    // the owner's process id, as it wrote it; 0 if unknown
}

func (e *InUseError) Error() string {
	if e.PID == 0 {
		return fmt.Sprintf("database %s is in use by another process (its lock file %s%s is held)", e.Path, e.Path, LockSuffix)
	}
	return fmt.Sprintf("database %s is in use by another process (pid %d)", e.Path, e.PID)
}

// Owner makes Open take Own's lock on the database before it reads or
// writes it, and Close release it. The collector opens its store so.
func Owner() Option { return func(o *options) { o.owner = true } }

// Own makes this process the owner of the database at path (which need
// not exist yet) until release is called or the process ends. While
// another process owns it, Own fails at once with an *InUseError that
// names that process. Each call opens the lock file anew, so a second Own
// of the same path fails in the same process too.
//
// release removes the lock file: it exists while the database is owned
// (or after the owner was killed; then it is taken over).
func Own(path string) (release func() error, err error) {
	lock := path + LockSuffix
	for range 10 {
		f, err := os.OpenFile(lock, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, lockFileError(path, err)
		}
		held, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("database %s: locking %s: %w", path, lock, err)
		}
		if !held {
			pid := readPID(f)
			f.Close()
			return nil, &InUseError{Path: path, PID: pid}
		}
		// The previous owner removes the file as it releases: if it did so
		// between our open and our lock, we hold a lock on a file no one
		// else opens. Start again on the file that is there now.
		if !stillAt(f, lock) {
			f.Close()
			continue
		}
		if err := writePID(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("database %s: writing %s: %w", path, lock, err)
		}
		return func() error {
			// Removed while still locked, so that no one takes a file that
			// is about to go; where an open file cannot be removed
			// (Windows), after it is closed.
			rmErr := os.Remove(lock)
			closeErr := f.Close()
			if rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
				rmErr = os.Remove(lock)
			}
			if errors.Is(rmErr, fs.ErrNotExist) {
				rmErr = nil
			}
			return errors.Join(rmErr, closeErr)
		}, nil
	}
	return nil, fmt.Errorf("database %s: the lock file %s keeps being replaced: is another program removing it?", path, lock)
}

// lockFileError says why the lock file beside the database at path could
// not be made, in the words of Open's own checks of the path.
func lockFileError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("database %s: cannot be opened: its directory %s does not exist; create it, or give -db another path", path, filepath.Dir(path))
	case errors.Is(err, fs.ErrPermission), isReadOnlyFS(err):
		return fmt.Errorf("database %s: %w", path, unwritable(path, err))
	}
	return fmt.Errorf("database %s: %w", path, err)
}

// stillAt reports whether the open file f is still the one at path.
func stillAt(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// readPID reads the owner's process id from its lock file; 0 if it has not
// written it yet (it writes it just after taking the lock).
func readPID(f *os.File) int {
	b := make([]byte, 32)
	n, err := f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
