//! The waitlist of a full day: a freed seat is held for the first person waiting, offered by
//! e-mail, taken by that person only and once; unclaimed or left, it passes on, and with
//! nobody waiting it goes back to everyone.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use temujanji_api::booking::limits::Limits;
use temujanji_api::booking::waitlist::{self, Offers};
use temujanji_api::db::schema::{outbox, slots, waitlist_entries};
use temujanji_api::mail::Letters;

use crate::helpers::{Backend, TestApp, booking, both_backends, email};

both_backends!(
    a_freed_seat_is_held_for_the_first_person_waiting,
    an_offer_left_or_unclaimed_passes_on_then_goes_back_to_everyone,
    concurrent_claims_of_one_offer_have_one_winner,
    a_day_with_seats_or_a_closed_day_has_no_waitlist,
    a_seat_freed_by_the_sweep_of_a_delayed_return_is_offered,
);
mod limited {
    use super::one_email_waits_for_a_limited_number_of_days;
    crate::helpers::both_backends!(backend: one_email_waits_for_a_limited_number_of_days);
}

const BRANCH: &str = "SGR-SHA";
const SERVICE: &str = "passport_renewal";
/// Applicants: 1 holds the seat that frees; 2 and 3 wait; 4 is a stranger.
const HOLDER: u32 = 1;
const FIRST: u32 = 2;
const SECOND: u32 = 3;
const STRANGER: u32 = 4;

/// The offer's words and hold, as the server's worker has them.
fn sweep(app: &TestApp, at: NaiveDateTime) -> usize {
    let letters = Letters::new("http://localhost").expect("letters");
    let limits = Limits::default();
    let offers = Offers {
        letters: &letters,
        limits: &limits,
    };
    waitlist::sweep(&mut app.db.connect(), offers, at).expect("sweep")
}

/// Every slot of `date` taken: the rows are written full, as if booked.
pub(crate) async fn fill_day(app: &TestApp, date: NaiveDate, except: Option<&str>) {
    fill_day_at(app, BRANCH, date, except).await;
}

/// [`fill_day`] at `branch`.
pub(crate) async fn fill_day_at(
    app: &TestApp,
    branch: &str,
    date: NaiveDate,
    except: Option<&str>,
) {
    let body = app.availability(branch, SERVICE, date, date).await;
    let day = &body["days"][0];
    assert_eq!(day["open"], true, "{day}");
    let mut conn = app.db.connect();
    for slot in day["slots"].as_array().expect("slots") {
        let start = slot["start"].as_str().expect("start");
        if Some(start) == except {
            continue;
        }
        let time = |field: &str| {
            NaiveTime::parse_from_str(slot[field].as_str().expect("time"), "%H:%M").expect("time")
        };
        let capacity = i32::try_from(slot["capacity"].as_i64().expect("capacity")).expect("i32");
        let existing = diesel::update(
            slots::table
                .filter(slots::branch_code.eq(branch))
                .filter(slots::service_code.eq(SERVICE))
                .filter(slots::date.eq(date))
                .filter(slots::start_time.eq(time("start"))),
        )
        .set(slots::booked.eq(slots::capacity))
        .execute(&mut conn)
        .expect("fill a slot");
        if existing == 0 {
            diesel::insert_into(slots::table)
                .values((
                    slots::branch_code.eq(branch),
                    slots::service_code.eq(SERVICE),
                    slots::date.eq(date),
                    slots::start_time.eq(time("start")),
                    slots::end_time.eq(time("end")),
                    slots::capacity.eq(capacity),
                    slots::booked.eq(capacity),
                ))
                .execute(&mut conn)
                .expect("insert a full slot");
        }
    }
}

/// A full day whose one seat in `slot` is held by applicant [`HOLDER`]: returns the slot and
/// the holder's reference.
pub(crate) async fn full_day(app: &TestApp) -> ((NaiveDate, String), String) {
    app.set_seats(BRANCH, SERVICE, 1);
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (reference, _) = app.book_applicant(BRANCH, SERVICE, HOLDER, &slot).await;
    fill_day(app, slot.0, Some(&slot.1)).await;
    (slot, reference)
}

