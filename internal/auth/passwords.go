package auth

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ChangePassword is POST /api/password/change/: the old password, then the policy, then every
// token of the user is revoked and a fresh pair is issued for the caller's own session.
func (s *Service) ChangePassword(ctx context.Context, u User, oldPw, newPw string, c Client) (Pair, error) {
	ok, _, err := s.hasher.Verify(ctx, oldPw, u.PasswordHash)
	if !ok && err != nil && ctx.Err() != nil {
		return Pair{}, err
	}
	if !ok {
		s.audit(ctx, "password_change_failed", u.ID, "", c, "wrong old password")
		return Pair{}, fieldError("old_password", "Your old password was entered incorrectly. Please enter it again.")
	}
	if err := s.SetPassword(ctx, u, newPw, "", c, false); err != nil {
		return Pair{}, err
	}
	u, err = s.store.UserByID(ctx, u.ID)
	if err != nil {
		return Pair{}, err
	}
	return s.issuePair(ctx, u, c)
}

// RequestPasswordReset is POST /api/password/reset/. It answers the same, after the same work,
// whether the address belongs to an active user or not: the mail goes out in the background.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, c Client) {
	opaque := opaqueID()
	id := s.hashID(opaque)
	u, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
	if err != nil || !u.IsActive {
		if err != nil && !errors.Is(err, ErrNotFound) {
			s.log.Warn("password reset lookup failed", "err", err)
		}
		s.audit(ctx, "password_reset_requested", "", "", c, "no active account")
		return
	}
	now := s.now().UTC()
	ch := Challenge{ID: id, UserID: u.ID, Purpose: PurposeReset, CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.ResetTTL), SentCount: 1, LastSentAt: now, ClientIP: c.IP,
		UserAgent: truncate(c.UserAgent, 512)}
	if err := s.store.CreateChallenge(ctx, ch, s.cfg.MaxLiveChallenges); err != nil {
		s.audit(ctx, "password_reset_requested", u.ID, "", c, "not sent: "+err.Error())
		return
	}
	s.audit(ctx, "password_reset_requested", u.ID, "", c, "")
	if s.mailer == nil {
		return
	}
	link := ""
	if s.cfg.ResetURL != "" {
		link = strings.ReplaceAll(s.cfg.ResetURL, "{token}", opaque)
	}
	data := map[string]any{"token": opaque, "link": link, "minutes": int(s.cfg.ResetTTL.Minutes()), "email": u.Email}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.mailer.Send(ctx, u.Email, "password_reset", data); err != nil {
			s.log.Error("password reset mail not delivered", "user_id", u.ID, "err", err)
		}
	}()
}

// ConfirmPasswordReset is POST /api/password/reset/confirm/: a live, unused reset token sets a
// new password and revokes every token of the user.
func (s *Service) ConfirmPasswordReset(ctx context.Context, opaque, newPw string, c Client) error {
	invalid := fieldError("token", "Invalid or expired token.")
	if opaque == "" || len(opaque) > 128 {
		return invalid
	}
	id := s.hashID(opaque)
	ch, err := s.store.ChallengeByID(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return invalid
	}
	if err != nil {
		return err
	}
	if ch.Purpose != PurposeReset || !ch.ConsumedAt.IsZero() || !s.now().Before(ch.ExpiresAt) {
		return invalid
	}
	u, err := s.store.UserByID(ctx, ch.UserID)
	if errors.Is(err, ErrNotFound) || err == nil && !u.IsActive {
		return invalid
	}
	if err != nil {
		return err
	}
	if err := s.CheckPasswordPolicy(newPw, u.Email, "new_password"); err != nil {
		return err
	}
	if err := s.store.ConsumeChallenge(ctx, id, s.now().UTC()); err != nil {
		if errors.Is(err, ErrConflict) {
			return invalid
		}
		return err
	}
	return s.SetPassword(ctx, u, newPw, "", c, true)
}

// Sessions lists the caller's live logins.
func (s *Service) Sessions(ctx context.Context, u User) ([]Session, error) {
	return s.store.Sessions(ctx, u.ID, s.now().UTC())
}

// RevokeSession logs one of the caller's logins out; ErrNotFound when it is not theirs or not live.
func (s *Service) RevokeSession(ctx context.Context, u User, familyID string, c Client) error {
	ss, err := s.Sessions(ctx, u)
	if err != nil {
		return err
	}
	for _, x := range ss {
		if x.FamilyID == familyID {
			if _, err := s.store.RevokeFamily(ctx, familyID, ReasonSession, s.now().UTC()); err != nil {
				return err
			}
			s.audit(ctx, "session_revoked", u.ID, "", c, familyID)
			return nil
		}
	}
	return ErrNotFound
}

// FamilyOf returns the family of a refresh token the caller presents, if it is theirs.
func (s *Service) FamilyOf(ctx context.Context, u User, rawRefresh string) string {
	if rawRefresh == "" {
		return ""
	}
	rc, err := s.tokens.Parse(rawRefresh, "refresh")
	if err != nil || rc.UserID != u.ID {
		return ""
	}
	ot, err := s.store.TokenByJTI(ctx, rc.JTI)
	if err != nil {
		return ""
	}
	return ot.FamilyID
}

// LogoutOthers revokes every live login of the caller but the one named.
func (s *Service) LogoutOthers(ctx context.Context, u User, keepFamily string, c Client) (int, error) {
	ss, err := s.Sessions(ctx, u)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, x := range ss {
		if x.FamilyID == keepFamily {
			continue
		}
		if _, err := s.store.RevokeFamily(ctx, x.FamilyID, ReasonSession, s.now().UTC()); err != nil {
			return n, err
		}
		n++
	}
	s.audit(ctx, "session_revoked", u.ID, "", c, "all other sessions")
	return n, nil
}
