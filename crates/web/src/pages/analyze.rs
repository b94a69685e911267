//! `/analyze`: paste slmgr output or event XML, or upload EVTX/XML/TXT files (or a folder with one
//! subfolder per machine), and get what `actdoc scan` finds. The upload is analysed once per
//! language, kept in memory, and the browser is sent to `/analyze/{id}` (reloading never uploads
//! again). That page sums the findings up with links to the codes; the full report is exactly the
//! page `actdoc scan --format html` writes, served at `/analyze/{id}/report`, and the JSON is
//! `actdoc scan --json`.

use actdoc_core::Lang;
use actdoc_report::model::{CodeRef, Finding, KmsHost, Machine, MachineState, Severity, Warning};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, RETRY_AFTER, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use crate::Shared;
use crate::analysis::{AnalyzeError, parse_as_of, run};
use crate::config::MIB;
use crate::html::{Section, code_href, error_page, layout, respond, rich};
use crate::pages::Ctx;
use crate::results::{Analysis, is_id, random_id};
use crate::security::{SESSION_LIFETIME, session_cookie, session_of};
use crate::text::{Text, fill, text};
use crate::upload::{RETRY_AFTER_BUSY, Upload, UploadError};

/// Evidence shown per finding before the rest folds away.
const OPEN_EVIDENCE: usize = 3;

fn form_markup(app: &Shared, ctx: &Ctx, error: Option<&str>, warnings: &[Warning]) -> Markup {
    let t = text(ctx.lang);
    html! {
        h1 { (t.analyze_title) }
        p.lead { (t.analyze_lead) }
        @if let Some(error) = error {
            div.callout.warn role="alert" {
                p { (error) }
                @if !warnings.is_empty() {
                    ul.items { @for w in warnings { li { span.mono { (w.file) } ": " (w.message) } } }
                }
            }
        }
        form.stack.analyze action="/analyze" method="post" enctype="multipart/form-data" {
            input type="hidden" name="lang" value=(ctx.lang.tag());
            label for="text" { (t.paste_label) }
            textarea #text name="text" rows="10" spellcheck="false"
                placeholder="Name: Windows(R), Enterprise edition\nLicense Status: Notification\nNotification Reason: 0xC004F034." {}
            p.hint { (t.paste_hint) }
            div.grid2 {
                div {
                    label for="files" { (t.files_label) }
                    input #files type="file" name="files" multiple accept=".evtx,.xml,.txt,.log,.csv,application/xml,text/plain";
                    p.hint { (t.files_hint) }
                }
                div {
                    label for="folder" { (t.folder_label) }
                    input #folder type="file" name="folder" multiple webkitdirectory;
                    p.hint { (t.folder_hint) }
                }
            }
            label for="as_of" { (t.as_of_label) }
            input #as_of type="date" name="as_of";
            p.hint { (t.as_of_hint) }
            div { button type="submit" { (t.analyze_button) } }
            p.hint { (fill(t.limits_note, app.config.upload_limit / MIB)) }
            @if app.config.redact { p.hint { (t.redact_note) } }
        }
    }
}

pub(crate) async fn form(State(app): State<Shared>, ctx: Ctx) -> Response {
    let t = text(ctx.lang);
    let body = form_markup(&app, &ctx, None, &[]);
    respond(StatusCode::OK, layout(&ctx.frame(t.analyze_title, Section::Analyze), &body))
}

/// The form again, with what went wrong.
fn refuse(app: &Shared, ctx: &Ctx, status: StatusCode, error: &str, warnings: &[Warning]) -> Response {
    let t = text(ctx.lang);
    let body = form_markup(app, ctx, Some(error), warnings);
    respond(status, layout(&ctx.frame(t.analyze_title, Section::Analyze), &body))
}

