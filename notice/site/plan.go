package site

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seloste/seloste/notice"
)

// layout is one language's part of the site: its URLs. The theme only
// follows the links given to it.
type layout struct {
	lang       string
	section    string // URL path of the current version, without slashes
	content    string // folder of its pages in the generated Hugo project
	history    string // the change history, under section
	standalone string // the standalone copies' name, .html and .txt, under section
	self       string // the visitor self-service page, under section
}

// layouts are the site's URL layouts, in the order of notice.Languages.
// Finnish keeps the URLs it always had.
var layouts = []layout{
	{lang: "fi", section: "tietosuojaseloste", content: "tietosuojaseloste", history: "muutokset", standalone: "tietosuojaseloste", self: "omat-tiedot"},
	// The content folders are not under sv/ and en/, which would make Hugo
	// render section pages of their own at /sv/ and /en/.
	{lang: "sv", section: "sv/dataskyddsbeskrivning", content: "sv-dataskyddsbeskrivning", history: "andringar", standalone: "dataskyddsbeskrivning", self: "mina-uppgifter"},
	{lang: "en", section: "en/privacy-notice", content: "en-privacy-notice", history: "changes", standalone: "privacy-notice", self: "my-data"},
}

func layoutOf(code string) layout {
	for _, l := range layouts {
		if l.lang == code {
			return l
		}
	}
	return layouts[0]
}

func (l layout) currentURL() string            { return "/" + l.section + "/" }
func (l layout) versionURL(slug string) string { return "/" + l.section + "/" + slug + "/" }
func (l layout) historyURL() string            { return "/" + l.section + "/" + l.history + "/" }
func (l layout) selfURL() string               { return "/" + l.section + "/" + l.self + "/" }
func (l layout) htmlURL() string               { return "/" + l.section + "/" + l.standalone + ".html" }
func (l layout) textURL() string               { return "/" + l.section + "/" + l.standalone + ".txt" }

// draftMark marks draft versions on every page, whatever its language.
const draftMark = "LUONNOS / DRAFT"

// plannedSite is every content file of the generated Hugo project.
type plannedSite struct {
	pages []contentFile
	shown []notice.Version // each built language's current version, Finnish first
}

// contentFile is one Hugo content file: its path under content/, its front
// matter and its Markdown body.
type contentFile struct {
	path  string
	front map[string]any
	body  string
}

// versionRef is what a page needs to know about any version to link to it.
// Keys are lower case because Hugo lower-cases front matter keys.
type versionRef struct {
	Slug    string `json:"slug"`
	Date    string `json:"date"` // in the page's language: 1.12.2026, 1 December 2026
	URL     string `json:"url"`
	Summary string `json:"summary"`
	Draft   bool   `json:"draft"`
	Current bool   `json:"current"`
	// Scheduled: published ahead of its date, which is still to come; in
	// force from Date.
	Scheduled bool `json:"scheduled"`
}

type change struct {
	versionRef
	First bool   `json:"first"` // the first version: nothing to diff against
	Diff  string `json:"diff"`  // notice.DiffHTML from the previous version
}

// langLink is one entry of a page's language switcher, and of its
// hreflang alternates when Exact.
type langLink struct {
	Lang  string `json:"lang"`
	Name  string `json:"name"` // in its own language: "På svenska"
	URL   string `json:"url"`
	Self  bool   `json:"self"`
	Exact bool   `json:"exact"` // the same page; otherwise the language's newest translation
	Note  string `json:"note"`  // says so, in the linked language, when not Exact
}

// edition is the statement in one language, as the site shows it.
type edition struct {
	layout
	versions []notice.Version // in this language, oldest first; each has a Finnish version of the same date
	current  notice.Version
	refs     map[string]versionRef // by slug
}

func (e *edition) has(slug string) bool { _, ok := e.refs[slug]; return ok }

