// Package geo estimates a visitor's coarse location (country, region, city)
// from the client IP with a MaxMind-format database: GeoLite2/GeoIP2 City or
// Country, or DB-IP Lite. The IP is only looked up, never kept.
//
// Open checks the database type with github.com/oschwald/geoip2-golang/v2
// and verifies the whole file before the server starts, so a corrupt
// database is a start-up error instead of a panic or wrong answers later.
// Lookups decode only the three fields seloste stores, and cache them per
// database record.
package geo

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oschwald/geoip2-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2"
)

// Precision is how much of a location is kept.
type Precision int

const (
	City    Precision = iota // country, region and city (default)
	Region                   // country and region
	Country                  // country only
)

// ParsePrecision parses "country", "region" or "city"; "" means City.
func ParsePrecision(s string) (Precision, error) {
	switch s {
	case "city", "":
		return City, nil
	case "region":
		return Region, nil
	case "country":
		return Country, nil
	}
	return City, fmt.Errorf("geo precision %q: want country, region or city", s)
}

func (p Precision) String() string {
	switch p {
	case Region:
		return "region"
	case Country:
		return "country"
	}
	return "city"
}

// Location is a coarse location. Empty fields are unknown or not kept.
type Location struct {
	Country string // ISO 3166-1 alpha-2, e.g. "FI"
	Region  string // ISO 3166-2 subdivision code without the country, e.g. "18"
	City    string // English name, e.g. "Helsinki"
}

// Trim drops what precision p does not keep.
func (l Location) Trim(p Precision) Location {
	switch p {
	case Country:
		return Location{Country: l.Country}
	case Region:
		return Location{Country: l.Country, Region: l.Region}
	}
	return l
}

// Candidates are the paths Detect tries, in order: where geoipupdate and
// the distributions' packages put the free databases.
var Candidates = []string{
	"/usr/share/GeoIP/GeoLite2-City.mmdb",
	"/var/lib/GeoIP/GeoLite2-City.mmdb",
	"/usr/share/GeoIP/GeoIP2-City.mmdb",
	"/var/lib/GeoIP/GeoIP2-City.mmdb",
	"/usr/share/GeoIP/dbip-city-lite.mmdb",
	"/var/lib/GeoIP/dbip-city-lite.mmdb",
	"/usr/share/GeoIP/GeoLite2-Country.mmdb",
	"/var/lib/GeoIP/GeoLite2-Country.mmdb",
	"/usr/share/GeoIP/GeoIP2-Country.mmdb",
	"/var/lib/GeoIP/GeoIP2-Country.mmdb",
	"/usr/share/GeoIP/dbip-country-lite.mmdb",
	"/var/lib/GeoIP/dbip-country-lite.mmdb",
}

// Detect returns the first of Candidates that exists, or "".
func Detect() string {
	for _, p := range Candidates {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// cacheMax bounds the lookup cache: a City database has a few hundred
// thousand distinct records, and the busy ones fit easily.
const cacheMax = 1 << 16

// DB is an open location database. A nil *DB knows no location. It is safe
// for concurrent use.
type DB struct {
	r      *maxminddb.Reader
	dbType string
	cache  sync.Map // record offset (uintptr) → Location
	cached atomic.Int64
	errs   atomic.Int64
}

// Open opens and verifies the database at path. The error says what is
// wrong with the file; Open never panics on a corrupt one.
func Open(path string) (db *DB, err error) {
	defer func() {
		if p := recover(); p != nil {
			db, err = nil, fmt.Errorf("geoip database %s: corrupt (reader panicked: %v); download a fresh copy", path, p)
		}
	}()
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geoip database %s: %w; check the path or download a fresh copy", path, err)
	}
	// Walk the whole search tree and data section once, so that damage
	// shows now and not as wrong answers under load.
	if err := r.Verify(); err != nil {
		r.Close()
		return nil, fmt.Errorf("geoip database %s is corrupt: %w; download a fresh copy", path, err)
	}
	dbType := r.Metadata.DatabaseType

	// geoip2 knows which database types answer City lookups (City, Country,
	// Enterprise, DB-IP Lite).
	g, err := geoip2.Open(path)
	if err == nil {
		_, err = g.City(netip.IPv4Unspecified())
		g.Close()
	}
	var unknown geoip2.UnknownDatabaseTypeError
	var invalid geoip2.InvalidMethodError
	switch {
	case errors.As(err, &unknown) || errors.As(err, &invalid):
		r.Close()
		return nil, fmt.Errorf("geoip database %s: type %q has no location data; use a GeoLite2/GeoIP2 City or Country or a DB-IP Lite database", path, dbType)
	case err != nil:
		r.Close()
		return nil, fmt.Errorf("geoip database %s: %w; download a fresh copy", path, err)
	}
	return &DB{r: r, dbType: dbType}, nil
}

// Type is the database type from the file's metadata, e.g. "GeoLite2-City".
func (db *DB) Type() string {
	if db == nil {
		return ""
	}
	return db.dbType
}

// Errors counts lookups that failed on bad data since Open.
func (db *DB) Errors() int64 {
	if db == nil {
		return 0
	}
	return db.errs.Load()
}

// BuildTime is when the database file was built, from its metadata (the
// zero time for a nil DB).
func (db *DB) BuildTime() time.Time {
	if db == nil {
		return time.Time{}
	}
	return time.Unix(int64(db.r.Metadata.BuildEpoch), 0).UTC()
}

// record is the part of a City or Country record seloste reads.
type record struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"subdivisions"`
	City struct {
		Names struct {
			English string `maxminddb:"en"`
		} `maxminddb:"names"`
	} `maxminddb:"city"`
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
	defer func() {
		if p := recover(); p != nil {
			db.errs.Add(1)
			loc = Location{}
		}
	}()
	res := db.r.Lookup(ip)
	if res.Err() != nil {
		db.errs.Add(1)
		return Location{}
	}
	if !res.Found() {
		return Location{}
	}
	off := res.Offset()
	if v, ok := db.cache.Load(off); ok {
		return v.(Location)
	}
	var rec record
	if err := res.Decode(&rec); err != nil {
		db.errs.Add(1)
		return Location{}
	}
	loc = Location{Country: rec.Country.ISOCode, City: rec.City.Names.English}
	if len(rec.Subdivisions) > 0 {
		loc.Region = rec.Subdivisions[0].ISOCode
	}
	if db.cached.Load() < cacheMax {
		if _, loaded := db.cache.LoadOrStore(off, loc); !loaded {
			db.cached.Add(1)
		}
	}
	return loc
}

// Close releases the database.
func (db *DB) Close() error {
	if db == nil {
		return nil
	}
	return db.r.Close()
}
