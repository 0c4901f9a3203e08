package admin

import (
	"net/http"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// dashboardData is the index page: counts at a glance and the latest events.
type dashboardData struct {
	Users     int
	Tokens    auth.TokenStats
	Logins    int // successful logins (API and panel) in the last 24 hours
	Refreshes int // refresh-token rotations in the last 24 hours
	Failures  int // failed logins and codes in the last 24 hours
	Reuse     int // refresh-token reuse detections in the last 24 hours
	Recent    []eventRow
}

// dashboard is the index page, Django admin's "Site administration".
func (p *panel) dashboard(w http.ResponseWriter, r *http.Request, s *staffSession) {
	ctx := r.Context()
	store := p.svc.Store()
	now := p.now()
	var d dashboardData
	var err error
	if d.Users, err = store.CountUsers(ctx); err != nil {
		p.internalError(w, r, err)
		return
	}
	if d.Tokens, err = store.TokenStats(ctx, now); err != nil {
		p.internalError(w, r, err)
		return
	}
	counts, err := store.CountEvents(ctx, now.Add(-24*time.Hour))
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	d.Logins = counts["login_ok"] + counts["admin_login"]
	d.Refreshes = d.Tokens.Rotations
	d.Failures = counts["login_failed"] + counts["admin_login_failed"] + counts["two_factor_failed"]
	d.Reuse = counts["reuse_detected"]
	events, err := store.ListEvents(ctx, auth.EventQuery{Limit: 10})
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	if d.Recent, err = p.eventRows(ctx, events); err != nil {
		p.internalError(w, r, err)
		return
	}
	p.page(w, r, s, http.StatusOK, "dashboard", "Site administration", "dashboard", d)
}
