package mailreport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seloste/seloste/analytics"
)

// Recipients lists the people mail may go to. The server wires it to its
// users; it is asked at each tick, so a change applies without a restart.
type Recipients func(ctx context.Context) ([]Recipient, error)

// Config is what a Mailer needs.
type Config struct {
	Sender     Sender
	From       string
	Spool      *Spool
	Reporter   analytics.Reporter
	Recipients Recipients
	Sites      []string
	Zone       *time.Location // the sites' zone: days, weeks and the hour
	// Hour is the hour of the day (0–23, in Zone) at or after which the
	// day's summaries are made.
	Hour int
	// MinVisitors is the k-anonymity floor of every summary: the share
	// links' (a summary leaves the server, as a share link does).
	MinVisitors int
	Goals       []analytics.Goal
	Alerts      AlertConfig
	Dashboard   string // the dashboard's address for links; "" none
	Logger      *slog.Logger
	Now         func() time.Time
	// Backoff is the first wait after a failed delivery, doubled after each
	// failure up to MaxBackoff; 0 means one minute and one hour.
	Backoff, MaxBackoff time.Duration
}

// Mailer makes the due summaries and alerts, spools them and sends the
// spool. Run drives it; Tick is one step of Run.
type Mailer struct {
	cfg Config

	sent, failed atomic.Int64

	mu        sync.Mutex
	failing   bool // logged once per outage
	lastErr   string
	backoff   time.Duration
	nextTry   time.Time
	lastAlert map[string]time.Time // site → the hour last checked
	reportErr map[string]bool      // summaries whose report failed, logged once
}

// New checks cfg and returns its Mailer.
func New(cfg Config) (*Mailer, error) {
	if cfg.Sender == nil || cfg.Spool == nil || cfg.Reporter == nil || cfg.Recipients == nil {
		return nil, errors.New("mail: sender, spool, reporter and recipients are needed")
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("mail: from %q: %v", cfg.From, err)
	}
	if cfg.Hour < 0 || cfg.Hour > 23 {
		return nil, fmt.Errorf("mail: report hour %d: want 0 to 23", cfg.Hour)
	}
	var err error
	if cfg.Alerts, err = cfg.Alerts.WithDefaults(); err != nil {
		return nil, err
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Minute
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Hour
	}
	return &Mailer{cfg: cfg, lastAlert: map[string]time.Time{}, reportErr: map[string]bool{}}, nil
}

// Status is the mailer's state for /healthz and /metrics.
type Status struct {
	Pending   int    `json:"pending"` // messages in the spool
	Sent      int64  `json:"sent"`    // since start
	Failed    int64  `json:"failed"`  // delivery attempts that failed, since start
	LastError string `json:"last_error,omitempty"`
	// NextTry is when a failed delivery is tried again (zero: not waiting).
	NextTry time.Time `json:"next_try,omitzero"`
}

// Status reports the spool and the counters.
func (m *Mailer) Status() Status {
	keys, _ := m.cfg.Spool.Queued()
	m.mu.Lock()
	defer m.mu.Unlock()
	st := Status{Pending: len(keys), Sent: m.sent.Load(), Failed: m.failed.Load(), LastError: m.lastErr}
	if m.failing {
		st.NextTry = m.nextTry
	}
	return st
}

