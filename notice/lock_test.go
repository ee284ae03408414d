package notice

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRepositoryLockVerifies(t *testing.T) {
	vs := mustLoad(t, contentDir)
	if err := VerifyLock(contentDir, vs); err != nil {
		t.Fatal(err)
	}
	l, err := ReadLock(contentDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) == 0 || l.Entries[0].Date.Format(DateLayout) != "2020-02-08" {
		t.Fatalf("lock entries = %+v, want 2020-02-08 first", l.Entries)
	}
	if len(l.Entries) != len(PublishedFiles(vs)) {
		t.Errorf("lock has %d entries for %d published files: run seloste notice build", len(l.Entries), len(PublishedFiles(vs)))
	}
}

func TestTamperedVersionFails(t *testing.T) {
	dir := copySource(t)
	path := filepath.Join(dir, "2020-02-08.md")
	src := readFile(t, path)
	writeFile(t, path, strings.Replace(src, "Selostetta päivitetään tarvittaessa.", "Selostetta päivitetään harvoin.", 1))

	vs := mustLoad(t, dir) // the text itself is fine
	err := VerifyLock(dir, vs)
	if err == nil {
		t.Fatal("VerifyLock accepted an edited published version")
	}
	var se *SourceError
	if !errors.As(err, &se) || se.File != path {
		t.Fatalf("error does not name %s: %v", path, err)
	}
	for _, want := range []string{path, "muuttumattomia", "immutable", "seloste notice new", LockFile} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if _, err := UpdateLock(dir, vs); err == nil {
		t.Error("UpdateLock wrote a lock over an edited published version")
	}
	_, ps := CheckDir(dir)
	if !HasErrors(ps) {
		t.Errorf("CheckDir found no error: %v", ps)
	}

	// Even a whitespace-only edit counts, but line endings do not.
	writeFile(t, path, strings.ReplaceAll(src, "\n", "\r\n"))
	if err := VerifyLock(dir, mustLoad(t, dir)); err != nil {
		t.Errorf("CRLF line endings count as an edit: %v", err)
	}
	writeFile(t, path, src+"\n")
	if err := VerifyLock(dir, mustLoad(t, dir)); err == nil {
		t.Error("an added blank line went unnoticed")
	}
}

func TestPublishedVersionCannotBecomeDraft(t *testing.T) {
	dir := copySource(t)
	path := filepath.Join(dir, "2020-02-08.md")
	writeFile(t, path, strings.Replace(readFile(t, path), "lang: fi\n", "lang: fi\ndraft: true\n", 1))
	if err := VerifyLock(dir, mustLoad(t, dir)); err == nil {
		t.Error("a locked version turned back into a draft went unnoticed")
	}
}

