//! Generates the partner-facing Rust client from `openapi.yaml` with progenitor, so the
//! integration tests talk to the API through the published contract: a spec that disagrees
//! with the server fails them.
//!
//! progenitor reads OpenAPI 3.0 and utoipa writes 3.1, so the document is first brought down
//! to 3.0 (only what utoipa's output uses): `type: [T, "null"]` becomes `nullable`, a
//! `oneOf` of a reference and `null` becomes a nullable `allOf`, and progenitor's one success
//! type per operation keeps the 2xx answers that have a body.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Value, json};

fn to_openapi_30(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get("type").cloned() {
                let named: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
                if named.len() < types.len() {
                    map.insert("nullable".into(), json!(true));
                }
                if let [one] = named.as_slice() {
                    map.insert("type".into(), one.clone());
                }
            }
            for key in ["oneOf", "anyOf"] {
                if let Some(Value::Array(alternatives)) = map.get(key).cloned() {
                    let named: Vec<Value> = alternatives
                        .iter()
                        .filter(|a| a.get("type") != Some(&json!("null")))
                        .cloned()
                        .collect();
                    if alternatives.len() == 2 && named.len() == 1 {
                        map.remove(key);
                        map.insert("allOf".into(), Value::Array(named));
                        map.insert("nullable".into(), json!(true));
                    }
                }
            }
            if let Some(Value::Array(examples)) = map.remove("examples")
                && let Some(first) = examples.into_iter().next()
            {
                map.insert("example".into(), first);
            }
            for child in map.values_mut() {
                to_openapi_30(child);
            }
            // An optional parameter is an `Option` already; `nullable` would nest another.
            if map.contains_key("in")
                && map.contains_key("name")
                && let Some(schema) = map.get_mut("schema").and_then(Value::as_object_mut)
            {
                schema.remove("nullable");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_openapi_30),
        _ => {}
    }
}

fn main() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.yaml");
    println!("cargo:rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(&source).expect("openapi.yaml");
    let mut doc: Value = serde_norway::from_str(&text).expect("openapi.yaml is YAML");
    to_openapi_30(&mut doc);
    doc["openapi"] = json!("3.0.3");
    // 3.0 has no `webhooks`; the tests' receiver checks them against the server instead.
    doc.as_object_mut().expect("document").remove("webhooks");
    let mut ids: HashMap<String, usize> = HashMap::new();
    for item in doc["paths"].as_object_mut().expect("paths").values_mut() {
        for operation in item.as_object_mut().expect("path item").values_mut() {
            *ids.entry(
                operation["operationId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
            .or_default() += 1;
            if let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            {
                let with_body = responses
                    .iter()
                    .any(|(code, r)| code.starts_with('2') && r.get("content").is_some());
                if with_body {
                    responses
                        .retain(|code, r| !(code.starts_with('2') && r.get("content").is_none()));
                }
            }
        }
    }
    let repeated: Vec<&String> = ids
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| id)
        .collect();
    assert!(
        repeated.is_empty(),
        "operationIds must be unique: {repeated:?}"
    );
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(doc).expect("the document is OpenAPI 3.0 once converted");
    let mut generator = progenitor::Generator::new(
        progenitor::GenerationSettings::default()
            .with_interface(progenitor::InterfaceStyle::Builder)
            .with_tag(progenitor::TagStyle::Merged),
    );
    let tokens = generator
        .generate_tokens(&spec)
        .expect("progenitor generates the client");
    let code = prettyplease::unparse(&syn::parse2(tokens).expect("generated code parses"));
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("partner_client.rs");
    std::fs::write(out, code).expect("write the client");
}
