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
# One line per published (non-draft) version: its date and the SHA-256 of
# its file (line endings as \n). "seloste notice build" adds a line when a
# version is published; build and check fail if a listed file changes or
# disappears. Published versions are immutable: to change the statement,
# run "seloste notice new" and edit the new draft.
#
# Julkaistut versiot ovat muuttumattomia: muutokset tehdään uuteen
# versioon komennolla "seloste notice new". Älä muokkaa tätä tiedostoa.
`

// LockEntry is one line of the lock file.
type LockEntry struct {
	Date time.Time
	Hash string // "sha256:<hex>", as in Version.Hash
	Line int    // line in the lock file, for errors
}

// Lock is the parsed lock file.
type Lock struct {
	File    string      // path of the lock file
	Entries []LockEntry // sorted by date
}

var lockLineRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})\s+(sha256:[0-9a-f]{64})$`)

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
		if m == nil || err != nil {
			return l, srcErr(l.File, n,
				"rivi ei ole muotoa VVVV-KK-PP sha256:<64 heksamerkkiä>: palauta tiedosto versionhallinnasta",
				"line is not of the form YYYY-MM-DD sha256:<64 hex digits>: restore the file from version control")
		}
		if seen[m[1]] {
			return l, srcErr(l.File, n,
				"päivä "+m[1]+" on lukkotiedostossa kahdesti: palauta tiedosto versionhallinnasta",
				"date "+m[1]+" appears twice in the lock file: restore the file from version control")
		}
		seen[m[1]] = true
		l.Entries = append(l.Entries, LockEntry{Date: date, Hash: m[2], Line: n})
	}
	if err := sc.Err(); err != nil {
		return l, fmt.Errorf("%s: %w", l.File, err)
	}
	sort.Slice(l.Entries, func(i, j int) bool { return l.Entries[i].Date.Before(l.Entries[j].Date) })
	return l, nil
}

// VerifyLock checks that every version in dir's lock file is still there,
// published and unchanged. Problems are *SourceError values naming the
// version's file, joined with errors.Join.
func VerifyLock(dir string, vs []Version) error {
	l, err := ReadLock(dir)
	if err != nil {
		return err
	}
	byDate := map[string]Version{}
	for _, v := range vs {
		byDate[v.Slug()] = v
	}
	var errs []error
	for _, e := range l.Entries {
		slug := e.Date.Format(DateLayout)
		file := filepath.Join(dir, slug+".md")
		v, ok := byDate[slug]
		if !ok {
			errs = append(errs, srcErr(file, 0,
				fmt.Sprintf("julkaistu versio puuttuu (se on lukkotiedostossa %s): julkaistuja versioita ei poisteta; palauta tiedosto, esim. git checkout -- %s", l.File, file),
				fmt.Sprintf("published version is missing (it is listed in %s): published versions are never deleted; restore the file, e.g. git checkout -- %s", l.File, file)))
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

// UpdateLock adds the published versions in vs that the lock file does
// not list yet, and returns them. It refuses to run if the lock does not
// verify. The file is replaced atomically (temporary file, then rename).
func UpdateLock(dir string, vs []Version) (added []Version, err error) {
	if err := VerifyLock(dir, vs); err != nil {
		return nil, err
	}
	l, err := ReadLock(dir)
	if err != nil {
		return nil, err
	}
	locked := map[string]bool{}
	for _, e := range l.Entries {
		locked[e.Date.Format(DateLayout)] = true
	}
	for _, v := range Published(vs) {
		if !locked[v.Slug()] {
			added = append(added, v)
			l.Entries = append(l.Entries, LockEntry{Date: v.Date, Hash: v.Hash})
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	sort.Slice(l.Entries, func(i, j int) bool { return l.Entries[i].Date.Before(l.Entries[j].Date) })
	var b strings.Builder
	b.WriteString(lockHeader)
	for _, e := range l.Entries {
		fmt.Fprintf(&b, "%s %s\n", e.Date.Format(DateLayout), e.Hash)
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
