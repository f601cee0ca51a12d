-- Partner portals (machine-to-machine clients), the appointments they make, their webhooks
-- (a channel of the outbox) and the token buckets of rate limits. SQLite; keep in step with
-- migrations/postgres and api/src/db/schema.rs.

CREATE TABLE partner_clients (
    id                    INTEGER PRIMARY KEY,
    client_id             TEXT NOT NULL CONSTRAINT partner_clients_client_id_key UNIQUE,
    name                  TEXT NOT NULL,
    -- SHA-256 of the secret (256 random bits, so a fast hash is enough); the secret itself
    -- is shown once and never stored.
    secret_hash           TEXT NOT NULL,
    -- After a rotation the previous secret keeps working until this instant.
    previous_secret_hash  TEXT,
    previous_secret_until TIMESTAMP,
    -- Space-separated service codes the client may book.
    services              TEXT NOT NULL,
    -- Space-separated branch codes; NULL for every branch.
    branches              TEXT,
    -- Space-separated OAuth scopes the client may ask for.
    scopes                TEXT NOT NULL,
    webhook_url           TEXT,
    -- With the server's key, derives the webhook signing secret (so that it is never stored).
    webhook_salt          TEXT NOT NULL,
    -- The token bucket: refilled at rate_per_minute, holding at most burst requests.
    rate_per_minute       INTEGER NOT NULL CHECK (rate_per_minute > 0),
    burst                 INTEGER NOT NULL CHECK (burst > 0),
    disabled_at           TIMESTAMP,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);

-- The partner that made an appointment, if any: it alone sees it through the partner API.
ALTER TABLE appointments ADD COLUMN partner_id BIGINT REFERENCES partner_clients (id);
CREATE INDEX appointments_partner ON appointments (partner_id, id);

-- R5's limits: active appointments per e-mail and per phone (counted under a per-key lock),
-- and reschedules per appointment (taken by a conditional update).
ALTER TABLE appointments ADD COLUMN reschedules INTEGER NOT NULL DEFAULT 0 CHECK (reschedules >= 0);
CREATE INDEX appointments_active_email ON appointments (email) WHERE status IN ('booked', 'checked_in');
CREATE INDEX appointments_active_phone ON appointments (phone) WHERE status IN ('booked', 'checked_in');

-- The outbox carries e-mail and webhooks; each channel has its own worker loop so that a
-- slow receiver never delays e-mail. SQLite cannot change a CHECK constraint, so the table is
-- rebuilt (the documented way: create, copy, drop, rename).
CREATE TABLE outbox_channels (
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
INSERT INTO outbox_channels (id, kind, reference, dedupe_key, envelope_from, envelope_to, message, status, attempts,
    next_attempt_at, claimed_until, claimed_by, last_error, expires_at, created_at, updated_at,
    sent_at)
SELECT id, kind, reference, dedupe_key, envelope_from, envelope_to, message, status, attempts,
    next_attempt_at, claimed_until, claimed_by, last_error, expires_at, created_at, updated_at,
    sent_at
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_channels RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_reference ON outbox (reference);
CREATE UNIQUE INDEX outbox_event_id ON outbox (event_id);
CREATE INDEX outbox_partner ON outbox (partner_id, id);

-- Who asked for a one-time code: a keyed hash of the requester's network. The resend
-- cool-down and the hourly cap count per address *and* network, so nobody can use up another
-- person's codes.
ALTER TABLE email_codes ADD COLUMN requested_from TEXT NOT NULL DEFAULT '';

-- Rate limits as GCRA (a token bucket kept as one number): the theoretical arrival time in
-- milliseconds since the epoch. One conditional UPDATE takes a token, so every instance
-- sharing the database shares the bucket.
CREATE TABLE rate_buckets (
    bucket TEXT PRIMARY KEY,
    tat_ms BIGINT NOT NULL
);
