//! The outbox itself, on both backends: a refused change writes no mail, reminders are
//! written once however many sweeps race, and concurrent workers never claim one message
//! twice.

use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use serde_json::json;
use temujanji_api::booking::reminders;
use temujanji_api::clock;
use temujanji_api::mail::Letters;
use temujanji_api::outbox::{self, Settings};
use temujanji_api::qr_payload::QrKey;
use temujanji_shared::email::EmailAddress;
use temujanji_shared::otp::OneTimeCode;

use crate::helpers::{JWT_SECRET, TestApp, booking, both_backends, email};

both_backends!(
    a_refused_booking_or_change_writes_no_mail,
    one_reminder_per_appointment_of_tomorrow_however_many_sweeps,
    concurrent_claims_never_share_a_message,
    the_code_mail_is_written_to_the_mail_directory,
    a_reminder_withdrawn_while_being_sent_stays_withdrawn,
    a_sent_code_mail_keeps_no_code,
);

const BRANCH: &str = "SGR-SHA";
const SERVICE: &str = "passport_renewal";

fn recipients(app: &TestApp) -> Vec<(String, String)> {
    app.outbox()
        .into_iter()
        .map(|row| {
            let to: Vec<String> = serde_json::from_str(&row.to).expect("JSON recipients");
            (row.kind, to.join(","))
        })
        .collect()
}

async fn a_refused_booking_or_change_writes_no_mail(app: TestApp) {
    app.set_seats(BRANCH, SERVICE, 1);
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let (first, first_token) = app.book_applicant(BRANCH, SERVICE, 1, &slots[0]).await;
    let (_, second_token) = app.book_applicant(BRANCH, SERVICE, 2, &slots[1]).await;

    // Full: the booking, and a move into the full slot, are refused.
    let refused = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&email(3))),
            &booking(BRANCH, SERVICE, slots[0].0, &slots[0].1, 3),
        )
        .await;
    assert_eq!(refused.status(), 409);
    let second = app.outbox()[1].reference.clone().expect("reference");
    let refused = app
        .post(
            &format!("/api/v1/appointments/{second}/reschedule"),
            Some(&second_token),
            &json!({ "date": slots[0].0.to_string(), "start": slots[0].1 }),
        )
        .await;
    assert_eq!(refused.status(), 409);
    // A second cancel is refused too.
    let cancel = format!("/api/v1/appointments/{first}/cancel");
    assert_eq!(
        app.post(&cancel, Some(&first_token), &json!({}))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post(&cancel, Some(&first_token), &json!({}))
            .await
            .status(),
        409
    );

    assert_eq!(
        recipients(&app),
        [
            ("confirmation".to_owned(), email(1)),
            ("confirmation".to_owned(), email(2)),
            ("cancellation".to_owned(), email(1)),
        ]
    );
    app.wait_for_outbox();
    let files = std::fs::read_dir(&app.mail_dir).expect("mail dir").count();
    assert_eq!(files, 3, "one .eml file per committed change");
}

/// `date` at `time` Malaysian time, as the UTC timestamp the server works with.
fn malaysian(date: NaiveDate, time: &str) -> NaiveDateTime {
    clock::from_malaysia(date.and_time(NaiveTime::parse_from_str(time, "%H:%M").expect("time")))
}

