ALTER TABLE services DROP COLUMN rush;
DROP TABLE spent_challenges;
