//! Short-lived bearer tokens (HS256 JWT) bound to a verified e-mail address.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use temujanji_shared::email::EmailAddress;

use crate::problem::ApiError;

pub const ISSUER: &str = "temujanji";
pub const APPLICANT_AUDIENCE: &str = "temujanji-applicant";
/// Long enough to fill the form calmly, short enough to limit a leaked token.
pub const TOKEN_TTL_SECONDS: i64 = 60 * 60;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
}

/// Signing and verification keys, shared by every instance through the configured secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[APPLICANT_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Issues a token for `email` that expires in [`TOKEN_TTL_SECONDS`].
    pub fn issue(&self, email: &EmailAddress) -> Result<String, ApiError> {
        self.issue_with(email, APPLICANT_AUDIENCE, TOKEN_TTL_SECONDS)
    }

    /// Issues a token with any audience and lifetime (tests use it to forge bad tokens).
    pub fn issue_with(
        &self,
        email: &EmailAddress,
        audience: &str,
        ttl_seconds: i64,
    ) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: email.as_str().to_owned(),
            iss: ISSUER.to_owned(),
            aud: audience.to_owned(),
            iat: now,
            exp: now + ttl_seconds,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(format!("cannot sign a token: {e}")))
    }

    /// The verified e-mail address in `token`.
    pub fn verify(&self, token: &str) -> Result<EmailAddress, ApiError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| ApiError::Unauthorized)?;
        EmailAddress::parse(&data.claims.sub).map_err(|_| ApiError::Unauthorized)
    }
}

/// Extractor: the e-mail address of a valid `Authorization: Bearer` token.
pub struct VerifiedEmail(pub EmailAddress);

impl FromRequest for VerifiedEmail {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(verified_email(req))
    }
}

fn verified_email(req: &HttpRequest) -> Result<VerifiedEmail, ApiError> {
    let keys = req
        .app_data::<web::Data<TokenKeys>>()
        .ok_or_else(|| ApiError::Internal("token keys are not configured".into()))?;
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    keys.verify(token.trim()).map(VerifiedEmail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> EmailAddress {
        EmailAddress::parse("siti@example.com").expect("valid")
    }

    #[test]
    fn a_token_round_trips_to_its_email() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let token = keys.issue(&email()).expect("signed");
        assert_eq!(keys.verify(&token).expect("valid"), email());
    }

    #[test]
    fn wrong_audience_expiry_or_key_is_refused() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef");
        let other = TokenKeys::new(b"fedcba9876543210fedcba9876543210");
        let wrong_aud = keys
            .issue_with(&email(), "temujanji-staff", 600)
            .expect("signed");
        let expired = keys
            .issue_with(&email(), APPLICANT_AUDIENCE, -600)
            .expect("signed");
        let foreign = other.issue(&email()).expect("signed");
        for token in [wrong_aud, expired, foreign, "not-a-jwt".to_owned()] {
            assert!(
                matches!(keys.verify(&token), Err(ApiError::Unauthorized)),
                "{token}"
            );
        }
    }

    #[test]
    fn a_wrong_issuer_or_a_missing_claim_is_refused() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let keys = TokenKeys::new(secret);
        let now = chrono::Utc::now().timestamp();
        let sign = |claims: serde_json::Value| {
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS256),
                &claims,
                &EncodingKey::from_secret(secret),
            )
            .expect("signed")
        };
        let full = serde_json::json!({
            "sub": "siti@example.com", "iss": ISSUER, "aud": APPLICANT_AUDIENCE, "iat": now, "exp": now + 600,
        });
        assert!(
            keys.verify(&sign(full.clone())).is_ok(),
            "the reference token is valid"
        );
        let mut wrong_issuer = full.clone();
        wrong_issuer["iss"] = "someone-else".into();
        assert!(keys.verify(&sign(wrong_issuer)).is_err());
        for claim in ["exp", "iss", "aud", "sub"] {
            let mut missing = full.clone();
            missing.as_object_mut().expect("object").remove(claim);
            assert!(
                keys.verify(&sign(missing)).is_err(),
                "a token without {claim} is refused"
            );
        }
    }
}
