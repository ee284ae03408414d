package notice

import (
	"fmt"
	"time"
)

// DateLayout is the form of a version's date in its file name and URL.
const DateLayout = "2006-01-02"

// Version is one dated version of the statement: one Markdown file
// content/tietosuojaseloste/YYYY-MM-DD.md, or one of its translations,
// YYYY-MM-DD.sv.md and YYYY-MM-DD.en.md.
type Version struct {
	Date    time.Time // from the file name, midnight UTC
	File    string    // path it was loaded from
	Title   string    // front matter "title"
	Lang    string    // front matter "lang": "fi" for the statement, the file name's language for a translation
	Summary string    // front matter "summary": what changed, in the version's language
	Draft   bool      // front matter "draft"

	// Scheduled is front matter "scheduled": a version published ahead of
	// its date, announced on the site and in force from Date on. Without
	// it a file may not be dated after today.
	Scheduled bool
	// Pending is set by Load: the version is scheduled and its date is
	// still to come on the day it was loaded. A published pending version
	// is locked and shown, but not in force: Current and CurrentIn skip
	// it, and nothing only it describes is stored.
	Pending bool

	// Translations of a Finnish version, in the order of Languages; a
	// translation has none.
	Translations []Version

	Body     string // Markdown after the front matter; never holds the update date
	BodyLine int    // 1-based line in File where Body starts, for error positions
	Hash     string // "sha256:<hex>" of the file with line endings normalised to \n
}

// Slug is the version's date as used in file names and URLs: "2020-02-08".
func (v Version) Slug() string { return v.Date.Format(DateLayout) }

// Key names the file among the versions and in the lock file: the slug for
// Finnish, "2026-12-01.sv" for a translation.
func (v Version) Key() string {
	if v.Lang == Finnish {
		return v.Slug()
	}
	return v.Slug() + "." + v.Lang
}

// Translation is v's translation into code, if the folder has one.
func (v Version) Translation(code string) (Version, bool) {
	for _, t := range v.Translations {
		if t.Lang == code {
			return t, true
		}
	}
	return Version{}, false
}

// In is v in code: v itself for Finnish, else its translation.
func (v Version) In(code string) (Version, bool) {
	if code == Finnish || code == v.Lang {
		return v, true
	}
	return v.Translation(code)
}

// FinnishDate formats a date the Finnish way, D.M.YYYY without leading zeros.
func FinnishDate(t time.Time) string {
	return fmt.Sprintf("%d.%d.%d", t.Day(), int(t.Month()), t.Year())
}

// Stamp is the update sentence the generator adds to every rendering of v,
// in v's language: "Seloste on päivitetty viimeksi 1.12.2026.",
// "Beskrivningen uppdaterades senast 1.12.2026.", "Last updated on 1
// December 2026." A scheduled version before its date says when it takes
// effect instead: "Tämä versio tulee voimaan 1.2.2027."
func (v Version) Stamp() string {
	l := lang(v.Lang)
	if v.Pending {
		return fmt.Sprintf(l.scheduledStamp, FormatDate(v.Date, v.Lang))
	}
	return fmt.Sprintf(l.stamp, FormatDate(v.Date, v.Lang))
}

// Files is every file of vs, each Finnish version followed by its
// translations.
func Files(vs []Version) []Version {
	var out []Version
	for _, v := range vs {
		out = append(out, v)
		out = append(out, v.Translations...)
	}
	return out
}

// CurrentIn is the newest published version in code that is in force,
// which for a translation may be older than the current Finnish version.
func CurrentIn(vs []Version, code string) (Version, bool) {
	for i := len(vs) - 1; i >= 0; i-- {
		if t, ok := vs[i].In(code); ok && !vs[i].Draft && !t.Draft && !vs[i].Pending {
			return t, true
		}
	}
	return Version{}, false
}

// HasLanguage reports whether any version, published or draft, is in code.
func HasLanguage(vs []Version, code string) bool {
	for _, v := range vs {
		if _, ok := v.In(code); ok {
			return true
		}
	}
	return false
}
