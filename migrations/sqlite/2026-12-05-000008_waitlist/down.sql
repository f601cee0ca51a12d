DROP TABLE waitlist_entries;
DELETE FROM outbox WHERE kind = 'waitlist_offer';
CREATE TABLE outbox_rebuilt (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
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
    sent_at         TIMESTAMP,
    channel         TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'webhook')),
    partner_id      BIGINT REFERENCES partner_clients (id),
    -- The webhook's id (the `webhook-id` header and the event's `id`), stable across retries.
    event_id        TEXT,
    -- The HTTP status of the last delivery attempt.
    last_status     INTEGER,
    -- An e-mail's kind is its template; a webhook's is its event type.
    CONSTRAINT outbox_kind_by_channel
        CHECK ((channel = 'email' AND kind IN ('code', 'confirmation', 'change', 'cancellation', 'reminder'))
           OR (channel = 'webhook' AND kind LIKE 'appointment.%'))
);
INSERT INTO outbox_rebuilt (id, kind, reference, dedupe_key, envelope_from, envelope_to, message, status, attempts,
    next_attempt_at, claimed_until, claimed_by, last_error, expires_at, created_at, updated_at,
    sent_at, channel, partner_id, event_id, last_status)
SELECT id, kind, reference, dedupe_key, envelope_from, envelope_to, message, status, attempts,
    next_attempt_at, claimed_until, claimed_by, last_error, expires_at, created_at, updated_at,
    sent_at, channel, partner_id, event_id, last_status
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_reference ON outbox (reference);
CREATE UNIQUE INDEX outbox_event_id ON outbox (event_id);
CREATE INDEX outbox_partner ON outbox (partner_id, id);
