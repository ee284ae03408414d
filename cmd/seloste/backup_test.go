package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/sqlite"
)

// openAudit reads the audit log of the SQLite database db.
func openAudit(t *testing.T, db string) ([]analytics.AuditEntry, error) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.AuditEntries(context.Background(), 0)
}

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
	if _, err := os.Stat(backup + ".auth"); err == nil {
		t.Error("a backup without users wrote an auth file")
	}
	// With users, the backup carries them in FILE.auth, and restore puts
	// them back beside the restored database.
	stdin = strings.NewReader("pitkä ja hyvä salasana\n")
	if _, stderr, err := runCmd(t, "passwd", "-db", db); err != nil {
		t.Fatalf("passwd: %v\n%s", err, stderr)
	}
	if _, stderr, err := runCmd(t, "user", "add", "ville", "-role", "viewer", "-sites", "a.example", "-db", db); err != nil {
		t.Fatalf("user add: %v\n%s", err, stderr)
	}
	backup = filepath.Join(dir, "backup2.db")
	if _, stderr, err := runCmd(t, "backup", "-db", db, "-out", backup); err != nil || !strings.Contains(stderr, "backup2.db.auth") {
		t.Fatalf("backup with users: %v\n%s", err, stderr)
	}
	if st, err := os.Stat(backup + ".auth"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the backup's auth file: %v", err)
	}
	restoredDir := t.TempDir()
	restored := filepath.Join(restoredDir, "restored.db")
	if _, stderr, err := runCmd(t, "restore", "-db", restored, "-from", backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, stderr)
	}
	a, err := auth.Load(filepath.Join(restoredDir, "seloste.auth"))
	if err != nil || a.User("ville") == nil {
		t.Fatalf("restore did not bring the users back: %v", err)
	}
	if ok, _ := a.VerifyPassword("pitkä ja hyvä salasana"); !ok {
		t.Error("the restored admin's password does not verify")
	}
	entries, err := openAudit(t, restored)
	if err != nil || len(entries) == 0 || entries[0].Action != analytics.AuditUserAdd {
		t.Errorf("the restored database's audit log: %+v %v", entries, err)
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

// TestBackupKilledMidCopy runs "seloste backup" of a large database and
// kills it with SIGKILL while SQLite writes the copy: the hidden copy it
// leaves beside the output is removed by the next backup into the folder,
// before it starts, which leaves only the finished backups there.
func TestBackupKilledMidCopy(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "solaris" || runtime.GOOS == "illumos" || runtime.GOOS == "aix" {
		t.Skip("no flock(2) on " + runtime.GOOS + ": leftovers of killed backups are not removed")
	}
	db, _ := reportDB(t)
	// 32 MB more, so that the copy takes long enough to be killed in.
	raw := rawDB(t, db)
	if _, err := raw.Exec(`CREATE TABLE filler (b BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 512)
		INSERT INTO filler SELECT randomblob(65536) FROM n`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	bin := selosteBinary(t)
	start := time.Now()
	cmd := exec.Command(bin, "backup", "-db", db, "-out", filepath.Join(out, "bk.db"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Kill as soon as the copy has some pages.
	var copies []string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		copies, _ = filepath.Glob(filepath.Join(out, ".bk.db.seloste-backup-tmp-*[0-9a-f]"))
		if len(copies) == 1 {
			if fi, err := os.Stat(copies[0]); err == nil && fi.Size() > 0 {
				break
			}
		}
		if _, err := os.Stat(filepath.Join(out, "bk.db")); err == nil {
			t.Fatalf("the backup finished before a copy under way was seen (%v): a faster machine needs a bigger database", copies)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no copy under way after 60 s: %s", stderr.String())
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	left := dirNames(t, out)
	if len(left) == 0 || slices.Contains(left, "bk.db") {
		t.Fatalf("the killed backup left %v, want its hidden copy and no bk.db", left)
	}
	t.Logf("killed after %v, the backup left %v", time.Since(start).Round(time.Millisecond), left)

	if _, stderr, err := runCmd(t, "backup", "-db", db, "-out", filepath.Join(out, "bk2.db")); err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr)
	} else if !strings.Contains(stderr, "left by interrupted backups") {
		t.Errorf("the removal was not reported:\n%s", stderr)
	}
	if got := dirNames(t, out); !slices.Equal(got, []string{"bk2.db"}) {
		t.Errorf("after the next backup the folder holds %v, want bk2.db only", got)
	}
}
