package geo

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oschwald/geoip2-golang/v2"
	"github.com/oschwald/maxminddb-golang/v2"
)

// schema is the shape of a database's records.
type schema int

const (
	// schemaMaxMind: MaxMind's City/Country records (country.iso_code,
	// subdivisions[].iso_code, city.names.en), also used by DB-IP Lite.
	schemaMaxMind schema = iota + 1
	// schemaIPLocationDB: ip-location-db's flat records (country_code,
	// state1, city), one file for IPv4 and one for IPv6.
	schemaIPLocationDB
)

func (s schema) String() string {
	if s == schemaIPLocationDB {
		return "ip-location-db"
	}
	return "MaxMind"
}

// file is one open, checked database file.
type file struct {
	path   string
	r      *maxminddb.Reader
	schema schema
	stat   os.FileInfo
}

// openFile opens and checks one database file. Its errors name the file and
// say whether it is damaged or of a schema this package does not read.
func openFile(path string) (f *file, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("geoip database %s is corrupt (the reader panicked: %v); download a fresh copy", path, p)
		}
	}()
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("geoip database %s: %w; check the path", path, err)
	}
	r, err := maxminddb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("geoip database %s is not a readable MaxMind DB file (%w); check the path or download a fresh copy", path, err)
	}
	if err := checkStructure(path, r); err != nil {
		r.Close()
		return nil, fmt.Errorf("geoip database %s is corrupt: %w; download a fresh copy", path, err)
	}
	s, err := detectSchema(path, r)
	if err != nil {
		r.Close()
		return nil, err
	}
	return &file{path: path, r: r, schema: s, stat: st}, nil
}

// detectSchema decodes a sample of r's records in full (damage in them is a
// corrupt file) and says which schema they have.
func detectSchema(path string, r *maxminddb.Reader) (schema, error) {
	fields := map[string]bool{}
	note := func(rec any) {
		if m, ok := rec.(map[string]any); ok {
			for k := range m {
				fields[k] = true
			}
		}
	}
	// The first records in address order. Networks without data are
	// yielded too and counted, so that the walk is bounded even in a
	// damaged tree whose nodes share children without end.
	seen, records := 0, 0
	for res := range r.Networks(maxminddb.IncludeNetworksWithoutData()) {
		if err := res.Err(); err != nil {
			return 0, fmt.Errorf("geoip database %s is corrupt: %w; download a fresh copy", path, err)
		}
		if seen++; seen > 4096 {
			break
		}
		if !res.Found() {
			continue
		}
		var rec any
		if err := res.Decode(&rec); err != nil {
			return 0, fmt.Errorf("geoip database %s is corrupt: a record does not decode (%w); download a fresh copy", path, err)
		}
		note(rec)
		if records++; records == 64 {
			break
		}
	}
	// A spread of lookups reaches records far from the start, too.
	for i := range 256 {
		ip := netip.AddrFrom4([4]byte{byte(i), byte(i * 37), 1, 1})
		if r.Metadata.IPVersion == 6 && i%2 == 1 {
			ip = netip.AddrFrom16([16]byte{0x20, byte(i), byte(i * 37), 1})
		}
		res := r.Lookup(ip)
		if err := res.Err(); err != nil {
			return 0, fmt.Errorf("geoip database %s is corrupt: %w; download a fresh copy", path, err)
		}
		if !res.Found() {
			continue
		}
		var rec any
		if err := res.Decode(&rec); err != nil {
			return 0, fmt.Errorf("geoip database %s is corrupt: a record does not decode (%w); download a fresh copy", path, err)
		}
		note(rec)
	}

	dbType := r.Metadata.DatabaseType
	// geoip2 knows which of MaxMind's and DB-IP's types answer City lookups.
	g, err := geoip2.Open(path)
	if err == nil {
		_, err = g.City(netip.IPv4Unspecified())
		g.Close()
	}
	var unknown geoip2.UnknownDatabaseTypeError
	var invalid geoip2.InvalidMethodError
	switch {
	case err == nil:
		return schemaMaxMind, nil
	case errors.As(err, &invalid):
		return 0, fmt.Errorf("geoip database %s: type %q has no location data; use a city or country database (GeoLite2/GeoIP2, DB-IP Lite or ip-location-db)", path, dbType)
	case !errors.As(err, &unknown):
		return 0, fmt.Errorf("geoip database %s: %w; download a fresh copy", path, err)
	}
	if fields["country_code"] {
		return schemaIPLocationDB, nil
	}
	if len(fields) == 0 {
		return 0, fmt.Errorf("geoip database %s (type %q) has no location records where seloste looked; use a GeoLite2/GeoIP2 City or Country, a DB-IP Lite or an ip-location-db city or country database", path, dbType)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range fields {
			if !yield(k) {
				return
			}
		}
	})
	return 0, fmt.Errorf("geoip database %s is a valid MaxMind DB file, but of a schema seloste does not read (type %q, record fields: %s); use a GeoLite2/GeoIP2 City or Country, a DB-IP Lite or an ip-location-db city or country database",
		path, dbType, strings.Join(names, ", "))
}

