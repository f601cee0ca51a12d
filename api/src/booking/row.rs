//! The `appointments` row, as stored. Wire shapes are built from it in `view`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use temujanji_shared::reference::Reference;
use temujanji_shared::wire::{AppointmentStatus, IdType};

use super::BookingError;
use crate::authz::{self, Action, Principal};
use crate::db::DbConnection;
use crate::db::schema::appointments;

/// Field order is the table's: rows are read with `RETURNING *`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = appointments)]
pub struct AppointmentRow {
    pub id: i64,
    pub reference: String,
    pub slot_id: i64,
    pub branch_code: String,
    pub service_code: String,
    pub date: NaiveDate,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub applicant_name: String,
    pub id_type: IdType,
    pub id_number: String,
    pub nationality: String,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub postcode: String,
    pub city: String,
    pub state: String,
    pub phone: String,
    pub email: String,
    pub status: AppointmentStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub cancelled_at: Option<NaiveDateTime>,
    pub checked_in_at: Option<NaiveDateTime>,
    pub late: Option<bool>,
    pub called_at: Option<NaiveDateTime>,
    pub counter: Option<String>,
    pub served_at: Option<NaiveDateTime>,
    pub paid_sen: Option<i32>,
    pub approval_code: Option<String>,
    pub cancel_reason: Option<String>,
    /// `applicant`, `partner`, `staff` or `office`.
    pub cancelled_by: Option<String>,
    /// The partner portal that made the appointment, if any.
    pub partner_id: Option<i64>,
    /// Times it was moved (R5 caps them).
    pub reschedules: i32,
}

impl AppointmentRow {
    pub fn scope(&self) -> authz::AppointmentScope<'_> {
        authz::AppointmentScope {
            branch: &self.branch_code,
            email: &self.email,
            partner: self.partner_id,
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = appointments)]
pub(super) struct NewAppointment<'a> {
    pub reference: &'a str,
    pub slot_id: i64,
    pub branch_code: &'a str,
    pub service_code: &'a str,
    pub date: NaiveDate,
    pub start_time: NaiveTime,
    pub end_time: NaiveTime,
    pub applicant_name: &'a str,
    pub id_type: IdType,
    pub id_number: &'a str,
    pub nationality: &'a str,
    pub address_line1: &'a str,
    pub address_line2: Option<&'a str>,
    pub postcode: &'a str,
    pub city: &'a str,
    pub state: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    pub status: AppointmentStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub partner_id: Option<i64>,
}

pub(super) fn find(
    conn: &mut DbConnection,
    reference: &Reference,
) -> Result<Option<AppointmentRow>, BookingError> {
    Ok(appointments::table
        .filter(appointments::reference.eq(reference.as_str()))
        .select(AppointmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// The appointment if `principal` may do `action` to it: outside its scope the appointment
/// does not exist (so references cannot be probed); inside, a role that may not is refused.
pub(super) fn authorized(
    conn: &mut DbConnection,
    reference: &Reference,
    principal: &Principal,
    action: Action,
) -> Result<AppointmentRow, BookingError> {
    let row = find(conn, reference)?.ok_or(BookingError::NotFound)?;
    authz::appointment(principal, action, row.scope())?;
    Ok(row)
}

/// The status an appointment has now (after a conditional update found it changed).
pub(super) fn status_of(
    conn: &mut DbConnection,
    id: i64,
) -> Result<AppointmentStatus, BookingError> {
    Ok(appointments::table
        .find(id)
        .select(appointments::status)
        .first(conn)?)
}
