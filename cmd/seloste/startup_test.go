package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// refusal is how "seloste serve" ended when it should not have started.
type refusal struct {
	code   int
	stderr string
	took   time.Duration
}

// serveRefuses runs "seloste serve" with args, expecting it to refuse to
// start: it must exit ≠ 0 on its own within seconds. as, if not nil, runs
// it as another user.
func serveRefuses(t *testing.T, as *syscall.Credential, args ...string) refusal {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, selosteBinary(t), append([]string{"serve", "-addr", "127.0.0.1:0", "-site", "example.fi"}, args...)...)
	if as != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: as}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	r := refusal{stderr: stderr.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case err == nil:
		t.Fatalf("serve exited 0; it should have refused to start\n%s", r.stderr)
	case ctx.Err() != nil:
		t.Fatalf("serve still running after 20 s; it should have refused to start\n%s", r.stderr)
	case !errors.As(err, &exit):
		t.Fatalf("serve: %v", err)
	}
	r.code = exit.ExitCode()
	if r.code <= 0 {
		t.Fatalf("serve ended with %v, want an exit status ≠ 0\n%s", err, r.stderr)
	}
	return r
}

// clear checks that the refusal is one line at the end of standard error
// that names the file and contains every hint (what went wrong, how to
// fix it), with no panic or stack trace anywhere.
func (r refusal) clear(t *testing.T, file string, hints ...string) {
	t.Helper()
	for _, bad := range []string{"panic", "goroutine ", ".go:", "runtime."} {
		if strings.Contains(r.stderr, bad) {
			t.Errorf("standard error has %q:\n%s", bad, r.stderr)
		}
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "seloste: ") || !strings.Contains(last, file) {
		t.Errorf("last line of standard error does not name %s:\n%s", file, r.stderr)
	}
	for _, h := range hints {
		if !strings.Contains(last, h) {
			t.Errorf("error does not say %q:\n%s", h, last)
		}
	}
	if r.took > 10*time.Second {
		t.Errorf("took %v to refuse", r.took)
	}
	t.Logf("exit %d after %v: %s", r.code, r.took.Round(time.Millisecond), last)
}

// snapshot is what a directory holds: each file's bytes, mode and
// modification time.
type snapshot map[string]string

func snap(t *testing.T, dir string) snapshot {
	t.Helper()
	s := snapshot{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		s[e.Name()] = fmt.Sprintf("%v %d %x", fi.Mode(), fi.ModTime().UnixNano(), b)
	}
	return s
}

func (s snapshot) unchanged(t *testing.T, dir string) {
	t.Helper()
	now := snap(t, dir)
	for name, was := range s {
		if is, ok := now[name]; !ok {
			t.Errorf("%s was removed", name)
		} else if is != was {
			t.Errorf("%s was changed", name)
		}
	}
	for name := range now {
		if _, ok := s[name]; !ok {
			t.Errorf("%s was created next to the refused file", name)
		}
	}
}

// seloteDB makes a real seloste database with page views spread over many
// pages, written by a real "seloste serve" and closed cleanly, and
// returns its bytes.
func selosteDB(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	s := startServe(t, "-db", db, "-site", "example.fi", "-geoip", "none", "-public", filepath.Join(dir, "public"))
	client := &http.Client{Timeout: 5 * time.Second}
	for i := range 1500 {
		if code, _ := sendPageView(client, s.url, fmt.Sprintf("real%04d-%s", i, strings.Repeat("x", 40))); code != http.StatusAccepted {
			t.Fatalf("page view %d: %d", i, code)
		}
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve: %v\n%s", err, s.stderr)
	}
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db + "-wal"); err == nil {
		t.Fatal("the WAL is still there after a clean stop")
	}
	return b
}

// pageOf is the first byte of the 1-based page n of a SQLite file.
func pageOf(b []byte, n int) int {
	size := int(b[16])<<8 | int(b[17])
	if size == 1 {
		size = 65536
	}
	return (n - 1) * size
}

