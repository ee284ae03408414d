package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/sqlite"
)

// TestAnnotate adds, lists and deletes notes through the CLI on a real
// database, with the site taken from the configuration file, and checks
// the errors a person would meet.
func TestAnnotate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "seloste.db")
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	pv := analytics.PageView{Time: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Site: "example.fi", Visitor: 1, Visit: 1, ID: "p", Path: "/"}
	if err := s.Append(ctx, analytics.Batch{PageViews: []analytics.PageView{pv}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	one := filepath.Join(dir, "one.toml")
	two := filepath.Join(dir, "two.toml")
	for f, body := range map[string]string{
		one: "db = " + strconv.Quote(db) + "\n[[site]]\ndomain = \"example.fi\"\n",
		two: "db = " + strconv.Quote(db) + "\n[[site]]\ndomain = \"example.fi\"\n[[site]]\ndomain = \"toinen.fi\"\n",
	} {
		if err := os.WriteFile(f, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	annotate := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"annotate"}, args...), &out, &errb)
		return out.String(), err
	}

	if out, err := annotate("-config", one, "-date", "2026-03-01", "uusi", "hinnasto"); err != nil || !strings.Contains(out, "to example.fi on 2026-03-01: uusi hinnasto") {
		t.Fatalf("add: %q, %v", out, err)
	}
	if _, err := annotate("-config", two, "-site", "toinen.fi", "-date", "2026-03-05", "deploy v2"); err != nil {
		t.Fatal(err)
	}
	out, err := annotate("-config", two, "-list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "example.fi  2026-03-01  uusi hinnasto") || !strings.Contains(lines[2], "toinen.fi   2026-03-05  deploy v2") {
		t.Fatalf("list:\n%s", out)
	}
	id := strings.Fields(lines[1])[0]

	// Reports carry the period's notes: CSV and JSON.
	var csvOut, jsonOut, errb bytes.Buffer
	period := []string{"report", "-config", one, "-from", "2026-03-01", "-to", "2026-03-31"}
	if err := run(ctx, append(period, "-format", "csv", "-breakdown", "annotations"), &csvOut, &errb); err != nil {
		t.Fatal(err)
	}
	if want := "day,text,id\n2026-03-01,uusi hinnasto," + id + "\n"; csvOut.String() != want {
		t.Errorf("report CSV of notes:\n%s\nwant\n%s", csvOut.String(), want)
	}
	if err := run(ctx, append(period, "-format", "json"), &jsonOut, &errb); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Annotations []struct{ ID, Day, Text string }
	}
	if err := json.Unmarshal(jsonOut.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Annotations) != 1 || doc.Annotations[0].ID != id || doc.Annotations[0].Day != "2026-03-01" || doc.Annotations[0].Text != "uusi hinnasto" {
		t.Errorf("report JSON's annotations: %+v", doc.Annotations)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-config", two, "-date", "2026-03-01", "x"}, "which site?"},
		{[]string{"-config", two, "-site", "nosuch.fi", "x"}, `-site "nosuch.fi" is not a site of`},
		{[]string{"-config", one, "-date", "1.3.2026", "x"}, `-date "1.3.2026": give the day as YYYY-MM-DD`},
		{[]string{"-config", one, strings.Repeat("a", 201)}, "longer than 200 characters"},
		{[]string{"-config", one, "uusi hinnasto", "-date", "2026-03-01"}, `"-date" comes after the text`},
		{[]string{"-config", one}, "no text"},
		{[]string{"-config", one, "-list", "-delete", id}, "-list takes no"},
		{[]string{"-config", two, "-site", "toinen.fi", "-delete", id}, `toinen.fi has no note "` + id + `"`},
		{[]string{"-config", one, "-db", filepath.Join(dir, "typo.db"), "x"}, "typo.db"},
	} {
		if _, err := annotate(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("annotate %q: %v, want an error with %q", c.args, err, c.want)
		}
	}

	if out, err := annotate("-config", one, "-delete", id); err != nil || !strings.Contains(out, "Deleted note "+id+" of example.fi") {
		t.Fatalf("delete: %q, %v", out, err)
	}
	if out, err := annotate("-config", one, "-list"); err != nil || out != "No notes.\n" {
		t.Errorf("list after delete: %q, %v", out, err)
	}
}
