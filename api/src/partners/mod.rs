//! Partner portals: other government systems that book and follow appointments for their
//! applicants, machine to machine.
//!
//! A client is registered by command (`temujanji partner create`) or by an administrator. It
//! gets a public `client_id`, a `client_secret` (shown once, stored as SHA-256: it is 256
//! random bits, so a slow hash would add nothing) and a webhook signing secret (shown once,
//! never stored: derived from the server's key and a per-client salt). A client may book only
//! its services, at its branches, and sees only the appointments it made
//! (`crate::authz`). A rotated secret keeps working for a grace period, so a partner can
//! deploy the new one without downtime.

pub mod tokens;

use base64::Engine;
use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::audit::{self, AuditAction};
use crate::authz::{PartnerClient, Principal};
use crate::db::schema::{branches, partner_clients, services};
use crate::db::{DbConnection, write_transaction};

/// What a token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum Scope {
    /// Read the client's appointments and slips.
    #[serde(rename = "appointments:read")]
    AppointmentsRead,
    /// Book, cancel and reschedule.
    #[serde(rename = "appointments:write")]
    AppointmentsWrite,
    /// Read the client's webhook delivery log.
    #[serde(rename = "webhooks:read")]
    WebhooksRead,
}

impl Scope {
    pub const ALL: [Scope; 3] = [
        Scope::AppointmentsRead,
        Scope::AppointmentsWrite,
        Scope::WebhooksRead,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Scope::AppointmentsRead => "appointments:read",
            Scope::AppointmentsWrite => "appointments:write",
            Scope::WebhooksRead => "webhooks:read",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == input)
    }

    /// A space-separated list (RFC 6749 section 3.3); `None` if any is unknown.
    pub fn parse_list(input: &str) -> Option<Vec<Scope>> {
        let mut scopes = Vec::new();
        for word in input.split(' ').filter(|w| !w.is_empty()) {
            let scope = Scope::parse(word)?;
            if !scopes.contains(&scope) {
                scopes.push(scope);
            }
        }
        Some(scopes)
    }

    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.code())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    #[error("unknown client, wrong secret or disabled client")]
    InvalidClient,
    #[error("no such partner client")]
    NotFound,
    #[error("unknown service {0}")]
    UnknownService(String),
    #[error("unknown branch {0}")]
    UnknownBranch(String),
    #[error("a client needs at least one service")]
    NoServices,
    #[error("the name must be 1 to 100 characters")]
    InvalidName,
    #[error(
        "the webhook URL must be https:// (http:// only to localhost), at most 2000 characters"
    )]
    InvalidWebhookUrl,
    #[error("rates must be 1 to 100000 per minute, bursts 1 to 10000")]
    InvalidRate,
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

/// A client as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = partner_clients)]
pub struct ClientRow {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    secret_hash: String,
    previous_secret_hash: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    services: String,
    branches: Option<String>,
    scopes: String,
    pub webhook_url: Option<String>,
    webhook_salt: String,
    pub rate_per_minute: i32,
    pub burst: i32,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

fn words(list: &str) -> Vec<String> {
    list.split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ClientRow {
    pub fn services(&self) -> Vec<String> {
        words(&self.services)
    }

    /// `None`: every branch.
    pub fn branches(&self) -> Option<Vec<String>> {
        self.branches.as_deref().map(words)
    }

    pub fn scopes(&self) -> Vec<Scope> {
        Scope::parse_list(&self.scopes).unwrap_or_default()
    }

    /// The principal this client acts as.
    pub fn principal(&self) -> PartnerClient {
        PartnerClient {
            id: self.id,
            services: self.services(),
            branches: self.branches(),
        }
    }

    fn secret_matches(&self, secret: &str, now: NaiveDateTime) -> bool {
        let hash = secret_hash(secret);
        hash == self.secret_hash
            || (self.previous_secret_hash.as_deref() == Some(hash.as_str())
                && self.previous_secret_until.is_some_and(|until| now < until))
    }

    pub fn summary(&self) -> PartnerSummary {
        PartnerSummary {
            id: self.id,
            client_id: self.client_id.clone(),
            name: self.name.clone(),
            services: self.services(),
            branches: self.branches(),
            scopes: self.scopes(),
            webhook_url: self.webhook_url.clone(),
            rate_per_minute: self.rate_per_minute,
            burst: self.burst,
            disabled: self.disabled_at.is_some(),
            previous_secret_until: self.previous_secret_until,
            created_at: self.created_at,
        }
    }
}

/// A client as an administrator sees it: never its secrets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartnerSummary {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub services: Vec<String>,
    /// `null`: every branch.
    pub branches: Option<Vec<String>>,
    pub scopes: Vec<Scope>,
    pub webhook_url: Option<String>,
    pub rate_per_minute: i32,
    pub burst: i32,
    pub disabled: bool,
    /// Until when the secret before the last rotation still works.
    #[serde(serialize_with = "crate::clock::as_utc_opt")]
    pub previous_secret_until: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::clock::as_utc")]
    pub created_at: NaiveDateTime,
}

/// The secrets of a new client or a rotation, shown once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
    /// Standard Webhooks secret (`whsec_` and base64): verifies the `webhook-signature`.
    pub webhook_secret: String,
}

