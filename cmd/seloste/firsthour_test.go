package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFirstHour is a new owner's first hour, with nothing but the built
// binary in an empty folder: no checkout, no themes/, no content/. Every
// step runs the real program as a person would, in the order the README's
// quick start gives them.
func TestFirstHour(t *testing.T) {
	bin := selosteBinary(t)
	dir := t.TempDir()
	seloste := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		cmd.Stdin = nil // not a terminal: init takes its answers from flags
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("seloste %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	if out := seloste("version"); !strings.HasPrefix(out, "seloste ") {
		t.Fatalf("seloste version printed %q, want a line starting with \"seloste \"", out)
	}
	seloste("init", "-controller", "Pienyritys Oy", "-business-id", "0112038-9",
		"-address", "Satamakatu 1, 70100 Kuopio", "-contact", "Maija Meikäläinen",
		"-phone", "+358 40 123 4567", "-email", "tietosuoja@pienyritys.example",
		"-site", "pienyritys.example", "-languages", "fi,sv,en")
	for _, name := range []string{"seloste.toml", "content/tietosuojaseloste"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Fatalf("init did not write %s: %v", name, err)
		}
	}

	check := seloste("notice", "check")
	if !regexp.MustCompile(`\b0 virhettä / errors, 0 varoitusta / warnings\b`).MatchString(check) {
		t.Fatalf("notice check on the statement init wrote is not clean:\n%s", check)
	}
	seloste("notice", "build")
	for _, page := range []string{"tietosuojaseloste/index.html", "sv/dataskyddsbeskrivning/index.html", "en/privacy-notice/index.html"} {
		if _, err := os.Stat(filepath.Join(dir, "public", filepath.FromSlash(page))); err != nil {
			t.Fatalf("notice build did not write %s: %v", page, err)
		}
	}

	// serve takes the site to track from the seloste.toml that init wrote:
	// no -config, no -site.
	s := startServeIn(t, dir, "-geoip", "none")
	if code := postEvent(t, s.url, `{"kind":"pageview","site":"pienyritys.example","url":"https://pienyritys.example/hinnasto","pageview":"firsthour1"}`,
		"Origin", "https://pienyritys.example"); code != http.StatusAccepted {
		t.Fatalf("POST /api/event: %d, want 202 Accepted\n%s", code, s.stderr)
	}
	page, err := http.Get(s.url + "/tietosuojaseloste/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !strings.Contains(string(body), "Pienyritys Oy") {
		t.Fatalf("GET /tietosuojaseloste/: %s, want the owner's own statement naming Pienyritys Oy", page.Status)
	}
	if err := s.stop(t, syscall.SIGTERM); err != nil {
		t.Fatalf("serve did not stop cleanly: %v\n%s", err, s.stderr)
	}

	report := seloste("report", "-site", "pienyritys.example", "-from", "today")
	if !strings.Contains(report, "/hinnasto") {
		t.Fatalf("seloste report does not show the page view of /hinnasto:\n%s", report)
	}
	if m := regexp.MustCompile(`(?m)^\s*(?:Page views|Sivulataukset)\D*(\d+)`).FindStringSubmatch(report); m == nil || m[1] != "1" {
		t.Fatalf("seloste report does not count the one page view:\n%s", report)
	}
}
