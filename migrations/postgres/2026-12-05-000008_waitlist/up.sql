-- The waitlist of a full day (service, branch, date). When a seat of that day frees, it is
-- not given back to everyone: it stays counted in slots.booked and is held for the first
-- person waiting, whose row turns 'offered' with the slot and the offer's expiry (one
-- conditional UPDATE from 'waiting', so two freed seats never offer one person twice). Only
-- that person can take it ('taken', by a conditional UPDATE in the booking's transaction:
-- exactly one winner); unclaimed, the sweep marks it 'expired' and offers the seat to the
-- next person, or gives it back when nobody waits.
CREATE TABLE waitlist_entries (
    id               BIGSERIAL PRIMARY KEY,
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

-- The offer of a held seat is an e-mail of its own kind.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_by_channel;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_by_channel
    CHECK ((channel = 'email' AND kind IN ('code', 'confirmation', 'change', 'cancellation', 'reminder', 'waitlist_offer'))
           OR (channel = 'webhook' AND kind LIKE 'appointment.%'));
