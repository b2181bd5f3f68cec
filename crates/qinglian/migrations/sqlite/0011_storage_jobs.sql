-- Files kept in the database (storage = "database"), in chunks: see storage/database.rs.
CREATE TABLE stored_files (
    key TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE stored_chunks (
    key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (key, seq)
);

-- Jobs are claimed with a lease that the working server renews; a lease not renewed in time is
-- taken over by another server. base_url is what the finished file's links point at.
ALTER TABLE jobs ADD COLUMN base_url TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN worker TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_open ON jobs (status, lease_until);
