package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/seloste/seloste/analytics/geo"
)

// geoFixture builds a City database of dbType placing 91.152.0.0/16 in city
// (Finland, region) and 193.166.0.0/16 (geoip update's known address) in
// Helsinki.
func geoFixture(t testing.TB, dbType, desc, region, city string) []byte {
	t.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, RecordSize: 28, Description: map[string]string{"en": desc}})
	if err != nil {
		t.Fatal(err)
	}
	for network, place := range map[string][2]string{"91.152.0.0/16": {region, city}, "193.166.0.0/16": {"18", "Helsinki"}} {
		_, n, _ := net.ParseCIDR(network)
		if err := w.Insert(n, mmdbtype.Map{
			"country":      mmdbtype.Map{"iso_code": mmdbtype.String("FI")},
			"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String(place[0])}},
			"city":         mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(place[1])}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// replaceFile puts b at path the way geoip update does: a new file renamed
// over the old.
func replaceFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path+".new", b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// until waits up to 10 s for ok (waitFor, for a condition without a value).
func until(t *testing.T, what string, ok func() bool) {
	t.Helper()
	waitFor(t, func() (string, bool) { return "", ok() }, what)
}

// serve swaps in a new location database on SIGHUP, and the collector
// places the next page view with it; a bad file is refused and the old
// database kept; the dashboard credits DB-IP while its data is loaded.
func TestServeGeoReload(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	geoPath := filepath.Join(dir, "GeoLite2-City.mmdb")
	replaceFile(t, geoPath, geoFixture(t, "GeoLite2-City", "GeoLite2 City database", "18", "Helsinki"))
	s := startServe(t, "-db", db, "-site", "example.fi", "-geoip", geoPath, "-trust-proxy", "127.0.0.1/32",
		"-public", filepath.Join(dir, "public"), "-build-notice=false")
	if !strings.Contains(s.stderr.String(), "geo=GeoLite2-City") {
		t.Fatalf("start log: %s", s.stderr)
	}
	send := func(id string) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.url+"/api/event", strings.NewReader(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/`+id+`","pageview":"`+id+`"}`))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("User-Agent", testUA)
		req.Header.Set("X-Forwarded-For", "91.152.10.20")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 202 {
			t.Fatalf("event: %d", resp.StatusCode)
		}
	}
	city := func(id string) string {
		var c string
		until(t, "page view "+id, func() bool {
			return rawDB(t, db).QueryRow(`SELECT city FROM pageview_values WHERE path = ?`, "/"+id).Scan(&c) == nil
		})
		return c
	}
	footer := func() string {
		resp, err := http.Get(s.url + "/dashboard/login")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b[bytes.LastIndex(b, []byte("<footer>")):])
	}
	send("before")
	if c := city("before"); c != "Helsinki" {
		t.Errorf("before the reload: city %q", c)
	}
	if strings.Contains(footer(), "DB-IP") {
		t.Error("DB-IP credited for MaxMind's data")
	}

	replaceFile(t, geoPath, geoFixture(t, "DBIP-City-Lite", "dbip.com City Lite", "18", "Espoo"))
	s.cmd.Process.Signal(syscall.SIGHUP)
	until(t, "the reload", func() bool { return strings.Contains(s.stderr.String(), "geoip database reloaded") })
	send("after")
	if c := city("after"); c != "Espoo" {
		t.Errorf("after the reload: city %q", c)
	}
	if !strings.Contains(footer(), `<a href="https://db-ip.com">IP geolocation by DB-IP</a>`) {
		t.Errorf("no DB-IP credit: %s", footer())
	}

	replaceFile(t, geoPath, []byte("half a database"))
	s.cmd.Process.Signal(syscall.SIGHUP)
	until(t, "the refusal", func() bool {
		return strings.Contains(s.stderr.String(), "geoip database not reloaded; keeping the one in use")
	})
	send("refused")
	if c := city("refused"); c != "Espoo" {
		t.Errorf("after a refused reload: city %q", c)
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("exit: %v\n%s", err, s.stderr)
	}
}

// A corrupt database stays a start-up error that names the file.
func TestServeGeoCorrupt(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "GeoLite2-City.mmdb")
	good := geoFixture(t, "GeoLite2-City", "x", "18", "Helsinki")
	replaceFile(t, bad, good[:len(good)/2])
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"serve", "-db", filepath.Join(dir, "s.db"), "-site", "example.fi", "-geoip", bad, "-build-notice=false"}, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "-geoip") {
		t.Fatalf("serve with a corrupt database: %v", err)
	}
}

func TestGeoIPUpdateCommand(t *testing.T) {
	db := geoFixture(t, "DBIP-City-Lite", "dbip.com City Lite", "18", "Espoo")
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write(db)
	zw.Close()
	month := time.Now().UTC().Format("2006-01")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/free/dbip-city-lite-"+month+".mmdb.gz" {
			http.NotFound(w, r)
			return
		}
		w.Write(zipped.Bytes())
	}))
	defer srv.Close()
	old := geoipBaseURL
	geoipBaseURL = srv.URL
	defer func() { geoipBaseURL = old }()

	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"geoip", "update", "-dir", dir}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "dbip-city-lite.mmdb")); !bytes.Equal(got, db) {
		t.Error("not installed")
	}
	if !strings.Contains(stdout.String(), "DBIP-City-Lite built ") || !strings.Contains(stdout.String(), "kill -HUP") {
		t.Errorf("stdout %q", stdout.String())
	}
	// Where serve's auto-detection would find another database first, it says so.
	oldCandidates := geo.Candidates
	defer func() { geo.Candidates = oldCandidates }()
	maxmind := filepath.Join(dir, "GeoLite2-City.mmdb")
	geo.Candidates = []string{maxmind, filepath.Join(dir, "dbip-city-lite.mmdb")}
	replaceFile(t, maxmind, geoFixture(t, "GeoLite2-City", "x", "18", "Helsinki"))
	stdout.Reset()
	if err := run(context.Background(), []string{"geoip", "update", "-dir", dir}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "note: serve without -geoip uses "+maxmind) {
		t.Errorf("no note of the database found first: %q", stdout.String())
	}
	// Without -dir, the configuration file's geoip gives the folder, and
	// a file it names otherwise is pointed out.
	t.Chdir(t.TempDir())
	for _, tt := range []struct{ geoip, note string }{
		{"geo/dbip-city-lite.mmdb", "kill -HUP"},
		{"geo/other.mmdb", `set geoip = "geo/dbip-city-lite.mmdb" there`},
	} {
		replaceFile(t, "seloste.toml", []byte("geoip = \""+tt.geoip+"\"\n"))
		stdout.Reset()
		if err := run(context.Background(), []string{"geoip", "update"}, &stdout, &stderr); err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
		if got, _ := os.ReadFile(filepath.Join("geo", "dbip-city-lite.mmdb")); !bytes.Equal(got, db) {
			t.Errorf("geoip = %q: not installed in geo/", tt.geoip)
		}
		if !strings.Contains(stdout.String(), tt.note) {
			t.Errorf("geoip = %q: stdout %q, want %q", tt.geoip, stdout.String(), tt.note)
		}
	}
	for _, args := range [][]string{{"geoip"}, {"geoip", "fetch"}, {"geoip", "update", "-provider", "ip2location", "-dir", dir}, {"geoip", "update", "-provider", "maxmind", "-dir", dir}} {
		t.Setenv("MAXMIND_LICENSE_KEY", "")
		t.Setenv("MAXMIND_ACCOUNT_ID", "")
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
}
