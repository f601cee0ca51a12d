//! Partner portals, machine to machine: client credentials and their refusals, booking on
//! behalf of applicants under every rule, isolation between partners, idempotent retries,
//! signed webhooks to a real receiver (retried, replayed, never delaying e-mail) and rate
//! limits, on both backends.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use chrono::TimeDelta;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use temujanji_api::partners::tokens::{PartnerTokens, SigningKey};
use temujanji_api::partners::{self, Scope};

use crate::helpers::{Backend, JWT_SECRET, TestApp, booking, both_backends, email};

both_backends!(
    tokens_are_issued_by_basic_or_form_and_refused_in_rfc_6749_form,
    partner_routes_refuse_every_other_token,
    booking_on_behalf_follows_every_rule,
    a_partner_sees_only_what_it_made,
    concurrent_retries_with_one_key_take_one_seat,
    cancel_and_reschedule_need_a_key_and_replay_it,
    webhooks_are_signed_retried_and_replayed,
    a_slow_receiver_does_not_delay_email,
    the_rate_limit_answers_with_its_headers,
    administrators_manage_partners_and_rotate_secrets,
    counter_events_reach_the_partner,
);
mod rotation {
    use super::signing_keys_rotate_with_a_grace_period;
    crate::helpers::both_backends!(backend: signing_keys_rotate_with_a_grace_period);
}

const BRANCH: &str = "SGR-SHA";
const OTHER_BRANCH: &str = "PJY-HQ";
const SERVICE: &str = "passport_renewal";

pub struct Partner {
    pub id: i64,
    pub client_id: String,
    pub secret: String,
    pub webhook_secret: String,
}

/// Registers a client directly (the command and the staff API have their own tests).
pub fn create_partner(
    app: &TestApp,
    services: &[&str],
    branches: Option<&[&str]>,
    webhook_url: Option<String>,
    burst: i32,
) -> Partner {
    let new = partners::NewClient {
        name: "Portal Rekalibrasi".into(),
        services: services.iter().map(|s| (*s).to_owned()).collect(),
        branches: branches.map(|b| b.iter().map(|s| (*s).to_owned()).collect()),
        webhook_url,
        rate_per_minute: 6000,
        burst,
    };
    let (row, credentials) = partners::create(
        &mut app.db.connect(),
        &new,
        &partners::WebhookKeys::new(JWT_SECRET.as_bytes()),
        &temujanji_api::authz::Principal::System,
        temujanji_api::clock::now_utc(),
    )
    .expect("create partner");
    Partner {
        id: row.id,
        client_id: credentials.client_id,
        secret: credentials.client_secret,
        webhook_secret: credentials.webhook_secret,
    }
}

async fn token_response(
    app: &TestApp,
    form: &str,
    basic: Option<(&str, &str)>,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = app
        .client
        .post(app.url("/api/v1/oauth/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form.to_owned());
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        response.json().await.unwrap_or(Value::Null),
        headers,
    )
}

pub async fn partner_token(app: &TestApp, partner: &Partner) -> String {
    let (status, body, _) = token_response(
        app,
        "grant_type=client_credentials",
        Some((&partner.client_id, &partner.secret)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().expect("token").to_owned()
}

/// Calls a partner route. What the published spec describes (every partner read, and every
/// write with its `Idempotency-Key`) goes through the client generated from `openapi.yaml`
/// ([`crate::partner_client`]), which panics on any answer the spec does not describe; the
/// rest (requests the spec forbids, other audiences' routes) goes over plain HTTP.
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    if let Some(answer) = through_client(app, &method, path, token, key, body).await {
        return answer;
    }
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The generated client, authenticated with `token`.
pub fn generated_client(app: &TestApp, token: &str) -> crate::partner_client::Client {
    let mut headers = reqwest013::header::HeaderMap::new();
    headers.insert(
        reqwest013::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("a header value"),
    );
    let http = reqwest013::Client::builder()
        .default_headers(headers)
        .build()
        .expect("an HTTP client");
    crate::partner_client::Client::new_with_client(&app.address, http)
}

type ClientResult<T> = Result<
    progenitor_client::ResponseValue<T>,
    progenitor_client::Error<progenitor_client::ByteStream>,
>;

/// A documented answer as (status, JSON); `None` when the client refused to send the request
/// (it breaks the spec: the caller sends it raw to see the server's answer).
async fn documented<T: serde::Serialize>(result: ClientResult<T>) -> Option<(u16, Value)> {
    use futures::TryStreamExt;
    match result {
        Ok(answer) => {
            let status = answer.status().as_u16();
            Some((
                status,
                serde_json::to_value(answer.into_inner()).expect("json"),
            ))
        }
        Err(progenitor_client::Error::ErrorResponse(answer)) => {
            let status = answer.status().as_u16();
            let chunks: Vec<_> = answer
                .into_inner()
                .into_inner()
                .try_collect()
                .await
                .expect("the problem body");
            let bytes: Vec<u8> = chunks.concat();
            Some((
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            ))
        }
        Err(progenitor_client::Error::InvalidRequest(_)) => None,
        Err(other) => panic!("the spec does not describe this answer: {other}"),
    }
}

async fn through_client(
    app: &TestApp,
    method: &Method,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let client = generated_client(app, token);
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let rest = route.strip_prefix("/api/v1/partners/")?;
    let parts: Vec<&str> = rest.split('/').collect();
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    };
    match (method.as_str(), parts.as_slice(), key) {
        ("GET", ["appointments"], _) => {
            let mut list = client.partner_list_appointments();
            if let Some(status) = param("status") {
                list = list.status(
                    serde_json::from_value::<crate::partner_client::types::AppointmentStatus>(
                        json!(status),
                    )
                    .ok()?,
                );
            }
            if let Some(from) = param("from") {
                list = list.from(from.parse::<chrono::NaiveDate>().ok()?);
            }
            if let Some(to) = param("to") {
                list = list.to(to.parse::<chrono::NaiveDate>().ok()?);
            }
            if let Some(cursor) = param("cursor") {
                list = list.cursor(cursor);
            }
            if let Some(limit) = param("limit") {
                list = list.limit(limit.parse::<std::num::NonZeroU64>().ok()?);
            }
            documented(list.send().await).await
        }
        ("GET", ["appointments", reference], _) => {
            documented(
                client
                    .partner_get_appointment()
                    .reference(*reference)
                    .send()
                    .await,
            )
            .await
        }
        ("GET", ["webhook-deliveries"], _) => {
            documented(client.partner_webhook_deliveries().send().await).await
        }
        ("POST", ["appointments"], Some(key)) => {
            let form: crate::partner_client::types::BookingForm =
                serde_json::from_value(body?.clone()).ok()?;
            documented(
                client
                    .partner_book()
                    .idempotency_key(key)
                    .body(form)
                    .send()
                    .await,
            )
            .await
        }
        ("POST", ["appointments", reference, "cancel"], Some(key)) => {
            documented(
                client
                    .partner_cancel()
                    .reference(*reference)
                    .idempotency_key(key)
                    .send()
                    .await,
            )
            .await
        }
        ("POST", ["appointments", reference, "reschedule"], Some(key)) => {
            let form: crate::partner_client::types::RescheduleForm =
                serde_json::from_value(body?.clone()).ok()?;
            documented(
                client
                    .partner_reschedule()
                    .reference(*reference)
                    .idempotency_key(key)
                    .body(form)
                    .send()
                    .await,
            )
            .await
        }
        _ => None,
    }
}

async fn get(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    call(app, Method::GET, path, token, None, None).await
}

async fn book(app: &TestApp, token: &str, key: &str, body: &Value) -> (u16, Value) {
    call(
        app,
        Method::POST,
        "/api/v1/partners/appointments",
        token,
        Some(key),
        Some(body),
    )
    .await
}

fn partner_of(app: &TestApp, reference: &str) -> Option<i64> {
    use temujanji_api::db::schema::appointments::dsl;
    dsl::appointments
        .filter(dsl::reference.eq(reference))
        .select(dsl::partner_id)
        .first(&mut app.db.connect())
        .expect("appointment")
}

/// The JWT's header and claims, decoded without checking anything.
fn jwt_parts(token: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let mut decode = || -> Value {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts.next().expect("part"))
            .expect("base64url");
        serde_json::from_slice(&raw).expect("json")
    };
    (decode(), decode())
}

/// A token request that must be refused: what it is, its form, its Basic credentials, and the
/// status and RFC 6749 error expected.
type Refusal<'a> = (&'a str, &'a str, Option<(&'a str, &'a str)>, u16, &'a str);

