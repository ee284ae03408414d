package notice

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// TestAdviceNamesTheFileToPublish is issue 25's loop: the Finnish version
// of a new date is published, its English translation is a draft, and the
// English text in force (of the older date) does not describe imported
// statistics. Every message must say to publish the English draft, never
// "seloste notice new", which refuses to start a version there.
func TestAdviceNamesTheFileToPublish(t *testing.T) {
	content, dir := statementDir(t)
	writeVersion(t, dir, "2026-12-02.md", "", ungated())
	oldEn := writeVersion(t, dir, "2026-12-02.en.md", "", ungated())
	writeVersion(t, dir, "2026-12-08.md", "", analytics.Fields)
	draftEn := writeVersion(t, dir, "2026-12-08.en.md", "draft: true\n", analytics.Fields)
	onDay(t, helsinkiMidnight(t, "2026-12-08").Add(12*time.Hour))
	vs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UpdateLock(dir, vs); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDraft(dir, vs, Today(clock())); err == nil {
		t.Fatal("notice new started a version on the newest version's date; the test's premise is gone")
	}
	imported, _ := analytics.FieldNamed(analytics.ImportedField)

	want := "translate " + draftEn + " and publish it (remove draft: true)"
	err = DescribesField(content, imported)
	if err == nil || !strings.Contains(err.Error(), oldEn+" does not describe imported statistics") ||
		!strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "notice new") {
		t.Errorf("DescribesField(imported) = %v\nwant it to name %s and say %q, without notice new", err, oldEn, want)
	}

	var warned int
	for _, p := range CheckCollector(vs, Collector{Fields: analytics.Fields, Retention: analytics.Retention{Years: 3}, Configured: true}) {
		if p.File != oldEn {
			continue
		}
		warned++
		if !strings.Contains(p.English, want) || strings.Contains(p.English, "notice new") ||
			!strings.Contains(p.Message, "käännä "+draftEn+" ja julkaise se (poista rivi draft: true)") {
			t.Errorf("check's finding on %s does not name the draft to publish:\n%s", oldEn, p)
		}
	}
	if warned == 0 {
		t.Errorf("check says nothing about %s, which does not describe the gated fields", oldEn)
	}
}

// TestAdviceCases: the advice for each state of the newer version.
func TestAdviceCases(t *testing.T) {
	_, dir := statementDir(t)
	fi := func(name string) string { return filepath.Join(dir, name) }
	old := Version{Date: date("2026-12-02"), File: fi("2026-12-02.en.md"), Lang: "en"}
	always := func(Version) bool { return true }
	newer := func(draft, translated, pending bool) []Version {
		v := Version{Date: date("2026-12-08"), File: fi("2026-12-08.md"), Lang: Finnish, Draft: draft, Pending: pending}
		if translated {
			v.Translations = []Version{{Date: v.Date, File: fi("2026-12-08.en.md"), Lang: "en", Draft: true, Pending: pending}}
		}
		return []Version{{Date: old.Date, File: fi("2026-12-02.md"), Lang: Finnish, Translations: []Version{old}}, v}
	}
	for _, c := range []struct {
		name string
		vs   []Version
		v    Version
		want string
	}{
		{"no newer version", newer(false, false, false)[:1], old, "run seloste notice new"},
		{"newer English draft", newer(false, true, false), old, "translate " + fi("2026-12-08.en.md") + " and publish it (remove draft: true)"},
		{"no English translation", newer(false, false, false), old, "add and publish " + fi("2026-12-08.en.md") + ", the translation of " + fi("2026-12-08.md")},
		{"Finnish draft too", newer(true, true, false), old, "(publish the Finnish " + fi("2026-12-08.md") + " too)"},
		{"Finnish draft", newer(true, false, false), newer(true, false, false)[0], "finish " + fi("2026-12-08.md") + " and publish it (remove draft: true)"},
	} {
		a := Fix(c.vs, c.v, always)
		if !strings.Contains(a.En, c.want) || a.Fi == "" {
			t.Errorf("%s: Fix = %q, want it to say %q", c.name, a.En, c.want)
		}
		if c.name != "no newer version" && strings.Contains(a.En, "notice new") {
			t.Errorf("%s: Fix advises notice new, which refuses while a newer version exists: %q", c.name, a.En)
		}
	}
	if a := Fix(newer(false, true, false), old, func(Version) bool { return false }); !strings.Contains(a.En, "it does not describe this yet") {
		t.Errorf("a draft that does not describe it either: Fix = %q, want it to say so", a.En)
	}
}
