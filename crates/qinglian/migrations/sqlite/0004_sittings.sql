-- Sessions (场次) and attendance. "sittings" because "sessions" holds sign-in sessions.

-- Server-wide values every server must share, such as the key that signs QR codes.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- A multi-day training: its sittings are its days; completing it follows a rule.
CREATE TABLE sitting_series (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    title TEXT NOT NULL,
    -- days that must be attended to complete; 0 means all of them
    min_days INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);

CREATE TABLE sittings (
    id INTEGER PRIMARY KEY,
    activity_id INTEGER NOT NULL REFERENCES activities(id),
    series_id INTEGER REFERENCES sitting_series(id),
    day_no INTEGER NOT NULL DEFAULT 1,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    host_unit_id INTEGER NOT NULL REFERENCES units(id),
    venue TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    -- 0: no limit
    capacity INTEGER NOT NULL DEFAULT 0,
    registration_required INTEGER NOT NULL DEFAULT 0,
    -- open to the public (registration by name and phone)
    public INTEGER NOT NULL DEFAULT 0,
    -- expected audience: people in this unit's subtree, of these ranks, of this membership
    audience_unit_id INTEGER REFERENCES units(id),
    audience_ranks TEXT NOT NULL DEFAULT '',
    -- -1 any, 1 party members, 0 others
    audience_party INTEGER NOT NULL DEFAULT -1,
    -- sign-in opens this long before the start and closes at the end
    opens_minutes_before INTEGER NOT NULL DEFAULT 60,
    late_after_minutes INTEGER NOT NULL DEFAULT 10,
    -- the unit task this sitting fulfils, and the ledger entry it filed
    task_id INTEGER REFERENCES tasks(id),
    ledger_entry_id INTEGER REFERENCES ledger_entries(id),
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX sittings_activity ON sittings(activity_id, starts_at);
CREATE INDEX sittings_series ON sittings(series_id, day_no);

-- People asked by name, besides (or instead of) the audience rules.
CREATE TABLE sitting_invitees (
    sitting_id INTEGER NOT NULL REFERENCES sittings(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (sitting_id, person_id)
);

-- attendee_key is 'p:<person id>' for people on the roster, 'r:<registration id>' for the public.
CREATE TABLE registrations (
    id INTEGER PRIMARY KEY,
    sitting_id INTEGER NOT NULL REFERENCES sittings(id),
    person_id INTEGER REFERENCES people(id),
    name TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    -- registered, waitlisted, cancelled
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX registrations_sitting ON registrations(sitting_id, status, id);

CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    sitting_id INTEGER NOT NULL REFERENCES sittings(id),
    attendee_key TEXT NOT NULL,
    person_id INTEGER REFERENCES people(id),
    registration_id INTEGER REFERENCES registrations(id),
    name TEXT NOT NULL,
    -- qr, clerk or account
    method TEXT NOT NULL,
    checked_at INTEGER NOT NULL,
    by_user_id INTEGER,
    UNIQUE (sitting_id, attendee_key)
);
CREATE INDEX checkins_person ON checkins(person_id, sitting_id);

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES sitting_series(id),
    person_id INTEGER NOT NULL REFERENCES people(id),
    code TEXT NOT NULL UNIQUE,
    issued_at INTEGER NOT NULL,
    UNIQUE (series_id, person_id)
);

-- Messages waiting for a channel (SMS, e-mail) to deliver them; none is required to run.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_unsent ON outbox(sent_at, id);

-- A person's account, so a signed-in cadre is known without typing his name.
CREATE INDEX users_person ON users(person_id);