async fn tokens_are_issued_by_basic_or_form_and_refused_in_rfc_6749_form(app: TestApp) {
    let partner = create_partner(&app, &[SERVICE], None, None, 100);
    // HTTP Basic.
    let (status, body, headers) = token_response(
        &app,
        "grant_type=client_credentials",
        Some((&partner.client_id, &partner.secret)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_in"].as_i64().expect("expires_in") <= 900);
    assert_eq!(
        body["scope"],
        "appointments:read appointments:write webhooks:read"
    );
    assert_eq!(headers["cache-control"], "no-store");
    let (header, claims) = jwt_parts(body["access_token"].as_str().expect("token"));
    assert_eq!(header["alg"], "HS256");
    assert_eq!(header["kid"], "default");
    assert_eq!(claims["aud"], "temujanji-partner");
    assert_eq!(claims["sub"], partner.client_id.as_str());
    assert!(claims["exp"].as_i64().expect("exp") - claims["iat"].as_i64().expect("iat") <= 900);
    // In the form, with fewer scopes.
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope=appointments%3Aread",
        partner.client_id, partner.secret
    );
    let (status, body, _) = token_response(&app, &form, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "appointments:read");
    let read_only = body["access_token"].as_str().expect("token").to_owned();
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (status, body) = book(
        &app,
        &read_only,
        "k1",
        &booking(BRANCH, SERVICE, slot.0, &slot.1, 1),
    )
    .await;
    assert_eq!(
        (status, body["type"].as_str()),
        (403, Some("insufficient_scope"))
    );

    // Refusals, each in RFC 6749 section 5.2 form.
    let own = Some((partner.client_id.as_str(), partner.secret.as_str()));
    let grant = "grant_type=client_credentials";
    let refusals: [Refusal<'_>; 7] = [
        (
            "wrong secret",
            grant,
            Some((&partner.client_id, "tjs_not-the-secret")),
            401,
            "invalid_client",
        ),
        (
            "unknown client",
            grant,
            Some(("tjc_nobody", &partner.secret)),
            401,
            "invalid_client",
        ),
        ("no credentials", grant, None, 401, "invalid_client"),
        (
            "another grant",
            "grant_type=password",
            own,
            400,
            "unsupported_grant_type",
        ),
        ("no grant", "", own, 400, "invalid_request"),
        (
            "unknown scope",
            "grant_type=client_credentials&scope=staff:admin",
            own,
            400,
            "invalid_scope",
        ),
        ("two ways at once", &form, own, 400, "invalid_request"),
    ];
    for (case, body, basic, status, error) in refusals {
        let (got, answer, headers) = token_response(&app, body, basic).await;
        assert_eq!(
            (got, answer["error"].as_str()),
            (status, Some(error)),
            "{case}"
        );
        assert!(answer["error_description"].is_string(), "{case}");
        if status == 401 {
            assert!(
                headers["www-authenticate"]
                    .to_str()
                    .expect("ascii")
                    .starts_with("Basic"),
                "{case}"
            );
        }
    }
    let json_body = app
        .client
        .post(app.url("/api/v1/oauth/token"))
        .basic_auth(&partner.client_id, Some(&partner.secret))
        .json(&json!({ "grant_type": "client_credentials" }))
        .send()
        .await
        .expect("request");
    assert_eq!(json_body.status(), 400);
    let json_body: Value = json_body.json().await.expect("json");
    assert_eq!(json_body["error"], "invalid_request");

    // A disabled client gets no token, and its live token stops working at once.
    let live = partner_token(&app, &partner).await;
    let (status, _) = get(&app, "/api/v1/partners/appointments", &live).await;
    assert_eq!(status, 200);
    diesel::update(temujanji_api::db::schema::partner_clients::table.find(partner.id))
        .set(
            temujanji_api::db::schema::partner_clients::disabled_at
                .eq(temujanji_api::clock::now_utc()),
        )
        .execute(&mut app.db.connect())
        .expect("disable");
    let (status, _) = get(&app, "/api/v1/partners/appointments", &live).await;
    assert_eq!(status, 401);
    let disabled = token_response(
        &app,
        "grant_type=client_credentials",
        Some((&partner.client_id, &partner.secret)),
    )
    .await;
    assert_eq!(
        (disabled.0, disabled.1["error"].as_str()),
        (401, Some("invalid_client"))
    );
}

async fn partner_routes_refuse_every_other_token(app: TestApp) {
    let partner = create_partner(&app, &[SERVICE], None, None, 100);
    let good = partner_token(&app, &partner).await;
    let list = "/api/v1/partners/appointments";
    assert_eq!(get(&app, list, &good).await.0, 200);
    // Other audiences on partner routes.
    let applicant = app.token_for(&email(1));
    assert_eq!(get(&app, list, &applicant).await.0, 401);
    let staff = app.staff_token("ketua", "admin", None).await;
    assert_eq!(get(&app, list, &staff).await.0, 401);
    // A partner token on staff and applicant routes.
    assert_eq!(get(&app, "/api/v1/staff/me", &good).await.0, 401);
    assert_eq!(get(&app, "/api/v1/staff/partners", &good).await.0, 401);
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let body = booking(BRANCH, SERVICE, slot.0, &slot.1, 1);
    assert_eq!(
        app.post("/api/v1/appointments", Some(&good), &body)
            .await
            .status(),
        401
    );
    // Tampered signature, alg none, unknown kid, expired, no token at all.
    let mut tampered = good.clone();
    let last = tampered.pop().expect("a character");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(get(&app, list, &tampered).await.0, 401);
    let (_, claims) = jwt_parts(&good);
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let none = format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "kid": "default", "typ": "JWT" })),
        b64(&claims)
    );
    assert_eq!(get(&app, list, &none).await.0, 401);
    let stranger = PartnerTokens::new(vec![SigningKey::new("other", &[7; 32], None)]);
    let (foreign, _) = stranger
        .issue(
            &partner.client_id,
            &Scope::ALL,
            temujanji_api::clock::now_utc(),
        )
        .expect("sign");
    assert_eq!(get(&app, list, &foreign).await.0, 401);
    let server_key = temujanji_api::auth::derive_key(
        JWT_SECRET.as_bytes(),
        b"temujanji partner access tokens v1",
    );
    let server = PartnerTokens::new(vec![SigningKey::new("default", &server_key, None)]);
    let (expired, _) = server
        .issue(
            &partner.client_id,
            &Scope::ALL,
            temujanji_api::clock::now_utc() - TimeDelta::minutes(20),
        )
        .expect("sign");
    assert_eq!(get(&app, list, &expired).await.0, 401);
    let (fresh, _) = server
        .issue(
            &partner.client_id,
            &Scope::ALL,
            temujanji_api::clock::now_utc(),
        )
        .expect("sign");
    assert_eq!(
        get(&app, list, &fresh).await.0,
        200,
        "the control token works"
    );
    let anonymous = app.get(list).await;
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.headers().contains_key("www-authenticate"));
}

