package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeFile writes text to path, failing the test if it cannot.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConfigPath: -config, else ./seloste.toml when it exists, else none.
func TestConfigPath(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tt := range []struct{ explicit, want string }{{"", ""}, {"other.toml", "other.toml"}} {
		if got, err := configPath(tt.explicit); got != tt.want || err != nil {
			t.Errorf("no ./seloste.toml, -config %q: %q, %v; want %q", tt.explicit, got, err, tt.want)
		}
	}
	writeFile(t, "seloste.toml", "")
	for _, tt := range []struct{ explicit, want string }{{"", "seloste.toml"}, {"other.toml", "other.toml"}} {
		if got, err := configPath(tt.explicit); got != tt.want || err != nil {
			t.Errorf("with ./seloste.toml, -config %q: %q, %v; want %q", tt.explicit, got, err, tt.want)
		}
	}
}

// TestServeReadsConfigFile: serve reads ./seloste.toml without -config,
// and -config names another file instead.
func TestServeReadsConfigFile(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFile(t, "seloste.toml", `
db = "file.db"
retention = "18mo"

[[site]]
domain = "file.fi"

[[event]]
name = "signup"
description_fi = "Rekisteröityminen"
description_en = "Sign-up"
`)
	cfg, err := parseServeFlags(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.File != "seloste.toml" || cfg.DB != "file.db" || cfg.Retention != "18mo" || cfg.onlySite() != "file.fi" {
		t.Errorf("without -config: file %q, db %q, retention %q, sites %v", cfg.File, cfg.DB, cfg.Retention, cfg.Sites)
	}
	set, err := cfg.check()
	if err != nil {
		t.Fatal(err)
	}
	if d := set.events.Declared(); len(d) == 0 || d[0].Name != "signup" {
		t.Errorf("declared events %v, want signup from ./seloste.toml", d)
	}
	if cfg, err = parseServeFlags([]string{"-db", "flag.db"}, io.Discard); err != nil || cfg.DB != "flag.db" || cfg.Retention != "18mo" {
		t.Errorf("-db over ./seloste.toml: db %q, retention %q, %v", cfg.DB, cfg.Retention, err)
	}

	writeFile(t, "other.toml", "[[site]]\ndomain = \"other.fi\"\n")
	cfg, err = parseServeFlags([]string{"-config", "other.toml"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.File != "other.toml" || cfg.DB != "seloste.db" || cfg.onlySite() != "other.fi" || len(cfg.Events) != 0 {
		t.Errorf("-config other.toml: file %q, db %q, sites %v, events %v", cfg.File, cfg.DB, cfg.Sites, cfg.Events)
	}

	os.Remove("seloste.toml")
	os.Remove("other.toml")
	if cfg, err = parseServeFlags(nil, io.Discard); err != nil || cfg.File != "" || len(cfg.Sites) != 0 {
		t.Errorf("no file: %q, sites %v, %v", cfg.File, cfg.Sites, err)
	}
}

// TestBrokenConfigFile: a broken ./seloste.toml stops every command that
// reads it, with an error naming the file and the line.
func TestBrokenConfigFile(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tt := range []struct{ name, toml, want string }{
		{"syntax", "db = \"x.db\"\n\n[[site]\ndomain = \"a.fi\"\n", "seloste.toml:3:"},
		{"unknown key", "db = \"x.db\"\nretenton = \"1y\"\n", "seloste.toml: unknown key"},
		{"wrong type", "db = \"x.db\"\nmin_visitors = \"two\"\n", "seloste.toml:2:"},
	} {
		writeFile(t, "seloste.toml", tt.toml)
		for _, args := range [][]string{
			{"serve"}, {"report"}, {"purge"}, {"backup", "-out", "b.db"}, {"restore", "-from", "b.db"},
			{"export", "-out", "x"}, {"import", "list"}, {"migrate", "-to", "m.db"}, {"token", "-list"},
			{"notice", "check"}, {"notice", "build"}, {"geoip", "update"},
		} {
			err := run(context.Background(), args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: seloste %s: %v, want an error with %q", tt.name, strings.Join(args, " "), err, tt.want)
			}
		}
	}
	// The unknown key's line is shown.
	writeFile(t, "seloste.toml", "db = \"x.db\"\nretenton = \"1y\"\n")
	if _, err := parseServeFlags(nil, io.Discard); err == nil || !strings.Contains(err.Error(), "2| retenton") {
		t.Errorf("unknown key: %v, want its line", err)
	}
}

// TestCommandsTakeSettingsFromFile: report, purge, backup, import list and
// token take db, site, zone, min_visitors and retention from
// ./seloste.toml, and flags still win.
func TestCommandsTakeSettingsFromFile(t *testing.T) {
	db, ev := reportDB(t)
	t.Chdir(t.TempDir())
	period := []string{"-from", "2026-03-24", "-to", "2026-04-02", "-format", "json"}
	report := func(args ...string) (string, error) {
		t.Helper()
		out, _, err := runCmd(t, append(append([]string{"report"}, args...), period...)...)
		return canonicalJSON(t, out), err
	}
	withFlags, err := report("-db", db, "-site", "a.example", "-zone", "Europe/Stockholm", "-min-visitors", "2")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := report("-db", db, "-site", "a.example")
	if err != nil {
		t.Fatal(err)
	}
	if plain == withFlags {
		t.Fatal("-zone and -min-visitors change nothing in this report: the test shows nothing")
	}
	writeFile(t, "seloste.toml", fmt.Sprintf(`
db = %q
zone = "Europe/Stockholm"
min_visitors = 2
retention = "1d"

[[site]]
domain = "a.example"
`, db))
	fromFile, err := report()
	if err != nil {
		t.Fatal(err)
	}
	if fromFile != withFlags {
		t.Errorf("report with ./seloste.toml differs from report with the same settings as flags:%s", firstDiff(fromFile, withFlags))
	}
	if again, err := report("-zone", "Europe/Helsinki", "-min-visitors", "1"); err != nil || again != plain {
		t.Errorf("flags over ./seloste.toml: %v; same as without the file:%s", err, firstDiff(again, plain))
	}

	if out, _, err := runCmd(t, "import", "list"); err != nil || out != "No imports for a.example.\n" {
		t.Errorf("import list: %q, %v", out, err)
	}
	if _, _, err := runCmd(t, "backup", "-out", "copy.db"); err != nil {
		t.Errorf("backup: %v", err)
	} else if fi, err := os.Stat("copy.db"); err != nil || fi.Size() == 0 {
		t.Errorf("backup wrote no copy.db: %v", err)
	}
	if _, _, err := runCmd(t, "token", "-name", "ci"); err != nil {
		t.Errorf("token: %v", err)
	} else if _, err := os.Stat(filepath.Join(filepath.Dir(db), authFileName)); err != nil {
		t.Errorf("token did not write the auth file next to the file's db: %v", err)
	}

	// purge: the flag's retention wins, then the file's deletes it all.
	out, _, err := runCmd(t, "purge", "-retention", "3y")
	if err != nil || !strings.Contains(out, "retention 3y") || !strings.Contains(out, "page views   0\n") {
		t.Errorf("purge -retention 3y: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "purge")
	if want := "page views   " + strconv.Itoa(len(ev.PageViews)) + "\n"; err != nil || !strings.Contains(out, "retention 1d") || !strings.Contains(out, want) {
		t.Errorf("purge with the file's retention 1d: %v, want %q in\n%s", err, want, out)
	}
	if _, _, err := runCmd(t, "purge", "-db", "nosuch.db"); err == nil || !strings.Contains(err.Error(), "nosuch.db") {
		t.Errorf("purge -db nosuch.db over the file's db: %v", err)
	}
}

// firstDiff shows where a and b first differ.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-150, 0)
	return fmt.Sprintf("\n got …%.300s\nwant …%.300s", a[from:], b[from:])
}

// canonicalJSON is the report in JSON s without its generated_at time,
// and with every array sorted: rows of equal counts may come in any order.
func canonicalJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("not JSON (%v): %.200s", err, s)
	}
	if m, ok := v.(map[string]any); !ok || m["generated_at"] == nil {
		t.Fatalf("not a report: %.200s", s)
	} else {
		delete(m, "generated_at")
	}
	var sortArrays func(v any) any
	sortArrays = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = sortArrays(e)
			}
		case []any:
			keys := make([]string, len(x))
			for i, e := range x {
				x[i] = sortArrays(e)
				b, _ := json.Marshal(x[i])
				keys[i] = string(b)
			}
			slices.Sort(keys)
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i] = json.RawMessage(k)
			}
			return out
		}
		return v
	}
	b, err := json.Marshal(sortArrays(v))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serveInProcess runs "seloste serve" in this process with args, until
