package collect

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/request"
)

// eventConfig declares what the event tests may store.
var eventConfig = analytics.EventConfig{
	Events: []analytics.EventDef{
		{Name: "Yhteydenotto", Props: []string{"lomake", "aihe"}, Desc: analytics.Description{FI: "Lomake", EN: "Form"}},
		{Name: "Soitto", Desc: analytics.Description{FI: "Puhelinnumeron napsautus", EN: "A click on the phone number"}},
		{Name: "Ei seloste", Desc: analytics.Description{FI: "Ei kuvattu", EN: "Not described"}},
		{Name: "Monta", Props: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, Desc: analytics.Description{FI: "M", EN: "M"}},
	},
	Auto: []string{"outbound"},
}

func event(name, props string) string {
	b := `{"kind":"event","site":"example.fi","url":"https://example.fi/tilaus/","name":` + fmt.Sprintf("%q", name)
	if props != "" {
		b += `,"props":` + props
	}
	return b + `,"pageview":"abc123"}`
}

// TestEventHostileInput sends events that must be refused, after a page
// view of the site from the same browser, and checks the status, that the
// message names the rule without the value, and that nothing was stored.
func TestEventHostileInput(t *testing.T) {
	st := openStore(t)
	c := newCollector(t, st, func(cfg *Config) {
		cfg.Sites = append(cfg.Sites, request.Site{Domain: "other.fi"})
		cfg.Events = eventConfig
		cfg.Undescribed = map[string]string{"Ei seloste": "the published privacy statement does not describe this event"}
	})
	h := handler(c)
	if w := post(h, goodPageView); w.Code != http.StatusAccepted {
		t.Fatalf("page view: %d %s", w.Code, w.Body)
	}
	tooMany := `{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9","j":"10","k":"11"}`
	tests := []struct {
		name, body string
		hdr        []string
		status     int
		rule       string // in the message
		secret     string // never in the message
	}{
		{"undeclared name", event("Salainen", ""), nil, 400, "not declared", "Salainen"},
		{"undeclared prop", event("Yhteydenotto", `{"sahkoposti":"x"}`), nil, 400, "prop not declared", "sahkoposti"},
		{"prop of a built-in other than its own", event(analytics.EventOutbound, `{"url":"https://kela.fi/","lomake":"x"}`), nil, 400, "prop not declared", ""},
		{"too many props", event("Monta", tooMany), nil, 400, "more than 10 props", ""},
		{"name too long", event(strings.Repeat("n", 121), ""), nil, 400, "longer than 120", ""},
		{"prop value too long", event("Yhteydenotto", `{"lomake":"`+strings.Repeat("v", 201)+`"}`), nil, 400, "longer than 200", "vvvv"},
		{"prop key too long", event("Yhteydenotto", `{"`+strings.Repeat("k", 61)+`":"x"}`), nil, 400, "longer than 60", ""},
		{"prop a number", event("Yhteydenotto", `{"lomake":1}`), nil, 400, "props are strings", ""},
		{"prop an object", event("Yhteydenotto", `{"lomake":{"a":"b"}}`), nil, 400, "props are strings", ""},
		{"props an array", event("Yhteydenotto", `["lomake"]`), nil, 400, "want an object of strings", ""},
		{"name a number", `{"kind":"event","site":"example.fi","name":5,"pageview":"abc123"}`, nil, 400, `field "name"`, ""},
		{"no name", `{"kind":"event","site":"example.fi","pageview":"abc123"}`, nil, 400, `missing field "name"`, ""},
		{"no page view", `{"kind":"event","site":"example.fi","name":"Soitto"}`, nil, 400, `missing field "pageview"`, ""},
		{"leave's field", `{"kind":"event","site":"example.fi","name":"Soitto","pageview":"abc123","duration_ms":5}`, nil, 400, "not part of a event", ""},
		{"repeated prop", event("Yhteydenotto", `{"lomake":"a","lomake":"b"}`), nil, 400, "given twice", ""},
		{"email", event("Yhteydenotto", `{"lomake":"matti.meikalainen@example.fi"}`), nil, 400, "email address", "meikalainen"},
		{"email in text", event("Yhteydenotto", `{"aihe":"ota yhteyttä: m@x.fi kiitos"}`), nil, 400, "email address", "m@x.fi"},
		{"phone", event("Yhteydenotto", `{"lomake":"040 123 4567"}`), nil, 400, "phone number", "4567"},
		{"international phone", event("Yhteydenotto", `{"lomake":"+358401234567"}`), nil, 400, "", "358401234567"},
		{"phone with hyphens", event("Yhteydenotto", `{"lomake":"09-876-543"}`), nil, 400, "phone number", "876"},
		{"8 digits", event("Yhteydenotto", `{"lomake":"tilaus 12345678"}`), nil, 400, "8 or more digits", "12345678"},
		{"personal identity code", event("Yhteydenotto", `{"lomake":"131052-308T"}`), nil, 400, "personal identity code", "131052"},
		{"personal identity code, 2000s", event("Yhteydenotto", `{"aihe":"hetu 010101A123N"}`), nil, 400, "personal identity code", "010101"},
		{"not described by the statement", event("Ei seloste", ""), nil, 400, "does not describe", ""},
		{"url of another site", strings.Replace(event("Soitto", ""), "https://example.fi/", "https://evil.example/", 1), nil, 400, "not a page of the site", ""},
		{"page view of another site", strings.Replace(event("Soitto", ""), `"site":"example.fi","url":"https://example.fi/tilaus/"`, `"site":"other.fi"`, 1), []string{"Origin", ""}, 400, "no page view of the site is open", ""},
		{"another browser, no page view", event("Soitto", ""), []string{"User-Agent", firefoxUA}, 400, "no page view of the site is open", ""},
		{"unknown site", strings.Replace(event("Soitto", ""), `"site":"example.fi"`, `"site":"nosuch.fi"`, 1), nil, 403, "unknown site", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := post(h, tc.body, tc.hdr...)
			msg := w.Body.String()
			if w.Code != tc.status || !strings.Contains(msg, tc.rule) {
				t.Errorf("status %d %q, want %d naming %q", w.Code, msg, tc.status, tc.rule)
			}
			if tc.secret != "" && strings.Contains(msg, tc.secret) {
				t.Errorf("the message %q echoes the value", msg)
			}
		})
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM events`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d events stored (%v), want none", n, err)
	}
}

// TestEventStored: declared events with their props are stored with the
// page view's id, props in key order; values that merely hold digits, and
// events without props, are fine.
func TestEventStored(t *testing.T) {
	st := openStore(t)
	c := newCollector(t, st, func(cfg *Config) { cfg.Events = eventConfig })
	h := handler(c)
	if w := post(h, goodPageView); w.Code != http.StatusAccepted {
		t.Fatalf("page view: %d %s", w.Code, w.Body)
	}
	for _, body := range []string{
		event("Yhteydenotto", `{"lomake":"tarjous","aihe":"Tilaus 2026-12-02, tuote 1234567"}`),
		event("Soitto", ""),
		event(analytics.EventOutbound, `{"url":"https://kela.fi/etuudet"}`),
		`{"kind":"event","site":"example.fi","name":"Soitto","props":{},"pageview":"abc123"}`,
	} {
		if w := post(h, body); w.Code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", body, w.Code, w.Body)
		}
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := st.DB().Query(`SELECT site, pageview_id, name, props FROM events ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var site, pv, name, props string
		if err := rows.Scan(&site, &pv, &name, &props); err != nil {
			t.Fatal(err)
		}
		got = append(got, site+" "+pv+" "+name+" "+props)
	}
	want := []string{
		`example.fi abc123 Yhteydenotto {"aihe":"Tilaus 2026-12-02, tuote 1234567","lomake":"tarjous"}`,
		`example.fi abc123 Soitto `,
		`example.fi abc123 Outbound Link: Click {"url":"https://kela.fi/etuudet"}`,
		`example.fi abc123 Soitto `,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("stored\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEventBeforeItsPageView: s.js sends a page view and the events called
// before it loaded at once, on different connections, so the event may
// arrive first. It waits for the page view and is stored with it.
func TestEventBeforeItsPageView(t *testing.T) {
	st := openStore(t)
	c := newCollector(t, st, func(cfg *Config) { cfg.Events = eventConfig })
	h := handler(c)
	code := make(chan int, 1)
	go func() { code <- post(h, event("Soitto", "")).Code }()
	time.Sleep(200 * time.Millisecond) // the event is waiting now
	select {
	case got := <-code:
		t.Fatalf("the event was answered (%d) before its page view came", got)
	default:
	}
	if w := post(h, goodPageView); w.Code != http.StatusAccepted {
		t.Fatalf("page view: %d %s", w.Code, w.Body)
	}
	if got := <-code; got != http.StatusAccepted {
		t.Fatalf("event: %d, want %d", got, http.StatusAccepted)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.DB().QueryRow(`SELECT count(*) FROM events WHERE pageview_id = 'abc123'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d events of the page view stored (%v), want 1", n, err)
	}
}
