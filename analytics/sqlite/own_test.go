package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ownChildEnv names the database that TestOwn's child process owns.
const ownChildEnv = "SELOSTE_TEST_OWN_CHILD"

// TestMain lets TestOwn run this test binary as an owner of a database
// that it then kills, and TestBackupKilled as a backup it kills.
func TestMain(m *testing.M) {
	if db := os.Getenv(backupChildEnv); db != "" {
		backupChild(db)
	}
	if path := os.Getenv(ownChildEnv); path != "" {
		if _, err := Own(path); err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("owned")
		time.Sleep(time.Minute) // until killed
		os.Exit(2)
	}
	os.Exit(m.Run())
}

func TestOwn(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "solaris" || runtime.GOOS == "illumos" || runtime.GOOS == "aix" {
		t.Skip("no flock(2) on " + runtime.GOOS + ": Own writes its lock file but keeps no one out")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	lock := db + LockSuffix

	release, err := Own(db)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(lock); err != nil || string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("lock file holds %q (%v), want this process's id %d", b, err, os.Getpid())
	}
	// A second Own in the same process opens the file anew: flock's locks
	// belong to the open file, so it is refused like another process.
	_, err = Own(db)
	var inUse *InUseError
	if !errors.As(err, &inUse) || inUse.PID != os.Getpid() || inUse.Path != db {
		t.Fatalf("second Own: %v, want an InUseError naming pid %d", err, os.Getpid())
	}
	if want := fmt.Sprintf("database %s is in use by another process (pid %d)", db, os.Getpid()); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("release left %s: %v", lock, err)
	}
	release, err = Own(db)
	if err != nil {
		t.Fatalf("Own after release: %v", err)
	}
	release()

	// Open(Owner) holds the lock until Close.
	ctx := context.Background()
	s, err := Open(ctx, db, Owner())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, db, Owner()); !errors.As(err, &inUse) {
		t.Errorf("second Open(Owner): %v, want an InUseError", err)
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, backup, nil); err != nil {
		t.Fatal(err)
	}
	if err := Restore(ctx, backup, db, nil); !errors.As(err, &inUse) {
		t.Errorf("Restore into an owned database: %v, want an InUseError", err)
	}
	if r, err := Open(ctx, db); err != nil { // a reader takes no lock
		t.Errorf("Open without Owner while owned: %v", err)
	} else {
		r.Close()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(ctx, db, Owner()); err != nil {
		t.Fatalf("Open(Owner) after Close: %v", err)
	}
	s.Close()

	// A killed owner's lock is gone with it, though its file stays.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), ownChildEnv+"="+db)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, _ := bufio.NewReader(out).ReadString('\n'); strings.TrimSpace(line) != "owned" {
		t.Fatalf("child: %q", line)
	}
	if _, err := Own(db); !errors.As(err, &inUse) || inUse.PID != cmd.Process.Pid {
		t.Fatalf("Own while the child owns it: %v, want an InUseError naming pid %d", err, cmd.Process.Pid)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if b, err := os.ReadFile(lock); err != nil || string(b) != strconv.Itoa(cmd.Process.Pid)+"\n" {
		t.Errorf("after SIGKILL the lock file holds %q (%v), want the dead child's pid", b, err)
	}
	release, err = Own(db)
	if err != nil {
		t.Fatalf("Own after the owner was killed: %v", err)
	}
	if b, _ := os.ReadFile(lock); string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Errorf("taken-over lock file holds %q, want pid %d", b, os.Getpid())
	}
	release()
}
