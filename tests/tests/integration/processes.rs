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
    let mut child = Command::new(server_binary())
        .env("DATABASE_URL", db_url)
        .env("TEMUJANJI_BIND", "127.0.0.1:0")
        .env("TEMUJANJI_JWT_SECRET", JWT_SECRET)
        .env("TEMUJANJI_MAIL_DIR", dir.join("outbox"))
        .env("TEMUJANJI_DATA_DIR", dir.join("data"))
        .env("RUST_LOG", "warn")
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_on_one_postgres_never_overbook() {
    let dir = ScratchDir::new("temujanji-two");
    let db = TestDb::create(Backend::Postgres, &dir.0);
    // Both start at once: migrations and seeding are serialised by an advisory lock.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| start(&db.url(), &dir.0));
        let b = s.spawn(|| start(&db.url(), &dir.0));
        (a.join().expect("instance a"), b.join().expect("instance b"))
    });
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

crate::helpers::both_backends!(backend: the_first_administrator_is_created_by_command);

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
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| start(&db.url(), &dir.0));
        let b = s.spawn(|| start(&db.url(), &dir.0));
        (a.join().expect("instance a"), b.join().expect("instance b"))
    });
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
