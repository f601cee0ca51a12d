//! Per-day availability of one service at one branch: open or closed (with the reason), and
//! each slot's seats left.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use diesel::prelude::*;
use temujanji_shared::ValidationError;
use temujanji_shared::codes::{BranchCode, ServiceCode};
use temujanji_shared::wire::{self, ClockTime, DayAvailability, SlotAvailability};

use crate::catalog;
use crate::db::DbConnection;
use crate::db::schema::slots;

/// Why availability cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum AvailabilityError {
    #[error("invalid range: {0:?}")]
    Range(temujanji_shared::form::FieldIssue),
    #[error("unknown branch")]
    UnknownBranch,
    #[error("service not offered")]
    ServiceNotOffered,
    #[error(transparent)]
    Store(#[from] crate::db::StoreError),
}

impl From<diesel::result::Error> for AvailabilityError {
    fn from(error: diesel::result::Error) -> Self {
        AvailabilityError::Store(error.into())
    }
}

fn range_error(error: ValidationError) -> AvailabilityError {
    AvailabilityError::Range(temujanji_shared::form::FieldIssue { field: "to", error })
}
use crate::schedule::BookingWindow;

/// Longest range one request may ask for, in days (a little over three months).
pub const MAX_DAYS: i64 = 93;
/// Range when the client gives no `to`.
pub const DEFAULT_DAYS: i64 = 14;

pub fn availability(
    conn: &mut DbConnection,
    branch: &BranchCode,
    service: &ServiceCode,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: chrono::NaiveDateTime,
) -> Result<wire::Availability, AvailabilityError> {
    let local_now = crate::clock::to_malaysia(now);
    let today = local_now.date();
    let from = from.unwrap_or(today);
    let to = to.unwrap_or(from + TimeDelta::days(DEFAULT_DAYS - 1));
    if to < from {
        return Err(range_error(ValidationError::InvalidDate));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(range_error(ValidationError::TooLong {
            max: MAX_DAYS as usize,
        }));
    }
    let branch_row = catalog::find_branch(conn, branch)?.ok_or(AvailabilityError::UnknownBranch)?;
    let seats = catalog::seats(conn, branch.as_str(), service.as_str())?
        .ok_or(AvailabilityError::ServiceNotOffered)?;
    let schedule = catalog::load_schedule(conn, &branch_row, from, to)?;
    let opens_at = catalog::opens_at(conn, service.as_str())?;
    let window = BookingWindow::new(local_now, i64::from(branch_row.min_lead_days), opens_at);
    let lottery = crate::booking::lottery::pending(conn, service.as_str(), branch.as_str(), now)?;
    let booked: HashMap<(NaiveDate, NaiveTime), (i32, i32)> = slots::table
        .filter(slots::branch_code.eq(branch.as_str()))
        .filter(slots::service_code.eq(service.as_str()))
        .filter(slots::date.between(from, to))
        .select((
            slots::date,
            slots::start_time,
            slots::capacity,
            slots::booked,
        ))
        .load::<(NaiveDate, NaiveTime, i32, i32)>(conn)?
        .into_iter()
        .map(|(date, start, capacity, booked)| ((date, start), (capacity, booked)))
        .collect();

    let days = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|date| match schedule.day(date) {
            Err(reason) => closed(date, reason),
            Ok(_) if !window.contains(date) => closed(date, BookingWindow::closed_reason()),
            Ok(_) if lottery.is_some_and(|l| l.date == date) => closed(
                date,
                lottery
                    .map(|l| l.closed_reason())
                    .unwrap_or_else(BookingWindow::closed_reason),
            ),
            Ok(day) => DayAvailability {
                date,
                open: true,
                closed_reason: None,
                slots: day
                    .into_iter()
                    // With no lead time, today's slots that have started are gone.
                    .filter(|slot| date.and_time(slot.start) > local_now)
                    .map(|slot| {
                        let (capacity, taken) = booked
                            .get(&(date, slot.start))
                            .copied()
                            .unwrap_or((seats, 0));
                        SlotAvailability {
                            start: ClockTime::new(slot.start),
                            end: ClockTime::new(slot.end),
                            capacity,
                            remaining: (capacity - taken).max(0),
                        }
                    })
                    .collect(),
            },
        })
        .collect();
    Ok(wire::Availability {
        branch: branch.clone(),
        service: service.clone(),
        bookable_from: window.first,
        bookable_until: window.last,
        days,
    })
}

fn closed(date: NaiveDate, reason: wire::ClosedReason) -> DayAvailability {
    DayAvailability {
        date,
        open: false,
        closed_reason: Some(reason),
        slots: Vec::new(),
    }
}
