-- New days open at a scheduled time per service, not at midnight: the day that enters the
-- three-month window today becomes bookable at opens_at_minute (minutes after midnight,
-- Malaysian time; 0 keeps midnight), announced in advance, so that a release is a known
-- moment for everyone rather than a race won by whoever watches at 00:00.
ALTER TABLE services ADD COLUMN opens_at_minute INTEGER NOT NULL DEFAULT 0
    CHECK (opens_at_minute BETWEEN 0 AND 1439);
