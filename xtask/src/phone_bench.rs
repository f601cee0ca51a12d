//! `cargo xtask bench phone`: the applicant's pages on a slow phone, in headless Chromium
//! (chromedriver, Debian's packages) against the release server (SQLite). DevTools protocol
//! throttling makes the phone: CPU 4x slower, 150 ms latency, 1.6 Mbit/s down, 750 kbit/s up,
//! a cold cache (a new profile per run). Measured, as the median of [`RUNS`] runs:
//! - LCP (largest contentful paint, the browser's own `PerformanceObserver` entry) of the home
//!   page and of `/apply`; when the home page's services' documents are on screen (the server
//!   sends them in the page) and when `/apply`'s form is ready (the app has taken over);
//! - tap to form: from the tap on "Apply" (after the pointer reached it, as a finger does) to
//!   the e-mail form on screen (the next page's first paint) and ready (the app's);
//! - a signed-in applicant's reload at the service step: the branch list on screen (what it
//!   waits for is the apply page's code, not the data);
//! - service to calendar: a signed-in applicant's "Continue" after choosing a service and a
//!   branch, to the month's open days on screen.
//!
//! Written to the "On a slow phone" section of `docs/PERFORMANCE.md` with the machine and date.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use temujanji_api::auth::token::TokenKeys;
use temujanji_shared::email::EmailAddress;
use thirtyfour::prelude::*;

use crate::root;

/// The section's heading in `docs/PERFORMANCE.md`; `cargo xtask bench` keeps it.
pub const HEADING: &str = "## On a slow phone";
const SECRET: &str = "bench-secret-bench-secret-0123456789abcdef";
const RUNS: usize = 3;
/// The goal of issue 9 for the home page's and `/apply`'s LCP.
const LCP_GOAL_MS: f64 = 2500.0;
const PHONE: (u32, u32) = (360, 780);

struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A throttled phone: chromedriver, a Chromium session with a new profile, CDP throttling.
struct Phone {
    driver: WebDriver,
    _chromedriver: Process,
    profile: PathBuf,
}

