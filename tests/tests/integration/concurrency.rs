//! R1 under a release-day rush: the database, not the application, decides who gets a seat.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::{TestApp, booking, both_backends, email};

both_backends!(
    three_hundred_applicants_rush_five_seats,
    concurrent_cancels_free_the_seat_once,
    concurrent_reschedules_into_the_last_seat,
    cancel_racing_reschedule_frees_exactly_one_seat,
    crossing_reschedules_keep_every_count_exact,
    one_identity_rushing_many_slots_gets_one,
);

const BRANCH: &str = "JHR-JB";
const SERVICE: &str = "passport_new";

/// Fires the `(url, token, body)` POSTs at once and counts the answers by status and type.
pub async fn rush(
    client: &reqwest::Client,
    requests: Vec<(String, String, Value)>,
) -> BTreeMap<(u16, String), usize> {
    let mut tasks = tokio::task::JoinSet::new();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(requests.len()));
    for (url, token, body) in requests {
        let client = client.clone();
        let barrier = barrier.clone();
        tasks.spawn(async move {
            barrier.wait().await;
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("request");
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            let kind = body["type"].as_str().unwrap_or("").to_owned();
            (status, kind)
        });
    }
    let mut counts = BTreeMap::new();
    while let Some(result) = tasks.join_next().await {
        *counts.entry(result.expect("task")).or_insert(0) += 1;
    }
    counts
}

