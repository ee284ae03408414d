package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/seloste/seloste/notice"
	"github.com/seloste/seloste/notice/site"
)

// noticeBuild is what one "seloste notice build" pass needs.
type noticeBuild struct {
	content, themes, out string
	drafts               bool
	opts                 site.Options
}

func runNoticeBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("notice build", "[flags]", stderr)
	content := fs.String("content", "content", "content `folder` holding tietosuojaseloste/YYYY-MM-DD.md")
	themes := fs.String("themes", "themes", "`folder` holding the seloste theme")
	out := fs.String("out", "public", "output `folder`, replaced as a whole when the build succeeds")
	drafts := fs.Bool("drafts", false, "include draft versions, marked \"LUONNOS / DRAFT\" (never locked)")
	watch := fs.Bool("watch", false, "rebuild on every change under the content and themes folders, until interrupted")
	baseURL := fs.String("base-url", "/", "`URL` the site is served from")
	siteName := fs.String("site", "", "site `name` for the tracker tag (data-site); no tag when empty")
	collector := fs.String("collector", "", "`URL` of the collector serving /s.js; empty for the same origin")
	if err := parseFlags(fs, args, ""); err != nil {
		return err
	}
	if *collector != "" && *siteName == "" {
		return errors.New("notice build: -collector needs -site (the site's name in the statistics)")
	}

	b := noticeBuild{content: *content, themes: *themes, out: *out, drafts: *drafts,
		opts: site.Options{ThemesDir: *themes, OutDir: *out, BaseURL: *baseURL, Drafts: *drafts}}
	if *siteName != "" {
		b.opts.Params = map[string]any{"seloste": map[string]any{"site": *siteName, "collector": *collector}}
	}

	pass := func(ctx context.Context) error {
		start := time.Now()
		what, err := b.run(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s built %s: %s, in %v\n",
			time.Now().Format("15:04:05"), b.out, what, time.Since(start).Round(time.Millisecond))
		return nil
	}
	err := pass(ctx)
	if !*watch {
		return err
	}
	if err != nil {
		fmt.Fprintln(stderr, "seloste:", err)
	}
	fmt.Fprintf(stdout, "watching %s and %s for changes (Ctrl-C stops)\n", b.content, b.themes)
	return site.Watch(ctx, []string{b.content, b.themes}, site.DefaultPoll, pass,
		func(err error) { fmt.Fprintln(stderr, "seloste:", err) })
}

// run loads the versions, checks them against the lock, builds the site and
// locks the versions it published. It returns what it did, for the log.
func (b noticeBuild) run(ctx context.Context) (string, error) {
	dir := notice.SourceDir(b.content)
	vs, err := notice.Load(dir)
	if err != nil {
		return "", err
	}
	// An edited published version must never reach the site.
	if err := notice.VerifyLock(dir, vs); err != nil {
		return "", err
	}
	o := b.opts
	o.Versions = vs
	if err := site.Build(ctx, o); err != nil {
		return "", err
	}
	// Only after a successful build: a version is locked once it is public.
	// Drafts are never locked, -drafts or not.
	added, err := notice.UpdateLock(dir, vs)
	if err != nil {
		return "", fmt.Errorf("the site is built, but recording the published versions failed: %w", err)
	}
	n := len(notice.Published(vs))
	msg := fmt.Sprintf("%d published version(s)", n)
	if b.drafts {
		msg += fmt.Sprintf(" and %d draft(s)", len(vs)-n)
	}
	for _, v := range added {
		msg += fmt.Sprintf("; locked %s", v.Slug())
	}
	return msg, nil
}
