//! The server-rendered pages, one module per part of the site. Each works without JavaScript;
//! every form is a plain GET or POST.

pub(crate) mod analyze;
pub(crate) mod api_docs;
pub(crate) mod check;
pub(crate) mod code;
pub(crate) mod home;
pub(crate) mod login;
pub(crate) mod types;

use actdoc_core::Lang;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri};

use crate::Shared;
use crate::html::{Frame, Section};
use crate::security::signed_in;

/// What every page needs to know about its request.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub lang: Lang,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub checks: bool,
    pub signed_in: bool,
}

impl Ctx {
    pub(crate) fn new(app: &Shared, uri: &Uri, headers: &HeaderMap) -> Ctx {
        Ctx {
            lang: crate::lang::of(uri, headers),
            uri: uri.clone(),
            headers: headers.clone(),
            checks: app.config.checks.is_some(),
            signed_in: signed_in(app, headers),
        }
    }

    pub(crate) fn frame<'a>(&'a self, title: &'a str, section: Section) -> Frame<'a> {
        Frame {
            lang: self.lang,
            title,
            section,
            uri: &self.uri,
            canonical: None,
            checks: self.checks,
            signed_in: self.signed_in,
            header_search: section != Section::Search,
        }
    }
}

impl FromRequestParts<Shared> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Self, Self::Rejection> {
        Ok(Ctx::new(app, &parts.uri, &parts.headers))
    }
}
