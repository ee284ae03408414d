package analytics

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is a custom or automatic event the tracker sent for a page view:
// "Yhteydenotto" with {lomake: tarjous}. The collector stores it with the
// visitor id and visit of the browser's open visit on the site (which its
// page view belongs to), so that reports count it without a join.
type Event struct {
	Time     time.Time // UTC, truncated to the second
	Site     string
	Visitor  uint64 // as PageView.Visitor
	Visit    uint64 // as PageView.Visit
	PageView string // PageView.ID of the page it happened on
	Name     string
	Props    []Prop // sorted by key, keys unique; only declared keys
}

// Prop is one property of an Event.
type Prop struct{ Key, Value string }

// EncodeProps is how every engine stores an event's props (and seloste
// migrate copies them as they are): a JSON object with the keys in order, as
// Event keeps them, "" without props.
func EncodeProps(props []Prop) string {
	if len(props) == 0 {
		return ""
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range props {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.Key)
		v, _ := json.Marshal(p.Value)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String()
}

// DecodeProps reads EncodeProps's text back, keys sorted.
func DecodeProps(s string) ([]Prop, error) {
	if s == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("event props: %w", err)
	}
	out := make([]Prop, 0, len(m))
	for k, v := range m {
		out = append(out, Prop{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b Prop) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Limits of an event, the same for the wire, the configuration and imports.
const (
	MaxEventName  = 120 // characters
	MaxEventProps = 10
	MaxPropKey    = 60
	MaxPropValue  = 200
)

// The automatic events the tracker records when its script tag asks, under
// the names other tools use so that imports and exports map one to one.
// Each carries only its own property.
const (
	EventOutbound = "Outbound Link: Click" // data-outbound; prop url
	EventDownload = "File Download"        // data-downloads; prop url
	Event404      = "404"                  // seloste("404") or <meta name="seloste-404">; prop path
)

// AutoEvent is an automatic event as the configuration switches it on.
type AutoEvent struct {
	Key  string // the auto_events value: "outbound", "downloads", "404"
	Name string
	Prop string
	Desc Description
}

// AutoEvents are every automatic event, in the statement's order.
var AutoEvents = []AutoEvent{
	{Key: "outbound", Name: EventOutbound, Prop: "url", Desc: Description{
		FI: "napsautus linkkiin, joka vie toiselle sivustolle; ominaisuus url on linkin kohde ilman kyselyparametreja",
		SV: "ett klick på en länk till en annan webbplats; egenskapen url är länkens mål utan frågeparametrar",
		EN: "a click on a link to another website; the property url is the link's target without query parameters"}},
	{Key: "downloads", Name: EventDownload, Prop: "url", Desc: Description{
		FI: "napsautus ladattavan tiedoston linkkiin; ominaisuus url on tiedoston osoite ilman kyselyparametreja",
		SV: "ett klick på en länk till en nedladdningsbar fil; egenskapen url är filens adress utan frågeparametrar",
		EN: "a click on a link to a downloadable file; the property url is the file's address without query parameters"}},
	{Key: "404", Name: Event404, Prop: "path", Desc: Description{
		FI: "sivua ei löytynyt (virhe 404); ominaisuus path on puuttuvan sivun polku",
		SV: "sidan hittades inte (fel 404); egenskapen path är den saknade sidans sökväg",
		EN: "a page was not found (error 404); the property path is the missing page's path"}},
}

// Description is a configured text in the statement's languages. SV may be
// empty: the Swedish list then carries the English text, and notice check
// warns where a Swedish translation is published.
type Description struct{ FI, SV, EN string }

// EventDef is a declared event: only declared names, with only their
// declared properties, are stored.
type EventDef struct {
	Name  string
	Props []string
	Desc  Description
}

// Goal is a conversion: a visit converts when it has the event (with the
// given property values) or a page view whose path matches Page.
type Goal struct {
	Name  string
	Event string            // an event goal
	Props map[string]string // an event goal's required property values
	Page  string            // a page goal: "*" is one path segment, "**" any number
}

// Funnel is a sequence of pages (patterns, as Goal.Page) or goal names that
// a visit goes through in order.
type Funnel struct {
	Name  string
	Steps []string
}

// EventConfig is what the configuration declares about events, goals and
// funnels. The zero value declares nothing: no event is stored.
type EventConfig struct {
	Events  []EventDef
	Auto    []string // AutoEvent keys switched on
	Goals   []Goal
	Funnels []Funnel
}

// Any reports whether any event may be stored.
func (c EventConfig) Any() bool { return len(c.Events) > 0 || len(c.Auto) > 0 }

// Declared is every event the configuration lets the collector store, the
// automatic ones included, in the statement's order.
func (c EventConfig) Declared() []EventDef {
	out := slices.Clone(c.Events)
	for _, a := range AutoEvents {
		if slices.Contains(c.Auto, a.Key) {
			out = append(out, EventDef{Name: a.Name, Props: []string{a.Prop}, Desc: a.Desc})
		}
	}
	return out
}

// Check validates the configuration: names and props within the limits,
// every description there, goals naming declared events, funnel steps
// being pages or goals. Errors name the entry; the caller adds the file.
func (c EventConfig) Check() error {
	seen := map[string]bool{}
	for i, e := range c.Events {
		where := fmt.Sprintf("event %d (%q)", i+1, e.Name)
		if err := checkName(e.Name, MaxEventName); err != nil {
			return fmt.Errorf("%s: name: %v", where, err)
		}
		if seen[e.Name] {
			return fmt.Errorf("%s: declared twice", where)
		}
		for _, a := range AutoEvents {
			if a.Name == e.Name {
				return fmt.Errorf("%s: %q is an automatic event: switch it on with auto_events = [%q]", where, e.Name, a.Key)
			}
		}
		seen[e.Name] = true
		if len(e.Props) > MaxEventProps {
			return fmt.Errorf("%s: %d props, at most %d", where, len(e.Props), MaxEventProps)
		}
		for j, p := range e.Props {
			if err := checkName(p, MaxPropKey); err != nil {
				return fmt.Errorf("%s: prop %q: %v", where, p, err)
			}
			if slices.Contains(e.Props[:j], p) {
				return fmt.Errorf("%s: prop %q declared twice", where, p)
			}
		}
		if strings.TrimSpace(e.Desc.FI) == "" || strings.TrimSpace(e.Desc.EN) == "" {
			return fmt.Errorf("%s: description_fi and description_en are required: the privacy statement describes every event", where)
		}
	}
	for _, k := range c.Auto {
		if !slices.ContainsFunc(AutoEvents, func(a AutoEvent) bool { return a.Key == k }) {
			return fmt.Errorf("auto_events: unknown %q (use outbound, downloads or 404)", k)
		}
	}
	declared := c.Declared()
	goals := map[string]bool{}
	for i, g := range c.Goals {
		where := fmt.Sprintf("goal %d (%q)", i+1, g.Name)
		if err := checkName(g.Name, MaxEventName); err != nil {
			return fmt.Errorf("%s: name: %v", where, err)
		}
		if goals[g.Name] {
			return fmt.Errorf("%s: declared twice", where)
		}
		goals[g.Name] = true
		switch {
		case (g.Event == "") == (g.Page == ""):
			return fmt.Errorf("%s: give either event or page", where)
		case g.Page != "":
			if len(g.Props) > 0 {
				return fmt.Errorf("%s: props belong to an event goal", where)
			}
			if _, err := ParsePathPattern(g.Page); err != nil {
				return fmt.Errorf("%s: page: %v", where, err)
			}
		default:
			i := slices.IndexFunc(declared, func(d EventDef) bool { return d.Name == g.Event })
			if i < 0 {
				return fmt.Errorf("%s: event %q is not declared ([[event]] or auto_events)", where, g.Event)
			}
			for k := range g.Props {
				if !slices.Contains(declared[i].Props, k) {
					return fmt.Errorf("%s: prop %q is not declared for event %q", where, k, g.Event)
				}
			}
		}
	}
	for i, f := range c.Funnels {
		where := fmt.Sprintf("funnel %d (%q)", i+1, f.Name)
		if err := checkName(f.Name, MaxEventName); err != nil {
			return fmt.Errorf("%s: name: %v", where, err)
		}
		if len(f.Steps) < 2 || len(f.Steps) > 8 {
			return fmt.Errorf("%s: 2 to 8 steps", where)
		}
		for _, s := range f.Steps {
			if strings.HasPrefix(s, "/") {
				if _, err := ParsePathPattern(s); err != nil {
					return fmt.Errorf("%s: step %q: %v", where, s, err)
				}
			} else if !goals[s] {
				return fmt.Errorf("%s: step %q is neither a page (starting with /) nor a goal's name", where, s)
			}
		}
	}
	return nil
}

func checkName(s string, limit int) error {
	switch n := utf8.RuneCountInString(s); {
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("empty")
	case n > limit:
		return fmt.Errorf("%d characters, at most %d", n, limit)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("control characters")
	}
	return nil
}

// EventRule names the rule a refused event broke. Its message never holds
// the event's values.
type EventRule struct{ Rule string }

func (e *EventRule) Error() string { return e.Rule }

func refuse(format string, args ...any) error { return &EventRule{fmt.Sprintf(format, args...)} }

// CheckEvent holds an event's name and properties to the configuration
// and the limits: the name declared, each property declared for it, within
// the lengths, no value that looks like personal data. props is sorted by
// key on return. The error is an *EventRule naming the rule and, for
// declared things, the key: never a value.
func (c EventConfig) CheckEvent(name string, props []Prop) error {
	if utf8.RuneCountInString(name) > MaxEventName {
		return refuse("event name longer than %d characters", MaxEventName)
	}
	if len(props) > MaxEventProps {
		return refuse("more than %d props", MaxEventProps)
	}
	var def *EventDef
	for _, d := range c.Declared() {
		if d.Name == name {
			def = &d
			break
		}
	}
	if def == nil {
		return refuse("event name not declared in the configuration")
	}
	slices.SortFunc(props, func(a, b Prop) int { return cmp.Compare(a.Key, b.Key) })
	for i, p := range props {
		if utf8.RuneCountInString(p.Key) > MaxPropKey {
			return refuse("prop name longer than %d characters", MaxPropKey)
		}
		if i > 0 && props[i-1].Key == p.Key {
			return refuse("prop %q given twice", p.Key)
		}
		if !slices.Contains(def.Props, p.Key) {
			return refuse("prop not declared for event %q", name)
		}
		if utf8.RuneCountInString(p.Value) > MaxPropValue {
			return refuse("prop %q: value longer than %d characters", p.Key, MaxPropValue)
		}
		if what := PersonalData(p.Value); what != "" {
			return refuse("prop %q: value looks like personal data (%s)", p.Key, what)
		}
	}
	return nil
}

// PersonalData says what personal data s looks like: "an email address",
// "a phone number", "8 or more digits in a row", "a Finnish personal
// identity code"; "" when none. A URL's path may hold digits of an id
// (/tuote/1234567), so the digit rules look at runs of digits only.
func PersonalData(s string) string {
	if hetu(s) {
		return "a Finnish personal identity code"
	}
	if email(s) {
		return "an email address"
	}
	run := 0
	for i := 0; i < len(s); i++ {
		if '0' <= s[i] && s[i] <= '9' {
			if run++; run >= 8 {
				return "8 or more digits in a row"
			}
		} else {
			run = 0
		}
	}
	if phone(s) {
		return "a phone number"
	}
	return ""
}

// phone finds a number written as phones are: starting with + or 0 (the
// international and the Finnish trunk prefix), then 7 to 15 digits in all,
// in groups separated by spaces, hyphens, dots or parentheses. Dates and
// order numbers (2026-12-02) do not start so.
func phone(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '+' && c != '0' {
			continue
		}
		if i > 0 && ('0' <= s[i-1] && s[i-1] <= '9') {
			continue // inside a number
		}
		digits := 0
		j := i
		if c == '+' {
			j++
		}
		for ; j < len(s); j++ {
			d := s[j]
			if '0' <= d && d <= '9' {
				digits++
			} else if !strings.ContainsRune(" -.()", rune(d)) {
				break
			}
		}
		if digits >= 7 && digits <= 15 {
			return true
		}
	}
	return false
}

// email finds local@domain.tld.
func email(s string) bool {
	for i := strings.IndexByte(s, '@'); i >= 0; {
		local := i > 0 && !strings.ContainsAny(s[i-1:i], " \t<>()[],;:\"@")
		rest := s[i+1:]
		if end := strings.IndexAny(rest, " \t<>()[],;:\"@"); end >= 0 {
			rest = rest[:end]
		}
		if dot := strings.LastIndexByte(rest, '.'); local && dot > 0 && dot < len(rest)-1 {
			return true
		}
		j := strings.IndexByte(s[i+1:], '@')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// hetu finds a Finnish personal identity code: DDMMYY, a century sign, three
// digits and a check character (the modulo-31 rule), anywhere in s.
func hetu(s string) bool {
	const checks = "0123456789ABCDEFHJKLMNPRSTUVWXY"
	for i := 0; i+11 <= len(s); i++ {
		c := s[i : i+11]
		if !strings.ContainsRune("+-ABCDEFUVWXY", rune(c[6])) {
			continue
		}
		digits := c[:6] + c[7:10]
		n := 0
		ok := true
		for _, d := range []byte(digits) {
			if d < '0' || d > '9' {
				ok = false
				break
			}
			n = n*10 + int(d-'0')
		}
		if ok && strings.ToUpper(c[10:11]) == checks[n%31:n%31+1] {
			return true
		}
	}
	return false
}

// PathPattern is a page pattern of goals and funnels: "/tilaus/*/kiitos",
// "/tilaus/**". "*" is one path segment (or, within a segment, any text as
// path.Match has it), "**" any number of segments, none included.
type PathPattern []string

// ParsePathPattern parses a pattern; it starts with "/".
func ParsePathPattern(s string) (PathPattern, error) {
	if !strings.HasPrefix(s, "/") {
		return nil, fmt.Errorf("a page pattern starts with \"/\", e.g. \"/tilaus/*/kiitos\"")
	}
	segs := strings.Split(s[1:], "/")
	for _, seg := range segs {
		if _, err := path.Match(seg, ""); err != nil {
			return nil, fmt.Errorf("pattern %q: %v", s, err)
		}
		if strings.Contains(seg, "**") && seg != "**" {
			return nil, fmt.Errorf("pattern %q: \"**\" is a whole segment (\"/tilaus/**\")", s)
		}
	}
	return PathPattern(segs), nil
}

// Match reports whether the stored path p matches.
func (pat PathPattern) Match(p string) bool {
	return matchSegments(pat, strings.Split(strings.TrimPrefix(p, "/"), "/"))
}

func matchSegments(pat, segs []string) bool {
	for i, p := range pat {
		if p == "**" {
			rest := pat[i+1:]
			for j := i; j <= len(segs); j++ {
				if matchSegments(rest, segs[j:]) {
					return true
				}
			}
			return false
		}
		if i >= len(segs) {
			return false
		}
		if ok, err := path.Match(p, segs[i]); err != nil || !ok {
			return false
		}
	}
	return len(pat) == len(segs)
}
