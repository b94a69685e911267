//! `/types` and `/types/{mak|kms|kms-client|kms-host|ad-based|retail}`: the curated codes by
//! activation method, as the source article's table groups them.

use actdoc_core::{ActivationType, Entry};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;

use crate::Shared;
use crate::html::{Section, error_page, layout, respond};
use crate::pages::Ctx;
use crate::pages::code::{entry_table, of_type};
use crate::text::{fill, text, type_description};

pub(crate) async fn index(State(app): State<Shared>, ctx: Ctx) -> Response {
    let t = text(ctx.lang);
    let body = html! {
        h1 { (t.types_title) }
        p.lead { (t.types_lead) }
        div.cards.types {
            @for kind in ActivationType::ALL {
                @let count = app.kb.entries().iter().filter(|e| of_type(e, kind)).count();
                a.card.type-card href=(format!("/types/{}", kind.id())) {
                    h2 { (kind.label(ctx.lang)) }
                    p { (type_description(kind, ctx.lang)) }
                    p.count { (fill(t.codes_count, count)) }
                }
            }
        }
    };
    respond(StatusCode::OK, layout(&ctx.frame(t.types_title, Section::Browse), &body))
}

pub(crate) async fn page_of(State(app): State<Shared>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let t = text(ctx.lang);
    let Some(kind) = ActivationType::from_id(&id) else {
        return error_page(
            &ctx.frame(t.not_found, Section::Browse),
            StatusCode::NOT_FOUND,
            t.not_found,
            t.not_found_hint,
        );
    };
    let mut entries: Vec<&Entry> = app.kb.entries().iter().filter(|e| of_type(e, kind)).collect();
    entries.sort_by_key(|e| e.value);
    let label = kind.label(ctx.lang);
    let body = html! {
        nav.crumbs { a href="/types" { (t.types_title) } " › " span { (label) } }
        h1 { (label) " " span.count { (entries.len()) } }
        p.lead { (type_description(kind, ctx.lang)) }
        nav.type-switch {
            @for other in ActivationType::ALL {
                @if other == kind {
                    span.badge.type.current aria-current="page" { (other.label(ctx.lang)) }
                } @else {
                    a.badge.type href=(format!("/types/{}", other.id())) { (other.label(ctx.lang)) }
                }
            }
        }
        @if entries.is_empty() {
            p.none { (t.no_codes_of_type) }
        } @else {
            (entry_table(t, &entries, ctx.lang))
        }
    };
    let canonical = format!("/types/{}", kind.id());
    let mut frame = ctx.frame(label, Section::Browse);
    frame.canonical = Some(&canonical);
    respond(StatusCode::OK, layout(&frame, &body))
}
