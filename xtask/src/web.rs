//! Builds the SPA into `dist/`: rustc to wasm (size profile), code splitting
//! (`wasm_split_cli_support`: each lazy route of `web/` becomes a wasm chunk fetched when the
//! route is first shown, code shared by several chunks a chunk of its own), wasm-bindgen,
//! wasm-opt (binaryen 132 from npm, see `xtask/wasm-opt/`) on the main module and every chunk,
//! terser on the JS, then every asset under `dist/assets/` with a content hash in its name so
//! that it can be cached for a year.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{cargo, cmd, root, target_dir};

/// The home page's first load (HTML, CSS and script, gzip) must stay under this (issue 9's
/// 150 KB, in decimal units). The home page loads no wasm: see [`write_pages`].
pub const FIRST_LOAD_BUDGET: usize = 150_000;

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

/// The JS minifier (npm's terser, installed beside binaryen; run with node).
pub fn terser() -> PathBuf {
    wasm_opt_dir().join("node_modules/terser/bin/terser")
}

/// The module name under which the split main wasm imports the chunk loader; the loader
/// imports `initSync` back from the main JS under [`MAIN_JS`]. Both are rewritten to the
/// hashed names.
const SPLIT_LOADER: &str = "./__wasm_split.js";
const MAIN_JS: &str = "./temujanji_web.js";

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
    let split_dir = work.join("split");
    let wasm = target_dir().join("wasm32-unknown-unknown/wasm-release/temujanji_web.wasm");

    // Code splitting: every `#[lazy]` / `#[lazy_route]` function (and what only it uses) goes
    // into a chunk of its own, fetched on first use; the main module keeps the rest.
    let input = std::fs::read(&wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))?;
    let main_split = split_dir.join("temujanji_web.wasm");
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &split_dir;
        opts.main_out_path = &main_split;
        opts.link_name = SPLIT_LOADER;
        opts.main_module = MAIN_JS;
        opts
    })
    .map_err(|e| format!("wasm-split: {e:?}"))?;
    drop(input);

    cmd(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            "--keep-lld-exports",
            "--no-demangle",
            "--out-dir",
            &work.display().to_string(),
            &main_split.display().to_string(),
        ],
    )?;
    let optimised = work.join("optimised.wasm");
    optimise(&work.join("temujanji_web_bg.wasm"), &optimised)?;

    let dist = root().join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    let assets = dist.join("assets");
    std::fs::create_dir_all(&assets).map_err(|e| format!("cannot create dist/assets: {e}"))?;

    // The chunks: optimised, then named by their content.
    let mut loader = read(&split_dir.join(SPLIT_LOADER))?;
    for chunk in &split.split_modules {
        let stem = chunk
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| format!("odd chunk name {}", chunk.display()))?;
        let chunk_opt = work.join(format!("{stem}.opt.wasm"));
        optimise(chunk, &chunk_opt)?;
        let name = hashed(&chunk_opt, &assets, stem, "wasm")?;
        let reference = format!("\"./{stem}.wasm\"");
        if !loader.contains(&reference) {
            return Err(format!("the split loader does not load {stem}.wasm"));
        }
        loader = loader.replace(&reference, &format!("\"./{name}\""));
    }

    let route_assets = route_assets(&loader)?;

    // A chunk that cannot load (a deploy replaced the build this page came from, or the
    // network failed) would abort the wasm: load the page afresh instead, at most once in 30 s.
    const ON_FAILURE: &str = "console.error(e);";
    if loader.matches(ON_FAILURE).count() != 1 {
        return Err("the split loader does not report a failed load as expected".into());
    }
    let loader = loader.replace(
        ON_FAILURE,
        "console.error(e); try { \
         const last = Number(sessionStorage.getItem(\"wasm-split-reload\")) || 0; \
         if (Date.now() - last > 30000) { \
         sessionStorage.setItem(\"wasm-split-reload\", String(Date.now())); \
         location.reload(); } } catch (_) {}",
    );

    // The main JS imports the loader and the loader imports the main JS: both names carry one
    // hash, of both (minified) contents with a placeholder for it, so that a change in either
    // (or in any chunk, whose name the loader holds) renames both.
    const KEY: &str = "@@KEY@@";
    let main_js = read(&work.join("temujanji_web.js"))?;
    let from_loader = format!("from \"{SPLIT_LOADER}\"");
    if !main_js.contains(&from_loader) {
        return Err(format!("the main JS does not import {SPLIT_LOADER}"));
    }
    let main_js = main_js.replace(&from_loader, &format!("from \"./wasm_split-{KEY}.js\""));
    let from_main = format!("from \"{MAIN_JS}\"");
    if !loader.contains(&from_main) {
        return Err(format!("the split loader does not import {MAIN_JS}"));
    }
    let loader = loader.replace(&from_main, &format!("from \"./temujanji_web-{KEY}.js\""));
    let main_js = minify(&work, "temujanji_web", &main_js)?;
    let loader = minify(&work, "wasm_split", &loader)?;
    if !main_js.contains(KEY) || !loader.contains(KEY) {
        return Err("the minifier dropped the module names".into());
    }
    let key = {
        let mut digest = Sha256::new();
        digest.update(main_js.as_bytes());
        digest.update([0]);
        digest.update(loader.as_bytes());
        hex(&digest.finalize()[..6])
    };
    let js = format!("temujanji_web-{key}.js");
    write(&assets.join(&js), &main_js.replace(KEY, &key))?;
    write(
        &assets.join(format!("wasm_split-{key}.js")),
        &loader.replace(KEY, &key),
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
    let home_js = hashed(&root().join("web/static/home.js"), &assets, "home", "js")?;
    let files = AppFiles {
        js: js.clone(),
        loader: format!("wasm_split-{key}.js"),
        wasm: wasm.clone(),
        home_js,
    };
    write_pages(&dist, &index, &route_assets, &files)?;
    precompress(&assets)?;
    let size = first_load(&dist)?;
    for (name, raw, gzip) in &size.files {
        eprintln!("xtask:   first load  {name}: {raw} bytes, {gzip} gzip");
    }
    for (name, raw, gzip) in &size.lazy {
        eprintln!("xtask:   on demand   {name}: {raw} bytes, {gzip} gzip");
    }
    eprintln!(
        "xtask: the SPA is in {}; first load {} bytes gzip (budget {FIRST_LOAD_BUDGET}), \
         {} bytes brotli; {} bytes gzip more loaded on demand",
        dist.display(),
        size.total(),
        size.brotli_total(&dist),
        size.lazy.iter().map(|(_, _, gzip)| gzip).sum::<usize>()
    );
    Ok(())
}

