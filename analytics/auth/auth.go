// Package auth keeps the credentials that guard the owner's side of
// seloste: the dashboard's users (admin or viewer, with their sites and
// argon2id password hashes), their invitations, the key that signs session
// cookies, the bearer tokens of the stats API and the public share links.
//
// Everything lives in one small JSON file (seloste.auth next to the
// database by default), mode 0600, rewritten atomically. Secrets are never
// stored in the clear: passwords as argon2id hashes, tokens and invitation
// links as SHA-256 digests. The package knows no HTTP and no SQL.
//
// Version 1 files had one password; Load reads them as version 2 with that
// password as the first admin's (users.go), so an upgrade loses nothing.
package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MinPasswordLen is the shortest password SetPassword accepts, in characters.
const MinPasswordLen = 12

// TokenPrefix starts every bearer token, so a leaked one is recognisable
// (and greppable by secret scanners).
const TokenPrefix = "seloste_"

// File is the decoded auth file. The zero value is an empty file with no
// password, no tokens and no signing key; Load fills in a signing key.
type File struct {
	Version int `json:"version"`
	// Password is version 1's single password (argon2id, PHC format). Load
	// moves it to the first admin; a saved file never has one.
	Password string `json:"password,omitempty"`
	// Users may open the dashboard, each with their own password.
	Users []User `json:"users,omitempty"`
	// Invites are the open invitation links (users.go).
	Invites []Invite `json:"invites,omitempty"`
	// LegacyAdmin names the admin that version 1's password became: the
	// session cookies signed before the upgrade are theirs (users.go).
	LegacyAdmin string `json:"legacy_admin,omitempty"`
	// SessionKey signs session cookies and CSRF tokens (base64, 32 bytes).
	SessionKey string  `json:"session_key"`
	Tokens     []Token `json:"tokens,omitempty"`
	Shares     []Share `json:"shares,omitempty"`
	// LoggedOut are the sessions ended with "log out" before they expire,
	// kept here so that a restart does not bring them back.
	LoggedOut []LoggedOut `json:"logged_out,omitempty"`
}

// LoggedOut is a session that was logged out, kept until it would have
// expired. Only a digest of its id is kept.
type LoggedOut struct {
	SHA256  string    `json:"sha256"` // hex digest of the session id
	Expires time.Time `json:"expires"`
}

// LogOut records that the session id (valid until expires) is logged out,
// and forgets logged-out sessions that have expired by now.
func (f *File) LogOut(id string, expires, now time.Time) {
	f.LoggedOut = slices.DeleteFunc(f.LoggedOut, func(l LoggedOut) bool { return !now.Before(l.Expires) })
	if !f.IsLoggedOut(id) {
		f.LoggedOut = append(f.LoggedOut, LoggedOut{SHA256: digest(id), Expires: expires})
	}
}

// IsLoggedOut reports whether the session id was logged out.
func (f *File) IsLoggedOut(id string) bool {
	d := digest(id)
	return slices.ContainsFunc(f.LoggedOut, func(l LoggedOut) bool { return l.SHA256 == d })
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Token is a named bearer token of the stats API. Only its digest is kept.
// It acts as its user, with the user's rights, and dies with them.
type Token struct {
	Name    string    `json:"name"`
	User    string    `json:"user,omitempty"`
	SHA256  string    `json:"sha256"` // hex digest of the whole token string
	Created time.Time `json:"created"`
}

// Share is a public, read-only share link of one site: /share/<ID>.
type Share struct {
	Site    string    `json:"site"`
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
}

// ErrNoPassword is returned by VerifyPassword when no password is set.
var ErrNoPassword = errors.New(`no dashboard password is set: run "seloste passwd"`)

// Load reads the auth file at path. A missing file is not an error: it
// yields an empty File (with a fresh signing key) that Save will create.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		f := &File{Version: Version}
		if err := f.ensureKey(); err != nil {
			return nil, err
		}
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth file: %w", err)
	}
	f := new(File)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(f); err != nil {
		return nil, fmt.Errorf("auth file %s is damaged (%v): fix it or move it away and run \"seloste passwd\" again", path, err)
	}
	if f.Version != 1 && f.Version != Version {
		return nil, fmt.Errorf("auth file %s: version %d is newer than this seloste understands: upgrade seloste", path, f.Version)
	}
	if f.Password != "" {
		if _, err := decodeHash(f.Password); err != nil {
			return nil, fmt.Errorf("auth file %s: password: %v", path, err)
		}
	}
	if err := f.upgrade(); err != nil {
		return nil, fmt.Errorf("auth file %s: %v", path, err)
	}
	for _, u := range f.Users {
		if err := u.check(); err != nil {
			return nil, fmt.Errorf("auth file %s: %v", path, err)
		}
	}
	if err := f.ensureKey(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) ensureKey() error {
	if k, err := base64.StdEncoding.DecodeString(f.SessionKey); err == nil && len(k) >= 32 {
		return nil
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return err
	}
	f.SessionKey = base64.StdEncoding.EncodeToString(k)
	return nil
}

// Key returns the secret that signs the first admin's sessions (see
// UserKey); FormKey signs forms shown before a login.
func (f *File) Key() []byte {
	u := f.FirstAdmin()
	if u == nil {
		return f.FormKey()
	}
	return f.UserKey(u)
}

