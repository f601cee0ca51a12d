//! ALTCHA proof of work on the code request: a bot must solve a fresh challenge for every
//! code it asks for, and cannot reuse, forge or keep one.

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use temujanji_api::proof_of_work::ProofOfWork;
use temujanji_shared::altcha::{Challenge, Solution};

use crate::helpers::{JWT_SECRET, TestApp, booking, both_backends, email};

both_backends!(
    a_challenge_is_fresh_private_and_solvable,
    a_code_request_without_a_solution_is_refused,
    a_wrong_or_forged_solution_is_refused,
    a_solution_works_once,
    an_expired_challenge_is_refused,
    concurrent_requests_with_one_solution_send_one_code,
    a_booking_in_rush_mode_needs_a_fresh_solution,
    a_retry_in_rush_mode_solves_again_under_the_same_key,
    a_move_in_rush_mode_needs_a_fresh_solution,
);

const SERVICE: &str = "passport_renewal";
const BRANCH: &str = "SGR-SHA";

/// Turns rush mode of `SERVICE` on, as the `temujanji service rush` command does.
fn rush(app: &TestApp) {
    let service = temujanji_shared::codes::ServiceCode::parse(SERVICE).expect("code");
    let found = temujanji_api::catalog::change_service(
        &mut app.db.connect(),
        &service,
        temujanji_api::catalog::ServiceSetting::Rush(true),
        &temujanji_api::authz::Principal::System,
        temujanji_api::clock::now_utc(),
    )
    .expect("set rush mode");
    assert!(found);
}

/// Books applicant `n` into `slot` with `altcha` (if any), under `key` (if any).
async fn book(
    app: &TestApp,
    n: u32,
    slot: &(chrono::NaiveDate, String),
    altcha: Option<&str>,
    key: Option<&str>,
) -> (u16, Value) {
    let mut body = booking(BRANCH, SERVICE, slot.0, &slot.1, n);
    if let Some(altcha) = altcha {
        body["altcha"] = json!(altcha);
    }
    let mut request = app
        .client
        .post(app.url("/api/v1/appointments"))
        .bearer_auth(app.token_for(&email(n)))
        .header("Accept-Language", "en")
        .json(&body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

const CODES: &str = "/api/v1/auth/email-codes";

async fn challenge(app: &TestApp) -> Challenge {
    let response = app.get("/api/v1/auth/challenge").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "a cache must not hand one challenge to many clients"
    );
    response.json().await.expect("a challenge")
}

/// Posts a code request for `email` with `altcha` as it is (in English), and returns the
/// status and the body.
async fn ask(app: &TestApp, email: &str, altcha: Option<&str>) -> (u16, Value) {
    let body = match altcha {
        Some(altcha) => json!({ "email": email, "altcha": altcha }),
        None => json!({ "email": email }),
    };
    let response = app
        .client
        .post(app.url(CODES))
        .header("Accept-Language", "en")
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn assert_refused(answer: &(u16, Value), detail_contains: &str) {
    assert_eq!(answer.0, 422, "{}", answer.1);
    assert_eq!(answer.1["type"], "proof_of_work_failed", "{}", answer.1);
    let detail = answer.1["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(detail_contains), "{detail}");
}

/// No e-mail left the server (the code is not even created).
fn nothing_sent(app: &TestApp) {
    app.wait_for_outbox();
    assert!(app.outbox().is_empty(), "no code may be sent");
}

async fn a_challenge_is_fresh_private_and_solvable(app: TestApp) {
    let first = challenge(&app).await;
    let second = challenge(&app).await;
    assert_eq!(first.algorithm, "SHA-256");
    assert_eq!(first.maxnumber, 5000, "the configured difficulty");
    assert_ne!(first.salt, second.salt);
    assert_ne!(first.challenge, second.challenge);
    let solution = first
        .solve()
        .expect("a challenge of the server has a solution");
    assert!(solution.number <= first.maxnumber);
    let answer = ask(&app, "pow@example.com", Some(&solution.encode())).await;
    assert_eq!(answer.0, 202, "{}", answer.1);
}

async fn a_code_request_without_a_solution_is_refused(app: TestApp) {
    assert_refused(&ask(&app, "bot@example.com", None).await, "proof of work");
    assert_refused(
        &ask(&app, "bot@example.com", Some("  ")).await,
        "proof of work",
    );
    nothing_sent(&app);
}

async fn a_wrong_or_forged_solution_is_refused(app: TestApp) {
    let issued = challenge(&app).await;
    let right = issued.solve().expect("solvable");
    // A number that does not solve it.
    let wrong_number = issued.solution((right.number + 1) % (issued.maxnumber + 1), None);
    assert_refused(
        &ask(&app, "bot@example.com", Some(&wrong_number.encode())).await,
        "not valid",
    );
    // A challenge the bot made itself (easy: max number 1), signed with a guess.
    let forged = Challenge {
        maxnumber: 1,
        challenge: temujanji_shared::altcha::hash(&issued.salt, 0),
        ..issued.clone()
    };
    assert_refused(
        &ask(
            &app,
            "bot@example.com",
            Some(&forged.solution(0, None).encode()),
        )
        .await,
        "not valid",
    );
    // Signed by another server (another secret).
    let other = ProofOfWork::new(
        b"another-secret-another-secret-0123",
        10,
        TimeDelta::minutes(5),
    )
    .issue(Utc::now());
    let other = other.solve().expect("solvable").encode();
    assert_refused(
        &ask(&app, "bot@example.com", Some(&other)).await,
        "not valid",
    );
    // Not base64 JSON at all, and a huge number.
    assert_refused(
        &ask(&app, "bot@example.com", Some("%%%")).await,
        "not valid",
    );
    let mut huge: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::STANDARD, right.encode())
            .expect("base64"),
    )
    .expect("json");
    huge["number"] = json!(u64::MAX);
    let huge = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, huge.to_string());
    assert_refused(
        &ask(&app, "bot@example.com", Some(&huge)).await,
        "not valid",
    );
    nothing_sent(&app);
    // The right one still works.
    assert_eq!(
        ask(&app, "bot@example.com", Some(&right.encode())).await.0,
        202
    );
}

