package notice

import (
	"fmt"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
)

// Op says what happened to a piece of text between two versions.
type Op int

const (
	Same    Op = iota // in both versions
	Removed           // only in the old version
	Added             // only in the new version
	Changed           // a block present in both, edited: see its spans
)

func (o Op) String() string {
	return [...]string{"same", "removed", "added", "changed"}[o]
}

// Span is a run of text with one Op (never Changed).
type Span struct {
	Op   Op
	Text string
}

// BlockChange is one block (heading, paragraph, list item…) of the diff.
type BlockChange struct {
	Op    Op
	Kind  string // "h1".."h6", "p", "li", "quote" or "pre"
	Spans []Span // the block's text; word-level for Changed
}

// Diff compares the stamped texts of two versions: blocks are aligned
// first, then words inside each pair of blocks that changed.
func Diff(old, new Version) []BlockChange {
	return diffBlocks(blocks(Stamped(old)), blocks(Stamped(new)))
}

type block struct{ kind, text string }

// blocks flattens Markdown into its text blocks, in reading order.
func blocks(md string) []block {
	t := &textRenderer{src: []byte(md)}
	var out []block
	var walk func(n ast.Node, quoted bool)
	walk = func(n ast.Node, quoted bool) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			kind := "p"
			switch c := c.(type) {
			case *ast.Heading:
				kind = fmt.Sprintf("h%d", c.Level)
			case *ast.Paragraph, *ast.TextBlock:
			case *ast.List:
				for item := c.FirstChild(); item != nil; item = item.NextSibling() {
					out = append(out, block{"li", t.itemText(item)})
				}
				continue
			case *ast.Blockquote:
				walk(c, true)
				continue
			case *ast.FencedCodeBlock, *ast.CodeBlock:
				var b strings.Builder
				for i := 0; i < c.Lines().Len(); i++ {
					seg := c.Lines().At(i)
					b.Write(seg.Value(t.src))
				}
				out = append(out, block{"pre", strings.TrimRight(b.String(), "\n")})
				continue
			default:
				continue // thematic breaks, HTML
			}
			if quoted && kind == "p" {
				kind = "quote"
			}
			out = append(out, block{kind, t.inline(c)})
		}
	}
	walk(parse(t.src), false)
	return out
}

// itemText is the text of a list item; nested items go on lines of their own.
func (t *textRenderer) itemText(item ast.Node) string {
	var parts []string
	for c := item.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.List:
			for sub := c.FirstChild(); sub != nil; sub = sub.NextSibling() {
				parts = append(parts, t.itemText(sub))
			}
		case *ast.Paragraph, *ast.TextBlock, *ast.Heading:
			parts = append(parts, t.inline(c))
		}
	}
	return strings.Join(parts, "\n")
}

func diffBlocks(a, b []block) []BlockChange {
	ops := editScript(a, b)
	var out []BlockChange
	var removed, added []block
	flush := func() {
		out = append(out, pairBlocks(removed, added)...)
		removed, added = nil, nil
	}
	i, j := 0, 0
	for _, op := range ops {
		switch op {
		case Same:
			flush()
			out = append(out, BlockChange{Op: Same, Kind: a[i].kind, Spans: []Span{{Same, a[i].text}}})
			i++
			j++
		case Removed:
			removed = append(removed, a[i])
			i++
		case Added:
			added = append(added, b[j])
			j++
		}
	}
	flush()
	return out
}

// pairBlocks turns a run of removed and added blocks into changes: a
// removed block and a later-added block of the same kind that share at
// least half their words are one edited block (diffed word by word);
// the rest are whole removals and additions, kept in reading order.
func pairBlocks(removed, added []block) []BlockChange {
	var out []BlockChange
	next := 0 // first added block not yet emitted
	for _, r := range removed {
		match := -1
		for k := next; k < len(added); k++ {
			if added[k].kind == r.kind && similarity(r.text, added[k].text) >= 0.5 {
				match = k
				break
			}
		}
		if match < 0 {
			out = append(out, BlockChange{Op: Removed, Kind: r.kind, Spans: []Span{{Removed, r.text}}})
			continue
		}
		for ; next < match; next++ {
			out = append(out, BlockChange{Op: Added, Kind: added[next].kind, Spans: []Span{{Added, added[next].text}}})
		}
		out = append(out, BlockChange{Op: Changed, Kind: r.kind, Spans: diffWords(r.text, added[match].text)})
		next = match + 1
	}
	for ; next < len(added); next++ {
		out = append(out, BlockChange{Op: Added, Kind: added[next].kind, Spans: []Span{{Added, added[next].text}}})
	}
	return out
}

