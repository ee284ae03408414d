package dashboard

import (
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/seloste/seloste/analytics"
)

// keyUses find the message keys the pages name literally: T("key") and
// Tf("key", …) in Go and templates, fail(…, "key") and badParam("key").
var keyUses = []*regexp.Regexp{
	regexp.MustCompile(`\bTf?\("([^"]+)"`),
	regexp.MustCompile(`\bTf? "([^"]+)"`),
	regexp.MustCompile(`\bfail\(w, r, [^,]+, "([^"]+)"`),
	regexp.MustCompile(`\bbadParam\("([^"]+)"`),
	regexp.MustCompile(`return http\.Status\w+, "([^"]+)"`),
}

// TestMessagesComplete: every message of the dashboard, login and share
// pages, errors included, has its Finnish, Swedish and English text, and
// none is empty.
func TestMessagesComplete(t *testing.T) {
	langs := []string{"fi", "sv", "en"}
	if len(messages) != len(langs) {
		t.Errorf("messages has %d languages, want fi, sv and en", len(messages))
	}
	need := map[string]string{} // key → where it is used
	for _, lang := range langs {
		for k := range messages[lang] {
			need[k] = "messages[" + lang + "]"
		}
	}
	files, _ := filepath.Glob("*.go")
	tmpl, _ := filepath.Glob("templates/*.html")
	for _, name := range append(files, tmpl...) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range keyUses {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				if !strings.HasSuffix(m[1], ".") { // a prefix: the names below
					need[m[1]] = name
				}
			}
		}
	}
	// Keys made from a name: one per dimension, period, card, channel and
	// device.
	for _, d := range analytics.Dimensions {
		need["dim."+string(d)], need["one."+string(d)] = "analytics.Dimensions", "analytics.Dimensions"
	}
	for _, p := range append(slices.Clone(periods), "custom") {
		need["period."+p] = "periods"
	}
	for _, c := range []string{"visitors", "visits", "pageviews", "vpv", "bounce", "duration", "timeonpage", "bots"} {
		need["total."+c] = "cards"
	}
	for _, c := range analytics.Channels {
		need["channel."+c] = "analytics.Channels"
	}
	for _, d := range []string{analytics.DeviceDesktop, analytics.DeviceMobile, analytics.DeviceTablet} {
		need["device."+d] = "devices"
	}
	for _, part := range []string{"goals", "events", "props", "funnels"} {
		need["dim."+part] = "event panels"
	}
	if len(need) < 100 {
		t.Fatalf("found only %d message keys: the search for them is broken", len(need))
	}
	for k, where := range need {
		for _, lang := range langs {
			if s, ok := messages[lang][k]; !ok || strings.TrimSpace(s) == "" {
				t.Errorf("message %q (used in %s) has no %s text", k, where, lang)
			}
		}
	}
}

// TestMessageArguments: a message's languages take the same arguments, so
// that no language shows "%!d(string=…)" or drops a number another shows.
func TestMessageArguments(t *testing.T) {
	verbs := regexp.MustCompile(`%(\[\d\])?[-+# 0]*\d*(\.\d+)?[sdqv]`)
	for k, fi := range messages["fi"] {
		for _, lang := range []string{"sv", "en"} {
			other, ok := messages[lang][k]
			if !ok {
				continue // TestMessagesComplete reports it
			}
			a, b := verbs.FindAllString(fi, -1), verbs.FindAllString(other, -1)
			indexed := strings.Contains(fi, "%[") || strings.Contains(other, "%[") || len(a) == 0 || len(b) == 0
			if !indexed && !slices.Equal(a, b) {
				t.Errorf("message %q: fi takes %v, %s takes %v", k, a, lang, b)
			}
		}
	}
	// A language may leave an argument out: the rest still reads right.
	if got := locale("fi").Tf("err.period", "viikko", analytics.PeriodHelp); strings.Contains(got, "%!") || !strings.Contains(got, `"viikko"`) {
		t.Errorf("err.period in Finnish: %q", got)
	}
	if got := locale("fi").Tf("err.date", "from", "bad"); strings.Contains(got, "%!") {
		t.Errorf("err.date in Finnish: %q", got)
	}
}