async fn a_solution_works_once(app: TestApp) {
    let solved = challenge(&app).await.solve().expect("solvable").encode();
    assert_eq!(ask(&app, "first@example.com", Some(&solved)).await.0, 202);
    // Another address (no cool-down in the way): the solution is spent.
    assert_refused(
        &ask(&app, "second@example.com", Some(&solved)).await,
        "already used",
    );
    app.wait_for_outbox();
    assert_eq!(app.outbox().len(), 1, "one code for one solution");
}

/// A challenge solved, then kept past its lifetime (minted here with the server's key, as if
/// issued six minutes ago).
async fn an_expired_challenge_is_refused(app: TestApp) {
    let server = ProofOfWork::new(JWT_SECRET.as_bytes(), 5000, TimeDelta::minutes(5));
    let old = server.issue(Utc::now() - TimeDelta::minutes(6));
    let late = old.solve().expect("solvable").encode();
    assert_refused(&ask(&app, "slow@example.com", Some(&late)).await, "expired");
    // The same key and age minus two minutes is still good: the refusal was the expiry.
    let recent = server.issue(Utc::now() - TimeDelta::minutes(4));
    let recent = recent.solve().expect("solvable").encode();
    assert_eq!(ask(&app, "slow@example.com", Some(&recent)).await.0, 202);
    // The expiry is in the signed salt: moving it forward breaks the solution.
    let decoded = Solution::decode(&late).expect("decodes");
    let moved = Solution {
        salt: decoded.salt.replace(
            &decoded.expires().expect("expiry").to_string(),
            &(Utc::now().timestamp() + 600).to_string(),
        ),
        ..decoded
    };
    assert_refused(
        &ask(&app, "slow@example.com", Some(&moved.encode())).await,
        "not valid",
    );
}

