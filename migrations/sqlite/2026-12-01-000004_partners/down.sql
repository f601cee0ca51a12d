DROP TABLE rate_buckets;
ALTER TABLE email_codes DROP COLUMN requested_from;
CREATE TABLE outbox_email (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL
                    CHECK (kind IN ('code', 'confirmation', 'change', 'cancellation', 'reminder')),
    reference       TEXT,
    dedupe_key      TEXT CONSTRAINT outbox_dedupe_key UNIQUE,
    envelope_from   TEXT NOT NULL,
    envelope_to     TEXT NOT NULL,
    message         BLOB    NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'discarded')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    claimed_by      TEXT,
    last_error      TEXT,
    expires_at      TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
INSERT INTO outbox_email (id, kind, reference, dedupe_key, envelope_from, envelope_to, message, status, attempts,
    next_attempt_at, claimed_until, claimed_by, last_error, expires_at, created_at, updated_at,
    sent_at)
SELECT id, kind, reference, dedupe_key, envelope_from, envelope_to, message, status, attempts,
    next_attempt_at, claimed_until, claimed_by, last_error, expires_at, created_at, updated_at,
    sent_at
FROM outbox WHERE channel = 'email';
DROP TABLE outbox;
ALTER TABLE outbox_email RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_reference ON outbox (reference);
DROP INDEX appointments_active_phone;
DROP INDEX appointments_active_email;
ALTER TABLE appointments DROP COLUMN reschedules;
DROP INDEX appointments_partner;
ALTER TABLE appointments DROP COLUMN partner_id;
DROP TABLE partner_clients;
