package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/notice"
)

// recordConfig is the test's seloste.toml, with its retention.
func recordConfig(retention string) string {
	return `retention = "` + retention + `"
geo_precision = "country"
auto_events = ["downloads"]

[[site]]
domain = "esimerkki.invalid"
consent = "exempt"

[[event]]
name = "tilaus"
props = ["tuote", "maksutapa"]
description_fi = "Tilauslomakkeen lähetys"
description_sv = "Beställningsformuläret skickas"
description_en = "The order form is sent"
`
}

// "seloste notice record" names every field of the registry that the
// configuration stores, in each language, with the configured retention;
// notice check notes a missing record, fails a kept one that drifted from
// the configuration and passes it once generated again.
func TestNoticeRecord(t *testing.T) {
	root := t.TempDir()
	content := filepath.Join(root, "content")
	cfg := filepath.Join(root, "seloste.toml")
	write := func(path, data string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(cfg, recordConfig("2y"))
	events := analytics.EventConfig{
		Events: []analytics.EventDef{{Name: "tilaus", Props: []string{"tuote", "maksutapa"},
			Desc: analytics.Description{FI: "Tilauslomakkeen lähetys", SV: "Beställningsformuläret skickas", EN: "The order form is sent"}}},
		Auto: []string{"downloads"},
	}
	fields := analytics.StatementFields(events)
	_, err := notice.WriteStart(notice.SourceDir(content), notice.Start{
		Controller: notice.Controller{Name: "Esimerkki Oy", Address: "Esimerkkikatu 1, 00100 Helsinki", Email: "tietosuoja@esimerkki.invalid"},
		Sites:      []string{"esimerkki.invalid"},
		Collector:  notice.Collector{Fields: fields, Retention: analytics.Retention{Years: 2}, Configured: true},
		Languages:  []string{"fi", "sv", "en"},
		Date:       notice.Today(time.Now()),
	})
	if err != nil {
		t.Fatal(err)
	}

	retention := map[string]string{"fi": "säilytetään 2 vuotta", "sv": "sparas i 2 år", "en": "kept for 2 years"}
	for _, code := range []string{"fi", "sv", "en"} {
		t.Run(code, func(t *testing.T) {
			out, _, err := runNoticeCmd(t, "record", "-config", cfg, "-content", content, "-lang", code)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fields {
				if l := f.Text(code).Label; !strings.Contains(out, "| "+l+" | "+f.Text(code).What+" |") {
					t.Errorf("the record does not name %s (%s)", f.Name, l)
				}
			}
			for _, want := range []string{retention[code], "tuote", "maksutapa", analytics.EventDownload, "Esimerkki Oy",
				"tietosuoja@esimerkki.invalid", `consent = "exempt"`, `geo_precision = "country"`} {
				if !strings.Contains(out, want) {
					t.Errorf("the record lacks %q", want)
				}
			}
		})
	}

	recordErrors := func(out string) int { return strings.Count(out, ": error: [Art. 30]") }
	out, _, _ := runNoticeCmd(t, "check", "-config", cfg, "-content", content)
	if !strings.Contains(out, ": note: [Art. 30] käsittelytoimien selostetta ei ole tallennettu") || recordErrors(out) != 0 {
		t.Errorf("no record kept: want a note\n%s", out)
	}

	fi := notice.RecordFile(content, "fi", notice.RecordMarkdown)
	en := notice.RecordFile(content, "en", notice.RecordHTML)
	keep := func() {
		t.Helper()
		for _, args := range [][]string{{"-out", fi}, {"-lang", "en", "-out", en}} {
			if _, _, err := runNoticeCmd(t, append([]string{"record", "-config", cfg, "-content", content}, args...)...); err != nil {
				t.Fatal(err)
			}
		}
	}
	keep()
	if page := readFile(t, en); !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(page, "<td>Kept for 2 years</td>") {
		t.Errorf("-out FILE.html is not the printable page:\n%.300s", page)
	}
	if entries, _ := os.ReadDir(filepath.Dir(fi)); len(entries) != 2 {
		t.Errorf("the record folder holds %d files, want the two records only", len(entries))
	}
	out, _, err = runNoticeCmd(t, "check", "-config", cfg, "-content", content)
	if recordErrors(out) != 0 || strings.Contains(out, "[Art. 30] käsittelytoimien selostetta ei ole") {
		t.Errorf("records just generated: err = %v\n%s", err, out)
	}

	// The retention changes: both kept records drifted (the statement too,
	// but that is its own error).
	write(cfg, recordConfig("1y"))
	out, _, err = runNoticeCmd(t, "check", "-config", cfg, "-content", content)
	if !errors.Is(err, errExit1) || recordErrors(out) != 2 ||
		!strings.Contains(out, "seloste notice record -lang fi -out "+fi) || !strings.Contains(out, "seloste notice record -lang en -out "+en) {
		t.Errorf("retention changed: err = %v\n%s", err, out)
	}
	keep()
	if out, _, _ = runNoticeCmd(t, "check", "-config", cfg, "-content", content); recordErrors(out) != 0 {
		t.Errorf("records generated again:\n%s", out)
	}
	if md := readFile(t, fi); !strings.Contains(md, "| Säilytetään vuoden |") {
		t.Errorf("the regenerated record does not state the new retention")
	}

	// notice build publishes the printable pages only when asked.
	public := filepath.Join(root, "public")
	for _, record := range []bool{false, true} {
		args := []string{"build", "-config", cfg, "-content", content, "-out", public}
		if record {
			args = append(args, "-record")
		}
		if out, stderr, err := runNoticeCmd(t, args...); err != nil {
			t.Fatalf("notice build %v: %v\n%s%s", args, err, out, stderr)
		}
		for _, code := range []string{"fi", "sv", "en"} {
			page, err := os.ReadFile(notice.RecordFile(public, code, notice.RecordHTML))
			switch {
			case !record && err == nil:
				t.Errorf("notice build without -record published the %s record", code)
			case record && (err != nil || !strings.Contains(string(page), "Esimerkki Oy")):
				t.Errorf("notice build -record: the %s record: %v", code, err)
			}
		}
	}

	// Without a collector there is nothing to describe.
	if _, _, err := runNoticeCmd(t, "record", "-content", content, "-config", filepath.Join(root, "missing.toml")); err == nil {
		t.Error("record without a configuration: no error")
	}
}
