package notice

// Temporary stubs so that notice/site can compile against the contract while
// the real implementations are written. Each is replaced (and this file
// deleted) by the notice package's owner.

import (
	"errors"
	"html/template"
)

var errTODO = errors.New("notice: not implemented yet")

// Load reads every YYYY-MM-DD.md in dir, sorted by date, oldest first.
func Load(dir string) ([]Version, error) { return nil, errTODO }

// Current is the newest non-draft version.
func Current(vs []Version) (Version, bool) { return Version{}, false }

// Stamped is v.Body with the update sentence v.Stamp() added at the end of
// its first paragraph: the Markdown every rendering starts from.
func Stamped(v Version) string { return v.Body }

// RenderHTML renders v as one standalone, self-contained HTML document
// (inline CSS, print styles), stamped.
func RenderHTML(v Version) ([]byte, error) { return nil, errTODO }

// RenderText renders v as plain text, stamped, for email.
func RenderText(v Version) (string, error) { return "", errTODO }

// DiffHTML shows what changed from old to new as HTML: unchanged text as
// is, removed text in <del>, added text in <ins>.
func DiffHTML(old, new Version) template.HTML { return "" }
