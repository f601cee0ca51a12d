//! `cargo xtask bench`: throughput of the release server on SQLite and on PostgreSQL, written
//! to `docs/PERFORMANCE.md` with the machine and the date.
//!
//! - availability reads: 32 concurrent clients for 10 s on one branch's 14-day availability;
//! - bookings under contention: 2,000 applicants, 64 at a time, booking the first 60 free
//!   slots (about 480 seats), so that both committed bookings and refusals are measured.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use temujanji_api::auth::token::TokenKeys;
use temujanji_shared::email::EmailAddress;

use crate::{cargo, root, target_dir};

const SECRET: &str = "bench-secret-bench-secret-0123456789abcdef";
const BRANCH: &str = "SGR-SHA";
const SERVICE: &str = "passport_new";
const READ_CLIENTS: usize = 32;
const READ_SECONDS: u64 = 10;
const APPLICANTS: u32 = 2000;
const BOOKING_CLIENTS: usize = 64;
const SLOTS: usize = 60;

pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The release server (see [`build_server`]) on `database_url`, printing its URL.
pub(crate) fn start(database_url: &str, dir: &std::path::Path) -> Result<Server, String> {
    let mut child = Command::new(target_dir().join("release/temujanji"))
        .env("DATABASE_URL", database_url)
        .env("TEMUJANJI_BIND", "127.0.0.1:0")
        .env("TEMUJANJI_JWT_SECRET", SECRET)
        .env("TEMUJANJI_MAIL_DIR", dir.join("outbox"))
        .env("TEMUJANJI_DATA_DIR", dir.join("data"))
        .env("RUST_LOG", "warn")
        // Throughput, not load shedding: requests queue for a connection as long as needed.
        .env("TEMUJANJI_DB_POOL_WAIT_MS", "30000")
        // One machine plays every client: the network-keyed limits would refuse it at once.
        .env("TEMUJANJI_RATE_LIMITS", "off")
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let line = BufReader::new(stdout)
        .lines()
        .next()
        .ok_or("the server printed nothing")?
        .map_err(|e| e.to_string())?;
    let url = line.rsplit(' ').next().unwrap_or_default().to_owned();
    Ok(Server { child, url })
}

struct Results {
    backend: &'static str,
    reads_per_second: f64,
    read_p50_ms: f64,
    read_p99_ms: f64,
    booking_requests_per_second: f64,
    bookings_per_second: f64,
    booking_p50_ms: f64,
    booking_p99_ms: f64,
    booked: usize,
    capacity: i64,
    refused_full: usize,
    other: usize,
}

