//! Staff login sessions: access tokens, rotated refresh tokens, logout, lockout.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::password;
use crate::audit::{self, AuditAction};
use crate::authz::{Principal, Role, StaffMember};
use crate::db::schema::{login_failures, staff_refresh_tokens, staff_sessions, staff_users};
use crate::db::{DbConnection, lock_key, write_transaction};

pub const AUDIENCE: &str = "temujanji-staff";
/// An access token's life: short, because a stolen one cannot be recalled before it ends
/// (its session can, and is checked on every request).
pub const ACCESS_TTL_SECONDS: i64 = 15 * 60;
/// A session's life from login, however often it is refreshed: a working day.
pub const SESSION_HOURS: i64 = 12;
pub const MAX_FAILURES: i32 = 5;
pub const LOCK_MINUTES: i64 = 15;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("locked for {retry_after} s after repeated failures")]
    Locked { retry_after: i64 },
    #[error("no valid staff session")]
    Unauthorized,
    #[error("cannot sign a token: {0}")]
    Sign(String),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

/// What a login or a refresh hands out.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The staff user's id.
    sub: String,
    /// The session's id.
    sid: i64,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
}

/// Signs and checks staff access tokens with a key of their own.
pub struct Sessions {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

fn refresh_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_refresh_token() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The staff user of a session, if the session and the user are both live.
#[derive(Debug, Clone, Queryable)]
struct Live {
    id: i64,
    username: String,
    role: Role,
    branch: Option<String>,
}

impl Sessions {
    pub fn new(secret: &[u8]) -> Self {
        let key = crate::auth::derive_key(secret, b"temujanji staff access tokens v1");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[crate::auth::token::ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Sessions {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
            validation,
        }
    }

    fn access_token(
        &self,
        staff_id: i64,
        session: i64,
        now: NaiveDateTime,
    ) -> Result<String, SessionError> {
        let iat = now.and_utc().timestamp();
        let claims = Claims {
            sub: staff_id.to_string(),
            sid: session,
            iss: crate::auth::token::ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            iat,
            exp: iat + ACCESS_TTL_SECONDS,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| SessionError::Sign(e.to_string()))
    }

    /// Checks the password and opens a session. Five failures lock the username for 15
    /// minutes; an unknown username costs the same time and counts the same.
    pub fn login(
        &self,
        conn: &mut DbConnection,
        username: &str,
        password: &str,
        now: NaiveDateTime,
    ) -> Result<Issued, SessionError> {
        let username = username.trim().to_ascii_lowercase();
        let locked: Option<Option<NaiveDateTime>> = login_failures::table
            .find(&username)
            .select(login_failures::locked_until)
            .first(conn)
            .optional()?;
        if let Some(Some(until)) = locked
            && until > now
        {
            return Err(SessionError::Locked {
                retry_after: (until - now).num_seconds().max(1),
            });
        }
        let user: Option<(i64, String, Option<NaiveDateTime>)> = staff_users::table
            .filter(staff_users::username.eq(&username))
            .select((
                staff_users::id,
                staff_users::password_hash,
                staff_users::disabled_at,
            ))
            .first(conn)
            .optional()?;
        let verified = match &user {
            Some((id, stored, None)) if password::verify(password, stored) => Some(*id),
            Some(_) => None,
            None => {
                password::verify_nothing(password);
                None
            }
        };
        let Some(staff_id) = verified else {
            record_failure(conn, &username, now)?;
            tracing::warn!(target: "security", "failed staff login");
            return Err(SessionError::InvalidCredentials);
        };
        let (session, refresh) = write_transaction(conn, |conn| -> Result<_, SessionError> {
            diesel::delete(login_failures::table.find(&username)).execute(conn)?;
            let session: i64 = diesel::insert_into(staff_sessions::table)
                .values((
                    staff_sessions::staff_id.eq(staff_id),
                    staff_sessions::created_at.eq(now),
                    staff_sessions::expires_at.eq(now + TimeDelta::hours(SESSION_HOURS)),
                ))
                .returning(staff_sessions::id)
                .get_result(conn)?;
            let refresh = insert_refresh(conn, session, now)?;
            let member = live(conn, staff_id, session, now)?;
            audit::record(
                conn,
                audit::Entry {
                    at: now,
                    actor: &Principal::Staff(member.clone()),
                    action: AuditAction::StaffLogin,
                    subject: &member.username,
                    branch: member.branch.as_deref(),
                    before: None,
                    after: None,
                },
            )?;
            Ok((session, refresh))
        })?;
        Ok(Issued {
            access_token: self.access_token(staff_id, session, now)?,
            refresh_token: refresh,
            expires_in: ACCESS_TTL_SECONDS,
        })
    }

    /// Rotates a refresh token: the presented one is spent, a new one is issued. A token
    /// presented a second time means two parties hold it: the whole session is revoked.
    pub fn refresh(
        &self,
        conn: &mut DbConnection,
        token: &str,
        now: NaiveDateTime,
    ) -> Result<Issued, SessionError> {
        let hash = refresh_hash(token);
        enum Outcome {
            Rotated {
                staff_id: i64,
                session: i64,
                refresh: String,
            },
            Reused,
            Invalid,
        }
        let outcome = write_transaction(conn, |conn| -> Result<Outcome, SessionError> {
            let found: Option<(i64, i64)> = staff_refresh_tokens::table
                .inner_join(staff_sessions::table)
                .filter(staff_refresh_tokens::token_hash.eq(&hash))
                .select((staff_sessions::id, staff_sessions::staff_id))
                .first(conn)
                .optional()?;
            let Some((session, staff_id)) = found else {
                return Ok(Outcome::Invalid);
            };
            // Spent once, atomically: a second presenter finds it used.
            let spent = diesel::update(staff_refresh_tokens::table.find(&hash))
                .filter(staff_refresh_tokens::used_at.is_null())
                .set(staff_refresh_tokens::used_at.eq(now))
                .execute(conn)?;
            if spent == 0 {
                revoke(conn, session, now)?;
                return Ok(Outcome::Reused);
            }
            if live(conn, staff_id, session, now).is_err() {
                return Ok(Outcome::Invalid);
            }
            let refresh = insert_refresh(conn, session, now)?;
            Ok(Outcome::Rotated {
                staff_id,
                session,
                refresh,
            })
        })?;
        match outcome {
            Outcome::Rotated {
                staff_id,
                session,
                refresh,
            } => Ok(Issued {
                access_token: self.access_token(staff_id, session, now)?,
                refresh_token: refresh,
                expires_in: ACCESS_TTL_SECONDS,
            }),
            Outcome::Reused => {
                tracing::warn!(target: "security", "a rotated staff refresh token was presented again; session revoked");
                Err(SessionError::Unauthorized)
            }
            Outcome::Invalid => Err(SessionError::Unauthorized),
        }
    }

    /// The staff member of a valid access token whose session and user are still live.
    pub fn authenticate(
        &self,
        conn: &mut DbConnection,
        token: &str,
        now: NaiveDateTime,
    ) -> Result<StaffMember, SessionError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| SessionError::Unauthorized)?
            .claims;
        let staff_id: i64 = claims.sub.parse().map_err(|_| SessionError::Unauthorized)?;
        live(conn, staff_id, claims.sid, now)
    }

