// Package site builds the statement's static site with Hugo, used as a
// library, and the seloste theme: the one embedded in the binary (package
// themes), with a site's own theme files over it.
//
// Build generates a throw-away Hugo project from the loaded versions (one
// content file per page, every link, date and diff computed here in Go, so
// the templates stay simple), builds it in-process and swaps the result
// into the output folder. Hugo never sees the owner's environment, never
// runs a program and never fetches a URL, and anything it logs, even a
// warning, fails the build.
//
// Each language has its own part of the site (layouts in plan.go): Finnish
// at /tietosuojaseloste/, Swedish at /sv/dataskyddsbeskrivning/, English at
// /en/privacy-notice/, every page with its language switcher and hreflang
// alternates; the theme's words come from words.go.
//
// Publish is the whole publishing sequence that "seloste notice build" and
// "seloste serve" run: load the versions, verify the lock, Build, and lock
// the versions that became public. Watch runs it again on every change
// ("seloste notice build -watch").
package site

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/bep/logg"
	"github.com/gohugoio/hugo/common/loggers"
	"github.com/gohugoio/hugo/config"
	"github.com/gohugoio/hugo/config/allconfig"
	"github.com/gohugoio/hugo/deps"
	"github.com/gohugoio/hugo/hugofs"
	"github.com/gohugoio/hugo/hugolib"
	"github.com/spf13/afero"

	"github.com/seloste/seloste/notice"
	"github.com/seloste/seloste/themes"
)

// ThemeName is the theme's name: the folder under Options.ThemesDir whose
// files override the embedded theme's.
const ThemeName = "seloste"

// ErrNoTheme is what Build's error is (errors.Is) when Options.ThemesDir
// is given but does not hold ThemeName: the caller can say which setting
// named it.
var ErrNoTheme = errors.New("theme " + ThemeName + " not found")

// Options says what to build and where.
type Options struct {
	Versions []notice.Version // loaded and lock-checked by the caller, oldest first
	// ThemesDir, when not empty, is a folder holding seloste/, a site's own
	// theme files: each replaces the embedded theme's file of the same path
	// (layouts/page.html, assets/css/seloste.css, ...) and the others are
	// added, as Hugo's own lookup lets a site's files replace a theme's.
	// Empty: the embedded theme alone.
	ThemesDir string
	OutDir    string // replaced as a whole only when the build succeeds
	BaseURL   string // "/" when empty
	// Params are passed to the theme as site params (e.g. the collector's
	// site and URL for the seloste/analytics.html partial).
	Params map[string]any
	// Drafts includes draft versions, each marked "LUONNOS / DRAFT". The
	// current version is still the newest published one.
	Drafts bool
}

// buildMu serialises builds: Hugo keeps a process-wide logger (set by
// allconfig.LoadConfig), so two builds at once would mix their logs.
var buildMu sync.Mutex

// Build builds the site into a temporary folder and swaps it into OutDir.
// On any error OutDir is left as it was.
func Build(ctx context.Context, o Options) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	out, override, err := o.checkPaths()
	if err != nil {
		return err
	}
	pages, err := plan(o.Versions, o.Drafts)
	if err != nil {
		return err
	}

	// The generated Hugo project lives in a temp dir removed afterwards;
	// the new output is built beside OutDir so the final swap is a rename
	// on the same file system.
	project, err := os.MkdirTemp("", "seloste-site-*")
	if err != nil {
		return fmt.Errorf("site: create a temporary Hugo project: %w", err)
	}
	defer os.RemoveAll(project)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("site: create the parent of the output folder %s: %w", out, err)
	}
	staging, err := os.MkdirTemp(filepath.Dir(out), "."+filepath.Base(out)+".new-*")
	if err != nil {
		return fmt.Errorf("site: create a temporary output folder beside %s: %w", out, err)
	}
	defer os.RemoveAll(staging)                      // a no-op once it has been renamed to out
	if err := os.Chmod(staging, 0o755); err != nil { // MkdirTemp makes it private
		return fmt.Errorf("site: %w", err)
	}

	if err := writeProject(project, pages); err != nil {
		return err
	}
	themesDir := filepath.Join(project, "themes")
	theme := filepath.Join(themesDir, ThemeName)
	own, err := writeTheme(theme, override)
	if err != nil {
		return err
	}
	cfg := hugoConfig(o, project, themesDir, staging)
	if err := runHugo(cfg); err != nil {
		return themePaths(err, theme, override, own)
	}
	if err := writeStandalone(staging, pages.shown); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return swap(staging, out)
}

// checkPaths returns the absolute output folder and the theme override
// folder (<ThemesDir>/seloste, or "" for the embedded theme alone).
func (o Options) checkPaths() (out, override string, err error) {
	if o.OutDir == "" {
		return "", "", errors.New("site: no output folder given")
	}
	if out, err = filepath.Abs(o.OutDir); err != nil {
		return "", "", fmt.Errorf("site: output folder %s: %w", o.OutDir, err)
	}
	if o.ThemesDir == "" {
		return out, "", nil
	}
	if override, err = ThemeOverride(o.ThemesDir); err != nil {
		return "", "", err
	}
	return out, override, nil
}

