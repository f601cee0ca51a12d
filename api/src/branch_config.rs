//! Branch configuration (R3), by the branch's supervisor or an administrator: weekly counter
//! hours and breaks (the weekend is a day without hours), slot length, lead time, services
//! and seats, date-ranged hours profiles (Ramadan), closures.
//!
//! A change is applied in one transaction, and the appointments it strands (booked for a slot
//! that no longer exists, or a service no longer offered) are computed inside it from the new
//! schedule itself, so the preview (`dry_run`, rolled back) and the change agree exactly.
//! Applying a change that strands appointments requires confirming their number; they are
//! cancelled with an apology e-mail (never held against the applicant). Reducing seats never
//! breaks the no-overbooking constraint: a slot keeps at least the seats already taken.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use temujanji_shared::ValidationError;
use temujanji_shared::codes::{BranchCode, ServiceCode};
use temujanji_shared::form::FieldIssue;
use temujanji_shared::staff::{
    BranchConfig, Closure, ConfigChange, ConfigOutcome, DayHours, HoursProfile, Period,
    ServiceSeats, Stranded,
};
use temujanji_shared::wire::{AppointmentStatus, ClockTime};

use crate::audit::{self, AuditAction};
use crate::authz::{self, Action, Principal};
use crate::booking::{AppointmentRow, BookingError, Context, cancel_for_office};
use crate::catalog::{self, BranchRow};
use crate::clock;
use crate::db::schema::{
    appointments, branch_hours, branch_services, branches, closures, hours_profiles, services,
    slots,
};
use crate::db::{DbConnection, write_transaction};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration")]
    Invalid(Vec<FieldIssue>),
    #[error("the change strands {stranded} appointments; confirm that number to apply it")]
    Unconfirmed { stranded: i64 },
    #[error(transparent)]
    Booking(#[from] BookingError),
    /// Not an error: the preview's way out of the transaction, which rolls back.
    #[error("dry run")]
    DryRun(Box<ConfigOutcome>),
}

impl From<diesel::result::Error> for ConfigError {
    fn from(error: diesel::result::Error) -> Self {
        ConfigError::Booking(error.into())
    }
}

impl From<authz::Denied> for ConfigError {
    fn from(denied: authz::Denied) -> Self {
        ConfigError::Booking(denied.into())
    }
}

impl From<crate::db::StoreError> for ConfigError {
    fn from(error: crate::db::StoreError) -> Self {
        ConfigError::Booking(error.into())
    }
}

/// How far ahead stranded appointments are looked for: the booking window and a margin.
const HORIZON_DAYS: i64 = 120;

fn issue(field: &'static str, error: ValidationError) -> FieldIssue {
    FieldIssue { field, error }
}

