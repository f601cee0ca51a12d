use serde_json::Value;

use crate::helpers::{TestApp, both_backends};

both_backends!(
    branches_are_seeded_with_their_services,
    services_list_documents_and_fees,
    unknown_api_paths_are_problem_json
);

async fn branches_are_seeded_with_their_services(app: TestApp) {
    let response = app.get("/api/v1/branches").await;
    assert_eq!(response.status(), 200);
    let branches: Vec<Value> = response.json().await.expect("json");
    assert!(branches.len() >= 10, "{} branches", branches.len());
    let states: std::collections::BTreeSet<&str> = branches
        .iter()
        .filter_map(|b| b["state"].as_str())
        .collect();
    for state in [
        "PJY", "KUL", "SGR", "JHR", "PNG", "KDH", "KTN", "SBH", "SWK",
    ] {
        assert!(states.contains(state), "no branch in {state}");
    }
    let hq = branches
        .iter()
        .find(|b| b["code"] == "PJY-HQ")
        .expect("headquarters");
    assert_eq!(hq["address"]["postcode"], "62550");
    let offers_pr = |b: &&Value| {
        b["services"]
            .as_array()
            .is_some_and(|s| s.iter().any(|o| o["service"] == "permanent_residence"))
    };
    let pr: Vec<&Value> = branches.iter().filter(offers_pr).collect();
    assert_eq!(pr.len(), 1, "permanent residence only at headquarters");
    assert_eq!(pr[0]["code"], "PJY-HQ");
}

async fn services_list_documents_and_fees(app: TestApp) {
    let services: Vec<Value> = app
        .get("/api/v1/services")
        .await
        .json()
        .await
        .expect("json");
    assert!(services.len() >= 10);
    let passport = services
        .iter()
        .find(|s| s["code"] == "passport_new")
        .expect("new passport");
    assert_eq!(passport["fee_sen"], 20000);
    assert!(
        passport["documents"]
            .as_array()
            .is_some_and(|d| !d.is_empty())
    );
    assert!(
        passport["name"]["ms"]
            .as_str()
            .is_some_and(|n| n.contains("Pasport"))
    );
}

async fn unknown_api_paths_are_problem_json(app: TestApp) {
    let response = app.get("/api/v1/nothing-here").await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"].to_str().expect("header"),
        "application/problem+json"
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["type"], "not_found");
}
