//! The pages a helpdesk reader uses: search, code pages in every spelling, browsing by type,
//! the language switch, escaping, and the pages that say something went wrong.

use axum::http::StatusCode;

use crate::support::{app, get, get_with};

#[tokio::test]
async fn home_has_one_search_box_and_the_ways_in() {
    let answer = get(&app(), "/").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-type"), "text/html; charset=utf-8");
    let html = &answer.body;
    assert_eq!(html.matches("type=\"search\"").count(), 1, "one search box on the home page");
    assert!(html.contains("action=\"/search\""));
    for link in ["/types/kms-client", "/analyze", "/codes", "/codes/0xC004F074"] {
        assert!(html.contains(&format!("href=\"{link}\"")), "{link}");
    }
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/static/site.css\">"));
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("/check"), "no check page without a runner");
}

#[tokio::test]
async fn one_code_redirects_to_its_page_anything_else_lists_results() {
    let app = app();
    let code = get(&app, "/search?q=c004f074").await;
    assert_eq!((code.status, code.location()), (StatusCode::SEE_OTHER, "/codes/c004f074"));
    let signed = get(&app, "/search?q=-1073418124").await;
    assert_eq!(signed.location(), "/codes/-1073418124");
    let in_text = get(&app, "/search?q=Reason%3A0x8007232B%20at%2012%3A00").await;
    assert_eq!(in_text.location(), "/codes/0x8007232B");
    let words = get(&app, "/search?q=DNS%20name%20does%20not%20exist").await;
    assert_eq!(words.status, StatusCode::OK);
    assert!(words.body.contains("href=\"/codes/0x8007232B\""), "{}", words.body);
    let chinese = get(&app, "/search?q=%E6%97%A0%E6%B3%95%E8%81%94%E7%B3%BB%20KMS&lang=zh-CN").await;
    assert!(chinese.body.contains("href=\"/codes/0xC004F074\""));
    let several = get(&app, "/search?q=0xC004F074%20and%200xC004F06C").await;
    assert_eq!(several.status, StatusCode::OK);
    assert!(several.body.contains("href=\"/codes/0xC004F06C\"") && several.body.contains("href=\"/codes/0xC004F074\""));
    let empty = get(&app, "/search?q=").await;
    assert_eq!((empty.status, empty.location()), (StatusCode::SEE_OTHER, "/"));
    let nothing = get(&app, "/search?q=zzzzqqqq").await;
    assert_eq!(nothing.status, StatusCode::OK);
    assert!(nothing.body.contains("Nothing matched"));
}

#[tokio::test]
async fn a_code_page_has_everything_explain_prints() {
    let answer = get(&app(), "/codes/c004f074").await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = &answer.body;
    for part in [
        "<link rel=\"canonical\" href=\"/codes/0xC004F074\">",
        "SL_E_VL_BINDING_SERVICE_UNAVAILABLE",
        "No Key Management Service (KMS) could be contacted",
        "href=\"/types/kms-client\"",
        "id=\"cause\"",
        "<ol class=\"steps\">",
        "<code class=\"cmd\">slmgr /dlv</code>",
        "href=\"/codes/0xC004F06C\"",
        "id=\"structure\"",
        "FACILITY_",
        "href=\"/api/v1/codes/0xC004F074?lang=en\"",
        "read from “c004f074”",
    ] {
        assert!(html.contains(part), "missing {part}");
    }
}

#[tokio::test]
async fn a_code_page_names_its_sources_whose_symbol_it_borrows_and_which_wordings_we_translated() {
    let app = app();
    let borrowed = get(&app, "/codes/0xC004F065").await;
    assert_eq!(borrowed.status, StatusCode::OK);
    for part in [
        "The SDK defines this symbol for 0x4004F065.",
        "id=\"sources\"",
        "MicrosoftDocs/windowsserverdocs WindowsServerDocs/get-started/activation-error-codes.md",
    ] {
        assert!(borrowed.body.contains(part), "missing {part}");
    }
    let chinese = get(&app, "/codes/0x4004F065?lang=zh-CN").await;
    let translated = "软件授权服务报告该应用程序正在有效的非正版期限内运行 <span class=\"badge muted\">我们的译文";
    assert!(chinese.body.contains(translated), "{}", chinese.body);
    let english = get(&app, "/codes/0x4004F065").await;
    assert!(!english.body.contains("our translation"), "English wordings are as printed");
}

