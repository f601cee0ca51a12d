//! The applicant's journey in a real browser: Debian's headless Chromium driven over WebDriver
//! (chromedriver), against the real server and the built SPA, at phone width (360 px). Every
//! page is saved as a PNG under `target/screenshots/` to be looked at.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use serde_json::Value;
use temujanji_shared::Lang;
use temujanji_shared::email::EmailAddress;
use temujanji_shared::error::ValidationError;
use thirtyfour::PageLoadStrategy;
use thirtyfour::prelude::*;

use crate::helpers::{Backend, ScratchDir, TestApp, email, static_dir};

const PHONE: (u32, u32) = (360, 780);
const WAIT: Duration = Duration::from_secs(20);

fn program(env: &str, default: &str, package: &str) -> PathBuf {
    let path = PathBuf::from(std::env::var(env).unwrap_or_else(|_| default.into()));
    assert!(
        path.is_file(),
        "{} is missing: `cargo xtask test` installs Debian's {package}",
        path.display()
    );
    path
}

/// axe-core's script, installed by `cargo xtask test` (`npm ci --prefix tests/axe`).
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("axe/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `npm ci --prefix tests/axe` (`cargo xtask test` does)",
                path.display()
            )
        })
    })
}

fn screenshots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    dir
}

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(program(
            "CHROMEDRIVER",
            "/usr/bin/chromedriver",
            "chromium-driver",
        ))
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser session with its own profile and download folder.
struct Browser {
    driver: WebDriver,
    /// The emulated viewport: a phone, or a counter PC.
    size: (u32, u32),
    base: String,
    prefix: String,
    downloads: ScratchDir,
    _profile: ScratchDir,
    _chromedriver: Driver,
}

impl Browser {
    /// A phone-sized browser on `app`; screenshots are named `<prefix>-<page>.png`.
    async fn open(app: &TestApp, prefix: &str) -> Browser {
        Browser::open_sized(app, prefix, PHONE).await
    }

    /// A browser with a `size` viewport (mobile emulation below 800 px wide).
    async fn open_sized(app: &TestApp, prefix: &str, size: (u32, u32)) -> Browser {
        Browser::launch(app, prefix, size, PageLoadStrategy::Normal).await
    }

    /// A phone-sized browser whose commands do not wait for a page to finish loading: for
    /// looking at a page while it loads.
    async fn open_impatient(app: &TestApp, prefix: &str) -> Browser {
        Browser::launch(app, prefix, PHONE, PageLoadStrategy::None).await
    }

