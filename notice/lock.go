package notice

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// LockFile is the name of the lock file in the statement's folder. It is
// committed with the content: it is what makes published versions
// immutable.
const LockFile = "published.lock"

const lockHeader = `# seloste: published versions of the privacy statement (tietosuojaseloste).
#
# One line per published (non-draft) file: its version's date (with the
# language of a translation, 2026-12-01.sv) and the SHA-256 of the file
# (line endings as \n). "seloste notice build" adds a line when a version or
# a translation is published; build and check fail if a listed file changes
# or disappears. Published versions and their translations are immutable:
# to change the statement, run "seloste notice new" and edit the new draft.
#
# Julkaistut versiot ovat muuttumattomia: muutokset tehdään uuteen
# versioon komennolla "seloste notice new". Älä muokkaa tätä tiedostoa.
`

// LockEntry is one line of the lock file.
type LockEntry struct {
	Date time.Time
	Lang string // "fi", or the translation's language
	Hash string // "sha256:<hex>", as in Version.Hash
	Line int    // line in the lock file, for errors
}

// Key is the entry's file as Version.Key names it: "2026-12-01" or
// "2026-12-01.sv".
func (e LockEntry) Key() string {
	if e.Lang == Finnish {
		return e.Date.Format(DateLayout)
	}
	return e.Date.Format(DateLayout) + "." + e.Lang
}

// Locked is the set of keys (Version.Key) the lock lists.
func (l Lock) Locked() map[string]bool {
	out := map[string]bool{}
	for _, e := range l.Entries {
		out[e.Key()] = true
	}
	return out
}

// sortEntries orders the entries by date, each Finnish version before its
// translations.
func (l *Lock) sortEntries() {
	order := map[string]int{}
	for i, lg := range Languages {
		order[lg.Code] = i
	}
	sort.SliceStable(l.Entries, func(i, j int) bool {
		a, b := l.Entries[i], l.Entries[j]
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		return order[a.Lang] < order[b.Lang]
	})
}

// Lock is the parsed lock file.
type Lock struct {
	File    string      // path of the lock file
	Entries []LockEntry // sorted by date
}

var lockLineRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(?:\.([a-z]{2,3}))?\s+(sha256:[0-9a-f]{64})$`)

// ReadLock reads dir's lock file. A missing file is an empty lock: the
// first build creates it.
func ReadLock(dir string) (Lock, error) {
	l := Lock{File: filepath.Join(dir, LockFile)}
	data, err := os.ReadFile(l.File)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, err
	}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := lockLineRE.FindStringSubmatch(line)
		var date time.Time
		if m != nil {
			date, err = time.Parse(DateLayout, m[1])
		}
		if _, known := LanguageOf(m2(m)); m == nil || err != nil || (m[2] != "" && (!known || m[2] == Finnish)) {
			return l, srcErr(l.File, n,
				"rivi ei ole muotoa VVVV-KK-PP[.sv|.en] sha256:<64 heksamerkkiä>: palauta tiedosto versionhallinnasta",
				"line is not of the form YYYY-MM-DD[.sv|.en] sha256:<64 hex digits>: restore the file from version control")
		}
		e := LockEntry{Date: date, Lang: Finnish, Hash: m[3], Line: n}
		if m[2] != "" {
			e.Lang = m[2]
		}
		if seen[e.Key()] {
			return l, srcErr(l.File, n,
				e.Key()+" on lukkotiedostossa kahdesti: palauta tiedosto versionhallinnasta",
				e.Key()+" appears twice in the lock file: restore the file from version control")
		}
		seen[e.Key()] = true
		l.Entries = append(l.Entries, e)
	}
	if err := sc.Err(); err != nil {
		return l, fmt.Errorf("%s: %w", l.File, err)
	}
	l.sortEntries()
	return l, nil
}

// m2 is a lock line match's language, "" without a match.
func m2(m []string) string {
	if m == nil || m[2] == "" {
		return Finnish
	}
	return m[2]
}

// VerifyLock checks that every file in dir's lock file (versions and their
// translations) is still there, published and unchanged. Problems are
// *SourceError values naming the file, joined with errors.Join.
func VerifyLock(dir string, vs []Version) error {
	l, err := ReadLock(dir)
	if err != nil {
		return err
	}
	byKey := map[string]Version{}
	for _, v := range Files(vs) {
		byKey[v.Key()] = v
	}
	var errs []error
	for _, e := range l.Entries {
		file := filepath.Join(dir, fileName(e.Date, e.Lang))
		v, ok := byKey[e.Key()]
		if !ok {
			errs = append(errs, srcErr(file, 0,
				fmt.Sprintf("julkaistu versio puuttuu (se on lukkotiedostossa %s): julkaistuja versioita ei poisteta; palauta tiedosto, esim. git checkout -- %s", l.File, file),
				fmt.Sprintf("published version is missing (it is listed in %s): published versions are never deleted; restore the file, e.g. git checkout -- %s", l.File, file)))
			continue
		}
		if v.Draft {
			errs = append(errs, srcErr(v.File, 0,
				fmt.Sprintf("julkaistu versio on merkitty luonnokseksi (draft: true), mutta se on lukkotiedostossa %s: julkaistua ei voi vetää takaisin; palauta tiedosto (esim. git checkout -- %s)", l.File, v.File),
				fmt.Sprintf("a published version is marked draft: true but is listed in %s: what is published cannot be withdrawn; restore the file (e.g. git checkout -- %s)", l.File, v.File)))
			continue
		}
		if v.Hash != e.Hash {
			errs = append(errs, srcErr(v.File, 0,
				fmt.Sprintf("julkaistua versiota on muutettu: sen tiiviste ei vastaa tiedostoa %s. Julkaistut versiot ovat muuttumattomia: palauta tiedosto ennalleen (esim. git checkout -- %s) ja tee muutos uuteen versioon komennolla seloste notice new.", l.File, v.File),
				fmt.Sprintf("this published version has been edited: its hash no longer matches %s. Published versions are immutable: restore the file (e.g. git checkout -- %s) and make the change in a new version with seloste notice new.", l.File, v.File)))
		}
	}
	return errors.Join(errs...)
}

// UpdateLock adds the published files in vs (versions and translations)
// that the lock file does not list yet, and returns them. It refuses to run if the lock does not
// verify. The file is replaced atomically (temporary file, then rename).
func UpdateLock(dir string, vs []Version) (added []Version, err error) {
	if err := VerifyLock(dir, vs); err != nil {
		return nil, err
	}
	l, err := ReadLock(dir)
	if err != nil {
		return nil, err
	}
	locked := l.Locked()
	for _, v := range PublishedFiles(vs) {
		if !locked[v.Key()] {
			added = append(added, v)
			l.Entries = append(l.Entries, LockEntry{Date: v.Date, Lang: v.Lang, Hash: v.Hash})
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	l.sortEntries()
	var b strings.Builder
	b.WriteString(lockHeader)
	for _, e := range l.Entries {
		fmt.Fprintf(&b, "%s %s\n", e.Key(), e.Hash)
	}
	if err := writeFileAtomic(l.File, []byte(b.String())); err != nil {
		return nil, err
	}
	return added, nil
}

// writeFileAtomic writes data to a temporary file next to path and renames
// it over path, so that readers see the old file or the new, never half.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
