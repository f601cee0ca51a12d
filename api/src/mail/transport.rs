//! Where the outbox worker hands messages: `.eml` files in the mail directory (the default),
//! or an SMTP server (`TEMUJANJI_SMTP_URL`, lettre's connection URL: `smtp://host:port`,
//! `smtp://host?tls=required`, `smtps://user:pass@host`).

use std::path::Path;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// An SMTP exchange that takes longer than this is abandoned and retried later.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

pub enum Transport {
    Directory(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Why a message was not sent.
#[derive(Debug)]
pub struct SendError {
    /// The server refused the message for good (a 5xx answer): retrying cannot help.
    pub permanent: bool,
    pub message: String,
}

impl Transport {
    /// SMTP when `smtp_url` is set, else files in `mail_dir` (created if missing).
    pub fn new(smtp_url: Option<&str>, mail_dir: &Path) -> Result<Self, String> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("TEMUJANJI_SMTP_URL: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Ok(Transport::Smtp(transport))
            }
            None => {
                std::fs::create_dir_all(mail_dir).map_err(|e| {
                    format!("cannot create mail directory {}: {e}", mail_dir.display())
                })?;
                Ok(Transport::Directory(AsyncFileTransport::new(mail_dir)))
            }
        }
    }

    /// Sends one message as it was composed.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        match self {
            Transport::Directory(files) => {
                files
                    .send_raw(envelope, message)
                    .await
                    .map_err(|e| SendError {
                        permanent: false,
                        message: format!("cannot write the message: {e}"),
                    })?;
            }
            Transport::Smtp(smtp) => {
                smtp.send_raw(envelope, message)
                    .await
                    .map_err(|e| SendError {
                        permanent: e.is_permanent(),
                        message: format!("SMTP: {e}"),
                    })?;
            }
        }
        Ok(())
    }
}
