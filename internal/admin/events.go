package admin

import (
	"context"
	"errors"
	"time"

	"github.com/authgate/authgate/internal/auth"
)

// eventRow is one audit event as the panel shows it, with the acting administrator's e-mail.
type eventRow struct {
	ID         int64
	At         time.Time
	Kind       string
	UserID     string
	UserEmail  string
	ActorID    string
	ActorEmail string
	ClientIP   string
	UserAgent  string
	Detail     string
}

// eventKinds are the kinds the audit log filter offers, as the Service records them.
func eventKinds() []string {
	return []string{
		"admin_login", "admin_login_failed", "login_ok", "login_failed", "logout", "logout_all",
		"password_changed", "password_change_failed", "password_reset_requested", "password_throttled",
		"recovery_code_used", "recovery_codes_generated", "reuse_detected", "second_factor_locked",
		"second_factor_unlocked", "session_revoked", "token_blacklisted",
		"two_factor_failed", "two_factor_lockout", "two_factor_sent", "user_created", "user_updated",
		// Second factors besides e-mailed codes (issue #16).
		"two_factor_challenged", "two_factor_method_added", "two_factor_method_removed", "totp_enrolment_started",
		"second_factor_lock_kept",
		// Accounts (Djoser's API).
		"user_signed_up", "signup_existing_address", "activation_sent", "activation_failed",
		"account_activated", "profile_updated", "reauthentication_failed", "email_change_requested",
		"email_changed", "email_reset_requested", "invitation_sent", "account_deleted",
		// Sign-in with external identity providers.
		"identity_linked", "identity_unlinked", "identity_unlink_refused", "oauth_login_failed",
		"oauth_login_refused", "oauth_link_refused",
	}
}

// eventRows fills in the actors' e-mails (one lookup per distinct actor on the page).
func (p *panel) eventRows(ctx context.Context, events []auth.AuditEvent) ([]eventRow, error) {
	actors := map[string]string{}
	rows := make([]eventRow, 0, len(events))
	for _, e := range events {
		row := eventRow{ID: e.ID, At: e.At, Kind: e.Kind, UserID: e.UserID, UserEmail: e.UserEmail,
			ActorID: e.ActorID, ClientIP: e.ClientIP, UserAgent: e.UserAgent, Detail: e.Detail}
		if e.ActorID != "" {
			email, seen := actors[e.ActorID]
			if !seen {
				u, err := p.svc.UserByID(ctx, e.ActorID)
				if err != nil && !errors.Is(err, auth.ErrNotFound) {
					return nil, err
				}
				email = u.Email
				actors[e.ActorID] = email
			}
			row.ActorEmail = email
		}
		rows = append(rows, row)
	}
	return rows, nil
}
