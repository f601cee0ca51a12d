-- Lottery mode per service, for hot releases: the day that opens today (at opens_at) is not
-- first come, first served. For lottery_minutes after it opens, applicants enter its draw
-- (a place on its waitlist); nobody can book it until it is drawn. Then one instance draws
-- (the primary key of lottery_draws admits one draw per service, branch and day): the
-- entries are ranked at random from a recorded seed, and each free seat is held for the next
-- drawn entry, to be confirmed within lottery_confirm_hours; an unconfirmed seat moves to the
-- next drawn. The collection must end the day it began, so that the day drawn is the one
-- that opened.
ALTER TABLE services ADD COLUMN lottery_minutes INTEGER NOT NULL DEFAULT 0
    CHECK (lottery_minutes BETWEEN 0 AND 1440);
ALTER TABLE services ADD COLUMN lottery_confirm_hours INTEGER NOT NULL DEFAULT 24
    CHECK (lottery_confirm_hours BETWEEN 1 AND 168);
ALTER TABLE services ADD CONSTRAINT services_lottery_ends_the_same_day
    CHECK (opens_at_minute + lottery_minutes <= 1439);

-- The place an entry was drawn at (1 first); NULL for a place taken first come, first served.
-- Drawn places are offered seats before the others.
ALTER TABLE waitlist_entries ADD COLUMN drawn_rank INTEGER;

CREATE TABLE lottery_draws (
    service_code TEXT NOT NULL REFERENCES services (code),
    branch_code  TEXT NOT NULL REFERENCES branches (code),
    date         DATE NOT NULL,
    -- The ChaCha8 seed the ranks follow from (see booking::lottery::order), as a signed
    -- 64-bit number: anyone can redraw the ranks from it and the entries' ids.
    seed         BIGINT NOT NULL,
    entries      INTEGER NOT NULL,
    offered      INTEGER NOT NULL,
    drawn_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (service_code, branch_code, date)
);
