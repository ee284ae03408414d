package notice

import (
	"fmt"
	"time"
)

// DateLayout is the form of a version's date in its file name and URL.
const DateLayout = "2006-01-02"

// Version is one dated version of the statement: one Markdown file
// content/tietosuojaseloste/YYYY-MM-DD.md.
type Version struct {
	Date    time.Time // from the file name, midnight UTC
	File    string    // path it was loaded from
	Title   string    // front matter "title"
	Lang    string    // front matter "lang", "fi" for the statement
	Summary string    // front matter "summary": what changed, in Finnish
	Draft   bool      // front matter "draft"

	Body     string // Markdown after the front matter; never holds the update date
	BodyLine int    // 1-based line in File where Body starts, for error positions
	Hash     string // "sha256:<hex>" of the file with line endings normalised to \n
}

// Slug is the version's date as used in file names and URLs: "2020-02-08".
func (v Version) Slug() string { return v.Date.Format(DateLayout) }

// FinnishDate formats a date the Finnish way, D.M.YYYY without leading zeros.
func FinnishDate(t time.Time) string {
	return fmt.Sprintf("%d.%d.%d", t.Day(), int(t.Month()), t.Year())
}

// Stamp is the update sentence the generator adds to every rendering of v.
func (v Version) Stamp() string {
	return "Seloste on päivitetty viimeksi " + FinnishDate(v.Date) + "."
}
