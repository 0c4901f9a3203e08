package admin

import (
	"net/http"

	"github.com/authgate/authgate/internal/auth"
)

// client describes the caller for the audit log and throttling.
func (p *panel) client(r *http.Request) auth.Client {
	return auth.Client{IP: p.clientIP(r), UserAgent: r.UserAgent()}
}

// clientIP is the client's address as the API sees it (X-Forwarded-For only from trusted proxies).
func (p *panel) clientIP(r *http.Request) string { return p.proxies.Of(r) }