/// The home page's meta naming the apply page's files, for `web/static/home.js` to prefetch.
const PREFETCH_META: &str = "temujanji-prefetch-apply";

// Where the server fills in the services' documents and fees.
use temujanji_api::home::SERVICES_MARKER;
use temujanji_api::spa::in_language;
use temujanji_shared::Lang;

/// What a page of `dist/` is.
enum Kind {
    /// The home page (shell `home`): whole without the app, which it does not load; the
    /// server fills in [`SERVICES_MARKER`].
    Home,
    /// A page of the app, preloading the wasm chunks of its lazy route, if any.
    App(Option<&'static str>),
}

/// The pages `dist/` serves (see `api/src/spa.rs`, which picks one by path and language):
/// (file, shell of `web/static/shell/`, kind). Each is written in Malay at `file` and in
/// English where [`in_language`] says, from the shells of `web/static/shell/` and its `en/`.
const PAGES: [(&str, &str, Kind); 8] = [
    ("index.html", "home", Kind::Home),
    ("pages/apply.html", "apply", Kind::App(Some("apply"))),
    (
        "pages/apply-resume.html",
        "apply-resume",
        Kind::App(Some("apply")),
    ),
    ("pages/manage.html", "manage", Kind::App(Some("manage"))),
    ("pages/slip.html", "slip", Kind::App(Some("slip"))),
    ("pages/staff.html", "other", Kind::App(Some("staff"))),
    ("pages/display.html", "other", Kind::App(Some("staff"))),
    ("pages/not-found.html", "other", Kind::App(None)),
];

/// The app's files a page names: the main JS and wasm (hashed names, under `/assets/`), and
/// the home page's script.
pub struct AppFiles {
    pub js: String,
    pub loader: String,
    pub wasm: String,
    pub home_js: String,
}

/// Writes every page of [`PAGES`] from the `index` template, in both languages: the page's
/// first paint (the shell, in the HTML itself, so that text shows before the wasm runs; the
/// app replaces it). An app page preloads the chunk loader and its route's wasm chunks beside
/// the main wasm. The home page loads no wasm: its script prefetches the apply page's files
/// (main and chunks) when the pointer, a finger or focus reaches "Apply".
fn write_pages(
    dist: &Path,
    index: &str,
    route_assets: &std::collections::BTreeMap<String, Vec<String>>,
    files: &AppFiles,
) -> Result<(), String> {
    let assets_of = |route: &str| -> Result<&Vec<String>, String> {
        route_assets
            .get(route)
            .ok_or_else(|| format!("no lazy route {route} in the split loader"))
    };
    let (app_start, app_end) = ("<!--APP-->\n", "<!--/APP-->\n");
    let (Some(from), Some(to)) = (index.find(app_start), index.find(app_end)) else {
        return Err("web/static/index.html lacks its <!--APP--> section".into());
    };
    for lang in Lang::ALL {
        let shell_dir = match lang {
            Lang::Ms => root().join("web/static/shell"),
            Lang::En => root().join("web/static/shell/en"),
        };
        let frame = read(&shell_dir.join("frame.html"))?;
        for (file, shell, kind) in &PAGES {
            let main = shell_part(&shell_dir, shell)?;
            let first_paint = frame.replace("{{MAIN}}", main.trim_end());
            let page = match kind {
                Kind::Home => {
                    if !main.contains(SERVICES_MARKER) {
                        return Err(format!("{shell}.html ({lang}) has no {SERVICES_MARKER}"));
                    }
                    let prefetch = [&files.js, &files.loader, &files.wasm]
                        .into_iter()
                        .chain(assets_of("apply")?)
                        .map(|name| format!("/assets/{name}"))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let head = format!(
                        "  <meta name=\"{PREFETCH_META}\" content=\"{prefetch}\">\n  \
                         <script type=\"module\" src=\"/assets/{}\"></script>\n",
                        files.home_js
                    );
                    // No app takes this page over: it is the page, not a first paint.
                    format!("{}{head}{}", &index[..from], &index[to + app_end.len()..])
                        .replace("<!--SHELL-->", &first_paint.replace(" data-shell", ""))
                        .replace("<!--NOSCRIPT-->\n", "")
                }
                Kind::App(route) => {
                    // The chunk loader, which the main JS imports: fetched beside it, not after.
                    let mut hints = format!(
                        "  <link rel=\"modulepreload\" href=\"/assets/{}\">\n",
                        files.loader
                    );
                    if let Some(route) = route {
                        for name in assets_of(route)? {
                            hints.push_str(&format!(
                                "  <link rel=\"preload\" href=\"/assets/{name}\" as=\"fetch\" \
                                 type=\"application/wasm\" crossorigin>\n"
                            ));
                        }
                    }
                    index
                        .replacen(app_start, "", 1)
                        .replacen(app_end, "", 1)
                        .replace("<!--HINTS-->\n", &hints)
                        .replace("<!--SHELL-->", &first_paint)
                        .replace(
                            "<!--NOSCRIPT-->",
                            "  <noscript>Temujanji memerlukan JavaScript. / Temujanji needs \
                             JavaScript.</noscript>",
                        )
                }
            };
            let path = in_language(file, lang);
            let page = match lang {
                Lang::Ms => page,
                Lang::En => in_english(page)?,
            };
            if page.replace(SERVICES_MARKER, "").contains("<!--") || page.contains("{{") {
                return Err(format!("{path}: a marker of web/static/index.html is left"));
            }
            let path = dist.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("{}: {e}", parent.display()))?;
            }
            write(&path, &page)?;
        }
    }
    Ok(())
}

