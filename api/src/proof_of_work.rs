//! ALTCHA proof of work on the doors bots hammer: asking for a one-time code always, and
//! booking a service while it is in rush mode.
//!
//! The server keeps nothing per challenge it issues: the signature (HMAC under a key derived
//! from the server secret) proves it issued one, the salt carries its expiry. A solved challenge
//! is spent by inserting it into `spent_challenges`, whose primary key lets exactly one request
//! use it, across every instance.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::Sha256;
use temujanji_shared::altcha::{self, Challenge, Solution};

use crate::db::DbConnection;
use crate::db::schema::spent_challenges;

/// Why a proof of work was refused; each has its own sentence for the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no proof of work")]
    Missing,
    #[error("the proof of work cannot be read, or does not solve a challenge of ours")]
    Wrong,
    #[error("the challenge has expired")]
    Expired,
    #[error("the challenge was already used")]
    Reused,
}

#[derive(Debug, thiserror::Error)]
pub enum PowError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// How far ahead of this instance's clock another instance's may run.
const CLOCK_SKEW: TimeDelta = TimeDelta::seconds(60);

/// Random bytes in a salt, before its expiry.
const SALT_BYTES: usize = 12;

/// Whether `salt` has the shape [`ProofOfWork::issue`] gives it: 24 lowercase hex digits, then
/// `?expires=` and 10 decimal digits (Unix seconds, until the year 2286).
fn issued_salt(salt: &str) -> bool {
    let Some((random, expires)) = salt.split_once("?expires=") else {
        return false;
    };
    random.len() == SALT_BYTES * 2
        && random
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && expires.len() == 10
        && expires.bytes().all(|b| b.is_ascii_digit())
}

/// Issues and verifies challenges.
#[derive(Clone)]
pub struct ProofOfWork {
    key: Vec<u8>,
    /// The secret number lies in `0..=max_number`: the work is about half of it on average.
    pub max_number: u64,
    /// How long a challenge may be used.
    pub ttl: TimeDelta,
}

impl std::fmt::Debug for ProofOfWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProofOfWork")
            .field("max_number", &self.max_number)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl ProofOfWork {
    pub fn new(secret: &[u8], max_number: u64, ttl: TimeDelta) -> Self {
        ProofOfWork {
            key: crate::auth::derive_key(secret, b"temujanji altcha challenges v1"),
            max_number,
            ttl,
        }
    }

    fn mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC accepts keys of any length")
    }

    /// A fresh challenge, valid for `ttl` from `now`.
    pub fn issue(&self, now: DateTime<Utc>) -> Challenge {
        let mut rng = rand::rng();
        let expires = (now + self.ttl).timestamp();
        let salt = format!(
            "{}?expires={expires}",
            hex::encode(rng.random::<[u8; SALT_BYTES]>())
        );
        let number = rng.random_range(0..=self.max_number);
        let challenge = altcha::hash(&salt, number);
        let signature = hex::encode(
            self.mac()
                .chain_update(challenge.as_bytes())
                .finalize()
                .into_bytes(),
        );
        Challenge {
            algorithm: altcha::ALGORITHM.to_owned(),
            challenge,
            maxnumber: self.max_number,
            salt,
            signature,
        }
    }

    /// Checks a solution without the database: ours, solved, not expired. Returns the
    /// challenge and its expiry, for [`spend`].
    pub fn check(
        &self,
        field: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(String, NaiveDateTime), Refusal> {
        let field = field.map(str::trim).filter(|f| !f.is_empty());
        let solution = Solution::decode(field.ok_or(Refusal::Missing)?).ok_or(Refusal::Wrong)?;
        let signature = hex::decode(&solution.signature).map_err(|_| Refusal::Wrong)?;
        self.mac()
            .chain_update(solution.challenge.as_bytes())
            .verify_slice(&signature)
            .map_err(|_| Refusal::Wrong)?;
        // The signature covers the challenge only (the protocol's choice), and the hash runs
        // the salt and the number together: moving digits between them keeps both valid. So
        // the salt must have exactly the shape we issue, and its expiry be one we could have
        // issued.
        if !issued_salt(&solution.salt)
            || !solution.is_correct()
            || solution.number > self.max_number
        {
            return Err(Refusal::Wrong);
        }
        let expires = solution
            .expires()
            .and_then(|at| DateTime::<Utc>::from_timestamp(at, 0))
            .ok_or(Refusal::Wrong)?;
        if expires > now + self.ttl + CLOCK_SKEW {
            return Err(Refusal::Wrong);
        }
        if expires <= now {
            return Err(Refusal::Expired);
        }
        Ok((solution.challenge, expires.naive_utc()))
    }

    /// [`check`]s a solution and spends it, in the caller's transaction: of any number of
    /// requests carrying one solution, exactly one gets through.
    pub fn verify(
        &self,
        conn: &mut DbConnection,
        field: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), PowError> {
        let (challenge, expires_at) = self.check(field, now)?;
        spend(conn, &challenge, expires_at)
    }
}

/// An applicant's booking through a door that rush mode can close: the server's verifier and
/// the solution the booking carries, if any.
#[derive(Debug, Clone, Copy)]
pub struct RushGate<'a> {
    pub pow: &'a ProofOfWork,
    pub altcha: Option<&'a str>,
}

