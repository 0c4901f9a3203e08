package auth

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Authenticator apps (RFC 6238 TOTP, issue #16): SHA-1, six digits, 30-second steps, a code of
// the step before or after accepted for clock drift, as Google Authenticator and its peers
// expect. Each accepted code moves the factor's last step forward in one atomic store update,
// so no code is accepted twice (RFC 6238 §5.2), not even by parallel requests. The shared key
// is sealed with AES-256-GCM under a key derived from the code secret with its own label; the
// user id is the sealed value's associated data, so a row copied to another user opens for
// no one.
const (
	totpPeriod = 30
	totpSkew   = 1
	totpDigits = otp.DigitsSix
	totpLabel  = "authgate/totp-secret/v1"
	totpSealV1 = "v1."
	qrSize     = 256
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

// MethodEnabled reports whether users may enrol the method (AUTHGATE_TWO_FACTOR_METHODS).
func (s *Service) MethodEnabled(name string) bool {
	return slices.Contains(s.cfg.TwoFactorMethods, name)
}

// TOTPEnrolment is what a user copies into an authenticator app, shown this once.
type TOTPEnrolment struct {
	Secret string // base32, for typing in
	URI    string // otpauth://totp/…, what the QR code holds
	QRCode string // data:image/png;base64,…
}

func (s *Service) totpAEAD() (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, s.secret, nil, totpLabel, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func totpAD(userID string) []byte { return []byte("totp:" + strings.ToLower(userID)) }

// sealTOTP encrypts a shared key for storage: "v1." and the nonce and ciphertext in base64url.
func (s *Service) sealTOTP(userID, secret string) (string, error) {
	aead, err := s.totpAEAD()
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return totpSealV1 + base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(secret), totpAD(userID))), nil
}

// openTOTP decrypts a stored shared key; an error means the code secret changed or the row was
// tampered with, and no code is accepted (fail closed).
func (s *Service) openTOTP(userID, sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, totpSealV1)
	if !ok {
		return "", errors.New("auth: totp secret: unknown format")
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("auth: totp secret: %w", err)
	}
	aead, err := s.totpAEAD()
	if err != nil {
		return "", err
	}
	if len(raw) < aead.NonceSize() {
		return "", errors.New("auth: totp secret: too short")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], totpAD(userID))
	if err != nil {
		return "", fmt.Errorf("auth: totp secret: %w", err)
	}
	return string(plain), nil
}

// matchTOTP returns the time step whose code code is, among the steps around now.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	var step int64
	found := 0
	for d := -totpSkew; d <= totpSkew; d++ {
		t := now.Add(time.Duration(d*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, t, totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step, found = t.Unix()/totpPeriod, found+1
		}
	}
	return step, found > 0
}

// checkTOTP checks a code of the user's authenticator app and uses its step up. A code already
// accepted (or one of an earlier step than one accepted) is refused and audited as a replay.
// confirm checks the code that finishes enrolment instead, and confirms the factor.
func (s *Service) checkTOTP(ctx context.Context, userID, code string, confirm bool, c Client) (bool, error) {
	f, err := s.store.TOTPByUser(ctx, userID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: check totp: %w", err)
	}
	if f.ConfirmedAt.IsZero() != confirm {
		return false, nil
	}
	secret, err := s.openTOTP(userID, f.Secret)
	if err != nil {
		// The code secret changed, or the row was altered: no code is right (fail closed), and
		// the operator is told; the user sees a wrong code, not a server error.
		s.log.Error("authenticator app secret does not open: was AUTHGATE_CODE_SECRET changed?", "user_id", userID, "err", err)
		return false, nil
	}
	now := s.now()
	step, ok := matchTOTP(secret, code, now)
	if !ok {
		return false, nil
	}
	err = s.store.UseTOTPStep(ctx, userID, step, now.UTC(), confirm)
	if errors.Is(err, ErrConflict) {
		s.audit(ctx, "two_factor_failed", userID, "", c, "totp: code already used")
		return false, nil
	}
	if errors.Is(err, ErrNotFound) { // removed meanwhile
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: check totp: %w", err)
	}
	return true, nil
}

// totpFactor is the login method of a confirmed authenticator app.
type totpFactor struct{ s *Service }

func (f totpFactor) enrolled(ctx context.Context, u User) (bool, error) {
	t, err := f.s.store.TOTPByUser(ctx, u.ID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("auth: totp factor: %w", err)
	}
	return !t.ConfirmedAt.IsZero(), nil
}

