//! Outgoing e-mail (R7). [`Letters`] composes every message — the one-time code and the
//! appointment's confirmation, change, cancellation and day-before reminder, bilingual, plain
//! text plus HTML — into RFC 5322 bytes. They are not sent here: the caller writes them to the
//! outbox in the transaction of the change they report (`crate::outbox`), and the outbox
//! worker sends them through a [`transport::Transport`].

pub mod calendar;
mod content;
pub mod transport;

use chrono::NaiveDateTime;
use lettre::Message;
use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use temujanji_shared::email::EmailAddress;
use temujanji_shared::otp::OneTimeCode;
use temujanji_shared::wire::Appointment;

/// An e-mail could not be composed: a bug in a template or an address lettre refuses, never
/// the applicant's fault.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("cannot compose the e-mail: {0}")]
    Message(String),
    #[error(transparent)]
    Slip(#[from] crate::slip::SlipError),
}

/// The outbox `kind` of a one-time code e-mail.
pub const CODE_KIND: &str = "code";
/// The outbox `kind` of the offer of a seat held for someone on a waitlist.
pub const WAITLIST_OFFER_KIND: &str = "waitlist_offer";

/// A seat held for the first person on the waitlist of its day: what the offer e-mail says.
#[derive(Debug, Clone)]
pub struct HeldSeat<'a> {
    /// The waitlist entry; the link to take the seat names it.
    pub entry_id: i64,
    pub to: &'a str,
    pub service: &'a temujanji_shared::wire::Bilingual,
    pub branch: &'a str,
    pub date: chrono::NaiveDate,
    pub start: chrono::NaiveTime,
    pub end: chrono::NaiveTime,
    /// UTC: the seat passes to the next person after this.
    pub expires_at: NaiveDateTime,
}

pub const FROM: &str = "Temujanji Imigresen <no-reply@temujanji.imi.gov.my>";
/// The domain of calendar UIDs (`<reference>@DOMAIN`).
pub const DOMAIN: &str = "temujanji.imi.gov.my";

/// What an appointment e-mail reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Confirmation,
    Change,
    Cancellation,
    /// A cancellation by the office (its hours or seats changed), with an apology and a link
    /// to book again.
    Withdrawn,
    Reminder,
}

impl Notice {
    /// Whether the e-mail reports that the appointment no longer stands.
    pub fn cancels(self) -> bool {
        matches!(self, Notice::Cancellation | Notice::Withdrawn)
    }

    /// The outbox `kind`.
    pub fn code(self) -> &'static str {
        match self {
            Notice::Confirmation => "confirmation",
            Notice::Change => "change",
            // The office's cancellation is a cancellation e-mail too.
            Notice::Cancellation | Notice::Withdrawn => "cancellation",
            Notice::Reminder => "reminder",
        }
    }
}

/// A composed message, ready to be written to the outbox.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// `code` or a [`Notice::code`].
    pub kind: &'static str,
    /// The appointment it is about.
    pub reference: Option<String>,
    pub envelope: Envelope,
    /// The RFC 5322 message.
    pub message: Vec<u8>,
    /// Not worth sending after this.
    pub expires_at: Option<NaiveDateTime>,
    /// Makes the message unique in the outbox (the day-before reminder).
    pub dedupe_key: Option<String>,
}

/// Composes the e-mails.
#[derive(Debug, Clone)]
pub struct Letters {
    from: Mailbox,
    public_url: String,
}

