//! The home page (one search box) and `/search`: a query that holds exactly one code goes straight
//! to that code's page; anything else gets ranked results, with the codes found in a pasted text
//! listed first.

use actdoc_core::{ActivationType, Explanation, explain, parse_code, search as search_kb};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};

use crate::Shared;
use crate::html::{Section, code_href, layout, path_segment, respond, search_form};
use crate::lang::query_param;
use crate::pages::Ctx;
use crate::pages::code::hit_table;
use crate::text::{fill, text};

/// Results the search page lists.
const PAGE_RESULTS: usize = 50;

/// Examples under the search box: each spelling `explain` accepts, and words in both languages.
const EXAMPLES: [(&str, &str); 6] = [
    ("0xC004F074", "/codes/0xC004F074"),
    ("-1073418124", "/codes/-1073418124"),
    ("1722", "/codes/1722"),
    ("c004c003", "/codes/c004c003"),
    ("DNS name does not exist", "/search?q=DNS+name+does+not+exist"),
    ("无法联系 KMS", "/search?q=%E6%97%A0%E6%B3%95%E8%81%94%E7%B3%BB+KMS"),
];

pub(crate) async fn home(State(app): State<Shared>, ctx: Ctx) -> Response {
    let t = text(ctx.lang);
    let body = html! {
        section.hero {
            h1 { (t.home_title) }
            p.lead { (t.tagline) }
            (search_form(t, "", true))
            p.examples {
                span.label { (t.examples) " " }
                @for (label, href) in EXAMPLES {
                    a.chip href=(href) { (label) }
                }
            }
        }
        div.cards {
            section.card {
                h2 { a href="/types" { (t.browse_types) } }
                ul.types {
                    @for kind in ActivationType::ALL {
                        @let count = app.kb.entries().iter().filter(|e| e.activation_types.contains(&kind)).count();
                        li {
                            a href=(format!("/types/{}", kind.id())) { (kind.label(ctx.lang)) }
                            " " span.count { (count) }
                        }
                    }
                }
                p { a href="/codes" { (t.all_codes) " (" (app.kb.entries().len()) ")" } }
            }
            section.card {
                h2 { a href="/analyze" { (t.nav_analyze) } }
                p { (t.analyze_lead) }
                p { a.button href="/analyze" { (t.nav_analyze) } }
            }
            @if ctx.checks {
                section.card {
                    h2 { a href="/check" { (t.nav_check) } }
                    p { (t.check_lead) }
                    p { a.button href="/check" { (t.nav_check) } }
                }
            }
        }
    };
    respond(StatusCode::OK, layout(&ctx.frame(t.home_title, Section::Search), &body))
}

pub(crate) async fn search(State(app): State<Shared>, ctx: Ctx) -> Response {
    let t = text(ctx.lang);
    let query = query_param(&ctx.uri, "q").unwrap_or_default();
    let q = query.trim();
    if q.is_empty() {
        return Redirect::to("/").into_response();
    }
    // A code alone keeps its spelling in the address (its page shows how it was read); a code
    // found in a pasted line goes to the code itself.
    if matches!(parse_code(q), Ok(Some(_))) {
        return Redirect::to(&code_href(q)).into_response();
    }
    let results = explain(q, app.kb, ctx.lang);
    let found: Vec<&Explanation> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    if let [only] = found.as_slice() {
        return Redirect::to(&code_href(&only.code)).into_response();
    }
    let input_error = match results.as_slice() {
        [Err(e)] if !matches!(parse_code(q), Ok(None)) => Some(e.to_string()),
        _ => None,
    };
    let hits = search_kb(q, app.kb, ctx.lang, PAGE_RESULTS);
    let title = fill(t.results_for, q);
    let body = html! {
        h1 { (title) }
        (search_form(t, q, false))
        @if let Some(error) = &input_error {
            p.callout.warn { (error) }
        }
        @if found.len() > 1 {
            section {
                h2 { (t.found_in_input) " " span.count { (found.len()) } }
                (found_list(&found))
            }
        }
        section {
            @if found.len() > 1 || !hits.is_empty() {
                h2 { (t.matching) " " span.count { (hits.len()) } }
            }
            @if hits.is_empty() {
                @if found.is_empty() {
                    p.none { (t.no_results) }
                    p.hint { (t.no_results_hint) }
                }
            } @else {
                (hit_table(t, &hits))
            }
        }
        p.api-link { a href=(format!("/api/v1/search?q={}", path_segment(q))) { (t.as_json) } }
    };
    respond(StatusCode::OK, layout(&ctx.frame(&title, Section::Search), &body))
}

fn found_list(found: &[&Explanation]) -> Markup {
    html! {
        ul.found {
            @for e in found {
                li {
                    a.code href=(code_href(&e.code)) { (e.code) }
                    @if let Some(name) = &e.name { " " span.mono { (name) } }
                    @if let Some(message) = &e.message { div.sub { (message) } }
                }
            }
        }
    }
}
