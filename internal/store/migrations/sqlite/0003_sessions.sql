-- Sessions (issue #15, review finding #13.5). A session is a login: the family of refresh tokens
-- descending from it, named by family_id, which the tokens' sid claim carries. Its id is opaque
-- and random: until now family_id was the jti of the login's first refresh token, so the id the
-- sessions API shows to anyone holding an access token was a key of the token store.

-- Existing families get fresh random ids, every token of a family the same one.
CREATE TEMP TABLE session_ids (old_id TEXT PRIMARY KEY NOT NULL, new_id TEXT NOT NULL);
INSERT INTO session_ids SELECT family_id, lower(hex(randomblob(16))) FROM outstanding_tokens GROUP BY family_id;
UPDATE outstanding_tokens SET family_id = (SELECT new_id FROM session_ids WHERE old_id = outstanding_tokens.family_id);
DROP TABLE session_ids;

-- Sessions that ended (a logout, a revocation, reuse detection, a session limit): their refresh
-- tokens are blacklisted, and their access tokens, which carry the same sid, are refused by every
-- instance, which reads the recent rows of this table (auth's ended-session set).
CREATE TABLE ended_sessions (
    id       TEXT    PRIMARY KEY NOT NULL,
    user_id  TEXT,
    ended_at INTEGER NOT NULL,
    reason   TEXT    NOT NULL
) STRICT;

CREATE INDEX ended_sessions_ended_at ON ended_sessions (ended_at);
CREATE INDEX ended_sessions_user ON ended_sessions (user_id, ended_at);
