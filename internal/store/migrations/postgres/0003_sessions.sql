-- Sessions (issue #15, review finding #13.5). A session is a login: the family of refresh tokens
-- descending from it, named by family_id, which the tokens' sid claim carries. Its id is opaque
-- and random: until now family_id was the jti of the login's first refresh token, so the id the
-- sessions API shows to anyone holding an access token was a key of the token store.

-- Existing families get fresh random ids, every token of a family the same one.
CREATE TEMPORARY TABLE session_ids ON COMMIT DROP AS
    SELECT family_id AS old_id, replace(gen_random_uuid()::text, '-', '') AS new_id
    FROM (SELECT DISTINCT family_id FROM outstanding_tokens) f;
CREATE INDEX ON session_ids (old_id);
UPDATE outstanding_tokens t SET family_id = s.new_id FROM session_ids s WHERE t.family_id = s.old_id;

-- Sessions that ended (a logout, a revocation, reuse detection, a session limit): their refresh
-- tokens are blacklisted, and their access tokens, which carry the same sid, are refused by every
-- instance, which reads the recent rows of this table (auth's ended-session set).
CREATE TABLE ended_sessions (
    id       text        COLLATE "C" PRIMARY KEY,
    user_id  uuid,
    ended_at timestamptz NOT NULL,
    reason   text        NOT NULL
);

CREATE INDEX ended_sessions_ended_at ON ended_sessions (ended_at);
CREATE INDEX ended_sessions_user ON ended_sessions (user_id, ended_at);
