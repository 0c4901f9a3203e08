package token

import "time"

// RefreshLifetime is the configured refresh token lifetime (for cookie Max-Age).
func (m *Manager) RefreshLifetime() time.Duration { return m.cfg.RefreshLifetime }

// AccessLifetime is the configured access token lifetime.
func (m *Manager) AccessLifetime() time.Duration { return m.cfg.AccessLifetime }

// Issuer is the configured iss claim, empty when none.
func (m *Manager) Issuer() string { return m.cfg.Issuer }

// Leeway is the clock skew allowed on exp, nbf and iat.
func (m *Manager) Leeway() time.Duration { return m.cfg.Leeway }
