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
// (finish or publish that one first). Translations are copied as
// NewDraftFields says.
func NewDraft(dir string, vs []Version, date time.Time) (string, error) {
	files, err := NewDraftFields(dir, vs, date, nil)
	if err != nil {
		return "", err
	}
	return files[0], nil
}

// NewDraftFields is NewDraft that also writes the list of collected data
// generated from c into the draft: it replaces the newest version's
// {{< kerattavat-tiedot >}} block, or fills its placeholder. A version with
// neither is copied as it is. With c.Consent set, the legal-basis
// paragraph is written likewise (RefreshConsent). With c nil it is NewDraft. It is NewVersion
// with only a collector.
func NewDraftFields(dir string, vs []Version, date time.Time, c *Collector) ([]string, error) {
	return NewVersion(dir, vs, date, NewOptions{Collector: c})
}

// NewOptions are NewVersion's choices.
type NewOptions struct {
	// Collector, when set, is what the draft's list of collected data is
	// generated from (NewDraftFields).
	Collector *Collector
	// Schedule makes a version dated after today: its files carry
	// scheduled: true, and once published it is announced on the site and
	// takes effect on its date. Without it the date may not be after today.
	Schedule bool
	// Now is the moment "today" is taken from (Today); zero is the clock.
	Now time.Time
}

// NewVersion starts the next version as NewDraftFields says, with o's
// choices.
//
// For every language the statement has been translated into, it also
// writes a draft copy of the newest translation (2026-12-01.sv.md), its
// list generated in that language, opened by a paragraph marked
// TranslationMarker: the copy still translates the older Finnish text, and
// cannot be published until someone has brought it up to date and removed
// the mark. It returns the paths written, the Finnish version first. Either
// every file is written or none is.
func NewVersion(dir string, vs []Version, date time.Time, o NewOptions) ([]string, error) {
	c := o.Collector
	if o.Now.IsZero() {
		o.Now = clock()
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%s: ei versioita, joista jatkaa / no versions to start from", dir)
	}
	newest := vs[len(vs)-1]
	date = time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, time.UTC)
	if newest.Draft {
		return nil, srcErr(newest.File, 0,
			"uusin versio on jo luonnos (draft: true): muokkaa sitä, tai julkaise se ensin poistamalla draft: true",
			"the newest version is already a draft (draft: true): edit it, or publish it first by removing draft: true")
	}
	if !date.After(newest.Date) && newest.Pending {
		return nil, fmt.Errorf("uusin versio %s on ajastettu tulemaan voimaan %s: uuden version päivän pitää olla sen jälkeen, ja se ajastetaan (-date VVVV-KK-PP -schedule) / the newest version %s is scheduled to take effect on %s: a new version must be dated after it, and scheduled (-date YYYY-MM-DD -schedule)",
			newest.File, FinnishDate(newest.Date), newest.File, newest.Slug())
	}
	if !date.After(newest.Date) {
		return nil, fmt.Errorf("uuden version päivän pitää olla uusimman version (%s) jälkeen, nyt %s / the new version's date must be after the newest version (%s), got %s",
			newest.Slug(), date.Format(DateLayout), newest.Slug(), date.Format(DateLayout))
	}
	today := Today(o.Now)
	switch {
	case date.After(today) && !o.Schedule:
		return nil, fmt.Errorf("uuden version päivä %s on tulevaisuudessa (Suomessa on nyt %s): anna tämä päivä, tai ajasta versio valinnalla -schedule, jolloin sivusto ilmoittaa siitä ja se tulee voimaan päivänään / the new version's date %s is in the future (today is %s in Finland): give today's date, or schedule the version with -schedule, so that the site announces it and it takes effect on its date",
			FinnishDate(date), FinnishDate(today), date.Format(DateLayout), today.Format(DateLayout))
	case !date.After(today) && o.Schedule:
		return nil, fmt.Errorf("ajastetun version päivän pitää olla tulevaisuudessa (Suomessa on nyt %s), nyt %s: anna myöhäisempi päivä, tai jätä -schedule pois / a scheduled version's date must be after today (%s in Finland), got %s: give a later date, or leave out -schedule",
			FinnishDate(today), FinnishDate(date), today.Format(DateLayout), date.Format(DateLayout))
	}
	type draft struct {
		path string
		data []byte
	}
	var drafts []draft
	add := func(from Version, marker string) error {
		path := filepath.Join(dir, fileName(date, from.Lang))
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%s on jo olemassa / already exists", path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		fm, err := yaml.Marshal(struct {
			Title     string `yaml:"title"`
			Lang      string `yaml:"lang"`
			Summary   string `yaml:"summary"`
			Draft     bool   `yaml:"draft"`
			Scheduled bool   `yaml:"scheduled,omitempty"`
		}{from.Title, from.Lang, SummaryPlaceholder, true, o.Schedule})
		if err != nil {
			return err
		}
		body := from.Body
		if c != nil {
			if body, _, err = RefreshFields(from, c.Fields, c.Retention); err != nil {
				return err
			}
			refreshed := from
			refreshed.Body = body
			if body, _, err = RefreshConsent(refreshed, c.Consent); err != nil {
				return err
			}
		}
		if marker != "" {
			body = "\n" + marker + "\n" + body
		}
		data := []byte("---\n" + string(fm) + "---\n" + body)
		if _, err := Parse(path, date, data); err != nil {
			return err // cannot happen for a body that loaded; keep the source clean anyway
		}
		drafts = append(drafts, draft{path, data})
		return nil
	}
	if err := add(newest, ""); err != nil {
		return nil, err
	}
	for _, l := range Translated() {
		from, ok := newestTranslation(vs, l.Code)
		if !ok {
			continue
		}
		marker := fmt.Sprintf("**%s:** tämä on kopio käännöksestä %s. Käännä siihen suomenkielisen version %s muutokset (ks. muutoshistoria), poista sitten tämä kappale ja rivi draft: true. / This is a copy of the translation of %s: translate the changes of the Finnish version %s into it, then remove this paragraph and the line draft: true.",
			TranslationMarker, FinnishDate(from.Date), FinnishDate(date), from.Slug(), date.Format(DateLayout))
		if err := add(from, marker); err != nil {
			return nil, err
		}
	}
	var written []string
	for _, d := range drafts {
		if err := WriteNew(d.path, d.data); err != nil {
			for _, w := range written {
				os.Remove(w)
			}
			return nil, err
		}
		written = append(written, d.path)
	}
	return written, nil
}

// newestTranslation is the newest translation into code, draft or not: the
// text a new translation starts from.
func newestTranslation(vs []Version, code string) (Version, bool) {
	for i := len(vs) - 1; i >= 0; i-- {
		if t, ok := vs[i].Translation(code); ok {
			return t, true
		}
	}
	return Version{}, false
}

// WriteNew writes data to path, a file that must not exist yet: through a
// temporary file beside it, hard-linked into place, so the link fails if
// the name was taken meanwhile (errors.Is fs.ErrExist) and nobody sees a
// half-written file. Versions are written so, and "seloste init" writes
// its configuration so.
func WriteNew(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".new-*.tmp")
	if err != nil {
		return err
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
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
