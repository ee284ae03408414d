package notice

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/yuin/goldmark/ast"
)

// CheckTranslations checks the translations against their Finnish
// versions: for each language that has translations, a warning when the
// current Finnish version is newer than the language's newest published
// translation (the site then shows the older translation with a note), and
// an error for every translation whose headings are not its Finnish
// version's, in number, level and order.
func CheckTranslations(vs []Version) []Problem {
	var ps []Problem
	if cur, ok := Current(vs); ok {
		for _, l := range Translated() {
			if p, stale := staleTranslation(vs, cur, l); stale {
				ps = append(ps, p)
			}
		}
	}
	for _, v := range vs {
		for _, t := range v.Translations {
			ps = append(ps, CheckStructure(v, t)...)
		}
	}
	return ps
}

// staleTranslation is the warning for language l when the current Finnish
// version cur has no published translation into it, though older versions
// have.
func staleTranslation(vs []Version, cur Version, l Language) (Problem, bool) {
	if !HasLanguage(vs, l.Code) {
		return Problem{}, false // never translated into l: nothing is out of date
	}
	shown, ok := CurrentIn(vs, l.Code)
	if ok && !shown.Date.Before(cur.Date) {
		return Problem{}, false
	}
	missing := filepath.Join(filepath.Dir(cur.File), fileName(cur.Date, l.Code))
	fi := fmt.Sprintf("%s käännös puuttuu voimassa olevasta versiosta %s: lisää tiedosto %s", l.NameFi, cur.Slug(), missing)
	en := fmt.Sprintf("the %s translation of the current version %s is missing: add the file %s", l.NameEn, cur.Slug(), missing)
	if t, has := cur.Translation(l.Code); has && t.Draft {
		fi = fmt.Sprintf("%s käännös voimassa olevasta versiosta %s on vielä luonnos: viimeistele ja julkaise %s", l.NameFi, cur.Slug(), missing)
		en = fmt.Sprintf("the %s translation of the current version %s is still a draft: finish and publish %s", l.NameEn, cur.Slug(), missing)
	}
	if ok {
		fi += fmt.Sprintf(". Sivustolla näytetään siihen asti käännös %s ja huomautus, että suomenkielinen teksti on uudempi", FinnishDate(shown.Date))
		en += fmt.Sprintf(". Until then the site shows the translation of %s with a note that the Finnish text is newer", shown.Slug())
	} else {
		fi += ". Kielellä ei ole yhtään julkaistua käännöstä, joten sivustolla ei ole sen kielistä selostetta"
		en += ". The language has no published translation, so the site has no statement in it"
	}
	return Problem{Severity: SeverityWarning, File: missing, Message: fi, English: en}, true
}

// heading is one heading of a version's text.
type heading struct {
	level int
	text  string
	line  int
}

// headings are v's headings in reading order, with their file lines.
func headings(v Version) []heading {
	src := []byte(v.Body)
	t := &textRenderer{src: src}
	var out []heading
	_ = ast.Walk(parse(src), func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		h, ok := n.(*ast.Heading)
		if !ok || !entering {
			return ast.WalkContinue, nil
		}
		line := v.BodyLine
		if h.Lines().Len() > 0 {
			line += strings.Count(v.Body[:h.Lines().At(0).Start], "\n")
		}
		out = append(out, heading{level: h.Level, text: t.inline(h), line: line})
		return ast.WalkSkipChildren, nil
	})
	return out
}

// CheckStructure compares a translation's headings with its Finnish
// version's: the same number of sections, at the same levels, in the same
// order. A translation may word them as it must, but not add, drop or move
// a section, or a reader of one language would miss what the other says.
func CheckStructure(fi, tr Version) []Problem {
	want, got := headings(fi), headings(tr)
	levels := func(hs []heading) string {
		var b strings.Builder
		for _, h := range hs {
			b.WriteString(strconv.Itoa(h.level))
		}
		return b.String()
	}
	if levels(want) == levels(got) {
		return nil
	}
	i := 0
	for i < len(want) && i < len(got) && want[i].level == got[i].level {
		i++
	}
	line, at, atEn := textLine(tr), "", ""
	switch {
	case i < len(want) && i < len(got):
		line = got[i].line
		at = fmt.Sprintf("otsikko %d: suomenkielisessä ”%s” (taso %d, rivi %d), käännöksessä ”%s” (taso %d)", i+1, want[i].text, want[i].level, want[i].line, got[i].text, got[i].level)
		atEn = fmt.Sprintf("heading %d: the Finnish %q (level %d, line %d), the translation %q (level %d)", i+1, want[i].text, want[i].level, want[i].line, got[i].text, got[i].level)
	case i < len(want):
		at = fmt.Sprintf("käännöksestä puuttuu otsikko %d, suomenkielisen ”%s” (taso %d, rivi %d) vastine", i+1, want[i].text, want[i].level, want[i].line)
		atEn = fmt.Sprintf("the translation lacks heading %d, for the Finnish %q (level %d, line %d)", i+1, want[i].text, want[i].level, want[i].line)
	default:
		line = got[i].line
		at = fmt.Sprintf("käännöksessä on ylimääräinen otsikko %d ”%s” (taso %d)", i+1, got[i].text, got[i].level)
		atEn = fmt.Sprintf("the translation has an extra heading %d %q (level %d)", i+1, got[i].text, got[i].level)
	}
	return []Problem{{Severity: SeverityError, File: tr.File, Line: line,
		Message: fmt.Sprintf("käännöksen otsikkorakenne ei vastaa suomenkielistä versiota %s (%d otsikkoa, käännöksessä %d); ensimmäinen ero: %s. Käännöksessä pitää olla samat osiot samassa järjestyksessä ja samoilla tasoilla", fi.File, len(want), len(got), at),
		English: fmt.Sprintf("the translation's heading structure differs from its Finnish version %s (%d headings, the translation has %d); first difference: %s. A translation must have the same sections in the same order at the same levels", fi.File, len(want), len(got), atEn),
	}}
}
