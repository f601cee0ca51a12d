//! One-time e-mail codes: 6 digits, single use, 10-minute life, at most 5 wrong tries, one new
//! code per cool-down. Only an HMAC of each code is stored; the code e-mail in the outbox
//! holds the code until it is sent or given up, and its body is erased within a minute after
//! (`outbox::housekeeping`).
//!
//! A code and its e-mail are committed together: the e-mail goes to the outbox in the
//! transaction that stores the code, so a code exists exactly when its e-mail is queued. The
//! outbox worker delivers it, retrying while the mail server is unreachable, and gives up once
//! the code has expired; the applicant can ask for a new code after the cool-down.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use temujanji_shared::email::EmailAddress;
use temujanji_shared::otp::OneTimeCode;

use crate::db::schema::email_codes;
use crate::db::{DbConnection, lock_key, write_transaction};
use crate::mail::Outgoing;
use crate::outbox;

/// Why a code was not issued or not accepted.
#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("rate limited for {retry_after} s")]
    RateLimited { retry_after: i64 },
    #[error("wrong code, {attempts_left} tries left")]
    Wrong { attempts_left: i32 },
    #[error("too many wrong codes")]
    Exhausted,
    #[error("no valid code")]
    NoCode,
    #[error(transparent)]
    Compose(#[from] crate::mail::ComposeError),
    #[error("hmac key: {0}")]
    Key(String),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

pub const CODE_TTL_MINUTES: i64 = 10;
pub const MAX_ATTEMPTS: i32 = 5;
pub const RESEND_COOLDOWN_SECONDS: i64 = 30;
/// Codes one address may request per hour.
pub const MAX_CODES_PER_HOUR: i64 = 10;
/// Wrong codes accepted for one address in 24 hours, whatever the number of codes sent: a
/// guesser gets this many tries a day out of a million.
pub const MAX_FAILED_PER_DAY: i64 = 20;

/// The key that codes are hashed with: derived from the server secret, so that it differs
/// from the token-signing key.
pub fn code_key(secret: &[u8]) -> Vec<u8> {
    super::derive_key(secret, b"temujanji one-time e-mail codes v1")
}

fn code_hash(key: &[u8], email: &EmailAddress, code: &OneTimeCode) -> Result<String, CodeError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|e| CodeError::Key(e.to_string()))?;
    mac.update(email.as_str().as_bytes());
    mac.update(b":");
    mac.update(code.as_str().as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// Creates a new code for `email`, retiring earlier ones, and queues the e-mail that `compose`
/// writes for it (given the code and its expiry) in the same transaction: if composing fails,
/// the earlier code stays valid and nothing counts against the limits.
///
/// The resend cool-down and the hourly cap count the codes `requester` (a keyed hash of the
/// requester's network) asked for this address: another network's requests never use them up.
pub fn create(
    conn: &mut DbConnection,
    key: &[u8],
    email: &EmailAddress,
    requester: &str,
    now: NaiveDateTime,
    compose: impl FnOnce(&OneTimeCode, NaiveDateTime) -> Result<Outgoing, crate::mail::ComposeError>,
) -> Result<(), CodeError> {
    let expires_at = now + TimeDelta::minutes(CODE_TTL_MINUTES);
    let code = OneTimeCode::from_number(rand::random::<u32>());
    let hash = code_hash(key, email, &code)?;
    write_transaction(conn, |conn| {
        // The limits below read, then insert: one transaction per address at a time.
        lock_key(conn, &format!("email-code:{email}"))?;
        let recent: Vec<(NaiveDateTime, Option<NaiveDateTime>)> = email_codes::table
            .filter(email_codes::email.eq(email.as_str()))
            .filter(email_codes::requested_from.eq(requester))
            .filter(email_codes::created_at.gt(now - TimeDelta::hours(1)))
            .order(email_codes::created_at.desc())
            .select((email_codes::created_at, email_codes::used_at))
            .load(conn)?;
        // The cool-down protects an inbox from a flood of codes. Once the newest code has been
        // used (only verification marks the newest one used), the next sign-in needs a fresh
        // code at once, e.g. to manage the appointment just booked; the hourly cap still holds.
        if let Some((last, None)) = recent.first() {
            let wait = RESEND_COOLDOWN_SECONDS - (now - *last).num_seconds();
            if wait > 0 {
                return Err(CodeError::RateLimited { retry_after: wait });
            }
        }
        if recent.len() as i64 >= MAX_CODES_PER_HOUR {
            return Err(CodeError::RateLimited { retry_after: 3600 });
        }
        // Only the newest code counts.
        diesel::update(email_codes::table)
            .filter(email_codes::email.eq(email.as_str()))
            .filter(email_codes::used_at.is_null())
            .set(email_codes::used_at.eq(now))
            .execute(conn)?;
        diesel::insert_into(email_codes::table)
            .values((
                email_codes::email.eq(email.as_str()),
                email_codes::code_hash.eq(&hash),
                email_codes::created_at.eq(now),
                email_codes::expires_at.eq(expires_at),
                email_codes::attempts.eq(0),
                email_codes::requested_from.eq(requester),
            ))
            .execute(conn)?;
        outbox::enqueue(conn, &compose(&code, expires_at)?, now)?;
        Ok(())
    })
}

/// What a verification attempt did; wrong tries are committed before they are reported.
enum Attempt {
    Verified,
    Wrong { attempts_left: i32 },
    Exhausted,
    NoCode,
}

/// Checks `code` for `email` and consumes it on success.
pub fn verify(
    conn: &mut DbConnection,
    key: &[u8],
    email: &EmailAddress,
    code: &OneTimeCode,
    now: NaiveDateTime,
) -> Result<(), CodeError> {
    let hash = code_hash(key, email, code)?;
    let attempt = write_transaction(conn, |conn| -> Result<Attempt, CodeError> {
        let latest: Option<(i64, String, i32)> = email_codes::table
            .filter(email_codes::email.eq(email.as_str()))
            .filter(email_codes::used_at.is_null())
            .filter(email_codes::expires_at.gt(now))
            .order(email_codes::created_at.desc())
            .select((
                email_codes::id,
                email_codes::code_hash,
                email_codes::attempts,
            ))
            .first(conn)
            .optional()?;
        let Some((id, stored, attempts)) = latest else {
            return Ok(Attempt::NoCode);
        };
        if attempts >= MAX_ATTEMPTS {
            return Ok(Attempt::Exhausted);
        }
        // A new code does not reset the budget: wrong tries are capped per address and day.
        let failed_today: Option<i64> = email_codes::table
            .filter(email_codes::email.eq(email.as_str()))
            .filter(email_codes::created_at.gt(now - TimeDelta::hours(24)))
            .select(diesel::dsl::sum(email_codes::attempts))
            .first(conn)?;
        if failed_today.unwrap_or(0) >= MAX_FAILED_PER_DAY {
            return Ok(Attempt::Exhausted);
        }
        if !constant_time_eq(stored.as_bytes(), hash.as_bytes()) {
            // Conditional on the count, so concurrent wrong tries cannot exceed the limit.
            let counted = diesel::update(email_codes::table)
                .filter(email_codes::id.eq(id))
                .filter(email_codes::attempts.lt(MAX_ATTEMPTS))
                .set(email_codes::attempts.eq(email_codes::attempts + 1))
                .execute(conn)?;
            return Ok(if counted == 1 {
                Attempt::Wrong {
                    attempts_left: MAX_ATTEMPTS - attempts - 1,
                }
            } else {
                Attempt::Exhausted
            });
        }
        // Single use: only one request can flip used_at.
        let consumed = diesel::update(email_codes::table)
            .filter(email_codes::id.eq(id))
            .filter(email_codes::used_at.is_null())
            .filter(email_codes::attempts.lt(MAX_ATTEMPTS))
            .set(email_codes::used_at.eq(now))
            .execute(conn)?;
        Ok(if consumed == 1 {
            Attempt::Verified
        } else {
            Attempt::NoCode
        })
    })?;
    if matches!(attempt, Attempt::Wrong { .. } | Attempt::Exhausted) {
        // A security event; the address is not in it.
        tracing::warn!(
            target: "temujanji::security",
            exhausted = matches!(attempt, Attempt::Exhausted),
            "one-time code check failed"
        );
    }
    match attempt {
        Attempt::Verified => Ok(()),
        Attempt::Wrong { attempts_left } => Err(CodeError::Wrong { attempts_left }),
        Attempt::Exhausted => Err(CodeError::Exhausted),
        Attempt::NoCode => Err(CodeError::NoCode),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
