-- Accounts (issue 14): names, the verified state, and the single-use tokens mailed in links.

-- Django's first_name and last_name (150 characters, enforced by the service).
ALTER TABLE users ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
-- When the address was verified; NULL while it is not. Users from before sign-up existed were
-- made by operators (CLI, admin panel, importusers): they count as verified since they joined.
ALTER TABLE users ADD COLUMN verified_at INTEGER;
-- Signed up and waiting for the activation link (inactive until then). Telling this apart from
-- an account an administrator deactivated keeps activation from undoing a deactivation.
ALTER TABLE users ADD COLUMN activation_pending INTEGER NOT NULL DEFAULT 0 CHECK (activation_pending IN (0, 1));
UPDATE users SET verified_at = date_joined;
CREATE INDEX users_unverified ON users (email_lower) WHERE verified_at IS NULL;

-- Activation, password reset, e-mail reset, e-mail change and invitation tokens. id is the
-- keyed hash of the value the link holds; purpose binds a token to one use; email is the
-- address the token is about (the new one for an e-mail change, the invited one for an
-- invitation); user_id is NULL for invitations.
CREATE TABLE account_tokens (
    id          TEXT    PRIMARY KEY NOT NULL,
    purpose     TEXT    NOT NULL,
    user_id     TEXT    REFERENCES users (id) ON DELETE CASCADE,
    email       TEXT    NOT NULL DEFAULT '',
    email_lower TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    consumed_at INTEGER,
    created_by  TEXT,
    client_ip   TEXT    NOT NULL DEFAULT '',
    user_agent  TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_email ON account_tokens (purpose, email_lower);
CREATE INDEX account_tokens_expires_at ON account_tokens (expires_at);

-- Password reset tokens lived among the two-factor challenges: carry the live ones over.
INSERT INTO account_tokens (id, purpose, user_id, email, email_lower, created_at, expires_at,
    consumed_at, client_ip, user_agent)
SELECT c.id, 'reset', c.user_id, u.email, u.email_lower, c.created_at, c.expires_at, c.consumed_at,
    c.client_ip, c.user_agent
FROM two_factor_challenges c JOIN users u ON u.id = c.user_id WHERE c.purpose = 'reset';
DELETE FROM two_factor_challenges WHERE purpose = 'reset';
