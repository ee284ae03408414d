package collect

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/seloste/seloste/analytics"
)

// Event kinds of the wire contract.
const (
	KindPageView = "pageview"
	KindLeave    = "leave"
	KindEvent    = "event"
)

// Limits of the wire contract.
const (
	MaxBody     = 4 << 10             // bytes of one POST /api/event body
	MaxDuration = 30 * 24 * time.Hour // largest duration_ms accepted
	maxID       = 64                  // bytes of a page-view id
	maxSite     = 253                 // bytes of a domain name
)

// Event is one decoded beacon, before it is checked against the
// configuration. Its JSON form is the wire contract:
//
//	{"kind":"pageview","site":"example.fi","url":"https://example.fi/a","referrer":"https://duckduckgo.com/","pageview":"8f3a..."}
//	{"kind":"leave","site":"example.fi","pageview":"8f3a...","duration_ms":12345,"scroll":64}
//	{"kind":"event","site":"example.fi","url":"https://example.fi/tilaus/","name":"Yhteydenotto","props":{"lomake":"tarjous"},"pageview":"8f3a..."}
type Event struct {
	Kind     string
	Site     string
	URL      string // pageview, and event (optional: the page it happened on)
	Referrer string // pageview only, optional
	PageView string
	Duration time.Duration    // leave only
	Scroll   int              // leave only, optional: percent 0–100, 0 not measured
	Name     string           // event only
	Props    []analytics.Prop // event only, optional; in the order sent
}

// ErrBadEvent is wrapped by every decoding error.
var ErrBadEvent = errors.New("bad event")

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadEvent}, args...)...)
}

// DecodeEvent parses a beacon body. It is strict: the body must be one JSON
// object holding exactly the fields of its kind, each of its JSON type,
// strings must be valid UTF-8 (escapes included: no lone surrogates), and
// nothing may follow the object. Unknown and repeated fields are errors, so
// that a client can never store something the contract does not name.
// Error messages name fields, never their values.
func DecodeEvent(b []byte) (Event, error) {
	d := decoder{b: b}
	var ev Event
	var seen uint16
	var durationMS, scroll int64
	d.space()
	if !d.eat('{') {
		return Event{}, bad("want a JSON object")
	}
	d.space()
	if !d.eat('}') {
		for {
			d.space()
			key, err := d.str()
			if err != nil {
				return Event{}, bad("field name: %v", err)
			}
			d.space()
			if !d.eat(':') {
				return Event{}, bad("want ':' after a field name")
			}
			d.space()
			var bit uint16
			switch key {
			case "kind":
				bit = 1 << 0
				ev.Kind, err = d.str()
			case "site":
				bit = 1 << 1
				ev.Site, err = d.str()
			case "url":
				bit = 1 << 2
				ev.URL, err = d.str()
			case "referrer":
				bit = 1 << 3
				ev.Referrer, err = d.str()
			case "pageview":
				bit = 1 << 4
				ev.PageView, err = d.str()
			case "duration_ms":
				bit = 1 << 5
				durationMS, err = d.integer()
			case "name":
				bit = 1 << 6
				ev.Name, err = d.str()
			case "props":
				bit = 1 << 7
				ev.Props, err = d.props()
			case "scroll":
				bit = 1 << 8
				scroll, err = d.integer()
			default:
				return Event{}, bad("unknown field %q", printable(key))
			}
			if err != nil {
				return Event{}, bad("field %q: %v", key, err)
			}
			if seen&bit != 0 {
				return Event{}, bad("field %q given twice", key)
			}
			seen |= bit
			d.space()
			if d.eat(',') {
				continue
			}
			if d.eat('}') {
				break
			}
			return Event{}, bad("want ',' or '}' after field %q", key)
		}
	}
	d.space()
	if d.i != len(d.b) {
		return Event{}, bad("data after the JSON object")
	}

	const (
		kind, site, url, referrer, pageview, duration = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 5
		name, props, scrolled                         = 1 << 6, 1 << 7, 1 << 8
	)
	var required, allowed uint16
	switch ev.Kind {
	case KindPageView:
		required = kind | site | url | pageview
		allowed = required | referrer
	case KindLeave:
		required = kind | site | pageview | duration
		allowed = required | scrolled
	case KindEvent:
		required = kind | site | pageview | name
		allowed = required | url | props
	case "":
		if seen&kind == 0 {
			return Event{}, bad(`missing field "kind"`)
		}
		fallthrough
	default:
		return Event{}, bad(`field "kind": want "pageview", "leave" or "event"`)
	}
	names := [...]string{"kind", "site", "url", "referrer", "pageview", "duration_ms", "name", "props", "scroll"}
	for i, name := range names {
		bit := uint16(1) << i
		if required&bit != 0 && seen&bit == 0 {
			return Event{}, bad("missing field %q", name)
		}
		if allowed&bit == 0 && seen&bit != 0 {
			return Event{}, bad("field %q is not part of a %s event", name, ev.Kind)
		}
	}
	if err := checkSite(ev.Site); err != nil {
		return Event{}, err
	}
	if err := checkID(ev.PageView); err != nil {
		return Event{}, err
	}
	if ev.Kind == KindLeave {
		if durationMS < 0 || durationMS > MaxDuration.Milliseconds() {
			return Event{}, bad(`field "duration_ms": want 0 to %d`, MaxDuration.Milliseconds())
		}
		ev.Duration = time.Duration(durationMS) * time.Millisecond
		if scroll < 0 || scroll > analytics.MaxScroll {
			return Event{}, bad(`field "scroll": want 0 to %d (percent of the page seen)`, analytics.MaxScroll)
		}
		ev.Scroll = int(scroll)
	}
	return ev, nil
}

