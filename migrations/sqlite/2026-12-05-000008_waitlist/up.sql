-- The waitlist of a full day (service, branch, date). When a seat of that day frees, it is
-- not given back to everyone: it stays counted in slots.booked and is held for the first
-- person waiting, whose row turns 'offered' with the slot and the offer's expiry (one
-- conditional UPDATE from 'waiting', so two freed seats never offer one person twice). Only
-- that person can take it ('taken', by a conditional UPDATE in the booking's transaction:
-- exactly one winner); unclaimed, the sweep marks it 'expired' and offers the seat to the
-- next person, or gives it back when nobody waits.
CREATE TABLE waitlist_entries (
    id               INTEGER PRIMARY KEY,
    email            TEXT NOT NULL,
    branch_code      TEXT NOT NULL REFERENCES branches (code),
    service_code     TEXT NOT NULL REFERENCES services (code),
    date             DATE NOT NULL,
    status           TEXT NOT NULL
        CHECK (status IN ('waiting', 'offered', 'taken', 'expired', 'left')),
    slot_id          BIGINT REFERENCES slots (id),
    offer_expires_at TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    CHECK (status <> 'offered' OR (slot_id IS NOT NULL AND offer_expires_at IS NOT NULL))
);
-- One place in the queue of a day per e-mail.
CREATE UNIQUE INDEX waitlist_one_place_per_day
    ON waitlist_entries (email, service_code, branch_code, date)
    WHERE status IN ('waiting', 'offered');
CREATE INDEX waitlist_queue ON waitlist_entries (service_code, branch_code, date, status, id);
CREATE INDEX waitlist_offers_due ON waitlist_entries (offer_expires_at)
    WHERE status = 'offered';

-- The offer of a held seat is an e-mail of its own kind. SQLite cannot change a CHECK
-- constraint, so the outbox is rebuilt (create, copy, drop, rename), as in migration 4.
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
        CHECK ((channel = 'email' AND kind IN ('code', 'confirmation', 'change', 'cancellation', 'reminder', 'waitlist_offer'))
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