async fn join(app: &TestApp, n: u32, date: NaiveDate) -> (u16, Value) {
    let response = app
        .post(
            "/api/v1/waitlist",
            Some(&app.token_for(&email(n))),
            &json!({ "service": SERVICE, "branch": BRANCH, "date": date.to_string() }),
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

async fn places(app: &TestApp, n: u32) -> Vec<Value> {
    let response = app
        .get_auth("/api/v1/waitlist", &app.token_for(&email(n)))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "a person's places are private"
    );
    response.json().await.expect("json")
}

async fn cancel(app: &TestApp, n: u32, reference: &str) {
    let cancelled = app
        .post(
            &format!("/api/v1/appointments/{reference}/cancel"),
            Some(&app.token_for(&email(n))),
            &Value::Null,
        )
        .await;
    assert_eq!(cancelled.status(), 200);
}

/// Applicant `n` books `slot` with offer `id` as applicant `as_n` (their details).
async fn book_offer(
    app: &TestApp,
    n: u32,
    id: i64,
    slot: &(NaiveDate, String),
    identity_of: u32,
) -> (u16, Value) {
    let mut body = booking(BRANCH, SERVICE, slot.0, &slot.1, identity_of);
    body["applicant"]["email"] = json!(email(n));
    let response = app
        .post(
            &format!("/api/v1/waitlist/{id}/appointment"),
            Some(&app.token_for(&email(n))),
            &body,
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The offer e-mails written, as (recipient list, plain text).
fn offer_mails(app: &TestApp) -> Vec<(String, String)> {
    outbox::table
        .filter(outbox::kind.eq("waitlist_offer"))
        .order(outbox::id)
        .select((outbox::envelope_to, outbox::message))
        .load::<(String, Vec<u8>)>(&mut app.db.connect())
        .expect("outbox")
        .into_iter()
        .map(|(to, message)| {
            let parsed = mail_parser::MessageParser::default()
                .parse(&message)
                .expect("an RFC 5322 message");
            (to, parsed.body_text(0).expect("text").into_owned())
        })
        .collect()
}

fn status_of(app: &TestApp, id: i64) -> String {
    waitlist_entries::table
        .find(id)
        .select(waitlist_entries::status)
        .first(&mut app.db.connect())
        .expect("entry")
}

async fn a_freed_seat_is_held_for_the_first_person_waiting(app: TestApp) {
    let (slot, reference) = full_day(&app).await;
    let (status, first) = join(&app, FIRST, slot.0).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["status"], "waiting");
    assert_eq!(first["position"], 1);
    assert_eq!(first["offer"], Value::Null);
    let id = first["id"].as_i64().expect("id");
    let (status, second) = join(&app, SECOND, slot.0).await;
    assert_eq!(status, 201);
    assert_eq!(second["position"], 2);
    // Joining again keeps the place.
    let (status, again) = join(&app, FIRST, slot.0).await;
    assert_eq!(status, 200);
    assert_eq!(again, first);

    cancel(&app, HOLDER, &reference).await;
    // The seat is held: still counted, and nobody else can book it.
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 1);
    let stranger = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&email(STRANGER))),
            &booking(BRANCH, SERVICE, slot.0, &slot.1, STRANGER),
        )
        .await;
    assert_eq!(stranger.status(), 409);
    let stranger: Value = stranger.json().await.expect("json");
    assert_eq!(stranger["type"], "slot_full");

    // The first in line is offered it, by e-mail with a link to take it.
    let mine = places(&app, FIRST).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["status"], "offered");
    assert_eq!(mine[0]["position"], Value::Null);
    assert_eq!(mine[0]["offer"]["start"], slot.1.as_str());
    let expires: chrono::DateTime<chrono::Utc> = mine[0]["offer"]["expires_at"]
        .as_str()
        .expect("expiry")
        .parse()
        .expect("RFC 3339");
    let hold = expires.naive_utc() - temujanji_api::clock::now_utc();
    assert!(
        hold > TimeDelta::minutes(29) && hold <= TimeDelta::minutes(30),
        "held for {hold}"
    );
    let mails = offer_mails(&app);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].0.contains(&email(FIRST)), "{}", mails[0].0);
    assert!(
        mails[0].1.contains(&format!("/apply?offer={id}")),
        "the e-mail links to the offer"
    );
    assert_eq!(places(&app, SECOND).await[0]["position"], 1);

    // Only its owner can take it, only for its slot.
    let (status, body) = book_offer(&app, SECOND, id, &slot, SECOND).await;
    assert_eq!(status, 404, "{body}");
    let other_slot = (slot.0, "23:45".to_owned());
    let (status, body) = book_offer(&app, FIRST, id, &other_slot, FIRST).await;
    assert!(
        status == 422 || status == 409,
        "another slot is refused: {body}"
    );
    let (status, body) = book_offer(&app, FIRST, 999_999, &slot, FIRST).await;
    assert_eq!(status, 404, "{body}");

    let (status, appointment) = book_offer(&app, FIRST, id, &slot, FIRST).await;
    assert_eq!(status, 201, "{appointment}");
    assert_eq!(appointment["status"], "booked");
    assert_eq!(appointment["start"], slot.1.as_str());
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 1);
    assert_eq!(app.active_appointments(BRANCH, slot.0, &slot.1), 1);
    assert_eq!(status_of(&app, id), "taken");
    assert!(places(&app, FIRST).await.is_empty());
    // Once.
    let (status, body) = book_offer(&app, FIRST, id, &slot, FIRST + 100).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["type"], "offer_unavailable");
    // Someone else's place cannot be left either.
    let second_id = second["id"].as_i64().expect("id");
    let left = app
        .send(
            Method::DELETE,
            &format!("/api/v1/waitlist/{second_id}"),
            Some(&app.token_for(&email(FIRST))),
            None,
        )
        .await;
    assert_eq!(left.status(), 404);
    assert_eq!(status_of(&app, second_id), "waiting");
}