/// What a new client may do.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    pub services: Vec<String>,
    pub branches: Option<Vec<String>>,
    pub webhook_url: Option<String>,
    pub rate_per_minute: i32,
    pub burst: i32,
}

pub const DEFAULT_RATE_PER_MINUTE: i32 = 120;
pub const DEFAULT_BURST: i32 = 30;

/// Derives webhook signing secrets; the server's key never leaves it.
pub struct WebhookKeys {
    key: Vec<u8>,
}

impl WebhookKeys {
    pub fn new(server_secret: &[u8]) -> Self {
        WebhookKeys {
            key: crate::auth::derive_key(server_secret, b"temujanji partner webhook secrets v1"),
        }
    }

    /// The raw signing key of a client (what `whsec_` encodes).
    pub fn secret_of(&self, row: &ClientRow) -> Vec<u8> {
        let mut input = b"webhook:".to_vec();
        input.extend_from_slice(row.webhook_salt.as_bytes());
        let mut key = crate::auth::derive_key(&self.key, &input);
        key.truncate(24);
        key
    }

    pub fn encoded(&self, row: &ClientRow) -> String {
        format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode(self.secret_of(row))
        )
    }
}

fn random_token(bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn check_name(name: &str) -> Result<String, PartnerError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(PartnerError::InvalidName);
    }
    Ok(name.to_owned())
}

/// https:// anywhere; http:// only to this machine (development and tests).
pub fn check_webhook_url(url: &str) -> Result<String, PartnerError> {
    let url = url.trim();
    let local = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
        .iter()
        .any(|prefix| {
            url.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/']))
        });
    let valid = (url.starts_with("https://") && url.len() > "https://".len()) || local;
    if !valid || url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(PartnerError::InvalidWebhookUrl);
    }
    Ok(url.to_owned())
}

fn check_services(conn: &mut DbConnection, codes: &[String]) -> Result<String, PartnerError> {
    if codes.is_empty() {
        return Err(PartnerError::NoServices);
    }
    for code in codes {
        let known: i64 = services::table
            .filter(services::code.eq(code))
            .count()
            .get_result(conn)?;
        if known == 0 {
            return Err(PartnerError::UnknownService(code.clone()));
        }
    }
    Ok(codes.join(" "))
}

fn check_branches(
    conn: &mut DbConnection,
    codes: Option<&[String]>,
) -> Result<Option<String>, PartnerError> {
    let Some(codes) = codes else {
        return Ok(None);
    };
    for code in codes {
        let known: i64 = branches::table
            .filter(branches::code.eq(code))
            .count()
            .get_result(conn)?;
        if known == 0 {
            return Err(PartnerError::UnknownBranch(code.clone()));
        }
    }
    Ok(Some(codes.join(" ")))
}

fn check_rate(rate_per_minute: i32, burst: i32) -> Result<(), PartnerError> {
    if (1..=100_000).contains(&rate_per_minute) && (1..=10_000).contains(&burst) {
        Ok(())
    } else {
        Err(PartnerError::InvalidRate)
    }
}

fn find(conn: &mut DbConnection, id: i64) -> Result<ClientRow, PartnerError> {
    partner_clients::table
        .find(id)
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PartnerError::NotFound)
}

