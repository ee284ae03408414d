package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestServeJSONLogAndMetrics runs "seloste serve -log-format json" behind
// a trusted proxy (this test), sends page views with distinctive addresses
// and User-Agents, and reads /metrics: directly it is answered, forwarded
// only with a token from "seloste token". Every log line is one JSON
// object, and neither the log nor /metrics holds an address or a
// User-Agent.
func TestServeJSONLogAndMetrics(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	s := startServe(t, "-db", db, "-site", "example.fi", "-geoip", "none", "-trust-proxy", "127.0.0.1/32",
		"-public", filepath.Join(dir, "public"), "-log-format", "json", "-flush-interval", "50ms")

	ips := []string{"198.51.100.213", "2001:db8:5e1:77::beef"}
	const ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 SelosteCanaryLog/4242"
	do := func(method, path, body string, hdr ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for i, ip := range ips {
		body := fmt.Sprintf(`{"kind":"pageview","site":"example.fi","url":"https://example.fi/j","pageview":"json%d"}`, i)
		if code, msg := do("POST", "/api/event", body, "Content-Type", "text/plain", "User-Agent", ua, "X-Forwarded-For", ip); code != 202 {
			t.Fatalf("page view: %d %s", code, msg)
		}
	}
	if code, _ := do("POST", "/api/event", `{"kind":"pageview","site":"evil.example","url":"https://example.fi/","pageview":"x"}`,
		"Content-Type", "text/plain", "User-Agent", ua, "X-Forwarded-For", ips[0]); code != 403 {
		t.Fatalf("unknown site: %d", code)
	}

	code, metrics := do("GET", "/metrics", "")
	if code != 200 {
		t.Fatalf("GET /metrics from 127.0.0.1: %d %s", code, metrics)
	}
	for _, want := range []string{`seloste_events_accepted_total{kind="pageview"} 2`, `seloste_events_refused_total{reason="unknown_site"} 1`,
		"seloste_batch_write_duration_seconds_bucket", "seloste_report_duration_seconds_count", "go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(metrics, "seloste_geoip_database_age_seconds{") {
		t.Error("a GeoIP age without a database")
	}
	// Forwarded by the proxy: only with a token.
	if code, _ := do("GET", "/metrics", "", "X-Forwarded-For", ips[0]); code != 403 {
		t.Errorf("forwarded /metrics without a token: %d, want 403", code)
	}
	out, err := exec.Command(selosteBinary(t), "token", "-db", db, "-name", "prometheus").Output()
	if err != nil {
		t.Fatalf("seloste token: %v", err)
	}
	token := strings.TrimSpace(string(out))
	if code, body := do("GET", "/metrics", "", "X-Forwarded-For", ips[0], "Authorization", "Bearer "+token); code != 200 || !strings.Contains(body, "seloste_events_accepted_total") {
		t.Errorf("forwarded /metrics with a token: %d", code)
	}

	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve: %v\n%s", err, s.stderr)
	}
	log := s.stderr.String()
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Errorf("log line is not JSON: %q", sc.Text())
			continue
		}
		if rec["level"] == nil || rec["msg"] == nil || rec["time"] == nil {
			t.Errorf("log line without time, level or msg: %q", sc.Text())
		}
		lines++
	}
	if lines < 2 || !strings.Contains(log, `"msg":"stopped; all accepted events written"`) {
		t.Errorf("%d JSON lines, no clean stop:\n%s", lines, log)
	}
	for _, leak := range append([]string{"SelosteCanary", "5e1:77"}, ips...) {
		if strings.Contains(log, leak) || strings.Contains(metrics, leak) {
			t.Errorf("log or /metrics contains %q", leak)
		}
	}
}

// TestScrubWriterJSON: net/http's messages are scrubbed of addresses in
// the JSON log as in the text one, and stay one JSON object a line.
func TestScrubWriterJSON(t *testing.T) {
	var buf bytes.Buffer
	w := scrubWriter{logger: newLogger(&buf, "json")}
	fmt.Fprint(w, "http: TLS handshake error from 203.0.113.9:41000: EOF\n")
	fmt.Fprint(w, "http: TLS handshake error from [2001:db8::1]:443: remote error")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2: %s", len(lines), buf.String())
	}
	for _, l := range lines {
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("not JSON: %q", l)
		}
		if rec.Level != "WARN" || !strings.Contains(rec.Msg, "TLS handshake error from [address]") {
			t.Errorf("line %q", l)
		}
	}
	for _, leak := range []string{"203.0.113.9", "2001:db8::1", "41000"} {
		if strings.Contains(buf.String(), leak) {
			t.Errorf("scrubbed JSON log still has %q: %s", leak, buf.String())
		}
	}
}

// unitFile reads examples/seloste.service as section → key → values.
func unitFile(t *testing.T) map[string]map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../../examples/seloste.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string]map[string][]string{}
	var section string
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			unit[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("seloste.service:%d: not key=value in a section: %q", i+1, line)
			}
			unit[section][k] = append(unit[section][k], v)
		}
	}
	return unit
}