    async fn launch(
        app: &TestApp,
        prefix: &str,
        size: (u32, u32),
        strategy: PageLoadStrategy,
    ) -> Browser {
        let chromedriver = Driver::start();
        let profile = ScratchDir::new("temujanji-chromium");
        let downloads = ScratchDir::new("temujanji-downloads");
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(
            &program("CHROMIUM", "/usr/bin/chromium", "chromium")
                .display()
                .to_string(),
        )
        .expect("binary");
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            &format!("--user-data-dir={}", profile.0.display()),
            &format!("--window-size={},{}", PHONE.0, PHONE.1),
        ] {
            caps.add_arg(arg).expect("arg");
        }
        caps.add_experimental_option(
            "prefs",
            serde_json::json!({
                "download.default_directory": downloads.0.display().to_string(),
                "download.prompt_for_download": false,
            }),
        )
        .expect("prefs");
        caps.set_page_load_strategy(strategy)
            .expect("page load strategy");
        let mut driver = None;
        for _ in 0..100 {
            match WebDriver::new(&chromedriver.url, caps.clone()).await {
                Ok(d) => {
                    driver = Some(d);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let driver = driver.expect("chromedriver starts a Chromium session");
        emulate(&driver, size, size.1).await;
        Browser {
            driver,
            size,
            base: app.address.clone(),
            prefix: prefix.to_owned(),
            downloads,
            _profile: profile,
            _chromedriver: chromedriver,
        }
    }

    async fn go(&self, path: &str) {
        self.driver
            .goto(format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    /// Saves the whole page (as tall as its content, at phone width) as a PNG, and checks it
    /// with axe-core: every page and state a test looks at is checked.
    async fn shot(&self, page: &str) {
        self.picture(page).await;
        if page != "FAILED" {
            self.axe(page).await;
        }
    }

    /// Saves the whole page as a PNG, unchecked (for a failure's picture).
    async fn picture(&self, page: &str) {
        let height: i64 = self
            .driver
            .execute(
                "return Math.ceil(document.documentElement.scrollHeight);",
                vec![],
            )
            .await
            .ok()
            .and_then(|r| r.json().as_i64())
            .unwrap_or(i64::from(self.size.1));
        let height =
            u32::try_from(height.clamp(i64::from(self.size.1), 8000)).unwrap_or(self.size.1);
        emulate(&self.driver, self.size, height).await;
        let path = screenshots_dir().join(format!("{}-{page}.png", self.prefix));
        self.driver.screenshot(&path).await.expect("screenshot");
        emulate(&self.driver, self.size, self.size.1).await;
    }

    /// Switches the viewport, e.g. to look at a staff page on a phone.
    async fn resize(&mut self, size: (u32, u32)) {
        self.size = size;
        emulate(&self.driver, size, size.1).await;
    }

    /// The first element matching `css` that is the app's: not of a page's first paint
    /// (`[data-shell]`, which the app replaces), unless `css` asks for the first paint.
    async fn find(&self, css: &str) -> Option<WebElement> {
        let script = if css.contains("data-shell") {
            "return document.querySelector(arguments[0]);"
        } else {
            "return [...document.querySelectorAll(arguments[0])]\
             .find(e => !e.closest('[data-shell]')) || null;"
        };
        let found = self
            .driver
            .execute(script, vec![Value::from(css)])
            .await
            .ok()?;
        found.element().ok()
    }

    /// Waits until `css` matches a displayed element (see [`Browser::find`]).
    async fn wait(&self, css: &str) -> WebElement {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(element) = self.find(css).await
                && element.is_displayed().await.unwrap_or(false)
            {
                return element;
            }
            if tokio::time::Instant::now() > deadline {
                let body = self.text("body").await;
                self.picture("FAILED").await;
                panic!("{css} did not appear; the page says:\n{body}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element matching `css` contains `needle`.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let text = self.text(css).await;
            if text.contains(needle) {
                return text;
            }
            if tokio::time::Instant::now() > deadline {
                self.picture("FAILED").await;
                panic!("{css} never said {needle:?}; it says {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The reference on the slip, once the slip is shown.
    async fn slip_reference(&self) -> String {
        self.wait("#slip-reference")
            .await
            .text()
            .await
            .expect("the reference")
    }

    async fn text(&self, css: &str) -> String {
        match self.find(css).await {
            Some(element) => element.text().await.unwrap_or_default(),
            None => String::new(),
        }
    }

    async fn click(&self, css: &str) {
        let element = self.wait(css).await;
        element.scroll_into_view().await.expect("scroll");
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    async fn fill(&self, css: &str, value: &str) {
        let element = self.wait(css).await;
        element.clear().await.expect("clear");
        element.send_keys(value).await.expect("type");
    }

    /// Empties a field as a user does (select all, delete), so that the page hears it.
    async fn erase(&self, css: &str) {
        let element = self.wait(css).await;
        element.click().await.expect("focus");
        element
            .send_keys(Key::Control + "a")
            .await
            .expect("select all");
        element.send_keys(Key::Backspace).await.expect("delete");
    }

    async fn select(&self, css: &str, value: &str) {
        let element = self.wait(css).await;
        thirtyfour::components::SelectElement::new(&element)
            .await
            .expect("a select")
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
    }

    async fn attr(&self, css: &str, name: &str) -> String {
        self.wait(css)
            .await
            .attr(name)
            .await
            .expect("attribute")
            .unwrap_or_default()
    }

    /// The id of the element that has keyboard focus.
    async fn focused_id(&self) -> String {
        let element = self.driver.active_element().await.expect("focus");
        element.attr("id").await.ok().flatten().unwrap_or_default()
    }

    /// The class of the element that has keyboard focus.
    async fn focused_class(&self) -> String {
        let element = self.driver.active_element().await.expect("focus");
        element
            .attr("class")
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Sends keys to whatever has focus, as a keyboard user would.
    async fn keys(&self, keys: impl Into<TypingData>) {
        self.driver
            .active_element()
            .await
            .expect("focus")
            .send_keys(keys)
            .await
            .expect("keys");
    }

    /// Presses Tab until `reached` says the focused element is the one wanted.
    async fn tab_until(&self, what: &str, reached: impl AsyncFocusCheck) {
        for _ in 0..80 {
            if reached.check(self).await {
                return;
            }
            self.keys(Key::Tab).await;
        }
        panic!("Tab never reached {what}");
    }

    /// Presses the down arrow on the focused `<select>` until it holds `value`.
    async fn choose_by_arrows(&self, css: &str, value: &str) {
        for _ in 0..40 {
            let current = self.wait(css).await.prop("value").await.ok().flatten();
            if current.as_deref() == Some(value) {
                return;
            }
            self.keys(Key::Down).await;
        }
        panic!("the arrow keys never chose {value} in {css}");
    }

    /// Runs axe-core (npm, `tests/axe/`) on the page as it is now and fails on any violation
    /// of WCAG 2.2 A/AA or of axe's best practices, naming `state` and each element.
    async fn axe(&self, state: &str) {
        let violations = self.axe_violations(state).await;
        if !violations.is_empty() {
            self.picture(&format!("{state}-AXE")).await;
            panic!(
                "axe-core finds {} violation(s) on {state}:\n{}",
                violations.len(),
                violations.join("\n")
            );
        }
    }

    /// What axe-core finds wrong with the page now, one entry per rule broken.
    async fn axe_violations(&self, state: &str) -> Vec<String> {
        let loaded = self
            .driver
            .execute("return typeof window.axe !== 'undefined';", vec![])
            .await
            .expect("script")
            .json()
            .as_bool()
            .unwrap_or(false);
        if !loaded {
            self.driver
                .execute(format!("{}\nreturn true;", axe_source()), vec![])
                .await
                .expect("inject axe-core");
        }
        let answer = self
            .driver
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                 axe.run(document)
                   .then(r => done({
                     passed: r.passes.length,
                     violations: r.violations.map(v =>
                       v.id + ' (' + v.impact + '): ' + v.help + '\n' +
                       v.nodes.map(n => '    ' + n.target.join(' ') + ' — ' + n.failureSummary).join('\n'))
                   }))
                   .catch(e => done({ passed: 0, violations: ['axe failed: ' + e] }));"#,
                vec![],
            )
            .await
            .expect("axe.run");
        let result = answer.json();
        let violations: Vec<String> =
            serde_json::from_value(result["violations"].clone()).expect("a list of violations");
        // The checker checked something (a page it could not read would pass every rule).
        let passed = result["passed"].as_u64().unwrap_or(0);
        assert!(
            passed >= 10,
            "axe-core passed only {passed} rules on {state}"
        );
        violations
    }

    async fn tab_to(&self, id: &str) {
        self.tab_until(id, FocusId(id)).await;
    }

    /// Checks that the app has replaced the page's first paint (one `<main>`, no
    /// `[data-shell]` left) and that every non-empty text of the elements matching each of
    /// `selectors` is in `html` as an element's whole text; how many were compared.
    async fn says_what_the_html_says(&self, html: &str, selectors: &[&str]) -> usize {
        let count = |css: &'static str| async move {
            self.driver
                .find_all(By::Css(css))
                .await
                .expect("query")
                .len()
        };
        assert_eq!(
            count("[data-shell]").await,
            0,
            "the app removed the first paint"
        );
        assert_eq!(count("main").await, 1);
        let mut compared = 0;
        for css in selectors {
            for element in self.driver.find_all(By::Css(*css)).await.expect("query") {
                let text = element.text().await.expect("text");
                if text.is_empty() {
                    continue; // e.g. a form's status line, empty until something happens
                }
                assert!(
                    html.contains(&format!(">{text}<")),
                    "{css}: the HTML does not say {text:?}"
                );
                compared += 1;
            }
        }
        compared
    }

    async fn quit(self) {
        let Browser { driver, .. } = self;
        driver.quit().await.expect("quit");
    }
}

/// A test of the focused element, for [`Browser::tab_until`].
trait AsyncFocusCheck {
    async fn check(&self, browser: &Browser) -> bool;
}

struct FocusId<'a>(&'a str);

impl AsyncFocusCheck for FocusId<'_> {
    async fn check(&self, browser: &Browser) -> bool {
        browser.focused_id().await == self.0
    }
}

struct FocusClass<'a>(&'a str);

impl AsyncFocusCheck for FocusClass<'_> {
    async fn check(&self, browser: &Browser) -> bool {
        browser.focused_class().await.contains(self.0)
    }
}

struct FocusName<'a>(&'a str);

impl AsyncFocusCheck for FocusName<'_> {
    async fn check(&self, browser: &Browser) -> bool {
        let element = browser.driver.active_element().await.expect("focus");
        let name = element
            .attr("name")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        let disabled = element.attr("disabled").await.ok().flatten().is_some();
        name == self.0 && !disabled
    }
}

/// A viewport `size.0` CSS pixels wide (a desktop window cannot be made phone-narrow), as a
/// mobile device below 800 px.
async fn emulate(driver: &WebDriver, size: (u32, u32), height: u32) {
    driver
        .cdp()
        .send_raw(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({
                "width": size.0,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": size.0 < 800,
            }),
        )
        .await
        .expect("viewport emulation");
}

fn lang_query(lang: Lang) -> &'static str {
    match lang {
        Lang::Ms => "/?lang=ms",
        Lang::En => "/?lang=en",
    }
}

/// The code e-mailed to `address`, waiting for the mail to arrive.
async fn code_for(app: &TestApp, address: &str) -> String {
    for _ in 0..200 {
        if let Some(code) = app.code_sent_to(address) {
            return code;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no code was e-mailed to {address}");
}

async fn spawn_app() -> TestApp {
    assert!(
        static_dir().join("index.html").is_file(),
        "dist/ is not built: run `cargo xtask build-web` (the test command does)"
    );
    TestApp::spawn(Backend::Sqlite).await
}

/// Home → apply → e-mail → code → service and branch (searched) → the first open day and its
/// first free slot. Returns the chosen day and start.
async fn apply_until_details(
    app: &TestApp,
    browser: &Browser,
    lang: Lang,
    address: &str,
) -> (NaiveDate, String) {
    browser.go(lang_query(lang)).await;
    browser.wait("#apply-link").await;
    browser.shot("home").await;
    browser.click("#apply-link").await;
    browser.fill("#email", address).await;
    browser.shot("apply-email").await;
    browser.click("form button[type=submit]").await;
    browser.wait("#code").await;
    let code = code_for(app, address).await;
    browser.fill("#code", &code).await;
    browser.shot("apply-code").await;
    browser.click("form button[type=submit]").await;
    browser.select("#service", "passport_renewal").await;
    browser.fill("#branch-search", "Shah Alam").await;
    browser.click("#branch-SGR-SHA").await;
    browser.shot("apply-branch").await;
    browser.click("form button[type=submit]").await;
    browser.click(".day.open").await;
    let date = browser.attr(".day[aria-pressed=true]", "data-date").await;
    browser.click("input[name=slot]:not([disabled])").await;
    let start = browser.attr("input[name=slot]:checked", "value").await;
    browser.shot("apply-calendar").await;
    browser.click("form button[type=submit]").await;
    browser.wait("#applicant-name").await;
    (date.parse().expect("a date"), start)
}

/// Fills the applicant form with valid data.
async fn fill_details(browser: &Browser, n: u32) {
    browser
        .fill("#applicant-name", "Siti Nur'aini binti Ahmad")
        .await;
    browser
        .fill("#applicant-id_number", &crate::helpers::mykad(n))
        .await;
    browser
        .fill("#applicant-address-line1", "No. 12, Jalan Anggerik 3")
        .await;
    browser.fill("#applicant-address-postcode", "40000").await;
    browser.fill("#applicant-address-city", "Shah Alam").await;
    browser.select("#applicant-address-state", "SGR").await;
    browser.fill("#applicant-phone", "012-345 6789").await;
}

/// The appointment as the API sees it.
async fn appointment(app: &TestApp, address: &str, reference: &str) -> Value {
    let token = app.token_for(address);
    let response = app
        .get_auth(&format!("/api/v1/appointments/{reference}"), &token)
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

async fn full_journey(lang: Lang, n: u32) {
    let app = spawn_app().await;
    let address = email(n);
    let browser = Browser::open(&app, &format!("journey-{}", lang.code())).await;
    let (date, start) = apply_until_details(&app, &browser, lang, &address).await;

    // Validation as the user types, with the shared messages, then the summary on submit.
    browser.fill("#applicant-id_number", "900230-10-1234").await;
    browser.keys(Key::Tab).await;
    browser
        .wait_text(
            "#applicant-id_number-error",
            &ValidationError::InvalidDate.message(lang),
        )
        .await;
    browser.click("form button[type=submit]").await;
    let summary = browser.wait(".error-summary").await;
    let links = summary.find_all(By::Css("a")).await.expect("links");
    assert!(links.len() >= 5, "every invalid field is listed");
    assert_eq!(
        browser.focused_class().await,
        "error-summary",
        "the summary takes focus so that it is announced"
    );
    browser.shot("apply-details-errors").await;

    fill_details(&browser, n).await;
    browser.shot("apply-details").await;
    browser.click("form button[type=submit]").await;
    browser.wait("#submit-booking").await;
    let review = browser.text(".summary").await;
    assert!(
        review.contains(&format!("{start}–")),
        "the slot as a range: {review}"
    );
    browser.shot("apply-review").await;
    browser.click("#submit-booking").await;

    // The slip.
    let reference = browser.slip_reference().await;
    let booked = appointment(&app, &address, &reference).await;
    assert_eq!(booked["status"], "booked");
    assert_eq!(booked["date"], date.to_string());
    assert_eq!(booked["start"], start);
    let payload = browser.attr(".qr", "data-payload").await;
    assert_eq!(payload, booked["qr_payload"].as_str().expect("payload"));
    assert!(
        browser.driver.find(By::Css(".qr svg path")).await.is_ok(),
        "the QR code is drawn"
    );
    let slip = browser.text(".slip").await;
    assert!(
        slip.contains(booked["arrive_by"].as_str().expect("arrive_by")),
        "{slip}"
    );
    assert!(slip.contains("RM200.00"), "{slip}");
    assert!(
        slip.contains(&format!("******-**-{n:04}")) && !slip.contains(&crate::helpers::mykad(n)),
        "the identity number is masked: {slip}"
    );
    browser.shot("slip").await;

    // The PDF, downloaded as the browser does it.
    browser.click("#download-pdf").await;
    let pdf = wait_for_download(&browser.downloads.0).await;
    assert!(pdf.starts_with(b"%PDF"), "a PDF was downloaded");

    // Printed from the browser, the slip fits one A4 page.
    let printed = browser
        .driver
        .print_page(thirtyfour::common::print::PrintParameters {
            page: thirtyfour::common::print::PrintPage {
                width: 21.0,
                height: 29.7,
            },
            ..Default::default()
        })
        .await
        .expect("print");
    let pages = lopdf::Document::load_mem(&printed)
        .expect("a PDF")
        .get_pages()
        .len();
    assert_eq!(pages, 1, "the printed slip is one A4 page");
    std::fs::write(
        screenshots_dir().join(format!("{}-print.pdf", browser.prefix)),
        &printed,
    )
    .expect("save the print");
    browser.quit().await;

    // Later, on another device: manage finds it by reference and an e-mail code.
    let browser = Browser::open(&app, &format!("manage-{}", lang.code())).await;
    browser.go(lang_query(lang)).await;
    browser.click("#manage-link").await;
    browser.fill("#reference", &reference.to_lowercase()).await;
    browser.fill("#email", &address).await;
    browser.shot("find").await;
    browser.click("form button[type=submit]").await;
    browser.wait("#code").await;
    let code = code_for(&app, &address).await;
    browser.fill("#code", &code).await;
    browser.click("form button[type=submit]").await;
    browser.wait_text("#slip-reference", &reference).await;
    browser.shot("slip").await;

    // Reschedule to another day.
    browser.click("#reschedule").await;
    browser.wait(".slip-actions .day.open").await;
    let days = browser
        .driver
        .find_all(By::Css(".slip-actions .day.open"))
        .await
        .expect("days");
    let other = days.last().expect("an open day");
    let new_date = other
        .attr("data-date")
        .await
        .expect("attr")
        .unwrap_or_default();
    other.scroll_into_view().await.expect("scroll");
    other.click().await.expect("pick a day");
    browser
        .click(".slip-actions input[name=slot]:not([disabled])")
        .await;
    browser.shot("reschedule").await;
    browser.click("#confirm-reschedule").await;
    browser.wait_text("#notice", text_rescheduled(lang)).await;
    let moved = appointment(&app, &address, &reference).await;
    assert_eq!(moved["date"], new_date, "the appointment moved");
    assert_eq!(app.booked("SGR-SHA", "passport_renewal", date, &start), 0);
    browser.shot("rescheduled").await;

    // Cancel, after a confirmation step.
    browser.click("#cancel").await;
    browser.wait("#confirm-cancel").await;
    assert_eq!(
        browser.focused_id().await,
        "cancel-title",
        "focus moves to the question"
    );
    browser.shot("cancel-confirm").await;
    assert_eq!(
        appointment(&app, &address, &reference).await["status"],
        "booked",
        "asking for confirmation cancels nothing"
    );
    browser.click("#confirm-cancel").await;
    browser.wait(".badge.status-cancelled").await;
    browser.wait("#slip-void").await;
    assert!(
        browser.driver.find(By::Css(".qr")).await.is_err(),
        "a cancelled slip shows no QR code to scan"
    );
    assert_eq!(
        appointment(&app, &address, &reference).await["status"],
        "cancelled"
    );
    browser.shot("cancelled").await;
    browser.quit().await;
}

fn text_rescheduled(lang: Lang) -> &'static str {
    match lang {
        Lang::Ms => "telah ditukar",
        Lang::En => "has been changed",
    }
}

async fn wait_for_download(dir: &Path) -> Vec<u8> {
    for _ in 0..200 {
        let done = std::fs::read_dir(dir).ok().and_then(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        });
        if let Some(path) = done
            && let Ok(bytes) = std::fs::read(&path)
            && !bytes.is_empty()
        {
            return bytes;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no PDF was downloaded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_user_books_prints_reschedules_and_cancels_in_malay() {
    full_journey(Lang::Ms, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_user_books_prints_reschedules_and_cancels_in_english() {
    full_journey(Lang::En, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_taken_meanwhile_offers_the_nearest_free_ones_and_keeps_the_form() {
    let app = spawn_app().await;
    app.set_seats("SGR-SHA", "passport_renewal", 1);
    let address = email(3);
    let browser = Browser::open(&app, "slot-taken").await;
    let (date, start) = apply_until_details(&app, &browser, Lang::En, &address).await;
    fill_details(&browser, 3).await;
    browser.click("form button[type=submit]").await;
    browser.wait("#submit-booking").await;
    // Someone else takes the last seat while this applicant reviews.
    app.book_applicant("SGR-SHA", "passport_renewal", 4, &(date, start.clone()))
        .await;
    browser.click("#submit-booking").await;
    browser.wait("#slot-taken").await;
    browser.wait(".alternative").await;
    browser.shot("offered").await;
    let summary = browser.text(".summary").await;
    assert!(
        summary.contains("Siti Nur'aini binti Ahmad") && summary.contains("012-345 6789"),
        "what was typed is kept: {summary}"
    );
    browser.click(".alternative").await;
    browser.click("#submit-booking").await;
    let reference = browser.slip_reference().await;
    let booked = appointment(&app, &address, &reference).await;
    assert_ne!(
        (booked["date"].as_str(), booked["start"].as_str()),
        (Some(date.to_string().as_str()), Some(start.as_str())),
        "booked into another slot"
    );
    assert_eq!(app.booked("SGR-SHA", "passport_renewal", date, &start), 1);
    browser.shot("slip").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_works_with_the_keyboard_alone() {
    let app = spawn_app().await;
    let address = email(5);
    let browser = Browser::open(&app, "keyboard").await;
    browser.go(lang_query(Lang::En)).await;
    browser.wait("#apply-link").await;
    browser.tab_to("apply-link").await;
    browser.keys(Key::Enter).await;
    browser.wait("#email").await;
    browser.tab_to("email").await;
    browser.keys(address.as_str()).await;
    browser.keys(Key::Enter).await;
    browser.wait("#code").await;
    browser.tab_to("code").await;
    let code = code_for(&app, &address).await;
    browser.keys(code.as_str()).await;
    browser.keys(Key::Enter).await;
    browser.wait("#service").await;
    browser.tab_to("service").await;
    browser
        .choose_by_arrows("#service", "passport_renewal")
        .await;
    browser.tab_to("branch-search").await;
    browser.keys("Shah").await;
    browser.tab_to("branch-SGR-SHA").await;
    browser.keys(Key::Space).await;
    browser.keys(Key::Enter).await;
    browser.wait(".day.open").await;
    browser
        .tab_until("an open day", FocusClass("day open"))
        .await;
    // The month is one Tab stop, walked with the arrow keys (an ARIA grid).
    let tab_stops = browser
        .driver
        .find_all(By::Css(".month [tabindex='0']"))
        .await
        .expect("cells");
    assert_eq!(tab_stops.len(), 1, "one Tab stop in the month");
    let first: NaiveDate = focused_date(&browser).await.parse().expect("a date");
    for (key, expected) in [
        (Key::Right, first + chrono::TimeDelta::days(1)),
        (Key::Left, first),
        (Key::Down, first + chrono::TimeDelta::days(7)),
        (Key::Up, first),
    ] {
        browser.keys(key).await;
        focus_reaches(&browser, expected).await;
    }
    browser.keys(Key::Enter).await;
    browser.wait(".day[aria-pressed=true]").await;
    // Two weeks on (well inside the bookable window), then the week's ends and the months.
    let later = first + chrono::TimeDelta::days(14);
    let monday = later - chrono::TimeDelta::days(i64::from(later.weekday().num_days_from_monday()));
    let month_on = monday
        .checked_add_months(chrono::Months::new(1))
        .expect("a date");
    for (key, expected) in [
        (Key::Down, first + chrono::TimeDelta::days(7)),
        (Key::Down, later),
        (Key::End, monday + chrono::TimeDelta::days(6)),
        (Key::Home, monday),
        (Key::PageDown, month_on),
    ] {
        browser.keys(key).await;
        focus_reaches(&browser, expected).await;
    }
    browser.shot("calendar-next-month").await;
    browser.keys(Key::PageUp).await;
    let back = month_on
        .checked_sub_months(chrono::Months::new(1))
        .expect("a date");
    focus_reaches(&browser, back).await;
    // Back to the chosen day by the arrows (its month shows its slots).
    let mut at = back;
    while at != first {
        let (key, step) = if (at - first).num_days() >= 7 {
            (Key::Up, 7)
        } else {
            (Key::Left, 1)
        };
        browser.keys(key).await;
        at -= chrono::TimeDelta::days(step);
        focus_reaches(&browser, at).await;
    }
    browser.tab_until("a free slot", FocusName("slot")).await;
    browser.keys(Key::Space).await;
    browser.keys(Key::Enter).await;
    browser.wait("#applicant-name").await;
    for (id, value) in [
        ("applicant-name", "Muthu a/l Rajan"),
        ("applicant-id_number", "850505-08-5671"),
        ("applicant-address-line1", "12 Jalan Besar"),
        ("applicant-address-postcode", "40000"),
        ("applicant-address-city", "Shah Alam"),
    ] {
        browser.tab_to(id).await;
        browser.keys(value).await;
    }
    browser.tab_to("applicant-address-state").await;
    browser
        .choose_by_arrows("#applicant-address-state", "SGR")
        .await;
    browser.tab_to("applicant-phone").await;
    browser.keys("+60 3-5510 1234").await;
    browser.keys(Key::Enter).await;
    browser.wait("#submit-booking").await;
    browser.tab_to("submit-booking").await;
    browser.shot("review").await;
    browser.keys(Key::Enter).await;
    let reference = browser.slip_reference().await;
    let booked = appointment(&app, &address, &reference).await;
    assert_eq!(booked["applicant"]["name"], "Muthu a/l Rajan");
    assert_eq!(booked["branch"]["code"], "SGR-SHA");
    browser.shot("slip").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_language_keeps_the_page_and_what_was_typed() {
    let app = spawn_app().await;
    let browser = Browser::open(&app, "language").await;
    browser.go(lang_query(Lang::Ms)).await;
    browser.click("#apply-link").await;
    browser.fill("#email", "siti@").await;
    browser.keys(Key::Tab).await;
    let error = EmailAddress::parse("siti@").expect_err("invalid");
    browser
        .wait_text("#email-error", &error.message(Lang::Ms))
        .await;
    browser.click(".lang-switch").await;
    browser
        .wait_text("#email-error", &error.message(Lang::En))
        .await;
    assert_eq!(
        browser
            .wait("#email")
            .await
            .prop("value")
            .await
            .expect("value"),
        Some("siti@".to_owned()),
        "what was typed stays"
    );
    assert_eq!(browser.attr("html", "lang").await, "en");
    browser.shot("switched").await;
    // The choice is remembered over the `?lang=` the visit started with.
    browser.go("/").await;
    browser
        .wait_text("#apply-link", "Apply for an appointment")
        .await;
    // Pages split out of the first download load on a direct visit too.
    browser.go("/manage?reference=ABCDE-FGHJK").await;
    assert_eq!(
        browser
            .wait("#reference")
            .await
            .prop("value")
            .await
            .expect("value"),
        Some("ABCDE-FGHJK".to_owned())
    );
    browser.go("/apply").await;
    browser.wait("#email").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_skip_link_moves_keyboard_focus_to_the_content() {
    let app = spawn_app().await;
    let browser = Browser::open(&app, "skip").await;
    browser.go(lang_query(Lang::En)).await;
    browser.wait("#apply-link").await;
    browser
        .tab_until("the skip link", FocusClass("skip-link"))
        .await;
    browser.keys(Key::Enter).await;
    assert_eq!(browser.focused_id().await, "main");
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_sign_in_is_forgotten_and_explained_in_the_chosen_language() {
    let app = spawn_app().await;
    let browser = Browser::open(&app, "refused").await;
    browser.go(lang_query(Lang::Ms)).await;
    browser.wait("#apply-link").await;
    // A session the server does not accept (e.g. signed with a key since rotated).
    browser
        .driver
        .execute(
            "sessionStorage.setItem('temujanji.session', JSON.stringify({ email: 'siti@example.com', \
             token: 'not-a-token', expires_at_ms: Date.now() + 3600000 }));",
            vec![],
        )
        .await
        .expect("set the session");
    browser.go("/appointment/ABCDE-FGHJK").await;
    browser.wait_text(".alert", "Sesi anda telah tamat").await;
    let stored = browser
        .driver
        .execute(
            "return sessionStorage.getItem('temujanji.session');",
            vec![],
        )
        .await
        .expect("read the session");
    assert!(stored.json().is_null(), "the refused token is forgotten");
    let manage = browser.attr("main a[href^='/manage']", "href").await;
    assert!(
        manage.ends_with("/manage?reference=ABCDE-FGHJK"),
        "{manage}"
    );
    browser.click(".lang-switch").await;
    browser.wait_text(".alert", "Your session has ended").await;
    browser.shot("slip").await;
    browser.quit().await;
}

// ---------------------------------------------------------------------------------------
// Staff pages: a counter PC (1280 px) and a phone-width look at each.

/// A counter PC's screen.
const COUNTER_PC: (u32, u32) = (1280, 900);
const STAFF_BRANCH: &str = "SGR-SHA";
const STAFF_SERVICE: &str = "passport_renewal";

fn says(lang: Lang, ms: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ms => ms,
        Lang::En => en,
    }
}

fn staff_query(path: &str, lang: Lang) -> String {
    format!("{path}?lang={}", lang.code())
}

async fn sign_in(browser: &Browser, username: &str, password: &str) {
    browser.fill("#login-username", username).await;
    browser.fill("#login-password", password).await;
    browser.click("#login-submit").await;
}

/// Books applicant `n` and moves the appointment to today at `start` (Malaysian time).
async fn booked_today(app: &TestApp, n: u32, start: chrono::NaiveTime) -> String {
    let slot = app.first_free_slot(STAFF_BRANCH, STAFF_SERVICE).await;
    let (reference, _) = app
        .book_applicant(STAFF_BRANCH, STAFF_SERVICE, n, &slot)
        .await;
    app.move_to_today(&reference, start, 30);
    reference
}

fn staff_status(app: &TestApp, reference: &str) -> (String, Option<i32>) {
    use diesel::prelude::*;
    use temujanji_api::db::schema::appointments::dsl;
    dsl::appointments
        .filter(dsl::reference.eq(reference))
        .select((dsl::status, dsl::paid_sen))
        .first(&mut app.db.connect())
        .expect("appointment")
}

/// Sign-in, the board, a late arrival checked in by typed reference, served with its card
/// payment, the queue called to a counter, and the hall display; in `lang`.
async fn a_counter_officer_runs_the_day(lang: Lang) {
    let app = spawn_app().await;
    app.create_staff("siti", "officer", Some(STAFF_BRANCH));
    let late = booked_today(&app, 1, crate::helpers::malaysian_now_plus(0)).await;
    let waiting = booked_today(&app, 2, crate::helpers::malaysian_now_plus(0)).await;
    let prefix = format!("staff-{}", lang.code());
    let mut browser = Browser::open_sized(&app, &prefix, COUNTER_PC).await;
    browser.go(&staff_query("/staff", lang)).await;
    browser.wait("#login-username").await;
    browser.shot("login").await;
    // Nothing typed: both fields say so; a wrong password is refused in words.
    browser.click("#login-submit").await;
    browser.wait("#login-username-error").await;
    assert_eq!(
        browser.attr("#login-username", "aria-invalid").await,
        "true"
    );
    sign_in(&browser, "siti", "not the password").await;
    browser
        .wait_text("#login-error", says(lang, "salah", "Wrong username"))
        .await;
    browser.shot("login-refused").await;
    sign_in(&browser, "siti", crate::helpers::STAFF_PASSWORD).await;
    browser.wait("#checkin-input").await;
    browser.wait("#day-table").await;
    browser.shot("board").await;

    // The officer types the reference and presses Enter.
    browser.fill("#checkin-input", &late.to_lowercase()).await;
    browser.keys(Key::Enter).await;
    browser
        .wait_text("#late-flag", says(lang, "Tiba lewat", "Late arrival"))
        .await;
    let id = browser.text("#current-id").await;
    assert_eq!(
        id,
        crate::helpers::mykad(1).replace('-', ""),
        "R8: the full number"
    );
    assert_eq!(browser.focused_id().await, "current-heading");
    browser.shot("checked-in-late").await;
    browser.fill("#serve-approval", "a1b2c3").await;
    browser.click("#serve-submit").await;
    browser
        .wait_text(
            ".notice",
            says(lang, "Pemohon seterusnya", "Next applicant"),
        )
        .await;
    let (status, paid) = staff_status(&app, &late);
    assert_eq!(status, "completed");
    assert_eq!(paid, Some(20_000));
    browser.shot("served").await;

    // The next one checks in; the counter calls them.
    browser.fill("#checkin-input", &waiting).await;
    browser.click("#checkin-submit").await;
    browser.wait("#late-flag").await;
    browser.fill("#counter-number", "3").await;
    browser.click("#call-next").await;
    browser.wait_text("#queue-called", &waiting).await;
    browser.shot("queue").await;

    // The same board at phone width.
    browser.resize(PHONE).await;
    browser.shot("board-phone").await;
    browser.resize(COUNTER_PC).await;

    // The waiting hall's screen: references and counters, no names.
    browser.go(&format!("/display/{STAFF_BRANCH}")).await;
    let latest = browser.wait_text("#hall-latest", &waiting).await;
    assert!(latest.contains('3'), "{latest}");
    let hall = browser.text(".hall").await;
    assert!(!hall.contains("Siti"), "no names in the hall: {hall}");
    browser.shot("hall").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_officer_runs_the_day_in_malay() {
    a_counter_officer_runs_the_day(Lang::Ms).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_officer_runs_the_day_in_english() {
    a_counter_officer_runs_the_day(Lang::En).await;
}

/// A supervisor closes a weekday that has a booking: the preview lists it, saving cancels it
/// (by the office); then the report with its charts; in `lang`.
async fn a_supervisor_changes_hours_and_reads_the_report(lang: Lang) {
    use chrono::Datelike;
    let app = spawn_app().await;
    app.create_staff("penyelia", "supervisor", Some(STAFF_BRANCH));
    let slot = app.first_free_slot(STAFF_BRANCH, STAFF_SERVICE).await;
    let (stranded, _) = app
        .book_applicant(STAFF_BRANCH, STAFF_SERVICE, 1, &slot)
        .await;
    let prefix = format!("supervisor-{}", lang.code());
    let browser = Browser::open_sized(&app, &prefix, COUNTER_PC).await;
    browser.go(&staff_query("/staff/config", lang)).await;
    sign_in(&browser, "penyelia", crate::helpers::STAFF_PASSWORD).await;
    let day = slot.0.weekday().number_from_monday();
    let hours = format!("#hours-{day}");
    browser.wait(&hours).await;
    browser.shot("config").await;
    // A typo in the hours is caught before anything is sent.
    browser.fill(&hours, "8 to 5").await;
    browser.click("#config-preview-button").await;
    browser.wait("#config-invalid").await;
    browser.erase(&hours).await;
    browser.click("#config-preview-button").await;
    browser.wait_text("#stranded-list", &stranded).await;
    assert_eq!(browser.focused_id().await, "config-preview");
    browser.shot("config-preview").await;
    assert_eq!(
        staff_status(&app, &stranded).0,
        "booked",
        "a preview changes nothing"
    );
    browser.click("#config-apply").await;
    browser
        .wait_text("#config-saved", says(lang, "disimpan", "saved"))
        .await;
    assert_eq!(staff_status(&app, &stranded).0, "cancelled");
    browser.shot("config-saved").await;

    browser.go(&staff_query("/staff/reports", lang)).await;
    // One bar per day of the range; a closed day's bar has no height (so it is not
    // "displayed"): the chart is there when a bar of some open day is.
    browser
        .wait("#chart-per-day rect.bar-capacity[height]:not([height='0'])")
        .await;
    let bars = browser
        .driver
        .find_all(By::Css("#chart-per-day rect.bar-capacity"))
        .await
        .expect("bars");
    assert_eq!(
        bars.len(),
        29,
        "one bar per day, from 14 days ago to 14 days ahead"
    );
    let figures = browser.text("#report-figures").await;
    assert!(
        figures.contains(says(lang, "Dibatalkan", "Cancelled")),
        "{figures}"
    );
    browser.shot("report").await;

    // A block by e-mail, then lifted; the lifted block stays on record.
    browser.go(&staff_query("/staff/blocks", lang)).await;
    browser.select("#block-kind", "email").await;
    browser.fill("#block-value", "bot@example.com").await;
    browser.select("#block-category", "automation").await;
    browser
        .fill("#block-note", "Forty bookings in a minute")
        .await;
    let until = (temujanji_api::clock::today() + chrono::TimeDelta::days(30)).to_string();
    set_date(&browser, "#block-until", &until).await;
    browser.click("#block-submit").await;
    browser.wait("#block-saved").await;
    browser.wait_text("#block-list", "bot@example.com").await;
    browser.shot("blocks").await;
    browser
        .fill(".lift-reason", "A real person, verified by phone")
        .await;
    browser.click(".lift-button").await;
    browser
        .wait_text("main", says(lang, "Tiada sekatan", "No blocks"))
        .await;
    browser.click("#show-lifted").await;
    browser
        .wait_text("#block-list", "A real person, verified by phone")
        .await;

    // The audit log finds the cancelled appointment and who cancelled it.
    browser.go(&staff_query("/staff/audit", lang)).await;
    browser.fill("#audit-reference", &stranded).await;
    browser.click("#audit-search").await;
    let log = browser
        .wait_text("#audit-table", "appointment.cancelled")
        .await;
    assert!(log.contains("staff:penyelia"), "{log}");
    assert!(log.contains("appointment.booked"), "{log}");
    browser.shot("audit").await;
    browser.quit().await;
}

/// Sets a date field as a date picker would (typing a date depends on the browser's locale).
async fn set_date(browser: &Browser, css: &str, date: &str) {
    let element = browser.wait(css).await;
    browser
        .driver
        .execute(
            "arguments[0].value = arguments[1]; \
             arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
            vec![element.to_json().expect("element"), serde_json::json!(date)],
        )
        .await
        .expect("set the date");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_changes_hours_and_reads_the_report_in_malay() {
    a_supervisor_changes_hours_and_reads_the_report(Lang::Ms).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_changes_hours_and_reads_the_report_in_english() {
    a_supervisor_changes_hours_and_reads_the_report(Lang::En).await;
}

/// Rush mode: the page solves a proof-of-work challenge for the code and another for the
/// booking (at a difficulty that takes many slices), and the applicant sees nothing of it but
/// the progress text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_booking_in_rush_mode_solves_the_proof_of_work_in_the_page() {
    assert!(
        static_dir().join("index.html").is_file(),
        "dist/ is not built: run `cargo xtask build-web` (the test command does)"
    );
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[("TEMUJANJI_POW_MAX_NUMBER", "300000".to_owned())],
    )
    .await;
    let found = temujanji_api::catalog::change_service(
        &mut app.db.connect(),
        &temujanji_shared::codes::ServiceCode::parse("passport_renewal").expect("code"),
        temujanji_api::catalog::ServiceSetting::Rush(true),
        &temujanji_api::authz::Principal::System,
        temujanji_api::clock::now_utc(),
    )
    .expect("rush mode");
    assert!(found);
    let address = email(9);
    let browser = Browser::open(&app, "rush").await;
    let (date, start) = apply_until_details(&app, &browser, Lang::Ms, &address).await;
    fill_details(&browser, 9).await;
    browser.click("form button[type=submit]").await;
    browser.wait("#submit-booking").await;
    browser.click("#submit-booking").await;
    let reference = browser.slip_reference().await;
    let booked = appointment(&app, &address, &reference).await;
    assert_eq!(booked["status"], "booked");
    assert_eq!(
        (booked["date"].as_str(), booked["start"].as_str()),
        (Some(date.to_string().as_str()), Some(start.as_str()))
    );
    browser.shot("slip").await;
    // Two solutions spent: the code request's and the booking's.
    {
        use diesel::prelude::*;
        use temujanji_api::db::schema::spent_challenges::dsl;
        let spent: i64 = dsl::spent_challenges
            .count()
            .get_result(&mut app.db.connect())
            .expect("count");
        assert_eq!(spent, 2);
    }
    browser.quit().await;
}

/// A full day in the calendar offers its waitlist; the offer e-mail's link, once a seat frees,
/// opens the form at the details with the held slot, and booking it takes that seat.
async fn a_full_day_has_a_waitlist_whose_offer_books_the_held_seat(lang: Lang) {
    let app = spawn_app().await;
    let (slot, reference) = crate::waitlist::full_day(&app).await;
    let address = email(31);
    let browser = Browser::open(&app, &format!("waitlist-{}", lang.code())).await;
    browser.go(lang_query(lang)).await;
    browser.click("#apply-link").await;
    browser.fill("#email", &address).await;
    browser.click("form button[type=submit]").await;
    browser.wait("#code").await;
    let code = code_for(&app, &address).await;
    browser.fill("#code", &code).await;
    browser.click("form button[type=submit]").await;
    browser.select("#service", "passport_renewal").await;
    browser.fill("#branch-search", "Shah Alam").await;
    browser.click("#branch-SGR-SHA").await;
    browser.click("form button[type=submit]").await;
    let day = format!(".day.full[data-date='{}']", slot.0);
    browser.click(&day).await;
    browser.wait(".waitlist button").await;
    browser.shot("full-day").await;
    browser.click(".waitlist button").await;
    browser
        .wait_text(
            "#waitlist-place",
            says(lang, "tempat ke-1", "number 1 on the waitlist"),
        )
        .await;
    browser.shot("joined").await;
    let place: Value = app
        .get_auth("/api/v1/waitlist", &app.token_for(&address))
        .await
        .json()
        .await
        .expect("json");
    let id = place[0]["id"].as_i64().expect("joined");

    // The holder cancels: the seat is held for this applicant, who follows the e-mail's link.
    let token = app.token_for(&email(1));
    let cancelled = app
        .post(
            &format!("/api/v1/appointments/{reference}/cancel"),
            Some(&token),
            &Value::Null,
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    let query = &lang_query(lang)[2..];
    browser.go(&format!("/apply?offer={id}&{query}")).await;
    browser.wait("#offer-heading").await;
    browser.wait("#applicant-name").await;
    browser.shot("offer").await;
    fill_details(&browser, 31).await;
    browser.click("form button[type=submit]").await;
    browser.wait("#submit-booking").await;
    browser.click("#submit-booking").await;
    let booked = browser.slip_reference().await;
    let booked = appointment(&app, &address, &booked).await;
    assert_eq!(
        (booked["date"].as_str(), booked["start"].as_str()),
        (Some(slot.0.to_string().as_str()), Some(slot.1.as_str())),
        "the held seat was booked"
    );
    assert_eq!(
        app.booked("SGR-SHA", "passport_renewal", slot.0, &slot.1),
        1
    );
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_day_has_a_waitlist_whose_offer_books_the_held_seat_in_malay() {
    a_full_day_has_a_waitlist_whose_offer_books_the_held_seat(Lang::Ms).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_day_has_a_waitlist_whose_offer_books_the_held_seat_in_english() {
    a_full_day_has_a_waitlist_whose_offer_books_the_held_seat(Lang::En).await;
}

/// A day drawn by lottery is marked in the calendar with its draw time, and entering its
/// draw says when it is drawn.
async fn a_lottery_day_is_entered_from_the_calendar(lang: Lang) {
    let app = spawn_app().await;
    let (date, _) = crate::lottery::lottery_day(&app).await;
    crate::lottery::lottery_on(&app);
    let address = email(41);
    let browser = Browser::open(&app, &format!("lottery-{}", lang.code())).await;
    browser.go(lang_query(lang)).await;
    browser.click("#apply-link").await;
    browser.fill("#email", &address).await;
    browser.click("form button[type=submit]").await;
    browser.wait("#code").await;
    let code = code_for(&app, &address).await;
    browser.fill("#code", &code).await;
    browser.click("form button[type=submit]").await;
    browser.select("#service", "passport_renewal").await;
    browser.fill("#branch-search", "Johor").await;
    browser.click("#branch-JHR-UTC-JB").await;
    browser.click("form button[type=submit]").await;
    let day = format!(".day.lottery[data-date='{date}']");
    // The newest day is three months ahead.
    for _ in 0..4 {
        if browser.driver.find(By::Css(&day)).await.is_ok() {
            break;
        }
        browser.click(".calendar-nav button:last-child").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    browser.click(&day).await;
    browser.wait(".waitlist button").await;
    browser.shot("lottery-day").await;
    browser.click(".waitlist button").await;
    let said = browser
        .wait_text("#waitlist-place", says(lang, "cabutan undi", "in the draw"))
        .await;
    assert!(said.contains("23:59"), "the draw time is given: {said}");
    browser.shot("entered").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lottery_day_is_entered_from_the_calendar_in_malay() {
    a_lottery_day_is_entered_from_the_calendar(Lang::Ms).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lottery_day_is_entered_from_the_calendar_in_english() {
    a_lottery_day_is_entered_from_the_calendar(Lang::En).await;
}

/// The `step` the address names (`/apply?step=slot`).
async fn step_in_url(browser: &Browser) -> String {
    let url = browser.driver.current_url().await.expect("url");
    url.query_pairs()
        .find(|(key, _)| key == "step")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// The value a form control holds now (not the attribute it started with).
async fn value_of(browser: &Browser, css: &str) -> String {
    browser
        .wait(css)
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Waits until the address names `step`.
async fn wait_for_step(browser: &Browser, step: &str) {
    for _ in 0..100 {
        if step_in_url(browser).await == step {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.picture("FAILED").await;
    panic!("the address never named step {step}");
}

/// The chosen service, branch, day and slot are shown as chosen.
async fn assert_slot_kept(browser: &Browser, date: NaiveDate, start: &str) {
    browser.wait(".day[aria-pressed=true]").await;
    assert_eq!(
        browser.attr(".day[aria-pressed=true]", "data-date").await,
        date.to_string()
    );
    assert_eq!(
        browser.attr("input[name=slot]:checked", "value").await,
        start
    );
}

async fn the_journey_survives_back_forward_and_reload(lang: Lang, n: u32) {
    let app = spawn_app().await;
    let address = email(n);
    let browser = Browser::open(&app, &format!("draft-{}", lang.code())).await;
    let (date, start) = apply_until_details(&app, &browser, lang, &address).await;
    assert_eq!(step_in_url(&browser).await, "details");
    browser
        .fill("#applicant-name", "Siti Nur'aini binti Ahmad")
        .await;
    browser
        .fill("#applicant-id_number", &crate::helpers::mykad(n))
        .await;

    // A reload (or a tab the phone killed and restored) comes back to the same step.
    browser.driver.refresh().await.expect("reload");
    browser.wait("#applicant-name").await;
    assert_eq!(step_in_url(&browser).await, "details");
    assert_eq!(
        value_of(&browser, "#applicant-name").await,
        "Siti Nur'aini binti Ahmad"
    );
    assert_eq!(
        value_of(&browser, "#applicant-id_number").await,
        crate::helpers::mykad(n)
    );
    browser.shot("details-reloaded").await;

    // Back moves between steps, never out of the form.
    browser.driver.back().await.expect("back");
    wait_for_step(&browser, "slot").await;
    assert_slot_kept(&browser, date, &start).await;
    browser.driver.refresh().await.expect("reload");
    wait_for_step(&browser, "slot").await;
    assert_slot_kept(&browser, date, &start).await;
    browser.shot("slot-reloaded").await;
    browser.driver.back().await.expect("back");
    wait_for_step(&browser, "service").await;
    browser.wait("#branch-SGR-SHA").await;
    assert_eq!(value_of(&browser, "#service").await, "passport_renewal");
    assert!(
        browser
            .wait("#branch-SGR-SHA")
            .await
            .is_selected()
            .await
            .expect("checked"),
        "the branch is still chosen"
    );
    browser.driver.refresh().await.expect("reload");
    wait_for_step(&browser, "service").await;
    assert_eq!(value_of(&browser, "#service").await, "passport_renewal");

    // Forward returns to the later steps with everything in place.
    browser.driver.forward().await.expect("forward");
    wait_for_step(&browser, "slot").await;
    assert_slot_kept(&browser, date, &start).await;
    browser.driver.forward().await.expect("forward");
    wait_for_step(&browser, "details").await;
    assert_eq!(
        value_of(&browser, "#applicant-name").await,
        "Siti Nur'aini binti Ahmad"
    );

    // Leaving with choices made asks first.
    let asks: bool = browser
        .driver
        .execute(
            "const e = new Event('beforeunload', { cancelable: true }); \
             window.dispatchEvent(e); return e.defaultPrevented;",
            vec![],
        )
        .await
        .expect("script")
        .json()
        .as_bool()
        .unwrap_or(false);
    assert!(asks, "leaving with unsaved choices asks first");

    fill_details(&browser, n).await;
    browser.click("form button[type=submit]").await;
    browser.wait("#submit-booking").await;
    wait_for_step(&browser, "review").await;
    browser.driver.refresh().await.expect("reload");
    browser.wait("#submit-booking").await;
    let review = browser.text(".summary").await;
    assert!(
        review.contains("Siti Nur'aini binti Ahmad") && review.contains("012-345 6789"),
        "{review}"
    );
    browser.shot("review-reloaded").await;
    browser.click("#submit-booking").await;
    let reference = browser.slip_reference().await;
    let booked = appointment(&app, &address, &reference).await;
    assert_eq!(booked["start"], start);

    // Booked: the draft is gone, and a new application starts empty.
    let draft = browser
        .driver
        .execute("return sessionStorage.getItem('temujanji.apply');", vec![])
        .await
        .expect("script");
    assert!(draft.json().is_null(), "{:?}", draft.json());
    browser.go("/apply").await;
    browser.wait("#service").await;
    assert_eq!(step_in_url(&browser).await, "service");
    assert_eq!(value_of(&browser, "#service").await, "");

    // "Start again" forgets what was chosen, after asking.
    browser.select("#service", "passport_renewal").await;
    browser.click("#start-again").await;
    browser.driver.accept_alert().await.expect("confirm");
    wait_for_step(&browser, "service").await;
    assert_eq!(value_of(&browser, "#service").await, "");
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journey_survives_back_forward_and_reload_in_malay() {
    the_journey_survives_back_forward_and_reload(Lang::Ms, 41).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journey_survives_back_forward_and_reload_in_english() {
    the_journey_survives_back_forward_and_reload(Lang::En, 42).await;
}

/// The date of the calendar day that has keyboard focus.
async fn focused_date(browser: &Browser) -> String {
    let element = browser.driver.active_element().await.expect("focus");
    element
        .attr("data-date")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Waits until keyboard focus is on the calendar day `date` (a new month loads first).
async fn focus_reaches(browser: &Browser, date: NaiveDate) {
    for _ in 0..100 {
        if focused_date(browser).await == date.to_string() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.picture("FAILED").await;
    panic!(
        "focus never reached {date}; it is on {:?}",
        focused_date(browser).await
    );
}

/// Every refusal says what to do next: a second appointment leads to Manage; a page that does
/// not exist (404) leads home; a slip this tab cannot open yet says why it asks for a sign-in;
/// a likely typo in an e-mail gets a hint; a wrong code marks and focuses its field.
async fn dead_ends_offer_a_way_out(lang: Lang, n: u32) {
    let app = spawn_app().await;
    let address = email(n);
    let slot = app.first_free_slot("SGR-SHA", "passport_renewal").await;
    app.book_applicant("SGR-SHA", "passport_renewal", n, &slot)
        .await;
    let browser = Browser::open(&app, &format!("dead-ends-{}", lang.code())).await;

    // A second appointment for the same service: the refusal links to Manage.
    apply_until_details(&app, &browser, lang, &address).await;
    fill_details(&browser, n).await;
    browser.click("form button[type=submit]").await;
    browser.click("#submit-booking").await;
    let way_on = browser.wait(".alert a.way-on").await;
    assert_eq!(
        way_on.attr("href").await.expect("href").as_deref(),
        Some("/manage")
    );
    browser.shot("second-appointment").await;
    browser
        .driver
        .execute("sessionStorage.clear();", vec![])
        .await
        .expect("sign out");

    // A page that does not exist: said in the chosen language, with a way home.
    browser.go("/no-such-page").await;
    browser.wait("#go-home").await;
    let title = browser.driver.title().await.expect("title");
    assert!(
        title.starts_with(says(lang, "Halaman tidak dijumpai", "Page not found")),
        "{title}"
    );
    browser.shot("not-found").await;
    browser.click("#go-home").await;
    browser.wait("#apply-link").await;
    let title = browser.driver.title().await.expect("title");
    assert_eq!(
        title,
        says(
            lang,
            "Temujanji Dalam Talian — Jabatan Imigresen Malaysia",
            "Online Appointments — Immigration Department of Malaysia"
        ),
        "the home title names the service once"
    );

    // A slip this tab has not signed in for: Manage says why, and what is wrong with the
    // reference.
    browser.go("/appointment/NOT-A-REF").await;
    browser.wait("#why-sign-in").await;
    assert_eq!(value_of(&browser, "#reference").await, "NOT-A-REF");
    assert_eq!(browser.attr("#reference", "aria-invalid").await, "true");
    browser.shot("slip-needs-sign-in").await;

    // A typo in a common domain gets a hint that fixes it.
    browser.fill("#email", "siti@gmial.com").await;
    browser.wait("#email-suggestion").await;
    browser.shot("email-suggestion").await;
    browser.click("#use-suggestion").await;
    assert_eq!(value_of(&browser, "#email").await, "siti@gmail.com");

    // The code form takes focus; a wrong code marks the field invalid and focuses it again.
    browser.fill("#reference", "ABCDE-FGHJK").await;
    browser.click("form button[type=submit]").await;
    browser.wait("#code").await;
    assert_eq!(browser.focused_id().await, "code");
    let code = code_for(&app, "siti@gmail.com").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    browser.keys(wrong).await;
    browser.keys(Key::Enter).await;
    for _ in 0..100 {
        if browser.attr("#code", "aria-invalid").await == "true" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(browser.attr("#code", "aria-invalid").await, "true");
    assert_eq!(browser.focused_id().await, "code");
    browser.wait("#code-error").await;
    browser.shot("wrong-code").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_ends_offer_a_way_out_in_malay() {
    dead_ends_offer_a_way_out(Lang::Ms, 43).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_ends_offer_a_way_out_in_english() {
    dead_ends_offer_a_way_out(Lang::En, 44).await;
}

/// A passport holder finds the issuing country by its name in the page's language (not by an
/// ISO code), and the slip names it.
async fn a_passport_holder_finds_the_country_by_name(lang: Lang, n: u32) {
    let app = spawn_app().await;
    let address = email(n);
    let browser = Browser::open(&app, &format!("passport-{}", lang.code())).await;
    apply_until_details(&app, &browser, lang, &address).await;
    fill_details(&browser, n).await;
    browser.click("#id-type-passport").await;
    browser.fill("#applicant-id_number", "C1234567").await;
    browser
        .fill("#country-search", says(lang, "jerm", "germ"))
        .await;
    let options = browser
        .driver
        .find_all(By::Css("#applicant-nationality option"))
        .await
        .expect("options");
    assert_eq!(options.len(), 2, "the choice prompt and Germany");
    browser.select("#applicant-nationality", "DEU").await;
    browser.shot("country-chosen").await;
    browser.click("form button[type=submit]").await;
    browser.click("#submit-booking").await;
    let reference = browser.slip_reference().await;
    let booked = appointment(&app, &address, &reference).await;
    assert_eq!(booked["applicant"]["nationality"], "DEU");
    browser
        .wait_text(".slip", says(lang, "Jerman", "Germany"))
        .await;
    browser.shot("slip").await;
    browser.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passport_holder_finds_the_country_by_name_in_malay() {
    a_passport_holder_finds_the_country_by_name(Lang::Ms, 45).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passport_holder_finds_the_country_by_name_in_english() {
    a_passport_holder_finds_the_country_by_name(Lang::En, 46).await;
}

/// The checker the browser tests rely on does catch a broken page (an image without a text
/// alternative, an unlabelled input), so that "no violations" means something.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accessibility_checker_catches_a_broken_page() {
    let app = spawn_app().await;
    let browser = Browser::open(&app, "axe-probe").await;
    browser.go(lang_query(Lang::En)).await;
    browser.wait("#apply-link").await;
    assert!(browser.axe_violations("home").await.is_empty());
    browser
        .driver
        .execute(
            "const main = document.querySelector('main'); \
             main.insertAdjacentHTML('beforeend', '<img src=\"/nothing.png\"><input type=\"text\">');",
            vec![],
        )
        .await
        .expect("break the page");
    let found = browser.axe_violations("broken home").await;
    assert!(
        found.iter().any(|v| v.starts_with("image-alt"))
            && found.iter().any(|v| v.starts_with("label")),
        "{found:?}"
    );
    browser.quit().await;
}

/// The home page the server sends (whole without the app) says what the app's home page says,
/// in both languages; `/apply`'s first paint (shown before the wasm runs) is what the app then
/// shows, and the app replaces it: one `<main>`, no shell left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_paint_says_what_the_app_says() {
    let app = spawn_app().await;
    let browser = Browser::open(&app, "first-paint").await;
    for lang in [Lang::Ms, Lang::En] {
        let html = app.get(lang_query(lang)).await.text().await.expect("html");
        let code = match lang {
            Lang::Ms => "ms",
            Lang::En => "en",
        };
        browser.go(&format!("/manage?lang={code}")).await;
        browser.wait("main h1").await;
        // The app's own home page, reached from within the app.
        browser.click(".brand").await;
        browser.wait(".service-docs").await;
        let compared = browser
            .says_what_the_html_says(
                &html,
                &[
                    "main h1",
                    ".lede",
                    ".card-title",
                    ".card-hint",
                    "main h2",
                    ".terms li",
                    ".service-docs summary",
                ],
            )
            .await;
        assert!(compared > 15, "{code}: {compared}");
        browser.shot(&format!("app-home-{code}")).await;
    }
    // `/apply`'s first paint is the journey's first step, the e-mail form, word for word, in
    // the language the app will speak.
    for code in ["ms", "en"] {
        let path = format!("/apply?lang={code}");
        let apply = app.get(&path).await.text().await.expect("html");
        assert!(apply.contains(&format!("<html lang=\"{code}\">")));
        browser.go(&path).await;
        browser
            .wait("main form button[type=submit]:not([disabled])")
            .await;
        let compared = browser
            .says_what_the_html_says(
                &apply,
                &[
                    "main h1",
                    ".step-count",
                    ".progress li",
                    "main form > p",
                    "label[for=email]",
                    "#email-hint",
                    "main form button[type=submit]",
                ],
            )
            .await;
        assert!(compared > 10, "{code}: {compared}");

        // So is Manage's: its form.
        let path = format!("/manage?lang={code}");
        let manage = app.get(&path).await.text().await.expect("html");
        browser.go(&path).await;
        browser
            .wait("main form button[type=submit]:not([disabled])")
            .await;
        let compared = browser
            .says_what_the_html_says(
                &manage,
                &[
                    "main h1",
                    "main form > p",
                    "main form label",
                    "main form .hint",
                    "main form button[type=submit]",
                ],
            )
            .await;
        assert!(compared > 6, "{code}: {compared}");
    }
    browser.quit().await;
}

/// Opens `path` over a slow connection (some seconds for the app's code), types each
/// `(field id, text)` into the page's first paint before the app arrives, and checks that the
/// app takes over with every text kept and the focus in the field typed last.
async fn type_into_the_first_paint(browser: &Browser, path: &str, fields: &[(&str, &str)]) {
    let devtools = browser.driver.cdp();
    let network = |latency: u32, throughput: i64| {
        serde_json::json!({
            "offline": false,
            "latency": latency,
            "downloadThroughput": throughput,
            "uploadThroughput": throughput,
        })
    };
    for (method, params) in [
        ("Network.enable", serde_json::json!({})),
        (
            "Network.setCacheDisabled",
            serde_json::json!({ "cacheDisabled": true }),
        ),
        ("Network.emulateNetworkConditions", network(100, 60_000)),
    ] {
        devtools.send_raw(method, params).await.expect(method);
    }
    browser.go(path).await;
    for (id, text) in fields {
        let first_paint = browser.wait(&format!("[data-shell] #{id}")).await;
        first_paint.click().await.expect("tap the field");
        first_paint.send_keys(*text).await.expect("type");
    }
    let still_first_paint = browser
        .driver
        .find_all(By::Css("[data-shell] form"))
        .await
        .expect("query");
    assert_eq!(
        still_first_paint.len(),
        1,
        "typed before the app arrived (the test's premise)"
    );
    browser.picture("first-paint").await;
    browser.wait("form .status:empty").await;
    devtools
        .send_raw("Network.emulateNetworkConditions", network(0, -1))
        .await
        .expect("full speed");
    assert!(
        browser
            .driver
            .find_all(By::Css("[data-shell]"))
            .await
            .expect("query")
            .is_empty()
    );
    for (id, text) in fields {
        let value = browser
            .wait(&format!("#{id}"))
            .await
            .prop("value")
            .await
            .expect("value")
            .unwrap_or_default();
        assert_eq!(value, *text, "{id}");
    }
    let (last, _) = fields.last().expect("a field");
    assert_eq!(browser.focused_id().await, *last);
    browser.shot("taken-over").await;
}

/// Submits the form with Enter, as the applicant goes on, and checks that the code was sent
/// to `address` (typed before the app arrived).
async fn the_code_goes_to(app: &TestApp, browser: Browser, address: &str) {
    browser.keys(Key::Enter).await;
    browser.wait("#code").await;
    assert!(
        code_for(app, address).await.len() >= 6,
        "a code for {address}"
    );
    browser.quit().await;
}

/// A quick applicant types the e-mail address into `/apply`'s first paint (its e-mail form,
/// in the HTML) while the app is still arriving over a slow connection: the app takes over
/// with the address typed and the focus in its field, and carries on from there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_typed_before_the_app_arrives_is_kept() {
    let app = spawn_app().await;
    let browser = Browser::open_impatient(&app, "first-paint-typed").await;
    type_into_the_first_paint(
        &browser,
        "/apply",
        &[("email", "siti.aminah@contoh.gov.my")],
    )
    .await;
    the_code_goes_to(&app, browser, "siti.aminah@contoh.gov.my").await;
}

/// The same on Manage, in English: the reference and the address typed into the first paint
/// are the app's, and finding the appointment goes on from them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_is_typed_into_manage_before_the_app_arrives_is_kept() {
    let app = spawn_app().await;
    let browser = Browser::open_impatient(&app, "first-paint-typed-manage").await;
    type_into_the_first_paint(
        &browser,
        "/manage?lang=en",
        &[
            ("reference", "ABCDE-FGHJK"),
            ("email", "ahmad@contoh.gov.my"),
        ],
    )
    .await;
    assert_eq!(browser.text("main h1").await, "Manage an appointment");
    the_code_goes_to(&app, browser, "ahmad@contoh.gov.my").await;
}
