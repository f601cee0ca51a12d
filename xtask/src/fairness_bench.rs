//! `cargo xtask bench fairness`: who wins the seats of a release day, people or bots, in each
//! of Temujanji's modes, over real HTTP against the release server (SQLite). Written to the
//! "Fairness on release day" section of `docs/PERFORMANCE.md` with the machine and the date.
//!
//! A release of [`SEATS`] seats on one day is contested by [`HUMANS`] people and [`BOTS`]
//! bots:
//! - a person has one verified e-mail, their own identity and phone, their own network, and
//!   human timing: seconds to notice the release, to choose, to fill the form; a refused slot
//!   sends them back to the calendar, a few times;
//! - a bot is ten times faster at every step, holds [`BOT_EMAILS`] verified e-mails (prepared
//!   before the release: the worst case), makes up an identity and a phone for every
//!   attempt, solves proofs of work natively, waits out a 429's `Retry-After` and never gives
//!   up while seats are left; the bots share [`BOT_NETWORKS`] networks (a bot farm).
//!
//! Modes: *plain* (first come, first served; limits per e-mail and phone raised out of the
//! way, network limits off), *limits + proof of work* (R5's limits, network limits, rush mode:
//! every booking needs a solved challenge), and *lottery* (everyone enters the day's draw during
//! the collection; the server's worker draws it; winners confirm).

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime, Timelike};
use diesel::prelude::*;
use serde_json::{Value, json};
use temujanji_api::auth::token::TokenKeys;
use temujanji_api::db::schema::{appointments, holidays, slots};
use temujanji_shared::altcha::Challenge;
use temujanji_shared::email::EmailAddress;
use tokio::time::sleep;

use crate::{root, target_dir};

const SECRET: &str = "bench-secret-bench-secret-0123456789abcdef";
/// Open every day of the week, so that any release day has slots.
const BRANCH: &str = "JHR-UTC-JB";
const SERVICE: &str = "passport_renewal";
const SEATS: i32 = 200;
const HUMANS: u32 = 1000;
const BOTS: u32 = 100;
const BOT_EMAILS: u32 = 10;
const BOT_NETWORKS: u32 = 10;
/// How often a person comes back to the calendar after a refusal.
const HUMAN_TRIES: u32 = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    LimitsAndProofOfWork,
    Lottery,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Plain => "Plain first come, first served",
            Mode::LimitsAndProofOfWork => "Limits + proof of work (rush mode)",
            Mode::Lottery => "Lottery",
        }
    }
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db: &str, dir: &std::path::Path, mode: Mode) -> Result<Server, String> {
    let mut command = Command::new(target_dir().join("release/temujanji"));
    command
        .env("DATABASE_URL", db)
        .env("TEMUJANJI_BIND", "127.0.0.1:0")
        .env("TEMUJANJI_JWT_SECRET", SECRET)
        .env("TEMUJANJI_MAIL_DIR", dir.join("outbox"))
        .env("TEMUJANJI_DATA_DIR", dir.join("data"))
        .env("TEMUJANJI_DB_POOL_WAIT_MS", "30000")
        // Every client is on this machine: the proxy it claims to be names each one's network.
        .env("TEMUJANJI_TRUSTED_PROXIES", "127.0.0.1")
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped());
    if mode == Mode::Plain {
        command
            .env("TEMUJANJI_RATE_LIMITS", "off")
            .env("TEMUJANJI_MAX_ACTIVE_PER_EMAIL", "100000")
            .env("TEMUJANJI_MAX_ACTIVE_PER_PHONE", "100000");
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let line = std::io::BufRead::lines(std::io::BufReader::new(stdout))
        .next()
        .ok_or("the server printed nothing")?
        .map_err(|e| e.to_string())?;
    let url = line.rsplit(' ').next().unwrap_or_default().to_owned();
    Ok(Server { child, url })
}

fn connect(url: &str) -> Result<temujanji_api::db::DbConnection, String> {
    use diesel::r2d2::ManageConnection;
    let url = temujanji_api::db::DatabaseUrl::parse(url).map_err(|e| e.to_string())?;
    temujanji_api::db::Manager::new(url)
        .connect()
        .map_err(|e| e.to_string())
}

