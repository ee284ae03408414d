package notice

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// A version's text holds generated blocks: Markdown that seloste writes
// from the configuration and freezes into the version, between a pair of
// shortcode lines that are never rendered. There are two: the list of
// collected data (FieldsShortcode) and the page-visit legal-basis
// paragraph (ConsentShortcode). Each may appear once; a lone opening tag
// without attributes is a placeholder that "seloste notice new" fills.

// shortcodeRE matches a line that is a shortcode tag: {{< name attrs >}} or
// {{< /name >}} (also the {{% %}} form, which is rejected with a message).
var shortcodeRE = regexp.MustCompile(`^\s*\{\{([<%])\s*(/?)\s*([^\s>%/]*)\s*(.*?)\s*/?\s*([>%])\}\}\s*$`)

// attrRE matches one name="value" attribute.
var attrRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_-]*)="([^"]*)"\s*`)

// blockKind is one kind of generated block.
type blockKind struct {
	name, attr   string // the shortcode and its one attribute
	example      string // the attribute as an example, e.g. sailytys="3y"
	what, whatEn string // what the block is, for messages
	check        func(value string) (fi, en string, ok bool)
	missingFi    string // the opening tag of a closed block lacks the attribute
	missingEn    string
}

// blockKinds are the blocks a version may hold.
var blockKinds = []blockKind{fieldsKind, consentKind}

func kindNamed(name string) (blockKind, bool) {
	for _, k := range blockKinds {
		if k.name == name {
			return k, true
		}
	}
	return blockKind{}, false
}

// genBlock is one generated block of a version, or its placeholder.
type genBlock struct {
	Placeholder bool
	Attr        string // the attribute's value as written
	Inner       string // the Markdown between the tags
	Line        int    // 1-based file line of the opening tag
	EndLine     int    // file line of the closing tag (= Line for a placeholder)
	start, end  int    // byte offsets in Body: the opening line's start, the closing line's end
}

// findBlocks finds every generated block of v, by shortcode. The error is
// a *SourceError with the file and line of the problem.
func findBlocks(v Version) (map[string]genBlock, error) {
	type tag struct {
		i, start, end int // line index in the body, byte range of the line
		closing       bool
		kind          blockKind
		attr          string
	}
	var tags []tag
	lines := strings.SplitAfter(v.Body, "\n")
	lineOf := func(i int) int { return v.BodyLine + i }
	names := make([]string, len(blockKinds))
	for i, k := range blockKinds {
		names[i] = k.name
	}
	off := 0
	for i, l := range lines {
		start := off
		off += len(l)
		if !strings.Contains(l, "{{") {
			continue
		}
		m := shortcodeRE.FindStringSubmatch(strings.TrimRight(l, "\n"))
		if m == nil && !strings.Contains(l, "{{<") && !strings.Contains(l, "{{%") {
			continue
		}
		if m == nil {
			return nil, srcErr(v.File, lineOf(i),
				"lyhytkoodin {{< … >}} pitää olla omalla rivillään, esim. {{< "+FieldsShortcode+" sailytys=\"3y\" >}}",
				"a shortcode {{< … >}} must be on a line of its own, e.g. {{< "+FieldsShortcode+" sailytys=\"3y\" >}}")
		}
		k, known := kindNamed(m[3])
		switch {
		case m[1] != "<" || m[5] != ">":
			name := FieldsShortcode
			if known {
				name = k.name
			}
			return nil, srcErr(v.File, lineOf(i),
				"kirjoita lyhytkoodi muodossa {{< "+name+" … >}} (ei {{% %}})",
				"write the shortcode as {{< "+name+" … >}} (not {{% %}})")
		case !known:
			return nil, srcErr(v.File, lineOf(i),
				fmt.Sprintf("tuntematon lyhytkoodi %q: käytettävissä ovat %s", m[3], strings.Join(names, " ja ")),
				fmt.Sprintf("unknown shortcode %q: the only ones available are %s", m[3], strings.Join(names, " and ")))
		}
		t := tag{i: i, start: start, end: off, closing: m[2] == "/", kind: k}
		if t.closing && strings.TrimSpace(m[4]) != "" {
			return nil, srcErr(v.File, lineOf(i),
				"sulkevassa lyhytkoodissa ei voi olla määritteitä: kirjoita {{< /"+k.name+" >}}",
				"a closing shortcode takes no attributes: write {{< /"+k.name+" >}}")
		}
		if !t.closing {
			var err error
			if t.attr, err = parseAttr(v, lineOf(i), k, m[4]); err != nil {
				return nil, err
			}
		}
		tags = append(tags, t)
	}
	blocks := map[string]genBlock{}
	for k := 0; k < len(tags); k++ {
		t := tags[k]
		kind := t.kind
		if t.closing {
			return nil, srcErr(v.File, lineOf(t.i),
				fmt.Sprintf("{{< /%s >}} sulkee lohkon, jota ei ole avattu: lisää lohkon alkuun {{< %s %s >}}", kind.name, kind.name, kind.example),
				fmt.Sprintf("{{< /%s >}} closes a block that was never opened: add {{< %s %s >}} before its text", kind.name, kind.name, kind.example))
		}
		if b, dup := blocks[kind.name]; dup {
			return nil, srcErr(v.File, lineOf(t.i),
				fmt.Sprintf("%s on selosteessa jo rivillä %d: %s saa olla vain kerran", kind.name, b.Line, kind.what),
				fmt.Sprintf("%s already appears on line %d: %s may appear only once", kind.name, b.Line, kind.whatEn))
		}
		closed := k+1 < len(tags) && tags[k+1].closing
		if closed && tags[k+1].kind.name != kind.name {
			return nil, srcErr(v.File, lineOf(tags[k+1].i),
				fmt.Sprintf("{{< /%s >}} sulkee lohkon %s, joka ei ole auki: lohkot eivät voi olla sisäkkäin", tags[k+1].kind.name, tags[k+1].kind.name),
				fmt.Sprintf("{{< /%s >}} closes a block %s that is not open: blocks cannot be nested", tags[k+1].kind.name, tags[k+1].kind.name))
		}
		switch {
		case !closed && t.attr == "":
			blocks[kind.name] = genBlock{Placeholder: true, Line: lineOf(t.i), EndLine: lineOf(t.i), start: t.start, end: t.end}
		case !closed:
			return nil, srcErr(v.File, lineOf(t.i),
				"lohkoa ei suljeta: lisää lohkon loppuun rivi {{< /"+kind.name+" >}}",
				"the block is never closed: add a line {{< /"+kind.name+" >}} after its text")
		case t.attr == "":
			return nil, srcErr(v.File, lineOf(t.i), kind.missingFi, kind.missingEn)
		default:
			c := tags[k+1]
			blocks[kind.name] = genBlock{Attr: t.attr, Inner: strings.Join(lines[t.i+1:c.i], ""),
				Line: lineOf(t.i), EndLine: lineOf(c.i), start: t.start, end: c.end}
			k++
		}
	}
	return blocks, nil
}

