//! Rate limits on the applicant's door (with `TEMUJANJI_RATE_LIMITS=on`, which the other
//! tests turn off): keyed on the client's network, on the e-mail and on the identity; 429
//! with `Retry-After` and `RateLimit-*`; `X-Forwarded-For` believed only from a trusted
//! proxy. Buckets are in PostgreSQL (shared) or in the SQLite instance's memory.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, booking, both_backends, email};

both_backends!(
    backend: a_network_that_floods_availability_is_slowed_and_told_when_to_retry,
    forwarded_for_is_believed_only_from_a_trusted_proxy,
    bookings_are_limited_per_email_and_per_identity,
    nobody_can_use_up_another_persons_codes,
    wrong_codes_are_capped_per_address_and_day,
    a_flood_of_code_requests_does_not_delay_anothers_code,
);

const BRANCH: &str = "SGR-SHA";
const SERVICE: &str = "passport_renewal";
/// `Action::Availability`'s burst.
const AVAILABILITY_BURST: usize = 120;

async fn availability(app: &TestApp, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(&format!(
        "/api/v1/branches/{BRANCH}/availability?service={SERVICE}"
    )));
    if let Some(hop) = forwarded_for {
        request = request.header("X-Forwarded-For", hop);
    }
    request.send().await.expect("request")
}

/// Floods availability as `forwarded_for(n)` until refused; the refusal, after at least the
/// burst (the bucket also refills while the flood runs: 2 a second).
async fn flood(
    app: &TestApp,
    forwarded_for: impl Fn(usize) -> Option<String>,
) -> reqwest::Response {
    // Refills during the flood add a few; a second bucket would add a whole burst.
    for n in 0..AVAILABILITY_BURST + AVAILABILITY_BURST / 2 {
        let response = availability(app, forwarded_for(n).as_deref()).await;
        match response.status().as_u16() {
            200 => {}
            429 => {
                assert!(n >= AVAILABILITY_BURST, "refused after only {n}");
                return response;
            }
            other => panic!("unexpected {other}"),
        }
    }
    panic!("never refused");
}

async fn a_network_that_floods_availability_is_slowed_and_told_when_to_retry(backend: Backend) {
    let app = TestApp::spawn_with(backend, &[("TEMUJANJI_RATE_LIMITS", "on".to_owned())]).await;
    let refused = flood(&app, |_| None).await;
    assert_eq!(refused.status(), 429);
    let headers = refused.headers();
    let retry: i64 = headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(headers["ratelimit-limit"], "120");
    assert_eq!(headers["ratelimit-remaining"], "0");
    assert!(headers.contains_key("ratelimit-reset"));
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(problem["type"], "rate_limited");
    // Other doors of the same client are counted apart.
    assert_eq!(app.get("/api/v1/branches").await.status(), 200);
    app.stop().await;
}

async fn forwarded_for_is_believed_only_from_a_trusted_proxy(backend: Backend) {
    // Not trusted: a flood that varies X-Forwarded-For is still one client.
    let app = TestApp::spawn_with(backend, &[("TEMUJANJI_RATE_LIMITS", "on".to_owned())]).await;
    flood(&app, |n| Some(format!("203.0.{}.{}", n / 200, n % 200))).await;
    assert_eq!(availability(&app, Some("198.51.100.7")).await.status(), 429);
    app.stop().await;

    // Behind a trusted proxy, the forwarded address is the client: one network is slowed,
    // another is not; a neighbour in the same /24 shares the first's bucket.
    let app = TestApp::spawn_with(
        backend,
        &[
            ("TEMUJANJI_RATE_LIMITS", "on".to_owned()),
            ("TEMUJANJI_TRUSTED_PROXIES", "127.0.0.1".to_owned()),
        ],
    )
    .await;
    // Two neighbours taking turns run out together, near one burst (separate buckets would
    // last for two).
    flood(&app, |n| {
        Some(
            if n % 2 == 0 {
                "203.0.113.9"
            } else {
                "203.0.113.200"
            }
            .to_owned(),
        )
    })
    .await;
    assert_eq!(availability(&app, Some("198.51.100.7")).await.status(), 200);
    app.stop().await;
}