fn set_service(db: &str, setting: temujanji_api::catalog::ServiceSetting) -> Result<(), String> {
    let service =
        temujanji_shared::codes::ServiceCode::parse(SERVICE).map_err(|e| e.to_string())?;
    temujanji_api::catalog::change_service(
        &mut connect(db)?,
        &service,
        setting,
        &temujanji_api::authz::Principal::System,
        temujanji_api::clock::now_utc(),
    )
    .map(drop)
    .map_err(|e| e.to_string())
}

/// The release day (the newest of the window, a working day here) with exactly [`SEATS`]
/// free seats over its first slots; the other slots full.
async fn release_day(client: &reqwest::Client, url: &str, db: &str) -> Result<NaiveDate, String> {
    let local_now = temujanji_api::clock::to_malaysia(temujanji_api::clock::now_utc());
    let date = temujanji_api::schedule::BookingWindow::new(local_now, 0, NaiveTime::MIN).last;
    let mut conn = connect(db)?;
    diesel::delete(holidays::table.filter(holidays::date.eq(date)))
        .execute(&mut conn)
        .map_err(|e| e.to_string())?;
    let body: Value = client
        .get(format!(
            "{url}/api/v1/branches/{BRANCH}/availability?service={SERVICE}&from={date}&to={date}"
        ))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let day = body["days"][0]["slots"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if day.is_empty() {
        return Err(format!("{BRANCH} has no slots on {date}: {body}"));
    }
    let slots_of_day = i32::try_from(day.len()).unwrap_or(i32::MAX);
    let per_slot = (SEATS + slots_of_day - 1) / slots_of_day;
    let mut left = SEATS;
    for slot in day {
        let time = |field: &str| {
            NaiveTime::parse_from_str(slot[field].as_str().unwrap_or_default(), "%H:%M")
                .map_err(|e| e.to_string())
        };
        let free = left.min(per_slot);
        left -= free;
        diesel::insert_into(slots::table)
            .values((
                slots::branch_code.eq(BRANCH),
                slots::service_code.eq(SERVICE),
                slots::date.eq(date),
                slots::start_time.eq(time("start")?),
                slots::end_time.eq(time("end")?),
                slots::capacity.eq(per_slot),
                slots::booked.eq(per_slot - free),
            ))
            .execute(&mut conn)
            .map_err(|e| e.to_string())?;
    }
    if left > 0 {
        return Err(format!("{date} has fewer than {SEATS} seats"));
    }
    Ok(date)
}

/// One contender.
#[derive(Clone)]
struct Contender {
    human: bool,
    /// Its verified e-mails and their tokens.
    emails: Vec<(String, String)>,
    /// The network it comes from (the `X-Forwarded-For` a trusted proxy sends).
    address: String,
    /// Seconds scale of every step: 1 for people, 0.1 for bots.
    pace: f64,
    n: u32,
}

/// What happened, seen from the clients.
#[derive(Default)]
struct Outcome {
    /// Server answer times of people's requests, ms.
    human_latencies: Vec<f64>,
    /// Seconds from the release to a person's booking.
    human_booked_after: Vec<f64>,
    requests: usize,
    throttled: usize,
}

struct Shared {
    client: reqwest::Client,
    url: String,
    date: NaiveDate,
    mode: Mode,
    started: Instant,
    /// Identities and phones made up by bots so far.
    made_up: std::sync::atomic::AtomicU32,
}

impl Shared {
    async fn send(
        &self,
        who: &Contender,
        request: reqwest::RequestBuilder,
        outcome: &mut Outcome,
    ) -> (u16, Value, Option<u64>) {
        let sent = Instant::now();
        let response = request.header("X-Forwarded-For", &who.address).send().await;
        outcome.requests += 1;
        if who.human {
            outcome
                .human_latencies
                .push(sent.elapsed().as_secs_f64() * 1000.0);
        }
        match response {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry = response
                    .headers()
                    .get("Retry-After")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok());
                if status == 429 {
                    outcome.throttled += 1;
                }
                (status, response.json().await.unwrap_or(Value::Null), retry)
            }
            Err(_) => (0, Value::Null, None),
        }
    }

    async fn free_slots(&self, who: &Contender, outcome: &mut Outcome) -> Vec<String> {
        let url = format!(
            "{}/api/v1/branches/{BRANCH}/availability?service={SERVICE}&from={}&to={}",
            self.url, self.date, self.date
        );
        let (_, body, _) = self.send(who, self.client.get(url), outcome).await;
        body["days"][0]["slots"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["remaining"].as_i64() > Some(0))
            .filter_map(|s| s["start"].as_str().map(str::to_owned))
            .collect()
    }

    async fn solved(&self, who: &Contender, outcome: &mut Outcome) -> Option<String> {
        let (_, body, _) = self
            .send(
                who,
                self.client
                    .get(format!("{}/api/v1/auth/challenge", self.url)),
                outcome,
            )
            .await;
        let challenge: Challenge = serde_json::from_value(body).ok()?;
        // The work is real: solved on this machine's cores, as a bot farm would.
        tokio::task::spawn_blocking(move || challenge.solve().map(|s| s.encode()))
            .await
            .ok()
            .flatten()
    }

    fn applicant(&self, who: &Contender, email: &str) -> Value {
        let n = if who.human {
            who.n
        } else {
            // A made-up identity and phone for every attempt.
            100_000
                + self
                    .made_up
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        };
        json!({
            "name": if who.human { "Siti Nur'aini binti Ahmad" } else { "Bot Bin Bot" },
            "id_type": "mykad",
            "id_number": format!("{:02}0101-10-{:04}", 50 + (n / 10_000) % 40, n % 10_000),
            "address": { "line1": "1 Jalan Bench", "postcode": "80000", "city": "Johor Bahru", "state": "JHR" },
            "phone": format!("012{:07}", n % 10_000_000),
            "email": email
        })
    }

    /// Thinks for `seconds` (scaled by the contender's pace, with ±50% spread).
    async fn think(&self, who: &Contender, seconds: f64) {
        let spread = 0.5 + rand_unit(who.n, self.started.elapsed().as_nanos());
        sleep(Duration::from_secs_f64(seconds * who.pace * spread)).await;
    }
}

