//! Rate limits shared by every instance: a token bucket per key, kept in the database as
//! GCRA's one number (the "theoretical arrival time", `tat_ms`).
//!
//! A bucket of `burst` tokens refills at `per_minute`. A request is allowed when
//! `tat <= now + τ` (τ = interval × (burst − 1)); it then moves `tat` to
//! `max(tat, now) + interval`. Each take is one conditional `UPDATE`, so two instances (or two
//! requests in one) can never both take the last token: PostgreSQL re-checks the condition on
//! the row it waited for, SQLite runs writes one at a time.

use diesel::prelude::*;

use crate::db::schema::rate_buckets;
use crate::db::{DbConnection, is_unique_violation, savepoint};

/// How many requests a key may make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub per_minute: u32,
    pub burst: u32,
}

impl Quota {
    fn interval_ms(self) -> i64 {
        (60_000 / i64::from(self.per_minute.max(1))).max(1)
    }

    fn tolerance_ms(self) -> i64 {
        self.interval_ms() * (i64::from(self.burst.max(1)) - 1)
    }
}

/// The outcome of one take, with what the `RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The bucket's size.
    pub limit: u32,
    /// Requests left right now.
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset_seconds: i64,
    /// Seconds until a request is allowed again (0 when this one was).
    pub retry_after: i64,
}

fn ceil_seconds(ms: i64) -> i64 {
    (ms.max(0) + 999) / 1000
}

impl Quota {
    /// The decision for a token taken, leaving the bucket at `tat`.
    fn allowed(self, tat: i64, now_ms: i64) -> Decision {
        // Floor division: a request a moment after the bucket emptied leaves 0, not 1.
        let remaining = (now_ms + self.tolerance_ms() - tat).div_euclid(self.interval_ms()) + 1;
        Decision {
            allowed: true,
            limit: self.burst,
            remaining: u32::try_from(remaining.clamp(0, i64::from(self.burst))).unwrap_or(0),
            reset_seconds: ceil_seconds(tat - now_ms),
            retry_after: 0,
        }
    }

    /// The decision for a bucket at `tat`, empty now.
    fn refused(self, tat: i64, now_ms: i64) -> Decision {
        Decision {
            allowed: false,
            limit: self.burst,
            remaining: 0,
            reset_seconds: ceil_seconds(tat - now_ms),
            retry_after: ceil_seconds(tat - self.tolerance_ms() - now_ms).max(1),
        }
    }
}

/// Buckets kept in memory: past this many, the full ones are forgotten.
const MEMORY_BUCKETS: usize = 100_000;

/// [`take`] on buckets kept in this process (one instance on SQLite).
pub fn take_in_memory(
    buckets: &mut std::collections::HashMap<String, i64>,
    bucket: &str,
    quota: Quota,
    now_ms: i64,
) -> Decision {
    if buckets.len() >= MEMORY_BUCKETS {
        // A bucket whose time has passed is full: forgetting it changes nothing.
        buckets.retain(|_, tat| *tat > now_ms);
    }
    let tat = buckets.get(bucket).copied().unwrap_or(now_ms);
    if tat > now_ms + quota.tolerance_ms() {
        return quota.refused(tat, now_ms);
    }
    let next = tat.max(now_ms) + quota.interval_ms();
    buckets.insert(bucket.to_owned(), next);
    quota.allowed(next, now_ms)
}

/// Takes one token from `bucket` at `now_ms` (milliseconds since the epoch).
pub fn take(
    conn: &mut DbConnection,
    bucket: &str,
    quota: Quota,
    now_ms: i64,
) -> QueryResult<Decision> {
    let interval = quota.interval_ms();
    let tolerance = quota.tolerance_ms();
    let allowed = |tat: i64| quota.allowed(tat, now_ms);
    for _ in 0..2 {
        // A full (or idle) bucket: start from now. The two updates cannot race into a double
        // take: `tat` only grows, so once the first finds `tat > now` the second's
        // condition is checked on the same or a later value.
        let from_now: Option<i64> = diesel::update(rate_buckets::table.find(bucket))
            .filter(rate_buckets::tat_ms.le(now_ms))
            .set(rate_buckets::tat_ms.eq(now_ms + interval))
            .returning(rate_buckets::tat_ms)
            .get_result(conn)
            .optional()?;
        if let Some(tat) = from_now {
            return Ok(allowed(tat));
        }
        let queued: Option<i64> = diesel::update(rate_buckets::table.find(bucket))
            .filter(rate_buckets::tat_ms.gt(now_ms))
            .filter(rate_buckets::tat_ms.le(now_ms + tolerance))
            .set(rate_buckets::tat_ms.eq(rate_buckets::tat_ms + interval))
            .returning(rate_buckets::tat_ms)
            .get_result(conn)
            .optional()?;
        if let Some(tat) = queued {
            return Ok(allowed(tat));
        }
        let current: Option<i64> = rate_buckets::table
            .find(bucket)
            .select(rate_buckets::tat_ms)
            .first(conn)
            .optional()?;
        match current {
            Some(tat) if tat > now_ms + tolerance => return Ok(quota.refused(tat, now_ms)),
            // Refilled meanwhile: take again.
            Some(_) => continue,
            None => {
                let inserted = savepoint(conn, |conn| {
                    diesel::insert_into(rate_buckets::table)
                        .values((
                            rate_buckets::bucket.eq(bucket),
                            rate_buckets::tat_ms.eq(now_ms + interval),
                        ))
                        .execute(conn)
                });
                match inserted {
                    Ok(_) => return Ok(allowed(now_ms + interval)),
                    // Another request created it first: take from it.
                    Err(e) if is_unique_violation(&e, "rate_buckets") => continue,
                    Err(e) => return Err(e),
                }
            }
        }
    }
    // Only reached when the bucket changed under us twice: count it as a refusal for a
    // moment rather than loop.
    Ok(Decision {
        allowed: false,
        limit: quota.burst,
        remaining: 0,
        reset_seconds: 1,
        retry_after: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_and_tolerance_follow_the_quota() {
        let quota = Quota {
            per_minute: 60,
            burst: 10,
        };
        assert_eq!(quota.interval_ms(), 1000);
        assert_eq!(quota.tolerance_ms(), 9000);
        let one = Quota {
            per_minute: 120_000,
            burst: 1,
        };
        assert_eq!(one.interval_ms(), 1);
        assert_eq!(one.tolerance_ms(), 0);
    }
}
