//! Slots and their seats (R1–R3): is a slot real and bookable, and the atomic claim and
//! release of one seat.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use rand::Rng;
use temujanji_shared::wire::ClockTime;

use super::BookingError;
use super::waitlist::{self, Offers};
use crate::catalog::{self, BranchRow};
use crate::clock;
use crate::db::schema::{seat_returns, services, slots};
use crate::db::{DbConnection, StoreError, is_unique_violation, savepoint};
use crate::schedule::{BookingWindow, SlotTime};

/// A slot the branch really offers on that date, inside the booking window.
pub(super) struct ValidSlot {
    pub branch: BranchRow,
    pub seats: i32,
    pub time: SlotTime,
}

pub(super) fn check_slot(
    conn: &mut DbConnection,
    branch: BranchRow,
    service: &str,
    date: NaiveDate,
    start: ClockTime,
    now: NaiveDateTime,
) -> Result<ValidSlot, BookingError> {
    let seats =
        catalog::seats(conn, &branch.code, service)?.ok_or(BookingError::ServiceNotOffered)?;
    let local_now = clock::to_malaysia(now);
    let opens_at = catalog::opens_at(conn, service)?;
    let window = BookingWindow::new(local_now, i64::from(branch.min_lead_days), opens_at);
    let outside = || BookingError::OutsideWindow {
        from: window.first,
        until: window.last,
    };
    if !window.contains(date) {
        return Err(outside());
    }
    if let Some(pending) = super::lottery::pending(conn, service, &branch.code, now)?
        && pending.date == date
    {
        return Err(BookingError::LotteryPending {
            draw_at: pending.draw_at,
        });
    }
    let schedule = catalog::load_schedule(conn, &branch, date, date)?;
    let day = schedule.day(date).map_err(BookingError::BranchClosed)?;
    let time = day
        .into_iter()
        .find(|s| s.start == start.time())
        .ok_or(BookingError::NoSuchSlot)?;
    if date.and_time(time.start) <= local_now {
        // Only reachable with no lead time: the slot has already started today.
        return Err(outside());
    }
    Ok(ValidSlot {
        branch,
        seats,
        time,
    })
}

/// The row of this slot, created on first use. Creation races are settled by the unique
/// constraint: the loser reads the winner's row.
pub(super) fn ensure_slot(
    conn: &mut DbConnection,
    branch: &str,
    service: &str,
    date: NaiveDate,
    slot: &ValidSlot,
) -> Result<i64, BookingError> {
    let find = |conn: &mut DbConnection| {
        slots::table
            .filter(slots::branch_code.eq(branch))
            .filter(slots::service_code.eq(service))
            .filter(slots::date.eq(date))
            .filter(slots::start_time.eq(slot.time.start))
            .select(slots::id)
            .first::<i64>(conn)
            .optional()
    };
    if let Some(id) = find(conn)? {
        return Ok(id);
    }
    let inserted = savepoint(conn, |conn| {
        diesel::insert_into(slots::table)
            .values((
                slots::branch_code.eq(branch),
                slots::service_code.eq(service),
                slots::date.eq(date),
                slots::start_time.eq(slot.time.start),
                slots::end_time.eq(slot.time.end),
                slots::capacity.eq(slot.seats),
                slots::booked.eq(0),
            ))
            .returning(slots::id)
            .get_result::<i64>(conn)
    });
    match inserted {
        Ok(id) => Ok(id),
        Err(e) if is_unique_violation(&e, "slots") => find(conn)?
            .ok_or_else(|| BookingError::corrupt("slot", "vanished after a unique violation")),
        Err(e) => Err(e.into()),
    }
}

/// Takes one seat, or reports the slot full. Atomic under any concurrency: the condition is
/// re-checked on the locked row.
pub(super) fn claim_seat(conn: &mut DbConnection, slot_id: i64) -> Result<(), BookingError> {
    let claimed = diesel::update(slots::table)
        .filter(slots::id.eq(slot_id))
        .filter(slots::booked.lt(slots::capacity))
        .set(slots::booked.eq(slots::booked + 1))
        .execute(conn)?;
    if claimed == 1 {
        Ok(())
    } else {
        Err(BookingError::SlotFull)
    }
}

