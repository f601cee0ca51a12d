//! The audit log and the reports, for supervisors (their branch) and administrators.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use temujanji_shared::ValidationError;
use temujanji_shared::staff::Report;
use temujanji_shared::wire::Problem;
use utoipa::IntoParams;

use super::private;
use crate::audit::{self, AuditEntry, Filter, SearchError};
use crate::auth::staff::StaffAuth;
use crate::clock;
use crate::problem::ApiError;
use crate::reports;
use crate::routes::catalog::query_date;
use crate::routes::{AppState, with_conn};

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::Denied(_) => ApiError::Forbidden,
            SearchError::Database(e) => ApiError::Database(e),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// An appointment reference (or any subject: a username, `block:<id>`).
    reference: Option<String>,
    /// A staff username: that member's actions.
    staff: Option<String>,
    /// A branch code; supervisors read only their own.
    branch: Option<String>,
    /// First day (`YYYY-MM-DD`, Malaysian time).
    from: Option<String>,
    /// Last day (`YYYY-MM-DD`, Malaysian time).
    to: Option<String>,
    /// The `id` of the last entry of the previous page.
    before: Option<i64>,
    /// Entries per page, 1–200 (default 50).
    limit: Option<i64>,
}

/// The audit log, newest first, searchable by reference, staff user, branch and date.
#[utoipa::path(
    tag = "staff",
    params(AuditQuery),
    security(("staff_token" = [])),
    responses(
        (status = 200, body = Vec<AuditEntry>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/audit")]
pub async fn audit_log(
    state: web::Data<AppState>,
    staff: StaffAuth,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let filter = Filter {
        from: query_date("from", query.from.as_deref())?,
        to: query_date("to", query.to.as_deref())?,
        reference: query.reference,
        staff: query.staff,
        branch: query.branch.map(|b| b.trim().to_ascii_uppercase()),
        before_id: query.before,
        limit: query.limit.unwrap_or(50),
    };
    let principal = staff.principal();
    let entries = with_conn(&state, move |conn, _| {
        audit::search(conn, &principal, filter)
    })
    .await?;
    Ok(private(&entries))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// A branch code; without it, all branches (administrators).
    branch: Option<String>,
    /// First day (`YYYY-MM-DD`); default 29 days before `to`.
    from: Option<String>,
    /// Last day (`YYYY-MM-DD`); default today. At most 366 days in all.
    to: Option<String>,
}

/// Outcomes, seat utilisation per day and per hour, and unmet demand against capacity, as
/// JSON, or as CSV (one line per day) with `Accept: text/csv`.
#[utoipa::path(
    tag = "staff",
    params(ReportQuery),
    security(("staff_token" = [])),
    responses(
        (status = 200, description = "The report; `text/csv` (one line per day, then the totals) when asked for with `Accept`", content(
            (Report = "application/json"),
            (String = "text/csv"),
        )),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/reports")]
pub async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    staff: StaffAuth,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let to = query_date("to", query.to.as_deref())?.unwrap_or_else(clock::today);
    let from =
        query_date("from", query.from.as_deref())?.unwrap_or(to - chrono::TimeDelta::days(29));
    if from > to {
        return Err(ApiError::field("from", ValidationError::InvalidDate));
    }
    if (to - from).num_days() >= reports::MAX_DAYS {
        return Err(ApiError::field(
            "to",
            ValidationError::TooLong {
                max: reports::MAX_DAYS as usize,
            },
        ));
    }
    let branch = query
        .branch
        .as_deref()
        .map(|b| b.trim().to_ascii_uppercase())
        .filter(|b| !b.is_empty());
    let principal = staff.principal();
    let report = with_conn(&state, move |conn, _| {
        reports::report(conn, &principal, branch.as_deref(), from, to)
    })
    .await?;
    let wants_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"));
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    Ok(if wants_csv {
        let name = format!(
            "attachment; filename=\"temujanji-report-{}-{from}-{to}.csv\"",
            report.branch.as_deref().unwrap_or("all")
        );
        response
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::CONTENT_DISPOSITION, name))
            .body(reports::to_csv(&report))
    } else {
        response.json(report)
    })
}