/// Tokens signed by the old key work while it is retiring and not after; new tokens name the
/// new key.
async fn signing_keys_rotate_with_a_grace_period(backend: Backend) {
    let (old, new) = ("o".repeat(40), "n".repeat(40));
    let at = |minutes: i64| (chrono::Utc::now() + TimeDelta::minutes(minutes)).to_rfc3339();
    let app = TestApp::spawn_with(
        backend,
        &[(
            "TEMUJANJI_PARTNER_TOKEN_KEYS",
            format!("k2:{new},k1:{old}@{}", at(10)),
        )],
    )
    .await;
    let partner = create_partner(&app, &[SERVICE], None, None, 100);
    let issued = partner_token(&app, &partner).await;
    assert_eq!(jwt_parts(&issued).0["kid"], "k2");
    let before = PartnerTokens::new(vec![SigningKey::new("k1", old.as_bytes(), None)]);
    let (old_token, _) = before
        .issue(
            &partner.client_id,
            &Scope::ALL,
            temujanji_api::clock::now_utc(),
        )
        .expect("sign");
    let list = "/api/v1/partners/appointments";
    assert_eq!(get(&app, list, &old_token).await.0, 200);
    assert_eq!(get(&app, list, &issued).await.0, 200);
    app.stop().await;

    // After the grace period the old key verifies nothing.
    let app = TestApp::spawn_with(
        backend,
        &[(
            "TEMUJANJI_PARTNER_TOKEN_KEYS",
            format!("k2:{new},k1:{old}@{}", at(-1)),
        )],
    )
    .await;
    let partner = create_partner(&app, &[SERVICE], None, None, 100);
    let (old_token, _) = before
        .issue(
            &partner.client_id,
            &Scope::ALL,
            temujanji_api::clock::now_utc(),
        )
        .expect("sign");
    assert_eq!(get(&app, list, &old_token).await.0, 401);
    let issued = partner_token(&app, &partner).await;
    assert_eq!(get(&app, list, &issued).await.0, 200);
    app.stop().await;
}

