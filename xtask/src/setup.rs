//! Installs what the tests need on a fresh Debian machine, and fails loudly when it cannot.

use std::path::Path;
use std::process::Command;

use crate::{cmd, root};

pub fn all() -> Result<(), String> {
    nextest()?;
    wasm_toolchain()?;
    chromium()?;
    axe()?;
    schemathesis()?;
    shell_tools()?;
    postgres()
}

/// axe-core from npm (`tests/axe/`), the accessibility checker the browser tests run.
fn axe() -> Result<(), String> {
    let dir = root().join("tests/axe");
    if !dir.join("node_modules/axe-core/axe.min.js").is_file() {
        let dir = dir.display().to_string();
        cmd("npm", &["ci", "--no-audit", "--no-fund", "--prefix", &dir])?;
    }
    Ok(())
}

/// What docs/PARTNERS.md's examples use (its test runs them).
fn shell_tools() -> Result<(), String> {
    let missing: Vec<&str> = ["curl", "jq", "openssl"]
        .into_iter()
        .filter(|tool| !succeeds("sh", &["-c", &format!("command -v {tool}")]))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        apt_install(&missing)
    }
}

/// The Schemathesis version the API's spec is checked with (`tests/.../schemathesis.rs`).
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// Schemathesis from PyPI, in a virtual environment under the target directory (Debian's
/// `python3-venv`).
fn schemathesis() -> Result<(), String> {
    let venv = crate::target_dir().join("schemathesis");
    let binary = venv.join("bin").join("schemathesis");
    let wanted = SCHEMATHESIS_VERSION;
    let installed = Command::new(&binary)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if installed.contains(wanted) {
        return Ok(());
    }
    let venv_text = venv.display().to_string();
    if !venv.join("bin").join("pip").is_file() {
        if !succeeds("python3", &["-m", "venv", "--help"]) {
            apt_install(&["python3-venv"])?;
        }
        cmd("python3", &["-m", "venv", &venv_text])?;
    }
    let pip = venv.join("bin").join("pip").display().to_string();
    cmd(
        &pip,
        &[
            "install",
            "--quiet",
            &format!("schemathesis=={SCHEMATHESIS_VERSION}"),
        ],
    )
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// cargo-nextest, the test runner.
fn nextest() -> Result<(), String> {
    if succeeds("cargo", &["nextest", "--version"]) {
        return Ok(());
    }
    cmd("cargo", &["install", "cargo-nextest", "--locked"])
}

/// The wasm target and `wasm-bindgen` at exactly the version in Cargo.lock.
pub fn wasm_toolchain() -> Result<(), String> {
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is required: {e}"))?;
    if !String::from_utf8_lossy(&targets.stdout).contains("wasm32-unknown-unknown") {
        cmd("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    let wanted = locked_version("wasm-bindgen")?;
    let installed = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    if installed != format!("wasm-bindgen {wanted}") {
        // Not --locked: a dependency version it locks is missing from the registry.
        cmd(
            "cargo",
            &[
                "install",
                "wasm-bindgen-cli",
                "--version",
                &format!("={wanted}"),
            ],
        )?;
    }
    // wasm-opt shrinks the SPA: binaryen 132 from npm (Debian's 108 breaks the page); terser
    // minifies its JS.
    if !crate::web::wasm_opt().is_file() || !crate::web::terser().is_file() {
        let dir = crate::web::wasm_opt_dir().display().to_string();
        cmd("npm", &["ci", "--no-audit", "--no-fund", "--prefix", &dir])?;
    }
    Ok(())
}

/// The version of `package` in Cargo.lock.
pub fn locked_version(package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let marker = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&marker)
        .ok_or_else(|| format!("{package} is not in Cargo.lock"))?
        + marker.len();
    let end = lock[start..].find('"').ok_or("Cargo.lock is malformed")?;
    Ok(lock[start..start + end].to_owned())
}

/// Debian's chromium and chromedriver for the browser tests.
fn chromium() -> Result<(), String> {
    if Path::new("/usr/bin/chromium").is_file() && Path::new("/usr/bin/chromedriver").is_file() {
        return Ok(());
    }
    apt_install(&["chromium", "chromium-driver"])
}

/// Installs Debian packages, refreshing the package lists once if needed.
fn apt_install(packages: &[&str]) -> Result<(), String> {
    let apt = |args: &[&str]| {
        let status = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map_err(|e| format!("apt-get is required to install {}: {e}", packages.join(" ")))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("apt-get {} failed", args.join(" ")))
        }
    };
    let install: Vec<&str> = ["install", "-y"].iter().chain(packages).copied().collect();
    if apt(&install).is_err() {
        apt(&["update"])?;
        apt(&install)?;
    }
    Ok(())
}

/// PostgreSQL on 127.0.0.1:5432: started when it is down, and an error when it cannot be.
fn postgres() -> Result<(), String> {
    let ready = || succeeds("pg_isready", &["-h", "127.0.0.1", "-p", "5432"]);
    if ready() {
        return Ok(());
    }
    let versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .map_err(|_| "PostgreSQL is not installed (/etc/postgresql is missing)".to_owned())?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for version in &versions {
        let _ = cmd(
            "pg_ctlcluster",
            &["--skip-systemctl-redirect", version, "main", "start"],
        );
    }
    for _ in 0..30 {
        if ready() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    Err("PostgreSQL is not running on 127.0.0.1:5432 and could not be started".into())
}
