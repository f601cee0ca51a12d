//! `POST /api/v1/oauth/token`: OAuth 2.0 client credentials (RFC 6749 section 4.4) for
//! partner portals. Errors are RFC 6749 section 5.2 JSON (`{error, error_description}`), not
//! problem+json: that is what OAuth client libraries read.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, post, web};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AppState, with_conn};
use crate::clock;
use crate::partners::{self, Scope};
use crate::problem::ApiError;

/// The form of a token request (`application/x-www-form-urlencoded`).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Always `client_credentials`.
    #[schema(example = "client_credentials")]
    grant_type: Option<String>,
    /// Space-separated scopes; by default every scope the client has.
    #[schema(example = "appointments:read appointments:write")]
    scope: Option<String>,
    /// With `client_secret`, instead of HTTP Basic authentication.
    client_id: Option<String>,
    client_secret: Option<String>,
}

/// A token (RFC 6749 section 5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer`; opaque to the partner.
    access_token: String,
    /// `Bearer`.
    token_type: &'static str,
    /// Seconds until the token expires (at most 900).
    expires_in: i64,
    /// The scopes granted, space-separated.
    scope: String,
}

/// RFC 6749 section 5.2 error codes used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    UnsupportedGrantType,
    InvalidScope,
    /// The server failed (500).
    ServerError,
    /// Too busy right now (503, with `Retry-After`).
    TemporarilyUnavailable,
}

/// An RFC 6749 section 5.2 error.
#[derive(Debug, Serialize, ToSchema, thiserror::Error)]
#[error("{error:?}: {error_description}")]
pub struct OAuthError {
    error: OAuthErrorCode,
    error_description: String,
    /// Whether the client authenticated with HTTP Basic (then a 401 names the scheme).
    #[serde(skip)]
    basic: bool,
}

impl OAuthError {
    fn new(error: OAuthErrorCode, description: &str) -> Self {
        OAuthError {
            error,
            error_description: description.to_owned(),
            basic: false,
        }
    }
}

impl ResponseError for OAuthError {
    fn status_code(&self) -> StatusCode {
        match self.error {
            OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            OAuthErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            OAuthErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"));
        if self.error == OAuthErrorCode::TemporarilyUnavailable {
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        if self.error == OAuthErrorCode::InvalidClient {
            let scheme = if self.basic {
                "Basic realm=\"temujanji\""
            } else {
                "Basic realm=\"temujanji\", Bearer"
            };
            response.insert_header((header::WWW_AUTHENTICATE, scheme));
        }
        response.json(self)
    }
}

impl From<ApiError> for OAuthError {
    fn from(error: ApiError) -> Self {
        // Only a server failure reaches here (a refused client is mapped before).
        if error.status() == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!(cause = %error, "token endpoint overloaded");
            return OAuthError::new(
                OAuthErrorCode::TemporarilyUnavailable,
                "too busy right now: retry after Retry-After seconds",
            );
        }
        tracing::error!(cause = %error, "token endpoint failed");
        OAuthError::new(OAuthErrorCode::ServerError, "the server could not answer")
    }
}

/// Client id and secret from `Authorization: Basic` (RFC 6749 section 2.3.1: each
/// form-urlencoded, then joined by `:` and base64-encoded).
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || {
        let mut e = OAuthError::new(
            OAuthErrorCode::InvalidClient,
            "the Authorization header is not valid HTTP Basic credentials",
        );
        e.basic = true;
        e
    };
    let encoded = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Basic "))
        .ok_or_else(bad)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .ok_or_else(bad)?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let unescape = |part: &str| -> Result<String, OAuthError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(&format!("v={part}")).map_err(|_| bad())?;
        Ok(pairs.into_iter().next().map(|(_, v)| v).unwrap_or_default())
    };
    Ok(Some((unescape(id)?, unescape(secret)?)))
}

/// Exchanges a partner's client credentials for an access token (15 minutes, audience
/// `temujanji-partner`). Authenticate with HTTP Basic (`client_id:client_secret`) or with
/// `client_id` and `client_secret` in the form, not both.
#[utoipa::path(
    tag = "partners",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, body = TokenResponse, headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "`invalid_request`, `unsupported_grant_type` or `invalid_scope`", body = OAuthError),
        (status = 401, description = "`invalid_client`: unknown or disabled client, or a wrong secret", body = OAuthError,
            headers(("WWW-Authenticate" = String, description = "`Basic realm=\"temujanji\"`"))),
        (status = 503, description = "`temporarily_unavailable`: too busy right now", body = OAuthError,
            headers(("Retry-After" = i64, description = "Seconds to wait"))),
    )
)]
#[post("/oauth/token")]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Result<web::Bytes, actix_web::Error>,
) -> Result<HttpResponse, OAuthError> {
    let body = body.map_err(|_| {
        OAuthError::new(
            OAuthErrorCode::InvalidRequest,
            "the body cannot be read, or is too large",
        )
    })?;
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
        .unwrap_or(false);
    if !form_type {
        return Err(OAuthError::new(
            OAuthErrorCode::InvalidRequest,
            "the body must be application/x-www-form-urlencoded",
        ));
    }
    let form: TokenRequest = serde_urlencoded::from_bytes(&body).map_err(|_| {
        OAuthError::new(
            OAuthErrorCode::InvalidRequest,
            "the body is not a valid form, or repeats a parameter",
        )
    })?;
    let basic = basic_credentials(&req)?;
    let in_body = match (form.client_id, form.client_secret) {
        (Some(id), Some(secret)) => Some((id, secret)),
        (None, None) => None,
        _ => {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidRequest,
                "send both client_id and client_secret, or use HTTP Basic",
            ));
        }
    };
    let (client_id, secret, by_basic) = match (basic, in_body) {
        (Some(_), Some(_)) => {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidRequest,
                "authenticate by HTTP Basic or in the body, not both",
            ));
        }
        (Some((id, secret)), None) => (id, secret, true),
        (None, Some((id, secret))) => (id, secret, false),
        (None, None) => {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidClient,
                "client authentication is required",
            ));
        }
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            return Err(OAuthError::new(
                OAuthErrorCode::UnsupportedGrantType,
                "only client_credentials is supported",
            ));
        }
        None => {
            return Err(OAuthError::new(
                OAuthErrorCode::InvalidRequest,
                "grant_type is required",
            ));
        }
    }
    let now = clock::now_utc();
    let client = with_conn(&state, move |conn, _| {
        match partners::authenticate(conn, &client_id, &secret, now) {
            Ok(row) => Ok(Some(row)),
            Err(partners::PartnerError::InvalidClient) => Ok(None),
            Err(e) => Err(ApiError::from(e)),
        }
    })
    .await?;
    let Some(client) = client else {
        let mut error = OAuthError::new(
            OAuthErrorCode::InvalidClient,
            "unknown client, wrong secret, or a disabled client",
        );
        error.basic = by_basic;
        return Err(error);
    };
    let allowed = client.scopes();
    let scopes = match form.scope.as_deref() {
        None => allowed,
        Some(requested) => match Scope::parse_list(requested) {
            Some(scopes) if !scopes.is_empty() && scopes.iter().all(|s| allowed.contains(s)) => {
                scopes
            }
            _ => {
                return Err(OAuthError::new(
                    OAuthErrorCode::InvalidScope,
                    "unknown scope, or one this client does not have",
                ));
            }
        },
    };
    let (access_token, expires_in) = state
        .partner_tokens
        .issue(&client.client_id, &scopes, now)
        .map_err(|e| OAuthError::from(ApiError::Internal(e.to_string())))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in,
            scope: Scope::join(&scopes),
        }))
}
