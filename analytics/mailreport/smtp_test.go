package mailreport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/seloste/seloste/analytics/mailreport/smtptest"
)

// TestSMTPSecurity delivers over STARTTLS and over TLS from the first
// byte to aiosmtpd with a certificate the client trusts, and refuses to
// go on in plain text when STARTTLS is not offered or the certificate is
// not trusted.
func TestSMTPSecurity(t *testing.T) {
	cert, key, pool := smtptest.SelfSigned(t)
	msg := Message{To: "anna@example.fi", Subject: "Hälytys", Text: "ä", HTML: "<p>ä</p>"}
	b, err := msg.Encode("seloste@example.fi", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	send := func(sec Security, port int, pool *x509.CertPool) error {
		c := SMTPConfig{Host: "localhost", Port: port, Security: sec, From: "seloste@example.fi", Timeout: 5 * time.Second}
		if pool != nil {
			c.TLSConfig = &tls.Config{RootCAs: pool}
		}
		s, err := NewSMTP(c)
		if err != nil {
			t.Fatal(err)
		}
		return s.Send(ctx, []string{"anna@example.fi"}, b)
	}
	starttls := smtptest.New(t, smtptest.FreePort(t))
	starttls.Args = []string{"--tlscert", cert, "--tlskey", key}
	starttls.Start()
	if err := send(StartTLS, starttls.Port, pool); err != nil {
		t.Fatalf("starttls: %v", err)
	}
	if got := starttls.Next(); len(got) != 1 || got[0].Subject != "Hälytys" || got[0].Text != "ä" {
		t.Errorf("starttls: received %+v", got)
	}
	if err := send(StartTLS, starttls.Port, nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("starttls to an untrusted certificate: %v", err)
	}

	smtps := smtptest.New(t, smtptest.FreePort(t))
	smtps.Args = []string{"--smtpscert", cert, "--smtpskey", key}
	smtps.Start()
	if err := send(TLS, smtps.Port, pool); err != nil {
		t.Fatalf("tls: %v", err)
	}
	if got := smtps.Next(); len(got) != 1 {
		t.Errorf("tls: %d messages", len(got))
	}

	plain := smtptest.New(t, smtptest.FreePort(t))
	plain.Start()
	if err := send(StartTLS, plain.Port, pool); err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Errorf("starttls to a server without it: %v", err)
	}
	if got := plain.Next(); len(got) != 0 {
		t.Errorf("sent in plain text: %d messages", len(got))
	}
}

// TestSMTPConfigChecks: plain text only to this machine, and the password
// from exactly one place.
func TestSMTPConfigChecks(t *testing.T) {
	if _, err := NewSMTP(SMTPConfig{Host: "smtp.example.fi", Security: None, From: "a@example.fi"}); err == nil || !strings.Contains(err.Error(), "plain text") {
		t.Errorf("none to a remote host: %v", err)
	}
	s, err := NewSMTP(SMTPConfig{Host: "smtp.example.fi", From: "a@example.fi"})
	if err != nil || s.cfg.Security != StartTLS || s.cfg.Port != 587 {
		t.Errorf("defaults: %+v %v", s, err)
	}
	if _, err := ReadPassword("f", "E"); err == nil {
		t.Error("a password file and a variable both given")
	}
	t.Setenv("SELOSTE_TEST_SMTP_PW", "sekret")
	if pw, err := ReadPassword("", "SELOSTE_TEST_SMTP_PW"); err != nil || pw != "sekret" {
		t.Errorf("from the environment: %q %v", pw, err)
	}
}
