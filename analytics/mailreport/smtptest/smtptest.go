// Package smtptest runs a real SMTP server on loopback for tests: Debian's
// python3-aiosmtpd, delivering into a Maildir, started and stopped by its
// PID. Without it a test skips, or fails when CI=true.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is one aiosmtpd on 127.0.0.1:Port.
type Server struct {
	t      testing.TB
	Port   int
	mdir   string
	python string
	cmd    *exec.Cmd
	seen   map[string]bool

	// Args are more aiosmtpd arguments, set before Start: TLS's
	// ("--tlscert", f, "--tlskey", k for STARTTLS; --smtpscert and
	// --smtpskey for TLS from the first byte).
	Args []string
}

// smtpdPython is the Python that has aiosmtpd: SELOSTE_SMTPD_PYTHON, or
// Debian's /usr/bin/python3 (a pyenv python3 first on PATH lacks it).
func smtpdPython(t testing.TB) string {
	py := os.Getenv("SELOSTE_SMTPD_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if err := exec.Command(py, "-c", "import aiosmtpd").Run(); err != nil {
		msg := "no aiosmtpd for " + py + " (apt-get install python3-aiosmtpd, or set SELOSTE_SMTPD_PYTHON): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return py
}

// FreePort is a loopback TCP port nothing listens on now.
func FreePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// New prepares a server on port (FreePort) without starting it, so that a
// test can first see connections refused. It is stopped at cleanup.
func New(t testing.TB, port int) *Server {
	// aiosmtpd makes the Maildir only where no directory is yet.
	s := &Server{t: t, Port: port, mdir: filepath.Join(t.TempDir(), "Maildir"), python: smtpdPython(t), seen: map[string]bool{}}
	t.Cleanup(s.Stop)
	return s
}

// Start starts the server and waits until it listens.
func (s *Server) Start() {
	s.t.Helper()
	args := append([]string{"-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + strconv.Itoa(s.Port)}, s.Args...)
	s.cmd = exec.Command(s.python, append(args, "-c", "aiosmtpd.handlers.Mailbox", s.mdir)...)
	var stderr bytes.Buffer
	s.cmd.Stderr = &stderr
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr(), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("aiosmtpd did not listen on %s: %s", s.addr(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server by its PID and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

func (s *Server) addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// Message is a delivered message, decoded as a mail client would:
// the subject's encoded-words and both parts' quoted-printable.
type Message struct {
	Header      mail.Header
	Raw         string
	Subject     string
	RcptTo      string
	Text, HTML  string
	ContentType string
}

// Next returns the messages delivered since the last call.
func (s *Server) Next() []Message {
	s.t.Helper()
	ents, _ := os.ReadDir(filepath.Join(s.mdir, "new"))
	var out []Message
	for _, e := range ents {
		if s.seen[e.Name()] {
			continue
		}
		s.seen[e.Name()] = true
		b, err := os.ReadFile(filepath.Join(s.mdir, "new", e.Name()))
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, Parse(s.t, b))
	}
	return out
}

// Parse reads b as a multipart/alternative message with a text and an
// HTML part, failing t on anything a mail client would stumble on.
func Parse(t testing.TB, b []byte) Message {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, b)
	}
	r := Message{Header: m.Header, Raw: string(b), RcptTo: m.Header.Get("X-RcptTo")}
	if r.Subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("subject: %v", err)
	}
	for _, h := range []string{"Date", "Message-ID", "From", "To"} {
		if m.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if _, err := m.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	r.ContentType = mt
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(p) // NextPart decodes quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		switch ct := p.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain; charset=utf-8"):
			r.Text = string(body)
		case strings.HasPrefix(ct, "text/html; charset=utf-8"):
			r.HTML = string(body)
		default:
			t.Errorf("unexpected part %q", ct)
		}
	}
	if r.Text == "" || r.HTML == "" {
		t.Fatalf("want a text and an HTML part:\n%s", b)
	}
	return r
}

// SelfSigned writes a certificate and key for localhost and 127.0.0.1 into
// a temporary folder, and returns their files and a pool trusting it.
func SelfSigned(t testing.TB) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
