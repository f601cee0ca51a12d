//! Fair release: a seat freed by a cancellation or a move comes back after a random delay (per
//! service), so that it cannot be handed to a chosen buyer by cancelling and rebooking at once;
//! and new days open at a scheduled time per service, not at midnight.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde_json::Value;
use temujanji_api::catalog::{ServiceSetting, change_service};
use temujanji_api::db::schema::seat_returns;

use crate::helpers::{TestApp, booking, both_backends, email};

both_backends!(
    a_freed_seat_returns_after_its_random_delay,
    a_moved_appointments_old_seat_returns_after_the_delay,
    concurrent_sweeps_return_a_seat_once,
    new_days_open_at_the_services_time,
);

const BRANCH: &str = "SGR-SHA";
const SERVICE: &str = "passport_renewal";
const DELAY_MINUTES: i32 = 30;

fn set_delay(app: &TestApp, minutes: i32) {
    set(app, ServiceSetting::ReleaseDelayMinutes(minutes));
}

fn set(app: &TestApp, setting: ServiceSetting) {
    let service = temujanji_shared::codes::ServiceCode::parse(SERVICE).expect("code");
    let found = change_service(
        &mut app.db.connect(),
        &service,
        setting,
        &temujanji_api::authz::Principal::System,
        temujanji_api::clock::now_utc(),
    )
    .expect("change the service");
    assert!(found);
}

async fn book(app: &TestApp, n: u32, slot: &(chrono::NaiveDate, String)) -> (u16, Value) {
    let response = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&email(n))),
            &booking(BRANCH, SERVICE, slot.0, &slot.1, n),
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn pending_returns(app: &TestApp) -> Vec<NaiveDateTime> {
    seat_returns::table
        .select(seat_returns::due_at)
        .load(&mut app.db.connect())
        .expect("seat returns")
}

fn sweep(app: &TestApp, at: NaiveDateTime) -> usize {
    sweep_on(&mut app.db.connect(), at)
}

/// The worker's sweep of due seat returns, on `conn`.
fn sweep_on(conn: &mut temujanji_api::db::DbConnection, at: NaiveDateTime) -> usize {
    let letters = temujanji_api::mail::Letters::new("http://localhost").expect("letters");
    let limits = temujanji_api::booking::limits::Limits::default();
    let offers = temujanji_api::booking::waitlist::Offers {
        letters: &letters,
        limits: &limits,
    };
    temujanji_api::booking::return_due_seats(conn, offers, at).expect("sweep")
}

async fn a_freed_seat_returns_after_its_random_delay(app: TestApp) {
    app.set_seats(BRANCH, SERVICE, 1);
    set_delay(&app, DELAY_MINUTES);
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (status, first) = book(&app, 1, &slot).await;
    assert_eq!(status, 201);
    let reference = first["reference"].as_str().expect("reference");
    let cancelled_at = temujanji_api::clock::now_utc();
    let cancelled = app
        .post(
            &format!("/api/v1/appointments/{reference}/cancel"),
            Some(&app.token_for(&email(1))),
            &Value::Null,
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    // The buyer waiting to rebook at once finds the slot still full.
    let (status, refused) = book(&app, 2, &slot).await;
    assert_eq!((status, refused["type"].as_str()), (409, Some("slot_full")));
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 1);
    let due = pending_returns(&app);
    assert_eq!(due.len(), 1);
    let delay = due[0] - cancelled_at;
    assert!(
        delay >= TimeDelta::seconds(59) && delay <= TimeDelta::minutes(DELAY_MINUTES.into()),
        "within the service's delay: {delay}"
    );
    // Not before it is due; then once.
    assert_eq!(sweep(&app, due[0] - TimeDelta::seconds(1)), 0);
    assert_eq!(sweep(&app, due[0]), 1);
    assert_eq!(sweep(&app, due[0] + TimeDelta::hours(1)), 0);
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 0);
    assert_eq!(book(&app, 2, &slot).await.0, 201);
}

