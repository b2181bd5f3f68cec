-- Integration tokens expire (等保: credentials have a lifetime). Tokens made before get 90 days
-- from the upgrade, so no integration stops at once.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
UPDATE api_tokens SET expires_at = EXTRACT(EPOCH FROM now())::BIGINT + 90 * 86400;
