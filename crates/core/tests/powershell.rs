//! Every PowerShell command the knowledge base puts in backticks must be one PowerShell would run:
//! its parameters all come from one parameter set of its cmdlet, and that set's mandatory
//! parameters are given. Guards issue 12, items 3 (`Test-NetConnection -Port … -TraceRoute` mixes
//! two sets), 13 (`Get-NetFirewallRule -DisplayName` only matches English display names) and 14
//! (`ProviderName='Security-SPP'` is not the provider's name).
//!
//! The table below copies each cmdlet's syntax lines as Microsoft documents them (parameter set
//! name, then the line without the cmdlet name). Only the sets listed are accepted, so a command
//! that needs another set fails here until that set is added from the cmdlet's reference page.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actdoc_core::{Kb, Lang};

struct Cmdlet {
    name: &'static str,
    /// The reference page the syntax lines come from.
    source: &'static str,
    sets: &'static [(&'static str, &'static str)],
}

const CMDLETS: &[Cmdlet] = &[
    Cmdlet {
        name: "Test-NetConnection",
        source: "MicrosoftDocs/windows-powershell-docs docset/winserver2022-ps/nettcpip/Test-NetConnection.md",
        sets: &[
            ("ICMP", "[[-ComputerName] <String>] [-TraceRoute] [-Hops <Int32>] [-InformationLevel <String>]"),
            ("CommonTCPPort", "[[-ComputerName] <String>] [-CommonTCPPort] <String> [-InformationLevel <String>]"),
            ("RemotePort", "[[-ComputerName] <String>] -Port <Int32> [-InformationLevel <String>]"),
            (
                "NetRouteDiagnostics",
                "[[-ComputerName] <String>] -DiagnoseRouting [-ConstrainSourceAddress <String>] [-ConstrainInterface <UInt32>] [-InformationLevel <String>]",
            ),
        ],
    },
    Cmdlet {
        name: "Get-NetFirewallRule",
        source: "MicrosoftDocs/windows-powershell-docs docset/winserver2022-ps/netsecurity/Get-NetFirewallRule.md",
        sets: &[
            (
                "GetAll",
                "[-All] [-PolicyStore <String>] [-TracePolicyStore] [-CimSession <CimSession[]>] [-ThrottleLimit <Int32>] [-AsJob]",
            ),
            (
                "ByName",
                "[-Name] <String[]> [-PolicyStore <String>] [-TracePolicyStore] [-CimSession <CimSession[]>] [-ThrottleLimit <Int32>] [-AsJob]",
            ),
            (
                "ByDisplayName",
                "-DisplayName <String[]> [-PolicyStore <String>] [-TracePolicyStore] [-CimSession <CimSession[]>] [-ThrottleLimit <Int32>] [-AsJob]",
            ),
            (
                "ByQuery",
                "[-Description <String[]>] [-DisplayGroup <String[]>] [-Group <String[]>] [-Enabled <Enabled[]>] [-Direction <Direction[]>] [-Action <Action[]>] [-EdgeTraversalPolicy <EdgeTraversal[]>] [-LooseSourceMapping <Boolean[]>] [-LocalOnlyMapping <Boolean[]>] [-Owner <String[]>] [-PrimaryStatus <PrimaryStatus[]>] [-Status <String[]>] [-PolicyStoreSource <String[]>] [-PolicyStoreSourceType <PolicyStoreType[]>] [-PolicyStore <String>] [-TracePolicyStore] [-CimSession <CimSession[]>] [-ThrottleLimit <Int32>] [-AsJob]",
            ),
        ],
    },
    Cmdlet {
        name: "Enable-NetFirewallRule",
        source: "MicrosoftDocs/windows-powershell-docs, NetSecurity module, Enable-NetFirewallRule.md",
        sets: &[
            (
                "ByName",
                "[-Name] <String[]> [-AsJob] [-CimSession <CimSession[]>] [-GPOSession <String>] [-PassThru] [-PolicyStore <String>] [-ThrottleLimit <Int32>] [-TracePolicyStore] [-Confirm] [-WhatIf]",
            ),
            (
                "ByDisplayName",
                "[-AsJob] [-CimSession <CimSession[]>] [-GPOSession <String>] [-PassThru] [-PolicyStore <String>] [-ThrottleLimit <Int32>] [-TracePolicyStore] -DisplayName <String[]> [-Confirm] [-WhatIf]",
            ),
            (
                "InputObject",
                "[-AsJob] [-CimSession <CimSession[]>] [-PassThru] [-ThrottleLimit <Int32>] -InputObject <CimInstance[]> [-Confirm] [-WhatIf]",
            ),
        ],
    },
    Cmdlet {
        name: "Get-WinEvent",
        source: "MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Diagnostics/Get-WinEvent.md",
        sets: &[
            (
                "GetLogSet",
                "[[-LogName] <String[]>] [-MaxEvents <Int64>] [-ComputerName <String>] [-Credential <PSCredential>] [-FilterXPath <String>] [-Force] [-Oldest]",
            ),
            ("ListLogSet", "[-ListLog] <String[]> [-ComputerName <String>] [-Credential <PSCredential>] [-Force]"),
            ("ListProviderSet", "[-ListProvider] <String[]> [-ComputerName <String>] [-Credential <PSCredential>]"),
            (
                "GetProviderSet",
                "[-ProviderName] <String[]> [-MaxEvents <Int64>] [-ComputerName <String>] [-Credential <PSCredential>] [-FilterXPath <String>] [-Force] [-Oldest]",
            ),
            (
                "FileSet",
                "[-Path] <String[]> [-MaxEvents <Int64>] [-Credential <PSCredential>] [-FilterXPath <String>] [-Oldest]",
            ),
            (
                "HashQuerySet",
                "[-MaxEvents <Int64>] [-ComputerName <String>] [-Credential <PSCredential>] [-FilterHashtable] <Hashtable[]> [-Force] [-Oldest]",
            ),
            (
                "XmlQuerySet",
                "[-MaxEvents <Int64>] [-ComputerName <String>] [-Credential <PSCredential>] [-FilterXml] <XmlDocument> [-Oldest]",
            ),
        ],
    },
    Cmdlet {
        name: "Resolve-DnsName",
        source: "MicrosoftDocs/windows-powershell-docs docset/winserver2022-ps/dnsclient/Resolve-DnsName.md",
        sets: &[(
            "(single set)",
            "[-Name] <String> [[-Type] <RecordType>] [-Server <String[]>] [-DnsOnly] [-CacheOnly] [-DnssecOk] [-DnssecCd] [-NoHostsFile] [-LlmnrNetbiosOnly] [-LlmnrFallback] [-LlmnrOnly] [-NetbiosFallback] [-NoIdn] [-NoRecursion] [-QuickTimeout] [-TcpOnly]",
        )],
    },
    Cmdlet {
        name: "Add-DnsServerResourceRecord",
        source: "MicrosoftDocs/windows-powershell-docs docset/winserver2022-ps/dnsserver/Add-DnsServerResourceRecord.md",
        sets: &[(
            "SRV",
            "[-ZoneName] <String> [-ComputerName <String>] [-PassThru] [-ZoneScope <String>] [-VirtualizationInstance <String>] [-Name] <String> [-TimeToLive <TimeSpan>] [-AgeRecord] [-AllowUpdateAny] -DomainName <String> -Priority <UInt16> -Weight <UInt16> -Port <UInt16> [-Srv] [-CimSession <CimSession[]>] [-ThrottleLimit <Int32>] [-AsJob] [-WhatIf] [-Confirm]",
        )],
    },
    Cmdlet {
        name: "Get-CimInstance",
        source: "MicrosoftDocs/PowerShell-Docs reference/7.4/CimCmdlets/Get-CimInstance.md",
        sets: &[
            (
                "ClassNameComputerSet",
                "[-ClassName] <String> [-ComputerName <String[]>] [-KeyOnly] [-Namespace <String>] [-OperationTimeoutSec <UInt32>] [-QueryDialect <String>] [-Shallow] [-Filter <String>] [-Property <String[]>]",
            ),
            (
                "QueryComputerSet",
                "[-ResourceUri <Uri>] [-ComputerName <String[]>] [-Namespace <String>] [-OperationTimeoutSec <UInt32>] -Query <String> [-QueryDialect <String>] [-Shallow]",
            ),
            (
                "ClassNameSessionSet",
                "-CimSession <CimSession[]> [-ClassName] <String> [-KeyOnly] [-Namespace <String>] [-OperationTimeoutSec <UInt32>] [-QueryDialect <String>] [-Shallow] [-Filter <String>] [-Property <String[]>]",
            ),
        ],
    },
    Cmdlet {
        name: "Get-Service",
        source: "MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Management/Get-Service.yml",
        sets: &[
            (
                "Default",
                "[[-Name] <String[]>] [-DependentServices] [-RequiredServices] [-Include <String[]>] [-Exclude <String[]>]",
            ),
            (
                "DisplayName",
                "[-DependentServices] [-RequiredServices] -DisplayName <String[]> [-Include <String[]>] [-Exclude <String[]>]",
            ),
            (
                "InputObject",
                "[-DependentServices] [-RequiredServices] [-Include <String[]>] [-Exclude <String[]>] [-InputObject <ServiceController[]>]",
            ),
        ],
    },
    Cmdlet {
        name: "Restart-Service",
        source: "MicrosoftDocs/PowerShell-Docs reference/7.x/Microsoft.PowerShell.Management/Restart-Service.md",
        sets: &[
            (
                "InputObject",
                "[-Force] [-InputObject] <ServiceController[]> [-PassThru] [-Include <String[]>] [-Exclude <String[]>] [-WhatIf] [-Confirm]",
            ),
            (
                "Default",
                "[-Force] [-Name] <String[]> [-PassThru] [-Include <String[]>] [-Exclude <String[]>] [-WhatIf] [-Confirm]",
            ),
            (
                "DisplayName",
                "[-Force] [-PassThru] -DisplayName <String[]> [-Include <String[]>] [-Exclude <String[]>] [-WhatIf] [-Confirm]",
            ),
        ],
    },
    Cmdlet {
        name: "Start-Service",
        source: "MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Management/Start-Service.yml",
        sets: &[
            (
                "InputObject",
                "[-InputObject] <ServiceController[]> [-PassThru] [-Include <String[]>] [-Exclude <String[]>] [-WhatIf] [-Confirm]",
            ),
            (
                "Default",
                "[-Name] <String[]> [-PassThru] [-Include <String[]>] [-Exclude <String[]>] [-WhatIf] [-Confirm]",
            ),
            (
                "DisplayName",
                "[-PassThru] -DisplayName <String[]> [-Include <String[]>] [-Exclude <String[]>] [-WhatIf] [-Confirm]",
            ),
        ],
    },
    Cmdlet {
        name: "Start-Process",
        source: "MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Management/Start-Process.yml",
        sets: &[
            (
                "Default",
                "[-FilePath] <String> [[-ArgumentList] <String[]>] [-Credential <PSCredential>] [-WorkingDirectory <String>] [-LoadUserProfile] [-NoNewWindow] [-PassThru] [-RedirectStandardError <String>] [-RedirectStandardInput <String>] [-RedirectStandardOutput <String>] [-WindowStyle <ProcessWindowStyle>] [-Wait] [-UseNewEnvironment] [-Environment <Hashtable>] [-WhatIf] [-Confirm]",
            ),
            (
                "UseShellExecute",
                "[-FilePath] <String> [[-ArgumentList] <String[]>] [-WorkingDirectory <String>] [-PassThru] [-Verb <String>] [-WindowStyle <ProcessWindowStyle>] [-Wait] [-Environment <Hashtable>] [-WhatIf] [-Confirm]",
            ),
        ],
    },
    Cmdlet {
        name: "Set-Service",
        source: "MicrosoftDocs/PowerShell-Docs reference/7.x/Microsoft.PowerShell.Management/Set-Service.md",
        sets: &[
            (
                "Name",
                "[-Name] <String> [-DisplayName <String>] [-Credential <PSCredential>] [-Description <String>] [-StartupType <ServiceStartupType>] [-Status <String>] [-SecurityDescriptorSddl <String>] [-Force] [-PassThru] [-WhatIf] [-Confirm]",
            ),
            (
                "InputObject",
                "[-InputObject] <ServiceController> [-DisplayName <String>] [-Credential <PSCredential>] [-Description <String>] [-StartupType <ServiceStartupType>] [-SecurityDescriptorSddl <String>] [-Status <String>] [-Force] [-PassThru] [-WhatIf] [-Confirm]",
            ),
        ],
    },
    Cmdlet {
        name: "Get-Process",
        source: "MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Management/Get-Process.yml",
        sets: &[
            ("Name", "[[-Name] <String[]>] [-Module] [-FileVersionInfo]"),
            ("NameWithUserName", "[[-Name] <String[]>] -IncludeUserName"),
            ("Id", "-Id <Int32[]> [-Module] [-FileVersionInfo]"),
            ("InputObject", "-InputObject <Process[]> [-Module] [-FileVersionInfo]"),
        ],
    },
    Cmdlet {
        name: "Set-DnsClientServerAddress",
        source: "MicrosoftDocs/windows-powershell-docs, DnsClient module, Set-DnsClientServerAddress.md",
        sets: &[
            (
                "ByAlias",
                "[-InterfaceAlias] <String[]> [-ServerAddresses <String[]>] [-Validate] [-ResetServerAddresses] [-CimSession <CimSession[]>] [-ThrottleLimit <Int32>] [-AsJob] [-PassThru] [-WhatIf] [-Confirm]",
            ),
            (
                "ByName",
                "-InterfaceIndex <UInt32[]> [-ServerAddresses <String[]>] [-Validate] [-ResetServerAddresses] [-CimSession <CimSession[]>] [-ThrottleLimit <Int32>] [-AsJob] [-PassThru] [-WhatIf] [-Confirm]",
            ),
        ],
    },
    Cmdlet {
        name: "Get-ADObject",
        source: "learn.microsoft.com/powershell/module/activedirectory/get-adobject",
        sets: &[
            (
                "Filter",
                "-Filter <String> [-AuthType <ADAuthType>] [-Credential <PSCredential>] [-IncludeDeletedObjects] [-Properties <String[]>] [-ResultPageSize <Int32>] [-ResultSetSize <Int32>] [-SearchBase <String>] [-SearchScope <ADSearchScope>] [-Server <String>]",
            ),
            (
                "Identity",
                "[-Identity] <ADObject> [-AuthType <ADAuthType>] [-Credential <PSCredential>] [-IncludeDeletedObjects] [-Partition <String>] [-Properties <String[]>] [-Server <String>]",
            ),
            (
                "LdapFilter",
                "-LDAPFilter <String> [-AuthType <ADAuthType>] [-Credential <PSCredential>] [-IncludeDeletedObjects] [-Properties <String[]>] [-ResultPageSize <Int32>] [-ResultSetSize <Int32>] [-SearchBase <String>] [-SearchScope <ADSearchScope>] [-Server <String>]",
            ),
        ],
    },
    Cmdlet {
        name: "Get-ADRootDSE",
        source: "learn.microsoft.com/powershell/module/activedirectory/get-adrootdse",
        sets: &[(
            "(single set)",
            "[-AuthType <ADAuthType>] [-Credential <PSCredential>] [-Properties <String[]>] [-Server <String>]",
        )],
    },
    Cmdlet {
        name: "Select-Object",
        source: "MicrosoftDocs/PowerShell-Docs, Microsoft.PowerShell.Utility/Select-Object.md",
        sets: &[(
            "DefaultParameter",
            "[[-Property] <Object[]>] [-InputObject <PSObject>] [-ExcludeProperty <String[]>] [-ExpandProperty <String>] [-Unique] [-Last <Int32>] [-First <Int32>] [-Skip <Int32>] [-Wait]",
        )],
    },
    Cmdlet {
        name: "Format-List",
        source: "MicrosoftDocs/PowerShell-Docs, Microsoft.PowerShell.Utility/Format-List.md",
        sets: &[(
            "(single set)",
            "[[-Property] <Object[]>] [-GroupBy <Object>] [-View <String>] [-ShowError] [-DisplayError] [-Force] [-Expand <String>] [-InputObject <PSObject>]",
        )],
    },
];

