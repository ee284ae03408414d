//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package sqlite

import "os"

// tryLock does not lock where flock(2) is missing: the lock file is written
// with the owner's process id, but a second owner is not kept out.
func tryLock(*os.File) (bool, error) { return true, nil }

func isReadOnlyFS(error) bool { return false }

// locksWork: tryLock keeps no one out, so no lock tells a running
// process's files from a dead one's.
const locksWork = false
