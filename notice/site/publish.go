package site

import (
	"context"
	"errors"
	"fmt"

	"github.com/seloste/seloste/notice"
)

// Publication is what one Publish did.
type Publication struct {
	Published int              // published versions on the site
	Drafts    int              // draft versions built too (only with Options.Drafts)
	Locked    []notice.Version // versions published for the first time, now in the lock file
	Scheduled []notice.Version // published versions announced, in force from their date

	withDrafts bool
}

// String says what was published, for the log: "2 published version(s)
// and 1 draft(s); locked 2026-11-25".
func (p Publication) String() string {
	msg := fmt.Sprintf("%d published version(s)", p.Published)
	if p.withDrafts {
		msg += fmt.Sprintf(" and %d draft(s)", p.Drafts)
	}
	for _, v := range p.Locked {
		msg += fmt.Sprintf("; locked %s", v.Key())
	}
	for _, v := range p.Scheduled {
		msg += fmt.Sprintf("; scheduled %s (announced, in force from that day)", v.Slug())
	}
	return msg
}

// Publish publishes the statement whose versions are in content (the
// folder holding notice.Dir): it loads the versions, checks them against
// the lock file, builds the site as o says (o.Versions is ignored), and
// only after a successful build adds the newly published versions to the
// lock. An edited published version thus never reaches the site, and a
// version is locked once it is public. Drafts are never locked, built or
// not.
func Publish(ctx context.Context, content string, o Options) (Publication, error) {
	dir := notice.SourceDir(content)
	vs, err := notice.Load(dir)
	if err != nil {
		return Publication{}, err
	}
	if err := notice.VerifyLock(dir, vs); err != nil {
		return Publication{}, err
	}
	if err := unfitTranslations(dir, vs); err != nil {
		return Publication{}, err
	}
	o.Versions = vs
	if err := Build(ctx, o); err != nil {
		return Publication{}, err
	}
	added, err := notice.UpdateLock(dir, vs)
	if err != nil {
		return Publication{}, fmt.Errorf("the site is built, but recording the published versions failed: %w", err)
	}
	p := Publication{Published: len(notice.Published(vs)), Locked: added, Scheduled: notice.Pending(vs), withDrafts: o.Drafts}
	if o.Drafts {
		p.Drafts = len(vs) - p.Published
	}
	return p, nil
}

// unfitTranslations refuses to publish a translation for the first time
// when its sections are not its Finnish version's: once locked, it could
// never be fixed.
func unfitTranslations(dir string, vs []notice.Version) error {
	l, err := notice.ReadLock(dir)
	if err != nil {
		return err
	}
	locked := l.Locked()
	var errs []error
	for _, v := range notice.Published(vs) {
		for _, t := range v.Translations {
			if t.Draft || locked[t.Key()] {
				continue
			}
			for _, p := range notice.CheckStructure(v, t) {
				errs = append(errs, errors.New(p.String()))
			}
		}
	}
	return errors.Join(errs...)
}
