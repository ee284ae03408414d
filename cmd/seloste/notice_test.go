package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exampleStatement is Kuopion Softop Oy's locked history, the fixture of
// the tests that need a real statement: its published versions never
// change, unlike the repository's own content/ (a demo). Tests copy it
// before they change anything.
const exampleStatement = "../../examples/kuopion-softop/content/tietosuojaseloste"

// statementCopy copies the example statement into a temporary content folder.
func statementCopy(t testing.TB) (content, dir string) {
	t.Helper()
	content = filepath.Join(t.TempDir(), "content")
	dir = filepath.Join(content, "tietosuojaseloste")
	if err := os.CopyFS(dir, os.DirFS(exampleStatement)); err != nil {
		t.Fatal(err)
	}
	return content, dir
}

// statementCopy2020 is statementCopy with only the first version,
// 2020-02-08, and its lock line: the statement before seloste's collector,
// for the tests that pin what is said about that text.
func statementCopy2020(t *testing.T) (content, dir string) {
	t.Helper()
	content, dir = statementCopy(t)
	only2020(t, dir)
	return content, dir
}

// only2020 removes every version but 2020-02-08 from dir, and from its lock.
func only2020(t *testing.T, dir string) {
	t.Helper()
	versions, _ := filepath.Glob(filepath.Join(dir, "2*.md"))
	for _, v := range versions {
		if filepath.Base(v) != "2020-02-08.md" {
			if err := os.Remove(v); err != nil {
				t.Fatal(err)
			}
		}
	}
	lock := filepath.Join(dir, "published.lock")
	data, err := os.ReadFile(lock)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "2020-02-08 ") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(lock, []byte(strings.Join(kept, "")), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runNoticeCmd(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = run(context.Background(), append([]string{"notice"}, args...), &o, &e)
	return o.String(), e.String(), err
}

func TestNoticeCheckWarnsButSucceeds(t *testing.T) {
	content, dir := statementCopy2020(t)
	out, _, err := runNoticeCmd(t, "check", "-content", content)
	if err != nil {
		t.Fatalf("check on the 2020 statement failed: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "2020-02-08.md")
	for _, want := range []string{
		file + ":7: warning: [Art. 13(1)(c)] käsittelyn oikeusperustetta ei kerrota",
		"\n    the legal basis of processing is not stated",
		file + ":7: warning: [Art. 13(2)(d)] ",
		"Tietosuojavaltuutetun toimisto",
		"0 virhettä / errors, 7 varoitusta / warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}

func TestNoticeCheckFailsOnErrors(t *testing.T) {
	content, dir := statementCopy(t)
	file := filepath.Join(dir, "2020-02-08.md")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	// An edited published version.
	edited := strings.Replace(string(src), "Toivontaika", "Toivon Aika", 1)
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runNoticeCmd(t, "check", "-content", content)
	if !errors.Is(err, errExit1) {
		t.Fatalf("check on an edited published version: err = %v", err)
	}
	for _, want := range []string{file + ": error: julkaistua versiota on muutettu", "immutable", "seloste notice new"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// A source that types the update sentence itself.
	typed := strings.Replace(string(src), "Selostetta päivitetään tarvittaessa.", "Selostetta päivitetään tarvittaessa. Seloste on päivitetty viimeksi 8.2.2020.", 1)
	if err := os.WriteFile(file, []byte(typed), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runNoticeCmd(t, "check", "-content", content)
	if !errors.Is(err, errExit1) || !strings.Contains(out, file+":7: error:") || !strings.Contains(out, "stamped automatically") {
		t.Errorf("typed update sentence: err = %v\n%s", err, out)
	}

	// Broken front matter.
	if err := os.WriteFile(file, []byte("---\ntitle: Tietosuojaseloste\nlang: fi\nsummary: x\nauthor: me\n---\nTeksti.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runNoticeCmd(t, "check", "-content", content)
	if !errors.Is(err, errExit1) || !strings.Contains(out, file+":5: error:") || !strings.Contains(out, `"author"`) {
		t.Errorf("unknown key: err = %v\n%s", err, out)
	}

	// No statement at all.
	_, _, err = runNoticeCmd(t, "check", "-content", t.TempDir())
	if !errors.Is(err, errExit1) {
		t.Errorf("missing folder: err = %v", err)
	}
}

func TestNoticeNew(t *testing.T) {
	content, dir := statementCopy2020(t)
	out, _, err := runNoticeCmd(t, "new", "-content", content, "-date", "2026-11-05")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "2026-11-05.md")
	if !strings.Contains(out, path) || !strings.Contains(out, "draft: true") || !strings.Contains(out, "seloste notice build") {
		t.Errorf("new printed:\n%s", out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"draft: true\n", "title: Tietosuojaseloste\n", "lang: fi\n", "Selostetta päivitetään tarvittaessa."} {
		if !strings.Contains(string(data), want) {
			t.Errorf("new version lacks %q:\n%.300s", want, data)
		}
	}
	// A fresh draft is valid: check passes (with its warnings).
	if out, _, err := runNoticeCmd(t, "check", "-content", content); err != nil {
		t.Errorf("check after new: %v\n%s", err, out)
	}
	// Refusals leave the folder as it was.
	for _, args := range [][]string{
		{"new", "-content", content, "-date", "2026-11-05"}, // newest is a draft / exists
		{"new", "-content", content, "-date", "2019-01-01"},
		{"new", "-content", content, "-date", "5.11.2026"},
	} {
		if _, _, err := runNoticeCmd(t, args...); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("folder holds %d files, want 2020-02-08.md, 2026-11-05.md and the lock", len(entries))
	}

	// Without -date: today in Helsinki, after the newest version.
	content2, dir2 := statementCopy2020(t)
	if _, _, err := runNoticeCmd(t, "new", "-content", content2); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir2, "2*.md")); len(m) != 2 {
		t.Errorf("versions after new without -date: %v", m)
	}
}

func TestNoticeUsage(t *testing.T) {
	_, stderr, err := runNoticeCmd(t, "frobnicate")
	if err == nil || !strings.Contains(stderr, "Usage: seloste notice") {
		t.Errorf("unknown subcommand: err = %v, stderr:\n%s", err, stderr)
	}
	if _, stderr, err := runNoticeCmd(t); err == nil || !strings.Contains(stderr, "check") {
		t.Errorf("no subcommand: err = %v, stderr:\n%s", err, stderr)
	}
	if _, _, err := runNoticeCmd(t, "check", "extra"); err == nil {
		t.Error("check accepted a stray argument")
	}
}
