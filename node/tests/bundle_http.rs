//! Bundles through the REST API: the file goes out and in as raw bytes (named for the space and
//! the partner, counted in headers), errors come with their codes in the officer's language,
//! and long exports and imports report their progress on the event stream (`progress` events,
//! at most one per whole percent, ending at done = total).

mod common;

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    sync::mpsc,
    time::Duration,
};

use common::{
    TIMEOUT,
    web::{ApiNode, runtime},
};
use serde_json::{Value, json};

/// One request with a raw body; returns the status, the headers and the raw answer.
fn raw(
    node: &ApiNode,
    method: &str,
    path: &str,
    body: Option<Vec<u8>>,
    lang: &str,
) -> (u16, HashMap<String, String>, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    let req = ureq::http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", node.url))
        .header("Authorization", format!("Bearer {}", node.token))
        .header("Accept-Language", lang)
        .header("Content-Type", "application/octet-stream");
    let resp = match body {
        Some(b) => agent.run(req.body(b).expect("request")),
        None => agent.run(req.body(()).expect("request")),
    };
    let mut resp = resp.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    let bytes = resp.body_mut().with_config().limit(256 * 1024 * 1024).read_to_vec().expect("body");
    (resp.status().as_u16(), headers, bytes)
}

/// Listens to `node`'s event stream on a thread: every `(event, data)` goes to the channel.
/// Returns once the stream said hello, so nothing sent after this call is missed.
fn listen(node: &ApiNode) -> mpsc::Receiver<(String, Value)> {
    let (tx, rx) = mpsc::channel();
    let (url, token) = (format!("{}/api/v1/events", node.url), node.token.clone());
    std::thread::spawn(move || {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(Duration::from_secs(120))).build().into();
        let Ok(resp) = agent.get(&url).header("Authorization", format!("Bearer {token}")).call() else {
            return;
        };
        let mut name = String::new();
        for line in BufReader::new(resp.into_body().into_reader()).lines() {
            let Ok(line) = line else { return };
            if let Some(n) = line.strip_prefix("event:") {
                name = n.trim().to_string();
            } else if let Some(d) = line.strip_prefix("data:") {
                let v = serde_json::from_str(d.trim()).unwrap_or(Value::Null);
                if tx.send((name.clone(), v)).is_err() {
                    return;
                }
            }
        }
    });
    let (name, _) = rx.recv_timeout(TIMEOUT).expect("the event stream says hello");
    assert_eq!(name, "hello");
    rx
}

/// The `progress` events of `work` until one reports done = total.
fn progress_of(rx: &mpsc::Receiver<(String, Value)>, work: &str) -> Vec<(u64, u64)> {
    let mut seen = Vec::new();
    loop {
        let (name, v) =
            rx.recv_timeout(TIMEOUT).unwrap_or_else(|_| panic!("{work}: progress so far {seen:?}"));
        if name != "progress" || v["work"] != work {
            continue;
        }
        let (done, total) = (v["done"].as_u64().expect("done"), v["total"].as_u64().expect("total"));
        seen.push((done, total));
        if done == total {
            return seen;
        }
    }
}

/// Asserts that a run of progress reports counts one total up to its end, each report a new
/// whole percent.
#[track_caller]
fn honest(work: &str, seen: &[(u64, u64)]) {
    assert!(seen.len() >= 2 && seen.len() <= 101, "{work}: {seen:?}");
    let total = seen[0].1;
    assert!(total > 0, "{work} counts something: {seen:?}");
    assert!(seen.iter().all(|&(_, t)| t == total), "{work}: one total: {seen:?}");
    let pct: Vec<u64> = seen.iter().map(|&(d, t)| d * 100 / t).collect();
    assert!(pct.windows(2).all(|w| w[0] < w[1]), "{work}: each report a new whole percent: {seen:?}");
}

