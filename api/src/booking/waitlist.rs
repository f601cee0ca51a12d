//! The waitlist of a full day (service, branch, date): join, look, leave; a freed seat held
//! for the first person waiting and offered by e-mail; the held seat booked by that person
//! only; an unclaimed offer passed on.
//!
//! Invariants, enforced by the database:
//! - a held seat stays counted in `slots.booked`, so nobody else can book it;
//! - an entry turns `waiting → offered` by one conditional `UPDATE`, so two seats freed at once
//!   never go to one person, and `offered → taken | expired | left` the same way, so a held
//!   seat is booked, passed on or given back exactly once (one winner under any race);
//! - the offer, its e-mail and the change that freed the seat are one transaction.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use diesel::prelude::*;
use temujanji_shared::codes::BranchCode;
use temujanji_shared::email::EmailAddress;
use temujanji_shared::form::WaitlistRequest;
use temujanji_shared::wire::{ClockTime, ClosedKind, WaitlistEntry, WaitlistOffer, WaitlistStatus};

use super::limits::Limits;
use super::{BookingError, transact};
use crate::availability::{self, AvailabilityError};
use crate::catalog;
use crate::clock;
use crate::db::schema::{branches, slots, waitlist_entries};
use crate::db::{DbConnection, lock_key};
use crate::mail::{HeldSeat, Letters};
use crate::outbox;

/// What offering a freed seat needs: the e-mail's words and how long the seat is held.
#[derive(Clone, Copy)]
pub struct Offers<'a> {
    pub letters: &'a Letters,
    pub limits: &'a Limits,
}

impl Offers<'_> {
    fn hold(&self) -> TimeDelta {
        TimeDelta::minutes(self.limits.offer_minutes)
    }
}

/// A seat is not offered when less than this is left before its slot starts: nobody could
/// take it in time.
const LAST_USEFUL_OFFER: TimeDelta = TimeDelta::minutes(10);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = waitlist_entries)]
struct EntryRow {
    id: i64,
    branch_code: String,
    service_code: String,
    date: NaiveDate,
    status: WaitlistStatus,
    slot_id: Option<i64>,
    offer_expires_at: Option<NaiveDateTime>,
    drawn_rank: Option<i32>,
}

const PLACED: [WaitlistStatus; 2] = [WaitlistStatus::Waiting, WaitlistStatus::Offered];

/// Puts `email` on the waitlist of a full day; returns its place and whether it is new (a
/// second request for the same day returns the place it already has). `network` is the keyed
/// hash of the client's network (`Throttle::network_key`), by which a lottery draws in rounds.
pub fn join(
    conn: &mut DbConnection,
    request: &WaitlistRequest,
    email: &EmailAddress,
    network: &str,
    limits: &Limits,
    now: NaiveDateTime,
) -> Result<(WaitlistEntry, bool), BookingError> {
    let day = availability::availability(
        conn,
        &request.branch,
        &request.service,
        Some(request.date),
        Some(request.date),
        now,
    )
    .map_err(|e| match e {
        AvailabilityError::UnknownBranch => BookingError::NotFound,
        AvailabilityError::ServiceNotOffered => BookingError::ServiceNotOffered,
        AvailabilityError::Store(e) => e.into(),
        AvailabilityError::Range(issue) => BookingError::corrupt("one-day range", issue.field),
    })?;
    let (from, until) = (day.bookable_from, day.bookable_until);
    let outside = BookingError::OutsideWindow { from, until };
    if !(from..=until).contains(&request.date) {
        return Err(outside);
    }
    let Some(day) = day.days.into_iter().next() else {
        return Err(outside);
    };
    match day.closed_reason {
        // Entering the draw of a day in lottery mode, full or not.
        Some(reason) if reason.kind == ClosedKind::Lottery => {}
        Some(reason) => return Err(BookingError::BranchClosed(reason)),
        // Open, but every slot of the day has started.
        None if day.slots.is_empty() => return Err(outside),
        None if day.slots.iter().any(|s| s.remaining > 0) => {
            return Err(BookingError::DayNotFull);
        }
        None => {}
    }
    transact(conn, |conn| {
        // Read, then insert: one e-mail's joins queue on its lock.
        lock_key(conn, &format!("waitlist:{}", email.as_str()))?;
        let mine = waitlist_entries::table
            .filter(waitlist_entries::email.eq(email.as_str()))
            .filter(waitlist_entries::status.eq_any(PLACED))
            .select(EntryRow::as_select())
            .load(conn)?;
        if let Some(row) = mine.iter().find(|row| {
            row.service_code == request.service.as_str()
                && row.branch_code == request.branch.as_str()
                && row.date == request.date
        }) {
            return Ok((entry_view(conn, row.clone(), now)?, false));
        }
        if i64::try_from(mine.len()).unwrap_or(i64::MAX) >= limits.waitlist_places {
            return Err(BookingError::TooManyWaitlistPlaces {
                limit: limits.waitlist_places,
            });
        }
        let row = diesel::insert_into(waitlist_entries::table)
            .values((
                waitlist_entries::email.eq(email.as_str()),
                waitlist_entries::branch_code.eq(request.branch.as_str()),
                waitlist_entries::service_code.eq(request.service.as_str()),
                waitlist_entries::date.eq(request.date),
                waitlist_entries::status.eq(WaitlistStatus::Waiting),
                waitlist_entries::network.eq(network),
                waitlist_entries::created_at.eq(now),
                waitlist_entries::updated_at.eq(now),
            ))
            .returning(waitlist_entries::id)
            .get_result::<i64>(conn)?;
        let row = waitlist_entries::table
            .find(row)
            .select(EntryRow::as_select())
            .first(conn)?;
        Ok((entry_view(conn, row, now)?, true))
    })
}

