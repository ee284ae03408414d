package update

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"github.com/seloste/seloste/analytics/geo"
)

// mmdb builds a City database of dbType placing 193.166.0.0/16 (the
// default known address) in country.
func mmdb(t *testing.T, dbType, desc, country string) []byte {
	t.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, RecordSize: 28, Description: map[string]string{"en": desc}})
	if err != nil {
		t.Fatal(err)
	}
	_, n, _ := net.ParseCIDR("193.166.0.0/16")
	if err := w.Insert(n, mmdbtype.Map{
		"country":      mmdbtype.Map{"iso_code": mmdbtype.String(country)},
		"city":         mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("Helsinki")}},
		"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String("18")}},
	}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gz(t *testing.T, b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// tarGz packs files as MaxMind's archives do: one dated directory.
func tarGz(t *testing.T, files map[string][]byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "GeoLite2-City_20261201/", Typeflag: tar.TypeDir, Mode: 0o755})
	for name, b := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "GeoLite2-City_20261201/" + name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(b))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(b)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return out.Bytes()
}

// service answers like the providers' download servers: files by path,
// 404 for the rest, 401 without the right basic auth on MaxMind's path,
// and MaxMind's redirect to the file's storage.
type service struct {
	mu    sync.Mutex
	files map[string][]byte
	got   []string
}

func newService(t *testing.T, files map[string][]byte) (*service, string) {
	s := &service{files: files}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.got = append(s.got, r.URL.RequestURI())
		b, ok := s.files[r.URL.RequestURI()]
		s.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/geoip/databases/") {
			if u, p, ok := r.BasicAuth(); !ok || u != "123456" || p != "good-key" {
				http.Error(w, "Invalid license key", http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, "/storage"+r.URL.RequestURI(), http.StatusFound)
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func run(t *testing.T, cfg Config) (Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg.Client = &http.Client{Timeout: 20 * time.Second}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) }
	}
	return Run(ctx, cfg)
}

// noTemp fails if anything but want is left in dir.
func noTemp(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("%s holds %v, want %v", dir, names, want)
	}
}

