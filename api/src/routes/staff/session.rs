//! Staff login, refresh and logout.

use actix_web::{HttpResponse, delete, get, post, web};
use temujanji_shared::staff::{LoginForm, RefreshForm, StaffMe, StaffSession};
use temujanji_shared::wire::Problem;

use super::private;
use crate::auth::staff::StaffAuth;
use crate::clock;
use crate::problem::ApiError;
use crate::routes::json::JsonBody;
use crate::routes::{AppState, with_conn};
use crate::staff::{Issued, Sessions};

fn tokens(issued: Issued) -> HttpResponse {
    private(&StaffSession {
        access_token: issued.access_token,
        refresh_token: issued.refresh_token,
        expires_in: issued.expires_in,
    })
}

/// Signs a staff member in. Five failures for a username lock it for 15 minutes.
#[utoipa::path(
    tag = "staff",
    request_body = LoginForm,
    responses(
        (status = 200, body = StaffSession),
        (status = 401, description = "`invalid_credentials`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: an empty field", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: locked after repeated failures; see `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/session")]
pub async fn login(
    state: web::Data<AppState>,
    form: JsonBody<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    let LoginForm { username, password } = form.into_inner();
    let issued = with_conn(&state, move |conn, state| {
        state
            .sessions
            .login(conn, &username, &password, clock::now_utc())
    })
    .await?;
    Ok(tokens(issued))
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a spent
/// one revokes the session.
#[utoipa::path(
    tag = "staff",
    request_body = RefreshForm,
    responses(
        (status = 200, body = StaffSession),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: an empty field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/session/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    form: JsonBody<RefreshForm>,
) -> Result<HttpResponse, ApiError> {
    let token = form.into_inner().refresh_token;
    let issued = with_conn(&state, move |conn, state| {
        state.sessions.refresh(conn, &token, clock::now_utc())
    })
    .await?;
    Ok(tokens(issued))
}

/// Ends the session of the access token, at once.
#[utoipa::path(
    tag = "staff",
    security(("staff_token" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/staff/session")]
pub async fn logout(
    state: web::Data<AppState>,
    staff: StaffAuth,
) -> Result<HttpResponse, ApiError> {
    let member = staff.0;
    with_conn(&state, move |conn, _| {
        Sessions::logout(conn, &member, clock::now_utc())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who the access token belongs to: username, role and branch.
#[utoipa::path(
    tag = "staff",
    security(("staff_token" = [])),
    responses(
        (status = 200, body = StaffMe),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/me")]
pub async fn me(staff: StaffAuth) -> HttpResponse {
    let member = staff.0;
    private(&StaffMe {
        username: member.username,
        role: member.role.code().to_owned(),
        branch: member.branch,
    })
}
