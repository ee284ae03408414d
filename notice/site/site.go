// Package site builds the statement's static site with Hugo, used as a
// library, and the theme in themes/.
package site

import (
	"context"
	"errors"

	"github.com/seloste/seloste/notice"
)

// Options says what to build and where.
type Options struct {
	Versions  []notice.Version // loaded and lock-checked by the caller, oldest first
	ThemesDir string           // folder holding themes/seloste
	OutDir    string           // replaced as a whole only when the build succeeds
	BaseURL   string           // "/" when empty
	// Params are passed to the theme as site params (e.g. the collector's
	// site and URL for the seloste/analytics.html partial).
	Params map[string]any
}

// Build builds the site into a temporary folder and swaps it into OutDir.
func Build(ctx context.Context, o Options) error { return errors.New("site: not implemented yet") }
