//! The background worker: one per instance, run by `Application::run_until_stopped` beside the
//! HTTP server (which it does not depend on). Two loops run side by side, one per outbox
//! channel: e-mail (here) and partner webhooks ([`webhooks`]), so that a slow receiver never
//! delays an e-mail. Each sends its channel's due messages when a commit
//! wakes it ([`AppState::outbox_wake`]) or every `poll` interval; every minute the e-mail loop sweeps: ended
//! appointments nobody checked in for become no-shows (R4), day-before reminders are
//! written, old messages are tidied. It
//! stops with the server: it finishes the message in flight (for at most
//! [`STOP_GRACE`]), gives back the rest of its claim and returns.

mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use lettre::Address;
use lettre::address::Envelope;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::booking::{self, BookingError};
use crate::clock;
use crate::events::Fanout;
use crate::mail::transport::{SendError, Transport};
use crate::outbox::{self, AttemptError, Channel, Claimed, Failure, Settings};
use crate::state::{AppState, Unavailable, with_conn};

/// Why a round of the worker failed; logged, and tried again next round.
#[derive(Debug, thiserror::Error)]
enum WorkError {
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
}

/// How often the reminder and housekeeping sweep runs.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// How long a stopping worker waits for the message it is sending.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

pub struct Worker {
    state: Arc<AppState>,
    transport: Transport,
    settings: Settings,
    webhooks: webhooks::Deliverer,
}

impl Worker {
    pub fn new(
        state: Arc<AppState>,
        transport: Transport,
        settings: Settings,
        webhook_settings: Settings,
    ) -> Self {
        Worker {
            webhooks: webhooks::Deliverer::new(Arc::clone(&state), webhook_settings),
            state,
            transport,
            settings,
        }
    }

    /// Runs both loops until `stop` turns true (or its sender is gone).
    pub async fn run(self, stop: watch::Receiver<bool>) {
        tokio::join!(self.email_loop(stop.clone()), self.webhooks.run(stop));
    }

    async fn email_loop(&self, mut stop: watch::Receiver<bool>) {
        let mut next_sweep = Instant::now();
        while !stopping(&stop) {
            if Instant::now() >= next_sweep {
                self.sweep().await;
                next_sweep = Instant::now() + SWEEP_EVERY;
            }
            self.deliver_due(&mut stop).await;
            tokio::select! {
                () = self.state.outbox_wake.email.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
                _ = stop.changed() => {}
            }
        }
        tracing::debug!("e-mail loop stopped");
    }