pub fn run() -> Result<(), String> {
    crate::web::build()?;
    let first_load = crate::web::first_load(&root().join("dist"))?;
    build_server()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let scratch = std::env::temp_dir().join(format!("temujanji-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;

    let sqlite = {
        let server = start(
            &format!("sqlite://{}", scratch.join("bench.db").display()),
            &scratch.join("sqlite"),
        )?;
        runtime.block_on(measure("SQLite", &server.url))?
    };
    let db_name = format!("temujanji_bench_{}", std::process::id());
    psql(&format!("CREATE DATABASE {db_name}"))?;
    let postgres = {
        let server = start(
            &format!("postgres://postgres@127.0.0.1:5432/{db_name}"),
            &scratch.join("pg"),
        )?;
        runtime.block_on(measure("PostgreSQL", &server.url))
    };
    psql(&format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"))?;
    let _ = std::fs::remove_dir_all(&scratch);
    let results = [sqlite, postgres?];
    write_report(&results, &first_load)
}

fn psql(sql: &str) -> Result<(), String> {
    let status = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-qc",
            sql,
        ])
        .status()
        .map_err(|e| format!("psql: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("psql failed: {sql}"))
    }
}

async fn measure(backend: &'static str, url: &str) -> Result<Results, String> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .map_err(|e| e.to_string())?;
    let today = temujanji_api::clock::today();
    let availability_url = format!(
        "{url}/api/v1/branches/{BRANCH}/availability?service={SERVICE}&from={today}&to={}",
        today + chrono::TimeDelta::days(13)
    );

    // Reads.
    let deadline = Instant::now() + Duration::from_secs(READ_SECONDS);
    let mut readers = tokio::task::JoinSet::new();
    for _ in 0..READ_CLIENTS {
        let (client, url) = (client.clone(), availability_url.clone());
        readers.spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let started = Instant::now();
                let ok = client
                    .get(&url)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    latencies.push(started.elapsed().as_secs_f64() * 1000.0);
                }
            }
            latencies
        });
    }
    let mut latencies = Vec::new();
    while let Some(batch) = readers.join_next().await {
        latencies.extend(batch.map_err(|e| e.to_string())?);
    }
    latencies.sort_by(f64::total_cmp);

    // Bookings: everyone wants the first SLOTS free slots.
    let body: Value = client
        .get(&availability_url)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let slots: Vec<(String, String, i64)> = body["days"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["open"] == true)
        .flat_map(|d| {
            let date = d["date"].as_str().unwrap_or_default().to_owned();
            d["slots"].as_array().into_iter().flatten().map(move |s| {
                (
                    date.clone(),
                    s["start"].as_str().unwrap_or_default().to_owned(),
                    s["remaining"].as_i64().unwrap_or(0),
                )
            })
        })
        .take(SLOTS)
        .collect();
    let capacity = slots.iter().map(|s| s.2).sum();
    let keys = TokenKeys::new(SECRET.as_bytes());
    let mut requests = Vec::new();
    for n in 0..APPLICANTS {
        let email = format!("bench{n}@example.com");
        let token = keys
            .issue(&EmailAddress::parse(&email).map_err(|e| e.to_string())?)
            .map_err(|e| format!("{e}"))?;
        let (date, start, _) = &slots[n as usize % slots.len()];
        let body = json!({
            "branch": BRANCH, "service": SERVICE, "date": date, "start": start,
            "applicant": {
                "name": "Bench Applicant", "id_type": "mykad",
                "id_number": format!("8{}0101-10-{:04}", n / 10_000, n % 10_000),
                "address": { "line1": "1 Jalan Bench", "postcode": "40000", "city": "Shah Alam", "state": "SGR" },
                "phone": format!("012{:07}", n % 10_000_000), "email": email
            }
        });
        requests.push((token, body));
    }
    let queue = Arc::new(tokio::sync::Mutex::new(requests));
    let started = Instant::now();
    let mut bookers = tokio::task::JoinSet::new();
    for _ in 0..BOOKING_CLIENTS {
        let (client, queue, url) = (
            client.clone(),
            queue.clone(),
            format!("{url}/api/v1/appointments"),
        );
        bookers.spawn(async move {
            let mut statuses = Vec::new();
            loop {
                let Some((token, body)) = queue.lock().await.pop() else {
                    break;
                };
                let sent = Instant::now();
                let status = client
                    .post(&url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                statuses.push((status, sent.elapsed().as_secs_f64() * 1000.0));
            }
            statuses
        });
    }
    let mut statuses = Vec::new();
    while let Some(batch) = bookers.join_next().await {
        statuses.extend(batch.map_err(|e| e.to_string())?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut committed: Vec<f64> = statuses
        .iter()
        .filter(|(s, _)| *s == 201)
        .map(|(_, ms)| *ms)
        .collect();
    committed.sort_by(f64::total_cmp);
    let booked = committed.len();
    let refused_full = statuses.iter().filter(|(s, _)| *s == 409).count();
    if booked as i64 > capacity {
        return Err(format!("{backend}: {booked} bookings for {capacity} seats"));
    }
    Ok(Results {
        backend,
        reads_per_second: latencies.len() as f64 / READ_SECONDS as f64,
        read_p50_ms: percentile(&latencies, 0.5),
        read_p99_ms: percentile(&latencies, 0.99),
        booking_requests_per_second: statuses.len() as f64 / elapsed,
        bookings_per_second: booked as f64 / elapsed,
        booking_p50_ms: percentile(&committed, 0.5),
        booking_p99_ms: percentile(&committed, 0.99),
        booked,
        capacity,
        refused_full,
        other: statuses.len() - booked - refused_full,
    })
}

/// The `p` quantile of sorted samples.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p) as usize)
        .copied()
        .unwrap_or(0.0)
}

pub(crate) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .map(|kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("PRETTY_NAME=")
                    .map(|v| v.trim_matches('"').to_owned())
            })
        })
        .unwrap_or_default();
    let pg = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-Atc",
            "SHOW server_version",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {memory} RAM, {os}, PostgreSQL {pg} (local, default settings)")
}

/// The heading of the first-load section of `docs/PERFORMANCE.md`.
pub(crate) const FIRST_LOAD_HEADING: &str = "## SPA first load";

/// The first-load tables (the home page against the budget, and `/apply` opened directly),
/// dated.
pub(crate) fn first_load_section(load: &crate::web::FirstLoad) -> Result<String, String> {
    let budget = crate::web::FIRST_LOAD_BUDGET;
    let dist = root().join("dist");
    let apply = crate::web::page_load(&dist, "pages/apply.html")?;
    let table_of = |load: &crate::web::FirstLoad| {
        let mut table = String::from("| File | Bytes | gzip |\n|---|---:|---:|\n");
        for (name, raw, gzip) in &load.files {
            table.push_str(&format!("| `{name}` | {raw} | {gzip} |\n"));
        }
        let raw: usize = load.files.iter().map(|(_, raw, _)| raw).sum();
        table.push_str(&format!(
            "| **Total** | {raw} | **{}** (brotli {}) |\n",
            load.total(),
            load.brotli_total(&dist)
        ));
        table
    };
    let verdict = if load.total() <= budget {
        format!("within the {} KB budget", budget / 1000)
    } else {
        format!(
            "**over the {} KB budget by {} KB**",
            budget / 1000,
            (load.total() - budget).div_ceil(1000)
        )
    };
    Ok(format!(
        "{FIRST_LOAD_HEADING}\n\n\
         Measured on {date}, commit {commit}, by `cargo xtask bench` or `cargo xtask bench phone` \
         (from `dist/` as `cargo xtask build-web` makes it: release wasm with the size profile, \
         split into lazily loaded routes, wasm-opt `-Oz`), gzip level 6 as served, and brotli \
         as served to browsers that accept it.\n\n\
         A first visit to the home page: {verdict}. The server sends the page whole (the \
         build's page below, plus the services' documents it fills in); it loads no wasm, and its script prefetches the apply \
         page's files only when the pointer, a finger or focus reaches \"Apply\".\n\n{home}\n\
         `/apply` opened directly (a link from elsewhere): its page, the app and the apply \
         route's chunks, fetched side by side (budget {apply_budget} KB); the other pages' \
         chunks are fetched when first shown.\n\n{apply}\n",
        apply_budget = crate::web::APPLY_LOAD_BUDGET / 1000,
        date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        commit = commit(),
        home = table_of(load),
        apply = table_of(&apply),
    ))
}

