//! The committed `openapi.yaml` is what the code generates, and the server publishes it.

use std::path::Path;

use serde_json::Value;

use crate::helpers::{Backend, TestApp};

#[test]
fn committed_openapi_yaml_matches_the_code() {
    let generated = temujanji_api::routes::openapi().to_yaml().expect("yaml");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.yaml");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi.yaml is out of date: run `cargo xtask openapi` and commit the result"
    );
}

#[tokio::test]
async fn the_spec_and_an_offline_reference_page_are_served() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let spec: Value = app
        .get("/api/openapi.json")
        .await
        .json()
        .await
        .expect("json");
    let paths = spec["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/branches",
        "/api/v1/services",
        "/api/v1/branches/{branch}/availability",
        "/api/v1/auth/challenge",
        "/api/v1/auth/email-codes",
        "/api/v1/auth/email-codes/verify",
        "/api/v1/appointments",
        "/api/v1/appointments/{reference}",
        "/api/v1/appointments/{reference}/cancel",
        "/api/v1/appointments/{reference}/reschedule",
    ] {
        assert!(paths.contains_key(path), "{path} missing from the spec");
    }
    assert_eq!(
        spec,
        serde_json::to_value(temujanji_api::routes::openapi()).expect("json")
    );
    let page = app.get("/api/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("https://"),
        "the reference page must not load anything from the internet"
    );
    let script = app.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(script.status(), 200, "Swagger UI is vendored");
}

/// A method the spec does not declare on a path it does declare is 405 with `Allow` naming the
/// declared methods (what a partner's client reads), not 404; a path it does not declare is 404;
/// both as problem+json.
#[tokio::test]
async fn an_undeclared_method_is_405_with_allow() {
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    let server = app.take_server();
    for (method, path, allowed) in [
        (reqwest::Method::DELETE, "/api/v1/appointments", "POST"),
        (reqwest::Method::GET, "/api/v1/auth/email-codes", "POST"),
        (reqwest::Method::DELETE, "/api/v1/staff/blocks", "GET"),
        (reqwest::Method::POST, "/api/v1/branches", "GET"),
        (reqwest::Method::GET, "/api/v1/oauth/token", "POST"),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 405, "{method} {path}");
        let allow = response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(
            allow.split(',').any(|m| m.trim() == allowed),
            "{method} {path}: Allow: {allow}"
        );
        assert!(
            !allow.contains(method.as_str()),
            "{method} {path}: Allow: {allow}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{method} {path}"
        );
        let problem: Value = response.json().await.expect("json");
        assert_eq!(problem["type"], "method_not_allowed", "{method} {path}");
    }
    let unknown = app.get("/api/v1/no-such-thing").await;
    assert_eq!(unknown.status(), 404);
    let problem: Value = unknown.json().await.expect("json");
    assert_eq!(problem["type"], "not_found");
    server.stop().await;
}