// TestServiceUnit: the example unit is hardened as the README says, and
// agrees with the defaults (state in its StateDirectory, the working
// directory, so that relative paths land there).
func TestServiceUnit(t *testing.T) {
	svc := unitFile(t)["Service"]
	if svc == nil {
		t.Fatal("no [Service]")
	}
	for key, want := range map[string]string{
		"NoNewPrivileges":         "yes",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"StateDirectory":          "seloste",
		"WorkingDirectory":        "/var/lib/seloste",
		"Restart":                 "on-failure",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"CapabilityBoundingSet":   "",
		"User":                    "seloste",
		"UMask":                   "0077",
		"KillSignal":              "SIGTERM",
	} {
		if got := svc[key]; len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	exec := svc["ExecStart"]
	if len(exec) != 1 || !regexp.MustCompile(`^/usr/local/bin/seloste serve -config /etc/seloste/seloste\.toml$`).MatchString(exec[0]) {
		t.Errorf("ExecStart %q", exec)
	}
	// Shutdown: up to shutdownTimeout for requests, then as long to write
	// the queue; systemd must wait longer before it sends SIGKILL.
	var stop int
	if v := svc["TimeoutStopSec"]; len(v) != 1 || func() error { _, err := fmt.Sscan(v[0], &stop); return err }() != nil || stop <= int(2*shutdownTimeout.Seconds()) {
		t.Errorf("TimeoutStopSec %q: want more than %v", v, 2*shutdownTimeout)
	}
	// The default database and auth file are relative: in the state dir.
	if def := defaultServeConfig(); filepath.IsAbs(def.DB) || def.Auth != "" {
		t.Errorf("defaults db=%q auth=%q are not relative to the working directory", def.DB, def.Auth)
	}
}

// TestServiceUnitVerify asks systemd-analyze whether the unit is valid, if
// the tool is there (it is not required; TestServiceUnit checks the keys).
func TestServiceUnitVerify(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze on this machine; TestServiceUnit checks the unit's keys")
	}
	b, err := os.ReadFile("../../examples/seloste.service")
	if err != nil {
		t.Fatal(err)
	}
	// verify wants ExecStart's program to exist: point it at this build.
	unit := filepath.Join(t.TempDir(), "seloste.service")
	if err := os.WriteFile(unit, bytes.ReplaceAll(b, []byte("/usr/local/bin/seloste"), []byte(selosteBinary(t))), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "verify", unit).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestProxyExamples: the reverse-proxy examples forward to serve's
// default address, give the client's address the way request.ClientIP
// reads it (analytics/request's TestProxyExamples), and keep /metrics off
// the public side.
func TestProxyExamples(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile("../../examples/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	addr := defaultServeConfig().Addr
	nginx := read("nginx.conf")
	for _, want := range []string{
		"server " + addr + ";",
		"proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
		"proxy_set_header X-Forwarded-Proto $scheme;",
		"proxy_set_header Host $host;",
		"location = /metrics {\n        return 404;",
		`trust_proxy = ["127.0.0.1/32", "::1/128"]`,
	} {
		if !strings.Contains(nginx, want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
	if strings.Contains(nginx, "$http_x_forwarded_for;") || strings.Contains(nginx, "\n    set_real_ip_from") {
		t.Error("nginx.conf passes the client's own X-Forwarded-For claim")
	}
	caddy := read("Caddyfile")
	for _, want := range []string{"reverse_proxy " + addr, "respond /metrics 404", `trust_proxy = ["127.0.0.1/32", "::1/128"]`} {
		if !strings.Contains(caddy, want) {
			t.Errorf("Caddyfile lacks %q", want)
		}
	}
	if regexp.MustCompile(`(?m)^\s*header_up\s+X-Forwarded-For`).MatchString(caddy) {
		t.Error("Caddyfile overrides Caddy's X-Forwarded-For")
	}
	if nginxBin, err := exec.LookPath("nginx"); err == nil {
		dir := t.TempDir()
		site := strings.NewReplacer("/etc/letsencrypt/live/stats.example.fi/fullchain.pem", filepath.Join(dir, "cert.pem"),
			"/etc/letsencrypt/live/stats.example.fi/privkey.pem", filepath.Join(dir, "key.pem")).Replace(nginx)
		if out, err := exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=stats.example.fi",
			"-keyout", filepath.Join(dir, "key.pem"), "-out", filepath.Join(dir, "cert.pem")).CombinedOutput(); err != nil {
			t.Logf("no openssl to make a test certificate (%v: %s); nginx -t skipped", err, out)
			return
		}
		os.WriteFile(filepath.Join(dir, "site.conf"), []byte(site), 0o644)
		conf := fmt.Sprintf("pid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\nhttp {\n access_log off;\n include %s/site.conf;\n}\n", dir, dir, dir)
		os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
		if out, err := exec.Command(nginxBin, "-t", "-c", filepath.Join(dir, "nginx.conf")).CombinedOutput(); err != nil {
			t.Errorf("nginx -t: %v\n%s", err, out)
		}
	} else {
		t.Log("no nginx on this machine: nginx.conf checked by its lines only")
	}
}
