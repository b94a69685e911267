//! `/api/openapi.json`: an OpenAPI 3.1 document listing every endpoint, whose schemas match the
//! answers the server really gives, field by field (so the hand-described schemas cannot drift
//! from the core and report crates' types).

use std::collections::BTreeSet;
use std::sync::Arc;

use actdoc_web::{CheckRequest, CheckRunner, WebConfig, router};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{app, fleet_parts, get, get_with, post_multipart};

async fn document(config: WebConfig) -> Value {
    let app = router(config);
    let answer = get_with(&app, "/api/openapi.json", &[("authorization", "Bearer t")]).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "application/json");
    answer.json()
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            doc.pointer(&format!("/components/schemas/{name}")).unwrap_or_else(|| panic!("no schema {name}"))
        }
        None => schema,
    }
}

fn types(schema: &Value) -> BTreeSet<String> {
    match schema.get("type") {
        Some(Value::String(t)) => [t.clone()].into(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(String::from).collect(),
        _ => BTreeSet::new(),
    }
}

/// Asserts that `value` is what `schema` describes: the same object keys, the right types and
/// nullability, recursively.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = schema.get(key).and_then(Value::as_array) {
            let nullable = variants.iter().any(|v| types(v).contains("null"));
            if value.is_null() {
                assert!(nullable, "{at}: null where the schema does not allow it");
                return;
            }
            let variant = variants.iter().find(|v| !types(v).contains("null") || types(v).len() > 1).unwrap();
            return conforms(doc, variant, value, at);
        }
    }
    let allowed = types(schema);
    match value {
        Value::Null => assert!(allowed.contains("null"), "{at}: null but the schema says {allowed:?}"),
        Value::Bool(_) => assert!(allowed.contains("boolean"), "{at}: bool but {allowed:?}"),
        Value::Number(_) => {
            assert!(allowed.contains("integer") || allowed.contains("number"), "{at}: number but {allowed:?}");
        }
        Value::String(_) => assert!(allowed.contains("string"), "{at}: string but {allowed:?}"),
        Value::Array(items) => {
            assert!(allowed.contains("array"), "{at}: array but {allowed:?}");
            for (i, item) in items.iter().enumerate().take(5) {
                conforms(doc, &schema["items"], item, &format!("{at}[{i}]"));
            }
        }
        Value::Object(fields) => {
            let properties =
                schema["properties"].as_object().unwrap_or_else(|| panic!("{at}: no properties in {schema}"));
            let documented: BTreeSet<&String> = properties.keys().collect();
            let given: BTreeSet<&String> = fields.keys().collect();
            let optional: BTreeSet<&String> = documented
                .iter()
                .copied()
                .filter(|k| !schema["required"].as_array().is_some_and(|r| r.iter().any(|x| x == *k)))
                .collect();
            assert!(
                given.is_subset(&documented),
                "{at}: undocumented fields {:?}",
                given.difference(&documented).collect::<Vec<_>>()
            );
            let missing: Vec<_> = documented.difference(&given).filter(|k| !optional.contains(*k)).collect();
            assert!(missing.is_empty(), "{at}: documented but never sent: {missing:?}");
            for (key, field) in fields {
                conforms(doc, &properties[key], field, &format!("{at}.{key}"));
            }
        }
    }
}

fn response_schema<'a>(doc: &'a Value, path: &str, method: &str, status: &str) -> &'a Value {
    let pointer =
        format!("/paths/{}/{method}/responses/{status}/content/application~1json/schema", path.replace('/', "~1"));
    doc.pointer(&pointer).unwrap_or_else(|| panic!("no schema at {pointer}"))
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_endpoint() {
    let doc = document(WebConfig::default()).await;
    assert_eq!(doc["openapi"], json!("3.1.0"));
    assert_eq!(doc["info"]["version"], json!(env!("CARGO_PKG_VERSION")));
    let paths: BTreeSet<&str> = doc["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        ["/api/v1/analyze", "/api/v1/codes/{code}", "/api/v1/explain", "/api/v1/health", "/api/v1/search"].into()
    );
    assert!(doc["paths"]["/api/v1/analyze"]["post"]["requestBody"]["content"]["multipart/form-data"].is_object());
    assert!(doc.get("security").is_none(), "no token, no security requirement");
}

struct Nothing;

impl CheckRunner for Nothing {
    fn run(&self, _: CheckRequest) -> std::pin::Pin<Box<dyn std::future::Future<Output = Value> + Send>> {
        Box::pin(async { json!({}) })
    }
}

#[tokio::test]
async fn checks_and_the_token_appear_when_configured() {
    let doc = document(WebConfig {
        token: Some("t".into()),
        checks: Some(Arc::new(Nothing)),
        allow_checks: vec!["contoso.test".into()],
        ..WebConfig::default()
    })
    .await;
    assert!(doc["paths"]["/api/v1/check"]["post"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], json!("bearer"));
    assert_eq!(doc["security"], json!([{ "bearer": [] }]));
    assert_eq!(doc["paths"]["/api/v1/health"]["get"]["security"], json!([{}]), "health stays open");
    conforms(
        &doc,
        &doc["paths"]["/api/v1/check"]["post"]["requestBody"]["content"]["application/json"]["schema"],
        &json!({ "domains": ["contoso.test"], "kms": [], "timeout_ms": 3000 }),
        "check request",
    );
}

#[tokio::test]
async fn the_schemas_match_real_answers() {
    let doc = document(WebConfig::default()).await;
    let app = app();
    for input in ["0xC004F074", "0x12345678", "1722", "hr%3D0x803F7001", "0x4004F401"] {
        let answer = get(&app, &format!("/api/v1/codes/{input}")).await;
        conforms(&doc, response_schema(&doc, "/api/v1/codes/{code}", "get", "200"), &answer.json(), input);
    }
    let bad = get(&app, "/api/v1/codes/nope").await;
    conforms(&doc, response_schema(&doc, "/api/v1/codes/{code}", "get", "400"), &bad.json(), "400");
    let several = get(&app, "/api/v1/codes/0xC004F074%200x8007232B").await;
    conforms(&doc, response_schema(&doc, "/api/v1/codes/{code}", "get", "400"), &several.json(), "400 several");
    let all = get(&app, "/api/v1/explain?q=0xC004F074%200x8007232B").await;
    conforms(&doc, response_schema(&doc, "/api/v1/explain", "get", "200"), &all.json(), "explain");
    let hits = get(&app, "/api/v1/search?q=kms").await;
    conforms(&doc, response_schema(&doc, "/api/v1/search", "get", "200"), &hits.json(), "search");
    let health = get(&app, "/api/v1/health").await;
    conforms(&doc, response_schema(&doc, "/api/v1/health", "get", "200"), &health.json(), "health");

    let parts = fleet_parts();
    let mut refs: Vec<(&str, Option<&str>, &[u8])> =
        parts.iter().map(|(name, bytes)| ("files", Some(name.as_str()), bytes.as_slice())).collect();
    let slmgr = std::fs::read(crate::support::fixture("slmgr/ws01/slmgr.txt")).unwrap();
    refs.push(("files", Some("ws01/slmgr.txt"), &slmgr));
    let report = post_multipart(&app, "/api/v1/analyze", &refs).await;
    assert_eq!(report.status, StatusCode::OK);
    conforms(&doc, response_schema(&doc, "/api/v1/analyze", "post", "200"), &report.json(), "report");
    let unreadable = post_multipart(&app, "/api/v1/analyze", &[("files", Some("x.txt"), b"words")]).await;
    conforms(&doc, response_schema(&doc, "/api/v1/analyze", "post", "422"), &unreadable.json(), "422");
}