async fn one_reminder_per_appointment_of_tomorrow_however_many_sweeps(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 60).await;
    let day = slots[0].0;
    let same_day: Vec<_> = slots.iter().filter(|s| s.0 == day).take(3).collect();
    assert_eq!(same_day.len(), 3, "three slots on {day}");
    let later = slots
        .iter()
        .find(|s| s.0 > day)
        .expect("a slot on a later day");
    let (first, _) = app.book_applicant(BRANCH, SERVICE, 1, same_day[0]).await;
    let (second, _) = app.book_applicant(BRANCH, SERVICE, 2, same_day[1]).await;
    let (cancelled, token) = app.book_applicant(BRANCH, SERVICE, 3, same_day[2]).await;
    app.book_applicant(BRANCH, SERVICE, 4, later).await;
    let response = app
        .post(
            &format!("/api/v1/appointments/{cancelled}/cancel"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(response.status(), 200);

    let letters = Letters::new("https://temujanji.test").expect("letters");
    let qr = QrKey::derive(JWT_SECRET.as_bytes());
    let eve = day - TimeDelta::days(1);
    let mut conn = app.db.connect();
    // Not before 08:00 on the day before.
    let early = reminders::sweep(&mut conn, &letters, &qr, malaysian(eve, "07:59"));
    assert_eq!(early.expect("sweep"), 0);
    let now = malaysian(eve, "10:00");
    assert_eq!(
        reminders::sweep(&mut conn, &letters, &qr, now).expect("sweep"),
        2
    );
    assert_eq!(
        reminders::sweep(&mut conn, &letters, &qr, now).expect("sweep"),
        0
    );
    // Several instances at once: the unique key settles it.
    std::thread::scope(|scope| {
        let sweeps: Vec<_> = (0..4)
            .map(|_| {
                let (db, letters, qr) = (&app.db, &letters, &qr);
                scope.spawn(move || reminders::sweep(&mut db.connect(), letters, qr, now))
            })
            .collect();
        for sweep in sweeps {
            assert_eq!(sweep.join().expect("thread").expect("sweep"), 0);
        }
    });
    let reminded: BTreeSet<String> = app
        .outbox()
        .into_iter()
        .filter(|r| r.kind == "reminder")
        .map(|r| r.reference.expect("reference"))
        .collect();
    assert_eq!(reminded, BTreeSet::from([first, second]));

    // The worker sends them, each with the slip attached. (They were written "on the eve";
    // make them due now.)
    {
        use diesel::prelude::*;
        use temujanji_api::db::schema::outbox::dsl;
        diesel::update(dsl::outbox.filter(dsl::kind.eq("reminder")))
            .set(dsl::next_attempt_at.eq(clock::now_utc()))
            .execute(&mut conn)
            .expect("make due");
    }
    app.wait_for_outbox();
    let mut sent = 0;
    for entry in std::fs::read_dir(&app.mail_dir)
        .expect("mail dir")
        .flatten()
    {
        let bytes = std::fs::read(entry.path()).expect("eml");
        let message = mail_parser::MessageParser::default()
            .parse(&bytes)
            .expect("RFC 5322");
        if message
            .subject()
            .is_some_and(|s| s.starts_with("Peringatan: temujanji esok / Reminder"))
        {
            sent += 1;
            let text = message.body_text(0).expect("text").into_owned();
            assert!(
                text.contains("temujanji anda adalah esok")
                    && text.contains("your appointment is tomorrow"),
                "{text}"
            );
            assert_eq!(message.attachments().count(), 1, "the slip");
        }
    }
    assert_eq!(sent, 2);
}

async fn concurrent_claims_never_share_a_message(app: TestApp) {
    // Due in an hour, so that the server's own worker leaves them alone; the claimers below
    // run "two hours from now".
    let later = clock::now_utc() + TimeDelta::hours(1);
    let letters = Letters::new("https://temujanji.test").expect("letters");
    let mut conn = app.db.connect();
    for n in 0..60 {
        let to = EmailAddress::parse(&email(n)).expect("email");
        let code = OneTimeCode::from_number(n);
        let message = letters
            .code(&to, &code, later + TimeDelta::hours(9), later)
            .expect("compose");
        outbox::enqueue(&mut conn, &message, later).expect("enqueue");
    }
    let settings = Settings {
        batch: 7,
        ..Settings::default()
    };
    let now = later + TimeDelta::hours(1);
    let claims: Vec<Vec<i64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|n| {
                let db = &app.db;
                scope.spawn(move || {
                    let mut conn = db.connect();
                    let mut mine = Vec::new();
                    loop {
                        let batch = claim_email(&mut conn, &format!("worker-{n}"), &settings, now)
                            .expect("claim");
                        if batch.is_empty() {
                            return mine;
                        }
                        assert!(batch.len() <= 7);
                        mine.extend(batch.iter().map(|m| m.id));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("thread"))
            .collect()
    });
    let all: Vec<i64> = claims.iter().flatten().copied().collect();
    let distinct: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len(), 60, "every message claimed once: {claims:?}");
    assert_eq!(distinct.len(), 60, "no message claimed twice: {claims:?}");
    assert!(app.outbox().iter().all(|r| r.attempts == 1));

    // Claims last for the lease: then a worker that died is replaced.
    let during = claim_email(&mut conn, "other", &settings, now + TimeDelta::minutes(4));
    assert!(during.expect("claim").is_empty());
    let after =
        claim_email(&mut conn, "other", &settings, now + TimeDelta::minutes(6)).expect("claim");
    assert_eq!(after.len(), 7);
    assert!(after.iter().all(|m| m.attempts == 2));
}

async fn the_code_mail_is_written_to_the_mail_directory(app: TestApp) {
    let response = app.request_code("dir@example.com").await;
    assert_eq!(response.status(), 202);
    let code = app.code_sent_to("dir@example.com").expect("a code");
    assert_eq!(code.len(), 6);
    let rows = app.outbox();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0].kind.as_str(), rows[0].status.as_str()),
        ("code", "sent")
    );
}