// source is one loaded database: a MaxMind-schema file for both address
// families, or an ip-location-db pair (either file may be missing). It is
// reference-counted so that a reload closes it only after the lookups that
// use it have finished.
type source struct {
	v4, v6 *file
	schema schema
	dbType string
	desc   string
	built  time.Time

	refs   atomic.Int64 // 1 for the DB holding it, 1 per lookup in flight
	cache  sync.Map     // record key (family, offset) → Location
	cached atomic.Int64
}

// loadSource opens the database at paths: one file, two files (the IPv4 and
// IPv6 files of ip-location-db), or one directory holding either.
func loadSource(paths []string) (*source, error) {
	paths, err := expand(paths)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 || len(paths) > 2 {
		return nil, fmt.Errorf("geoip databases %s: give one file, or ip-location-db's two (IPv4 and IPv6)", strings.Join(paths, ", "))
	}
	var files []*file
	fail := func(err error) (*source, error) {
		for _, f := range files {
			f.r.Close()
		}
		return nil, err
	}
	for _, p := range paths {
		f, err := openFile(p)
		if err != nil {
			return fail(err)
		}
		files = append(files, f)
	}
	s := &source{schema: files[0].schema}
	switch len(files) {
	default:
		f := files[0]
		s.v4 = f
		if f.r.Metadata.IPVersion == 6 {
			s.v6 = f
			if f.schema == schemaIPLocationDB {
				s.v4 = nil // ip-location-db's IPv6 files hold no IPv4 networks
			}
		}
	case 2:
		a, b := files[0], files[1]
		if a.r.Metadata.IPVersion == 6 {
			a, b = b, a
		}
		if a.schema != schemaIPLocationDB || b.schema != schemaIPLocationDB || a.r.Metadata.IPVersion != 4 || b.r.Metadata.IPVersion != 6 {
			return fail(fmt.Errorf("geoip databases %s and %s: two files must be ip-location-db's IPv4 and IPv6 files (ip_version 4 and 6: these are %s ip_version %d and %s ip_version %d); give a MaxMind or DB-IP database alone",
				a.path, b.path, a.schema, a.r.Metadata.IPVersion, b.schema, b.r.Metadata.IPVersion))
		}
		s.v4, s.v6 = a, b
	}
	first := s.v4
	if first == nil {
		first = s.v6
	}
	m := first.r.Metadata
	s.dbType = m.DatabaseType
	s.desc = m.Description["en"]
	if s.desc == "" {
		for _, d := range m.Description {
			s.desc = d
			break
		}
	}
	s.built = time.Unix(int64(m.BuildEpoch), 0).UTC()
	s.refs.Store(1)
	return s, nil
}