fn record(
    conn: &mut DbConnection,
    by: &Principal,
    action: AuditAction,
    before: Option<&ClientRow>,
    after: &ClientRow,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let snapshot = |row: &ClientRow| serde_json::to_value(row.summary()).unwrap_or_default();
    audit::record(
        conn,
        audit::Entry {
            at: now,
            actor: by,
            action,
            subject: &after.client_id,
            branch: None,
            before: before.map(snapshot),
            after: Some(snapshot(after)),
        },
    )
}

/// Registers a client; its secrets are in the answer and nowhere else.
pub fn create(
    conn: &mut DbConnection,
    new: &NewClient,
    keys: &WebhookKeys,
    by: &Principal,
    now: NaiveDateTime,
) -> Result<(ClientRow, Credentials), PartnerError> {
    let name = check_name(&new.name)?;
    let webhook_url = new
        .webhook_url
        .as_deref()
        .map(check_webhook_url)
        .transpose()?;
    check_rate(new.rate_per_minute, new.burst)?;
    let client_id = format!("tjc_{}", hex::encode(rand::random::<[u8; 10]>()));
    let client_secret = format!("tjs_{}", random_token(32));
    write_transaction(conn, |conn| {
        let services = check_services(conn, &new.services)?;
        let branches = check_branches(conn, new.branches.as_deref())?;
        let row = diesel::insert_into(partner_clients::table)
            .values((
                partner_clients::client_id.eq(&client_id),
                partner_clients::name.eq(&name),
                partner_clients::secret_hash.eq(secret_hash(&client_secret)),
                partner_clients::services.eq(services),
                partner_clients::branches.eq(branches),
                partner_clients::scopes.eq(Scope::join(&Scope::ALL)),
                partner_clients::webhook_url.eq(&webhook_url),
                partner_clients::webhook_salt.eq(random_token(16)),
                partner_clients::rate_per_minute.eq(new.rate_per_minute),
                partner_clients::burst.eq(new.burst),
                partner_clients::created_at.eq(now),
                partner_clients::updated_at.eq(now),
            ))
            .returning(partner_clients::all_columns)
            .get_result::<ClientRow>(conn)?;
        record(conn, by, AuditAction::PartnerCreated, None, &row, now)?;
        let credentials = Credentials {
            client_id: row.client_id.clone(),
            client_secret: client_secret.clone(),
            webhook_secret: keys.encoded(&row),
        };
        Ok((row, credentials))
    })
}

/// The client whose id and secret (the current one, or the previous one within its grace
/// period) these are, if it is enabled.
pub fn authenticate(
    conn: &mut DbConnection,
    client_id: &str,
    secret: &str,
    now: NaiveDateTime,
) -> Result<ClientRow, PartnerError> {
    let row = live(conn, client_id)?.ok_or(PartnerError::InvalidClient)?;
    if row.secret_matches(secret, now) {
        Ok(row)
    } else {
        Err(PartnerError::InvalidClient)
    }
}

/// The enabled client with this public id.
pub fn live(conn: &mut DbConnection, client_id: &str) -> Result<Option<ClientRow>, PartnerError> {
    Ok(partner_clients::table
        .filter(partner_clients::client_id.eq(client_id))
        .filter(partner_clients::disabled_at.is_null())
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection) -> Result<Vec<PartnerSummary>, PartnerError> {
    Ok(partner_clients::table
        .order(partner_clients::id)
        .select(ClientRow::as_select())
        .load(conn)?
        .iter()
        .map(ClientRow::summary)
        .collect())
}

/// Where and with which key to deliver the webhooks of `partner_id`: `None` when it is
/// disabled or has no webhook URL.
pub fn webhook_target(
    conn: &mut DbConnection,
    partner_id: i64,
    keys: &WebhookKeys,
) -> QueryResult<Option<(String, Vec<u8>)>> {
    let row = partner_clients::table
        .find(partner_id)
        .filter(partner_clients::disabled_at.is_null())
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.and_then(|row| {
        let secret = keys.secret_of(&row);
        row.webhook_url.map(|url| (url, secret))
    }))
}

/// An administrator's change to a client; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub name: Option<String>,
    pub services: Option<Vec<String>>,
    /// `Some(None)`: every branch.
    pub branches: Option<Option<Vec<String>>>,
    /// `Some(None)`: no webhooks.
    pub webhook_url: Option<Option<String>>,
    pub disabled: Option<bool>,
    pub rate_per_minute: Option<i32>,
    pub burst: Option<i32>,
}

