//! `/check`: the network checks of `actdoc check`, from this server, for the names its
//! `--allow-checks` list holds. The form posts plain fields; the result is the runner's JSON shown
//! as the command line's findings (status, title, subject, evidence, the codes it explains, the
//! next step), with the whole JSON folded below.

use axum::Form;
use axum::extract::State;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use crate::Shared;
use crate::api::{CheckFailure, not_allowed_message, run_check};
use crate::checks::{Refusal, TIMEOUT_MS};
use crate::config::CheckRequest;
use crate::html::{Section, code_href, layout, respond, rich};
use crate::pages::Ctx;
use crate::text::{Text, fill, text};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CheckForm {
    #[serde(default)]
    domains: String,
    #[serde(default)]
    kms: String,
    #[serde(default)]
    timeout_ms: String,
}

/// Names typed one per line, or separated by commas or spaces.
fn names(field: &str) -> Vec<String> {
    field.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(ToString::to_string).collect()
}

fn form_markup(app: &Shared, t: &Text, form: &CheckForm, error: Option<&str>) -> Markup {
    let timeout = if form.timeout_ms.is_empty() { "3000" } else { form.timeout_ms.as_str() };
    html! {
        h1 { (t.check_title) }
        p.lead { (t.check_lead) }
        p.sub { (fill(t.allowed_here, app.allow.names().join(", "))) }
        @if let Some(error) = error { p.callout.warn role="alert" { (error) } }
        form.stack.check action="/check" method="post" {
            label for="domains" { (t.domains_label) }
            input #domains type="text" name="domains" value=(form.domains) placeholder="contoso.com" autocomplete="off" spellcheck="false";
            label for="kms" { (fill(t.kms_label, app.allow.port())) }
            input #kms type="text" name="kms" value=(form.kms) placeholder="kms01.contoso.com" autocomplete="off" spellcheck="false";
            label for="timeout_ms" { (t.timeout_label) }
            input #timeout_ms type="number" name="timeout_ms" value=(timeout) min=(TIMEOUT_MS.start()) max=(TIMEOUT_MS.end()) step="100";
            div { button type="submit" { (t.check_button) } }
        }
    }
}

pub(crate) async fn form(State(app): State<Shared>, ctx: Ctx) -> Response {
    let t = text(ctx.lang);
    let body = form_markup(&app, t, &CheckForm::default(), None);
    respond(StatusCode::OK, layout(&ctx.frame(t.check_title, Section::Check), &body))
}

pub(crate) async fn submit(State(app): State<Shared>, ctx: Ctx, Form(form): Form<CheckForm>) -> Response {
    let t = text(ctx.lang);
    if app.config.checks.is_none() {
        return crate::error::for_request(
            &app,
            &ctx.uri,
            &ctx.headers,
            StatusCode::NOT_FOUND,
            t.not_found,
            t.not_found_hint,
        );
    }
    let timeout_ms = form.timeout_ms.trim();
    let request = CheckRequest {
        domains: names(&form.domains),
        kms: names(&form.kms),
        timeout_ms: if timeout_ms.is_empty() { 3000 } else { timeout_ms.parse().unwrap_or(0) },
    };
    let (status, message, retry) = match run_check(&app, &request).await {
        Ok(result) => {
            let body = html! {
                (form_markup(&app, t, &form, None))
                section.check-result {
                    h2 { (t.check_result) }
                    (result_markup(t, &result))
                }
            };
            return respond(StatusCode::OK, layout(&ctx.frame(t.check_title, Section::Check), &body));
        }
        Err(CheckFailure::Refused(Refusal::NotAllowed { host, message })) => {
            (StatusCode::FORBIDDEN, message.unwrap_or_else(|| not_allowed_message(&app, &host)), None)
        }
        Err(CheckFailure::Refused(Refusal::Invalid { message, .. }) | CheckFailure::Runner(message)) => {
            (StatusCode::BAD_REQUEST, message, None)
        }
        Err(CheckFailure::Limited(wait)) => {
            let seconds = crate::throttle::retry_after(wait);
            (StatusCode::TOO_MANY_REQUESTS, fill(t.checks_limited, seconds), Some(seconds))
        }
    };
    let body = form_markup(&app, t, &form, Some(&message));
    let mut response = respond(status, layout(&ctx.frame(t.check_title, Section::Check), &body));
    if let Some(seconds) = retry {
        response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The checks of `actdoc check --json` as rows; anything else is shown as JSON only.
fn result_markup(t: &Text, result: &Value) -> Markup {
    let checks = result.get("checks").and_then(Value::as_array);
    let count = |key: &str| result.pointer(&format!("/summary/{key}")).and_then(Value::as_u64).unwrap_or(0);
    let pretty = serde_json::to_string_pretty(result).unwrap_or_default();
    html! {
        @if let Some(checks) = checks {
            p.summary-line {
                span.badge.good { (count("pass")) " " (t.status_pass) } " "
                span.badge.warning { (count("warn")) " " (t.status_warn) } " "
                span.badge.error { (count("fail")) " " (t.status_fail) }
            }
            ul.checks {
                @for check in checks {
                    @let field = |k: &str| check.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    @let status = field("status");
                    li.check {
                        span class=(format!("badge {}", match status.as_str() { "pass" => "good", "warn" => "warning", _ => "error" })) {
                            (match status.as_str() { "pass" => t.status_pass, "warn" => t.status_warn, _ => t.status_fail })
                        }
                        " " strong { (field("title")) } " " span.mono { (field("subject")) }
                        @if !field("evidence").is_empty() { div.sub { (field("evidence")) } }
                        @if let Some(codes) = check.get("explains").and_then(Value::as_array).filter(|c| !c.is_empty()) {
                            div { (t.explains) ": "
                                @for code in codes.iter().filter_map(Value::as_str) { a.code href=(code_href(code)) { (code) } " " }
                            }
                        }
                        @if !field("next_step").is_empty() { div { (t.next_step) ": " (rich(&field("next_step"))) } }
                    }
                }
            }
        }
        details.raw open[checks.is_none()] {
            summary { (t.raw_result) }
            pre { (pretty) }
        }
    }
}
