//! Branch configuration, for the branch's supervisor or an administrator.

use actix_web::{HttpResponse, get, put, web};
use serde::Deserialize;
use temujanji_shared::codes::BranchCode;
use temujanji_shared::staff::{BranchConfig, ConfigChange, ConfigOutcome};
use temujanji_shared::wire::Problem;
use utoipa::IntoParams;

use super::private;
use crate::auth::staff::StaffAuth;
use crate::branch_config::{self, ConfigError};
use crate::clock;
use crate::problem::ApiError;
use crate::routes::appointments::context;
use crate::routes::json::JsonBody;
use crate::routes::{AppState, with_conn};

impl From<ConfigError> for ApiError {
    fn from(error: ConfigError) -> Self {
        match error {
            ConfigError::Invalid(issues) => ApiError::Validation(issues),
            ConfigError::Unconfirmed { stranded } => ApiError::StrandedUnconfirmed(stranded),
            ConfigError::Booking(e) => e.into(),
            ConfigError::DryRun(_) => {
                ApiError::Internal("a dry run escaped its transaction".into())
            }
        }
    }
}

/// The branch's configuration: hours, breaks, weekend, slot length, lead time, services and
/// seats, hours profiles and closures.
#[utoipa::path(
    tag = "staff",
    params(("branch" = String, Path, description = "Branch code")),
    security(("staff_token" = [])),
    responses(
        (status = 200, body = BranchConfig),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/branches/{branch}/config")]
pub async fn get_config(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let branch = BranchCode::parse(&path).map_err(|_| ApiError::NotFound)?;
    let principal = staff.principal();
    let config = with_conn(&state, move |conn, _| {
        branch_config::get(conn, branch.as_str(), &principal)
    })
    .await?;
    Ok(private(&config))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// `true`: only preview the change and the appointments it would strand.
    #[serde(default)]
    dry_run: Option<bool>,
}

/// Replaces the branch's configuration. Preview it first with `dry_run=true`: the answer lists
/// the booked appointments the change would strand. Applying a change that strands any needs
/// `confirm_stranded` equal to their number; they are cancelled with an apology e-mail in both
/// languages that links to booking again. Seats never drop below those already taken.
#[utoipa::path(
    tag = "staff",
    params(("branch" = String, Path, description = "Branch code"), ChangeQuery),
    request_body = ConfigChange,
    security(("staff_token" = [])),
    responses(
        (status = 200, body = ConfigOutcome),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`stranded_unconfirmed`: preview and confirm the count", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/staff/branches/{branch}/config")]
pub async fn put_config(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
    query: web::Query<ChangeQuery>,
    form: JsonBody<ConfigChange>,
) -> Result<HttpResponse, ApiError> {
    let branch = BranchCode::parse(&path).map_err(|_| ApiError::NotFound)?;
    let dry_run = query.dry_run.unwrap_or(false);
    let change = form.into_inner();
    let principal = staff.principal();
    let now = clock::now_utc();
    let outcome = with_conn(&state, move |conn, state| {
        branch_config::change(
            conn,
            branch.as_str(),
            &change,
            dry_run,
            &principal,
            context(state, now),
        )
    })
    .await?;
    if outcome.applied && !outcome.stranded.is_empty() {
        state.outbox_wake.notify_one();
    }
    Ok(private(&outcome))
}
