//! Outgoing e-mail. The local transport writes every message as an RFC 5322 `.eml` file into
//! the mail directory.

use std::path::Path;

use lettre::message::{Mailbox, MultiPart};
use lettre::{FileTransport, Message, Transport};
use temujanji_shared::email::EmailAddress;
use temujanji_shared::otp::OneTimeCode;

use crate::problem::ApiError;

pub const FROM: &str = "Temujanji Imigresen <no-reply@temujanji.imi.gov.my>";

pub struct Mailer {
    transport: FileTransport,
    from: Mailbox,
}

impl Mailer {
    /// A mailer writing `.eml` files into `dir` (created if missing).
    pub fn to_directory(dir: &Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create mail directory {}: {e}", dir.display()))?;
        let from = FROM
            .parse()
            .map_err(|e| format!("bad sender address: {e}"))?;
        Ok(Mailer {
            transport: FileTransport::new(dir),
            from,
        })
    }

    /// Sends the one-time code (flow step 2), in both languages.
    pub fn send_code(
        &self,
        to: &EmailAddress,
        code: &OneTimeCode,
        minutes: i64,
    ) -> Result<(), ApiError> {
        let text = format!(
            "Kod pengesahan Temujanji anda ialah {code}. Kod ini sah selama {minutes} minit.\n\
             Jangan kongsi kod ini dengan sesiapa.\n\n\
             Your Temujanji verification code is {code}. It is valid for {minutes} minutes.\n\
             Do not share this code with anyone.\n"
        );
        let html = format!(
            "<!doctype html><html><body>\
             <p lang=\"ms\">Kod pengesahan Temujanji anda ialah <strong>{code}</strong>. \
             Kod ini sah selama {minutes} minit. Jangan kongsi kod ini dengan sesiapa.</p>\
             <p lang=\"en\">Your Temujanji verification code is <strong>{code}</strong>. \
             It is valid for {minutes} minutes. Do not share this code with anyone.</p>\
             </body></html>"
        );
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|e| ApiError::Internal(format!("cannot address {to}: {e}")))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("Kod pengesahan / Verification code: {code}"))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| ApiError::Internal(format!("cannot build the code e-mail: {e}")))?;
        self.transport
            .send(&message)
            .map(drop)
            .map_err(|e| ApiError::Internal(format!("cannot send the code e-mail: {e}")))
    }
}