async fn a_reminder_withdrawn_while_being_sent_stays_withdrawn(app: TestApp) {
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (reference, token) = app.book_applicant(BRANCH, SERVICE, 1, &slot).await;
    let appointment: temujanji_shared::wire::Appointment = app
        .get_auth(&format!("/api/v1/appointments/{reference}"), &token)
        .await
        .json()
        .await
        .expect("the appointment");
    // Due in an hour, so that the server's own worker leaves it alone.
    let later = clock::now_utc() + TimeDelta::hours(1);
    let letters = Letters::new("https://temujanji.test").expect("letters");
    let reminder = letters
        .appointment(temujanji_api::mail::Notice::Reminder, &appointment)
        .expect("compose");
    let mut conn = app.db.connect();
    outbox::enqueue(&mut conn, &reminder, later).expect("enqueue");
    let settings = Settings::default();
    let now = later + TimeDelta::minutes(1);
    let claimed = claim_email(&mut conn, "worker", &settings, now).expect("claim");
    let mine = claimed
        .iter()
        .find(|m| m.kind == "reminder")
        .expect("the reminder is claimed")
        .clone();
    assert!(outbox::renew(&mut conn, mine.id, "worker", &settings, now).expect("renew"));
    // The appointment is cancelled while the worker talks to the mail server.
    outbox::discard_reminders(&mut conn, &reference, now).expect("discard");
    assert!(
        !outbox::renew(&mut conn, mine.id, "worker", &settings, now).expect("renew"),
        "a withdrawn message is not sent"
    );
    outbox::mark_failed(
        &mut conn,
        &mine,
        "worker",
        &outbox::AttemptError {
            message: "451 try later".into(),
            permanent: false,
            http_status: None,
        },
        &settings,
        now,
    )
    .expect("mark failed");
    outbox::mark_sent(&mut conn, mine.id, "worker", None, now).expect("mark sent");
    let reminders: Vec<_> = app
        .outbox()
        .into_iter()
        .filter(|row| row.kind == "reminder")
        .collect();
    assert_eq!(reminders.len(), 1);
    assert_eq!(
        reminders[0].status, "discarded",
        "neither a failed nor a finished attempt brings it back"
    );
}

async fn a_sent_code_mail_keeps_no_code(app: TestApp) {
    let later = clock::now_utc() + TimeDelta::hours(1);
    let letters = Letters::new("https://temujanji.test").expect("letters");
    let to = EmailAddress::parse("erase@example.com").expect("email");
    let code = OneTimeCode::from_number(424_242);
    let message = letters
        .code(&to, &code, later + TimeDelta::minutes(10), later)
        .expect("compose");
    let mut conn = app.db.connect();
    outbox::enqueue(&mut conn, &message, later).expect("enqueue");
    let settings = Settings::default();
    let now = later + TimeDelta::minutes(1);
    let claimed = claim_email(&mut conn, "worker", &settings, now).expect("claim");
    let mine = claimed.iter().find(|m| m.kind == "code").expect("claimed");
    let stored = |conn: &mut temujanji_api::db::DbConnection| -> Vec<u8> {
        use diesel::prelude::*;
        use temujanji_api::db::schema::outbox::dsl;
        dsl::outbox
            .find(mine.id)
            .select(dsl::message)
            .first(conn)
            .expect("the row")
    };
    assert!(String::from_utf8_lossy(&stored(&mut conn)).contains("424242"));
    outbox::mark_sent(&mut conn, mine.id, "worker", None, now).expect("sent");
    outbox::housekeeping(&mut conn, now).expect("housekeeping");
    assert!(
        stored(&mut conn).is_empty(),
        "only the code's HMAC stays in the database"
    );
}

/// Claims a batch of due e-mails, as the worker's e-mail loop does.
fn claim_email(
    conn: &mut temujanji_api::db::DbConnection,
    token: &str,
    settings: &Settings,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<Vec<outbox::Claimed>> {
    outbox::claim(
        conn,
        outbox::Channel::Email,
        token,
        settings,
        settings.batch,
        now,
    )
}