// Save writes the file to path with mode 0600: to a temporary file in the
// same directory first, then renamed over the old one, so a crash leaves
// either the old or the new file, never half of one.
func (f *File) Save(path string) error {
	if err := f.upgrade(); err != nil {
		return err
	}
	if err := f.ensureKey(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("auth file: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("auth file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("auth file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("auth file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("auth file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("auth file: %w", err)
	}
	return nil
}

// SetPassword sets the password of the first admin, making a user named
// DefaultAdmin when there is none yet: "seloste passwd" on a new install.
func (f *File) SetPassword(pw string) error {
	u := f.FirstAdmin()
	if u == nil {
		if err := f.AddUser(User{Name: DefaultAdmin, Role: RoleAdmin}, time.Now()); err != nil {
			return err
		}
		u = f.FirstAdmin()
	}
	return f.SetUserPassword(u.Name, pw)
}

// HasPassword reports whether any user can log in.
func (f *File) HasPassword() bool {
	return slices.ContainsFunc(f.Users, func(u User) bool { return u.Password != "" })
}

// VerifyPassword reports whether pw is the first admin's password, in
// time that does not depend on how much of it matched.
func (f *File) VerifyPassword(pw string) (bool, error) {
	u := f.FirstAdmin()
	if u == nil || u.Password == "" {
		return false, ErrNoPassword
	}
	return verifyPassword(u.Password, pw)
}

func checkPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen {
		return fmt.Errorf("the password is %d characters long; use at least %d", n, MinPasswordLen)
	}
	if strings.TrimSpace(pw) != pw {
		return errors.New("the password starts or ends with white space; remove it")
	}
	return nil
}

// AddToken creates a new random bearer token named name for the first
// admin and returns it (AddUserToken). With no admin yet (a new install)
// it makes DefaultAdmin, without a password, to own it.
func (f *File) AddToken(name string, now time.Time) (string, error) {
	u := f.FirstAdmin()
	if u == nil {
		if err := f.AddUser(User{Name: DefaultAdmin, Role: RoleAdmin}, now); err != nil {
			return "", fmt.Errorf("no admin to own the token: %w", err)
		}
		u = f.FirstAdmin()
	}
	return f.AddUserToken(name, u.Name, now)
}

// AddUserToken creates a new random bearer token named name that acts as
// the user, and returns it. The token itself is not kept; show it once.
func (f *File) AddUserToken(name, user string, now time.Time) (string, error) {
	if err := validName(name); err != nil {
		return "", err
	}
	if f.User(user) == nil {
		return "", fmt.Errorf("no user is named %q", user)
	}
	if slices.ContainsFunc(f.Tokens, func(t Token) bool { return t.Name == name }) {
		return "", fmt.Errorf("a token named %q exists; revoke it first or pick another name", name)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	f.Tokens = append(f.Tokens, Token{Name: name, User: user, SHA256: tokenDigest(tok), Created: now.UTC().Truncate(time.Second)})
	return tok, nil
}

// RevokeToken deletes the token named name.
func (f *File) RevokeToken(name string) error {
	i := slices.IndexFunc(f.Tokens, func(t Token) bool { return t.Name == name })
	if i < 0 {
		return fmt.Errorf("no token is named %q", name)
	}
	f.Tokens = slices.Delete(f.Tokens, i, i+1)
	return nil
}

// VerifyToken returns the name of the token tok, if it is a valid one.
func (f *File) VerifyToken(tok string) (name string, ok bool) {
	t, _ := f.TokenUser(tok)
	if t == nil {
		return "", false
	}
	return t.Name, true
}

// TokenUser returns the token tok and the user it acts as, or nils when
// tok is no valid token or its user is gone.
func (f *File) TokenUser(tok string) (*Token, *User) {
	d := tokenDigest(tok)
	var found *Token
	for i, t := range f.Tokens {
		// Both are hex digests of equal length: compare without early exit.
		if subtle.ConstantTimeCompare([]byte(t.SHA256), []byte(d)) == 1 {
			found = &f.Tokens[i]
		}
	}
	if found == nil {
		return nil, nil
	}
	u := f.User(found.User)
	if u == nil {
		return nil, nil
	}
	return found, u
}

func tokenDigest(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

// ShareID returns the share link id of site, "" when it has none.
func (f *File) ShareID(site string) string {
	for _, s := range f.Shares {
		if s.Site == site {
			return s.ID
		}
	}
	return ""
}

// ShareSite returns the site whose share link id is id.
func (f *File) ShareSite(id string) (string, bool) {
	if id == "" {
		return "", false
	}
	for _, s := range f.Shares {
		if subtle.ConstantTimeCompare([]byte(s.ID), []byte(id)) == 1 {
			return s.Site, true
		}
	}
	return "", false
}

// AddShare creates a share link for site, or returns the existing one.
func (f *File) AddShare(site string, now time.Time) (string, error) {
	if id := f.ShareID(site); id != "" {
		return id, nil
	}
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	f.Shares = append(f.Shares, Share{Site: site, ID: id, Created: now.UTC().Truncate(time.Second)})
	return id, nil
}

// RemoveShare deletes the share link of site; the old link stops working.
func (f *File) RemoveShare(site string) {
	f.Shares = slices.DeleteFunc(f.Shares, func(s Share) bool { return s.Site == site })
}

func validName(name string) error {
	if name == "" {
		return errors.New("the token name is empty")
	}
	if len(name) > 64 {
		return errors.New("the token name is longer than 64 bytes")
	}
	for _, r := range name {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return fmt.Errorf("the token name %q may only have letters a-z, digits, '-', '_' and '.'", name)
		}
	}
	return nil
}
