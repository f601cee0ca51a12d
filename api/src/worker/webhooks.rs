//! The webhook loop: claims due webhooks and delivers each in a task of its own, at most
//! [`IN_FLIGHT`] at once and each within [`TIMEOUT`], so one slow or dead receiver holds
//! a few tasks for a few seconds and delays nobody else.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{STOP_GRACE, WorkError, stopping};
use crate::clock;
use crate::outbox::{self, AttemptError, Channel, Claimed, Failure, Settings};
use crate::state::{AppState, with_conn};

/// A receiver has this long to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries under way at once, per instance.
const IN_FLIGHT: usize = 32;

pub(super) struct Deliverer {
    state: Arc<AppState>,
    settings: Settings,
    http: reqwest::Client,
}

impl Deliverer {
    pub fn new(state: Arc<AppState>, settings: Settings) -> Self {
        // No redirects: a webhook goes where the partner registered, nowhere else.
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Temujanji-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Deliverer {
            state,
            settings,
            http,
        }
    }

    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        let mut in_flight = JoinSet::new();
        while !stopping(&stop) {
            while in_flight.try_join_next().is_some() {}
            let free = IN_FLIGHT.saturating_sub(in_flight.len());
            let mut full_batch = false;
            if free > 0 {
                let limit = (free as i64).min(self.settings.batch);
                let claimed = self.claim(limit).await;
                full_batch = claimed.len() as i64 == limit;
                for message in claimed {
                    let (state, http, settings) =
                        (Arc::clone(&self.state), self.http.clone(), self.settings);
                    in_flight.spawn(deliver(state, http, settings, message));
                }
            }
            if full_batch && in_flight.len() < IN_FLIGHT {
                continue;
            }
            tokio::select! {
                () = self.state.outbox_wake.webhook.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
                _ = stop.changed() => {}
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
            }
        }
        // Deliveries still running get a moment; the rest keep their claim until its lease
        // ends and are delivered again (at least once).
        let _ = tokio::time::timeout(STOP_GRACE, async {
            while in_flight.join_next().await.is_some() {}
        })
        .await;
        in_flight.abort_all();
        tracing::debug!("webhook loop stopped");
    }

    async fn claim(&self, limit: i64) -> Vec<(Claimed, String)> {
        let token = hex::encode(rand::random::<[u8; 12]>());
        let settings = self.settings;
        let claim_token = token.clone();
        let claimed = with_conn(&self.state, move |conn, _| -> Result<_, WorkError> {
            Ok(outbox::claim(
                conn,
                Channel::Webhook,
                &claim_token,
                &settings,
                limit,
                clock::now_utc(),
            )?)
        })
        .await;
        match claimed {
            Ok(batch) => batch.into_iter().map(|m| (m, token.clone())).collect(),
            Err(e) => {
                tracing::error!(error = %e, "cannot claim webhooks");
                Vec::new()
            }
        }
    }
}

/// Delivers one claimed webhook and records the outcome.
async fn deliver(
    state: Arc<AppState>,
    http: reqwest::Client,
    settings: Settings,
    (message, token): (Claimed, String),
) {
    let (id, partner_id) = (message.id, message.partner_id.unwrap_or_default());
    let renew_token = token.clone();
    let target = with_conn(&state, move |conn, state| -> Result<_, WorkError> {
        if !outbox::renew(conn, id, &renew_token, &settings, clock::now_utc())? {
            return Ok(None);
        }
        Ok(Some(crate::partners::webhook_target(
            conn,
            partner_id,
            &state.webhook_keys,
        )?))
    })
    .await;
    let result = match target {
        Ok(None) => return,
        Err(e) => {
            tracing::error!(id, error = %e, "cannot prepare a webhook");
            return;
        }
        Ok(Some(None)) => Err(AttemptError {
            message: "the client is disabled or has no webhook URL".into(),
            permanent: true,
            http_status: None,
        }),
        Ok(Some(Some((url, secret)))) => post(&http, &url, &secret, &message).await,
    };
    let kind = message.kind.clone();
    let event_id = message.event_id.clone().unwrap_or_default();
    let attempts = message.attempts;
    let recorded = with_conn(&state, move |conn, _| -> Result<_, WorkError> {
        let now = clock::now_utc();
        Ok(match &result {
            Ok(status) => {
                outbox::mark_sent(conn, id, &token, Some(*status), now)?;
                None
            }
            Err(error) => Some((
                outbox::mark_failed(conn, &message, &token, error, &settings, now)?,
                error.message.clone(),
            )),
        })
    })
    .await;
    match recorded {
        Ok(None) => tracing::info!(
            id,
            kind,
            event_id,
            partner_id,
            attempts,
            "webhook delivered"
        ),
        Ok(Some((Failure::RetryAt(at), error))) => {
            tracing::warn!(id, kind, event_id, partner_id, attempts, %at, error, "webhook not delivered; will retry");
        }
        Ok(Some((Failure::GaveUp, error))) => {
            tracing::error!(
                id,
                kind,
                event_id,
                partner_id,
                attempts,
                error,
                "webhook failed for good"
            );
        }
        Err(e) => tracing::error!(id, error = %e, "cannot record a webhook attempt"),
    }
}

/// POSTs the signed event; a 2xx is delivered (its status returned), anything else is an
/// error to retry.
async fn post(
    http: &reqwest::Client,
    url: &str,
    secret: &[u8],
    message: &Claimed,
) -> Result<i32, AttemptError> {
    let event_id = message.event_id.as_deref().unwrap_or_default();
    let timestamp = clock::now_utc().and_utc().timestamp();
    let signature = crate::webhooks::signature(secret, event_id, timestamp, &message.message);
    let sent = http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(message.message.clone())
        .send()
        .await;
    match sent {
        Ok(response) if response.status().is_success() => Ok(i32::from(response.status().as_u16())),
        Ok(response) => Err(AttemptError {
            message: format!("the receiver answered {}", response.status()),
            permanent: false,
            http_status: Some(i32::from(response.status().as_u16())),
        }),
        Err(e) => Err(AttemptError {
            message: if e.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else {
                format!(
                    "cannot reach the receiver: {}",
                    std::error::Error::source(&e)
                        .map_or_else(|| e.to_string(), ToString::to_string)
                )
            },
            permanent: false,
            http_status: None,
        }),
    }
}