pub(crate) async fn submit(State(app): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let ctx = Ctx::new(&app, &parts.uri, &parts.headers);
    // The reader's session keeps their results apart from everyone else's; a first upload starts one.
    let (session, new_session) = match session_of(&parts.headers) {
        Some(session) => (Some(session.to_string()), false),
        None => (random_id(), true),
    };
    let Some(session) = session else {
        return refuse(&app, &ctx, StatusCode::INTERNAL_SERVER_ERROR, "no random source for a session", &[]);
    };
    let t = text(ctx.lang);
    let form = match Multipart::from_request(Request::from_parts(parts, body), &app).await {
        Ok(form) => form,
        Err(e) => return refuse(&app, &ctx, StatusCode::BAD_REQUEST, &e.body_text(), &[]),
    };
    let upload = match Upload::from_multipart(form, &app.uploads).await {
        Ok(upload) => upload,
        Err(e) if e.is_busy() => {
            let mut response = refuse(&app, &ctx, StatusCode::SERVICE_UNAVAILABLE, &e.to_string(), &[]);
            response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_BUSY));
            return response;
        }
        Err(e @ UploadError::Store(_)) => {
            return refuse(&app, &ctx, StatusCode::INTERNAL_SERVER_ERROR, &e.to_string(), &[]);
        }
        Err(e) => return refuse(&app, &ctx, StatusCode::BAD_REQUEST, &e.to_string(), &[]),
    };
    // The form carries the page's language; the results can be read in either.
    let lang = upload.lang.as_deref().and_then(|l| l.parse::<Lang>().ok()).unwrap_or(ctx.lang);
    let as_of = match upload.as_of.as_deref().map(parse_as_of).transpose() {
        Ok(as_of) => as_of,
        Err(e) => return refuse(&app, &ctx, StatusCode::BAD_REQUEST, &e, &[]),
    };
    if upload.is_empty() {
        let message = crate::error::tr(
            lang,
            "Nothing to analyze: paste slmgr output or event XML, or choose files.",
            "没有可分析的内容：请粘贴 slmgr 输出或事件 XML，或选择文件。",
        );
        return refuse(&app, &ctx, StatusCode::BAD_REQUEST, message, &[]);
    }
    let reports = match run(&app, upload, &[Lang::En, Lang::ZhCn], as_of).await {
        Ok(reports) => reports,
        Err(AnalyzeError::NothingReadable { warnings }) => {
            return refuse(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, t.nothing_readable, &warnings);
        }
        Err(AnalyzeError::Internal(message)) => {
            return refuse(&app, &ctx, StatusCode::INTERNAL_SERVER_ERROR, &message, &[]);
        }
    };
    let mut reports = reports.into_iter();
    let (Some(en), Some(zh_cn)) = (reports.next(), reports.next()) else {
        return refuse(&app, &ctx, StatusCode::INTERNAL_SERVER_ERROR, "the analysis produced no report", &[]);
    };
    let Some(id) = app.results.insert(&session, Analysis::new(en, zh_cn)) else {
        return refuse(&app, &ctx, StatusCode::INTERNAL_SERVER_ERROR, "no random source for a result id", &[]);
    };
    // See Other: the browser fetches the result with GET, so a reload does not post again.
    let mut response = Redirect::to(&format!("/analyze/{id}?lang={}", lang.tag())).into_response();
    if new_session && let Some(cookie) = session_cookie(&app, &ctx.headers, &session, SESSION_LIFETIME) {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

/// The stored analysis `id`, if it is still there.
fn stored(app: &Shared, id: &str) -> Option<std::sync::Arc<Analysis>> {
    is_id(id).then(|| app.results.get(id)).flatten()
}

/// The page that says an analysis is gone (or never was).
fn gone(ctx: &Ctx) -> Response {
    let t = text(ctx.lang);
    error_page(&ctx.frame(t.result_gone, Section::Analyze), StatusCode::NOT_FOUND, t.result_gone, t.result_gone_hint)
}

pub(crate) async fn results(State(app): State<Shared>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(analysis) = stored(&app, &id) else { return gone(&ctx) };
    let t = text(ctx.lang);
    let report = analysis.report(ctx.lang);
    let s = &report.summary;
    let cards = [
        (t.machines, s.machines, ""),
        (t.activated, s.activated, "good"),
        (t.failing, s.failing, "bad"),
        (t.kms_hosts, s.kms_hosts, ""),
        (t.errors, s.errors, "bad"),
        (t.warnings, s.warnings, "warn"),
    ];
    let expires = actdoc_logs::time::Timestamp(
        analysis.expires.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0)),
    )
    .to_rfc3339();
    let lang = ctx.lang.tag();
    let body = html! {
        h1 { (t.results_title) }
        dl.summary {
            @for (label, n, tone) in cards {
                div class=(format!("stat {}", if n == 0 { "" } else { tone })) { dt { (label) } dd { (n) } }
            }
        }
        p.actions {
            a.button href=(format!("/analyze/{id}/report?lang={lang}")) { (t.full_report) }
            a.button.secondary href=(format!("/analyze/{id}/report.json?lang={lang}")) download="actdoc-report.json" { (t.download_json) }
            a.button.secondary href=(format!("/analyze/{id}/report?lang={lang}&download=1")) download="actdoc-report.html" { (t.download_html) }
            a href="/analyze" { (t.analyze_more) }
        }
        p.sub { (fill(t.kept_until, expires.replacen('T', " ", 1).trim_end_matches('Z'))) }
        @if !report.machines.is_empty() {
            section #machines {
                h2 { (t.machines) " " span.count { (report.machines.len()) } }
                (machines(t, &report.machines))
            }
        }
        @if !report.kms_hosts.is_empty() {
            section #kms-hosts {
                h2 { (t.kms_hosts) " " span.count { (report.kms_hosts.len()) } }
                (kms_hosts(t, &report.kms_hosts))
            }
        }
        section #findings {
            h2 { (t.findings) " " span.count { (report.findings.len()) } }
            @if report.findings.is_empty() {
                p.none { (t.nothing_wrong) }
            } @else {
                ol.findings { @for f in &report.findings { (finding(t, f)) } }
            }
        }
        @if !report.warnings.is_empty() {
            section #warnings {
                h2 { (t.read_warnings) " " span.count { (report.warnings.len()) } }
                ul.items { @for w in &report.warnings { li { span.mono { (w.file) } @if let Some(o) = w.offset { " @" (o) } ": " (w.message) } } }
            }
        }
        section #sources {
            h2 { (t.files_read) " " span.count { (report.sources.len()) } }
            ul.items.sources { @for s in &report.sources { li { span.mono { (s.path) } " · " (s.format) " · " (s.hits) "/" (s.records) } } }
        }
    };
    respond(StatusCode::OK, layout(&ctx.frame(t.results_title, Section::Analyze), &body))
}

