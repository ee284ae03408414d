package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/notice"
)

// statementWithImported is a copy of the committed statement with a new
// version (2026-12-03, every language) made by seloste notice new (with
// newArgs) and published: its generated list describes imported
// statistics.
func statementWithImported(t testing.TB, newArgs ...string) string {
	t.Helper()
	content, dir := statementCopy(t)
	if out, errOut, err := runNoticeCmd(t, append([]string{"new", "-content", content, "-date", "2026-12-03"}, newArgs...)...); err != nil {
		t.Fatalf("notice new: %v\n%s%s", err, out, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "2026-12-03*.md"))
	if len(files) != 3 {
		t.Fatalf("notice new wrote %v", files)
	}
	marker := regexp.MustCompile(`(?m)^.*` + regexp.QuoteMeta(notice.TranslationMarker) + `.*\n`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(b), "draft: true\n", "", 1)
		s = marker.ReplaceAllString(s, "")
		s = strings.Replace(s, notice.SummaryPlaceholder, "Tuodut tilastot.", 1)
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return content
}

// TestImportPlausibleCommand: export a site's collected days, import them
// as another site's history, list, report with and without them, import
// again (replaced), delete; and a statement that does not describe
// imported statistics stops the import, saying what to do.
func TestImportPlausibleCommand(t *testing.T) {
	db, _ := reportDB(t)
	out := filepath.Join(t.TempDir(), "export.zip")
	stdout, stderr, err := runCmd(t, "export", "-db", db, "-site", "a.example", "-out", out, "-from", "2026-03-24", "-to", "2026-04-02")
	if err != nil || !strings.Contains(stdout, "10 files") || !strings.Contains(stdout, ": 2026-03-24 to 2026-04-02, ") {
		t.Fatalf("export: %v\n%s%s", err, stdout, stderr)
	}
	// Without -to: up to today, as far as it has gone, and said so.
	today := helsinkiToday(t)
	stdout, stderr, err = runCmd(t, "export", "-db", db, "-site", "a.example", "-out", filepath.Join(t.TempDir(), "x.zip"))
	if err != nil || !strings.Contains(stdout, ": 2026-03-24 to "+today+" (today until ") {
		t.Fatalf("export without -to: %v\n%s%s", err, stdout, stderr)
	}

	_, _, err = runCmd(t, "import", "plausible", "-db", db, "-site", "old.example", "-content", statementCopyContent(t), out)
	if err == nil || !strings.Contains(err.Error(), "does not describe imported statistics") || !strings.Contains(err.Error(), "seloste notice new") {
		t.Fatalf("import under a statement without imported statistics: %v", err)
	}
	content := statementWithImported(t)
	stdout, stderr, err = runCmd(t, "import", "plausible", "-db", db, "-site", "old.example", "-content", content, out)
	if err != nil || !strings.Contains(stdout, "as import 1: 10 days (2026-03-24 to 2026-04-02)") {
		t.Fatalf("import: %v\n%s%s", err, stdout, stderr)
	}
	stdout, _, err = runCmd(t, "import", "list", "-db", db, "-site", "old.example")
	if err != nil || !strings.Contains(stdout, "plausible") || !strings.Contains(stdout, "2026-03-24") {
		t.Fatalf("list: %v\n%s", err, stdout)
	}
	report := func(args ...string) (doc struct {
		Totals   struct{ PageViews int64 }
		Imported struct{ Included bool }
	}) {
		t.Helper()
		stdout, stderr, err := runCmd(t, append([]string{"report", "-db", db, "-site", "old.example", "-from", "2026-03-24", "-to", "2026-04-02", "-format", "json"}, args...)...)
		if err != nil {
			t.Fatalf("report: %v\n%s", err, stderr)
		}
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	with, without := report(), report("-imported=false")
	if !with.Imported.Included || with.Totals.PageViews == 0 || without.Imported.Included || without.Totals.PageViews != 0 {
		t.Errorf("report with imported data %+v, without %+v", with, without)
	}
	stdout, _, err = runCmd(t, "import", "plausible", "-db", db, "-site", "old.example", "-content", content, out)
	if err != nil || !strings.Contains(stdout, "replaces import 1") {
		t.Errorf("import again: %v\n%s", err, stdout)
	}
	if _, _, err := runCmd(t, "import", "delete", "-db", db, "-site", "old.example", "1"); err == nil || !strings.Contains(err.Error(), "has no import 1") {
		t.Errorf("deleting the replaced import: %v", err)
	}
	if stdout, _, err := runCmd(t, "import", "delete", "-db", db, "-site", "old.example", "2"); err != nil || !strings.Contains(stdout, "Deleted import 2") {
		t.Errorf("delete: %v %s", err, stdout)
	}
	if stdout, _, _ := runCmd(t, "import", "list", "-db", db, "-site", "old.example"); !strings.Contains(stdout, "No imports") {
		t.Errorf("list after delete: %s", stdout)
	}
}

func statementCopyContent(t *testing.T) string {
	content, _ := statementCopy(t)
	return content
}

// TestImportGoatCounterEvents: an event row whose name -config declares
// is still skipped while the published statement does not describe the
// event, as the collector would refuse it. (Stored events are tested in
// analytics/imports/goatcounter: a statement describing them would have
// to be dated today to be the current one.)
func TestImportGoatCounterEvents(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "seloste.toml")
	if err := os.WriteFile(cfg, []byte("[[event]]\nname = \"download-click\"\ndescription_fi = \"Latauslinkkiä napsautettiin\"\n"+
		"description_en = \"A download link was clicked\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "seloste.db")
	want := "9 page views, 0 events, 1 bot hits; 1 event rows skipped (not declared in the configuration or not described"
	stdout, stderr, err := runCmd(t, "import", "goatcounter", "-db", db, "-site", "example.fi", "-content", statementWithImported(t), "-config", cfg,
		"../../analytics/imports/goatcounter/testdata/export-v2.csv")
	if err != nil || !strings.Contains(stdout, want) {
		t.Fatalf("import: %v, want %q in\n%s%s", err, want, stdout, stderr)
	}
}

// TestImportGoatCounterCommand: the documented fixture through the
// command, listed, reported, deleted.
func TestImportGoatCounterCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "seloste.db")
	content := statementWithImported(t)
	stdout, stderr, err := runCmd(t, "import", "goatcounter", "-db", db, "-site", "example.fi", "-content", content, "-retention", "1y",
		"../../analytics/imports/goatcounter/testdata/export-v2.csv")
	if err != nil || !strings.Contains(stdout, "9 page views, 0 events, 1 bot hits; 1 event rows skipped") || !strings.Contains(stdout, "the next purge deletes them") {
		t.Fatalf("import: %v\n%s%s", err, stdout, stderr)
	}
	stdout, _, err = runCmd(t, "report", "-db", db, "-site", "example.fi", "-from", "2025-06-01", "-to", "2025-06-02", "-zone", "UTC")
	if err != nil || !strings.Contains(stdout, "Page views") {
		t.Fatalf("report: %v\n%s", err, stdout)
	}
	if stdout, _, _ := runCmd(t, "import", "list", "-db", db, "-site", "example.fi"); !strings.Contains(stdout, "goatcounter") {
		t.Errorf("list: %s", stdout)
	}
	if _, _, err := runCmd(t, "import", "delete", "-db", db, "-site", "example.fi", "1"); err != nil {
		t.Fatal(err)
	}
}

