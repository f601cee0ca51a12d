//! The built SPA as served: `index.html` for any page path (never cached), and its assets under
//! content-hashed names, cached for a year and compressed.

use crate::helpers::{Backend, TestApp, static_dir};

/// The `/assets/…` paths that `index.html` refers to.
fn assets_in(index: &str) -> Vec<String> {
    index
        .split(['"', ' '])
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_never_cached_and_hashed_assets_are_cached_compressed() {
    assert!(
        static_dir().join("index.html").is_file(),
        "dist/ is not built: run `cargo xtask build-web` (the test command does)"
    );
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    let server = app.take_server();
    for path in ["/", "/apply", "/appointment/ABCDE-FGHJK"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), 200, "{path}");
        assert_eq!(
            page.headers()["cache-control"],
            "no-cache",
            "{path} must be revalidated so that a new build shows at once"
        );
        let body = page.text().await.expect("html");
        assert!(
            body.contains("<html lang=\"ms\">"),
            "{path} serves index.html"
        );
    }
    let index = app.get("/").await.text().await.expect("html");
    let assets = assets_in(&index);
    for suffix in [".js", ".wasm", ".css"] {
        assert!(
            assets.iter().any(|a| a.ends_with(suffix)),
            "index.html loads a {suffix} asset: {assets:?}"
        );
    }
    for asset in &assets {
        let name = asset.rsplit('/').next().unwrap_or_default();
        let hash = name
            .rsplit_once('-')
            .and_then(|(_, rest)| rest.split('.').next())
            .unwrap_or_default();
        assert!(
            hash.len() == 12 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{name} carries a content hash"
        );
        let response = app
            .client
            .get(app.url(asset))
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{asset}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{asset}"
        );
        assert_eq!(response.headers()["content-encoding"], "gzip", "{asset}");
        // Brotli, compressed at build time, to a client that takes it: the `.br` file as is.
        let response = app
            .client
            .get(app.url(asset))
            .header("Accept-Encoding", "gzip, deflate, br")
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "{asset}");
        assert_eq!(response.headers()["content-encoding"], "br", "{asset}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{asset}"
        );
        let expected_type = if asset.ends_with(".wasm") {
            "application/wasm"
        } else if asset.ends_with(".css") {
            "text/css"
        } else {
            "javascript"
        };
        let content_type = response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(
            content_type.contains(expected_type),
            "{asset}: {content_type}"
        );
        let body = response.bytes().await.expect("body");
        let on_disk = std::fs::read(static_dir().join(format!("{}.br", &asset[1..])))
            .expect("the build's .br file");
        assert_eq!(body.as_ref(), on_disk.as_slice(), "{asset}");
    }
    // Refused brotli (q=0) gets gzip.
    let first = &assets[0];
    let response = app
        .client
        .get(app.url(first))
        .header("Accept-Encoding", "br;q=0, gzip")
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["content-encoding"], "gzip", "{first}");
    let missing = app.get("/assets/nothing-000000000000.js").await;
    assert_eq!(
        missing.status(),
        404,
        "a missing asset is not the index page"
    );
    assert_eq!(
        missing.headers()["cache-control"],
        "no-store",
        "a missing asset is not cached (it may be there after a deploy)"
    );
    // Only found assets are cached: an error would outlive its cause.
    let directory = app.get("/assets/").await;
    assert!(!directory.status().is_success());
    assert_ne!(
        directory
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("public, max-age=31536000, immutable")
    );
    // A path that is no page is a 404: with the SPA (which says so, with a way home) when it
    // looks like a page, empty when it names a file.
    let unknown = app.get("/no-such-page").await;
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers()["cache-control"], "no-cache");
    assert!(
        unknown
            .text()
            .await
            .expect("html")
            .contains("<html lang=\"ms\">")
    );
    for file in ["/favicon.ico", "/robots.txt", "/wp-login.php"] {
        let missing = app.get(file).await;
        assert_eq!(missing.status(), 404, "{file}");
        assert!(missing.text().await.expect("body").is_empty(), "{file}");
    }
    // Pages are only read.
    let posted = app
        .client
        .post(app.url("/apply"))
        .send()
        .await
        .expect("request");
    assert_eq!(posted.status(), 405);
    server.stop().await;
}

/// Every answer (pages, assets, the API, errors) carries the security headers; the SPA's
/// policy admits only its own origin, WebAssembly, and the exact inline boot script of the
/// `index.html` served; API answers are never stored; HSTS only behind an https address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[(
            "TEMUJANJI_PUBLIC_URL",
            "https://temujanji.example.gov.my".to_owned(),
        )],
    )
    .await;
    // The home page has no inline script (it loads no app); the app's pages boot inline.
    let index = app.get("/apply").await.text().await.expect("html");
    let asset = assets_in(&index)
        .into_iter()
        .find(|a| a.ends_with(".js"))
        .expect("a script");
    let boot = index
        .split("<script type=\"module\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("the inline boot script");
    let boot_hash = {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(boot.as_bytes()))
    };
    for path in [
        "/",
        "/apply",
        asset.as_str(),
        "/assets/missing.js",
        "/api/v1/branches",
        "/api/v1/appointments/ABCDE-FGHJK",
        "/api/v1/nowhere",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(csp.contains("'wasm-unsafe-eval'"), "{path}: {csp}");
        assert!(
            csp.contains(&format!("'sha256-{boot_hash}'")),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert!(
            headers["strict-transport-security"]
                .to_str()
                .expect("ascii")
                .starts_with("max-age="),
            "{path}"
        );
        if path.starts_with("/api/") {
            assert_eq!(headers["cache-control"], "no-store", "{path}");
        }
    }
    app.stop().await;
    // Served over plain http (development), no HSTS.
    let plain = TestApp::spawn(Backend::Sqlite).await;
    let response = plain.get("/").await;
    assert!(!response.headers().contains_key("strict-transport-security"));
    plain.stop().await;
}