// plan decides the site's pages from the versions: which is current in
// each language, which are shown, and every link, date and diff between
// them.
func plan(all []notice.Version, drafts bool) (plannedSite, error) {
	var vs []notice.Version
	for _, v := range all {
		if !v.Draft || drafts {
			vs = append(vs, v)
		}
	}
	cur, ok := notice.Current(vs)
	if !ok {
		if len(all) == 0 {
			return plannedSite{}, errors.New("site: no versions of the statement to build: add content/" + notice.Dir + "/YYYY-MM-DD.md (or run seloste notice new)")
		}
		if p := notice.Pending(vs); len(p) > 0 {
			return plannedSite{}, fmt.Errorf("site: no version of the statement is in force yet: %s takes effect on %s; publish a version dated today (without scheduled: true) to have a statement until then", p[0].File, p[0].Slug())
		}
		return plannedSite{}, fmt.Errorf("site: every version of the statement is a draft: publish one by removing \"draft: true\" from its front matter (newest: %s)", all[len(all)-1].File)
	}

	// The editions: Finnish always, a translation language once it has a
	// published translation.
	var eds []*edition
	for _, l := range layouts {
		e := &edition{layout: l, refs: map[string]versionRef{}}
		for _, v := range vs {
			if t, ok := v.In(l.lang); ok && (!t.Draft || drafts) {
				e.versions = append(e.versions, t)
			}
		}
		c, ok := notice.CurrentIn(vs, l.lang)
		if !ok {
			continue
		}
		e.current = c
		for _, v := range e.versions {
			e.refs[v.Slug()] = versionRef{
				Slug:      v.Slug(),
				Date:      notice.FormatDate(v.Date, l.lang),
				URL:       l.versionURL(v.Slug()),
				Summary:   v.Summary,
				Draft:     v.Draft,
				Current:   v.Slug() == c.Slug(),
				Scheduled: v.Pending && !v.Draft,
			}
		}
		eds = append(eds, e)
	}

	// The first scheduled version still to come, announced by the text in
	// force in every language.
	var next notice.Version
	if pending := notice.Pending(vs); len(pending) > 0 {
		next = pending[0]
	}

	var p plannedSite
	for _, e := range eds {
		p.shown = append(p.shown, e.current)
	}
	add := func(e *edition, path, title, body string, front, params map[string]any, switcher []langLink) {
		params["lang"] = e.lang
		params["words"] = words(e.lang)
		params["langs"] = switcher
		params["current"] = e.refs[e.current.Slug()]
		params["home"] = e.currentURL()
		params["history"] = e.historyURL()
		params["html"] = e.htmlURL()
		params["text"] = e.textURL()
		if front == nil {
			front = map[string]any{}
		}
		front["title"] = title
		front["params"] = map[string]any{"seloste": params}
		p.pages = append(p.pages, contentFile{path: path, front: front, body: body})
	}
	// switch links every edition's page for which url gives a URL; where it
	// gives none, the edition's current version, saying so.
	switchTo := func(self *edition, url func(e *edition) string) []langLink {
		var out []langLink
		for _, e := range eds {
			l := langLink{Lang: e.lang, Name: languageName(e.lang), URL: url(e), Self: e == self, Exact: true}
			if l.URL == "" {
				l.URL, l.Exact = e.currentURL(), false
				l.Note = fmt.Sprintf(words(e.lang)["newestTranslation"], notice.FormatDate(e.current.Date, e.lang))
			}
			out = append(out, l)
		}
		return out
	}

	for _, e := range eds {
		// The statement's text is rendered by notice (goldmark), the same
		// as the standalone HTML and text files, not by Hugo's Markdown
		// settings.
		newestFirst := make([]versionRef, len(e.versions))
		for i, v := range e.versions {
			newestFirst[len(e.versions)-1-i] = e.refs[v.Slug()]
		}
		versionParams := func(v notice.Version) (map[string]any, error) {
			b, err := notice.BodyHTML(v)
			if err != nil {
				return nil, fmt.Errorf("site: %w", err)
			}
			params := map[string]any{
				"version":  e.refs[v.Slug()],
				"body":     string(b),
				"ownh1":    hasOwnH1(v.Body),
				"versions": markSelf(newestFirst, v.Slug()),
				"drafts":   drafts,
			}
			// A translation older than the Finnish text says so, with a link.
			if e.lang != notice.Finnish && v.Slug() == e.current.Slug() && e.current.Date.Before(cur.Date) {
				params["newerFinnish"] = map[string]any{
					"date": notice.FormatDate(cur.Date, e.lang),
					"url":  layouts[0].currentURL(),
				}
			}
			// The text in force announces the scheduled version to come.
			if v.Slug() == e.current.Slug() && next.File != "" {
				params["upcoming"] = announcement(e, eds[0], next)
			}
			return params, nil
		}

		params, err := versionParams(e.current)
		if err != nil {
			return plannedSite{}, err
		}
		curSlug := e.current.Slug()
		add(e, e.content+"/_index.md", titleOf(e.current), "", pathURL(e, e.currentURL()), params,
			switchTo(e, func(o *edition) string {
				if o.current.Slug() == curSlug {
					return o.currentURL()
				}
				if o.has(curSlug) {
					return o.versionURL(curSlug)
				}
				return ""
			}))
		for _, v := range e.versions {
			params, err := versionParams(v)
			if err != nil {
				return plannedSite{}, err
			}
			slug := v.Slug()
			add(e, e.content+"/"+slug+".md", titleOf(v), "", map[string]any{"url": e.versionURL(slug)}, params,
				switchTo(e, func(o *edition) string {
					if o.has(slug) {
						return o.versionURL(slug)
					}
					return ""
				}))
		}

		changes := make([]change, len(e.versions))
		for i, v := range e.versions {
			c := change{versionRef: e.refs[v.Slug()], First: i == 0}
			if i > 0 {
				c.Diff = string(notice.DiffHTML(e.versions[i-1], v))
			}
			changes[len(e.versions)-1-i] = c
		}
		add(e, e.content+"/"+e.history+".md", words(e.lang)["history"], "",
			map[string]any{"url": e.historyURL(), "layout": "muutokset"},
			map[string]any{"changes": changes, "drafts": drafts},
			switchTo(e, func(o *edition) string { return o.historyURL() }))

		add(e, e.content+"/"+e.self+".md", words(e.lang)["selfTitle"], "",
			map[string]any{"url": e.selfURL(), "layout": "omat-tiedot"},
			map[string]any{},
			switchTo(e, func(o *edition) string { return o.selfURL() }))
	}

	fi := eds[0]
	toCurrent := func(o *edition) string { return o.currentURL() }
	add(fi, "_index.md", "Tietosuojaseloste", "", nil, map[string]any{}, switchTo(fi, toCurrent))
	add(fi, "demo.md", "Kävijäseurannan esittely", demoBody, map[string]any{"url": "/demo/", "layout": "demo"}, map[string]any{}, switchTo(fi, toCurrent))
	return p, nil
}

