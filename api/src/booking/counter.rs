//! The day at the counter (R4, R8, R9): the board, check-in by QR or reference, serving with
//! the card payment, no-shows. Transitions: booked → checked_in → completed (served) |
//! cancelled (`change::cancel`) | no_show; any other is `InvalidStatus`.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use temujanji_shared::reference::Reference;
use temujanji_shared::rules::ARRIVE_EARLY_MINUTES;
use temujanji_shared::staff::{
    BoardEntry, BoardSlot, CounterRecord, DayBoard, DayCounts, StaffAppointment,
};
use temujanji_shared::wire::{AppointmentStatus, ClockTime};

use super::row::{AppointmentRow, authorized, find, status_of};
use super::view::view;
use super::{BookingError, Context, transact};
use crate::authz::{self, Action, Principal};
use crate::clock;
use crate::db::DbConnection;
use crate::db::schema::{appointments, services};
use crate::events::{self, Event, EventKind};

/// Moves `$before` out of status `$from` with `$changes` (a diesel changeset), returning the
/// new row; if it is no longer in `$from` (a concurrent change won), returns `InvalidStatus`
/// with the status it has now. The condition on the status makes every transition happen once.
macro_rules! transition {
    ($conn:expr, $before:expr, $from:expr, $changes:expr $(,)?) => {{
        let changed = diesel::update(appointments::table)
            .filter(appointments::id.eq($before.id))
            .filter(appointments::status.eq($from))
            .set($changes)
            .returning(appointments::all_columns)
            .get_result::<AppointmentRow>($conn)
            .optional()?;
        match changed {
            Some(after) => after,
            None => return Err(BookingError::InvalidStatus(status_of($conn, $before.id)?)),
        }
    }};
}

/// How the officer names the appointment.
pub enum CheckIn {
    /// The text of the slip's QR code: its signature is checked.
    Qr(String),
    /// The reference, typed.
    Reference(Reference),
}

/// The card payment recorded at the counter (R9). Only [`Payment::parse`] builds one.
#[derive(Debug, Clone)]
pub struct Payment {
    amount_sen: i32,
    approval_code: String,
}

/// A payment the counter cannot record as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentIssue {
    Amount,
    ApprovalCode,
}

impl Payment {
    /// An amount of RM0.01 to RM10,000 and a 6-character approval code (letters and digits).
    pub fn parse(amount_sen: i64, approval_code: &str) -> Result<Self, Vec<PaymentIssue>> {
        let mut issues = Vec::new();
        let amount = i32::try_from(amount_sen)
            .ok()
            .filter(|a| (1..=1_000_000).contains(a));
        if amount.is_none() {
            issues.push(PaymentIssue::Amount);
        }
        let code = approval_code.trim().to_ascii_uppercase();
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_alphanumeric()) {
            issues.push(PaymentIssue::ApprovalCode);
        }
        match amount {
            Some(amount_sen) if issues.is_empty() => Ok(Payment {
                amount_sen,
                approval_code: code,
            }),
            _ => Err(issues),
        }
    }
}

/// R4: an arrival later than 30 minutes before the start (both Malaysian time) is late.
pub fn is_late(start: NaiveDateTime, arrival: NaiveDateTime) -> bool {
    arrival > start - TimeDelta::minutes(ARRIVE_EARLY_MINUTES)
}

/// The staff view of a row.
pub(super) fn staff_view(
    conn: &mut DbConnection,
    row: AppointmentRow,
    ctx: Context<'_>,
) -> Result<StaffAppointment, BookingError> {
    let utc = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc());
    let counter = CounterRecord {
        id_number: row.id_number.clone(),
        checked_in_at: utc(row.checked_in_at),
        late: row.late.unwrap_or(false),
        served_at: utc(row.served_at),
        paid_sen: row.paid_sen,
        approval_code: row.approval_code.clone(),
        cancel_reason: row.cancel_reason.clone(),
    };
    Ok(StaffAppointment {
        appointment: view(conn, row, ctx.qr)?,
        counter,
    })
}

/// An appointment, for staff of its branch.
pub fn staff_get(
    conn: &mut DbConnection,
    reference: &Reference,
    principal: &Principal,
    ctx: Context<'_>,
) -> Result<StaffAppointment, BookingError> {
    let row = authorized(conn, reference, principal, Action::ViewAppointment)?;
    staff_view(conn, row, ctx)
}

/// Checks the applicant in: today's appointment at the officer's branch, still booked. A
/// genuine slip of another branch or day is refused saying where and when it belongs; a QR
/// code that is not ours is refused as such.
pub fn check_in(
    conn: &mut DbConnection,
    how: CheckIn,
    principal: &Principal,
    ctx: Context<'_>,
) -> Result<StaffAppointment, BookingError> {
    let now = ctx.now;
    let local = clock::to_malaysia(now);
    let (reference, genuine_slip) = match how {
        CheckIn::Qr(text) => (ctx.qr.verify(&text).ok_or(BookingError::InvalidQr)?, true),
        CheckIn::Reference(reference) => (reference, false),
    };
    transact(conn, |conn| {
        let before = match authorized(conn, &reference, principal, Action::CheckIn) {
            // The signed QR proves the holder has this slip: telling them it belongs to
            // another branch reveals nothing they do not hold already.
            Err(BookingError::NotFound) if genuine_slip => {
                let row = find(conn, &reference)?.ok_or(BookingError::NotFound)?;
                return Err(BookingError::WrongBranch(row.branch_code));
            }
            other => other?,
        };
        if before.date != local.date() {
            return Err(BookingError::WrongDay(before.date));
        }
        let late = is_late(before.date.and_time(before.start_time), local);
        let after = transition!(
            conn,
            before,
            AppointmentStatus::Booked,
            (
                appointments::status.eq(AppointmentStatus::CheckedIn),
                appointments::checked_in_at.eq(now),
                appointments::late.eq(late),
                appointments::updated_at.eq(now),
            )
        );
        finish(conn, EventKind::CheckedIn, principal, &before, after, ctx)
    })
}

