//! `/codes/{code}` for every form `explain` accepts, and `/codes`, the index of curated codes. A
//! code page shows what `actdoc explain` prints: message, activation types, cause, numbered steps
//! with the commands to copy, related codes, note, and the structural decode, which even an
//! unnamed code gets. Its stable address is `/codes/0xC004F074` whatever the reader typed.

use actdoc_core::{
    ActivationType, Decoded, Entry, Explanation, Lang, ReadingKind, SearchHit, Severity, explain, format_code, names,
    parse_code,
};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use crate::Shared;
use crate::html::{Section, code_href, error_page, ident, layout, path_segment, respond, rich};
use crate::pages::Ctx;
use crate::text::{Text, fill, text};

pub(crate) async fn page(State(app): State<Shared>, ctx: Ctx, code: Result<Path<String>, PathRejection>) -> Response {
    let t = text(ctx.lang);
    let input = match code {
        Ok(Path(input)) => input,
        Err(e) => {
            return error_page(
                &ctx.frame(t.not_a_code, Section::Codes),
                StatusCode::BAD_REQUEST,
                t.not_a_code,
                &e.body_text(),
            );
        }
    };
    let mut results = explain(&input, app.kb, ctx.lang);
    match results.len() {
        1 => match results.remove(0) {
            Ok(e) => one(&app, &ctx, &e),
            Err(err) => error_page(
                &ctx.frame(t.not_a_code, Section::Codes),
                StatusCode::BAD_REQUEST,
                t.not_a_code,
                &err.to_string(),
            ),
        },
        _ => several(&ctx, input.trim(), &results.into_iter().filter_map(Result::ok).collect::<Vec<_>>()),
    }
}