// TestNumberFormats: one percent format per language, with one decimal
// everywhere, so that "31 %" never stands beside "67,2 %".
func TestNumberFormats(t *testing.T) {
	for _, c := range []struct {
		l          locale
		f          float64
		pct, dec1  string
		int        int64
		intWant    string
		dur        float64
		durWant    string
		decWant    string
		decInput   float64
		pctMissing string
	}{
		{"fi", 0.31, "31,0\u00a0%", "31,0", 12345, "12\u00a0345", 65, "1\u00a0min 5\u00a0s", "2,5", 2.5, "–"},
		{"sv", 0.672, "67,2\u00a0%", "67,2", 1000, "1\u00a0000", 5, "5\u00a0s", "2", 2, "–"},
		{"en", 0.31, "31.0%", "31.0", 12345, "12,345", 3700, "1\u00a0h 1\u00a0min", "2.5", 2.5, "–"},
	} {
		if got := c.l.Pct(c.f); got != c.pct {
			t.Errorf("%s: Pct(%g) = %q, want %q", c.l, c.f, got, c.pct)
		}
		if got := c.l.Dec1(c.f * 100); got != c.dec1 {
			t.Errorf("%s: Dec1 = %q, want %q", c.l, got, c.dec1)
		}
		if got := c.l.Int(c.int); got != c.intWant {
			t.Errorf("%s: Int = %q, want %q", c.l, got, c.intWant)
		}
		if got := c.l.Dur(c.dur); got != c.durWant {
			t.Errorf("%s: Dur = %q, want %q", c.l, got, c.durWant)
		}
		if got := c.l.Dec(c.decInput); got != c.decWant {
			t.Errorf("%s: Dec = %q, want %q", c.l, got, c.decWant)
		}
	}
}

// TestWithLang: the language chosen on the login page goes on to the page
// after it, unless that page names its own.
func TestWithLang(t *testing.T) {
	for _, c := range []struct{ next, lang, want string }{
		{"/dashboard", "sv", "/dashboard?lang=sv"},
		{"/dashboard?site=example.fi&period=7d", "en", "/dashboard?lang=en&period=7d&site=example.fi"},
		{"/dashboard?lang=fi", "sv", "/dashboard?lang=fi"},
		{"/dashboard", "", "/dashboard"},
	} {
		if got := withLang(c.next, c.lang); got != c.want {
			t.Errorf("withLang(%q, %q) = %q, want %q", c.next, c.lang, got, c.want)
		}
	}
}

// TestErrorsInThePagesLanguage: a bad site, a bad date and a refused form
// are told in the page's language on the dashboard, the CSV download and
// the share form, and in English in the API.
func TestErrorsInThePagesLanguage(t *testing.T) {
	f := newFixture(t)
	_, c := f.login(t, testPassword, "192.0.2.1")
	if c == nil {
		t.Fatal("no session")
	}
	page := f.get("/dashboard?period=7d", c).Body.String()
	csrf := csrfRE.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("no CSRF token on the dashboard")
	}
	want := map[string][]string{
		"fi": {"Tuntematon sivusto &#34;nope.fi&#34;", "Päivämäärä ei kelpaa", "Tuntematon sivusto \"nope.fi\"", "Tuntematon toiminto"},
		"sv": {"Okänd webbplats &#34;nope.fi&#34;", "Datumet är ogiltigt", "Okänd webbplats \"nope.fi\"", "Okänd åtgärd"},
		"en": {"unknown site &#34;nope.fi&#34;", "parameter from:", "unknown site \"nope.fi\"", "action must be create or delete"},
	}
	for lang, w := range want {
		if got := f.get("/dashboard?site=nope.fi&lang="+lang, c); got.Code != 400 || !strings.Contains(got.Body.String(), w[0]) {
			t.Errorf("%s: unknown site on the dashboard: %d, lacks %q", lang, got.Code, w[0])
		}
		if got := f.get("/dashboard?from=2026-13-45&to=2026-11-01&lang="+lang, c); got.Code != 400 || !strings.Contains(got.Body.String(), w[1]) {
			t.Errorf("%s: bad date on the dashboard: %d, lacks %q", lang, got.Code, w[1])
		}
		if got := f.get("/dashboard/export.csv?breakdown=page&site=nope.fi&lang="+lang, c); got.Code != 400 || !strings.Contains(got.Body.String(), w[2]) {
			t.Errorf("%s: unknown site in the CSV download: %d %q, want %q", lang, got.Code, got.Body, w[2])
		}
		r := httptest.NewRequest("POST", "/dashboard/share", strings.NewReader(url.Values{
			"csrf": {csrf[1]}, "site": {"example.fi"}, "action": {"poista"}, "lang": {lang}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(c)
		if got := f.do(r); got.Code != 400 || !strings.Contains(got.Body.String(), w[3]) || got.Header().Get("Content-Language") != lang {
			t.Errorf("%s: bad share action: %d %q (%s), want %q", lang, got.Code, got.Body, got.Header().Get("Content-Language"), w[3])
		}
	}
	// The API speaks English, whatever the browser prefers.
	r := httptest.NewRequest("GET", "/api/stats?site=nope.fi&lang=fi", nil)
	r.Header.Set("Authorization", "Bearer "+f.token)
	if got := f.do(r); got.Code != 400 || !strings.Contains(got.Body.String(), `unknown site \"nope.fi\"`) {
		t.Errorf("API: %d %s", got.Code, got.Body)
	}
}
