package geo

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oschwald/geoip2-golang/v2"
)

// sharedTestdata returns the directory of MaxMind's own test databases, or
// skips: they live outside the repository (CI sets SELOSTE_SHARED_TESTDATA).
func sharedTestdata(t *testing.T) string {
	dir := os.Getenv("SELOSTE_SHARED_TESTDATA")
	if dir == "" {
		t.Skip("SELOSTE_SHARED_TESTDATA not set: skipping checks against MaxMind's test databases")
	}
	return dir
}

// Every deliberately corrupt file of MaxMind's reader test suite must give a
// clear error from Open, or, if its damage is out of reach of verification,
// lookups that do not panic or hang.
func TestSharedBadDatabases(t *testing.T) {
	dir := sharedTestdata(t)
	files, err := filepath.Glob(filepath.Join(dir, "geoip-bad", "*.mmdb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no files in %s/geoip-bad", dir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			db, err := Open(f)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) accepted a corrupt database", f)
			}
			// Damage, or (two files the Go reader reads without fault,
			// holding records of no location schema) an unknown schema.
			msg := err.Error()
			if !strings.Contains(msg, f) || !strings.Contains(msg, " is corrupt") && !strings.Contains(msg, "not a readable MaxMind DB") && !strings.Contains(msg, "schema seloste does not read") {
				t.Errorf("unclear error: %v", err)
			}
			t.Logf("%v", err)
		})
	}
}

// Known answers from shared/testdata/README.md, checked with both this
// package and geoip2-golang's full City decoder.
func TestSharedKnownAnswers(t *testing.T) {
	dir := sharedTestdata(t)
	tests := []struct {
		ip   string
		want Location
	}{
		{"81.2.69.142", Location{"GB", "ENG", "London"}},
		{"2.125.160.216", Location{"GB", "ENG", "Boxford"}},
		{"216.160.83.56", Location{"US", "WA", "Milton"}},
		{"89.160.20.112", Location{Country: "SE", City: "Linköping"}},
		{"175.16.199.1", Location{Country: "CN", City: "Changchun"}},
		{"2001:218::1", Location{Country: "JP"}},
		{"8.8.8.8", Location{}},
		{"127.0.0.1", Location{}},
	}
	for _, name := range []string{"GeoIP2-City-Test.mmdb", "GeoLite2-City-Test.mmdb"} {
		path := filepath.Join(dir, "geoip", name)
		db := open(t, path)
		g, err := geoip2.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		for _, tt := range tests {
			ip := netip.MustParseAddr(tt.ip)
			got := db.Lookup(ip)
			// Region codes are not in the README for every answer: compare
			// country and city, and the region where the README gives one.
			if got.Country != tt.want.Country || got.City != tt.want.City || tt.want.Region != "" && got.Region != tt.want.Region {
				t.Errorf("%s: Lookup(%s) = %+v, want %+v", name, tt.ip, got, tt.want)
			}
			c, err := g.City(ip)
			if err != nil {
				t.Fatalf("%s: geoip2 City(%s): %v", name, tt.ip, err)
			}
			var region string
			if len(c.Subdivisions) > 0 {
				region = c.Subdivisions[0].ISOCode
			}
			if full := (Location{c.Country.ISOCode, region, c.City.Names.English}); full != got {
				t.Errorf("%s: %s: this package says %+v, geoip2 says %+v", name, tt.ip, got, full)
			}
		}
	}
	for _, name := range []string{"GeoIP2-Country-Test.mmdb", "GeoLite2-Country-Test.mmdb"} {
		db := open(t, filepath.Join(dir, "geoip", name))
		if got := db.Lookup(netip.MustParseAddr("81.2.69.142")); got.Country != "GB" || got.City != "" {
			t.Errorf("%s: Lookup(81.2.69.142) = %+v, want country GB only", name, got)
		}
	}
	if _, err := Open(filepath.Join(dir, "geoip", "GeoLite2-ASN-Test.mmdb")); err == nil {
		t.Error("ASN database accepted as a location database")
	}
}
