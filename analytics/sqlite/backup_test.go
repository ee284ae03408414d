package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/storetest"
)

// TestBackupUnderLoad takes a backup while batches keep being appended: the
// copy holds exactly the batches appended before some moment (never part of
// one), and reports what the model says of those batches. Restored into a
// new place, it reports the same.
func TestBackupUnderLoad(t *testing.T) {
	ctx := context.Background()
	ev := storetest.Generate(storetest.Small)
	now := storetest.Small.Start.AddDate(0, 0, storetest.Small.Days+1)
	clock := WithClock(func() time.Time { return now })
	dir := t.TempDir()
	s, err := Open(ctx, filepath.Join(dir, "seloste.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const size = 40
	batches := ev.Batches(size)
	first := len(batches) / 3
	for _, b := range batches[:first] {
		if err := s.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	appended := make(chan int, len(batches))
	errc := make(chan error, 1)
	go func() {
		for i, b := range batches[first:] {
			if err := s.Append(ctx, b); err != nil {
				errc <- err
				return
			}
			appended <- first + i + 1
			time.Sleep(2 * time.Millisecond)
		}
		errc <- nil
	}()
	<-appended // the load is on
	// The owner's notes go with the records.
	note, err := s.AddAnnotation(ctx, analytics.Annotation{Site: "a.example", Day: "2026-03-25", Text: "Uusi hinnasto"})
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "backup.db")
	var progress bytes.Buffer
	if err := s.Backup(ctx, dst, &progress); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(progress.String(), "written") {
		t.Errorf("no closing progress line: %q", progress.String())
	}

	b, err := Open(ctx, dst, MustExist(), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var pv, leaves, bots, events int
	if err := b.db.QueryRow(`SELECT (SELECT COUNT(*) FROM pageviews), (SELECT COUNT(*) FROM leaves), (SELECT COUNT(*) FROM bots), (SELECT COUNT(*) FROM events)`).Scan(&pv, &leaves, &bots, &events); err != nil {
		t.Fatal(err)
	}
	k := -1
	for n := 0; n <= len(batches); n++ {
		if pv == min(n*size, len(ev.PageViews)) && leaves == min(n*size, len(ev.Leaves)) && bots == min(n*size, len(ev.Bots)) && events == min(n*size, len(ev.Events)) {
			k = n
			break
		}
	}
	if k < first {
		t.Fatalf("the backup holds %d page views, %d leaves, %d bots: not the first batches (of %d each) whole", pv, leaves, bots, size)
	}
	t.Logf("the backup holds the first %d of %d batches", k, len(batches))
	prefix := storetest.Events{
		PageViews: ev.PageViews[:min(k*size, len(ev.PageViews))],
		Leaves:    ev.Leaves[:min(k*size, len(ev.Leaves))],
		Bots:      ev.Bots[:min(k*size, len(ev.Bots))],
		Events:    ev.Events[:min(k*size, len(ev.Events))],
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	if err := Restore(ctx, dst, restored, nil); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, restored, MustExist(), clock)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if notes, err := r.Annotations(ctx, "", "", ""); err != nil || len(notes) != 1 || notes[0].ID != note.ID || notes[0].Text != note.Text {
		t.Errorf("restored notes %+v, %v; want %+v", notes, err, note)
	}
	for _, c := range storetest.Cases[:3] {
		q, err := c.Query()
		if err != nil {
			t.Fatal(err)
		}
		want := storetest.Expect(prefix, q, now)
		for name, st := range map[string]*Store{"backup": b, "restored": r} {
			got, err := st.Report(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if d := storetest.Compare(got, want); d != "" {
				t.Errorf("%s, %s:\n%s", name, c.Name, d)
			}
		}
	}
}

// TestBackupRefuses: a backup never overwrites a file or the database
// itself, and a restore takes only a sound seloste database and never
// replaces one in use.
func TestBackupRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "seloste.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other := filepath.Join(dir, "other")
	os.WriteFile(other, []byte("keep me"), 0o644)
	for _, dst := range []string{other, path} {
		if err := s.Backup(ctx, dst, nil); err == nil {
			t.Errorf("backup to %s: no error", dst)
		}
	}
	if b, _ := os.ReadFile(other); string(b) != "keep me" {
		t.Errorf("an existing file was overwritten: %q", b)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, backup, nil); err != nil {
		t.Fatal(err)
	}
	// In use (its log is there): refused, and the database stays.
	if err := Restore(ctx, backup, path, nil); err == nil || !strings.Contains(err.Error(), "stop it first") {
		t.Errorf("restore over a database in use: %v", err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, bytes.Repeat([]byte("x"), 8192), 0o644)
	target := filepath.Join(dir, "target.db")
	os.WriteFile(target, []byte("old"), 0o644)
	for _, from := range []string{garbage, filepath.Join(dir, "missing.db")} {
		if err := Restore(ctx, from, target, nil); err == nil {
			t.Errorf("restore from %s: no error", from)
		}
	}
	if b, _ := os.ReadFile(target); string(b) != "old" {
		t.Errorf("a refused restore changed the target: %q", b)
	}
	// Another program's database is not replaced, nor anything put beside it.
	foreignDir := t.TempDir()
	foreign := filepath.Join(foreignDir, "other.db")
	fdb, err := sql.Open("sqlite", foreign)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fdb.Exec(`CREATE TABLE notes (body TEXT)`); err != nil {
		t.Fatal(err)
	}
	fdb.Close()
	if err := Restore(ctx, backup, foreign, nil); !errors.Is(err, ErrForeign) {
		t.Errorf("restore over another program's database: %v", err)
	}
	if entries, _ := os.ReadDir(foreignDir); len(entries) != 1 {
		t.Errorf("a refused restore left %d files in the folder, want the database only", len(entries))
	}
	// A stopped installation: the old file is kept aside.
	if err := Restore(ctx, backup, target, nil); err != nil {
		t.Fatal(err)
	}
	aside, _ := filepath.Glob(target + ".before-restore-*")
	if len(aside) != 1 {
		t.Errorf("the old database was not kept aside: %v", aside)
	}
}

// backupChildEnv names the database for the child process of
// TestBackupKilled, backupOutEnv its output: a backup that stops once its
// copy is written, says so, and waits to be killed.
const (
	backupChildEnv = "SELOSTE_TEST_BACKUP_CHILD"
	backupOutEnv   = "SELOSTE_TEST_BACKUP_OUT"
)

func backupChild(db string) {
	out := os.Getenv(backupOutEnv)
	s, err := Open(context.Background(), db, MustExist())
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	testHookBackup = func(tmp string) {
		fmt.Println("copied", tmp)
		time.Sleep(time.Minute) // until killed
		os.Exit(2)
	}
	err = s.Backup(context.Background(), out, nil)
	fmt.Println("backup returned:", err)
	os.Exit(3)
}

// startBackupChild starts a backup of db into out in a child process and
// returns it once its copy is written, with the copy's path.
func startBackupChild(t *testing.T, db, out string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), backupChildEnv+"="+db, backupOutEnv+"="+out)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	tmp, ok := strings.CutPrefix(strings.TrimSpace(line), "copied ")
	if !ok {
		t.Fatalf("backup child: %q", line)
	}
	return cmd, tmp
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: nothing of the process runs after it
		t.Fatal(err)
	}
	cmd.Wait()
}

// TestBackupKilled kills backups, in a child process, with SIGKILL once
// their copy is written: the whole copy they leave is not removed while
// they run, neither by a backup beside it nor by the upkeep, and is removed
// once they are dead, by the next backup into its folder or by the
// upkeep (RemoveStaleBackups), which finds the folder of a backup that
// the database's own folder does not hold.
func TestBackupKilled(t *testing.T) {
	if !locksWork {
		t.Skip("no flock(2) on " + runtime.GOOS + ": a running backup's temporary files cannot be told from a dead one's, so none is removed")
	}
	ctx := context.Background()
	dir, outDir := t.TempDir(), t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	s, err := Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ev := storetest.Generate(storetest.Small)
	for _, b := range ev.Batches(500) {
		if err := s.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	names := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, e := range entries {
			n = append(n, e.Name())
		}
		return n
	}
	exists := func(path string) bool {
		_, err := os.Stat(path)
		return err == nil
	}

	// A running backup's copy stays, whoever cleans.
	child, tmp := startBackupChild(t, db, filepath.Join(outDir, "bk.db"))
	if filepath.Dir(tmp) != outDir || !strings.Contains(filepath.Base(tmp), ".bk.db.seloste-backup-tmp-") {
		t.Errorf("temporary copy %s: want .bk.db.seloste-backup-tmp-… in %s", tmp, outDir)
	}
	if fi, err := os.Stat(tmp); err != nil || fi.Size() == 0 {
		t.Fatalf("the running backup's copy: %v", err)
	}
	var progress bytes.Buffer
	if err := s.Backup(ctx, filepath.Join(outDir, "first.db"), &progress); err != nil {
		t.Fatal(err)
	}
	if removed, err := s.RemoveStaleBackups(ctx); err != nil || len(removed) > 0 {
		t.Errorf("RemoveStaleBackups while a backup runs: removed %v, %v", removed, err)
	}
	if !exists(tmp) || !exists(tmp+".lock") {
		t.Fatalf("a running backup's files were removed by another (%s)", progress.String())
	}

	// Killed, it leaves a whole copy, which the next backup removes.
	kill(t, child)
	if !exists(tmp) {
		t.Fatal("the killed backup left no copy: the test kills too late")
	}
	progress.Reset()
	if err := s.Backup(ctx, filepath.Join(outDir, "second.db"), &progress); err != nil {
		t.Fatal(err)
	}
	if got := names(outDir); !slices.Equal(got, []string{"first.db", "second.db"}) {
		t.Errorf("after a backup, %s holds %v, want the two finished backups only", outDir, got)
	}
	if !strings.Contains(progress.String(), "left by interrupted backups: "+tmp) {
		t.Errorf("the removal was not reported: %q", progress.String())
	}

	// The upkeep finds a killed backup's copy in the folder recorded
	// beside the database, and in the database's own folder.
	child, tmp = startBackupChild(t, db, filepath.Join(outDir, "third.db"))
	child2, tmp2 := startBackupChild(t, db, filepath.Join(dir, "beside.db"))
	kill(t, child)
	kill(t, child2)
	removed, err := s.RemoveStaleBackups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(removed, tmp) || !slices.Contains(removed, tmp2) {
		t.Errorf("RemoveStaleBackups removed %v, want %s and %s", removed, tmp, tmp2)
	}
	if got := names(outDir); !slices.Equal(got, []string{"first.db", "second.db"}) {
		t.Errorf("after the upkeep, %s holds %v, want the two finished backups only", outDir, got)
	}
	for _, n := range names(dir) {
		if strings.Contains(n, "seloste-backup-tmp") {
			t.Errorf("after the upkeep, %s holds %s", dir, n)
		}
	}
	if b, err := os.ReadFile(db + BackupFoldersSuffix); err != nil || string(b) != outDir+"\n" {
		t.Errorf("%s%s holds %q (%v), want %s once", db, BackupFoldersSuffix, b, err, outDir)
	}
}
