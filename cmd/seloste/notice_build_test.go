package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// noticeProject copies the real statement into a temp folder, so builds can
// add versions and update its lock freely. It returns the content and
// output folders.
func noticeProject(t *testing.T) (content, out string) {
	t.Helper()
	root := t.TempDir()
	content = filepath.Join(root, "content")
	if err := os.CopyFS(filepath.Join(content, "tietosuojaseloste"), os.DirFS(exampleStatement)); err != nil {
		t.Fatal(err)
	}
	return content, filepath.Join(root, "public")
}

func noticeBuildArgs(content, out string, more ...string) []string {
	return append([]string{"notice", "build", "-content", content, "-out", out, "-themes", "../../themes"}, more...)
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// addVersion writes a version dated date: the 2020 text with one sentence
// changed.
func addVersion(t *testing.T, content, date, frontExtra string) string {
	t.Helper()
	src := readFile(t, filepath.Join(content, "tietosuojaseloste", "2020-02-08.md"))
	src = strings.Replace(src, "summary: Ensimmäinen julkaistu versio.", "summary: Päivitystapa tarkennettu."+frontExtra, 1)
	src = strings.Replace(src, "Selostetta päivitetään tarvittaessa.", "Selostetta päivitetään aina, kun käytännöt muuttuvat.", 1)
	name := filepath.Join(content, "tietosuojaseloste", date+".md")
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestNoticeBuildNewVersion(t *testing.T) {
	ctx := context.Background()
	content, out := noticeProject(t)
	only2020(t, filepath.Join(content, "tietosuojaseloste")) // as it was before 2026-11-25
	lock := filepath.Join(content, "tietosuojaseloste", "published.lock")

	var stdout, stderr bytes.Buffer
	if err := run(ctx, noticeBuildArgs(content, out), &stdout, &stderr); err != nil {
		t.Fatalf("first build: %v\n%s", err, stderr.String())
	}
	cur := filepath.Join(out, "tietosuojaseloste", "index.html")
	if !strings.Contains(readFile(t, cur), "Seloste on päivitetty viimeksi 8.2.2020.") {
		t.Fatal("current page lacks the 2020 stamp")
	}

	// A new version is published: stamped, archived, diffed and locked.
	file := addVersion(t, content, "2026-11-25", "")
	stdout.Reset()
	if err := run(ctx, noticeBuildArgs(content, out), &stdout, &stderr); err != nil {
		t.Fatalf("build with a new version: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "locked 2026-11-25") {
		t.Errorf("output does not say the new version was locked: %q", stdout.String())
	}
	if !strings.Contains(readFile(t, lock), "2026-11-25 sha256:") {
		t.Error("the new version is not in the lock file")
	}
	if !strings.Contains(readFile(t, cur), "Seloste on päivitetty viimeksi 25.11.2026.") {
		t.Error("current page does not show the new date")
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "tietosuojaseloste", "2020-02-08", "index.html")), "Seloste on päivitetty viimeksi 8.2.2020.") {
		t.Error("the old version is not at its dated URL with its own date")
	}
	hist := readFile(t, filepath.Join(out, "tietosuojaseloste", "muutokset", "index.html"))
	if !strings.Contains(hist, "<ins>") || !strings.Contains(hist, "<del>") {
		t.Error("change history shows no diff")
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "tietosuojaseloste", "tietosuojaseloste.txt")), "25.11.2026.") {
		t.Error("the text rendering is not of the current version")
	}

	// Editing it afterwards fails the build and leaves the site alone.
	before := readFile(t, cur)
	src := readFile(t, file)
	if err := os.WriteFile(file, []byte(strings.Replace(src, "aina,", "joskus,", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(ctx, noticeBuildArgs(content, out), &stdout, &stderr)
	if err == nil {
		t.Fatal("build after editing a published version succeeded")
	}
	for _, want := range []string{"2026-11-25.md", "seloste notice new"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if readFile(t, cur) != before {
		t.Error("the failed build changed public/")
	}
}

func TestNoticeBuildDraftsNeverLocked(t *testing.T) {
	content, out := noticeProject(t)
	lock := filepath.Join(content, "tietosuojaseloste", "published.lock")
	addVersion(t, content, "2026-12-01", "\ndraft: true")
	before := readFile(t, lock)

	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), noticeBuildArgs(content, out, "-drafts"), &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "tietosuojaseloste", "2026-12-01", "index.html")), "LUONNOS / DRAFT") {
		t.Error("draft page not marked")
	}
	if readFile(t, lock) != before {
		t.Error("building with -drafts changed the lock file")
	}
}

func TestNoticeBuildTracker(t *testing.T) {
	content, out := noticeProject(t)
	var stdout, stderr bytes.Buffer
	args := noticeBuildArgs(content, out, "-site", "example.fi", "-collector", "http://127.0.0.1:8080")
	if err := run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	want := `<script defer src="http://127.0.0.1:8080/s.js" data-site="example.fi"></script>`
	if !strings.Contains(readFile(t, filepath.Join(out, "tietosuojaseloste", "index.html")), want) {
		t.Errorf("statement page lacks %s", want)
	}

	err := run(context.Background(), noticeBuildArgs(content, out, "-collector", "http://127.0.0.1:8080"), &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "-site") {
		t.Errorf("-collector without -site: want an error naming -site, got %v", err)
	}
	if err := run(context.Background(), noticeBuildArgs(content, out, "extra"), &stdout, &stderr); err == nil {
		t.Error("an extra argument was accepted")
	}
}

// TestNoticeBuildNamesFolderFlags: a missing folder is named by its flag.
func TestNoticeBuildNamesFolderFlags(t *testing.T) {
	content, out := noticeProject(t)
	missing := filepath.Join(t.TempDir(), "nosuch")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"notice", "build", "-content", missing, "-out", out, "-themes", "../../themes"}, &stdout, &stderr)
	if err == nil || !strings.HasPrefix(err.Error(), "-content "+missing+": ") {
		t.Errorf("missing content folder: %v", err)
	}
	err = run(context.Background(), []string{"notice", "build", "-content", content, "-out", out, "-themes", missing}, &stdout, &stderr)
	if err == nil || !strings.HasPrefix(err.Error(), "-themes "+missing+": ") {
		t.Errorf("missing theme: %v", err)
	}
	_, _, err = runNoticeCmd(t, "new", "-content", missing)
	if err == nil || !strings.HasPrefix(err.Error(), "-content "+missing+": ") {
		t.Errorf("notice new, missing content folder: %v", err)
	}
}

// lockedBuffer is written by the watch loop while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestNoticeBuildWatch(t *testing.T) {
	content, out := noticeProject(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, noticeBuildArgs(content, out, "-watch"), &stdout, &stderr) }()

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s\nstdout:\n%s\nstderr:\n%s", what, stdout.String(), stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("the first build", func() bool { return strings.Contains(stdout.String(), "watching") })

	// A broken draft is reported and the watch goes on.
	broken := filepath.Join(content, "tietosuojaseloste", "2026-12-05.md")
	if err := os.WriteFile(broken, []byte("---\ntitle: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor("the error to be reported", func() bool { return strings.Contains(stderr.String(), "2026-12-05.md") })

	addVersion(t, content, "2026-12-05", "")
	cur := filepath.Join(out, "tietosuojaseloste", "index.html")
	waitFor("the rebuild", func() bool {
		b, _ := os.ReadFile(cur)
		return strings.Contains(string(b), "viimeksi 5.12.2026.")
	})

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("watch ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("watch did not stop when cancelled")
	}
}
