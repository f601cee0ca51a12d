//! Partner access tokens: OAuth 2.0 client credentials (RFC 6749 section 4.4) answered with an
//! HS256 JWT of the partner audience that names its signing key (`kid`).
//!
//! Keys rotate without downtime: the first configured key signs; every key, until its
//! retirement instant, verifies. A rotation adds the new key first and gives the old one a
//! retirement at least one token lifetime away, so tokens issued by any instance stay valid
//! until they expire.

use chrono::NaiveDateTime;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use super::Scope;

pub const AUDIENCE: &str = "temujanji-partner";
/// A partner token's life: 15 minutes, the most the partner contract allows.
pub const TOKEN_TTL_SECONDS: i64 = 15 * 60;

/// One signing key.
#[derive(Clone)]
pub struct SigningKey {
    pub kid: String,
    secret: Vec<u8>,
    /// After this instant (UTC) the key verifies nothing; `None` for a current key.
    pub retire_at: Option<NaiveDateTime>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("retire_at", &self.retire_at)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    pub fn new(kid: &str, secret: &[u8], retire_at: Option<NaiveDateTime>) -> Self {
        SigningKey {
            kid: kid.to_owned(),
            secret: secret.to_vec(),
            retire_at,
        }
    }

    /// Parses `TEMUJANJI_PARTNER_TOKEN_KEYS`: comma-separated `kid:secret` entries, each
    /// optionally followed by `@` and the RFC 3339 instant it retires at. The first signs.
    pub fn parse_list(raw: &str) -> Result<Vec<SigningKey>, String> {
        let keys = raw
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let (key, retire) = match entry.rsplit_once('@') {
                    Some((key, at)) => {
                        let at = chrono::DateTime::parse_from_rfc3339(at.trim()).map_err(|e| {
                            format!("retirement {at:?} is not an RFC 3339 instant: {e}")
                        })?;
                        (key, Some(at.naive_utc()))
                    }
                    None => (entry, None),
                };
                let (kid, secret) = key
                    .split_once(':')
                    .ok_or_else(|| "each key is kid:secret[@retire-at]".to_owned())?;
                if kid.is_empty()
                    || kid.len() > 64
                    || !kid
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                {
                    return Err(format!("key id {kid:?} must be 1–64 of A-Z a-z 0-9 - _"));
                }
                if secret.len() < 32 {
                    return Err(format!(
                        "the secret of key {kid} is shorter than 32 characters"
                    ));
                }
                Ok(SigningKey::new(kid, secret.as_bytes(), retire))
            })
            .collect::<Result<Vec<_>, String>>()?;
        match keys.first() {
            None => Err("no key given".into()),
            Some(first) if first.retire_at.is_some() => {
                Err("the first key signs new tokens, so it cannot be retiring".into())
            }
            Some(_) => Ok(keys),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The client's public id.
    sub: String,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    /// Space-separated scopes (RFC 8693 `scope` claim).
    scope: String,
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub client_id: String,
    pub scopes: Vec<Scope>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("invalid partner token")]
    Invalid,
    #[error("cannot sign a token: {0}")]
    Sign(String),
}

/// Issues and checks partner tokens.
pub struct PartnerTokens {
    keys: Vec<SigningKey>,
    validation: Validation,
}

impl PartnerTokens {
    /// `keys` is never empty: the first signs.
    pub fn new(keys: Vec<SigningKey>) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[crate::auth::token::ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        PartnerTokens { keys, validation }
    }

    /// A token for `client_id` with `scopes`, signed with the current key; and its lifetime.
    pub fn issue(
        &self,
        client_id: &str,
        scopes: &[Scope],
        now: NaiveDateTime,
    ) -> Result<(String, i64), TokenError> {
        let key = self
            .keys
            .first()
            .ok_or_else(|| TokenError::Sign("no signing key".into()))?;
        let iat = now.and_utc().timestamp();
        let claims = Claims {
            sub: client_id.to_owned(),
            iss: crate::auth::token::ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat,
            exp: iat + TOKEN_TTL_SECONDS,
            scope: Scope::join(scopes),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(&key.secret))
            .map_err(|e| TokenError::Sign(e.to_string()))?;
        Ok((token, TOKEN_TTL_SECONDS))
    }

    /// Checks the signature with the key its `kid` names (unknown or retired: invalid), the
    /// algorithm (HS256 only, so `none` is refused), issuer, audience and expiry.
    pub fn verify(&self, token: &str, now: NaiveDateTime) -> Result<Verified, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.kid == kid)
            .filter(|k| k.retire_at.is_none_or(|at| now < at))
            .ok_or(TokenError::Invalid)?;
        let data = jsonwebtoken::decode::<Claims>(
            token,
            &DecodingKey::from_secret(&key.secret),
            &self.validation,
        )
        .map_err(|_| TokenError::Invalid)?;
        Ok(Verified {
            client_id: data.claims.sub,
            scopes: Scope::parse_list(&data.claims.scope).ok_or(TokenError::Invalid)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        chrono::DateTime::parse_from_rfc3339(s)
            .expect("valid instant")
            .naive_utc()
    }

    #[test]
    fn a_key_list_names_the_signer_first_and_retirements() {
        let keys = SigningKey::parse_list(&format!(
            "k2:{},k1:{}@2026-12-01T12:00:00Z",
            "n".repeat(32),
            "o".repeat(32)
        ))
        .expect("valid list");
        assert_eq!(keys[0].kid, "k2");
        assert_eq!(keys[0].retire_at, None);
        assert_eq!(keys[1].retire_at, Some(at("2026-12-01T12:00:00Z")));
        assert!(SigningKey::parse_list("k1:short").is_err());
        assert!(
            SigningKey::parse_list(&format!("k1:{}@2026-12-01T12:00:00Z", "x".repeat(32))).is_err()
        );
        assert!(SigningKey::parse_list(&format!("bad kid:{}", "x".repeat(32))).is_err());
        assert!(SigningKey::parse_list("").is_err());
    }

    #[test]
    fn a_retired_key_verifies_nothing_after_its_instant() {
        // Times around the real clock: the token's own expiry is checked against it.
        let now = chrono::Utc::now().naive_utc();
        let old = PartnerTokens::new(vec![SigningKey::new("k1", &[1; 32], None)]);
        let (token, _) = old
            .issue("tjc_a", &[Scope::AppointmentsRead], now)
            .expect("signs");
        let rotated = PartnerTokens::new(vec![
            SigningKey::new("k2", &[2; 32], None),
            SigningKey::new("k1", &[1; 32], Some(now + chrono::TimeDelta::minutes(5))),
        ]);
        assert_eq!(
            rotated
                .verify(&token, now)
                .expect("within the grace period")
                .client_id,
            "tjc_a"
        );
        assert!(
            rotated
                .verify(&token, now + chrono::TimeDelta::minutes(6))
                .is_err()
        );
        let gone = PartnerTokens::new(vec![SigningKey::new("k2", &[2; 32], None)]);
        assert!(gone.verify(&token, now).is_err(), "unknown kid");
    }
}
