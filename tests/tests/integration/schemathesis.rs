//! The OpenAPI document tells the truth about every route: Schemathesis (from PyPI, installed
//! by `cargo xtask test` at the version `xtask/src/setup.rs` pins) runs all its checks and
//! every phase, the stateful one included, against the served document, with a valid token
//! for each audience, and must find nothing. Its one deviation from the defaults is in
//! `schemathesis.toml` (why: there).

use std::path::PathBuf;

use crate::helpers::{Backend, TestApp, email};
use crate::partners::{create_partner, partner_token};

/// `target/schemathesis/bin/schemathesis`, next to this test binary's target directory.
fn schemathesis() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let target = exe
        .parent()
        .and_then(|deps| deps.parent())
        .and_then(|profile| profile.parent())
        .expect("target dir");
    let binary = target.join("schemathesis").join("bin").join("schemathesis");
    assert!(
        binary.is_file(),
        "{} is missing: `cargo xtask test` installs it",
        binary.display()
    );
    binary
}

/// Runs Schemathesis on the operations whose paths match `include` (and not `exclude`),
/// authenticated with `token`; panics with its report on any failure.
async fn run(app: &TestApp, group: &str, token: &str, include: &str, exclude: Option<&str>) {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = tokio::process::Command::new(schemathesis());
    command
        .current_dir(&workspace)
        .arg("run")
        .arg(app.url("/api/openapi.json"))
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "all"])
        .args(["--phases", "examples,coverage,fuzzing,stateful"])
        .args(["--max-examples", "50", "--seed", "20261201"])
        .args(["--include-path-regex", include])
        .env("NO_COLOR", "1");
    if let Some(exclude) = exclude {
        command.args(["--exclude-path-regex", exclude]);
    }
    let output = command.output().await.expect("run schemathesis");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "Schemathesis found failures in the {group} routes ({}):\n{report}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains(" passed"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn schemathesis_finds_nothing_on_any_route() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let partner = create_partner(
        &app,
        &["passport_renewal", "passport_new"],
        None,
        None,
        10_000,
    );
    let partner = partner_token(&app, &partner).await;
    let applicant = app.token_for(&email(1));
    let staff = app.staff_token("ketua", "admin", None).await;
    run(&app, "partner", &partner, "^/api/v1/partners", None).await;
    run(
        &app,
        "applicant and public",
        &applicant,
        "^/api/v1/",
        Some("^/api/v1/(partners|staff)"),
    )
    .await;
    run(
        &app,
        "staff",
        &staff,
        "^/api/v1/staff",
        Some("^/api/v1/staff/(session|password|users/)"),
    )
    .await;
    // Last: these may end the staff session or disable its account.
    run(
        &app,
        "staff session and account",
        &staff,
        "^/api/v1/staff/(session|password|users/)",
        None,
    )
    .await;
    app.stop().await;
}
