//! R5: applicants blocked by identity, e-mail or phone. The applicant is told the block's
//! category and end date; the staff's note (`reason`) stays internal.

use chrono::{NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use temujanji_shared::country::CountryCode;
use temujanji_shared::email::EmailAddress;
use temujanji_shared::form::{BookingRequest, FieldIssue};
use temujanji_shared::mykad::MyKad;
use temujanji_shared::passport::PassportNumber;
use temujanji_shared::phone::PhoneNumber;
use temujanji_shared::staff::{Block, BlockCategory, BlockKind};
use temujanji_shared::wire::{AppointmentStatus, IdType};

use super::{AppointmentRow, BookingError};
use crate::audit::{self, AuditAction};
use crate::authz::{self, Action, Principal};
use crate::clock;
use crate::db::schema::{appointments, blocks};
use crate::db::{DbConnection, write_transaction};

/// The identity as one string, for blocks: `mykad:900101145678`, `passport:IDN:A1234567`.
pub fn identity_key(id_type: IdType, nationality: &str, number: &str) -> String {
    match id_type {
        IdType::Mykad => format!("mykad:{number}"),
        IdType::Passport => format!("passport:{nationality}:{number}"),
    }
}

/// Refuses applicants blocked by identity, e-mail or phone until the block's end date.
pub(super) fn check_not_blocked(
    conn: &mut DbConnection,
    request: &BookingRequest,
    today: NaiveDate,
) -> Result<(), BookingError> {
    let applicant = &request.applicant;
    let identity = &applicant.identity;
    let key = identity_key(
        identity.id_type(),
        identity.nationality(),
        identity.number(),
    );
    let block: Option<(BlockCategory, NaiveDate)> = blocks::table
        .filter(blocks::until.ge(today))
        .filter(blocks::lifted_at.is_null())
        .filter(
            (blocks::kind.eq("identity").and(blocks::value.eq(&key)))
                .or(blocks::kind
                    .eq("email")
                    .and(blocks::value.eq(applicant.email.as_str())))
                .or(blocks::kind
                    .eq("phone")
                    .and(blocks::value.eq(applicant.phone.as_str()))),
        )
        .order(blocks::until.desc())
        .select((blocks::category, blocks::until))
        .first(conn)
        .optional()?;
    match block {
        Some((category, until)) => Err(BookingError::Blocked { category, until }),
        None => Ok(()),
    }
}

/// R5's automatic rule: this many no-shows or late cancellations within the window block the
/// identity for `block_days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrikeRule {
    pub strikes: i64,
    pub window_days: i64,
    pub block_days: i64,
    /// A cancellation later than this before the start is a strike.
    pub late_cancel_hours: i64,
}

impl Default for StrikeRule {
    fn default() -> Self {
        StrikeRule {
            strikes: 3,
            window_days: 90,
            block_days: 30,
            late_cancel_hours: 24,
        }
    }
}

/// Who or what a block is for, parsed.
pub enum BlockTarget {
    Identity(String),
    Email(String),
    Phone(String),
}

impl BlockTarget {
    fn kind(&self) -> &'static str {
        match self {
            BlockTarget::Identity(_) => "identity",
            BlockTarget::Email(_) => "email",
            BlockTarget::Phone(_) => "phone",
        }
    }

    fn value(&self) -> &str {
        match self {
            BlockTarget::Identity(v) | BlockTarget::Email(v) | BlockTarget::Phone(v) => v,
        }
    }

    /// Parses a block's target with the same parsers as the booking form, so that a block
    /// matches exactly what a booking stores.
    pub fn parse(
        kind: BlockKind,
        value: &str,
        nationality: Option<&str>,
    ) -> Result<Self, Vec<FieldIssue>> {
        let issue = |field: &'static str, error| vec![FieldIssue { field, error }];
        match kind {
            BlockKind::Mykad => MyKad::parse(value)
                .map(|n| BlockTarget::Identity(identity_key(IdType::Mykad, "MYS", n.as_str())))
                .map_err(|e| issue("value", e)),
            BlockKind::Passport => {
                let number = PassportNumber::parse(value).map_err(|e| issue("value", e))?;
                let country = CountryCode::parse(nationality.unwrap_or_default())
                    .map_err(|e| issue("nationality", e))?;
                Ok(BlockTarget::Identity(identity_key(
                    IdType::Passport,
                    country.as_str(),
                    number.as_str(),
                )))
            }
            BlockKind::Email => EmailAddress::parse(value)
                .map(|e| BlockTarget::Email(e.as_str().to_owned()))
                .map_err(|e| issue("value", e)),
            BlockKind::Phone => PhoneNumber::parse(value)
                .map(|p| BlockTarget::Phone(p.as_str().to_owned()))
                .map_err(|e| issue("value", e)),
        }
    }
}

