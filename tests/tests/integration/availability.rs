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

/// The next eight weeks inside the booking window, by weekday.
async fn weeks_ahead(app: &TestApp, branch: &str) -> Vec<(chrono::Weekday, Value)> {
    let start = temujanji_api::clock::today() + chrono::TimeDelta::days(2);
    let body = app
        .availability(
            branch,
            "passport_new",
            start,
            start + chrono::TimeDelta::days(55),
        )
        .await;
    body["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|day| {
            let date: NaiveDate = day["date"].as_str().expect("date").parse().expect("date");
            (chrono::Datelike::weekday(&date), day.clone())
        })
        .collect()
}

async fn friday_saturday_states_close_on_friday_and_open_on_sunday(app: TestApp) {
    use chrono::Weekday::{Fri, Sat, Sun};
    let kedah = weeks_ahead(&app, "KDH-AS").await;
    for (weekday, day) in &kedah {
        if [Fri, Sat].contains(weekday) {
            assert_eq!(day["open"], false, "{day}");
            // A holiday that falls on the weekend is shown by its name.
            let kind = day["closed_reason"]["kind"].as_str().unwrap_or_default();
            assert!(
                ["weekend", "public_holiday", "closure"].contains(&kind),
                "{day}"
            );
        }
        if *weekday == Sun {
            assert_ne!(
                day["closed_reason"]["kind"], "weekend",
                "Kedah works on Sunday: {day}"
            );
        }
    }
    let open_sundays = kedah
        .iter()
        .filter(|(w, day)| {
            *w == Sun
                && day["open"] == true
                && day["slots"].as_array().is_some_and(|s| !s.is_empty())
        })
        .count();
    assert!(
        open_sundays >= 6,
        "Kedah is open on Sundays other than holidays ({open_sundays} of 8)"
    );
    let selangor = weeks_ahead(&app, "SGR-SHA").await;
    let weekend: Vec<&Value> = selangor
        .iter()
        .filter(|(w, _)| [Sat, Sun].contains(w))
        .map(|(_, d)| d)
        .collect();
    assert!(
        weekend.iter().all(|d| d["open"] == false),
        "Selangor rests on Saturday and Sunday"
    );
    let labelled = weekend
        .iter()
        .filter(|d| d["closed_reason"]["kind"] == "weekend")
        .count();
    assert!(
        labelled >= weekend.len() - 2,
        "{labelled} of {} weekend days say weekend",
        weekend.len()
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