func TestNewVersionFlow(t *testing.T) {
	dir := copySource2020(t)
	vs := mustLoad(t, dir)

	path, err := NewDraft(dir, vs, date("2026-11-05"))
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "2026-11-05.md") {
		t.Fatalf("path = %s", path)
	}
	vs = mustLoad(t, dir)
	if len(vs) != 2 || !vs[1].Draft || vs[1].Body != vs[0].Body || vs[1].Summary != SummaryPlaceholder {
		t.Fatalf("new draft = %+v", vs[1])
	}
	if cur, _ := Current(vs); cur.Slug() != "2020-02-08" {
		t.Errorf("a draft became current")
	}
	// Drafts are never locked and may change freely.
	if added, err := UpdateLock(dir, vs); err != nil || len(added) != 0 {
		t.Fatalf("UpdateLock with a draft: added %v, %v", added, err)
	}
	draft := readFile(t, path)
	draft = strings.Replace(draft, "Tietoja ei luovuteta kolmansille osapuolille", "Tietoja ei koskaan luovuteta kolmansille osapuolille", 1)
	writeFile(t, path, draft)
	if err := VerifyLock(dir, mustLoad(t, dir)); err != nil {
		t.Fatalf("editing a draft: %v", err)
	}

	// Refusals: another draft, a date not after the newest, an existing file.
	if _, err := NewDraft(dir, mustLoad(t, dir), date("2027-01-01")); err == nil {
		t.Error("NewDraft started a second draft on top of a draft")
	}

	// Publish: drop draft: true, describe the change.
	draft = strings.Replace(draft, "draft: true\n", "", 1)
	draft = strings.Replace(draft, SummaryPlaceholder, "Tarkennettu tietojen luovuttamista.", 1)
	writeFile(t, path, draft)
	vs = mustLoad(t, dir)
	added, err := UpdateLock(dir, vs)
	if err != nil || len(added) != 1 || added[0].Slug() != "2026-11-05" {
		t.Fatalf("UpdateLock on publish: added %v, %v", added, err)
	}
	lock := readFile(t, filepath.Join(dir, LockFile))
	if !strings.Contains(lock, "2020-02-08 sha256:") || !strings.Contains(lock, "\n2026-11-05 "+vs[1].Hash+"\n") {
		t.Errorf("lock file:\n%s", lock)
	}
	if added, err := UpdateLock(dir, vs); err != nil || len(added) != 0 {
		t.Errorf("second UpdateLock: added %v, %v", added, err)
	}
	cur, _ := Current(vs)
	if cur.Slug() != "2026-11-05" || !strings.Contains(Stamped(cur), "Seloste on päivitetty viimeksi 5.11.2026.") {
		t.Errorf("current = %s, stamped first paragraph lacks 5.11.2026", cur.Slug())
	}
	if !strings.Contains(Stamped(vs[0]), "Seloste on päivitetty viimeksi 8.2.2020.") {
		t.Error("the old version lost its own date")
	}
	d := string(DiffHTML(vs[0], cur))
	for _, want := range []string{"<del>8.2.2020.</del> <ins>5.11.2026.</ins>", "<ins>koskaan </ins>"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}

	// Now published, the new version is as immutable as the old one.
	writeFile(t, path, draft+"\nLisäys.\n")
	if err := VerifyLock(dir, mustLoad(t, dir)); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("editing the newly published version: %v", err)
	}
	writeFile(t, path, draft)

	if _, err := NewDraft(dir, vs, date("2026-11-05")); err == nil {
		t.Error("NewDraft accepted the newest version's own date")
	}
	if _, err := NewDraft(dir, vs, date("2025-01-01")); err == nil {
		t.Error("NewDraft accepted a date before the newest version")
	}
	writeFile(t, filepath.Join(dir, "2027-01-01.md"), "someone else's file")
	if _, err := NewDraft(dir, vs, date("2027-01-01")); err == nil {
		t.Error("NewDraft overwrote an existing file")
	}
	if got := readFile(t, filepath.Join(dir, "2027-01-01.md")); got != "someone else's file" {
		t.Errorf("existing file changed to %q", got)
	}

	// A locked version's file must not disappear.
	if err := os.Remove(filepath.Join(dir, "2027-01-01.md")); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(dir, "2020-02-08.md")
	if err := os.Remove(old); err != nil {
		t.Fatal(err)
	}
	err = VerifyLock(dir, mustLoad(t, dir))
	if err == nil || !strings.Contains(err.Error(), old) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("deleted published version: %v", err)
	}
}

func TestReadLockErrors(t *testing.T) {
	for _, tt := range []struct {
		data string
		line int
	}{
		{"# c\n2020-02-08 sha256:abc\n", 2},
		{"2020-02-30 sha256:" + strings.Repeat("a", 64) + "\n", 1},
		{"2020-02-08 sha256:" + strings.Repeat("a", 64) + "\n\n2020-02-08 sha256:" + strings.Repeat("b", 64) + "\n", 3},
	} {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, LockFile), tt.data)
		_, err := ReadLock(dir)
		var se *SourceError
		if !errors.As(err, &se) || se.Line != tt.line || se.File != filepath.Join(dir, LockFile) {
			t.Errorf("%q: %v, want an error at line %d", tt.data, err, tt.line)
		}
	}
	l, err := ReadLock(t.TempDir())
	if err != nil || len(l.Entries) != 0 {
		t.Errorf("missing lock file: %+v, %v", l, err)
	}
}

func TestUpdateLockCreatesFile(t *testing.T) {
	dir := copySource(t)
	if err := os.Remove(filepath.Join(dir, LockFile)); err != nil {
		t.Fatal(err)
	}
	vs := mustLoad(t, dir)
	added, err := UpdateLock(dir, vs)
	if err != nil || len(added) != len(PublishedFiles(vs)) || len(added) < 2 {
		t.Fatalf("added %v, %v", added, err)
	}
	if got, want := readFile(t, filepath.Join(dir, LockFile)), readFile(t, filepath.Join(contentDir, LockFile)); got != want {
		t.Errorf("recreated lock differs from the committed one:\n%s\nwant\n%s", got, want)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
