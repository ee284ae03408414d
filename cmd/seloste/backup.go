package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/seloste/seloste/analytics"
)

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", "[-db seloste.db] -out FILE", stderr)
	var (
		dbPath = fs.String("db", "seloste.db", dbHelp)
		out    = fs.String("out", "", "the backup `file` to write (must not exist); safe while serve runs")
	)
	conf := addConfigFlag(fs, "db")
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
	return b.Backup(ctx, *out, stderr)
}

func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", "[-db seloste.db] -from FILE", stderr)
	var (
		dbPath = fs.String("db", "seloste.db", dbHelp)
		from   = fs.String("from", "", "the backup `file` (made by seloste backup) to put in place of -db; stop serve first")
	)
	conf := addConfigFlag(fs, "db")
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	if _, err := conf.load(fs); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if *from == "" {
		return errors.New("restore: -from FILE is required")
	}
	return restoreStore(ctx, *dbPath, *from, stderr)
}
