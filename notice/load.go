package notice

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Dir is the statement's folder inside the content folder.
const Dir = "tietosuojaseloste"

// SourceDir is where the statement's versions live under contentDir.
func SourceDir(contentDir string) string { return filepath.Join(contentDir, Dir) }

// SummaryPlaceholder is the summary "seloste notice new" writes into a new
// draft. A version cannot be published while its summary still says this.
const SummaryPlaceholder = "KIRJOITA TÄHÄN LYHYESTI, MITÄ MUUTIT."

// SourceError is a problem in one source file. Line is 1-based; 0 when the
// problem is the file as a whole (its name, its absence).
type SourceError struct {
	File string
	Line int
	Fi   string // what is wrong and how to fix it, in Finnish
	En   string // the same in English
	Err  error  // the kind of problem, for errors.Is (ErrNoSourceDir); usually nil
}

// ErrNoSourceDir is what Load's error is (errors.Is) when the statement's
// folder does not exist: the caller can say which setting named it.
var ErrNoSourceDir = errors.New("the statement's folder does not exist")

func (e *SourceError) Error() string {
	pos := e.File
	if e.Line > 0 {
		pos += ":" + strconv.Itoa(e.Line)
	}
	return pos + ": " + e.Fi + "\n    " + e.En
}

func (e *SourceError) Unwrap() error { return e.Err }

func srcErr(file string, line int, fi, en string) *SourceError {
	return &SourceError{File: file, Line: line, Fi: fi, En: en}
}