// TestImportGoatCounterRollupSaid: a report rolls up the imported days
// and says so with its progress; the next report has nothing to roll up
// and says nothing; importing the same file again prints no roll-up, and
// the report after it says the roll-up it really runs (replacing rolled-up
// page views drops the rollups: every day is rolled up again).
func TestImportGoatCounterRollupSaid(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	content := statementWithImported(t)
	var csv strings.Builder
	csv.WriteString("2Path,Title,Event,UserAgent,Browser,System,Session,Bot,Referrer,Referrer scheme,Screen size,Location,FirstVisit,Date\n")
	first := time.Now().UTC().AddDate(0, 0, -60)
	for d := range 40 {
		fmt.Fprintf(&csv, "/,,false,,Firefox 133,Linux,s%d,0,,,,FI,true,%s\n", d, first.AddDate(0, 0, d).Format(time.RFC3339))
	}
	export := filepath.Join(dir, "export.csv")
	if err := os.WriteFile(export, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	said := regexp.MustCompile(`seloste: rolling up (\d+) days for fast reports \(UTC\)\.\.\.\n(seloste: rollups \(UTC\): \d+ of \d+ days\n)+`)
	importIt := func() {
		t.Helper()
		stdout, stderr, err := runCmd(t, "import", "goatcounter", "-db", db, "-site", "example.fi", "-content", content, export)
		if err != nil || !strings.Contains(stdout, "40 page views") || strings.Contains(stderr, "rolling up") {
			t.Fatalf("import: %v\n%s%s", err, stdout, stderr)
		}
	}
	report := func() string {
		t.Helper()
		stdout, stderr, err := runCmd(t, "report", "-db", db, "-site", "example.fi", "-zone", "UTC", "-from", first.Format(time.DateOnly))
		if err != nil || !strings.Contains(stdout, "Page views") {
			t.Fatalf("report: %v\n%s%s", err, stdout, stderr)
		}
		return stderr
	}
	importIt()
	if stderr := report(); !said.MatchString(stderr) {
		t.Errorf("the first report's roll-up said:\n%s", stderr)
	}
	if stderr := report(); strings.Contains(stderr, "rolling up") {
		t.Errorf("nothing to roll up, yet the report said:\n%s", stderr)
	}
	importIt()
	if stderr := report(); !said.MatchString(stderr) {
		t.Errorf("after importing again, the report's roll-up said:\n%s", stderr)
	}
}
