-- The e-mail outbox, PostgreSQL. Keep in step with migrations/sqlite and api/src/db/schema.rs.
--
-- Every message is written here, fully rendered, in the same transaction as the change it
-- reports; the outbox worker sends it afterwards with retries (api/src/outbox).
CREATE TABLE outbox (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT NOT NULL
                    CHECK (kind IN ('code', 'confirmation', 'change', 'cancellation', 'reminder')),
    -- The appointment the message is about, if any.
    reference       TEXT,
    -- Set on messages that must be written at most once (the day-before reminder).
    dedupe_key      TEXT CONSTRAINT outbox_dedupe_key UNIQUE,
    envelope_from   TEXT NOT NULL,
    -- JSON array of recipient addresses.
    envelope_to     TEXT NOT NULL,
    -- The RFC 5322 message as sent.
    message         BYTEA NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'failed', 'discarded')),
    -- Sending attempts started (counted when a worker claims the message).
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A worker's claim: nobody else sends the message before this time.
    claimed_until   TIMESTAMP,
    claimed_by      TEXT,
    last_error      TEXT,
    -- Not worth sending after this (a one-time code that has expired).
    expires_at      TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_reference ON outbox (reference);

-- The reminder sweep reads the booked appointments of one day.
CREATE INDEX appointments_date_status ON appointments (date, status);
