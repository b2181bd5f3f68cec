-- Attempts counted per key (an address, a sign-in pass, a name at a sitting) so that limits hold
-- under parallel requests and across servers.
CREATE TABLE throttles (
    key TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    -- the rule's window, so one statement can claim keys of different rules
    window_seconds INTEGER NOT NULL
);

-- A registration is cancelled with the receipt given to its registrant, not with a phone
-- anyone may know.
ALTER TABLE registrations ADD COLUMN receipt_hash TEXT NOT NULL DEFAULT '';

-- The text each signature was given to sign, kept immutable: a pledge or material edited later
-- (or in the database) does not change what its signers signed, and the chain covers it.
CREATE TABLE signed_texts (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    -- SM3 of text
    digest TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (subject, subject_id, digest)
);
INSERT INTO signed_texts (subject, subject_id, version, digest, text, created_at)
SELECT 'pledge', id, 1, '', title || char(10) || body, created_at FROM pledges;
INSERT INTO signed_texts (subject, subject_id, version, digest, text, created_at)
SELECT 'material', id, 1, '', title || char(10) || body, created_at FROM materials;
-- scheme 1: the first chain (fields without the text, the person or the address); 2: all of them.
ALTER TABLE signatures ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
ALTER TABLE signatures ADD COLUMN text_id INTEGER;
UPDATE signatures SET text_id = (SELECT t.id FROM signed_texts t WHERE t.subject = signatures.subject AND t.subject_id = signatures.subject_id);

-- The audit log is chained with SM3 as signatures are: each row's digest covers its fields and
-- the digest before it; rows written before this migration carry none.
ALTER TABLE audit_log ADD COLUMN prev_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN digest TEXT NOT NULL DEFAULT '';
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL
);
INSERT INTO audit_head (id, digest) VALUES (1, '0000000000000000000000000000000000000000000000000000000000000000');
