//! Reports per branch (or all branches) and date range: outcomes (booked, served, no-show,
//! cancelled, late), seat utilisation per day and per hour of day, and unmet demand (requests
//! refused as full) against capacity. Figures come from the appointments, the branch
//! schedules and the refusal counts; the CSV form has one line per day.

use std::collections::BTreeMap;

use chrono::{NaiveDate, Timelike};
use diesel::prelude::*;
use temujanji_shared::staff::{Outcomes, Report, ReportDay, ReportHour};
use temujanji_shared::wire::AppointmentStatus;

use crate::authz::{self, Action, Principal};
use crate::booking::BookingError;
use crate::catalog::{self, BranchRow};
use crate::db::DbConnection;
use crate::db::schema::{appointments, branch_services, branches, refused_full, slots};

/// Longest range of one report.
pub const MAX_DAYS: i64 = 366;

/// The report of `branch` (all branches with `None`) from `from` to `to`, inclusive.
pub fn report(
    conn: &mut DbConnection,
    principal: &Principal,
    branch: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Report, BookingError> {
    match branch {
        Some(code) => authz::branch(principal, Action::ReadReports, code)?,
        None => authz::global(principal, Action::ReadReports)?,
    }
    let branch_rows: Vec<BranchRow> = match branch {
        Some(code) => {
            let code = temujanji_shared::codes::BranchCode::parse(code)
                .map_err(|_| BookingError::NotFound)?;
            vec![catalog::find_branch(conn, &code)?.ok_or(BookingError::NotFound)?]
        }
        None => branches::table
            .order(branches::code)
            .select(BranchRow::as_select())
            .load(conn)?,
    };
    let mut days: BTreeMap<NaiveDate, ReportDay> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|date| {
            (
                date,
                ReportDay {
                    date,
                    capacity: 0,
                    seats_taken: 0,
                    refused_full: 0,
                    outcomes: Outcomes::default(),
                },
            )
        })
        .collect();
    let mut hours: BTreeMap<u32, ReportHour> = BTreeMap::new();
    for row in &branch_rows {
        capacity(conn, row, from, to, &mut days, &mut hours)?;
    }
    let codes: Vec<&str> = branch_rows.iter().map(|b| b.code.as_str()).collect();
    let rows: Vec<(
        NaiveDate,
        chrono::NaiveTime,
        AppointmentStatus,
        Option<bool>,
    )> = appointments::table
        .filter(appointments::branch_code.eq_any(&codes))
        .filter(appointments::date.between(from, to))
        .select((
            appointments::date,
            appointments::start_time,
            appointments::status,
            appointments::late,
        ))
        .load(conn)?;
    for (date, start, status, late) in rows {
        let Some(day) = days.get_mut(&date) else {
            continue;
        };
        let outcomes = &mut day.outcomes;
        outcomes.booked += 1;
        match status {
            AppointmentStatus::Completed => outcomes.served += 1,
            AppointmentStatus::NoShow => outcomes.no_show += 1,
            AppointmentStatus::Cancelled => outcomes.cancelled += 1,
            AppointmentStatus::Booked | AppointmentStatus::CheckedIn => {}
        }
        if late == Some(true) {
            outcomes.late += 1;
        }
        if status != AppointmentStatus::Cancelled {
            day.seats_taken += 1;
            hour_of(&mut hours, start.hour()).seats_taken += 1;
        }
    }
    let refusals: Vec<(NaiveDate, i32)> = refused_full::table
        .filter(refused_full::branch_code.eq_any(&codes))
        .filter(refused_full::date.between(from, to))
        .select((refused_full::date, refused_full::refusals))
        .load(conn)?;
    for (date, count) in refusals {
        if let Some(day) = days.get_mut(&date) {
            day.refused_full += i64::from(count);
        }
    }
    let days: Vec<ReportDay> = days.into_values().collect();
    let mut totals = Outcomes::default();
    for day in &days {
        let o = day.outcomes;
        totals.booked += o.booked;
        totals.served += o.served;
        totals.no_show += o.no_show;
        totals.cancelled += o.cancelled;
        totals.late += o.late;
    }
    Ok(Report {
        branch: branch.map(str::to_owned),
        from,
        to,
        totals,
        capacity: days.iter().map(|d| d.capacity).sum(),
        seats_taken: days.iter().map(|d| d.seats_taken).sum(),
        refused_full: days.iter().map(|d| d.refused_full).sum(),
        days,
        hours: hours.into_values().collect(),
    })
}

fn hour_of(hours: &mut BTreeMap<u32, ReportHour>, hour: u32) -> &mut ReportHour {
    hours.entry(hour).or_insert(ReportHour {
        hour,
        capacity: 0,
        seats_taken: 0,
    })
}

/// Adds the seats `branch` offered each day and hour: every open slot of every service it
/// offers, at the slot's stored capacity where the slot has a row, else today's seats.
fn capacity(
    conn: &mut DbConnection,
    branch: &BranchRow,
    from: NaiveDate,
    to: NaiveDate,
    days: &mut BTreeMap<NaiveDate, ReportDay>,
    hours: &mut BTreeMap<u32, ReportHour>,
) -> Result<(), BookingError> {
    let offered: Vec<(String, i32)> = branch_services::table
        .filter(branch_services::branch_code.eq(&branch.code))
        .select((branch_services::service_code, branch_services::seats))
        .load(conn)?;
    let stored: BTreeMap<(String, NaiveDate, chrono::NaiveTime), i32> = slots::table
        .filter(slots::branch_code.eq(&branch.code))
        .filter(slots::date.between(from, to))
        .select((
            slots::service_code,
            slots::date,
            slots::start_time,
            slots::capacity,
        ))
        .load::<(String, NaiveDate, chrono::NaiveTime, i32)>(conn)?
        .into_iter()
        .map(|(service, date, start, capacity)| ((service, date, start), capacity))
        .collect();
    let schedule = catalog::load_schedule(conn, branch, from, to)?;
    for (date, day) in days.iter_mut() {
        let Ok(open) = schedule.day(*date) else {
            continue;
        };
        for slot in open {
            for (service, seats) in &offered {
                let seats = stored
                    .get(&(service.clone(), *date, slot.start))
                    .copied()
                    .unwrap_or(*seats);
                day.capacity += i64::from(seats);
                hour_of(hours, slot.start.hour()).capacity += i64::from(seats);
            }
        }
    }
    Ok(())
}

/// The report as CSV: one line per day, then a total line.
pub fn to_csv(report: &Report) -> String {
    let mut out = String::from(
        "date,capacity,seats_taken,utilisation_percent,refused_full,booked,served,no_show,cancelled,late\n",
    );
    let line =
        |out: &mut String, label: &str, capacity: i64, taken: i64, refused: i64, o: &Outcomes| {
            let utilisation = if capacity > 0 {
                format!("{:.1}", taken as f64 * 100.0 / capacity as f64)
            } else {
                String::new()
            };
            out.push_str(&format!(
                "{label},{capacity},{taken},{utilisation},{refused},{},{},{},{},{}\n",
                o.booked, o.served, o.no_show, o.cancelled, o.late
            ));
        };
    for day in &report.days {
        line(
            &mut out,
            &day.date.to_string(),
            day.capacity,
            day.seats_taken,
            day.refused_full,
            &day.outcomes,
        );
    }
    line(
        &mut out,
        "total",
        report.capacity,
        report.seats_taken,
        report.refused_full,
        &report.totals,
    );
    out
}
