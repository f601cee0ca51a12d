//! The waiting hall's screen: public, references and counters only.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use temujanji_shared::staff::HallDisplay;
use temujanji_shared::wire::Problem;

use super::{AppState, with_conn};
use crate::booking;
use crate::clock;
use crate::problem::ApiError;

/// The latest calls to the counters of a branch and how many wait; no names or personal data,
/// for the screen in the waiting hall (which refreshes itself).
#[utoipa::path(
    tag = "catalog",
    params(("branch" = String, Path, description = "Branch code")),
    responses(
        (status = 200, body = HallDisplay),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/display/{branch}")]
pub async fn hall(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let branch = path.into_inner();
    let display = with_conn(&state, move |conn, _| {
        booking::queue::display(conn, &branch, clock::today())
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(display))
}
