//! Blocks (R5), for supervisors and administrators: list, create, lift.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use temujanji_shared::ValidationError;
use temujanji_shared::form::FieldIssue;
use temujanji_shared::staff::{Block, BlockForm, LiftForm};
use temujanji_shared::wire::Problem;
use utoipa::IntoParams;

use super::{answer, private};
use crate::auth::staff::StaffAuth;
use crate::booking::blocks::{self, BlockTarget, NewBlock};
use crate::clock;
use crate::problem::ApiError;
use crate::routes::json::JsonBody;
use crate::routes::{AppState, with_conn};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlocksQuery {
    /// `true`: only blocks in force today.
    #[serde(default)]
    active: Option<bool>,
}

/// Longest block: five years.
const MAX_BLOCK_DAYS: i64 = 5 * 366;

/// Every block, newest first (supervisors and administrators).
#[utoipa::path(
    operation_id = "list_blocks",
    tag = "staff",
    params(BlocksQuery),
    security(("staff_token" = [])),
    responses(
        (status = 200, body = Vec<Block>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/blocks")]
pub async fn list(
    state: web::Data<AppState>,
    staff: StaffAuth,
    query: web::Query<BlocksQuery>,
) -> Result<HttpResponse, ApiError> {
    let principal = staff.principal();
    let active_on = query.active.unwrap_or(false).then(clock::today);
    let all = with_conn(&state, move |conn, _| {
        blocks::list(conn, &principal, active_on)
    })
    .await?;
    Ok(private(&all))
}

/// Blocks an identity, e-mail or phone until a date (supervisors and administrators). The
/// applicant is told the category and the end date, never the note.
#[utoipa::path(
    operation_id = "create_block",
    tag = "staff",
    request_body = BlockForm,
    security(("staff_token" = [])),
    responses(
        (status = 201, body = Block),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/blocks")]
pub async fn create(
    state: web::Data<AppState>,
    staff: StaffAuth,
    form: JsonBody<BlockForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let mut issues = Vec::new();
    let target = BlockTarget::parse(form.kind, &form.value, form.nationality.as_deref())
        .map_err(|e| issues.extend(e))
        .ok();
    let today = clock::today();
    let until = NaiveDate::parse_from_str(form.until.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d >= today && (*d - today).num_days() <= MAX_BLOCK_DAYS);
    if until.is_none() {
        issues.push(FieldIssue {
            field: "until",
            error: ValidationError::InvalidDate,
        });
    }
    let note = form.note.trim().to_owned();
    if note.is_empty() || note.chars().count() > 1000 {
        issues.push(FieldIssue {
            field: "note",
            error: if note.is_empty() {
                ValidationError::Required
            } else {
                ValidationError::TooLong { max: 1000 }
            },
        });
    }
    let (Some(target), Some(until), true) = (target, until, issues.is_empty()) else {
        return Err(ApiError::Validation(issues));
    };
    let block = NewBlock {
        target,
        category: form.category,
        note,
        until,
    };
    let principal = staff.principal();
    let created = with_conn(&state, move |conn, _| {
        blocks::create(conn, &block, &principal, clock::now_utc())
    })
    .await?;
    Ok(answer(StatusCode::CREATED, &created))
}

/// Lifts a block at once, with a reason; it stays on record.
#[utoipa::path(
    tag = "staff",
    params(("id" = i64, Path, description = "The block's id")),
    request_body = LiftForm,
    security(("staff_token" = [])),
    responses(
        (status = 200, body = Block),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already lifted", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/blocks/{id}/lift")]
pub async fn lift(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
    form: JsonBody<LiftForm>,
) -> Result<HttpResponse, ApiError> {
    let id: i64 = path.parse().map_err(|_| ApiError::NotFound)?;
    let reason = form.reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ApiError::field("reason", ValidationError::Required));
    }
    let principal = staff.principal();
    let lifted = with_conn(&state, move |conn, _| {
        blocks::lift(conn, id, &reason, &principal, clock::now_utc())
    })
    .await?;
    Ok(private(&lifted))
}
