package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/mailreport/smtptest"
)

// TestReportEmail: seloste report -email sends the summary through the
// configured SMTP server now, to a [[recipient]] named on the command
// line, in their language; with the server down, it says the message
// stays in the spool beside the database.
func TestReportEmail(t *testing.T) {
	db, _ := reportDB(t)
	srv := smtptest.New(t, smtptest.FreePort(t))
	srv.Start()
	conf := filepath.Join(t.TempDir(), "seloste.toml")
	write := func(extra string) {
		t.Helper()
		body := fmt.Sprintf(`[[site]]
domain = "a.example"

[smtp]
host = "127.0.0.1"
port = %d
security = "none"
from = "Seloste <seloste@example.fi>"
%s
[reports]
dashboard_url = "https://tilastot.example.fi/dashboard"

[[recipient]]
name = "Bo"
email = "bo@example.fi"
lang = "sv"
monthly = true
`, srv.Port, extra)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	out, _, err := runCmd(t, "report", "-config", conf, "-db", db, "-email", "Bo", "-period", "month")
	if err != nil {
		t.Fatal(err)
	}
	if out != "sent the monthly report of a.example to bo@example.fi\n" {
		t.Errorf("stdout %q", out)
	}
	got := srv.Next()
	if len(got) != 1 {
		t.Fatalf("%d messages", len(got))
	}
	hel, _ := time.LoadLocation("Europe/Helsinki")
	first := time.Now().In(hel).AddDate(0, 0, -time.Now().In(hel).Day()+1).AddDate(0, -1, 0)
	months := strings.Fields("januari februari mars april maj juni juli augusti september oktober november december")
	wantSubject := fmt.Sprintf("Månadsrapport a.example: %s %d", months[first.Month()-1], first.Year())
	if got[0].Subject != wantSubject || got[0].RcptTo != "bo@example.fi" {
		t.Errorf("subject %q to %q, want %q to bo@example.fi", got[0].Subject, got[0].RcptTo, wantSubject)
	}
	if !strings.Contains(got[0].Text, "https://tilastot.example.fi/dashboard?from=") {
		t.Errorf("no dashboard link:\n%s", got[0].Text)
	}

	// A user of the dashboard with an email address is a recipient too,
	// in their language, for their sites only.
	if _, _, err := runCmd(t, "user", "add", "maija", "-role", "viewer", "-sites", "a.example", "-email", "maija@example.fi", "-lang", "en", "-db", db); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, "report", "-config", conf, "-db", db, "-email", "maija", "-period", "month"); err != nil || out != "sent the monthly report of a.example to maija@example.fi\n" {
		t.Fatalf("to a user: %q, %v", out, err)
	}
	got = srv.Next()
	if len(got) != 1 || got[0].RcptTo != "maija@example.fi" || !strings.HasPrefix(got[0].Subject, "Monthly report a.example") {
		t.Errorf("to a user: %+v", got)
	}

	// The password comes from the environment, never from the file.
	write(`user = "seloste"` + "\npassword_env = \"SELOSTE_TEST_NO_SUCH_VARIABLE\"\n")
	if _, _, err := runCmd(t, "report", "-config", conf, "-db", db, "-email", "Bo"); err == nil || !strings.Contains(err.Error(), "SELOSTE_TEST_NO_SUCH_VARIABLE") {
		t.Errorf("a missing password variable: %v", err)
	}
	write("password = \"in-the-file\"\n")
	if _, _, err := runCmd(t, "report", "-config", conf, "-db", db, "-email", "Bo"); err == nil || strings.Contains(err.Error(), "in-the-file") {
		t.Errorf("a password in the file: %v", err)
	}

	// The server down: the message stays in the spool for serve to send.
	write("")
	srv.Stop()
	_, _, err = runCmd(t, "report", "-config", conf, "-db", db, "-email", "someone@example.fi")
	if err == nil || !strings.Contains(err.Error(), "stays in the spool") {
		t.Fatalf("with the server down: %v", err)
	}
	queued, _ := filepath.Glob(filepath.Join(filepath.Dir(db), "seloste.mail", "queue", "*.eml"))
	if len(queued) != 1 {
		t.Errorf("%d messages in the spool, want 1", len(queued))
	}
}

// TestServeMail: serve with [smtp] starts its mailer, shows the spool in
// /healthz, and refuses to start when the SMTP settings are unsafe.
func TestServeMail(t *testing.T) {
	srv := smtptest.New(t, smtptest.FreePort(t))
	srv.Start()
	dir := t.TempDir()
	conf := func(security string) {
		t.Helper()
		body := fmt.Sprintf(`[[site]]
domain = "example.fi"

[smtp]
host = %q
port = %d
security = "none"
from = "seloste@example.fi"

[[recipient]]
email = "ada@example.fi"
admin = true
`, security, srv.Port)
		if err := os.WriteFile(filepath.Join(dir, "seloste.toml"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	conf("127.0.0.1")
	s := startServeIn(t, dir, "-build-notice=false")
	resp, err := http.Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"mail":{"pending":0,`) {
		t.Errorf("healthz %d %s", resp.StatusCode, body)
	}
	if _, err := os.Stat(filepath.Join(dir, "seloste.mail", "queue")); err != nil {
		t.Errorf("no spool beside the database: %v", err)
	}
	if err := s.stop(t, os.Interrupt); err != nil {
		t.Errorf("stop: %v\n%s", err, s.stderr)
	}

	conf("smtp.example.fi") // plain text to another machine
	cmd := exec.Command(selosteBinary(t), "serve", "-addr", "127.0.0.1:0", "-build-notice=false")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "plain text") {
		t.Errorf("serve with security none to a remote host: %v\n%s", err, out)
	}
}