async fn booking_on_behalf_follows_every_rule(app: TestApp) {
    let partner = create_partner(&app, &[SERVICE], Some(&[BRANCH]), None, 100);
    let token = partner_token(&app, &partner).await;
    let slots = app.free_slots(BRANCH, SERVICE, 4).await;
    let body = booking(BRANCH, SERVICE, slots[0].0, &slots[0].1, 1);

    // No key: refused with its own problem type, nothing booked.
    let (status, problem) = call(
        &app,
        Method::POST,
        "/api/v1/partners/appointments",
        &token,
        None,
        Some(&body),
    )
    .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (400, Some("idempotency_key_required"))
    );
    assert_eq!(app.booked(BRANCH, SERVICE, slots[0].0, &slots[0].1), 0);

    let (status, made) = book(&app, &token, "book-1", &body).await;
    assert_eq!(status, 201, "{made}");
    let reference = made["reference"].as_str().expect("reference");
    assert_eq!(partner_of(&app, reference), Some(partner.id));
    // The applicant still gets the confirmation (with the slip) at the form's address.
    app.wait_for_outbox();
    let mail = app.outbox();
    assert!(
        mail.iter()
            .any(|m| m.reference.as_deref() == Some(reference)
                && m.kind == "confirmation"
                && m.to.contains(&email(1))
                && m.status == "sent"),
        "{mail:?}"
    );

    // One active appointment per identity per service, even across callers.
    let again = booking(BRANCH, SERVICE, slots[1].0, &slots[1].1, 1);
    let (status, problem) = book(&app, &token, "book-2", &again).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (409, Some("duplicate_active_appointment"))
    );
    // Another branch or service than the client's.
    let elsewhere = app.first_free_slot(OTHER_BRANCH, SERVICE).await;
    let (status, problem) = book(
        &app,
        &token,
        "book-3",
        &booking(OTHER_BRANCH, SERVICE, elsewhere.0, &elsewhere.1, 2),
    )
    .await;
    assert_eq!((status, problem["type"].as_str()), (403, Some("forbidden")));
    let other_service = app.first_free_slot(BRANCH, "passport_new").await;
    let (status, problem) = book(
        &app,
        &token,
        "book-4",
        &booking(BRANCH, "passport_new", other_service.0, &other_service.1, 2),
    )
    .await;
    assert_eq!((status, problem["type"].as_str()), (403, Some("forbidden")));
    // Outside the window, and validation.
    let late = temujanji_api::clock::today() + TimeDelta::days(400);
    let (status, problem) = book(
        &app,
        &token,
        "book-5",
        &booking(BRANCH, SERVICE, late, "09:00", 3),
    )
    .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (422, Some("outside_booking_window"))
    );
    let mut bad = booking(BRANCH, SERVICE, slots[1].0, &slots[1].1, 3);
    bad["applicant"]["id_number"] = json!("not a mykad");
    let (status, problem) = book(&app, &token, "book-6", &bad).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (422, Some("validation_failed"))
    );
    // A blocked identity is blocked through the partner door too.
    let admin = app.staff_token("ketua", "admin", None).await;
    let until = (temujanji_api::clock::today() + TimeDelta::days(3)).to_string();
    let blocked = app
        .post(
            "/api/v1/staff/blocks",
            Some(&admin),
            &json!({ "kind": "mykad", "value": crate::helpers::mykad(4), "category": "abuse",
                     "note": "partner test", "until": until }),
        )
        .await;
    assert_eq!(
        blocked.status(),
        201,
        "{}",
        blocked.text().await.unwrap_or_default()
    );
    let (status, problem) = book(
        &app,
        &token,
        "book-7",
        &booking(BRANCH, SERVICE, slots[1].0, &slots[1].1, 4),
    )
    .await;
    assert_eq!((status, problem["type"].as_str()), (403, Some("blocked")));

    // A closed day, a time that is not a slot, and a full slot.
    let today = temujanji_api::clock::today();
    let sunday = (1..=7)
        .map(|n| today + TimeDelta::days(n))
        .find(|d| chrono::Datelike::weekday(d) == chrono::Weekday::Sun)
        .expect("a Sunday");
    let (status, problem) = book(
        &app,
        &token,
        "book-8",
        &booking(BRANCH, SERVICE, sunday, "09:00", 5),
    )
    .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (422, Some("branch_closed"))
    );
    let (status, problem) = book(
        &app,
        &token,
        "book-9",
        &booking(BRANCH, SERVICE, slots[1].0, "13:15", 5),
    )
    .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (422, Some("no_such_slot"))
    );
    app.set_seats(BRANCH, SERVICE, 1);
    let (status, _) = book(
        &app,
        &token,
        "book-10",
        &booking(BRANCH, SERVICE, slots[3].0, &slots[3].1, 5),
    )
    .await;
    assert_eq!(status, 201);
    let (status, problem) = book(
        &app,
        &token,
        "book-10b",
        &booking(BRANCH, SERVICE, slots[3].0, &slots[3].1, 9),
    )
    .await;
    assert_eq!((status, problem["type"].as_str()), (409, Some("slot_full")));

    // Someone else's identity: no word of who holds it.
    let mut squat = booking(BRANCH, SERVICE, slots[1].0, &slots[1].1, 6);
    squat["applicant"]["id_number"] = json!(crate::helpers::mykad(1));
    let (status, problem) = book(&app, &token, "book-11", &squat).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (409, Some("identity_unavailable"))
    );

    // R5: one e-mail holds at most two active appointments, whatever identities it types.
    let mut second = booking(BRANCH, SERVICE, slots[1].0, &slots[1].1, 7);
    second["applicant"]["email"] = json!(email(1));
    let (status, made) = book(&app, &token, "book-12", &second).await;
    assert_eq!(status, 201, "{made}");
    let mut third = booking(BRANCH, SERVICE, slots[2].0, &slots[2].1, 8);
    third["applicant"]["email"] = json!(email(1));
    let (status, problem) = book(&app, &token, "book-13", &third).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (409, Some("too_many_active_appointments"))
    );
}

async fn a_partner_sees_only_what_it_made(app: TestApp) {
    let a = create_partner(&app, &[SERVICE], None, None, 100);
    let b = create_partner(&app, &[SERVICE], None, None, 100);
    let (token_a, token_b) = (partner_token(&app, &a).await, partner_token(&app, &b).await);
    let slots = app.free_slots(BRANCH, SERVICE, 4).await;
    let mut made = Vec::new();
    for (n, slot) in slots.iter().take(3).enumerate() {
        let n = u32::try_from(n).expect("small") + 1;
        let (status, body) = book(
            &app,
            &token_a,
            &format!("a-{n}"),
            &booking(BRANCH, SERVICE, slot.0, &slot.1, n),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        made.push(body["reference"].as_str().expect("reference").to_owned());
    }
    let (own_applicant, _) = app.book_applicant(BRANCH, SERVICE, 9, &slots[3]).await;

    // B sees none of A's, nor the applicant's own: 404, as if they did not exist.
    for reference in made.iter().chain([&own_applicant]) {
        for path in [
            format!("/api/v1/partners/appointments/{reference}"),
            format!("/api/v1/partners/appointments/{reference}/slip.pdf"),
        ] {
            assert_eq!(get(&app, &path, &token_b).await.0, 404, "{path}");
        }
        let cancel = format!("/api/v1/partners/appointments/{reference}/cancel");
        assert_eq!(
            call(&app, Method::POST, &cancel, &token_b, Some("x"), None)
                .await
                .0,
            404
        );
    }
    let (status, page) = get(&app, "/api/v1/partners/appointments", &token_b).await;
    assert_eq!(
        (status, page["items"].as_array().map(Vec::len)),
        (200, Some(0))
    );

    // A reads its own, a page at a time, and filtered.
    let (status, first) = get(&app, "/api/v1/partners/appointments?limit=2", &token_a).await;
    assert_eq!(status, 200, "{first}");
    let references = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|a| a["reference"].as_str().expect("reference").to_owned())
            .collect()
    };
    assert_eq!(references(&first), made[..2]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = get(
        &app,
        &format!("/api/v1/partners/appointments?limit=2&cursor={cursor}"),
        &token_a,
    )
    .await;
    assert_eq!(references(&second), made[2..]);
    assert_eq!(second["next_cursor"], Value::Null);
    let (status, _) = get(
        &app,
        "/api/v1/partners/appointments?cursor=rubbish",
        &token_a,
    )
    .await;
    assert_eq!(status, 422);
    let cancel = format!("/api/v1/partners/appointments/{}/cancel", made[0]);
    assert_eq!(
        call(&app, Method::POST, &cancel, &token_a, Some("c-1"), None)
            .await
            .0,
        200
    );
    let (_, cancelled) = get(
        &app,
        "/api/v1/partners/appointments?status=cancelled",
        &token_a,
    )
    .await;
    assert_eq!(references(&cancelled), made[..1]);
    let day = slots[1].0;
    let (_, on_day) = get(
        &app,
        &format!("/api/v1/partners/appointments?from={day}&to={day}&status=booked"),
        &token_a,
    )
    .await;
    let expected: Vec<String> = made[1..]
        .iter()
        .zip(&slots[1..3])
        .filter(|(_, slot)| slot.0 == day)
        .map(|(r, _)| r.clone())
        .collect();
    assert_eq!(references(&on_day), expected);
    let (status, _) = call(
        &app,
        Method::GET,
        &format!(
            "/api/v1/partners/appointments?from={day}&to={}",
            day - TimeDelta::days(1)
        ),
        &token_a,
        None,
        None,
    )
    .await;
    assert_eq!(status, 422);
    let pdf = app
        .client
        .get(app.url(&format!(
            "/api/v1/partners/appointments/{}/slip.pdf",
            made[1]
        )))
        .bearer_auth(&token_a)
        .send()
        .await
        .expect("request");
    assert_eq!(pdf.status(), 200);
    assert!(pdf.bytes().await.expect("body").starts_with(b"%PDF"));
}