impl Letters {
    /// Letters from [`FROM`] whose links start with `public_url` (e.g.
    /// `https://temujanji.imi.gov.my`).
    pub fn new(public_url: &str) -> Result<Self, String> {
        Ok(Letters {
            from: FROM
                .parse()
                .map_err(|e| format!("bad sender address: {e}"))?,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    /// Where the applicant views and manages the appointment (the SPA's appointment page).
    pub fn manage_link(&self, reference: &str) -> String {
        format!("{}/appointment/{reference}", self.public_url)
    }

    /// Where a new appointment is booked.
    pub fn apply_link(&self) -> String {
        format!("{}/apply", self.public_url)
    }

    /// Where a held seat is taken: the booking form, for the offer's slot.
    pub fn offer_link(&self, entry_id: i64) -> String {
        format!("{}/apply?offer={entry_id}", self.public_url)
    }

    /// The offer of a seat held for `seat.to`, in both languages; worthless once it expires.
    pub fn waitlist_offer(&self, seat: &HeldSeat<'_>) -> Result<Outgoing, ComposeError> {
        let link = self.offer_link(seat.entry_id);
        let date = seat.date.format("%d/%m/%Y");
        let time = format!(
            "{}–{}",
            seat.start.format("%H:%M"),
            seat.end.format("%H:%M")
        );
        let until = crate::clock::to_malaysia(seat.expires_at).format("%H:%M, %d/%m/%Y");
        let (service_ms, service_en) = (&seat.service.ms, &seat.service.en);
        let branch = seat.branch;
        let text = format!(
            "Tempat kosong untuk anda: {service_ms}, {branch}, {date}, {time}.\n\
             Tempat ini dikhaskan untuk anda sehingga {until} (waktu Malaysia). Tempah di sini \
             sebelum itu; selepas itu ia ditawarkan kepada orang seterusnya dalam senarai \
             menunggu:\n{link}\n\n\
             A seat for you: {service_en}, {branch}, {date}, {time}.\n\
             It is held for you until {until} (Malaysian time). Book it here before then; after \
             that it is offered to the next person on the waitlist:\n{link}\n\n\
             E-mel ini dihantar secara automatik. / This e-mail was sent automatically.\n"
        );
        let (service_ms, service_en, branch, link_html) = (
            crate::html::escape(service_ms),
            crate::html::escape(service_en),
            crate::html::escape(branch),
            crate::html::escape(&link),
        );
        let html = format!(
            "<!doctype html><html><body>\
             <p lang=\"ms\">Tempat kosong untuk anda: <strong>{service_ms}, {branch}, {date}, \
             {time}</strong>. Tempat ini dikhaskan untuk anda sehingga <strong>{until}</strong> \
             (waktu Malaysia); selepas itu ia ditawarkan kepada orang seterusnya dalam senarai \
             menunggu. <a href=\"{link_html}\">Tempah tempat ini</a></p>\
             <p lang=\"en\">A seat for you: <strong>{service_en}, {branch}, {date}, \
             {time}</strong>. It is held for you until <strong>{until}</strong> (Malaysian \
             time); after that it is offered to the next person on the waitlist. \
             <a href=\"{link_html}\">Book this seat</a></p>\
             </body></html>"
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(mailbox(seat.to)?)
            .subject(format!(
                "Tempat kosong untuk anda / A seat for you: {date} {}",
                seat.start.format("%H:%M")
            ))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| ComposeError::Message(format!("waitlist offer e-mail: {e}")))?;
        Ok(Outgoing {
            kind: WAITLIST_OFFER_KIND,
            reference: None,
            envelope: message.envelope().clone(),
            message: message.formatted(),
            expires_at: Some(seat.expires_at),
            // An entry is offered a seat once (then it is taken, expired or left).
            dedupe_key: None,
        })
    }

    /// The one-time code (flow step 2), in both languages; not worth sending after `expires_at`.
    pub fn code(
        &self,
        to: &EmailAddress,
        code: &OneTimeCode,
        expires_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<Outgoing, ComposeError> {
        let minutes = (expires_at - now).num_minutes();
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
        let message = Message::builder()
            .from(self.from.clone())
            .to(mailbox(to.as_str())?)
            .subject(format!("Kod pengesahan / Verification code: {code}"))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| ComposeError::Message(format!("code e-mail: {e}")))?;
        Ok(Outgoing {
            kind: CODE_KIND,
            reference: None,
            envelope: message.envelope().clone(),
            message: message.formatted(),
            expires_at: Some(expires_at),
            dedupe_key: None,
        })
    }

    /// The e-mail reporting `notice` about `appointment`. A confirmation, change or reminder
    /// carries the slip as a PDF; a confirmation or change also an `.ics` event to add to a
    /// calendar, and a cancellation one that removes it.
    pub fn appointment(
        &self,
        notice: Notice,
        appointment: &Appointment,
    ) -> Result<Outgoing, ComposeError> {
        let reference = appointment.reference.as_str();
        let links = content::Links {
            manage: self.manage_link(reference),
            apply: self.apply_link(),
        };
        let body = content::appointment(notice, appointment, &links);
        let mut parts =
            MultiPart::mixed().multipart(MultiPart::alternative_plain_html(body.text, body.html));
        if !notice.cancels() {
            let pdf = crate::slip::render(appointment)?;
            parts = parts.singlepart(
                Attachment::new(format!("slip-temujanji-{reference}.pdf"))
                    .body(pdf, content_type("application/pdf")?),
            );
        }
        if notice != Notice::Reminder {
            let event = calendar::event(appointment, notice, &links.manage);
            parts = parts.singlepart(calendar_part(reference, &event)?);
        }
        let message = Message::builder()
            .from(self.from.clone())
            .to(mailbox(&appointment.applicant.email)?)
            .subject(body.subject)
            .multipart(parts)
            .map_err(|e| ComposeError::Message(format!("{notice:?} e-mail: {e}")))?;
        Ok(Outgoing {
            kind: notice.code(),
            reference: Some(reference.to_owned()),
            envelope: message.envelope().clone(),
            message: message.formatted(),
            // A reminder is worthless once the appointment has begun.
            expires_at: (notice == Notice::Reminder).then(|| {
                crate::clock::from_malaysia(appointment.date.and_time(appointment.start.time()))
            }),
            dedupe_key: (notice == Notice::Reminder)
                .then(|| reminder_key(reference, appointment.date)),
        })
    }
}

/// The outbox key that makes the reminder of `reference` for `date` unique.
pub fn reminder_key(reference: &str, date: chrono::NaiveDate) -> String {
    format!("reminder:{reference}:{date}")
}

fn calendar_part(reference: &str, event: &calendar::Event) -> Result<SinglePart, ComposeError> {
    let kind = content_type(&format!(
        "text/calendar; charset=utf-8; method={}",
        event.method
    ))?;
    Ok(Attachment::new(format!("temujanji-{reference}.ics"))
        .body(event.text.clone().into_bytes(), kind))
}

fn content_type(value: &str) -> Result<ContentType, ComposeError> {
    ContentType::parse(value)
        .map_err(|e| ComposeError::Message(format!("content type {value:?}: {e}")))
}

fn mailbox(address: &str) -> Result<Mailbox, ComposeError> {
    address
        .parse()
        .map_err(|e| ComposeError::Message(format!("cannot address {address}: {e}")))
}

/// A booked appointment for unit tests.
#[cfg(test)]
pub(crate) mod fixture {
    use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
    use temujanji_shared::address::{Address, AddressLine, City, Postcode, State};
    use temujanji_shared::codes::{BranchCode, ServiceCode};
    use temujanji_shared::reference::Reference;
    use temujanji_shared::wire::{
        ApplicantView, Appointment, AppointmentBranch, AppointmentService, AppointmentStatus,
        Bilingual, ClockTime, IdType,
    };

    fn text(ms: &str, en: &str) -> Bilingual {
        Bilingual {
            ms: ms.to_owned(),
            en: en.to_owned(),
        }
    }

    fn address(line1: &str, line2: Option<&str>, postcode: &str, city: &str) -> Address {
        Address {
            line1: AddressLine::parse(line1).expect("line"),
            line2: line2.map(|l| AddressLine::parse(l).expect("line")),
            postcode: Postcode::parse(postcode).expect("postcode"),
            city: City::parse(city).expect("city"),
            state: State::Selangor,
        }
    }

    fn time(h: u32, m: u32) -> ClockTime {
        ClockTime::new(NaiveTime::from_hms_opt(h, m, 0).expect("time"))
    }

    /// ABCDE-FGH23: passport renewal at Shah Alam on Thursday 26 November 2026, 08:30-08:45,
    /// booked at 2026-11-20 02:00 UTC.
    pub fn appointment() -> Appointment {
        let reference = Reference::parse("ABCDE-FGH23").expect("reference");
        let booked_at = Utc
            .with_ymd_and_hms(2026, 11, 20, 2, 0, 0)
            .single()
            .expect("time");
        Appointment {
            qr_payload: crate::qr_payload::QrKey::derive(b"fixture secret").payload(&reference),
            reference,
            status: AppointmentStatus::Booked,
            branch: AppointmentBranch {
                code: BranchCode::parse("SGR-SHA").expect("branch"),
                name: "Pejabat Imigresen Negeri Selangor, Shah Alam".to_owned(),
                address: address(
                    "Kompleks PKNS, Persiaran Perbandaran",
                    Some("Seksyen 14"),
                    "40000",
                    "Shah Alam",
                ),
                phone: "+60355107300".to_owned(),
            },
            service: AppointmentService {
                code: ServiceCode::parse("passport_renewal").expect("service"),
                name: text("Pembaharuan Pasport Malaysia", "Malaysian passport renewal"),
                fee_sen: 20000,
                fee_note: text("RM200 bagi dewasa.", "RM200 for adults."),
                documents: vec![
                    text("MyKad asal", "Original MyKad"),
                    text("Pasport semasa", "Current passport"),
                ],
            },
            date: NaiveDate::from_ymd_opt(2026, 11, 26).expect("date"),
            start: time(8, 30),
            end: time(8, 45),
            arrive_by: time(8, 0),
            applicant: ApplicantView {
                name: "Siti Nur'aini binti Ahmad".to_owned(),
                id_type: IdType::Mykad,
                id_number_masked: "******-**-0007".to_owned(),
                nationality: "MYS".to_owned(),
                address: address("No. 12, Jalan Anggerik 3", None, "40000", "Shah Alam"),
                phone: "+60123456789".to_owned(),
                email: "siti@example.com".to_owned(),
            },
            created_at: booked_at,
            updated_at: booked_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn letters() -> Letters {
        Letters::new("https://temujanji.test/").expect("letters")
    }

    #[test]
    fn a_reminder_expires_when_the_appointment_begins_and_nothing_else_does() {
        let appointment = fixture::appointment();
        let reminder = letters()
            .appointment(Notice::Reminder, &appointment)
            .expect("reminder");
        // 26 November 2026 08:30 in Malaysia is 00:30 UTC.
        let begins = chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
            .and_then(|d| d.and_hms_opt(0, 30, 0))
            .expect("time");
        assert_eq!(reminder.expires_at, Some(begins));
        for notice in [Notice::Confirmation, Notice::Change, Notice::Cancellation] {
            let letter = letters().appointment(notice, &appointment).expect("letter");
            assert_eq!(letter.expires_at, None, "{notice:?}");
        }
    }

    fn has(message: &Outgoing, needle: &str) -> bool {
        String::from_utf8_lossy(&message.message).contains(needle)
    }

    #[test]
    fn a_code_mail_expires_with_its_code() {
        let now = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let to = EmailAddress::parse("siti@example.com").expect("email");
        let code = OneTimeCode::from_number(123_456);
        let mail = letters()
            .code(&to, &code, now + TimeDelta::minutes(10), now)
            .expect("composed");
        assert_eq!(mail.kind, "code");
        assert_eq!(mail.expires_at, Some(now + TimeDelta::minutes(10)));
        assert_eq!(
            mail.envelope.to(),
            ["siti@example.com".parse().expect("address")]
        );
        assert!(has(
            &mail,
            "Subject: Kod pengesahan / Verification code: 123456"
        ));
        assert!(has(&mail, "sah selama 10 minit") && has(&mail, "valid for 10 minutes"));
    }

    #[test]
    fn each_notice_carries_its_attachments() {
        let appointment = fixture::appointment();
        let letters = letters();
        let mail = |notice| letters.appointment(notice, &appointment).expect("composed");
        for (notice, pdf, ics) in [
            (Notice::Confirmation, true, "method=PUBLISH"),
            (Notice::Change, true, "method=PUBLISH"),
            (Notice::Reminder, true, ""),
            (Notice::Cancellation, false, "method=CANCEL"),
        ] {
            let message = mail(notice);
            assert_eq!(message.kind, notice.code());
            assert_eq!(message.reference.as_deref(), Some("ABCDE-FGH23"));
            assert_eq!(
                has(&message, "Content-Type: application/pdf"),
                pdf,
                "{notice:?}"
            );
            assert_eq!(
                has(&message, "text/calendar"),
                !ics.is_empty(),
                "{notice:?}"
            );
            assert!(has(&message, ics), "{notice:?}");
            assert!(has(&message, "multipart/alternative"), "{notice:?}");
        }
        assert_eq!(
            mail(Notice::Reminder).dedupe_key.as_deref(),
            Some("reminder:ABCDE-FGH23:2026-11-26")
        );
        assert_eq!(mail(Notice::Confirmation).dedupe_key, None);
        assert_eq!(
            letters.manage_link("ABCDE-FGH23"),
            "https://temujanji.test/appointment/ABCDE-FGH23"
        );
    }
}