/// Frees one seat of a cancelled or moved appointment: held for the first person on its
/// day's waitlist (with `offers`; not when the office takes the seat away); else at once, or, if its service has a release delay, at a random moment
/// within it (`seat_returns`, given back by [`return_due_seats`]), so that a freed seat cannot
/// be passed to a chosen buyer.
pub(super) fn release_seat(
    conn: &mut DbConnection,
    slot_id: i64,
    offers: Option<Offers<'_>>,
    now: NaiveDateTime,
) -> Result<(), BookingError> {
    if let Some(offers) = offers
        && waitlist::offer_seat(conn, slot_id, offers, now)?
    {
        return Ok(());
    }
    let service: String = slots::table
        .find(slot_id)
        .select(slots::service_code)
        .first(conn)?;
    let delay_minutes: i32 = services::table
        .find(&service)
        .select(services::release_delay_minutes)
        .first(conn)?;
    if delay_minutes <= 0 {
        return give_back(conn, slot_id);
    }
    // At least a minute (no rebooking on the next click), then any second up to the delay.
    let delay = rand::rng().random_range(60..=i64::from(delay_minutes) * 60);
    diesel::insert_into(seat_returns::table)
        .values((
            seat_returns::slot_id.eq(slot_id),
            seat_returns::due_at.eq(now + TimeDelta::seconds(delay)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives back every delayed seat due by `now`; returns how many. Safe from every instance at
/// once: a seat is given back by whoever deletes its row.
pub fn return_due_seats(
    conn: &mut DbConnection,
    offers: Offers<'_>,
    now: NaiveDateTime,
) -> Result<usize, BookingError> {
    super::transact(conn, |conn| {
        let due: Vec<(i64, i64)> = seat_returns::table
            .filter(seat_returns::due_at.le(now))
            // Slots in id order, as everywhere else, so that sweepers and moves never lock
            // two slots in crossing orders.
            .order((seat_returns::slot_id, seat_returns::id))
            .select((seat_returns::id, seat_returns::slot_id))
            .limit(500)
            .load(conn)?;
        let mut returned = 0;
        for (id, slot_id) in due {
            if diesel::delete(seat_returns::table.find(id)).execute(conn)? == 1 {
                seat_freed(conn, slot_id, offers, now)?;
                returned += 1;
            }
        }
        Ok(returned)
    })
}

/// A seat free for someone else: held for the first person on its day's waitlist, or given
/// back to everyone.
pub(super) fn seat_freed(
    conn: &mut DbConnection,
    slot_id: i64,
    offers: Offers<'_>,
    now: NaiveDateTime,
) -> Result<(), BookingError> {
    if waitlist::offer_seat(conn, slot_id, offers, now)? {
        Ok(())
    } else {
        give_back(conn, slot_id)
    }
}

/// Gives one seat back. No floor filter: a double release would break
/// `CHECK (booked >= 0)` or find no row, and either is reported, never hidden.
pub(super) fn give_back(conn: &mut DbConnection, slot_id: i64) -> Result<(), BookingError> {
    let released = diesel::update(slots::table)
        .filter(slots::id.eq(slot_id))
        .set(slots::booked.eq(slots::booked - 1))
        .execute(conn)?;
    if released == 1 {
        Ok(())
    } else {
        Err(StoreError::corrupt("slot to release", slot_id.to_string()).into())
    }
}

/// A fast refusal for a slot already full. Only an optimisation for the release-day rush:
/// [`claim_seat`] stays the authority.
pub(super) fn already_full(conn: &mut DbConnection, slot_id: i64) -> Result<bool, BookingError> {
    let (capacity, booked): (i32, i32) = slots::table
        .find(slot_id)
        .select((slots::capacity, slots::booked))
        .first(conn)?;
    Ok(booked >= capacity)
}