/// A block to create.
pub struct NewBlock {
    pub target: BlockTarget,
    pub category: BlockCategory,
    pub note: String,
    pub until: NaiveDate,
}

/// A `blocks` row, as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = blocks)]
struct BlockRow {
    id: i64,
    kind: String,
    value: String,
    /// The staff's internal note.
    reason: String,
    until: NaiveDate,
    created_at: NaiveDateTime,
    category: BlockCategory,
    created_by: String,
    lifted_at: Option<NaiveDateTime>,
    lifted_by: Option<String>,
    lift_reason: Option<String>,
}

fn to_wire(row: BlockRow) -> Block {
    Block {
        id: row.id,
        kind: row.kind,
        value: row.value,
        category: row.category,
        note: row.reason,
        until: row.until,
        created_at: row.created_at.and_utc(),
        created_by: row.created_by,
        lifted_at: row.lifted_at.map(|t| t.and_utc()),
        lifted_by: row.lifted_by,
        lift_reason: row.lift_reason,
    }
}

fn load(conn: &mut DbConnection, id: i64) -> Result<Block, BookingError> {
    let row: BlockRow = blocks::table
        .find(id)
        .select(BlockRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(BookingError::NotFound)?;
    Ok(to_wire(row))
}

fn audit_block(
    conn: &mut DbConnection,
    by: &Principal,
    action: AuditAction,
    block: &Block,
    before: Option<&Block>,
    now: NaiveDateTime,
) -> Result<(), BookingError> {
    let snapshot = |b: &Block| serde_json::to_value(b).unwrap_or_default();
    audit::record(
        conn,
        audit::Entry {
            at: now,
            actor: by,
            action,
            subject: &format!("block:{}", block.id),
            branch: None,
            before: before.map(snapshot),
            after: Some(snapshot(block)),
        },
    )?;
    Ok(())
}

/// Blocks, newest first; with `active_on`, only those in force that day.
pub fn list(
    conn: &mut DbConnection,
    principal: &Principal,
    active_on: Option<NaiveDate>,
) -> Result<Vec<Block>, BookingError> {
    authz::global(principal, Action::ManageBlocks)?;
    let mut query = blocks::table
        .order(blocks::id.desc())
        .select(BlockRow::as_select())
        .into_boxed();
    if let Some(day) = active_on {
        query = query
            .filter(blocks::until.ge(day))
            .filter(blocks::lifted_at.is_null());
    }
    Ok(query
        .load::<BlockRow>(conn)?
        .into_iter()
        .map(to_wire)
        .collect())
}

/// Creates a block, audited.
pub fn create(
    conn: &mut DbConnection,
    block: &NewBlock,
    principal: &Principal,
    now: NaiveDateTime,
) -> Result<Block, BookingError> {
    authz::global(principal, Action::ManageBlocks)?;
    write_transaction(conn, |conn| insert_audited(conn, block, principal, now))
}

/// Inserts `block` and its audit entry, inside the caller's transaction.
fn insert_audited(
    conn: &mut DbConnection,
    block: &NewBlock,
    principal: &Principal,
    now: NaiveDateTime,
) -> Result<Block, BookingError> {
    let id = insert(conn, block, &audit::actor_name(principal), now)?;
    let created = load(conn, id)?;
    audit_block(
        conn,
        principal,
        AuditAction::BlockCreated,
        &created,
        None,
        now,
    )?;
    Ok(created)
}

fn insert(
    conn: &mut DbConnection,
    block: &NewBlock,
    by: &str,
    now: NaiveDateTime,
) -> Result<i64, BookingError> {
    Ok(diesel::insert_into(blocks::table)
        .values((
            blocks::kind.eq(block.target.kind()),
            blocks::value.eq(block.target.value()),
            blocks::reason.eq(&block.note),
            blocks::category.eq(block.category),
            blocks::until.eq(block.until),
            blocks::created_at.eq(now),
            blocks::created_by.eq(by),
        ))
        .returning(blocks::id)
        .get_result(conn)?)
}

/// Blocks the e-mail that made a fraudulent booking, in the voiding transaction.
pub(super) fn block_for_fraud(
    conn: &mut DbConnection,
    email: &str,
    note: &str,
    until: NaiveDate,
    principal: &Principal,
    now: NaiveDateTime,
) -> Result<(), BookingError> {
    let block = NewBlock {
        target: BlockTarget::Email(email.to_owned()),
        category: BlockCategory::Fraud,
        note: note.to_owned(),
        until,
    };
    insert_audited(conn, &block, principal, now).map(drop)
}

/// Lifts a block at once, keeping it on record with who lifted it and why.
pub fn lift(
    conn: &mut DbConnection,
    id: i64,
    reason: &str,
    principal: &Principal,
    now: NaiveDateTime,
) -> Result<Block, BookingError> {
    authz::global(principal, Action::ManageBlocks)?;
    write_transaction(conn, |conn| {
        let before = load(conn, id)?;
        let lifted = diesel::update(blocks::table.find(id))
            .filter(blocks::lifted_at.is_null())
            .set((
                blocks::lifted_at.eq(now),
                blocks::lifted_by.eq(audit::actor_name(principal)),
                blocks::lift_reason.eq(reason),
            ))
            .execute(conn)?;
        if lifted == 0 {
            return Err(BookingError::AlreadyLifted);
        }
        let after = load(conn, id)?;
        audit_block(
            conn,
            principal,
            AuditAction::BlockLifted,
            &after,
            Some(&before),
            now,
        )?;
        Ok(after)
    })
}

/// Applies the automatic rule after `row` became a no-show or was cancelled: the identity's
/// strikes in the window (no-shows, and cancellations later than `late_cancel_hours` before
/// the start) reaching `strikes` block it for `block_days`, unless a block is already in
/// force. Runs in the change's transaction.
pub(crate) fn apply_strike_rule(
    conn: &mut DbConnection,
    rule: &StrikeRule,
    row: &AppointmentRow,
    now: NaiveDateTime,
) -> Result<(), BookingError> {
    // The office's own cancellations are never the applicant's fault, nor is a booking
    // voided as fraud (somebody else made it with this identity).
    let late = |r: &AppointmentRow| {
        !matches!(r.cancelled_by.as_deref(), Some("office" | "fraud"))
            && r.cancelled_at.is_some_and(|at| {
                clock::to_malaysia(at)
                    > r.date.and_time(r.start_time) - TimeDelta::hours(rule.late_cancel_hours)
            })
    };
    let is_strike = |r: &AppointmentRow| match r.status {
        AppointmentStatus::NoShow => true,
        AppointmentStatus::Cancelled => late(r),
        _ => false,
    };
    if !is_strike(row) {
        return Ok(());
    }
    let today = clock::to_malaysia(now).date();
    let history: Vec<AppointmentRow> = appointments::table
        .filter(appointments::id_type.eq(row.id_type))
        .filter(appointments::id_number.eq(&row.id_number))
        .filter(appointments::nationality.eq(&row.nationality))
        .filter(appointments::date.ge(today - TimeDelta::days(rule.window_days)))
        .filter(
            appointments::status.eq_any([AppointmentStatus::NoShow, AppointmentStatus::Cancelled]),
        )
        .select(AppointmentRow::as_select())
        .load(conn)?;
    let strikes = history.iter().filter(|r| is_strike(r)).count() as i64;
    if strikes < rule.strikes {
        return Ok(());
    }
    let key = identity_key(row.id_type, &row.nationality, &row.id_number);
    let in_force: i64 = blocks::table
        .filter(blocks::kind.eq("identity"))
        .filter(blocks::value.eq(&key))
        .filter(blocks::until.ge(today))
        .filter(blocks::lifted_at.is_null())
        .count()
        .get_result(conn)?;
    if in_force > 0 {
        return Ok(());
    }
    let block = NewBlock {
        target: BlockTarget::Identity(key),
        category: BlockCategory::NoShows,
        note: format!(
            "Automatic: {strikes} no-shows or late cancellations in {} days",
            rule.window_days
        ),
        until: today + TimeDelta::days(rule.block_days),
    };
    let id = insert(conn, &block, "rule", now)?;
    let created = load(conn, id)?;
    audit_block(
        conn,
        &Principal::System,
        AuditAction::BlockCreated,
        &created,
        None,
        now,
    )
}
