//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package sqlite

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive flock(2) on f without waiting: false if
// another open file description holds one. flock's lock belongs to the
// open file, not the process, and ends when its last descriptor closes
// (the process's end included); Go opens files close-on-exec, so a child
// process does not inherit it.
func tryLock(f *os.File) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, syscall.EINTR):
			continue
		}
		return false, err
	}
}

func isReadOnlyFS(err error) bool { return errors.Is(err, syscall.EROFS) }

// locksWork: tryLock keeps others out, so a file nobody holds a lock on is
// known to be left by a process that has ended.
const locksWork = true
