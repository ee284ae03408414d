package site

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seloste/seloste/notice"
)

// The site's URL layout. The theme only follows the links given to it.
const (
	section        = "tietosuojaseloste"
	historySlug    = "muutokset"
	standaloneHTML = "tietosuojaseloste.html"
	standaloneText = "tietosuojaseloste.txt"
	selfService    = "omat-tiedot"
	draftMark      = "LUONNOS / DRAFT"
)

// plannedSite is every content file of the generated Hugo project.
type plannedSite struct {
	pages   []contentFile
	current notice.Version
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
	Date    string `json:"date"` // Finnish, D.M.YYYY
	URL     string `json:"url"`
	Summary string `json:"summary"`
	Draft   bool   `json:"draft"`
	Current bool   `json:"current"`
}

type change struct {
	versionRef
	First bool   `json:"first"` // the first version: nothing to diff against
	Diff  string `json:"diff"`  // notice.DiffHTML from the previous version
}

func versionURL(v notice.Version) string { return "/" + section + "/" + v.Slug() + "/" }

// plan decides the site's pages from the versions: which is current, which
// are shown, and every link, date and diff between them.
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
			return plannedSite{}, errors.New("site: no versions of the statement to build: add content/" + section + "/YYYY-MM-DD.md (or run seloste notice new)")
		}
		return plannedSite{}, fmt.Errorf("site: every version of the statement is a draft: publish one by removing \"draft: true\" from its front matter (newest: %s)", all[len(all)-1].File)
	}

	refs := make([]versionRef, len(vs))
	for i, v := range vs {
		refs[i] = versionRef{
			Slug:    v.Slug(),
			Date:    notice.FinnishDate(v.Date),
			URL:     versionURL(v),
			Summary: v.Summary,
			Draft:   v.Draft,
			Current: v.Slug() == cur.Slug(),
		}
	}
	newestFirst := make([]versionRef, len(refs))
	for i, r := range refs {
		newestFirst[len(refs)-1-i] = r
	}
	curRef := refs[indexOf(vs, cur)]
	links := map[string]any{
		"current": curRef,
		"history": "/" + section + "/" + historySlug + "/",
		"html":    "/" + section + "/" + standaloneHTML,
		"text":    "/" + section + "/" + standaloneText,
	}

	p := plannedSite{current: cur}
	add := func(path, title, body string, front, params map[string]any) {
		for k, v := range links {
			params[k] = v
		}
		if front == nil {
			front = map[string]any{}
		}
		front["title"] = title
		front["params"] = map[string]any{"seloste": params}
		p.pages = append(p.pages, contentFile{path: path, front: front, body: body})
	}

	// The statement's text is rendered by notice (goldmark), the same as the
	// standalone HTML and text files, not by Hugo's Markdown settings.
	bodies := map[string]string{}
	for _, v := range vs {
		b, err := notice.BodyHTML(v)
		if err != nil {
			return plannedSite{}, fmt.Errorf("site: %w", err)
		}
		bodies[v.Slug()] = string(b)
	}
	versionParams := func(v notice.Version, r versionRef) map[string]any {
		return map[string]any{
			"version":  r,
			"body":     bodies[v.Slug()],
			"ownh1":    hasOwnH1(v.Body),
			"versions": markSelf(newestFirst, r.Slug),
			"drafts":   drafts,
		}
	}

	add(section+"/_index.md", titleOf(cur), "", nil, versionParams(cur, curRef))
	for i, v := range vs {
		add(section+"/"+v.Slug()+".md", titleOf(v), "",
			map[string]any{"url": refs[i].URL}, versionParams(v, refs[i]))
	}

	changes := make([]change, len(vs))
	for i, v := range vs {
		c := change{versionRef: refs[i], First: i == 0}
		if i > 0 {
			c.Diff = string(notice.DiffHTML(vs[i-1], v))
		}
		changes[len(vs)-1-i] = c
	}
	add(section+"/"+historySlug+".md", "Muutoshistoria", "",
		map[string]any{"url": "/" + section + "/" + historySlug + "/", "layout": "muutokset"},
		map[string]any{"changes": changes, "drafts": drafts})

	add(section+"/"+selfService+".md", "Omat tiedot", "",
		map[string]any{"url": "/" + section + "/" + selfService + "/", "layout": "omat-tiedot"},
		map[string]any{})

	add("_index.md", "Tietosuojaseloste", "", nil, map[string]any{})
	add("demo.md", "Kävijäseurannan esittely", demoBody,
		map[string]any{"url": "/demo/", "layout": "demo"}, map[string]any{})
	return p, nil
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
	return "Tietosuojaseloste"
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

func indexOf(vs []notice.Version, v notice.Version) int {
	for i := range vs {
		if vs[i].Slug() == v.Slug() {
			return i
		}
	}
	return len(vs) - 1
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
