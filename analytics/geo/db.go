package geo

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DB is an open location database that can be replaced while it is used
// (Reload). A nil *DB knows no location. It is safe for concurrent use.
type DB struct {
	paths  []string
	cur    atomic.Pointer[source]
	errs   atomic.Int64
	reload sync.Mutex // one Reload at a time
}

// Open opens and checks the database at paths: one file, ip-location-db's
// IPv4 and IPv6 files, or a directory holding either. The error names the
// file and says whether it is damaged or of a schema this package does not
// read; Open never panics on a bad file.
func Open(paths ...string) (*DB, error) {
	s, err := loadSource(paths)
	if err != nil {
		return nil, err
	}
	db := &DB{paths: paths}
	db.cur.Store(s)
	return db, nil
}

// Info describes the loaded database.
type Info struct {
	Paths       []string  // the files read
	Type        string    // metadata database_type, e.g. "GeoLite2-City"
	Description string    // metadata description (English when there is one)
	Schema      string    // "MaxMind" or "ip-location-db"
	Built       time.Time // metadata build_epoch
}

// FromDBIP says whether the data is DB-IP's, whose free licence (CC BY 4.0)
// requires crediting DB-IP where the data is shown.
func (i Info) FromDBIP() bool {
	s := strings.ToLower(i.Type + " " + i.Description)
	return strings.Contains(s, "db-ip") || strings.Contains(s, "dbip")
}

// Info describes the database now loaded; the zero Info for a nil DB.
func (db *DB) Info() Info {
	if db == nil {
		return Info{}
	}
	s := db.cur.Load()
	if s == nil {
		return Info{}
	}
	var paths []string
	for _, f := range s.files() {
		paths = append(paths, f.path)
	}
	return Info{Paths: paths, Type: s.dbType, Description: s.desc, Schema: s.schema.String(), Built: s.built}
}

// BuildTime is when the database now loaded was built, from its metadata
// (the zero time for a nil DB).
func (db *DB) BuildTime() time.Time { return db.Info().Built }

// Type is the database type from the file's metadata, e.g. "GeoLite2-City".
func (db *DB) Type() string { return db.Info().Type }

// Errors counts lookups that failed on bad data since Open.
func (db *DB) Errors() int64 {
	if db == nil {
		return 0
	}
	return db.errs.Load()
}

// Lookup returns the location of ip; the zero Location when the database
// has none (private and loopback addresses have none).
func (db *DB) Lookup(ip netip.Addr) (loc Location) {
	if db == nil || !ip.IsValid() {
		return Location{}
	}
	ip = ip.Unmap()
	if !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return Location{}
	}
	s := db.cur.Load()
	for s != nil && !s.acquire() { // replaced and closing: take its successor
		s = db.cur.Load()
	}
	if s == nil { // closed
		return Location{}
	}
	defer s.release()
	defer func() {
		if p := recover(); p != nil {
			db.errs.Add(1)
			loc = Location{}
		}
	}()
	loc, bad := s.lookup(ip)
	if bad {
		db.errs.Add(1)
	}
	return loc
}

// Reload opens and checks the database at the paths given to Open again and,
// if that succeeds, swaps it in: lookups started before keep the old files
// until they finish, and the last one closes them. On error the old
// database stays in use. Reload does nothing (false, nil) when the files
// have not changed, unless force is set.
func (db *DB) Reload(force bool) (bool, error) {
	if db == nil {
		return false, nil
	}
	db.reload.Lock()
	defer db.reload.Unlock()
	cur := db.cur.Load()
	if cur == nil {
		return false, errors.New("geoip database closed")
	}
	if !force && !cur.changed(db.paths) {
		return false, nil
	}
	s, err := loadSource(db.paths)
	if err != nil {
		return false, err
	}
	db.cur.Swap(s).release()
	return true, nil
}

// Watch reloads the database when its files change (checked every interval)
// and whenever signal receives, until ctx ends. It logs each reload and each
// failure; a failed reload keeps the database in use.
func (db *DB) Watch(ctx context.Context, interval time.Duration, signal <-chan os.Signal, logger *slog.Logger) {
	if db == nil {
		return
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		force := false
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-signal:
			force = true
		}
		old := db.Info()
		changed, err := db.Reload(force)
		switch {
		case err != nil:
			logger.Error("geoip database not reloaded; keeping the one in use", "err", err, "in_use", old.Type, "built", old.Built.Format(time.DateOnly))
		case changed:
			now := db.Info()
			logger.Info("geoip database reloaded", "files", strings.Join(now.Paths, ","), "type", now.Type, "built", now.Built.Format(time.DateOnly))
		}
	}
}

// Close releases the database. Lookups still running finish first.
func (db *DB) Close() error {
	if db == nil {
		return nil
	}
	db.reload.Lock()
	defer db.reload.Unlock()
	if s := db.cur.Swap(nil); s != nil {
		s.release()
	}
	return nil
}
