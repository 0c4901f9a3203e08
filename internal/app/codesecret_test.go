package app_test

import (
	"testing"

	"github.com/authgate/authgate/internal/auth"
	"github.com/authgate/authgate/internal/authtest"
)

// TestCodeSecretSurvivesKeyRotation: with AUTHGATE_CODE_SECRET set, a recovery code made under one
// signing key still finishes a login after the signing key is replaced; without it, it does not.
func TestCodeSecretSurvivesKeyRotation(t *testing.T) {
	const pw = "correct horse battery staple"
	for _, c := range []struct {
		name   string
		secret string
		works  bool
	}{
		{"with AUTHGATE_CODE_SECRET", "a-code-secret-of-at-least-32-bytes!!", true},
		{"derived from the signing key", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := authtest.DatabaseURL(t, authtest.SQLite)
			vars := map[string]string{"AUTHGATE_DATABASE_URL": db, "AUTHGATE_CODE_SECRET": c.secret}
			before := authtest.Start(t, authtest.SQLite, authtest.With(vars))
			u := before.CreateUser("a@example.com", pw)
			u.TwoFactorEnabled = true
			if err := before.App.Service.UpdateUser(t.Context(), u, "", auth.Client{}); err != nil {
				t.Fatal(err)
			}
			codes, err := before.App.Service.RegenerateRecoveryCodes(t.Context(), u, auth.Proof{Password: pw}, auth.Client{})
			if err != nil || len(codes) == 0 {
				t.Fatalf("recovery codes: %v %v", codes, err)
			}

			vars["AUTHGATE_SIGNING_KEY"] = "a-brand-new-signing-key-0123456789abcdef"
			after := authtest.Start(t, authtest.SQLite, authtest.With(vars))
			r := after.Post("/api/token/", map[string]string{"email": "a@example.com", "password": pw})
			if r.Status != 200 || r.Str("challenge") == "" {
				t.Fatalf("login: %d %s", r.Status, r.Raw)
			}
			r = after.Post("/api/token/2fa/", map[string]string{"challenge": r.Str("challenge"), "code": codes[0]})
			if got := r.Status == 200; got != c.works {
				t.Fatalf("recovery code after key rotation: %d %s (want success %v)", r.Status, r.Raw, c.works)
			}
		})
	}
}
