package mailreport

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Message is one email before encoding: plain text and the same in HTML.
type Message struct {
	To      string // one address
	Subject string
	Text    string
	HTML    string
}

// Encode writes m as an RFC 5322 message from the address from, dated
// date: multipart/alternative with the text first and the HTML second,
// both UTF-8 in quoted-printable, the subject an RFC 2047 encoded-word
// where it is not ASCII, and a Message-ID on from's domain.
func (m Message) Encode(from string, date time.Time) ([]byte, error) {
	fa, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: from %q: %v", from, err)
	}
	ta, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("mail: to %q: %v", m.To, err)
	}
	domain := "localhost"
	if _, d, ok := strings.Cut(fa.Address, "@"); ok {
		domain = d
	}
	var id [12]byte
	rand.Read(id[:])

	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", fa.String())
	hdr("To", ta.String())
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", date.Format(time.RFC1123Z))
	hdr("Message-ID", "<"+hex.EncodeToString(id[:])+"@"+domain+">")
	hdr("MIME-Version", "1.0")
	hdr("Auto-Submitted", "auto-generated") // no out-of-office replies
	hdr("Content-Type", `multipart/alternative; boundary="`+mw.Boundary()+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=utf-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(pw)
		// Quoted-printable keeps CRLF line ends as they are: give it them.
		qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(part.body, "\r\n", "\n"), "\n", "\r\n")))
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
