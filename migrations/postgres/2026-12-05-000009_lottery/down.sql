DROP TABLE lottery_draws;
ALTER TABLE waitlist_entries DROP COLUMN drawn_rank;
ALTER TABLE services DROP CONSTRAINT services_lottery_ends_the_same_day;
ALTER TABLE services DROP COLUMN lottery_confirm_hours;
ALTER TABLE services DROP COLUMN lottery_minutes;
