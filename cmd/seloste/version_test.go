package main

import (
	"bytes"
	"context"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	for _, c := range []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/seloste/seloste", Version: "(devel)"},
			Settings: settings("-trimpath", "true", "GOARCH", "amd64", "GOOS", "linux",
				"vcs", "git", "vcs.revision", "3f2a1c9d4e5f60718293a4b5c6d7e8f901234567", "vcs.time", "2026-12-07T23:00:00Z", "vcs.modified", "true")},
			"seloste (devel) 3f2a1c9d4e5f (2026-12-07T23:00:00Z, modified) go1.26.8 linux/amd64"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/seloste/seloste", Version: "v0.0.0-20261207230000-3f2a1c9d4e5f"},
			Settings: settings("GOARCH", "arm64", "GOOS", "darwin", "vcs.revision", "3f2a1c9d4e5f60718293a4b5c6d7e8f901234567", "vcs.time", "2026-12-07T23:00:00Z", "vcs.modified", "false")},
			"seloste v0.0.0-20261207230000-3f2a1c9d4e5f 3f2a1c9d4e5f (2026-12-07T23:00:00Z) go1.26.8 darwin/arm64"},
		// go install ...@v1.2.0: a module zip has no VCS information.
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/seloste/seloste", Version: "v1.2.0"},
			Settings: settings("GOARCH", "amd64", "GOOS", "linux")},
			"seloste v1.2.0 go1.26.8 linux/amd64"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Settings: settings("vcs.revision", "abc")}, "seloste (unknown) abc go1.26.8"},
		{nil, "seloste (unknown: built without module information)"},
	} {
		if got := versionLine(c.bi); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}

// TestVersionCommand: "seloste version", "-version" and "--version" print
// the same line, from this binary's build information.
func TestVersionCommand(t *testing.T) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("the test binary has no build information")
	}
	want := versionLine(bi) + "\n"
	if !regexp.MustCompile(`^seloste \S+ .*\bgo1\.\d+`).MatchString(want) {
		t.Errorf("version line %q", want)
	}
	for _, args := range [][]string{{"version"}, {"-version"}, {"--version"}} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if stdout.String() != want || stderr.Len() != 0 {
			t.Errorf("%v: stdout %q, stderr %q; want %q", args, stdout.String(), stderr.String(), want)
		}
	}
	var stderr bytes.Buffer
	if err := run(context.Background(), []string{"version", "extra"}, &bytes.Buffer{}, &stderr); err == nil {
		t.Error("version accepted an extra argument")
	}
	stderr.Reset()
	run(context.Background(), []string{"-h"}, &bytes.Buffer{}, &stderr)
	if !strings.Contains(stderr.String(), "seloste -version") || !regexp.MustCompile(`(?m)^  version +print the version`).MatchString(stderr.String()) {
		t.Errorf("usage does not list version:\n%s", stderr.String())
	}
}
