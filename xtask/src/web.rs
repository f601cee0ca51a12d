//! Builds the SPA: rustc to wasm (size profile), wasm-bindgen, static files into `dist/`.

use crate::{cargo, cmd, root, target_dir};

pub fn build() -> Result<(), String> {
    cargo(&[
        "build",
        "-p",
        "temujanji-web",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ])?;
    let dist = root().join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create dist/: {e}"))?;
    let wasm = target_dir().join("wasm32-unknown-unknown/wasm-release/temujanji_web.wasm");
    let out_dir = dist.display().to_string();
    cmd(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            &out_dir,
            &wasm.display().to_string(),
        ],
    )?;
    for file in ["index.html", "style.css"] {
        let from = root().join("web/static").join(file);
        std::fs::copy(&from, dist.join(file))
            .map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
    }
    eprintln!("xtask: the SPA is in {out_dir}");
    Ok(())
}
