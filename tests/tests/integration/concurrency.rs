//! R1 under a release-day rush: the database, not the application, decides who gets a seat.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::{TestApp, booking, both_backends, email};

both_backends!(
    three_hundred_applicants_rush_five_seats,
    concurrent_cancels_free_the_seat_once,
    concurrent_reschedules_into_the_last_seat,
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
