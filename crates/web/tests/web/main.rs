//! The web app as a browser or a script meets it: every route and status, the security headers,
//! the token, the upload limit (also over a real socket), analysis of real logs, redaction, the
//! network-check allow-list, the OpenAPI document and the connection bounds of `serve`. Everything
//! but the socket tests goes through `tower::ServiceExt::oneshot` on the router.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod analyze;
mod api;
mod checks;
mod limits;
mod openapi;
mod pages;
mod security;
mod server;
mod support;
