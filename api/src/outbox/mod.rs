//! The transactional outbox: e-mail (R7) and partner webhooks, one channel each.
//!
//! A message is composed (`crate::mail::Letters`) and [`enqueue`]d in the same transaction as
//! the change it reports — a code, a booking, a change, a cancellation — so it exists exactly
//! when the change was committed. The [`worker`] of every instance then sends it:
//!
//! - **claims**: one conditional `UPDATE … WHERE id IN (SELECT … LIMIT n)` marks due messages
//!   as claimed until a lease ends; the claim conditions are repeated in the outer `WHERE`, so
//!   on PostgreSQL a second instance racing for the same rows re-checks them once the first
//!   commits and skips them, and SQLite runs write transactions one at a time. Two instances
//!   never send one message in normal operation; a worker that dies mid-send leaves a claim
//!   that expires, and the message is sent again (at least once, never lost).
//! - **retries**: a failure schedules the next attempt with exponential backoff (`retry_base`
//!   doubling up to `retry_cap`, plus up to 10% jitter); after `max_attempts`, or at once when
//!   the server refuses the message for good (SMTP 5xx), it is `failed` and logged.
//! - **reminders**: a `booking::reminders` sweep (run by `crate::worker`) writes one day-before reminder per booked
//!   appointment, made unique by `dedupe_key`, whatever the number of instances.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::outbox;
use crate::db::{DbConnection, write_transaction};
use crate::mail::{CODE_KIND, Outgoing};

/// Where a message stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum OutboxStatus {
    /// Waiting to be sent, or to be sent again.
    Pending,
    Sent,
    /// Given up: too many attempts, or refused for good.
    Failed,
    /// Withdrawn before it was sent (a reminder for a moved or cancelled appointment).
    Discarded,
}

impl OutboxStatus {
    const ALL: [OutboxStatus; 4] = [
        OutboxStatus::Pending,
        OutboxStatus::Sent,
        OutboxStatus::Failed,
        OutboxStatus::Discarded,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Discarded => "discarded",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == input)
    }
}

temujanji_shared::sql_text_enum!(OutboxStatus);

/// What carries a message. Each channel has its own worker loop, so a slow webhook receiver
/// never delays an e-mail.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Webhook => "webhook",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        [Channel::Email, Channel::Webhook]
            .into_iter()
            .find(|c| c.code() == input)
    }
}

temujanji_shared::sql_text_enum!(Channel);

/// Sent, failed and discarded messages are deleted this long after their last change.
pub const RETENTION_DAYS: i64 = 30;

/// How the worker polls and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How often the worker looks for due messages when no commit wakes it.
    pub poll: Duration,
    /// Wait before the first retry; doubled for every further one.
    pub retry_base: Duration,
    /// The longest wait between two attempts.
    pub retry_cap: Duration,
    /// Attempts before a message is given up as failed.
    pub max_attempts: u32,
    /// How long a worker's claim on a message lasts.
    pub lease: Duration,
    /// Messages claimed at once.
    pub batch: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            poll: Duration::from_secs(5),
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(3600),
            max_attempts: 10,
            lease: Duration::from_secs(300),
            batch: 20,
        }
    }
}

impl Settings {
    /// The wait after the `attempts`-th failed attempt, before jitter.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let doublings = attempts.saturating_sub(1).min(31);
        self.retry_base
            .saturating_mul(1 << doublings)
            .min(self.retry_cap)
    }
}

