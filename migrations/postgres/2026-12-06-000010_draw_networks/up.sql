-- The client network an entry was made from, as the keyed hash the rate limits use (the
-- address itself is never stored); empty when unknown. A lottery is drawn in rounds by
-- network: each network's first drawn entry comes before any network's second, so that a
-- farm of bots on a few networks cannot take most seats of a draw with many e-mails.
ALTER TABLE waitlist_entries ADD COLUMN network TEXT NOT NULL DEFAULT '';