async fn a_moved_appointments_old_seat_returns_after_the_delay(app: TestApp) {
    app.set_seats(BRANCH, SERVICE, 1);
    set_delay(&app, DELAY_MINUTES);
    let slots = app.free_slots(BRANCH, SERVICE, 2).await;
    let (status, first) = book(&app, 1, &slots[0]).await;
    assert_eq!(status, 201);
    let reference = first["reference"].as_str().expect("reference");
    let moved = app
        .post(
            &format!("/api/v1/appointments/{reference}/reschedule"),
            Some(&app.token_for(&email(1))),
            &serde_json::json!({ "date": slots[1].0, "start": slots[1].1 }),
        )
        .await;
    assert_eq!(moved.status(), 200);
    assert_eq!(app.booked(BRANCH, SERVICE, slots[0].0, &slots[0].1), 1);
    assert_eq!(book(&app, 2, &slots[0]).await.0, 409);
    let due = pending_returns(&app);
    assert_eq!(due.len(), 1);
    assert_eq!(sweep(&app, due[0]), 1);
    assert_eq!(book(&app, 2, &slots[0]).await.0, 201);
}

/// Every instance's worker sweeps: each due seat comes back exactly once.
async fn concurrent_sweeps_return_a_seat_once(app: TestApp) {
    app.set_seats(BRANCH, SERVICE, 3);
    set_delay(&app, DELAY_MINUTES);
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    for n in 1..=3 {
        let (status, booked) = book(&app, n, &slot).await;
        assert_eq!(status, 201);
        let reference = booked["reference"].as_str().expect("reference");
        let cancelled = app
            .post(
                &format!("/api/v1/appointments/{reference}/cancel"),
                Some(&app.token_for(&email(n))),
                &Value::Null,
            )
            .await;
        assert_eq!(cancelled.status(), 200);
    }
    let later = temujanji_api::clock::now_utc() + TimeDelta::hours(1);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let sweepers: Vec<_> = (0..4)
        .map(|_| {
            let mut conn = app.db.connect();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                sweep_on(&mut conn, later)
            })
        })
        .collect();
    let returned: usize = sweepers
        .into_iter()
        .map(|s| s.join().expect("sweeper"))
        .sum();
    assert_eq!(returned, 3);
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 0);
    assert!(pending_returns(&app).is_empty());
}

fn set_opening(app: &TestApp, hh: u32, mm: u32) {
    let time = chrono::NaiveTime::from_hms_opt(hh, mm, 0).expect("time");
    set(app, ServiceSetting::OpensAt(time));
}

async fn bookable_until(app: &TestApp, around: chrono::NaiveDate) -> chrono::NaiveDate {
    let from = around - TimeDelta::days(3);
    let response = app
        .get(&format!(
            "/api/v1/branches/{BRANCH}/availability?service={SERVICE}&from={from}&to={around}"
        ))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    body["bookable_until"]
        .as_str()
        .and_then(|d| d.parse().ok())
        .expect("bookable_until")
}

/// The day that enters the three-month window today opens at the service's time: before it,
/// the window ends where yesterday's did, for availability and for booking alike.
async fn new_days_open_at_the_services_time(app: TestApp) {
    let local = temujanji_api::clock::to_malaysia(temujanji_api::clock::now_utc());
    let today = local.date();
    let months = chrono::Months::new(3);
    let newest = today.checked_add_months(months).expect("date");
    let yesterdays = (today - TimeDelta::days(1))
        .checked_add_months(months)
        .expect("date");
    // In the last two minutes of a Malaysian day no later opening time is left to try; the
    // unit test `schedule::tests::the_newest_day_opens_at_the_services_time` covers it then.
    if local.time() < chrono::NaiveTime::from_hms_opt(23, 58, 0).expect("time") {
        set_opening(&app, 23, 59);
        assert_eq!(bookable_until(&app, newest).await, yesterdays);
        if newest != yesterdays {
            let early = app
                .post(
                    "/api/v1/appointments",
                    Some(&app.token_for(&email(1))),
                    &booking(BRANCH, SERVICE, newest, "09:00", 1),
                )
                .await;
            assert_eq!(early.status(), 422);
            let problem: Value = early.json().await.expect("json");
            assert_eq!(problem["type"], "outside_booking_window");
        }
    }
    set_opening(&app, 0, 0);
    assert_eq!(bookable_until(&app, newest).await, newest);
    // Each change is audited, before and after.
    use temujanji_api::db::schema::audit_events::dsl;
    let logged: Vec<String> = dsl::audit_events
        .filter(dsl::action.eq("service.updated"))
        .select(dsl::after_json.assume_not_null())
        .load(&mut app.db.connect())
        .expect("the audit log");
    assert_eq!(
        logged.last().map(String::as_str),
        Some(r#"{"opens_at":"00:00"}"#)
    );
}
