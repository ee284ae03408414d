package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/dashboard"
	"github.com/seloste/seloste/analytics/mailreport"
)

// mailSpoolName is the spool's folder next to the database.
const mailSpoolName = "seloste.mail"

// mailEnabled says whether the file configures email ([smtp] host).
func (cfg serveConfig) mailEnabled() bool { return cfg.SMTP.Host != "" }

// mailSpoolDir is [reports] spool, or seloste.mail next to the database
// (in the working directory for an engine without a file).
func (cfg serveConfig) mailSpoolDir() string {
	if cfg.Reports.Spool != "" {
		return cfg.Reports.Spool
	}
	if path := storePath(cfg.DB); path != "" {
		return filepath.Join(filepath.Dir(path), mailSpoolName)
	}
	return mailSpoolName
}

// mailRecipients lists who gets summaries and alerts, read at each call so
// that a change applies without a restart: every user of the auth file
// with an email address (seloste user: language, sites, role, weekly,
// monthly), then the file's [[recipient]] tables, for addresses that are
// no user's.
func mailRecipients(cfg serveConfig) (mailreport.Recipients, error) {
	var people []mailreport.Recipient
	for i, r := range cfg.Recipients {
		lang, err := mailreport.ParseLang(r.Lang)
		if err != nil {
			return nil, fmt.Errorf("[[recipient]] %d (%s): %w", i+1, r.Email, err)
		}
		if !strings.Contains(r.Email, "@") {
			return nil, fmt.Errorf("[[recipient]] %d: email %q is not an address", i+1, r.Email)
		}
		people = append(people, mailreport.Recipient{Name: r.Name, Email: r.Email, Lang: lang, Sites: r.Sites,
			Admin: r.Admin, Weekly: r.Weekly, Monthly: r.Monthly})
	}
	authFile := cfg.Auth
	if authFile == "" {
		authFile = authPathFor(cfg.DB)
	}
	return func(context.Context) ([]mailreport.Recipient, error) {
		f, err := auth.Load(authFile)
		if err != nil {
			return nil, fmt.Errorf("the users' email addresses: %w", err)
		}
		var all []mailreport.Recipient
		for _, u := range f.Users {
			if u.Email == "" {
				continue
			}
			lang, err := mailreport.ParseLang(u.Lang)
			if err != nil {
				lang = mailreport.Finnish
			}
			all = append(all, mailreport.Recipient{Name: u.Name, Email: u.Email, Lang: lang, Sites: u.Sites,
				Admin: u.IsAdmin(), Weekly: u.Weekly, Monthly: u.Monthly})
		}
		return append(all, people...), nil
	}, nil
}

// newMailer makes the sender of email reports and alerts from the file's
// [smtp], [reports], [alerts] and [[recipient]]; nil without [smtp] host.
func newMailer(cfg serveConfig, zone *time.Location, goals []analytics.Goal, sites []string, reporter analytics.Reporter, logger *slog.Logger) (*mailreport.Mailer, error) {
	if !cfg.mailEnabled() {
		return nil, nil
	}
	pw, err := mailreport.ReadPassword(cfg.SMTP.PasswordFile, cfg.SMTP.PasswordEnv)
	if err != nil {
		return nil, err
	}
	sender, err := mailreport.NewSMTP(mailreport.SMTPConfig{
		Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Security: mailreport.Security(cfg.SMTP.Security),
		User: cfg.SMTP.User, Password: pw, From: cfg.SMTP.From,
	})
	if err != nil {
		return nil, err
	}
	spool, err := mailreport.OpenSpool(cfg.mailSpoolDir())
	if err != nil {
		return nil, err
	}
	people, err := mailRecipients(cfg)
	if err != nil {
		return nil, err
	}
	a := cfg.Alerts
	return mailreport.New(mailreport.Config{
		Sender: sender, From: cfg.SMTP.From, Spool: spool, Reporter: reporter, Recipients: people,
		Sites: sites, Zone: zone, Hour: cfg.Reports.Hour, Goals: goals,
		MinVisitors: dashboard.ShareFloor(cfg.ShareMinVisitors, cfg.MinVisitors),
		Alerts: mailreport.AlertConfig{Off: a.Off, DropShare: a.DropShare, DropHours: a.DropHours,
			SpikeFactor: a.SpikeFactor, SpikeMin: int64(a.SpikeMin), MinUsual: int64(a.MinUsual), Weeks: a.Weeks},
		Dashboard: cfg.Reports.DashboardURL,
		Logger:    logger,
	})
}

// sendReportNow is seloste report -email: the summary of site for the
// period before today, to who (an address, or a recipient's name or
// address: mailRecipients), through the spool.
func sendReportNow(ctx context.Context, cfg serveConfig, reporter analytics.Reporter, zone *time.Location, goals []analytics.Goal, site, who string, period mailreport.Period, logger *slog.Logger) (string, error) {
	if !cfg.mailEnabled() {
		return "", errors.New("no [smtp] host in the configuration file: see docs/email.md")
	}
	m, err := newMailer(cfg, zone, goals, []string{site}, reporter, logger)
	if err != nil {
		return "", err
	}
	list, err := mailRecipients(cfg)
	if err != nil {
		return "", err
	}
	people, err := list(ctx)
	if err != nil {
		return "", err
	}
	to := mailreport.Recipient{Email: who, Lang: mailreport.Finnish}
	found := false
	for _, r := range people {
		if strings.EqualFold(r.Email, who) || (r.Name != "" && r.Name == who) {
			to, found = r, true
			break
		}
	}
	if !found && !strings.Contains(who, "@") {
		return "", fmt.Errorf("%q is neither an address nor a recipient's name", who)
	}
	if !to.Sees(site) {
		return "", fmt.Errorf("%s may not see %s", to.Email, site)
	}
	k := dashboard.ShareFloor(cfg.ShareMinVisitors, cfg.MinVisitors)
	now := time.Now()
	rep, err := reporter.Report(ctx, mailreport.SummaryQuery(site, period, now, zone, k, goals))
	if err != nil {
		return "", err
	}
	msg, err := mailreport.Summary(rep, period, to, cfg.Reports.DashboardURL, k)
	if err != nil {
		return "", err
	}
	// A key of its own: a report asked by hand is sent even when the
	// scheduled one of the period was.
	key := "now-" + now.UTC().Format("20060102T150405.000000000") + "_" + site
	if err := m.SendNow(ctx, key, msg); err != nil {
		return "", err
	}
	return to.Email, nil
}
