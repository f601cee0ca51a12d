DROP TABLE seat_returns;
ALTER TABLE services DROP COLUMN release_delay_minutes;
