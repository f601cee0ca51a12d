ALTER TABLE services DROP COLUMN opens_at_minute;