// similarity is the share of words two texts have in common, 0 to 1,
// counted as bags of words: cheap enough to try every pair in a rewrite.
func similarity(a, b string) float64 {
	wa, wb := strings.Fields(a), strings.Fields(b)
	if len(wa)+len(wb) == 0 {
		return 1
	}
	count := make(map[string]int, len(wa))
	for _, w := range wa {
		count[w]++
	}
	same := 0
	for _, w := range wb {
		if count[w] > 0 {
			count[w]--
			same++
		}
	}
	return 2 * float64(same) / float64(len(wa)+len(wb))
}

// tokens splits s into alternating runs of space and non-space, so that
// joining them gives s back.
func tokens(s string) []string {
	var out []string
	start, space := 0, false
	for i, r := range s {
		if sp := unicode.IsSpace(r); i == 0 {
			space = sp
		} else if sp != space {
			out = append(out, s[start:i])
			start, space = i, sp
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// diffWords diffs two texts word by word. Within each changed stretch all
// removed text comes first, then all added text, so that a rewritten
// phrase reads as one <del> and one <ins> rather than a word salad.
func diffWords(a, b string) []Span {
	ta, tb := tokens(a), tokens(b)
	var raw []Span
	i, j := 0, 0
	for _, op := range editScript(ta, tb) {
		switch op {
		case Same:
			raw = append(raw, Span{Same, ta[i]})
			i++
			j++
		case Removed:
			raw = append(raw, Span{Removed, ta[i]})
			i++
		case Added:
			raw = append(raw, Span{Added, tb[j]})
			j++
		}
	}
	// Spaces alone between two changes belong to the change.
	for k := 1; k+1 < len(raw); k++ {
		if raw[k].Op == Same && strings.TrimSpace(raw[k].Text) == "" && raw[k-1].Op != Same && raw[k+1].Op != Same {
			raw[k].Op = Changed // placeholder: both removed and added
		}
	}
	var out []Span
	var del, ins strings.Builder
	flush := func() {
		if del.Len() > 0 {
			out = append(out, Span{Removed, del.String()})
		}
		if ins.Len() > 0 {
			out = append(out, Span{Added, ins.String()})
		}
		del.Reset()
		ins.Reset()
	}
	for _, s := range raw {
		switch s.Op {
		case Same:
			flush()
			if n := len(out); n > 0 && out[n-1].Op == Same {
				out[n-1].Text += s.Text
			} else {
				out = append(out, s)
			}
		case Removed:
			del.WriteString(s.Text)
		case Added:
			ins.WriteString(s.Text)
		case Changed:
			del.WriteString(s.Text)
			ins.WriteString(s.Text)
		}
	}
	flush()
	return out
}

// editScript is Myers' O(ND) difference algorithm: the shortest sequence
// of Same, Removed (an element of a) and Added (an element of b) that
// turns a into b. Common ends are trimmed first: edits are usually local.
func editScript[T comparable](a, b []T) []Op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ops := make([]Op, 0, len(a)+len(b))
	for range pre {
		ops = append(ops, Same)
	}
	ops = append(ops, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for range suf {
		ops = append(ops, Same)
	}
	return ops
}

func myers[T comparable](a, b []T) []Op {
	n, m := len(a), len(b)
	maxD := n + m
	// v[k+off] is the furthest x reached on diagonal k = x-y. trace[d] keeps
	// the diagonals -d..d as they were before step d, for the way back.
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	var d int
	for d = 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v[off-d:off+d+1]...))
		done := false
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // step down: an element of b added
			} else {
				x = v[off+k-1] + 1 // step right: an element of a removed
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				done = true
				break
			}
		}
		if done {
			break
		}
	}
	// Walk back from (n, m), collecting ops in reverse.
	var rev []Op
	x, y := n, m
	for ; d > 0; d-- {
		prev := trace[d] // prev[k+d] is diagonal k after step d-1
		at := func(k int) int { return prev[k+d] }
		k := x - y
		var pk int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := at(pk)
		py := px - pk
		// The edit leads from (px, py) to (mx, my); a snake of equal
		// elements then leads on to (x, y).
		mx, my, op := px+1, py, Removed
		if pk == k+1 {
			mx, my, op = px, py+1, Added
		}
		for x > mx && y > my {
			rev = append(rev, Same)
			x--
			y--
		}
		rev = append(rev, op)
		x, y = px, py
	}
	for x > 0 && y > 0 {
		rev = append(rev, Same)
		x--
		y--
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// DiffContext is how many unchanged blocks DiffHTML shows on each side of
// a change; longer unchanged stretches are folded.
const DiffContext = 1

// DiffHTML shows what changed from old to new as HTML: unchanged text as
// is, removed text in <del>, added text in <ins>. Around each change it
// shows DiffContext blocks and the headings the change sits under; the
// rest is folded. Headings are shifted one level down so that the
// fragment nests under the page's own headings.
func DiffHTML(old, new Version) template.HTML {
	words := lang(new.Lang) // the diff's own words are in the versions' language
	changes := Diff(old, new)
	show := make([]bool, len(changes))
	changed := false
	for i, c := range changes {
		if c.Op == Same {
			continue
		}
		changed = true
		for k := max(0, i-DiffContext); k <= min(len(changes)-1, i+DiffContext); k++ {
			show[k] = true
		}
		// The heading path above the change: the nearest heading of each
		// higher level.
		level := headingLevel(c.Kind)
		for k := i - 1; k >= 0 && level > 1; k-- {
			if l := headingLevel(changes[k].Kind); l < level {
				show[k] = true
				level = l
			}
		}
	}
	var b strings.Builder
	b.WriteString(`<div class="notice-diff">` + "\n")
	if !changed {
		b.WriteString(`<p class="diff-none">` + words.noChanges + `</p>` + "\n")
	}
	folded := 0
	fold := func() {
		if folded > 0 {
			form := words.unchanged[1]
			if folded == 1 {
				form = words.unchanged[0]
			}
			msg := fmt.Sprintf(form, folded)
			if strings.Count(form, "%d") == 2 {
				msg = fmt.Sprintf(form, folded, folded)
			}
			fmt.Fprintf(&b, `<p class="diff-fold">%s</p>`+"\n", msg)
			folded = 0
		}
	}
	for i, c := range changes {
		if !show[i] {
			folded++
			continue
		}
		fold()
		open, close := blockTags(c.Kind, "diff-"+c.Op.String())
		b.WriteString(open)
		for k, s := range c.Spans {
			t := strings.ReplaceAll(template.HTMLEscapeString(s.Text), "\n", "<br>\n")
			switch s.Op {
			case Removed:
				b.WriteString("<del>" + t + "</del>")
				if apart(s, c.Spans, k) {
					b.WriteString(" ")
				}
			case Added:
				b.WriteString("<ins>" + t + "</ins>")
			default:
				b.WriteString(t)
			}
		}
		b.WriteString(close + "\n")
	}
	fold()
	b.WriteString("</div>\n")
	return template.HTML(b.String())
}

// apart reports whether removed span k, followed at once by an addition,
// needs a space before it: without one, the page's text (what a screen
// reader reads, what a copy takes) runs the two together, and "2 → 7
// December" reads "27 December".
func apart(removed Span, spans []Span, k int) bool {
	if k+1 >= len(spans) || spans[k+1].Op != Added {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(removed.Text)
	first, _ := utf8.DecodeRuneInString(spans[k+1].Text)
	return !unicode.IsSpace(last) && !unicode.IsSpace(first)
}

// headingLevel is 1 to 6 for a heading block's kind, 7 for other blocks.
func headingLevel(kind string) int {
	if len(kind) == 2 && kind[0] == 'h' {
		return int(kind[1] - '0')
	}
	return 7
}

func blockTags(kind, class string) (open, close string) {
	attr := ` class="` + class + `"`
	switch kind {
	case "h1", "h2", "h3", "h4", "h5":
		tag := fmt.Sprintf("h%d", kind[1]-'0'+1)
		return "<" + tag + attr + ">", "</" + tag + ">"
	case "h6":
		return "<h6" + attr + ">", "</h6>"
	case "li":
		return "<ul" + attr + "><li>", "</li></ul>"
	case "quote":
		return "<blockquote" + attr + "><p>", "</p></blockquote>"
	case "pre":
		return "<pre" + attr + ">", "</pre>"
	}
	return "<p" + attr + ">", "</p>"
}
