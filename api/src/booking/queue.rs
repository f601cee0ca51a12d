//! The branch's queue: checked-in applicants in arrival order, called one at a time to a
//! counter, and the hall display (references and counters, never names).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use temujanji_shared::staff::{Call, HallDisplay, Queue, StaffAppointment, Waiting};
use temujanji_shared::wire::{AppointmentStatus, ClockTime};

use super::row::AppointmentRow;
use super::{BookingError, Context, transact};
use crate::authz::{self, Action, Principal};
use crate::catalog;
use crate::db::DbConnection;
use crate::db::schema::{appointments, services};
use crate::events::{self, Event, EventKind};

/// Calls shown on the hall display.
const DISPLAYED_CALLS: i64 = 8;

/// A counter's name as shown in the hall: 1 to 4 letters or digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter(String);

impl Counter {
    pub fn parse(raw: &str) -> Option<Self> {
        let name = raw.trim().to_ascii_uppercase();
        ((1..=4).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then_some(Counter(name))
    }
}

fn waiting_rows(
    conn: &mut DbConnection,
    branch: &str,
    date: NaiveDate,
) -> QueryResult<Vec<(AppointmentRow, String)>> {
    appointments::table
        .inner_join(services::table.on(services::code.eq(appointments::service_code)))
        .filter(appointments::branch_code.eq(branch))
        .filter(appointments::date.eq(date))
        .filter(appointments::status.eq(AppointmentStatus::CheckedIn))
        .filter(appointments::called_at.is_null())
        .order((appointments::checked_in_at, appointments::id))
        .select((AppointmentRow::as_select(), services::name_en))
        .load(conn)
}

fn calls(
    conn: &mut DbConnection,
    branch: &str,
    date: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<Call>> {
    let rows: Vec<(String, Option<String>, Option<NaiveDateTime>)> = appointments::table
        .filter(appointments::branch_code.eq(branch))
        .filter(appointments::date.eq(date))
        .filter(appointments::called_at.is_not_null())
        .order(appointments::called_at.desc())
        .limit(limit)
        .select((
            appointments::reference,
            appointments::counter,
            appointments::called_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(reference, counter, at)| {
            Some(Call {
                reference,
                counter: counter?,
                called_at: at?.and_utc(),
            })
        })
        .collect())
}

/// The queue of `branch` on `date`.
pub fn queue(
    conn: &mut DbConnection,
    branch: &str,
    date: NaiveDate,
    principal: &Principal,
) -> Result<Queue, BookingError> {
    authz::branch(principal, Action::RunCounter, branch)?;
    let waiting = waiting_rows(conn, branch, date)?
        .into_iter()
        .map(|(row, service)| Waiting {
            checked_in_at: row.checked_in_at.unwrap_or(row.updated_at).and_utc(),
            late: row.late.unwrap_or(false),
            start: ClockTime::new(row.start_time),
            reference: row.reference,
            applicant_name: row.applicant_name,
            service,
        })
        .collect();
    Ok(Queue {
        waiting,
        called: calls(conn, branch, date, DISPLAYED_CALLS)?,
    })
}

/// Calls the longest-waiting applicant to `counter`; `None` when nobody waits. Two counters
/// calling at once never call the same person: the claim is conditional on `called_at`
/// still being empty.
pub fn call_next(
    conn: &mut DbConnection,
    branch: &str,
    date: NaiveDate,
    counter: &Counter,
    principal: &Principal,
    ctx: Context<'_>,
) -> Result<Option<StaffAppointment>, BookingError> {
    authz::branch(principal, Action::RunCounter, branch)?;
    transact(conn, |conn| {
        for (before, _) in waiting_rows(conn, branch, date)? {
            let claimed = diesel::update(appointments::table)
                .filter(appointments::id.eq(before.id))
                .filter(appointments::status.eq(AppointmentStatus::CheckedIn))
                .filter(appointments::called_at.is_null())
                .set((
                    appointments::called_at.eq(ctx.now),
                    appointments::counter.eq(&counter.0),
                    appointments::updated_at.eq(ctx.now),
                ))
                .returning(appointments::all_columns)
                .get_result::<AppointmentRow>(conn)
                .optional()?;
            let Some(after) = claimed else {
                // Another counter called this one first.
                continue;
            };
            let event = Event {
                kind: EventKind::Called,
                actor: principal,
                before: Some(&before),
                after: &after,
                at: ctx.now,
                view: None,
            };
            events::publish(conn, ctx.fanout, &event)?;
            return Ok(Some(super::counter::staff_view(conn, after, ctx)?));
        }
        Ok(None)
    })
}

/// The hall display of `branch` on `date`: public, so references and counters only.
pub fn display(
    conn: &mut DbConnection,
    branch: &str,
    date: NaiveDate,
) -> Result<HallDisplay, BookingError> {
    let code =
        temujanji_shared::codes::BranchCode::parse(branch).map_err(|_| BookingError::NotFound)?;
    let found = catalog::find_branch(conn, &code)?.ok_or(BookingError::NotFound)?;
    let waiting: i64 = appointments::table
        .filter(appointments::branch_code.eq(branch))
        .filter(appointments::date.eq(date))
        .filter(appointments::status.eq(AppointmentStatus::CheckedIn))
        .filter(appointments::called_at.is_null())
        .count()
        .get_result(conn)?;
    Ok(HallDisplay {
        branch: found.code,
        branch_name: found.name,
        calls: calls(conn, branch, date, DISPLAYED_CALLS)?,
        waiting,
    })
}