impl Phone {
    async fn open(run: usize) -> Result<Phone, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let chromedriver = Process(
            Command::new("/usr/bin/chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("chromedriver (Debian's chromium-driver): {e}"))?,
        );
        let profile = std::env::temp_dir().join(format!(
            "temujanji-phone-{}-{run}-{}",
            std::process::id(),
            Instant::now().elapsed().as_nanos()
        ));
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary("/usr/bin/chromium")
            .map_err(|e| e.to_string())?;
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--window-size={},{}", PHONE.0, PHONE.1),
        ] {
            caps.add_arg(arg).map_err(|e| e.to_string())?;
        }
        let mut driver = None;
        for _ in 0..100 {
            match WebDriver::new(&format!("http://127.0.0.1:{port}"), caps.clone()).await {
                Ok(d) => {
                    driver = Some(d);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let driver = driver.ok_or("chromedriver did not start a session")?;
        let dev = driver.cdp();
        let cdp = |e: WebDriverError| format!("DevTools: {e}");
        dev.send_raw(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": PHONE.0, "height": PHONE.1, "deviceScaleFactor": 1, "mobile": true }),
        )
        .await
        .map_err(cdp)?;
        dev.send_raw("Network.enable", json!({}))
            .await
            .map_err(cdp)?;
        dev.send_raw(
            "Network.emulateNetworkConditions",
            json!({
                "offline": false,
                "latency": 150,
                "downloadThroughput": 1_600_000 / 8,
                "uploadThroughput": 750_000 / 8,
            }),
        )
        .await
        .map_err(cdp)?;
        dev.send_raw("Emulation.setCPUThrottlingRate", json!({ "rate": 4 }))
            .await
            .map_err(cdp)?;
        Ok(Phone {
            driver,
            _chromedriver: chromedriver,
            profile,
        })
    }

    /// Waits until `css` is displayed; milliseconds since navigation start when seen.
    async fn shown(&self, css: &str) -> Result<f64, String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(element) = self.driver.find(By::Css(css)).await
                && element.is_displayed().await.unwrap_or(false)
            {
                return self.now().await;
            }
            if Instant::now() > deadline {
                let url = self.driver.current_url().await.map(|u| u.to_string());
                let body = self
                    .driver
                    .find(By::Css("body"))
                    .await
                    .ok()
                    .map(|b| async move { b.text().await.unwrap_or_default() });
                let body = match body {
                    Some(text) => text.await,
                    None => String::new(),
                };
                return Err(format!(
                    "{css} never appeared on {url:?}; the page says:\n{body}"
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Taps the element matching `css`.
    async fn click(&self, css: &str) -> Result<(), String> {
        let element = self.driver.find(By::Css(css)).await;
        element
            .map_err(|e| e.to_string())?
            .click()
            .await
            .map_err(|e| format!("click {css}: {e}"))
    }

    async fn now(&self) -> Result<f64, String> {
        self.clock("performance.now()").await
    }

    /// Milliseconds since the epoch by the page's clock: comparable across a navigation.
    async fn epoch(&self) -> Result<f64, String> {
        self.clock("Date.now()").await
    }

    /// Waits until `css` is displayed; the page's `Date.now()` when seen.
    async fn shown_at(&self, css: &str) -> Result<f64, String> {
        self.shown(css).await?;
        self.epoch().await
    }

    async fn clock(&self, expression: &str) -> Result<f64, String> {
        self.driver
            .execute(&format!("return {expression};"), vec![])
            .await
            .map_err(|e| e.to_string())?
            .json()
            .as_f64()
            .ok_or_else(|| "no performance.now()".to_owned())
    }

    /// The page's largest contentful paint so far (ms since navigation start).
    async fn lcp(&self) -> Result<f64, String> {
        self.driver
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 new PerformanceObserver(list => {
                   const entries = list.getEntries();
                   done(entries[entries.length - 1].startTime);
                 }).observe({ type: 'largest-contentful-paint', buffered: true });",
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?
            .json()
            .as_f64()
            .ok_or_else(|| "no LCP entry".to_owned())
    }

    async fn close(self) {
        let Phone {
            driver, profile, ..
        } = self;
        let _ = driver.quit().await;
        let _ = std::fs::remove_dir_all(profile);
    }
}

/// The app's e-mail field (not the first paint's).
const APP_FORM: &str = "main:not([data-shell]) #email";

/// One run of every measure; (home LCP, home documents, apply LCP, apply form ready, tap to
/// form on screen, tap to form ready, branches ready on a reload at the service step, service
/// to calendar), in milliseconds.
async fn one_run(url: &str, token: &str, run: usize) -> Result<[f64; 8], String> {
    let nav = |e: WebDriverError| e.to_string();
    // The home page, cold; then a tap on "Apply".
    let phone = Phone::open(run).await?;
    phone.driver.goto(format!("{url}/")).await.map_err(nav)?;
    let home_documents = phone.shown(".service-docs").await?;
    let home_lcp = phone.lcp().await?;
    let apply = phone
        .driver
        .find(By::Css("#apply-link"))
        .await
        .map_err(nav)?;
    // The finger reaches the link, then taps a moment later.
    phone
        .driver
        .action_chain()
        .move_to_element_center(&apply)
        .perform()
        .await
        .map_err(nav)?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let tapped = phone.epoch().await?;
    apply.click().await.map_err(nav)?;
    let tap_to_form = phone.shown_at("#email").await? - tapped;
    let tap_to_ready = phone.shown_at(APP_FORM).await? - tapped;
    phone.close().await;

    // `/apply` opened directly, cold.
    let phone = Phone::open(run).await?;
    phone
        .driver
        .goto(format!("{url}/apply"))
        .await
        .map_err(nav)?;
    let apply_ready = phone.shown(APP_FORM).await?;
    let apply_lcp = phone.lcp().await?;
    phone.close().await;

    // A signed-in applicant goes from the service step to the calendar.
    let phone = Phone::open(run).await?;
    phone.driver.goto(format!("{url}/")).await.map_err(nav)?;
    phone
        .driver
        .execute(
            "sessionStorage.setItem('temujanji.session', JSON.stringify({ \
               email: 'phone@example.com', token: arguments[0], \
               expires_at_ms: Date.now() + 3600000 }));",
            vec![json!(token)],
        )
        .await
        .map_err(nav)?;
    phone
        .driver
        .goto(format!("{url}/apply?step=service"))
        .await
        .map_err(nav)?;
    // As a person does: choose once the list of services is there.
    phone
        .shown("main:not([data-shell]) #service option[value=passport_renewal]")
        .await?;
    let service = phone.driver.find(By::Css("#service")).await.map_err(nav)?;
    thirtyfour::components::SelectElement::new(&service)
        .await
        .map_err(nav)?
        .select_by_value("passport_renewal")
        .await
        .map_err(nav)?;
    let branches_ready = phone.shown("#branch-SGR-SHA").await?;
    phone.click("#branch-SGR-SHA").await?;
    let pressed = phone.now().await?;
    phone.click("form button[type=submit]").await?;
    let service_to_calendar = phone.shown(".day.open").await? - pressed;
    phone.close().await;
    Ok([
        home_lcp,
        home_documents,
        apply_lcp,
        apply_ready,
        tap_to_form,
        tap_to_ready,
        branches_ready,
        service_to_calendar,
    ])
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

pub fn run() -> Result<(), String> {
    crate::web::build()?;
    crate::bench::build_server()?;
    let scratch = std::env::temp_dir().join(format!("temujanji-phone-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let server = crate::bench::start(
        &format!("sqlite://{}", scratch.join("phone.db").display()),
        &scratch,
    )?;
    let url = server.url.clone();
    let email = EmailAddress::parse("phone@example.com").map_err(|e| e.to_string())?;
    let token = TokenKeys::new(SECRET.as_bytes())
        .issue(&email)
        .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut runs = Vec::new();
    for run in 0..RUNS {
        eprintln!("xtask: phone, run {}", run + 1);
        runs.push(runtime.block_on(one_run(&url, &token, run))?);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let column = |i: usize| median(runs.iter().map(|r| r[i]).collect());
    let all = |i: usize| {
        runs.iter()
            .map(|r| format!("{:.0}", r[i]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let verdict = |ms: f64| {
        if ms <= LCP_GOAL_MS { "met" } else { "not met" }
    };
    let rows = [
        ("Home page: LCP", 0, Some(verdict(column(0)))),
        ("Home page: the services' documents on screen", 1, None),
        ("`/apply` opened directly: LCP", 2, Some(verdict(column(2)))),
        (
            "`/apply` opened directly: the form ready (the app's)",
            3,
            None,
        ),
        (
            "Tap on \"Apply\" (after the finger reached it) to the form on screen",
            4,
            None,
        ),
        ("… to the form ready (the app's)", 5, None),
        (
            "Signed in, `/apply?step=service` opened (a reload), the service chosen as soon as \
             listed: the branch list on screen",
            6,
            None,
        ),
        (
            "Service and branch chosen: \"Continue\" to the calendar",
            7,
            None,
        ),
    ];
    let mut table =
        String::from("| Measure | Median | Runs | Goal (LCP ≤ 2.5 s) |\n|---|---:|---:|---|\n");
    for (name, i, goal) in rows {
        table.push_str(&format!(
            "| {name} | {:.0} ms | {} | {} |\n",
            column(i),
            all(i),
            goal.unwrap_or("")
        ));
    }
    let section = format!(
        "{HEADING}\n\n\
         Measured by `cargo xtask bench phone` (source: `xtask/src/phone_bench.rs`) on {date}, commit {commit}, \
         {machine}; headless Chromium (Debian) at 360 px against the release server on SQLite, on the same machine. \
         The phone is made by DevTools protocol throttling: CPU 4x slower, 150 ms latency, 1.6 Mbit/s down, \
         750 kbit/s up, a cold cache in every run. Times are from the navigation's start, or from the tap or press.\n\n\
         {table}",
        date = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        commit = crate::bench::commit(),
        machine = crate::bench::machine(),
    );
    let path = root().join("docs/PERFORMANCE.md");
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    let report = crate::bench::replace_section(&current, HEADING, &section);
    // The build measured is the one whose sizes the first-load section gives.
    let load = crate::web::first_load(&root().join("dist"))?;
    let report = crate::bench::replace_section(
        &report,
        crate::bench::FIRST_LOAD_HEADING,
        &crate::bench::first_load_section(&load)?,
    );
    std::fs::write(&path, &report).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("{section}");
    Ok(())
}