async fn an_offer_left_or_unclaimed_passes_on_then_goes_back_to_everyone(app: TestApp) {
    let (slot, reference) = full_day(&app).await;
    let first = join(&app, FIRST, slot.0).await.1["id"]
        .as_i64()
        .expect("id");
    let second = join(&app, SECOND, slot.0).await.1["id"]
        .as_i64()
        .expect("id");
    cancel(&app, HOLDER, &reference).await;
    assert_eq!(status_of(&app, first), "offered");

    // Leaving with a seat held passes it to the next at once.
    let left = app
        .send(
            Method::DELETE,
            &format!("/api/v1/waitlist/{first}"),
            Some(&app.token_for(&email(FIRST))),
            None,
        )
        .await;
    assert_eq!(left.status(), 204);
    assert_eq!(status_of(&app, first), "left");
    assert_eq!(status_of(&app, second), "offered");
    assert_eq!(offer_mails(&app).len(), 2);
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 1);

    // Nothing runs out before its time.
    let now = temujanji_api::clock::now_utc();
    assert_eq!(sweep(&app, now + TimeDelta::minutes(29)), 0);
    assert_eq!(status_of(&app, second), "offered");
    // Unclaimed, it runs out; nobody else waits, so the seat goes back to everyone.
    assert_eq!(sweep(&app, now + TimeDelta::minutes(31)), 1);
    assert_eq!(status_of(&app, second), "expired");
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 0);
    let (status, body) = book_offer(&app, SECOND, second, &slot, SECOND).await;
    assert_eq!(status, 409, "an expired offer cannot be taken: {body}");
    assert_eq!(body["type"], "offer_unavailable");
    // A second sweep changes nothing.
    assert_eq!(sweep(&app, now + TimeDelta::minutes(32)), 0);
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 0);
    app.book_applicant(BRANCH, SERVICE, STRANGER, &slot).await;
}

async fn concurrent_claims_of_one_offer_have_one_winner(app: TestApp) {
    let (slot, reference) = full_day(&app).await;
    let id = join(&app, FIRST, slot.0).await.1["id"]
        .as_i64()
        .expect("id");
    cancel(&app, HOLDER, &reference).await;
    // The owner, in several tabs, for several people of the family at once.
    let claims = (0..6).map(|k| {
        let app = &app;
        let slot = &slot;
        async move { book_offer(app, FIRST, id, slot, 200 + k).await }
    });
    let outcomes = futures::future::join_all(claims).await;
    let won = outcomes.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(won, 1, "{outcomes:?}");
    for (status, body) in outcomes.iter().filter(|(status, _)| *status != 201) {
        assert_eq!(*status, 409, "{body}");
        assert_eq!(body["type"], "offer_unavailable", "{body}");
    }
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 1);
    assert_eq!(app.active_appointments(BRANCH, slot.0, &slot.1), 1);
    // And the sweep racing the owner's claim cannot give the seat away twice.
    assert_eq!(
        sweep(&app, temujanji_api::clock::now_utc() + TimeDelta::hours(1)),
        0
    );
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 1);
}

