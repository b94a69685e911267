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
    /// `Authorization: Bearer <token>` (or the session cookie the login form sets).
    pub token: Option<String>,
    /// Host names, with their port, that this server answers to besides the loopback ones when no
    /// token is set (`--allow-host`, for a proxy that forwards its own name). Without a token any
    /// other `Host` is answered 421, so a web page whose name was re-pointed at 127.0.0.1 (DNS
    /// rebinding) cannot read this server.
    pub allowed_hosts: Vec<String>,
    /// The port the server listens on, which a loopback `Host` must name. [`crate::serve`] fills it
    /// in from its listener; `None` accepts a loopback name with any port.
    pub listen_port: Option<u16>,
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
    /// Uploads that may be read, stored or analysed at once; another is answered 503 at once (with
    /// `Retry-After`) rather than queued with its body half-read.
    pub concurrent_uploads: usize,
    /// Bytes all uploads together may hold in temporary files (pasted text included); an upload
    /// that would pass it is answered 503.
    pub temp_space: usize,
    /// A request head must be complete this long after the connection is ready for it (accepted,
    /// or done with the previous answer); otherwise the connection is closed (slowloris).
    pub header_read_timeout: Duration,
    /// A kept-alive connection that has not sent a byte of its next request for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections at most. When they are all open, a new one makes room by closing the one
    /// that has waited longest without a request in progress, so slow clients cannot lock out
    /// normal ones; [`crate::serve`] lowers this to what the process's file-descriptor limit allows.
    pub max_connections: usize,
    /// The only port a network check may connect to (`--check-port`): the KMS port.
    pub check_port: u16,
    /// Targets (domains plus KMS hosts) the network checks may try per minute, all askers together;
    /// a burst of one full request is allowed. More is answered 429 with `Retry-After`.
    pub check_targets_per_minute: u32,
    /// Wrong tokens (login form or bearer header) one client address may send per minute, after a
    /// burst of 10; more are answered 429 without being compared.
    pub login_attempts_per_minute: u32,
    /// Mark the session cookie `Secure` (the server is reached over HTTPS through a proxy).
    pub cookie_secure: bool,
    /// Believe the proxy in front: `X-Forwarded-Proto` / `Forwarded: proto=https` make the cookie
    /// `Secure`, and the last `X-Forwarded-For` address is the client the login throttle counts.
    /// Off by default, as anyone can send these headers.
    pub trust_proxy: bool,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            token: None,
            allowed_hosts: Vec::new(),
            listen_port: None,
            upload_limit: 64 * MIB,
            redact: false,
            checks: None,
            allow_checks: Vec::new(),
            request_timeout: Duration::from_secs(60),
            analyze_timeout: Duration::from_secs(600),
            drain_overshoot: 256 * MIB,
            drain_time: Duration::from_secs(5),
            concurrent_analyses: 2,
            concurrent_uploads: 8,
            temp_space: 1024 * MIB,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(5),
            max_connections: 1024,
            check_port: 1688,
            check_targets_per_minute: 60,
            login_attempts_per_minute: 10,
            cookie_secure: false,
            trust_proxy: false,
        }
    }
}

impl fmt::Debug for WebConfig {
    // The token never reaches a log line, even through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebConfig")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .field("allowed_hosts", &self.allowed_hosts)
            .field("listen_port", &self.listen_port)
            .field("upload_limit", &self.upload_limit)
            .field("redact", &self.redact)
            .field("checks", &self.checks.as_ref().map(|_| "<runner>"))
            .field("allow_checks", &self.allow_checks)
            .field("request_timeout", &self.request_timeout)
            .field("analyze_timeout", &self.analyze_timeout)
            .field("drain_overshoot", &self.drain_overshoot)
            .field("drain_time", &self.drain_time)
            .field("concurrent_analyses", &self.concurrent_analyses)
            .field("concurrent_uploads", &self.concurrent_uploads)
            .field("temp_space", &self.temp_space)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_connections", &self.max_connections)
            .field("check_port", &self.check_port)
            .field("check_targets_per_minute", &self.check_targets_per_minute)
            .field("login_attempts_per_minute", &self.login_attempts_per_minute)
            .field("cookie_secure", &self.cookie_secure)
            .field("trust_proxy", &self.trust_proxy)
            .finish()
    }
}

/// What the web app asks the network checks to do: the same as `actdoc check --domain D...
/// --kms HOST[:PORT]... --timeout`. Every name in it is on the allow-list before a runner sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// Domains whose `_vlmcs._tcp` SRV records to look up (DNS names; never an IP address).
    #[serde(default)]
    #[schema(max_items = 32)]
    pub domains: Vec<String>,
    /// KMS hosts to try, `host`, `host:port` or `[IPv6]:port`. The port may only be the server's
    /// KMS port (1688 unless `--check-port` says otherwise), which is also the default.
    #[serde(default)]
    #[schema(max_items = 32)]
    pub kms: Vec<String>,
    /// One deadline per target, in milliseconds (100 to 30000; default 3000).
    #[serde(default = "default_timeout_ms")]
    #[schema(minimum = 100, maximum = 30000, default = 3000)]
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
