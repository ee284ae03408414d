package site

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// copyContent copies the real statement into a temporary content folder,
// so that publishing can add versions and lock them. It returns the content
// folder and the statement's folder inside it.
func copyContent(t *testing.T) (content, dir string) {
	t.Helper()
	content = filepath.Join(t.TempDir(), "content")
	dir = filepath.Join(content, "tietosuojaseloste")
	if err := os.CopyFS(dir, os.DirFS(contentDir)); err != nil {
		t.Fatal(err)
	}
	return content, dir
}

// writeLater writes a new version dated d: the newest real one with its
// summary changed and a paragraph added, plus frontExtra in the front
// matter.
func writeLater(t *testing.T, dir, d, frontExtra string) string {
	t.Helper()
	src := read(t, dir, "2026-12-02.md")
	src = regexp.MustCompile(`(?m)^summary: .*$`).ReplaceAllString(src, "summary: Testissä lisätty kappale."+frontExtra)
	src += "\nTämä kappale lisättiin testissä.\n"
	name := filepath.Join(dir, d+".md")
	if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestPublish(t *testing.T) {
	ctx := context.Background()
	content, dir := copyContent(t)
	out := filepath.Join(t.TempDir(), "public")
	o := Options{ThemesDir: themesDir, OutDir: out}

	// Nothing new: everything is locked already.
	lockBefore := read(t, dir, "published.lock")
	p, err := Publish(ctx, content, o)
	if err != nil {
		t.Fatal(err)
	}
	if p.Published != 3 || len(p.Locked) != 0 || p.String() != "3 published version(s)" {
		t.Errorf("first publication: %+v (%s)", p, p)
	}
	if read(t, dir, "published.lock") != lockBefore {
		t.Error("publishing what was published changed the lock file")
	}

	// A new version is built, then locked.
	file := writeLater(t, dir, "2026-12-05", "")
	if p, err = Publish(ctx, content, o); err != nil {
		t.Fatal(err)
	}
	if p.Published != 4 || len(p.Locked) != 1 || p.Locked[0].Slug() != "2026-12-05" || !strings.HasSuffix(p.String(), "; locked 2026-12-05") {
		t.Errorf("new version: %+v (%s)", p, p)
	}
	if !strings.Contains(read(t, dir, "published.lock"), "\n2026-12-05 sha256:") {
		t.Error("the new version is not in the lock file")
	}
	cur := read(t, out, "tietosuojaseloste/index.html")
	if !strings.Contains(cur, "Seloste on päivitetty viimeksi 5.12.2026.") {
		t.Error("the current page is not the new version")
	}

	// Editing it now fails before the build: the site stays as it was.
	if err := os.WriteFile(file, []byte(strings.Replace(read(t, dir, "2026-12-05.md"), "testissä", "muokattu", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Publish(ctx, content, o)
	if err == nil || !strings.Contains(err.Error(), "2026-12-05.md") || !strings.Contains(err.Error(), "seloste notice new") {
		t.Errorf("publishing an edited published version: %v", err)
	}
	if read(t, out, "tietosuojaseloste/index.html") != cur {
		t.Error("the refused publication changed the site")
	}
}

func TestPublishDraftsNeverLocked(t *testing.T) {
	content, dir := copyContent(t)
	writeLater(t, dir, "2026-12-05", "\ndraft: true")
	lockBefore := read(t, dir, "published.lock")
	out := filepath.Join(t.TempDir(), "public")

	p, err := Publish(context.Background(), content, Options{ThemesDir: themesDir, OutDir: out, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Published != 3 || p.Drafts != 1 || len(p.Locked) != 0 || p.String() != "3 published version(s) and 1 draft(s)" {
		t.Errorf("with drafts: %+v (%s)", p, p)
	}
	if !strings.Contains(read(t, out, "tietosuojaseloste/2026-12-05/index.html"), draftMark) {
		t.Error("the draft is not built and marked")
	}
	if read(t, dir, "published.lock") != lockBefore {
		t.Error("a draft was locked")
	}

	// Without Drafts the draft is neither built nor counted.
	out2 := filepath.Join(t.TempDir(), "public")
	if p, err = Publish(context.Background(), content, Options{ThemesDir: themesDir, OutDir: out2}); err != nil {
		t.Fatal(err)
	}
	if p.Drafts != 0 || p.String() != "3 published version(s)" {
		t.Errorf("without drafts: %+v (%s)", p, p)
	}
	if _, err := os.Stat(filepath.Join(out2, "tietosuojaseloste", "2026-12-05")); !os.IsNotExist(err) {
		t.Errorf("draft built without Drafts: %v", err)
	}
}

func TestPublishMissingContent(t *testing.T) {
	out := filepath.Join(t.TempDir(), "public")
	if _, err := Publish(context.Background(), t.TempDir(), Options{ThemesDir: themesDir, OutDir: out}); err == nil {
		t.Error("publishing without sources succeeded")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed publication wrote the output: %v", err)
	}
}

// TestPublishTranslations publishes a new version with its translations:
// every language file is locked, and a translation whose sections differ
// from its original is refused before anything is built or locked.
func TestPublishTranslations(t *testing.T) {
	ctx := context.Background()
	content, dir := copyContent(t)
	out := filepath.Join(t.TempDir(), "public")
	o := Options{ThemesDir: themesDir, OutDir: out}
	writeLater(t, dir, "2026-12-05", "")
	sv := read(t, dir, "2026-12-02.sv.md")
	sv = regexp.MustCompile(`(?m)^summary: .*$`).ReplaceAllString(sv, "summary: Test.")
	broken := strings.Replace(sv, "### Kundregister\n", "## Kundregister\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "2026-12-05.sv.md"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	lockBefore := read(t, dir, "published.lock")
	_, err := Publish(ctx, content, o)
	if err == nil || !strings.Contains(err.Error(), "2026-12-05.sv.md:") || !strings.Contains(err.Error(), "heading structure") {
		t.Fatalf("a translation with other sections: %v", err)
	}
	if read(t, dir, "published.lock") != lockBefore {
		t.Error("the refused publication changed the lock")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused publication built a site: %v", err)
	}

	if err := os.WriteFile(filepath.Join(dir, "2026-12-05.sv.md"), []byte(sv), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Publish(ctx, content, o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p.String(), "; locked 2026-12-05; locked 2026-12-05.sv") {
		t.Errorf("publication: %s", p)
	}
	if !strings.Contains(read(t, dir, "published.lock"), "\n2026-12-05 sha256:") || !strings.Contains(read(t, dir, "published.lock"), "\n2026-12-05.sv sha256:") {
		t.Error("the new version and its translation are not both locked")
	}
	// Swedish is up to date, English shows its older translation.
	if !strings.Contains(read(t, out, "sv/dataskyddsbeskrivning/index.html"), "Beskrivningen uppdaterades senast 5.12.2026.") {
		t.Error("the Swedish page is not the new translation")
	}
	if en := read(t, out, "en/privacy-notice/index.html"); !strings.Contains(en, "Last updated on 2 December 2026.") || !strings.Contains(en, "newer-finnish") {
		t.Error("the English page is not the older translation with its note")
	}
}
