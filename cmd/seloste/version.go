package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// runVersion prints versionLine: "seloste version", "seloste -version" and
// "seloste --version" are the same.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "", stderr)
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo() // nil without build info; versionLine says so
	fmt.Fprintln(stdout, versionLine(bi))
	return nil
}

// versionLine is one line, the same shape whatever is known, for bug
// reports and scripts:
//
//	seloste v1.2.0 go1.26.8 linux/amd64
//	seloste (devel) 3f2a1c9d4e5f (2026-12-07T23:00:00Z, modified) go1.26.8 linux/amd64
//
// The module version is Go's: a tag for "go install ...@v1.2.0", a
// pseudo-version or "(devel)" for a build in a checkout. The revision
// (12 hex digits), its commit time and "modified" (uncommitted changes)
// are there when the binary was built in a Git checkout.
func versionLine(bi *debug.BuildInfo) string {
	if bi == nil {
		return "seloste (unknown: built without module information)"
	}
	version := bi.Main.Version
	if version == "" {
		version = "(unknown)"
	}
	s := map[string]string{}
	for _, kv := range bi.Settings {
		s[kv.Key] = kv.Value
	}
	words := []string{"seloste", version}
	if rev := s["vcs.revision"]; rev != "" {
		words = append(words, rev[:min(len(rev), 12)])
	}
	var about []string
	if t := s["vcs.time"]; t != "" {
		about = append(about, t)
	}
	if s["vcs.modified"] == "true" {
		about = append(about, "modified")
	}
	if len(about) > 0 {
		words = append(words, "("+strings.Join(about, ", ")+")")
	}
	if bi.GoVersion != "" {
		words = append(words, bi.GoVersion)
	}
	if s["GOOS"] != "" && s["GOARCH"] != "" {
		words = append(words, s["GOOS"]+"/"+s["GOARCH"])
	}
	return strings.Join(words, " ")
}
