//! `Idempotency-Key` for writes: the first request with a key claims it inside its own
//! transaction and stores its answer there; a retry with the same key and body gets that
//! answer back and takes no second seat; the same key with another body is refused.
//!
//! Concurrent duplicates are serialised by the key's primary key: on PostgreSQL the second
//! insert waits for the first transaction and then fails, on SQLite writers are serialised.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::idempotency_keys;
use crate::db::{DbConnection, is_unique_violation, savepoint};

/// Why a keyed request cannot go ahead.
#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    #[error("Idempotency-Key must be 1 to 255 visible ASCII characters")]
    InvalidKey,
    #[error("idempotency key reused with another request")]
    KeyReused,
    #[error("idempotent request still in progress")]
    InProgress,
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

/// How long a key is remembered. Stored answers hold personal data, so they do not outlive it.
pub const RETENTION_HOURS: i64 = 24;

/// A validated `Idempotency-Key` header value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// 1–255 visible ASCII characters.
    pub fn parse(raw: &str) -> Result<Self, IdempotencyError> {
        let raw = raw.trim();
        if raw.is_empty() || raw.len() > 255 || !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(IdempotencyError::InvalidKey);
        }
        Ok(IdempotencyKey(raw.to_owned()))
    }
}

/// The key, its owner (whoever is authenticated) and the fingerprint of the request body.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub owner: String,
    pub key: IdempotencyKey,
    pub request_hash: String,
}

impl Idempotency {
    pub fn new(owner: &str, key: IdempotencyKey, canonical_request: &[u8]) -> Self {
        Idempotency {
            owner: owner.to_owned(),
            key,
            request_hash: hex::encode(Sha256::digest(canonical_request)),
        }
    }
}

/// The stored outcome of the first request: its result as JSON. Only successes are stored
/// (a refusal rolls the claim back), so the outcome is the operation's result, never an HTTP
/// answer: the HTTP edge decides how to present it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub body: String,
}

pub enum Claim {
    /// First use: go ahead, then [`store`] the answer in the same transaction.
    New,
    /// A retry: answer with this.
    Replay(StoredResponse),
}

fn cutoff(now: NaiveDateTime) -> NaiveDateTime {
    now - TimeDelta::hours(RETENTION_HOURS)
}

/// The stored answer for a key already used, checked before anything else so that a retry
/// gets the first answer even when the rules would refuse the request by now.
pub fn replay(
    conn: &mut DbConnection,
    idem: &Idempotency,
    now: NaiveDateTime,
) -> Result<Option<StoredResponse>, IdempotencyError> {
    let row: Option<(String, Option<String>)> = idempotency_keys::table
        .find((&idem.owner, &idem.key.0))
        .filter(idempotency_keys::created_at.ge(cutoff(now)))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_body,
        ))
        .first(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some((hash, _)) if hash != idem.request_hash => Err(IdempotencyError::KeyReused),
        Some((_, body)) => Ok(body.map(|body| StoredResponse { body })),
    }
}

/// Claims the key inside the caller's transaction, first forgetting expired keys.
pub fn claim(
    conn: &mut DbConnection,
    idem: &Idempotency,
    now: NaiveDateTime,
) -> Result<Claim, IdempotencyError> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff(now))))
        .execute(conn)?;
    let inserted = savepoint(conn, |conn| {
        diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::owner.eq(&idem.owner),
                idempotency_keys::idempotency_key.eq(&idem.key.0),
                idempotency_keys::request_hash.eq(&idem.request_hash),
                idempotency_keys::created_at.eq(now),
            ))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(Claim::New),
        Err(e) if is_unique_violation(&e, "idempotency_keys") => {
            let (hash, body): (String, Option<String>) = idempotency_keys::table
                .find((&idem.owner, &idem.key.0))
                .select((
                    idempotency_keys::request_hash,
                    idempotency_keys::response_body,
                ))
                .first(conn)?;
            if hash != idem.request_hash {
                return Err(IdempotencyError::KeyReused);
            }
            match body {
                Some(body) => Ok(Claim::Replay(StoredResponse { body })),
                None => Err(IdempotencyError::InProgress),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Stores the answer for a key claimed in this transaction.
pub fn store(
    conn: &mut DbConnection,
    idem: &Idempotency,
    response: &StoredResponse,
) -> Result<(), IdempotencyError> {
    diesel::update(idempotency_keys::table.find((&idem.owner, &idem.key.0)))
        .set(idempotency_keys::response_body.eq(&response.body))
        .execute(conn)?;
    Ok(())
}
