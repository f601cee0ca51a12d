//! Typed configuration from the environment. Bad configuration stops start-up with a one-line
//! reason.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::db::DatabaseUrl;
use crate::outbox;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/temujanji.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_MAIL_DIR: &str = "data/outbox";
pub const DEFAULT_DATA_DIR: &str = "data";
pub const DEFAULT_STATIC_DIR: &str = "dist";

#[derive(Debug, Clone)]
pub struct Config {
    pub database: DatabaseUrl,
    pub bind: SocketAddr,
    /// Where the local mail transport writes `.eml` files (when no SMTP server is set).
    pub mail_dir: PathBuf,
    /// `smtp://host:port` or `smtps://…` (lettre's connection URL): send through this SMTP
    /// server instead of writing files.
    pub smtp_url: Option<String>,
    /// Base of the links in e-mails, e.g. `https://temujanji.imi.gov.my`; by default the
    /// address the server listens on.
    pub public_url: Option<String>,
    /// Retry and polling of the outbox worker.
    pub outbox: outbox::Settings,
    /// Holds the generated JWT secret when none is configured.
    pub data_dir: PathBuf,
    /// The built SPA (index.html, wasm, js).
    pub static_dir: PathBuf,
    pub jwt_secret: Vec<u8>,
    /// Connections per instance, the wait for one, PostgreSQL's statement timeout.
    pub db_pool: crate::db::PoolSettings,
    /// R5's automatic block after repeated no-shows or late cancellations.
    pub strikes: crate::booking::blocks::StrikeRule,
    /// R5's limits on what one person may hold.
    pub limits: crate::booking::limits::Limits,
    /// `false` turns the network-keyed rate limits off (`TEMUJANJI_RATE_LIMITS=off`).
    pub network_rate_limits: bool,
    /// Proxies whose `X-Forwarded-For` names the client (`TEMUJANJI_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Retry and polling of partner webhooks.
    pub webhooks: outbox::Settings,
    /// Partner token signing keys, the signing one first (see `partners::tokens`).
    pub partner_keys: Vec<crate::partners::tokens::SigningKey>,
    /// How long a partner's previous secret works after a rotation.
    pub partner_secret_grace: chrono::TimeDelta,
    /// ALTCHA: the largest secret number of a challenge (the work) and how long one lasts.
    pub pow_max_number: u64,
    pub pow_ttl: chrono::TimeDelta,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str, default: &str| {
            lookup(key)
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        let positive = |key: &str, default: &str| -> Result<u32, ConfigError> {
            get(key, default)
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ConfigError(format!("{key} must be a positive integer")))
        };
        let database =
            DatabaseUrl::parse(&get("DATABASE_URL", DEFAULT_DATABASE_URL)).map_err(ConfigError)?;
        let bind_raw = get("TEMUJANJI_BIND", DEFAULT_BIND);
        let bind = bind_raw.parse().map_err(|_| {
            ConfigError(format!(
                "TEMUJANJI_BIND must be HOST:PORT such as 127.0.0.1:8080, got {bind_raw:?}"
            ))
        })?;
        let data_dir = PathBuf::from(get("TEMUJANJI_DATA_DIR", DEFAULT_DATA_DIR));
        let jwt_secret = match lookup("TEMUJANJI_JWT_SECRET").filter(|s| !s.is_empty()) {
            Some(secret) if secret.len() < 32 => {
                return Err(ConfigError(
                    "TEMUJANJI_JWT_SECRET must be at least 32 characters".into(),
                ));
            }
            Some(secret) => secret.into_bytes(),
            None => load_or_create_secret(&data_dir)?,
        };
        let db_pool = crate::db::PoolSettings {
            max_size: positive("TEMUJANJI_DB_POOL_SIZE", "16")?,
            wait: Duration::from_millis(positive("TEMUJANJI_DB_POOL_WAIT_MS", "1000")?.into()),
            statement_timeout: Duration::from_millis(
                positive("TEMUJANJI_DB_STATEMENT_TIMEOUT_MS", "5000")?.into(),
            ),
        };
        let smtp_url = lookup("TEMUJANJI_SMTP_URL").filter(|v| !v.trim().is_empty());
        if let Some(url) = &smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err(ConfigError(
                "TEMUJANJI_SMTP_URL must start with smtp:// or smtps://".into(),
            ));
        }
        let public_url = lookup("TEMUJANJI_PUBLIC_URL")
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().trim_end_matches('/').to_owned());
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError(
                "TEMUJANJI_PUBLIC_URL must start with http:// or https://".into(),
            ));
        }
        let outbox = outbox::Settings {
            poll: Duration::from_secs(positive("TEMUJANJI_MAIL_POLL_SECONDS", "5")?.into()),
            retry_base: Duration::from_secs(positive("TEMUJANJI_MAIL_RETRY_SECONDS", "30")?.into()),
            max_attempts: positive("TEMUJANJI_MAIL_MAX_ATTEMPTS", "10")?,
            ..outbox::Settings::default()
        };
        let strikes = crate::booking::blocks::StrikeRule {
            strikes: positive("TEMUJANJI_STRIKES", "3")?.into(),
            window_days: positive("TEMUJANJI_STRIKE_WINDOW_DAYS", "90")?.into(),
            block_days: positive("TEMUJANJI_STRIKE_BLOCK_DAYS", "30")?.into(),
            late_cancel_hours: positive("TEMUJANJI_LATE_CANCEL_HOURS", "24")?.into(),
        };
        let limits = crate::booking::limits::Limits {
            active_per_email: positive("TEMUJANJI_MAX_ACTIVE_PER_EMAIL", "2")?.into(),
            active_per_phone: positive("TEMUJANJI_MAX_ACTIVE_PER_PHONE", "2")?.into(),
            reschedules: i32::try_from(positive("TEMUJANJI_MAX_RESCHEDULES", "2")?)
                .map_err(|_| ConfigError("TEMUJANJI_MAX_RESCHEDULES is too large".into()))?,
            waitlist_places: positive("TEMUJANJI_MAX_WAITLIST_PLACES", "3")?.into(),
            offer_minutes: positive("TEMUJANJI_WAITLIST_OFFER_MINUTES", "30")?.into(),
        };
        let network_rate_limits = match get("TEMUJANJI_RATE_LIMITS", "on").as_str() {
            "on" => true,
            "off" => false,
            other => {
                return Err(ConfigError(format!(
                    "TEMUJANJI_RATE_LIMITS is on or off, not {other:?}"
                )));
            }
        };
        let trusted_proxies = crate::throttle::parse_proxies(&get("TEMUJANJI_TRUSTED_PROXIES", ""))
            .map_err(|e| ConfigError(format!("TEMUJANJI_TRUSTED_PROXIES: {e}")))?;
        let webhook_retry =
            Duration::from_secs(positive("TEMUJANJI_WEBHOOK_RETRY_SECONDS", "30")?.into());
        let webhooks = outbox::Settings {
            // Often enough to keep to the first retries' schedule.
            poll: outbox.poll.min(webhook_retry),
            retry_base: webhook_retry,
            retry_cap: Duration::from_secs(3600),
            // Bounded by time instead: a webhook expires after `webhooks::RETRY_HOURS`.
            max_attempts: 1000,
            lease: Duration::from_secs(60),
            batch: 16,
        };
        let partner_keys =
            match lookup("TEMUJANJI_PARTNER_TOKEN_KEYS").filter(|v| !v.trim().is_empty()) {
                Some(list) => crate::partners::tokens::SigningKey::parse_list(&list)
                    .map_err(|e| ConfigError(format!("TEMUJANJI_PARTNER_TOKEN_KEYS: {e}")))?,
                None => vec![crate::partners::tokens::SigningKey::new(
                    "default",
                    &crate::auth::derive_key(&jwt_secret, b"temujanji partner access tokens v1"),
                    None,
                )],
            };
        let partner_secret_grace = chrono::TimeDelta::hours(
            positive("TEMUJANJI_PARTNER_SECRET_GRACE_HOURS", "24")?.into(),
        );
        let pow_max_number = positive("TEMUJANJI_POW_MAX_NUMBER", "1000000")?.into();
        let pow_ttl =
            chrono::TimeDelta::seconds(positive("TEMUJANJI_POW_TTL_SECONDS", "300")?.into());
        Ok(Config {
            database,
            bind,
            mail_dir: PathBuf::from(get("TEMUJANJI_MAIL_DIR", DEFAULT_MAIL_DIR)),
            smtp_url,
            public_url,
            outbox,
            static_dir: PathBuf::from(get("TEMUJANJI_STATIC_DIR", DEFAULT_STATIC_DIR)),
            data_dir,
            jwt_secret,
            db_pool,
            strikes,
            limits,
            network_rate_limits,
            trusted_proxies,
            webhooks,
            partner_keys,
            partner_secret_grace,
            pow_max_number,
            pow_ttl,
        })
    }
}

