//! Extractor: the staff member of a valid `Authorization: Bearer` access token whose session
//! and user are live (read from the database on every request). Applicant and partner
//! tokens are signed with other keys for other audiences: here they are 401.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::authz::{Principal, StaffMember};
use crate::clock;
use crate::problem::ApiError;
use crate::routes::{AppState, with_conn};
use crate::staff::SessionError;

pub struct StaffAuth(pub StaffMember);

impl StaffAuth {
    pub fn principal(&self) -> Principal {
        Principal::Staff(self.0.clone())
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::InvalidCredentials => ApiError::InvalidCredentials,
            SessionError::Locked { retry_after } => ApiError::RateLimited { retry_after },
            SessionError::Unauthorized => ApiError::Unauthorized,
            SessionError::Database(e) => ApiError::Database(e),
            e @ SessionError::Sign(_) => ApiError::Internal(e.to_string()),
        }
    }
}

pub(crate) fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
}

impl FromRequest for StaffAuth {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let token = token.ok_or(ApiError::Unauthorized)?;
            let state = state.ok_or_else(|| ApiError::Internal("no application state".into()))?;
            let member = with_conn(&state, move |conn, state| {
                state.sessions.authenticate(conn, &token, clock::now_utc())
            })
            .await?;
            Ok(StaffAuth(member))
        })
    }
}
