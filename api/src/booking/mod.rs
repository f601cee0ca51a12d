//! The booking engine (R1–R5, R8, R9): book, look up, cancel and reschedule appointments, and
//! run them through the counter (check-in, serve, no-show).
//!
//! Invariants, all enforced by the database rather than by earlier reads:
//! - a seat is claimed with `UPDATE slots SET booked = booked + 1 WHERE id = ? AND booked <
//!   capacity`, and `CHECK (booked <= capacity)` backs it up, so a slot is never overbooked
//!   ([`seats`]);
//! - the partial unique index `appointments_one_active_per_identity` allows one active
//!   appointment per identity per service;
//! - every change is one transaction ([`transact`]) whose status change is conditional on the
//!   status it was read in, and publishes one domain event (`crate::events`) in it: the audit
//!   entry and the e-mail exist exactly when the change does;
//! - who may do what is decided by `crate::authz`, asked before every read and change.
//!
//! Errors are the engine's own ([`BookingError`]); the HTTP edge maps them to problems.

pub mod blocks;
mod book;
mod change;
mod counter;
mod demand;
mod error;
pub mod limits;
pub mod lottery;
pub mod partner;
pub mod queue;
pub mod reminders;
mod row;
mod seats;
mod sweep;
mod view;
pub mod waitlist;

use chrono::NaiveDateTime;

pub use blocks::identity_key;
pub use book::book;
pub use change::{cancel, cancel_for_office, get, reschedule, void};
pub use counter::{CheckIn, Payment, PaymentIssue, check_in, day, mark_no_show, serve, staff_get};
pub use error::BookingError;
pub use row::AppointmentRow;
pub use seats::return_due_seats;
pub use sweep::expire_no_shows;
pub use view::view;

use crate::db::{DbConnection, StoreError, is_retryable, write_transaction};
use crate::events::Fanout;
use crate::idempotency::{self, Claim, Idempotency, StoredResponse};
use crate::qr_payload::QrKey;

const TRANSACTION_ATTEMPTS: usize = 3;

/// What every operation needs besides the connection: the keys and templates its outputs
/// are made with, and the instant it happens at.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub qr: &'a QrKey,
    /// R5's limits on what one person may hold.
    pub limits: &'a limits::Limits,
    /// Where the changes' events go.
    pub fanout: Fanout<'a>,
    pub now: NaiveDateTime,
    /// An applicant's booking: the proof of work it carries, needed while the service is in
    /// rush mode. `None` for partners and staff, who never need one.
    pub rush: Option<crate::proof_of_work::RushGate<'a>>,
}

impl<'a> Context<'a> {
    /// What offering a freed seat to a waitlist needs.
    pub fn offers(&self) -> waitlist::Offers<'a> {
        waitlist::Offers {
            letters: self.fanout.letters,
            limits: self.limits,
        }
    }
}

/// How a booking gets its seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seat {
    /// First come, first served: claimed if one is left.
    Claim,
    /// The seat held for the applicant's waitlist offer (the entry's id).
    Offer(i64),
}

/// The outcome stored for an earlier request with this key, if there was one.
fn replayed<T: serde::de::DeserializeOwned>(
    conn: &mut DbConnection,
    idempotency: Option<&Idempotency>,
    now: NaiveDateTime,
) -> Result<Option<T>, BookingError> {
    let Some(idem) = idempotency else {
        return Ok(None);
    };
    idempotency::replay(conn, idem, now)?
        .map(|stored| decode(&stored))
        .transpose()
}

fn decode<T: serde::de::DeserializeOwned>(stored: &StoredResponse) -> Result<T, BookingError> {
    serde_json::from_str(&stored.body)
        .map_err(|e| BookingError::corrupt("stored idempotent outcome", e.to_string()))
}

/// [`transact`] once per idempotency key: the transaction claims the key first and stores
/// its outcome last, so concurrent retries run the change once and all get its outcome.
fn transact_once<T: serde::Serialize + serde::de::DeserializeOwned>(
    conn: &mut DbConnection,
    idempotency: Option<&Idempotency>,
    now: NaiveDateTime,
    mut f: impl FnMut(&mut DbConnection) -> Result<T, BookingError>,
) -> Result<T, BookingError> {
    if let Some(first) = replayed(conn, idempotency, now)? {
        return Ok(first);
    }
    transact(conn, |conn| {
        let Some(idem) = idempotency else {
            return f(conn);
        };
        if let Claim::Replay(stored) = idempotency::claim(conn, idem, now)? {
            return decode(&stored);
        }
        let outcome = f(conn)?;
        let body = serde_json::to_string(&outcome)
            .map_err(|e| BookingError::corrupt("outcome as JSON", e.to_string()))?;
        idempotency::store(conn, idem, &StoredResponse { body })?;
        Ok(outcome)
    })
}

/// Runs a write transaction, retrying it when PostgreSQL reports a deadlock or a
/// serialization failure.
fn transact<T>(
    conn: &mut DbConnection,
    mut f: impl FnMut(&mut DbConnection) -> Result<T, BookingError>,
) -> Result<T, BookingError> {
    let mut attempt = 1;
    loop {
        match write_transaction(conn, &mut f) {
            Err(BookingError::Store(StoreError::Database(e)))
                if attempt < TRANSACTION_ATTEMPTS && is_retryable(&e) =>
            {
                tracing::warn!(error = %e, attempt, "retrying transaction");
                attempt += 1;
            }
            other => return other,
        }
    }
}
