//! Branches, services and their schedules, as stored and as published.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use temujanji_shared::address::{Address, AddressLine, City, Postcode, State};
use temujanji_shared::codes::{BranchCode, ServiceCode};
use temujanji_shared::wire::{self, Bilingual, ClosedKind, ClosedReason, OfferedService};

use crate::db::schema::{
    branch_hours, branch_services, branches, closures, holidays, hours_profiles, service_documents,
    services,
};
use crate::db::{DbConnection, StoreError};
use crate::schedule::{BranchSchedule, Interval, Profile, WeekHours};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = branches)]
pub struct BranchRow {
    pub code: String,
    pub name: String,
    pub state: String,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub postcode: String,
    pub city: String,
    pub phone: String,
    pub slot_minutes: i32,
    pub min_lead_days: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = services)]
pub struct ServiceRow {
    pub code: String,
    pub name_ms: String,
    pub name_en: String,
    pub fee_sen: i32,
    pub fee_note_ms: String,
    pub fee_note_en: String,
    pub rush: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_documents)]
pub struct DocumentRow {
    pub service_code: String,
    pub position: i32,
    pub text_ms: String,
    pub text_en: String,
}

fn corrupt(what: &'static str, value: &str) -> StoreError {
    StoreError::corrupt(what, value)
}

impl BranchRow {
    pub fn address(&self) -> Result<Address, StoreError> {
        let line2 = match self.address_line2.as_deref() {
            Some(line) if !line.trim().is_empty() => {
                Some(AddressLine::parse(line).map_err(|_| corrupt("address line", line))?)
            }
            _ => None,
        };
        Ok(Address {
            line1: AddressLine::parse(&self.address_line1)
                .map_err(|_| corrupt("address line", &self.address_line1))?,
            line2,
            postcode: Postcode::parse(&self.postcode)
                .map_err(|_| corrupt("postcode", &self.postcode))?,
            city: City::parse(&self.city).map_err(|_| corrupt("city", &self.city))?,
            state: self.state()?,
        })
    }

    pub fn state(&self) -> Result<State, StoreError> {
        State::parse(&self.state).map_err(|_| corrupt("state", &self.state))
    }

    pub fn branch_code(&self) -> Result<BranchCode, StoreError> {
        BranchCode::parse(&self.code).map_err(|_| corrupt("branch code", &self.code))
    }
}

pub fn branch_code(code: &str) -> Result<BranchCode, StoreError> {
    BranchCode::parse(code).map_err(|_| corrupt("branch code", code))
}

pub fn service_code(code: &str) -> Result<ServiceCode, StoreError> {
    ServiceCode::parse(code).map_err(|_| corrupt("service code", code))
}

pub fn list_branches(conn: &mut DbConnection) -> Result<Vec<wire::Branch>, StoreError> {
    let rows: Vec<BranchRow> = branches::table
        .order(branches::code)
        .select(BranchRow::as_select())
        .load(conn)?;
    let offered: Vec<(String, String, i32)> = branch_services::table
        .order((branch_services::branch_code, branch_services::service_code))
        .select((
            branch_services::branch_code,
            branch_services::service_code,
            branch_services::seats,
        ))
        .load(conn)?;
    let mut by_branch: BTreeMap<String, Vec<OfferedService>> = BTreeMap::new();
    for (branch, service, seats) in offered {
        by_branch.entry(branch).or_default().push(OfferedService {
            service: service_code(&service)?,
            seats_per_slot: seats,
        });
    }
    rows.into_iter()
        .map(|row| {
            Ok(wire::Branch {
                code: row.branch_code()?,
                name: row.name.clone(),
                state: row.state()?,
                address: row.address()?,
                phone: row.phone.clone(),
                slot_minutes: row.slot_minutes,
                min_lead_days: row.min_lead_days,
                services: by_branch.remove(&row.code).unwrap_or_default(),
            })
        })
        .collect()
}

fn documents_by_service(
    conn: &mut DbConnection,
    only: Option<&str>,
) -> Result<BTreeMap<String, Vec<Bilingual>>, StoreError> {
    let mut query = service_documents::table
        .order((service_documents::service_code, service_documents::position))
        .select(DocumentRow::as_select())
        .into_boxed();
    if let Some(code) = only {
        query = query.filter(service_documents::service_code.eq(code.to_owned()));
    }
    let mut map: BTreeMap<String, Vec<Bilingual>> = BTreeMap::new();
    for doc in query.load(conn)? {
        map.entry(doc.service_code).or_default().push(Bilingual {
            ms: doc.text_ms,
            en: doc.text_en,
        });
    }
    Ok(map)
}

