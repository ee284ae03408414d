package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Version is the auth file format this package writes: 2 has users.
const Version = 2

// DefaultAdmin is the name version 1's single password becomes on upgrade,
// and the name "seloste passwd" gives the first user of a new install.
const DefaultAdmin = "admin"

// InviteTTL is how long an invitation link can be used.
const InviteTTL = 72 * time.Hour

// Role is what a user may do.
type Role string

const (
	// RoleAdmin sees every site and manages users, tokens and share links.
	RoleAdmin Role = "admin"
	// RoleViewer sees the reports (dashboard, API, CSV) of their sites only.
	RoleViewer Role = "viewer"
)

// ParseRole reads "admin" or "viewer".
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleAdmin, RoleViewer:
		return r, nil
	}
	return "", fmt.Errorf("role %q: use admin or viewer", s)
}

// Langs are the languages a user's mail and pages can be in.
var Langs = []string{"fi", "sv", "en"}

// User is one person who may open the dashboard. Users are owner data: a
// name, an optional email address and preferences, never a visitor's.
type User struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Sites are a viewer's sites; an admin sees every site.
	Sites []string `json:"sites,omitempty"`
	Email string   `json:"email,omitempty"`
	// Lang is "fi", "sv" or "en": the language of the user's reports.
	Lang string `json:"lang,omitempty"`
	// Weekly and Monthly are the email reports the user wants.
	Weekly  bool `json:"weekly,omitempty"`
	Monthly bool `json:"monthly,omitempty"`
	// Password is the argon2id hash (PHC format); "" until the user has
	// set one through their invitation.
	Password string `json:"password,omitempty"`
	// Epoch is part of the key of the user's sessions: a new password
	// bumps it, which ends every session of theirs at once.
	Epoch   int       `json:"epoch,omitempty"`
	Created time.Time `json:"created"`
}

// IsAdmin reports whether u is an admin.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// CanSee reports whether u may see site's reports.
func (u *User) CanSee(site string) bool {
	return u.IsAdmin() || slices.Contains(u.Sites, site)
}

// VisibleSites are the sites of all that u may see, in all's order.
func (u *User) VisibleSites(all []string) []string {
	var out []string
	for _, s := range all {
		if u.CanSee(s) {
			out = append(out, s)
		}
	}
	return out
}

func (u *User) check() error {
	if err := validUserName(u.Name); err != nil {
		return err
	}
	if _, err := ParseRole(string(u.Role)); err != nil {
		return fmt.Errorf("user %q: %v", u.Name, err)
	}
	if u.Lang != "" && !slices.Contains(Langs, u.Lang) {
		return fmt.Errorf("user %q: language %q: use fi, sv or en", u.Name, u.Lang)
	}
	if u.Password != "" {
		if _, err := decodeHash(u.Password); err != nil {
			return fmt.Errorf("user %q: password: %v", u.Name, err)
		}
	}
	return nil
}

// Invite is an open invitation: a link that lets its user set their own
// password once, until it expires. Only the link's digest is kept.
type Invite struct {
	User    string    `json:"user"`
	SHA256  string    `json:"sha256"`
	Expires time.Time `json:"expires"`
}

// upgrade turns a version 1 file into version 2: its password becomes the
// admin DefaultAdmin, who also owns its tokens. Nothing else changes.
func (f *File) upgrade() error {
	if f.Password != "" {
		if f.User(DefaultAdmin) != nil {
			return fmt.Errorf("both a version 1 password and a user %q: remove one", DefaultAdmin)
		}
		f.Users = append(f.Users, User{Name: DefaultAdmin, Role: RoleAdmin, Password: f.Password})
		f.LegacyAdmin, f.Password = DefaultAdmin, ""
	}
	// Tokens of version 1 made before any password need an owner too.
	if f.FirstAdmin() == nil && slices.ContainsFunc(f.Tokens, func(t Token) bool { return t.User == "" }) && f.User(DefaultAdmin) == nil {
		f.Users = append(f.Users, User{Name: DefaultAdmin, Role: RoleAdmin})
	}
	if a := f.FirstAdmin(); a != nil {
		for i := range f.Tokens {
			if f.Tokens[i].User == "" {
				f.Tokens[i].User = a.Name
			}
		}
	}
	f.Version = Version
	return nil
}