/// The places `email` holds (waiting or offered), soonest day first.
pub fn list(
    conn: &mut DbConnection,
    email: &EmailAddress,
    now: NaiveDateTime,
) -> Result<Vec<WaitlistEntry>, BookingError> {
    let rows = waitlist_entries::table
        .filter(waitlist_entries::email.eq(email.as_str()))
        .filter(waitlist_entries::status.eq_any(PLACED))
        .order((waitlist_entries::date, waitlist_entries::id))
        .select(EntryRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|row| entry_view(conn, row, now))
        .collect()
}

/// Takes `email` off a waitlist; a seat held for it passes on at once. Leaving a place that
/// is no longer held (taken, expired, left) changes nothing.
pub fn leave(
    conn: &mut DbConnection,
    id: i64,
    email: &EmailAddress,
    offers: Offers<'_>,
    now: NaiveDateTime,
) -> Result<(), BookingError> {
    transact(conn, |conn| {
        let row = own_entry(conn, id, email)?;
        let left = diesel::update(waitlist_entries::table.find(id))
            .filter(waitlist_entries::status.eq(row.status))
            .filter(waitlist_entries::status.eq_any(PLACED))
            .set((
                waitlist_entries::status.eq(WaitlistStatus::Left),
                waitlist_entries::updated_at.eq(now),
            ))
            .execute(conn)?;
        // A place that held no seat, or that changed meanwhile (the sweep expired the
        // offer and passed the seat on itself), frees nothing.
        match (left, row.status, row.slot_id) {
            (1, WaitlistStatus::Offered, Some(slot_id)) => {
                super::seats::seat_freed(conn, slot_id, offers, now)
            }
            _ => Ok(()),
        }
    })
}

