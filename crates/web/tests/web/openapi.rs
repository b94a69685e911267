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
/// nullability, recursively; with `oneOf`/`anyOf`, at least one variant.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) {
    if let Err(why) = check(doc, schema, value, at) {
        panic!("{why}");
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(doc, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(variants) = schema.get(key).and_then(Value::as_array) {
            let mut why = Vec::new();
            for variant in variants {
                match check(doc, variant, value, at) {
                    Ok(()) => return Ok(()),
                    Err(e) => why.push(e),
                }
            }
            return Err(format!("{at}: no variant of {key} matches: {}", why.join("; ")));
        }
    }
    let allowed = types(schema);
    let ensure =
        |ok: bool, what: &str| if ok { Ok(()) } else { Err(format!("{at}: {what} but the schema says {allowed:?}")) };
    match value {
        Value::Null => ensure(allowed.contains("null"), "null"),
        Value::Bool(_) => ensure(allowed.contains("boolean"), "bool"),
        Value::Number(_) => ensure(allowed.contains("integer") || allowed.contains("number"), "number"),
        Value::String(_) => ensure(allowed.contains("string"), "string"),
        Value::Array(items) => {
            ensure(allowed.contains("array"), "array")?;
            for (i, item) in items.iter().enumerate().take(5) {
                check(doc, &schema["items"], item, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        Value::Object(fields) => {
            let properties =
                schema["properties"].as_object().ok_or_else(|| format!("{at}: no properties in {schema}"))?;
            let documented: BTreeSet<&String> = properties.keys().collect();
            let given: BTreeSet<&String> = fields.keys().collect();
            let optional: BTreeSet<&String> = documented
                .iter()
                .copied()
                .filter(|k| !schema["required"].as_array().is_some_and(|r| r.iter().any(|x| x == *k)))
                .collect();
            let undocumented: Vec<_> = given.difference(&documented).collect();
            if !undocumented.is_empty() {
                return Err(format!("{at}: undocumented fields {undocumented:?}"));
            }
            let missing: Vec<_> = documented.difference(&given).filter(|k| !optional.contains(*k)).collect();
            if !missing.is_empty() {
                return Err(format!("{at}: documented but never sent: {missing:?}"));
            }
            for (key, field) in fields {
                check(doc, &properties[key], field, &format!("{at}.{key}"))?;
            }
            Ok(())
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

#[tokio::test]
async fn the_schemas_document_the_401_and_every_shape_of_the_explain_400() {
    // `document` signs in with the token `t`.
    let locked = router(WebConfig { token: Some("t".into()), ..WebConfig::default() });
    let doc = document(WebConfig { token: Some("t".into()), ..WebConfig::default() }).await;
    for (path, method, uri) in [
        ("/api/v1/codes/{code}", "get", "/api/v1/codes/1722"),
        ("/api/v1/explain", "get", "/api/v1/explain?q=1722"),
        ("/api/v1/search", "get", "/api/v1/search?q=kms"),
    ] {
        let answer = get(&locked, uri).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        conforms(&doc, response_schema(&doc, path, method, "401"), &answer.json(), &format!("401 {uri}"));
    }
    let analyze = crate::support::send(
        &locked,
        axum::http::Request::post("/api/v1/analyze").body(axum::body::Body::from("x")).unwrap(),
    )
    .await;
    assert_eq!(analyze.status, StatusCode::UNAUTHORIZED);
    conforms(&doc, response_schema(&doc, "/api/v1/analyze", "post", "401"), &analyze.json(), "401 analyze");
    assert!(doc.pointer("/paths/~1api~1v1~1health/get/responses/401").is_none(), "health needs no token");

    let doc = document(WebConfig::default()).await;
    let app = app();
    for uri in ["/api/v1/explain?q=nothing%20here", "/api/v1/explain", "/api/v1/explain?q=1722&lang=klingon"] {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        conforms(&doc, response_schema(&doc, "/api/v1/explain", "get", "400"), &answer.json(), uri);
    }
    let bad_lang = get(&app, "/api/v1/search?q=kms&lang=klingon").await;
    conforms(&doc, response_schema(&doc, "/api/v1/search", "get", "400"), &bad_lang.json(), "search lang");
}

#[tokio::test]
async fn what_the_schema_allows_is_accepted() {
    let doc = document(WebConfig::default()).await;
    let params = doc["paths"]["/api/v1/search"]["get"]["parameters"].as_array().unwrap();
    let limit = params.iter().find(|p| p["name"] == json!("limit")).unwrap();
    let (low, high) = (limit["schema"]["minimum"].as_u64().unwrap(), limit["schema"]["maximum"].as_u64().unwrap());
    let app = app();
    for n in [low, high] {
        assert_eq!(get(&app, &format!("/api/v1/search?q=kms&limit={n}")).await.status, StatusCode::OK, "limit={n}");
    }
    for n in [low - 1, high + 1] {
        assert_eq!(get(&app, &format!("/api/v1/search?q=kms&limit={n}")).await.status, StatusCode::BAD_REQUEST);
    }
    for name in ["/api/v1/codes/{code}", "/api/v1/explain", "/api/v1/search"] {
        let params = doc["paths"][name]["get"]["parameters"].as_array().unwrap();
        let lang = params.iter().find(|p| p["name"] == json!("lang")).unwrap();
        let values: Vec<&str> = lang["schema"]["enum"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        assert!(values.contains(&"en") && values.contains(&"zh-CN"), "{name}: {lang}");
        for value in values {
            let uri = format!("{}?q=1722&lang={value}", name.replace("{code}", "1722"));
            assert_eq!(get(&app, &uri).await.status, StatusCode::OK, "{uri}");
        }
    }
    let checks = document(WebConfig {
        checks: Some(Arc::new(Nothing)),
        allow_checks: vec!["contoso.test".into()],
        ..WebConfig::default()
    })
    .await;
    let timeout = &checks["components"]["schemas"]["CheckRequest"]["properties"]["timeout_ms"];
    assert_eq!((timeout["minimum"].as_u64(), timeout["maximum"].as_u64()), (Some(100), Some(30_000)), "{timeout}");
    let kms = &checks["components"]["schemas"]["CheckRequest"]["properties"]["kms"];
    assert!(kms["description"].as_str().unwrap().contains("1688"), "{kms}");
}
