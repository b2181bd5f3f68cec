-- 密评: personal data sealed with SM4-GCM under data keys wrapped by a master key kept outside
-- the database (see src/vault.rs); equality lookups go through blind indexes (HMAC-SM3).

-- Data keys, each wrapped (SM4-GCM) by the master key. purpose: data (seals values) or index
-- (keys the blind indexes); state: staged (loaded, not yet sealing), active, retiring, retired.
CREATE TABLE data_keys (
    id INTEGER PRIMARY KEY,
    purpose TEXT NOT NULL,
    wrapped TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- The values are sealed by the first start after this migration, which fills the indexes too.
ALTER TABLE people ADD COLUMN phone_idx TEXT;
CREATE UNIQUE INDEX people_phone_idx ON people(phone_idx);

ALTER TABLE signatures ADD COLUMN phone_idx TEXT NOT NULL DEFAULT '';
ALTER TABLE signatures ADD COLUMN ip_idx TEXT NOT NULL DEFAULT '';
DROP INDEX signatures_ip;
DROP INDEX signatures_phone;
CREATE INDEX signatures_ip ON signatures(ip_idx, signed_at);
CREATE INDEX signatures_phone ON signatures(phone_idx, signed_at);

ALTER TABLE registrations ADD COLUMN phone_idx TEXT NOT NULL DEFAULT '';
CREATE INDEX registrations_phone ON registrations(sitting_id, phone_idx);

ALTER TABLE works ADD COLUMN contact_idx TEXT NOT NULL DEFAULT '';
ALTER TABLE works ADD COLUMN ip_idx TEXT NOT NULL DEFAULT '';
DROP INDEX works_ip;
DROP INDEX works_contact;
CREATE INDEX works_ip ON works(ip_idx, created_at);
CREATE INDEX works_contact ON works(contact_idx, created_at);
