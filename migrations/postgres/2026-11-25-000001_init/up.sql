-- Temujanji schema, PostgreSQL. Keep in step with migrations/sqlite and api/src/db/schema.rs.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE services (
    code        TEXT PRIMARY KEY,
    name_ms     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    fee_sen     INTEGER NOT NULL CHECK (fee_sen >= 0),
    fee_note_ms TEXT NOT NULL,
    fee_note_en TEXT NOT NULL
);

CREATE TABLE service_documents (
    service_code TEXT NOT NULL REFERENCES services (code),
    position     INTEGER NOT NULL,
    text_ms      TEXT NOT NULL,
    text_en      TEXT NOT NULL,
    PRIMARY KEY (service_code, position)
);

CREATE TABLE branches (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    state         TEXT NOT NULL,
    address_line1 TEXT NOT NULL,
    address_line2 TEXT,
    postcode      TEXT NOT NULL,
    city          TEXT NOT NULL,
    phone         TEXT NOT NULL,
    slot_minutes  INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
    min_lead_days INTEGER NOT NULL DEFAULT 1 CHECK (min_lead_days >= 0)
);

CREATE TABLE branch_services (
    branch_code  TEXT NOT NULL REFERENCES branches (code),
    service_code TEXT NOT NULL REFERENCES services (code),
    seats        INTEGER NOT NULL CHECK (seats > 0),
    PRIMARY KEY (branch_code, service_code)
);

-- Date-ranged hours (e.g. Ramadan) replace the default week for the days they cover.
CREATE TABLE hours_profiles (
    id          BIGSERIAL PRIMARY KEY,
    branch_code TEXT NOT NULL REFERENCES branches (code),
    name        TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE NOT NULL CHECK (valid_to >= valid_from)
);

-- Open counter periods; breaks are the gaps between them, the weekend is a day without any.
CREATE TABLE branch_hours (
    id          BIGSERIAL PRIMARY KEY,
    branch_code TEXT NOT NULL REFERENCES branches (code),
    profile_id  BIGINT REFERENCES hours_profiles (id),
    weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    opens       TIME NOT NULL,
    closes      TIME NOT NULL CHECK (closes > opens)
);
CREATE INDEX branch_hours_branch ON branch_hours (branch_code);

-- Public holidays: national when state is NULL, otherwise for that state only.
CREATE TABLE holidays (
    id      BIGSERIAL PRIMARY KEY,
    date    DATE NOT NULL,
    state   TEXT,
    name_ms TEXT NOT NULL,
    name_en TEXT NOT NULL
);
CREATE INDEX holidays_date ON holidays (date);

-- Ad-hoc closures of one branch.
CREATE TABLE closures (
    id          BIGSERIAL PRIMARY KEY,
    branch_code TEXT NOT NULL REFERENCES branches (code),
    date        DATE NOT NULL,
    name_ms     TEXT NOT NULL,
    name_en     TEXT NOT NULL
);
CREATE INDEX closures_branch_date ON closures (branch_code, date);

-- One row per slot that has ever been booked; the CHECK makes overbooking impossible (R1).
CREATE TABLE slots (
    id           BIGSERIAL PRIMARY KEY,
    branch_code  TEXT NOT NULL REFERENCES branches (code),
    service_code TEXT NOT NULL REFERENCES services (code),
    date         DATE NOT NULL,
    start_time   TIME NOT NULL,
    end_time     TIME NOT NULL,
    capacity     INTEGER NOT NULL CHECK (capacity >= 0),
    booked       INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT slots_booked_within_capacity CHECK (booked >= 0 AND booked <= capacity),
    CONSTRAINT slots_one_per_start UNIQUE (branch_code, service_code, date, start_time)
);

CREATE TABLE appointments (
    id             BIGSERIAL PRIMARY KEY,
    reference      TEXT NOT NULL CONSTRAINT appointments_reference_key UNIQUE,
    slot_id        BIGINT NOT NULL REFERENCES slots (id),
    branch_code    TEXT NOT NULL REFERENCES branches (code),
    service_code   TEXT NOT NULL REFERENCES services (code),
    date           DATE NOT NULL,
    start_time     TIME NOT NULL,
    end_time       TIME NOT NULL,
    applicant_name TEXT NOT NULL,
    id_type        TEXT NOT NULL CHECK (id_type IN ('mykad', 'passport')),
    id_number      TEXT NOT NULL,
    nationality    TEXT NOT NULL,
    address_line1  TEXT NOT NULL,
    address_line2  TEXT,
    postcode       TEXT NOT NULL,
    city           TEXT NOT NULL,
    state          TEXT NOT NULL,
    phone          TEXT NOT NULL,
    email          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('booked', 'checked_in', 'completed', 'cancelled', 'no_show')),
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    cancelled_at   TIMESTAMP
);
-- R5: one identity holds at most one active appointment per service.
CREATE UNIQUE INDEX appointments_one_active_per_identity
    ON appointments (id_type, id_number, nationality, service_code)
    WHERE status IN ('booked', 'checked_in');
CREATE INDEX appointments_email ON appointments (email);
CREATE INDEX appointments_slot ON appointments (slot_id);

-- R5: blocked identities, e-mails or phones.
CREATE TABLE blocks (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('identity', 'email', 'phone')),
    value      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    until      DATE NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX blocks_kind_value ON blocks (kind, value);

CREATE TABLE email_codes (
    id         BIGSERIAL PRIMARY KEY,
    email      TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    used_at    TIMESTAMP
);
CREATE INDEX email_codes_email ON email_codes (email, created_at);

CREATE TABLE idempotency_keys (
    owner           TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    response_status INTEGER,
    response_body   TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (owner, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE audit_events (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT
);