// User returns the user named name, or nil.
func (f *File) User(name string) *User {
	if name == "" {
		return nil
	}
	i := slices.IndexFunc(f.Users, func(u User) bool { return u.Name == name })
	if i < 0 {
		return nil
	}
	return &f.Users[i]
}

// FirstAdmin returns the first admin in the file, or nil: the one
// "seloste passwd" and tokens without a user are for.
func (f *File) FirstAdmin() *User {
	i := slices.IndexFunc(f.Users, func(u User) bool { return u.IsAdmin() })
	if i < 0 {
		return nil
	}
	return &f.Users[i]
}

// AddUser adds u, who has no password yet (see Invite).
func (f *File) AddUser(u User, now time.Time) error {
	u.Password, u.Epoch = "", 0
	u.Created = now.UTC().Truncate(time.Second)
	if u.Role == "" {
		u.Role = RoleViewer
	}
	if u.IsAdmin() {
		u.Sites = nil
	}
	if err := u.check(); err != nil {
		return err
	}
	if u.Role == RoleViewer && len(u.Sites) == 0 {
		return fmt.Errorf("the viewer %q has no sites: name the sites they may see", u.Name)
	}
	if f.User(u.Name) != nil {
		return fmt.Errorf("a user named %q exists; remove them first or pick another name", u.Name)
	}
	f.Users = append(f.Users, u)
	return nil
}

// RemoveUser deletes the user named name with their tokens and invitations;
// their sessions end at once, since no key signs them any more. The last
// admin cannot be removed: nobody could manage the others.
func (f *File) RemoveUser(name string) error {
	u := f.User(name)
	if u == nil {
		return fmt.Errorf("no user is named %q", name)
	}
	if u.IsAdmin() && !slices.ContainsFunc(f.Users, func(o User) bool { return o.IsAdmin() && o.Name != name }) {
		return fmt.Errorf("%q is the last admin: add another admin before removing them", name)
	}
	f.Users = slices.DeleteFunc(f.Users, func(u User) bool { return u.Name == name })
	f.Tokens = slices.DeleteFunc(f.Tokens, func(t Token) bool { return t.User == name })
	f.Invites = slices.DeleteFunc(f.Invites, func(i Invite) bool { return i.User == name })
	if f.LegacyAdmin == name {
		f.LegacyAdmin = ""
	}
	return nil
}

// UpdateUser changes the user named name with change (role, sites, email,
// language, reports; not the name or password), and keeps the change only
// if the user is still valid and an admin is left. Open sessions and
// tokens get the new rights on their next request.
func (f *File) UpdateUser(name string, change func(*User)) error {
	u := f.User(name)
	if u == nil {
		return fmt.Errorf("no user is named %q", name)
	}
	c := *u
	c.Sites = slices.Clone(u.Sites)
	change(&c)
	c.Name, c.Password, c.Epoch, c.Created = u.Name, u.Password, u.Epoch, u.Created
	if c.IsAdmin() {
		c.Sites = nil
	}
	if err := c.check(); err != nil {
		return err
	}
	if c.Role == RoleViewer && len(c.Sites) == 0 {
		return fmt.Errorf("the viewer %q has no sites: name the sites they may see", name)
	}
	if u.IsAdmin() && !c.IsAdmin() && !slices.ContainsFunc(f.Users, func(o User) bool { return o.IsAdmin() && o.Name != name }) {
		return fmt.Errorf("%q is the last admin: make another user an admin first", name)
	}
	*u = c
	return nil
}

// UsersOf returns copies of the users who may see site, in the file's
// order: the recipients of its reports and, with IsAdmin, its alerts.
func (f *File) UsersOf(site string) []User {
	var out []User
	for _, u := range f.Users {
		if u.CanSee(site) {
			u.Sites = slices.Clone(u.Sites)
			out = append(out, u)
		}
	}
	return out
}

// SetUserPassword sets the user's password and ends their sessions.
func (f *File) SetUserPassword(name, pw string) error {
	u := f.User(name)
	if u == nil {
		return fmt.Errorf("no user is named %q", name)
	}
	if err := checkPassword(pw); err != nil {
		return err
	}
	h, err := hashPassword(pw, DefaultParams)
	if err != nil {
		return err
	}
	u.Password = h
	u.Epoch++
	return nil
}

