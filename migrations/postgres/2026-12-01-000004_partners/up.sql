-- Partner portals (machine-to-machine clients), the appointments they make, their webhooks
-- (a channel of the outbox) and the token buckets of rate limits. PostgreSQL; keep in step with
-- migrations/sqlite and api/src/db/schema.rs.

CREATE TABLE partner_clients (
    id                    BIGSERIAL PRIMARY KEY,
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
-- slow receiver never delays e-mail.
ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'webhook'));
ALTER TABLE outbox ADD COLUMN partner_id BIGINT REFERENCES partner_clients (id);
-- The webhook's id (the `webhook-id` header and the event's `id`), stable across retries.
ALTER TABLE outbox ADD COLUMN event_id TEXT;
CREATE UNIQUE INDEX outbox_event_id ON outbox (event_id);
-- The HTTP status of the last delivery attempt.
ALTER TABLE outbox ADD COLUMN last_status INTEGER;
CREATE INDEX outbox_partner ON outbox (partner_id, id);
-- An e-mail's kind is its template; a webhook's is its event type.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_by_channel
    CHECK ((channel = 'email' AND kind IN ('code', 'confirmation', 'change', 'cancellation', 'reminder'))
           OR (channel = 'webhook' AND kind LIKE 'appointment.%'));

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
