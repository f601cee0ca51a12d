//! Domain events: one per change of an appointment, written in the change's own transaction
//! and fanned out from here, so an operation states *what happened* once and every consequence
//! follows from it:
//! - the audit log (always), with the state before and after;
//! - the applicant's e-mail in the outbox (booked, rescheduled, cancelled), and the withdrawal
//!   of a pending reminder that no longer holds;
//! - R5's automatic rule: a no-show or a late cancellation may block the identity;
//! - the partner's webhook, for an appointment a partner made (`crate::webhooks`), through the
//!   same outbox.

use chrono::NaiveDateTime;
use temujanji_shared::wire;

use crate::audit::{self, AuditAction};
use crate::authz::Principal;
use crate::booking::AppointmentRow;
use crate::booking::blocks::StrikeRule;
use crate::db::DbConnection;
use crate::mail::{ComposeError, Letters, Notice};
use crate::outbox;

/// What happened to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Booked,
    Rescheduled,
    Cancelled,
    /// Cancelled by the office (a branch change), with an apology; never a strike.
    Withdrawn,
    /// Voided by staff as fraud; never a strike, and the maker is not e-mailed.
    Voided,
    CheckedIn,
    Called,
    Served,
    NoShow,
}

impl EventKind {
    pub fn audit_action(self) -> AuditAction {
        match self {
            EventKind::Booked => AuditAction::AppointmentBooked,
            EventKind::Rescheduled => AuditAction::AppointmentRescheduled,
            EventKind::Cancelled | EventKind::Withdrawn => AuditAction::AppointmentCancelled,
            EventKind::Voided => AuditAction::AppointmentVoided,
            EventKind::CheckedIn => AuditAction::AppointmentCheckedIn,
            EventKind::Called => AuditAction::AppointmentCalled,
            EventKind::Served => AuditAction::AppointmentServed,
            EventKind::NoShow => AuditAction::AppointmentNoShow,
        }
    }

    /// The e-mail the applicant receives (R7), if any.
    pub fn notice(self) -> Option<Notice> {
        match self {
            EventKind::Booked => Some(Notice::Confirmation),
            EventKind::Rescheduled => Some(Notice::Change),
            EventKind::Cancelled => Some(Notice::Cancellation),
            EventKind::Withdrawn => Some(Notice::Withdrawn),
            EventKind::CheckedIn
            | EventKind::Called
            | EventKind::Served
            | EventKind::NoShow
            | EventKind::Voided => None,
        }
    }

    /// Whether a pending day-before reminder no longer holds after this.
    fn ends_reminder(self) -> bool {
        matches!(
            self,
            EventKind::Rescheduled
                | EventKind::Cancelled
                | EventKind::Withdrawn
                | EventKind::Voided
                | EventKind::NoShow
        )
    }
}

/// One change, as it is published.
#[derive(Debug)]
pub struct Event<'a> {
    pub kind: EventKind,
    pub actor: &'a Principal,
    pub before: Option<&'a AppointmentRow>,
    pub after: &'a AppointmentRow,
    pub at: NaiveDateTime,
    /// The appointment as the applicant sees it after the change; needed by the kinds that
    /// e-mail the applicant.
    pub view: Option<&'a wire::Appointment>,
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Compose(#[from] ComposeError),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("a {0:?} event needs the appointment's view to write its e-mail")]
    MissingView(EventKind),
    #[error("the automatic block rule failed: {0}")]
    Rule(Box<crate::booking::BookingError>),
}

/// Where events go, besides the audit log.
#[derive(Clone, Copy)]
pub struct Fanout<'a> {
    /// Composes the applicant's e-mails.
    pub letters: &'a Letters,
    /// R5's automatic block.
    pub strikes: &'a StrikeRule,
}

/// Fans `event` out. Call it in the change's transaction: if anything here fails, the change
/// does not happen either.
pub fn publish(
    conn: &mut DbConnection,
    fanout: Fanout<'_>,
    event: &Event<'_>,
) -> Result<(), PublishError> {
    let reference = event.after.reference.as_str();
    audit::record(
        conn,
        audit::Entry {
            at: event.at,
            actor: event.actor,
            action: event.kind.audit_action(),
            subject: reference,
            branch: Some(&event.after.branch_code),
            before: event.before.map(snapshot),
            after: Some(snapshot(event.after)),
        },
    )?;
    if event.kind.ends_reminder() {
        outbox::discard_reminders(conn, reference, event.at)?;
    }
    if let Some(notice) = event.kind.notice() {
        let view = event.view.ok_or(PublishError::MissingView(event.kind))?;
        outbox::enqueue(conn, &fanout.letters.appointment(notice, view)?, event.at)?;
    }
    crate::webhooks::enqueue(conn, event.kind, event.after, event.at)?;
    if matches!(event.kind, EventKind::NoShow | EventKind::Cancelled) {
        crate::booking::blocks::apply_strike_rule(conn, fanout.strikes, event.after, event.at)
            .map_err(|e| PublishError::Rule(Box::new(e)))?;
    }
    Ok(())
}

/// The parts of an appointment an audit reader compares; no personal data beyond the
/// reference it is filed under.
fn snapshot(row: &AppointmentRow) -> serde_json::Value {
    serde_json::json!({
        "status": row.status,
        "slot_id": row.slot_id,
        "date": row.date,
        "start": row.start_time.format("%H:%M").to_string(),
        "checked_in_at": row.checked_in_at,
        "late": row.late,
        "counter": row.counter,
        "served_at": row.served_at,
        "paid_sen": row.paid_sen,
        "approval_code": row.approval_code,
        "cancel_reason": row.cancel_reason,
    })
}
