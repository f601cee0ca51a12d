//! R5's limits on what one person may hold: active appointments per e-mail and per phone
//! (across services), reschedules per appointment, days waited for per e-mail, and how long a
//! seat is held for someone on a waitlist. Configurable (`TEMUJANJI_MAX_ACTIVE_PER_EMAIL`,
//! `…_PER_PHONE`, `TEMUJANJI_MAX_RESCHEDULES`, `TEMUJANJI_MAX_WAITLIST_PLACES`,
//! `TEMUJANJI_WAITLIST_OFFER_MINUTES`).
//!
//! The active count is read then written, so it runs under a per-key lock (`db::lock_key`)
//! taken inside the booking transaction: two bookings for one address queue there and the
//! second counts the first. Reschedules are counted by the conditional update that moves the
//! appointment.

use diesel::prelude::*;
use temujanji_shared::form::BookingRequest;
use temujanji_shared::wire::AppointmentStatus;

use super::BookingError;
use crate::db::schema::appointments;
use crate::db::{DbConnection, lock_key};

/// How much one person may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub active_per_email: i64,
    pub active_per_phone: i64,
    pub reschedules: i32,
    /// Days one e-mail may wait for at once (waitlist places waiting or offered).
    pub waitlist_places: i64,
    /// Minutes a freed seat is held for the first person waiting before it passes on.
    pub offer_minutes: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            active_per_email: 2,
            active_per_phone: 2,
            reschedules: 2,
            waitlist_places: 3,
            offer_minutes: 30,
        }
    }
}

/// Which address reached its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBy {
    Email,
    Phone,
}

const ACTIVE: [AppointmentStatus; 2] = [AppointmentStatus::Booked, AppointmentStatus::CheckedIn];

/// Active appointments held by this e-mail or phone.
fn active(conn: &mut DbConnection, by: HeldBy, value: &str) -> QueryResult<i64> {
    let held = appointments::table
        .filter(appointments::status.eq_any(ACTIVE))
        .into_boxed();
    let held = match by {
        HeldBy::Email => held.filter(appointments::email.eq(value)),
        HeldBy::Phone => held.filter(appointments::phone.eq(value)),
    };
    held.count().get_result(conn)
}

/// Refuses a booking that would give its e-mail or phone more active appointments than
/// allowed. Call it inside the booking transaction, before the insert.
pub fn check_active(
    conn: &mut DbConnection,
    request: &BookingRequest,
    limits: &Limits,
) -> Result<(), BookingError> {
    let held = [
        (
            HeldBy::Email,
            request.applicant.email.as_str(),
            limits.active_per_email,
        ),
        (
            HeldBy::Phone,
            request.applicant.phone.as_str(),
            limits.active_per_phone,
        ),
    ];
    for (by, value, _) in held {
        lock_key(conn, &format!("active:{by:?}:{value}"))?;
    }
    for (by, value, limit) in held {
        if active(conn, by, value)? >= limit {
            return Err(BookingError::TooManyActive { by, limit });
        }
    }
    Ok(())
}
