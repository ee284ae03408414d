package site

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path/filepath"
	"time"
)

// DefaultPoll is how often Watch looks for changes.
const DefaultPoll = 500 * time.Millisecond

// Watch calls rebuild whenever a file under one of dirs is added, removed or
// changed, until ctx is cancelled. It polls modification times rather than
// using file system events: polling is the same on every system and
// editor, and cheap for a folder of a few dozen files.
//
// A change is acted on once the tree has stayed the same for one poll
// interval, so an editor's save (write, rename, chmod) causes one rebuild.
// Errors (from rebuild, or a folder gone missing) are passed to report and
// do not stop the watch; the next change tries again. Watch returns nil when ctx is cancelled.
func Watch(ctx context.Context, dirs []string, poll time.Duration, rebuild func(context.Context) error, report func(error)) error {
	if poll <= 0 {
		poll = DefaultPoll
	}
	last, err := snapshot(dirs)
	if err != nil {
		return err
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	pending := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		now, err := snapshot(dirs)
		if err != nil {
			// A folder removed or renamed mid-edit: say so, keep watching.
			report(err)
			continue
		}
		switch {
		case now != last:
			last, pending = now, true // still changing: wait until it settles
		case pending:
			pending = false
			if err := rebuild(ctx); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}

// snapshot is a hash of every path, size and modification time under dirs.
func snapshot(dirs []string) (uint64, error) {
	h := fnv.New64a()
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) { // removed while walking
					return nil
				}
				return err
			}
			fmt.Fprintf(h, "%s\x00%d\x00%d\x00%o\n", path, info.Size(), info.ModTime().UnixNano(), info.Mode())
			return nil
		})
		if err != nil {
			return 0, fmt.Errorf("watch %s: %w", dir, err)
		}
	}
	return h.Sum64(), nil
}
