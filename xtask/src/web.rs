//! Builds the SPA into `dist/`: rustc to wasm (size profile), wasm-bindgen, wasm-opt
//! (binaryen 132 from npm, see `xtask/wasm-opt/`), then every asset under `dist/assets/` with a
//! content hash in its name so that it can be cached for a year.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{cargo, cmd, root, target_dir};

/// The first load (HTML, JS, wasm and CSS, gzip) must stay under this.
pub const FIRST_LOAD_BUDGET: usize = 250 * 1024;

/// wasm features rustc emits for wasm32-unknown-unknown, which wasm-opt must keep.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-nontrapping-float-to-int",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Where `npm ci` installs binaryen.
pub fn wasm_opt_dir() -> PathBuf {
    root().join("xtask/wasm-opt")
}

/// The wasm-opt script of the npm package (run with node).
pub fn wasm_opt() -> PathBuf {
    wasm_opt_dir().join("node_modules/binaryen/bin/wasm-opt")
}

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
    let work = target_dir().join("web-build");
    let _ = std::fs::remove_dir_all(&work);
    let wasm = target_dir().join("wasm32-unknown-unknown/wasm-release/temujanji_web.wasm");
    cmd(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            &work.display().to_string(),
            &wasm.display().to_string(),
        ],
    )?;
    let bound = work.join("temujanji_web_bg.wasm");
    let optimised = work.join("optimised.wasm");
    let mut opt_args = vec![
        wasm_opt().display().to_string(),
        "-Oz".into(),
        "--strip-debug".into(),
        "--strip-producers".into(),
    ];
    opt_args.extend(WASM_FEATURES.iter().map(|f| f.to_string()));
    opt_args.extend([
        bound.display().to_string(),
        "-o".into(),
        optimised.display().to_string(),
    ]);
    cmd(
        "node",
        &opt_args.iter().map(String::as_str).collect::<Vec<_>>(),
    )?;

    let dist = root().join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    let assets = dist.join("assets");
    std::fs::create_dir_all(&assets).map_err(|e| format!("cannot create dist/assets: {e}"))?;
    let js = hashed(
        &work.join("temujanji_web.js"),
        &assets,
        "temujanji_web",
        "js",
    )?;
    let wasm = hashed(&optimised, &assets, "temujanji_web_bg", "wasm")?;
    let css = hashed(
        &root().join("web/static/style.css"),
        &assets,
        "style",
        "css",
    )?;
    let template = read(&root().join("web/static/index.html"))?;
    let index = template
        .replace("{{JS}}", &format!("/assets/{js}"))
        .replace("{{WASM}}", &format!("/assets/{wasm}"))
        .replace("{{CSS}}", &format!("/assets/{css}"));
    if index.contains("{{") {
        return Err("web/static/index.html has a placeholder the build does not fill".into());
    }
    std::fs::write(dist.join("index.html"), index).map_err(|e| format!("index.html: {e}"))?;
    let size = first_load(&dist)?;
    eprintln!(
        "xtask: the SPA is in {}; first load {} bytes gzip (budget {FIRST_LOAD_BUDGET})",
        dist.display(),
        size.total()
    );
    Ok(())
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Copies `from` into `dir` as `<stem>-<hash>.<ext>` and returns that name.
fn hashed(from: &Path, dir: &Path, stem: &str, ext: &str) -> Result<String, String> {
    let bytes = std::fs::read(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    let digest = Sha256::digest(&bytes);
    let name = format!("{stem}-{}.{ext}", hex(&digest[..6]));
    std::fs::write(dir.join(&name), &bytes).map_err(|e| format!("cannot write {name}: {e}"))?;
    Ok(name)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sizes of what a browser downloads on the first visit, as served (gzip).
pub struct FirstLoad {
    pub files: Vec<(String, usize, usize)>,
}

impl FirstLoad {
    pub fn total(&self) -> usize {
        self.files.iter().map(|(_, _, gzip)| gzip).sum()
    }
}

/// Measures `index.html` and every asset under `dist/assets/`, raw and gzip (level 6, as the
/// server's compression middleware sends them).
pub fn first_load(dist: &Path) -> Result<FirstLoad, String> {
    let mut paths = vec![dist.join("index.html")];
    let mut assets: Vec<_> = std::fs::read_dir(dist.join("assets"))
        .map_err(|e| format!("dist/assets: {e}"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    assets.sort();
    paths.extend(assets);
    let mut files = Vec::new();
    for path in paths {
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        encoder
            .write_all(&bytes)
            .and_then(|_| encoder.finish())
            .map(|gz| {
                let name = path
                    .strip_prefix(dist)
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                files.push((name, bytes.len(), gz.len()));
            })
            .map_err(|e| format!("gzip: {e}"))?;
    }
    Ok(FirstLoad { files })
}