fn to_service(row: ServiceRow, documents: Vec<Bilingual>) -> Result<wire::Service, StoreError> {
    Ok(wire::Service {
        code: service_code(&row.code)?,
        name: Bilingual {
            ms: row.name_ms,
            en: row.name_en,
        },
        fee_sen: row.fee_sen,
        fee_note: Bilingual {
            ms: row.fee_note_ms,
            en: row.fee_note_en,
        },
        documents,
        rush: row.rush,
    })
}

pub fn list_services(conn: &mut DbConnection) -> Result<Vec<wire::Service>, StoreError> {
    let rows: Vec<ServiceRow> = services::table
        .order(services::code)
        .select(ServiceRow::as_select())
        .load(conn)?;
    let mut documents = documents_by_service(conn, None)?;
    rows.into_iter()
        .map(|row| {
            let docs = documents.remove(&row.code).unwrap_or_default();
            to_service(row, docs)
        })
        .collect()
}

pub fn find_branch(
    conn: &mut DbConnection,
    code: &BranchCode,
) -> Result<Option<BranchRow>, StoreError> {
    Ok(branches::table
        .find(code.as_str())
        .select(BranchRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_service(
    conn: &mut DbConnection,
    code: &ServiceCode,
) -> Result<Option<wire::Service>, StoreError> {
    let Some(row) = services::table
        .find(code.as_str())
        .select(ServiceRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let docs = documents_by_service(conn, Some(code.as_str()))?
        .remove(code.as_str())
        .unwrap_or_default();
    to_service(row, docs).map(Some)
}

/// Whether `service` is in rush mode (an unknown one is not).
pub fn in_rush(conn: &mut DbConnection, service: &str) -> QueryResult<bool> {
    Ok(services::table
        .find(service)
        .select(services::rush)
        .first(conn)
        .optional()?
        .unwrap_or(false))
}

/// When the day that enters the booking window each day opens for `service` (Malaysian time;
/// midnight for an unknown service).
pub fn opens_at(conn: &mut DbConnection, service: &str) -> QueryResult<chrono::NaiveTime> {
    let minute: Option<i32> = services::table
        .find(service)
        .select(services::opens_at_minute)
        .first(conn)
        .optional()?;
    Ok(time_of_minute(minute.unwrap_or(0)))
}

fn time_of_minute(minute: i32) -> chrono::NaiveTime {
    let minute = u32::try_from(minute.clamp(0, 1439)).unwrap_or(0);
    chrono::NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).unwrap_or_default()
}

/// What an administrator may change of a service (`temujanji service …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceSetting {
    /// Rush mode: an applicant's booking needs a solved proof of work.
    Rush(bool),
    /// Freed seats come back within this many minutes (0–1440), at a random moment.
    ReleaseDelayMinutes(i32),
    /// The day entering the booking window opens at this time of day (Malaysian time).
    OpensAt(chrono::NaiveTime),
    /// Lottery mode: the day that opens is drawn `minutes` after it opens (0: off, first come
    /// first served); winners confirm within `confirm_hours`. The draw must end by midnight
    /// (a database check refuses it otherwise).
    Lottery { minutes: i32, confirm_hours: i32 },
}

/// Changes one setting of `service`, audited as `service.updated`; `false` if there is no
/// such service.
pub fn change_service(
    conn: &mut DbConnection,
    service: &ServiceCode,
    setting: ServiceSetting,
    actor: &crate::authz::Principal,
    at: chrono::NaiveDateTime,
) -> QueryResult<bool> {
    crate::db::write_transaction(conn, |conn| {
        let row = services::table.find(service.as_str());
        let current: Option<(bool, i32, i32, i32, i32)> = row
            .select((
                services::rush,
                services::release_delay_minutes,
                services::opens_at_minute,
                services::lottery_minutes,
                services::lottery_confirm_hours,
            ))
            .first(conn)
            .optional()?;
        let Some((rush, delay, opens, lottery, confirm)) = current else {
            return Ok(false);
        };
        let (before, after) = match setting {
            ServiceSetting::Rush(on) => {
                diesel::update(row)
                    .set(services::rush.eq(on))
                    .execute(conn)?;
                (
                    serde_json::json!({ "rush": rush }),
                    serde_json::json!({ "rush": on }),
                )
            }
            ServiceSetting::ReleaseDelayMinutes(minutes) => {
                diesel::update(row)
                    .set(services::release_delay_minutes.eq(minutes))
                    .execute(conn)?;
                (
                    serde_json::json!({ "release_delay_minutes": delay }),
                    serde_json::json!({ "release_delay_minutes": minutes }),
                )
            }
            ServiceSetting::OpensAt(time) => {
                let minute = i32::try_from(
                    chrono::Timelike::hour(&time) * 60 + chrono::Timelike::minute(&time),
                )
                .unwrap_or(0);
                diesel::update(row)
                    .set(services::opens_at_minute.eq(minute))
                    .execute(conn)?;
                let shown = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
                (
                    serde_json::json!({ "opens_at": shown(time_of_minute(opens)) }),
                    serde_json::json!({ "opens_at": shown(time) }),
                )
            }
            ServiceSetting::Lottery {
                minutes,
                confirm_hours,
            } => {
                diesel::update(row)
                    .set((
                        services::lottery_minutes.eq(minutes),
                        services::lottery_confirm_hours.eq(confirm_hours),
                    ))
                    .execute(conn)?;
                (
                    serde_json::json!({ "lottery_minutes": lottery, "lottery_confirm_hours": confirm }),
                    serde_json::json!({ "lottery_minutes": minutes, "lottery_confirm_hours": confirm_hours }),
                )
            }
        };
        crate::audit::record(
            conn,
            crate::audit::Entry {
                at,
                actor,
                action: crate::audit::AuditAction::ServiceUpdated,
                subject: service.as_str(),
                branch: None,
                before: Some(before),
                after: Some(after),
            },
        )?;
        Ok(true)
    })
}

/// Seats per slot of `service` at `branch`, or `None` when the branch does not offer it.
pub fn seats(
    conn: &mut DbConnection,
    branch: &str,
    service: &str,
) -> Result<Option<i32>, StoreError> {
    Ok(branch_services::table
        .find((branch, service))
        .select(branch_services::seats)
        .first(conn)
        .optional()?)
}

/// Loads what decides the branch's open days between `from` and `to`.
pub fn load_schedule(
    conn: &mut DbConnection,
    branch: &BranchRow,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BranchSchedule, StoreError> {
    let hours: Vec<(Option<i64>, i32, chrono::NaiveTime, chrono::NaiveTime)> = branch_hours::table
        .filter(branch_hours::branch_code.eq(&branch.code))
        .select((
            branch_hours::profile_id,
            branch_hours::weekday,
            branch_hours::opens,
            branch_hours::closes,
        ))
        .load(conn)?;
    let profiles: Vec<(i64, NaiveDate, NaiveDate)> = hours_profiles::table
        .filter(hours_profiles::branch_code.eq(&branch.code))
        .filter(hours_profiles::valid_to.ge(from))
        .filter(hours_profiles::valid_from.le(to))
        .order(hours_profiles::valid_from)
        .select((
            hours_profiles::id,
            hours_profiles::valid_from,
            hours_profiles::valid_to,
        ))
        .load(conn)?;

    let mut default_hours = WeekHours::default();
    let mut by_profile: BTreeMap<i64, WeekHours> = BTreeMap::new();
    for (profile, weekday, opens, closes) in hours {
        let interval = Interval { opens, closes };
        let weekday =
            u32::try_from(weekday).map_err(|_| corrupt("weekday", &weekday.to_string()))?;
        match profile {
            None => default_hours.add(weekday, interval),
            Some(id) => by_profile.entry(id).or_default().add(weekday, interval),
        }
    }
    let profiles = profiles
        .into_iter()
        .map(|(id, from, to)| Profile {
            from,
            to,
            hours: by_profile.remove(&id).unwrap_or_default(),
        })
        .collect();

    let mut closed = BTreeMap::new();
    let state_holidays: Vec<(NaiveDate, String, String)> = holidays::table
        .filter(holidays::date.between(from, to))
        .filter(
            holidays::state
                .is_null()
                .or(holidays::state.eq(&branch.state)),
        )
        .order(holidays::date)
        .select((holidays::date, holidays::name_ms, holidays::name_en))
        .load(conn)?;
    for (date, ms, en) in state_holidays {
        closed.entry(date).or_insert(ClosedReason {
            kind: ClosedKind::PublicHoliday,
            name: Bilingual { ms, en },
        });
    }
    let branch_closures: Vec<(NaiveDate, String, String)> = closures::table
        .filter(closures::branch_code.eq(&branch.code))
        .filter(closures::date.between(from, to))
        .select((closures::date, closures::name_ms, closures::name_en))
        .load(conn)?;
    for (date, ms, en) in branch_closures {
        closed.entry(date).or_insert(ClosedReason {
            kind: ClosedKind::Closure,
            name: Bilingual { ms, en },
        });
    }
    Ok(BranchSchedule {
        slot_minutes: i64::from(branch.slot_minutes),
        default_hours,
        profiles,
        closed,
    })
}
