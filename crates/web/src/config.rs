//! What the binary decides about a server (token, limits, redaction, network checks) and the
//! interface through which it lends the web app its network checks. This crate never depends on
//! the probe crate: the binary implements [`CheckRunner`] with it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One MiB, for limits written the way people say them.
pub const MIB: usize = 1024 * 1024;

/// How the server behaves. Start from [`WebConfig::default`] (loopback-friendly, no token, 64 MiB
/// uploads, no redaction, no network checks) and set what the command line says.
#[derive(Clone)]
pub struct WebConfig {
    /// When set, every request except `/api/v1/health`, `/static/*` and `/login` must carry
    /// `Authorization: Bearer <token>` (or the `token` cookie the login form sets).
    pub token: Option<String>,
    /// Largest request body accepted, in bytes; larger ones get a readable 413.
    pub upload_limit: usize,
    /// Replace machine names, KMS host names, their DNS domains and CMIDs by stable pseudonyms in
    /// analysis results (JSON and HTML alike).
    pub redact: bool,
    /// Runs network checks for `/check` and `POST /api/v1/check`; `None` leaves both routes out.
    pub checks: Option<Arc<dyn CheckRunner>>,
    /// The only domains and KMS hosts a check may name (`--allow-checks`); exact names, compared
    /// case-insensitively, without a trailing dot and without a port.
    pub allow_checks: Vec<String>,
    /// Deadline of an ordinary request (pages, API lookups, checks).
    pub request_timeout: Duration,
    /// Deadline of an analysis, upload included: a 64 MiB upload over a slow link and a scan of
    /// many files need longer than a page.
    pub analyze_timeout: Duration,
    /// After refusing an oversized body, how much more of it is read and thrown away so that the
    /// client, still sending, reads the 413 instead of a connection reset.
    pub drain_overshoot: usize,
    /// The same, as time: draining stops after this long whatever was read.
    pub drain_time: Duration,
    /// Analyses that may run at once; more wait their turn (a scan uses every core).
    pub concurrent_analyses: usize,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            token: None,
            upload_limit: 64 * MIB,
            redact: false,
            checks: None,
            allow_checks: Vec::new(),
            request_timeout: Duration::from_secs(60),
            analyze_timeout: Duration::from_secs(600),
            drain_overshoot: 256 * MIB,
            drain_time: Duration::from_secs(5),
            concurrent_analyses: 2,
        }
    }
}

impl fmt::Debug for WebConfig {
    // The token never reaches a log line, even through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebConfig")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("upload_limit", &self.upload_limit)
            .field("redact", &self.redact)
            .field("checks", &self.checks.as_ref().map(|_| "<runner>"))
            .field("allow_checks", &self.allow_checks)
            .field("request_timeout", &self.request_timeout)
            .field("analyze_timeout", &self.analyze_timeout)
            .field("drain_overshoot", &self.drain_overshoot)
            .field("drain_time", &self.drain_time)
            .field("concurrent_analyses", &self.concurrent_analyses)
            .finish()
    }
}

/// What the web app asks the network checks to do: the same as `actdoc check --domain D...
/// --kms HOST[:PORT]... --timeout`. Every name in it is on the allow-list before a runner sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// Domains whose `_vlmcs._tcp` SRV records to look up.
    #[serde(default)]
    pub domains: Vec<String>,
    /// KMS hosts to try, `host`, `host:port` or `[IPv6]:port` (port 1688 by default).
    #[serde(default)]
    pub kms: Vec<String>,
    /// One deadline per target, in milliseconds (100 to 30000; default 3000).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

fn default_timeout_ms() -> u64 {
    3000
}

/// Runs network checks for the web app. The binary implements it with the probe crate and returns
/// the same JSON as `actdoc check --json`; the web app only relays it.
pub trait CheckRunner: Send + Sync {
    fn run(&self, request: CheckRequest) -> Pin<Box<dyn Future<Output = serde_json::Value> + Send>>;
}
