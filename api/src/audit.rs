//! The audit log: who did what, when, to what, with the state before and after. Append-only:
//! this module only inserts and reads; no code path updates or deletes an entry.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::authz::Principal;
use crate::db::DbConnection;
use crate::db::schema::audit_events;

/// Every kind of entry.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
    utoipa::ToSchema,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum AuditAction {
    #[serde(rename = "appointment.booked")]
    AppointmentBooked,
    #[serde(rename = "appointment.rescheduled")]
    AppointmentRescheduled,
    #[serde(rename = "appointment.cancelled")]
    AppointmentCancelled,
    #[serde(rename = "appointment.checked_in")]
    AppointmentCheckedIn,
    #[serde(rename = "appointment.called")]
    AppointmentCalled,
    #[serde(rename = "appointment.served")]
    AppointmentServed,
    #[serde(rename = "appointment.no_show")]
    AppointmentNoShow,
    #[serde(rename = "staff.created")]
    StaffCreated,
    #[serde(rename = "staff.updated")]
    StaffUpdated,
    #[serde(rename = "staff.login")]
    StaffLogin,
    #[serde(rename = "staff.logout")]
    StaffLogout,
    #[serde(rename = "block.created")]
    BlockCreated,
    #[serde(rename = "block.lifted")]
    BlockLifted,
}

impl AuditAction {
    const ALL: [AuditAction; 13] = [
        AuditAction::AppointmentBooked,
        AuditAction::AppointmentRescheduled,
        AuditAction::AppointmentCancelled,
        AuditAction::AppointmentCheckedIn,
        AuditAction::AppointmentCalled,
        AuditAction::AppointmentServed,
        AuditAction::AppointmentNoShow,
        AuditAction::StaffCreated,
        AuditAction::StaffUpdated,
        AuditAction::StaffLogin,
        AuditAction::StaffLogout,
        AuditAction::BlockCreated,
        AuditAction::BlockLifted,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::AppointmentBooked => "appointment.booked",
            AuditAction::AppointmentRescheduled => "appointment.rescheduled",
            AuditAction::AppointmentCancelled => "appointment.cancelled",
            AuditAction::AppointmentCheckedIn => "appointment.checked_in",
            AuditAction::AppointmentCalled => "appointment.called",
            AuditAction::AppointmentServed => "appointment.served",
            AuditAction::AppointmentNoShow => "appointment.no_show",
            AuditAction::StaffCreated => "staff.created",
            AuditAction::StaffUpdated => "staff.updated",
            AuditAction::StaffLogin => "staff.login",
            AuditAction::StaffLogout => "staff.logout",
            AuditAction::BlockCreated => "block.created",
            AuditAction::BlockLifted => "block.lifted",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == input)
    }
}

temujanji_shared::sql_text_enum!(AuditAction);

/// One entry to append.
#[derive(Debug)]
pub struct Entry<'a> {
    pub at: NaiveDateTime,
    pub actor: &'a Principal,
    pub action: AuditAction,
    /// What was acted on: an appointment reference, a staff username.
    pub subject: &'a str,
    pub branch: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// How a principal is named in the log.
pub fn actor_name(principal: &Principal) -> String {
    match principal {
        Principal::Applicant(email) => format!("applicant:{email}"),
        Principal::Staff(staff) => format!("staff:{}", staff.username),
        Principal::Partner(client) => format!("partner:{}", client.id),
        Principal::System => "system".to_owned(),
    }
}

/// Appends `entry`; call it inside the transaction of the change it records.
pub fn record(conn: &mut DbConnection, entry: Entry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::at.eq(entry.at),
            audit_events::actor.eq(actor_name(entry.actor)),
            audit_events::action.eq(entry.action),
            audit_events::subject.eq(entry.subject),
            audit_events::branch_code.eq(entry.branch),
            audit_events::before_json.eq(entry.before.map(|v| v.to_string())),
            audit_events::after_json.eq(entry.after.map(|v| v.to_string())),
        ))
        .execute(conn)
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn every_action_parses_back_from_its_code_and_serde_agrees() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.code()), Some(action));
            let json = serde_json::to_string(&action).expect("serialises");
            assert_eq!(json, format!("\"{}\"", action.code()));
        }
    }
}