// expand turns a directory into the database files in it.
func expand(paths []string) ([]string, error) {
	if len(paths) != 1 {
		return paths, nil
	}
	fi, err := os.Stat(paths[0])
	if err != nil || !fi.IsDir() {
		return paths, nil // openFile reports a missing file
	}
	found, err := filepath.Glob(filepath.Join(paths[0], "*.mmdb"))
	if err != nil {
		return nil, err
	}
	sort.Strings(found)
	if len(found) == 0 || len(found) > 2 {
		return nil, fmt.Errorf("geoip directory %s holds %d .mmdb files: check the path; a directory given should hold one database, or ip-location-db's IPv4 and IPv6 files", paths[0], len(found))
	}
	return found, nil
}

func (s *source) files() []*file {
	var out []*file
	if s.v4 != nil {
		out = append(out, s.v4)
	}
	if s.v6 != nil && s.v6 != s.v4 {
		out = append(out, s.v6)
	}
	return out
}

// acquire takes a reference for a lookup; false when s is already closing.
func (s *source) acquire() bool {
	for {
		n := s.refs.Load()
		if n <= 0 {
			return false
		}
		if s.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference; the last one closes the files.
func (s *source) release() {
	if s.refs.Add(-1) == 0 {
		for _, f := range s.files() {
			f.r.Close()
		}
	}
}

// record is the part of a MaxMind City or Country record seloste reads.
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

// flatRecord is the part of an ip-location-db record seloste reads.
type flatRecord struct {
	CountryCode string `maxminddb:"country_code"`
	State1      string `maxminddb:"state1"`
	City        string `maxminddb:"city"`
}

// cacheMax bounds the lookup cache: a City database has a few hundred
// thousand distinct records, and the busy ones fit easily.
const cacheMax = 1 << 16

type cacheKey struct {
	v6     bool
	offset uintptr
}

// lookup finds ip (unmapped, global unicast) in s. bad is true when the
// file's data could not be read.
func (s *source) lookup(ip netip.Addr) (loc Location, bad bool) {
	f := s.v4
	if ip.Is6() {
		f = s.v6
	}
	if f == nil {
		return Location{}, false
	}
	res := f.r.Lookup(ip)
	if res.Err() != nil {
		return Location{}, true
	}
	if !res.Found() {
		return Location{}, false
	}
	key := cacheKey{f == s.v6 && f != s.v4, res.Offset()}
	if v, ok := s.cache.Load(key); ok {
		return v.(Location), false
	}
	if s.schema == schemaIPLocationDB {
		var rec flatRecord
		if err := res.Decode(&rec); err != nil {
			return Location{}, true
		}
		loc = Location{Country: rec.CountryCode, City: rec.City}
		if rec.CountryCode == "FI" {
			loc.Region = finnishRegion(rec.State1)
		}
	} else {
		var rec record
		if err := res.Decode(&rec); err != nil {
			return Location{}, true
		}
		loc = Location{Country: rec.Country.ISOCode, City: rec.City.Names.English}
		if len(rec.Subdivisions) > 0 {
			loc.Region = rec.Subdivisions[0].ISOCode
		}
	}
	if s.cached.Load() < cacheMax {
		if _, loaded := s.cache.LoadOrStore(key, loc); !loaded {
			s.cached.Add(1)
		}
	}
	return loc, false
}

// changed says whether a file of s was replaced or rewritten since it was
// opened, or a directory's set of files differs.
func (s *source) changed(paths []string) bool {
	now, err := expand(paths)
	if err != nil {
		return true
	}
	files := s.files()
	if len(now) != len(files) {
		return true
	}
	for _, f := range files {
		if !slices.Contains(now, f.path) {
			return true
		}
		fi, err := os.Stat(f.path)
		if err != nil {
			// A file being replaced may be missing for a moment: keep the old.
			return false
		}
		if !os.SameFile(fi, f.stat) || fi.Size() != f.stat.Size() || !fi.ModTime().Equal(f.stat.ModTime()) {
			return true
		}
	}
	return false
}
