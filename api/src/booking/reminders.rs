//! The day-before reminder (R7): from [`SEND_FROM`] Malaysian time, one reminder for every
//! appointment booked for tomorrow, with its slip.
//!
//! Every instance's worker sweeps periodically; the outbox's unique `dedupe_key`
//! (`reminder:<reference>:<date>`) makes the reminder exist once however many sweeps race.
//! Each reminder is written in its own transaction that first locks the appointment row and
//! re-checks that it is still booked for tomorrow, so a concurrent cancel or reschedule either
//! comes first (no reminder is written) or after (and withdraws it, see
//! `outbox::discard_reminders`, called by `crate::events`).

use std::collections::HashSet;

use chrono::{NaiveDateTime, NaiveTime, TimeDelta};
use diesel::prelude::*;
use temujanji_shared::wire::AppointmentStatus;

use super::{AppointmentRow, BookingError, view};
use crate::clock;
use crate::db::schema::{appointments, outbox};
use crate::db::{DbConnection, StoreError, is_unique_violation, write_transaction};
use crate::mail::{Letters, Notice, reminder_key};
use crate::qr_payload::QrKey;

/// Reminders are not written before this Malaysian time of the day before.
pub const SEND_FROM: NaiveTime = match NaiveTime::from_hms_opt(8, 0, 0) {
    Some(time) => time,
    None => panic!("08:00 is a time"),
};

/// Writes the missing reminders for the appointments of the day after `now` (Malaysian
/// date); returns how many this call wrote.
pub fn sweep(
    conn: &mut DbConnection,
    letters: &Letters,
    qr: &QrKey,
    now: NaiveDateTime,
) -> Result<usize, BookingError> {
    let local = clock::to_malaysia(now);
    if local.time() < SEND_FROM {
        return Ok(0);
    }
    let tomorrow = local.date() + TimeDelta::days(1);
    let booked: Vec<(i64, String)> = appointments::table
        .filter(appointments::date.eq(tomorrow))
        .filter(appointments::status.eq(AppointmentStatus::Booked))
        .select((appointments::id, appointments::reference))
        .load(conn)?;
    if booked.is_empty() {
        return Ok(0);
    }
    let written: HashSet<String> = outbox::table
        .filter(outbox::dedupe_key.like(reminder_key("%", tomorrow)))
        .select(outbox::dedupe_key)
        .load::<Option<String>>(conn)?
        .into_iter()
        .flatten()
        .collect();
    let mut count = 0;
    for (id, reference) in booked {
        if written.contains(&reminder_key(&reference, tomorrow)) {
            continue;
        }
        let result = write_transaction(conn, |conn| -> Result<bool, BookingError> {
            // A no-op update: it locks the row and re-checks it, on the latest version.
            let row: Option<AppointmentRow> = diesel::update(appointments::table)
                .filter(appointments::id.eq(id))
                .filter(appointments::date.eq(tomorrow))
                .filter(appointments::status.eq(AppointmentStatus::Booked))
                .set(appointments::updated_at.eq(appointments::updated_at))
                .returning(appointments::all_columns)
                .get_result(conn)
                .optional()?;
            let Some(row) = row else {
                return Ok(false);
            };
            let appointment = view(conn, row, qr)?;
            let message = letters.appointment(Notice::Reminder, &appointment)?;
            crate::outbox::enqueue(conn, &message, now)?;
            Ok(true)
        });
        match result {
            Ok(true) => count += 1,
            Ok(false) => {}
            // Another instance wrote it first.
            Err(BookingError::Store(StoreError::Database(e)))
                if is_unique_violation(&e, "dedupe_key") => {}
            // The database itself failing stops the sweep; one appointment that cannot be
            // written up must not hold back everyone else's reminder.
            Err(e @ BookingError::Store(StoreError::Database(_))) => return Err(e),
            Err(e) => tracing::error!(error = %e, "cannot write a reminder; skipped"),
        }
    }
    Ok(count)
}
