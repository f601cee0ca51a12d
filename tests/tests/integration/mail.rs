//! E-mail (R7) end to end through a real SMTP server on loopback: the server under test
//! writes each message to its outbox in the transaction of the change, and its worker delivers
//! it with lettre's SMTP client.

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use mail_parser::MimeHeaders;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, booking, both_backends, email, qr_codes_in};
use crate::smtp_server::{SmtpServer, free_port, smtp_url};

both_backends!(backend:
    a_booking_is_confirmed_by_smtp_with_the_slip_and_a_calendar_event,
    changes_and_cancellations_are_mailed,
    an_unreachable_mail_server_delays_mail_but_loses_none,
);

const BRANCH: &str = "SGR-SHA";
const SERVICE: &str = "passport_renewal";
const PUBLIC_URL: &str = "https://temujanji.test";
const SENDER: &str = "no-reply@temujanji.imi.gov.my";

async fn app_sending_to(backend: Backend, smtp_url: String, retry_seconds: &str) -> TestApp {
    TestApp::spawn_with(
        backend,
        &[
            ("TEMUJANJI_SMTP_URL", smtp_url),
            ("TEMUJANJI_PUBLIC_URL", PUBLIC_URL.to_owned()),
            ("TEMUJANJI_MAIL_RETRY_SECONDS", retry_seconds.to_owned()),
            ("TEMUJANJI_MAIL_POLL_SECONDS", "1".to_owned()),
        ],
    )
    .await
}

/// Books applicant `n` into `slot` and returns the appointment.
async fn book(app: &TestApp, n: u32, slot: &(NaiveDate, String), token: &str) -> Value {
    let response = app
        .post(
            "/api/v1/appointments",
            Some(token),
            &booking(BRANCH, SERVICE, slot.0, &slot.1, n),
        )
        .await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

/// The attachment whose content type is `mime` (e.g. `application/pdf`).
fn attachment<'a>(message: &'a mail_parser::Message<'a>, mime: &str) -> &'a [u8] {
    message
        .attachments()
        .find(|part| {
            part.content_type()
                .is_some_and(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or("")) == mime)
        })
        .unwrap_or_else(|| panic!("no {mime} attachment"))
        .contents()
}

/// The `.ics` attachment, unfolded (its lines still end in CRLF).
fn calendar(message: &mail_parser::Message<'_>) -> String {
    std::str::from_utf8(attachment(message, "text/calendar"))
        .expect("UTF-8")
        .replace("\r\n ", "")
}

fn mime_types(message: &mail_parser::Message<'_>) -> Vec<String> {
    message
        .attachments()
        .filter_map(|part| part.content_type())
        .map(|t| format!("{}/{}", t.ctype(), t.subtype().unwrap_or("")))
        .collect()
}

