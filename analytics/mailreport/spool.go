package mailreport

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Spool is a directory of messages, the durable half of sending:
//
//	queue/KEY.eml  a message to send, written whole (temporary file, sync,
//	               rename) before the first attempt
//	sent/KEY       an empty mark, made once the server took KEY
//
// A key names what a message is for (a period's summary for one person and
// site, an alert kind for a site on a day), so enqueuing a key that is
// queued or sent does nothing: a restart, or two ticks in the same hour,
// do not send twice. Marks older than keepSent are removed; keys hold
// their date, so an old mark protects nothing.
//
// Files, not the store, because the spool must work when the store or
// the SMTP server does not, needs no schema in two engines, and is the
// owner's to read: a stuck message is a file to look at or delete.
type Spool struct{ dir string }

// keepSent is how long a sent mark is kept: longer than any key's period.
const keepSent = 62 * 24 * time.Hour

// OpenSpool makes dir and its two folders if missing.
func OpenSpool(dir string) (*Spool, error) {
	for _, d := range []string{"queue", "sent"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("mail spool: %w", err)
		}
	}
	return &Spool{dir: dir}, nil
}

// Dir is the spool's directory.
func (s *Spool) Dir() string { return s.dir }

func (s *Spool) queued(key string) string { return filepath.Join(s.dir, "queue", key+".eml") }
func (s *Spool) mark(key string) string   { return filepath.Join(s.dir, "sent", key) }

// Has reports whether key is queued or sent.
func (s *Spool) Has(key string) bool {
	for _, p := range []string{s.queued(key), s.mark(key)} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// Add queues msg under key unless key is queued or sent; added says
// whether it did.
func (s *Spool) Add(key string, msg []byte) (added bool, err error) {
	if !validKey(key) {
		return false, fmt.Errorf("mail spool: bad key %q", key)
	}
	if s.Has(key) {
		return false, nil
	}
	f, err := os.CreateTemp(filepath.Join(s.dir, "queue"), ".tmp-*")
	if err != nil {
		return false, fmt.Errorf("mail spool: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename: nothing to remove
	if _, err := f.Write(msg); err != nil {
		f.Close()
		return false, fmt.Errorf("mail spool: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, fmt.Errorf("mail spool: %w", err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("mail spool: %w", err)
	}
	if err := os.Rename(f.Name(), s.queued(key)); err != nil {
		return false, fmt.Errorf("mail spool: %w", err)
	}
	return true, nil
}

// Queued are the keys waiting to be sent, oldest first.
func (s *Spool) Queued() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.dir, "queue"))
	if err != nil {
		return nil, fmt.Errorf("mail spool: %w", err)
	}
	type item struct {
		key string
		at  time.Time
	}
	var items []item
	for _, e := range ents {
		key, ok := strings.CutSuffix(e.Name(), ".eml")
		if !ok || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		items = append(items, item{key, info.ModTime()})
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.key
	}
	return keys, nil
}

// Read returns the queued message of key.
func (s *Spool) Read(key string) ([]byte, error) {
	b, err := os.ReadFile(s.queued(key))
	if err != nil {
		return nil, fmt.Errorf("mail spool: %w", err)
	}
	return b, nil
}

// Sent marks key sent, then removes its queued message: a crash between
// the two leaves a message that Sent's mark keeps from being sent again.
func (s *Spool) Sent(key string) error {
	f, err := os.OpenFile(s.mark(key), os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("mail spool: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("mail spool: %w", err)
	}
	if err := os.Remove(s.queued(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mail spool: %w", err)
	}
	return nil
}

// IsSent reports whether key was sent.
func (s *Spool) IsSent(key string) bool {
	_, err := os.Stat(s.mark(key))
	return err == nil
}

// Prune removes sent marks older than keepSent before now.
func (s *Spool) Prune(now time.Time) {
	ents, err := os.ReadDir(filepath.Join(s.dir, "sent"))
	if err != nil {
		return
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > keepSent {
			os.Remove(filepath.Join(s.dir, "sent", e.Name()))
		}
	}
}

// validKey: letters, digits and . _ - only, so a key is a file name.
func validKey(k string) bool {
	if k == "" || len(k) > 200 || k[0] == '.' {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
