package goatcounter

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Visits need each session's rows in time order, and an export is in the
// order GoatCounter stored its hits, which is not quite the order of time
// and interleaves sessions. So the first pass sorts what visits need,
// a sortKey per row of a session, in runs of runKeys spilled to files, and
// assign walks the runs merged: memory is a run and a buffer per file,
// whatever the size of the export.

// sortKey is a row of a session: its place in the walk, and its row.
type sortKey struct {
	session uint64 // the session's hash (maphash, seeded for this import)
	ts      int64
	event   bool // after the page views of the same second
	row     uint32
}

func compareKeys(a, b sortKey) int {
	if c := cmp.Or(cmp.Compare(a.session, b.session), cmp.Compare(a.ts, b.ts)); c != 0 {
		return c
	}
	if a.event != b.event {
		if a.event {
			return 1
		}
		return -1
	}
	return cmp.Compare(a.row, b.row)
}

// keySize is a sortKey's size in a run file.
const keySize = 8 + 8 + 1 + 4

// runKeys is how many keys are sorted in memory at a time (6 MB); a
// variable for the tests.
var runKeys = 1 << 18

// sessions sorts the rows of sessions, in memory while they fit in a run.
type sessions struct {
	dir  string
	seed maphash.Seed
	buf  []sortKey
	runs []string
}

func newSessions(dir string) *sessions {
	return &sessions{dir: dir, seed: maphash.MakeSeed()}
}

// add adds a row of session.
func (s *sessions) add(session string, ts int64, row uint32, event bool) error {
	if s.buf == nil {
		s.buf = make([]sortKey, 0, min(runKeys, 4096))
	}
	s.buf = append(s.buf, s.key(session, ts, row, event))
	if len(s.buf) >= runKeys {
		return s.spill()
	}
	return nil
}

func (s *sessions) key(session string, ts int64, row uint32, event bool) sortKey {
	return sortKey{session: maphash.String(s.seed, session), ts: ts, event: event, row: row}
}

// spill writes the keys in memory, sorted, to a run file.
func (s *sessions) spill() error {
	slices.SortFunc(s.buf, compareKeys)
	name := filepath.Join(s.dir, fmt.Sprintf("run%d", len(s.runs)))
	f, err := os.Create(name)
	if err != nil {
		return tempError("sorting sessions", err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	var b [keySize]byte
	for _, k := range s.buf {
		binary.LittleEndian.PutUint64(b[0:], k.session)
		binary.LittleEndian.PutUint64(b[8:], uint64(k.ts))
		b[16] = 0
		if k.event {
			b[16] = 1
		}
		binary.LittleEndian.PutUint32(b[17:], k.row)
		w.Write(b[:])
	}
	err = w.Flush()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return tempError("sorting sessions", err)
	}
	s.runs = append(s.runs, name)
	s.buf = s.buf[:0]
	return nil
}

func (s *sessions) close() { s.buf = nil }

// run is a run file being read in a merge.
type run struct {
	r   *bufio.Reader
	f   *os.File
	key sortKey
}

func (r *run) next() (bool, error) {
	var b [keySize]byte
	if _, err := io.ReadFull(r.r, b[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		return false, fmt.Errorf("sorting sessions: %w", err)
	}
	r.key = sortKey{session: binary.LittleEndian.Uint64(b[0:]), ts: int64(binary.LittleEndian.Uint64(b[8:])),
		event: b[16] == 1, row: binary.LittleEndian.Uint32(b[17:])}
	return true, nil
}

type runHeap []*run

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return compareKeys(h[i].key, h[j].key) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(*run)) }
func (h *runHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}

// each calls fn with every key in order.
func (s *sessions) each(fn func(sortKey) error) error {
	if len(s.runs) == 0 {
		slices.SortFunc(s.buf, compareKeys)
		for _, k := range s.buf {
			if err := fn(k); err != nil {
				return err
			}
		}
		s.buf = nil
		return nil
	}
	if len(s.buf) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.buf = nil
	h := make(runHeap, 0, len(s.runs))
	defer func() {
		for _, r := range h {
			r.f.Close()
		}
	}()
	for _, name := range s.runs {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("sorting sessions: %w", err)
		}
		r := &run{f: f, r: bufio.NewReaderSize(f, 64<<10)}
		ok, err := r.next()
		if err != nil || !ok {
			f.Close()
			if err != nil {
				return err
			}
			continue
		}
		h = append(h, r)
	}
	heap.Init(&h)
	for len(h) > 0 {
		r := h[0]
		if err := fn(r.key); err != nil {
			return err
		}
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			r.f.Close()
			heap.Pop(&h)
		}
	}
	return nil
}

// ids is what a row is stored with.
type ids struct {
	visitor, visit uint64
	pageView       uint32 // an event's page view's row + 1; 0: none
}