// announcement is what e's current pages say of the scheduled version
// next: its date, its page and its changes (the history's diff from the
// version before it), in e's language when it is translated, else in
// Finnish (fi).
func announcement(e, fi *edition, next notice.Version) map[string]any {
	slug := next.Slug()
	in := e
	if !e.has(slug) {
		in = fi
	}
	return map[string]any{
		"date": notice.FormatDate(next.Date, e.lang),
		"url":  in.versionURL(slug),
		"diff": in.historyURL() + "#v-" + slug,
	}
}

// pathURL is the front matter that puts a section page at url, for the
// editions whose content folder is not their URL.
func pathURL(e *edition, url string) map[string]any {
	if "/"+e.content+"/" == url {
		return nil
	}
	return map[string]any{"url": url}
}

// languageName is the language's name in itself, for switchers.
func languageName(code string) string {
	if l, ok := notice.LanguageOf(code); ok {
		return l.Name
	}
	return code
}

const demoBody = `Tämä sivu näyttää, miten sivuston oma kävijäseuranta liitetään sivulle.
Kun seurannan asetukset (sivuston nimi ja keräimen osoite) on annettu, sivun
lopussa on seurantakoodin ` + "`<script>`" + `-tagi; ilman asetuksia sitä ei ole.

Kävijäseuranta ei käytä evästeitä eikä tallenna IP-osoitetta. Mitä tietoja
kerätään ja miksi, kerrotaan tietosuojaselosteessa.
`

func titleOf(v notice.Version) string {
	if t := strings.TrimSpace(v.Title); t != "" {
		return t
	}
	return words(v.Lang)["notice"]
}

// hasOwnH1 reports whether the Markdown starts with a level-1 heading, in
// which case the theme does not add the title as another one.
func hasOwnH1(md string) bool {
	for _, line := range strings.Split(md, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		return strings.HasPrefix(line, "# ")
	}
	return false
}

// selfRef is a versionRef in a version list, marking the page's own entry.
type selfRef struct {
	versionRef
	Self bool `json:"self"`
}

func markSelf(refs []versionRef, slug string) []selfRef {
	out := make([]selfRef, len(refs))
	for i, r := range refs {
		out[i] = selfRef{versionRef: r, Self: r.Slug == slug}
	}
	return out
}
