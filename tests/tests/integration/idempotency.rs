use serde_json::Value;

use crate::helpers::{TestApp, booking, both_backends, email};

both_backends!(
    a_retry_returns_the_first_answer,
    a_reused_key_with_another_body_is_refused,
    concurrent_retries_take_one_seat,
    a_retry_gets_the_first_answer_even_when_the_rules_now_refuse,
);

const BRANCH: &str = "PNG-GT";
const SERVICE: &str = "passport_renewal";

async fn post_with_key(app: &TestApp, token: &str, key: &str, body: &Value) -> (u16, Value) {
    let response = app
        .client
        .post(app.url("/api/v1/appointments"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("request");
    (
        response.status().as_u16(),
        response.json().await.expect("json"),
    )
}

async fn a_retry_returns_the_first_answer(app: TestApp) {
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let token = app.token_for(&email(1));
    let body = booking(BRANCH, SERVICE, date, &start, 1);
    let first = post_with_key(&app, &token, "retry-1", &body).await;
    let second = post_with_key(&app, &token, "retry-1", &body).await;
    assert_eq!(first.0, 201);
    assert_eq!(second, first);
    assert_eq!(app.booked(BRANCH, SERVICE, date, &start), 1);
    // Without the key, the same body is a second booking attempt (refused by R5).
    let again = app.post("/api/v1/appointments", Some(&token), &body).await;
    assert_eq!(again.status(), 409);
}

async fn a_reused_key_with_another_body_is_refused(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let token = app.token_for(&email(1));
    let first = post_with_key(
        &app,
        &token,
        "key-A",
        &booking(BRANCH, SERVICE, slots[0].0, &slots[0].1, 1),
    )
    .await;
    assert_eq!(first.0, 201);
    let other = post_with_key(
        &app,
        &token,
        "key-A",
        &booking(BRANCH, SERVICE, slots[1].0, &slots[1].1, 1),
    )
    .await;
    assert_eq!(other.0, 422);
    assert_eq!(other.1["type"], "idempotency_key_reused");
    assert_eq!(app.booked(BRANCH, SERVICE, slots[1].0, &slots[1].1), 0);
    let bad = post_with_key(
        &app,
        &token,
        "",
        &booking(BRANCH, SERVICE, slots[1].0, &slots[1].1, 1),
    )
    .await;
    assert_eq!(bad.0, 400);
}

async fn concurrent_retries_take_one_seat(app: TestApp) {
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let token = app.token_for(&email(9));
    let body = booking(BRANCH, SERVICE, date, &start, 9);
    let mut tasks = tokio::task::JoinSet::new();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(20));
    for _ in 0..20 {
        let (client, url, token, body, barrier) = (
            app.client.clone(),
            app.url("/api/v1/appointments"),
            token.clone(),
            body.clone(),
            barrier.clone(),
        );
        tasks.spawn(async move {
            barrier.wait().await;
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "same-key")
                .json(&body)
                .send()
                .await
                .expect("request");
            (
                response.status().as_u16(),
                response.json::<Value>().await.expect("json"),
            )
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.expect("task"));
    }
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "every retry gets the same answer: {answers:?}"
    );
    assert_eq!(answers[0].0, 201);
    assert_eq!(app.booked(BRANCH, SERVICE, date, &start), 1);
    assert_eq!(app.active_appointments(BRANCH, date, &start), 1);
}

async fn a_retry_gets_the_first_answer_even_when_the_rules_now_refuse(app: TestApp) {
    use diesel::prelude::*;
    use temujanji_api::db::schema::blocks::dsl;
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let token = app.token_for(&email(3));
    let body = booking(BRANCH, SERVICE, date, &start, 3);
    let first = post_with_key(&app, &token, "before-the-block", &body).await;
    assert_eq!(first.0, 201);
    let mut conn = app.db.connect();
    diesel::insert_into(dsl::blocks)
        .values((
            dsl::kind.eq("email"),
            dsl::value.eq(email(3)),
            dsl::reason.eq("Bot traffic"),
            dsl::until.eq(temujanji_api::clock::today() + chrono::TimeDelta::days(7)),
            dsl::created_at.eq(temujanji_api::clock::now_utc()),
        ))
        .execute(&mut conn)
        .expect("insert block");
    let retry = post_with_key(&app, &token, "before-the-block", &body).await;
    assert_eq!(retry, first, "the booking was made; the retry says so");
    let new_key = post_with_key(&app, &token, "after-the-block", &body).await;
    assert_eq!(new_key.0, 403);
}
