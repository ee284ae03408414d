package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/seloste/seloste/analytics"
	"github.com/seloste/seloste/analytics/auth"
	"github.com/seloste/seloste/analytics/dashboard"
)

const userUsage = `seloste user add NAME -role admin|viewer [-sites a.fi,b.fi] [-email ADDRESS] [-lang fi|sv|en] [-weekly] [-monthly] [-base-url URL]
       seloste user set NAME [-role …] [-sites …] [-email …] [-lang …] [-weekly=true|false] [-monthly=true|false]
       seloste user list
       seloste user remove NAME
       seloste user passwd NAME
       seloste user invite NAME [-base-url URL]
(each also takes -auth FILE | -db FILE, -config FILE)`

// runUser manages the dashboard's users in the auth file; each change is
// also written to the audit log of the store -db names, as done by "cli".
func runUser(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "Usage: "+userUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			return nil
		}
		return errors.New("user: name an action: add, set, list, remove, passwd or invite")
	}
	action, rest := args[0], args[1:]
	// NAME may come before the flags ("user add maija -role viewer").
	var name string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	fs := newFlagSet("user "+action, "NAME [flags]", stderr)
	at := addAuthTarget(fs)
	var (
		role    = fs.String("role", "viewer", "the user's `role`: admin (every site, manages users, tokens and share links) or viewer (their sites' reports)")
		sites   = fs.String("sites", "", "a viewer's `sites`, comma-separated, of the configured ones")
		email   = fs.String("email", "", "the user's email `address`, for reports")
		lang    = fs.String("lang", "fi", "the `language` of the user's reports: fi, sv or en")
		weekly  = fs.Bool("weekly", false, "send the user a weekly report (Mondays)")
		monthly = fs.Bool("monthly", false, "send the user a monthly report (on the 1st)")
		baseURL = fs.String("base-url", "", "the dashboard server's address, e.g. https://tilastot.example.fi, to print the invitation as a whole link")
	)
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("user %s: unexpected argument %q: put flags after the name", action, fs.Arg(0))
	}
	if fs.NArg() > 1 {
		return fmt.Errorf("user %s: unexpected argument %q", action, fs.Arg(1))
	}
	if *baseURL != "" && !baseURLValid(*baseURL) {
		return fmt.Errorf("user %s: -base-url %q: give the server's address, e.g. https://tilastot.example.fi", action, *baseURL)
	}
	if action != "list" && name == "" {
		return fmt.Errorf("user %s: name the user: seloste user %s NAME", action, action)
	}
	cfg, authFile, err := at.resolve(ctx, fs)
	if err != nil {
		return fmt.Errorf("user: %w", err)
	}
	f, err := auth.Load(authFile)
	if err != nil {
		return err
	}
	now := time.Now()
	switch action {
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tROLE\tSITES\tEMAIL\tLANG\tREPORTS\tSTATE")
		for _, u := range f.Users {
			s := strings.Join(u.Sites, ",")
			if u.IsAdmin() {
				s = "(all)"
			}
			state := "active"
			if u.Password == "" {
				state = "invited"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, s, orDash(u.Email), orDash(u.Lang), reports(u), state)
		}
		return tw.Flush()
	case "add":
		r, err := auth.ParseRole(*role)
		if err != nil {
			return fmt.Errorf("user add: -role: %w", err)
		}
		u := auth.User{Name: name, Role: r, Email: *email, Lang: *lang, Weekly: *weekly, Monthly: *monthly}
		if *email != "" {
			if !validEmail(*email) {
				return fmt.Errorf("user add: -email %q is not an email address", *email)
			}
		} else if *weekly || *monthly {
			return errors.New("user add: -weekly and -monthly need -email, the address the reports go to")
		}
		if *sites != "" {
			if r == auth.RoleAdmin {
				return errors.New("user add: an admin sees every site: leave out -sites, or use -role viewer")
			}
			if u.Sites, err = parseSites(cfg, *sites); err != nil {
				return fmt.Errorf("user add: -sites: %w", err)
			}
		}
		if err := f.AddUser(u, now); err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		tok, err := f.NewInvite(name, now, auth.InviteTTL)
		if err != nil {
			return err
		}
		if err := f.Save(authFile); err != nil {
			return err
		}
		at.audit(ctx, analytics.AuditUserAdd, name, stderr)
		printInvite(stdout, stderr, name, *baseURL, tok)
		return nil
	case "set":
		given := map[string]bool{}
		fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
		var r auth.Role
		if given["role"] {
			if r, err = auth.ParseRole(*role); err != nil {
				return fmt.Errorf("user set: -role: %w", err)
			}
		}
		var siteList []string
		if given["sites"] {
			if siteList, err = parseSites(cfg, *sites); err != nil {
				return fmt.Errorf("user set: -sites: %w", err)
			}
		}
		if given["email"] && *email != "" && !validEmail(*email) {
			return fmt.Errorf("user set: -email %q is not an email address", *email)
		}
		err := f.UpdateUser(name, func(u *auth.User) {
			if given["role"] {
				u.Role = r
			}
			if given["sites"] {
				u.Sites = siteList
			}
			if given["email"] {
				u.Email = *email
			}
			if given["lang"] {
				u.Lang = *lang
			}
			if given["weekly"] {
				u.Weekly = *weekly
			}
			if given["monthly"] {
				u.Monthly = *monthly
			}
		})
		if err != nil {
			return fmt.Errorf("user set: %w", err)
		}
		if u := f.User(name); (u.Weekly || u.Monthly) && u.Email == "" {
			return errors.New("user set: -weekly and -monthly need an email address: give -email too")
		}
		if err := f.Save(authFile); err != nil {
			return err
		}
		at.audit(ctx, analytics.AuditUserChange, name, stderr)
		fmt.Fprintf(stderr, "User %q changed.\n", name)
		return nil
	case "invite":
		tok, err := f.NewInvite(name, now, auth.InviteTTL)
		if err != nil {
			return fmt.Errorf("user invite: %w", err)
		}
		if err := f.Save(authFile); err != nil {
			return err
		}
		at.audit(ctx, analytics.AuditUserInvite, name, stderr)
		printInvite(stdout, stderr, name, *baseURL, tok)
		return nil
	case "remove":
		if err := f.RemoveUser(name); err != nil {
			return fmt.Errorf("user remove: %w", err)
		}
		if err := f.Save(authFile); err != nil {
			return err
		}
		at.audit(ctx, analytics.AuditUserRemove, name, stderr)
		fmt.Fprintf(stderr, "User %q removed, with their tokens; their sessions have ended.\n", name)
		return nil
	case "passwd":
		if f.User(name) == nil {
			return fmt.Errorf("user passwd: no user is named %q", name)
		}
		pw, err := readNewPassword(stderr)
		if err != nil {
			return fmt.Errorf("user passwd: %w", err)
		}
		if err := f.SetUserPassword(name, pw); err != nil {
			return fmt.Errorf("user passwd: %w", err)
		}
		if err := f.Save(authFile); err != nil {
			return err
		}
		at.audit(ctx, analytics.AuditUserPassword, name, stderr)
		fmt.Fprintf(stderr, "Password of %q set; their earlier sessions are logged out.\n", name)
		return nil
	}
	fmt.Fprintln(stderr, "Usage: "+userUsage)
	return fmt.Errorf("user: unknown action %q: use add, set, list, remove, passwd or invite", action)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func reports(u auth.User) string {
	var r []string
	if u.Weekly {
		r = append(r, "weekly")
	}
	if u.Monthly {
		r = append(r, "monthly")
	}
	if len(r) == 0 {
		return "-"
	}
	return strings.Join(r, ",")
}

