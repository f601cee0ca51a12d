//! Production runs several stateless instances on one PostgreSQL: two real server processes
//! share a database and a rush across both still never overbooks.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::concurrency::rush;
use crate::helpers::{Backend, JWT_SECRET, ScratchDir, TestApp, TestDb, booking, email};

/// The `temujanji` binary built next to this test binary (`cargo xtask test` builds it).
fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target dir");
    let binary = dir.join("temujanji");
    assert!(
        binary.is_file(),
        "{} is missing: build it with `cargo build -p temujanji-api`",
        binary.display()
    );
    binary
}

struct Instance {
    child: Child,
    address: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(db_url: &str, dir: &std::path::Path) -> Instance {
    start_with(db_url, dir, &[])
}

/// [`start`] with `extra` environment variables (which win).
fn start_with(db_url: &str, dir: &std::path::Path, extra: &[(&str, &str)]) -> Instance {
    let mut child = Command::new(server_binary())
        .env("DATABASE_URL", db_url)
        .env("TEMUJANJI_BIND", "127.0.0.1:0")
        .env("TEMUJANJI_JWT_SECRET", JWT_SECRET)
        .env("TEMUJANJI_MAIL_DIR", dir.join("outbox"))
        .env("TEMUJANJI_DATA_DIR", dir.join("data"))
        .env("RUST_LOG", "warn")
        // The rushes here measure correctness, not load shedding (see helpers::config_with).
        .env("TEMUJANJI_DB_POOL_WAIT_MS", "30000")
        .env("TEMUJANJI_RATE_LIMITS", "off")
        .envs(extra.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start temujanji");
    let stdout = child.stdout.take().expect("stdout");
    let line = BufReader::new(stdout)
        .lines()
        .next()
        .expect("a line")
        .expect("utf-8");
    let address = line.rsplit(' ').next().expect("address").to_owned();
    assert!(address.starts_with("http://127.0.0.1:"), "{line}");
    Instance { child, address }
}

/// Two server processes on `db`, started at once: migrations and seeding are serialised by
/// an advisory lock.
fn two_instances(db: &TestDb, dir: &ScratchDir) -> (Instance, Instance) {
    std::thread::scope(|s| {
        let a = s.spawn(|| start(&db.url(), &dir.0));
        let b = s.spawn(|| start(&db.url(), &dir.0));
        (a.join().expect("instance a"), b.join().expect("instance b"))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgres_never_overbook() {
    let dir = ScratchDir::new("temujanji-two");
    let db = TestDb::create(Backend::Postgres, &dir.0);
    let (a, b) = two_instances(&db, &dir);
    // The harness talks to instance `a` and reads the shared database directly.
    let app = TestApp::of_running(a.address.clone(), db, dir);
    let (branch, service) = ("KUL-DUTA", "passport_new");
    app.set_seats(branch, service, 5);
    let (date, start_time) = app.first_free_slot(branch, service).await;
    let requests = (0..300)
        .map(|n| {
            let instance = if n % 2 == 0 { &a } else { &b };
            (
                format!("{}/api/v1/appointments", instance.address),
                app.token_for(&email(n)),
                booking(branch, service, date, &start_time, n),
            )
        })
        .collect();
    let counts = rush(&app.client, requests).await;
    assert_eq!(counts.get(&(201, String::new())), Some(&5), "{counts:?}");
    assert_eq!(
        counts.get(&(409, "slot_full".to_owned())),
        Some(&295),
        "{counts:?}"
    );
    assert_eq!(app.booked(branch, service, date, &start_time), 5);
    assert_eq!(app.active_appointments(branch, date, &start_time), 5);
}

/// Runs `temujanji ARGS` against `db_url` with `stdin` as standard input.
fn command(
    db_url: &str,
    dir: &std::path::Path,
    args: &[&str],
    stdin: &str,
) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(server_binary())
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("TEMUJANJI_JWT_SECRET", JWT_SECRET)
        .env("TEMUJANJI_DATA_DIR", dir.join("data"))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run temujanji");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write the password");
    child.wait_with_output().expect("wait")
}

crate::helpers::both_backends!(
    backend: the_first_administrator_is_created_by_command,
    a_partner_is_registered_by_command,
    rush_mode_is_turned_on_and_off_by_command
);

/// `temujanji service rush CODE on|off` switches what the API asks of a booking, audited.
async fn rush_mode_is_turned_on_and_off_by_command(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = ScratchDir::new("temujanji-rush-cli");
    let rush_of = |app: &TestApp| {
        use diesel::prelude::*;
        use temujanji_api::db::schema::services::dsl;
        dsl::services
            .find("passport_renewal")
            .select(dsl::rush)
            .first::<bool>(&mut app.db.connect())
            .expect("the service")
    };
    let on = command(
        &app.db.url(),
        &dir.0,
        &["service", "rush", "passport_renewal", "on"],
        "",
    );
    assert!(
        on.status.success(),
        "{}",
        String::from_utf8_lossy(&on.stderr)
    );
    assert!(rush_of(&app));
    let slot = app.first_free_slot("SGR-SHA", "passport_renewal").await;
    let token = app.token_for(&email(1));
    let body = booking("SGR-SHA", "passport_renewal", slot.0, &slot.1, 1);
    let refused = app.post("/api/v1/appointments", Some(&token), &body).await;
    assert_eq!(refused.status(), 422);
    let off = command(
        &app.db.url(),
        &dir.0,
        &["service", "rush", "passport_renewal", "off"],
        "",
    );
    assert!(off.status.success());
    assert!(!rush_of(&app));
    assert_eq!(
        app.post("/api/v1/appointments", Some(&token), &body)
            .await
            .status(),
        201
    );
    {
        use diesel::prelude::*;
        use temujanji_api::db::schema::audit_events::dsl;
        let logged: Vec<String> = dsl::audit_events
            .filter(dsl::action.eq("service.updated"))
            .select(dsl::after_json.assume_not_null())
            .load(&mut app.db.connect())
            .expect("the audit log");
        assert_eq!(logged, [r#"{"rush":true}"#, r#"{"rush":false}"#]);
    }
    for wrong in [
        &["service", "rush", "no_such_service", "on"][..],
        &["service", "rush", "passport_renewal", "maybe"],
        &["service", "opens-at", "passport_renewal", "25:00"],
        &["service", "release-delay", "passport_renewal", "1441"],
    ] {
        assert!(!command(&app.db.url(), &dir.0, wrong, "").status.success());
    }
    // The daily opening time of new days, in Malaysian time.
    let opens = command(
        &app.db.url(),
        &dir.0,
        &["service", "opens-at", "passport_renewal", "10:00"],
        "",
    );
    assert!(opens.status.success());
    assert!(String::from_utf8_lossy(&opens.stdout).contains("10:00"));
    {
        use diesel::prelude::*;
        use temujanji_api::db::schema::services::dsl;
        let minute: i32 = dsl::services
            .find("passport_renewal")
            .select(dsl::opens_at_minute)
            .first(&mut app.db.connect())
            .expect("the service");
        assert_eq!(minute, 600);
    }
    // Lottery mode: drawn an hour after the 10:00 opening, winners confirm within a day. The
    // draw must end by 23:59 (the database refuses a collection past it), the hours 1–168.
    for wrong in [
        &["service", "lottery", "passport_renewal", "60"][..],
        &["service", "lottery", "passport_renewal", "60", "0"],
        &["service", "lottery", "passport_renewal", "1440", "24"],
        &["service", "lottery", "passport_renewal", "900", "24"],
    ] {
        assert!(
            !command(&app.db.url(), &dir.0, wrong, "").status.success(),
            "{wrong:?}"
        );
    }
    let lottery = command(
        &app.db.url(),
        &dir.0,
        &["service", "lottery", "passport_renewal", "60", "24"],
        "",
    );
    assert!(lottery.status.success());
    assert!(String::from_utf8_lossy(&lottery.stdout).contains("60 minutes"));
    {
        use diesel::prelude::*;
        use temujanji_api::db::schema::services::dsl;
        let settings: (i32, i32) = dsl::services
            .find("passport_renewal")
            .select((dsl::lottery_minutes, dsl::lottery_confirm_hours))
            .first(&mut app.db.connect())
            .expect("the service");
        assert_eq!(settings, (60, 24));
    }
    app.stop().await;
}

/// From a fresh database, the first administrator is created by command with the password on
/// standard input, and signs in through the API.
async fn the_first_administrator_is_created_by_command(backend: Backend) {
    let dir = ScratchDir::new("temujanji-cli");
    let db = TestDb::create(backend, &dir.0);
    let url = db.url();
    let create = ["staff", "create", "--username", "Ketua", "--role", "admin"];
    // Never from an argument; a weak password or a branch for an administrator is refused.
    for (args, stdin, why) in [
        (
            [&create[..], &["--password", "x"]].concat(),
            "kaunter tiga, pagi Isnin\n",
            "standard input",
        ),
        (create.to_vec(), "password1234\n", "too common"),
        (create.to_vec(), "short\n", "at least 12"),
        (
            [&create[..], &["--branch", "SGR-SHA"]].concat(),
            "kaunter tiga, pagi Isnin\n",
            "--branch",
        ),
    ] {
        let out = command(&url, &dir.0, &args, stdin);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(why), "{args:?}: {stderr}");
    }
    let out = command(&url, &dir.0, &create, "kaunter tiga, pagi Isnin\n");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("created admin ketua"), "{stdout}");
    let again = command(&url, &dir.0, &create, "kaunter tiga, pagi Isnin\n");
    assert!(String::from_utf8_lossy(&again.stderr).contains("taken"));

    let server = start(&url, &dir.0);
    let app = TestApp::of_running(server.address.clone(), db, dir);
    let session = app.staff_session("ketua").await;
    let token = session["access_token"].as_str().expect("token");
    let day = app
        .get_auth("/api/v1/staff/branches/SGR-SHA/day", token)
        .await;
    assert_eq!(day.status(), 200, "an administrator runs any branch's day");
}

/// Failed logins are counted in the database: failures spread over two instances lock the
/// username on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_staff_lockout_holds_across_instances() {
    let dir = ScratchDir::new("temujanji-lockout");
    let db = TestDb::create(Backend::Postgres, &dir.0);
    let (a, b) = two_instances(&db, &dir);
    let app = TestApp::of_running(a.address.clone(), db, dir);
    app.create_staff("siti", "officer", Some("SGR-SHA"));
    let login = |instance: &Instance, password: &str| {
        let url = format!("{}/api/v1/staff/session", instance.address);
        let body = serde_json::json!({ "username": "siti", "password": password });
        let client = app.client.clone();
        async move {
            client
                .post(url)
                .json(&body)
                .send()
                .await
                .expect("request")
                .status()
                .as_u16()
        }
    };
    for n in 0..5 {
        let instance = if n % 2 == 0 { &a } else { &b };
        assert_eq!(login(instance, "wrong password, sorry").await, 401);
    }
    let right = crate::helpers::STAFF_PASSWORD;
    assert_eq!(login(&a, right).await, 429);
    assert_eq!(login(&b, right).await, 429);
}

/// `temujanji partner create` prints one JSON object whose secrets work at once.
async fn a_partner_is_registered_by_command(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dir = ScratchDir::new("temujanji-partner-cli");
    let output = command(
        &app.db.url(),
        &dir.0,
        &[
            "partner",
            "create",
            "--name",
            "Portal Rekalibrasi",
            "--services",
            "passport_renewal,passport_new",
            "--branches",
            "sgr-sha",
            "--webhook-url",
            "https://rekalibrasi.example.gov.my/hooks",
        ],
        "",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON object on stdout");
    let keys: Vec<&str> = printed
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["client_id", "client_secret", "webhook_secret"]);
    let response = app
        .client
        .post(app.url("/api/v1/oauth/token"))
        .basic_auth(
            printed["client_id"].as_str().expect("id"),
            printed["client_secret"].as_str(),
        )
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    // Stored hashed: the secret is nowhere in the database.
    use diesel::prelude::*;
    use temujanji_api::db::schema::partner_clients::dsl;
    let (hash, services, branches): (String, String, Option<String>) = dsl::partner_clients
        .select((dsl::secret_hash, dsl::services, dsl::branches))
        .first(&mut app.db.connect())
        .expect("the client");
    assert_ne!(hash, printed["client_secret"].as_str().expect("secret"));
    assert_eq!(services, "passport_renewal passport_new");
    assert_eq!(branches.as_deref(), Some("SGR-SHA"));
    let refused = command(
        &app.db.url(),
        &dir.0,
        &["partner", "create", "--name", "x"],
        "",
    );
    assert!(!refused.status.success());
    app.stop().await;
}

/// Two processes on one PostgreSQL share a partner's token bucket.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn partner_rate_limits_hold_across_instances() {
    let dir = ScratchDir::new("temujanji-partner-rate");
    let db = TestDb::create(Backend::Postgres, &dir.0);
    let (a, b) = two_instances(&db, &dir);
    let app = TestApp::of_running(a.address.clone(), db, dir);
    let partner = crate::partners::create_partner(&app, &["passport_renewal"], None, None, 4);
    {
        use diesel::prelude::*;
        use temujanji_api::db::schema::partner_clients::dsl;
        diesel::update(dsl::partner_clients.find(partner.id))
            .set(dsl::rate_per_minute.eq(1))
            .execute(&mut app.db.connect())
            .expect("a slow bucket");
    }
    let token = crate::partners::partner_token(&app, &partner).await;
    let mut seen = Vec::new();
    for n in 0..5 {
        let instance = if n % 2 == 0 { &a } else { &b };
        let response = app
            .client
            .get(format!("{}/api/v1/partners/appointments", instance.address))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        seen.push((
            response.status().as_u16(),
            response.headers()["ratelimit-remaining"]
                .to_str()
                .expect("ascii")
                .to_owned(),
        ));
    }
    let expected: Vec<(u16, String)> = [(200, "3"), (200, "2"), (200, "1"), (200, "0"), (429, "0")]
        .into_iter()
        .map(|(s, r)| (s, r.to_owned()))
        .collect();
    assert_eq!(seen, expected);
}

/// The server's log (at debug level) holds no e-mail address, phone number, identity number
/// or address, whatever the applicant did: requested a code, booked, was refused, cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_log_carries_no_personal_data() {
    let dir = ScratchDir::new("temujanji-log");
    let db = TestDb::create(Backend::Sqlite, &dir.0);
    let log_path = dir.0.join("server.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut child = Command::new(server_binary())
        .env("DATABASE_URL", db.url())
        .env("TEMUJANJI_BIND", "127.0.0.1:0")
        .env("TEMUJANJI_JWT_SECRET", JWT_SECRET)
        .env("TEMUJANJI_MAIL_DIR", dir.0.join("outbox"))
        .env("TEMUJANJI_DATA_DIR", dir.0.join("data"))
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start temujanji");
    let stdout = child.stdout.take().expect("stdout");
    let line = BufReader::new(stdout)
        .lines()
        .next()
        .expect("a line")
        .expect("utf-8");
    let address = line.rsplit(' ').next().expect("address").to_owned();
    let instance = Instance { child, address };
    let app = TestApp::of_running(instance.address.clone(), db, dir);
    let code = app.request_code(&email(5)).await;
    assert_eq!(code.status(), 202);
    let slot = app.first_free_slot("SGR-SHA", "passport_renewal").await;
    let (reference, token) = app
        .book_applicant("SGR-SHA", "passport_renewal", 5, &slot)
        .await;
    let again = app
        .post(
            "/api/v1/appointments",
            Some(&token),
            &booking("SGR-SHA", "passport_renewal", slot.0, &slot.1, 5),
        )
        .await;
    assert_eq!(again.status(), 409);
    let cancelled = app
        .post(
            &format!("/api/v1/appointments/{reference}/cancel"),
            Some(&token),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    app.wait_for_outbox();
    drop(instance);
    let log = std::fs::read_to_string(&log_path).expect("the log");
    assert!(log.contains(&reference), "the log is written: {log}");
    let body = booking("SGR-SHA", "passport_renewal", slot.0, &slot.1, 5);
    let applicant = &body["applicant"];
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    for personal in [
        email(5),
        applicant["id_number"].as_str().expect("id").to_owned(),
        digits(applicant["id_number"].as_str().expect("id")),
        applicant["phone"].as_str().expect("phone").to_owned(),
        digits(applicant["phone"].as_str().expect("phone")),
        applicant["address"]["line1"]
            .as_str()
            .expect("line")
            .to_owned(),
        applicant["name"].as_str().expect("name").to_owned(),
    ] {
        assert!(!log.contains(&personal), "the log holds {personal:?}");
    }
}

/// The applicant door's limits are shared by every instance on PostgreSQL: one client taking
/// turns between two processes runs out after one burst, not two.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn network_limits_hold_across_instances() {
    let dir = ScratchDir::new("temujanji-throttle-two");
    let db = TestDb::create(Backend::Postgres, &dir.0);
    let limits = [("TEMUJANJI_RATE_LIMITS", "on")];
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| start_with(&db.url(), &dir.0, &limits));
        let b = s.spawn(|| start_with(&db.url(), &dir.0, &limits));
        (a.join().expect("instance a"), b.join().expect("instance b"))
    });
    let client = reqwest::Client::new();
    // `Action::Availability`: a burst of 120, refilled at 2 a second.
    let mut allowed = 0;
    for n in 0..180 {
        let instance = if n % 2 == 0 { &a } else { &b };
        let status = client
            .get(format!(
                "{}/api/v1/branches/SGR-SHA/availability?service=passport_renewal",
                instance.address
            ))
            .send()
            .await
            .expect("request")
            .status()
            .as_u16();
        match status {
            200 => allowed += 1,
            429 => break,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        (120..150).contains(&allowed),
        "{allowed} allowed: one bucket for both instances"
    );
}