impl RushGate<'_> {
    /// Checks the solution and spends it, committed at once (outside any transaction of the
    /// caller's).
    pub fn pass(&self, conn: &mut DbConnection, now: NaiveDateTime) -> Result<(), PowError> {
        self.pow.verify(conn, self.altcha, now.and_utc())
    }
}

/// Marks `challenge` used; `Reused` if it already was.
pub fn spend(
    conn: &mut DbConnection,
    challenge: &str,
    expires_at: NaiveDateTime,
) -> Result<(), PowError> {
    let inserted = crate::db::savepoint(conn, |conn| {
        diesel::insert_into(spent_challenges::table)
            .values((
                spent_challenges::challenge.eq(challenge),
                spent_challenges::expires_at.eq(expires_at),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if crate::db::is_unique_violation(&e, "spent_challenges") => {
            Err(Refusal::Reused.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Forgets spent challenges expired for a while (the worker's housekeeping, off the request
/// path); the grace outlasts any clock skew between instances, so that no instance accepts a
/// challenge another has already forgotten.
pub fn forget_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        spent_challenges::table
            .filter(spent_challenges::expires_at.lt(now - TimeDelta::minutes(10))),
    )
    .execute(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pow() -> ProofOfWork {
        ProofOfWork::new(
            b"a test secret of thirty-two bytes!",
            500,
            TimeDelta::minutes(5),
        )
    }

    fn solved(pow: &ProofOfWork, now: DateTime<Utc>) -> Solution {
        pow.issue(now).solve().expect("solvable")
    }

    #[test]
    fn a_solved_challenge_of_ours_passes() {
        let pow = pow();
        let now = Utc::now();
        let solution = solved(&pow, now);
        let (challenge, expires) = pow.check(Some(&solution.encode()), now).expect("valid");
        assert_eq!(challenge, solution.challenge);
        assert_eq!(
            expires.and_utc().timestamp(),
            (now + TimeDelta::minutes(5)).timestamp()
        );
    }

    #[test]
    fn missing_wrong_forged_and_expired_solutions_are_refused() {
        let pow = pow();
        let now = Utc::now();
        assert!(matches!(pow.check(None, now), Err(Refusal::Missing)));
        assert!(matches!(pow.check(Some("  "), now), Err(Refusal::Missing)));
        assert!(matches!(pow.check(Some("e30="), now), Err(Refusal::Wrong)));
        let good = solved(&pow, now);
        let wrong_number = Solution {
            number: good.number + 1,
            ..good.clone()
        };
        assert!(matches!(
            pow.check(Some(&wrong_number.encode()), now),
            Err(Refusal::Wrong)
        ));
        // A challenge someone made up, or signed with another key, solved honestly.
        let theirs = ProofOfWork::new(b"another secret, also 32 bytes long", 500, pow.ttl);
        let forged = solved(&theirs, now);
        assert!(matches!(
            pow.check(Some(&forged.encode()), now),
            Err(Refusal::Wrong)
        ));
        // A longer expiry in the salt breaks the challenge's hash, so it cannot be extended.
        let extended = Solution {
            salt: good.salt.replace("expires=", "expires=9"),
            ..good.clone()
        };
        assert!(matches!(
            pow.check(Some(&extended.encode()), now),
            Err(Refusal::Wrong)
        ));
        let later = now + TimeDelta::minutes(6);
        assert!(matches!(
            pow.check(Some(&good.encode()), later),
            Err(Refusal::Expired)
        ));
    }

    /// `hash(salt ‖ number)` stays the same when digits move from the number to the end of
    /// the salt: the expiry would grow by orders of magnitude (a challenge solved today, used
    /// for centuries). The salt's shape and the expiry's bound refuse it.
    #[test]
    fn digits_moved_from_the_number_into_the_expiry_are_refused() {
        let pow = ProofOfWork::new(
            b"a test secret of thirty-two bytes!",
            1_000_000,
            TimeDelta::minutes(5),
        );
        let now = Utc::now();
        // A challenge whose number has at least three digits.
        let good = loop {
            let solution = solved(&pow, now);
            if solution.number >= 100 {
                break solution;
            }
        };
        let digits = good.number.to_string();
        for moved in 1..digits.len() {
            let (head, tail) = digits.split_at(moved);
            let shifted = Solution {
                salt: format!("{}{head}", good.salt),
                number: tail.parse().expect("digits"),
                ..good.clone()
            };
            if tail.starts_with('0') {
                // The number's decimal form drops leading zeros: not the same hash input.
                continue;
            }
            assert!(shifted.is_correct(), "the hash alone cannot tell");
            assert!(
                matches!(pow.check(Some(&shifted.encode()), now), Err(Refusal::Wrong)),
                "moving {moved} digits"
            );
        }
        // Nor an expiry far ahead, even in a salt of the right shape.
        assert!(!issued_salt("0123456789abcdef01234567?expires=99999999999"));
        assert!(!issued_salt("0123456789ABCDEF01234567?expires=1796000000"));
        assert!(issued_salt("0123456789abcdef01234567?expires=1796000000"));
    }
}