/// about_CommonParameters: accepted by every cmdlet.
const COMMON: &[&str] = &[
    "Debug",
    "ErrorAction",
    "ErrorVariable",
    "InformationAction",
    "InformationVariable",
    "OutBuffer",
    "OutVariable",
    "PipelineVariable",
    "ProgressAction",
    "Verbose",
    "WarningAction",
    "WarningVariable",
];

/// Event providers by the name their events carry in XML (`<Provider Name="…">`), which is what
/// `Get-WinEvent -FilterHashtable @{ProviderName=…}` matches: Security-SPP is only the short form
/// Event Viewer shows.
const PROVIDERS: &[&str] = &["Microsoft-Windows-Security-SPP", "MsiInstaller"];

#[derive(Debug)]
struct Param {
    name: String,
    required: bool,
    switch: bool,
    positional: bool,
}

/// Reads a syntax line as the reference pages print it: `[[-A] <T>]` optional positional,
/// `[-A] <T>` mandatory positional, `[-A <T>]` optional named, `-A <T>` mandatory named,
/// `[-A]` optional switch, `-A` mandatory switch.
fn parse_set(syntax: &str) -> Vec<Param> {
    let mut items: Vec<String> = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    for c in syntax.chars() {
        match c {
            '[' => {
                depth += 1;
                current.push(c);
            }
            ']' => {
                depth -= 1;
                current.push(c);
            }
            c if c.is_whitespace() && depth == 0 => {
                if !current.is_empty() {
                    items.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        items.push(current);
    }
    let mut params = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let item = &items[i];
        let next_is_value = items.get(i + 1).is_some_and(|n| n.starts_with('<'));
        let name_of = |s: &str| s.trim_matches(|c| c == '[' || c == ']').trim_start_matches('-').to_string();
        if let Some(inner) = item.strip_prefix("[[-") {
            let name = inner.split(']').next().unwrap_or_default().to_string();
            params.push(Param { name, required: false, switch: false, positional: true });
        } else if item.starts_with("[-") && item.contains(' ') {
            let name = name_of(item.split(' ').next().unwrap_or_default());
            params.push(Param { name, required: false, switch: false, positional: false });
        } else if item.starts_with("[-") && next_is_value {
            params.push(Param { name: name_of(item), required: true, switch: false, positional: true });
            i += 1;
        } else if item.starts_with("[-") {
            params.push(Param { name: name_of(item), required: false, switch: true, positional: false });
        } else if item.starts_with('-') {
            params.push(Param { name: name_of(item), required: true, switch: !next_is_value, positional: false });
            if next_is_value {
                i += 1;
            }
        } else {
            panic!("cannot read `{item}` in `{syntax}`");
        }
        i += 1;
    }
    params
}

/// Splits a command line into words, keeping quoted strings, `@{…}`, `{…}` and `(…)` whole and
/// `a, b` lists together; `|` at the top level is a word of its own.
fn words(line: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let (mut current, mut depth, mut quote) = (String::new(), 0i32, None::<char>);
    for c in line.chars() {
        if let Some(q) = quote {
            current.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                current.push(c);
            }
            '(' | '{' => {
                depth += 1;
                current.push(c);
            }
            ')' | '}' => {
                depth -= 1;
                current.push(c);
            }
            '|' if depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                out.push("|".into());
            }
            c if c.is_whitespace() && depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    // `a, b` is one array argument.
    let mut joined: Vec<String> = Vec::new();
    for w in out {
        match joined.last_mut() {
            Some(last) if last.ends_with(',') || w.starts_with(',') => last.push_str(&w),
            _ => joined.push(w),
        }
    }
    joined
}

fn looks_like_cmdlet(word: &str) -> bool {
    let mut parts = word.splitn(2, '-');
    let (verb, noun) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let capitalised = |s: &str| s.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    capitalised(verb)
        && capitalised(noun)
        && verb.chars().all(|c| c.is_ascii_alphabetic())
        && noun.chars().all(|c| c.is_ascii_alphanumeric())
}

/// `(Get-X …).Property` → `Get-X …`.
fn inner_command(word: &str) -> Option<&str> {
    let rest = word.strip_prefix('(')?;
    let end = rest.rfind(')')?;
    Some(&rest[..end])
}

/// Checks one pipeline stage against one parameter set; `Err` says why it does not fit.
fn fits(args: &[String], set: &[Param], piped: bool) -> Result<(), String> {
    let mut given: Vec<&str> = Vec::new();
    let mut positionals = 0;
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        let is_param = arg.starts_with('-') && arg[1..].chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if is_param {
            let (name, inline_value) = match arg[1..].split_once(':') {
                Some((n, _)) => (n, true),
                None => (&arg[1..], false),
            };
            if COMMON.iter().any(|c| c.eq_ignore_ascii_case(name)) {
                i += if inline_value { 1 } else { 2 };
                continue;
            }
            let param = set
                .iter()
                .find(|p| p.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| format!("-{name} is not in this set"))?;
            given.push(&param.name);
            i += if param.switch || inline_value { 1 } else { 2 };
        } else {
            positionals += 1;
            i += 1;
        }
    }
    let open_positionals: Vec<&Param> =
        set.iter().filter(|p| p.positional && !given.contains(&p.name.as_str())).collect();
    if positionals > open_positionals.len() {
        return Err(format!("{positionals} positional argument(s), the set takes {}", open_positionals.len()));
    }
    let filled: Vec<&str> = open_positionals.iter().take(positionals).map(|p| p.name.as_str()).collect();
    for p in set.iter().filter(|p| p.required) {
        let by_pipeline = piped && p.name == "InputObject";
        if !given.contains(&p.name.as_str()) && !filled.contains(&p.name.as_str()) && !by_pipeline {
            return Err(format!("mandatory -{} missing", p.name));
        }
    }
    Ok(())
}

/// Every problem with the PowerShell in one backticked command (empty when it is fine or is not
/// PowerShell at all).
fn check_command(command: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let words = words(command);
    for (index, stage) in words.split(|w| w == "|").enumerate() {
        let Some(first) = stage.first() else { continue };
        if let Some(inner) = inner_command(first) {
            problems.extend(check_command(inner));
            continue;
        }
        if !looks_like_cmdlet(first) {
            continue;
        }
        let Some(cmdlet) = CMDLETS.iter().find(|c| c.name.eq_ignore_ascii_case(first)) else {
            problems
                .push(format!("`{first}` is not in the cmdlet table: add its parameter sets from its reference page"));
            continue;
        };
        let args = &stage[1..];
        for arg in args {
            if let Some(inner) = inner_command(arg) {
                problems.extend(check_command(inner));
            }
        }
        let reasons: Vec<String> = cmdlet
            .sets
            .iter()
            .filter_map(|(set, syntax)| fits(args, &parse_set(syntax), index > 0).err().map(|e| format!("{set}: {e}")))
            .collect();
        if reasons.len() == cmdlet.sets.len() {
            problems.push(format!(
                "`{}` fits no parameter set of {} ({})",
                stage.join(" "),
                cmdlet.name,
                reasons.join("; ")
            ));
        }
        for arg in args {
            for pair in arg.split(';') {
                if let Some((key, value)) = pair.split_once('=')
                    && key.trim().trim_start_matches("@{").eq_ignore_ascii_case("ProviderName")
                {
                    let value = value.trim().trim_end_matches('}').trim_matches(|c| c == '\'' || c == '"');
                    if !PROVIDERS.contains(&value) {
                        problems
                            .push(format!("ProviderName '{value}' is not an event provider's XML name {PROVIDERS:?}"));
                    }
                }
            }
        }
    }
    problems
}

/// The backticked spans of a text.
fn backticked(text: &str) -> impl Iterator<Item = &str> {
    text.split('`').skip(1).step_by(2)
}

fn kb_texts(kb: &Kb) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in kb.entries() {
        for lang in Lang::ALL {
            let mut texts: Vec<&String> = vec![e.cause.get(lang)];
            texts.extend(e.note.as_ref().map(|n| n.get(lang)));
            texts.extend(e.resolution.get(lang));
            for t in texts {
                out.push((format!("{} ({lang})", e.file), t.clone()));
            }
        }
    }
    out
}

