//! R4: an appointment nobody checked in for becomes a no-show once its slot has ended. The
//! worker sweeps every minute ([`expire_no_shows`]); booking also expires the applicant's own
//! past appointments first ([`expire_identity`]), so a past booking never holds the
//! one-active-per-service place, whatever the sweep's delay.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use temujanji_shared::form::BookingRequest;
use temujanji_shared::wire::AppointmentStatus;

use super::row::AppointmentRow;
use super::{BookingError, transact};
use crate::authz::Principal;
use crate::clock;
use crate::db::DbConnection;
use crate::db::schema::appointments;
use crate::events::Fanout;
use crate::events::{self, Event, EventKind};

/// Booked appointments whose slot has ended by `now`.
macro_rules! ended_and_booked {
    ($now:expr) => {{
        let local = clock::to_malaysia($now);
        appointments::status.eq(AppointmentStatus::Booked).and(
            appointments::date.lt(local.date()).or(appointments::date
                .eq(local.date())
                .and(appointments::end_time.le(local.time()))),
        )
    }};
}

/// Marks every ended, never checked-in appointment a no-show, in one transaction; returns how
/// many. Safe to run from every instance at once: each row changes status once.
pub fn expire_no_shows(
    conn: &mut DbConnection,
    fanout: Fanout<'_>,
    now: NaiveDateTime,
) -> Result<usize, BookingError> {
    transact(conn, |conn| {
        let expired: Vec<AppointmentRow> = diesel::update(appointments::table)
            .filter(ended_and_booked!(now))
            .set((
                appointments::status.eq(AppointmentStatus::NoShow),
                appointments::updated_at.eq(now),
            ))
            .returning(appointments::all_columns)
            .get_results(conn)?;
        publish_no_shows(conn, fanout, &expired, now)?;
        Ok(expired.len())
    })
}

/// The same, for the identity about to book, inside its booking transaction.
pub(super) fn expire_identity(
    conn: &mut DbConnection,
    request: &BookingRequest,
    fanout: Fanout<'_>,
    now: NaiveDateTime,
) -> Result<(), BookingError> {
    let identity = &request.applicant.identity;
    let expired: Vec<AppointmentRow> = diesel::update(appointments::table)
        .filter(appointments::id_type.eq(identity.id_type()))
        .filter(appointments::id_number.eq(identity.number()))
        .filter(appointments::nationality.eq(identity.nationality()))
        .filter(appointments::service_code.eq(request.service.as_str()))
        .filter(ended_and_booked!(now))
        .set((
            appointments::status.eq(AppointmentStatus::NoShow),
            appointments::updated_at.eq(now),
        ))
        .returning(appointments::all_columns)
        .get_results(conn)?;
    publish_no_shows(conn, fanout, &expired, now)
}

fn publish_no_shows(
    conn: &mut DbConnection,
    fanout: Fanout<'_>,
    expired: &[AppointmentRow],
    now: NaiveDateTime,
) -> Result<(), BookingError> {
    for after in expired {
        let mut before = after.clone();
        before.status = AppointmentStatus::Booked;
        let event = Event {
            kind: EventKind::NoShow,
            // The rule, not whoever triggered the sweep, makes it a no-show.
            actor: &Principal::System,
            before: Some(&before),
            after,
            at: now,
            view: None,
        };
        events::publish(conn, fanout, &event)?;
    }
    Ok(())
}