async fn three_hundred_applicants_rush_five_seats(app: TestApp) {
    app.set_seats(BRANCH, SERVICE, 5);
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let requests = (0..300)
        .map(|n| {
            (
                app.url("/api/v1/appointments"),
                app.token_for(&email(n)),
                booking(BRANCH, SERVICE, date, &start, n),
            )
        })
        .collect();
    let counts = rush(&app.client, requests).await;
    assert_eq!(counts.get(&(201, String::new())), Some(&5), "{counts:?}");
    assert_eq!(
        counts.get(&(409, "slot_full".to_owned())),
        Some(&295),
        "{counts:?}"
    );
    assert_eq!(app.booked(BRANCH, SERVICE, date, &start), 5);
    assert_eq!(app.active_appointments(BRANCH, date, &start), 5);
    let availability = app.availability(BRANCH, SERVICE, date, date).await;
    let slot = availability["days"][0]["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .find(|s| s["start"] == start.as_str())
        .cloned()
        .expect("slot");
    assert_eq!(slot["remaining"], 0);
}

async fn concurrent_cancels_free_the_seat_once(app: TestApp) {
    app.set_seats(BRANCH, SERVICE, 3);
    let (date, start) = app.first_free_slot(BRANCH, SERVICE).await;
    let mut references = Vec::new();
    for n in 0..3 {
        let response = app
            .post(
                "/api/v1/appointments",
                Some(&app.token_for(&email(n))),
                &booking(BRANCH, SERVICE, date, &start, n),
            )
            .await;
        assert_eq!(response.status(), 201);
        references.push(
            response.json::<Value>().await.expect("json")["reference"]
                .as_str()
                .expect("ref")
                .to_owned(),
        );
    }
    // Twenty cancels of the first appointment at once.
    let token = app.token_for(&email(0));
    let requests = (0..20)
        .map(|_| {
            (
                app.url(&format!("/api/v1/appointments/{}/cancel", references[0])),
                token.clone(),
                json!({}),
            )
        })
        .collect();
    let counts = rush(&app.client, requests).await;
    assert_eq!(counts.get(&(200, String::new())), Some(&1), "{counts:?}");
    assert_eq!(
        counts.get(&(409, "invalid_status".to_owned())),
        Some(&19),
        "{counts:?}"
    );
    assert_eq!(
        app.booked(BRANCH, SERVICE, date, &start),
        2,
        "exactly one seat freed"
    );
    assert_eq!(app.active_appointments(BRANCH, date, &start), 2);
}

async fn concurrent_reschedules_into_the_last_seat(app: TestApp) {
    app.set_seats(BRANCH, SERVICE, 1);
    let slots = app.free_slots(BRANCH, SERVICE, 21).await;
    let (target_date, target_start) = slots[20].clone();
    let mut requests = Vec::new();
    for (n, (date, start)) in slots[..20].iter().enumerate() {
        let n = n as u32;
        let token = app.token_for(&email(n));
        let response = app
            .post(
                "/api/v1/appointments",
                Some(&token),
                &booking(BRANCH, SERVICE, *date, start, n),
            )
            .await;
        assert_eq!(response.status(), 201);
        let reference = response.json::<Value>().await.expect("json")["reference"]
            .as_str()
            .expect("ref")
            .to_owned();
        requests.push((
            app.url(&format!("/api/v1/appointments/{reference}/reschedule")),
            token,
            json!({ "date": target_date.to_string(), "start": target_start }),
        ));
    }
    let counts = rush(&app.client, requests).await;
    assert_eq!(counts.get(&(200, String::new())), Some(&1), "{counts:?}");
    assert_eq!(
        counts.get(&(409, "slot_full".to_owned())),
        Some(&19),
        "{counts:?}"
    );
    assert_eq!(app.booked(BRANCH, SERVICE, target_date, &target_start), 1);
    let still_held: i32 = slots[..20]
        .iter()
        .map(|(d, s)| app.booked(BRANCH, SERVICE, *d, s))
        .sum();
    assert_eq!(still_held, 19, "exactly one old seat was freed");
}

/// `slots.booked` agrees with the booked appointments in the slot.
fn assert_consistent(app: &TestApp, slot: &(chrono::NaiveDate, String)) -> i32 {
    let booked = app.booked(BRANCH, SERVICE, slot.0, &slot.1);
    assert_eq!(
        i64::from(booked),
        app.active_appointments(BRANCH, slot.0, &slot.1),
        "{slot:?}"
    );
    booked
}

fn assert_no_server_errors(counts: &BTreeMap<(u16, String), usize>) {
    assert!(counts.keys().all(|(status, _)| *status < 500), "{counts:?}");
}

async fn cancel_racing_reschedule_frees_exactly_one_seat(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let (reference, token) = app.book_applicant(BRANCH, SERVICE, 1, &slots[0]).await;
    let mut requests = Vec::new();
    for _ in 0..10 {
        requests.push((
            app.url(&format!("/api/v1/appointments/{reference}/cancel")),
            token.clone(),
            json!({}),
        ));
        requests.push((
            app.url(&format!("/api/v1/appointments/{reference}/reschedule")),
            token.clone(),
            json!({ "date": slots[1].0.to_string(), "start": slots[1].1 }),
        ));
    }
    let counts = rush(&app.client, requests).await;
    assert_no_server_errors(&counts);
    assert_eq!(
        assert_consistent(&app, &slots[0]) + assert_consistent(&app, &slots[1]),
        0,
        "{counts:?}"
    );
    let appointment: Value = app
        .get_auth(&format!("/api/v1/appointments/{reference}"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(appointment["status"], "cancelled");
}

async fn crossing_reschedules_keep_every_count_exact(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let (a, token_a) = app.book_applicant(BRANCH, SERVICE, 1, &slots[0]).await;
    let (b, token_b) = app.book_applicant(BRANCH, SERVICE, 2, &slots[1]).await;
    for round in 0..5 {
        // a and b swap slots, each request crossing the other.
        let (to_a, to_b) = if round % 2 == 0 {
            (&slots[1], &slots[0])
        } else {
            (&slots[0], &slots[1])
        };
        let requests = vec![
            (
                app.url(&format!("/api/v1/appointments/{a}/reschedule")),
                token_a.clone(),
                json!({ "date": to_a.0.to_string(), "start": to_a.1 }),
            ),
            (
                app.url(&format!("/api/v1/appointments/{b}/reschedule")),
                token_b.clone(),
                json!({ "date": to_b.0.to_string(), "start": to_b.1 }),
            ),
        ];
        let counts = rush(&app.client, requests).await;
        assert_no_server_errors(&counts);
        assert_eq!(
            assert_consistent(&app, &slots[0]) + assert_consistent(&app, &slots[1]),
            2,
            "{counts:?}"
        );
    }
}

async fn one_identity_rushing_many_slots_gets_one(app: TestApp) {
    let slots = app.free_slots(BRANCH, SERVICE, 20).await;
    let token = app.token_for(&email(7));
    let requests = slots
        .iter()
        .map(|slot| {
            (
                app.url("/api/v1/appointments"),
                token.clone(),
                booking(BRANCH, SERVICE, slot.0, &slot.1, 7),
            )
        })
        .collect();
    let counts = rush(&app.client, requests).await;
    assert_eq!(counts.get(&(201, String::new())), Some(&1), "{counts:?}");
    assert_eq!(
        counts.get(&(409, "duplicate_active_appointment".to_owned())),
        Some(&19),
        "{counts:?}"
    );
    let taken: i32 = slots.iter().map(|slot| assert_consistent(&app, slot)).sum();
    assert_eq!(taken, 1, "the refused bookings took no seat");
}
