//! Start-up: bad configuration stops the server with a one-line reason.

use crate::helpers::{ScratchDir, config_for};

#[tokio::test]
async fn an_unreachable_postgres_is_reported_in_one_line() {
    let dir = ScratchDir::new("temujanji-startup");
    let config = config_for("postgres://postgres@127.0.0.1:1/nothing", &dir.0);
    let Err(reason) = temujanji_api::Application::build(config).await else {
        panic!("the server started without a database");
    };
    assert!(
        reason.starts_with("cannot connect to the postgresql database"),
        "{reason}"
    );
    assert!(!reason.contains('\n'), "{reason}");
}

#[tokio::test]
async fn a_fresh_sqlite_database_is_created_migrated_and_seeded_once() {
    let dir = ScratchDir::new("temujanji-startup");
    let url = format!("sqlite://{}", dir.0.join("nested/dir/fresh.db").display());
    let mut counts = Vec::new();
    for _ in 0..2 {
        let app = temujanji_api::Application::build(config_for(&url, &dir.0))
            .await
            .expect("starts");
        let address = app.address();
        let server = tokio::spawn(app.run_until_stopped());
        let branches: Vec<serde_json::Value> =
            reqwest::get(format!("http://{address}/api/v1/branches"))
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
        assert!(branches.len() >= 10, "{} branches", branches.len());
        counts.push(branches.len());
        server.abort();
    }
    assert_eq!(counts[0], counts[1], "the second start does not seed again");
}