// idSize is an ids' size in the file of assignments.
const idSize = 8 + 8 + 4

// assigned is the ids of every row, in a file read in row order.
type assigned struct {
	f      *os.File
	r      *bufio.Reader
	row    uint32 // the next row the reader is at
	mac    hash.Hash
	key    []byte
	events int64 // events that joined a page view
	alone  int64 // events without a page view of their session that day
}

// keyed is a keyed hash of parts, never 0; the key lives only as long as
// the import, so no id can be recomputed from a session afterwards.
func (a *assigned) keyed(parts ...uint64) uint64 {
	a.mac.Reset()
	var b [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(b[:], p)
		a.mac.Write(b[:])
	}
	return binary.BigEndian.Uint64(a.mac.Sum(nil)) | 1
}

// assign gives each page view of a session its visitor (one per session
// and UTC day) and visit (gaps under analytics.VisitGap), and each event
// the page view of its session at or before it on the same UTC day, or
// else the session's first later page view that day, and writes them to
// a file in row order.
func (s *sessions) assign(ctx context.Context) (*assigned, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(s.dir, "ids"))
	if err != nil {
		return nil, tempError("assigning visits", err)
	}
	a := &assigned{f: f, key: key, mac: hmac.New(sha256.New, key)}
	write := func(row uint32, id ids) error {
		var b [idSize]byte
		binary.LittleEndian.PutUint64(b[0:], id.visitor)
		binary.LittleEndian.PutUint64(b[8:], id.visit)
		binary.LittleEndian.PutUint32(b[16:], id.pageView)
		if _, err := f.WriteAt(b[:], int64(row)*idSize); err != nil {
			return tempError("assigning visits", err)
		}
		return nil
	}
	gap := int64(analytics.VisitGap / time.Second)
	var (
		n        int
		last     sortKey // the last page view seen
		lastIDs  ids
		seen     bool // a page view of last's session was seen
		today    bool // and on the day of the current key
		pending  []uint32
		session  uint64
		day      int64
		anything bool
	)
	err = s.each(func(k sortKey) error {
		if n++; n%65536 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		d := k.ts / 86400
		if !anything || k.session != session || d != day {
			// Events waiting for a later page view that day find none.
			a.alone += int64(len(pending))
			pending = pending[:0]
			if !anything || k.session != session {
				seen = false
			}
			today = false
			session, day, anything = k.session, d, true
		}
		if k.event {
			if !today {
				pending = append(pending, k.row)
				return nil
			}
			a.events++
			return write(k.row, ids{visitor: lastIDs.visitor, visit: lastIDs.visit, pageView: last.row + 1})
		}
		id := ids{visitor: a.keyed(1, k.session, uint64(d)), pageView: k.row + 1}
		if seen && k.ts-last.ts < gap {
			id.visit = lastIDs.visit
		} else {
			id.visit = a.keyed(2, k.session, uint64(k.ts))
		}
		last, lastIDs, seen, today = k, id, true, true
		if err := write(k.row, id); err != nil {
			return err
		}
		for _, e := range pending {
			a.events++
			if err := write(e, id); err != nil {
				return err
			}
		}
		pending = pending[:0]
		return nil
	})
	a.alone += int64(len(pending))
	if err != nil {
		a.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		a.Close()
		return nil, fmt.Errorf("assigning visits: %w", err)
	}
	a.r = bufio.NewReaderSize(f, 64<<10)
	return a, nil
}

// next reads the ids of row, which must follow the row read before.
func (a *assigned) next(row uint32) (ids, error) {
	if row != a.row {
		return ids{}, fmt.Errorf("assigning visits: row %d read after row %d", row, a.row)
	}
	a.row++
	var b [idSize]byte
	if _, err := io.ReadFull(a.r, b[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return ids{}, nil // the file ends at the last row given ids
		}
		return ids{}, fmt.Errorf("assigning visits: %w", err)
	}
	return ids{visitor: binary.LittleEndian.Uint64(b[0:]), visit: binary.LittleEndian.Uint64(b[8:]),
		pageView: binary.LittleEndian.Uint32(b[16:])}, nil
}

// own is the visitor and visit of a page view without a session: its
// own.
func (a *assigned) own(row uint32) (visitor, visit uint64) {
	return a.keyed(3, uint64(row)), a.keyed(4, uint64(row))
}

// Close closes the file and drops the key.
func (a *assigned) Close() error {
	clear(a.key)
	return a.f.Close()
}

// tempError is a failure to write the temporary files, which take about
// 40 bytes a row of the export.
func tempError(what string, err error) error {
	return fmt.Errorf("%s: %w (temporary files under %s, about 40 bytes a row of the export: free space there, or set TMPDIR to a directory with more)", what, err, os.TempDir())
}
