//! The test harness: a real server on port 0 against a fresh database of either backend.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;
use serde_json::{Value, json};
use temujanji_api::auth::token::TokenKeys;
use temujanji_api::db::{DatabaseUrl, DbConnection, Manager, establish_postgres};
use temujanji_api::{Application, Config};
use temujanji_shared::altcha::Challenge;
use temujanji_shared::email::EmailAddress;

pub const JWT_SECRET: &str = "integration-test-secret-0123456789abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the test PostgreSQL server is; every run creates and drops its own databases there.
pub fn postgres_admin_url() -> String {
    std::env::var("TEMUJANJI_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A scratch directory removed on drop.
pub struct ScratchDir(pub PathBuf);

impl ScratchDir {
    pub fn new(prefix: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("{prefix}-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        ScratchDir(dir)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh database: a SQLite file, or a PostgreSQL database dropped on drop.
pub enum TestDb {
    Sqlite(PathBuf),
    Postgres { name: String, url: String },
}

impl TestDb {
    pub fn create(backend: Backend, dir: &Path) -> Self {
        match backend {
            Backend::Sqlite => TestDb::Sqlite(dir.join("test.db")),
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("temujanji_test_{:016x}", rand::random::<u64>());
                let mut conn = establish_postgres(&admin).unwrap_or_else(|e| {
                    panic!("PostgreSQL is required for the tests ({admin}): {e}. Start it, or run `cargo xtask test`.")
                });
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create database");
                let base = admin
                    .rsplit_once('/')
                    .map_or(admin.as_str(), |(base, _)| base);
                TestDb::Postgres {
                    url: format!("{base}/{name}"),
                    name,
                }
            }
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite(path) => format!("sqlite://{}", path.display()),
            TestDb::Postgres { url, .. } => url.clone(),
        }
    }

    /// A direct connection, for setting up situations the public API cannot (blocks, seats).
    pub fn connect(&self) -> DbConnection {
        let url = DatabaseUrl::parse(&self.url()).expect("valid url");
        r2d2_connect(url)
    }
}

fn r2d2_connect(url: DatabaseUrl) -> DbConnection {
    use diesel::r2d2::ManageConnection;
    Manager::new(url)
        .connect()
        .expect("connect to the test database")
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { name, .. } = self
            && let Ok(mut conn) = establish_postgres(&postgres_admin_url())
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

pub struct TestApp {
    pub address: String,
    server: Option<RunningServer>,
    pub client: reqwest::Client,
    pub mail_dir: PathBuf,
    pub keys: TokenKeys,
    // Dropped last: the database outlives the server handle above it.
    pub db: TestDb,
    /// Holds the mail, data and SQLite files; removed when the app is dropped.
    pub _scratch: ScratchDir,
}

/// A server running in the test's runtime.
pub struct RunningServer {
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Stops the server and waits until it has closed its database pool, so that no worker
    /// thread is still using a connection while the test process exits.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        if let Ok(Err(e)) = self.task.await {
            panic!("the server failed: {e}");
        }
    }
}

pub fn config_for(db_url: &str, dir: &Path) -> Config {
    config_with(db_url, dir, &[])
}

/// The test configuration with `extra` environment variables (which win).
pub fn config_with(db_url: &str, dir: &Path, extra: &[(&str, String)]) -> Config {
    let values = [
        ("DATABASE_URL", db_url.to_owned()),
        ("TEMUJANJI_BIND", "127.0.0.1:0".to_owned()),
        (
            "TEMUJANJI_MAIL_DIR",
            dir.join("outbox").display().to_string(),
        ),
        ("TEMUJANJI_DATA_DIR", dir.join("data").display().to_string()),
        ("TEMUJANJI_STATIC_DIR", static_dir().display().to_string()),
        ("TEMUJANJI_JWT_SECRET", JWT_SECRET.to_owned()),
        // Webhook retries after 1 s, 2 s, 4 s…: the tests watch a receiver fail and recover.
        ("TEMUJANJI_WEBHOOK_RETRY_SECONDS", "1".to_owned()),
        // The rush tests send hundreds of requests at once to 16 connections on two cores and
        // count every answer; shedding load (503 after 1 s, the default) has its own test.
        ("TEMUJANJI_DB_POOL_WAIT_MS", "30000".to_owned()),
        // Every test client is 127.0.0.1: the network-keyed limits have their own tests.
        ("TEMUJANJI_RATE_LIMITS", "off".to_owned()),
        // Quick challenges for a debug build: the difficulty is configuration, the protocol
        // is the same.
        ("TEMUJANJI_POW_MAX_NUMBER", "5000".to_owned()),
    ];
    Config::from_lookup(|key| {
        extra
            .iter()
            .chain(values.iter())
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    })
    .expect("valid config")
}

/// The built SPA (`dist/` at the workspace root).
pub fn static_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist")
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, &[]).await
    }

    /// A server configured with `extra` environment variables (e.g. `TEMUJANJI_SMTP_URL`).
    /// Stop it with [`TestApp::stop`] at the end of the test.
    pub async fn spawn_with(backend: Backend, extra: &[(&str, String)]) -> TestApp {
        temujanji_api::telemetry::init();
        let dir = ScratchDir::new("temujanji-test");
        let db = TestDb::create(backend, &dir.0);
        let config = config_with(&db.url(), &dir.0, extra);
        let mail_dir = config.mail_dir.clone();
        let app = Application::build(config).await.expect("server starts");
        let address = format!("http://{}", app.address());
        let handle = app.handle();
        let task = tokio::spawn(app.run_until_stopped());
        TestApp {
            address,
            server: Some(RunningServer { handle, task }),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .expect("client"),
            mail_dir,
            keys: TokenKeys::new(JWT_SECRET.as_bytes()),
            db,
            _scratch: dir,
        }
    }

    /// The harness for a server running elsewhere (another process) on `db`, keeping its
    /// files in `scratch`.
    pub fn of_running(address: String, db: TestDb, scratch: ScratchDir) -> TestApp {
        TestApp {
            address,
            server: None,
            client: reqwest::Client::new(),
            mail_dir: scratch.0.join("outbox"),
            keys: TokenKeys::new(JWT_SECRET.as_bytes()),
            db,
            _scratch: scratch,
        }
    }

    /// Takes the means to stop the server, to be awaited once the test body is done (see
    /// [`RunningServer::stop`]).
    pub fn take_server(&mut self) -> RunningServer {
        self.server.take().expect("the server is taken once")
    }

    /// Stops the server started by [`TestApp::spawn_with`] (see [`RunningServer::stop`]).
    pub async fn stop(mut self) {
        self.take_server().stop().await;
    }

    /// Waits up to 20 s until the outbox worker has dealt with every due message (nothing is
    /// pending, or only retries scheduled later), so that the mail directory is complete.
    pub fn wait_for_outbox(&self) {
        use temujanji_api::db::schema::outbox::dsl;
        let mut conn = self.db.connect();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let due: i64 = dsl::outbox
                .filter(dsl::status.eq("pending"))
                .filter(dsl::next_attempt_at.le(temujanji_api::clock::now_utc()))
                .count()
                .get_result(&mut conn)
                .expect("count the outbox");
            if due == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{due} e-mails still due after 20 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every outbox row, oldest first.
    pub fn outbox(&self) -> Vec<OutboxRow> {
        use temujanji_api::db::schema::outbox::dsl;
        dsl::outbox
            .order(dsl::id)
            .select((
                dsl::kind,
                dsl::reference,
                dsl::envelope_to,
                dsl::status,
                dsl::attempts,
                dsl::last_error,
            ))
            .load(&mut self.db.connect())
            .expect("read the outbox")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut request = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// A valid token for `email`, signed with the server's secret (the code flow has its own
    /// tests; the rush tests need hundreds of tokens).
    pub fn token_for(&self, email: &str) -> String {
        let email = EmailAddress::parse(email).expect("valid email");
        self.keys.issue(&email).expect("token")
    }

    /// The newest code e-mailed to `email`, read from the `.eml` files once the outbox worker
    /// has written every due message.
    pub fn code_sent_to(&self, email: &str) -> Option<String> {
        self.wait_for_outbox();
        let mut newest: Option<(std::time::SystemTime, String)> = None;
        for entry in std::fs::read_dir(&self.mail_dir).ok()?.flatten() {
            let text = std::fs::read_to_string(entry.path()).ok()?;
            if !text
                .lines()
                .any(|l| l.starts_with("To:") && l.contains(email))
            {
                continue;
            }
            // Only code e-mails: confirmations and reminders go to the same address.
            let Some(subject) = text
                .lines()
                .find(|l| l.starts_with("Subject: Kod pengesahan / Verification code:"))
            else {
                continue;
            };
            let modified = entry.metadata().ok()?.modified().ok()?;
            let code: String = subject.chars().filter(char::is_ascii_digit).collect();
            if newest.as_ref().is_none_or(|(t, _)| modified >= *t) {
                newest = Some((modified, code));
            }
        }
        newest.map(|(_, code)| code)
    }

    /// Solves one of the server's proof-of-work challenges, as the SPA does: the `altcha`
    /// field to send.
    pub async fn altcha(&self) -> String {
        let challenge: Challenge = self
            .get("/api/v1/auth/challenge")
            .await
            .json()
            .await
            .expect("a challenge");
        challenge
            .solve()
            .expect("the server's challenges have a solution")
            .encode()
    }

    /// Asks for a code for `email` with a freshly solved challenge.
    pub async fn request_code(&self, email: &str) -> reqwest::Response {
        let altcha = self.altcha().await;
        self.post(
            "/api/v1/auth/email-codes",
            None,
            &json!({ "email": email, "altcha": altcha }),
        )
        .await
    }

    /// The whole e-mail verification flow: request a code, read it, exchange it.
    pub async fn login(&self, email: &str) -> String {
        let sent = self.request_code(email).await;
        assert_eq!(
            sent.status(),
            202,
            "{}",
            sent.text().await.unwrap_or_default()
        );
        let code = self.code_sent_to(email).expect("a code was e-mailed");
        let verified = self
            .post(
                "/api/v1/auth/email-codes/verify",
                None,
                &json!({ "email": email, "code": code }),
            )
            .await;
        assert_eq!(verified.status(), 200);
        let body: Value = verified.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn availability(
        &self,
        branch: &str,
        service: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Value {
        let response = self
            .get(&format!(
                "/api/v1/branches/{branch}/availability?service={service}&from={from}&to={to}"
            ))
            .await;
        assert_eq!(
            response.status(),
            200,
            "{}",
            response.text().await.unwrap_or_default()
        );
        response.json().await.expect("json")
    }

    /// The first open day with a free slot, and that slot's start.
    pub async fn first_free_slot(&self, branch: &str, service: &str) -> (NaiveDate, String) {
        self.free_slots(branch, service, 1).await.remove(0)
    }

    /// `n` free slots, in time order, within the booking window.
    pub async fn free_slots(
        &self,
        branch: &str,
        service: &str,
        n: usize,
    ) -> Vec<(NaiveDate, String)> {
        let today = temujanji_api::clock::today();
        let found: Vec<(NaiveDate, String)> = {
            let body = self
                .availability(branch, service, today, today + chrono::TimeDelta::days(30))
                .await;
            body["days"]
                .as_array()
                .expect("days")
                .iter()
                .filter(|d| d["open"] == true)
                .flat_map(|d| {
                    let date: NaiveDate = d["date"].as_str().expect("date").parse().expect("date");
                    d["slots"]
                        .as_array()
                        .expect("slots")
                        .iter()
                        .filter(|s| s["remaining"].as_i64() > Some(0))
                        .map(move |s| (date, s["start"].as_str().expect("start").to_owned()))
                        .collect::<Vec<_>>()
                })
                .take(n)
                .collect()
        };
        assert_eq!(found.len(), n, "not enough free slots at {branch}");
        found
    }

    /// Books applicant `n` (see [`booking`]) into `slot`, expecting success; returns the
    /// reference and the applicant's token.
    pub async fn book_applicant(
        &self,
        branch: &str,
        service: &str,
        n: u32,
        slot: &(NaiveDate, String),
    ) -> (String, String) {
        let token = self.token_for(&email(n));
        let body = booking(branch, service, slot.0, &slot.1, n);
        let response = self.post("/api/v1/appointments", Some(&token), &body).await;
        let status = response.status();
        let text = response.text().await.expect("body");
        assert_eq!(status, 201, "{text}");
        let body: Value = serde_json::from_str(&text).expect("json");
        (
            body["reference"].as_str().expect("reference").to_owned(),
            token,
        )
    }

    /// Sets the seats per slot of a service at a branch (slots created afterwards use it).
    pub fn set_seats(&self, branch: &str, service: &str, seats: i32) {
        use temujanji_api::db::schema::branch_services::dsl;
        let mut conn = self.db.connect();
        let updated = diesel::update(dsl::branch_services.find((branch, service)))
            .set(dsl::seats.eq(seats))
            .execute(&mut conn)
            .expect("update seats");
        assert_eq!(updated, 1, "{branch} does not offer {service}");
    }

    /// Seats taken in one slot, read from the database.
    pub fn booked(&self, branch: &str, service: &str, date: NaiveDate, start: &str) -> i32 {
        use temujanji_api::db::schema::slots::dsl;
        let start = NaiveTime::parse_from_str(start, "%H:%M").expect("time");
        let mut conn = self.db.connect();
        dsl::slots
            .filter(dsl::branch_code.eq(branch))
            .filter(dsl::service_code.eq(service))
            .filter(dsl::date.eq(date))
            .filter(dsl::start_time.eq(start))
            .select(dsl::booked)
            .first(&mut conn)
            .optional()
            .expect("query")
            .unwrap_or(0)
    }

    /// Active (booked) appointments in one slot, counted in the appointments table.
    pub fn active_appointments(&self, branch: &str, date: NaiveDate, start: &str) -> i64 {
        use temujanji_api::db::schema::appointments::dsl;
        let start = NaiveTime::parse_from_str(start, "%H:%M").expect("time");
        let mut conn = self.db.connect();
        dsl::appointments
            .filter(dsl::branch_code.eq(branch))
            .filter(dsl::date.eq(date))
            .filter(dsl::start_time.eq(start))
            .filter(dsl::status.eq("booked"))
            .count()
            .get_result(&mut conn)
            .expect("count")
    }
}

/// An outbox row as the tests see it.
#[derive(Debug, Clone, Queryable)]
pub struct OutboxRow {
    pub kind: String,
    pub reference: Option<String>,
    /// JSON array of recipients.
    pub to: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
}

/// A valid MyKad for test applicant `n` (born 1 Jan 1990 in Selangor, code 10).
pub fn mykad(n: u32) -> String {
    format!("900101-10-{:04}", n % 10_000)
}

/// A complete, valid booking body for applicant `n`.
pub fn booking(branch: &str, service: &str, date: NaiveDate, start: &str, n: u32) -> Value {
    json!({
        "branch": branch,
        "service": service,
        "date": date.to_string(),
        "start": start,
        "applicant": {
            "name": "Siti Nur'aini binti Ahmad",
            "id_type": "mykad",
            "id_number": mykad(n),
            "nationality": "MYS",
            "address": {
                "line1": "No. 12, Jalan Anggerik 3",
                "line2": "Seksyen 7",
                "postcode": "40000",
                "city": "Shah Alam",
                "state": "SGR"
            },
            "phone": phone(n),
            "email": email(n)
        }
    })
}

/// A valid Malaysian mobile number of its own for test applicant `n` (R5 limits what one phone
/// may hold).
pub fn phone(n: u32) -> String {
    format!("012-{:03} {:04}", (n / 10_000) % 1000, n % 10_000)
}

pub fn email(n: u32) -> String {
    format!("applicant{n}@example.com")
}

/// Runs a test body against both backends: `both_backends!(a, b)` passes each a fresh
/// [`TestApp`]; `both_backends!(backend: a, b)` passes the [`Backend`] to tests that start
/// their own server.
macro_rules! both_backends {
    (backend: $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let mut app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await;
                    let server = app.take_server();
                    super::$name(app).await;
                    server.stop().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let mut app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await;
                    let server = app.take_server();
                    super::$name(app).await;
                    server.stop().await;
                }
            )*
        }
    };
}
pub(crate) use both_backends;

/// The texts of the QR codes drawn on page 1 of `pdf`, decoded by an independent reader
/// (`rqrr`) from the page's filled rectangles, rasterised at 8 pixels a module.
pub fn qr_codes_in(pdf: &[u8]) -> Vec<String> {
    let document = lopdf::Document::load_mem(pdf).expect("a readable PDF");
    let page = *document.get_pages().get(&1).expect("page 1");
    let content = document.get_page_content(page);
    let content = lopdf::content::Content::decode(&content).expect("content stream");
    let number = |o: &lopdf::Object| o.as_float().expect("a number");
    let (mut path, mut filled) = (Vec::new(), Vec::new());
    for op in &content.operations {
        match op.operator.as_str() {
            "re" => path.push([
                number(&op.operands[0]),
                number(&op.operands[1]),
                number(&op.operands[2]),
                number(&op.operands[3]),
            ]),
            "f" | "f*" | "F" | "B" | "B*" => filled.append(&mut path),
            "n" | "S" | "s" => path.clear(),
            _ => {}
        }
    }
    if filled.is_empty() {
        return Vec::new();
    }
    let module = filled.iter().map(|r| r[3]).fold(f32::MAX, f32::min);
    let left = filled.iter().map(|r| r[0]).fold(f32::MAX, f32::min);
    let top = filled.iter().map(|r| r[1] + r[3]).fold(f32::MIN, f32::max);
    let (scale, quiet) = (8.0 / module, 32usize);
    let cells = filled
        .iter()
        .map(|r| {
            let px = |v: f32| (v * scale).round() as usize;
            let (x, y) = (px(r[0] - left) + quiet, px(top - r[1] - r[3]) + quiet);
            (x, y, x + px(r[2]), y + px(r[3]))
        })
        .collect::<Vec<_>>();
    let width = cells.iter().map(|c| c.2).max().unwrap_or(0) + quiet;
    let height = cells.iter().map(|c| c.3).max().unwrap_or(0) + quiet;
    let mut pixels = vec![255u8; width * height];
    for (x0, y0, x1, y1) in cells {
        for y in y0..y1 {
            pixels[y * width + x0..y * width + x1].fill(0);
        }
    }
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    image
        .detect_grids()
        .iter()
        .map(|grid| grid.decode().expect("a readable QR code").1)
        .collect()
}

/// The password every test staff account gets.
pub const STAFF_PASSWORD: &str = "kaunter tiga, pagi Isnin";

impl TestApp {
    /// Creates a staff account directly (the command and the API have their own tests).
    pub fn create_staff(&self, username: &str, role: &str, branch: Option<&str>) {
        use temujanji_api::authz::{Principal, Role};
        use temujanji_api::staff::accounts::Username;
        use temujanji_api::staff::password::NewPassword;
        let new = temujanji_api::staff::NewStaff {
            username: Username::parse(username).expect("valid username"),
            password: NewPassword::parse(STAFF_PASSWORD, username).expect("valid password"),
            role: Role::parse(role).expect("valid role"),
            branch: branch.map(str::to_owned),
        };
        temujanji_api::staff::create(
            &mut self.db.connect(),
            &new,
            &Principal::System,
            temujanji_api::clock::now_utc(),
        )
        .expect("create staff");
    }

    /// Signs in; returns the session answer.
    pub async fn staff_session(&self, username: &str) -> Value {
        let response = self
            .post(
                "/api/v1/staff/session",
                None,
                &json!({ "username": username, "password": STAFF_PASSWORD }),
            )
            .await;
        assert_eq!(response.status(), 200, "login of {username}");
        response.json().await.expect("json")
    }

    /// Creates the account and returns an access token for it.
    pub async fn staff_token(&self, username: &str, role: &str, branch: Option<&str>) -> String {
        self.create_staff(username, role, branch);
        self.staff_session(username).await["access_token"]
            .as_str()
            .expect("access token")
            .to_owned()
    }

    /// Moves an appointment to today at `start` (for `minutes` long): the counter works on
    /// today's appointments, which the booking window (no same-day booking) cannot create.
    pub fn move_to_today(&self, reference: &str, start: NaiveTime, minutes: i64) {
        use temujanji_api::db::schema::appointments::dsl;
        let today = temujanji_api::clock::today();
        let moved = diesel::update(dsl::appointments.filter(dsl::reference.eq(reference)))
            .set((
                dsl::date.eq(today),
                dsl::start_time.eq(start),
                dsl::end_time.eq(end_of(start, minutes)),
            ))
            .execute(&mut self.db.connect())
            .expect("move the appointment");
        assert_eq!(moved, 1);
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }
}

/// The end of an appointment of `minutes` from `start`, kept within its day (23:59:59 at most).
fn end_of(start: NaiveTime, minutes: i64) -> NaiveTime {
    let (end, wrapped) = start.overflowing_add_signed(chrono::TimeDelta::minutes(minutes));
    if wrapped == 0 {
        end
    } else {
        NaiveTime::from_hms_opt(23, 59, 59).expect("a time")
    }
}

/// Malaysian wall-clock time now, shifted by `minutes` and kept within today: an offset that
/// would cross midnight stops at 00:00 or 23:59, so "an hour ago" is still a time that has
/// started today when the tests run at 00:16, and "in twenty minutes" still a time today that
/// has not started when they run at 23:50.
pub fn malaysian_now_plus(minutes: i64) -> NaiveTime {
    use chrono::Timelike;
    let now = temujanji_api::clock::to_malaysia(temujanji_api::clock::now_utc());
    let shifted = now + chrono::TimeDelta::minutes(minutes);
    let time = if shifted.date() < now.date() {
        NaiveTime::MIN
    } else if shifted.date() > now.date() {
        NaiveTime::from_hms_opt(23, 59, 0).expect("a time")
    } else {
        shifted.time()
    };
    time.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .expect("a time")
}
