package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/collect"
	"github.com/seloste/seloste/analytics/request"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// selosteBinary builds the command once per test run.
func selosteBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "seloste-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "seloste")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is a running "seloste serve" child process.
type server struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// listenLine finds the address in the start-up line, as text or JSON.
var listenLine = regexp.MustCompile(`url"?[=:]"?http://(127\.0\.0\.1:\d+)/`)

func startServe(t testing.TB, args ...string) *server {
	t.Helper()
	return startServeIn(t, "", args...)
}

// startServeIn starts "seloste serve" in the folder dir ("": the test's),
// where it finds its seloste.toml, content/ and public/ as an owner's would.
func startServeIn(t testing.TB, dir string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(selosteBinary(t), append([]string{"serve", "-addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	pr, pw := io.Pipe()
	s := &server{cmd: cmd, stderr: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stderr = io.MultiWriter(s.stderr, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listenLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case addr := <-found:
		s.url = "http://" + addr
	case err := <-s.done:
		t.Fatalf("serve exited: %v\n%s", err, s.stderr)
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not start\n%s", s.stderr)
	}
	return s
}

// stop sends sig and waits for the exit status.
func (s *server) stop(t testing.TB, sig os.Signal) error {
	t.Helper()
	s.cmd.Process.Signal(sig)
	select {
	case err := <-s.done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not stop after %v\n%s", sig, s.stderr)
		return nil
	}
}

// postEvent sends one beacon body to the collector at base as a browser
// would (text/plain, testUA), with more headers given as name, value
// pairs, and returns the status.
func postEvent(t testing.TB, base, body string, headers ...string) int {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/api/event", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("User-Agent", testUA)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

const testUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"

func countRows(t *testing.T, db, table string) int {
	t.Helper()
	var n int
	if err := rawDB(t, db).QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestServeSIGTERMUnderLoad fires page views at a real "seloste serve",
// sends SIGTERM in the middle, and checks that the process exits 0 with
// every acknowledged (202) page view in the database.
func TestServeSIGTERMUnderLoad(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	s := startServe(t, "-db", db, "-site", "example.fi", "-geoip", "none", "-public", filepath.Join(dir, "public"))

	var accepted, other atomic.Int64
	var seq atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for range 16 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := seq.Add(1)
				body := fmt.Sprintf(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/load/%d","pageview":"s%d"}`, i%100, i)
				req, _ := http.NewRequest("POST", s.url+"/api/event", strings.NewReader(body))
				req.Header.Set("Content-Type", "text/plain")
				req.Header.Set("User-Agent", testUA)
				resp, err := client.Do(req)
				if err != nil {
					// Refused or reset: the server is going away.
					select {
					case <-stop:
						return
					default:
						time.Sleep(5 * time.Millisecond)
						continue
					}
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					accepted.Add(1)
				} else {
					other.Add(1)
				}
			}
		})
	}
	// Let load build up, then stop the server mid-stream.
	for deadline := time.Now().Add(30 * time.Second); accepted.Load() < 2000; {
		if time.Now().After(deadline) {
			close(stop)
			t.Fatalf("only %d page views accepted in 30 s (%d other answers)\n%s", accepted.Load(), other.Load(), s.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	err := s.stop(t, syscall.SIGTERM)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("serve exited with %v after SIGTERM\n%s", err, s.stderr)
	}
	n := countRows(t, db, "pageviews")
	t.Logf("accepted %d, other answers %d, stored %d", accepted.Load(), other.Load(), n)
	if int64(n) != accepted.Load() {
		t.Errorf("stored %d page views, but %d were acknowledged with 202\n%s", n, accepted.Load(), s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "all accepted events written") {
		t.Errorf("no clean-stop message in the log:\n%s", s.stderr)
	}
}

// TestServePrivacy runs the server behind a trusted proxy with distinctive
// client addresses and User-Agents, then searches the database files and
// the log for them, in text and binary form: none may be found.
func TestServePrivacy(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	s := startServe(t, "-db", db, "-site", "example.fi", "-geoip", "none", "-trust-proxy", "127.0.0.1/32",
		"-public", filepath.Join(dir, "public"))

	ips := []string{"198.51.100.213", "203.0.113.177", "2001:db8:5e1:77::beef"}
	uas := []string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 SelosteCanaryOne/4242",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7; SelosteCanaryTwo) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
	}
	send := func(ip, ua, body string) int {
		req, _ := http.NewRequest("POST", s.url+"/api/event", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("User-Agent", ua)
		req.Header.Set("X-Forwarded-For", "10.9.8.7, "+ip)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	accepted := 0
	for i, ip := range ips {
		for j, ua := range uas {
			id := fmt.Sprintf("priv%d%d", i, j)
			if send(ip, ua, `{"kind":"pageview","site":"example.fi","url":"https://example.fi/p","pageview":"`+id+`"}`) == 202 {
				accepted++
			}
			send(ip, ua, `{"kind":"leave","site":"example.fi","pageview":"`+id+`","duration_ms":1000}`)
			// Rejected requests must not leak either.
			send(ip, ua, `{"kind":"pageview","site":"example.fi","url":"https://example.fi/`+ip+`"`)
			send(ip, ua, `{"kind":"pageview","site":"evil.example","url":"https://example.fi/","pageview":"x"}`)
		}
	}
	if accepted != len(ips)*len(uas) {
		t.Fatalf("accepted %d page views, want %d\n%s", accepted, len(ips)*len(uas), s.stderr)
	}
	// Grep while the WAL is still there, and again after the stop.
	var files [][]byte
	read := func() {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "seloste.db") {
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err == nil {
					files = append(files, b)
				}
			}
		}
	}
	time.Sleep(1500 * time.Millisecond) // one flush window
	read()
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve: %v\n%s", err, s.stderr)
	}
	read()
	files = append(files, []byte(s.stderr.String()))
	if n := countRows(t, db, "pageviews"); n != accepted {
		t.Fatalf("stored %d page views, want %d", n, accepted)
	}

	var needles [][]byte
	for _, ip := range ips {
		a := netip.MustParseAddr(ip)
		needles = append(needles, []byte(ip), a.AsSlice())
		if a.Is4() {
			v := binary.BigEndian.Uint32(a.AsSlice())
			needles = append(needles, []byte(fmt.Sprint(v)))
		} else {
			needles = append(needles, []byte(a.StringExpanded()))
		}
	}
	for _, ua := range uas {
		needles = append(needles, []byte(ua), []byte("SelosteCanary"))
	}
	for i, f := range files {
		for _, n := range needles {
			if len(n) >= 4 && bytes.Contains(f, n) {
				t.Errorf("file %d of %d contains %q", i, len(files), n)
			}
		}
	}
}

func TestServeConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "seloste.toml")
	os.WriteFile(path, []byte(`
addr = "127.0.0.1:9999"
db = "from-file.db"
trust_proxy = ["10.0.0.0/8"]
retention = "18mo"
honour_dnt = false
geo_precision = "region"

[[site]]
domain = "example.fi"
origins = ["example.com"]

[[site]]
domain = "other.fi"
`), 0o644)
	var stderr bytes.Buffer
	cfg, err := parseServeFlags([]string{"-config", path, "-db", "flag.db", "-site", "example.fi", "-trust-proxy", "192.0.2.0/24", "-trust-proxy", "::1"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9999" || cfg.DB != "flag.db" || cfg.HonourDNT || cfg.GeoPrecision != "region" || cfg.Retention != "18mo" {
		t.Errorf("config %+v", cfg)
	}
	if len(cfg.Sites) != 1 || cfg.Sites[0].Domain != "example.fi" || len(cfg.Sites[0].Origins) != 1 {
		t.Errorf("-site should replace the file's sites, keeping example.fi's origins: %+v", cfg.Sites)
	}
	set, err := cfg.check()
	if err != nil {
		t.Fatal(err)
	}
	if len(set.proxies) != 2 || set.proxies[1].String() != "::1/128" {
		t.Errorf("proxies %v", set.proxies)
	}
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	if got := set.retention.Cutoff(now); !got.Equal(now.AddDate(0, -18, 0)) {
		t.Errorf("cutoff %v", got)
	}

	for _, bad := range []struct {
		toml string
		args []string
		want string
	}{
		{"adr = \"x\"\n", nil, "unknown key"},
		{"addr = 5\n", nil, "config"},
		{"", []string{"-retention", "3 years", "-site", "a.fi"}, "retention"},
		{"", []string{"-geo-precision", "street", "-site", "a.fi"}, "precision"},
		{"", []string{"-trust-proxy", "10.0.0.0/33", "-site", "a.fi"}, "trust-proxy"},
		{"", []string{"-flush-interval", "5s", "-site", "a.fi"}, "flush-interval"},
		{"", []string{"-report-timeout", "500ms", "-site", "a.fi"}, `report-timeout "500ms": want a duration from 1s to 10m`},
		{"report_timeout = \"1h\"\n", []string{"-site", "a.fi"}, "report-timeout"},
		{"log_format = \"JSON\"\n", []string{"-site", "a.fi"}, `log-format "JSON": want text or json`},
		{"themes = \"nosuch\"\n", []string{"-site", "a.fi"}, "serve: -themes nosuch (or themes in the config file): site: theme seloste not found"},
		{"", []string{"-themes", "nosuch", "-site", "a.fi"}, "serve: -themes nosuch"},
		{"", nil, "no site"},
	} {
		os.WriteFile(path, []byte(bad.toml), 0o644)
		cfg, err := parseServeFlags(append([]string{"-config", path}, bad.args...), io.Discard)
		if err == nil {
			_, err = cfg.check()
		}
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q %v: error %v, want %q", bad.toml, bad.args, err, bad.want)
		}
	}
}

func TestScrubWriter(t *testing.T) {
	var buf bytes.Buffer
	w := scrubWriter{logger: newTextLogger(&buf)}
	fmt.Fprint(w, "http: TLS handshake error from 203.0.113.9:41000: EOF; also [2001:db8::1]:443 and 2001:db8:5e1:77::beef")
	out := buf.String()
	for _, leak := range []string{"203.0.113.9", "2001:db8::1", "beef"} {
		if strings.Contains(out, leak) {
			t.Errorf("scrubbed log still has %q: %s", leak, out)
		}
	}
}

func TestServeMux(t *testing.T) {
	dir := t.TempDir()
	public := filepath.Join(dir, "public")
	st, err := openStore(context.Background(), filepath.Join(dir, "seloste.db"), false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	logger := newTextLogger(io.Discard)
	col, err := collect.New(context.Background(), collect.Config{Store: st, Sites: []request.Site{{Domain: "example.fi"}}, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close(context.Background())
	srv := httptest.NewServer(newMux(col, public, logger))
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// Before the notice is built: a hint, not a crash.
	if code, body := get("/"); code != 404 || !strings.Contains(body, "seloste notice build") {
		t.Errorf("GET / before build: %d %q", code, body)
	}
	// Built later, served without a restart; no directory listings.
	os.MkdirAll(filepath.Join(public, "tietosuojaseloste"), 0o755)
	os.MkdirAll(filepath.Join(public, "assets"), 0o755)
	os.WriteFile(filepath.Join(public, "index.html"), []byte("<h1>etusivu</h1>"), 0o644)
	os.WriteFile(filepath.Join(public, "tietosuojaseloste", "index.html"), []byte("<h1>seloste</h1>"), 0o644)
	os.WriteFile(filepath.Join(public, "assets", "x.css"), []byte("p{}"), 0o644)
	for path, want := range map[string]string{"/": "etusivu", "/tietosuojaseloste/": "seloste", "/assets/x.css": "p{}"} {
		if code, body := get(path); code != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d %q", path, code, body)
		}
	}
	if code, body := get("/assets/"); code != 404 || strings.Contains(body, "x.css") {
		t.Errorf("GET /assets/ lists the directory: %d %q", code, body)
	}
	if code, _ := get("/../seloste.db"); code == 200 {
		t.Error("path traversal served the database")
	}
	// Only what the build wrote: no links out of public/, no dotfiles, and
	// malformed names are the client's error, not the server's.
	secret := filepath.Join(dir, "secret.txt")
	os.WriteFile(secret, []byte("outside"), 0o644)
	os.Symlink(dir, filepath.Join(public, "up"))
	os.Symlink(secret, filepath.Join(public, "secret.txt"))
	os.Symlink("assets/x.css", filepath.Join(public, "inside.css"))
	os.WriteFile(filepath.Join(public, ".env"), []byte("TOKEN=x"), 0o644)
	os.MkdirAll(filepath.Join(public, ".git"), 0o755)
	os.WriteFile(filepath.Join(public, ".git", "config"), []byte("[core]"), 0o644)
	for path, want := range map[string]int{
		"/up/secret.txt": 404, "/secret.txt": 404, "/up/seloste.db": 404, "/.env": 404, "/.git/config": 404,
		"/assets/.env": 404, "/%ff": 400, "/a%00b": 400, "/" + strings.Repeat("a", 300): 404,
		"/inside.css": 200, // a link that stays inside is fine
	} {
		if code, body := get(path); code != want || strings.Contains(body, "outside") || strings.Contains(body, "TOKEN") {
			t.Errorf("GET %.40s: %d %.40q, want %d", path, code, body, want)
		}
	}
	if code, body := get("/s.js"); code != 200 || !strings.Contains(body, "sendBeacon") {
		t.Errorf("GET /s.js: %d", code)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("GET /healthz: %d %s", code, body)
	}
}
