//! `actdoc serve`: the web app and JSON API for a helpdesk, from this one binary. The web crate
//! provides the router; this file binds it, decides the safety settings from the flags, and lends
//! it the network checks of the probe crate (the web crate never depends on the probe).

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use actdoc_core::{Kb, Lang};
use actdoc_probe::target::{KMS_PORT, parse_domain, parse_host_port};
use actdoc_probe::{CheckOptions, run_checks};
use actdoc_web::{CheckRequest, CheckRunner, MIB, WebConfig, serve};
use anyhow::{Context, Result, bail};

use crate::cli::ServeArgs;
use crate::commands::check::json_view;
use crate::output::{self, Output};

pub(crate) fn run(args: &ServeArgs, kb: &'static Kb, out: &Output) -> Result<ExitCode> {
    let listen: SocketAddr = args
        .listen
        .parse()
        .with_context(|| format!("--listen `{}`: expected IP:PORT, e.g. 127.0.0.1:8080", args.listen))?;
    let token = match &args.token_file {
        Some(path) => Some(read_token_file(path)?),
        None => args.token.clone(),
    };
    if !listen.ip().is_loopback() && token.is_none() && !args.no_auth {
        bail!(
            "--listen {listen} is reachable from other machines: give a token (ACTDOC_TOKEN or --token-file; --token \
             shows in ps) so every request must carry it, or say --no-auth explicitly"
        );
    }
    if token.as_deref().is_some_and(|t| t.len() < 16) {
        bail!("the token is shorter than 16 characters; use a long random one (e.g. `openssl rand -hex 24`)");
    }
    // clap reads ACTDOC_TOKEN into --token too; only a token typed on the command line is in `ps`.
    if args.token.is_some() && args.token_file.is_none() && std::env::var_os("ACTDOC_TOKEN").is_none() {
        eprintln!(
            "actdoc serve: note: --token is visible to every user of this machine (ps); prefer ACTDOC_TOKEN or --token-file"
        );
    }
    let allow_checks: Vec<String> = args
        .allow_checks
        .iter()
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('.').to_ascii_lowercase())
        .collect();
    let allowed_hosts: Vec<String> = args
        .allow_host
        .iter()
        .flat_map(|list| list.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let checks: Option<Arc<dyn CheckRunner>> =
        (!allow_checks.is_empty()).then(|| Arc::new(ProbeRunner { kb, lang: out.lang }) as Arc<dyn CheckRunner>);
    let config = WebConfig {
        token,
        allowed_hosts,
        upload_limit: args.upload_limit.saturating_mul(MIB),
        redact: args.redact,
        checks,
        allow_checks,
        check_port: args.check_port,
        cookie_secure: args.cookie_secure,
        trust_proxy: args.trust_proxy,
        max_connections: args.max_connections,
        ..WebConfig::default()
    };

    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        let bound = listener.local_addr().unwrap_or(listen);
        eprintln!("actdoc serve: listening on http://{bound}/ (Ctrl-C stops)");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let mut server = tokio::spawn(serve(listener, config, async {
            let _ = stopped.await;
        }));
        tokio::select! {
            finished = &mut server => return finished.context("the server task failed")?.context("serving"),
            () = shutdown_signal() => {}
        }
        let _ = stop.send(());
        // Requests in flight may finish, but an analysis can run for minutes: bound the wait.
        if tokio::time::timeout(SHUTDOWN_GRACE, server).await.is_err() {
            eprintln!("actdoc serve: stopped with requests still running after {} s", SHUTDOWN_GRACE.as_secs());
        }
        Ok::<(), anyhow::Error>(())
    })?;
    Ok(output::exit(output::OK))
}

const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// The token in `path`: its first line, without surrounding blanks.
fn read_token_file(path: &std::path::Path) -> Result<String> {
    let text = std::fs::read_to_string(path).with_context(|| format!("--token-file {}", path.display()))?;
    let token = text.lines().next().unwrap_or_default().trim().to_string();
    if token.is_empty() {
        bail!("--token-file {}: the file is empty", path.display());
    }
    Ok(token)
}

/// Ctrl-C, or SIGTERM from a service manager.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// The probe crate behind the web app's check interface; answers what `check --json` prints.
struct ProbeRunner {
    kb: &'static Kb,
    lang: Lang,
}

impl CheckRunner for ProbeRunner {
    fn run(&self, request: CheckRequest) -> Pin<Box<dyn Future<Output = serde_json::Value> + Send>> {
        let (kb, lang) = (self.kb, self.lang);
        Box::pin(async move {
            let domains: Result<Vec<String>, _> = request.domains.iter().map(|d| parse_domain(d)).collect();
            let kms: Result<Vec<_>, _> = request.kms.iter().map(|k| parse_host_port(k, KMS_PORT)).collect();
            let (domains, kms) = match (domains, kms) {
                (Ok(d), Ok(k)) => (d, k),
                (Err(e), _) | (_, Err(e)) => return serde_json::json!({ "error": e.to_string() }),
            };
            let timeout = Duration::from_millis(request.timeout_ms.clamp(100, 30_000));
            let report = run_checks(&CheckOptions { domains, kms, dns_server: None, ntp: None, timeout }).await;
            json_view(&report, kb, lang)
        })
    }
}