/// The UTC iCalendar stamp of a Malaysian date and time (UTC+8).
fn utc_stamp(date: NaiveDate, time: &str) -> String {
    let local = date.and_time(NaiveTime::parse_from_str(time, "%H:%M").expect("time"));
    (local - TimeDelta::hours(8))
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

fn assert_contains_in_order(text: &str, parts: &[&str]) {
    let mut from = 0;
    for part in parts {
        match text[from..].find(part) {
            Some(at) => from += at + part.len(),
            None => panic!("{part:?} missing (in this order) from:\n{text}"),
        }
    }
}

async fn a_booking_is_confirmed_by_smtp_with_the_slip_and_a_calendar_event(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = app_sending_to(backend, smtp.url(), "30").await;
    let to = email(1);

    // The one-time code travels the same way.
    let sent = app.request_code(&to).await;
    assert_eq!(sent.status(), 202);
    let code_mail = smtp.wait_for(&to, "Verification code").await;
    let subject = code_mail.parsed().subject().expect("subject").to_owned();
    let code: String = subject.chars().filter(char::is_ascii_digit).collect();
    let verified = app
        .post(
            "/api/v1/auth/email-codes/verify",
            None,
            &json!({ "email": to, "code": code }),
        )
        .await;
    assert_eq!(verified.status(), 200);
    let token = verified.json::<Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();

    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let body = book(&app, 1, &slot, &token).await;
    let reference = body["reference"].as_str().expect("reference");
    let received = smtp.wait_for(&to, "Appointment confirmed").await;
    assert_eq!(received.from, SENDER);
    assert_eq!(received.to, vec![to.clone()]);
    let message = received.parsed();
    let subject = message.subject().expect("subject");
    assert!(
        subject.starts_with("Temujanji disahkan / Appointment confirmed: ")
            && subject.contains(reference),
        "{subject}"
    );

    // Bilingual, Bahasa Melayu first, with everything the counter needs.
    let text = message
        .body_text(0)
        .expect("a plain-text body")
        .into_owned();
    let arrive_by = body["arrive_by"].as_str().expect("arrive_by");
    let start = body["start"].as_str().expect("start");
    let end = body["end"].as_str().expect("end");
    let date = slot.0.format("%d/%m/%Y").to_string();
    let manage = format!("{PUBLIC_URL}/appointment/{reference}");
    let branch = &body["branch"];
    let service = &body["service"];
    let documents = service["documents"].as_array().expect("documents");
    assert_contains_in_order(
        &text,
        &[
            "Temujanji anda telah disahkan",
            &format!("No. rujukan: {reference}"),
            &format!(
                "Perkhidmatan: {}",
                service["name"]["ms"].as_str().expect("ms")
            ),
            "Tarikh: ",
            &date,
            &format!("Masa: {start}-{end}"),
            &format!("Hadir sebelum: {arrive_by} (30 minit awal)"),
            branch["name"].as_str().expect("branch"),
            branch["address"]["line1"].as_str().expect("line1"),
            branch["address"]["postcode"].as_str().expect("postcode"),
            "Dokumen yang perlu dibawa",
            documents[0]["ms"].as_str().expect("document"),
            "Bayaran: RM",
            "tunai tidak diterima",
            &manage,
            "Your appointment is confirmed",
            &format!("Reference: {reference}"),
            &format!("Service: {}", service["name"]["en"].as_str().expect("en")),
            &date,
            &format!("Time: {start}-{end}"),
            &format!("Arrive by: {arrive_by} (30 minutes early)"),
            branch["name"].as_str().expect("branch"),
            "Documents to bring",
            documents[documents.len() - 1]["en"]
                .as_str()
                .expect("document"),
            "Fee: RM",
            temujanji_shared::rules::PAYMENT_EN,
            &manage,
        ],
    );
    // One payment sentence (R9), said once in each language: the fee notes do not repeat it.
    assert_eq!(
        text.matches(temujanji_shared::rules::PAYMENT_MS).count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches(temujanji_shared::rules::PAYMENT_EN).count(),
        1,
        "{text}"
    );
    assert_eq!(text.matches("tunai").count(), 1, "{text}");
    assert_eq!(text.matches("cash").count(), 1, "{text}");
    let html = message.body_html(0).expect("an HTML body").into_owned();
    assert_contains_in_order(
        &html,
        &[
            "lang=\"ms\"",
            "Temujanji anda telah disahkan",
            reference,
            &format!("<a href=\"{manage}\">"),
            "lang=\"en\"",
            "Your appointment is confirmed",
            &format!("{arrive_by} (30 minutes early)"),
        ],
    );

    // The slip, with the QR code staff scan.
    assert_eq!(mime_types(&message), ["application/pdf", "text/calendar"]);
    let pdf = attachment(&message, "application/pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(
        qr_codes_in(pdf),
        [body["qr_payload"].as_str().expect("qr_payload")]
    );

    // The calendar event, in UTC, CRLF-terminated lines.
    let ics = std::str::from_utf8(attachment(&message, "text/calendar")).expect("UTF-8");
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(
        !ics.replace("\r\n", "").contains('\n'),
        "CRLF only: {ics:?}"
    );
    let ics = ics.replace("\r\n ", "");
    for line in [
        "METHOD:PUBLISH".to_owned(),
        format!("UID:{reference}@temujanji.imi.gov.my"),
        format!("DTSTART:{}", utc_stamp(slot.0, start)),
        format!("DTEND:{}", utc_stamp(slot.0, end)),
        format!("URL:{manage}"),
        "STATUS:CONFIRMED".to_owned(),
    ] {
        assert!(
            ics.contains(&format!("{line}\r\n")),
            "{line} missing: {ics}"
        );
    }

    let rows = app.outbox();
    assert_eq!(
        rows.iter()
            .map(|r| (r.kind.as_str(), r.status.as_str(), r.attempts))
            .collect::<Vec<_>>(),
        [("code", "sent", 1), ("confirmation", "sent", 1)]
    );
    app.stop().await;
}

async fn changes_and_cancellations_are_mailed(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = app_sending_to(backend, smtp.url(), "30").await;
    let to = email(2);
    let token = app.token_for(&to);
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let body = book(&app, 2, &slots[0], &token).await;
    let reference = body["reference"].as_str().expect("reference").to_owned();
    smtp.wait_for(&to, "Appointment confirmed").await;

    let path = format!("/api/v1/appointments/{reference}");
    let moved = app
        .post(
            &format!("{path}/reschedule"),
            Some(&token),
            &json!({ "date": slots[1].0.to_string(), "start": slots[1].1 }),
        )
        .await;
    assert_eq!(moved.status(), 200);
    let moved: Value = moved.json().await.expect("json");
    let change = smtp.wait_for(&to, "Appointment changed").await;
    let message = change.parsed();
    let text = message.body_text(0).expect("text").into_owned();
    assert_contains_in_order(
        &text,
        &[
            "Temujanji anda telah dipinda",
            &slots[1].0.format("%d/%m/%Y").to_string(),
            &format!("Masa: {}-", slots[1].1),
            "Your appointment has been changed",
            &format!(
                "Arrive by: {} (30 minutes early)",
                moved["arrive_by"].as_str().expect("arrive")
            ),
        ],
    );
    assert_eq!(mime_types(&message), ["application/pdf", "text/calendar"]);
    let ics = calendar(&message);
    assert!(ics.contains(&format!("UID:{reference}@temujanji.imi.gov.my\r\n")));
    assert!(ics.contains(&format!(
        "DTSTART:{}\r\n",
        utc_stamp(slots[1].0, &slots[1].1)
    )));

    let cancelled = app
        .post(&format!("{path}/cancel"), Some(&token), &json!({}))
        .await;
    assert_eq!(cancelled.status(), 200);
    let cancellation = smtp.wait_for(&to, "Appointment cancelled").await;
    let message = cancellation.parsed();
    let text = message.body_text(0).expect("text").into_owned();
    assert_contains_in_order(
        &text,
        &[
            "Temujanji anda telah dibatalkan",
            &reference,
            "Your appointment has been cancelled",
            &format!("{PUBLIC_URL}/apply"),
        ],
    );
    assert_eq!(
        mime_types(&message),
        ["text/calendar"],
        "no slip for a cancelled appointment"
    );
    let ics = calendar(&message);
    assert!(ics.contains("METHOD:CANCEL\r\n") && ics.contains("STATUS:CANCELLED\r\n"));
    assert!(ics.contains(&format!("UID:{reference}@temujanji.imi.gov.my\r\n")));

    let kinds: Vec<(String, String)> = app
        .outbox()
        .into_iter()
        .map(|r| (r.kind, r.status))
        .collect();
    assert_eq!(
        kinds,
        [
            ("confirmation".to_owned(), "sent".to_owned()),
            ("change".to_owned(), "sent".to_owned()),
            ("cancellation".to_owned(), "sent".to_owned()),
        ]
    );
    app.stop().await;
}

async fn an_unreachable_mail_server_delays_mail_but_loses_none(backend: Backend) {
    // Nothing listens on this port until the mail server starts below.
    let address = free_port();
    let app = app_sending_to(backend, smtp_url(address), "1").await;
    let to = email(3);
    let token = app.token_for(&to);
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let body = book(&app, 3, &slot, &token).await;

    // The booking stands; its confirmation waits in the outbox, attempted and rescheduled.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let row = loop {
        let rows = app.outbox();
        assert_eq!(rows.len(), 1, "{rows:?}");
        if rows[0].attempts >= 1 && rows[0].last_error.is_some() {
            break rows[0].clone();
        }
        assert!(std::time::Instant::now() < deadline, "no attempt: {rows:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(row.kind, "confirmation");
    assert_eq!(row.status, "pending", "{row:?}");
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("SMTP")),
        "{row:?}"
    );

    // Once the server is up, a retry delivers it, once.
    let smtp = SmtpServer::start_at(address);
    let received = smtp.wait_for(&to, "Appointment confirmed").await;
    assert!(
        received
            .parsed()
            .subject()
            .is_some_and(|s| s.contains(body["reference"].as_str().expect("reference")))
    );
    app.wait_for_outbox();
    let rows = app.outbox();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, "sent", "{rows:?}");
    assert!(rows[0].attempts >= 2, "{rows:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(smtp.received().len(), 1, "delivered once");
    app.stop().await;
}