/// The secret lives in `DATA_DIR/jwt-secret` so that tokens survive a restart of a
/// single-instance install. Several instances must share `TEMUJANJI_JWT_SECRET` instead.
fn load_or_create_secret(data_dir: &Path) -> Result<Vec<u8>, ConfigError> {
    let path = data_dir.join("jwt-secret");
    match std::fs::read_to_string(&path) {
        Ok(secret) if secret.trim().len() >= 32 => Ok(secret.trim().as_bytes().to_vec()),
        Ok(_) => Err(ConfigError(format!(
            "{} is shorter than 32 characters",
            path.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(data_dir)
                .map_err(|e| ConfigError(format!("cannot create {}: {e}", data_dir.display())))?;
            let secret = hex::encode(rand::random::<[u8; 32]>());
            // Readable by the owner only; `create_new` so that of two instances starting at
            // once, one writes and the other reads what it wrote.
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(&path) {
                Ok(mut file) => {
                    use std::io::Write;
                    file.write_all(secret.as_bytes()).map_err(|e| {
                        ConfigError(format!("cannot write {}: {e}", path.display()))
                    })?;
                    Ok(secret.into_bytes())
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    load_or_create_secret(data_dir)
                }
                Err(e) => Err(ConfigError(format!("cannot write {}: {e}", path.display()))),
            }
        }
        Err(e) => Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const SECRET: (&str, &str) = ("TEMUJANJI_JWT_SECRET", "0123456789abcdef0123456789abcdef");

    /// The issue asks for at least 24 hours of retries: the attempt cap must not end them
    /// sooner than the webhook's expiry does (backoff before jitter, which only adds).
    #[test]
    fn webhooks_are_retried_for_at_least_a_day() {
        let config = config(&[SECRET]).expect("defaults");
        let day = Duration::from_secs(24 * 3600);
        let mut waited = Duration::ZERO;
        for attempt in 1..config.webhooks.max_attempts {
            waited += config.webhooks.backoff(attempt);
            if waited >= day {
                break;
            }
        }
        assert!(waited >= day, "the retries stop after {waited:?}");
        const { assert!(crate::webhooks::RETRY_HOURS >= 24) };
        // E-mail keeps its own, shorter schedule.
        assert_eq!(config.outbox.max_attempts, 10);
    }

    #[test]
    fn defaults_select_sqlite_on_port_8080() {
        let config = config(&[SECRET]).expect("defaults are valid");
        assert_eq!(
            config.database,
            DatabaseUrl::Sqlite("data/temujanji.db".into())
        );
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.mail_dir, PathBuf::from("data/outbox"));
        assert_eq!(config.smtp_url, None);
        assert_eq!(config.outbox, outbox::Settings::default());
    }

    #[test]
    fn mail_settings_are_read() {
        let config = config(&[
            SECRET,
            ("TEMUJANJI_SMTP_URL", "smtp://127.0.0.1:2525"),
            ("TEMUJANJI_PUBLIC_URL", "https://temujanji.example/"),
            ("TEMUJANJI_MAIL_RETRY_SECONDS", "2"),
            ("TEMUJANJI_MAIL_POLL_SECONDS", "1"),
            ("TEMUJANJI_MAIL_MAX_ATTEMPTS", "3"),
        ])
        .expect("valid");
        assert_eq!(config.smtp_url.as_deref(), Some("smtp://127.0.0.1:2525"));
        assert_eq!(
            config.public_url.as_deref(),
            Some("https://temujanji.example")
        );
        assert_eq!(config.outbox.retry_base, Duration::from_secs(2));
        assert_eq!(config.outbox.poll, Duration::from_secs(1));
        assert_eq!(config.outbox.max_attempts, 3);
    }

    #[test]
    fn a_postgres_url_selects_postgres_and_port_zero_is_allowed() {
        let config = config(&[
            SECRET,
            ("DATABASE_URL", "postgres://postgres@127.0.0.1/x"),
            ("TEMUJANJI_BIND", "127.0.0.1:0"),
        ])
        .expect("valid");
        assert!(matches!(config.database, DatabaseUrl::Postgres(_)));
        assert_eq!(config.bind.port(), 0);
    }

    #[test]
    fn bad_values_give_a_one_line_reason() {
        for (pairs, needle) in [
            (vec![SECRET, ("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (
                vec![SECRET, ("TEMUJANJI_BIND", "localhost")],
                "TEMUJANJI_BIND",
            ),
            (
                vec![("TEMUJANJI_JWT_SECRET", "short")],
                "TEMUJANJI_JWT_SECRET",
            ),
            (
                vec![SECRET, ("TEMUJANJI_DB_POOL_SIZE", "0")],
                "TEMUJANJI_DB_POOL_SIZE",
            ),
            (
                vec![SECRET, ("TEMUJANJI_SMTP_URL", "mail.example:25")],
                "TEMUJANJI_SMTP_URL",
            ),
            (
                vec![SECRET, ("TEMUJANJI_PUBLIC_URL", "temujanji.example")],
                "TEMUJANJI_PUBLIC_URL",
            ),
            (
                vec![SECRET, ("TEMUJANJI_MAIL_MAX_ATTEMPTS", "x")],
                "TEMUJANJI_MAIL_MAX_ATTEMPTS",
            ),
        ] {
            let message = config(&pairs).expect_err("invalid").to_string();
            assert!(message.contains(needle), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn a_missing_secret_is_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("temujanji-config-{}", rand::random::<u64>()));
        let dir_str = dir.to_string_lossy().to_string();
        let first = config(&[("TEMUJANJI_DATA_DIR", &dir_str)]).expect("generated");
        let second = config(&[("TEMUJANJI_DATA_DIR", &dir_str)]).expect("reloaded");
        assert_eq!(first.jwt_secret, second.jwt_secret);
        assert!(first.jwt_secret.len() >= 32);
        let _ = std::fs::remove_dir_all(dir);
    }
}
