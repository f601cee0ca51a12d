ALTER TABLE waitlist_entries DROP COLUMN network;
