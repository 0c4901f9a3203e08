-- authgate schema, SQLite. Instants are INTEGER unix microseconds, UTC; booleans are 0/1.
-- Table and column names mirror SimpleJWT's token_blacklist app.

CREATE TABLE users (
    id                 TEXT    PRIMARY KEY NOT NULL,
    email              TEXT    NOT NULL,
    email_lower        TEXT    NOT NULL UNIQUE,
    password           TEXT    NOT NULL,
    is_active          INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    is_staff           INTEGER NOT NULL DEFAULT 0 CHECK (is_staff IN (0, 1)),
    is_superuser       INTEGER NOT NULL DEFAULT 0 CHECK (is_superuser IN (0, 1)),
    two_factor_enabled INTEGER NOT NULL DEFAULT 0 CHECK (two_factor_enabled IN (0, 1)),
    date_joined        INTEGER NOT NULL,
    last_login         INTEGER,
    tokens_valid_after INTEGER NOT NULL
) STRICT;

CREATE INDEX users_superuser ON users (id) WHERE is_superuser;

CREATE TABLE outstanding_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT    REFERENCES users (id) ON DELETE SET NULL,
    jti        TEXT    NOT NULL UNIQUE,
    token      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    family_id  TEXT    NOT NULL,
    parent_jti TEXT    NOT NULL DEFAULT '',
    client_ip  TEXT    NOT NULL DEFAULT '',
    user_agent TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX outstanding_tokens_user_id ON outstanding_tokens (user_id, id);
CREATE INDEX outstanding_tokens_family_id ON outstanding_tokens (family_id);
CREATE INDEX outstanding_tokens_expires_at ON outstanding_tokens (expires_at);

CREATE TABLE blacklisted_tokens (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    token_id       INTEGER NOT NULL UNIQUE REFERENCES outstanding_tokens (id) ON DELETE CASCADE,
    blacklisted_at INTEGER NOT NULL,
    reason         TEXT    NOT NULL
) STRICT;

CREATE TABLE two_factor_challenges (
    id           TEXT    PRIMARY KEY NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL,
    code_hash    TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    consumed_at  INTEGER,
    sent_count   INTEGER NOT NULL DEFAULT 0,
    last_sent_at INTEGER NOT NULL,
    client_ip    TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX two_factor_challenges_user ON two_factor_challenges (user_id, purpose);
CREATE INDEX two_factor_challenges_expires_at ON two_factor_challenges (expires_at);

CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL,
    used_at   INTEGER
) STRICT;

CREATE INDEX recovery_codes_user ON recovery_codes (user_id, code_hash);

CREATE TABLE admin_sessions (
    id           TEXT    PRIMARY KEY NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_secret  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    client_ip    TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX admin_sessions_user ON admin_sessions (user_id);
CREATE INDEX admin_sessions_expires_at ON admin_sessions (expires_at);

-- No foreign keys: the audit log outlives the users it names.
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    user_id    TEXT,
    actor_id   TEXT,
    kind       TEXT    NOT NULL,
    client_ip  TEXT    NOT NULL DEFAULT '',
    user_agent TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX audit_events_user ON audit_events (user_id, id);
CREATE INDEX audit_events_kind ON audit_events (kind, id);
CREATE INDEX audit_events_at ON audit_events (at);