/// A number in [0, 1) from two inputs (no shared generator to contend on).
fn rand_unit(a: u32, b: u128) -> f64 {
    let mut x = u64::from(a).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// First come, first served (with or without rush mode): notice, choose, fill in, book; on a
/// refusal, back to the calendar.
async fn race(shared: Arc<Shared>, who: Contender) -> Outcome {
    let mut outcome = Outcome::default();
    shared.think(&who, 3.0).await; // noticing the release, opening the page
    let mut emails = who.emails.iter().cycle();
    let mut tries = 0;
    let mut exhausted = 0;
    loop {
        let free = shared.free_slots(&who, &mut outcome).await;
        if free.is_empty() {
            if who.human {
                tries += 1;
                if tries >= HUMAN_TRIES {
                    break;
                }
                shared.think(&who, 10.0).await; // checking back later
                continue;
            }
            break;
        }
        shared.think(&who, 3.0).await; // choosing a time
        let start = &free[usize::try_from(who.n).unwrap_or(0) % free.len()];
        shared.think(&who, 20.0).await; // filling in the form
        let Some((email, token)) = emails.next() else {
            break;
        };
        let mut body = json!({
            "branch": BRANCH, "service": SERVICE, "date": shared.date.to_string(), "start": start,
            "applicant": shared.applicant(&who, email),
        });
        if shared.mode == Mode::LimitsAndProofOfWork {
            match shared.solved(&who, &mut outcome).await {
                Some(altcha) => body["altcha"] = json!(altcha),
                None => continue,
            }
            if who.human {
                sleep(Duration::from_secs(1)).await; // a phone solves it in about a second
            }
        }
        let (status, answer, retry) = shared
            .send(
                &who,
                shared
                    .client
                    .post(format!("{}/api/v1/appointments", shared.url))
                    .bearer_auth(token)
                    .json(&body),
                &mut outcome,
            )
            .await;
        match status {
            201 if who.human => {
                outcome
                    .human_booked_after
                    .push(shared.started.elapsed().as_secs_f64());
                break;
            }
            201 => exhausted = 0,
            429 => sleep(Duration::from_secs(retry.unwrap_or(1).min(30))).await,
            409 if answer["type"] == "too_many_active_appointments" && !who.human => {
                exhausted += 1;
                if exhausted >= who.emails.len() {
                    break;
                }
            }
            _ if who.human => {
                tries += 1;
                if tries >= HUMAN_TRIES {
                    break;
                }
            }
            409 => {}
            // Anything else means the bench is wrong, not the bot unlucky: stop it.
            other => {
                eprintln!("xtask: a bot's booking was answered {other}: {answer}");
                break;
            }
        }
    }
    outcome
}

/// Lottery: enter the draw during the collection, then wait for the offer e-mail and confirm.
async fn enter_and_confirm(shared: Arc<Shared>, who: Contender, collection: Duration) -> Outcome {
    let mut outcome = Outcome::default();
    // Any time during the collection: there is nothing to win by being first.
    let at = collection.mul_f64(0.8 * rand_unit(who.n, 7)) / if who.human { 1 } else { 10 };
    sleep(at).await;
    let mut places = Vec::new();
    for (email, token) in &who.emails {
        shared.think(&who, 2.0).await;
        loop {
            let (status, body, retry) = shared
                .send(
                    &who,
                    shared
                        .client
                        .post(format!("{}/api/v1/waitlist", shared.url))
                        .bearer_auth(token)
                        .json(&json!({ "service": SERVICE, "branch": BRANCH, "date": shared.date.to_string() })),
                    &mut outcome,
                )
                .await;
            match status {
                429 => sleep(Duration::from_secs(retry.unwrap_or(1).min(30))).await,
                200 | 201 => {
                    places.push((
                        email.clone(),
                        token.clone(),
                        body["id"].as_i64().unwrap_or(0),
                    ));
                    break;
                }
                _ => break,
            }
        }
    }
    // The offer e-mail: read here by looking at the places until the draw is done.
    let deadline = Instant::now() + Duration::from_secs(240);
    let mut pending = places;
    while !pending.is_empty() && Instant::now() < deadline {
        sleep(Duration::from_secs(5)).await;
        let mut still = Vec::new();
        for (email, token, id) in pending {
            let (status, body, retry) = shared
                .send(
                    &who,
                    shared
                        .client
                        .get(format!("{}/api/v1/waitlist", shared.url))
                        .bearer_auth(&token),
                    &mut outcome,
                )
                .await;
            if status == 429 {
                // Slowed, not refused: look again after the wait.
                sleep(Duration::from_secs(retry.unwrap_or(1).min(30))).await;
                still.push((email, token, id));
                continue;
            }
            let place = body
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["id"].as_i64() == Some(id))
                .cloned();
            match place {
                Some(p) if p["status"] == "offered" => {
                    shared.think(&who, 20.0).await; // filling in the form
                    let body = json!({
                        "branch": BRANCH, "service": SERVICE, "date": shared.date.to_string(),
                        "start": p["offer"]["start"],
                        "applicant": shared.applicant(&who, &email),
                    });
                    let status = loop {
                        let (status, _, retry) = shared
                            .send(
                                &who,
                                shared
                                    .client
                                    .post(format!(
                                        "{}/api/v1/waitlist/{id}/appointment",
                                        shared.url
                                    ))
                                    .bearer_auth(&token)
                                    .json(&body),
                                &mut outcome,
                            )
                            .await;
                        if status != 429 {
                            break status;
                        }
                        sleep(Duration::from_secs(retry.unwrap_or(1).min(30))).await;
                    };
                    if status == 201 && who.human {
                        outcome
                            .human_booked_after
                            .push(shared.started.elapsed().as_secs_f64());
                    }
                }
                // Waiting for the draw, or drawn but not (yet) offered a seat.
                Some(p) if p["status"] == "waiting" && p["draw_at"].is_string() => {
                    still.push((email, token, id));
                }
                _ => {}
            }
        }
        pending = still;
    }
    outcome
}

