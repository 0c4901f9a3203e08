-- Issue #13, finding 3, for the account tokens of migration 0004 (this step must follow it, so
-- it cannot live in 0002): a token keeps the user's credentials generation from when it was
-- issued and is void once a password change or a logout everywhere has moved it, however close
-- in time. Tokens issued before this step take their user's current generation: they keep
-- working as they did (the whole-second test still applies to them).
ALTER TABLE account_tokens ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
UPDATE account_tokens SET generation = (SELECT u.credentials_generation FROM users u WHERE u.id = account_tokens.user_id)
WHERE user_id IS NOT NULL;
