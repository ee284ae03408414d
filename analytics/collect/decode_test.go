package collect

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"
)

func TestDecodeEvent(t *testing.T) {
	ev, err := DecodeEvent([]byte(" {\n\t\"kind\" : \"pageview\", \"site\":\"example.fi\",\"url\":\"https://example.fi/\\u00e4\\ud83d\\ude00\\/\\n\",\"referrer\":\"\",\"pageview\":\"A-z_9\"} "))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ev, Event{Kind: "pageview", Site: "example.fi", URL: "https://example.fi/ä😀/\n", PageView: "A-z_9"}) {
		t.Errorf("got %+v", ev)
	}
	ev, err = DecodeEvent([]byte(`{"duration_ms":0,"pageview":"x","site":"s","kind":"leave"}`))
	if err != nil || ev.Duration != 0 || ev.Kind != KindLeave {
		t.Errorf("leave: %+v %v", ev, err)
	}
	ev, err = DecodeEvent([]byte(`{"kind":"leave","site":"s","pageview":"x","duration_ms":2592000000}`))
	if err != nil || ev.Duration != 30*24*time.Hour {
		t.Errorf("largest duration: %+v %v", ev, err)
	}
	ev, err = DecodeEvent([]byte(`{"kind":"leave","site":"s","pageview":"x","duration_ms":5,"scroll":100}`))
	if err != nil || ev.Scroll != 100 || ev.Duration != 5*time.Millisecond {
		t.Errorf("leave with scroll depth: %+v %v", ev, err)
	}
	for _, bad := range []string{
		`{"kind":"leave","site":"s","pageview":"x","duration_ms":1,"scroll":101}`,
		`{"kind":"leave","site":"s","pageview":"x","duration_ms":1,"scroll":-1}`,
		`{"kind":"leave","site":"s","pageview":"x","duration_ms":1,"scroll":"50"}`,
		`{"kind":"leave","site":"s","pageview":"x","duration_ms":1,"scroll":1,"scroll":2}`,
		`{"kind":"leave","site":"s","pageview":"x","scroll":50}`,
		`{"kind":"pageview","site":"s","url":"u","pageview":"x","scroll":50}`,
		`{"kind":"event","site":"s","name":"n","pageview":"x","scroll":50}`,
		`{"kind":"leave","site":"s","pageview":"x","duration_ms":2592000001}`,
		`{"kind":"leave","site":"s","pageview":"x","duration_ms":01}`,
		`{"kind":"leave","site":"s","pageview":"x","duration_ms":-}`,
		`{"kind":"leave","site":"s","pageview":"x","duration_ms":true}`,
		`{"kind":"pageview","site":"s","url":"u","pageview":"x",}`,
		`{"kind":"pageview","site":"s","url":"u","pageview":"x"`,
		`{"kind":"pageview","site":"s","url":"u\x","pageview":"x"}`,
		`{"kind":"pageview","site":"s","url":"\udc00","pageview":"x"}`,
		`{"kind":"pageview","site":"s","url":"\ud800\u0041","pageview":"x"}`,
		`{"kind":"pageview","site":"","url":"u","pageview":"x"}`,
		`{"kind":"pageview","site":"s","url":"u","pageview":""}`,
		`{kind:"pageview"}`,
		`{}`,
		``,
		`null`,
		`{"kind":"event","site":"s","name":"n","props":{"a":1},"pageview":"x"}`,
		`{"kind":"event","site":"s","name":"n","props":{"a":["x"]},"pageview":"x"}`,
		`{"kind":"event","site":"s","name":"n","props":["a"],"pageview":"x"}`,
		`{"kind":"event","site":"s","name":"n","props":{"a":"1","a":"2"},"pageview":"x"}`,
		`{"kind":"event","site":"s","name":1,"pageview":"x"}`,
		`{"kind":"event","site":"s","pageview":"x"}`,
		`{"kind":"event","site":"s","name":"n","pageview":"x","duration_ms":1}`,
		`{"kind":"event","site":"s","name":"n","pageview":"x","referrer":""}`,
		`{"kind":"event","site":"s","name":"n","props":{"1":"","2":"","3":"","4":"","5":"","6":"","7":"","8":"","9":"","10":"","11":""},"pageview":"x"}`,
	} {
		if ev, err := DecodeEvent([]byte(bad)); err == nil || !errors.Is(err, ErrBadEvent) {
			t.Errorf("DecodeEvent(%s) = %+v, %v; want ErrBadEvent", bad, ev, err)
		}
	}
}

// FuzzDecodeEvent checks that the decoder never panics, and that whatever
// it accepts is valid JSON that encoding/json reads to the same values:
// the hand-written decoder is never looser than the standard one.
func FuzzDecodeEvent(f *testing.F) {
	for _, s := range []string{
		goodPageView, goodLeave,
		`{"kind":"pageview","site":"example.fi","url":"https://example.fi/\u00e4","pageview":"x"}`,
		`{"kind":"leave","site":"example.fi","pageview":"x","duration_ms":0}`,
		`{"kind":"pageview","site":"a","url":"\ud83d\ude00","referrer":"","pageview":"p"}`,
		`{"kind":"leave","site":"s","pageview":"x","duration_ms":-0}`,
		"{\"kind\":\"pageview\",\"site\":\"s\",\"url\":\"\xff\",\"pageview\":\"x\"}",
		`[]`, `{`, `{"kind":1}`,
		`{"kind":"event","site":"s","name":"Yhteydenotto","props":{"lomake":"tarjous","b":""},"pageview":"x"}`,
		`{"kind":"event","site":"s","url":"https://s/","name":"404","props":{},"pageview":"x"}`,
		`{"kind":"event","site":"s","name":"a","props":{"a":1},"pageview":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := DecodeEvent(b)
		if err != nil {
			if !errors.Is(err, ErrBadEvent) {
				t.Fatalf("error does not wrap ErrBadEvent: %v", err)
			}
			return
		}
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("accepted %q, encoding/json says %v", b, err)
		}
		str := func(k string) string { s, _ := m[k].(string); return s }
		if str("kind") != ev.Kind || str("site") != ev.Site || str("url") != ev.URL || str("referrer") != ev.Referrer || str("pageview") != ev.PageView {
			t.Fatalf("accepted %q as %+v, encoding/json reads %v", b, ev, m)
		}
		for _, s := range []string{ev.Kind, ev.Site, ev.URL, ev.Referrer, ev.PageView} {
			if !utf8.ValidString(s) {
				t.Fatalf("accepted invalid UTF-8 in %q", b)
			}
		}
		if ev.Kind == KindEvent {
			props, _ := m["props"].(map[string]any)
			if str("name") != ev.Name || len(props) != len(ev.Props) {
				t.Fatalf("accepted %q as %+v, encoding/json reads %v", b, ev, m)
			}
			for _, p := range ev.Props {
				if v, ok := props[p.Key].(string); !ok || v != p.Value || !utf8.ValidString(p.Key) || !utf8.ValidString(p.Value) {
					t.Fatalf("prop %q: accepted %q as %+v, encoding/json reads %v", p.Key, b, ev, m)
				}
			}
		}
		if ev.Kind == KindLeave {
			n, err := m["duration_ms"].(json.Number).Int64()
			if err != nil || time.Duration(n)*time.Millisecond != ev.Duration {
				t.Fatalf("duration %v, encoding/json reads %v", ev.Duration, m["duration_ms"])
			}
		}
	})
}