#[tokio::test]
async fn every_spelling_explain_accepts_has_a_page_with_the_same_canonical_link() {
    let app = app();
    for (input, canonical) in [
        ("0xC004F074", "0xC004F074"),
        ("0xc004f074", "0xC004F074"),
        ("-1073418124", "0xC004F074"),
        ("3221549172", "0xC004F074"),
        ("0xFFFFFFFFC004F074", "0xC004F074"),
        ("1722", "0x800706BA"),
        ("9003", "0x8007232B"),
        ("0x6BA", "0x800706BA"),
        ("80070005", "0x80070005"),
        ("0xC004F074L", "0xC004F074"),
    ] {
        let answer = get(&app, &format!("/codes/{input}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{input}");
        assert!(
            answer.body.contains(&format!("<link rel=\"canonical\" href=\"/codes/{canonical}\">")),
            "{input} -> {canonical}"
        );
    }
}

#[tokio::test]
async fn an_unnamed_code_still_gets_its_decode() {
    let answer = get(&app(), "/codes/0x12345678").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("No name"));
    assert!(answer.body.contains("id=\"structure\""));
    assert!(answer.body.contains("0001 0010 0011 0100 0101 0110 0111 1000"));
}

#[tokio::test]
async fn text_with_several_codes_lists_them() {
    let answer = get(&app(), "/codes/0xC004F074%20then%200x8007232B").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("2 codes in your text"));
    assert!(answer.body.contains("href=\"/codes/0x8007232B\""));
}