async fn a_day_with_seats_or_a_closed_day_has_no_waitlist(app: TestApp) {
    let slot = app.first_free_slot(BRANCH, SERVICE).await;
    let (status, body) = join(&app, FIRST, slot.0).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["type"], "day_not_full");
    // A Sunday: the branch is closed.
    let today = temujanji_api::clock::today();
    let sunday = today
        .iter_days()
        .skip(3)
        .find(|d| chrono::Datelike::weekday(d) == chrono::Weekday::Sun)
        .expect("a Sunday");
    let (status, body) = join(&app, FIRST, sunday).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["type"], "branch_closed");
    // Year 262142, a date that is not one, a made-up branch, no token.
    for (date, kind) in [
        ("262142-01-01", "validation_failed"),
        ("2099-01-05", "outside_booking_window"),
        ("2026-02-30", "validation_failed"),
    ] {
        let refused = app
            .post(
                "/api/v1/waitlist",
                Some(&app.token_for(&email(FIRST))),
                &json!({ "service": SERVICE, "branch": BRANCH, "date": date }),
            )
            .await;
        assert_eq!(refused.status(), 422, "{date}");
        let refused: Value = refused.json().await.expect("json");
        assert_eq!(refused["type"], kind, "{refused}");
    }
    let unknown = app
        .post(
            "/api/v1/waitlist",
            Some(&app.token_for(&email(FIRST))),
            &json!({ "service": SERVICE, "branch": "XXX-NOPE", "date": slot.0.to_string() }),
        )
        .await;
    assert_eq!(unknown.status(), 404);
    let anonymous = app
        .post(
            "/api/v1/waitlist",
            None,
            &json!({ "service": SERVICE, "branch": BRANCH, "date": slot.0.to_string() }),
        )
        .await;
    assert_eq!(anonymous.status(), 401);
}

async fn a_seat_freed_by_the_sweep_of_a_delayed_return_is_offered(app: TestApp) {
    // With a release delay and nobody waiting, a cancelled seat waits in `seat_returns`; if
    // someone joins meanwhile, the seat goes to them when it comes back.
    let service = temujanji_shared::codes::ServiceCode::parse(SERVICE).expect("code");
    temujanji_api::catalog::change_service(
        &mut app.db.connect(),
        &service,
        temujanji_api::catalog::ServiceSetting::ReleaseDelayMinutes(10),
        &temujanji_api::authz::Principal::System,
        temujanji_api::clock::now_utc(),
    )
    .expect("delay");
    let (slot, reference) = full_day(&app).await;
    cancel(&app, HOLDER, &reference).await;
    let id = join(&app, FIRST, slot.0).await.1["id"]
        .as_i64()
        .expect("id");
    let letters = Letters::new("http://localhost").expect("letters");
    let limits = Limits::default();
    let offers = Offers {
        letters: &letters,
        limits: &limits,
    };
    let later = temujanji_api::clock::now_utc() + TimeDelta::minutes(11);
    let returned = temujanji_api::booking::return_due_seats(&mut app.db.connect(), offers, later)
        .expect("return");
    assert_eq!(returned, 1);
    assert_eq!(status_of(&app, id), "offered");
    assert_eq!(app.booked(BRANCH, SERVICE, slot.0, &slot.1), 1);
    let (status, body) = book_offer(&app, FIRST, id, &slot, FIRST).await;
    assert_eq!(status, 201, "{body}");
}

async fn one_email_waits_for_a_limited_number_of_days(backend: Backend) {
    let app = TestApp::spawn_with(
        backend,
        &[("TEMUJANJI_MAX_WAITLIST_PLACES", "1".to_owned())],
    )
    .await;
    app.set_seats(BRANCH, SERVICE, 1);
    let days: Vec<NaiveDate> = {
        let mut days = app
            .free_slots(BRANCH, SERVICE, 200)
            .await
            .into_iter()
            .map(|(date, _)| date)
            .collect::<Vec<_>>();
        days.dedup();
        days.truncate(2);
        days
    };
    assert_eq!(days.len(), 2);
    for day in &days {
        fill_day(&app, *day, None).await;
    }
    assert_eq!(join(&app, FIRST, days[0]).await.0, 201);
    let (status, body) = join(&app, FIRST, days[1]).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["type"], "too_many_waitlist_places");
    // Someone else still may.
    assert_eq!(join(&app, SECOND, days[1]).await.0, 201);
    app.stop().await;
}
