//! Time in Malaysia (UTC+8 all year, no daylight saving), where every branch is.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// Today's date in Malaysia.
pub fn today() -> NaiveDate {
    (Utc::now().naive_utc() + TimeDelta::hours(8)).date()
}

/// Now, as a naive UTC timestamp (how timestamps are stored).
pub fn now_utc() -> NaiveDateTime {
    Utc::now().naive_utc()
}
