use serde_json::{Value, json};

use crate::helpers::{TestApp, both_backends};

both_backends!(
    a_code_is_emailed_and_exchanged_for_a_token,
    a_code_works_once,
    five_wrong_codes_lock_the_code,
    codes_cannot_be_requested_back_to_back,
    a_used_code_does_not_hold_back_the_next_one,
    bad_tokens_are_refused,
    others_cannot_see_an_appointment,
    an_expired_code_is_refused,
    concurrent_code_requests_send_one_code,
);

const CODES: &str = "/api/v1/auth/email-codes";
const VERIFY: &str = "/api/v1/auth/email-codes/verify";

async fn a_code_is_emailed_and_exchanged_for_a_token(app: TestApp) {
    let response = app.request_code("  Siti@Example.COM ").await;
    assert_eq!(response.status(), 202);
    app.wait_for_outbox();
    let eml = std::fs::read_dir(&app.mail_dir)
        .expect("outbox")
        .flatten()
        .next()
        .expect("one e-mail");
    let text = std::fs::read_to_string(eml.path()).expect("eml");
    assert!(text.contains("To: siti@example.com"), "{text}");
    assert!(text.contains("Kod pengesahan") && text.contains("Verification code"));
    let code = app.code_sent_to("siti@example.com").expect("code");
    assert_eq!(code.len(), 6);
    let verified = app
        .post(
            VERIFY,
            None,
            &json!({ "email": "siti@example.com", "code": code }),
        )
        .await;
    assert_eq!(verified.status(), 200);
    let body: Value = verified.json().await.expect("json");
    let token = body["token"].as_str().expect("token");
    assert_eq!(
        app.keys.verify(token).expect("valid token").as_str(),
        "siti@example.com"
    );
}

async fn a_code_works_once(app: TestApp) {
    app.request_code("once@example.com").await;
    let code = app.code_sent_to("once@example.com").expect("code");
    let body = json!({ "email": "once@example.com", "code": code });
    assert_eq!(app.post(VERIFY, None, &body).await.status(), 200);
    let again = app.post(VERIFY, None, &body).await;
    assert_eq!(again.status(), 400);
    let problem: Value = again.json().await.expect("json");
    assert_eq!(problem["type"], "code_expired");
}

async fn five_wrong_codes_lock_the_code(app: TestApp) {
    app.request_code("guess@example.com").await;
    let code = app.code_sent_to("guess@example.com").expect("code");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        let response = app
            .post(
                VERIFY,
                None,
                &json!({ "email": "guess@example.com", "code": wrong }),
            )
            .await;
        assert_eq!(response.status(), 400);
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["type"], "invalid_code");
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains(&left.to_string()))
        );
    }
    let right = app
        .post(
            VERIFY,
            None,
            &json!({ "email": "guess@example.com", "code": code }),
        )
        .await;
    assert_eq!(
        right.status(),
        429,
        "the right code no longer works after 5 wrong tries"
    );
    let problem: Value = right.json().await.expect("json");
    assert_eq!(problem["type"], "too_many_attempts");
}

async fn codes_cannot_be_requested_back_to_back(app: TestApp) {
    assert_eq!(app.request_code("fast@example.com").await.status(), 202);
    let again = app.request_code("fast@example.com").await;
    assert_eq!(again.status(), 429);
    assert!(again.headers().contains_key("retry-after"));
    let problem: Value = again.json().await.expect("json");
    assert_eq!(problem["type"], "rate_limited");
    let invalid = app.request_code("not-an-email").await;
    assert_eq!(invalid.status(), 422);
    let problem: Value = invalid.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "email");
    assert_eq!(problem["errors"][0]["code"], "invalid_email");
}

/// Booking, then managing the booking at once, needs two codes within the cool-down: once the
/// newest code is used, the next one is sent without waiting (an unused one still holds it).
async fn a_used_code_does_not_hold_back_the_next_one(app: TestApp) {
    app.login("twice@example.com").await;
    let next = app.request_code("twice@example.com").await;
    assert_eq!(
        next.status(),
        202,
        "{}",
        next.text().await.unwrap_or_default()
    );
    let again = app.request_code("twice@example.com").await;
    assert_eq!(again.status(), 429, "the unused code holds the cool-down");
}