// rootPage is the b-tree root page of the named table or index.
func rootPage(t *testing.T, db []byte, name string) int {
	t.Helper()
	p := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(p, db, 0o644); err != nil {
		t.Fatal(err)
	}
	var root int
	if err := rawDB(t, p).QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = ?`, name).Scan(&root); err != nil {
		t.Fatal(err)
	}
	return root
}

// TestServeRefusesBadDatabase starts the real binary on corrupt, truncated
// and damaged databases: each must exit ≠ 0 within seconds with one clear
// line, and leave the file (and its directory) as it was.
func TestServeRefusesBadDatabase(t *testing.T) {
	real := selosteDB(t)
	pages := len(real) / pageOf(real, 2)
	if pages < 8 {
		t.Fatalf("the real database has only %d pages", pages)
	}
	damage := func(pages ...int) []byte {
		b := bytes.Clone(real)
		for _, n := range pages {
			at := pageOf(b, n)
			for i := at; i < at+pageOf(b, 2) && i < len(b); i++ {
				b[i] = byte(i*7 + n)
			}
		}
		return b
	}
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(i*31 + i>>8)
	}
	header := append([]byte("SQLite format 3\x00"), garbage...)
	tests := []struct {
		name  string
		file  []byte
		hints []string
	}{
		{"garbage", garbage, []string{"not a database", "-db"}},
		{"garbage with a SQLite header", header, []string{"-db"}},
		{"truncated to half", real[:len(real)/2], []string{"damaged", "backup"}},
		{"truncated to one page", real[:pageOf(real, 2)], []string{"damaged", "backup"}},
		{"truncated mid-page", real[:len(real)-100], []string{"damaged", "backup"}},
		{"damaged header page", damage(1), []string{"-db"}},
		{"damaged page views root", damage(rootPage(t, real, "pageviews")), []string{"damaged", "backup"}},
		{"damaged page views index root", damage(rootPage(t, real, "pageviews_site_ts")), []string{"damaged", "backup"}},
		{"damaged salts", damage(rootPage(t, real, "salts")), []string{"damaged", "backup"}},
		{"damaged middle page", damage(pages / 2), []string{"damaged", "backup"}},
		{"damaged last page", damage(pages), []string{"damaged", "backup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "seloste.db")
			if err := os.WriteFile(db, tt.file, 0o644); err != nil {
				t.Fatal(err)
			}
			before := snap(t, dir)
			r := serveRefuses(t, nil, "-db", db, "-geoip", "none", "-public", filepath.Join(t.TempDir(), "public"))
			r.clear(t, db, tt.hints...)
			before.unchanged(t, dir)
		})
	}
}

// TestServeRefusesDatabasePath starts the real binary with -db naming a
// directory, and a file in a directory that does not exist.
func TestServeRefusesDatabasePath(t *testing.T) {
	for name, tt := range map[string]struct{ db, hint string }{
		"a directory":       {"data", "is a directory"},
		"missing directory": {filepath.Join("missing", "seloste.db"), "does not exist"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(dir, tt.db)
			before := snap(t, dir)
			r := serveRefuses(t, nil, "-db", db, "-geoip", "none", "-public", filepath.Join(t.TempDir(), "public"))
			r.clear(t, db, tt.hint, "-db")
			before.unchanged(t, dir)
		})
	}
}

// nobody is the user a root test runs the binary as, so that file modes
// apply to it.
var nobody = &syscall.Credential{Uid: 65534, Gid: 65534}

// TestServeRefusesReadOnlyDatabase starts the real binary on a database
// it may read but not write: a read-only file, a file in a read-only
// directory (where SQLite cannot make its -wal and -shm files) and a file
// on a read-only file system. Root may write whatever the modes say, so as
// root the first two run the binary as the user nobody; the third mounts
// a read-only bind of a directory, which holds for root too.
func TestServeRefusesReadOnlyDatabase(t *testing.T) {
	real := selosteDB(t)
	var as *syscall.Credential
	if os.Geteuid() == 0 {
		as = nobody
		// nobody must reach the binary and the test's directories.
		bin := selosteBinary(t)
		if err := os.Chmod(filepath.Dir(bin), 0o755); err != nil {
			t.Fatal(err)
		}
		probe := exec.Command(bin, "serve", "-h")
		probe.SysProcAttr = &syscall.SysProcAttr{Credential: as}
		var exit *exec.ExitError
		if err := probe.Run(); err != nil && !errors.As(err, &exit) {
			// The file-mode cases need a user that modes apply to.
			as = nil
			t.Logf("running as root, and the user nobody cannot run %s (%v): the read-only file and directory cases are skipped", bin, err)
		}
	}
	// A directory the user running the binary can enter.
	newDir := func(t *testing.T) string {
		dir := t.TempDir()
		for d := dir; as != nil && d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	// own gives the file or directory to the user running the binary.
	own := func(t *testing.T, p string) {
		if as != nil {
			if err := os.Chown(p, int(as.Uid), int(as.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := func(t *testing.T, dir, db string) {
		before := snap(t, dir)
		r := serveRefuses(t, as, "-db", db, "-geoip", "none", "-public", filepath.Join(dir, "public"))
		r.clear(t, db, "cannot be written", "-db")
		before.unchanged(t, dir)
	}

	modesApply := func(t *testing.T) {
		if os.Geteuid() == 0 && as == nil {
			t.Skip("root writes whatever a file's mode says, and the binary cannot run as nobody here")
		}
	}
	t.Run("read-only file", func(t *testing.T) {
		modesApply(t)
		dir := newDir(t)
		own(t, dir)
		db := filepath.Join(dir, "seloste.db")
		if err := os.WriteFile(db, real, 0o444); err != nil {
			t.Fatal(err)
		}
		own(t, db)
		check(t, dir, db)
	})
	t.Run("read-only directory", func(t *testing.T) {
		modesApply(t)
		dir := newDir(t)
		db := filepath.Join(dir, "seloste.db")
		if err := os.WriteFile(db, real, 0o644); err != nil {
			t.Fatal(err)
		}
		own(t, db)
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		check(t, dir, db)
	})
	t.Run("read-only file system", func(t *testing.T) {
		dir := newDir(t)
		db := filepath.Join(dir, "seloste.db")
		if err := os.WriteFile(db, real, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mount(dir, dir, "", syscall.MS_BIND, ""); err != nil {
			t.Skipf("cannot bind-mount %s read-only (%v; it needs root or CAP_SYS_ADMIN): the read-only file and directory cases still ran", dir, err)
		}
		t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
		if err := syscall.Mount("", dir, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			t.Fatalf("remount read-only: %v", err)
		}
		before := snap(t, dir)
		r := serveRefuses(t, nil, "-db", db, "-geoip", "none", "-public", filepath.Join(t.TempDir(), "public"))
		r.clear(t, db, "cannot be written", "-db")
		before.unchanged(t, dir)
	})
}

// testMMDB writes a small, sound GeoLite2-City database and returns its
// bytes.
func testMMDB(t *testing.T) []byte {
	t.Helper()
	w, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "GeoLite2-City", RecordSize: 28, Languages: []string{"en"},
		Description: map[string]string{"en": "seloste start-up test"}})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []string{"FI", "SE", "DE", "EE"} {
		_, n, _ := net.ParseCIDR(fmt.Sprintf("81.2.%d.0/24", i))
		rec := mmdbtype.Map{
			"country":      mmdbtype.Map{"iso_code": mmdbtype.String(c)},
			"subdivisions": mmdbtype.Slice{mmdbtype.Map{"iso_code": mmdbtype.String("01")}},
			"city":         mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("City " + c)}},
		}
		if err := w.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestServeRefusesBadGeoIP starts the real binary with -geoip pointing at
// damaged location databases: each must exit ≠ 0 with a clear line, and
// the database file named by -db must not be created.
func TestServeRefusesBadGeoIP(t *testing.T) {
	good := testMMDB(t)
	damaged := bytes.Clone(good)
	for i := range 64 {
		damaged[i] = 0xff // the search tree points nowhere
	}
	tests := []struct {
		name string
		file []byte
	}{
		{"empty", nil},
		{"text", []byte("this is not a location database\n")},
		{"truncated", good[:len(good)/2]},
		{"damaged search tree", damaged},
		{"metadata only", good[len(good)-200:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			mmdb := filepath.Join(dir, "GeoLite2-City.mmdb")
			if err := os.WriteFile(mmdb, tt.file, 0o644); err != nil {
				t.Fatal(err)
			}
			before := snap(t, dir)
			r := serveRefuses(t, nil, "-db", filepath.Join(dir, "seloste.db"), "-geoip", mmdb, "-public", filepath.Join(dir, "public"))
			r.clear(t, mmdb, "geoip", "download a fresh copy")
			before.unchanged(t, dir)
		})
	}
	// A path that is not a file: the same, saying to check the path.
	for name, mmdb := range map[string]string{"missing": "nope.mmdb", "a directory": "maps"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "maps"), 0o755); err != nil {
				t.Fatal(err)
			}
			mmdb := filepath.Join(dir, mmdb)
			before := snap(t, dir)
			r := serveRefuses(t, nil, "-db", filepath.Join(dir, "seloste.db"), "-geoip", mmdb, "-public", filepath.Join(dir, "public"))
			r.clear(t, mmdb, "geoip", "check the path")
			before.unchanged(t, dir)
		})
	}
	// The sound file starts: the refusals above are the damage's.
	dir := t.TempDir()
	mmdb := filepath.Join(dir, "GeoLite2-City.mmdb")
	if err := os.WriteFile(mmdb, good, 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, "-db", filepath.Join(dir, "seloste.db"), "-site", "example.fi", "-geoip", mmdb, "-public", filepath.Join(dir, "public"))
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve with a sound GeoIP file: %v\n%s", err, s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "geo=GeoLite2-City") {
		t.Errorf("the sound GeoIP file was not used:\n%s", s.stderr)
	}
}