struct Measured {
    mode: Mode,
    seats: i64,
    human_seats: i64,
    bot_seats: i64,
    most_per_email: i64,
    most_per_identity: i64,
    human_wait_p99_ms: f64,
    human_booked_p50_s: f64,
    requests: usize,
    throttled: usize,
    seconds: f64,
}

fn contenders(date_keys: &TokenKeys) -> Result<Vec<Contender>, String> {
    let token = |email: &str| -> Result<String, String> {
        let parsed = EmailAddress::parse(email).map_err(|e| e.to_string())?;
        date_keys.issue(&parsed).map_err(|e| e.to_string())
    };
    let mut all = Vec::new();
    for n in 0..HUMANS {
        let email = format!("person{n}@example.com");
        all.push(Contender {
            human: true,
            emails: vec![(email.clone(), token(&email)?)],
            address: format!("10.{}.{}.7", n / 256, n % 256),
            pace: 1.0,
            n,
        });
    }
    for b in 0..BOTS {
        let emails = (0..BOT_EMAILS)
            .map(|k| {
                let email = format!("bot{b}x{k}@example.net");
                token(&email).map(|t| (email, t))
            })
            .collect::<Result<Vec<_>, String>>()?;
        all.push(Contender {
            human: false,
            emails,
            address: format!("172.16.{}.{}", b % BOT_NETWORKS, 10 + b),
            pace: 0.1,
            n: HUMANS + b,
        });
    }
    Ok(all)
}

