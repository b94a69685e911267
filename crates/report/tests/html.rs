//! The HTML page: self-contained, script-free, escaped, bilingual, and deterministic.
//! Set `ACTDOC_REPORT_SAMPLE=DIR` to also write sample pages there (for the browser check in
//! tests/browser/).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fixture;

use actdoc_core::Lang;
use actdoc_report::html::render;
use actdoc_report::model::Attempt;

const CHARTS: [&str; 4] = ["chart-errors-by-code", "chart-products-by-state", "chart-timeline", "chart-kms-count"];

/// What a page must never hold under `default-src 'none'`, whatever the report says.
fn assert_self_contained(html: &str) {
    for banned in [
        "<script",
        " onload=",
        " onclick=",
        " onerror=",
        " onmouseover=",
        "javascript:",
        "http://",
        "https://",
        "url(",
        "@import",
        " src=",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "NaN",
        "inf\"",
    ] {
        assert!(!html.contains(banned), "the page holds {banned:?}");
    }
    // The only links are in-page anchors.
    for (i, _) in html.match_indices("href=\"") {
        assert_eq!(&html[i + 6..i + 7], "#", "a link that leaves the page: {}", &html[i..(i + 40).min(html.len())]);
    }
}

/// Every tag in the page is one the renderer writes: model text can never open an element.
fn assert_only_page_tags(html: &str) {
    const TAGS: &str = "!DOCTYPE html head meta title style body header h1 h2 p time dl div dt dd nav a main section \
        figure figcaption svg g rect text tspan line circle path table thead tbody tr th td strong span br code ol \
        li ul details summary footer";
    for (i, _) in html.match_indices('<') {
        let name: String = html[i + 1..]
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
            .collect();
        let name = if name.eq_ignore_ascii_case("!doctype") { "!DOCTYPE".to_string() } else { name };
        assert!(
            TAGS.split_whitespace().any(|t| t == name),
            "unexpected tag <{name}> at {}",
            &html[i..(i + 60).min(html.len())]
        );
    }
}

fn assert_charts(html: &str) {
    for id in CHARTS {
        let at = html
            .find(&format!("<svg id=\"{id}\" class=\"chart\" role=\"img\" aria-label=\""))
            .unwrap_or_else(|| panic!("no {id}"));
        assert!(html[at..].contains("</svg>"));
    }
    assert_eq!(html.matches("<svg").count(), 4);
    assert_eq!(html.matches("</svg>").count(), 4);
}

#[test]
fn the_page_has_the_four_charts_and_needs_nothing_else() {
    let html = render(&fixture::sample(Lang::En));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""));
    assert_charts(&html);
    assert_self_contained(&html);
    assert_only_page_tags(&html);
}

#[test]
fn every_text_of_the_model_is_escaped() {
    let html = render(&fixture::sample(Lang::En));
    assert!(!html.contains(fixture::HOSTILE));
    assert!(html.contains("<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>"));
    assert!(html.contains("Activation failed: &quot;no KMS&quot;, see event 12288 &amp; 8198"));
    assert!(html.contains("=cmd|&#39; /C calc&#39;!A0"));
    assert_only_page_tags(&html);
}

