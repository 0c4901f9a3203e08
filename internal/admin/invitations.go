package admin

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// invitationsData is the invitations page: a form and the latest invitations.
type invitationsData struct {
	Email       string
	Error       string
	Invitations []invitationRow
	SignupMode  string
}

type invitationRow struct {
	Email     string
	By        string // the inviting administrator's e-mail, when still a user
	ByID      string
	CreatedAt time.Time
	ExpiresAt time.Time
	State     string // "pending", "used" or "expired"
}

// invitationList shows the invitation form and the latest invitations (superusers only, as
// adding users is).
func (p *panel) invitationList(w http.ResponseWriter, r *http.Request, s *staffSession) {
	if !s.user.IsSuperuser {
		p.denied(w, r, "invite users")
		return
	}
	p.renderInvitations(w, r, s, http.StatusOK, invitationsData{})
}

func (p *panel) renderInvitations(w http.ResponseWriter, r *http.Request, s *staffSession, status int, d invitationsData) {
	ctx := r.Context()
	toks, err := p.svc.Store().ListAccountTokens(ctx, auth.AccountTokenQuery{Purpose: auth.PurposeInvitation, Limit: pageSize})
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	names := map[string]string{}
	now := p.now()
	for _, t := range toks {
		row := invitationRow{Email: t.Email, ByID: t.CreatedBy, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, State: "pending"}
		switch {
		case !t.ConsumedAt.IsZero():
			row.State = "used"
		case !now.Before(t.ExpiresAt):
			row.State = "expired"
		}
		if t.CreatedBy != "" {
			if _, ok := names[t.CreatedBy]; !ok {
				if u, err := p.svc.UserByID(ctx, t.CreatedBy); err == nil {
					names[t.CreatedBy] = u.Email
				} else if !errors.Is(err, auth.ErrNotFound) {
					p.internalError(w, r, err)
					return
				}
			}
			row.By = names[t.CreatedBy]
		}
		d.Invitations = append(d.Invitations, row)
	}
	d.SignupMode = p.svc.Config().Accounts.Signup
	p.page(w, r, s, status, "invitations", "Invitations", "invitations", d, crumb{Label: "Invitations"})
}

// invite mails an invitation to sign up (the CLI's `authgate invite`).
func (p *panel) invite(w http.ResponseWriter, r *http.Request, s *staffSession) {
	if !s.user.IsSuperuser {
		p.denied(w, r, "invite users")
		return
	}
	email := truncate(strings.TrimSpace(r.PostFormValue("email")), 254)
	d := invitationsData{Email: email}
	if email == "" {
		d.Error = msgRequired
		p.renderInvitations(w, r, s, http.StatusOK, d)
		return
	}
	err := p.svc.Invite(r.Context(), email, s.user.ID, p.client(r))
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		d.Error = validationText(ve)
		p.renderInvitations(w, r, s, http.StatusOK, d)
		return
	case errors.Is(err, auth.ErrMailFailed):
		d.Error = "The invitation could not be e-mailed. Try again later."
		p.renderInvitations(w, r, s, http.StatusServiceUnavailable, d)
		return
	case err != nil:
		p.internalError(w, r, err)
		return
	}
	p.setFlash(w, r, s, "An invitation was sent to “"+email+"”.")
	http.Redirect(w, r, "/admin/invitations/", http.StatusSeeOther)
}

// userResendActivation mails a fresh activation link to an account that awaits verification.
func (p *panel) userResendActivation(w http.ResponseWriter, r *http.Request, s *staffSession) {
	u, ok := p.loadUser(w, r)
	if !ok {
		return
	}
	err := p.svc.ResendActivationFor(r.Context(), u, s.user.ID, p.client(r))
	var ve *auth.ValidationError
	if errors.As(err, &ve) {
		p.renderUser(w, r, s, http.StatusOK, u, validationText(ve))
		return
	}
	if err != nil {
		p.internalError(w, r, err)
		return
	}
	p.setFlash(w, r, s, "An activation e-mail was sent to “"+u.Email+"”.")
	http.Redirect(w, r, userURL(u.ID), http.StatusSeeOther)
}