async fn measure(mode: Mode, url: &str, db: &str) -> Result<Measured, String> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())?;
    let date = release_day(&client, url, db).await?;
    let keys = TokenKeys::new(SECRET.as_bytes());
    let all = contenders(&keys)?;
    let collection = if mode == Mode::Lottery {
        // Lottery mode, the collection ending at the next minute but one (the worker draws
        // at its next sweep after that).
        let local = temujanji_api::clock::to_malaysia(temujanji_api::clock::now_utc());
        let minute = local.time().hour() * 60 + local.time().minute();
        let ends = minute + 2;
        if ends > 1439 {
            return Err("the lottery run needs two minutes before midnight in Malaysia".into());
        }
        set_service(
            db,
            temujanji_api::catalog::ServiceSetting::Lottery {
                minutes: i32::try_from(ends).unwrap_or(1439),
                confirm_hours: 1,
            },
        )?;
        let ends_at = local
            .date()
            .and_hms_opt(ends / 60, ends % 60, 0)
            .unwrap_or(local);
        (ends_at - local).to_std().unwrap_or_default()
    } else {
        Duration::ZERO
    };
    let shared = Arc::new(Shared {
        client,
        url: url.to_owned(),
        date,
        mode,
        started: Instant::now(),
        made_up: std::sync::atomic::AtomicU32::new(0),
    });
    let mut tasks = tokio::task::JoinSet::new();
    for who in all {
        let shared = shared.clone();
        if mode == Mode::Lottery {
            tasks.spawn(enter_and_confirm(shared, who, collection));
        } else {
            tasks.spawn(race(shared, who));
        }
    }
    let mut outcome = Outcome::default();
    while let Some(done) = tasks.join_next().await {
        let done = done.map_err(|e| e.to_string())?;
        outcome.human_latencies.extend(done.human_latencies);
        outcome.human_booked_after.extend(done.human_booked_after);
        outcome.requests += done.requests;
        outcome.throttled += done.throttled;
    }
    let seconds = shared.started.elapsed().as_secs_f64();

    let mut conn = connect(db)?;
    let booked: Vec<(String, String)> = appointments::table
        .filter(appointments::date.eq(date))
        .filter(appointments::branch_code.eq(BRANCH))
        .filter(appointments::status.eq("booked"))
        .select((appointments::email, appointments::id_number))
        .load(&mut conn)
        .map_err(|e| e.to_string())?;
    let human_seats = booked
        .iter()
        .filter(|(e, _)| e.starts_with("person"))
        .count();
    let most = |key: fn(&(String, String)) -> &String| {
        let mut counts: HashMap<&String, i64> = HashMap::new();
        for b in &booked {
            *counts.entry(key(b)).or_default() += 1;
        }
        counts.values().copied().max().unwrap_or(0)
    };
    outcome.human_latencies.sort_by(f64::total_cmp);
    outcome.human_booked_after.sort_by(f64::total_cmp);
    Ok(Measured {
        mode,
        seats: i64::from(SEATS),
        human_seats: i64::try_from(human_seats).unwrap_or(0),
        bot_seats: i64::try_from(booked.len() - human_seats).unwrap_or(0),
        most_per_email: most(|b| &b.0),
        most_per_identity: most(|b| &b.1),
        human_wait_p99_ms: crate::bench::percentile(&outcome.human_latencies, 0.99),
        human_booked_p50_s: crate::bench::percentile(&outcome.human_booked_after, 0.5),
        requests: outcome.requests,
        throttled: outcome.throttled,
        seconds,
    })
}

