//! Lottery mode: the day that opens today is not first come, first served. Applicants enter
//! its draw; nobody can book it until it is drawn; the draw ranks the entries from a recorded
//! seed (anyone can redraw it), holds each free seat for the next drawn entry to confirm
//! within the lottery's hours, and an unconfirmed seat moves to the next drawn.

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use diesel::prelude::*;
use serde_json::{Value, json};
use temujanji_api::booking::limits::Limits;
use temujanji_api::booking::lottery;
use temujanji_api::booking::waitlist::{self, Offers};
use temujanji_api::catalog::{ServiceSetting, change_service};
use temujanji_api::db::schema::{audit_events, holidays, lottery_draws, waitlist_entries};
use temujanji_api::mail::Letters;

use crate::helpers::{TestApp, booking, both_backends, email};
use crate::waitlist::fill_day_at;

both_backends!(
    a_lottery_day_is_entered_then_drawn_from_a_recorded_seed,
    concurrent_draws_draw_a_day_once,
);

/// Open every day of the week (an Urban Transformation Centre).
const BRANCH: &str = "JHR-UTC-JB";
const SERVICE: &str = "passport_renewal";
const CONFIRM_HOURS: i32 = 24;

/// Lottery mode on for the whole day (opening at midnight, drawn at 23:59 at the latest):
/// the day that opened today waits for its draw whatever the time the test runs.
pub(crate) fn lottery_on(app: &TestApp) {
    let service = temujanji_shared::codes::ServiceCode::parse(SERVICE).expect("code");
    let changed = change_service(
        &mut app.db.connect(),
        &service,
        ServiceSetting::Lottery {
            minutes: 1439,
            confirm_hours: CONFIRM_HOURS,
        },
        &temujanji_api::authz::Principal::System,
        temujanji_api::clock::now_utc(),
    )
    .expect("lottery mode");
    assert!(changed);
}

/// The day that opened today (the newest of the window), made a working day (no holiday)
/// with one free seat: every other slot full.
pub(crate) async fn lottery_day(app: &TestApp) -> (NaiveDate, String) {
    let local_now = temujanji_api::clock::to_malaysia(temujanji_api::clock::now_utc());
    let date = temujanji_api::schedule::BookingWindow::new(local_now, 0, NaiveTime::MIN).last;
    diesel::delete(holidays::table.filter(holidays::date.eq(date)))
        .execute(&mut app.db.connect())
        .expect("no holiday that day");
    app.set_seats(BRANCH, SERVICE, 1);
    let body = app.availability(BRANCH, SERVICE, date, date).await;
    let first = body["days"][0]["slots"][0]["start"]
        .as_str()
        .unwrap_or_else(|| panic!("{BRANCH} is open on {date}: {body}"))
        .to_owned();
    fill_day_at(app, BRANCH, date, Some(&first)).await;
    (date, first)
}

static LETTERS: std::sync::LazyLock<Letters> =
    std::sync::LazyLock::new(|| Letters::new("http://localhost").expect("letters"));
static LIMITS: Limits = Limits {
    active_per_email: 2,
    active_per_phone: 2,
    reschedules: 2,
    waitlist_places: 3,
    offer_minutes: 30,
};

/// What the worker offers seats with.
fn offers() -> Offers<'static> {
    Offers {
        letters: &LETTERS,
        limits: &LIMITS,
    }
}