/// Serves a checked-in applicant, recording the card payment (R9).
pub fn serve(
    conn: &mut DbConnection,
    reference: &Reference,
    payment: &Payment,
    principal: &Principal,
    ctx: Context<'_>,
) -> Result<StaffAppointment, BookingError> {
    let now = ctx.now;
    transact(conn, |conn| {
        let before = authorized(conn, reference, principal, Action::Serve)?;
        let after = transition!(
            conn,
            before,
            AppointmentStatus::CheckedIn,
            (
                appointments::status.eq(AppointmentStatus::Completed),
                appointments::served_at.eq(now),
                appointments::paid_sen.eq(payment.amount_sen),
                appointments::approval_code.eq(&payment.approval_code),
                appointments::updated_at.eq(now),
            )
        );
        finish(conn, EventKind::Served, principal, &before, after, ctx)
    })
}

/// Marks a booked appointment whose time has begun as a no-show (the worker does it anyway
/// when the slot ends).
pub fn mark_no_show(
    conn: &mut DbConnection,
    reference: &Reference,
    principal: &Principal,
    ctx: Context<'_>,
) -> Result<StaffAppointment, BookingError> {
    let now = ctx.now;
    transact(conn, |conn| {
        let before = authorized(conn, reference, principal, Action::MarkNoShow)?;
        if before.status == AppointmentStatus::Booked
            && before.date.and_time(before.start_time) > clock::to_malaysia(now)
        {
            return Err(BookingError::NotStarted);
        }
        let after = transition!(
            conn,
            before,
            AppointmentStatus::Booked,
            (
                appointments::status.eq(AppointmentStatus::NoShow),
                appointments::updated_at.eq(now),
            )
        );
        finish(conn, EventKind::NoShow, principal, &before, after, ctx)
    })
}

/// Publishes the counter's change of `before` into `after` and answers with the staff view.
fn finish(
    conn: &mut DbConnection,
    kind: EventKind,
    principal: &Principal,
    before: &AppointmentRow,
    after: AppointmentRow,
    ctx: Context<'_>,
) -> Result<StaffAppointment, BookingError> {
    let event = Event {
        kind,
        actor: principal,
        before: Some(before),
        after: &after,
        at: ctx.now,
        view: None,
    };
    events::publish(conn, ctx.fanout, &event)?;
    staff_view(conn, after, ctx)
}

/// The branch's day: its appointments by slot, and the counts.
pub fn day(
    conn: &mut DbConnection,
    branch: &str,
    date: NaiveDate,
    principal: &Principal,
) -> Result<DayBoard, BookingError> {
    authz::branch(principal, Action::RunCounter, branch)?;
    let rows: Vec<(AppointmentRow, String)> = appointments::table
        .inner_join(services::table.on(services::code.eq(appointments::service_code)))
        .filter(appointments::branch_code.eq(branch))
        .filter(appointments::date.eq(date))
        .order((appointments::start_time, appointments::created_at))
        .select((AppointmentRow::as_select(), services::name_en))
        .load(conn)?;
    let mut counts = DayCounts::default();
    let mut slots: Vec<BoardSlot> = Vec::new();
    for (row, service) in rows {
        let late = row.late.unwrap_or(false);
        match row.status {
            AppointmentStatus::Booked => counts.expected += 1,
            AppointmentStatus::CheckedIn => counts.arrived += 1,
            AppointmentStatus::Completed => {
                counts.arrived += 1;
                counts.served += 1;
            }
            AppointmentStatus::NoShow => counts.no_show += 1,
            AppointmentStatus::Cancelled => counts.cancelled += 1,
        }
        if late && row.checked_in_at.is_some() {
            counts.late += 1;
        }
        let entry = BoardEntry {
            reference: row.reference,
            status: row.status,
            service,
            applicant_name: row.applicant_name,
            late,
        };
        let start = ClockTime::new(row.start_time);
        match slots.last_mut() {
            Some(slot) if slot.start == start => slot.appointments.push(entry),
            _ => slots.push(BoardSlot {
                start,
                end: ClockTime::new(row.end_time),
                appointments: vec![entry],
            }),
        }
    }
    Ok(DayBoard {
        branch: branch.to_owned(),
        date,
        counts,
        slots,
    })
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn arriving_up_to_30_minutes_before_the_start_is_on_time() {
        let start = NaiveDate::from_ymd_opt(2026, 12, 2)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("a time");
        assert!(!is_late(start, start - TimeDelta::minutes(45)));
        assert!(!is_late(start, start - TimeDelta::minutes(30)));
        assert!(is_late(start, start - TimeDelta::minutes(29)));
        assert!(is_late(start, start + TimeDelta::minutes(5)));
    }

    #[test]
    fn a_payment_needs_an_amount_and_a_six_character_approval_code() {
        assert!(Payment::parse(20_000, "a1b2c3").is_ok());
        assert_eq!(
            Payment::parse(0, "A1B2C3").err(),
            Some(vec![PaymentIssue::Amount])
        );
        assert_eq!(
            Payment::parse(i64::MAX, "A1B2").err(),
            Some(vec![PaymentIssue::Amount, PaymentIssue::ApprovalCode])
        );
        assert_eq!(
            Payment::parse(20_000, "A1B2C!").err(),
            Some(vec![PaymentIssue::ApprovalCode])
        );
    }
}
