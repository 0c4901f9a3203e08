-- Authenticator apps (issue #16, TOTP of RFC 6238): at most one per user. secret is the shared
-- key sealed with AES-GCM under a key derived from AUTHGATE_CODE_SECRET (internal/auth/totp.go),
-- never stored in the clear. The factor counts once confirmed_at is set (enrolment finished
-- with a first code); last_step is the highest 30-second step whose code was accepted, so no
-- code is accepted twice (RFC 6238 §5.2).
CREATE TABLE totp_factors (
    user_id      TEXT    PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_used_at INTEGER,
    last_step    INTEGER NOT NULL DEFAULT 0
) STRICT;