async fn enter(app: &TestApp, n: u32, date: NaiveDate) -> Value {
    let response = app
        .post(
            "/api/v1/waitlist",
            Some(&app.token_for(&email(n))),
            &json!({ "service": SERVICE, "branch": BRANCH, "date": date.to_string() }),
        )
        .await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

async fn place(app: &TestApp, n: u32) -> Value {
    let response = app
        .get_auth("/api/v1/waitlist", &app.token_for(&email(n)))
        .await;
    assert_eq!(response.status(), 200);
    let places: Vec<Value> = response.json().await.expect("json");
    assert_eq!(places.len(), 1, "{places:?}");
    places[0].clone()
}

fn ranks(app: &TestApp) -> Vec<(i64, Option<i32>, String)> {
    waitlist_entries::table
        .order(waitlist_entries::id)
        .select((
            waitlist_entries::id,
            waitlist_entries::drawn_rank,
            waitlist_entries::status,
        ))
        .load(&mut app.db.connect())
        .expect("entries")
}

async fn a_lottery_day_is_entered_then_drawn_from_a_recorded_seed(app: TestApp) {
    let (date, start) = lottery_day(&app).await;
    lottery_on(&app);

    // The day is not first come, first served: availability says why, booking is refused.
    let body = app.availability(BRANCH, SERVICE, date, date).await;
    let day = &body["days"][0];
    assert_eq!(day["open"], false, "{day}");
    assert_eq!(day["closed_reason"]["kind"], "lottery", "{day}");
    let refused = app
        .post(
            "/api/v1/appointments",
            Some(&app.token_for(&email(9))),
            &booking(BRANCH, SERVICE, date, &start, 9),
        )
        .await;
    assert_eq!(refused.status(), 409);
    let refused: Value = refused.json().await.expect("json");
    assert_eq!(refused["type"], "lottery_pending", "{refused}");

    // Four enter its draw; nobody has a place in line before it is drawn.
    for n in 1..=4 {
        let entered = enter(&app, n, date).await;
        assert_eq!(entered["status"], "waiting");
        assert_eq!(entered["position"], Value::Null, "{entered}");
        assert!(entered["draw_at"].is_string(), "{entered}");
    }

    let now = temujanji_api::clock::now_utc();
    assert!(
        lottery::draw(&mut app.db.connect(), SERVICE, BRANCH, date, offers(), now).expect("draw")
    );
    assert!(
        !lottery::draw(&mut app.db.connect(), SERVICE, BRANCH, date, offers(), now).expect("draw"),
        "a day is drawn once"
    );

    // The ranks follow from the recorded seed: anyone can redraw them.
    let (seed, entries, offered): (i64, i32, i32) = lottery_draws::table
        .find((SERVICE, BRANCH, date))
        .select((
            lottery_draws::seed,
            lottery_draws::entries,
            lottery_draws::offered,
        ))
        .first(&mut app.db.connect())
        .expect("the draw");
    assert_eq!((entries, offered), (4, 1), "one free seat, four entries");
    let seed = u64::from_ne_bytes(seed.to_ne_bytes());
    let drawn = ranks(&app);
    let ids: Vec<i64> = drawn.iter().map(|(id, _, _)| *id).collect();
    let expected = lottery::order(seed, &ids);
    for (id, rank, _) in &drawn {
        let position = expected.iter().position(|e| e == id).expect("drawn");
        assert_eq!(*rank, Some(i32::try_from(position + 1).expect("rank")));
    }
    let audited: String = audit_events::table
        .filter(audit_events::action.eq("lottery.drawn"))
        .select(audit_events::after_json)
        .first::<Option<String>>(&mut app.db.connect())
        .expect("audited")
        .expect("details");
    let audited: Value = serde_json::from_str(&audited).expect("json");
    assert_eq!(audited["seed"], seed.to_string());
    assert_eq!(audited["entries"], 4);

    // The first drawn holds the seat, to confirm within the lottery's hours; the others
    // wait in drawn order.
    let applicant_of =
        |id: i64| u32::try_from(ids.iter().position(|e| *e == id).expect("id") + 1).expect("n");
    let winner = applicant_of(expected[0]);
    let won = place(&app, winner).await;
    assert_eq!(won["status"], "offered", "{won}");
    let expires: chrono::DateTime<chrono::Utc> = won["offer"]["expires_at"]
        .as_str()
        .expect("expiry")
        .parse()
        .expect("RFC 3339");
    let hold = expires.naive_utc() - now;
    // (PostgreSQL keeps microseconds.)
    let confirm = TimeDelta::hours(i64::from(CONFIRM_HOURS));
    assert!((hold - confirm).abs() < TimeDelta::seconds(1), "{won}");
    for (line, id) in expected.iter().enumerate().skip(1) {
        let waiting = place(&app, applicant_of(*id)).await;
        assert_eq!(waiting["status"], "waiting");
        assert_eq!(
            waiting["position"],
            i64::try_from(line).expect("line"),
            "{waiting}"
        );
        assert_eq!(waiting["draw_at"], Value::Null);
    }
    assert_eq!(
        app.booked(BRANCH, SERVICE, date, &start),
        1,
        "held for the winner"
    );
    // Drawn: the day is bookable again (and full), first come, first served from now on.
    let body = app.availability(BRANCH, SERVICE, date, date).await;
    assert_eq!(body["days"][0]["open"], true);

    // The winner does not confirm: the seat moves to the next drawn, with the same hours.
    let later = now + TimeDelta::hours(i64::from(CONFIRM_HOURS)) + TimeDelta::minutes(1);
    assert_eq!(
        waitlist::sweep(&mut app.db.connect(), offers(), later).expect("sweep"),
        1
    );
    let runner_up = applicant_of(expected[1]);
    let second = place(&app, runner_up).await;
    assert_eq!(second["status"], "offered", "{second}");
    let second_id = second["id"].as_i64().expect("id");
    let mut body = booking(BRANCH, SERVICE, date, &start, runner_up);
    body["applicant"]["email"] = json!(email(runner_up));
    let confirmed = app
        .post(
            &format!("/api/v1/waitlist/{second_id}/appointment"),
            Some(&app.token_for(&email(runner_up))),
            &body,
        )
        .await;
    assert_eq!(
        confirmed.status(),
        201,
        "{}",
        confirmed.text().await.unwrap_or_default()
    );
    assert_eq!(app.booked(BRANCH, SERVICE, date, &start), 1);
    assert_eq!(app.active_appointments(BRANCH, date, &start), 1);
}

async fn concurrent_draws_draw_a_day_once(app: TestApp) {
    let (date, start) = lottery_day(&app).await;
    lottery_on(&app);
    for n in 1..=3 {
        enter(&app, n, date).await;
    }
    let now = temujanji_api::clock::now_utc();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let drawers: Vec<_> = (0..4)
        .map(|_| {
            let mut conn = app.db.connect();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                lottery::draw(&mut conn, SERVICE, BRANCH, date, offers(), now).expect("draw")
            })
        })
        .collect();
    let drew = drawers
        .into_iter()
        .map(|d| d.join().expect("drawer"))
        .filter(|drew| *drew)
        .count();
    assert_eq!(drew, 1);
    let draws: i64 = lottery_draws::table
        .count()
        .get_result(&mut app.db.connect())
        .expect("count");
    assert_eq!(draws, 1);
    assert_eq!(app.booked(BRANCH, SERVICE, date, &start), 1);
    let offered = ranks(&app)
        .into_iter()
        .filter(|(_, _, status)| status == "offered")
        .count();
    assert_eq!(offered, 1);
}