var fileNameRE = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})(\.([a-z]{2,3}))?\.md$`)

// TranslationMarker marks a translation that "seloste notice new" copied
// from an older translation: its text still has to be brought up to date
// with the Finnish version. A version carrying it cannot be published.
const TranslationMarker = "KÄÄNNETTÄVÄ / NEEDS TRANSLATION"

// fileLang is the language a version's file name gives: "fi" for
// 2026-12-01.md, "sv" for 2026-12-01.sv.md, "" when the name has a suffix
// that is no language of the statement.
func fileLang(file string) string {
	m := fileNameRE.FindStringSubmatch(filepath.Base(file))
	switch {
	case m == nil || m[3] == "":
		return Finnish
	case m[3] == Finnish:
		return ""
	}
	if l, ok := LanguageOf(m[3]); ok {
		return l.Code
	}
	return ""
}

// Load reads every YYYY-MM-DD.md in dir, sorted by date, oldest first, with
// its translations YYYY-MM-DD.sv.md and YYYY-MM-DD.en.md in Translations.
// Other files (published.lock, dotfiles, editor backups) are ignored, but a
// Markdown file with any other name is an error so that a misnamed version
// is never silently left out, and so is a translation without its Finnish
// version. All problems found are returned together, as *SourceError
// values joined with errors.Join.
//
// A file dated after today (in Finland) is an error unless it is
// scheduled; a scheduled one is marked Pending until its date.
func Load(dir string) ([]Version, error) { return LoadAt(dir, clock()) }

// LoadAt is Load on the day now falls on in Finland (Today).
func LoadAt(dir string, now time.Time) ([]Version, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			e := srcErr(dir, 0,
				"kansiota ei löydy: selosteen versiot kuuluvat sisältökansion alikansioon "+Dir+"/ (oletus content/"+Dir+"/): tarkista sisältökansio",
				"folder not found: the statement's versions belong in the subfolder "+Dir+"/ of the content folder (by default content/"+Dir+"/): check the content folder")
			e.Err = ErrNoSourceDir
			return nil, e
		}
		return nil, err
	}
	var (
		vs           []Version
		translations []Version
		errs         []error
	)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".md") {
			continue
		}
		path := filepath.Join(dir, name)
		m := fileNameRE.FindStringSubmatch(name)
		if m == nil {
			errs = append(errs, srcErr(path, 0,
				"tiedoston nimen pitää olla versiopäivä muodossa VVVV-KK-PP.md, esim. 2020-02-08.md (käännös VVVV-KK-PP.sv.md tai VVVV-KK-PP.en.md)",
				"file name must be the version's date as YYYY-MM-DD.md, e.g. 2020-02-08.md (a translation YYYY-MM-DD.sv.md or YYYY-MM-DD.en.md)"))
			continue
		}
		if m[3] != "" && fileLang(name) == "" {
			errs = append(errs, srcErr(path, 0,
				fmt.Sprintf("tuntematon kieli %q tiedoston nimessä: käännökset ovat VVVV-KK-PP.sv.md (ruotsi) ja VVVV-KK-PP.en.md (englanti); suomenkielinen versio on VVVV-KK-PP.md", m[3]),
				fmt.Sprintf("unknown language %q in the file name: translations are YYYY-MM-DD.sv.md (Swedish) and YYYY-MM-DD.en.md (English); the Finnish version is YYYY-MM-DD.md", m[3])))
			continue
		}
		date, err := time.Parse(DateLayout, m[1])
		if err != nil {
			errs = append(errs, srcErr(path, 0,
				"tiedoston nimi ei ole oikea päivämäärä (VVVV-KK-PP.md)",
				"file name is not a real date (YYYY-MM-DD.md)"))
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		v, err := Parse(path, date, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if today := Today(now); v.Date.After(today) {
			if !v.Scheduled {
				errs = append(errs, futureError(v, today))
				continue
			}
			v.Pending = true
		}
		if v.Lang == Finnish {
			vs = append(vs, v)
		} else {
			translations = append(translations, v)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(vs) == 0 {
		return nil, srcErr(dir, 0,
			"kansiossa ei ole yhtään selosteen versiota (VVVV-KK-PP.md)",
			"no statement versions (YYYY-MM-DD.md) in this folder")
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Date.Before(vs[j].Date) })
	if err := attachTranslations(vs, translations); err != nil {
		return nil, err
	}
	return vs, nil
}

// attachTranslations puts each translation into its Finnish version's
// Translations: a translation never exists without its original, and is
// never published before it.
func attachTranslations(vs, translations []Version) error {
	byDate := map[string]int{}
	for i, v := range vs {
		byDate[v.Slug()] = i
	}
	order := map[string]int{}
	for i, l := range Languages {
		order[l.Code] = i
	}
	sort.Slice(translations, func(i, j int) bool { return order[translations[i].Lang] < order[translations[j].Lang] })
	var errs []error
	for _, t := range translations {
		i, ok := byDate[t.Slug()]
		fi := filepath.Join(filepath.Dir(t.File), fileName(t.Date, Finnish))
		switch {
		case !ok:
			errs = append(errs, srcErr(t.File, 0,
				fmt.Sprintf("käännökselle ei ole suomenkielistä versiota %s: käännös seuraa aina suomenkielistä tekstiä; lisää se tai nimeä käännös sen version mukaan, jonka käännös se on", fi),
				fmt.Sprintf("this translation has no Finnish version %s: a translation always follows the Finnish text; add it, or name the translation after the version it translates", fi)))
		case vs[i].Draft && !t.Draft:
			errs = append(errs, srcErr(t.File, 0,
				"käännös on julkaistu (ei draft: true), mutta sen suomenkielinen versio "+fi+" on luonnos: lisää käännökseen draft: true tai julkaise ensin suomenkielinen versio",
				"the translation is published (no draft: true) but its Finnish version "+fi+" is a draft: add draft: true to the translation, or publish the Finnish version first"))
		default:
			vs[i].Translations = append(vs[i].Translations, t)
		}
	}
	return errors.Join(errs...)
}

// yamlLineRE finds the line number in a YAML parser message.
var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlParserErrorRE matches the YAML parser's (not scanner's) messages.
var yamlParserErrorRE = regexp.MustCompile(`^did not find expected (key|node content|',' or|'-' indicator|<document start>)`)

// Parse parses one version's file contents. file is used in errors and
// Version.File; date comes from the file name.
func Parse(file string, date time.Time, data []byte) (Version, error) {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	sum := sha256.Sum256(data)
	v := Version{Date: date, File: file, Hash: "sha256:" + hex.EncodeToString(sum[:])}

	if !utf8.Valid(data) {
		line := 1
		for i := 0; i < len(data); {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			if r == '\n' {
				line++
			}
			i += n
		}
		return v, srcErr(file, line,
			"tiedosto ei ole UTF-8-tekstiä: tallenna se UTF-8-merkistössä",
			"not valid UTF-8 text: save the file as UTF-8")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return v, srcErr(file, 1,
			"tiedosto on tyhjä: versio alkaa etutiedoilla (front matter) kahden rivin --- välissä",
			"empty file: a version starts with front matter between two --- lines")
	}
	lines := strings.SplitAfter(string(data), "\n")
	if strings.TrimRight(lines[0], " \t\n") != "---" {
		return v, srcErr(file, 1,
			"etutiedot puuttuvat: tiedoston ensimmäisen rivin pitää olla ---, sitten title, lang ja summary, sitten taas ---",
			"missing front matter: the first line must be ---, then title, lang and summary, then --- again")
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], " \t\n") == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		return v, srcErr(file, 1,
			"etutiedot alkavat rivillä ---, mutta niitä ei suljeta: lisää niiden perään rivi ---",
			"front matter opened with --- is never closed: add a line --- after it")
	}
	if err := parseFrontMatter(&v, strings.Join(lines[1:end], ""), end+1); err != nil {
		return v, err
	}
	v.Body = strings.Join(lines[end+1:], "")
	v.BodyLine = end + 2
	if strings.TrimSpace(v.Body) == "" {
		return v, srcErr(file, end+1,
			"etutietojen jälkeen ei ole selosteen tekstiä",
			"there is no statement text after the front matter")
	}
	typed := lang(v.Lang)
	if loc := typed.typedStamp.FindStringIndex(v.Body); loc != nil {
		sentence := strings.TrimSuffix(fmt.Sprintf(typed.stamp, "…"), ".")
		return v, srcErr(file, v.BodyLine+strings.Count(v.Body[:loc[0]], "\n"),
			"poista lause ”"+sentence+"”: se lisätään automaattisesti tiedoston päivämäärästä",
			`remove the sentence "`+sentence+`": it is stamped automatically from the file's date`)
	}
	if i := strings.Index(v.Body, TranslationMarker); i >= 0 && !v.Draft {
		return v, srcErr(file, v.BodyLine+strings.Count(v.Body[:i], "\n"),
			"käännös on yhä merkitty käännettäväksi ("+TranslationMarker+"): käännä suomenkielisen version muutokset ja poista sitten merkintäkappale, tai pidä käännös luonnoksena (draft: true)",
			"the translation is still marked as needing translation ("+TranslationMarker+"): translate the Finnish version's changes, then remove the marker paragraph, or keep the translation a draft (draft: true)")
	}
	if _, _, err := FindFields(v); err != nil {
		return v, err
	}
	return v, nil
}