// printInvite prints the invitation link (alone on stdout, for scripts)
// and what to do with it.
func printInvite(stdout, stderr io.Writer, name, base, tok string) {
	link := dashboard.InvitePath(tok)
	if base != "" {
		link = strings.TrimRight(base, "/") + link
	}
	fmt.Fprintln(stdout, link)
	fmt.Fprintf(stderr, "Send this link to %s: it lets them set their own password, once, within %d hours. It is shown only now.\n",
		name, int(auth.InviteTTL.Hours()))
	if base == "" {
		fmt.Fprintln(stderr, "Put the dashboard server's address before it (or give -base-url https://…).")
	}
}

// authTarget is the auth file a user or token command changes, and the
// store whose audit log records the change.
type authTarget struct {
	auth, db *string
	conf     *fileFlags
	dbFile   string // resolved
}

func addAuthTarget(fs *flag.FlagSet) *authTarget {
	return &authTarget{
		auth: fs.String("auth", "", "the auth `file` with the dashboard's users and tokens (default: seloste.auth next to -db)"),
		db:   fs.String("db", "seloste.db", "the `database` whose directory holds the auth file when -auth is not given, and whose audit log records the change"),
		conf: addConfigFlag(fs, "auth", "db"),
	}
}

// resolve returns the configuration and the auth file once fs is parsed:
// the one serve with the same configuration file uses. An auth file
// beside -db is refused when -db is another program's database.
func (a *authTarget) resolve(ctx context.Context, fs *flag.FlagSet) (serveConfig, string, error) {
	cfg, err := a.conf.load(fs)
	if err != nil {
		return cfg, "", err
	}
	a.dbFile = *a.db
	if *a.auth != "" {
		return cfg, *a.auth, nil
	}
	if err := checkStoreFile(ctx, *a.db); err != nil {
		return cfg, "", fmt.Errorf("-db: %w", err)
	}
	return cfg, authPathFor(*a.db), nil
}

// audit records a change made on the command line in the store's audit
// log. The change is made already: a store that cannot be opened (none
// yet, or a server down) is said on stderr and does not fail it.
func (a *authTarget) audit(ctx context.Context, action, target string, stderr io.Writer) {
	store, err := openStore(ctx, a.dbFile, true, io.Discard)
	if err == nil {
		defer store.Close()
		if l, ok := store.(analytics.AuditLog); ok {
			err = l.AppendAudit(ctx, analytics.AuditEntry{Time: time.Now().UTC(), Actor: "cli", Action: action, Target: target})
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "Note: the change is not in the audit log (%v).\n", err)
	}
}

// parseSites reads a comma-separated list of sites, each of the
// configuration file's sites when it names any.
func parseSites(cfg serveConfig, list string) ([]string, error) {
	names := configuredSites(cfg)
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if len(names) > 0 && !slices.Contains(names, s) {
			return nil, fmt.Errorf("%q is not a configured site (%s)", s, strings.Join(names, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// configuredSites are the sites of the configuration file, if it names any.
func configuredSites(cfg serveConfig) []string {
	var out []string
	for _, s := range cfg.Sites {
		out = append(out, s.Domain)
	}
	return out
}

// baseURLValid: an http(s) address with a host and no query.
func baseURLValid(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.RawQuery == ""
}