async fn concurrent_retries_with_one_key_take_one_seat(app: TestApp) {
    let partner = create_partner(&app, &[SERVICE], None, None, 100);
    let token = partner_token(&app, &partner).await;
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let body = booking(BRANCH, SERVICE, slot.0, &slot.1, 1);
    let mut retries = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let request = app
            .client
            .post(app.url("/api/v1/partners/appointments"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "same-key")
            .json(&body);
        retries.spawn(async move {
            let response = request.send().await.expect("request");
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.expect("json"))
        });
    }
    let answers = retries.join_all().await;
    // The key is claimed in the booking's transaction, so a concurrent retry waits for the
    // first to commit and then gets its answer: every retry gets the one answer.
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    let mut references: Vec<String> = answers
        .iter()
        .filter(|(status, _)| *status == 201)
        .map(|(_, b)| b["reference"].as_str().expect("reference").to_owned())
        .collect();
    references.sort();
    references.dedup();
    assert_eq!(references.len(), 1, "{answers:?}");
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 1);
    // And a later retry still gets it.
    let (status, again) = book(&app, &token, "same-key", &body).await;
    assert_eq!(
        (status, again["reference"].as_str()),
        (201, Some(references[0].as_str()))
    );
}

async fn cancel_and_reschedule_need_a_key_and_replay_it(app: TestApp) {
    let partner = create_partner(&app, &[SERVICE], None, None, 100);
    let token = partner_token(&app, &partner).await;
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let (_, made) = book(
        &app,
        &token,
        "b",
        &booking(BRANCH, SERVICE, slots[0].0, &slots[0].1, 1),
    )
    .await;
    let reference = made["reference"].as_str().expect("reference");
    let move_to = json!({ "date": slots[1].0.to_string(), "start": slots[1].1 });
    let reschedule = format!("/api/v1/partners/appointments/{reference}/reschedule");
    let (status, problem) = call(
        &app,
        Method::POST,
        &reschedule,
        &token,
        None,
        Some(&move_to),
    )
    .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (400, Some("idempotency_key_required"))
    );
    let (status, moved) = call(
        &app,
        Method::POST,
        &reschedule,
        &token,
        Some("r-1"),
        Some(&move_to),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["start"], slots[1].1.as_str());
    let (status, again) = call(
        &app,
        Method::POST,
        &reschedule,
        &token,
        Some("r-1"),
        Some(&move_to),
    )
    .await;
    assert_eq!((status, &again), (200, &moved));
    assert_eq!(app.booked(BRANCH, SERVICE, slots[0].0, &slots[0].1), 0);
    assert_eq!(app.booked(BRANCH, SERVICE, slots[1].0, &slots[1].1), 1);
    // The same key for another body is refused.
    let back = json!({ "date": slots[0].0.to_string(), "start": slots[0].1 });
    let (status, problem) = call(
        &app,
        Method::POST,
        &reschedule,
        &token,
        Some("r-1"),
        Some(&back),
    )
    .await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (422, Some("idempotency_key_reused"))
    );

    let cancel = format!("/api/v1/partners/appointments/{reference}/cancel");
    assert_eq!(
        call(&app, Method::POST, &cancel, &token, None, None)
            .await
            .0,
        400
    );
    let (status, cancelled) = call(&app, Method::POST, &cancel, &token, Some("c-1"), None).await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    // A retry gets the first answer, not "already cancelled".
    let (status, again) = call(&app, Method::POST, &cancel, &token, Some("c-1"), None).await;
    assert_eq!((status, &again), (200, &cancelled));
    // A new key for the same change is a new request: refused, the appointment is cancelled.
    let (status, problem) = call(&app, Method::POST, &cancel, &token, Some("c-2"), None).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (409, Some("invalid_status"))
    );
    assert_eq!(app.booked(BRANCH, SERVICE, slots[1].0, &slots[1].1), 0);
    app.wait_for_outbox();
    let kinds: Vec<String> = app
        .outbox()
        .into_iter()
        .filter(|m| m.reference.as_deref() == Some(reference))
        .map(|m| m.kind)
        .collect();
    assert_eq!(kinds, ["confirmation", "change", "cancellation"]);
}

/// What a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

