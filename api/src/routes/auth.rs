//! E-mail verification: request a one-time code, exchange it for a token.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use temujanji_shared::altcha::Challenge;
use temujanji_shared::email::EmailAddress;
use temujanji_shared::otp::OneTimeCode;
use temujanji_shared::wire::{EmailCodeRequest, EmailCodeSent, Problem, Token, VerifyEmailCode};

use super::json::JsonBody;
use super::{AppState, with_conn};
use crate::auth::codes::{self, CODE_TTL_MINUTES, RESEND_COOLDOWN_SECONDS};
use crate::auth::token::{TOKEN_TTL_SECONDS, TokenKeys};
use crate::clock;
use crate::problem::ApiError;
use crate::throttle::Action;

/// A proof-of-work challenge (the ALTCHA protocol): find the `number` in `0..=maxnumber` with
/// `hex(SHA-256(salt ‖ number)) == challenge`, then send
/// `base64({algorithm, challenge, number, salt, signature})` as `altcha` with the code request
/// (and with a booking while its service is in rush mode). Valid once, for a few minutes.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = Challenge, headers(("Cache-Control" = String, description = "`no-store`"))),
    )
)]
#[get("/auth/challenge")]
pub async fn challenge(state: web::Data<AppState>) -> HttpResponse {
    super::private(&state.pow.issue(chrono::Utc::now()))
}

/// Sends a 6-digit code to the address (valid 10 minutes, single use). Needs a solved
/// challenge (`altcha`).
#[utoipa::path(
    tag = "auth",
    request_body = EmailCodeRequest,
    responses(
        (status = 202, body = EmailCodeSent),
        (status = 422, description = "`validation_failed`, or `proof_of_work_failed`: `altcha` is missing, wrong, expired or already used; solve a new challenge", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: asked again too soon, or too many requests from this network", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = i64, description = "Seconds to wait"))),
    )
)]
#[post("/auth/email-codes")]
pub async fn request_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<EmailCodeRequest>,
) -> Result<HttpResponse, ApiError> {
    // Counted against the requester's network, not the address: nobody can use up another
    // person's codes.
    super::throttle(&req, &state, Action::CodeRequest, None, None).await?;
    let email = EmailAddress::parse(&body.email).map_err(|e| ApiError::field("email", e))?;
    let (solved, expires) = state
        .pow
        .check(Some(&body.altcha), chrono::Utc::now())
        .map_err(ApiError::ProofOfWork)?;
    let sent_to = email.clone();
    let requester = state.throttle.network_key(super::client_ip(&req, &state));
    with_conn(&state, move |conn, state| {
        let now = clock::now_utc();
        crate::proof_of_work::spend(conn, &solved, expires).map_err(ApiError::from)?;
        codes::create(
            conn,
            &state.code_key,
            &email,
            &requester,
            now,
            |code, expires_at| state.letters.code(&email, code, expires_at, now),
        )
        .map_err(ApiError::from)
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
        (status = 429, description = "`too_many_attempts` (too many wrong codes) or `rate_limited` (too many requests from this network)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/email-codes/verify")]
pub async fn verify_code(
    req: HttpRequest,
    state: web::Data<AppState>,
    keys: web::Data<TokenKeys>,
    body: JsonBody<VerifyEmailCode>,
) -> Result<HttpResponse, ApiError> {
    super::throttle(&req, &state, Action::CodeVerify, None, None).await?;
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
