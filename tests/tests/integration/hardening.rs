//! Overload is answered, not suffered: an exhausted connection pool answers 503 with
//! `Retry-After` after the configured wait (not a 500 after 30 s), and a statement stuck past
//! the statement timeout is cancelled and answered the same way.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

use crate::helpers::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_exhausted_pool_and_a_stuck_statement_answer_503() {
    let app = TestApp::spawn_with(
        Backend::Postgres,
        &[
            ("TEMUJANJI_DB_POOL_SIZE", "1".to_owned()),
            ("TEMUJANJI_DB_POOL_WAIT_MS", "300".to_owned()),
            ("TEMUJANJI_DB_STATEMENT_TIMEOUT_MS", "3000".to_owned()),
        ],
    )
    .await;
    assert_eq!(app.get("/api/v1/branches").await.status(), 200);
    // Another session locks the table every catalogue read needs.
    let mut locker = app.db.connect();
    locker
        .batch_execute("BEGIN; LOCK TABLE branches IN ACCESS EXCLUSIVE MODE;")
        .expect("lock");
    let (client, stuck_url) = (app.client.clone(), app.url("/api/v1/branches"));
    let stuck = tokio::spawn(async move {
        let started = Instant::now();
        let response = client.get(stuck_url).send().await.expect("request");
        (response, started.elapsed())
    });
    // The one connection is now waiting on the lock: the next request finds none free.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let refused = app.get("/api/v1/branches").await;
    let waited = started.elapsed();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    assert!(
        waited < Duration::from_secs(10),
        "refused after {waited:?}, not after the pool's old 30 s"
    );
    let problem: serde_json::Value = refused.json().await.expect("problem");
    assert_eq!(problem["type"], "service_unavailable");
    // The stuck statement is cancelled by the statement timeout and answered likewise.
    let (stuck, _) = stuck.await.expect("the stuck request");
    assert_eq!(stuck.status(), 503);
    let problem: serde_json::Value = stuck.json().await.expect("problem");
    assert_eq!(problem["type"], "service_unavailable");
    locker.batch_execute("ROLLBACK").expect("unlock");
    // And the instance recovers at once.
    assert_eq!(app.get("/api/v1/branches").await.status(), 200);
    app.stop().await;
}
