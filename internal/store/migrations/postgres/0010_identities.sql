-- External identities (issue #19): a user signs in with an OpenID Connect or OAuth 2.0
-- provider. An identity is found by provider and subject (the provider's stable id), never by
-- e-mail: the address is kept for display and may change at the provider.
CREATE TABLE identities (
    id           uuid        PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider     text        NOT NULL,
    subject      text        NOT NULL,
    email        text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    UNIQUE (provider, subject)
);

CREATE INDEX identities_user ON identities (user_id);

-- The short-lived, single-use records of a sign-in in progress: the state of an authorization
-- request (with its PKCE verifier and nonce), a logged-in user's intent to link, and the
-- one-time code the frontend exchanges for tokens. id is the keyed hash of the value the
-- browser holds; taking a record deletes it, so each works once.
CREATE TABLE oauth_flows (
    id          text        PRIMARY KEY,
    purpose     text        NOT NULL,
    provider    text        NOT NULL DEFAULT '',
    user_id     uuid        REFERENCES users (id) ON DELETE CASCADE,
    redirect_to text        NOT NULL DEFAULT '',
    verifier    text        NOT NULL DEFAULT '',
    nonce       text        NOT NULL DEFAULT '',
    binding     text        NOT NULL DEFAULT '',
    detail      text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

CREATE INDEX oauth_flows_expires_at ON oauth_flows (expires_at);