    /// Marks no-shows, writes due reminders and tidies the outbox; failures are logged and
    /// retried next time.
    async fn sweep(&self) {
        let no_shows = with_conn(&self.state, |conn, state| -> Result<usize, WorkError> {
            let fanout = Fanout {
                letters: &state.letters,
                strikes: &state.strikes,
            };
            Ok(booking::expire_no_shows(conn, fanout, clock::now_utc())?)
        })
        .await;
        match no_shows {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "appointments marked no-show"),
            Err(e) => tracing::error!(error = %e, "no-show sweep failed"),
        }
        let returned = with_conn(&self.state, |conn, state| -> Result<usize, WorkError> {
            Ok(booking::return_due_seats(
                conn,
                offers(state),
                clock::now_utc(),
            )?)
        })
        .await;
        match returned {
            Ok(0) => {}
            Ok(seats) => {
                tracing::info!(seats, "freed seats returned after their delay");
                // A returned seat may have been offered to a waitlist, by e-mail.
                self.state.outbox_wake.notify_one();
            }
            Err(e) => tracing::error!(error = %e, "seat return sweep failed"),
        }
        let drawn = with_conn(&self.state, |conn, state| -> Result<usize, WorkError> {
            Ok(booking::lottery::draw_due(
                conn,
                offers(state),
                clock::now_utc(),
            )?)
        })
        .await;
        match drawn {
            Ok(0) => {}
            Ok(draws) => {
                tracing::info!(draws, "lottery days drawn");
                self.state.outbox_wake.notify_one();
            }
            Err(e) => tracing::error!(error = %e, "lottery draw failed"),
        }
        let passed_on = with_conn(&self.state, |conn, state| -> Result<usize, WorkError> {
            Ok(booking::waitlist::sweep(
                conn,
                offers(state),
                clock::now_utc(),
            )?)
        })
        .await;
        match passed_on {
            Ok(0) => {}
            Ok(offers) => {
                tracing::info!(offers, "unclaimed waitlist offers passed on");
                self.state.outbox_wake.notify_one();
            }
            Err(e) => tracing::error!(error = %e, "waitlist sweep failed"),
        }
        let result = with_conn(&self.state, |conn, state| -> Result<usize, WorkError> {
            let now = clock::now_utc();
            outbox::housekeeping(conn, now)?;
            crate::proof_of_work::forget_expired(conn, now)?;
            Ok(booking::reminders::sweep(
                conn,
                &state.letters,
                &state.qr_key,
                now,
            )?)
        })
        .await;
        match result {
            Ok(0) => {}
            Ok(written) => {
                tracing::info!(written, "day-before reminders queued");
                self.state.outbox_wake.notify_one();
            }
            Err(e) => tracing::error!(error = %e, "outbox sweep failed"),
        }
    }

    /// Claims and sends due messages until none is left or the worker is stopping.
    async fn deliver_due(&self, stop: &mut watch::Receiver<bool>) {
        loop {
            let token = hex::encode(rand::random::<[u8; 12]>());
            let claim_token = token.clone();
            let settings = self.settings;
            let claimed = with_conn(&self.state, move |conn, _| -> Result<_, WorkError> {
                Ok(outbox::claim(
                    conn,
                    Channel::Email,
                    &claim_token,
                    &settings,
                    settings.batch,
                    clock::now_utc(),
                )?)
            })
            .await;
            let batch = match claimed {
                Ok(batch) if batch.is_empty() => return,
                // In the order they were written: a confirmation before its change.
                Ok(mut batch) => {
                    batch.sort_by_key(|m| m.id);
                    batch
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot claim outbox messages");
                    return;
                }
            };
            for (n, message) in batch.iter().enumerate() {
                if stopping(stop) {
                    self.release(&batch[n..], &token).await;
                    return;
                }
                // A slow server can outlast the lease; then another instance owns the message.
                if !self.renew(message, &token).await {
                    continue;
                }
                let sending = self.send(message);
                tokio::pin!(sending);
                let result = tokio::select! {
                    result = &mut sending => result,
                    () = grace_after_stop(stop) => {
                        tracing::warn!(id = message.id, "stopping: abandoned a message being sent");
                        self.release(&batch[n..], &token).await;
                        return;
                    }
                };
                self.record(message, &token, result).await;
            }
        }
    }

    /// Extends the claim on `message` before it is sent; `false` if it is no longer ours.
    async fn renew(&self, message: &Claimed, token: &str) -> bool {
        let (id, token, settings) = (message.id, token.to_owned(), self.settings);
        let renewed = with_conn(&self.state, move |conn, _| -> Result<_, WorkError> {
            Ok(outbox::renew(
                conn,
                id,
                &token,
                &settings,
                clock::now_utc(),
            )?)
        })
        .await;
        match renewed {
            Ok(true) => true,
            Ok(false) => {
                tracing::warn!(
                    id,
                    "outbox claim lost before sending; another instance has it"
                );
                false
            }
            Err(e) => {
                tracing::error!(id, error = %e, "cannot renew an outbox claim");
                false
            }
        }
    }

    async fn send(&self, message: &Claimed) -> Result<(), SendError> {
        let envelope = envelope(message).map_err(|message| SendError {
            permanent: true,
            message,
        })?;
        self.transport.send(&envelope, &message.message).await
    }

    async fn record(&self, message: &Claimed, token: &str, result: Result<(), SendError>) {
        let (id, kind, attempts) = (message.id, message.kind.clone(), message.attempts);
        let reference = message.reference.clone().unwrap_or_default();
        let (token, claimed, settings) = (token.to_owned(), message.clone(), self.settings);
        let recorded = with_conn(&self.state, move |conn, _| -> Result<_, WorkError> {
            let now = clock::now_utc();
            Ok(match &result {
                Ok(()) => {
                    outbox::mark_sent(conn, id, &token, None, now)?;
                    None
                }
                Err(e) => {
                    let error = AttemptError {
                        message: e.message.clone(),
                        permanent: e.permanent,
                        http_status: None,
                    };
                    Some((
                        outbox::mark_failed(conn, &claimed, &token, &error, &settings, now)?,
                        e.message.clone(),
                    ))
                }
            })
        })
        .await;
        match recorded {
            Ok(None) => tracing::info!(id, kind, reference, attempts, "e-mail sent"),
            Ok(Some((Failure::RetryAt(at), error))) => {
                tracing::warn!(id, kind, reference, attempts, %at, error, "e-mail not sent; will retry");
            }
            Ok(Some((Failure::GaveUp, error))) => {
                tracing::error!(
                    id,
                    kind,
                    reference,
                    attempts,
                    error,
                    "e-mail failed for good"
                );
            }
            // The claim will expire and the message be tried again.
            Err(e) => tracing::error!(id, error = %e, "cannot record an e-mail attempt"),
        }
    }

    async fn release(&self, messages: &[Claimed], token: &str) {
        let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
        let token = token.to_owned();
        let released = with_conn(&self.state, move |conn, _| -> Result<_, WorkError> {
            Ok(outbox::release(conn, &ids, &token, clock::now_utc())?)
        })
        .await;
        if let Err(e) = released {
            tracing::warn!(error = %e, "cannot release claimed e-mails; their claim will expire");
        }
    }
}

fn stopping(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

/// Completes [`STOP_GRACE`] after the worker is told to stop.
async fn grace_after_stop(stop: &mut watch::Receiver<bool>) {
    while !stopping(stop) {
        if stop.changed().await.is_err() {
            break;
        }
    }
    tokio::time::sleep(STOP_GRACE).await;
}

/// The stored envelope as lettre's.
fn envelope(message: &Claimed) -> Result<Envelope, String> {
    let from: Address = message
        .envelope_from
        .parse()
        .map_err(|e| format!("bad envelope sender {:?}: {e}", message.envelope_from))?;
    let to: Vec<String> = serde_json::from_str(&message.envelope_to)
        .map_err(|e| format!("bad envelope recipients: {e}"))?;
    let to = to
        .iter()
        .map(|a| {
            a.parse::<Address>()
                .map_err(|e| format!("bad recipient {a:?}: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(from), to).map_err(|e| format!("bad envelope: {e}"))
}

/// What offering a freed seat to a waitlist needs, from the instance's state.
fn offers(state: &crate::state::AppState) -> booking::waitlist::Offers<'_> {
    booking::waitlist::Offers {
        letters: &state.letters,
        limits: &state.limits,
    }
}