#[tokio::test]
async fn script_in_the_address_comes_back_escaped_in_a_400() {
    let app = app();
    for path in ["/codes/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/codes/%3Cscript%3Ealert(1)%3C/script%3E"] {
        let answer = get(&app, path).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(!answer.body.contains("<script>alert(1)"), "{path}: {}", answer.body);
        assert!(answer.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{path}: {}", answer.body);
    }
    let api = get(&app, "/api/v1/codes/%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    assert_eq!(api.header("content-type"), "application/json");
    assert_eq!(api.json()["input"], serde_json::json!("<script>alert(1)</script>"));
    let search = get(&app, "/search?q=%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E").await;
    assert!(!search.body.contains("<img src=x"), "{}", search.body);
    assert!(search.body.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
}

#[tokio::test]
async fn chinese_by_query_is_remembered_in_a_cookie() {
    let app = app();
    let asked = get(&app, "/codes/0xC004F074?lang=zh-CN").await;
    assert_eq!(asked.status, StatusCode::OK);
    assert!(asked.body.contains("<html lang=\"zh-CN\">"));
    assert!(asked.body.contains("解决方法"), "the frame is in Chinese");
    assert!(asked.body.contains("无法联系任何密钥管理服务(KMS)"), "the explanation is in Chinese");
    let cookie = asked.header("set-cookie");
    assert!(
        cookie.starts_with("lang=zh-CN;") && cookie.contains("Path=/") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let remembered = get_with(&app, "/codes/0xC004F074", &[("cookie", "lang=zh-CN")]).await;
    assert!(remembered.body.contains("解决方法") && remembered.body.contains("<html lang=\"zh-CN\">"));
    assert!(remembered.header("set-cookie").is_empty(), "nothing new to remember");
    // The switch links keep the page and change the language.
    assert!(remembered.body.contains("href=\"/codes/0xC004F074?lang=en\""));

    let back = get_with(&app, "/codes/0xC004F074?lang=en", &[("cookie", "lang=zh-CN")]).await;
    assert!(back.body.contains("<html lang=\"en\">") && back.body.contains("Resolution"));
    assert!(back.header("set-cookie").starts_with("lang=en;"));
    // A language we do not speak is ignored on pages.
    let odd = get(&app, "/codes/0xC004F074?lang=tlh").await;
    assert_eq!(odd.status, StatusCode::OK);
    assert!(odd.header("set-cookie").is_empty());
}

#[tokio::test]
async fn browse_by_activation_type() {
    let app = app();
    let index = get(&app, "/types").await;
    assert_eq!(index.status, StatusCode::OK);
    for id in ["mak", "kms", "kms-client", "kms-host", "ad-based", "retail"] {
        assert!(index.body.contains(&format!("href=\"/types/{id}\"")), "{id}");
        let page = get(&app, &format!("/types/{id}")).await;
        assert_eq!(page.status, StatusCode::OK, "{id}");
        assert!(page.body.contains(&format!("<link rel=\"canonical\" href=\"/types/{id}\">")));
    }
    let kms_client = get(&app, "/types/kms-client").await;
    assert!(kms_client.body.contains("href=\"/codes/0xC004F074\""));
    assert!(!kms_client.body.contains("href=\"/codes/0xC004C003\""), "a MAK code is not a KMS client code");
    assert!(get(&app, "/types/KMS-Host").await.status == StatusCode::OK, "ids ignore case");
    let chinese = get(&app, "/types/kms-host?lang=zh-CN").await;
    assert!(chinese.body.contains("KMS 主机"));
    let unknown = get(&app, "/types/volume").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn all_codes_are_listed() {
    let answer = get(&app(), "/codes").await;
    assert_eq!(answer.status, StatusCode::OK);
    let kb = actdoc_core::Kb::embedded().unwrap();
    for entry in kb.entries() {
        assert!(answer.body.contains(&format!("href=\"/codes/{}\"", entry.code)), "{}", entry.code);
    }
}

#[tokio::test]
async fn the_api_page_is_made_from_the_openapi_document() {
    let answer = get(&app(), "/api").await;
    assert_eq!(answer.status, StatusCode::OK);
    for path in ["/api/v1/codes/{code}", "/api/v1/search", "/api/v1/analyze", "/api/v1/health"] {
        assert!(answer.body.contains(path), "{path}");
    }
    assert!(!answer.body.contains("/api/v1/check"), "no check endpoint without a runner");
}

#[tokio::test]
async fn static_files_are_ours_and_cacheable() {
    let app = app();
    let css = get(&app, "/static/site.css").await;
    assert_eq!((css.status, css.header("content-type")), (StatusCode::OK, "text/css; charset=utf-8"));
    assert!(css.header("cache-control").contains("max-age"));
    assert!(!css.body.contains("url(http") && !css.body.contains("@import"), "nothing fetched from elsewhere");
    let js = get(&app, "/static/site.js").await;
    assert_eq!((js.status, js.header("content-type")), (StatusCode::OK, "text/javascript; charset=utf-8"));
    assert!(!js.body.contains("fetch(") && !js.body.contains("XMLHttpRequest"), "the script sends nothing");
    assert_eq!(get(&app, "/static/other.js").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_pages_are_404_pages_with_a_way_back() {
    let answer = get(&app(), "/nowhere?lang=zh-CN").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.header("content-type"), "text/html; charset=utf-8");
    assert!(answer.body.contains("页面不存在") && answer.body.contains("action=\"/search\""));
}

#[tokio::test]
async fn the_language_switch_of_a_double_slash_path_stays_on_site() {
    let app = app();
    for path in [
        "//evil.example/x",
        "///evil.example/x",
        "//evil.example/x?lang=en",
        "/./evil.example/x//y",
        "/%2F/evil.example",
    ] {
        let answer = get(&app, path).await;
        let html = &answer.body;
        for outside in ["href=\"//", "href=\"/\\", "href=\"http"] {
            assert!(!html.contains(outside), "{path}: a link off the site ({outside}): {html}");
        }
        assert!(html.contains("?lang=zh-CN\""), "{path}: the switch is still there");
    }
    let answer = get(&app, "//evil.example/x?q=1").await;
    assert!(answer.body.contains("href=\"/evil.example/x?q=1&amp;lang=zh-CN\""), "{}", answer.body);
}
