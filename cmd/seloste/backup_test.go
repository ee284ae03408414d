package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupAndRestoreCommands: a backup of the report data set, restored
// into a new database, gives the same report, byte for byte.
func TestBackupAndRestoreCommands(t *testing.T) {
	db, _ := reportDB(t)
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	if _, stderr, err := runCmd(t, "backup", "-db", db, "-out", backup); err != nil || !strings.Contains(stderr, "written") {
		t.Fatalf("backup: %v\n%s", err, stderr)
	}
	if _, _, err := runCmd(t, "backup", "-db", db, "-out", backup); err == nil {
		t.Error("a second backup overwrote the first")
	}
	if _, _, err := runCmd(t, "backup", "-db", db); err == nil || !strings.Contains(err.Error(), "-out") {
		t.Errorf("backup without -out: %v", err)
	}
	restored := filepath.Join(dir, "restored.db")
	if _, stderr, err := runCmd(t, "restore", "-db", restored, "-from", backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, stderr)
	}
	args := []string{"-site", "a.example", "-from", "2026-03-24", "-to", "2026-04-02", "-format", "json"}
	want, _, err := runCmd(t, append([]string{"report", "-db", db}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := runCmd(t, append([]string{"report", "-db", restored}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	// The reports differ only in when they were made.
	strip := func(s string) string {
		i := strings.Index(s, `"generated_at"`)
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			return s[:i]
		}
		return s[:i] + s[i+j:]
	}
	if strip(got) != strip(want) {
		t.Errorf("restored report differs:\n%s\nwant\n%s", got, want)
	}
}
