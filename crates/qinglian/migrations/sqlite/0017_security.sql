-- 等保 2.0: a second factor, password history and age, last sign-in, re-confirmation.

-- A TOTP secret (base32) once confirmed; `totp_pending` holds one being enrolled.
ALTER TABLE users ADD COLUMN totp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_enabled_at INTEGER NOT NULL DEFAULT 0;
-- The last 30-second step accepted, so a code is accepted once (RFC 6238 5.2).
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_login_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_login_ip TEXT NOT NULL DEFAULT '';
-- From when an account counts as idle: its last sign-in, creation, re-enabling or reset. Accounts
-- that exist now start counting today, so none is disabled by the upgrade itself.
ALTER TABLE users ADD COLUMN active_at INTEGER NOT NULL DEFAULT 0;
UPDATE users SET password_changed_at = created_at, active_at = CAST(strftime('%s','now') AS INTEGER);

-- One-time recovery codes, hashed.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, code_hash)
);

-- Hashes of passwords an account had, newest last: none of the last few may come back.
CREATE TABLE password_history (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    password_hash TEXT NOT NULL,
    changed_at INTEGER NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

-- A sign-in whose password was right and which waits for the second factor.
CREATE TABLE login_challenges (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    ip TEXT NOT NULL DEFAULT ''
);

-- When the session's holder last gave his password (sign-in or re-confirmation), and the
-- sign-in before this one, shown to him.
ALTER TABLE sessions ADD COLUMN confirmed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN prior_login_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN prior_login_ip TEXT NOT NULL DEFAULT '';
UPDATE sessions SET confirmed_at = created_at;

-- 三员分立: the system, security and audit administrators are three accounts. An account that
-- held both administration and the audit log keeps administration; the operator names the
-- auditor and the security officer (`qinglian user grant NAME auditor|security_admin`).
DELETE FROM user_roles WHERE role = 'auditor' AND user_id IN (SELECT user_id FROM user_roles WHERE role = 'admin');