#[test]
fn hostile_text_in_chart_labels_is_escaped() {
    let mut report = fixture::sample(Lang::En);
    report.attempts.push(Attempt {
        time: fixture::at("2024-05-02T09:00:00Z"),
        machine: fixture::HOSTILE.to_string(),
        code: "\"><script>".into(),
        ok: false,
    });
    report.kms_hosts[0].host = "<b onmouseover=x>".to_string();
    report.findings[0].code = Some("<i>".to_string());
    let html = render(&report);
    assert_only_page_tags(&html);
    assert!(!html.contains("<b onmouseover") && !html.contains("<i>"));
    assert!(html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
    assert!(html.contains("&lt;b onmouseover=x&gt;"));
}

#[test]
fn tables_show_states_counts_and_evidence() {
    let html = render(&fixture::sample(Lang::En));
    assert!(html.contains("<span class=\"badge failing\">Failing</span>"));
    assert!(html.contains("<span class=\"badge activated\">Activated</span>"));
    assert!(html.contains("<code>0xC004F06C</code><div class=\"sub mono\">SL_E_VL_INVALID_TIMESTAMP</div>"));
    assert!(html.contains("<div class=\"sub\">set with /skms</div>"));
    assert!(html.contains("<td class=\"num\">179</td>"));
    // kms02 counts 12 clients against 25: marked in the table and in the chart.
    assert!(html.contains("<td class=\"num below\">12</td>"));
    assert!(html.contains("12 / 25 below threshold"));
    assert!(html.contains("31 / 25 </text>"));
    // Six evidence records fold into <details>; resolution steps are an ordered list.
    assert!(html.contains("<details><summary>6 records</summary>"));
    assert!(
        html.contains("logs/pc-fail/Application.evtx#1000</span> @ <time datetime=\"2024-05-02T08:10:00Z\">2024-05-02 08:10:00Z</time> · event 8198")
    );
    assert!(html.contains("logs/kms02/kms.txt:42</span>"));
    assert!(html.contains("<ol><li>Check the clock of PC-FAIL.</li><li>Run slmgr /ato again.</li></ol>"));
    assert!(html.contains("<td class=\"mono path\">logs/pc-x/System.evtx</td><td class=\"num\">69632</td>"));
    assert!(html.contains("<td>slmgr_text</td><td class=\"num\">80</td><td class=\"num\">3</td>"));
}

#[test]
fn codes_are_counted_most_frequent_first_top_twelve() {
    let mut report = fixture::sample(Lang::En);
    let template = report.findings[1].clone();
    for i in 0..20u32 {
        let mut f = template.clone();
        f.code = Some(format!("0xC004F{:03X}", 0x100 + i % 14));
        report.findings.push(f);
    }
    let html = render(&report);
    let chart = &html[html.find("id=\"chart-errors-by-code\"").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert_eq!(chart.matches("<rect").count(), 12);
    // 0xC004F100..=0xC004F105 twice each, then the rest once each, in code order.
    let label = &chart[..chart.find("\" viewBox").unwrap()];
    assert!(label.ends_with("0xC004F100 2, 0xC004F101 2, 0xC004F102 2, 0xC004F103 2, 0xC004F104 2, 0xC004F105 2, 0xC004F038 1, 0xC004F06C 1, 0xC004F074 1, 0xC004F106 1, 0xC004F107 1, 0xC004F108 1"), "{label}");
    assert!(chart.contains("SL_E_VL_INVALID_TIMESTAMP"));
}

#[test]
fn an_empty_report_renders_every_chart_with_an_explanation() {
    let html = render(&fixture::empty(Lang::En));
    assert_charts(&html);
    assert_self_contained(&html);
    for text in [
        "No finding with an error code.",
        "No machine in the logs.",
        "No activation attempt in the logs.",
        "No KMS host log was scanned",
    ] {
        assert!(html.contains(text), "{text}");
    }
}

#[test]
fn the_timeline_survives_one_attempt_and_one_moment() {
    let mut report = fixture::sample(Lang::En);
    report.attempts.truncate(1);
    assert_self_contained(&render(&report));
    let mut same = fixture::sample(Lang::En);
    same.attempts.iter_mut().for_each(|a| a.time = fixture::at("2024-05-02T08:15:00Z"));
    let html = render(&same);
    assert_self_contained(&html);
    assert!(html.contains("05-02 08:15"), "the middle tick is the moment itself");
}

fn large_fleet() -> actdoc_report::Report {
    let mut report = fixture::sample(Lang::En);
    report.attempts = (0..5000)
        .map(|i| Attempt {
            time: fixture::at(&format!("2024-05-{:02}T{:02}:00:00Z", 1 + i % 28, i % 24)),
            machine: format!("PC-{i:04}"),
            code: if i % 7 == 0 { "0xC004F074" } else { "0x00000000" }.into(),
            ok: i % 7 != 0,
        })
        .collect();
    report
}

#[test]
fn a_large_fleet_shares_two_bands_and_stays_small() {
    let html = render(&large_fleet());
    assert_self_contained(&html);
    let chart = &html[html.find("id=\"chart-timeline\"").unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert!(chart.contains(">succeeded</text>") && chart.contains(">failed</text>"));
    assert!(chart.len() < 800_000, "{} bytes", chart.len());
}

#[test]
fn the_same_report_gives_the_same_bytes() {
    assert_eq!(render(&fixture::sample(Lang::En)), render(&fixture::sample(Lang::En)));
    assert_eq!(render(&fixture::sample(Lang::ZhCn)), render(&fixture::sample(Lang::ZhCn)));
}

#[test]
fn a_chinese_report_uses_chinese_headings() {
    let html = render(&fixture::sample(Lang::ZhCn));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
    for heading in [
        "<title>激活扫描报告</title>",
        "<h2>计算机 <span",
        "<h2>发现的问题 <span",
        "<h2>读取警告 <span",
        "<h2>数据来源 <span",
        "<figcaption>激活尝试时间线</figcaption>",
        "<span class=\"badge failing\">失败</span>",
        "12 / 25 低于阈值",
    ] {
        assert!(html.contains(heading), "{heading}");
    }
    for english in [">Findings <", ">Machines <", ">Sources <", "Activation attempts over time"] {
        assert!(!html.contains(english), "{english}");
    }
    assert_self_contained(&html);
}

#[test]
fn write_samples_for_the_browser_check() {
    let Some(dir) = std::env::var_os("ACTDOC_REPORT_SAMPLE") else { return };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("report-sample.html"), render(&fixture::sample(Lang::En))).unwrap();
    std::fs::write(dir.join("report-sample.zh-CN.html"), render(&fixture::sample(Lang::ZhCn))).unwrap();
    std::fs::write(dir.join("report-empty.html"), render(&fixture::empty(Lang::En))).unwrap();
    std::fs::write(dir.join("report-fleet.html"), render(&large_fleet())).unwrap();
}
