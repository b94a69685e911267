//! `/api/v1/*`: the command line's JSON, over HTTP. `codes/{code}` answers with one element of
//! `actdoc explain --json`, `explain?q=` with the whole array, `search` with `actdoc search --json`,
//! `analyze` with `actdoc scan --json`. Errors are `{"error": ...}` (with `input` when an input was
//! at fault) and a 4xx status that says whose fault it was.

use actdoc_core::{Explanation, Lang, explain as explain_input, search as search_kb};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::Shared;
use crate::analysis::{AnalyzeError, parse_as_of, run};
use crate::checks::Refusal;
use crate::config::CheckRequest;
use crate::error::{json as json_error, json_input};
use crate::lang::{Asked, asked, query_param};
use crate::upload::{RETRY_AFTER_BUSY, Upload, UploadError};

/// Results a search returns unless `limit` says otherwise, and the most it may ask for.
pub(crate) const SEARCH_LIMIT: usize = 20;
pub(crate) const SEARCH_LIMIT_MAX: usize = 100;
/// A check request is a few names: anything bigger is not one.
const CHECK_BODY_LIMIT: usize = 64 * 1024;

/// A `?lang=` naming a language we do not speak.
struct BadLang(String);

impl IntoResponse for BadLang {
    fn into_response(self) -> Response {
        let given = self.0;
        json_input(StatusCode::BAD_REQUEST, &given, format!("unknown language `{given}`: use en or zh-CN"))
    }
}

/// The language of an API request: `?lang=` must name one we speak.
fn api_lang(uri: &Uri, headers: &HeaderMap) -> Result<Lang, BadLang> {
    match asked(uri, headers) {
        Asked::Query(lang) | Asked::Default(lang) => Ok(lang),
        Asked::BadQuery => Err(BadLang(query_param(uri, "lang").unwrap_or_default())),
    }
}

macro_rules! try_response {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        }
    };
}

/// Server status for load balancers and scripts; open even when a token is required.
#[utoipa::path(
    get, path = "/api/v1/health", tag = "meta",
    responses((status = 200, description = "The server is up", body = crate::openapi::Health))
)]
pub(crate) async fn health(State(app): State<Shared>) -> Json<Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION"), "codes": app.kb.entries().len() }))
}

/// One code, in any form `actdoc explain` accepts.
///
/// A well-formed code answers 200 with one element of `actdoc explain --json`, explained or only
/// decoded. Text that holds exactly one code answers for that code. Text holding several codes is
/// a 400 that lists them: ask for one, or use `/api/v1/explain`.
#[utoipa::path(
    get, path = "/api/v1/codes/{code}", tag = "codes",
    params(
        ("code" = String, Path, description = "0xC004F074, c004f074, -1073418124, 3221549172, 1722, or text holding one code", example = "0xC004F074"),
        ("lang" = Option<String>, Query, description = "en or zh-CN; default: the lang cookie, then Accept-Language, then en"),
    ),
    responses(
        (status = 200, description = "The explanation (curated, or a structural decode)", body = crate::openapi::ExplanationDoc),
        (status = 400, description = "Not a code, several codes, or an unknown lang ({input, error}); a path that cannot be read ({error})", body = crate::openapi::ErrorOrInputDoc),
    )
)]
pub(crate) async fn code(
    State(app): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    code: Result<Path<String>, PathRejection>,
) -> Response {
    let lang = try_response!(api_lang(&uri, &headers));
    let Path(input) = match code {
        Ok(code) => code,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, format!("the code in the path cannot be read: {e}")),
    };
    let mut results = explain_input(&input, app.kb, lang);
    if results.len() == 1 {
        return match results.remove(0) {
            Ok(explanation) => Json(explanation).into_response(),
            Err(e) => json_input(StatusCode::BAD_REQUEST, input.trim(), e.to_string()),
        };
    }
    let codes: Vec<String> = results.iter().filter_map(|r| r.as_ref().ok().map(|e| e.code.clone())).collect();
    let message = format!(
        "`{}` holds {} codes ({}): ask for one of them, or use /api/v1/explain?q= for all",
        input.trim(),
        codes.len(),
        codes.join(", ")
    );
    (StatusCode::BAD_REQUEST, Json(json!({ "input": input.trim(), "error": message, "codes": codes }))).into_response()
}

