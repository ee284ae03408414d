// Package auth keeps the credentials that guard the owner's side of
// seloste: the dashboard password, the key that signs session cookies, the
// bearer tokens of the stats API and the public share links.
//
// Everything lives in one small JSON file (seloste.auth next to the
// database by default), mode 0600, rewritten atomically. Secrets are never
// stored in the clear: the password as an argon2id hash, tokens as SHA-256
// digests. The package knows no HTTP and no SQL.
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
	// Password is the argon2id hash in PHC format, "" when none is set.
	Password string `json:"password,omitempty"`
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
type Token struct {
	Name    string    `json:"name"`
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
		f := &File{Version: 1}
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
	if f.Version != 1 {
		return nil, fmt.Errorf("auth file %s: unsupported version %d", path, f.Version)
	}
	if f.Password != "" {
		if _, err := decodeHash(f.Password); err != nil {
			return nil, fmt.Errorf("auth file %s: password: %v", path, err)
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

// Key returns the secret that signs sessions. It is bound to the password
// hash, so setting a new password logs every session out.
func (f *File) Key() []byte {
	k, _ := base64.StdEncoding.DecodeString(f.SessionKey)
	h := sha256.New()
	h.Write(k)
	h.Write([]byte{0})
	h.Write([]byte(f.Password))
	return h.Sum(nil)
}

// Save writes the file to path with mode 0600: to a temporary file in the
// same directory first, then renamed over the old one, so a crash leaves
// either the old or the new file, never half of one.
func (f *File) Save(path string) error {
	f.Version = 1
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

// SetPassword replaces the password with an argon2id hash of pw.
func (f *File) SetPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen {
		return fmt.Errorf("the password is %d characters long; use at least %d", n, MinPasswordLen)
	}
	if strings.TrimSpace(pw) != pw {
		return errors.New("the password starts or ends with white space; remove it")
	}
	h, err := hashPassword(pw, DefaultParams)
	if err != nil {
		return err
	}
	f.Password = h
	return nil
}

// HasPassword reports whether a password is set.
func (f *File) HasPassword() bool { return f.Password != "" }

// VerifyPassword reports whether pw is the password, in time that does not
// depend on how much of it matched.
func (f *File) VerifyPassword(pw string) (bool, error) {
	if f.Password == "" {
		return false, ErrNoPassword
	}
	return verifyPassword(f.Password, pw)
}

// AddToken creates a new random bearer token named name and returns it.
// The token itself is not kept; show it to the user once.
func (f *File) AddToken(name string, now time.Time) (string, error) {
	if err := validName(name); err != nil {
		return "", err
	}
	if slices.ContainsFunc(f.Tokens, func(t Token) bool { return t.Name == name }) {
		return "", fmt.Errorf("a token named %q exists; revoke it first or pick another name", name)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	f.Tokens = append(f.Tokens, Token{Name: name, SHA256: tokenDigest(tok), Created: now.UTC().Truncate(time.Second)})
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
	d := tokenDigest(tok)
	for _, t := range f.Tokens {
		// Both are hex digests of equal length: compare without early exit.
		if subtle.ConstantTimeCompare([]byte(t.SHA256), []byte(d)) == 1 {
			name, ok = t.Name, true
		}
	}
	return name, ok
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