/// A webhook receiver on port 0: records each request as it arrives, and answers 500 to the
/// first `failures` requests, then 204, each after `delay`.
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
    pub handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    pub async fn start(failures: usize, delay: Duration) -> Receiver {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let seen = Arc::clone(&got);
        let server = HttpServer::new(move || {
            let seen = Arc::clone(&seen);
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let seen = Arc::clone(&seen);
                    async move {
                        let mut headers = reqwest::header::HeaderMap::new();
                        for (name, value) in req.headers() {
                            if let (Ok(name), Ok(value)) = (
                                reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()),
                                reqwest::header::HeaderValue::from_bytes(value.as_bytes()),
                            ) {
                                headers.insert(name, value);
                            }
                        }
                        let count = {
                            let mut seen = seen.lock().expect("lock");
                            seen.push(Received {
                                headers,
                                body: body.to_vec(),
                            });
                            seen.len()
                        };
                        // Recorded on arrival; answered after `delay`.
                        tokio::time::sleep(delay).await;
                        if count <= failures {
                            HttpResponse::InternalServerError().finish()
                        } else {
                            HttpResponse::NoContent().finish()
                        }
                    }
                }),
            )
        })
        .workers(2)
        .bind("127.0.0.1:0")
        .expect("bind");
        let address = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            url: format!("http://{address}/hook"),
            got,
            handle,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    /// Waits up to 60 s for `n` requests.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..1200 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the receiver got {} requests, not {n}",
            self.received().len()
        );
    }
}

/// Checks the signature with the `standardwebhooks` crate, not the server's code, and the
/// request against the `webhooks` section of the committed `openapi.yaml`: its required
/// headers are sent and the body is the schema it names.
fn verified(partner: &Partner, received: &Received) -> Value {
    let webhook = standardwebhooks::Webhook::new(&partner.webhook_secret).expect("secret");
    webhook
        .verify(&received.body, &received.headers)
        .expect("a valid Standard Webhooks signature");
    let event: Value = serde_json::from_slice(&received.body).expect("json event");
    let doc = published_spec();
    let hook = &doc["webhooks"]["appointmentEvent"]["post"];
    let parameters = hook["parameters"].as_array().expect("documented headers");
    for parameter in parameters {
        let name = parameter["name"].as_str().expect("name");
        assert!(
            received.headers.contains_key(name),
            "the documented header {name} is missing"
        );
    }
    let schema = &hook["requestBody"]["content"]["application/json"]["schema"];
    if let Err(e) = conforms(&doc, schema, &event) {
        panic!("the webhook body disagrees with openapi.yaml: {e}\n{event}");
    }
    event
}

fn published_spec() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml");
    serde_norway::from_str(&text).expect("openapi.yaml is YAML")
}

