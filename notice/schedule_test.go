package notice

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
)

// TestMain runs the package's tests on a fixed day, after every date the
// tests write (their "later" versions are of January 2027): what a test
// sees must not depend on the day it runs. Tests of "today" set their own
// day with onDay.
func TestMain(m *testing.M) {
	clock = func() time.Time { return time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC) }
	os.Exit(m.Run())
}

// onDay sets the clock to the instant at for the test.
func onDay(t *testing.T, at time.Time) {
	t.Helper()
	old := clock
	clock = func() time.Time { return at }
	t.Cleanup(func() { clock = old })
}

// helsinkiMidnight is the instant day d (YYYY-MM-DD) begins in Finland.
func helsinkiMidnight(t *testing.T, d string) time.Time {
	t.Helper()
	day, err := time.ParseInLocation(DateLayout, d, helsinki)
	if err != nil {
		t.Fatal(err)
	}
	return day
}

// statementDir is an empty statement folder under a new content folder.
func statementDir(t *testing.T) (content, dir string) {
	t.Helper()
	content = t.TempDir()
	dir = SourceDir(content)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return content, dir
}

// writeVersion writes one file of a small statement: name such as
// 2026-12-02.md or 2026-12-02.en.md, extra front matter lines (draft: true,
// scheduled: true), and the list of collected data generated for fields.
func writeVersion(t *testing.T, dir, name, extra string, fields []analytics.Field) string {
	t.Helper()
	code := fileLang(name)
	r, err := analytics.ParseRetention("3y")
	if err != nil {
		t.Fatal(err)
	}
	src := "---\ntitle: Tietosuojaseloste\nlang: " + code + "\nsummary: Muutos.\n" + extra + "---\n" +
		"# Tietosuojaseloste\n\nTeksti.\n\n" + ExpandFieldsIn(fields, r, code)
	path := filepath.Join(dir, name)
	writeFile(t, path, src)
	return path
}

// ungated is the registry's fields without those stored only once
// described (scroll depth, hash routes, imported statistics).
func ungated() []analytics.Field {
	var out []analytics.Field
	for _, f := range analytics.Fields {
		if !f.Gated {
			out = append(out, f)
		}
	}
	return out
}

func TestTodayIsAFinnishDay(t *testing.T) {
	for _, c := range []struct {
		now        time.Time
		today      string
		nextDayUTC time.Time
	}{
		// 23:30 UTC on 7 December is 01:30 on 8 December in Helsinki (UTC+2).
		{time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC), "2026-12-08", time.Date(2026, 12, 8, 22, 0, 0, 0, time.UTC)},
		{time.Date(2026, 12, 7, 21, 59, 0, 0, time.UTC), "2026-12-07", time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)},
		// Summer time, UTC+3.
		{time.Date(2027, 6, 1, 10, 0, 0, 0, time.UTC), "2027-06-01", time.Date(2027, 6, 1, 21, 0, 0, 0, time.UTC)},
	} {
		if got := Today(c.now); got.Format(DateLayout) != c.today || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("Today(%s) = %s, want %s at midnight UTC", c.now, got, c.today)
		}
		if got := NextDay(c.now); !got.Equal(c.nextDayUTC) {
			t.Errorf("NextDay(%s) = %s, want %s", c.now, got.UTC(), c.nextDayUTC)
		}
	}
}

// TestFutureVersionRefused: a file dated after today is an error naming it
// and both fixes, unless it is scheduled; on its date it loads.
func TestFutureVersionRefused(t *testing.T) {
	_, dir := statementDir(t)
	writeVersion(t, dir, "2026-12-02.md", "", ungated())
	future := writeVersion(t, dir, "2026-12-08.md", "", ungated())

	_, err := LoadAt(dir, helsinkiMidnight(t, "2026-12-08").Add(-time.Minute))
	var se *SourceError
	if !errors.As(err, &se) || se.File != future {
		t.Fatalf("LoadAt on 7.12.2026 = %v, want a *SourceError about %s", err, future)
	}
	for _, want := range []string{"dated in the future (2026-12-08; today is 2026-12-07 in Finland)", "(2026-12-07.md)", "scheduled: true", "-schedule"} {
		if !strings.Contains(se.En, want) {
			t.Errorf("the error %q does not say %q", se.En, want)
		}
	}
	if !strings.Contains(se.Fi, "päivätty tulevaisuuteen") {
		t.Errorf("the Finnish error %q does not say the date is in the future", se.Fi)
	}

	// check reports it, as an error.
	onDay(t, helsinkiMidnight(t, "2026-12-07"))
	if _, ps := CheckDir(dir); !HasErrors(ps) || ps[0].File != future {
		t.Errorf("CheckDir on 7.12.2026 = %v, want an error about %s", ps, future)
	}

	vs, err := LoadAt(dir, helsinkiMidnight(t, "2026-12-08"))
	if err != nil {
		t.Fatalf("LoadAt on its date: %v", err)
	}
	if cur, _ := Current(vs); cur.Slug() != "2026-12-08" {
		t.Errorf("Current on 8.12.2026 = %s, want 2026-12-08", cur.Slug())
	}

	// A draft dated after today is refused too: publishing it would date
	// the statement in the future.
	writeVersion(t, dir, "2026-12-20.md", "draft: true\n", ungated())
	if _, err := LoadAt(dir, helsinkiMidnight(t, "2026-12-10")); err == nil || !strings.Contains(err.Error(), "2026-12-20.md") {
		t.Errorf("a future draft without scheduled: true: err = %v, want an error naming it", err)
	}
}

