-- Issue #13 (security review), PostgreSQL. Adding a column with a constant default rewrites
-- nothing (PostgreSQL 11+); the index is built inside the migration's transaction, which holds
-- writes to outstanding_tokens for as long as it takes (docs/benchmarks-storage.md measures it).

-- Finding 3: a per-user generation of credentials. A password change and a logout everywhere
-- add one; a challenge or reset token keeps the generation it was issued under and is void
-- once the user's has moved on, however close in time (no clock comparison).
ALTER TABLE users ADD COLUMN credentials_generation bigint NOT NULL DEFAULT 0;
ALTER TABLE two_factor_challenges ADD COLUMN generation bigint NOT NULL DEFAULT 0;

-- Finding 4: consecutive failed second-factor checks of the account, any challenge, any door.
-- At AUTHGATE_TWO_FACTOR_MAX_FAILURES codes are refused until a password reset or an admin's
-- unlock sets it back to 0; a right code does too.
ALTER TABLE users ADD COLUMN second_factor_failures integer NOT NULL DEFAULT 0;

-- The dashboard counts the rotations of the last 24 hours by created_at.
CREATE INDEX outstanding_tokens_created_at ON outstanding_tokens (created_at);
