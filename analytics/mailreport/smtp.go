package mailreport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"os"
	"strconv"
	"strings"
	"time"
)

// Security is how the connection to the SMTP server is protected.
type Security string

const (
	// StartTLS connects in plain text and upgrades with STARTTLS before
	// anything else is said (port 587). The upgrade is required.
	StartTLS Security = "starttls"
	// TLS speaks TLS from the first byte (port 465).
	TLS Security = "tls"
	// None sends in plain text: allowed only to a server on loopback
	// (a local relay such as Postfix on the same machine).
	None Security = "none"
)

// SMTPConfig is the [smtp] table of the configuration.
type SMTPConfig struct {
	Host     string
	Port     int // 0: 587 with starttls, 465 with tls, 25 with none
	Security Security
	User     string // empty: no authentication
	Password string // read by ReadPassword, never from the TOML itself
	From     string // the From address, e.g. "Seloste <seloste@example.fi>"
	// Timeout bounds one delivery, connection to QUIT; 0 means 30 s.
	Timeout time.Duration
	// RootCAs, if set, are the certificates trusted for TLS (tests).
	TLSConfig *tls.Config
}

// ReadPassword returns the SMTP password from a file (its first line) or an
// environment variable; at most one may be given, and none means no
// password. The error never holds the password.
func ReadPassword(file, env string) (string, error) {
	switch {
	case file != "" && env != "":
		return "", errors.New("smtp: give the password by password_file or password_env, not both")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("smtp: password file: %w", err)
		}
		pw, _, _ := strings.Cut(string(b), "\n")
		pw = strings.TrimRight(pw, "\r")
		if pw == "" {
			return "", fmt.Errorf("smtp: password file %s is empty", file)
		}
		return pw, nil
	case env != "":
		pw, ok := os.LookupEnv(env)
		if !ok || pw == "" {
			return "", fmt.Errorf("smtp: the environment variable %s (password_env) is not set", env)
		}
		return pw, nil
	}
	return "", nil
}

// Check fills in the defaults and checks the configuration.
func (c SMTPConfig) Check() (SMTPConfig, error) {
	if c.Host == "" {
		return c, errors.New("smtp: no host: set host in [smtp]")
	}
	switch c.Security {
	case "":
		c.Security = StartTLS
	case StartTLS, TLS, None:
	default:
		return c, fmt.Errorf("smtp: security %q: use starttls, tls or none", c.Security)
	}
	if c.Port == 0 {
		c.Port = map[Security]int{StartTLS: 587, TLS: 465, None: 25}[c.Security]
	}
	if c.Port < 1 || c.Port > 65535 {
		return c, fmt.Errorf("smtp: port %d is not a TCP port", c.Port)
	}
	if c.Security == None && !loopback(c.Host) {
		return c, fmt.Errorf("smtp: security none sends the password and the reports in plain text: allowed only to a server on this machine (localhost, 127.0.0.1, ::1), not %s; use starttls or tls", c.Host)
	}
	if c.From == "" {
		return c, errors.New("smtp: no from address: set from in [smtp]")
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		return c, fmt.Errorf("smtp: from %q is not an address: %v", c.From, err)
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	return c, nil
}

// heloName is the name this client greets with: the machine's own when it
// is a full domain name, else the From address's domain (servers refuse
// a bare "localhost" more often than a domain they know).
func heloName(from string) string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") {
		return h
	}
	if a, err := mail.ParseAddress(from); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			return d
		}
	}
	return "localhost"
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Sender delivers one encoded message to its recipients.
type Sender interface {
	Send(ctx context.Context, to []string, msg []byte) error
}

// SMTP is a Sender speaking to the configured server with net/smtp.
type SMTP struct{ cfg SMTPConfig }

// NewSMTP checks cfg and returns its sender.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	cfg, err := cfg.Check()
	if err != nil {
		return nil, err
	}
	return &SMTP{cfg: cfg}, nil
}

// Send delivers msg to the addresses in to. Errors name the server and the
// step that failed, never the password or the message.
func (s *SMTP) Send(ctx context.Context, to []string, msg []byte) (err error) {
	c := s.cfg
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	tlsConf := c.TLSConfig.Clone()
	if tlsConf == nil {
		tlsConf = &tls.Config{}
	}
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = c.Host
	}
	var conn net.Conn
	d := net.Dialer{}
	if c.Security == TLS {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConf}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: greeting: %w", addr, err)
	}
	defer cl.Close()
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("smtp %s: %s: %w", addr, what, err)
		}
		return nil
	}
	if err := step("hello", cl.Hello(heloName(c.From))); err != nil {
		return err
	}
	if c.Security == StartTLS {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return fmt.Errorf("smtp %s: the server does not offer STARTTLS; use security = \"tls\" if it speaks TLS at once", addr)
		}
		if err := step("starttls", cl.StartTLS(tlsConf)); err != nil {
			return err
		}
	}
	if c.User != "" {
		// net/smtp's PlainAuth refuses to send over plain text except to
		// localhost, which Check already restricts None to.
		if err := step("login as "+c.User, cl.Auth(smtp.PlainAuth("", c.User, c.Password, c.Host))); err != nil {
			return err
		}
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return fmt.Errorf("smtp: from %q: %v", c.From, err)
	}
	if err := step("MAIL FROM", cl.Mail(from.Address)); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := step("RCPT TO", cl.Rcpt(rcpt)); err != nil {
			return err
		}
	}
	w, err := cl.Data()
	if err := step("DATA", err); err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return step("DATA", err)
	}
	if err := step("end of DATA", w.Close()); err != nil {
		return err
	}
	return step("QUIT", cl.Quit())
}
