DROP TABLE waitlist_entries;
DELETE FROM outbox WHERE kind = 'waitlist_offer';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_by_channel;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_by_channel
    CHECK ((channel = 'email' AND kind IN ('code', 'confirmation', 'change', 'cancellation', 'reminder'))
           OR (channel = 'webhook' AND kind LIKE 'appointment.%'));