func (f totpFactor) check(ctx context.Context, ch Challenge, a Answer, c Client) (bool, error) {
	return f.s.checkTOTP(ctx, ch.UserID, a.Code, false, c)
}

var errTOTPAlready = fieldError("non_field_errors", "An authenticator app is already set up. Remove it before setting up another.")

// BeginTOTP starts enrolling an authenticator app (POST /api/2fa/totp/). It takes the password:
// with an access token alone, whoever stole one could bind the account to their own app and
// keep the owner out (ASVS 5.0 V6.x, re-authentication before a change of factors). A pending
// enrolment is replaced; the factor counts only once ConfirmTOTP has seen a first code.
func (s *Service) BeginTOTP(ctx context.Context, u User, pw string, c Client) (TOTPEnrolment, error) {
	if s.cfg.TwoFactor == "off" {
		return TOTPEnrolment{}, fieldError("non_field_errors", "Two-factor authentication is turned off on this server.")
	}
	if !s.MethodEnabled(MethodTOTP) {
		return TOTPEnrolment{}, fieldError("non_field_errors", "Authenticator apps are not offered on this server.")
	}
	if ok, err := (totpFactor{s}).enrolled(ctx, u); err != nil {
		return TOTPEnrolment{}, err
	} else if ok {
		return TOTPEnrolment{}, errTOTPAlready
	}
	ok, err := s.verifyPassword(ctx, u, pw, "totp enrolment", c)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if !ok {
		s.audit(ctx, "two_factor_failed", u.ID, "", c, "totp enrolment: wrong password")
		return TOTPEnrolment{}, fieldError("password", "Your password was entered incorrectly. Please enter it again.")
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: s.cfg.Accounts.SiteName, AccountName: u.Email, Period: totpPeriod, SecretSize: 20,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1, Rand: rand.Reader,
	})
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: totp key: %w", err)
	}
	sealed, err := s.sealTOTP(u.ID, key.Secret())
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: seal totp secret: %w", err)
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: totp qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: totp qr code: %w", err)
	}
	err = s.store.PutPendingTOTP(ctx, TOTPFactor{UserID: u.ID, Secret: sealed, CreatedAt: s.now().UTC()})
	if errors.Is(err, ErrConflict) {
		return TOTPEnrolment{}, errTOTPAlready
	}
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("auth: begin totp: %w", err)
	}
	s.audit(ctx, "totp_enrolment_started", u.ID, "", c, "")
	return TOTPEnrolment{
		Secret: key.Secret(), URI: key.URL(),
		QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()),
	}, nil
}

// ConfirmTOTP finishes enrolment with a first code of the app (POST /api/2fa/totp/confirm/).
// When the app is the user's first factor it returns fresh recovery codes (shown once), as
// turning e-mailed codes on does; otherwise nil, and the user's codes stay.
func (s *Service) ConfirmTOTP(ctx context.Context, u User, code string, c Client) ([]string, error) {
	f, err := s.store.TOTPByUser(ctx, u.ID)
	if errors.Is(err, ErrNotFound) {
		return nil, fieldError("non_field_errors", "No authenticator app is being set up: start again.")
	}
	if err != nil {
		return nil, fmt.Errorf("auth: confirm totp: %w", err)
	}
	if !f.ConfirmedAt.IsZero() {
		return nil, errTOTPAlready
	}
	had, err := s.hasFactor(ctx, u, MethodTOTP)
	if err != nil {
		return nil, err
	}
	ok, err := s.checkTOTP(ctx, u.ID, code, true, c)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.audit(ctx, "two_factor_failed", u.ID, "", c, "totp enrolment: wrong code")
		return nil, fieldError("code", "The code is invalid.")
	}
	s.factorChanged(ctx, u, MethodTOTP, true, "", c)
	if had {
		return nil, nil
	}
	return s.newRecoveryCodes(ctx, u, c)
}

// RemoveFactorProof is what removing a factor takes besides an access token: the password, or
// a code of the factor.
type RemoveFactorProof struct {
	Password string
	Code     string
}

