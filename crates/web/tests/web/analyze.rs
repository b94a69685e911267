//! Analysis of uploads, compared with what the library gives `actdoc scan` for the same files:
//! the API's JSON, the page flow (upload, results, the report page, the JSON download), pasted
//! text, folders, redaction, and the server's own paths never showing.

use std::path::Path;

use actdoc_core::{Kb, Lang, Products};
use actdoc_fleet::{Options, analyse};
use actdoc_logs::scan::{Progress, ScanOptions, scan};
use actdoc_report::Report;
use actdoc_web::{WebConfig, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::support::{FAILING_EVTX, app, corpus, fixture, fleet_parts, get, post_multipart, send};

/// What `actdoc scan PATH` reports, with file paths made relative to `base` and the source label
/// of loose files named as the upload names them.
fn library_report(path: &Path, base: &Path, lang: Lang) -> Report {
    let kb = Kb::embedded().unwrap();
    let products = Products::embedded().unwrap();
    let collected = scan(&[path.to_path_buf()], &ScanOptions::default(), &Progress::default());
    let mut report = analyse(
        &collected,
        &Options { kb, products, lang, as_of: None, generated_by: format!("actdoc {}", env!("CARGO_PKG_VERSION")) },
    );
    let prefix = format!("{}/", base.display());
    let strip = |s: &mut String| *s = s.replace(&prefix, "");
    let strip_shared = |s: &mut actdoc_report::model::Shared| *s = s.replace(&prefix, "").into();
    for s in &mut report.sources {
        strip(&mut s.path);
    }
    for f in &mut report.findings {
        f.evidence.iter_mut().for_each(|e| strip_shared(&mut e.file));
    }
    for p in report.machines.iter_mut().flat_map(|m| m.products.iter_mut()) {
        p.evidence.iter_mut().for_each(|e| strip_shared(&mut e.file));
        p.history.iter_mut().for_each(|h| strip_shared(&mut h.evidence.file));
    }
    for w in &mut report.warnings {
        strip(&mut w.file);
    }
    report
}

fn as_json(report: &Report) -> Value {
    serde_json::to_value(report).unwrap()
}

#[tokio::test]
async fn an_evtx_upload_gives_the_same_json_as_scan() {
    let path = corpus(FAILING_EVTX);
    let bytes = std::fs::read(&path).unwrap();
    let answer = post_multipart(&app(), "/api/v1/analyze", &[("files", Some(FAILING_EVTX), &bytes)]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut expected = library_report(&path, path.parent().unwrap(), Lang::En);
    // A loose file's source is its folder: the upload folder here, the corpus folder there.
    expected.machines.iter_mut().for_each(|m| m.source = "upload".into());
    assert_eq!(answer.json(), as_json(&expected));
    let body = answer.json();
    assert_eq!(body["findings"][0]["kind"], json!("activation_failed"));
    assert_eq!(body["findings"][0]["code"], json!("0x80072EE7"));
    assert_eq!(body["machines"][0]["machine"], json!("FUKUSUKE16E9"));
    assert_eq!(body["sources"][0]["path"], json!(FAILING_EVTX));
}

#[tokio::test]
async fn a_raw_body_is_one_file_read_by_its_content() {
    let bytes = std::fs::read(corpus(FAILING_EVTX)).unwrap();
    let answer = send(
        &app(),
        Request::post("/api/v1/analyze?lang=zh-CN")
            .header("content-type", "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["lang"], json!("zh-CN"));
    assert_eq!(
        body["sources"][0],
        json!({"path": "request-body", "format": "evtx", "records": body["sources"][0]["records"], "hits": body["sources"][0]["hits"], "outside_window": 0})
    );
    assert_eq!(body["findings"][0]["code"], json!("0x80072EE7"));
}

#[tokio::test]
async fn a_folder_upload_reads_like_scan_of_the_folder() {
    let parts = fleet_parts();
    let refs: Vec<(&str, Option<&str>, &[u8])> =
        parts.iter().map(|(name, bytes)| ("folder", Some(name.as_str()), bytes.as_slice())).collect();
    let answer = post_multipart(&app(), "/api/v1/analyze", &refs).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let fleet = fixture("fleet");
    let expected = library_report(&fleet, fleet.parent().unwrap(), Lang::En);
    assert_eq!(answer.json(), as_json(&expected));
    let body = answer.json();
    assert_eq!(body["summary"]["machines"], json!(5));
    assert_eq!(body["machines"][0]["source"], json!("pc-a"));
    assert!(body["findings"].as_array().unwrap().iter().any(|f| f["kind"] == json!("cloned_cmid")));
}

#[tokio::test]
async fn pasted_slmgr_output_is_read() {
    // Saved slmgr output is UTF-16 as PowerShell's `>` writes it: it comes as a file.
    let slmgr = std::fs::read(fixture("slmgr/ws01/slmgr.txt")).unwrap();
    let as_file = post_multipart(&app(), "/api/v1/analyze", &[("files", Some("slmgr.txt"), &slmgr)]).await;
    assert_eq!(as_file.status, StatusCode::OK, "{}", as_file.body);
    assert_eq!(as_file.json()["sources"][0]["format"], json!("slmgr_text"));
    let text = "Name: Windows(R), Enterprise edition\r\nDescription: Windows(R) Operating System, VOLUME_KMSCLIENT channel\r\n\
                License Status: Notification\r\nNotification Reason: 0xC004F034.\r\n";
    let pasted = post_multipart(&app(), "/api/v1/analyze", &[("text", None, text.as_bytes())]).await;
    assert_eq!(pasted.status, StatusCode::OK, "{}", pasted.body);
    assert_eq!(
        pasted.json()["sources"][0],
        json!({"path": "pasted.txt", "format": "slmgr_text", "records": 1, "hits": 1, "outside_window": 0})
    );
}

#[tokio::test]
async fn what_cannot_be_read_is_a_422_naming_each_file() {
    let answer = post_multipart(&app(), "/api/v1/analyze", &[("files", Some("notes.txt"), b"just some words")]).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = answer.json();
    assert!(body["error"].as_str().unwrap().contains("nothing readable"));
    assert_eq!(body["warnings"][0]["file"], json!("notes.txt"));
}

#[tokio::test]
async fn bad_requests_are_400s_that_say_why() {
    let app = app();
    for (parts, says) in [
        (vec![("text", None, &b" "[..])], "nothing to analyze"),
        (vec![("surprise", None, &b"x"[..])], "unknown form field `surprise`"),
        (
            vec![("as_of", None, &b"yesterday"[..]), ("text", None, &b"License Status: Licensed"[..])],
            "as_of `yesterday`",
        ),
        (vec![("lang", None, &b"fr"[..]), ("text", None, &b"License Status: Licensed"[..])], "fr"),
    ] {
        let answer = post_multipart(&app, "/api/v1/analyze", &parts).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{says}: {}", answer.body);
        assert!(answer.body.contains(says), "{says}: {}", answer.body);
    }
    let empty = send(&app, Request::post("/api/v1/analyze").body(Body::empty()).unwrap()).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let broken = send(
        &app,
        Request::post("/api/v1/analyze")
            .header("content-type", "multipart/form-data; boundary=x")
            .body(Body::from("garbage"))
            .unwrap(),
    )
    .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_page_flow_uploads_once_and_shows_the_same_report_as_scan() {
    let app = app();
    let path = corpus(FAILING_EVTX);
    let bytes = std::fs::read(&path).unwrap();
    let posted = post_multipart(
        &app,
        "/analyze",
        &[
            ("lang", None, b"en"),
            ("text", None, b""),
            ("files", Some(FAILING_EVTX), &bytes),
            ("folder", Some(""), b""),
            ("as_of", None, b""),
        ],
    )
    .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let location = posted.location().to_string();
    assert!(location.starts_with("/analyze/") && location.ends_with("?lang=en"), "{location}");
    let id = location.trim_start_matches("/analyze/").trim_end_matches("?lang=en").to_string();

    let results = get(&app, &location).await;
    assert_eq!(results.status, StatusCode::OK);
    assert!(results.body.contains("FUKUSUKE16E9 / Windows: activation fails with 0x80072EE7"), "{}", results.body);
    assert!(results.body.contains("href=\"/codes/0x80072EE7\""));
    assert!(results.body.contains(&format!("href=\"/analyze/{id}/report?lang=en\"")));

    let mut expected = library_report(&path, path.parent().unwrap(), Lang::En);
    expected.machines.iter_mut().for_each(|m| m.source = "upload".into());
    let report = get(&app, &format!("/analyze/{id}/report?lang=en")).await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(report.body, actdoc_report::html::render(&expected), "the page scan --format html writes");
    assert!(report.header("content-disposition").is_empty());
    let download = get(&app, &format!("/analyze/{id}/report?lang=en&download=1")).await;
    assert!(download.header("content-disposition").starts_with("attachment"));

    let json = get(&app, &format!("/analyze/{id}/report.json?lang=en")).await;
    assert_eq!(json.header("content-disposition"), "attachment; filename=\"actdoc-report.json\"");
    assert_eq!(json.json(), as_json(&expected));

    // The same analysis reads in Chinese without uploading again.
    let zh = get(&app, &format!("/analyze/{id}?lang=zh-CN")).await;
    assert!(zh.body.contains("<html lang=\"zh-CN\">") && zh.body.contains("发现"));
    let zh_json = get(&app, &format!("/analyze/{id}/report.json?lang=zh-CN")).await;
    assert_eq!(zh_json.json()["lang"], json!("zh-CN"));

    assert_eq!(get(&app, "/analyze/ffffffffffffffffffffffffffffffff").await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, "/analyze/..%2F..%2Fetc%2Fpasswd").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_page_says_what_went_wrong_in_the_form() {
    let app = app();
    let empty = post_multipart(&app, "/analyze", &[("lang", None, b"zh-CN"), ("text", None, b"")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("没有可分析的内容") && empty.body.contains("enctype=\"multipart/form-data\""));
    let unreadable = post_multipart(&app, "/analyze", &[("files", Some("junk.txt"), b"hello there")]).await;
    assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unreadable.body.contains("junk.txt") && unreadable.body.contains("Nothing readable"),
        "{}",
        unreadable.body
    );
}

#[tokio::test]
async fn the_servers_own_paths_never_show() {
    let bytes = std::fs::read(corpus(FAILING_EVTX)).unwrap();
    let parts = fleet_parts();
    let mut refs: Vec<(&str, Option<&str>, &[u8])> =
        parts.iter().map(|(name, bytes)| ("files", Some(name.as_str()), bytes.as_slice())).collect();
    refs.push(("files", Some("../../escape.evtx"), &bytes));
    refs.push(("files", Some("broken.xml"), b"<Events><Event><System>"));
    let answer = post_multipart(&app(), "/api/v1/analyze", &refs).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let temp = std::env::temp_dir().display().to_string();
    assert!(!answer.body.contains(&temp) && !answer.body.contains("actdoc-upload-"), "{}", answer.body);
    let body = answer.json();
    let sources: Vec<&str> = body["sources"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert!(sources.contains(&"escape.evtx") && sources.contains(&"fleet/pc-a/Application.xml"), "{sources:?}");
}

#[tokio::test]
async fn redaction_hides_names_hosts_domains_and_cmids_everywhere() {
    let app = router(WebConfig { redact: true, ..WebConfig::default() });
    let bytes = std::fs::read(corpus(FAILING_EVTX)).unwrap();
    let healthy = std::fs::read(corpus("anotherc0ne__EventLog__Application.evtx")).unwrap();
    let parts = fleet_parts();
    let mut refs: Vec<(&str, Option<&str>, &[u8])> =
        parts.iter().map(|(name, bytes)| ("files", Some(name.as_str()), bytes.as_slice())).collect();
    refs.push(("files", Some("FUKUSUKE16E9/Application.evtx"), &bytes));
    refs.push(("files", Some("aslwinclient/Application.evtx"), &healthy));
    let answer = post_multipart(&app, "/api/v1/analyze", &refs).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    let secrets = [
        "pc-a",
        "pc-b",
        "pc-lost",
        "pc-old",
        "pc-skew",
        "kms01",
        "contoso",
        "fukusuke16e9",
        "aslwinclient",
        "aperture.sci",
        "169.254.169.251",
        "dddddddd-0000",
        "eeeeeeee-0000",
        "cccccccc-0000",
        "d02f0758",
    ];
    let json_text = answer.body.to_ascii_lowercase();
    for secret in secrets {
        assert!(!json_text.contains(secret), "`{secret}` leaked: {}", answer.body);
    }
    let body = answer.json();
    let machines: Vec<&str> =
        body["machines"].as_array().unwrap().iter().map(|m| m["machine"].as_str().unwrap()).collect();
    assert!(machines.iter().all(|m| m.starts_with("machine-")), "{machines:?}");
    assert!(body["kms_hosts"][0]["host"].as_str().unwrap().starts_with("kms-host-"));
    // The cloned image is still one CMID under two machines.
    let clone = body["findings"].as_array().unwrap().iter().find(|f| f["kind"] == json!("cloned_cmid")).unwrap();
    let cmids: Vec<&str> = body["machines"].as_array().unwrap().iter().filter_map(|m| m["cmid"].as_str()).collect();
    let shared = cmids.iter().find(|c| cmids.iter().filter(|d| d == c).count() == 2).unwrap();
    assert!(shared.starts_with("cmid-") && clone["title"].as_str().unwrap().contains(shared), "{clone}");

    // The page flow and the HTML report are redacted the same way.
    let posted = post_multipart(&app, "/analyze", &refs).await;
    let results = get(&app, posted.location()).await;
    let id = posted.location().trim_start_matches("/analyze/").split('?').next().unwrap().to_string();
    let report = get(&app, &format!("/analyze/{id}/report")).await;
    for page in [&results.body, &report.body] {
        let lower = page.to_ascii_lowercase();
        for secret in secrets {
            assert!(!lower.contains(secret), "`{secret}` leaked in a page");
        }
    }
    assert!(report.body.contains("machine-1"));
    let form = get(&app, "/analyze").await;
    assert!(form.body.contains("pseudonyms"), "the form says names are hidden");
}

/// Posts the upload form with `cookie` (if any): the answer, and the session cookie it set.
async fn post_form_as(app: &axum::Router, cookie: Option<&str>, text: &str) -> crate::support::Answer {
    let (content_type, body) = crate::support::multipart(&[("text", None, text.as_bytes())]);
    let mut request = Request::post("/analyze").header("content-type", content_type);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(app, request.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn one_sessions_uploads_do_not_evict_anothers_result() {
    let app = app();
    let text = "Name: Windows(R), Enterprise edition\r\nLicense Status: Licensed\r\n";
    let mine = post_form_as(&app, None, text).await;
    assert_eq!(mine.status, StatusCode::SEE_OTHER, "{}", mine.body);
    let my_result = mine.location().to_string();
    let my_cookie = mine.header("set-cookie").split(';').next().unwrap().to_string();
    assert!(my_cookie.starts_with("session="), "{my_cookie}");
    // Someone else uploads more than any one session may keep.
    let first = post_form_as(&app, None, text).await;
    let theirs = first.header("set-cookie").split(';').next().unwrap().to_string();
    assert_ne!(theirs, my_cookie);
    let mut their_results = vec![first.location().to_string()];
    for _ in 0..40 {
        let answer = post_form_as(&app, Some(&theirs), text).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        assert!(answer.header("set-cookie").is_empty(), "the session is kept, not replaced");
        their_results.push(answer.location().to_string());
    }
    assert_eq!(get(&app, &my_result).await.status, StatusCode::OK, "my result was evicted by another session");
    // Their own oldest results made room for their newest.
    assert_eq!(get(&app, &their_results[0]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, their_results.last().unwrap()).await.status, StatusCode::OK);
    // Uploading again in my session keeps my earlier result too.
    let again = post_form_as(&app, Some(&my_cookie), text).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(get(&app, &my_result).await.status, StatusCode::OK);
}

/// A body whose bytes come from a channel: an upload still in progress.
struct Channel(tokio::sync::mpsc::Receiver<axum::body::Bytes>);

impl http_body::Body for Channel {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<axum::body::Bytes>, std::io::Error>>> {
        self.0.poll_recv(cx).map(|chunk| chunk.map(|c| Ok(http_body::Frame::data(c))))
    }
}

#[tokio::test]
async fn a_pasted_text_is_streamed_to_disk_within_the_temporary_space() {
    let app = router(WebConfig { temp_space: actdoc_web::MIB, ..WebConfig::default() });
    let line = "License Status: Licensed\r\n";
    let big = line.repeat(2 * actdoc_web::MIB / line.len());
    for (what, parts) in [
        ("text", vec![("text", None, big.as_bytes())]),
        ("file", vec![("files", Some("slmgr.txt"), big.as_bytes())]),
        ("texts", vec![("text", None, &big.as_bytes()[..600 * 1024]), ("text", None, &big.as_bytes()[..600 * 1024])]),
    ] {
        let answer = post_multipart(&app, "/api/v1/analyze", &parts).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {}", answer.body);
        assert!(answer.json()["error"].as_str().unwrap().contains("temporary space"), "{what}: {}", answer.body);
        assert!(!answer.header("retry-after").is_empty());
    }
    // What fits is read as usual, and what the refused uploads held was given back.
    let fits = post_multipart(&app, "/api/v1/analyze", &[("text", None, &big.as_bytes()[..512 * 1024])]).await;
    assert_eq!(fits.status, StatusCode::OK, "{}", fits.body);
    assert_eq!(fits.json()["sources"][0]["path"], json!("pasted.txt"));
}

#[tokio::test]
async fn uploads_beyond_the_concurrent_limit_are_refused_until_one_ends() {
    let app = router(WebConfig { concurrent_uploads: 1, ..WebConfig::default() });
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tx.send(axum::body::Bytes::from_static(b"License Status: Licensed\r\n")).await.unwrap();
    let slow = tokio::spawn({
        let app = app.clone();
        async move { send(&app, Request::post("/api/v1/analyze").body(Body::new(Channel(rx))).unwrap()).await }
    });
    // The first upload holds the only slot while its body is still coming; this test's runtime
    // has one thread, so the spawned request starts (and takes the slot) while this one sleeps.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut refused = None;
    for _ in 0..200 {
        let answer =
            send(&app, Request::post("/api/v1/analyze").body(Body::from("License Status: Licensed")).unwrap()).await;
        if answer.status == StatusCode::SERVICE_UNAVAILABLE {
            refused = Some(answer);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let refused = refused.expect("a second upload was let in while the first was still arriving");
    assert!(refused.json()["error"].as_str().unwrap().contains("uploads"), "{}", refused.body);
    assert!(!refused.header("retry-after").is_empty());
    drop(tx);
    let first = tokio::time::timeout(std::time::Duration::from_secs(60), slow).await.unwrap().unwrap();
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let after =
        send(&app, Request::post("/api/v1/analyze").body(Body::from("License Status: Licensed")).unwrap()).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
}

/// A bundle as `actdoc doctor --bundle` writes it (layout 1): a helpdesk gets one by mail and
/// uploads it.
fn doctor_bundle() -> Vec<u8> {
    use std::io::Write as _;
    let manifest = json!({"bundle": 1, "computer": "PC01", "collected_at": "2026-11-30T08:05:00Z",
                          "collected": {"wmi_products": {"ok": true, "detail": "2 licensing products with a product key"}}});
    let licensing = json!([
        {"ID": "fbdb3e18-a8ef-4fb3-9183-dffd60bd0984", "Name": "Office 21, Office21ProPlus2021VL_KMS_Client_AE edition",
         "ApplicationID": "0ff1ce15-a989-479d-af46-f275c6370663", "PartialProductKey": "6F7TH",
         "ProductKeyChannel": "Volume:GVLK", "LicenseStatus": 5, "LicenseStatusReason": 3_221_549_164_u32, "PSComputerName": "PC01"},
        {"ClientMachineID": "A1B2C3D4-0000-4000-8000-000000000001", "KeyManagementServiceMachine": "kms1.corp.example",
         "KeyManagementServicePort": 1688, "PSComputerName": "PC01"}
    ]);
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in [("actdoc-bundle.json", manifest.to_string()), ("licensing.json", licensing.to_string())] {
        writer.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        writer.write_all(bytes.as_bytes()).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[tokio::test]
async fn an_uploaded_doctor_bundle_is_read_like_any_log() {
    let answer = post_multipart(&app(), "/api/v1/analyze", &[("files", Some("PC01.zip"), &doctor_bundle())]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["sources"][0]["format"], json!("bundle"));
    assert_eq!(body["machines"][0]["machine"], json!("PC01"));
    assert_eq!(body["machines"][0]["products"][0]["reason"]["code"], json!("0xC004F06C"));
    assert_eq!(body["machines"][0]["state"], json!("failing"));
}
