//! Partner webhooks: every status change of an appointment a partner made is POSTed to the
//! partner's URL as a JSON event `{id, type, created_at, data}`, signed the Standard Webhooks
//! way (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">`).
//!
//! Events are written to the outbox's webhook channel in the transaction of the change
//! (`crate::events`), and delivered by the worker's webhook loop (`crate::worker`): any 2xx
//! is delivered, anything else is retried with exponential backoff for [`RETRY_HOURS`].
//! Deliveries run concurrently and time out, so a slow receiver delays neither e-mail nor
//! other partners. Partners read their delivery log; administrators read and replay it.

use base64::Engine;
use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use temujanji_shared::wire::AppointmentStatus;
use utoipa::ToSchema;

use crate::audit::{self, AuditAction};
use crate::authz::Principal;
use crate::booking::AppointmentRow;
use crate::db::schema::{outbox, partner_clients};
use crate::db::{DbConnection, write_transaction};
use crate::events::EventKind;
use crate::outbox::{Channel, OutboxStatus, Webhook};

/// A webhook is retried for at least a day.
pub const RETRY_HOURS: i64 = 25;

/// The type of a webhook event: what happened to the appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WebhookEventType {
    #[serde(rename = "appointment.booked")]
    Booked,
    #[serde(rename = "appointment.rescheduled")]
    Rescheduled,
    /// Cancelled by the applicant, the partner or the office (`data.cancelled_by` says who).
    #[serde(rename = "appointment.cancelled")]
    Cancelled,
    #[serde(rename = "appointment.checked_in")]
    CheckedIn,
    #[serde(rename = "appointment.served")]
    Served,
    #[serde(rename = "appointment.no_show")]
    NoShow,
}

impl WebhookEventType {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::Booked => "appointment.booked",
            WebhookEventType::Rescheduled => "appointment.rescheduled",
            WebhookEventType::Cancelled => "appointment.cancelled",
            WebhookEventType::CheckedIn => "appointment.checked_in",
            WebhookEventType::Served => "appointment.served",
            WebhookEventType::NoShow => "appointment.no_show",
        }
    }
}

/// The event types a partner receives.
pub fn event_type(kind: EventKind) -> Option<WebhookEventType> {
    match kind {
        EventKind::Booked => Some(WebhookEventType::Booked),
        EventKind::Rescheduled => Some(WebhookEventType::Rescheduled),
        EventKind::Cancelled | EventKind::Withdrawn | EventKind::Voided => {
            Some(WebhookEventType::Cancelled)
        }
        EventKind::CheckedIn => Some(WebhookEventType::CheckedIn),
        EventKind::Served => Some(WebhookEventType::Served),
        EventKind::NoShow => Some(WebhookEventType::NoShow),
        EventKind::Called => None,
    }
}

/// The body of every webhook.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookEvent {
    /// Unique per event and the same on every retry and replay (also `webhook-id`).
    pub id: String,
    #[serde(rename = "type")]
    pub kind: WebhookEventType,
    /// When the change happened (RFC 3339, UTC).
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub data: WebhookAppointment,
}

/// The appointment after the change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookAppointment {
    pub reference: String,
    pub status: AppointmentStatus,
    pub branch: String,
    pub service: String,
    pub date: NaiveDate,
    /// Malaysian time, `HH:MM`.
    pub start: String,
    pub end: String,
    /// Who cancelled: `applicant`, `partner`, `staff` or `office`.
    pub cancelled_by: Option<String>,
}

impl WebhookAppointment {
    fn of(row: &AppointmentRow) -> Self {
        WebhookAppointment {
            reference: row.reference.clone(),
            status: row.status,
            branch: row.branch_code.clone(),
            service: row.service_code.clone(),
            date: row.date,
            start: row.start_time.format("%H:%M").to_string(),
            end: row.end_time.format("%H:%M").to_string(),
            cancelled_by: row.cancelled_by.clone(),
        }
    }
}

/// Writes the webhook for `kind` if the appointment was made by a partner with a webhook URL.
/// Call it inside the change's transaction.
pub fn enqueue(
    conn: &mut DbConnection,
    kind: EventKind,
    row: &AppointmentRow,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let (Some(partner_id), Some(kind)) = (row.partner_id, event_type(kind)) else {
        return Ok(());
    };
    let wants: Option<Option<String>> = partner_clients::table
        .find(partner_id)
        .filter(partner_clients::disabled_at.is_null())
        .select(partner_clients::webhook_url)
        .first(conn)
        .optional()?;
    if !matches!(wants, Some(Some(_))) {
        return Ok(());
    }
    let event = WebhookEvent {
        id: format!("msg_{}", hex::encode(rand::random::<[u8; 12]>())),
        kind,
        created_at: at.and_utc(),
        data: WebhookAppointment::of(row),
    };
    let body = serde_json::to_vec(&event)
        .map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
    crate::outbox::enqueue_webhook(
        conn,
        &Webhook {
            partner_id,
            event_id: &event.id,
            kind: kind.as_str(),
            reference: &row.reference,
            body: &body,
            expires_at: at + TimeDelta::hours(RETRY_HOURS),
        },
        at,
    )
}

