// Package themes embeds seloste's Hugo theme, themes/seloste, in the
// binary, so that "seloste notice build" works in any folder; a site's own
// themes/seloste/ overrides it file by file (see notice/site).
//
// The package lives here, beside the theme, because go:embed reaches only
// into the folder of its source file and below, and only within one Go
// module: the theme folder therefore has no go.mod of its own. Hugo sites
// import the theme as part of the module github.com/seloste/seloste,
// mounting themes/seloste/layouts/partials/seloste (the tracker partial) or
// the theme's layouts and assets (the whole theme).
package themes

import (
	"embed"
	"io/fs"
)

// files is the theme folder with everything in it: "all:" keeps names
// beginning with '_' (Hugo's layouts/_partials, _markup, _shortcodes).
//
//go:embed all:seloste
var files embed.FS

// Seloste returns the seloste theme's files, rooted at the theme folder:
// hugo.toml, layouts/..., assets/....
func Seloste() fs.FS {
	sub, err := fs.Sub(files, "seloste")
	if err != nil { // only for an invalid name, and "seloste" is valid
		return files
	}
	return sub
}
