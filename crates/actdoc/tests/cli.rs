//! The `actdoc` binary as a user meets it: exit statuses, JSON contracts, languages, colour, and
//! snapshots of the human output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }

    /// The `code` of every element of a JSON array output.
    fn codes(&self) -> Vec<String> {
        self.json().as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap_or_default().to_string()).collect()
    }
}

/// Runs actdoc with a clean, predictable environment (no locale, no colour, fixed width).
fn actdoc_env(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Run {
    let mut cmd = Command::cargo_bin("actdoc").unwrap();
    cmd.args(args).env_remove("LANG").env_remove("LC_ALL").env_remove("LC_MESSAGES").env("COLUMNS", "100");
    cmd.env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn actdoc(args: &[&str]) -> Run {
    actdoc_env(args, &[], None)
}

#[test]
fn explain_text_english() {
    let run = actdoc(&["explain", "0xC004F074"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn explain_text_chinese() {
    let run = actdoc(&["--lang", "zh-CN", "explain", "0xC004F06C"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("软件保护服务报告无法激活计算机。 密钥管理服务(KMS)确定请求时间戳无效。"));
    assert!(run.stdout.contains("解决方法"));
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn explain_json_of_an_ambiguous_win32_number() {
    let run = actdoc(&["explain", "9003", "--json"]);
    assert_eq!(run.code, 0);
    let json = run.json();
    let e = &json[0];
    assert_eq!(e["input"], "9003");
    assert_eq!(e["code"], "0x8007232B");
    assert_eq!(e["value"], 0x8007_232B_u32);
    assert_eq!(e["name"], "DNS_ERROR_RCODE_NAME_ERROR");
    assert_eq!(e["curated"], true);
    assert_eq!(e["readings"][0]["kind"], "win32");
    assert_eq!(e["readings"][1]["code"], "0x00009003");
    assert_eq!(e["readings"][1]["rank"], 2);
    assert_eq!(e["decoded"]["facility"], 7);
    assert_eq!(e["decoded"]["facility_name"], "FACILITY_WIN32");
    insta::assert_json_snapshot!(json);
}

#[test]
fn every_pasted_form_names_the_same_code() {
    for form in
        ["0xC004F074", "c004f074", "-1073418124", "3221549172", "错误: 0xC004F074 软件授权服务报告无法激活计算机。"]
    {
        let run = actdoc(&["explain", form, "--format", "json"]);
        assert_eq!(run.code, 0, "{form}: {}", run.stderr);
        let json = run.json();
        assert_eq!(json.as_array().map(Vec::len), Some(1), "{form}");
        assert_eq!(json[0]["code"], "0xC004F074", "{form}");
        assert_eq!(json[0]["name"], "SL_E_VL_BINDING_SERVICE_UNAVAILABLE", "{form}");
        assert_eq!(json[0]["activation_types"], serde_json::json!(["KMS client"]));
        assert!(json[0]["resolution"].as_array().is_some_and(|r| r.len() >= 3));
    }
}

#[test]
fn json_contract_fields_are_all_present() {
    let json = actdoc(&["explain", "0xC004F074", "--json"]).json();
    let e = json[0].as_object().unwrap();
    for key in [
        "input",
        "code",
        "value",
        "name",
        "name_official",
        "aliases",
        "curated",
        "likely_code",
        "message",
        "message_variants",
        "message_variants_translated",
        "activation_types",
        "cause",
        "resolution",
        "decoded",
        "readings",
        "name_of",
        "sources",
    ] {
        assert!(e.contains_key(key), "missing {key}");
    }
    for key in ["severity", "facility", "facility_name", "code"] {
        assert!(e["decoded"].get(key).is_some(), "decoded.{key}");
    }
    for key in ["value", "code", "name", "kind", "rank"] {
        assert!(e["readings"][0].get(key).is_some(), "readings[0].{key}");
    }
}

#[test]
fn win32_input_is_given_as_its_hresult() {
    let json = actdoc(&["explain", "1722", "--json"]).json();
    assert_eq!(json[0]["code"], "0x800706BA");
    assert_eq!(json[0]["name"], "RPC_S_SERVER_UNAVAILABLE");
}

#[test]
fn text_with_several_codes_yields_one_result_per_code_in_order() {
    let run =
        actdoc(&["explain", "--json", "slui failed hr=0x803F7001; later Reason:0x8007232B, then hr=0x803F7001 again"]);
    assert_eq!(run.codes(), ["0x803F7001", "0x8007232B"]);
}

/// slmgr's popups end with a hint to run `slui.exe 0x2a <code>`: 0x2a is slui's argument, so the
/// popup explains as exactly its one code, exit 0 (it exited 1 on the made-up code 0x0000002A).
#[test]
fn a_pasted_slmgr_error_popup_is_its_one_code() {
    let popups = [
        "Error: 0xC004E016 On a computer running Microsoft Windows non-core edition, run 'slui.exe 0x2a 0xC004E016' to display the error text.",
        "错误: 0xC004F069 在运行 Microsoft Windows 非核心版本的计算机上，运行”slui.exe 0x2a 0xC004F069″以显示错误文本。",
        "Error: 0x8007232B DNS name does not exist.\nUnknown facility code 0x7 (7L)\nFacility error: 0x232b (9003L)",
    ];
    for (popup, code) in popups.iter().zip(["0xC004E016", "0xC004F069", "0x8007232B"]) {
        let run = actdoc(&["explain", "--json", popup]);
        assert_eq!(run.code, 0, "{popup}: {}", run.stderr);
        assert_eq!(run.codes(), [code], "{popup}");
    }
}

#[test]
fn standard_input_is_one_text_like_pasted_slmgr_output() {
    let slmgr = "Name: Windows(R), Enterprise edition\n\
                 Description: Windows(R) Operating System, VOLUME_KMSCLIENT channel\n\
                 Partial Product Key: 2YT43\n\
                 License Status: Notification\n\
                 Notification Reason: 0xC004F056.\n\
                 Client Machine ID (CMID): d02f0758-43f9-4809-9821-e84edb810cbe\n\
                 KMS machine IP address: 192.0.2.10\n\
                 Error: 0xC004F074 The Software Licensing Service reported ...\n\
                 Error: 0xC004F074 again\n";
    let run = actdoc_env(&["explain", "-", "--json"], &[], Some(slmgr));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.codes(), ["0xC004F056", "0xC004F074"]);
    let empty = actdoc_env(&["explain", "-"], &[], Some("  \n"));
    assert_eq!(empty.code, 2);
    assert!(empty.stderr.contains("empty input"));
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    for (input, says) in [
        ("", "empty input"),
        ("garbage", "`garbage` is not an error code"),
        ("0x123456789", "9 hex digits"),
        ("99999999999", "does not fit in 32 bits"),
        ("-99999999999", "does not fit in 32 bits"),
    ] {
        let run = actdoc(&["explain", input]);
        assert_eq!(run.code, 2, "{input}");
        assert!(run.stderr.contains(says), "{input}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{input}: one line, got {}", run.stderr);
        assert!(!run.stderr.contains("panicked"));
    }
}

#[test]
fn a_bad_input_among_good_ones_stays_in_place_in_json() {
    let run = actdoc(&["explain", "0xC004F074", "nonsense", "1722", "--json"]);
    assert_eq!(run.code, 2);
    let json = run.json();
    assert_eq!(json[0]["code"], "0xC004F074");
    assert_eq!(json[1]["input"], "nonsense");
    assert!(json[1]["error"].as_str().is_some_and(|e| e.contains("not an error code")));
    assert_eq!(json[2]["code"], "0x800706BA");
}

#[test]
fn an_unnamed_code_still_gets_a_structural_decode_and_exit_1() {
    let run = actdoc(&["explain", "0x12345678", "--json"]);
    assert_eq!(run.code, 1);
    let e = &run.json()[0];
    assert_eq!(e["curated"], false);
    assert_eq!(e["name"], Value::Null);
    assert_eq!(e["decoded"]["facility"], 0x234);
    assert_eq!(e["decoded"]["code"], 0x5678);
}

#[test]
fn named_but_uncurated_codes_exit_0_with_their_sdk_message() {
    let rpc = actdoc(&["explain", "0xC0020017", "--json"]).json();
    assert_eq!(rpc[0]["name"], "RPC_NT_SERVER_UNAVAILABLE");
    assert_eq!(rpc[0]["decoded"]["ntstatus"]["facility_name"], "FACILITY_RPC_RUNTIME");
    let sl = actdoc(&["explain", "0xC004F080", "--json"]);
    assert_eq!(sl.code, 0, "{}", sl.stdout);
    let e = &sl.json()[0];
    assert_eq!((e["name"].as_str(), e["curated"].as_bool()), (Some("SL_E_LICENSE_NOT_BOUND"), Some(false)));
    assert!(e["message"].as_str().is_some_and(|m| m.contains("not bound to the current environment")));
    assert_eq!(e["message_lang"], "en");
}

#[test]
fn the_article_typo_keeps_the_code_entered_and_gives_the_likely_one() {
    let e = &actdoc(&["explain", "0x80092328", "--json"]).json()[0];
    assert_eq!(e["code"], "0x80092328");
    assert_eq!(e["likely_code"], "0x8007232B");
    assert_eq!(e["name_official"], false);
}

#[test]
fn language_follows_the_locale_unless_given() {
    let zh = actdoc_env(&["explain", "0xC004F038", "--json"], &[("LANG", "zh_CN.UTF-8")], None).json();
    assert_eq!(zh[0]["lang"], "zh-CN");
    assert_eq!(zh[0]["activation_types"], serde_json::json!(["KMS 客户端"]));
    let forced = actdoc_env(&["--lang", "en", "explain", "0xC004F038", "--json"], &[("LC_ALL", "zh_CN.UTF-8")], None);
    assert_eq!(forced.json()[0]["lang"], "en");
    let lc_all_wins = actdoc_env(&["explain", "0xC004F038", "--json"], &[("LC_ALL", "zh_CN"), ("LANG", "en_US")], None);
    assert_eq!(lc_all_wins.json()[0]["lang"], "zh-CN");
    assert_eq!(actdoc(&["--lang", "zh-cn", "explain", "0xC004F038", "--json"]).json()[0]["lang"], "zh-CN");
    assert_eq!(actdoc(&["--lang", "fr", "explain", "0xC004F038"]).code, 2);
    let text = actdoc(&["--lang", "zh-CN", "explain", "0xC004F038"]).stdout;
    assert!(text.contains("消息：") && !text.contains("消息:"), "Chinese labels take full-width colons");
}

#[test]
fn json_and_format_json_agree_and_contradictions_are_usage_errors() {
    assert_eq!(
        actdoc(&["explain", "0xC004F074", "--json"]).stdout,
        actdoc(&["explain", "0xC004F074", "--format", "json"]).stdout
    );
    let run = actdoc(&["explain", "0xC004F074", "--json", "--format", "text"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--json and --format text"));
    assert_eq!(actdoc(&["explain", "0xC004F074", "--format", "yaml"]).code, 2);
}

#[test]
fn colour_only_when_wanted() {
    assert!(!actdoc(&["explain", "0xC004F074"]).stdout.contains('\x1b'));
    assert!(actdoc(&["explain", "0xC004F074", "--color", "always"]).stdout.contains("\x1b["));
    // Not a terminal: auto mode stays plain even without NO_COLOR.
    let mut cmd = Command::cargo_bin("actdoc").unwrap();
    let out = cmd.args(["explain", "0xC004F074"]).env_remove("NO_COLOR").output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\x1b'));
}

#[test]
fn search_finds_codes_in_either_language() {
    let top = actdoc(&["search", "DNS name does not exist", "--json"]).codes();
    assert!(top.iter().take(4).any(|c| c == "0x8007232B"), "{top:?}");
    let zh = actdoc(&["search", "请求时间戳无效", "--json"]).json();
    assert_eq!(zh[0]["code"], "0xC004F06C");
    let count = actdoc(&["search", "KMS", "count", "insufficient", "--json"]).json();
    assert_eq!(count[0]["code"], "0xC004F038");
    let none = actdoc(&["search", "zzzzqqqq"]);
    assert_eq!(none.code, 1);
    insta::assert_snapshot!(actdoc(&["search", "--limit", "5", "DNS"]).stdout);
}

#[test]
fn list_filters_by_activation_type() {
    let hosts = actdoc(&["list", "--type", "kms-host", "--json"]).json();
    let rows = hosts.as_array().unwrap();
    assert!(rows.iter().any(|r| r["code"] == "0x8007232A"));
    assert!(rows.iter().all(|r| r["activation_type_ids"].as_array().unwrap().contains(&Value::from("kms-host"))));
    let seed = actdoc(&["list", "--seed", "--json"]).json();
    assert_eq!(seed.as_array().map(Vec::len), Some(30));
    assert_eq!(actdoc(&["list", "--type", "bogus"]).code, 2);
    insta::assert_snapshot!(actdoc(&["list", "--type", "mak"]).stdout);
}

#[test]
fn keys_names_the_gvlk_for_an_edition() {
    let run = actdoc(&["keys", "windows", "11", "pro", "--json"]);
    assert_eq!(run.code, 0);
    let json = run.json();
    let pro = json.as_array().unwrap().iter().find(|p| p["name"] == "Windows 11 Pro").unwrap();
    assert_eq!(pro["gvlk"], "W269N-WFGWX-YVC9B-4J6C9-T83GX");
    let server = actdoc(&["keys", "server 2022 datacenter", "--json"]).json();
    assert!(server.as_array().unwrap().iter().any(|p| p["gvlk"] == "WX4NM-KYWYW-QJJR4-XV3QB-6VM33"));
    assert_eq!(actdoc(&["keys", "no such edition"]).code, 1);
    insta::assert_snapshot!(actdoc(&["keys", "windows 11 enterprise"]).stdout);
}

#[test]
fn help_completions_and_man_page() {
    let help = actdoc(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Examples:") && help.stdout.contains("actdoc explain 0xC004F074"));
    for sub in ["explain", "search", "list", "keys", "completions", "man"] {
        let run = actdoc(&[sub, "--help"]);
        assert_eq!(run.code, 0, "{sub}");
        assert!(run.stdout.contains("Examples:"), "{sub} --help has no examples");
        assert!(run.stdout.contains("--json") && run.stdout.contains("--format"), "{sub} lacks --json/--format");
    }
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = actdoc(&["completions", shell]);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("actdoc"), "{shell}");
    }
    let man = actdoc(&["man"]);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH actdoc"),
        "{}",
        &man.stdout[..80.min(man.stdout.len())]
    );
    assert_eq!(actdoc(&["frobnicate"]).code, 2);
    assert_eq!(actdoc(&["explain"]).code, 2);
}