/// Each page's HTML carries its first paint (text before the wasm runs) and hints for the
/// code it needs: the home page names the apply route's chunks for prefetching, `/apply`
/// preloads them beside the main wasm; every hinted file exists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_paint_before_the_wasm_and_hint_their_code() {
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    let server = app.take_server();
    let response = app.get("/").await;
    assert!(
        response.headers().get("set-cookie").is_none(),
        "nothing to remember without a choice"
    );
    let home = response.text().await.expect("html");
    assert!(home.contains("<h1 tabindex=\"-1\">Temujanji Dalam Talian</h1>"));
    assert!(home.contains("href=\"/apply\""), "a working link to apply");
    // Whole without the app: the services' documents and fees are in the page, and no wasm
    // is fetched for it (only a prefetch hint, used when the pointer reaches "Apply").
    let services = app
        .get("/api/v1/services")
        .await
        .json::<Vec<serde_json::Value>>()
        .await
        .expect("services");
    assert!(!services.is_empty());
    for service in &services {
        let name = service["name"]["ms"].as_str().expect("name");
        assert!(
            home.contains(&format!("<summary>{name}</summary>")),
            "{name}"
        );
        let document = service["documents"][0]["ms"].as_str().expect("a document");
        assert!(home.contains(document), "{document}");
    }
    assert!(home.contains(temujanji_shared::rules::PAYMENT_MS));
    assert!(!home.contains("<!--"), "no marker left");
    assert!(
        !home.contains("as=\"fetch\""),
        "the home page preloads no wasm"
    );
    assert!(
        !home.contains("<script type=\"module\">"),
        "the home page starts no app"
    );
    let prefetch = home
        .split("name=\"temujanji-prefetch-apply\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the apply page's files for prefetching");
    let prefetched: Vec<&str> = prefetch.split_whitespace().collect();
    assert!(prefetched.len() > 3, "{prefetched:?}");

    // In English when asked, remembered in a cookie the app reads too; the cookie alone
    // then picks English.
    let english = app.get("/?lang=en").await;
    let cookie = english
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("the choice is remembered")
        .to_owned();
    assert!(cookie.starts_with("temujanji-lang=en;"), "{cookie}");
    let english = english.text().await.expect("html");
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("<h1 tabindex=\"-1\">Online Appointments</h1>"));
    assert!(english.contains(temujanji_shared::rules::PAYMENT_EN));
    let name = services[0]["name"]["en"].as_str().expect("name");
    assert!(english.contains(&format!("<summary>{name}</summary>")));
    let with_cookie = |path: &'static str, cookie: &'static str| {
        let url = format!("{}{path}", app.address);
        async move {
            reqwest::Client::new()
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .expect(path)
                .text()
                .await
                .expect("html")
        }
    };
    let remembered = with_cookie("/", "other=1; temujanji-lang=en").await;
    assert!(remembered.contains("<h1 tabindex=\"-1\">Online Appointments</h1>"));
    // Every page's first paint is in the remembered language: the app's pages too.
    let english_apply = with_cookie("/apply", "temujanji-lang=en").await;
    assert!(english_apply.contains("<html lang=\"en\">"));
    assert!(english_apply.contains("<h1 tabindex=\"-1\">Apply for an appointment — E-mail</h1>"));
    let english_missing = app.get("/nowhere?lang=en").await;
    assert_eq!(english_missing.status(), 404);
    assert!(
        english_missing
            .text()
            .await
            .expect("html")
            .contains("<html lang=\"en\">")
    );

    let apply = app
        .get("/apply?step=slot")
        .await
        .text()
        .await
        .expect("html");
    assert!(apply.contains("<h1 tabindex=\"-1\">Permohonan temujanji</h1>"));
    assert!(
        !apply.contains("id=\"email\""),
        "a journey resumed at a later step paints no step of its own"
    );
    assert!(
        apply.contains("href=\"?step=slot&amp;lang=en\""),
        "the first paint's language link keeps the step"
    );
    let fresh = app.get("/apply").await.text().await.expect("html");
    assert!(
        fresh.contains("<h1 tabindex=\"-1\">Permohonan temujanji — E-mel</h1>")
            && fresh.contains("id=\"email\""),
        "a fresh journey paints its first step, the e-mail form"
    );
    let preloaded: Vec<String> = apply
        .split("<link rel=\"preload\" href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    // What the home page prefetches is what /apply loads first: its main code and chunks.
    for file in &prefetched {
        assert!(
            preloaded.iter().any(|p| p == file) || apply.contains(&format!("\"{file}\"")),
            "/apply loads {file}: {preloaded:?}"
        );
    }
    for file in &preloaded {
        let response = app.get(file).await;
        assert_eq!(response.status(), 200, "{file}");
    }
    // The slip and manage pages preload their own code, not the apply page's.
    let slip = app
        .get("/appointment/ABCDE-FGHJK")
        .await
        .text()
        .await
        .expect("html");
    assert!(slip.contains("Slip temujanji"));
    assert!(slip.contains("split___slip_route_view"));
    assert!(!slip.contains("split___apply_route_view"));
    server.stop().await;
}
