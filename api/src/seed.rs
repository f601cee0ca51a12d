//! Seed data (`api/seed/seed.json`): real-looking branches, services, hours and the 2026–2027
//! public holidays. Loaded once, on the first start against an empty database, in one
//! transaction; staff can change all of it afterwards.

use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;
use serde::Deserialize;
use temujanji_shared::address::{AddressLine, City, Postcode, State};
use temujanji_shared::codes::{BranchCode, ServiceCode};
use temujanji_shared::phone::PhoneNumber;

use crate::catalog::{BranchRow, DocumentRow, ServiceRow};
use crate::db::schema::{
    branch_hours, branch_services, branches, closures, holidays, hours_profiles, meta,
    service_documents, services,
};
use crate::db::{DbConnection, write_transaction};

/// Why the seed could not be loaded.
#[derive(Debug, thiserror::Error)]
enum SeedError {
    #[error("{0}")]
    Data(String),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

const SEED_JSON: &str = include_str!("../seed/seed.json");
const SEED_MARKER: &str = "seed_version";
const SEED_VERSION: &str = "1";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedFile {
    services: Vec<SeedService>,
    branches: Vec<SeedBranch>,
    holidays: Vec<SeedHoliday>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedService {
    code: String,
    name_ms: String,
    name_en: String,
    fee_sen: i32,
    fee_note_ms: String,
    fee_note_en: String,
    documents: Vec<SeedText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedText {
    ms: String,
    en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBranch {
    code: String,
    name: String,
    state: String,
    address: SeedAddress,
    phone: String,
    slot_minutes: i32,
    min_lead_days: i32,
    hours: Vec<SeedHours>,
    hours_profiles: Vec<SeedProfile>,
    services: Vec<SeedOffer>,
    closures: Vec<SeedClosure>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedAddress {
    line1: String,
    line2: Option<String>,
    postcode: String,
    city: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedHours {
    weekdays: Vec<i32>,
    intervals: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedProfile {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
    hours: Vec<SeedHours>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedOffer {
    service: String,
    seats: i32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedClosure {
    date: NaiveDate,
    name_ms: String,
    name_en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedHoliday {
    date: NaiveDate,
    name_ms: String,
    name_en: String,
    states: Option<Vec<String>>,
}

fn parse_seed() -> Result<SeedFile, String> {
    let seed: SeedFile = serde_json::from_str(SEED_JSON).map_err(|e| format!("seed.json: {e}"))?;
    check(&seed)?;
    Ok(seed)
}

/// Runs every seed value through the same parsers the API uses.
fn check(seed: &SeedFile) -> Result<(), String> {
    let bad = |what: &str, value: &str| format!("seed.json: invalid {what} {value:?}");
    for service in &seed.services {
        ServiceCode::parse(&service.code).map_err(|_| bad("service code", &service.code))?;
    }
    for branch in &seed.branches {
        BranchCode::parse(&branch.code).map_err(|_| bad("branch code", &branch.code))?;
        State::parse(&branch.state).map_err(|_| bad("state", &branch.state))?;
        AddressLine::parse(&branch.address.line1)
            .map_err(|_| bad("address", &branch.address.line1))?;
        Postcode::parse(&branch.address.postcode)
            .map_err(|_| bad("postcode", &branch.address.postcode))?;
        City::parse(&branch.address.city).map_err(|_| bad("city", &branch.address.city))?;
        PhoneNumber::parse(&branch.phone).map_err(|_| bad("phone", &branch.phone))?;
        for offer in &branch.services {
            if !seed.services.iter().any(|s| s.code == offer.service) {
                return Err(bad("service of a branch", &offer.service));
            }
        }
        for hours in branch
            .hours
            .iter()
            .chain(branch.hours_profiles.iter().flat_map(|p| &p.hours))
        {
            for (opens, closes) in &hours.intervals {
                let (opens, closes) = (time(opens)?, time(closes)?);
                if opens >= closes {
                    return Err(bad("interval", &format!("{opens}-{closes}")));
                }
            }
        }
    }
    for holiday in &seed.holidays {
        for state in holiday.states.iter().flatten() {
            State::parse(state).map_err(|_| bad("holiday state", state))?;
        }
    }
    Ok(())
}

fn time(raw: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(raw, "%H:%M").map_err(|_| format!("seed.json: invalid time {raw:?}"))
}

/// Loads the seed data unless it was loaded before. Returns whether it did.
pub fn seed_if_empty(conn: &mut DbConnection) -> Result<bool, String> {
    let seeded: Option<String> = meta::table
        .find(SEED_MARKER)
        .select(meta::value)
        .first(conn)
        .optional()
        .map_err(|e| format!("cannot read the seed marker: {e}"))?;
    if seeded.is_some() {
        return Ok(false);
    }
    let seed = parse_seed()?;
    write_transaction(conn, |conn| insert(conn, &seed))
        .map_err(|e| format!("seeding failed: {e}"))?;
    Ok(true)
}

fn insert(conn: &mut DbConnection, seed: &SeedFile) -> Result<(), SeedError> {
    for service in &seed.services {
        diesel::insert_into(services::table)
            .values(ServiceRow {
                code: service.code.clone(),
                name_ms: service.name_ms.clone(),
                name_en: service.name_en.clone(),
                fee_sen: service.fee_sen,
                fee_note_ms: service.fee_note_ms.clone(),
                fee_note_en: service.fee_note_en.clone(),
                rush: false,
            })
            .execute(conn)?;
        for (position, doc) in (1..).zip(&service.documents) {
            diesel::insert_into(service_documents::table)
                .values(DocumentRow {
                    service_code: service.code.clone(),
                    position,
                    text_ms: doc.ms.clone(),
                    text_en: doc.en.clone(),
                })
                .execute(conn)?;
        }
    }
    for branch in &seed.branches {
        let state = State::parse(&branch.state).map_err(|e| SeedError::Data(e.to_string()))?;
        diesel::insert_into(branches::table)
            .values(BranchRow {
                code: branch.code.clone(),
                name: branch.name.clone(),
                state: state.code().to_owned(),
                address_line1: branch.address.line1.clone(),
                address_line2: branch.address.line2.clone(),
                postcode: branch.address.postcode.clone(),
                city: branch.address.city.clone(),
                phone: branch.phone.clone(),
                slot_minutes: branch.slot_minutes,
                min_lead_days: branch.min_lead_days,
            })
            .execute(conn)?;
        insert_hours(conn, &branch.code, None, &branch.hours)?;
        for profile in &branch.hours_profiles {
            let id: i64 = diesel::insert_into(hours_profiles::table)
                .values((
                    hours_profiles::branch_code.eq(&branch.code),
                    hours_profiles::name.eq(&profile.name),
                    hours_profiles::valid_from.eq(profile.from),
                    hours_profiles::valid_to.eq(profile.to),
                ))
                .returning(hours_profiles::id)
                .get_result(conn)?;
            insert_hours(conn, &branch.code, Some(id), &profile.hours)?;
        }
        for offer in &branch.services {
            diesel::insert_into(branch_services::table)
                .values((
                    branch_services::branch_code.eq(&branch.code),
                    branch_services::service_code.eq(&offer.service),
                    branch_services::seats.eq(offer.seats),
                ))
                .execute(conn)?;
        }
        for closure in &branch.closures {
            diesel::insert_into(closures::table)
                .values((
                    closures::branch_code.eq(&branch.code),
                    closures::date.eq(closure.date),
                    closures::name_ms.eq(&closure.name_ms),
                    closures::name_en.eq(&closure.name_en),
                ))
                .execute(conn)?;
        }
    }
    for holiday in &seed.holidays {
        let states: Vec<Option<String>> = match &holiday.states {
            None => vec![None],
            Some(states) => states.iter().map(|s| Some(s.clone())).collect(),
        };
        for state in states {
            diesel::insert_into(holidays::table)
                .values((
                    holidays::date.eq(holiday.date),
                    holidays::state.eq(state),
                    holidays::name_ms.eq(&holiday.name_ms),
                    holidays::name_en.eq(&holiday.name_en),
                ))
                .execute(conn)?;
        }
    }
    diesel::insert_into(meta::table)
        .values((meta::key.eq(SEED_MARKER), meta::value.eq(SEED_VERSION)))
        .execute(conn)?;
    Ok(())
}

fn insert_hours(
    conn: &mut DbConnection,
    branch: &str,
    profile: Option<i64>,
    hours: &[SeedHours],
) -> Result<(), SeedError> {
    for entry in hours {
        for weekday in &entry.weekdays {
            for (opens, closes) in &entry.intervals {
                diesel::insert_into(branch_hours::table)
                    .values((
                        branch_hours::branch_code.eq(branch),
                        branch_hours::profile_id.eq(profile),
                        branch_hours::weekday.eq(weekday),
                        branch_hours::opens.eq(time(opens).map_err(SeedError::Data)?),
                        branch_hours::closes.eq(time(closes).map_err(SeedError::Data)?),
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_file_passes_the_shared_parsers() {
        let seed = parse_seed().expect("seed.json is valid");
        assert!(seed.branches.len() >= 10);
        assert!(seed.services.len() >= 10);
    }

    #[test]
    fn friday_saturday_states_work_on_sunday() {
        let seed = parse_seed().expect("seed.json is valid");
        for branch in seed
            .branches
            .iter()
            .filter(|b| ["KDH", "KTN", "TRG"].contains(&b.state.as_str()))
        {
            let days: Vec<i32> = branch
                .hours
                .iter()
                .flat_map(|h| h.weekdays.clone())
                .collect();
            assert!(
                days.contains(&7) && !days.contains(&5) && !days.contains(&6),
                "{}",
                branch.code
            );
        }
    }

    #[test]
    fn permanent_residence_is_only_at_headquarters() {
        let seed = parse_seed().expect("seed.json is valid");
        let pr: Vec<&str> = seed
            .branches
            .iter()
            .filter(|b| b.services.iter().any(|s| s.service.contains("permanent")))
            .map(|b| b.code.as_str())
            .collect();
        assert_eq!(pr.len(), 1, "{pr:?}");
    }
}