// stop (or the test's end). It returns the address it listens on.
func serveInProcess(t *testing.T, args ...string) (url string, stderr *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), io.Discard, stderr) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(60 * time.Second):
			t.Fatalf("serve did not stop\n%s", stderr)
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := listenLine.FindStringSubmatch(stderr.String()); m != nil {
			return "http://" + m[1], stderr, stop
		}
		select {
		case err := <-done:
			stopped = true
			t.Fatalf("serve ended: %v\n%s", err, stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start\n%s", stderr)
		}
	}
}

// pageView posts a page view of site to the collector at url and returns
// the answer's status.
func pageView(t *testing.T, url, site string) int {
	t.Helper()
	body := `{"kind":"pageview","site":"` + site + `","url":"https://` + site + `/","pageview":"p` + strconv.Itoa(int(time.Now().UnixNano()%1e9)) + `"}`
	req, _ := http.NewRequest("POST", url+"/api/event", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("User-Agent", testUA)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServeOwnsDatabase: serve reads ./seloste.toml (its site is tracked,
// its db used) and owns the database: a second serve on it, a restore
// into it and a migration onto it are refused naming the owner's pid,
// while a backup still reads it. -config names another file instead.
func TestServeOwnsDatabase(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFile(t, "seloste.toml", `
db = "file.db"
geoip = "none"
build_notice = false

[[site]]
domain = "file.fi"
`)
	url, stderr, stop := serveInProcess(t)
	if !strings.Contains(stderr.String(), "file=seloste.toml") {
		t.Errorf("serve does not say it read ./seloste.toml:\n%s", stderr)
	}
	if code := pageView(t, url, "file.fi"); code != http.StatusAccepted {
		t.Errorf("page view of the file's site: %d, want 202\n%s", code, stderr)
	}
	if code := pageView(t, url, "other.fi"); code == http.StatusAccepted {
		t.Error("page view of a site the file does not name: 202")
	}
	pid := strconv.Itoa(os.Getpid())
	if b, err := os.ReadFile("file.db.lock"); err != nil || string(b) != pid+"\n" {
		t.Errorf("file.db.lock holds %q (%v), want pid %s", b, err, pid)
	}

	inUse := "file.db is in use by another seloste process (pid " + pid + "): stop it first, or give another "
	// Should it start, it stops by itself, and the test fails.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := runServe(ctx, []string{"-addr", "127.0.0.1:0"}, io.Discard, io.Discard)
	if err == nil || err.Error() != "serve: "+inUse+"-db" {
		t.Errorf("second serve on file.db: %v, want %q", err, "serve: "+inUse+"-db")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("second serve took %v to refuse", took)
	}
	if _, _, err := runCmd(t, "backup", "-out", "copy.db"); err != nil {
		t.Errorf("backup while serve runs: %v", err)
	}
	if _, _, err := runCmd(t, "restore", "-from", "copy.db"); err == nil || err.Error() != "restore: "+inUse+"-db" {
		t.Errorf("restore into file.db while serve runs: %v", err)
	}
	if _, _, err := runCmd(t, "migrate", "-from", "copy.db", "-to", "file.db"); err == nil || err.Error() != "migrate: -to: "+inUse+"-to" {
		t.Errorf("migrate onto file.db while serve runs: %v", err)
	}

	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr)
	}
	if _, err := os.Stat("file.db.lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("file.db.lock after serve stopped: %v", err)
	}

	// -config names another file; ./seloste.toml is then not read.
	writeFile(t, "other.toml", "db = \"other.db\"\ngeoip = \"none\"\nbuild_notice = false\n[[site]]\ndomain = \"other.fi\"\n")
	url, stderr, stop = serveInProcess(t, "-config", "other.toml")
	if !strings.Contains(stderr.String(), "file=other.toml") {
		t.Errorf("serve -config other.toml does not say it read it:\n%s", stderr)
	}
	if code := pageView(t, url, "other.fi"); code != http.StatusAccepted {
		t.Errorf("page view of other.toml's site: %d, want 202\n%s", code, stderr)
	}
	if code := pageView(t, url, "file.fi"); code == http.StatusAccepted {
		t.Error("with -config other.toml, ./seloste.toml's site is still tracked")
	}
	if _, err := os.Stat("other.db.lock"); err != nil {
		t.Errorf("serve -config other.toml does not own other.db: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr)
	}
}

// TestHelpNamesConfigFile: every command's -h says that ./seloste.toml is
// read, and every command is in this list: a new one must decide what it
// takes from the file.
func TestHelpNamesConfigFile(t *testing.T) {
	all := [][]string{
		{"serve"}, {"report"}, {"purge"}, {"export"}, {"annotate"}, {"backup"}, {"restore"}, {"migrate"}, {"passwd"}, {"token"},
		{"user", "add"}, {"user", "set"}, {"user", "list"}, {"user", "remove"}, {"user", "passwd"}, {"user", "invite"},
		{"geoip", "update"},
		{"import", "plausible"}, {"import", "goatcounter"}, {"import", "ga4"}, {"import", "list"}, {"import", "delete"},
		{"notice", "build"}, {"notice", "check"}, {"notice", "new"}, {"notice", "fields"},
	}
	// version prints the build; init writes the file.
	listed := map[string]bool{"version": true, "init": true}
	for _, args := range all {
		listed[args[0]] = true
		var stderr strings.Builder
		run(context.Background(), append(args, "-h"), io.Discard, &stderr)
		if !strings.Contains(stderr.String(), "  -config file\n") || !strings.Contains(stderr.String(), "./seloste.toml when present") {
			t.Errorf("seloste %s -h does not say that ./seloste.toml is read:\n%s", strings.Join(args, " "), stderr.String())
		}
	}
	for _, c := range commands() {
		if !listed[c.name] {
			t.Errorf("seloste %s: not in this test's list; does it read a setting of ./seloste.toml?", c.name)
		}
	}
}

// TestServeAfterSIGKILL: a killed serve leaves its lock file, but the
// kernel has let go of its lock: the next serve starts on the database.
func TestServeAfterSIGKILL(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	args := []string{"-db", db, "-site", "example.fi", "-geoip", "none", "-build-notice=false", "-public", filepath.Join(dir, "public")}
	first := startServe(t, args...)
	if err := first.stop(t, os.Kill); err == nil {
		t.Fatal("serve exited 0 after SIGKILL")
	}
	pid := strconv.Itoa(first.cmd.Process.Pid)
	if b, err := os.ReadFile(db + ".lock"); err != nil || string(b) != pid+"\n" {
		t.Fatalf("after SIGKILL the lock file holds %q (%v), want the killed pid %s", b, err, pid)
	}
	second := startServe(t, args...)
	if err := second.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve after a killed one: %v\n%s", err, second.stderr)
	}
	if _, err := os.Stat(db + ".lock"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file after a clean stop: %v", err)
	}
}

// TestNoticeTakesFoldersFromFile: notice check and build take the content
// folder from ./seloste.toml; -content wins.
func TestNoticeTakesFoldersFromFile(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFile(t, "seloste.toml", "content = \"src\"\npublic = \"site\"\n")
	out, _, err := runCmd(t, "notice", "check")
	if err == nil || !strings.Contains(out, filepath.Join("src", "tietosuojaseloste")+":") {
		t.Errorf("notice check with content = \"src\": %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "notice", "check", "-content", "other")
	if err == nil || !strings.Contains(out, filepath.Join("other", "tietosuojaseloste")+":") || strings.Contains(out, "src") {
		t.Errorf("notice check -content other over the file's src: %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, "notice", "build"); err == nil || !strings.HasPrefix(err.Error(), "-content src: ") {
		t.Errorf("notice build with content = \"src\": %v", err)
	}
}