pub fn update(
    conn: &mut DbConnection,
    id: i64,
    change: &Change,
    by: &Principal,
    now: NaiveDateTime,
) -> Result<PartnerSummary, PartnerError> {
    write_transaction(conn, |conn| {
        let before = find(conn, id)?;
        let name = change.name.as_deref().map(check_name).transpose()?;
        let services = change
            .services
            .as_deref()
            .map(|s| check_services(conn, s))
            .transpose()?;
        let branches = match &change.branches {
            Some(list) => Some(check_branches(conn, list.as_deref())?),
            None => None,
        };
        let webhook_url = match &change.webhook_url {
            Some(Some(url)) => Some(Some(check_webhook_url(url)?)),
            Some(None) => Some(None),
            None => None,
        };
        let rate = change.rate_per_minute.unwrap_or(before.rate_per_minute);
        let burst = change.burst.unwrap_or(before.burst);
        check_rate(rate, burst)?;
        let disabled_at = match change.disabled {
            Some(true) => Some(before.disabled_at.or(Some(now))),
            Some(false) => Some(None),
            None => None,
        };
        let after = diesel::update(partner_clients::table.find(id))
            .set((
                partner_clients::name.eq(name.unwrap_or_else(|| before.name.clone())),
                partner_clients::services.eq(services.unwrap_or_else(|| before.services.clone())),
                partner_clients::branches.eq(branches.unwrap_or_else(|| before.branches.clone())),
                partner_clients::webhook_url
                    .eq(webhook_url.unwrap_or_else(|| before.webhook_url.clone())),
                partner_clients::disabled_at.eq(disabled_at.unwrap_or(before.disabled_at)),
                partner_clients::rate_per_minute.eq(rate),
                partner_clients::burst.eq(burst),
                partner_clients::updated_at.eq(now),
            ))
            .returning(partner_clients::all_columns)
            .get_result::<ClientRow>(conn)?;
        record(
            conn,
            by,
            AuditAction::PartnerUpdated,
            Some(&before),
            &after,
            now,
        )?;
        Ok(after.summary())
    })
}

/// A new client secret; the current one keeps working for `grace` (then only the new one).
pub fn rotate_secret(
    conn: &mut DbConnection,
    id: i64,
    grace: TimeDelta,
    keys: &WebhookKeys,
    by: &Principal,
    now: NaiveDateTime,
) -> Result<(Credentials, NaiveDateTime), PartnerError> {
    let secret = format!("tjs_{}", random_token(32));
    let until = now + grace;
    write_transaction(conn, |conn| {
        let before = find(conn, id)?;
        let after = diesel::update(partner_clients::table.find(id))
            .set((
                partner_clients::secret_hash.eq(secret_hash(&secret)),
                partner_clients::previous_secret_hash.eq(&before.secret_hash),
                partner_clients::previous_secret_until.eq(until),
                partner_clients::updated_at.eq(now),
            ))
            .returning(partner_clients::all_columns)
            .get_result::<ClientRow>(conn)?;
        record(
            conn,
            by,
            AuditAction::PartnerUpdated,
            Some(&before),
            &after,
            now,
        )?;
        Ok((
            Credentials {
                client_id: after.client_id.clone(),
                client_secret: secret.clone(),
                webhook_secret: keys.encoded(&after),
            },
            until,
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_from_their_codes_and_refuse_others() {
        assert_eq!(
            Scope::parse_list("appointments:read  webhooks:read appointments:read"),
            Some(vec![Scope::AppointmentsRead, Scope::WebhooksRead])
        );
        assert_eq!(Scope::parse_list(""), Some(vec![]));
        assert_eq!(Scope::parse_list("appointments:read admin"), None);
        for scope in Scope::ALL {
            assert_eq!(
                serde_json::to_string(&scope).expect("serialises"),
                format!("\"{}\"", scope.code())
            );
        }
    }

    #[test]
    fn webhook_urls_are_https_except_to_this_machine() {
        assert!(check_webhook_url("https://portal.gov.my/hooks").is_ok());
        assert!(check_webhook_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(check_webhook_url("http://localhost/hook").is_ok());
        assert!(check_webhook_url("http://portal.gov.my/hooks").is_err());
        assert!(check_webhook_url("http://127.0.0.1.evil.example/").is_err());
        assert!(check_webhook_url("https://").is_err());
        assert!(check_webhook_url("ftp://x").is_err());
    }
}