// VerifyUser returns the user named name when pw is their password. The
// time it takes does not tell whether the user exists: an unknown name
// is checked against a hash all the same.
func (f *File) VerifyUser(name, pw string) (*User, error) {
	u := f.User(name)
	hash := dummyHash()
	if u != nil && u.Password != "" {
		hash = u.Password
	}
	ok, err := verifyPassword(hash, pw)
	if err != nil || !ok || u == nil || u.Password == "" {
		return nil, err
	}
	return u, nil
}

// dummyHash is a hash no password matches, at today's cost.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword(rand.Text(), DefaultParams)
	return h
})

// NewInvite makes an invitation link token for the user, valid for ttl,
// replacing the user's earlier ones. The token itself is not kept: put it
// in a link and show or send it once.
func (f *File) NewInvite(name string, now time.Time, ttl time.Duration) (string, error) {
	if f.User(name) == nil {
		return "", fmt.Errorf("no user is named %q", name)
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	f.Invites = slices.DeleteFunc(f.Invites, func(i Invite) bool { return i.User == name || !now.Before(i.Expires) })
	f.Invites = append(f.Invites, Invite{User: name, SHA256: tokenDigest(tok), Expires: now.Add(ttl).UTC().Truncate(time.Second)})
	return tok, nil
}

// ErrInvite is an invitation link that is unknown, used or expired.
var ErrInvite = errors.New("the invitation link is used, expired or unknown: ask an admin for a new one")

// InviteUser returns the user the invitation token tok is for, if it is
// open at now.
func (f *File) InviteUser(tok string, now time.Time) (*User, error) {
	d := tokenDigest(tok)
	for _, i := range f.Invites {
		if subtle.ConstantTimeCompare([]byte(i.SHA256), []byte(d)) == 1 && now.Before(i.Expires) {
			if u := f.User(i.User); u != nil {
				return u, nil
			}
		}
	}
	return nil, ErrInvite
}

// AcceptInvite sets the password of the invitation tok's user and closes
// the invitation: a link works once.
func (f *File) AcceptInvite(tok, pw string, now time.Time) (*User, error) {
	u, err := f.InviteUser(tok, now)
	if err != nil {
		return nil, err
	}
	if err := f.SetUserPassword(u.Name, pw); err != nil {
		return nil, err
	}
	d := tokenDigest(tok)
	f.Invites = slices.DeleteFunc(f.Invites, func(i Invite) bool { return i.SHA256 == d || !now.Before(i.Expires) })
	return f.User(u.Name), nil
}

// FormKey signs forms shown before a login (the login and invitation
// forms' nonces). It changes with no password.
func (f *File) FormKey() []byte {
	return f.derive("form")
}

// UserKey signs u's sessions and their CSRF tokens. It is bound to u's
// name, password hash and epoch, so a new password or a removal ends
// every session of u's at once.
func (f *File) UserKey(u *User) []byte {
	return f.derive("user", u.Name, u.Password, strconv.Itoa(u.Epoch))
}

// LegacyKey returns the key that signed the sessions of version 1, and
// their user, while that user still has version 1's password: a login
// made before the upgrade goes on working until it expires. ok is false
// otherwise.
func (f *File) LegacyKey() (key []byte, u *User, ok bool) {
	u = f.User(f.LegacyAdmin)
	if u == nil || u.Epoch != 0 || u.Password == "" {
		return nil, nil, false
	}
	k, _ := base64.StdEncoding.DecodeString(f.SessionKey)
	h := sha256.New()
	h.Write(k)
	h.Write([]byte{0})
	h.Write([]byte(u.Password))
	return h.Sum(nil), u, true
}

func (f *File) derive(parts ...string) []byte {
	k, _ := base64.StdEncoding.DecodeString(f.SessionKey)
	h := sha256.New()
	h.Write(k)
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return h.Sum(nil)
}

func validUserName(name string) error {
	if name == "" {
		return errors.New("the user name is empty")
	}
	if len(name) > 64 {
		return errors.New("the user name is longer than 64 bytes")
	}
	for _, r := range name {
		if !(r == '-' || r == '_' || r == '.' || r == '@' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z') {
			return fmt.Errorf("the user name %q may only have letters a-z, digits, '-', '_', '.' and '@'", name)
		}
	}
	return nil
}
