use chrono::NaiveDate;
use serde_json::Value;

use crate::helpers::{TestApp, both_backends};

both_backends!(
    friday_saturday_states_close_on_friday_and_open_on_sunday,
    public_holidays_close_with_their_name,
    friday_prayer_break_has_no_slots,
    days_outside_the_booking_window_are_not_bookable,
    bad_ranges_and_unknown_branches_are_refused,
);

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn day<'a>(body: &'a Value, date: &str) -> &'a Value {
    body["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| d["date"] == date)
        .expect("day present")
}

async fn friday_saturday_states_close_on_friday_and_open_on_sunday(app: TestApp) {
    // 2027-01-01 is a Friday, 2027-01-03 a Sunday, 2027-01-04 a Monday.
    let body = app
        .availability("KDH-AS", "passport_new", d("2027-01-01"), d("2027-01-04"))
        .await;
    for date in ["2027-01-01", "2027-01-02"] {
        let day = day(&body, date);
        assert_eq!(day["open"], false);
        assert_eq!(day["closed_reason"]["kind"], "weekend", "{date}");
    }
    assert_ne!(
        day(&body, "2027-01-03")["closed_reason"]["kind"],
        "weekend",
        "Kedah works on Sunday"
    );
    let selangor = app
        .availability("SGR-SHA", "passport_new", d("2027-01-02"), d("2027-01-03"))
        .await;
    assert_eq!(
        day(&selangor, "2027-01-03")["closed_reason"]["kind"],
        "weekend",
        "Selangor rests on Sunday"
    );
}

async fn public_holidays_close_with_their_name(app: TestApp) {
    let body = app
        .availability("SGR-SHA", "passport_new", d("2027-08-30"), d("2027-09-01"))
        .await;
    let national_day = day(&body, "2027-08-31");
    assert_eq!(national_day["open"], false);
    assert_eq!(national_day["closed_reason"]["kind"], "public_holiday");
    assert!(
        national_day["closed_reason"]["name"]["en"]
            .as_str()
            .is_some_and(|n| n.contains("National"))
    );
    // The Sultan of Selangor's birthday closes Selangor, not Penang.
    let selangor = app
        .availability("SGR-SHA", "passport_new", d("2026-12-11"), d("2026-12-11"))
        .await;
    assert_eq!(
        day(&selangor, "2026-12-11")["closed_reason"]["kind"],
        "public_holiday"
    );
    let penang = app
        .availability("PNG-GT", "passport_new", d("2026-12-11"), d("2026-12-11"))
        .await;
    assert_ne!(
        day(&penang, "2026-12-11")["closed_reason"]["kind"],
        "public_holiday"
    );
}

async fn friday_prayer_break_has_no_slots(app: TestApp) {
    let today = temujanji_api::clock::today();
    let body = app
        .availability(
            "SGR-SHA",
            "passport_new",
            today,
            today + chrono::TimeDelta::days(30),
        )
        .await;
    let friday = body["days"]
        .as_array()
        .expect("days")
        .iter()
        .find(|d| {
            d["open"] == true
                && d["date"]
                    .as_str()
                    .and_then(|s| s.parse::<NaiveDate>().ok())
                    .is_some_and(|date| chrono::Datelike::weekday(&date) == chrono::Weekday::Fri)
        })
        .expect("an open Friday within 30 days");
    let starts: Vec<&str> = friday["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter_map(|s| s["start"].as_str())
        .collect();
    assert!(!starts.is_empty());
    assert!(
        starts.iter().all(|s| *s < "12:15" || *s >= "14:45"),
        "{starts:?}"
    );
    assert!(starts.contains(&"14:45"));
}

async fn days_outside_the_booking_window_are_not_bookable(app: TestApp) {
    let today = temujanji_api::clock::today();
    let body = app
        .availability("SGR-SHA", "passport_new", today, today)
        .await;
    let first = &body["days"][0];
    assert_eq!(first["open"], false, "no same-day booking");
    let kind = first["closed_reason"]["kind"].as_str().expect("kind");
    assert!(
        ["outside_booking_window", "weekend", "public_holiday"].contains(&kind),
        "{kind}"
    );
    let last: NaiveDate = body["bookable_until"]
        .as_str()
        .expect("until")
        .parse()
        .expect("date");
    assert_eq!(
        last,
        today
            .checked_add_months(chrono::Months::new(3))
            .expect("date")
    );
    let beyond = app
        .availability(
            "SGR-SHA",
            "passport_new",
            last + chrono::TimeDelta::days(1),
            last + chrono::TimeDelta::days(7),
        )
        .await;
    assert!(
        beyond["days"]
            .as_array()
            .expect("days")
            .iter()
            .all(|d| d["open"] == false && d["slots"].as_array().is_some_and(Vec::is_empty))
    );
}

async fn bad_ranges_and_unknown_branches_are_refused(app: TestApp) {
    let too_long = app.get("/api/v1/branches/SGR-SHA/availability?service=passport_new&from=2027-01-01&to=2027-06-01").await;
    assert_eq!(too_long.status(), 422);
    let body: Value = too_long.json().await.expect("json");
    assert_eq!(body["type"], "validation_failed");
    assert_eq!(body["errors"][0]["field"], "to");
    let bad_date = app
        .get("/api/v1/branches/SGR-SHA/availability?service=passport_new&from=2027-02-30")
        .await;
    assert_eq!(bad_date.status(), 422);
    let unknown = app
        .get("/api/v1/branches/XX-NOWHERE/availability?service=passport_new")
        .await;
    assert_eq!(unknown.status(), 404);
    let not_offered = app
        .get("/api/v1/branches/SGR-SHA/availability?service=permanent_residence")
        .await;
    assert_eq!(not_offered.status(), 422);
    let body: Value = not_offered.json().await.expect("json");
    assert_eq!(body["type"], "service_not_offered");
}