// ThemeOverride returns the absolute path of themesDir's seloste/ folder,
// whose files override the embedded theme's; its error is ErrNoTheme
// (errors.Is) when themesDir holds no such folder. Build checks
// Options.ThemesDir with it; a caller can check a setting before starting.
func ThemeOverride(themesDir string) (string, error) {
	abs, err := filepath.Abs(themesDir)
	if err != nil {
		return "", fmt.Errorf("site: themes folder %s: %w", themesDir, err)
	}
	dir := filepath.Join(abs, ThemeName)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("site: %w: the themes folder %s has no %s/; give the folder that holds it, or none for the built-in theme", ErrNoTheme, abs, ThemeName)
	}
	return dir, nil
}

// writeTheme writes the embedded theme into dir, then the files of the
// override folder (if any) over it, file by file. own is the override's
// files, slash-separated and relative to it.
func writeTheme(dir, override string) (own []string, err error) {
	if _, err := copyFiles(dir, themes.Seloste()); err != nil {
		return nil, fmt.Errorf("site: write the built-in theme: %w", err)
	}
	if override == "" {
		return nil, nil
	}
	if own, err = copyFiles(dir, os.DirFS(override)); err != nil {
		return nil, fmt.Errorf("site: read the theme files in %s: %w", override, err)
	}
	return own, nil
}

// copyFiles copies every file of fsys into dir, replacing a file already
// there, and returns their names. Symbolic links are followed, as Hugo
// follows them in a theme.
func copyFiles(dir string, fsys fs.FS) (names []string, err error) {
	err = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		names = append(names, path)
		return os.WriteFile(dst, b, 0o644)
	})
	return names, err
}

// themePaths rewrites the theme file names in a Hugo error, which are in
// the generated project (removed by now), to where each file came from: a
// file of the override folder, or "(built-in theme)/layouts/...".
func themePaths(err error, theme, override string, own []string) error {
	var pairs []string
	for _, name := range own { // first: strings.Replacer tries its pairs in order
		pairs = append(pairs, filepath.Join(theme, filepath.FromSlash(name)), filepath.Join(override, filepath.FromSlash(name)))
	}
	pairs = append(pairs, theme+string(filepath.Separator), "(built-in theme)/")
	return &rewrittenError{msg: strings.NewReplacer(pairs...).Replace(err.Error()), err: err}
}

// rewrittenError is err with a different message.
type rewrittenError struct {
	msg string
	err error
}

func (e *rewrittenError) Error() string { return e.msg }
func (e *rewrittenError) Unwrap() error { return e.err }

// hugoConfig is the whole Hugo configuration: nothing comes from a config
// file, so the owner's Hugo setup cannot change the build.
func hugoConfig(o Options, project, themes, publish string) map[string]any {
	baseURL := o.BaseURL
	if baseURL == "" {
		baseURL = "/"
	}
	params := map[string]any{}
	for k, v := range o.Params {
		params[k] = v
	}
	return map[string]any{
		"baseURL":                baseURL,
		"title":                  "Tietosuojaseloste",
		"locale":                 "fi",
		"defaultContentLanguage": "fi",
		"workingDir":             project,
		"contentDir":             filepath.Join(project, "content"),
		"publishDir":             publish,
		"themesDir":              themes,
		"theme":                  ThemeName,
		"cacheDir":               filepath.Join(project, "_cache"),
		"resourceDir":            filepath.Join(project, "_resources"),
		"noBuildLock":            true,
		// Links work both when served and when public/ is opened from disk.
		"relativeURLs":               true,
		"disableKinds":               []string{"taxonomy", "term", "rss", "sitemap", "robotstxt", "404"},
		"disableHugoGeneratorInject": true,
		"enableGitInfo":              false,
		"enableEmoji":                false,
		"timeZone":                   "UTC",
		"params":                     params,
		"markup": map[string]any{
			"goldmark": map[string]any{
				// The statement's sentences must reach the page verbatim:
				// no smart quotes or dashes, no raw HTML.
				"extensions": map[string]any{"typographer": map[string]any{"disable": true}},
				"renderer":   map[string]any{"unsafe": false},
			},
		},
		"security": map[string]any{
			"exec":  map[string]any{"allow": []string{"none"}, "osEnv": []string{"none"}},
			"funcs": map[string]any{"getenv": []string{"none"}},
			"http":  map[string]any{"urls": []string{"none"}, "methods": []string{"none"}},
		},
		"module": map[string]any{"proxy": "off", "noProxy": "*", "private": "*"},
	}
}

// environ replaces the process environment for Hugo: HUGO_* variables
// would otherwise override the configuration (HUGO_BASEURL,
// HUGO_ENVIRONMENT, HUGO_PARAMS_*).
var environ = []string{"PATH=/nonexistent", "HOME=/nonexistent"}

