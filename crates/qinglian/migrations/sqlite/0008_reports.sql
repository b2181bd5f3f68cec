-- The summary report's drafts, every saved version kept with the figures it was written
-- against; and background jobs (long exports) whose progress any server can show.

CREATE TABLE report_drafts (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    version INTEGER NOT NULL,
    -- JSON: title, issuer, date and the blocks with {figure} markers
    body TEXT NOT NULL,
    -- JSON: the figures (key → value, measure, source) this version was written against
    snapshot TEXT NOT NULL,
    -- JSON: figures set by hand, with the reason
    overrides TEXT NOT NULL DEFAULT '{}',
    note TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    UNIQUE (campaign_id, version)
);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    requested_by INTEGER NOT NULL REFERENCES users(id),
    -- queued, running, done, failed
    status TEXT NOT NULL,
    -- 0‥100
    progress INTEGER NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    result_key TEXT NOT NULL DEFAULT '',
    result_name TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_campaign ON jobs(campaign_id, id);
