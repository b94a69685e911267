//! Command-line flags. Every subcommand takes the global `--lang`, `--json`, `--format` and `--color`.

use actdoc_core::Lang;
use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  actdoc explain 0xC004F074                 explain one code
  actdoc explain c004f074 -1073418124 1722  any form: hex, signed/unsigned decimal, Win32 number
  actdoc explain '错误: 0xC004F074 软件授权服务报告…'   codes inside pasted text
  actdoc explain - < slmgr-output.txt       every code in a file or pipe
  actdoc --lang zh-CN explain 0xC004F06C    answer in Simplified Chinese
  actdoc search 'DNS name does not exist'   find codes by message or cause, either language
  actdoc list --type kms-client             curated codes for one activation type
  actdoc keys 'windows 11 pro'              KMS client setup key (GVLK) for an edition
  actdoc explain 0xC004F074 --json          machine-readable output (same as --format json)

Exit status: 0 all fine, 1 a problem was found (an unnamed code, no match), 2 usage error or input
that is not a code.";

#[derive(Debug, Parser)]
#[command(
    name = "actdoc",
    version,
    about = "Activation Doctor: explains Windows volume-activation (MAK/KMS) error codes",
    long_about = "Activation Doctor explains Windows volume-activation (MAK/KMS) error codes in English and \
                  Simplified Chinese: symbolic name, official message, activation types, cause and the steps \
                  that fix it. Any 32-bit code gets a structural decode and its SDK name. `check` tests KMS \
                  discovery, TCP 1688, the RPC endpoint and the clock; `scan` reads event logs and slmgr output \
                  of a fleet; `serve` runs the same as a web app. It never activates anything.",
    after_help = EXAMPLES,
    propagate_version = true
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Output language: en or zh-CN [default: from LC_ALL / LC_MESSAGES / LANG, else en]
    #[arg(long, global = true, value_name = "LANG", value_parser = parse_lang)]
    pub(crate) lang: Option<Lang>,
    /// Print JSON (same as --format json)
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Output format
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<Format>,
    /// When to colour terminal output (NO_COLOR is respected in auto mode)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub(crate) color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
    /// `scan` only
    Csv,
    /// `scan` only: one self-contained page
    Html,
    /// `scan` only: one finding per line, for a SIEM to ingest
    Jsonl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Explain error codes given in any form, or every code inside pasted text
    #[command(after_help = "Examples:\n  actdoc explain 0xC004F074\n  actdoc explain 9003 hr=0x803F7001\n  \
                            actdoc explain - < log.txt")]
    Explain(ExplainArgs),
    /// Find codes by words from their message, cause or resolution (English or Chinese)
    #[command(after_help = "Examples:\n  actdoc search 'KMS count insufficient'\n  actdoc search 时间戳")]
    Search(SearchArgs),
    /// List the curated codes, optionally for one activation type
    #[command(after_help = "Examples:\n  actdoc list\n  actdoc list --type kms-host --json")]
    List(ListArgs),
    /// Check KMS discovery, reachability, the RPC endpoint and the clock, live and concurrently
    #[command(
        after_help = "Examples:\n  actdoc check                                  discover via the machine's DNS search list\n  \
                            actdoc check --domain contoso.com             SRV records of one domain\n  \
                            actdoc check --kms kms01.contoso.com          one host, like slmgr /skms\n  \
                            actdoc check --kms [2001:db8::5]:1688 --timeout 2s\n  \
                            actdoc check --domain contoso.com --dns-server 10.0.0.53 --ntp time.contoso.com\n\n\
                            Exit status: 0 all checks pass (warnings allowed), 1 a check failed, 2 usage error."
    )]
    Check(CheckArgs),
    /// Read event logs (EVTX, event XML) and slmgr output of one machine or a fleet; report per machine and per KMS host
    #[command(after_help = "Examples:\n  actdoc scan Application.evtx\n  \
                            actdoc scan collected/                       one folder per machine\n  \
                            actdoc scan collected/ --format html -o report.html\n  \
                            actdoc scan kms01-KeyManagementService.evtx --as-of 2024-05-01\n  \
                            actdoc scan slmgr-dlv.txt --json\n  \
                            actdoc scan ForwardedEvents.evtx --since 2024-05-01 --format jsonl   one finding per line\n\n\
                            Exit status: 0 nothing wrong, 1 findings, 2 usage error or nothing readable.")]
    Scan(ScanArgs),
    /// Run the web app and JSON API for a helpdesk (pages, /api/v1, OpenAPI at /api/openapi.json)
    #[command(
        after_help = "Examples:\n  actdoc serve                                    http://127.0.0.1:8080/ for this machine\n  \
                            ACTDOC_TOKEN=$(openssl rand -hex 24) actdoc serve --listen 0.0.0.0:8080\n  \
                            actdoc serve --redact --upload-limit 128 --allow-checks contoso.com,kms01.contoso.com\n\n\
                            Listening beyond loopback needs a token (ACTDOC_TOKEN or --token-file; --token shows in ps), \
                            or an explicit --no-auth."
    )]
    Serve(ServeArgs),
    /// On the failing Windows machine: read its licence objects, registry and activation events, check its KMS host, and judge each product
    #[command(
        after_help = "Examples:\n  actdoc doctor                                   this machine: verdicts, evidence, checks\n  \
                            actdoc doctor --kms kms01.contoso.com:1688      check this host instead of the registered one\n  \
                            actdoc doctor --bundle \\\\srv\\actdoc$\\%COMPUTERNAME%.zip --quiet   the fleet collector\n  \
                            actdoc doctor --from PC01.zip                   judge a bundle written earlier, on any OS\n\n\
                            Collecting needs Windows; --from works everywhere. Run unelevated where possible: what \
                            needed elevation is named in `collected`.\n\
                            Exit status: 0 every product activated, 1 a product is not activated or none was found, \
                            2 usage error (or not on Windows without --from)."
    )]
    Doctor(DoctorArgs),
    /// Write what other tools need: WEF subscriptions that collect the activation events
    #[command(subcommand)]
    Export(ExportWhat),
    /// Show the KMS client setup keys (GVLKs) Microsoft publishes, by edition
    #[command(after_help = "Examples:\n  actdoc keys\n  actdoc keys 'server 2022 datacenter'")]
    Keys(KeysArgs),
    /// Print a shell completion script
    #[command(after_help = "Examples:\n  actdoc completions bash > /etc/bash_completion.d/actdoc\n  \
                            actdoc completions powershell >> $PROFILE")]
    Completions(CompletionsArgs),
    /// Print the man page (roff)
    #[command(after_help = "Examples:\n  actdoc man > actdoc.1 && man ./actdoc.1")]
    Man,
}

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// Codes or text: 0xC004F074, c004f074, -1073418124, 3221549172, 1722, "hr=0x803F7001"; `-` reads standard input
    #[arg(required = true, value_name = "INPUT", allow_negative_numbers = true)]
    pub(crate) inputs: Vec<String>,
}