fn severity(t: &Text, s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Error => ("error", t.severity_error),
        Severity::Warning => ("warning", t.severity_warning),
        Severity::Info => ("info", t.severity_info),
    }
}

fn finding(t: &Text, f: &Finding) -> Markup {
    let (class, label) = severity(t, f.severity);
    html! {
        li.finding {
            div.head {
                span class=(format!("badge {class}")) { (label) }
                " " strong { (f.title) }
            }
            div.where {
                @if let Some(m) = &f.machine { span { (m) } }
                @if let Some(h) = &f.kms_host { " " span.mono { (h) } }
                @if let Some(code) = &f.code { " " a.code href=(code_href(code)) { (code) } }
            }
            // The first step is what to do now (as the command line's "next:"); why, and the
            // rest of the steps, fold away so a long list of findings stays readable.
            @if let Some(first) = f.resolution.first() {
                p.next { span.steps-label { (t.next_step) } (rich(first)) }
            }
            details.why {
                summary { (t.why_and_steps) }
                p { (rich(&f.explanation)) }
                @if !f.resolution.is_empty() {
                    div.steps-label { (t.steps) }
                    ol.steps { @for step in &f.resolution { li { (rich(step)) } } }
                }
            }
            @if !f.evidence.is_empty() {
                div.evidence {
                    span.steps-label { (t.evidence) }
                    ul.items {
                        @for e in f.evidence.iter().take(OPEN_EVIDENCE) { li { (evidence(e)) } }
                    }
                    @if f.evidence.len() > OPEN_EVIDENCE {
                        details {
                            summary { "+" (f.evidence.len() - OPEN_EVIDENCE) }
                            ul.items { @for e in f.evidence.iter().skip(OPEN_EVIDENCE) { li { (evidence(e)) } } }
                        }
                    }
                }
            }
        }
    }
}

fn evidence(e: &actdoc_report::model::Evidence) -> Markup {
    html! {
        span.mono {
            (e.file)
            @if let Some(id) = e.record_id { "#" (id) }
            @if let Some(line) = e.line { ":" (line) }
        }
        @if let Some(time) = e.time { @let time = time.to_string(); " @ " time datetime=(time) { (time.replacen('T', " ", 1)) } }
        @if let Some(id) = e.event_id { " · " (id) }
    }
}

