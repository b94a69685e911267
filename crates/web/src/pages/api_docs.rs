//! `/api`: the JSON API described for people, read from the same OpenAPI document the server
//! publishes at `/api/openapi.json` (so the page cannot disagree with it). No docs UI with script.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use serde_json::Value;

use crate::Shared;
use crate::html::{Section, layout, prose, respond};
use crate::pages::Ctx;
use crate::text::text;

const METHODS: [&str; 4] = ["get", "post", "put", "delete"];
/// Endpoints in the order a reader needs them; any other comes after.
const ORDER: [&str; 6] =
    ["/api/v1/codes/{code}", "/api/v1/explain", "/api/v1/search", "/api/v1/analyze", "/api/v1/check", "/api/v1/health"];

pub(crate) async fn page_handler(State(app): State<Shared>, ctx: Ctx) -> Response {
    let t = text(ctx.lang);
    let doc: Value = serde_json::from_str(&app.openapi).unwrap_or(Value::Null);
    let empty = serde_json::Map::new();
    let mut paths: Vec<(&String, &Value)> =
        doc.get("paths").and_then(Value::as_object).unwrap_or(&empty).iter().collect();
    paths.sort_by_key(|(path, _)| ORDER.iter().position(|p| p == path).unwrap_or(ORDER.len()));
    let str_of = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let body = html! {
        h1 { (t.api_title) }
        p.lead { (t.api_lead) " " a href="/api/openapi.json" { "/api/openapi.json" } }
        @if app.config.token.is_some() { p.callout.info { (t.api_auth) } }
        @for (path, item) in paths {
            @for method in METHODS {
                @if let Some(op) = item.get(method) {
                    section.endpoint {
                        h2 { span.method { (method.to_uppercase()) } " " code { (path) } }
                        p { strong { (prose(&str_of(op.get("summary")))) } }
                        @let description = str_of(op.get("description"));
                        @if !description.is_empty() { p { (prose(&description)) } }
                        @if let Some(params) = op.get("parameters").and_then(Value::as_array) {
                            ul.params {
                                @for p in params {
                                    li {
                                        code { (str_of(p.get("name"))) } " "
                                        span.sub { "(" (str_of(p.get("in"))) ")" } " "
                                        (prose(&str_of(p.get("description"))))
                                    }
                                }
                            }
                        }
                        @if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                            ul.responses {
                                @for (status, r) in responses {
                                    li { span.badge.muted { (status) } " " (prose(&str_of(r.get("description")))) }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.endpoint {
            h2 { "Examples" }
            pre {
                "curl http://127.0.0.1:8080/api/v1/codes/0xC004F074?lang=zh-CN\n"
                "curl 'http://127.0.0.1:8080/api/v1/search?q=DNS%20name&limit=5'\n"
                "curl -F files=@Application.evtx http://127.0.0.1:8080/api/v1/analyze\n"
                "curl --data-binary @slmgr.txt http://127.0.0.1:8080/api/v1/analyze"
            }
        }
    };
    respond(StatusCode::OK, layout(&ctx.frame(t.api_title, Section::Api), &body))
}
