//! E-mail verification: request a one-time code, exchange it for a token.

use actix_web::{HttpResponse, post, web};
use temujanji_shared::email::EmailAddress;
use temujanji_shared::otp::OneTimeCode;
use temujanji_shared::wire::{EmailCodeRequest, EmailCodeSent, Problem, Token, VerifyEmailCode};

use super::json::JsonBody;
use super::{AppState, with_conn};
use crate::auth::codes::{self, CODE_TTL_MINUTES, RESEND_COOLDOWN_SECONDS};
use crate::auth::token::{TOKEN_TTL_SECONDS, TokenKeys};
use crate::clock;
use crate::problem::ApiError;

/// Sends a 6-digit code to the address (valid 10 minutes, single use).
#[utoipa::path(
    tag = "auth",
    request_body = EmailCodeRequest,
    responses(
        (status = 202, body = EmailCodeSent),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Asked again too soon", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/email-codes")]
pub async fn request_code(
    state: web::Data<AppState>,
    body: JsonBody<EmailCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = EmailAddress::parse(&body.email).map_err(|e| ApiError::field("email", e))?;
    let sent_to = email.clone();
    with_conn(&state, move |conn, state| {
        let now = clock::now_utc();
        codes::create(conn, &state.code_key, &email, now, |code, expires_at| {
            state.letters.code(&email, code, expires_at, now)
        })
    })
    .await?;
    state.outbox_wake.notify_one();
    Ok(HttpResponse::Accepted().json(EmailCodeSent {
        email: sent_to.to_string(),
        expires_in: CODE_TTL_MINUTES * 60,
        resend_after: RESEND_COOLDOWN_SECONDS,
    }))
}

/// Checks the code and returns a bearer token bound to the address.
#[utoipa::path(
    tag = "auth",
    request_body = VerifyEmailCode,
    responses(
        (status = 200, body = Token),
        (status = 400, description = "Wrong, expired or used code", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong codes", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/email-codes/verify")]
pub async fn verify_code(
    state: web::Data<AppState>,
    keys: web::Data<TokenKeys>,
    body: JsonBody<VerifyEmailCode>,
) -> Result<HttpResponse, ApiError> {
    let email = EmailAddress::parse(&body.email).map_err(|e| ApiError::field("email", e));
    let code = OneTimeCode::parse(&body.code).map_err(|e| ApiError::field("code", e));
    let (email, code) = match (email, code) {
        (Ok(email), Ok(code)) => (email, code),
        (Err(ApiError::Validation(mut a)), Err(ApiError::Validation(b))) => {
            a.extend(b);
            return Err(ApiError::Validation(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let verified = email.clone();
    with_conn(&state, move |conn, state| {
        codes::verify(conn, &state.code_key, &email, &code, clock::now_utc())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Token {
        token: keys.issue(&verified)?,
        token_type: "Bearer".into(),
        expires_in: TOKEN_TTL_SECONDS,
    }))
}
