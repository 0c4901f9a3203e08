-- External identities (issue #19): a user signs in with an OpenID Connect or OAuth 2.0
-- provider. An identity is found by provider and subject (the provider's stable id), never by
-- e-mail: the address is kept for display and may change at the provider.
CREATE TABLE identities (
    id           TEXT    PRIMARY KEY NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider     TEXT    NOT NULL,
    subject      TEXT    NOT NULL,
    email        TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    UNIQUE (provider, subject)
) STRICT;

CREATE INDEX identities_user ON identities (user_id);

-- The short-lived, single-use records of a sign-in in progress: the state of an authorization
-- request (with its PKCE verifier and nonce), a logged-in user's intent to link, and the
-- one-time code the frontend exchanges for tokens. id is the keyed hash of the value the
-- browser holds; taking a record deletes it, so each works once.
CREATE TABLE oauth_flows (
    id          TEXT    PRIMARY KEY NOT NULL,
    purpose     TEXT    NOT NULL,
    provider    TEXT    NOT NULL DEFAULT '',
    user_id     TEXT    REFERENCES users (id) ON DELETE CASCADE,
    redirect_to TEXT    NOT NULL DEFAULT '',
    verifier    TEXT    NOT NULL DEFAULT '',
    nonce       TEXT    NOT NULL DEFAULT '',
    binding     TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX oauth_flows_expires_at ON oauth_flows (expires_at);