/// Whether `value` is what `schema` (of the OpenAPI 3.1 document `doc`) describes: the
/// keywords utoipa writes (`$ref`, `oneOf`, `allOf`, `enum`, `type`, `required`,
/// `properties`, `items`).
fn conforms(doc: &Value, schema: &Value, value: &Value) -> Result<(), String> {
    if let Some(name) = schema["$ref"].as_str() {
        let name = name.rsplit('/').next().unwrap_or_default();
        return conforms(doc, &doc["components"]["schemas"][name], value);
    }
    if let Some(alternatives) = schema["oneOf"].as_array()
        && !alternatives.iter().any(|a| conforms(doc, a, value).is_ok())
    {
        return Err(format!("{value} is none of {schema}"));
    }
    for part in schema["allOf"].as_array().into_iter().flatten() {
        conforms(doc, part, value)?;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{value} is not one of {allowed:?}"));
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let is = |t: &str| match t {
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "null" => value.is_null(),
        _ => false,
    };
    if !types.is_empty() && !types.iter().any(|t| is(t)) {
        return Err(format!("{value} is not of type {types:?}"));
    }
    if let Some(object) = value.as_object() {
        for required in schema["required"].as_array().into_iter().flatten() {
            let key = required.as_str().unwrap_or_default();
            if !object.contains_key(key) {
                return Err(format!("{key} is missing from {value}"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (key, field) in object {
                let Some(described) = properties.get(key) else {
                    return Err(format!("{key} is not in the schema"));
                };
                conforms(doc, described, field).map_err(|e| format!("{key}: {e}"))?;
            }
        }
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for item in items {
            conforms(doc, schema, item)?;
        }
    }
    Ok(())
}

/// The checker above refuses what the document does not say.
#[test]
fn the_spec_check_refuses_a_wrong_event() {
    let doc = published_spec();
    let schema = json!({ "$ref": "#/components/schemas/WebhookEvent" });
    let good = json!({
        "id": "msg_1", "type": "appointment.booked", "created_at": "2026-12-01T01:00:00Z",
        "data": { "reference": "ABCDE-FGHJK", "status": "booked", "branch": "putrajaya",
                  "service": "passport_renewal", "date": "2026-12-02", "start": "09:00",
                  "end": "09:15", "cancelled_by": null }
    });
    assert_eq!(conforms(&doc, &schema, &good), Ok(()));
    let mut wrong_type = good.clone();
    wrong_type["type"] = json!("appointment.moved");
    assert!(conforms(&doc, &schema, &wrong_type).is_err());
    let mut missing = good.clone();
    missing["data"]
        .as_object_mut()
        .expect("data")
        .remove("reference");
    assert!(conforms(&doc, &schema, &missing).is_err());
    let mut extra = good;
    extra["data"]["secret"] = json!(1);
    assert!(conforms(&doc, &schema, &extra).is_err());
}

async fn webhooks_are_signed_retried_and_replayed(app: TestApp) {
    let receiver = Receiver::start(2, Duration::ZERO).await;
    let partner = create_partner(&app, &[SERVICE], None, Some(receiver.url.clone()), 100);
    // Retries come fast here: the test's server retries after 1 s, doubling.
    let token = partner_token(&app, &partner).await;
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let (_, made) = book(
        &app,
        &token,
        "b",
        &booking(BRANCH, SERVICE, slots[0].0, &slots[0].1, 1),
    )
    .await;
    let reference = made["reference"].as_str().expect("reference").to_owned();

    // Refused twice, delivered on the third attempt; every attempt is signed and the same event.
    let got = receiver.wait_for(3).await;
    let events: Vec<Value> = got.iter().map(|r| verified(&partner, r)).collect();
    assert!(events.windows(2).all(|w| w[0] == w[1]), "{events:?}");
    let event = &events[0];
    assert_eq!(event["type"], "appointment.booked");
    assert_eq!(event["data"]["reference"], reference.as_str());
    assert_eq!(event["data"]["status"], "booked");
    let id = event["id"].as_str().expect("id").to_owned();
    assert_eq!(got[0].headers["webhook-id"], id.as_str());
    // A tampered body does not verify.
    let mut forged = got[2].clone();
    forged.body = forged
        .body
        .iter()
        .map(|b| if *b == b'1' { b'2' } else { *b })
        .collect();
    let webhook = standardwebhooks::Webhook::new(&partner.webhook_secret).expect("secret");
    assert!(webhook.verify(&forged.body, &forged.headers).is_err());

    // The partner's log says so.
    let delivered = wait_for_delivery(&app, &token, &id, "delivered").await;
    assert_eq!(delivered["attempts"], 3);
    assert_eq!(delivered["last_status"], 204);

    // Every change of status is an event: rescheduled, then cancelled.
    let move_to = json!({ "date": slots[1].0.to_string(), "start": slots[1].1 });
    let path = format!("/api/v1/partners/appointments/{reference}/reschedule");
    assert_eq!(
        call(&app, Method::POST, &path, &token, Some("r"), Some(&move_to))
            .await
            .0,
        200
    );
    let path = format!("/api/v1/partners/appointments/{reference}/cancel");
    assert_eq!(
        call(&app, Method::POST, &path, &token, Some("c"), None)
            .await
            .0,
        200
    );
    let got = receiver.wait_for(5).await;
    let mut types: Vec<String> = got[3..]
        .iter()
        .map(|r| {
            verified(&partner, r)["type"]
                .as_str()
                .expect("type")
                .to_owned()
        })
        .collect();
    types.sort();
    assert_eq!(types, ["appointment.cancelled", "appointment.rescheduled"]);

    // An administrator reads the log and replays the first event: same id, signed anew.
    let admin = app.staff_token("ketua", "admin", None).await;
    let log: Value = app
        .get_auth(
            &format!("/api/v1/staff/partners/{}/webhook-deliveries", partner.id),
            &admin,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(log["items"].as_array().map(Vec::len), Some(3), "{log}");
    let replay = app
        .post(
            &format!("/api/v1/staff/webhook-deliveries/{id}/replay"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(replay.status(), 200);
    let got = receiver.wait_for(6).await;
    let replayed = verified(&partner, &got[5]);
    assert_eq!(replayed["id"], id.as_str());
    assert_eq!(replayed["type"], "appointment.booked");
    let unknown = app
        .post(
            "/api/v1/staff/webhook-deliveries/msg_nothing/replay",
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(unknown.status(), 404);
    receiver.handle.stop(true).await;
}

async fn wait_for_delivery(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    for _ in 0..600 {
        let (_, log) = get(app, "/api/v1/partners/webhook-deliveries", token).await;
        if let Some(entry) = log["items"]
            .as_array()
            .and_then(|items| items.iter().find(|d| d["id"] == id))
            && entry["status"] == status
        {
            return entry.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("delivery {id} never became {status}");
}

async fn a_slow_receiver_does_not_delay_email(app: TestApp) {
    let receiver = Receiver::start(0, Duration::from_secs(30)).await;
    let partner = create_partner(&app, &[SERVICE], None, Some(receiver.url.clone()), 100);
    let token = partner_token(&app, &partner).await;
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (status, made) = book(
        &app,
        &token,
        "b",
        &booking(BRANCH, SERVICE, slot.0, &slot.1, 1),
    )
    .await;
    assert_eq!(status, 201);
    let reference = made["reference"].as_str().expect("reference");
    // The webhook is stuck at the receiver; the confirmation goes out meanwhile.
    receiver.wait_for(1).await;
    let mut sent = false;
    for _ in 0..100 {
        sent = app.outbox().iter().any(|m| {
            m.kind == "confirmation"
                && m.reference.as_deref() == Some(reference)
                && m.status == "sent"
        });
        if sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        sent,
        "the e-mail waited for the webhook: {:?}",
        app.outbox()
    );
    // Nor does it delay another partner's webhooks.
    let fast = Receiver::start(0, Duration::ZERO).await;
    let other = create_partner(&app, &[SERVICE], None, Some(fast.url.clone()), 100);
    let other_token = partner_token(&app, &other).await;
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (status, _) = book(
        &app,
        &other_token,
        "b",
        &booking(BRANCH, SERVICE, slot.0, &slot.1, 2),
    )
    .await;
    assert_eq!(status, 201);
    let got = fast.wait_for(1).await;
    assert_eq!(verified(&other, &got[0])["type"], "appointment.booked");
    // Delivered while the slow receiver still holds its first attempt (it has not timed out:
    // no failure is recorded), so not after it.
    let slow_attempt: Option<String> = {
        use temujanji_api::db::schema::outbox::dsl;
        dsl::outbox
            .filter(dsl::partner_id.eq(partner.id))
            .select(dsl::last_error)
            .first(&mut app.db.connect())
            .expect("the slow webhook")
    };
    assert_eq!(slow_attempt, None);
    fast.handle.stop(true).await;
    let webhook_pending = app
        .outbox()
        .iter()
        .any(|m| m.kind == "appointment.booked" && m.status == "pending");
    assert!(webhook_pending, "the webhook is still being delivered");
    receiver.handle.stop(false).await;
}

async fn the_rate_limit_answers_with_its_headers(app: TestApp) {
    let partner = create_partner(&app, &[SERVICE], None, None, 3);
    diesel::update(temujanji_api::db::schema::partner_clients::table.find(partner.id))
        .set(temujanji_api::db::schema::partner_clients::rate_per_minute.eq(1))
        .execute(&mut app.db.connect())
        .expect("slow bucket");
    let token = partner_token(&app, &partner).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let response = app.get_auth("/api/v1/partners/appointments", &token).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["ratelimit-limit"], "3");
        assert!(response.headers().contains_key("ratelimit-reset"));
        remaining.push(
            response.headers()["ratelimit-remaining"]
                .to_str()
                .expect("ascii")
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let refused = app.get_auth("/api/v1/partners/appointments", &token).await;
    assert_eq!(refused.status(), 429);
    let retry_after: i64 = refused.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.headers()["ratelimit-remaining"], "0");
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(problem["type"], "rate_limited");
    // Another client has its own bucket; errors carry the headers too.
    let other = create_partner(&app, &[SERVICE], None, None, 3);
    let other_token = partner_token(&app, &other).await;
    let missing = app
        .get_auth("/api/v1/partners/appointments/AAAAA-AAAAA", &other_token)
        .await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["ratelimit-remaining"], "2");
}

async fn administrators_manage_partners_and_rotate_secrets(app: TestApp) {
    let admin = app.staff_token("ketua", "admin", None).await;
    let supervisor = app
        .staff_token("penyelia", "supervisor", Some(BRANCH))
        .await;
    let form =
        json!({ "name": "Portal Pembantu Rumah", "services": [SERVICE], "branches": [BRANCH] });
    assert_eq!(
        app.post("/api/v1/staff/partners", Some(&supervisor), &form)
            .await
            .status(),
        403
    );
    let created = app
        .post("/api/v1/staff/partners", Some(&admin), &form)
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    let id = created["partner"]["id"].as_i64().expect("id");
    let partner = Partner {
        id,
        client_id: created["credentials"]["client_id"]
            .as_str()
            .expect("id")
            .to_owned(),
        secret: created["credentials"]["client_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
        webhook_secret: created["credentials"]["webhook_secret"]
            .as_str()
            .expect("secret")
            .to_owned(),
    };
    assert!(partner.webhook_secret.starts_with("whsec_"));
    let bad = app
        .post(
            "/api/v1/staff/partners",
            Some(&admin),
            &json!({ "name": "x", "services": ["no_such_service"] }),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let list: Value = app
        .get_auth("/api/v1/staff/partners", &admin)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert!(
        !list.to_string().contains(&partner.secret),
        "secrets are never listed"
    );

    // Rotation: the old secret works through the grace period, beside the new one.
    let rotated: Value = app
        .post(
            &format!("/api/v1/staff/partners/{id}/secret"),
            Some(&admin),
            &json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    let new_secret = rotated["credentials"]["client_secret"]
        .as_str()
        .expect("secret")
        .to_owned();
    assert_ne!(new_secret, partner.secret);
    partner_token(&app, &partner).await;
    let renewed = Partner {
        secret: new_secret,
        ..partner
    };
    let token = partner_token(&app, &renewed).await;
    // After the grace period (moved into the past here) only the new one.
    diesel::update(temujanji_api::db::schema::partner_clients::table.find(id))
        .set(
            temujanji_api::db::schema::partner_clients::previous_secret_until
                .eq(temujanji_api::clock::now_utc() - TimeDelta::seconds(1)),
        )
        .execute(&mut app.db.connect())
        .expect("end the grace period");
    let old = token_response(
        &app,
        "grant_type=client_credentials",
        Some((&renewed.client_id, rotated_old(&created))),
    )
    .await;
    assert_eq!(old.0, 401);
    partner_token(&app, &renewed).await;

    // Changing the services takes effect at the next booking.
    let slot = app.first_free_slot(BRANCH, "passport_new").await;
    let body = booking(BRANCH, "passport_new", slot.0, &slot.1, 1);
    assert_eq!(book(&app, &token, "n-1", &body).await.0, 403);
    let changed = app
        .send(
            Method::PATCH,
            &format!("/api/v1/staff/partners/{id}"),
            Some(&admin),
            Some(&json!({ "services": [SERVICE, "passport_new"] })),
        )
        .await;
    assert_eq!(changed.status(), 200);
    assert_eq!(book(&app, &token, "n-2", &body).await.0, 201);
    // Disabling refuses its live token at once.
    let disabled = app
        .send(
            Method::PATCH,
            &format!("/api/v1/staff/partners/{id}"),
            Some(&admin),
            Some(&json!({ "disabled": true })),
        )
        .await;
    assert_eq!(disabled.status(), 200);
    assert_eq!(
        get(&app, "/api/v1/partners/appointments", &token).await.0,
        401
    );
    let audit: Value = app
        .get_auth(
            &format!("/api/v1/staff/audit?reference={}", renewed.client_id),
            &admin,
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(audit.to_string().contains(&renewed.client_id), "{audit}");
}

fn rotated_old(created: &Value) -> &str {
    created["credentials"]["client_secret"]
        .as_str()
        .expect("secret")
}

/// Check-in, serving and a no-show at the counter reach the partner too.
async fn counter_events_reach_the_partner(app: TestApp) {
    let receiver = Receiver::start(0, Duration::ZERO).await;
    let partner = create_partner(&app, &[SERVICE], None, Some(receiver.url.clone()), 100);
    let token = partner_token(&app, &partner).await;
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let mut references = Vec::new();
    for (n, slot) in slots.iter().enumerate() {
        let n = u32::try_from(n).expect("small") + 1;
        let (status, made) = book(
            &app,
            &token,
            &format!("k{n}"),
            &booking(BRANCH, SERVICE, slot.0, &slot.1, n),
        )
        .await;
        assert_eq!(status, 201, "{made}");
        references.push(made["reference"].as_str().expect("reference").to_owned());
    }
    receiver.wait_for(2).await;
    let officer = app.staff_token("siti", "officer", Some(BRANCH)).await;
    // The first arrives and is served; the second never comes.
    app.move_to_today(&references[0], crate::helpers::malaysian_now_plus(20), 30);
    app.move_to_today(&references[1], crate::helpers::malaysian_now_plus(-60), 30);
    let checked = app
        .post(
            "/api/v1/staff/check-ins",
            Some(&officer),
            &json!({ "reference": references[0] }),
        )
        .await;
    assert_eq!(checked.status(), 200);
    let served = app
        .post(
            &format!("/api/v1/staff/appointments/{}/serve", references[0]),
            Some(&officer),
            &json!({ "amount_sen": 20000, "approval_code": "A1B2C3" }),
        )
        .await;
    assert_eq!(
        served.status(),
        200,
        "{}",
        served.text().await.unwrap_or_default()
    );
    let missed = app
        .post(
            &format!("/api/v1/staff/appointments/{}/no-show", references[1]),
            Some(&officer),
            &json!({}),
        )
        .await;
    assert_eq!(
        missed.status(),
        200,
        "{}",
        missed.text().await.unwrap_or_default()
    );
    let got = receiver.wait_for(5).await;
    let mut events: Vec<(String, String)> = got[2..]
        .iter()
        .map(|r| {
            let event = verified(&partner, r);
            (
                event["type"].as_str().expect("type").to_owned(),
                event["data"]["reference"]
                    .as_str()
                    .expect("reference")
                    .to_owned(),
            )
        })
        .collect();
    events.sort();
    let mut expected = vec![
        ("appointment.checked_in".to_owned(), references[0].clone()),
        ("appointment.no_show".to_owned(), references[1].clone()),
        ("appointment.served".to_owned(), references[0].clone()),
    ];
    expected.sort();
    assert_eq!(events, expected);
    receiver.handle.stop(true).await;
}
