-- Staff accounts and sessions, the counter's record of a visit, blocks' public category and
-- the audit log's branch. SQLite; keep in step with migrations/postgres and
-- api/src/db/schema.rs.

CREATE TABLE staff_users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL CONSTRAINT staff_users_username_key UNIQUE,
    -- argon2id PHC string; there is no default password anywhere.
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('officer', 'supervisor', 'admin')),
    -- Officers and supervisors work at one branch; administrators at all of them.
    branch_code   TEXT REFERENCES branches (code),
    disabled_at   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CONSTRAINT staff_users_branch_by_role CHECK ((role = 'admin') = (branch_code IS NULL))
);

-- One row per login; every access token names its session, checked on every request, so a
-- logout, a disabled user or a changed password takes effect on the very next request.
CREATE TABLE staff_sessions (
    id         INTEGER PRIMARY KEY,
    staff_id   BIGINT NOT NULL REFERENCES staff_users (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- Refresh tokens, stored as SHA-256 hashes; each is used once (rotation). Presenting a used
-- one again revokes its session: somebody holds a copy.
CREATE TABLE staff_refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES staff_sessions (id),
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX staff_refresh_tokens_session ON staff_refresh_tokens (session_id);

-- Failed logins per username, shared by every instance: 5 lock the name for 15 minutes.
CREATE TABLE login_failures (
    username     TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    first_at     TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

-- The counter's record of a visit (R4, R8, R9).
ALTER TABLE appointments ADD COLUMN checked_in_at TIMESTAMP;
ALTER TABLE appointments ADD COLUMN late BOOLEAN;
ALTER TABLE appointments ADD COLUMN called_at TIMESTAMP;
ALTER TABLE appointments ADD COLUMN counter TEXT;
ALTER TABLE appointments ADD COLUMN served_at TIMESTAMP;
ALTER TABLE appointments ADD COLUMN paid_sen INTEGER CHECK (paid_sen IS NULL OR paid_sen >= 0);
ALTER TABLE appointments ADD COLUMN approval_code TEXT;
ALTER TABLE appointments ADD COLUMN cancel_reason TEXT;
-- Who cancelled: 'applicant', 'partner', 'staff' (at the counter) or 'office' (a branch change);
-- an office cancellation is never held against the applicant (R5).
ALTER TABLE appointments ADD COLUMN cancelled_by TEXT;
CREATE INDEX appointments_branch_date ON appointments (branch_code, date);

-- What a blocked applicant is told (the category), beside the staff's internal note (reason);
-- who made the block (a staff username, or 'rule' for the automatic no-show rule) and its
-- lifting (the row stays, for the record).
ALTER TABLE blocks ADD COLUMN category TEXT NOT NULL DEFAULT 'abuse';
ALTER TABLE blocks ADD COLUMN created_by TEXT NOT NULL DEFAULT 'staff';
ALTER TABLE blocks ADD COLUMN lifted_at TIMESTAMP;
ALTER TABLE blocks ADD COLUMN lifted_by TEXT;
ALTER TABLE blocks ADD COLUMN lift_reason TEXT;

ALTER TABLE audit_events ADD COLUMN branch_code TEXT;
CREATE INDEX audit_events_subject ON audit_events (subject);
CREATE INDEX audit_events_branch_at ON audit_events (branch_code, at);

-- Unmet demand: booking requests refused because the slot was full, per branch, service and
-- day, for the reports.
CREATE TABLE refused_full (
    branch_code  TEXT NOT NULL REFERENCES branches (code),
    service_code TEXT NOT NULL REFERENCES services (code),
    date         DATE NOT NULL,
    refusals     INTEGER NOT NULL CHECK (refusals > 0),
    PRIMARY KEY (branch_code, service_code, date)
);
