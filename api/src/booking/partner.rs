//! What a partner portal reads: the appointments it made, a page at a time.

use chrono::NaiveDate;
use diesel::prelude::*;
use temujanji_shared::wire::{self, AppointmentStatus};

use super::row::AppointmentRow;
use super::{BookingError, view};
use crate::authz::PartnerClient;
use crate::db::DbConnection;
use crate::db::schema::appointments;
use crate::qr_payload::QrKey;

/// Pages are at most this long.
pub const MAX_PAGE: i64 = 100;

/// Which of its appointments a partner asks for.
#[derive(Debug, Clone, Default)]
pub struct PartnerFilter {
    pub status: Option<AppointmentStatus>,
    /// Appointment dates from (inclusive).
    pub from: Option<NaiveDate>,
    /// Appointment dates to (inclusive).
    pub to: Option<NaiveDate>,
    /// Only appointments after this one (the previous page's cursor).
    pub after: Option<i64>,
    pub limit: i64,
}

/// A page, oldest booking first; `next` is the id to continue after.
pub struct PartnerPage {
    pub items: Vec<wire::Appointment>,
    pub next: Option<i64>,
}

/// The appointments `client` made that match `filter`.
pub fn made_by(
    conn: &mut DbConnection,
    client: &PartnerClient,
    filter: &PartnerFilter,
    qr: &QrKey,
) -> Result<PartnerPage, BookingError> {
    let mut query = appointments::table
        .filter(appointments::partner_id.eq(client.id))
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(appointments::status.eq(status));
    }
    if let Some(from) = filter.from {
        query = query.filter(appointments::date.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(appointments::date.le(to));
    }
    if let Some(after) = filter.after {
        query = query.filter(appointments::id.gt(after));
    }
    let limit = filter.limit.clamp(1, MAX_PAGE);
    let rows: Vec<AppointmentRow> = query
        .order(appointments::id.asc())
        .limit(limit + 1)
        .select(AppointmentRow::as_select())
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    let rows: Vec<AppointmentRow> = rows.into_iter().take(limit as usize).collect();
    let next = if more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let items = rows
        .into_iter()
        .map(|row| view(conn, row, qr))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PartnerPage { items, next })
}