/// Checks a configuration's shape: every period opens before it closes and periods of a day
/// do not overlap, weekdays are 1–7 and appear once, seats and slot length are sensible,
/// profiles end after they start, closure reasons are given in both languages.
pub fn validate(config: &BranchConfig) -> Result<(), ConfigError> {
    let mut issues = Vec::new();
    if !(5..=240).contains(&config.slot_minutes) {
        issues.push(issue("slot_minutes", ValidationError::InvalidFormat));
    }
    if !(0..=30).contains(&config.min_lead_days) {
        issues.push(issue("min_lead_days", ValidationError::InvalidFormat));
    }
    let week_ok = |week: &[DayHours]| {
        let mut seen = [false; 8];
        week.iter().all(|day| {
            let weekday = usize::from(day.weekday);
            let fresh = (1..=7).contains(&weekday) && !std::mem::replace(&mut seen[weekday], true);
            let mut periods: Vec<&Period> = day.periods.iter().collect();
            periods.sort_by_key(|p| p.opens);
            fresh
                && periods.iter().all(|p| p.opens < p.closes)
                && periods.windows(2).all(|w| w[0].closes <= w[1].opens)
        })
    };
    if !week_ok(&config.week) {
        issues.push(issue("week", ValidationError::InvalidFormat));
    }
    let seats_ok = config
        .services
        .iter()
        .all(|s| (1..=100).contains(&s.seats) && ServiceCode::parse(&s.service).is_ok());
    let mut codes: Vec<&str> = config.services.iter().map(|s| s.service.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    if !seats_ok || codes.len() != config.services.len() {
        issues.push(issue("services", ValidationError::InvalidFormat));
    }
    let profiles_ok = config.profiles.iter().all(|p| {
        !p.name.trim().is_empty()
            && p.name.chars().count() <= 100
            && p.from <= p.to
            && week_ok(&p.week)
    });
    if !profiles_ok {
        issues.push(issue("profiles", ValidationError::InvalidFormat));
    }
    let text_ok = |t: &str| !t.trim().is_empty() && t.chars().count() <= 200;
    let mut dates: Vec<_> = config.closures.iter().map(|c| c.date).collect();
    dates.sort_unstable();
    dates.dedup();
    if dates.len() != config.closures.len()
        || !config
            .closures
            .iter()
            .all(|c| text_ok(&c.name_ms) && text_ok(&c.name_en))
    {
        issues.push(issue("closures", ValidationError::InvalidFormat));
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(ConfigError::Invalid(issues))
    }
}

fn week_of(
    rows: &[(Option<i64>, i32, NaiveTime, NaiveTime)],
    profile: Option<i64>,
) -> Vec<DayHours> {
    let mut days: BTreeMap<u8, Vec<Period>> = BTreeMap::new();
    for (owner, weekday, opens, closes) in rows {
        if *owner == profile {
            days.entry(u8::try_from(*weekday).unwrap_or(0))
                .or_default()
                .push(Period {
                    opens: ClockTime::new(*opens),
                    closes: ClockTime::new(*closes),
                });
        }
    }
    days.into_iter()
        .map(|(weekday, mut periods)| {
            periods.sort_by_key(|p| p.opens);
            DayHours { weekday, periods }
        })
        .collect()
}

fn branch_row(conn: &mut DbConnection, branch: &str) -> Result<BranchRow, ConfigError> {
    let code = BranchCode::parse(branch).map_err(|_| BookingError::NotFound)?;
    Ok(catalog::find_branch(conn, &code)?.ok_or(BookingError::NotFound)?)
}

/// The branch's configuration as stored.
pub fn load(conn: &mut DbConnection, branch: &str) -> Result<BranchConfig, ConfigError> {
    let row = branch_row(conn, branch)?;
    let hours: Vec<(Option<i64>, i32, NaiveTime, NaiveTime)> = branch_hours::table
        .filter(branch_hours::branch_code.eq(branch))
        .select((
            branch_hours::profile_id,
            branch_hours::weekday,
            branch_hours::opens,
            branch_hours::closes,
        ))
        .load(conn)?;
    let profiles = hours_profiles::table
        .filter(hours_profiles::branch_code.eq(branch))
        .order(hours_profiles::valid_from)
        .select((
            hours_profiles::id,
            hours_profiles::name,
            hours_profiles::valid_from,
            hours_profiles::valid_to,
        ))
        .load::<(i64, String, chrono::NaiveDate, chrono::NaiveDate)>(conn)?
        .into_iter()
        .map(|(id, name, from, to)| HoursProfile {
            name,
            from,
            to,
            week: week_of(&hours, Some(id)),
        })
        .collect();
    let services = branch_services::table
        .filter(branch_services::branch_code.eq(branch))
        .order(branch_services::service_code)
        .select((branch_services::service_code, branch_services::seats))
        .load::<(String, i32)>(conn)?
        .into_iter()
        .map(|(service, seats)| ServiceSeats { service, seats })
        .collect();
    let closures = closures::table
        .filter(closures::branch_code.eq(branch))
        .filter(closures::date.ge(clock::to_malaysia(clock::now_utc()).date()))
        .order(closures::date)
        .select((closures::date, closures::name_ms, closures::name_en))
        .load::<(chrono::NaiveDate, String, String)>(conn)?
        .into_iter()
        .map(|(date, name_ms, name_en)| Closure {
            date,
            name_ms,
            name_en,
        })
        .collect();
    Ok(BranchConfig {
        slot_minutes: row.slot_minutes,
        min_lead_days: row.min_lead_days,
        week: week_of(&hours, None),
        services,
        profiles,
        closures,
    })
}

/// The configuration of `branch`, for its supervisor or an administrator.
pub fn get(
    conn: &mut DbConnection,
    branch: &str,
    principal: &Principal,
) -> Result<BranchConfig, ConfigError> {
    authz::branch(principal, Action::ConfigureBranch, branch)?;
    load(conn, branch)
}

fn insert_week(
    conn: &mut DbConnection,
    branch: &str,
    profile: Option<i64>,
    week: &[DayHours],
) -> QueryResult<()> {
    for day in week {
        for period in &day.periods {
            diesel::insert_into(branch_hours::table)
                .values((
                    branch_hours::branch_code.eq(branch),
                    branch_hours::profile_id.eq(profile),
                    branch_hours::weekday.eq(i32::from(day.weekday)),
                    branch_hours::opens.eq(period.opens.time()),
                    branch_hours::closes.eq(period.closes.time()),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Writes `config` over the branch's stored one (inside the caller's transaction).
fn write(
    conn: &mut DbConnection,
    branch: &str,
    config: &BranchConfig,
    now: NaiveDateTime,
) -> Result<(), ConfigError> {
    let known: Vec<String> = services::table.select(services::code).load(conn)?;
    if let Some(unknown) = config.services.iter().find(|s| !known.contains(&s.service)) {
        tracing::debug!(service = %unknown.service, "unknown service in a branch configuration");
        return Err(ConfigError::Invalid(vec![issue(
            "services",
            ValidationError::InvalidFormat,
        )]));
    }
    diesel::update(branches::table.find(branch))
        .set((
            branches::slot_minutes.eq(config.slot_minutes),
            branches::min_lead_days.eq(config.min_lead_days),
        ))
        .execute(conn)?;
    diesel::delete(branch_hours::table.filter(branch_hours::branch_code.eq(branch)))
        .execute(conn)?;
    diesel::delete(hours_profiles::table.filter(hours_profiles::branch_code.eq(branch)))
        .execute(conn)?;
    insert_week(conn, branch, None, &config.week)?;
    for profile in &config.profiles {
        let id: i64 = diesel::insert_into(hours_profiles::table)
            .values((
                hours_profiles::branch_code.eq(branch),
                hours_profiles::name.eq(profile.name.trim()),
                hours_profiles::valid_from.eq(profile.from),
                hours_profiles::valid_to.eq(profile.to),
            ))
            .returning(hours_profiles::id)
            .get_result(conn)?;
        insert_week(conn, branch, Some(id), &profile.week)?;
    }
    let today = clock::to_malaysia(now).date();
    // Past closures stay on record; today's and future ones are replaced.
    diesel::delete(
        closures::table
            .filter(closures::branch_code.eq(branch))
            .filter(closures::date.ge(today)),
    )
    .execute(conn)?;
    for closure in &config.closures {
        diesel::insert_into(closures::table)
            .values((
                closures::branch_code.eq(branch),
                closures::date.eq(closure.date),
                closures::name_ms.eq(closure.name_ms.trim()),
                closures::name_en.eq(closure.name_en.trim()),
            ))
            .execute(conn)?;
    }
    diesel::delete(branch_services::table.filter(branch_services::branch_code.eq(branch)))
        .execute(conn)?;
    for service in &config.services {
        diesel::insert_into(branch_services::table)
            .values((
                branch_services::branch_code.eq(branch),
                branch_services::service_code.eq(&service.service),
                branch_services::seats.eq(service.seats),
            ))
            .execute(conn)?;
        // Future slots take the new seats, but never fewer than are taken: the CHECK
        // (booked <= capacity) holds whatever the change.
        let future = slots::table
            .filter(slots::branch_code.eq(branch))
            .filter(slots::service_code.eq(&service.service))
            .filter(slots::date.ge(today));
        diesel::update(future.filter(slots::booked.le(service.seats)))
            .set(slots::capacity.eq(service.seats))
            .execute(conn)?;
        diesel::update(future.filter(slots::booked.gt(service.seats)))
            .set(slots::capacity.eq(slots::booked))
            .execute(conn)?;
    }
    Ok(())
}

/// The booked appointments of the branch (from now on) that the stored configuration no
/// longer holds: their service is not offered, or their slot is not in the day's slots.
fn stranded(
    conn: &mut DbConnection,
    branch: &str,
    now: NaiveDateTime,
) -> Result<Vec<AppointmentRow>, ConfigError> {
    let row = branch_row(conn, branch)?;
    let local = clock::to_malaysia(now);
    let today = local.date();
    let until = today + chrono::TimeDelta::days(HORIZON_DAYS);
    let booked: Vec<AppointmentRow> = appointments::table
        .filter(appointments::branch_code.eq(branch))
        .filter(appointments::status.eq(AppointmentStatus::Booked))
        .filter(appointments::date.between(today, until))
        .order((appointments::date, appointments::start_time))
        .select(AppointmentRow::as_select())
        .load(conn)?;
    let offered: Vec<String> = branch_services::table
        .filter(branch_services::branch_code.eq(branch))
        .select(branch_services::service_code)
        .load(conn)?;
    let schedule = catalog::load_schedule(conn, &row, today, until)?;
    let mut days = HashMap::new();
    Ok(booked
        .into_iter()
        .filter(|a| a.date.and_time(a.start_time) > local)
        .filter(|a| {
            let slots = days
                .entry(a.date)
                .or_insert_with(|| schedule.day(a.date).unwrap_or_default());
            !offered.contains(&a.service_code)
                || !slots
                    .iter()
                    .any(|s| s.start == a.start_time && s.end == a.end_time)
        })
        .collect())
}

/// Previews (`dry_run`) or applies a configuration change. Applying one that strands booked
/// appointments needs `confirm_stranded` equal to their number; they are cancelled, their
/// seats freed, and each applicant receives an apology e-mail with a link to book again.
pub fn change(
    conn: &mut DbConnection,
    branch: &str,
    change: &ConfigChange,
    dry_run: bool,
    principal: &Principal,
    ctx: Context<'_>,
) -> Result<ConfigOutcome, ConfigError> {
    authz::branch(principal, Action::ConfigureBranch, branch)?;
    validate(&change.config)?;
    let now = ctx.now;
    let result = write_transaction(conn, |conn| -> Result<ConfigOutcome, ConfigError> {
        let before = load(conn, branch)?;
        write(conn, branch, &change.config, now)?;
        let stranded_rows = stranded(conn, branch, now)?;
        let stranded_view = stranded_rows
            .iter()
            .map(|a| Stranded {
                reference: a.reference.clone(),
                date: a.date,
                start: ClockTime::new(a.start_time),
                service: a.service_code.clone(),
                applicant_name: a.applicant_name.clone(),
            })
            .collect();
        let outcome = ConfigOutcome {
            applied: !dry_run,
            stranded: stranded_view,
            config: load(conn, branch)?,
        };
        if dry_run {
            return Err(ConfigError::DryRun(Box::new(outcome)));
        }
        let count = stranded_rows.len() as i64;
        if count > 0 && change.confirm_stranded != Some(count) {
            return Err(ConfigError::Unconfirmed { stranded: count });
        }
        for row in &stranded_rows {
            cancel_for_office(conn, row, "branch configuration changed", principal, ctx)?;
        }
        audit::record(
            conn,
            audit::Entry {
                at: now,
                actor: principal,
                action: AuditAction::BranchConfigured,
                subject: branch,
                branch: Some(branch),
                before: serde_json::to_value(&before).ok(),
                after: serde_json::to_value(&outcome.config).ok().map(|mut v| {
                    v["stranded_cancelled"] = count.into();
                    v
                }),
            },
        )?;
        Ok(outcome)
    });
    match result {
        Err(ConfigError::DryRun(outcome)) => Ok(*outcome),
        other => other,
    }
}
