package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/seloste/seloste/analytics"
)

func runPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("purge", "[-db seloste.db] [-retention 3y]", stderr)
	var (
		dbPath    = fs.String("db", "seloste.db", dbHelp)
		retention = fs.String("retention", analytics.DefaultRetention.String(),
			"keep records this long: 3y, 36mo, 156w or 1095d (what the privacy statement promises)")
	)
	conf := addConfigFlag(fs, "db", "retention")
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	if _, err := conf.load(fs); err != nil {
		return fmt.Errorf("purge: %w", err)
	}
	ret, err := analytics.ParseRetention(*retention)
	if err != nil {
		return fmt.Errorf("purge: -retention: %w", err)
	}
	store, err := openStore(ctx, *dbPath, true, stderr)
	if err != nil {
		return fmt.Errorf("purge: %w", err)
	}
	defer store.Close()
	now := time.Now()
	before := ret.Cutoff(now)
	c, err := store.Purge(ctx, before, now)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Deleted records from before %s (retention %s):\n", before.UTC().Format(time.RFC3339), ret)
	fmt.Fprintf(stdout, "  page views   %d\n  leaves       %d\n  bot hits     %d\n  rollup rows  %d\n", c.PageViews, c.Leaves, c.Bots, c.Derived)
	fmt.Fprintf(stdout, "Deleted %d daily salts older than %s.\n", c.Salts, analytics.SaltKeep)
	return nil
}