func checkSite(s string) error {
	if s == "" || len(s) > maxSite {
		return bad(`field "site": want a domain name`)
	}
	return nil
}

// checkID accepts 1 to 64 characters of [A-Za-z0-9_-]: the tracker sends
// decimal digits, other clients may send hex or base64url.
func checkID(s string) error {
	if s == "" || len(s) > maxID {
		return bad(`field "pageview": want 1 to %d characters of A-Z a-z 0-9 _ -`, maxID)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return bad(`field "pageview": want 1 to %d characters of A-Z a-z 0-9 _ -`, maxID)
		}
	}
	return nil
}

// printable keeps an unknown field name short and safe to show.
func printable(s string) string {
	if len(s) > 32 {
		s = s[:32] + "…"
	}
	return s
}

type decoder struct {
	b []byte
	i int
}

func (d *decoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

var (
	errWantString = errors.New("want a string")
	errWantInt    = errors.New("want an integer")
	errUTF8       = errors.New("invalid UTF-8")
	errControl    = errors.New("control character in string")
	errEscape     = errors.New("invalid escape")
	errEOF        = errors.New("unexpected end of data")
)

// str reads a JSON string. Strings without escapes are returned without
// copying the bytes twice.
func (d *decoder) str() (string, error) {
	if !d.eat('"') {
		return "", errWantString
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			return string(s), nil
		case c == '\\':
			return d.strSlow(start)
		case c < 0x20:
			return "", errControl
		case c < utf8.RuneSelf:
			d.i++
		default:
			r, n := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && n <= 1 {
				return "", errUTF8
			}
			d.i += n
		}
	}
	return "", errEOF
}

func (d *decoder) strSlow(start int) (string, error) {
	out := make([]byte, 0, d.i-start+16)
	out = append(out, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return string(out), nil
		case c == '\\':
			d.i++
			if d.i >= len(d.b) {
				return "", errEOF
			}
			e := d.b[d.i]
			d.i++
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return "", errEscape
				}
				if utf16.IsSurrogate(r) {
					// Only a high surrogate followed by a low one is a character.
					if r >= 0xdc00 || !d.eat('\\') || !d.eat('u') {
						return "", errUTF8
					}
					r2, ok := d.hex4()
					if !ok {
						return "", errEscape
					}
					r = utf16.DecodeRune(r, r2)
					if r == utf8.RuneError {
						return "", errUTF8
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", errEscape
			}
		case c < 0x20:
			return "", errControl
		case c < utf8.RuneSelf:
			out = append(out, c)
			d.i++
		default:
			r, n := utf8.DecodeRune(d.b[d.i:])
			if r == utf8.RuneError && n <= 1 {
				return "", errUTF8
			}
			out = append(out, d.b[d.i:d.i+n]...)
			d.i += n
		}
	}
	return "", errEOF
}

func (d *decoder) hex4() (rune, bool) {
	if d.i+4 > len(d.b) {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}

// props reads an event's props: a JSON object whose values are strings.
// More than analytics.MaxEventProps is refused here already, so that a
// body of many tiny props costs nothing more.
func (d *decoder) props() ([]analytics.Prop, error) {
	if !d.eat('{') {
		return nil, errors.New("want an object of strings")
	}
	var out []analytics.Prop
	d.space()
	if d.eat('}') {
		return out, nil
	}
	for {
		d.space()
		k, err := d.str()
		if err != nil {
			return nil, fmt.Errorf("a prop's name: %v", err)
		}
		d.space()
		if !d.eat(':') {
			return nil, errors.New("want ':' after a prop's name")
		}
		d.space()
		v, err := d.str()
		if err != nil {
			return nil, fmt.Errorf("prop %q: %v (props are strings)", printable(k), err)
		}
		if len(out) == analytics.MaxEventProps {
			return nil, fmt.Errorf("more than %d props", analytics.MaxEventProps)
		}
		for _, p := range out {
			if p.Key == k {
				return nil, fmt.Errorf("prop %q given twice", printable(k))
			}
		}
		out = append(out, analytics.Prop{Key: k, Value: v})
		d.space()
		if d.eat(',') {
			continue
		}
		if d.eat('}') {
			return out, nil
		}
		return nil, errors.New("want ',' or '}' after a prop")
	}
}

// integer reads a JSON number that is an integer: no fraction, no exponent.
func (d *decoder) integer() (int64, error) {
	start := d.i
	d.eat('-')
	digits := d.i
	for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
		d.i++
	}
	n := d.i - digits
	if n == 0 || n > 1 && d.b[digits] == '0' {
		return 0, errWantInt
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E':
			return 0, errWantInt
		}
	}
	if n > 15 {
		return 0, errors.New("number out of range")
	}
	v, err := strconv.ParseInt(string(d.b[start:d.i]), 10, 64)
	if err != nil {
		return 0, errWantInt
	}
	return v, nil
}