/// Everything `actdoc explain` says about one input: an array with one element per code found,
/// the same array as `actdoc explain INPUT --json`.
#[utoipa::path(
    get, path = "/api/v1/explain", tag = "codes",
    params(
        ("q" = String, Query, description = "A code in any form, or text holding codes"),
        ("lang" = Option<String>, Query, description = "en or zh-CN"),
    ),
    responses(
        (status = 200, description = "One element per code found", body = Vec<crate::openapi::ExplanationDoc>),
        (status = 400, description = "No code in the input: an array with one {input, error}; a single {input, error} for an unknown lang; {error} without q", body = crate::openapi::ExplainErrorDoc),
    )
)]
pub(crate) async fn explain(State(app): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    let lang = try_response!(api_lang(&uri, &headers));
    let Some(q) = query_param(&uri, "q") else {
        return json_error(StatusCode::BAD_REQUEST, "`q` is required: a code in any form, or text holding codes");
    };
    let results = explain_input(&q, app.kb, lang);
    let any_ok = results.iter().any(Result::is_ok);
    let items: Vec<Value> = results
        .into_iter()
        .map(|r| match r {
            Ok(e) => explanation_value(&e),
            Err(e) => json!({ "input": q.trim(), "error": e.to_string() }),
        })
        .collect();
    let status = if any_ok { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    (status, Json(items)).into_response()
}

fn explanation_value(e: &Explanation) -> Value {
    serde_json::to_value(e).unwrap_or_else(|err| json!({ "input": e.input, "error": err.to_string() }))
}

/// Ranked search over messages, causes and resolutions in both languages, plus the SDK messages
/// of every SL_* code: `actdoc search --json`.
#[utoipa::path(
    get, path = "/api/v1/search", tag = "codes",
    params(
        ("q" = String, Query, description = "Words in English or Chinese, or a code"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "1 to 100; default 20"),
        ("lang" = Option<String>, Query, description = "en or zh-CN: the language of `message`"),
    ),
    responses(
        (status = 200, description = "Best first; empty when nothing matched", body = Vec<crate::openapi::SearchHitDoc>),
        (status = 400, description = "No query ({error}), or a bad limit or lang ({input, error})", body = crate::openapi::ErrorOrInputDoc),
    )
)]
pub(crate) async fn search(State(app): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    let lang = try_response!(api_lang(&uri, &headers));
    let q = query_param(&uri, "q").unwrap_or_default();
    if q.trim().is_empty() {
        return json_error(StatusCode::BAD_REQUEST, "`q` is required: words in English or Chinese, or a code");
    }
    let limit = match query_param(&uri, "limit") {
        None => SEARCH_LIMIT,
        Some(l) => match l.trim().parse::<usize>() {
            Ok(n) if (1..=SEARCH_LIMIT_MAX).contains(&n) => n,
            _ => {
                return json_input(
                    StatusCode::BAD_REQUEST,
                    &l,
                    format!("limit `{l}` must be a number from 1 to {SEARCH_LIMIT_MAX}"),
                );
            }
        },
    };
    Json(search_kb(&q, app.kb, lang, limit)).into_response()
}

/// Analyses logs like `actdoc scan`: EVTX files, event XML and slmgr output, as a multipart form
/// (any number of files; `text` for pasted output) or as the raw body (one file). Answers with
/// `actdoc scan --json`.
#[utoipa::path(
    post, path = "/api/v1/analyze", tag = "analyze",
    params(
        ("lang" = Option<String>, Query, description = "en or zh-CN: the language of titles and explanations"),
        ("as_of" = Option<String>, Query, description = "End of the KMS count window: 2024-05-01 or an RFC 3339 time"),
    ),
    request_body(
        description = "multipart/form-data with files (any field with a file name) and optionally `text`, `lang`, `as_of`; or one file as the raw body (application/octet-stream, text/plain or application/xml)",
        content(
            (crate::openapi::AnalyzeForm = "multipart/form-data"),
            (Vec<u8> = "application/octet-stream"),
            (String = "text/plain"),
            (String = "application/xml"),
        )
    ),
    responses(
        (status = 200, description = "The scan report", body = crate::openapi::ReportDoc),
        (status = 400, description = "Nothing sent, an unreadable form, an unknown field ({error}), or a bad parameter ({input, error})", body = crate::openapi::ErrorOrInputDoc),
        (status = 413, description = "Larger than the upload limit", body = crate::openapi::ErrorDoc),
        (status = 503, description = "Too many uploads at once, or their temporary space is full; `Retry-After` says when to try again", body = crate::openapi::ErrorDoc),
        (status = 422, description = "Nothing readable in what was sent", body = crate::openapi::NothingReadableDoc),
    )
)]
pub(crate) async fn analyze(State(app): State<Shared>, request: Request) -> Response {
    let uri = request.uri().clone();
    let lang = try_response!(api_lang(&uri, request.headers()));
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"));
    let upload = if multipart {
        match Multipart::from_request(request, &app).await {
            Ok(form) => Upload::from_multipart(form, &app.uploads).await,
            Err(e) => Err(UploadError::Unreadable(e.body_text())),
        }
    } else {
        Upload::from_body(request.into_body(), &app.uploads).await
    };
    let upload = match upload {
        Ok(upload) => upload,
        Err(e) if e.is_busy() => {
            let mut response = json_error(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_BUSY));
            return response;
        }
        Err(e @ UploadError::Store(_)) => return json_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    // A form field counts when the query does not say.
    let lang = match (query_param(&uri, "lang"), upload.lang.as_deref()) {
        (None, Some(field)) => match field.parse::<Lang>() {
            Ok(lang) => lang,
            Err(e) => return json_input(StatusCode::BAD_REQUEST, field, e),
        },
        _ => lang,
    };
    let as_of = match query_param(&uri, "as_of").or_else(|| upload.as_of.clone()).filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(s) => match parse_as_of(&s) {
            Ok(t) => Some(t),
            Err(e) => return json_input(StatusCode::BAD_REQUEST, &s, e),
        },
    };
    if upload.is_empty() {
        return json_error(
            StatusCode::BAD_REQUEST,
            "nothing to analyze: send files as multipart/form-data, or one file as the request body",
        );
    }
    match run(&app, upload, &[lang], as_of).await {
        Ok(mut reports) => match reports.pop() {
            Some(report) => Json(report).into_response(),
            None => json_error(StatusCode::INTERNAL_SERVER_ERROR, "the analysis produced no report"),
        },
        Err(AnalyzeError::NothingReadable { warnings }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "nothing readable: no event log (EVTX, event XML, collector JSON lines), doctor bundle, or slmgr, ospp.vbs or PowerShell output in what was sent",
                "warnings": warnings,
            })),
        )
            .into_response(),
        Err(AnalyzeError::Internal(message)) => json_error(StatusCode::INTERNAL_SERVER_ERROR, message),
    }
}