// DisableTOTP removes the user's authenticator app (POST /api/2fa/totp/disable/) given the
// password (drawing on the budget of failed password checks) or one of its codes (a
// second-factor check, under the account's ceiling). Under AUTHGATE_TWO_FACTOR=required it
// refuses to remove the user's last factor. The user's recovery codes go with their last factor.
func (s *Service) DisableTOTP(ctx context.Context, u User, p RemoveFactorProof, c Client) error {
	if ok, err := (totpFactor{s}).enrolled(ctx, u); err != nil {
		return err
	} else if !ok {
		return fieldError("non_field_errors", "No authenticator app is set up.")
	}
	other, err := s.hasFactor(ctx, u, MethodTOTP)
	if err != nil {
		return err
	}
	if s.cfg.TwoFactor == "required" && !other {
		return fieldError("non_field_errors", "Two-factor authentication is required on this server: set up another method before removing this one.")
	}
	if p.Password != "" {
		ok, err := s.verifyPassword(ctx, u, p.Password, "totp removal", c)
		if err != nil {
			return err
		}
		if !ok {
			s.audit(ctx, "two_factor_failed", u.ID, "", c, "totp removal: wrong password")
			return fieldError("password", "Your password was entered incorrectly. Please enter it again.")
		}
	} else {
		ok, err := s.verifySecondFactor(ctx, u.ID, "totp removal", c, func() (bool, error) {
			return s.checkTOTP(ctx, u.ID, p.Code, false, c)
		})
		if err != nil {
			return err
		}
		if !ok {
			s.audit(ctx, "two_factor_failed", u.ID, "", c, "totp removal: wrong code")
			return fieldError("code", "The code is invalid.")
		}
	}
	return s.removeTOTP(ctx, u, other, "", c)
}

// RemoveTOTP is the admin's removal of a user's authenticator app (audited with the actor).
func (s *Service) RemoveTOTP(ctx context.Context, u User, actorID string, c Client) error {
	other, err := s.hasFactor(ctx, u, MethodTOTP)
	if err != nil {
		return err
	}
	return s.removeTOTP(ctx, u, other, actorID, c)
}

func (s *Service) removeTOTP(ctx context.Context, u User, other bool, actorID string, c Client) error {
	if err := s.store.DeleteTOTP(ctx, u.ID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return fieldError("non_field_errors", "No authenticator app is set up.")
		}
		return fmt.Errorf("auth: remove totp: %w", err)
	}
	if !other {
		// As when e-mailed codes are turned off: recovery codes die with the last factor.
		if err := s.store.ReplaceRecoveryCodes(ctx, u.ID, nil); err != nil {
			return fmt.Errorf("auth: delete recovery codes: %w", err)
		}
	}
	s.factorChanged(ctx, u, MethodTOTP, false, actorID, c)
	return nil
}

// methodNames are the methods as a notice names them.
var methodNames = map[string]string{MethodTOTP: "An authenticator app", MethodWebAuthn: "A passkey", MethodEmail: "E-mailed codes"}

// factorChanged audits a factor added or removed and mails the owner a notice.
func (s *Service) factorChanged(ctx context.Context, u User, method string, added bool, actorID string, c Client) {
	kind := "two_factor_method_removed"
	if added {
		kind = "two_factor_method_added"
	}
	s.audit(ctx, kind, u.ID, actorID, c, method)
	if s.mailer == nil {
		return
	}
	if err := s.mailer.Send(ctx, u.Email, "second_factor_changed", map[string]any{
		"email": u.Email, "method": methodNames[method], "added": added,
	}); err != nil {
		s.log.Warn("second-factor change notice not sent", "user_id", u.ID, "err", err)
	}
}

// Factor is one second factor a user has set up, as GET /api/2fa/ lists it (no secrets).
type Factor struct {
	Method     string
	CreatedAt  time.Time // zero when unknown (e-mailed codes)
	LastUsedAt time.Time // zero when never or unknown
}

// Factors lists the second factors u has set up, in methodOrder; e-mailed codes when u's
// switch is on. Recovery codes are not a factor here (TwoFactorStatus counts them).
func (s *Service) Factors(ctx context.Context, u User) ([]Factor, error) {
	var out []Factor
	t, err := s.store.TOTPByUser(ctx, u.ID)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("auth: factors: %w", err)
	case !t.ConfirmedAt.IsZero():
		out = append(out, Factor{Method: MethodTOTP, CreatedAt: t.ConfirmedAt, LastUsedAt: t.LastUsedAt})
	}
	if u.TwoFactorEnabled {
		out = append(out, Factor{Method: MethodEmail})
	}
	return out, nil
}