#[test]
fn every_powershell_command_in_the_kb_fits_one_parameter_set() {
    let kb = Kb::embedded().unwrap();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (place, text) in kb_texts(kb) {
        for command in backticked(&text) {
            let found = check_command(command);
            if words(command).iter().any(|w| looks_like_cmdlet(w) || inner_command(w).is_some()) {
                checked += 1;
            }
            problems.extend(found.into_iter().map(|p| format!("{place}: {p}")));
        }
    }
    assert!(problems.is_empty(), "PowerShell commands that would not run:\n{}", problems.join("\n"));
    assert!(checked > 40, "only {checked} PowerShell commands found; is the scan still looking?");
}

#[test]
fn the_check_rejects_the_commands_issue_12_found() {
    // Item 3: -TraceRoute (ICMP) and -Port (RemotePort) are in different sets.
    assert!(!check_command("Test-NetConnection <kms-host> -Port 1688 -TraceRoute").is_empty());
    assert!(check_command("Test-NetConnection <kms-host> -Port 1688").is_empty());
    assert!(check_command("Test-NetConnection <kms-host> -TraceRoute").is_empty());
    // Item 14: the provider name must be the one in the event XML.
    let short =
        "Get-WinEvent -FilterHashtable @{LogName='Application'; ProviderName='Security-SPP'; Id=8198} -MaxEvents 5";
    assert!(check_command(short).iter().any(|p| p.contains("ProviderName")));
    assert!(check_command(&short.replace("'Security-SPP'", "'Microsoft-Windows-Security-SPP'")).is_empty());
    // Mandatory parameters, unknown parameters and unknown cmdlets.
    assert!(
        !check_command("Add-DnsServerResourceRecord -Srv -ZoneName contoso.com -Name _vlmcs._tcp -Port 1688")
            .is_empty()
    );
    assert!(
        check_command("Add-DnsServerResourceRecord -Srv -ZoneName <zone> -Name _vlmcs._tcp -DomainName <host> -Priority 0 -Weight 0 -Port 1688")
            .is_empty()
    );
    assert!(!check_command("Get-Service sppsvc -Force").is_empty());
    assert!(!check_command("Get-Frobnicator -All").is_empty());
    // Pipelines, sub-expressions and commands that are not PowerShell.
    assert!(check_command("Get-CimInstance Win32_BIOS | Select-Object Manufacturer, SerialNumber").is_empty());
    assert!(check_command("(Get-CimInstance SoftwareLicensingService).OA3xOriginalProductKey").is_empty());
    assert!(!check_command("(Get-CimInstance -Nope x).Y").is_empty());
    assert!(check_command("slmgr /skms azkms.core.windows.net:1688").is_empty());
    assert!(check_command("DISM /Online /Set-Edition:<edition> /ProductKey:<key> /AcceptEula").is_empty());
}

