package dashboard

import (
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