/// The entry `id` if `email` holds it; anyone else's, or none, is not found.
fn own_entry(
    conn: &mut DbConnection,
    id: i64,
    email: &EmailAddress,
) -> Result<EntryRow, BookingError> {
    waitlist_entries::table
        .find(id)
        .filter(waitlist_entries::email.eq(email.as_str()))
        .select(EntryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(BookingError::NotFound)
}

/// Where a waiting entry stands in its day's line: drawn places first, in drawn order, then
/// the others, first come.
fn position(conn: &mut DbConnection, row: &EntryRow) -> Result<i64, BookingError> {
    let line = || {
        waitlist_entries::table
            .filter(waitlist_entries::service_code.eq(row.service_code.clone()))
            .filter(waitlist_entries::branch_code.eq(row.branch_code.clone()))
            .filter(waitlist_entries::date.eq(row.date))
            .filter(waitlist_entries::status.eq(WaitlistStatus::Waiting))
            .into_boxed()
    };
    let ahead = match row.drawn_rank {
        Some(rank) => line()
            .filter(waitlist_entries::drawn_rank.le(rank))
            .count()
            .get_result::<i64>(conn)?,
        None => {
            line()
                .filter(waitlist_entries::drawn_rank.is_not_null())
                .count()
                .get_result::<i64>(conn)?
                + line()
                    .filter(waitlist_entries::drawn_rank.is_null())
                    .filter(waitlist_entries::id.le(row.id))
                    .count()
                    .get_result::<i64>(conn)?
        }
    };
    Ok(ahead)
}

/// Before booking with an offer: it is `email`'s and still open. Only a fast answer: the
/// conditional update of [`take`] decides.
pub(super) fn check_offer(
    conn: &mut DbConnection,
    id: i64,
    email: &EmailAddress,
    now: NaiveDateTime,
) -> Result<(), BookingError> {
    let row = own_entry(conn, id, email)?;
    match (row.status, row.offer_expires_at) {
        (WaitlistStatus::Offered, Some(expires)) if expires > now => Ok(()),
        _ => Err(BookingError::OfferUnavailable),
    }
}

/// Takes the seat held for offer `id` for the booking being made in this transaction: only
/// its owner, before it expires, for its slot. The seat is already counted in `booked`.
pub(super) fn take(
    conn: &mut DbConnection,
    id: i64,
    email: &EmailAddress,
    slot_id: i64,
    now: NaiveDateTime,
) -> Result<(), BookingError> {
    let taken = diesel::update(waitlist_entries::table.find(id))
        .filter(waitlist_entries::email.eq(email.as_str()))
        .filter(waitlist_entries::status.eq(WaitlistStatus::Offered))
        .filter(waitlist_entries::slot_id.eq(slot_id))
        .filter(waitlist_entries::offer_expires_at.gt(now))
        .set((
            waitlist_entries::status.eq(WaitlistStatus::Taken),
            waitlist_entries::updated_at.eq(now),
        ))
        .execute(conn)?;
    if taken == 1 {
        Ok(())
    } else {
        Err(BookingError::OfferUnavailable)
    }
}

/// Holds the freed seat of `slot_id` for the first person waiting for its day and writes
/// their offer e-mail; `false` when nobody waits (or the slot is too near), and the caller
/// gives the seat back. Call it in the transaction that frees the seat.
pub(super) fn offer_seat(
    conn: &mut DbConnection,
    slot_id: i64,
    offers: Offers<'_>,
    now: NaiveDateTime,
) -> Result<bool, BookingError> {
    let (branch, service, date, start, end): (String, String, NaiveDate, NaiveTime, NaiveTime) =
        slots::table
            .find(slot_id)
            .select((
                slots::branch_code,
                slots::service_code,
                slots::date,
                slots::start_time,
                slots::end_time,
            ))
            .first(conn)?;
    let starts = clock::from_malaysia(date.and_time(start));
    if starts - now < LAST_USEFUL_OFFER {
        return Ok(false);
    }
    // A concurrent release may offer its seat to the same first person: its conditional
    // update then finds the entry offered already, and this one tries the next in line.
    // Drawn places (lottery mode) come first, in drawn order; then the others, first come.
    loop {
        let next: Option<(i64, String, Option<i32>)> = waitlist_entries::table
            .filter(waitlist_entries::service_code.eq(&service))
            .filter(waitlist_entries::branch_code.eq(&branch))
            .filter(waitlist_entries::date.eq(date))
            .filter(waitlist_entries::status.eq(WaitlistStatus::Waiting))
            .order((
                waitlist_entries::drawn_rank.is_null(),
                waitlist_entries::drawn_rank,
                waitlist_entries::id,
            ))
            .select((
                waitlist_entries::id,
                waitlist_entries::email,
                waitlist_entries::drawn_rank,
            ))
            .first(conn)
            .optional()?;
        let Some((entry_id, email, drawn_rank)) = next else {
            return Ok(false);
        };
        // A drawn winner has the lottery's hours to confirm; anyone else the waitlist's hold.
        let hold = match drawn_rank {
            Some(_) => super::lottery::confirm_hours(conn, &service)?
                .map(TimeDelta::hours)
                .unwrap_or_else(|| offers.hold()),
            None => offers.hold(),
        };
        let expires_at = (now + hold).min(starts);
        let offered = diesel::update(waitlist_entries::table.find(entry_id))
            .filter(waitlist_entries::status.eq(WaitlistStatus::Waiting))
            .set((
                waitlist_entries::status.eq(WaitlistStatus::Offered),
                waitlist_entries::slot_id.eq(slot_id),
                waitlist_entries::offer_expires_at.eq(expires_at),
                waitlist_entries::updated_at.eq(now),
            ))
            .execute(conn)?;
        if offered == 0 {
            continue;
        }
        let service_row = catalog::find_service(conn, &catalog::service_code(&service)?)?
            .ok_or_else(|| BookingError::corrupt("service of a slot", service.clone()))?;
        let branch_name: String = branches::table
            .find(&branch)
            .select(branches::name)
            .first(conn)?;
        let letter = offers.letters.waitlist_offer(&HeldSeat {
            entry_id,
            to: &email,
            service: &service_row.name,
            branch: &branch_name,
            date,
            start,
            end,
            expires_at,
        })?;
        outbox::enqueue(conn, &letter, now)?;
        tracing::info!(entry_id, slot_id, "freed seat held for the waitlist");
        return Ok(true);
    }
}

/// Passes on every offer that ran out by `now` (to the next person waiting, or back to
/// everyone), and closes the places of days gone by. Returns how many offers ran out. Safe
/// from every instance at once: each offer is expired by whoever updates it.
pub fn sweep(
    conn: &mut DbConnection,
    offers: Offers<'_>,
    now: NaiveDateTime,
) -> Result<usize, BookingError> {
    let expired = transact(conn, |conn| {
        let due: Vec<(i64, Option<i64>)> = waitlist_entries::table
            .filter(waitlist_entries::status.eq(WaitlistStatus::Offered))
            .filter(waitlist_entries::offer_expires_at.le(now))
            .order((waitlist_entries::slot_id, waitlist_entries::id))
            .select((waitlist_entries::id, waitlist_entries::slot_id))
            .limit(500)
            .load(conn)?;
        let mut expired = 0;
        for (id, slot_id) in due {
            let ran_out = diesel::update(waitlist_entries::table.find(id))
                .filter(waitlist_entries::status.eq(WaitlistStatus::Offered))
                .set((
                    waitlist_entries::status.eq(WaitlistStatus::Expired),
                    waitlist_entries::updated_at.eq(now),
                ))
                .execute(conn)?;
            if let (1, Some(slot_id)) = (ran_out, slot_id) {
                super::seats::seat_freed(conn, slot_id, offers, now)?;
                expired += 1;
            }
        }
        Ok(expired)
    })?;
    let today = clock::to_malaysia(now).date();
    diesel::update(waitlist_entries::table)
        .filter(waitlist_entries::status.eq(WaitlistStatus::Waiting))
        .filter(waitlist_entries::date.lt(today))
        .set((
            waitlist_entries::status.eq(WaitlistStatus::Expired),
            waitlist_entries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(expired)
}

fn entry_view(
    conn: &mut DbConnection,
    row: EntryRow,
    now: NaiveDateTime,
) -> Result<WaitlistEntry, BookingError> {
    // Not drawn yet: its day waits for its lottery, and nobody has a place in line.
    let draw_at = match (row.status, row.drawn_rank) {
        (WaitlistStatus::Waiting, None) => {
            super::lottery::pending(conn, &row.service_code, &row.branch_code, now)?
                .filter(|pending| pending.date == row.date)
                .map(|pending| pending.draw_at)
        }
        _ => None,
    };
    let position = match (row.status, draw_at) {
        (WaitlistStatus::Waiting, None) => Some(position(conn, &row)?),
        _ => None,
    };
    let offer = match (row.status, row.slot_id, row.offer_expires_at) {
        (WaitlistStatus::Offered, Some(slot_id), Some(expires_at)) => {
            let (start, end): (NaiveTime, NaiveTime) = slots::table
                .find(slot_id)
                .select((slots::start_time, slots::end_time))
                .first(conn)?;
            Some(WaitlistOffer {
                start: ClockTime::new(start),
                end: ClockTime::new(end),
                expires_at: expires_at.and_utc(),
            })
        }
        _ => None,
    };
    Ok(WaitlistEntry {
        id: row.id,
        service: catalog::service_code(&row.service_code)?,
        branch: BranchCode::parse(&row.branch_code)
            .map_err(|_| BookingError::corrupt("waitlist branch", row.branch_code.clone()))?,
        date: row.date,
        status: row.status,
        position,
        offer,
        draw_at: draw_at.map(|at| at.and_utc()),
    })
}