/// The `webhook-signature` header for a message (Standard Webhooks, version 1).
pub fn signature(secret: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not delivered yet; will be tried (again) at `next_attempt_at`.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Given up after retrying for a day (replayable by the office).
    Failed,
}

/// One event's delivery, as its log shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    /// The event's id (`webhook-id`).
    pub id: String,
    #[serde(rename = "type")]
    #[schema(value_type = WebhookEventType)]
    pub kind: String,
    pub reference: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// The receiver's HTTP status at the last attempt, if it answered.
    pub last_status: Option<i32>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    #[serde(serialize_with = "crate::clock::as_utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::clock::as_utc_opt")]
    pub next_attempt_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::clock::as_utc_opt")]
    pub delivered_at: Option<NaiveDateTime>,
}

/// A page of the log: newest first; pass `next_cursor` back as `cursor` for the next page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<Delivery>,
    pub next_cursor: Option<String>,
}

type DeliveryRow = (
    i64,
    Option<String>,
    String,
    Option<String>,
    OutboxStatus,
    i32,
    Option<i32>,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

fn delivery(
    (_, id, kind, reference, status, attempts, last_status, last_error, created_at, next, sent_at): DeliveryRow,
) -> Delivery {
    let status = match status {
        OutboxStatus::Pending => DeliveryStatus::Pending,
        OutboxStatus::Sent => DeliveryStatus::Delivered,
        OutboxStatus::Failed | OutboxStatus::Discarded => DeliveryStatus::Failed,
    };
    Delivery {
        id: id.unwrap_or_default(),
        kind,
        reference,
        status,
        attempts,
        last_status,
        last_error,
        created_at,
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(next),
        delivered_at: sent_at,
    }
}

/// Log pages are at most this long.
pub const PAGE_SIZE: i64 = 50;

/// A page of `partner_id`'s deliveries, newest first, after `cursor` (an outbox id).
pub fn deliveries(
    conn: &mut DbConnection,
    partner_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<DeliveryPage> {
    let mut query = outbox::table
        .filter(outbox::channel.eq(Channel::Webhook))
        .filter(outbox::partner_id.eq(partner_id))
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(outbox::id.lt(before));
    }
    let limit = limit.clamp(1, PAGE_SIZE);
    let rows: Vec<DeliveryRow> = query
        .order(outbox::id.desc())
        .limit(limit + 1)
        .select((
            outbox::id,
            outbox::event_id,
            outbox::kind,
            outbox::reference,
            outbox::status,
            outbox::attempts,
            outbox::last_status,
            outbox::last_error,
            outbox::created_at,
            outbox::next_attempt_at,
            outbox::sent_at,
        ))
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    let rows: Vec<DeliveryRow> = rows.into_iter().take(limit as usize).collect();
    let next_cursor = if more {
        rows.last().map(|r| r.0.to_string())
    } else {
        None
    };
    Ok(DeliveryPage {
        items: rows.into_iter().map(delivery).collect(),
        next_cursor,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("no such delivery")]
    NotFound,
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

/// Sends a delivery again (same id and body, newly signed), at once and with a fresh day of
/// retries, whatever became of it before.
pub fn replay(
    conn: &mut DbConnection,
    event_id: &str,
    by: &Principal,
    now: NaiveDateTime,
) -> Result<Delivery, ReplayError> {
    write_transaction(conn, |conn| {
        let updated = diesel::update(outbox::table)
            .filter(outbox::channel.eq(Channel::Webhook))
            .filter(outbox::event_id.eq(event_id))
            .set((
                outbox::status.eq(OutboxStatus::Pending),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
                outbox::expires_at.eq(now + TimeDelta::hours(RETRY_HOURS)),
                outbox::updated_at.eq(now),
            ))
            .returning((
                outbox::id,
                outbox::event_id,
                outbox::kind,
                outbox::reference,
                outbox::status,
                outbox::attempts,
                outbox::last_status,
                outbox::last_error,
                outbox::created_at,
                outbox::next_attempt_at,
                outbox::sent_at,
            ))
            .get_result::<DeliveryRow>(conn)
            .optional()?
            .ok_or(ReplayError::NotFound)?;
        audit::record(
            conn,
            audit::Entry {
                at: now,
                actor: by,
                action: AuditAction::WebhookReplayed,
                subject: event_id,
                branch: None,
                before: None,
                after: None,
            },
        )?;
        Ok(delivery(updated))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        let secret = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .expect("base64");
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
