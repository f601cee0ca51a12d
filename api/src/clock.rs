//! Time in Malaysia (UTC+8 all year, no daylight saving), where every branch is.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// Malaysia is UTC+8 all year.
const OFFSET_HOURS: i64 = 8;

/// Today's date in Malaysia.
pub fn today() -> NaiveDate {
    to_malaysia(now_utc()).date()
}

/// A stored UTC timestamp as Malaysian wall-clock time, the time slots are written in.
pub fn to_malaysia(utc: NaiveDateTime) -> NaiveDateTime {
    utc + TimeDelta::hours(OFFSET_HOURS)
}

/// Now, as a naive UTC timestamp (how timestamps are stored).
pub fn now_utc() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Malaysian wall-clock time (a slot's date and start) as the UTC timestamp it happens at.
pub fn from_malaysia(local: NaiveDateTime) -> NaiveDateTime {
    local - TimeDelta::hours(OFFSET_HOURS)
}

/// Serialises a stored instant (UTC, kept as `NaiveDateTime`) in RFC 3339 with `Z`, as the
/// OpenAPI `date-time` format says: `#[serde(serialize_with = "clock::as_utc")]`.
pub fn as_utc<S: serde::Serializer>(at: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&at.and_utc(), s)
}

/// [`as_utc`] for an optional instant.
pub fn as_utc_opt<S: serde::Serializer>(
    at: &Option<NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&at.map(|at| at.and_utc()), s)
}
