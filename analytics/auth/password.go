package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams follow RFC 9106's second recommended option (64 MiB,
// three passes): about a tenth of a second on a small server, which is
// fine for one owner logging in and slow for anyone guessing offline.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
)

// hashPassword returns pw's argon2id hash in the PHC string format
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>, which keeps the parameters
// next to the hash so they can be raised later without breaking old files.
func hashPassword(pw string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

type decoded struct {
	p         Params
	salt, key []byte
}

func decodeHash(s string) (*decoded, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return nil, errors.New("not an argon2id hash in PHC format")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return nil, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	var d decoded
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &d.p.Memory, &d.p.Time, &d.p.Threads); err != nil {
		return nil, fmt.Errorf("bad argon2 parameters %q", parts[3])
	}
	// Bounds keep a tampered file from making each login allocate gigabytes.
	if d.p.Memory < 8 || d.p.Memory > 1<<20 || d.p.Time < 1 || d.p.Time > 100 || d.p.Threads < 1 {
		return nil, fmt.Errorf("argon2 parameters out of range %q", parts[3])
	}
	var err error
	if d.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(d.salt) < 8 {
		return nil, errors.New("bad argon2 salt")
	}
	if d.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(d.key) < 16 {
		return nil, errors.New("bad argon2 hash")
	}
	return &d, nil
}

func verifyPassword(hash, pw string) (bool, error) {
	d, err := decodeHash(hash)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(pw), d.salt, d.p.Time, d.p.Memory, d.p.Threads, uint32(len(d.key)))
	return subtle.ConstantTimeCompare(key, d.key) == 1, nil
}