async fn bad_tokens_are_refused(app: TestApp) {
    let email = temujanji_shared::email::EmailAddress::parse("x@example.com").expect("email");
    let wrong_audience = app
        .keys
        .issue_with(&email, "temujanji-staff", 600)
        .expect("token");
    let expired = app
        .keys
        .issue_with(&email, temujanji_api::auth::token::APPLICANT_AUDIENCE, -600)
        .expect("token");
    let foreign =
        temujanji_api::auth::token::TokenKeys::new(b"another-secret-another-secret-0123456789")
            .issue(&email)
            .expect("token");
    let body = crate::helpers::booking(
        "SGR-SHA",
        "passport_new",
        temujanji_api::clock::today(),
        "09:00",
        1,
    );
    for token in [
        None,
        Some(wrong_audience.as_str()),
        Some(expired.as_str()),
        Some(foreign.as_str()),
    ] {
        let response = app.post("/api/v1/appointments", token, &body).await;
        assert_eq!(response.status(), 401);
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["type"], "unauthorized");
    }
}

async fn others_cannot_see_an_appointment(app: TestApp) {
    let (date, start) = app.first_free_slot("SGR-SHA", "passport_new").await;
    let owner = app.token_for(&crate::helpers::email(1));
    let created = app
        .post(
            "/api/v1/appointments",
            Some(&owner),
            &crate::helpers::booking("SGR-SHA", "passport_new", date, &start, 1),
        )
        .await;
    assert_eq!(created.status(), 201);
    let reference = created.json::<Value>().await.expect("json")["reference"]
        .as_str()
        .expect("ref")
        .to_owned();
    let stranger = app.token_for("stranger@example.com");
    let path = format!("/api/v1/appointments/{reference}");
    assert_eq!(app.get_auth(&path, &stranger).await.status(), 404);
    assert_eq!(
        app.post(&format!("{path}/cancel"), Some(&stranger), &json!({}))
            .await
            .status(),
        404
    );
    let elsewhere = json!({ "date": date.to_string(), "start": start });
    assert_eq!(
        app.post(&format!("{path}/reschedule"), Some(&stranger), &elsewhere)
            .await
            .status(),
        404
    );
    assert_eq!(app.get(&format!("{path}/slip.pdf")).await.status(), 401);
    let seen: Value = app
        .get_auth(&path, &owner)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(seen["status"], "booked", "the stranger changed nothing");
    assert_eq!(app.booked("SGR-SHA", "passport_new", date, &start), 1);
}

async fn an_expired_code_is_refused(app: TestApp) {
    use diesel::prelude::*;
    use temujanji_api::db::schema::email_codes::dsl;
    app.request_code("late@example.com").await;
    let code = app.code_sent_to("late@example.com").expect("code");
    let mut conn = app.db.connect();
    diesel::update(dsl::email_codes.filter(dsl::email.eq("late@example.com")))
        .set(dsl::expires_at.eq(temujanji_api::clock::now_utc() - chrono::TimeDelta::seconds(1)))
        .execute(&mut conn)
        .expect("expire the code");
    let response = app
        .post(
            VERIFY,
            None,
            &json!({ "email": "late@example.com", "code": code }),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.expect("json")["type"],
        "code_expired"
    );
}

async fn concurrent_code_requests_send_one_code(app: TestApp) {
    let mut tasks = tokio::task::JoinSet::new();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(10));
    for _ in 0..10 {
        let (client, url, barrier) = (app.client.clone(), app.url(CODES), barrier.clone());
        let altcha = app.altcha().await;
        tasks.spawn(async move {
            barrier.wait().await;
            let response = client
                .post(url)
                .json(&json!({ "email": "rush@example.com", "altcha": altcha }))
                .send()
                .await;
            response.expect("request").status().as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.expect("task"));
    }
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [202, 429, 429, 429, 429, 429, 429, 429, 429, 429],
        "one code per cool-down"
    );
    app.wait_for_outbox();
    let sent = std::fs::read_dir(&app.mail_dir).expect("outbox").count();
    assert_eq!(sent, 1, "exactly one e-mail");
}