/// The shell `name` of `dir` (`NAME.html`), with each `{{part}}` line replaced by the shell
/// `part` of the same directory (a field that two pages' first paints share).
fn shell_part(dir: &Path, name: &str) -> Result<String, String> {
    let text = read(&dir.join(format!("{name}.html")))?;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        match line
            .trim()
            .strip_prefix("{{")
            .and_then(|l| l.strip_suffix("}}"))
        {
            Some(part) if part != "MAIN" => out.push_str(&shell_part(dir, part)?),
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// The page's `<html lang>` and title in English (the app sets each page's own title).
fn in_english(page: String) -> Result<String, String> {
    let page = page
        .replacen("<html lang=\"ms\">", "<html lang=\"en\">", 1)
        .replacen(
            "<title>Temujanji Dalam Talian — Jabatan Imigresen Malaysia</title>",
            "<title>Online Appointments — Immigration Department of Malaysia</title>",
            1,
        );
    if !page.contains("<html lang=\"en\">") || page.contains("Temujanji Dalam Talian —") {
        return Err(
            "web/static/index.html: an English page's language and title were not set".into(),
        );
    }
    Ok(page)
}

/// The wasm files (hashed names) each lazy route loads, from the split loader: its own module
/// and the shared chunks it waits for. Keyed `apply`, `manage`, `slip`, `staff`, `display`, …
/// (the route view's name without `_route_view` and its hash).
fn route_assets(loader: &str) -> Result<std::collections::BTreeMap<String, Vec<String>>, String> {
    let file_of = |segment: &str| -> Option<String> {
        let start = segment.find("new URL(\"./")? + "new URL(\"./".len();
        let end = segment[start..].find('"')? + start;
        Some(segment[start..end].to_owned())
    };
    let mut chunks = std::collections::HashMap::new();
    let mut routes = std::collections::BTreeMap::new();
    // Top-level declarations only (each loader declares `const src` inside too).
    let mut starts: Vec<usize> = ["const __chunk_", "const __wasm_split_load___"]
        .iter()
        .flat_map(|marker| {
            loader
                .match_indices(marker)
                .map(|(i, _)| i + "const ".len())
        })
        .collect();
    starts.sort_unstable();
    let ends = starts.iter().skip(1).copied().chain([loader.len()]);
    let segments: Vec<&str> = starts
        .iter()
        .zip(ends)
        .map(|(start, end)| &loader[*start..end])
        .collect();
    for segment in segments {
        let name: String = segment
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if let Some(chunk) = name.strip_prefix("__chunk_") {
            let file = file_of(segment).ok_or_else(|| format!("chunk {chunk}: no file"))?;
            chunks.insert(name.clone(), file);
        } else if let Some(view) = name.strip_prefix("__wasm_split_load___") {
            let route = view.split("_route_view").next().unwrap_or(view).to_owned();
            let own = file_of(segment).ok_or_else(|| format!("route {route}: no file"))?;
            let deps_start = segment
                .rfind(", [")
                .ok_or_else(|| format!("route {route}: no chunk list"))?;
            let deps_end = segment[deps_start..]
                .find(']')
                .ok_or_else(|| format!("route {route}: unterminated chunk list"))?;
            let deps: Vec<String> = segment[deps_start + 3..deps_start + deps_end]
                .split(',')
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty())
                .collect();
            let mut files = vec![own];
            for dep in deps {
                let file = chunks
                    .get(&dep)
                    .ok_or_else(|| format!("route {route}: unknown chunk {dep}"))?;
                files.push(file.clone());
            }
            routes.insert(route, files);
        }
    }
    Ok(routes)
}

/// Writes `NAME.br` (brotli, quality 11) next to every JS, wasm and CSS asset, for the server
/// to send to clients that accept it (see `api/src/spa.rs`).
fn precompress(assets: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(assets).map_err(|e| format!("dist/assets: {e}"))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("dist/assets: {e}"))?.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "js" | "wasm" | "css"));
        if !compressible {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let br = format!("{}.br", path.display());
        std::fs::write(&br, brotli_of(&bytes)?).map_err(|e| format!("{br}: {e}"))?;
    }
    Ok(())
}