async fn bookings_are_limited_per_email_and_per_identity(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Refused bookings count too (outside the window here): a bot learns nothing faster.
    let far = temujanji_api::clock::today() + chrono::TimeDelta::days(400);
    let token = app.token_for(&email(1));
    for n in 0..20 {
        let mut body = booking(BRANCH, SERVICE, far, "09:00", 100 + n);
        body["applicant"]["email"] = json!(email(1));
        let response = app.post("/api/v1/appointments", Some(&token), &body).await;
        assert_eq!(response.status(), 422);
    }
    let mut body = booking(BRANCH, SERVICE, far, "09:00", 200);
    body["applicant"]["email"] = json!(email(1));
    let refused = app.post("/api/v1/appointments", Some(&token), &body).await;
    assert_eq!(refused.status(), 429, "the e-mail's bucket is empty");
    assert!(refused.headers().contains_key("retry-after"));

    // One identity behind many e-mails.
    let as_identity_7 = |n: u32| {
        let mut body = booking(BRANCH, SERVICE, far, "09:00", 7);
        body["applicant"]["email"] = json!(email(n));
        body
    };
    for n in 0..20 {
        let response = app
            .post(
                "/api/v1/appointments",
                Some(&app.token_for(&email(300 + n))),
                &as_identity_7(300 + n),
            )
            .await;
        assert_eq!(response.status(), 422);
    }
    let refused = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&email(400))),
            &as_identity_7(400),
        )
        .await;
    assert_eq!(refused.status(), 429, "the identity's bucket is empty");
    // Somebody else books as usual.
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    app.book_applicant(BRANCH, SERVICE, 8, &slot).await;
    app.stop().await;
}

/// Posts a code request for `address` as the client `from` (behind the trusted proxy).
async fn request_code(app: &TestApp, address: &str, from: &str) -> u16 {
    let altcha = app.altcha().await;
    app.client
        .post(app.url("/api/v1/auth/email-codes"))
        .header("X-Forwarded-For", from)
        .json(&json!({ "email": address, "altcha": altcha }))
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

async fn verify_code(app: &TestApp, address: &str, code: &str) -> (u16, Value) {
    let response = app
        .post(
            "/api/v1/auth/email-codes/verify",
            None,
            &json!({ "email": address, "code": code }),
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn behind_a_proxy() -> [(&'static str, String); 2] {
    [
        ("TEMUJANJI_RATE_LIMITS", "on".to_owned()),
        ("TEMUJANJI_TRUSTED_PROXIES", "127.0.0.1".to_owned()),
    ]
}

/// Requests for an address count against the requester's network: a stranger who uses up
/// the cool-down and the hourly cap for Siti's address does not stop Siti's own request.
async fn nobody_can_use_up_another_persons_codes(backend: Backend) {
    let app = TestApp::spawn_with(backend, &behind_a_proxy()).await;
    let siti = email(1);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(request_code(&app, &siti, "203.0.113.9").await);
    }
    assert_eq!(statuses, [202, 429, 429], "the stranger's own cool-down");
    assert_eq!(
        request_code(&app, &siti, "198.51.100.7").await,
        202,
        "Siti's request"
    );
    let code = app.code_sent_to(&siti).expect("Siti's code");
    assert_eq!(verify_code(&app, &siti, &code).await.0, 200);
    app.stop().await;
}

/// A new code does not reset the budget of wrong tries: 20 a day per address.
async fn wrong_codes_are_capped_per_address_and_day(backend: Backend) {
    let app = TestApp::spawn_with(backend, &behind_a_proxy()).await;
    let address = email(2);
    for network in 0..4 {
        assert_eq!(
            request_code(&app, &address, &format!("203.0.{network}.1")).await,
            202
        );
        let right = app.code_sent_to(&address).expect("a code");
        let wrong = if right == "000000" {
            "111111"
        } else {
            "000000"
        };
        for _ in 0..5 {
            assert_eq!(verify_code(&app, &address, wrong).await.0, 400);
        }
    }
    assert_eq!(request_code(&app, &address, "203.0.9.1").await, 202);
    let right = app.code_sent_to(&address).expect("a code");
    let (status, problem) = verify_code(&app, &address, &right).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (429, Some("too_many_attempts")),
        "even the right code, after 20 wrong ones today"
    );
    app.stop().await;
}

/// A client flooding code requests is slowed at its network's bucket, so another
/// applicant's code e-mail waits behind at most that bucket's worth of codes.
async fn a_flood_of_code_requests_does_not_delay_anothers_code(backend: Backend) {
    let app = TestApp::spawn_with(backend, &behind_a_proxy()).await;
    let mut accepted = 0;
    for n in 0..100 {
        if request_code(&app, &email(1000 + n), "203.0.113.9").await == 202 {
            accepted += 1;
        }
    }
    assert!(accepted <= 21, "the flood got {accepted} codes out");
    assert_eq!(request_code(&app, &email(7), "198.51.100.7").await, 202);
    app.wait_for_outbox();
    let outbox = app.outbox();
    let mine = outbox
        .iter()
        .position(|m| m.kind == "code" && m.to.contains(&email(7)))
        .expect("the code e-mail");
    assert_eq!(outbox[mine].status, "sent");
    assert!(mine <= 21, "{mine} code e-mails were ahead of it");
    app.stop().await;
}
