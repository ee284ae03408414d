package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
)

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", "[-db seloste.db] -out FILE", stderr)
	var (
		dbPath   = fs.String("db", "seloste.db", dbHelp)
		out      = fs.String("out", "", "the backup `file` to write (must not exist); safe while serve runs; the auth file goes to FILE.auth")
		authFile = fs.String("auth", "", "the auth `file` (users, tokens) copied to FILE.auth (default: seloste.auth next to -db)")
	)
	conf := addConfigFlag(fs, "db", "auth")
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	if _, err := conf.load(fs); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if *out == "" {
		return errors.New("backup: -out FILE is required, e.g. -out seloste-$(date +%F).db")
	}
	if strings.HasPrefix(*dbPath, "clickhouse://") {
		return errors.New("backup: a ClickHouse database is backed up with ClickHouse's own tools " +
			"(ALTER TABLE … FREEZE on every shard, or clickhouse-backup): see the README's ClickHouse section")
	}
	store, err := openStore(ctx, *dbPath, true, stderr)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer store.Close()
	b, ok := store.(analytics.Backuper)
	if !ok {
		return fmt.Errorf("backup: the engine of %s makes no backups itself: see the README's backup section", *dbPath)
	}
	if err := b.Backup(ctx, *out, stderr); err != nil {
		return err
	}
	return backupAuth(*authFile, *dbPath, *out, stderr)
}

// backupAuth copies the auth file (the dashboard's users, their password
// hashes, tokens and share links) to out.auth, mode 0600, so that a backup
// carries the users with the audit log the database holds. No auth file
// (no user yet) is no error.
func backupAuth(authFile, db, out string, stderr io.Writer) error {
	if authFile == "" {
		authFile = authPathFor(db)
	}
	f, err := auth.Load(authFile)
	if err != nil {
		return fmt.Errorf("backup: the database is copied to %s, the auth file not: %w", out, err)
	}
	if len(f.Users) == 0 && len(f.Tokens) == 0 && len(f.Shares) == 0 {
		return nil
	}
	dst := out + ".auth"
	if _, err := os.Stat(dst); err == nil {
		return fmt.Errorf("backup: %s exists; the database is copied to %s, the auth file not: choose another -out", dst, out)
	}
	if err := f.Save(dst); err != nil {
		return fmt.Errorf("backup: the database is copied to %s, the auth file not: %w", out, err)
	}
	fmt.Fprintf(stderr, "seloste: backup: users and tokens written to %s (keep it as secret as %s)\n", dst, authFile)
	return nil
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", "[-db seloste.db] -from FILE", stderr)
	var (
		dbPath   = fs.String("db", "seloste.db", dbHelp)
		from     = fs.String("from", "", "the backup `file` (made by seloste backup) to put in place of -db; stop serve first; FILE.auth, if there, replaces the auth file")
		authFile = fs.String("auth", "", "the auth `file` that FILE.auth replaces (default: seloste.auth next to -db)")
	)
	conf := addConfigFlag(fs, "db", "auth")
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	if _, err := conf.load(fs); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if *from == "" {
		return errors.New("restore: -from FILE is required")
	}
	if err := restoreStore(ctx, *dbPath, *from, stderr); err != nil {
		return err
	}
	return restoreAuth(*from+".auth", *authFile, *dbPath, stderr)
}

// restoreAuth puts the backup's auth file src, if there is one, in place of
// the auth file, keeping the old one as AUTH.before-restore-TIME.
func restoreAuth(src, authFile, db string, stderr io.Writer) error {
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if authFile == "" {
		authFile = authPathFor(db)
	}
	f, err := auth.Load(src)
	if err != nil {
		return fmt.Errorf("restore: the database is restored, the auth file not: %w", err)
	}
	if _, err := os.Stat(authFile); err == nil {
		keep := authFile + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(authFile, keep); err != nil {
			return fmt.Errorf("restore: the database is restored, the auth file not: %w", err)
		}
		fmt.Fprintf(stderr, "seloste: restore: the previous auth file is kept as %s\n", keep)
	}
	if err := f.Save(authFile); err != nil {
		return fmt.Errorf("restore: the database is restored, the auth file not: %w", err)
	}
	fmt.Fprintf(stderr, "seloste: restore: users and tokens restored to %s\n", authFile)
	return nil
}