async fn concurrent_requests_with_one_solution_send_one_code(app: TestApp) {
    let solved = challenge(&app).await.solve().expect("solvable").encode();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(12));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..12 {
        let (client, url, barrier, solved) = (
            app.client.clone(),
            app.url(CODES),
            barrier.clone(),
            solved.clone(),
        );
        tasks.spawn(async move {
            barrier.wait().await;
            client
                .post(url)
                .json(&json!({ "email": format!("bot{n}@example.com"), "altcha": solved }))
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.expect("task"));
    }
    statuses.sort_unstable();
    let mut expected = vec![422; 11];
    expected.insert(0, 202);
    assert_eq!(
        statuses, expected,
        "exactly one request spends the solution"
    );
    app.wait_for_outbox();
    assert_eq!(app.outbox().len(), 1);
}

async fn a_booking_in_rush_mode_needs_a_fresh_solution(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 3).await;
    // Not in rush mode: no proof of work needed (the everyday case).
    assert_eq!(book(&app, 1, &slots[0], None, None).await.0, 201);
    rush(&app);
    app.set_seats(BRANCH, SERVICE, 1);
    let services: Value = app
        .get("/api/v1/services")
        .await
        .json()
        .await
        .expect("json");
    let listed = services
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["code"] == SERVICE)
        .expect("the service");
    assert_eq!(
        listed["rush"], true,
        "the SPA learns of the rush from the catalogue"
    );
    assert_refused(&book(&app, 2, &slots[1], None, None).await, "proof of work");
    let solved = app.altcha().await;
    let booked = book(&app, 2, &slots[1], Some(&solved), None).await;
    assert_eq!(booked.0, 201, "{}", booked.1);
    // Spent: the bot's next identity needs a solution of its own.
    assert_refused(
        &book(&app, 3, &slots[2], Some(&solved), None).await,
        "already used",
    );
    // A refused booking costs its solution too: slot 1 holds one seat, now taken.
    let another = app.altcha().await;
    let full = book(&app, 4, &slots[1], Some(&another), None).await;
    assert_eq!((full.0, full.1["type"].as_str()), (409, Some("slot_full")));
    assert_refused(
        &book(&app, 4, &slots[2], Some(&another), None).await,
        "already used",
    );
    assert_eq!(
        book(&app, 3, &slots[2], Some(&app.altcha().await), None)
            .await
            .0,
        201
    );
}

/// The SPA retries a booking under its `Idempotency-Key` with a newly solved challenge: the
/// solution is not part of the request the key stands for, and the retry gets the first
/// answer (no second seat).
async fn a_retry_in_rush_mode_solves_again_under_the_same_key(app: TestApp) {
    rush(&app);
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let first = book(&app, 7, &slot, Some(&app.altcha().await), Some("retry-1")).await;
    assert_eq!(first.0, 201, "{}", first.1);
    let retry = book(&app, 7, &slot, Some(&app.altcha().await), Some("retry-1")).await;
    assert_eq!(retry.0, 201, "{}", retry.1);
    assert_eq!(retry.1["reference"], first.1["reference"]);
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 1);
}

/// An applicant holding one appointment cannot hammer a hot day's slots by moving it: each
/// move in rush mode costs a solution, refused or not.
async fn a_move_in_rush_mode_needs_a_fresh_solution(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 3).await;
    let (status, booked) = book(&app, 1, &slots[0], None, None).await;
    assert_eq!(status, 201);
    let reference = booked["reference"].as_str().expect("reference").to_owned();
    rush(&app);
    let mv = |slot: &(chrono::NaiveDate, String), altcha: Option<String>| {
        let mut body = json!({ "date": slot.0, "start": slot.1 });
        if let Some(altcha) = altcha {
            body["altcha"] = json!(altcha);
        }
        let request = app
            .client
            .post(app.url(&format!("/api/v1/appointments/{reference}/reschedule")))
            .bearer_auth(app.token_for(&email(1)))
            .header("Accept-Language", "en")
            .json(&body);
        async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    assert_refused(&mv(&slots[1], None).await, "proof of work");
    let solved = app.altcha().await;
    let moved = mv(&slots[1], Some(solved.clone())).await;
    assert_eq!(moved.0, 200, "{}", moved.1);
    assert_refused(&mv(&slots[2], Some(solved)).await, "already used");
    assert_eq!(mv(&slots[2], Some(app.altcha().await)).await.0, 200);
}
