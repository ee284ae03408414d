package notice

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown is the one goldmark configuration every rendering uses: plain
// CommonMark. No typographer (the text must stay verbatim) and no raw HTML
// (the statement is text; goldmark drops embedded HTML by default).
var markdown = goldmark.New()

func parse(src []byte) ast.Node {
	return markdown.Parser().Parse(text.NewReader(src))
}

// Stamped is v.Body with the update sentence v.Stamp() added at the end of
// its first paragraph: the Markdown every rendering starts from. A body
// without a paragraph gets the sentence as a paragraph of its own.
//
// The collected-data block's shortcode lines are removed first: the
// Markdown between them is the statement's text, the tags are not. So are
// HTML comment blocks (notes to the owner, such as AdaptMarker's), which
// no rendering shows and a page's source need not carry either.
func Stamped(v Version) string {
	v.Body = commentBlockRE.ReplaceAllString(stripShortcodes(v), "")
	src := []byte(v.Body)
	var first *ast.Paragraph
	_ = ast.Walk(parse(src), func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if p, ok := n.(*ast.Paragraph); ok && entering {
			first = p
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	if first == nil || first.Lines().Len() == 0 {
		return strings.TrimRight(v.Body, "\n") + "\n\n" + v.Stamp() + "\n"
	}
	last := first.Lines().At(first.Lines().Len() - 1)
	end := last.Stop
	for end > last.Start && (src[end-1] == '\n' || src[end-1] == ' ' || src[end-1] == '\t') {
		end--
	}
	return v.Body[:end] + " " + v.Stamp() + v.Body[end:]
}

// commentBlockRE is an HTML comment block: from a line opening with <!--
// to the end of the line that closes it, as CommonMark reads it.
var commentBlockRE = regexp.MustCompile(`(?ms)^ {0,3}<!--.*?-->[^\n]*(\n|\z)`)

// renderBody renders v's stamped Markdown as an HTML fragment.
func renderBody(v Version) ([]byte, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(Stamped(v)), &buf); err != nil {
		return nil, fmt.Errorf("%s: render: %w", v.File, err)
	}
	return buf.Bytes(), nil
}

// BodyHTML is v's stamped text as an HTML fragment, without a title or a
// document around it: for pages that supply their own (the Hugo site).
func BodyHTML(v Version) (template.HTML, error) {
	b, err := renderBody(v)
	return template.HTML(b), err
}

//go:embed notice.css
var noticeCSS string

var documentTmpl = template.Must(template.New("doc").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="date" content="{{.Date}}">
<title>{{.Title}}</title>
<style>
{{.CSS}}</style>
</head>
<body>
<main>
<h1>{{.Title}}</h1>
{{with .Note}}<p class="translation-note">{{.}}</p>
{{end}}{{.Body}}</main>
</body>
</html>
`))

// RenderHTML renders v as one standalone, self-contained HTML document
// (inline CSS, print styles, no external resources), stamped: a file that
// can be attached to an email or printed as is.
func RenderHTML(v Version) ([]byte, error) {
	body, err := renderBody(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = documentTmpl.Execute(&buf, map[string]any{
		"Lang":  v.Lang,
		"Date":  v.Slug(),
		"Title": v.Title,
		"Note":  lang(v.Lang).TranslationNote,
		"CSS":   template.CSS(noticeCSS),
		"Body":  template.HTML(body),
	})
	return buf.Bytes(), err
}

// TextWidth is the column RenderText wraps paragraphs at.
const TextWidth = 72

// RenderText renders v as plain text, stamped, for email: the title and
// level-2 headings underlined, paragraphs wrapped at TextWidth, hard line
// breaks (addresses) kept, lists with "- " or "1. ", links as "text <url>".
func RenderText(v Version) (string, error) {
	src := []byte(Stamped(v))
	t := &textRenderer{src: src}
	t.heading(v.Title, 1)
	if note := lang(v.Lang).TranslationNote; note != "" {
		t.gap()
		t.wrapped(note, "", "")
	}
	for n := parse(src).FirstChild(); n != nil; n = n.NextSibling() {
		t.block(n, "", "")
	}
	return strings.TrimRight(t.out.String(), "\n") + "\n", nil
}

type textRenderer struct {
	src []byte
	out strings.Builder
}

// gap separates blocks with one blank line.
func (t *textRenderer) gap() {
	if s := t.out.String(); s != "" && !strings.HasSuffix(s, "\n\n") {
		t.out.WriteString("\n")
	}
}

func (t *textRenderer) heading(s string, level int) {
	t.gap()
	t.out.WriteString(s + "\n")
	switch level {
	case 1:
		t.out.WriteString(strings.Repeat("=", utf8.RuneCountInString(s)) + "\n")
	case 2:
		t.out.WriteString(strings.Repeat("-", utf8.RuneCountInString(s)) + "\n")
	}
}

// block writes one block node. first prefixes its first line, rest the
// lines after it (list markers and their indentation, quote marks).
func (t *textRenderer) block(n ast.Node, first, rest string) {
	switch n := n.(type) {
	case *ast.Heading:
		t.heading(t.inline(n), n.Level)
	case *ast.Paragraph, *ast.TextBlock:
		t.gap()
		t.wrapped(t.inline(n), first, rest)
	case *ast.List:
		t.gap()
		i := n.Start
		for item := n.FirstChild(); item != nil; item = item.NextSibling() {
			marker := "- "
			if n.IsOrdered() {
				marker = fmt.Sprintf("%d. ", i)
				i++
			}
			indent := rest + strings.Repeat(" ", len(marker))
			firstChild := true
			for c := item.FirstChild(); c != nil; c = c.NextSibling() {
				if firstChild {
					t.blockTight(c, rest+marker, indent)
				} else {
					t.block(c, indent, indent)
				}
				firstChild = false
			}
		}
	case *ast.Blockquote:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			t.block(c, rest+"> ", rest+"> ")
		}
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		t.gap()
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			t.out.WriteString(rest + "    " + strings.TrimRight(string(seg.Value(t.src)), "\n") + "\n")
		}
	case *ast.ThematicBreak:
		t.gap()
		t.out.WriteString(rest + strings.Repeat("-", 20) + "\n")
	}
	// HTML blocks are dropped, as in the HTML rendering.
}

// blockTight writes a list item's first block without a blank line before
// it, so that tight lists stay tight.
func (t *textRenderer) blockTight(n ast.Node, first, rest string) {
	switch n.(type) {
	case *ast.Paragraph, *ast.TextBlock:
		t.wrapped(t.inline(n), first, rest)
	default:
		t.block(n, first, rest)
	}
}

// wrapped writes s wrapped at TextWidth; "\n" in s is a hard break.
func (t *textRenderer) wrapped(s, first, rest string) {
	prefix := first
	for _, line := range strings.Split(s, "\n") {
		col := utf8.RuneCountInString(prefix)
		t.out.WriteString(prefix)
		start := true
		for _, w := range strings.Fields(line) {
			n := utf8.RuneCountInString(w)
			if !start && col+1+n > TextWidth {
				t.out.WriteString("\n" + rest)
				col = utf8.RuneCountInString(rest)
				start = true
			}
			if !start {
				t.out.WriteString(" ")
				col++
			}
			t.out.WriteString(w)
			col += n
			start = false
		}
		t.out.WriteString("\n")
		prefix = rest
	}
}

// inline is the plain text of n's inline children.
func (t *textRenderer) inline(n ast.Node) string {
	var b strings.Builder
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				v := c.Segment.Value(t.src)
				if !c.IsRaw() {
					v = util.ResolveEntityNames(util.ResolveNumericReferences(util.UnescapePunctuations(v)))
				}
				b.Write(v)
				switch {
				case c.HardLineBreak():
					b.WriteString("\n")
				case c.SoftLineBreak():
					b.WriteString(" ")
				}
			case *ast.String:
				b.Write(c.Value)
			case *ast.AutoLink:
				b.Write(c.URL(t.src))
			case *ast.Link:
				before := b.Len()
				walk(c)
				if label := b.String()[before:]; label != string(c.Destination) {
					b.WriteString(" <" + string(c.Destination) + ">")
				}
			case *ast.RawHTML:
				// dropped, as in the HTML rendering
			default: // emphasis, code spans, images (alt text)
				walk(c)
			}
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}