#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Words to look for
    #[arg(required = true, value_name = "TEXT")]
    pub(crate) text: Vec<String>,
    /// At most this many results
    #[arg(long, default_value_t = 10)]
    pub(crate) limit: usize,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only codes of this activation type
    #[arg(long = "type", value_name = "TYPE", value_parser = ["mak", "kms", "kms-client", "kms-host", "ad-based", "retail"])]
    pub(crate) activation_type: Option<String>,
    /// Only the codes of the source article
    #[arg(long)]
    pub(crate) seed: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Discover KMS hosts in this DNS domain (repeatable) [default: the system's search list]
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub(crate) domains: Vec<String>,
    /// Check this KMS host instead of discovering one, like `slmgr /skms` (repeatable; FQDN, IPv4, [IPv6]:port; port 1688 by default)
    #[arg(long = "kms", value_name = "HOST[:PORT]")]
    pub(crate) kms: Vec<String>,
    /// Send every DNS lookup of the run to this server
    #[arg(long, value_name = "IP[:PORT]")]
    pub(crate) dns_server: Option<String>,
    /// Measure the clock against this SNTP server [default: the KMS host, then the domain]
    #[arg(long, value_name = "HOST[:PORT]")]
    pub(crate) ntp: Option<String>,
    /// Deadline per target, covering connect, bind and retries (3, 3s, 500ms)
    #[arg(long, default_value = "3s", value_parser = crate::commands::parse_timeout)]
    pub(crate) timeout: std::time::Duration,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ExportWhat {
    /// Source-initiated Windows Event Forwarding subscriptions: clients (Application log) and KMS hosts
    #[command(
        after_help = "Examples:\n  actdoc export wef                       both documents to standard output\n  \
                            actdoc export wef --out C:\\wef          clients.xml and kms-hosts.xml\n  \
                            wecutil cs C:\\wef\\clients.xml            create the subscription on the collector\n\n\
                            Then point the machines at the collector (GPO: Computer Configuration > Administrative \
                            Templates > Windows Components > Event Forwarding > Configure target Subscription Manager) \
                            and scan the collector's ForwardedEvents log."
    )]
    Wef(WefArgs),
    /// Sigma rules (one .yml per single-event detection) generated from the knowledge base
    #[command(after_help = "Examples:\n  actdoc export sigma rules/\n  \
                            sigma convert -t splunk rules/          with sigma-cli and a backend\n\n\
                            Unnamed event data is the field `Data` (all values joined by \", \"); the KMS host log is \
                            `service: key-management-service` (channel \"Key Management Service\"): map both in your pipeline.")]
    Sigma(SigmaArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SigmaArgs {
    /// Folder to write the rules into (created when missing)
    #[arg(value_name = "DIR")]
    pub(crate) dir: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct WefArgs {
    /// Write clients.xml and kms-hosts.xml into this folder instead of printing both
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<std::path::PathBuf>,
    /// Who may subscribe, as an SDDL (AllowedSourceDomainComputers) [default: Domain Computers]
    #[arg(long, value_name = "SDDL")]
    pub(crate) allowed_sddl: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Check this KMS host instead of the one the machine is registered with (repeatable; like `check --kms`)
    #[arg(long = "kms", value_name = "HOST[:PORT]")]
    pub(crate) kms: Vec<String>,
    /// Send every DNS lookup of the checks to this server
    #[arg(long, value_name = "IP[:PORT]")]
    pub(crate) dns_server: Option<String>,
    /// Do not run the live checks (DNS, TCP 1688, RPC, clock)
    #[arg(long)]
    pub(crate) no_checks: bool,
    /// Deadline per check target (3, 3s, 500ms)
    #[arg(long, default_value = "3s", value_parser = crate::commands::parse_timeout)]
    pub(crate) timeout: std::time::Duration,
    /// Also write everything collected, the checks and the verdict into this zip (for `actdoc scan`)
    #[arg(long, value_name = "FILE.zip", conflicts_with = "from")]
    pub(crate) bundle: Option<std::path::PathBuf>,
    /// Judge a bundle written earlier by `doctor --bundle` instead of this machine (any OS)
    #[arg(long, value_name = "FILE.zip")]
    pub(crate) from: Option<std::path::PathBuf>,
    /// Print one summary line (for a startup script or Intune's detection); the exit status says the rest
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Read the event logs this many days back
    #[arg(long, default_value_t = 90, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub(crate) days: u32,
}

#[derive(Debug, Args)]
pub(crate) struct ScanArgs {
    /// Files or folders (a folder per machine); the format is recognised from the content
    #[arg(required = true, value_name = "PATH")]
    pub(crate) paths: Vec<std::path::PathBuf>,
    /// Judge every machine and the 30-day KMS count window as of this time [default: each machine's
    /// newest evidence, each host's newest event; never the clock of the machine running the scan]
    #[arg(long, value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// Leave out events before this time (a date means its start, UTC); counted in sources[].outside_window
    #[arg(long, value_name = "DATE")]
    pub(crate) since: Option<String>,
    /// Leave out events after this time (a date means its end, UTC)
    #[arg(long, value_name = "DATE")]
    pub(crate) until: Option<String>,
    /// With `--format csv`: one row per product of each machine, or one per finding
    #[arg(long, value_enum, default_value_t = CsvTable::Products)]
    pub(crate) csv: CsvTable,
    /// Write the report to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<std::path::PathBuf>,
    /// Render every EVTX record through the evtx crate instead of selecting records first
    /// (slower; the reference the fast path is checked against)
    #[arg(long)]
    pub(crate) full_parse: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CsvTable {
    Products,
    Findings,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    pub(crate) listen: String,
    /// Require `Authorization: Bearer TOKEN` on every request (16+ characters). Prefer ACTDOC_TOKEN
    /// or --token-file: a token on the command line is visible to every user through `ps`
    #[arg(long, env = "ACTDOC_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// Read the token from this file (its first line)
    #[arg(long, value_name = "PATH", conflicts_with = "token")]
    pub(crate) token_file: Option<std::path::PathBuf>,
    /// Allow listening beyond loopback without a token (only behind your own authenticating proxy)
    #[arg(long, conflicts_with_all = ["token", "token_file"])]
    pub(crate) no_auth: bool,
    /// Without a token, also answer to this Host (NAME:PORT, e.g. the name a proxy forwards);
    /// otherwise only 127.0.0.1, localhost and [::1] with the listening port (comma-separated)
    #[arg(long, value_name = "NAME:PORT")]
    pub(crate) allow_host: Vec<String>,
    /// Largest upload accepted, in MiB
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub(crate) upload_limit: usize,
    /// Hide machine names and CMIDs in analysis results
    #[arg(long)]
    pub(crate) redact: bool,
    /// Let the web app run network checks, only against these hosts and domains (comma-separated;
    /// `domain:NAME` or `host:NAME` allows one use only; an IP address is only ever a host)
    #[arg(long, value_name = "HOST|DOMAIN,...")]
    pub(crate) allow_checks: Vec<String>,
    /// The only port network checks may connect to
    #[arg(long, default_value_t = 1688, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) check_port: u16,
    /// Mark the session cookie Secure (the server is reached over HTTPS through a proxy)
    #[arg(long)]
    pub(crate) cookie_secure: bool,
    /// Trust the proxy in front: X-Forwarded-Proto / Forwarded say HTTPS (Secure cookie), and the
    /// last X-Forwarded-For address is the client that login throttling counts
    #[arg(long)]
    pub(crate) trust_proxy: bool,
    /// Open connections at most (also kept below the open-file limit); slow clients are shed first
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub(crate) max_connections: usize,
}

#[derive(Debug, Args)]
pub(crate) struct KeysArgs {
    /// Words that the edition must contain, e.g. `windows 11 pro` or `2022 datacenter`
    #[arg(value_name = "EDITION")]
    pub(crate) edition: Vec<String>,
    /// Include products that have an Activation ID but no published key
    #[arg(long)]
    pub(crate) all: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse()
}