fn one(app: &Shared, ctx: &Ctx, e: &Explanation) -> Response {
    let t = text(ctx.lang);
    let canonical = code_href(&e.code);
    let title = match &e.name {
        Some(name) => format!("{} {name}", e.code),
        None => e.code.clone(),
    };
    let typed_differently = !e.input.eq_ignore_ascii_case(&e.code);
    let body = html! {
        nav.crumbs {
            a href="/" { (t.nav_search) } " › " a href="/codes" { (t.nav_codes) } " › " span { (e.code) }
        }
        header.code-head {
            h1 { span.code { (e.code) } }
            @match &e.name {
                Some(name) => {
                    p.name {
                        span.mono { (name) }
                        @if !e.name_official { " " span.badge.muted title=(t.descriptive_name) { (t.descriptive_name) } }
                    }
                    @if let Some(owner) = &e.name_of {
                        p.sub { (fill(t.symbol_of, owner)) }
                    }
                }
                None => p.name.none { (t.unnamed) }
            }
            @if !e.aliases.is_empty() {
                p.sub { (t.aliases) ": " span.mono { (e.aliases.join(", ")) } }
            }
            @if typed_differently || e.offset.is_some() {
                p.sub {
                    (fill(t.from_input, &e.input))
                    @if let Some(offset) = e.offset { " · " (fill(t.found_at, offset)) }
                }
            }
            @if !e.activation_type_ids.is_empty() {
                p.types {
                    @for (id, label) in e.activation_type_ids.iter().zip(&e.activation_types) {
                        a.badge.type href=(format!("/types/{id}")) { (label) }
                    }
                }
            }
            p.actions {
                a href=(canonical) rel="bookmark" { (t.permalink) }
                " · "
                a href=(format!("/api/v1/codes/{}?lang={}", path_segment(&e.code), ctx.lang.tag())) { (t.as_json) }
            }
        }
        @if let Some(likely) = &e.likely_code {
            p.callout.warn { (rich(&fill(t.likely_code, likely))) }
        }
        @if !e.curated {
            p.callout.info { (if e.name.is_some() || e.message.is_some() { t.not_curated_named } else { t.not_curated }) }
        }
        @if let Some(message) = &e.message {
            section #message {
                h2 { (t.message) }
                blockquote.message lang=[e.message_lang.map(Lang::tag)] { (message) }
                @if e.message_lang.is_some_and(|l| l != ctx.lang) { p.sub { (t.message_english_only) } }
                @if !e.message_variants.is_empty() {
                    details {
                        summary { (t.other_wordings) " (" (e.message_variants.len()) ")" }
                        ul {
                            @for (i, v) in e.message_variants.iter().enumerate() {
                                li {
                                    (v)
                                    @if e.message_variants_translated.get(i).copied().unwrap_or(false) {
                                        " " span.badge.muted { (t.our_translation) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(cause) = &e.cause {
            section #cause { h2 { (t.cause) } p { (rich(cause)) } }
        }
        @if !e.resolution.is_empty() {
            section #resolution {
                h2 { (t.resolution) }
                ol.steps { @for step in &e.resolution { li { (rich(step)) } } }
            }
        }
        @if let Some(note) = &e.note {
            section #note { h2 { (t.note) } p.callout.info { (rich(note)) } }
        }
        @if !e.checked_by.is_empty() {
            section #confirm {
                h2 { (t.confirm_with) }
                ul.confirm {
                    @for command in &e.checked_by {
                        li { (confirm_link(command, ctx.checks)) }
                    }
                }
            }
        }
        @if !e.related.is_empty() {
            section #related {
                h2 { (t.related) }
                ul.related { @for code in &e.related { li { (related(app, code, ctx.lang)) } } }
            }
        }
        @if !e.sources.is_empty() {
            section #sources {
                h2 { (t.sources) }
                ul.sources { @for source in &e.sources { li { (source) } } }
            }
        }
        section #structure {
            h2 { (t.structure) }
            (structure(t, ctx.lang, &e.decoded, e.value))
        }
        @if e.readings.len() > 1 {
            section #readings {
                h2 { (t.readings) }
                div.table-wrap { table {
                    thead { tr { th { (t.col_code) } th { (t.col_name) } th { (t.how_read) } th.num { (t.rank) } } }
                    tbody {
                        @for r in &e.readings {
                            tr {
                                td { a.code href=(code_href(&r.code)) { (r.code) } }
                                td.mono { (r.name.as_deref().unwrap_or("")) }
                                td { (reading_kind(t, r.kind)) }
                                td.num { (r.rank) }
                            }
                        }
                    }
                } }
            }
        }
    };
    let mut frame = ctx.frame(&title, Section::Codes);
    frame.canonical = Some(&canonical);
    respond(StatusCode::OK, layout(&frame, &body))
}

/// Text holding several codes: one line per code, each linking to its page.
fn several(ctx: &Ctx, input: &str, found: &[Explanation]) -> Response {
    let t = text(ctx.lang);
    let title = fill(t.several_codes, found.len());
    let body = html! {
        h1 { (title) }
        blockquote.input { (input) }
        ul.found {
            @for e in found {
                li {
                    a.code href=(code_href(&e.code)) { (e.code) }
                    @if let Some(name) = &e.name { " " span.mono { (name) } }
                    @if let Some(message) = &e.message { div.sub { (message) } }
                }
            }
        }
    };
    respond(StatusCode::OK, layout(&ctx.frame(&title, Section::Codes), &body))
}

fn confirm_link(command: &str, checks: bool) -> Markup {
    let shell = format!("actdoc {command}");
    html! {
        code.cmd { (shell) }
        @match command {
            "scan" => { " · " a href="/analyze" { "/analyze" } }
            "check" if checks => { " · " a href="/check" { "/check" } }
            _ => {}
        }
    }
}

fn related(app: &Shared, code: &str, lang: Lang) -> Markup {
    let value = parse_code(code).ok().flatten().and_then(|r| r.first().map(|r| r.value));
    let entry = value.and_then(|v| app.kb.get(v));
    let name =
        entry.map(|e| e.name.clone()).or_else(|| value.and_then(names::name_of).map(|n| n.primary().to_string()));
    html! {
        a.code href=(code_href(code)) { (code) }
        @if let Some(name) = name { " " span.mono { (name) } }
        @if let Some(entry) = entry { div.sub { (entry.message.get(lang)) } }
    }
}

fn yes_no(t: &Text, b: bool) -> &'static str {
    if b { t.yes } else { t.no }
}

fn structure(t: &Text, lang: Lang, d: &Decoded, value: u32) -> Markup {
    let severity = match d.severity {
        Severity::Failure => t.failure,
        Severity::Success => t.success,
    };
    html! {
        dl.decode {
            dt { (t.severity) } dd { (severity) " " span.sub { "(S = " (u8::from(d.severity == Severity::Failure)) ")" } }
            dt { (t.facility) } dd { (d.facility) @if let Some(name) = d.facility_name { " " span.mono { (name) } } }
            dt { (t.code_field) } dd { span.mono { (format!("0x{:04X}", d.code)) } " (" (d.code) ")" }
            @if let Some(win32) = d.win32 {
                dt { (t.win32) } dd { (win32) " " span.sub { "(HRESULT_FROM_WIN32 → " (format_code(value)) ")" } }
            }
            dt { (t.bits) }
            dd {
                ul.bits {
                    li { (t.bit_reserved) ": " (yes_no(t, d.reserved)) }
                    li { (t.bit_customer) ": " (yes_no(t, d.customer)) }
                    li { (t.bit_nt_mapped) ": " (yes_no(t, d.nt_mapped)) }
                    li { (t.bit_x) ": " (yes_no(t, d.x_bit)) }
                }
            }
            @if let Some(nt) = &d.ntstatus {
                dt { (t.as_ntstatus) }
                dd {
                    (nt.severity.label(lang)) ", " (t.facility) " " (nt.facility)
                    @if let Some(name) = nt.facility_name { " " span.mono { (name) } }
                    ", " (t.code_field) " " span.mono { (format!("0x{:04X}", nt.code)) }
                }
            }
        }
        p.bitline.mono aria-hidden="true" { (bit_groups(value)) }
    }
}

/// `1100 0000 0000 0100 …`: the 32 bits in groups of four, as the decode above reads them.
fn bit_groups(value: u32) -> String {
    (0..8).rev().map(|nibble| format!("{:04b}", (value >> (nibble * 4)) & 0xF)).collect::<Vec<_>>().join(" ")
}

fn reading_kind(t: &Text, kind: ReadingKind) -> &'static str {
    match kind {
        ReadingKind::Hex => t.reading_hex,
        ReadingKind::Win32 => t.reading_win32,
        ReadingKind::Decimal => t.reading_decimal,
        ReadingKind::SignedDecimal => t.reading_signed,
    }
}

