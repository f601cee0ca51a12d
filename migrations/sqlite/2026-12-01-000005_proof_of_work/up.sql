-- Proof of work (ALTCHA): each solved challenge is spent once. A challenge is its own key
-- (SHA-256 of a random salt), so the primary key makes a second use fail atomically; rows
-- are swept once the challenge has expired.
CREATE TABLE spent_challenges (
    challenge  TEXT PRIMARY KEY,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX spent_challenges_expiry ON spent_challenges (expires_at);

-- Rush mode: while a service is in it, booking it also needs a solved challenge.
ALTER TABLE services ADD COLUMN rush BOOLEAN NOT NULL DEFAULT false;
