//! `/api/v1/*`: the command line's JSON contracts over HTTP.

use actdoc_core::{Kb, Lang, explain, search};
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{app, get, get_with};

fn explain_json(input: &str, lang: Lang) -> Value {
    let kb = Kb::embedded().unwrap();
    let mut results = explain(input, kb, lang);
    serde_json::to_value(results.remove(0).unwrap()).unwrap()
}

#[tokio::test]
async fn a_code_answers_with_the_same_object_as_explain_json() {
    let app = app();
    for input in ["c004f074", "0xC004F074", "-1073418124", "3221549172", "1722", "0x6BA", "80070005"] {
        let answer = get(&app, &format!("/api/v1/codes/{input}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{input}: {}", answer.body);
        assert_eq!(answer.header("content-type"), "application/json");
        assert_eq!(answer.json(), explain_json(input, Lang::En), "{input}");
    }
}

#[tokio::test]
async fn an_unnamed_but_well_formed_code_is_decoded_not_refused() {
    let answer = get(&app(), "/api/v1/codes/0x12345678").await;
    assert_eq!(answer.status, StatusCode::OK);
    let body = answer.json();
    assert_eq!(body, explain_json("0x12345678", Lang::En));
    assert_eq!(body["curated"], json!(false));
    assert_eq!(body["decoded"]["facility"], json!(0x234));
}

#[tokio::test]
async fn chinese_by_query_cookie_or_accept_language() {
    let app = app();
    let zh = explain_json("0xC004F074", Lang::ZhCn);
    assert_eq!(get(&app, "/api/v1/codes/0xC004F074?lang=zh-CN").await.json(), zh);
    assert_eq!(get_with(&app, "/api/v1/codes/0xC004F074", &[("cookie", "lang=zh-CN")]).await.json(), zh);
    assert_eq!(get_with(&app, "/api/v1/codes/0xC004F074", &[("accept-language", "zh-CN,zh;q=0.9")]).await.json(), zh);
    // The query wins over the cookie.
    let en = get_with(&app, "/api/v1/codes/0xC004F074?lang=en", &[("cookie", "lang=zh-CN")]).await;
    assert_eq!(en.json()["lang"], json!("en"));
    // The API never sets the cookie itself.
    assert!(get(&app, "/api/v1/codes/0xC004F074?lang=zh-CN").await.header("set-cookie").is_empty());
}

#[tokio::test]
async fn an_unknown_language_is_a_400_naming_it() {
    let answer = get(&app(), "/api/v1/codes/0xC004F074?lang=tlh").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json()["input"], json!("tlh"));
}

#[tokio::test]
async fn what_is_not_a_code_is_a_400_with_input_and_error() {
    let app = app();
    for (path, input) in [
        ("/api/v1/codes/hello", "hello"),
        ("/api/v1/codes/0x123456789", "0x123456789"),
        ("/api/v1/codes/99999999999", "99999999999"),
        ("/api/v1/codes/%20", ""),
    ] {
        let answer = get(&app, path).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{path}: {}", answer.body);
        let body = answer.json();
        assert_eq!(body["input"], json!(input), "{path}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{path}");
        assert_eq!(body.as_object().unwrap().len(), 2, "{path}: only input and error");
    }
}

#[tokio::test]
async fn text_with_one_code_answers_for_it_and_with_several_lists_them() {
    let app = app();
    let one = get(&app, "/api/v1/codes/hr%3D0x803F7001").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["code"], json!("0x803F7001"));
    let several = get(&app, "/api/v1/codes/0xC004F074%20then%200x8007232B").await;
    assert_eq!(several.status, StatusCode::BAD_REQUEST);
    let body = several.json();
    assert_eq!(body["codes"], json!(["0xC004F074", "0x8007232B"]));
    assert!(body["error"].as_str().unwrap().contains("/api/v1/explain"));
}

#[tokio::test]
async fn explain_returns_the_whole_array() {
    let app = app();
    let answer = get(&app, "/api/v1/explain?q=0xC004F074%20then%200x8007232B").await;
    assert_eq!(answer.status, StatusCode::OK);
    let kb = Kb::embedded().unwrap();
    let expected: Vec<Value> = explain("0xC004F074 then 0x8007232B", kb, Lang::En)
        .into_iter()
        .map(|r| serde_json::to_value(r.unwrap()).unwrap())
        .collect();
    assert_eq!(answer.json(), Value::Array(expected));
    let none = get(&app, "/api/v1/explain?q=nothing%20here").await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.json()[0]["input"], json!("nothing here"));
    assert_eq!(get(&app, "/api/v1/explain").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_ranks_like_the_command_line() {
    let app = app();
    let kb = Kb::embedded().unwrap();
    let answer = get(&app, "/api/v1/search?q=DNS%20name&limit=5").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.json(), serde_json::to_value(search("DNS name", kb, Lang::En, 5)).unwrap());
    let zh = get(&app, "/api/v1/search?q=%E6%97%A0%E6%B3%95%E8%81%94%E7%B3%BB&lang=zh-CN").await;
    assert_eq!(zh.json(), serde_json::to_value(search("无法联系", kb, Lang::ZhCn, 20)).unwrap());
    assert!(!zh.json().as_array().unwrap().is_empty());
    let nothing = get(&app, "/api/v1/search?q=zzzzqqqq").await;
    assert_eq!((nothing.status, nothing.json()), (StatusCode::OK, json!([])));
}

#[tokio::test]
async fn search_refuses_no_query_and_bad_limits() {
    let app = app();
    for path in [
        "/api/v1/search",
        "/api/v1/search?q=%20",
        "/api/v1/search?q=dns&limit=0",
        "/api/v1/search?q=dns&limit=101",
        "/api/v1/search?q=dns&limit=ten",
    ] {
        let answer = get(&app, path).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(answer.json()["error"].is_string(), "{path}");
    }
}

#[tokio::test]
async fn health_says_ok_with_the_version_and_the_number_of_codes() {
    let answer = get(&app(), "/api/v1/health").await;
    assert_eq!(answer.status, StatusCode::OK);
    let kb = Kb::embedded().unwrap();
    assert_eq!(
        answer.json(),
        json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION"), "codes": kb.entries().len() })
    );
}

#[tokio::test]
async fn unknown_endpoints_and_methods_answer_json() {
    let app = app();
    let missing = get(&app, "/api/v1/nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.json()["error"].as_str().unwrap().contains("/api/v1/nope"));
    let wrong_method = crate::support::send(
        &app,
        axum::http::Request::delete("/api/v1/health").body(axum::body::Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(wrong_method.json()["error"].is_string());
}
