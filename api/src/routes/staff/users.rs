//! Staff accounts, for administrators; a staff member's own password.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use temujanji_shared::ValidationError;
use temujanji_shared::wire::Problem;
use utoipa::ToSchema;

use super::{answer, private};
use crate::auth::staff::StaffAuth;
use crate::authz::{self, Action, Role};
use crate::clock;
use crate::problem::ApiError;
use crate::routes::json::JsonBody;
use crate::routes::{AppState, with_conn};
use crate::staff::accounts::{self, AccountChange, AccountError, StaffAccount, Username};
use crate::staff::password::{NewPassword, PasswordError};
use crate::staff::{self, NewStaff};

impl From<PasswordError> for ApiError {
    fn from(error: PasswordError) -> Self {
        let error = match error {
            PasswordError::TooShort => ValidationError::TooShort {
                min: staff::password::MIN_LENGTH,
            },
            PasswordError::TooLong => ValidationError::TooLong {
                max: staff::password::MAX_LENGTH,
            },
            PasswordError::Common => ValidationError::CommonPassword,
            PasswordError::ContainsUsername => ValidationError::PasswordContainsUsername,
            PasswordError::Hash => return ApiError::Internal("cannot hash a password".into()),
        };
        ApiError::field("password", error)
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::InvalidUsername => {
                ApiError::field("username", ValidationError::InvalidFormat)
            }
            AccountError::Password(e) => e.into(),
            AccountError::BranchForRole | AccountError::UnknownBranch(_) => {
                ApiError::field("branch", ValidationError::InvalidFormat)
            }
            AccountError::Taken(_) => ApiError::field("username", ValidationError::Taken),
            AccountError::NotFound => ApiError::NotFound,
            AccountError::WrongPassword => {
                ApiError::field("current_password", ValidationError::WrongPassword)
            }
            AccountError::Database(e) => ApiError::Database(e),
        }
    }
}

fn admin(staff: &StaffAuth) -> Result<(), ApiError> {
    authz::global(&staff.principal(), Action::ManageStaff).map_err(|_| ApiError::Forbidden)
}

/// Body of `POST /api/v1/staff/users`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewStaffForm {
    pub username: String,
    /// At least 12 characters; not a common password; not containing the username.
    pub password: String,
    pub role: Role,
    /// The branch of an officer or supervisor; none for an administrator.
    #[serde(default)]
    pub branch: Option<String>,
}

/// Body of `PATCH /api/v1/staff/users/{username}`; what is absent stays.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffChangeForm {
    #[serde(default)]
    pub role: Option<Role>,
    /// With `role`: the branch of an officer or supervisor (none for an administrator).
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// Body of `POST /api/v1/staff/password`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChangeForm {
    pub current_password: String,
    pub new_password: String,
}

/// Every staff account (administrators).
#[utoipa::path(
    operation_id = "list_staff_users",
    tag = "staff",
    security(("staff_token" = [])),
    responses(
        (status = 200, body = Vec<StaffAccount>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/staff/users")]
pub async fn list(state: web::Data<AppState>, staff: StaffAuth) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let all = with_conn(&state, |conn, _| accounts::list(conn)).await?;
    Ok(private(&all))
}

/// Creates a staff account (administrators).
#[utoipa::path(
    operation_id = "create_staff_user",
    tag = "staff",
    request_body = NewStaffForm,
    security(("staff_token" = [])),
    responses(
        (status = 201, body = StaffAccount),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: username, password or branch", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/users")]
pub async fn create(
    state: web::Data<AppState>,
    staff: StaffAuth,
    form: JsonBody<NewStaffForm>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let form = form.into_inner();
    let username = Username::parse(&form.username)?;
    let password = NewPassword::parse(&form.password, username.as_str())?;
    let new = NewStaff {
        username,
        password,
        role: form.role,
        branch: form.branch.map(|b| b.trim().to_ascii_uppercase()),
    };
    let by = staff.principal();
    let created = with_conn(&state, move |conn, _| {
        let now = clock::now_utc();
        staff::create(conn, &new, &by, now)?;
        accounts::account(conn, new.username.as_str())?.ok_or(AccountError::NotFound)
    })
    .await?;
    Ok(answer(StatusCode::CREATED, &created))
}

/// Re-roles, disables or re-enables an account (administrators). The account's sessions end
/// at once.
#[utoipa::path(
    tag = "staff",
    params(("username" = String, Path, description = "The account's username")),
    request_body = StaffChangeForm,
    security(("staff_token" = [])),
    responses(
        (status = 200, body = StaffAccount),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/staff/users/{username}")]
pub async fn update(
    state: web::Data<AppState>,
    staff: StaffAuth,
    path: web::Path<String>,
    form: JsonBody<StaffChangeForm>,
) -> Result<HttpResponse, ApiError> {
    admin(&staff)?;
    let username = Username::parse(&path).map_err(|_| ApiError::NotFound)?;
    let form = form.into_inner();
    let change = AccountChange {
        role: form
            .role
            .map(|role| (role, form.branch.map(|b| b.trim().to_ascii_uppercase()))),
        disabled: form.disabled,
    };
    let by = staff.principal();
    let updated = with_conn(&state, move |conn, _| {
        accounts::update(conn, username.as_str(), &change, &by, clock::now_utc())
    })
    .await?;
    Ok(private(&updated))
}

/// Changes the caller's own password; every session of the account ends, this one included.
#[utoipa::path(
    tag = "staff",
    request_body = PasswordChangeForm,
    security(("staff_token" = [])),
    responses(
        (status = 204, description = "Changed; sign in again"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: wrong current password, or a weak new one", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/staff/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    staff: StaffAuth,
    form: JsonBody<PasswordChangeForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    let id = staff.0.id;
    with_conn(&state, move |conn, _| {
        accounts::change_password(
            conn,
            id,
            &form.current_password,
            &form.new_password,
            clock::now_utc(),
        )
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