/// Item 13: a firewall rule's display name is translated, so scripts select rules by Name.
#[test]
fn firewall_rules_are_selected_by_name_not_display_name() {
    let kb = Kb::embedded().unwrap();
    for (place, text) in kb_texts(kb) {
        for command in backticked(&text) {
            let words = words(command);
            for stage in words.split(|w| w == "|") {
                let firewall = stage.first().is_some_and(|c| c.to_ascii_lowercase().ends_with("-netfirewallrule"));
                assert!(
                    !(firewall && stage.iter().any(|w| w.eq_ignore_ascii_case("-DisplayName"))),
                    "{place}: `{command}` selects a firewall rule by its translated display name"
                );
            }
        }
    }
}

#[test]
fn the_table_reads_its_own_syntax_lines() {
    for cmdlet in CMDLETS {
        assert!(!cmdlet.source.is_empty(), "{}: no source", cmdlet.name);
        for (set, syntax) in cmdlet.sets {
            let params = parse_set(syntax);
            assert!(!params.is_empty(), "{} {set}", cmdlet.name);
        }
    }
    let remote = parse_set(CMDLETS[0].sets[2].1);
    let port = remote.iter().find(|p| p.name == "Port").unwrap();
    assert!(port.required && !port.switch && !port.positional);
    let computer = remote.iter().find(|p| p.name == "ComputerName").unwrap();
    assert!(!computer.required && computer.positional);
}