pub fn run() -> Result<(), String> {
    crate::bench::build_server()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for mode in [Mode::Plain, Mode::LimitsAndProofOfWork, Mode::Lottery] {
        let scratch = std::env::temp_dir().join(format!(
            "temujanji-fairness-{}-{mode:?}",
            std::process::id()
        ));
        std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
        let db = format!("sqlite://{}", scratch.join("bench.db").display());
        let server = start(&db, &scratch, mode)?;
        if mode == Mode::LimitsAndProofOfWork {
            set_service(&db, temujanji_api::catalog::ServiceSetting::Rush(true))?;
        }
        eprintln!("xtask: fairness, {}", mode.name());
        let measured = runtime.block_on(measure(mode, &server.url, &db));
        drop(server);
        let _ = std::fs::remove_dir_all(&scratch);
        results.push(measured?);
    }
    write_section(&results)
}

/// The section's heading in `docs/PERFORMANCE.md`; `cargo xtask bench` keeps it.
pub const HEADING: &str = "## Fairness on release day";

fn write_section(results: &[Measured]) -> Result<(), String> {
    let mut table = String::from(
        "| Mode | Seats won by people | by bots | Most active bookings per e-mail | per identity | Person's request p99 | Person booked after (median) | Requests | 429 | Run |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in results {
        let share = 100.0 * r.human_seats as f64 / r.seats as f64;
        table.push_str(&format!(
            "| {} | {} / {} ({share:.0}%) | {} | {} | {} | {:.0} ms | {:.0} s | {} | {} | {:.0} s |\n",
            r.mode.name(),
            r.human_seats,
            r.seats,
            r.bot_seats,
            r.most_per_email,
            r.most_per_identity,
            r.human_wait_p99_ms,
            r.human_booked_p50_s,
            r.requests,
            r.throttled,
            r.seconds,
        ));
    }
    let section = format!(
        "{HEADING}\n\n\
         Measured by `cargo xtask bench fairness` (source: `xtask/src/fairness_bench.rs`) on {date}, commit {commit}, \
         {machine}; release server on SQLite, load generator on the same machine.\n\n\
         {SEATS} seats of one day at `{BRANCH}` are contested by {HUMANS} people (one e-mail, identity, phone and network \
         each; seconds to notice the release, choose and fill in the form; back to the calendar after a refusal, \
         {HUMAN_TRIES} times at most) and {BOTS} bots (ten times faster at every step; {BOT_EMAILS} verified e-mails each, \
         prepared in advance; a made-up identity and phone for every attempt; proofs of work solved natively; \
         {BOT_NETWORKS} networks between them). The goal is that people win at least 90% of the seats and nobody holds \
         more than the limit (2 active appointments per e-mail and per phone; 1 per identity and service).\n\n\
         {table}\n\
         - *Plain*: limits per e-mail and phone raised out of the way, network limits off, no proof of work.\n\
         - *Limits + proof of work*: R5's limits, rate limits per network, e-mail and identity, rush mode (every booking \
         needs a newly solved ALTCHA challenge).\n\
         - *Lottery*: the same limits; the day is entered during a collection of about two minutes (one place per \
         e-mail), drawn by the server's worker, and each winner confirms the held seat.\n\
         - *Person's request p99*: the server's answer time for people's requests. *Person booked after*: seconds from \
         the release (or from the start of the collection) to a person's booking.\n",
        date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        commit = crate::bench::commit(),
        machine = crate::bench::machine(),
    );
    let path = root().join("docs/PERFORMANCE.md");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    let report = replace_section(&current, &section);
    std::fs::write(&path, &report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("{section}");
    Ok(())
}

/// `document` with its fairness section replaced by `section` (or `section` appended).
pub fn replace_section(document: &str, section: &str) -> String {
    crate::bench::replace_section(document, HEADING, section)
}

/// The fairness section of `document`, if it has one (kept when the rest is rewritten).
pub fn section_of(document: &str) -> Option<String> {
    crate::bench::section_of(document, HEADING)
}
