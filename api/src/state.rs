//! What every request handler and the background worker share in one instance, and the one
//! way to run blocking database work from async code. No HTTP here: the worker uses it too.

use crate::db::{DbConnection, Pool};

/// Shared state of every handler and of the worker.
pub struct AppState {
    pub pool: Pool,
    /// Key of the one-time code hashes (see `auth::codes::code_key`).
    pub code_key: Vec<u8>,
    /// Key of the slips' QR payloads (see `qr_payload`).
    pub qr_key: crate::qr_payload::QrKey,
    /// Composes the e-mails that changes write to the outbox.
    pub letters: crate::mail::Letters,
    /// Wakes this instance's outbox worker after a commit that wrote e-mail or webhooks.
    pub outbox_wake: OutboxWake,
    /// Signs and checks staff access tokens.
    pub sessions: crate::staff::Sessions,
    /// R5's automatic block.
    pub strikes: crate::booking::blocks::StrikeRule,
    /// R5's limits on what one person may hold.
    pub limits: crate::booking::limits::Limits,
    /// Rate limits on the applicant's door.
    pub throttle: crate::throttle::Throttle,
    /// Signs and checks partner access tokens (with key rotation).
    pub partner_tokens: crate::partners::tokens::PartnerTokens,
    /// Derives partners' webhook signing secrets.
    pub webhook_keys: crate::partners::WebhookKeys,
    /// How long a partner's previous secret works after a rotation.
    pub partner_secret_grace: chrono::TimeDelta,
    /// ALTCHA challenges on the code request and on booking in rush mode.
    pub pow: crate::proof_of_work::ProofOfWork,
}

/// Wakes both of the worker's outbox loops (e-mail and webhooks).
#[derive(Debug, Default)]
pub struct OutboxWake {
    pub email: tokio::sync::Notify,
    pub webhook: tokio::sync::Notify,
}

impl OutboxWake {
    /// After a commit that may have written to the outbox.
    pub fn notify_one(&self) {
        self.email.notify_one();
        self.webhook.notify_one();
    }
}

/// No connection could be had, or the blocking task died.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error("database pool: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("blocking task: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Runs blocking database work on tokio's blocking thread pool.
pub async fn with_conn<T, E, F>(state: &std::sync::Arc<AppState>, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Unavailable> + Send + 'static,
    F: FnOnce(&mut DbConnection, &AppState) -> Result<T, E> + Send + 'static,
{
    let state = std::sync::Arc::clone(state);
    tokio::task::spawn_blocking(move || {
        let mut conn = state.pool.get().map_err(Unavailable::from)?;
        f(&mut conn, &state)
    })
    .await
    .map_err(Unavailable::from)?
}
