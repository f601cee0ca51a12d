//! The wire form of a stored appointment: stored values are re-parsed by the shared parsers,
//! so a corrupt row is an internal error, never shown as if valid.

use chrono::TimeDelta;
use temujanji_shared::address::{Address, AddressLine, City, Postcode, State};
use temujanji_shared::reference::Reference;
use temujanji_shared::rules;
use temujanji_shared::wire::{
    self, ApplicantView, AppointmentBranch, AppointmentService, ClockTime, IdType,
};

use super::row::AppointmentRow;
use crate::catalog::{self, BranchRow};
use crate::db::{DbConnection, StoreError};
use crate::qr_payload::QrKey;

pub(super) fn parse_branch_code(
    code: &str,
) -> Result<temujanji_shared::codes::BranchCode, StoreError> {
    temujanji_shared::codes::BranchCode::parse(code)
        .map_err(|_| StoreError::corrupt("branch code", code))
}

fn stored<T, E>(what: &'static str, value: &str, parsed: Result<T, E>) -> Result<T, StoreError> {
    parsed.map_err(|_| StoreError::corrupt(what, value))
}

/// The wire form of a stored appointment.
pub fn view(
    conn: &mut DbConnection,
    row: AppointmentRow,
    qr: &QrKey,
) -> Result<wire::Appointment, StoreError> {
    let branch = catalog::find_branch(conn, &parse_branch_code(&row.branch_code)?)?
        .ok_or_else(|| StoreError::corrupt("appointment's branch", &row.branch_code))?;
    let service = catalog::find_service(conn, &catalog::service_code(&row.service_code)?)?
        .ok_or_else(|| StoreError::corrupt("appointment's service", &row.service_code))?;
    view_of(row, &branch, service, qr)
}

/// The wire form of a stored appointment, from its already loaded branch and service.
pub(super) fn view_of(
    row: AppointmentRow,
    branch: &BranchRow,
    service: wire::Service,
    qr: &QrKey,
) -> Result<wire::Appointment, StoreError> {
    let branch_code = branch.branch_code()?;
    let id_type = row.id_type;
    let masked = match id_type {
        IdType::Mykad => stored(
            "MyKad",
            &row.id_number,
            temujanji_shared::mykad::MyKad::parse(&row.id_number),
        )?
        .masked(),
        IdType::Passport => stored(
            "passport",
            &row.id_number,
            temujanji_shared::passport::PassportNumber::parse(&row.id_number),
        )?
        .masked(),
    };
    let line2 = match row.address_line2.as_deref() {
        Some(line) => Some(stored("address line", line, AddressLine::parse(line))?),
        None => None,
    };
    let address = Address {
        line1: stored(
            "address line",
            &row.address_line1,
            AddressLine::parse(&row.address_line1),
        )?,
        line2,
        postcode: stored("postcode", &row.postcode, Postcode::parse(&row.postcode))?,
        city: stored("city", &row.city, City::parse(&row.city))?,
        state: stored("state", &row.state, State::parse(&row.state))?,
    };
    let status = row.status;
    let reference = stored(
        "reference",
        &row.reference,
        Reference::parse(&row.reference),
    )?;
    Ok(wire::Appointment {
        qr_payload: qr.payload(&reference),
        reference,
        status,
        branch: AppointmentBranch {
            code: branch_code,
            name: branch.name.clone(),
            address: branch.address()?,
            phone: branch.phone.clone(),
        },
        service: AppointmentService {
            code: service.code,
            name: service.name,
            fee_sen: service.fee_sen,
            fee_note: service.fee_note,
            documents: service.documents,
        },
        date: row.date,
        start: ClockTime::new(row.start_time),
        end: ClockTime::new(row.end_time),
        arrive_by: ClockTime::new(row.start_time - TimeDelta::minutes(rules::ARRIVE_EARLY_MINUTES)),
        applicant: ApplicantView {
            name: row.applicant_name,
            id_type,
            id_number_masked: masked,
            nationality: row.nationality,
            address,
            phone: row.phone,
            email: row.email,
        },
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}
