-- Study materials read and signed for (阅后签名), pledges (承诺书), and the signatures on both,
-- chained by SM3 digests so that any later change to a signature is detectable.

CREATE TABLE materials (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    host_unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    -- document, booklet, video, images
    kind TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    file_key TEXT NOT NULL DEFAULT '',
    file_type TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    -- online, paper, subscription
    delivery TEXT NOT NULL,
    due_date TEXT NOT NULL DEFAULT '',
    min_read_seconds INTEGER NOT NULL DEFAULT 0,
    audience_unit_id INTEGER REFERENCES units(id),
    audience_ranks TEXT NOT NULL DEFAULT '',
    audience_party INTEGER NOT NULL DEFAULT -1,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX materials_activity ON materials(activity_id);

CREATE TABLE material_invitees (
    material_id INTEGER NOT NULL REFERENCES materials(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (material_id, person_id)
);

-- delivered (online at publication, or on paper by a clerk) → opened → signed (in signatures)
CREATE TABLE material_receipts (
    material_id INTEGER NOT NULL REFERENCES materials(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    delivered_at INTEGER NOT NULL DEFAULT 0,
    delivered_by INTEGER,
    opened_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (material_id, person_id)
);

CREATE TABLE pledges (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER REFERENCES activities(id),
    host_unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    -- anyone may sign with name, organisation and phone
    public INTEGER NOT NULL DEFAULT 0,
    audience_unit_id INTEGER REFERENCES units(id),
    audience_ranks TEXT NOT NULL DEFAULT '',
    audience_party INTEGER NOT NULL DEFAULT -1,
    -- open, closed
    status TEXT NOT NULL DEFAULT 'open',
    -- kept with each signature so the wall never counts a million rows
    signature_count INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE pledge_invitees (
    pledge_id INTEGER NOT NULL REFERENCES pledges(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (pledge_id, person_id)
);

CREATE TABLE signatures (
    id INTEGER PRIMARY KEY,
    -- material or pledge
    subject TEXT NOT NULL,
    subject_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    -- 'p:<person id>' for the roster, 'x:<phone>' for the public
    signer_key TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    name TEXT NOT NULL,
    org TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    -- drawn, typed or paper
    method TEXT NOT NULL,
    svg TEXT NOT NULL,
    signed_at INTEGER NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL UNIQUE,
    -- SM3 of the text signed and the signature
    content_digest TEXT NOT NULL,
    prev_digest TEXT NOT NULL,
    digest TEXT NOT NULL,
    withdrawn_at INTEGER NOT NULL DEFAULT 0,
    withdrawn_by INTEGER,
    UNIQUE (subject, subject_id, signer_key)
);
CREATE INDEX signatures_wall ON signatures(subject, subject_id, id);
CREATE INDEX signatures_ip ON signatures(ip, signed_at);
CREATE INDEX signatures_phone ON signatures(phone, signed_at);
CREATE INDEX signatures_person ON signatures(person_id);

-- The latest digest of the chain: appending reads and moves it in one transaction.
CREATE TABLE chain_head (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL
);
INSERT INTO chain_head (id, digest) VALUES (1, '0000000000000000000000000000000000000000000000000000000000000000');