#[test]
fn a_bundle_goes_out_and_in_as_raw_bytes_and_its_import_reports_progress_on_the_event_stream() {
    let rt = runtime();
    let mut stpol = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let mut warstein = ApiNode::start(&rt, "Warstein", "DE");
    // Never connected: the file is the only way between them.
    let space = stpol.found_partnership("Saint-Pol – Warstein", &warstein, "Warstein");
    let wid = warstein.id();
    let mut docs = Vec::new();
    for title in ["CIRCLE60", "Charte de jumelage", "Réunion du 3 mars"] {
        let kind = if title == "CIRCLE60" { "plan" } else { "charter" };
        let d = stpol.ok("POST", "/api/v1/docs", Some(json!({"space": space, "kind": kind, "title": title})));
        docs.push(d["id"].as_str().expect("doc").to_string());
    }
    for i in 0..20 {
        stpol.ok(
            "POST",
            &format!("/api/v1/docs/{}/edits", docs[0]),
            Some(json!({"edits": [{"op": "add", "list": "budget/lines", "fields": [["amount", format!("{}", 100 + i)]]}]})),
        );
    }
    // A 3 MB attachment travels inside the bundle.
    let evidence: Vec<u8> = (0..3_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let (status, _, _) = raw(
        &stpol,
        "POST",
        &format!("/api/v1/docs/{}/attachments?name=presence.pdf", docs[0]),
        Some(evidence.clone()),
        "en",
    );
    assert_eq!(status, 200);

    // Out: the file itself, named for the space and the partner, its counts in headers; the
    // export's progress arrives on Saint-Pol's event stream.
    let events = listen(&stpol);
    let (status, headers, bundle) =
        raw(&stpol, "GET", &format!("/api/v1/spaces/{space}/bundle?for={wid}"), None, "fr");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bundle));
    assert_eq!(
        headers.get("content-disposition").map(String::as_str),
        Some("attachment; filename=\"Saint-Pol_Warstein-for-Warstein.twinbundle\"")
    );
    assert_eq!(headers["x-twinmesh-file-name"], "Saint-Pol_Warstein-for-Warstein.twinbundle");
    assert_eq!(headers["x-twinmesh-documents"], "3");
    assert_eq!(headers["x-twinmesh-attachments"], "1");
    assert_eq!(headers["x-twinmesh-incremental"], "false", "never synced: everything");
    assert!(bundle.starts_with(b"TWINBDL") && bundle.len() > evidence.len(), "{} bytes", bundle.len());
    let out = progress_of(&events, "bundle_export");
    eprintln!("bundle export ({} bytes): progress {out:?}", bundle.len());
    honest("bundle export", &out);
    let last = out.last().copied().unwrap_or_default();
    assert!(last.1 >= evidence.len() as u64, "the attachment's bytes are counted: {out:?}");

    // In at Warstein, as raw bytes: what it did, in numbers; progress on its event stream.
    let events = listen(&warstein);
    let (status, _, body) = raw(&warstein, "POST", "/api/v1/bundles", Some(bundle.clone()), "de");
    let report: Value = serde_json::from_slice(&body).expect("JSON report");
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["documents"], 3, "{report}");
    assert_eq!(report["new_documents"], 3, "{report}");
    assert_eq!(report["attachments"], 1, "{report}");
    assert_eq!(report["changes_waiting"], 0, "{report}");
    assert_eq!(report["changes_added"], report["changes_in_bundle"], "{report}");
    let seen = progress_of(&events, "bundle_import");
    eprintln!("bundle import: progress {seen:?}");
    honest("bundle import", &seen);
    assert!(seen[0].1 >= 2 * evidence.len() as u64, "checked and kept bytes both count: {seen:?}");
    assert!(seen.len() >= 3, "the work is reported as it goes, not only at its ends: {seen:?}");
    let listed = warstein.ok("GET", &format!("/api/v1/spaces/{space}/docs"), None);
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");

    // A document file's export reports progress too.
    let _ = warstein.ok("GET", &format!("/api/v1/docs/{}/export?format=signed", docs[0]), None);
    honest("document export", &progress_of(&events, "doc_export"));

    // Refusals: not a bundle, a damaged one, an empty body; codes for the UI, words in the
    // officer's language.
    let (status, _, body) = raw(&warstein, "POST", "/api/v1/bundles", Some(b"%PDF-1.7 hello".to_vec()), "de");
    let v: Value = serde_json::from_slice(&body).expect("JSON error");
    assert_eq!((status, v["code"].as_str()), (400, Some("not-a-bundle")), "{v}");
    assert!(v["error"].as_str().is_some_and(|e| e.starts_with("Import nicht möglich")), "{v}");
    let (status, _, body) =
        raw(&warstein, "POST", "/api/v1/bundles", Some(bundle[..bundle.len() / 2].to_vec()), "fr");
    let v: Value = serde_json::from_slice(&body).expect("JSON error");
    assert_eq!((status, v["code"].as_str()), (400, Some("export-corrupt")), "{v}");
    assert!(v["error"].as_str().is_some_and(|e| e.starts_with("importation impossible")), "{v}");
    let (status, _, _) = raw(&warstein, "POST", "/api/v1/bundles", Some(Vec::new()), "en");
    assert_eq!(status, 400);
    let (status, _, body) =
        raw(&stpol, "GET", &format!("/api/v1/spaces/{space}/bundle?for=Goldap"), None, "en");
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));

    stpol.stop(&rt);
    warstein.stop(&rt);
}
