//! The SPA, built to wasm and served by the API, lists the branches through the API in a real
//! browser (Debian's headless Chromium). Screenshots land in `target/screenshots/`.

use std::path::PathBuf;
use std::process::Command;

use crate::helpers::{Backend, ScratchDir, TestApp, static_dir};

fn chromium() -> PathBuf {
    let path =
        PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    assert!(
        path.is_file(),
        "{} is missing: `cargo xtask test` installs Debian's chromium",
        path.display()
    );
    path
}

fn screenshots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshots dir");
    dir
}

/// Runs headless Chromium on `url`; returns the rendered DOM and saves a screenshot.
fn render(url: &str, name: &str, width: u32, height: u32) -> String {
    let profile = ScratchDir::new("temujanji-chromium");
    let shot = screenshots_dir().join(format!("{name}.png"));
    let common = [
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
        "--virtual-time-budget=15000",
    ];
    let profile_arg = format!("--user-data-dir={}", profile.0.display());
    let size = format!("--window-size={width},{height}");
    let dom = Command::new(chromium())
        .args(common)
        .arg(&profile_arg)
        .arg(&size)
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        dom.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let shot_arg = format!("--screenshot={}", shot.display());
    let status = Command::new(chromium())
        .args(common)
        .arg(&profile_arg)
        .arg(&size)
        .arg(&shot_arg)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        status.status.success() && shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    String::from_utf8(dom.stdout).expect("utf-8 dom")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_spa_lists_branches_from_the_api_in_a_real_browser() {
    assert!(
        static_dir().join("index.html").is_file(),
        "dist/ is not built: run `cargo xtask build-web` (the test command does)"
    );
    let app = TestApp::spawn(Backend::Sqlite).await;
    let url = app.url("/");
    let phone = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || render(&url, "home-phone-ms", 360, 780))
            .await
            .expect("render")
    };
    assert!(
        phone.contains("Ibu Pejabat"),
        "the branch list did not render: {phone}"
    );
    assert!(
        phone.contains("PJY-HQ") && phone.contains("KDH-AS"),
        "{phone}"
    );
    assert!(phone.contains("lang=\"ms\""), "BM is the default language");
    let desktop = {
        let url = format!("{url}?lang=en");
        tokio::task::spawn_blocking(move || render(&url, "home-desktop-en", 1280, 900))
            .await
            .expect("render")
    };
    assert!(
        desktop.contains("lang=\"en\"") && desktop.contains("Branches"),
        "{desktop}"
    );
}
