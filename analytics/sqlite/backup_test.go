package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