/// Network checks from this server, only for names on its `--allow-checks` list and only on the
/// KMS port: any other name or port is refused with 403 before anything is sent. Answers with
/// `actdoc check --json`, without the server's DNS servers or a service's reply bytes. Present only
/// when the server runs with `--allow-checks`; rate-limited across all askers.
#[utoipa::path(
    post, path = "/api/v1/check", tag = "check",
    request_body(content = CheckRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The result of `actdoc check --json`", body = Object),
        (status = 400, description = "Not a check request (bad JSON, no target, a malformed name, an IP address as a domain, timeout out of range)", body = crate::openapi::ErrorOrInputDoc),
        (status = 403, description = "A domain or host that is not allowed, or a port other than the KMS port; `input` names it", body = crate::openapi::InputErrorDoc),
        (status = 429, description = "Too many checks lately; `Retry-After` says when to try again", body = crate::openapi::ErrorDoc),
    )
)]
pub(crate) async fn check(State(app): State<Shared>, body: Bytes) -> Response {
    if app.config.checks.is_none() {
        return json_error(StatusCode::NOT_FOUND, "network checks are not enabled on this server");
    }
    if body.len() > CHECK_BODY_LIMIT {
        return json_error(StatusCode::PAYLOAD_TOO_LARGE, "a check request is a few names, not this much");
    }
    let request: CheckRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return json_error(
                StatusCode::BAD_REQUEST,
                format!("not a check request: {e}; send {{\"domains\": [...], \"kms\": [...], \"timeout_ms\": 3000}}"),
            );
        }
    };
    match run_check(&app, &request).await {
        Ok(answer) => Json(answer).into_response(),
        Err(CheckFailure::Refused(refusal)) => refusal_response(&app, &refusal),
        Err(CheckFailure::Limited(wait)) => {
            let seconds = crate::throttle::retry_after(wait);
            let mut response = json_error(
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many network checks from this server lately: try again in {seconds} s"),
            );
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
        Err(CheckFailure::Runner(message)) => json_input(StatusCode::BAD_REQUEST, "", message),
    }
}

/// Why a check did not run, or ran into the runner's own refusal.
#[derive(Debug)]
pub(crate) enum CheckFailure {
    Refused(Refusal),
    /// The check budget is spent; try again after this long.
    Limited(std::time::Duration),
    /// The runner refused the input (`{"error": ...}` instead of a report).
    Runner(String),
}

/// Vets `request`, spends its targets from the check budget, runs it and scrubs the answer.
pub(crate) async fn run_check(app: &Shared, request: &CheckRequest) -> Result<Value, CheckFailure> {
    let runner =
        app.config.checks.clone().ok_or_else(|| CheckFailure::Runner("network checks are not enabled".into()))?;
    let vetted = app.allow.vet(request).map_err(CheckFailure::Refused)?;
    let targets = u32::try_from(vetted.domains.len() + vetted.kms.len()).unwrap_or(u32::MAX);
    app.check_budget.take(&(), targets).map_err(CheckFailure::Limited)?;
    let mut answer = runner.run(vetted).await;
    if answer.get("checks").is_none()
        && let Some(error) = answer.get("error")
    {
        return Err(CheckFailure::Runner(error.as_str().map_or_else(|| error.to_string(), str::to_string)));
    }
    crate::checks::scrub(&mut answer);
    Ok(answer)
}

pub(crate) fn refusal_response(app: &Shared, refusal: &Refusal) -> Response {
    match refusal {
        Refusal::NotAllowed { host, message } => {
            json_input(StatusCode::FORBIDDEN, host, message.clone().unwrap_or_else(|| not_allowed_message(app, host)))
        }
        Refusal::Invalid { input, message } => json_input(StatusCode::BAD_REQUEST, input, message.clone()),
    }
}

pub(crate) fn not_allowed_message(app: &Shared, host: &str) -> String {
    let allowed = app.allow.names();
    if allowed.is_empty() {
        format!("`{host}` may not be checked from this server: its --allow-checks list is empty")
    } else {
        format!("`{host}` may not be checked from this server; it allows only: {}", allowed.join(", "))
    }
}