// Run ticks every minute until ctx ends.
func (m *Mailer) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		m.Tick(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Tick spools what is due at now (the summaries after the report hour of a
// Monday or a 1st, the alerts of the hour that ended) and sends the spool
// unless a failure's backoff is still running. One goroutine ticks (Run).
func (m *Mailer) Tick(ctx context.Context) {
	now := m.cfg.Now()
	people, err := m.cfg.Recipients(ctx)
	if err != nil {
		m.cfg.Logger.Error("mail: reading the recipients", "err", err)
	} else {
		for _, p := range []Period{Weekly, Monthly} {
			if p.Due(now, m.cfg.Zone) && now.In(m.cfg.Zone).Hour() >= m.cfg.Hour {
				m.queueSummaries(ctx, p, now, people)
			}
		}
		if !m.cfg.Alerts.Off {
			m.queueAlerts(ctx, now, people)
		}
	}
	m.Flush(ctx)
	m.cfg.Spool.Prune(now)
}

// key is a spool key: what, the site and the person, hashed so that the
// address is not a file name.
func key(what, site, email string) string {
	h := sha256.Sum256([]byte(strings.ToLower(email)))
	// A file name: an internationalised domain's letters become '_'.
	site = strings.Map(func(r rune) rune {
		if r == '.' || r < 0x80 && validKey(string(r)) {
			return r
		}
		return '_'
	}, site)
	return what + "_" + site + "_" + hex.EncodeToString(h[:6])
}

func (m *Mailer) queueSummaries(ctx context.Context, p Period, now time.Time, people []Recipient) {
	first, _ := p.Span(now, m.cfg.Zone)
	reports := map[string]*analytics.Report{}
	for _, site := range m.cfg.Sites {
		for _, r := range people {
			if !r.Wants(p) || !r.Sees(site) || r.Email == "" {
				continue
			}
			k := key(string(p)+"-"+p.Label(first), site, r.Email)
			if m.cfg.Spool.Has(k) {
				continue
			}
			rep, ok := reports[site]
			if !ok {
				var err error
				rep, err = m.cfg.Reporter.Report(ctx, SummaryQuery(site, p, now, m.cfg.Zone, m.cfg.MinVisitors, m.cfg.Goals))
				if err != nil {
					// Tried again each tick; said once, not every minute.
					if id := site + " " + p.Label(first); !m.reportErr[id] {
						m.reportErr[id] = true
						m.cfg.Logger.Error("mail: the summary's report failed; retried every minute", "site", site, "period", p.Label(first), "err", err)
					}
					break
				}
				reports[site] = rep
			}
			msg, err := Summary(rep, p, r, m.cfg.Dashboard, m.cfg.MinVisitors)
			if err == nil {
				err = m.spool(k, msg, now)
			}
			if err != nil {
				m.cfg.Logger.Error("mail: spooling a summary", "site", site, "period", p.Label(first), "err", err)
			}
		}
	}
}

func (m *Mailer) queueAlerts(ctx context.Context, now time.Time, people []Recipient) {
	hour := now.In(m.cfg.Zone).Truncate(time.Hour)
	for _, site := range m.cfg.Sites {
		m.mu.Lock()
		done := m.lastAlert[site].Equal(hour)
		m.mu.Unlock()
		if done {
			continue
		}
		var admins []Recipient
		for _, r := range people {
			if r.Admin && r.Sees(site) && r.Email != "" {
				admins = append(admins, r)
			}
		}
		if len(admins) == 0 {
			continue
		}
		alerts, err := CheckAlerts(ctx, m.cfg.Reporter, site, m.cfg.Zone, now, m.cfg.Alerts)
		if err != nil {
			m.cfg.Logger.Error("mail: checking alerts", "site", site, "err", err)
			continue
		}
		m.mu.Lock()
		m.lastAlert[site] = hour
		m.mu.Unlock()
		day := hour.Add(-time.Hour).Format(time.DateOnly) // the day of the hour that triggered it
		for _, a := range alerts {
			for _, r := range admins {
				k := key("alert-"+string(a.Kind)+"-"+day, site, r.Email)
				if m.cfg.Spool.Has(k) {
					continue
				}
				if err := m.spool(k, a.Message(r, m.cfg.Dashboard), now); err != nil {
					m.cfg.Logger.Error("mail: spooling an alert", "site", site, "err", err)
				}
			}
		}
	}
}

func (m *Mailer) spool(k string, msg Message, now time.Time) error {
	b, err := msg.Encode(m.cfg.From, now)
	if err != nil {
		return err
	}
	_, err = m.cfg.Spool.Add(k, b)
	return err
}

// SendNow spools msg under k and sends the spool at once, whatever the
// backoff: seloste report -email. An error says it stays in the spool.
func (m *Mailer) SendNow(ctx context.Context, k string, msg Message) error {
	if err := m.spool(k, msg, m.cfg.Now()); err != nil {
		return err
	}
	m.mu.Lock()
	m.nextTry = time.Time{}
	m.mu.Unlock()
	m.Flush(ctx)
	if m.cfg.Spool.IsSent(k) {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return fmt.Errorf("mail: not sent (%s); it stays in the spool %s and serve sends it when the server answers", m.lastErr, m.cfg.Spool.Dir())
}

// Flush sends the spooled messages, oldest first. A failure is counted and
// waits out a backoff that doubles up to MaxBackoff; it is logged once per
// outage, and again when mail goes through. A server that answers with an
// error for one message (a refused recipient) does not hold the others up.
func (m *Mailer) Flush(ctx context.Context) {
	now := m.cfg.Now()
	m.mu.Lock()
	wait := now.Before(m.nextTry)
	m.mu.Unlock()
	if wait {
		return
	}
	keys, err := m.cfg.Spool.Queued()
	if err != nil {
		m.fail(now, err)
		return
	}
	var failed error
	for _, k := range keys {
		if ctx.Err() != nil {
			return
		}
		if m.cfg.Spool.IsSent(k) { // sent before a crash took its file away
			m.cfg.Spool.Sent(k)
			continue
		}
		b, err := m.cfg.Spool.Read(k)
		if errors.Is(err, fs.ErrNotExist) {
			continue // the owner deleted it from the queue
		}
		if err != nil {
			failed = err
			continue
		}
		to, err := envelopeTo(b)
		if err == nil {
			err = m.cfg.Sender.Send(ctx, to, b)
		}
		if err != nil {
			failed = err
			var te *textproto.Error
			if errors.As(err, &te) {
				continue // the server answers: the next message may go
			}
			break
		}
		if err := m.cfg.Spool.Sent(k); err != nil {
			m.cfg.Logger.Error("mail: marking a message sent", "err", err)
		}
		m.sent.Add(1)
	}
	if failed != nil {
		m.fail(now, failed)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing {
		m.cfg.Logger.Info("mail: the SMTP server takes mail again; the spool is sent")
	}
	m.failing, m.lastErr, m.backoff, m.nextTry = false, "", 0, time.Time{}
}

func (m *Mailer) fail(now time.Time, err error) {
	m.failed.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.backoff == 0 {
		m.backoff = m.cfg.Backoff
	} else {
		m.backoff = min(2*m.backoff, m.cfg.MaxBackoff)
	}
	m.nextTry = now.Add(m.backoff)
	m.lastErr = err.Error()
	if !m.failing {
		m.cfg.Logger.Error("mail: sending failed; kept in the spool and retried with backoff", "err", err, "spool", m.cfg.Spool.Dir())
	}
	m.failing = true
}

// envelopeTo is the spooled message's To address: the message carries its
// own envelope, so the spool needs no second file.
func envelopeTo(b []byte) ([]string, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("mail spool: a message that does not parse: %w", err)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) == 0 {
		return nil, fmt.Errorf("mail spool: a message without To: %v", err)
	}
	out := make([]string, len(to))
	for i, a := range to {
		out[i] = a.Address
	}
	return out, nil
}