/// `bytes` compressed by brotli at its best (quality 11, 4 MiB window).
fn brotli_of(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .map_err(|e| format!("brotli: {e}"))?;
    Ok(out)
}

/// wasm-opt `-Oz` (binaryen from npm) of one module.
fn optimise(from: &Path, to: &Path) -> Result<(), String> {
    let mut opt_args = vec![
        wasm_opt().display().to_string(),
        "-Oz".into(),
        "--converge".into(),
        "--strip-debug".into(),
        "--strip-producers".into(),
    ];
    opt_args.extend(WASM_FEATURES.iter().map(|f| f.to_string()));
    opt_args.extend([
        from.display().to_string(),
        "-o".into(),
        to.display().to_string(),
    ]);
    cmd(
        "node",
        &opt_args.iter().map(String::as_str).collect::<Vec<_>>(),
    )
}

/// The JS module `text`, minified by terser (from npm, beside binaryen).
fn minify(work: &Path, stem: &str, text: &str) -> Result<String, String> {
    let from = work.join(format!("{stem}.full.js"));
    let to = work.join(format!("{stem}.min.js"));
    write(&from, text)?;
    cmd(
        "node",
        &[
            &terser().display().to_string(),
            "--module",
            "--compress",
            "--mangle",
            "-o",
            &to.display().to_string(),
            &from.display().to_string(),
        ],
    )?;
    read(&to)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
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

/// Sizes of what a browser downloads on the first visit, as served (gzip), and of what it
/// downloads only when a lazily loaded page is first shown.
pub struct FirstLoad {
    pub files: Vec<(String, usize, usize)>,
    pub lazy: Vec<(String, usize, usize)>,
}

impl FirstLoad {
    pub fn total(&self) -> usize {
        self.files.iter().map(|(_, _, gzip)| gzip).sum()
    }

    /// The first load as a browser that accepts brotli gets it: each asset's `.br` where the
    /// build made one (`index.html` is compressed on the fly: its gzip size).
    pub fn brotli_total(&self, dist: &Path) -> usize {
        self.files
            .iter()
            .map(|(name, _, gzip)| {
                std::fs::metadata(dist.join(format!("{name}.br")))
                    .map(|m| usize::try_from(m.len()).unwrap_or(usize::MAX))
                    .unwrap_or(*gzip)
            })
            .sum()
    }
}

/// Measures, raw and gzip (level 6, as the server's compression middleware sends them), the
/// first load: `index.html`, every asset it names (`/assets/…`) and every module those import
/// statically (`from "./…"`), transitively. Any other asset under `dist/assets/` (the wasm
/// chunks that the split loader fetches on first use) is reported in `lazy`.
pub fn first_load(dist: &Path) -> Result<FirstLoad, String> {
    page_load(dist, "index.html")
}

/// What a first visit to the page `file` of `dist/` downloads (see [`first_load`]).
pub fn page_load(dist: &Path, file: &str) -> Result<FirstLoad, String> {
    let assets = dist.join("assets");
    // What the home page only names for a later prefetch is not part of its first load.
    let index: String = read(&dist.join(file))?
        .lines()
        .filter(|line| !line.contains(PREFETCH_META))
        .collect::<Vec<_>>()
        .join("\n");
    let mut needed: Vec<String> = Vec::new();
    let mut queue: Vec<String> = references(&index, "/assets/");
    while let Some(name) = queue.pop() {
        if needed.contains(&name) {
            continue;
        }
        if name.ends_with(".js") {
            let js = read(&assets.join(&name))?;
            for keyword in ["from", "import"] {
                for gap in ["", " "] {
                    for quote in ['"', '\'', '`'] {
                        queue.extend(references(&js, &format!("{keyword}{gap}{quote}./")));
                    }
                }
            }
        }
        needed.push(name);
    }
    let mut all: Vec<String> = std::fs::read_dir(&assets)
        .map_err(|e| format!("dist/assets: {e}"))?
        .filter_map(|entry| {
            entry
                .ok()
                .map(|e| e.file_name().to_string_lossy().into_owned())
        })
        // A `.br` file is another encoding of its asset, not another download.
        .filter(|name| !name.ends_with(".br"))
        .collect();
    all.sort();
    if let Some(missing) = needed.iter().find(|n| !all.contains(n)) {
        return Err(format!("dist/assets/{missing} is referenced but missing"));
    }
    let mut files = vec![measure(dist, &dist.join(file))?];
    let mut lazy = Vec::new();
    for name in all {
        let size = measure(dist, &assets.join(&name))?;
        if needed.contains(&name) {
            files.push(size);
        } else {
            lazy.push(size);
        }
    }
    Ok(FirstLoad { files, lazy })
}

/// The asset names that follow `prefix` in `text` (up to the closing quote).
fn references(text: &str, prefix: &str) -> Vec<String> {
    text.split(prefix)
        .skip(1)
        .filter_map(|rest| {
            let end = rest.find(['"', '\'', '`', ')', ' ', '>'])?;
            let name = &rest[..end];
            (!name.is_empty() && !name.contains('/')).then(|| name.to_owned())
        })
        .collect()
}

/// (path under dist, bytes, gzip bytes) of one file.
fn measure(dist: &Path, path: &Path) -> Result<(String, usize, usize), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    let gz = encoder
        .write_all(&bytes)
        .and_then(|_| encoder.finish())
        .map_err(|e| format!("gzip: {e}"))?;
    let name = path
        .strip_prefix(dist)
        .unwrap_or(path)
        .display()
        .to_string();
    Ok((name, bytes.len(), gz.len()))
}

/// What `/apply` opened directly may download (its page, the app and the route's chunks,
/// gzip): 538 KB on 2026-12-06, so that the app's code cannot grow much unnoticed.
pub const APPLY_LOAD_BUDGET: usize = 560_000;

/// Fails when the first load is over [`FIRST_LOAD_BUDGET`] or `/apply`'s over
/// [`APPLY_LOAD_BUDGET`] (the test command checks them after every build, so neither can be
/// lost unnoticed).
pub fn check_budget() -> Result<(), String> {
    let apply = page_load(&root().join("dist"), "pages/apply.html")?;
    if apply.total() > APPLY_LOAD_BUDGET {
        return Err(format!(
            "/apply opened directly loads {} bytes gzip, over the {APPLY_LOAD_BUDGET}-byte \
             budget; see `cargo xtask build-web` for the files",
            apply.total()
        ));
    }
    let size = first_load(&root().join("dist"))?;
    if size.total() > FIRST_LOAD_BUDGET {
        return Err(format!(
            "the SPA's first load is {} bytes gzip, over the {FIRST_LOAD_BUDGET}-byte budget; \
             see `cargo xtask build-web` for the files",
            size.total()
        ));
    }
    Ok(())
}
