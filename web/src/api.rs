//! Calls to the Temujanji API (same origin).

use gloo_net::http::Request;
use temujanji_shared::wire::Branch;

/// `GET /api/v1/branches`, decoded into the shared wire type.
pub async fn branches() -> Result<Vec<Branch>, String> {
    let response = Request::get("/api/v1/branches")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    response.json().await.map_err(|e| e.to_string())
}