// langRE accepts simple BCP 47 tags such as fi, sv, en-GB.
var langRE = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

// parseFrontMatter fills v from the YAML between the --- lines. closeLine
// is the file line of the closing ---; YAML line n is file line n+1.
func parseFrontMatter(v *Version, src string, closeLine int) error {
	file := v.File
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		msg, line := err.Error(), 1
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
			// The YAML parser counts lines from 0, its scanner from 1.
			if yamlParserErrorRE.MatchString(msg) {
				n++
			}
			line = n + 1 // the opening --- is line 1
		}
		return srcErr(file, line,
			"etutiedot eivät ole kelvollista YAMLia ("+msg+"): kirjoita rivit muotoon avain: arvo",
			"front matter is not valid YAML ("+msg+"): write lines as key: value")
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return srcErr(file, closeLine,
			"etutiedot ovat tyhjät: lisää ainakin title, lang ja summary",
			"front matter is empty: add at least title, lang and summary")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return srcErr(file, root.Line+1,
			"etutietojen pitää olla rivejä muotoa avain: arvo (title, lang, summary, draft, scheduled)",
			"front matter must be lines of the form key: value (title, lang, summary, draft, scheduled)")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, val := root.Content[i], root.Content[i+1]
		line := k.Line + 1
		if k.Kind != yaml.ScalarNode {
			return srcErr(file, line, "etutietojen avaimen pitää olla sana, esim. title",
				"a front matter key must be a plain word such as title")
		}
		if seen[k.Value] {
			return srcErr(file, line,
				fmt.Sprintf("avain %q on etutiedoissa kahdesti: poista toinen", k.Value),
				fmt.Sprintf("key %q appears twice in the front matter: remove one", k.Value))
		}
		seen[k.Value] = true
		switch k.Value {
		case "title", "lang", "summary":
			if val.Kind != yaml.ScalarNode || val.Tag != "!!str" {
				return srcErr(file, line,
					fmt.Sprintf("avaimen %q arvon pitää olla tekstiä (laita se tarvittaessa lainausmerkkeihin)", k.Value),
					fmt.Sprintf("%q must be text (put it in quotes if needed)", k.Value))
			}
			s := strings.TrimSpace(val.Value)
			switch k.Value {
			case "title":
				v.Title = s
			case "lang":
				if !langRE.MatchString(s) {
					return srcErr(file, line,
						fmt.Sprintf("kielikoodi %q ei kelpaa: käytä esim. lang: fi", s),
						fmt.Sprintf("language tag %q is not valid: use e.g. lang: fi", s))
				}
				want := fileLang(file)
				if s != want && !(want == Finnish && strings.HasPrefix(s, "fi-")) {
					return srcErr(file, line,
						fmt.Sprintf("kielikoodi %q ei ole tiedoston nimen kieli: kirjoita lang: %s (tai nimeä tiedosto kielen mukaan, esim. VVVV-KK-PP.sv.md)", s, want),
						fmt.Sprintf("language tag %q is not the file name's language: write lang: %s (or name the file after its language, e.g. YYYY-MM-DD.sv.md)", s, want))
				}
				v.Lang = want
			case "summary":
				v.Summary = s
			}
		case "draft":
			var b bool
			if val.Kind != yaml.ScalarNode || val.Tag != "!!bool" || val.Decode(&b) != nil {
				return srcErr(file, line,
					"draft-arvon pitää olla true tai false",
					"draft must be true or false")
			}
			v.Draft = b
		case "scheduled":
			var b bool
			if val.Kind != yaml.ScalarNode || val.Tag != "!!bool" || val.Decode(&b) != nil {
				return srcErr(file, line,
					"scheduled-arvon pitää olla true tai false",
					"scheduled must be true or false")
			}
			v.Scheduled = b
		default:
			return srcErr(file, line,
				fmt.Sprintf("tuntematon etutietojen avain %q: sallitut ovat title, lang, summary, draft ja scheduled (päivämäärä tulee tiedoston nimestä)", k.Value),
				fmt.Sprintf("unknown front matter key %q: allowed are title, lang, summary, draft and scheduled (the date comes from the file name)", k.Value))
		}
	}
	if v.Title == "" {
		return srcErr(file, closeLine, "etutiedoista puuttuu otsikko: lisää rivi title: Tietosuojaseloste",
			"front matter has no title: add a line title: Tietosuojaseloste")
	}
	if v.Lang == "" {
		return srcErr(file, closeLine, "etutiedoista puuttuu kieli: lisää rivi lang: "+fileLang(file),
			"front matter has no language: add a line lang: "+fileLang(file))
	}
	if !v.Draft && v.Summary == "" {
		l := lang(v.Lang)
		fi, en := "suomeksi", "in Finnish"
		if l.Code != Finnish {
			fi, en = "käännöksen kielellä ("+l.Code+")", "in the translation's language ("+l.Code+")"
		}
		return srcErr(file, closeLine,
			"julkaistulta versiolta puuttuu summary: kerro lyhyesti "+fi+", mitä muuttui (tai merkitse draft: true)",
			"a published version needs a summary: say briefly, "+en+", what changed (or mark it draft: true)")
	}
	if !v.Draft && v.Summary == SummaryPlaceholder {
		return srcErr(file, closeLine,
			"summary on yhä paikkamerkki: kerro ennen julkaisua lyhyesti, mitä muutit",
			"summary is still the placeholder: describe briefly what you changed before publishing")
	}
	return nil
}

// Current is the newest published version in force: neither a draft nor a
// scheduled version whose date is still to come (Pending).
func Current(vs []Version) (Version, bool) {
	for i := len(vs) - 1; i >= 0; i-- {
		if !vs[i].Draft && !vs[i].Pending {
			return vs[i], true
		}
	}
	return Version{}, false
}

// Published is the non-draft versions, oldest first: the ones the public
// site shows and the lock protects, pending scheduled versions included
// (an announced text must not change either).
func Published(vs []Version) []Version {
	var out []Version
	for _, v := range vs {
		if !v.Draft {
			out = append(out, v)
		}
	}
	return out
}

// PublishedFiles is every published file: the published versions and their
// published translations, oldest first.
func PublishedFiles(vs []Version) []Version {
	var out []Version
	for _, v := range Files(Published(vs)) {
		if !v.Draft {
			out = append(out, v)
		}
	}
	return out
}
