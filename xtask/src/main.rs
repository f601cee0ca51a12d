//! Project automation: `cargo xtask <command>`.
//!
//! - `run`        build the SPA and run the server on SQLite with seeded data
//! - `test`       install what the tests need, then run every check and test (CI runs this)
//! - `build-web`  build the SPA into `dist/`
//! - `openapi`    regenerate `openapi.yaml`
//! - `bench`      measure throughput on both backends into `docs/PERFORMANCE.md`

mod bench;
mod fairness_bench;
mod phone_bench;
mod pow_bench;
mod setup;
mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("build-web") => setup::wasm_toolchain().and_then(|()| web::build()),
        Some("openapi") => openapi(),
        Some("bench") if args.get(1).map(String::as_str) == Some("pow") => pow_bench::run(),
        Some("bench") if args.get(1).map(String::as_str) == Some("fairness") => {
            fairness_bench::run()
        }
        Some("bench") if args.get(1).map(String::as_str) == Some("phone") => phone_bench::run(),
        Some("bench") => bench::run(),
        _ => Err(format!(
            "usage: cargo xtask <run [--release] | test | build-web | openapi | bench [pow | fairness | phone]>{}",
            args.first()
                .map(|a| format!(" (unknown command {a:?})"))
                .unwrap_or_default()
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Cargo's target directory (`CARGO_TARGET_DIR`, else `target/` in the workspace).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        })
        .unwrap_or_else(|| root().join("target"))
}

/// Runs a command in the workspace root, failing with its description.
pub fn cmd(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

fn cargo(args: &[&str]) -> Result<(), String> {
    cmd(
        &std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()),
        args,
    )
}

/// Builds the SPA and serves it with the API on SQLite (`data/`), printing the URL.
fn run(args: &[String]) -> Result<(), String> {
    setup::wasm_toolchain()?;
    web::build()?;
    let mut cargo_args = vec!["run", "-p", "temujanji-api", "--bin", "temujanji"];
    if args.iter().any(|a| a == "--release") {
        cargo_args.push("--release");
    }
    cargo(&cargo_args)
}

/// Every check CI runs, after installing what they need.
fn test() -> Result<(), String> {
    setup::all()?;
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--exclude",
        "temujanji-web",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&[
        "clippy",
        "-p",
        "temujanji-web",
        "-p",
        "temujanji-shared",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ])?;
    web::build()?;
    web::check_budget()?;
    cargo(&["build", "-p", "temujanji-api", "--bin", "temujanji"])?;
    cargo(&[
        "nextest",
        "run",
        "--workspace",
        "--exclude",
        "temujanji-web",
        "--no-fail-fast",
    ])?;
    cargo(&["test", "--workspace", "--exclude", "temujanji-web", "--doc"])?;
    eprintln!("xtask: every check passed");
    Ok(())
}

/// Writes the OpenAPI document the code generates to `openapi.yaml`.
fn openapi() -> Result<(), String> {
    let yaml = temujanji_api::routes::openapi()
        .to_yaml()
        .map_err(|e| format!("openapi: {e}"))?;
    let path = root().join("openapi.yaml");
    std::fs::write(&path, yaml).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("xtask: wrote {}", path.display());
    Ok(())
}
