package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/migrate"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := newFlagSet("migrate", "-from seloste.db -to clickhouse://HOST:9000/DB (or back)", stderr)
	var (
		from     = flags.String("from", "", "the store to copy from (default: the configuration file's db): "+dbHelp)
		to       = flags.String("to", "", "the store to copy into, which must hold no records (a SQLite file must not exist)")
		zoneName = flags.String("zone", analytics.DefaultZone, "time zone of the days of the reports compared at the end (IANA name)")
	)
	conf := addConfigFlag(flags, "from=db", "zone")
	if err := parseFlags(flags, args, ""); err != nil {
		return err
	}
	if _, err := conf.load(flags); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if *from == "" || *to == "" {
		return errors.New("migrate: -from and -to are both required, e.g. -from seloste.db -to clickhouse://127.0.0.1:9000/seloste")
	}
	zone, err := time.LoadLocation(*zoneName)
	if err != nil {
		return fmt.Errorf("migrate: -zone: %w", err)
	}
	src, err := openStore(ctx, *from, true, stderr)
	if err != nil {
		return fmt.Errorf("migrate: -from: %w", err)
	}
	defer src.Close()
	source, ok := src.(migrate.Source)
	if !ok {
		return fmt.Errorf("migrate: the engine of -from %s cannot list its records", storeName(*from))
	}
	// A SQLite destination is written to a temporary file and renamed
	// when the copy is complete and checked: all or nothing.
	dst, final := *to, storePath(*to)
	// The new SQLite file is owned until it is in place: no collector
	// starts on it half-copied.
	release, err := ownStore(*to, "-to")
	if err != nil {
		return fmt.Errorf("migrate: -to: %w", err)
	}
	defer release()
	if final != "" {
		if _, err := os.Stat(final); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("migrate: -to %s exists: give a new file", final)
		}
		dst = final + ".migrating-" + strconv.Itoa(os.Getpid())
		defer func() {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(dst + suffix)
			}
		}()
	}
	out, err := openStore(ctx, dst, false, stderr)
	if err != nil {
		return fmt.Errorf("migrate: -to: %w", err)
	}
	defer out.Close()
	if err := migrate.Copy(ctx, source, out, zone, time.Now(), stderr); err != nil {
		return err
	}
	if final != "" {
		if err := out.Close(); err != nil {
			return fmt.Errorf("migrate: close %s: %w", dst, err)
		}
		if err := os.Rename(dst, final); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	fmt.Fprintf(stdout, "Copied every record of %s into %s; their reports of the last year agree.\n", storeName(*from), storeName(*to))
	return nil
}
