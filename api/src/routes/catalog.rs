//! Public catalogue: branches, services, availability.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use temujanji_shared::ValidationError;
use temujanji_shared::codes::{BranchCode, ServiceCode};
use temujanji_shared::wire::{Availability, Branch, Problem, Service};
use utoipa::IntoParams;

use super::{AppState, with_conn};
use crate::problem::ApiError;
use crate::{availability, catalog, clock};

/// Every branch with its address and the services it offers.
#[utoipa::path(tag = "catalog", responses((status = 200, body = Vec<Branch>)))]
#[get("/branches")]
pub async fn list_branches(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let branches = with_conn(&state, |conn, _| catalog::list_branches(conn)).await?;
    Ok(HttpResponse::Ok().json(branches))
}

/// Every service with its names, documents to bring and fee.
#[utoipa::path(tag = "catalog", responses((status = 200, body = Vec<Service>)))]
#[get("/services")]
pub async fn list_services(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let services = with_conn(&state, |conn, _| catalog::list_services(conn)).await?;
    Ok(HttpResponse::Ok().json(services))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// Service code, e.g. `passport_renewal`.
    service: String,
    /// First day (`YYYY-MM-DD`); default today.
    from: Option<String>,
    /// Last day (`YYYY-MM-DD`); default 13 days after `from`; at most 93 days in all.
    to: Option<String>,
}

pub(super) fn query_date(
    field: &'static str,
    raw: Option<&str>,
) -> Result<Option<NaiveDate>, ApiError> {
    raw.map(|raw| {
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| ApiError::field(field, ValidationError::InvalidDate))
    })
    .transpose()
}

/// Per day: open or closed (with the reason), and each slot's seats left.
#[utoipa::path(
    tag = "catalog",
    params(("branch" = String, Path, description = "Branch code, e.g. `SGR-SHAH-ALAM`"), AvailabilityQuery),
    responses(
        (status = 200, body = Availability),
        (status = 404, description = "No such branch", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad parameters, or the branch does not offer the service", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: too many requests from this network", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/branches/{branch}/availability")]
pub async fn get_availability(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<AvailabilityQuery>,
) -> Result<HttpResponse, ApiError> {
    super::throttle(
        &req,
        &state,
        crate::throttle::Action::Availability,
        None,
        None,
    )
    .await?;
    let branch = BranchCode::parse(&path).map_err(|_| ApiError::NotFound)?;
    let service = ServiceCode::parse(&query.service).map_err(|e| ApiError::field("service", e))?;
    let from = query_date("from", query.from.as_deref())?;
    let to = query_date("to", query.to.as_deref())?;
    let now = clock::now_utc();
    let result = with_conn(&state, move |conn, _| {
        availability::availability(conn, &branch, &service, from, to, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(result))
}
