package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seloste/seloste/notice"
)

// TestNoticeNewSchedule: "notice new" refuses a date after today unless
// -schedule; a scheduled version, once published, passes check, which says
// when it takes effect; a future version without scheduled: true fails it.
func TestNoticeNewSchedule(t *testing.T) {
	content := t.TempDir()
	dir := notice.SourceDir(content)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	first := "---\ntitle: Tietosuojaseloste\nlang: fi\nsummary: Ensimmäinen versio.\n---\n# Tietosuojaseloste\n\nTeksti.\n"
	if err := os.WriteFile(filepath.Join(dir, "2026-12-02.md"), []byte(first), 0o644); err != nil {
		t.Fatal(err)
	}

	_, _, err := runNoticeCmd(t, "new", "-content", content, "-date", "2099-02-01")
	if err == nil || !strings.Contains(err.Error(), "give today's date, or schedule the version with -schedule") {
		t.Fatalf("new -date 2099-02-01 without -schedule: err = %v, want the refusal", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("the refusal left files: %v", entries)
	}

	out, _, err := runNoticeCmd(t, "new", "-content", content, "-date", "2099-02-01", "-schedule")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "2099-02-01.md")
	if !strings.Contains(out, path) || !strings.Contains(out, "takes effect on 2099-02-01") {
		t.Errorf("new -schedule printed:\n%s", out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Publish it as an owner would.
	src := strings.Replace(string(data), "draft: true\n", "", 1)
	src = strings.Replace(src, notice.SummaryPlaceholder, "Säilytysaika muuttuu.", 1)
	if !strings.Contains(src, "scheduled: true\n") {
		t.Fatalf("the new version is not scheduled:\n%s", src)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runNoticeCmd(t, "check", "-content", content)
	if err != nil {
		t.Fatalf("check with a published scheduled version: %v\n%s", err, out)
	}
	for _, want := range []string{
		"voimassa / current: 2026-12-02, ajastettu / scheduled: 2099-02-01 (voimaan / in force from 1.2.2099)",
		path + ": note: ajastettu versio: tulee voimaan 1.2.2099",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check does not say %q:\n%s", want, out)
		}
	}

	// The same text dated in the future without scheduled: true.
	future := filepath.Join(dir, "2099-03-01.md")
	if err := os.WriteFile(future, []byte(strings.Replace(src, "scheduled: true\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runNoticeCmd(t, "check", "-content", content)
	if !errors.Is(err, errExit1) || !strings.Contains(out, future+": error: versio on päivätty tulevaisuuteen") {
		t.Errorf("check with an unscheduled future version: err = %v, want an error naming %s:\n%s", err, future, out)
	}
}