// TestScheduledVersion: a published scheduled version is locked and
// listed, but not current in any language until its Finnish day begins.
func TestScheduledVersion(t *testing.T) {
	_, dir := statementDir(t)
	writeVersion(t, dir, "2026-12-02.md", "", ungated())
	writeVersion(t, dir, "2026-12-02.en.md", "", ungated())
	writeVersion(t, dir, "2027-02-01.md", "scheduled: true\n", analytics.Fields)
	writeVersion(t, dir, "2027-02-01.en.md", "scheduled: true\n", analytics.Fields)
	effective := helsinkiMidnight(t, "2027-02-01")

	vs, err := LoadAt(dir, effective.Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if cur, _ := Current(vs); cur.Slug() != "2026-12-02" {
		t.Errorf("Current the evening before = %s, want 2026-12-02", cur.Slug())
	}
	if en, _ := CurrentIn(vs, "en"); en.Slug() != "2026-12-02" {
		t.Errorf("CurrentIn(en) the evening before = %s, want 2026-12-02", en.Slug())
	}
	if p := Pending(vs); len(p) != 1 || p[0].Slug() != "2027-02-01" || !p[0].Scheduled {
		t.Errorf("Pending = %v, want the scheduled 2027-02-01", p)
	}
	// Its text never says it was updated on a day still to come.
	if s := vs[1].Stamp(); s != "Tämä versio tulee voimaan 1.2.2027." {
		t.Errorf("the scheduled version's stamp before its date = %q", s)
	}
	if en, _ := vs[1].Translation("en"); en.Stamp() != "This version takes effect on 1 February 2027." {
		t.Errorf("the scheduled English version's stamp before its date = %q", en.Stamp())
	}
	if n := len(PublishedFiles(vs)); n != 4 {
		t.Errorf("%d published files, want 4: a scheduled version is published (and locked) before its date", n)
	}
	added, err := UpdateLock(dir, vs)
	if err != nil || len(added) != 4 {
		t.Fatalf("UpdateLock = %d files, %v; want all 4 locked", len(added), err)
	}

	vs, err = LoadAt(dir, effective)
	if err != nil {
		t.Fatal(err)
	}
	if cur, _ := Current(vs); cur.Slug() != "2027-02-01" {
		t.Errorf("Current at midnight in Helsinki = %s, want 2027-02-01", cur.Slug())
	}
	if en, _ := CurrentIn(vs, "en"); en.Slug() != "2027-02-01" {
		t.Errorf("CurrentIn(en) on its date = %s, want 2027-02-01", en.Slug())
	}
	if p := Pending(vs); len(p) != 0 {
		t.Errorf("Pending on its date = %v, want none", p)
	}
	if s := vs[1].Stamp(); s != "Seloste on päivitetty viimeksi 1.2.2027." {
		t.Errorf("the stamp on its date = %q", s)
	}
}

// TestNewVersionSchedule: a date after today needs Schedule, which writes
// scheduled: true into every file; Schedule needs a date after today.
func TestNewVersionSchedule(t *testing.T) {
	_, dir := statementDir(t)
	writeVersion(t, dir, "2026-12-02.md", "", ungated())
	writeVersion(t, dir, "2026-12-02.sv.md", "", ungated())
	now := helsinkiMidnight(t, "2026-12-07").Add(10 * time.Hour)
	vs, err := LoadAt(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	feb := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	_, err = NewVersion(dir, vs, feb, NewOptions{Now: now})
	if err == nil || !strings.Contains(err.Error(), "give today's date, or schedule the version with -schedule") {
		t.Errorf("NewVersion 2027-02-01 on 7.12.2026 without Schedule: err = %v, want the refusal naming -schedule", err)
	}
	if _, err := NewVersion(dir, vs, Today(now), NewOptions{Now: now, Schedule: true}); err == nil || !strings.Contains(err.Error(), "must be after today") {
		t.Errorf("NewVersion scheduled for today: err = %v, want a refusal", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("refused NewVersion calls left files: %v", entries)
	}

	paths, err := NewVersion(dir, vs, feb, NewOptions{Now: now, Schedule: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 2 {
		t.Fatalf("wrote %v, want the Finnish and Swedish drafts", paths)
	}
	for _, p := range paths {
		if !strings.Contains(readFile(t, p), "\nscheduled: true\n") {
			t.Errorf("%s lacks scheduled: true", p)
		}
	}
	vs, err = LoadAt(dir, now)
	if err != nil {
		t.Fatalf("the scheduled drafts do not load: %v", err)
	}
	// Once published, a new version must come after it, scheduled too.
	published := vs[len(vs)-1]
	published.Draft = false
	if _, err := NewVersion(dir, append(vs[:len(vs)-1:len(vs)-1], published), Today(now), NewOptions{Now: now}); err == nil || !strings.Contains(err.Error(), "is scheduled to take effect on 2027-02-01") {
		t.Errorf("NewVersion for today after a scheduled version: err = %v, want it to name the scheduled version", err)
	}
	if v := vs[len(vs)-1]; !v.Scheduled || !v.Pending || !v.Draft || !v.Translations[0].Scheduled {
		t.Errorf("the new version: scheduled %v, pending %v, draft %v, translation scheduled %v; want all true",
			v.Scheduled, v.Pending, v.Draft, v.Translations[0].Scheduled)
	}
}

// TestScheduledNotStoredBefore: what only a scheduled version describes is
// not stored before its date (DescribesField, EventsDescribed), and check
// reads the scheduled version and says when it takes effect.
func TestScheduledNotStoredBefore(t *testing.T) {
	content, dir := statementDir(t)
	event := analytics.EventDef{Name: "Yhteydenotto"}
	withEvents := append(append([]analytics.Field{}, analytics.Fields...), analytics.EventsField, analytics.EventField(event))
	writeVersion(t, dir, "2026-12-02.md", "", ungated())
	writeVersion(t, dir, "2027-02-01.md", "scheduled: true\n", withEvents)
	effective := helsinkiMidnight(t, "2027-02-01")
	vs, err := LoadAt(dir, effective.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UpdateLock(dir, vs); err != nil {
		t.Fatal(err)
	}
	scroll, _ := analytics.FieldNamed(analytics.ScrollField)

	onDay(t, effective.Add(-time.Second))
	err = DescribesField(content, scroll)
	if err == nil || !strings.Contains(err.Error(), "the scheduled version "+filepath.Join(dir, "2027-02-01.md")+" describes it and takes effect on 2027-02-01") {
		t.Errorf("DescribesField(scroll) before the date = %v, want a refusal saying the scheduled version takes effect on 2027-02-01", err)
	}
	refused, err := EventsDescribed(content, []analytics.EventDef{event})
	if err != nil || !strings.Contains(refused[event.Name], "the scheduled version 2027-02-01.md describes it and takes effect on 2027-02-01") ||
		strings.Contains(refused[event.Name], dir) {
		t.Errorf("EventsDescribed before the date = %v, %v; want the event refused until 2027-02-01, naming no server folder", refused, err)
	}
	vs, ps := CheckDir(dir)
	var note, read bool
	for _, p := range ps {
		note = note || (p.Severity == SeverityNote && strings.Contains(p.English, "scheduled version: takes effect on 2027-02-01; until then 2026-12-02 stays in force"))
	}
	for _, p := range CheckCollector(vs, Collector{Fields: analytics.Fields, Retention: analytics.Retention{Years: 3}, Configured: true}) {
		read = read || strings.HasSuffix(p.File, "2027-02-01.md")
	}
	for _, p := range Check(vs) {
		read = read || strings.HasSuffix(p.File, "2027-02-01.md")
	}
	if !note || !read {
		t.Errorf("check before the date: says when it takes effect %v, reads the scheduled text %v; want both:\n%v", note, read, ps)
	}

	onDay(t, effective)
	if err := DescribesField(content, scroll); err != nil {
		t.Errorf("DescribesField(scroll) on its date: %v", err)
	}
	if refused, err := EventsDescribed(content, []analytics.EventDef{event}); err != nil || len(refused) != 0 {
		t.Errorf("EventsDescribed on its date = %v, %v; want nothing refused", refused, err)
	}
}