func TestDBIPFallsBackToLastMonth(t *testing.T) {
	db := mmdb(t, "DBIP-City-Lite", "dbip.com City Lite", "FI")
	svc, base := newService(t, map[string][]byte{"/free/dbip-city-lite-2026-11.mmdb.gz": gz(t, db)})
	dir := t.TempDir()
	var progress bytes.Buffer
	res, err := run(t, Config{Provider: DBIPLite, Dir: dir, BaseURL: base, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(svc.got, " ") != "/free/dbip-city-lite-2026-12.mmdb.gz /free/dbip-city-lite-2026-11.mmdb.gz" {
		t.Errorf("asked for %v", svc.got)
	}
	path := filepath.Join(dir, "dbip-city-lite.mmdb")
	if res.Path != path || res.Type != "DBIP-City-Lite" || res.Bytes != int64(len(db)) || !strings.HasSuffix(res.From, "2026-11.mmdb.gz") || time.Since(res.Built) > time.Hour {
		t.Errorf("result %+v", res)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, db) {
		t.Error("installed file differs from the served database")
	}
	noTemp(t, dir, "dbip-city-lite.mmdb")
	if !strings.Contains(progress.String(), "MB downloaded\n") {
		t.Errorf("progress %q", progress.String())
	}
	g, err := geo.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if !g.Info().FromDBIP() {
		t.Errorf("DB-IP's database not recognised as DB-IP's: %+v", g.Info())
	}
}

func TestDBIPCurrentMonth(t *testing.T) {
	svc, base := newService(t, map[string][]byte{
		"/free/dbip-city-lite-2026-12.mmdb.gz": gz(t, mmdb(t, "DBIP-City-Lite", "dbip.com City Lite", "FI")),
		"/free/dbip-city-lite-2026-11.mmdb.gz": []byte("not this one"),
	})
	if _, err := run(t, Config{Provider: DBIPLite, Dir: t.TempDir(), BaseURL: base}); err != nil {
		t.Fatal(err)
	}
	if len(svc.got) != 1 {
		t.Errorf("asked for %v", svc.got)
	}
}

// On every failure the installed file stays as it was and nothing else is
// left in the directory.
func TestFailuresKeepTheOldFile(t *testing.T) {
	good := mmdb(t, "DBIP-City-Lite", "dbip.com City Lite", "FI")
	whole := gz(t, good)
	tests := []struct {
		name  string
		files map[string][]byte
		cfg   Config
		want  string
	}{
		{"not published", nil, Config{Provider: DBIPLite}, "not published the database yet"},
		{"not gzip", map[string][]byte{"/free/dbip-city-lite-2026-12.mmdb.gz": good}, Config{Provider: DBIPLite}, "not gzip"},
		{"cut short", map[string][]byte{"/free/dbip-city-lite-2026-12.mmdb.gz": whole[:len(whole)/2]}, Config{Provider: DBIPLite}, "unexpected EOF"},
		{"not a database", map[string][]byte{"/free/dbip-city-lite-2026-12.mmdb.gz": gz(t, []byte("<html>maintenance</html>"))}, Config{Provider: DBIPLite}, "failed its check"},
		{"no country for the known address", map[string][]byte{"/free/dbip-city-lite-2026-12.mmdb.gz": gz(t, mmdb(t, "DBIP-City-Lite", "x", ""))}, Config{Provider: DBIPLite}, "no country for the known address"},
		{"ASN database", map[string][]byte{"/free/dbip-city-lite-2026-12.mmdb.gz": gz(t, mmdb(t, "GeoLite2-ASN", "x", "FI"))}, Config{Provider: DBIPLite}, "no location data"},
		{"bad licence key", nil, Config{Provider: MaxMind, AccountID: "123456", LicenseKey: "bad-key"}, "refused the account ID and licence key"},
		{"no licence key", nil, Config{Provider: MaxMind}, "needs an account ID and a licence key"},
		{"archive without the database", map[string][]byte{"/storage/geoip/databases/GeoLite2-City/download?suffix=tar.gz": tarGz(t, map[string][]byte{"LICENSE.txt": []byte("x")})},
			Config{Provider: MaxMind, AccountID: "123456", LicenseKey: "good-key"}, "holds no GeoLite2-City.mmdb"},
		{"unknown provider", nil, Config{Provider: "ip2location"}, "unknown provider"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := newService(t, tt.files)
			dir := t.TempDir()
			name := FileName(tt.cfg.Provider)
			old := []byte("the old database")
			if err := os.WriteFile(filepath.Join(dir, name), old, 0o644); err != nil {
				t.Fatal(err)
			}
			tt.cfg.Dir, tt.cfg.BaseURL = dir, base
			_, err := run(t, tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "bad-key") {
				t.Errorf("the licence key is in the error: %v", err)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(got, old) {
				t.Error("the old file was changed")
			}
			noTemp(t, dir, name)
		})
	}
}

func TestMaxMind(t *testing.T) {
	db := mmdb(t, "GeoLite2-City", "GeoLite2 City database", "FI")
	svc, base := newService(t, map[string][]byte{
		"/storage/geoip/databases/GeoLite2-City/download?suffix=tar.gz": tarGz(t, map[string][]byte{
			"COPYRIGHT.txt": []byte("c"), "LICENSE.txt": []byte("l"), "GeoLite2-City.mmdb": db, "README.txt": []byte("r"),
		}),
	})
	dir := filepath.Join(t.TempDir(), "new", "dir")
	res, err := run(t, Config{Provider: MaxMind, AccountID: "123456", LicenseKey: "good-key", Dir: dir, BaseURL: base})
	if err != nil {
		t.Fatal(err)
	}
	if res.Type != "GeoLite2-City" || res.Path != filepath.Join(dir, "GeoLite2-City.mmdb") || strings.Contains(res.From, "key") {
		t.Errorf("result %+v", res)
	}
	if got, _ := os.ReadFile(res.Path); !bytes.Equal(got, db) {
		t.Error("installed file differs from the archive's")
	}
	if fi, _ := os.Stat(res.Path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	noTemp(t, dir, "GeoLite2-City.mmdb")
	if len(svc.got) != 2 || svc.got[0] != "/geoip/databases/GeoLite2-City/download?suffix=tar.gz" {
		t.Errorf("asked for %v", svc.got)
	}
	g, err := geo.Open(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if g.Info().FromDBIP() {
		t.Error("MaxMind's database taken for DB-IP's")
	}
}
