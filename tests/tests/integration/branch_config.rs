//! Branch configuration (R3) by supervisors: preview, stranded appointments confirmed and
//! cancelled with an apology received over real SMTP, seats reduced below those taken, and
//! invalid changes refused; on both backends.

use chrono::{Datelike, TimeDelta};
use diesel::prelude::*;
use mail_parser::MimeHeaders;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, both_backends, email};
use crate::smtp_server::SmtpServer;

both_backends!(backend: an_hours_change_strands_bookings_only_when_confirmed);
mod others {
    use super::*;
    crate::helpers::both_backends!(
        reducing_seats_never_breaks_the_capacity_check,
        invalid_configurations_are_refused_by_field,
    );
}

const BRANCH: &str = "SGR-SHA";
const SERVICE: &str = "passport_renewal";

async fn config(app: &TestApp, token: &str) -> Value {
    let response = app
        .get_auth(&format!("/api/v1/staff/branches/{BRANCH}/config"), token)
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

async fn put(app: &TestApp, token: &str, query: &str, body: &Value) -> (u16, Value) {
    let response = app
        .send(
            Method::PUT,
            &format!("/api/v1/staff/branches/{BRANCH}/config{query}"),
            Some(token),
            Some(body),
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn status_and_by(app: &TestApp, reference: &str) -> (String, Option<String>) {
    use temujanji_api::db::schema::appointments::dsl;
    dsl::appointments
        .filter(dsl::reference.eq(reference))
        .select((dsl::status, dsl::cancelled_by))
        .first(&mut app.db.connect())
        .expect("appointment")
}

async fn an_hours_change_strands_bookings_only_when_confirmed(backend: Backend) {
    let smtp = SmtpServer::start();
    let app = TestApp::spawn_with(
        backend,
        &[
            ("TEMUJANJI_SMTP_URL", smtp.url()),
            ("TEMUJANJI_PUBLIC_URL", "https://temujanji.test".to_owned()),
            ("TEMUJANJI_MAIL_POLL_SECONDS", "1".to_owned()),
        ],
    )
    .await;
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (reference, _) = app.book_applicant(BRANCH, SERVICE, 1, &slot).await;
    smtp.wait_for(&email(1), "Appointment confirmed").await;
    let before = config(&app, &supervisor).await;
    // The booked day's weekday becomes a day off.
    let weekday = slot.0.weekday().number_from_monday();
    let mut changed = before.clone();
    changed["week"] = Value::Array(
        before["week"]
            .as_array()
            .expect("week")
            .iter()
            .filter(|d| d["weekday"] != weekday)
            .cloned()
            .collect(),
    );
    let body = json!({ "config": changed });

    let (status, preview) = put(&app, &supervisor, "?dry_run=true", &body).await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["applied"], false);
    let stranded: Vec<&str> = preview["stranded"]
        .as_array()
        .expect("stranded")
        .iter()
        .filter_map(|s| s["reference"].as_str())
        .collect();
    assert_eq!(stranded, [reference.as_str()]);
    assert_eq!(
        config(&app, &supervisor).await,
        before,
        "a preview changes nothing"
    );
    assert_eq!(status_and_by(&app, &reference).0, "booked");

    let (status, refused) = put(&app, &supervisor, "", &body).await;
    assert_eq!(
        (status, refused["type"].as_str()),
        (409, Some("stranded_unconfirmed"))
    );
    let wrong = json!({ "config": changed, "confirm_stranded": 2 });
    assert_eq!(put(&app, &supervisor, "", &wrong).await.0, 409);
    assert_eq!(config(&app, &supervisor).await, before);

    let confirmed = json!({ "config": changed, "confirm_stranded": 1 });
    let (status, applied) = put(&app, &supervisor, "", &confirmed).await;
    assert_eq!(status, 200, "{applied}");
    assert_eq!(applied["applied"], true);
    assert_eq!(
        status_and_by(&app, &reference),
        ("cancelled".to_owned(), Some("office".to_owned()))
    );
    assert_eq!(
        app.booked(BRANCH, SERVICE, slot.0, &slot.1),
        0,
        "the seat is freed"
    );
    let days = app.availability(BRANCH, SERVICE, slot.0, slot.0).await;
    assert_eq!(days["days"][0]["open"], false, "the day is closed now");

    // The apology, in both languages, with a link to book again (real SMTP).
    let apology = smtp.wait_for(&email(1), "cancelled by the office").await;
    let message = apology.parsed();
    let text = message.body_text(0).expect("text").into_owned();
    for words in [
        "Kami memohon maaf",
        "We apologise",
        "https://temujanji.test/apply",
        reference.as_str(),
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    assert!(
        message
            .attachments()
            .all(|a| a.content_type().is_none_or(|t| t.subtype() != Some("pdf"))),
        "no slip for a cancelled appointment"
    );
    // Audited with before and after; the cancellation is the office's, not a strike.
    use temujanji_api::db::schema::audit_events::dsl;
    let (before_json, after_json): (Option<String>, Option<String>) = dsl::audit_events
        .filter(dsl::action.eq("branch.configured"))
        .select((dsl::before_json, dsl::after_json))
        .first(&mut app.db.connect())
        .expect("audited");
    let before_json: Value = serde_json::from_str(&before_json.expect("before")).expect("json");
    let after_json: Value = serde_json::from_str(&after_json.expect("after")).expect("json");
    assert_eq!(before_json["week"], before["week"]);
    assert_eq!(after_json["week"], changed["week"]);
    assert_eq!(after_json["stranded_cancelled"], 1);
    let cancelled_by_office: Vec<String> = dsl::audit_events
        .filter(dsl::subject.eq(&reference))
        .filter(dsl::action.eq("appointment.cancelled"))
        .select(dsl::actor)
        .load(&mut app.db.connect())
        .expect("audit");
    assert_eq!(cancelled_by_office, ["staff:penyelia"]);
    app.stop().await;
}

async fn reducing_seats_never_breaks_the_capacity_check(app: TestApp) {
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    app.set_seats(BRANCH, SERVICE, 3);
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    for n in 1..=3 {
        app.book_applicant(BRANCH, SERVICE, n, &slot).await;
    }
    let mut changed = config(&app, &supervisor).await;
    for service in changed["services"].as_array_mut().expect("services") {
        if service["service"] == SERVICE {
            service["seats"] = 1.into();
        }
    }
    let (status, outcome) = put(&app, &supervisor, "", &json!({ "config": changed })).await;
    assert_eq!(status, 200, "{outcome}");
    assert_eq!(
        outcome["stranded"],
        json!([]),
        "booked seats keep their places"
    );
    use temujanji_api::db::schema::slots::dsl;
    let (capacity, booked): (i32, i32) = dsl::slots
        .filter(dsl::branch_code.eq(BRANCH))
        .filter(dsl::service_code.eq(SERVICE))
        .filter(dsl::date.eq(slot.0))
        .select((dsl::capacity, dsl::booked))
        .first(&mut app.db.connect())
        .expect("slot");
    assert_eq!((capacity, booked), (3, 3));
    let refused = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&email(4))),
            &crate::helpers::booking(BRANCH, SERVICE, slot.0, &slot.1, 4),
        )
        .await;
    assert_eq!(refused.status(), 409);
    // Another, untouched slot offers the new seats.
    let later = slot.0 + TimeDelta::days(7);
    let days = app.availability(BRANCH, SERVICE, later, later).await;
    if let Some(first) = days["days"][0]["slots"].as_array().and_then(|s| s.first()) {
        assert_eq!(first["capacity"], 1);
    }
}

