//! Activation Doctor as a web app and a JSON API: [`router`] serves the same knowledge base, scan
//! and report as the `actdoc` command line, for people who will not install a CLI. Pages are
//! rendered on the server and work without JavaScript; the API answers with the JSON contracts of
//! `actdoc explain --json` and `actdoc scan --json`.
//!
//! This crate builds the router and serves it on a listener ([`serve`], with the connection bounds
//! against slow clients); binding, TLS and signals belong to the binary. It never opens a file a
//! request names, never reaches the network except through the [`CheckRunner`] the binary lends
//! it, and never sends a page that runs inline script.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod analysis;
mod api;
mod assets;
mod checks;
mod config;
mod error;
mod html;
mod lang;
mod limit;
mod openapi;
mod pages;
mod redact;
mod results;
mod security;
mod server;
mod text;
mod throttle;
mod upload;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use actdoc_core::{Kb, Products};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};
use tokio::sync::Semaphore;

pub use config::{CheckRequest, CheckRunner, MIB, WebConfig};
pub use server::serve;

/// What every handler shares: the configuration and the knowledge the answers come from.
#[derive(Debug)]
pub(crate) struct App {
    pub config: WebConfig,
    pub kb: &'static Kb,
    pub products: &'static Products,
    pub results: results::Store,
    /// One permit per analysis allowed to run at once.
    pub analyses: Arc<Semaphore>,
    /// Uploads in progress and the temporary space they hold.
    pub uploads: Arc<upload::Budget>,
    pub allow: checks::AllowList,
    /// Signed-in sessions of the login form.
    pub sessions: security::Sessions,
    /// Wrong tokens per client address.
    pub guesses: throttle::Throttle<Option<IpAddr>>,
    /// Network-check targets, all askers together.
    pub check_budget: throttle::Throttle<()>,
    /// `/api/openapi.json`, built once: it depends only on the configuration.
    pub openapi: String,
}

pub(crate) type Shared = Arc<App>;

impl App {
    fn new(config: WebConfig) -> Result<App, String> {
        let kb = Kb::embedded().map_err(|e| format!("the knowledge base does not load: {e}"))?;
        let products = Products::embedded()?;
        let openapi = openapi::document_json(&config);
        Ok(App {
            kb,
            products,
            results: results::Store::default(),
            analyses: Arc::new(Semaphore::new(config.concurrent_analyses.max(1))),
            uploads: Arc::new(upload::Budget::new(config.concurrent_uploads, config.temp_space)),
            allow: checks::AllowList::new(&config.allow_checks, config.check_port),
            sessions: security::Sessions::default(),
            guesses: throttle::Throttle::new(security::GUESS_BURST, config.login_attempts_per_minute),
            check_budget: throttle::Throttle::new(checks::MAX_TARGETS_U32, config.check_targets_per_minute),
            openapi,
            config,
        })
    }
}

/// The whole web app: pages, `/api/v1/*`, `/api/openapi.json` and `/static/*`, with the security
/// headers, the bearer token, the upload limit and the timeouts of `config` applied to every route.
pub fn router(config: WebConfig) -> Router {
    match App::new(config) {
        Ok(app) => routes(Arc::new(app)),
        // Cannot happen with a knowledge base the tests passed; if it does, say so on every request
        // instead of taking the server down.
        Err(message) => error::broken(message),
    }
}

fn routes(app: Shared) -> Router {
    let mut quick = Router::new()
        .route("/", get(pages::home::home))
        .route("/search", get(pages::home::search))
        .route("/codes", get(pages::code::index))
        .route("/codes/{*code}", get(pages::code::page))
        .route("/types", get(pages::types::index))
        .route("/types/{id}", get(pages::types::page_of))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/api", get(pages::api_docs::page_handler))
        .route("/static/site.css", get(assets::css))
        .route("/static/site.js", get(assets::js))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/v1/health", get(api::health))
        .route("/api/v1/codes/{*code}", get(api::code))
        .route("/api/v1/explain", get(api::explain))
        .route("/api/v1/search", get(api::search));
    if app.config.checks.is_some() {
        quick = quick
            .route("/check", get(pages::check::form).post(pages::check::submit))
            .route("/api/v1/check", post(api::check));
    }
    let quick = quick.layer(from_fn_with_state((app.clone(), app.config.request_timeout), security::deadline));

    let slow = Router::new()
        .route("/analyze", get(pages::analyze::form).post(pages::analyze::submit))
        .route("/analyze/{id}", get(pages::analyze::results))
        .route("/analyze/{id}/report", get(pages::analyze::report_html))
        .route("/analyze/{id}/report.json", get(pages::analyze::report_json))
        .route("/api/v1/analyze", post(api::analyze))
        .layer(from_fn_with_state((app.clone(), app.config.analyze_timeout), security::deadline));

    // The last layer added is the outermost: security headers wrap everything, even a 401, 413
    // or a timeout produced by the layers inside them.
    quick
        .merge(slow)
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        // Our own limit (below) replaces axum's 2 MB default, and answers 413 readably.
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(app.clone(), limit::enforce))
        .layer(from_fn(lang::remember))
        .layer(from_fn_with_state(app.clone(), security::auth))
        .layer(from_fn(security::same_origin))
        .layer(from_fn_with_state(app.clone(), security::host))
        .layer(from_fn(security::headers))
        .with_state(app)
}

/// How long uploaded results stay in memory.
pub(crate) const RESULT_LIFETIME: Duration = Duration::from_secs(3600);
