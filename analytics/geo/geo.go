// Package geo estimates a visitor's coarse location (country, region, city)
// from the client IP with a MaxMind-format database: GeoLite2/GeoIP2 City or
// Country, DB-IP Lite, or ip-location-db's city or country files (one for
// IPv4, one for IPv6). The IP is only looked up, never kept.
//
// Open checks the file's structure and schema before the server starts
// (check.go says what, and why not all of it), so a corrupt database is a
// start-up error instead of a panic or wrong answers later, and a database
// of another schema is refused as such. Lookups decode only the three fields
// seloste stores, and cache them per database record. Reload swaps in a new
// file while lookups run.
package geo

import (
	"fmt"
	"os"
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
// the distributions' packages put the free databases, after
// where "seloste geoip update" writes them.
var Candidates = []string{
	"/var/lib/seloste/GeoLite2-City.mmdb", // seloste geoip update
	"/var/lib/seloste/dbip-city-lite.mmdb",
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
