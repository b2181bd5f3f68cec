-- Calls for works (征集) with public submission, screening and a blind jury; the column
-- "清廉建设大家谈" of unit heads; news; and the public portal's search index.

CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    activity_id INTEGER REFERENCES activities(id),
    title TEXT NOT NULL,
    -- sanitised HTML
    rules TEXT NOT NULL DEFAULT '',
    -- JSON: [{"code", "name", "min_chars", "max_chars"}]
    genres TEXT NOT NULL,
    -- JSON: ["adult", "youth"]
    groups_json TEXT NOT NULL,
    opens_at INTEGER NOT NULL,
    closes_at INTEGER NOT NULL,
    -- open (taking works, then judging after closes_at), published
    status TEXT NOT NULL DEFAULT 'open',
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE call_criteria (
    id INTEGER PRIMARY KEY,
    call_id INTEGER NOT NULL REFERENCES calls(id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    weight INTEGER NOT NULL,
    max_score INTEGER NOT NULL
);

CREATE TABLE call_jurors (
    call_id INTEGER NOT NULL REFERENCES calls(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (call_id, user_id)
);

-- A submitted work, or (call_id NULL) a published work kept for the near-copy check.
CREATE TABLE works (
    id INTEGER PRIMARY KEY,
    call_id INTEGER REFERENCES calls(id),
    -- SHA-256 of the receipt code the author keeps
    receipt_hash TEXT UNIQUE,
    author TEXT NOT NULL,
    contact TEXT NOT NULL DEFAULT '',
    guardian TEXT NOT NULL DEFAULT '',
    group_code TEXT NOT NULL DEFAULT '',
    genre TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    consent_at INTEGER NOT NULL DEFAULT 0,
    -- submitted, held (word filter), rejected, reference
    status TEXT NOT NULL,
    -- JSON: the sensitive words found, with positions
    flagged_words TEXT NOT NULL DEFAULT '[]',
    similar_to INTEGER,
    -- resemblance in thousandths
    similarity INTEGER NOT NULL DEFAULT 0,
    -- the shared passage, as character positions in this work's text
    passage_start INTEGER NOT NULL DEFAULT 0,
    passage_end INTEGER NOT NULL DEFAULT 0,
    prize TEXT NOT NULL DEFAULT '',
    published_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX works_call ON works(call_id, status);
CREATE INDEX works_ip ON works(ip, created_at);
CREATE INDEX works_contact ON works(contact, created_at);

-- MinHash band keys: works sharing a key are candidates for a near-copy.
CREATE TABLE work_bands (
    band_key INTEGER NOT NULL,
    work_id INTEGER NOT NULL REFERENCES works(id)
);
CREATE INDEX work_bands_key ON work_bands(band_key);
CREATE INDEX work_bands_work ON work_bands(work_id);

CREATE TABLE banned_words (
    word TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);

CREATE TABLE conflicts (
    work_id INTEGER NOT NULL REFERENCES works(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (work_id, user_id)
);

CREATE TABLE scores (
    work_id INTEGER NOT NULL REFERENCES works(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    criterion_id INTEGER NOT NULL REFERENCES call_criteria(id),
    score INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (work_id, user_id, criterion_id)
);

CREATE TABLE news (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL
);
CREATE INDEX news_campaign ON news(campaign_id, published_at);

-- 清廉建设大家谈: a unit head invited; the piece moves invited → submitted → edited →
-- scheduled (publish_on) → published.
CREATE TABLE column_pieces (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    head_name TEXT NOT NULL,
    due_date TEXT NOT NULL,
    -- video or article
    kind TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    video_link TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'invited',
    publish_on TEXT NOT NULL DEFAULT '',
    reminded_at INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (campaign_id, unit_id)
);

-- The portal's search: text segmented by jieba in the app, indexed by FTS5.
-- title and body are the originals (shown), title_terms and body_terms the segmented text (searched).
CREATE VIRTUAL TABLE search_index USING fts5(kind UNINDEXED, ref_id UNINDEXED, title UNINDEXED, body UNINDEXED, title_terms, body_terms);