/// A draw goes in rounds by client network: behind a trusted proxy, a bot farm entering with
/// many e-mails from one network wins one seat of the first round, people on their own
/// networks the others.
mod networks {
    use std::collections::HashMap;

    use diesel::prelude::*;
    use serde_json::json;
    use temujanji_api::booking::lottery;
    use temujanji_api::db::schema::{lottery_draws, waitlist_entries};

    use super::{BRANCH, SERVICE, lottery_day, lottery_on, offers};
    use crate::helpers::{Backend, TestApp, both_backends, email};

    both_backends!(backend: a_draw_goes_in_rounds_by_network);

    /// Applicants 1 to 5 are one farm's (203.0.113.0/24); 6 to 8 people, each at home.
    fn network_of(n: u32) -> String {
        if n <= 5 {
            format!("203.0.113.{n}")
        } else {
            format!("198.51.{n}.20")
        }
    }

    async fn a_draw_goes_in_rounds_by_network(backend: Backend) {
        let app = TestApp::spawn_with(
            backend,
            &[("TEMUJANJI_TRUSTED_PROXIES", "127.0.0.1".to_owned())],
        )
        .await;
        let (date, _) = lottery_day(&app).await;
        lottery_on(&app);
        for n in 1..=8 {
            let entered = app
                .client
                .post(app.url("/api/v1/waitlist"))
                .bearer_auth(app.token_for(&email(n)))
                .header("X-Forwarded-For", network_of(n))
                .json(&json!({ "service": SERVICE, "branch": BRANCH, "date": date.to_string() }))
                .send()
                .await
                .expect("request");
            assert_eq!(entered.status(), 201);
        }
        let now = temujanji_api::clock::now_utc();
        assert!(
            lottery::draw(&mut app.db.connect(), SERVICE, BRANCH, date, offers(), now)
                .expect("draw")
        );

        let entries: Vec<(i64, String, Option<i32>)> = waitlist_entries::table
            .order(waitlist_entries::id)
            .select((
                waitlist_entries::id,
                waitlist_entries::network,
                waitlist_entries::drawn_rank,
            ))
            .load(&mut app.db.connect())
            .expect("entries");
        // The network is kept as a keyed hash, never the address; the farm's five share one.
        assert!(entries.iter().all(|(_, network, _)| network.len() == 24
            && !network.contains("203.0")
            && !network.contains("198.51")));
        let farm = &entries[0].1;
        assert!(entries[..5].iter().all(|(_, network, _)| network == farm));
        assert!(entries[5..].iter().all(|(_, network, _)| network != farm));

        // The first round holds the farm's first drawn and the three people, and the ranks
        // are redrawn by anyone from the recorded seed, the ids and the networks.
        let rank_of = |n: u32| entries[usize::try_from(n - 1).expect("index")].2;
        let mut first_round: Vec<u32> = (1..=8)
            .filter(|n| rank_of(*n).is_some_and(|rank| rank <= 4))
            .collect();
        first_round.sort_unstable();
        assert_eq!(first_round.len(), 4, "{entries:?}");
        assert_eq!(&first_round[1..], &[6, 7, 8], "{entries:?}");
        assert!(first_round[0] <= 5);
        let seed: i64 = lottery_draws::table
            .find((SERVICE, BRANCH, date))
            .select(lottery_draws::seed)
            .first(&mut app.db.connect())
            .expect("the draw");
        let ids: Vec<i64> = entries.iter().map(|(id, _, _)| *id).collect();
        let networks: HashMap<i64, &str> = entries
            .iter()
            .map(|(id, network, _)| (*id, network.as_str()))
            .collect();
        let redrawn = lottery::in_rounds_by_network(
            &lottery::order(u64::from_ne_bytes(seed.to_ne_bytes()), &ids),
            &networks,
        );
        for (id, _, rank) in &entries {
            let position = redrawn.iter().position(|e| e == id).expect("drawn");
            assert_eq!(*rank, Some(i32::try_from(position + 1).expect("rank")));
        }
        app.stop().await;
    }
}
