// Package request says where a request to seloste comes from: the client's
// address, believed through trusted reverse proxies only, and the configured
// site that a page or an Origin belongs to.
//
// The collector, the visitor self-service and the dashboard's login rate
// limit all ask these questions, and must get the same answers: the
// self-service recomputes the collector's visitor id from the same address,
// and accepts exactly the pages and Origins the collector accepts.
package request

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP is the client address of r: the TCP peer, or, when the peer is
// a trusted proxy, the right-most X-Forwarded-For hop that is not one. A
// hop that does not parse ends the walk: the hop to its right is the
// client. The collector hashes it into the visitor id; never store or log
// it.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ip, ok := peer(r)
	if !ok || !isTrusted(ip, trusted) {
		return ip
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		h := hops[i]
		for h != "" {
			var hop string
			if j := strings.LastIndexByte(h, ','); j >= 0 {
				hop, h = h[j+1:], h[:j]
			} else {
				hop, h = h, ""
			}
			hop = strings.TrimSpace(hop)
			if hop == "" {
				continue
			}
			a, err := netip.ParseAddr(hop)
			if err != nil {
				// Some proxies append the port: "203.0.113.9:41000".
				ap, err := netip.ParseAddrPort(hop)
				if err != nil {
					return ip
				}
				a = ap.Addr()
			}
			ip = a.Unmap()
			if !isTrusted(ip, trusted) {
				return ip
			}
		}
	}
	return ip
}

// FromTrustedProxy reports whether r's TCP peer is one of the trusted
// proxies, whose forwarding headers (X-Forwarded-For, X-Forwarded-Proto)
// may be believed.
func FromTrustedProxy(r *http.Request, trusted []netip.Prefix) bool {
	ip, ok := peer(r)
	return ok && isTrusted(ip, trusted)
}

// Direct reports whether r came straight from this machine or from a
// trusted proxy's own host, not forwarded on someone's behalf: its TCP peer
// is a loopback address or a trusted proxy, and it carries no forwarding
// header (X-Forwarded-For, X-Real-Ip, Forwarded).
//
// The peer alone does not tell: a reverse proxy on the same host connects
// from 127.0.0.1 for every request of the public it forwards. Such a proxy
// adds X-Forwarded-For (as trust_proxy needs it to), and that marks the
// request as forwarded. A client cannot remove a header its proxy adds.
func Direct(r *http.Request, trusted []netip.Prefix) bool {
	ip, ok := peer(r)
	if !ok || !(ip.IsLoopback() || isTrusted(ip, trusted)) {
		return false
	}
	h := r.Header
	return len(h.Values("X-Forwarded-For")) == 0 && len(h.Values("X-Real-Ip")) == 0 && len(h.Values("Forwarded")) == 0
}

// peer is r's TCP peer; ok is false (and the address invalid) when
// RemoteAddr is not an address and port.
func peer(r *http.Request) (ip netip.Addr, ok bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
