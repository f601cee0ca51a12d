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
    /// Voided by staff as fraud.
    #[serde(rename = "appointment.voided")]
    AppointmentVoided,
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
    #[serde(rename = "branch.configured")]
    BranchConfigured,
    #[serde(rename = "partner.created")]
    PartnerCreated,
    /// Disabled, enabled, its services changed or its secret rotated.
    #[serde(rename = "partner.updated")]
    PartnerUpdated,
    #[serde(rename = "webhook.replayed")]
    WebhookReplayed,
    /// Rush mode, the release delay, the opening time or the lottery changed.
    #[serde(rename = "service.updated")]
    ServiceUpdated,
    /// A day of a service in lottery mode drawn: the seed, the entries, the seats offered.
    #[serde(rename = "lottery.drawn")]
    LotteryDrawn,
}

impl AuditAction {
    const ALL: [AuditAction; 20] = [
        AuditAction::AppointmentBooked,
        AuditAction::AppointmentRescheduled,
        AuditAction::AppointmentCancelled,
        AuditAction::AppointmentCheckedIn,
        AuditAction::AppointmentCalled,
        AuditAction::AppointmentServed,
        AuditAction::AppointmentNoShow,
        AuditAction::AppointmentVoided,
        AuditAction::StaffCreated,
        AuditAction::StaffUpdated,
        AuditAction::StaffLogin,
        AuditAction::StaffLogout,
        AuditAction::BlockCreated,
        AuditAction::BlockLifted,
        AuditAction::BranchConfigured,
        AuditAction::PartnerCreated,
        AuditAction::PartnerUpdated,
        AuditAction::WebhookReplayed,
        AuditAction::ServiceUpdated,
        AuditAction::LotteryDrawn,
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
            AuditAction::AppointmentVoided => "appointment.voided",
            AuditAction::StaffCreated => "staff.created",
            AuditAction::StaffUpdated => "staff.updated",
            AuditAction::StaffLogin => "staff.login",
            AuditAction::StaffLogout => "staff.logout",
            AuditAction::BlockCreated => "block.created",
            AuditAction::BlockLifted => "block.lifted",
            AuditAction::BranchConfigured => "branch.configured",
            AuditAction::PartnerCreated => "partner.created",
            AuditAction::PartnerUpdated => "partner.updated",
            AuditAction::WebhookReplayed => "webhook.replayed",
            AuditAction::ServiceUpdated => "service.updated",
            AuditAction::LotteryDrawn => "lottery.drawn",
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

/// An entry as staff read it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: chrono::DateTime<chrono::Utc>,
    /// `staff:<username>`, `applicant:<e-mail>`, `partner:<id>` or `system`.
    pub actor: String,
    pub action: AuditAction,
    /// An appointment reference, a staff username or `block:<id>`.
    pub subject: String,
    pub branch: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
}

/// What to look for; every given part must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub reference: Option<String>,
    pub staff: Option<String>,
    pub branch: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    /// Entries older than this id (the previous page's last).
    pub before_id: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Denied(#[from] crate::authz::Denied),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

type Row = (
    i64,
    NaiveDateTime,
    String,
    AuditAction,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Entries matching `filter`, newest first. Supervisors read their branch's entries only;
/// administrators read everything.
pub fn search(
    conn: &mut DbConnection,
    principal: &Principal,
    mut filter: Filter,
) -> Result<Vec<AuditEntry>, SearchError> {
    use crate::authz::{self, Action, Role};
    match (principal, &filter.branch) {
        (Principal::Staff(staff), None) if staff.role != Role::Admin => {
            authz::branch(
                principal,
                Action::ReadAudit,
                staff.branch.as_deref().unwrap_or(""),
            )?;
            filter.branch = staff.branch.clone();
        }
        (_, Some(branch)) => authz::branch(principal, Action::ReadAudit, branch)?,
        (_, None) => authz::global(principal, Action::ReadAudit)?,
    }
    let mut query = audit_events::table
        .order(audit_events::id.desc())
        .limit(filter.limit.clamp(1, 200))
        .select((
            audit_events::id,
            audit_events::at,
            audit_events::actor,
            audit_events::action,
            audit_events::subject,
            audit_events::branch_code,
            audit_events::before_json,
            audit_events::after_json,
        ))
        .into_boxed();
    if let Some(reference) = &filter.reference {
        // References are upper case (and typed in any case); other subjects as written.
        let exact = reference.trim().to_owned();
        let upper = exact.to_ascii_uppercase();
        query = query.filter(
            audit_events::subject
                .eq(upper)
                .or(audit_events::subject.eq(exact)),
        );
    }
    if let Some(staff) = &filter.staff {
        query = query
            .filter(audit_events::actor.eq(format!("staff:{}", staff.trim().to_ascii_lowercase())));
    }
    if let Some(branch) = &filter.branch {
        query = query.filter(audit_events::branch_code.eq(branch.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(audit_events::at.ge(crate::clock::from_malaysia(
            from.and_time(chrono::NaiveTime::MIN),
        )));
    }
    if let Some(to) = filter.to.and_then(|d| d.succ_opt()) {
        query = query.filter(audit_events::at.lt(crate::clock::from_malaysia(
            to.and_time(chrono::NaiveTime::MIN),
        )));
    }
    if let Some(id) = filter.before_id {
        query = query.filter(audit_events::id.lt(id));
    }
    let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    Ok(query
        .load::<Row>(conn)?
        .into_iter()
        .map(
            |(id, at, actor, action, subject, branch, before, after)| AuditEntry {
                id,
                at: at.and_utc(),
                actor,
                action,
                subject,
                branch,
                before: parse(before),
                after: parse(after),
            },
        )
        .collect())
}

#[cfg(test)]
mod append_only {
    /// No code path updates or deletes an audit entry: no statement of the API's source names
    /// the table in an `update` or `delete`.
    #[test]
    fn no_source_file_updates_or_deletes_the_audit_log() {
        fn visit(dir: &std::path::Path, offenders: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir)
                .expect("readable source dir")
                .flatten()
            {
                let path = entry.path();
                if path.is_dir() {
                    visit(&path, offenders);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("readable source");
                    let squashed: String = text.split_whitespace().collect();
                    let table = "audit_events";
                    for verb in ["update", "delete"] {
                        if squashed.contains(&format!("diesel::{verb}({table}")) {
                            offenders.push(format!("{}: {verb}", path.display()));
                        }
                    }
                    let sql = text.to_ascii_uppercase();
                    let table = table.to_ascii_uppercase();
                    for statement in [format!("UPDATE {table}"), format!("DELETE FROM {table}")] {
                        if sql.contains(&statement) {
                            offenders.push(format!("{}: {statement}", path.display()));
                        }
                    }
                }
            }
        }
        let mut offenders = Vec::new();
        visit(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut offenders,
        );
        assert!(offenders.is_empty(), "{offenders:?}");
    }
}