fn delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// Writes `message` to the outbox, due at once. Call it inside the transaction of the change
/// the message reports.
pub fn enqueue(conn: &mut DbConnection, message: &Outgoing, now: NaiveDateTime) -> QueryResult<()> {
    let to: Vec<String> = message
        .envelope
        .to()
        .iter()
        .map(ToString::to_string)
        .collect();
    let to = serde_json::to_string(&to)
        .map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
    diesel::insert_into(outbox::table)
        .values((
            outbox::kind.eq(message.kind),
            outbox::reference.eq(message.reference.as_deref()),
            outbox::dedupe_key.eq(message.dedupe_key.as_deref()),
            outbox::envelope_from.eq(message
                .envelope
                .from()
                .map(ToString::to_string)
                .unwrap_or_default()),
            outbox::envelope_to.eq(to),
            outbox::message.eq(&message.message),
            outbox::channel.eq(Channel::Email),
            outbox::status.eq(OutboxStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::expires_at.eq(message.expires_at),
            outbox::created_at.eq(now),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// A webhook event to deliver to a partner.
#[derive(Debug, Clone)]
pub struct Webhook<'a> {
    pub partner_id: i64,
    pub event_id: &'a str,
    /// The event's type, e.g. `appointment.booked`.
    pub kind: &'a str,
    pub reference: &'a str,
    /// The JSON body, signed when it is sent.
    pub body: &'a [u8],
    /// Retried until then.
    pub expires_at: NaiveDateTime,
}

/// Writes a webhook to the outbox, due at once. Call it inside the transaction of the change.
pub fn enqueue_webhook(
    conn: &mut DbConnection,
    webhook: &Webhook<'_>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::channel.eq(Channel::Webhook),
            outbox::kind.eq(webhook.kind),
            outbox::reference.eq(webhook.reference),
            outbox::partner_id.eq(webhook.partner_id),
            outbox::event_id.eq(webhook.event_id),
            outbox::envelope_from.eq(""),
            outbox::envelope_to.eq(""),
            outbox::message.eq(webhook.body),
            outbox::status.eq(OutboxStatus::Pending),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::expires_at.eq(webhook.expires_at),
            outbox::created_at.eq(now),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// A message a worker has claimed.
#[derive(Debug, Clone, Queryable)]
pub struct Claimed {
    pub id: i64,
    pub kind: String,
    pub reference: Option<String>,
    pub envelope_from: String,
    pub envelope_to: String,
    pub message: Vec<u8>,
    /// Including this one.
    pub attempts: i32,
    /// A webhook's receiver.
    pub partner_id: Option<i64>,
    /// A webhook's id.
    pub event_id: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Claims up to `limit` due messages of `channel` for `token` until the lease ends, counting
/// an attempt on each. Safe under any number of concurrent claimers (see the module docs).
pub fn claim(
    conn: &mut DbConnection,
    channel: Channel,
    token: &str,
    settings: &Settings,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<Claimed>> {
    let unclaimed = || {
        outbox::claimed_until
            .is_null()
            .or(outbox::claimed_until.le(now))
    };
    // The subquery names the table by an alias: diesel refuses one table twice in a query.
    diesel::alias!(outbox as due: DueOutbox);
    write_transaction(conn, |conn| {
        let due_ids = due
            .filter(due.field(outbox::status).eq(OutboxStatus::Pending))
            .filter(due.field(outbox::channel).eq(channel))
            .filter(due.field(outbox::next_attempt_at).le(now))
            .filter(
                due.field(outbox::claimed_until)
                    .is_null()
                    .or(due.field(outbox::claimed_until).le(now)),
            )
            .filter(
                due.field(outbox::expires_at)
                    .is_null()
                    .or(due.field(outbox::expires_at).gt(now)),
            )
            // Codes first: a sign-in waits for nobody's reminder.
            .order((
                due.field(outbox::kind).eq(CODE_KIND).desc(),
                due.field(outbox::next_attempt_at).asc(),
            ))
            .limit(limit)
            .select(due.field(outbox::id));
        diesel::update(outbox::table)
            .filter(outbox::id.eq_any(due_ids))
            .filter(outbox::status.eq(OutboxStatus::Pending))
            .filter(outbox::next_attempt_at.le(now))
            .filter(unclaimed())
            .set((
                outbox::claimed_until.eq(now + delta(settings.lease)),
                outbox::claimed_by.eq(token),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::updated_at.eq(now),
            ))
            .returning((
                outbox::id,
                outbox::kind,
                outbox::reference,
                outbox::envelope_from,
                outbox::envelope_to,
                outbox::message,
                outbox::attempts,
                outbox::partner_id,
                outbox::event_id,
                outbox::created_at,
            ))
            .get_results(conn)
    })
}

/// Records that the message `id` claimed by `token` was sent.
pub fn mark_sent(
    conn: &mut DbConnection,
    id: i64,
    token: &str,
    http_status: Option<i32>,
    now: NaiveDateTime,
) -> QueryResult<()> {
    // Only a message still pending: one withdrawn meanwhile (`discard_reminders`) stays so.
    diesel::update(outbox::table)
        .filter(outbox::id.eq(id))
        .filter(outbox::claimed_by.eq(token))
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .set((
            outbox::status.eq(OutboxStatus::Sent),
            outbox::sent_at.eq(now),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
            outbox::last_status.eq(http_status),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// What became of a message whose attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    RetryAt(NaiveDateTime),
    GaveUp,
}

/// How an attempt failed.
#[derive(Debug, Clone)]
pub struct AttemptError {
    pub message: String,
    /// Retrying cannot help (an SMTP 5xx, a malformed message).
    pub permanent: bool,
    /// The receiver's HTTP status, for a webhook that got one.
    pub http_status: Option<i32>,
}

/// Records a failed attempt: the message is retried after the backoff, or given up when
/// permanent or out of attempts.
pub fn mark_failed(
    conn: &mut DbConnection,
    claimed: &Claimed,
    token: &str,
    error: &AttemptError,
    settings: &Settings,
    now: NaiveDateTime,
) -> QueryResult<Failure> {
    let permanent = error.permanent;
    let attempts = u32::try_from(claimed.attempts).unwrap_or(0);
    let failure = if permanent || attempts >= settings.max_attempts {
        Failure::GaveUp
    } else {
        let wait = settings.backoff(attempts);
        let jitter = wait.mul_f64(rand::random::<f64>() * 0.1);
        Failure::RetryAt(now + delta(wait + jitter))
    };
    let (status, next) = match failure {
        Failure::RetryAt(at) => (OutboxStatus::Pending, at),
        Failure::GaveUp => (OutboxStatus::Failed, now),
    };
    // Only a message still pending: a reminder withdrawn while it was being sent must not
    // come back to be retried.
    diesel::update(outbox::table)
        .filter(outbox::id.eq(claimed.id))
        .filter(outbox::claimed_by.eq(token))
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .set((
            outbox::status.eq(status),
            outbox::next_attempt_at.eq(next),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(&error.message),
            outbox::last_status.eq(error.http_status),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(failure)
}

/// Extends the claim on `id` just before it is sent. `false` when the claim is no longer this
/// worker's (its lease ran out and another instance took the message) or the message was
/// withdrawn: then it must not be sent by this worker.
pub fn renew(
    conn: &mut DbConnection,
    id: i64,
    token: &str,
    settings: &Settings,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(outbox::table)
        .filter(outbox::id.eq(id))
        .filter(outbox::claimed_by.eq(token))
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .filter(outbox::claimed_until.gt(now))
        .set(outbox::claimed_until.eq(now + delta(settings.lease)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Gives back claimed messages that were not attempted (the worker is stopping), uncounting
/// the attempt, so that any instance sends them at once.
pub fn release(
    conn: &mut DbConnection,
    ids: &[i64],
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(outbox::table)
        .filter(outbox::id.eq_any(ids))
        .filter(outbox::claimed_by.eq(token))
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .set((
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::attempts.eq(outbox::attempts - 1),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Withdraws the unsent reminder of `reference` (it was cancelled or moved), freeing its
/// unique key so that a moved appointment gets a new one.
pub fn discard_reminders(
    conn: &mut DbConnection,
    reference: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(outbox::table)
        .filter(outbox::reference.eq(reference))
        .filter(outbox::kind.eq(crate::mail::Notice::Reminder.code()))
        .filter(outbox::status.eq(OutboxStatus::Pending))
        .set((
            outbox::status.eq(OutboxStatus::Discarded),
            outbox::dedupe_key.eq(None::<String>),
            outbox::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Gives up pending messages past their expiry and deletes old finished ones.
pub fn housekeeping(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        diesel::update(outbox::table)
            .filter(outbox::status.eq(OutboxStatus::Pending))
            .filter(outbox::expires_at.le(now))
            .filter(
                outbox::claimed_until
                    .is_null()
                    .or(outbox::claimed_until.le(now)),
            )
            .set((
                outbox::status.eq(OutboxStatus::Failed),
                outbox::last_error.eq("expired before it could be sent"),
                outbox::updated_at.eq(now),
            ))
            .execute(conn)?;
        // A finished code e-mail keeps no code: only its HMAC is stored (`auth::codes`).
        diesel::update(outbox::table)
            .filter(outbox::kind.eq(CODE_KIND))
            .filter(outbox::status.ne(OutboxStatus::Pending))
            .filter(outbox::message.ne(Vec::<u8>::new()))
            .set(outbox::message.eq(Vec::<u8>::new()))
            .execute(conn)?;
        diesel::delete(outbox::table)
            .filter(outbox::status.ne(OutboxStatus::Pending))
            .filter(outbox::updated_at.lt(now - TimeDelta::days(RETENTION_DAYS)))
            .execute(conn)
            .map(drop)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_the_cap() {
        let settings = Settings {
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(3600),
            ..Settings::default()
        };
        let waits: Vec<u64> = (1..=9).map(|n| settings.backoff(n).as_secs()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(settings.backoff(0).as_secs(), 30);
        assert_eq!(settings.backoff(u32::MAX).as_secs(), 3600);
    }
}
