//! Staff routes (`/api/v1/staff/...`): sessions, and the day at the counter. Every route but
//! login and refresh takes a staff access token (`staff_token`); what the caller may do is
//! decided by `crate::authz` inside the engine.

pub mod blocks;
pub mod config;
pub mod counter;
pub mod reports;
pub mod session;
pub mod users;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};

/// A staff answer: it carries personal data or tokens, so no cache may keep it.
pub(super) fn private(body: &impl serde::Serialize) -> HttpResponse {
    answer(StatusCode::OK, body)
}

/// [`private`], with another status (`201 Created`).
pub(super) fn answer(status: StatusCode, body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}
