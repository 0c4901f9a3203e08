// Package clientip finds the address of the client behind an HTTP request, believing
// X-Forwarded-For only from configured proxies. The API and the admin panel share it, so both
// throttle and audit the same address.
package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the peers whose X-Forwarded-For is believed (AUTHGATE_TRUSTED_PROXIES).
type Proxies []netip.Prefix

// Of is the peer address, or the nearest untrusted address in X-Forwarded-For when the peer is a
// trusted proxy: walking the header from the right, each hop a trusted proxy added is skipped,
// and the first hop no trusted proxy vouches for is the client. A malformed hop stops the walk.
func (ps Proxies) Of(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !ps.Trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !ps.Trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

// Trusted reports whether a is one of the proxies.
func (ps Proxies) Trusted(a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// PeerTrusted reports whether the request came straight from a trusted proxy.
func (ps Proxies) PeerTrusted(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && ps.Trusted(a.Unmap())
}
