package notice

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"go.yaml.in/yaml/v3"
)

// NewDraft starts the next version of the statement: a draft copy of the
// newest version in vs, dated date, written to dir. It returns the new
// file's path. It refuses a date that is not after the newest version, a
// file that already exists, and a newest version that is itself a draft
// (finish or publish that one first).
func NewDraft(dir string, vs []Version, date time.Time) (string, error) {
	return NewDraftFields(dir, vs, date, nil)
}

// NewDraftFields is NewDraft that also writes the list of collected data
// generated from c into the draft: it replaces the newest version's
// {{< kerattavat-tiedot >}} block, or fills its placeholder. A version with
// neither is copied as it is. With c nil it is NewDraft.
func NewDraftFields(dir string, vs []Version, date time.Time, c *Collector) (string, error) {
	if len(vs) == 0 {
		return "", fmt.Errorf("%s: ei versioita, joista jatkaa / no versions to start from", dir)
	}
	newest := vs[len(vs)-1]
	date = time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, time.UTC)
	if newest.Draft {
		return "", srcErr(newest.File, 0,
			"uusin versio on jo luonnos (draft: true): muokkaa sitä, tai julkaise se ensin poistamalla draft: true",
			"the newest version is already a draft (draft: true): edit it, or publish it first by removing draft: true")
	}
	if !date.After(newest.Date) {
		return "", fmt.Errorf("uuden version päivän pitää olla uusimman version (%s) jälkeen, nyt %s / the new version's date must be after the newest version (%s), got %s",
			newest.Slug(), date.Format(DateLayout), newest.Slug(), date.Format(DateLayout))
	}
	path := filepath.Join(dir, date.Format(DateLayout)+".md")
	if _, err := os.Stat(path); err == nil {
		return "", fmt.Errorf("%s on jo olemassa / already exists", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	fm, err := yaml.Marshal(struct {
		Title   string `yaml:"title"`
		Lang    string `yaml:"lang"`
		Summary string `yaml:"summary"`
		Draft   bool   `yaml:"draft"`
	}{newest.Title, newest.Lang, SummaryPlaceholder, true})
	if err != nil {
		return "", err
	}
	body := newest.Body
	if c != nil {
		if body, _, err = RefreshFields(newest, c.Fields, c.Retention); err != nil {
			return "", err
		}
	}
	data := []byte("---\n" + string(fm) + "---\n" + body)
	if _, err := Parse(path, date, data); err != nil {
		return "", err // cannot happen for a body that loaded; keep the source clean anyway
	}
	// Write a temporary file and hard-link it into place: the link fails
	// if the name was taken meanwhile, and nobody sees a half-written file.
	f, err := os.CreateTemp(dir, ".new-version-*.md")
	if err != nil {
		return "", err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Link(tmp, path)
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return path, nil
}