    /// Ends the member's session at once.
    pub fn logout(
        conn: &mut DbConnection,
        member: &StaffMember,
        now: NaiveDateTime,
    ) -> Result<(), SessionError> {
        write_transaction(conn, |conn| -> Result<(), SessionError> {
            revoke(conn, member.session, now)?;
            audit::record(
                conn,
                audit::Entry {
                    at: now,
                    actor: &Principal::Staff(member.clone()),
                    action: AuditAction::StaffLogout,
                    subject: &member.username,
                    branch: member.branch.as_deref(),
                    before: None,
                    after: None,
                },
            )?;
            Ok(())
        })
    }
}

fn live(
    conn: &mut DbConnection,
    staff_id: i64,
    session: i64,
    now: NaiveDateTime,
) -> Result<StaffMember, SessionError> {
    let found: Option<Live> = staff_sessions::table
        .inner_join(staff_users::table)
        .filter(staff_sessions::id.eq(session))
        .filter(staff_users::id.eq(staff_id))
        .filter(staff_sessions::revoked_at.is_null())
        .filter(staff_sessions::expires_at.gt(now))
        .filter(staff_users::disabled_at.is_null())
        .select((
            staff_users::id,
            staff_users::username,
            staff_users::role,
            staff_users::branch_code,
        ))
        .first(conn)
        .optional()?;
    let user = found.ok_or(SessionError::Unauthorized)?;
    Ok(StaffMember {
        id: user.id,
        username: user.username,
        role: user.role,
        branch: user.branch,
        session,
    })
}

fn insert_refresh(
    conn: &mut DbConnection,
    session: i64,
    now: NaiveDateTime,
) -> Result<String, SessionError> {
    let token = new_refresh_token();
    diesel::insert_into(staff_refresh_tokens::table)
        .values((
            staff_refresh_tokens::token_hash.eq(refresh_hash(&token)),
            staff_refresh_tokens::session_id.eq(session),
            staff_refresh_tokens::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

fn revoke(conn: &mut DbConnection, session: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(staff_sessions::table.find(session))
        .filter(staff_sessions::revoked_at.is_null())
        .set(staff_sessions::revoked_at.eq(now))
        .execute(conn)
        .map(drop)
}

/// Ends every session of a staff account (a changed password, role or status).
pub(super) fn revoke_all(
    conn: &mut DbConnection,
    staff_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(staff_sessions::table)
        .filter(staff_sessions::staff_id.eq(staff_id))
        .filter(staff_sessions::revoked_at.is_null())
        .set(staff_sessions::revoked_at.eq(now))
        .execute(conn)
        .map(drop)
}

/// Counts a failed login; the fifth within the window locks the username.
fn record_failure(
    conn: &mut DbConnection,
    username: &str,
    now: NaiveDateTime,
) -> Result<(), SessionError> {
    write_transaction(conn, |conn| -> Result<(), SessionError> {
        lock_key(conn, &format!("staff-login:{username}"))?;
        let row: Option<(i32, NaiveDateTime)> = login_failures::table
            .find(username)
            .select((login_failures::failures, login_failures::first_at))
            .first(conn)
            .optional()?;
        let window_start = now - TimeDelta::minutes(LOCK_MINUTES);
        let (failures, first_at) = match row {
            Some((failures, first_at)) if first_at > window_start => (failures + 1, first_at),
            _ => (1, now),
        };
        let locked_until =
            (failures >= MAX_FAILURES).then(|| now + TimeDelta::minutes(LOCK_MINUTES));
        diesel::delete(login_failures::table.find(username)).execute(conn)?;
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::username.eq(username),
                login_failures::failures.eq(failures),
                login_failures::first_at.eq(first_at),
                login_failures::locked_until.eq(locked_until),
            ))
            .execute(conn)?;
        Ok(())
    })
}
