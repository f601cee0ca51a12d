//! Looking up, cancelling and rescheduling an appointment.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use temujanji_shared::form::RescheduleTarget;
use temujanji_shared::reference::Reference;
use temujanji_shared::wire::{self, AppointmentStatus};

use super::row::{AppointmentRow, authorized, status_of};
use super::seats::{check_slot, claim_seat, ensure_slot, release_seat};
use super::view::{parse_branch_code, view};
use super::waitlist::Offers;
use super::{BookingError, Context, replayed, transact, transact_once};
use crate::authz::{Action, Principal};
use crate::catalog;
use crate::clock;
use crate::db::schema::appointments;
use crate::db::{DbConnection, StoreError};
use crate::events::{self, Event, EventKind};
use crate::idempotency::Idempotency;

/// The appointment, for whoever may see it.
pub fn get(
    conn: &mut DbConnection,
    reference: &Reference,
    principal: &Principal,
    ctx: Context<'_>,
) -> Result<wire::Appointment, BookingError> {
    let row = authorized(conn, reference, principal, Action::ViewAppointment)?;
    Ok(view(conn, row, ctx.qr)?)
}

/// Changes are refused once the appointment's slot has started.
fn ensure_not_started(row: &AppointmentRow, now: NaiveDateTime) -> Result<(), BookingError> {
    if row.date.and_time(row.start_time) <= clock::to_malaysia(now) {
        Err(BookingError::Started)
    } else {
        Ok(())
    }
}

/// Cancels the appointment and frees its seat at once. The applicant (or partner) cancels a
/// booked appointment before it starts; staff also cancel a late arrival at the counter
/// (R4), with a reason the audit log keeps.
///
/// With `idempotency`, a retry returns the first outcome instead of `invalid_status`.
pub fn cancel(
    conn: &mut DbConnection,
    reference: &Reference,
    principal: &Principal,
    reason: Option<&str>,
    idempotency: Option<&Idempotency>,
    ctx: Context<'_>,
) -> Result<wire::Appointment, BookingError> {
    let now = ctx.now;
    let by_staff = matches!(principal, Principal::Staff(_));
    transact_once(conn, idempotency, now, |conn| {
        let before = authorized(conn, reference, principal, Action::CancelAppointment)?;
        let cancellable: &[AppointmentStatus] = if by_staff {
            &[AppointmentStatus::Booked, AppointmentStatus::CheckedIn]
        } else {
            ensure_not_started(&before, now)?;
            &[AppointmentStatus::Booked]
        };
        let by = match principal {
            Principal::Applicant(_) => "applicant",
            Principal::Partner(_) => "partner",
            Principal::Staff(_) => "staff",
            Principal::System => "office",
        };
        let Some(after) = cancel_row(
            conn,
            &before,
            cancellable,
            reason,
            by,
            Some(ctx.offers()),
            now,
        )?
        else {
            return Err(BookingError::InvalidStatus(status_of(conn, before.id)?));
        };
        publish_change(conn, EventKind::Cancelled, principal, &before, after, ctx)
    })
}

/// Moves a booked appointment to another slot of the same branch and service: the new seat is
/// taken and the old one freed in one transaction.
///
/// With `idempotency`, a retry returns the first outcome and moves nothing again.
pub fn reschedule(
    conn: &mut DbConnection,
    reference: &Reference,
    target: &RescheduleTarget,
    principal: &Principal,
    idempotency: Option<&Idempotency>,
    ctx: Context<'_>,
) -> Result<wire::Appointment, BookingError> {
    let now = ctx.now;
    // A retry gets the first answer even if the rules would refuse the request by now.
    if let Some(first) = replayed(conn, idempotency, now)? {
        return Ok(first);
    }
    let current = authorized(conn, reference, principal, Action::RescheduleAppointment)?;
    let branch = catalog::find_branch(conn, &parse_branch_code(&current.branch_code)?)?
        .ok_or_else(|| StoreError::corrupt("appointment's branch", &current.branch_code))?;
    let slot = check_slot(
        conn,
        branch,
        &current.service_code,
        target.date,
        target.start,
        now,
    )?;
    // Rush mode: a move into a hot day costs a proof of work too, spent even if refused.
    if let Some(gate) = &ctx.rush
        && catalog::in_rush(conn, &current.service_code)?
    {
        gate.pass(conn, now)?;
    }
    transact_once(conn, idempotency, now, |conn| {
        let before = authorized(conn, reference, principal, Action::RescheduleAppointment)?;
        if before.status != AppointmentStatus::Booked {
            return Err(BookingError::InvalidStatus(before.status));
        }
        ensure_not_started(&before, now)?;
        if before.reschedules >= ctx.limits.reschedules {
            return Err(BookingError::RescheduleLimit {
                limit: ctx.limits.reschedules,
            });
        }
        let new_slot = ensure_slot(
            conn,
            &before.branch_code,
            &before.service_code,
            target.date,
            &slot,
        )?;
        if new_slot == before.slot_id {
            return Ok(view(conn, before, ctx.qr)?);
        }
        // Lock the appointment first: concurrent changes to it queue here.
        let moved = diesel::update(appointments::table)
            .filter(appointments::id.eq(before.id))
            .filter(appointments::status.eq(AppointmentStatus::Booked))
            .filter(appointments::slot_id.eq(before.slot_id))
            .filter(appointments::reschedules.lt(ctx.limits.reschedules))
            .set((
                appointments::reschedules.eq(appointments::reschedules + 1),
                appointments::slot_id.eq(new_slot),
                appointments::date.eq(target.date),
                appointments::start_time.eq(slot.time.start),
                appointments::end_time.eq(slot.time.end),
                appointments::updated_at.eq(now),
            ))
            .returning(appointments::all_columns)
            .get_result::<AppointmentRow>(conn)
            .optional()?;
        let Some(after) = moved else {
            // Changed by a concurrent request since it was read.
            return Err(BookingError::ConcurrentChange);
        };
        // Touch the two slots in id order so that crossing reschedules cannot deadlock.
        if new_slot < before.slot_id {
            claim_seat(conn, new_slot)?;
            release_seat(conn, before.slot_id, Some(ctx.offers()), now)?;
        } else {
            release_seat(conn, before.slot_id, Some(ctx.offers()), now)?;
            claim_seat(conn, new_slot)?;
        }
        publish_change(conn, EventKind::Rescheduled, principal, &before, after, ctx)
    })
}