// parseAttr reads an opening tag's attributes: only the kind's one, whose
// value the kind checks.
func parseAttr(v Version, line int, k blockKind, attrs string) (string, error) {
	value := ""
	for attrs = strings.TrimSpace(attrs); attrs != ""; {
		m := attrRE.FindStringSubmatch(attrs)
		if m == nil {
			return "", srcErr(v.File, line,
				fmt.Sprintf("määritteen pitää olla muotoa nimi=\"arvo\", nyt %q", attrs),
				fmt.Sprintf("an attribute must look like name=\"value\", got %q", attrs))
		}
		attrs = attrs[len(m[0]):]
		if m[1] != k.attr {
			return "", srcErr(v.File, line,
				fmt.Sprintf("tuntematon määrite %q: ainoa sallittu on %s", m[1], k.example),
				fmt.Sprintf("unknown attribute %q: the only one allowed is %s", m[1], k.example))
		}
		if fi, en, ok := k.check(m[2]); !ok {
			return "", srcErr(v.File, line, fi, en)
		}
		value = m[2]
	}
	return value, nil
}

// stripShortcodes removes the blocks' tag lines (and placeholders) from a
// body, leaving the Markdown between them: what every rendering shows. A
// body whose blocks do not parse is returned as it is (Load rejects it).
func stripShortcodes(v Version) string {
	if !strings.Contains(v.Body, "{{<") {
		return v.Body
	}
	blocks, err := findBlocks(v)
	if err != nil || len(blocks) == 0 {
		return v.Body
	}
	// From the last block to the first, so offsets stay valid.
	var bs []genBlock
	for _, b := range blocks {
		bs = append(bs, b)
	}
	slices.SortFunc(bs, func(a, b genBlock) int { return b.start - a.start })
	body := v.Body
	for _, b := range bs {
		openLineEnd := strings.IndexByte(body[b.start:], '\n') + 1
		if openLineEnd == 0 {
			openLineEnd = len(body) - b.start
		}
		if b.Placeholder {
			body = body[:b.start] + body[b.start+openLineEnd:]
			continue
		}
		body = body[:b.start] + b.Inner + body[b.end:]
	}
	return body
}