/// The commit measured.
pub(crate) fn commit() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn write_report(results: &[Results], load: &crate::web::FirstLoad) -> Result<(), String> {
    let commit = commit();
    let mut table = String::from(
        "| Backend | Availability reads/s | Read p50 | Read p99 | Booking requests/s | Bookings committed/s | Booking p50 | Booking p99 | Booked / seats | 409 slot_full | Other |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in results {
        table.push_str(&format!(
            "| {} | {:.0} | {:.1} ms | {:.1} ms | {:.0} | {:.0} | {:.1} ms | {:.1} ms | {} / {} | {} | {} |\n",
            r.backend,
            r.reads_per_second,
            r.read_p50_ms,
            r.read_p99_ms,
            r.booking_requests_per_second,
            r.bookings_per_second,
            r.booking_p50_ms,
            r.booking_p99_ms,
            r.booked,
            r.capacity,
            r.refused_full,
            r.other
        ));
    }
    let report = format!(
        "# Performance\n\n\
         Measured by `cargo xtask bench` (source: `xtask/src/bench.rs`). Rerun it to refresh this page.\n\n\
         - Date: {date}\n- Commit: {commit}\n- Machine: {machine}\n\
         - Server: release build of `temujanji`, one process, load generator on the same machine\n\n\
         ## Results\n\n{table}\n{spa}\
         ## What is measured\n\n\
         - **Availability reads**: {READ_CLIENTS} concurrent clients for {READ_SECONDS} s, each repeatedly reading 14 days of \
         availability of `{SERVICE}` at `{BRANCH}` (`GET /api/v1/branches/{{branch}}/availability`).\n\
         - **Bookings under contention**: {APPLICANTS} applicants with distinct identities, {BOOKING_CLIENTS} in flight at a time, \
         all booking the first {SLOTS} free slots (`POST /api/v1/appointments`). Every request gets `201` or `409 slot_full`; \
         the run fails if more bookings succeed than there are seats. *Booking requests/s* counts both answers; \
         *bookings committed/s* and the booking latencies count only the `201`s.\n",
        date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        machine = machine(),
        spa = first_load_section(load)?,
    );
    let path = root().join("docs/PERFORMANCE.md");
    std::fs::create_dir_all(root().join("docs")).map_err(|e| e.to_string())?;
    // Keep what `cargo xtask bench fairness` and `cargo xtask bench phone` measured.
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut report = report;
    for kept in [
        crate::fairness_bench::section_of(&old),
        section_of(&old, crate::phone_bench::HEADING),
    ]
    .into_iter()
    .flatten()
    {
        report = format!("{}\n\n{}\n", report.trim_end(), kept.trim_end());
    }
    std::fs::write(&path, &report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("{report}");
    Ok(())
}

/// Where the section headed `heading` of `document` is: from its heading to the next section.
fn section_range(document: &str, heading: &str) -> Option<std::ops::Range<usize>> {
    let start = document.find(heading)?;
    let body = start + heading.len();
    let end = document[body..]
        .find("\n## ")
        .map_or(document.len(), |i| body + i + 1);
    Some(start..end)
}

/// `document` with the section headed `heading` replaced by `section` (or `section` appended).
pub(crate) fn replace_section(document: &str, heading: &str, section: &str) -> String {
    match section_range(document, heading) {
        Some(range) => format!(
            "{}{section}{}",
            &document[..range.start],
            &document[range.end..]
        ),
        None => format!("{}\n\n{section}", document.trim_end()),
    }
}

/// The section headed `heading` of `document`, if it has one (kept when the rest is rewritten).
pub(crate) fn section_of(document: &str, heading: &str) -> Option<String> {
    section_range(document, heading).map(|range| document[range].to_owned())
}

/// Builds the release server the benches run (`target/release/temujanji`).
pub(crate) fn build_server() -> Result<(), String> {
    cargo(&[
        "build",
        "--release",
        "-p",
        "temujanji-api",
        "--bin",
        "temujanji",
    ])
}
