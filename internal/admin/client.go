package admin

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/authgate/authgate/internal/auth"
)

// client describes the caller for the audit log and throttling.
func (p *panel) client(r *http.Request) auth.Client {
	return auth.Client{IP: p.clientIP(r), UserAgent: r.UserAgent()}
}

// clientIP is the peer address, or the nearest untrusted address in X-Forwarded-For when the peer
// is a trusted proxy (the header is never believed from anyone else), as the API does.
func (p *panel) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	peer = peer.Unmap()
	if !p.trusted(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !p.trusted(a) {
			return a.String()
		}
		peer = a
	}
	return peer.String()
}

func (p *panel) trusted(a netip.Addr) bool {
	for _, pf := range p.proxies {
		if pf.Contains(a) {
			return true
		}
	}
	return false
}
