package notice

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

var testEvents = analytics.EventConfig{
	Events: []analytics.EventDef{{Name: "Yhteydenotto", Props: []string{"lomake"},
		Desc: analytics.Description{FI: "Yhteydenottolomakkeen lähetys", EN: "A contact form was sent"}}},
	Auto: []string{"404"},
}

// publish makes a new version of the statement in dir from c, removes its
// draft mark and records it in the lock, as notice new, editing and build
// do.
func publish(t *testing.T, dir string, date time.Time, c Collector) {
	t.Helper()
	vs, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := NewDraftFields(dir, vs, date, &c)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), "draft: true\n", "", 1)
		s = strings.Replace(s, "KÄÄNNETTÄVÄ / NEEDS TRANSLATION", "", 1)
		s = strings.Replace(s, SummaryPlaceholder, "Tapahtumat", 1)
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if vs, err = Load(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := UpdateLock(dir, vs); err != nil {
		t.Fatal(err)
	}
}

// TestEventsDescribed: the collector refuses declared events until a
// published, locked version lists them, and every event without a
// statement to read; notice check fails on the same drift.
func TestEventsDescribed(t *testing.T) {
	content := t.TempDir()
	dir := filepath.Join(content, Dir)
	if err := os.Rename(copySource(t), dir); err != nil {
		t.Fatal(err)
	}
	declared := testEvents.Declared()
	refused, err := EventsDescribed(content, declared)
	if err != nil {
		t.Fatal(err)
	}
	if len(refused) != 2 || !strings.Contains(refused["Yhteydenotto"], "does not describe") || refused["404"] == "" {
		t.Errorf("before: refused %v, want both events", refused)
	}
	col := Collector{Fields: analytics.StatementFields(testEvents), Retention: analytics.DefaultRetention, Configured: true}
	vs, _ := Load(dir)
	if ps := CheckCollector(vs, col); !HasErrors(ps) || !strings.Contains(problemText(ps), "event:Yhteydenotto") || !strings.Contains(problemText(ps), "event:404") {
		t.Errorf("check before the new version: %s", problemText(ps))
	}

	// A draft describing them is not enough: it is not published.
	vs, _ = Load(dir)
	if _, err := NewDraftFields(dir, vs, time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC), &col); err != nil {
		t.Fatal(err)
	}
	if refused, _ = EventsDescribed(content, declared); len(refused) != 2 {
		t.Errorf("with a draft: refused %v, want both events", refused)
	}
	for _, f := range []string{"2027-01-05.md", "2027-01-05.sv.md", "2027-01-05.en.md"} {
		os.Remove(filepath.Join(dir, f))
	}

	publish(t, dir, time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC), col)
	if refused, err = EventsDescribed(content, declared); err != nil || len(refused) != 0 {
		t.Errorf("published: refused %v (%v), want none", refused, err)
	}
	vs, _ = Load(dir)
	ps := CheckCollector(vs, col)
	if HasErrors(ps) {
		t.Errorf("check after publishing: %s", problemText(ps))
	}
	if !strings.Contains(problemText(ps), "description_sv") {
		t.Errorf("no warning of the missing Swedish description: %s", problemText(ps))
	}

	// An event declared later, or a changed description, is refused again.
	more := testEvents
	more.Events = append(append([]analytics.EventDef(nil), more.Events...), analytics.EventDef{Name: "Soitto", Desc: analytics.Description{FI: "Soitto", EN: "Call"}})
	more.Events[0].Desc.FI = "Muutettu kuvaus"
	refused, _ = EventsDescribed(content, more.Declared())
	if len(refused) != 2 || refused["Soitto"] == "" || refused["Yhteydenotto"] == "" || refused["404"] != "" {
		t.Errorf("changed: refused %v, want Soitto and Yhteydenotto", refused)
	}

	// No statement sources: every event refused, saying how to fix it.
	refused, _ = EventsDescribed(t.TempDir(), declared)
	if !strings.Contains(refused["*"], "content") {
		t.Errorf("without sources: %v", refused)
	}
}

func problemText(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}