// runHugo builds the generated project. Everything Hugo logs at warning
// level or above is captured; any of it fails the build, because Hugo only
// warns about, for example, a page without a layout.
func runHugo(cfg map[string]any) error {
	buildMu.Lock()
	defer buildMu.Unlock()

	// The configuration goes in as a file, the documented way; only the
	// working directory is a "flag", as the hugo command sets it.
	project := cfg["workingDir"].(string)
	file := filepath.Join(project, "hugo.json")
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("site: Hugo configuration: %w", err)
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return fmt.Errorf("site: %w", err)
	}
	flags := config.New()
	flags.Set("workingDir", project)

	var logs syncBuffer
	logger := loggers.New(loggers.Options{
		Level:         logg.LevelWarn,
		StdOut:        io.Discard,
		StdErr:        &logs,
		DistinctLevel: logg.LevelWarn,
	})
	osFS := afero.NewOsFs()
	configs, err := allconfig.LoadConfig(allconfig.ConfigSourceDescriptor{
		Fs:          osFS,
		Logger:      logger,
		Filename:    file,
		Flags:       flags,
		Environment: "production",
		Environ:     environ,
	})
	if err != nil {
		return fmt.Errorf("site: Hugo configuration: %w%s", err, logs.suffix())
	}
	sites, err := hugolib.NewHugoSites(deps.DepsCfg{
		Configs:  configs,
		Fs:       hugofs.NewFrom(osFS, configs.LoadingInfo.BaseConfig),
		LogLevel: logg.LevelWarn,
		StdOut:   io.Discard,
		StdErr:   &logs,
	})
	if err != nil {
		return fmt.Errorf("site: Hugo setup: %w%s", err, logs.suffix())
	}
	defer sites.Close()
	if err := sites.Build(hugolib.BuildCfg{NoBuildLock: true}); err != nil {
		return fmt.Errorf("site: Hugo build failed: %w%s", err, logs.suffix())
	}
	if msg := strings.TrimSpace(logs.String()); msg != "" {
		return fmt.Errorf("site: Hugo build logged a warning or error, which fails the build:\n%s", msg)
	}
	return nil
}

// swap replaces out with staging: the old output is moved aside first and
// removed only after the new one is in place, so a failure at any point
// leaves a complete site (old or new) at out.
func swap(staging, out string) error {
	old := ""
	if _, err := os.Lstat(out); err == nil {
		old = staging + ".old"
		if err := os.Rename(out, old); err != nil {
			return fmt.Errorf("site: move the old output %s aside: %w", out, err)
		}
	}
	if err := os.Rename(staging, out); err != nil {
		if old != "" {
			if rerr := os.Rename(old, out); rerr != nil {
				return fmt.Errorf("site: put the new output in place at %s: %w (and restoring the old one failed: %v; it is at %s)", out, err, rerr, old)
			}
		}
		return fmt.Errorf("site: put the new output in place at %s: %w", out, err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("site: the new site is in %s, but removing the old one at %s failed: %w", out, old, err)
		}
	}
	return nil
}

// writeStandalone writes the goldmark renderings (not Hugo's) of each
// language's current version, for emailing and printing.
func writeStandalone(dir string, shown []notice.Version) error {
	for _, cur := range shown {
		l := layoutOf(cur.Lang)
		html, err := notice.RenderHTML(cur)
		if err != nil {
			return fmt.Errorf("site: render %s as standalone HTML: %w", cur.File, err)
		}
		text, err := notice.RenderText(cur)
		if err != nil {
			return fmt.Errorf("site: render %s as plain text: %w", cur.File, err)
		}
		sec := filepath.Join(dir, filepath.FromSlash(l.section))
		if err := os.MkdirAll(sec, 0o755); err != nil {
			return fmt.Errorf("site: %w", err)
		}
		if err := os.WriteFile(filepath.Join(sec, l.standalone+".html"), html, 0o644); err != nil {
			return fmt.Errorf("site: %w", err)
		}
		if err := os.WriteFile(filepath.Join(sec, l.standalone+".txt"), []byte(text), 0o644); err != nil {
			return fmt.Errorf("site: %w", err)
		}
	}
	return nil
}

// writeProject writes the generated content files. Front matter is JSON,
// so no value needs escaping by hand.
func writeProject(project string, p plannedSite) error {
	for _, pg := range p.pages {
		fm, err := json.MarshalIndent(pg.front, "", "  ")
		if err != nil {
			return fmt.Errorf("site: front matter for %s: %w", pg.path, err)
		}
		var b bytes.Buffer
		b.Write(fm)
		b.WriteString("\n\n")
		b.WriteString(pg.body)
		name := filepath.Join(project, "content", filepath.FromSlash(pg.path))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return fmt.Errorf("site: %w", err)
		}
		if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("site: %w", err)
		}
	}
	return nil
}

// syncBuffer collects Hugo's log output, which may be written from several
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// suffix is the captured log, for appending to an error.
func (b *syncBuffer) suffix() string {
	if s := strings.TrimSpace(b.String()); s != "" {
		return "\n" + s
	}
	return ""
}