/// Cancels a booked appointment the office can no longer hold (its branch's hours, services
/// or seats changed): the seat is freed and the applicant receives an apology with a link to
/// book again. Recorded as cancelled by the office, so it never counts against the applicant.
/// Runs inside the caller's transaction.
pub fn cancel_for_office(
    conn: &mut DbConnection,
    before: &AppointmentRow,
    reason: &str,
    principal: &Principal,
    ctx: Context<'_>,
) -> Result<(), BookingError> {
    let cancelled = cancel_row(
        conn,
        before,
        &[AppointmentStatus::Booked],
        Some(reason),
        "office",
        // The office is taking the seat away: it is not offered to a waitlist.
        None,
        ctx.now,
    )?;
    let Some(after) = cancelled else {
        return Err(BookingError::ConcurrentChange);
    };
    publish_change(conn, EventKind::Withdrawn, principal, before, after, ctx)?;
    Ok(())
}

/// Voids a booking made with someone else's identity or made-up data (supervisors and
/// administrators): cancelled as `fraud`, its seat freed, the identity free for its real
/// holder at once, the e-mail that made it blocked for `block_days` (category fraud). A voided
/// booking never counts as a strike (`blocks::apply_strike_rule`). Audited; the maker is not
/// e-mailed.
pub fn void(
    conn: &mut DbConnection,
    reference: &Reference,
    reason: &str,
    block_days: i64,
    principal: &Principal,
    ctx: Context<'_>,
) -> Result<wire::Appointment, BookingError> {
    let now = ctx.now;
    transact(conn, |conn| {
        let before = authorized(conn, reference, principal, Action::VoidAppointment)?;
        let voidable = [AppointmentStatus::Booked, AppointmentStatus::NoShow];
        let Some(after) = cancel_row(
            conn,
            &before,
            &voidable,
            Some(reason),
            "fraud",
            Some(ctx.offers()),
            now,
        )?
        else {
            return Err(BookingError::InvalidStatus(status_of(conn, before.id)?));
        };
        let until = clock::to_malaysia(now).date() + chrono::TimeDelta::days(block_days);
        super::blocks::block_for_fraud(conn, &after.email, reason, until, principal, now)?;
        publish_change(conn, EventKind::Voided, principal, &before, after, ctx)
    })
}

/// Cancels `before` if it is still in one of `from` (conditional, so two concurrent cancels
/// free the seat once) and frees its seat; `None` when its status had changed. `by` is who
/// cancelled: `applicant`, `partner`, `staff` or `office`.
fn cancel_row(
    conn: &mut DbConnection,
    before: &AppointmentRow,
    from: &[AppointmentStatus],
    reason: Option<&str>,
    by: &str,
    offers: Option<Offers<'_>>,
    now: NaiveDateTime,
) -> Result<Option<AppointmentRow>, BookingError> {
    let changed = diesel::update(appointments::table)
        .filter(appointments::id.eq(before.id))
        .filter(appointments::status.eq_any(from))
        .set((
            appointments::status.eq(AppointmentStatus::Cancelled),
            appointments::cancelled_at.eq(now),
            appointments::cancel_reason.eq(reason),
            appointments::cancelled_by.eq(by),
            appointments::updated_at.eq(now),
        ))
        .returning(appointments::all_columns)
        .get_result::<AppointmentRow>(conn)
        .optional()?;
    if let Some(after) = &changed {
        release_seat(conn, after.slot_id, offers, now)?;
    }
    Ok(changed)
}

/// Publishes the applicant-facing change of `before` into `after` (its e-mail needs the view)
/// and answers with that view.
fn publish_change(
    conn: &mut DbConnection,
    kind: EventKind,
    principal: &Principal,
    before: &AppointmentRow,
    after: AppointmentRow,
    ctx: Context<'_>,
) -> Result<wire::Appointment, BookingError> {
    let appointment = view(conn, after.clone(), ctx.qr)?;
    let event = Event {
        kind,
        actor: principal,
        before: Some(before),
        after: &after,
        at: ctx.now,
        view: Some(&appointment),
    };
    events::publish(conn, ctx.fanout, &event)?;
    Ok(appointment)
}