async fn invalid_configurations_are_refused_by_field(app: TestApp) {
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    let good = config(&app, &supervisor).await;
    let mut bad = good.clone();
    bad["slot_minutes"] = 1.into();
    bad["week"] = json!([
        { "weekday": 1, "periods": [ { "opens": "08:00", "closes": "12:00" },
                                     { "opens": "11:00", "closes": "13:00" } ] }
    ]);
    bad["services"] = json!([{ "service": "no_such_service", "seats": 0 }]);
    bad["closures"] = json!([{ "date": "2027-01-05", "name_ms": "", "name_en": "Flood" }]);
    let (status, problem) = put(&app, &supervisor, "", &json!({ "config": bad })).await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["slot_minutes", "week", "services", "closures"]);
    let mut unknown = good.clone();
    unknown["services"] = json!([{ "service": "no_such_service", "seats": 2 }]);
    assert_eq!(
        put(&app, &supervisor, "", &json!({ "config": unknown }))
            .await
            .0,
        422
    );
    assert_eq!(config(&app, &supervisor).await, good, "nothing was written");
    // Only the branch's supervisor or an administrator.
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    assert_eq!(
        put(&app, &officer, "", &json!({ "config": good })).await.0,
        403
    );
    let elsewhere = app.staff_token("lain", "supervisor", Some("PJY-HQ")).await;
    assert_eq!(
        put(&app, &elsewhere, "", &json!({ "config": good }))
            .await
            .0,
        403
    );
    let admin = app.staff_token("ketua", "admin", None).await;
    assert_eq!(
        put(&app, &admin, "", &json!({ "config": good })).await.0,
        200
    );
}
