package geo

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

type fixtureRecord struct {
	network string
	country string
	region  string
	city    string
}

var fixture = []fixtureRecord{
	{"81.2.69.0/24", "GB", "ENG", "London"},
	{"91.152.0.0/16", "FI", "18", "Helsinki"},
	{"2a00:1dd0::/32", "FI", "19", "Turku"},
	{"193.166.0.0/16", "FI", "", ""},
}

// writeFixture builds a MaxMind DB of dbType holding fixture, the way
// MaxMind's City and Country databases shape their records.
func writeFixture(t testing.TB, dbType string, withCity bool) string {
	t.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, RecordSize: 28, Languages: []string{"en"},
		Description: map[string]string{"en": "seloste test fixture"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixture {
		_, n, err := net.ParseCIDR(f.network)
		if err != nil {
			t.Fatal(err)
		}
		rec := mmdbtype.Map{
			"country": mmdbtype.Map{
				"iso_code": mmdbtype.String(f.country),
				"names":    mmdbtype.Map{"en": mmdbtype.String("Country " + f.country)},
			},
			"continent": mmdbtype.Map{"code": mmdbtype.String("EU")},
		}
		if withCity && f.city != "" {
			rec["city"] = mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(f.city), "fi": mmdbtype.String(f.city + "-fi")}}
			rec["subdivisions"] = mmdbtype.Slice{
				mmdbtype.Map{"iso_code": mmdbtype.String(f.region)},
				mmdbtype.Map{"iso_code": mmdbtype.String("XX")},
			}
		}
		if err := w.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), dbType+".mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func open(t testing.TB, paths ...string) *DB {
	t.Helper()
	db, err := Open(paths...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLookupCity(t *testing.T) {
	db := open(t, writeFixture(t, "GeoLite2-City", true))
	if db.Type() != "GeoLite2-City" {
		t.Errorf("Type() = %q", db.Type())
	}
	tests := []struct {
		ip   string
		want Location
	}{
		{"81.2.69.142", Location{"GB", "ENG", "London"}},
		{"91.152.10.20", Location{"FI", "18", "Helsinki"}},
		{"::ffff:91.152.10.20", Location{"FI", "18", "Helsinki"}},
		{"2a00:1dd0::5", Location{"FI", "19", "Turku"}},
		{"193.166.3.4", Location{Country: "FI"}},
		{"8.8.8.8", Location{}},
		{"127.0.0.1", Location{}},
		{"10.1.2.3", Location{}},
		{"::1", Location{}},
	}
	for range 2 { // the second round is answered from the cache
		for _, tt := range tests {
			if got := db.Lookup(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("Lookup(%s) = %+v, want %+v", tt.ip, got, tt.want)
			}
		}
	}
	if n := db.Errors(); n != 0 {
		t.Errorf("%d lookup errors", n)
	}
}

func TestLookupCountryDatabase(t *testing.T) {
	db := open(t, writeFixture(t, "GeoLite2-Country", false))
	if got, want := db.Lookup(netip.MustParseAddr("91.152.10.20")), (Location{Country: "FI"}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestPrecision(t *testing.T) {
	l := Location{"FI", "18", "Helsinki"}
	for _, tt := range []struct {
		s    string
		want Location
	}{
		{"", l},
		{"city", l},
		{"region", Location{Country: "FI", Region: "18"}},
		{"country", Location{Country: "FI"}},
	} {
		p, err := ParsePrecision(tt.s)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Trim(p); got != tt.want {
			t.Errorf("%q: got %+v, want %+v", tt.s, got, tt.want)
		}
	}
	if _, err := ParsePrecision("street"); err == nil {
		t.Error("ParsePrecision(street) succeeded")
	}
}

func TestNilDB(t *testing.T) {
	var db *DB
	if got := db.Lookup(netip.MustParseAddr("81.2.69.142")); got != (Location{}) {
		t.Errorf("nil DB found %+v", got)
	}
	if err := db.Close(); err != nil {
		t.Error(err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(writeFixture(t, "GeoLite2-City", true))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Damage the search tree: the data still parses, the tree points nowhere.
	damaged := append([]byte(nil), good...)
	for i := 0; i < 64 && i < len(damaged); i++ {
		damaged[i] = 0xff
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.mmdb"), "no such file"},
		{"empty", write("empty.mmdb", nil), "geoip database"},
		{"text", write("text.mmdb", []byte("not a database\n")), "geoip database"},
		{"truncated", write("truncated.mmdb", good[:len(good)/2]), "geoip database"},
		{"damaged tree", write("damaged.mmdb", damaged), "corrupt"},
		{"ASN database", writeFixture(t, "GeoLite2-ASN", false), "has no location data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(tt.path)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name the file and %q", err, tt.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	old := Candidates
	t.Cleanup(func() { Candidates = old })
	dir := t.TempDir()
	second := filepath.Join(dir, "b.mmdb")
	if err := os.WriteFile(second, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	Candidates = []string{filepath.Join(dir, "a.mmdb"), dir, second}
	if got := Detect(); got != second {
		t.Errorf("Detect() = %q, want %q", got, second)
	}
	Candidates = nil
	if got := Detect(); got != "" {
		t.Errorf("Detect() = %q with no candidates", got)
	}
}

func BenchmarkLookup(b *testing.B) {
	db := open(b, writeFixture(b, "GeoLite2-City", true))
	ip := netip.MustParseAddr("91.152.10.20")
	b.ReportAllocs()
	for b.Loop() {
		db.Lookup(ip)
	}
}