/// A row per machine, then a row per product (Windows, each Office SKU) under it.
fn machines(t: &Text, machines: &[Machine]) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr {
                th { (t.col_machine) } th { (t.col_state) } th { (t.col_last_error) } th { (t.col_kms_host) } th.num { (t.col_days_left) }
            } }
            tbody {
                @for m in machines {
                    tr.machine {
                        td {
                            strong { (m.machine) }
                            div.sub { (m.source) }
                            @if let Some(cmid) = &m.cmid { div.sub.mono { (cmid) } }
                        }
                        td { (badge(t, m.state)) }
                        td { (last_error(m.last_error.as_ref())) }
                        td.mono { (m.kms_host.as_deref().unwrap_or("")) }
                        td.num { (m.days_left.map(|d| d.to_string()).unwrap_or_default()) }
                    }
                    @for p in &m.products {
                        tr.product {
                            td {
                                span.indent { (p.product.as_deref().or(p.sku.as_deref()).unwrap_or(p.app.id())) }
                                div.sub {
                                    (p.app.id())
                                    @if let Some(channel) = &p.channel { " · " (channel) }
                                    @if let Some(status) = p.license_status { " · " (status.id()) }
                                }
                                @if let Some(note) = &p.note { div.sub { (note) } }
                            }
                            td { (badge(t, p.state)) }
                            td { (last_error(p.last_error.as_ref().or(p.reason.as_ref()))) }
                            td.mono { (p.kms_host.as_deref().unwrap_or("")) }
                            td.num { (p.days_left.map(|d| d.to_string()).unwrap_or_default()) }
                        }
                    }
                }
            }
        } }
    }
}

fn badge(t: &Text, state: MachineState) -> Markup {
    let label = match state {
        MachineState::Activated => t.state_activated,
        MachineState::Failing => t.state_failing,
        MachineState::Grace => t.state_grace,
        MachineState::Unknown => t.state_unknown,
    };
    html! { span class=(format!("badge {}", state.id())) { (label) } }
}

fn last_error(e: Option<&CodeRef>) -> Markup {
    html! {
        @if let Some(e) = e {
            a.code href=(code_href(&e.code)) { (e.code) }
            @if let Some(name) = &e.name { div.sub.mono { (name) } }
        }
    }
}

fn kms_hosts(t: &Text, hosts: &[KmsHost]) -> Markup {
    html! {
        div.table-wrap { table {
            thead { tr {
                th { (t.col_kms_host) } th.num { (t.col_count) } th.num { (t.col_requests_ok) }
                th.num { (t.col_requests_failed) } th.num { (t.col_dns_failures) }
            } }
            tbody {
                @for h in hosts {
                    // The count that matters is the one its threshold applies to (25 clients, 5 servers).
                    @let counted = if h.threshold == 5 { h.servers_30d } else { h.clients_30d };
                    @let below = counted < h.threshold as usize;
                    tr {
                        td { strong.mono { (h.host) } }
                        td.num.bad[below] { (counted) " / " (h.threshold) }
                        td.num { (h.requests.ok) }
                        td.num.bad[h.requests.failed > 0] { (h.requests.failed) }
                        td.num.bad[h.dns_publishing_failures > 0] { (h.dns_publishing_failures) }
                    }
                }
            }
        } }
    }
}

/// The report page exactly as `actdoc scan --format html` writes it (`?download=1` to save it).
pub(crate) async fn report_html(State(app): State<Shared>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(analysis) = stored(&app, &id) else { return gone(&ctx) };
    let page = actdoc_report::html::render(analysis.report(ctx.lang));
    let mut response = page.into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    if crate::lang::query_param(&ctx.uri, "download").is_some_and(|v| v != "0") {
        response
            .headers_mut()
            .insert(CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"actdoc-report.html\""));
    }
    response
}

/// `actdoc scan --json` of the analysis, as a download.
pub(crate) async fn report_json(State(app): State<Shared>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(analysis) = stored(&app, &id) else { return gone(&ctx) };
    let mut response = analysis.json(ctx.lang).to_string().into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"actdoc-report.json\""));
    response
}
