package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seloste/seloste/notice"
	"github.com/seloste/seloste/notice/site"
)

func runNoticeBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("notice build", "[flags]", stderr)
	content := fs.String("content", "content", "content `folder` holding tietosuojaseloste/YYYY-MM-DD.md")
	themesFlag := fs.String("themes", "", "`folder` whose seloste/ overrides the built-in theme, file by file (default: themes, when it holds seloste/)")
	out := fs.String("out", "public", "output `folder`, replaced as a whole when the build succeeds")
	drafts := fs.Bool("drafts", false, "include draft versions, marked \"LUONNOS / DRAFT\" (never locked)")
	watch := fs.Bool("watch", false, "rebuild on every change under the content and themes folders, until interrupted")
	baseURL := fs.String("base-url", "/", "`URL` the site is served from")
	siteName := fs.String("site", "", "site `name` for the tracker tag (data-site); no tag when empty")
	collector := fs.String("collector", "", "`URL` of the collector serving /s.js; empty for the same origin")
	record := fs.Bool("record", false, "also publish the record of processing activities (GDPR Art. 30) of the configured collector, a printable page per language under OUT/"+notice.RecordDir+"/; off by default, as it is an internal document")
	conf := addConfigFlag(fs, "content", "themes", "out=public")
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	cfg, err := conf.load(fs)
	if err != nil {
		return fmt.Errorf("notice build: %w", err)
	}
	if *collector != "" && *siteName == "" {
		return errors.New("notice build: -collector needs -site (the site's name in the statistics)")
	}

	themes := themesFolder(*themesFlag)
	opts := site.Options{ThemesDir: themes, OutDir: *out, BaseURL: *baseURL, Drafts: *drafts}
	if *siteName != "" {
		opts.Params = map[string]any{"seloste": map[string]any{"site": *siteName, "collector": *collector}}
	}

	pass := func(ctx context.Context) error {
		start := time.Now()
		p, err := site.Publish(ctx, *content, opts)
		if err != nil {
			return folderFlag(err, *content, themes)
		}
		fmt.Fprintf(stdout, "%s built %s: %s, in %v\n",
			time.Now().Format("15:04:05"), *out, p, time.Since(start).Round(time.Millisecond))
		if *record {
			files, err := publishRecords(cfg, *content, *out)
			if err != nil {
				return fmt.Errorf("notice build -record: %w", err)
			}
			fmt.Fprintf(stdout, "seloste käsittelytoimista / record of processing activities: %s\n", strings.Join(files, ", "))
		}
		return nil
	}
	err = pass(ctx)
	if !*watch {
		return err
	}
	if err != nil {
		fmt.Fprintln(stderr, "seloste:", err)
	}
	dirs := []string{*content}
	if themes != "" {
		dirs = append(dirs, themes)
	}
	fmt.Fprintf(stdout, "watching %s for changes (Ctrl-C stops)\n", strings.Join(dirs, " and "))
	return site.Watch(ctx, dirs, site.DefaultPoll, pass,
		func(err error) { fmt.Fprintln(stderr, "seloste:", err) })
}
