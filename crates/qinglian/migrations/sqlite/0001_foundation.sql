-- Foundation schema. Kept column-for-column identical to ../postgres/0001_foundation.sql:
-- integers are 64-bit, booleans are 0/1 integers, instants are unix seconds, dates are 'YYYY-MM-DD'.

CREATE TABLE unit_types (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sort INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE units (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES units(id),
    name TEXT NOT NULL UNIQUE,
    type_code TEXT NOT NULL REFERENCES unit_types(code),
    -- materialised path '/1/5/23/': a subtree is `path LIKE '/1/5/%'`
    path TEXT NOT NULL DEFAULT '',
    depth INTEGER NOT NULL DEFAULT 0,
    sort INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX units_path ON units(path);
CREATE INDEX units_parent ON units(parent_id);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    name TEXT NOT NULL,
    staff_no TEXT UNIQUE,
    position TEXT NOT NULL DEFAULT '',
    rank TEXT NOT NULL DEFAULT '',
    party_member INTEGER NOT NULL DEFAULT 0,
    phone TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX people_unit ON people(unit_id);
CREATE INDEX people_name ON people(name);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    must_change_password INTEGER NOT NULL DEFAULT 0,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE user_roles (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    role TEXT NOT NULL,
    -- the root of the subtree a unit-scoped role covers; 0 for city-wide roles
    unit_id INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, role, unit_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    year INTEGER NOT NULL,
    theme TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    guiding_text TEXT NOT NULL DEFAULT '',
    requirements TEXT NOT NULL DEFAULT '',
    issuer_unit_id INTEGER REFERENCES units(id),
    status TEXT NOT NULL DEFAULT 'draft',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE campaign_themes (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    name TEXT NOT NULL,
    sort INTEGER NOT NULL DEFAULT 0,
    UNIQUE (campaign_id, name)
);

CREATE TABLE activity_kinds (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    sort INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL REFERENCES activity_kinds(code),
    title TEXT NOT NULL,
    lead_unit_id INTEGER NOT NULL REFERENCES units(id),
    description TEXT NOT NULL DEFAULT '',
    audience TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX activities_campaign ON activities(campaign_id, seq);

CREATE TABLE activity_co_units (
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (activity_id, unit_id)
);

CREATE TABLE activity_themes (
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    theme_id INTEGER NOT NULL REFERENCES campaign_themes(id),
    PRIMARY KEY (activity_id, theme_id)
);

-- One request to many units ("every unit holds one meeting by 5 June"); each unit gets a task.
CREATE TABLE assignments (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    due_date TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX assignments_activity ON assignments(activity_id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    -- pending → submitted → accepted | returned → submitted …
    status TEXT NOT NULL DEFAULT 'pending',
    updated_at INTEGER NOT NULL,
    UNIQUE (assignment_id, unit_id)
);
CREATE INDEX tasks_unit ON tasks(unit_id);
CREATE INDEX tasks_status ON tasks(assignment_id, status);

CREATE TABLE ledger_entries (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    task_id INTEGER REFERENCES tasks(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    entry_date TEXT NOT NULL,
    place TEXT NOT NULL,
    participants INTEGER NOT NULL,
    summary TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'submitted',
    review_comment TEXT NOT NULL DEFAULT '',
    reviewed_by INTEGER REFERENCES users(id),
    reviewed_at INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX ledger_activity ON ledger_entries(activity_id);
CREATE INDEX ledger_task ON ledger_entries(task_id);
CREATE INDEX ledger_unit ON ledger_entries(unit_id);

CREATE TABLE ledger_entry_themes (
    entry_id INTEGER NOT NULL REFERENCES ledger_entries(id),
    theme_id INTEGER NOT NULL REFERENCES campaign_themes(id),
    PRIMARY KEY (entry_id, theme_id)
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    ledger_entry_id INTEGER NOT NULL REFERENCES ledger_entries(id),
    storage_key TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX attachments_entry ON attachments(ledger_entry_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_user_id INTEGER,
    actor_name TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    entity TEXT NOT NULL DEFAULT '',
    entity_id TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL
);
CREATE INDEX audit_at ON audit_log(at);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);

-- The audit log is append-only: the database itself refuses to change history.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
