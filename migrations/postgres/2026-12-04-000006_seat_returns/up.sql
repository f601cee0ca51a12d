-- Fair release: a seat freed by a cancellation or a move comes back after a random delay of
-- up to release_delay_minutes (per service; 0 gives it back at once), so that it cannot be
-- handed to a chosen buyer by cancelling and rebooking at once. Until it is due, the seat
-- stays counted in slots.booked; the worker gives it back by deleting its row here (one
-- instance wins the delete) and decrementing booked in the same transaction.
ALTER TABLE services ADD COLUMN release_delay_minutes INTEGER NOT NULL DEFAULT 0
    CHECK (release_delay_minutes BETWEEN 0 AND 1440);

CREATE TABLE seat_returns (
    id      BIGSERIAL PRIMARY KEY,
    slot_id BIGINT NOT NULL REFERENCES slots (id),
    due_at  TIMESTAMP NOT NULL
);
CREATE INDEX seat_returns_due ON seat_returns (due_at);