/// `/codes`: every curated code.
pub(crate) async fn index(State(app): State<Shared>, ctx: Ctx) -> Response {
    let t = text(ctx.lang);
    let mut entries: Vec<&Entry> = app.kb.entries().iter().collect();
    entries.sort_by_key(|e| e.value);
    let body = html! {
        h1 { (t.all_codes) " " span.count { (entries.len()) } }
        p.lead { (t.all_codes_lead) }
        (entry_table(t, &entries, ctx.lang))
    };
    respond(StatusCode::OK, layout(&ctx.frame(t.all_codes, Section::Codes), &body))
}

/// Curated codes as a table: code, name, message, activation types.
pub(crate) fn entry_table(t: &Text, entries: &[&Entry], lang: Lang) -> Markup {
    html! {
        div.table-wrap { table.codes {
            thead { tr { th { (t.col_code) } th { (t.col_name) } th { (t.col_message) } th { (t.col_types) } } }
            tbody {
                @for e in entries {
                    tr {
                        td { a.code href=(code_href(&e.code)) { (e.code) } }
                        td.mono.name { (ident(&e.name)) }
                        td { (e.message.get(lang)) }
                        td.types {
                            @for kind in &e.activation_types {
                                a.badge.type href=(format!("/types/{}", kind.id())) { (kind.label(lang)) }
                            }
                        }
                    }
                }
            }
        } }
    }
}

/// Search hits as a table.
pub(crate) fn hit_table(t: &Text, hits: &[SearchHit]) -> Markup {
    html! {
        div.table-wrap { table.codes {
            thead { tr { th { (t.col_code) } th { (t.col_name) } th { (t.col_message) } th {} } }
            tbody {
                @for h in hits {
                    tr {
                        td { a.code href=(code_href(&h.code)) { (h.code) } }
                        td.mono.name { (ident(h.name.as_deref().unwrap_or(""))) }
                        td { (h.message.as_deref().unwrap_or("")) }
                        td { @if h.curated { span.badge.good { (t.curated) } } @else { span.badge.muted { (t.sdk_only) } } }
                    }
                }
            }
        } }
    }
}

/// For the type pages: whether an entry belongs to `kind`.
pub(crate) fn of_type(entry: &Entry, kind: ActivationType) -> bool {
    entry.activation_types.contains(&kind)
}
