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
