package collect

import (
	"net/http"
	"net/netip"
)

// ClientIP is the client address the collector hashes into the visitor id
// of a request: the TCP peer, or the right-most untrusted X-Forwarded-For
// hop when the peer is a trusted proxy. The visitor self-service uses it
// to compute the same id for the same browser. Never store or log it.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	return clientIP(r, trusted)
}

// NormalizeHost reduces a site domain or origin such as "Example.fi",
// "https://example.fi:8443/" to the host form the collector keys sites by:
// "example.fi".
func NormalizeHost(s string) (string, error) { return normalizeHost(s) }

// IsLocalHost reports whether host is localhost, 127.0.0.1 or ::1, which
// Config.AllowLocal accepts for every site.
func IsLocalHost(host string) bool { return isLocalHost(host) }
