//! The HTTP API of a running node: auth, every endpoint, validation errors, server-sent events,
//! and the web UI's assets. Real nodes, real HTTP on loopback.

mod common;

use std::{
    io::{BufRead, BufReader},
    time::Duration,
};

use common::{
    TIMEOUT,
    web::{ApiNode, http, http_with, runtime, wait_for},
};
use serde_json::{Value, json};

fn space_and_plan(a: &ApiNode) -> (String, String) {
    let space = a.ok("POST", "/api/v1/spaces", Some(json!({"name": "St-Pol – Warstein"})))["id"]
        .as_str()
        .expect("space id")
        .to_string();
    let doc = a.ok(
        "POST",
        "/api/v1/docs",
        Some(json!({"space": space, "kind": "plan", "title": "CIRCLE60", "officer": "C. Dufresne"})),
    )["id"]
        .as_str()
        .expect("doc id")
        .to_string();
    (space, doc)
}

fn heads(a: &ApiNode, doc: &str) -> Value {
    a.ok("GET", &format!("/api/v1/docs/{doc}"), None)["heads"].clone()
}

#[test]
fn requests_without_the_token_are_refused_and_assets_are_public() {
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    for (method, path) in [
        ("GET", "/api/v1/status"),
        ("GET", "/api/v1/docs"),
        ("GET", "/api/v1/events"),
        ("POST", "/api/v1/rpc"),
        ("POST", "/api/v1/spaces"),
    ] {
        let (status, body) = http(method, &format!("{}{path}", a.url), None, Some("{}".into()));
        assert_eq!(status, 401, "{method} {path} without a token");
        assert!(body["error"].as_str().unwrap_or_default().contains("bearer token"), "{body}");
        let (status, _) = http(method, &format!("{}{path}", a.url), Some("wrong-token"), Some("{}".into()));
        assert_eq!(status, 401, "{method} {path} with a wrong token");
    }
    // The UI and the API description carry no data and need no token.
    for path in ["/", "/app.js", "/app.css", "/api/v1/openapi.json"] {
        let (status, _) = http("GET", &format!("{}{path}", a.url), None, None);
        assert_eq!(status, 200, "{path}");
    }
    let (_, page) = http("GET", &format!("{}/", a.url), None, None);
    assert!(page.as_str().unwrap_or_default().contains("<script src=\"/app.js\""), "index.html served");
    assert!(a.login_url().starts_with(&format!("{}/#token=", a.url)));
    assert!(a.login_url().ends_with(&a.token));
    a.stop(&rt);
}

#[test]
fn every_endpoint_answers_through_the_node() {
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let mut b = ApiNode::start(&rt, "Warstein", "DE");

    let status = a.ok("GET", "/api/v1/status", None);
    assert_eq!(status["node"]["name"], "Saint-Pol-sur-Ternoise");
    assert!(status["network"]["listen"].as_array().is_some_and(|l| !l.is_empty()), "{status}");
    let schema = a.ok("GET", "/api/v1/schema", None);
    let kinds: Vec<&str> =
        schema["kinds"].as_array().expect("kinds").iter().filter_map(|k| k["kind"].as_str()).collect();
    assert_eq!(kinds, ["charter", "plan", "minutes", "contacts"]);

    let (space, doc) = space_and_plan(&a);
    assert_eq!(a.ok("GET", "/api/v1/spaces", None)[0]["id"], json!(space));
    let b_id = b.id();
    a.ok(
        "POST",
        &format!("/api/v1/spaces/{space}/members"),
        Some(json!({"member": b_id, "name": "Warstein"})),
    );
    let members = a.ok("GET", &format!("/api/v1/spaces/{space}/members"), None);
    assert_eq!(members["members"].as_array().map(Vec::len), Some(2), "{members}");
    a.ok("PUT", &format!("/api/v1/spaces/{space}/members/Warstein"), Some(json!({"role": "viewer"})));
    let members = a.ok("GET", &format!("/api/v1/spaces/{space}/members"), None);
    assert!(members["members"].as_array().expect("members").iter().any(|m| m["role"] == "viewer"));
    a.ok("PUT", &format!("/api/v1/spaces/{space}/members/Warstein"), Some(json!({"role": "editor"})));
    let ticket =
        a.ok("POST", &format!("/api/v1/spaces/{space}/invitations"), Some(json!({"role": "editor"})));
    assert!(ticket["ticket"].as_str().is_some_and(|t| t.len() > 20), "{ticket}");

    // Documents.
    assert_eq!(a.ok("GET", "/api/v1/docs", None).as_array().map(Vec::len), Some(1));
    assert_eq!(a.ok("GET", &format!("/api/v1/docs?space={space}"), None).as_array().map(Vec::len), Some(1));
    assert_eq!(a.ok("GET", &format!("/api/v1/spaces/{space}/docs"), None).as_array().map(Vec::len), Some(1));
    let added = a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/edits"),
        Some(json!({"edits": [{"op": "add", "list": "budget/lines", "fields": [["description", "Coach"]]}], "officer": "C. Dufresne"})),
    );
    let line_id = added["added"][1].as_str().expect("new line id").to_string();
    // A list item named by its id; a number where a string is expected is read as its text.
    a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/edits"),
        Some(json!({"edits": [{"op": "set", "path": format!("budget/lines/@{line_id}/amount"), "value": 3800}]})),
    );
    a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/splices"),
        Some(json!({"path": "summary", "splices": [{"pos": 0, "del": 0, "insert": "Young Circular Towns."}], "officer": "J. Becker"})),
    );
    a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/splices"),
        Some(json!({"path": "summary", "splices": [{"pos": 6, "del": 8, "insert": "European"}]})),
    );
    let shown = a.ok("GET", &format!("/api/v1/docs/{doc}"), None);
    assert_eq!(shown["content"]["budget"]["lines"][0]["amount"], json!(3800.0));
    assert_eq!(shown["content"]["summary"], "Young European Towns.");
    let md = a.ok("GET", &format!("/api/v1/docs/{doc}/markdown"), None);
    assert!(md.as_str().is_some_and(|m| m.starts_with("# CIRCLE60") && m.contains("€3,800.00")), "{md}");
    let export = a.ok("GET", &format!("/api/v1/docs/{doc}/export"), None);
    assert!(export["data"].as_str().is_some_and(|d| !d.is_empty()));

    // History, and the document as it was at an earlier change.
    let history = a.ok("GET", &format!("/api/v1/docs/{doc}/history"), None);
    let entries = history["entries"].as_array().expect("history");
    assert_eq!((history["total"].clone(), history["older"].clone()), (json!(5), Value::Null));
    assert_eq!(entries.len(), 5, "create, add, set, two splices: {history}");
    assert!(entries.iter().all(|e| e["signature"] == "verified" && e["author"] == "Saint-Pol-sur-Ternoise"));
    assert_eq!(entries[0]["officer"], "C. Dufresne");
    assert_eq!(entries[3]["officer"], "J. Becker");
    let at = entries[1]["hash"].as_str().expect("hash");
    let old = a.ok("GET", &format!("/api/v1/docs/{doc}?at={at}"), None);
    assert_eq!(old["content"]["budget"]["lines"][0]["amount"], Value::Null, "before the amount was set");
    assert_eq!(old["heads"], json!([at]), "the heads of the version shown, not today's");
    // A unique prefix of 8 or more hex digits names the change, as `doc history` prints it.
    let by_prefix = a.ok("GET", &format!("/api/v1/docs/{doc}?at={}", &at[..12]), None);
    assert_eq!(by_prefix["content"], old["content"]);
    assert_eq!(old["content"]["summary"], "");

    // Network endpoints: connect, sync, peers.
    let addr = b.p2p_addr(&rt);
    a.ok("POST", "/api/v1/peers", Some(json!({"addr": addr})));
    wait_for("b receives the plan", TIMEOUT, || b.call("GET", &format!("/api/v1/docs/{doc}"), None).0 == 200);
    let sync = a.ok("POST", "/api/v1/sync", Some(json!({})));
    assert!(sync["peers"].as_u64().is_some(), "{sync}");
    let peers = a.ok("GET", "/api/v1/peers", None);
    assert!(
        peers.as_array().expect("peers").iter().any(|p| p["connected"] == true && p["name"] == "Warstein"),
        "{peers}"
    );

    // Removing and leaving.
    a.ok("DELETE", &format!("/api/v1/spaces/{space}/members/Warstein"), None);
    let members = a.ok("GET", &format!("/api/v1/spaces/{space}/members"), None);
    assert!(
        members["members"]
            .as_array()
            .expect("m")
            .iter()
            .any(|m| m["name"] == "Warstein" && m["active"] == false)
    );
    let other = a.ok("POST", "/api/v1/spaces", Some(json!({"name": "Keighley – Poix-du-Nord"})))["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, body) = a.call("POST", &format!("/api/v1/spaces/{other}/leave"), None);
    assert_eq!(status, 403, "the last admin cannot leave: {body}");
    a.ok(
        "POST",
        &format!("/api/v1/spaces/{other}/members"),
        Some(json!({"member": b_id, "name": "Warstein"})),
    );
    wait_for("b sees the second space", TIMEOUT, || {
        b.ok("GET", "/api/v1/spaces", None)
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x["id"] == json!(other)))
    });
    b.ok("POST", &format!("/api/v1/spaces/{other}/leave"), None);
    wait_for("a sees that b left", TIMEOUT, || {
        let m = a.ok("GET", &format!("/api/v1/spaces/{other}/members"), None);
        m["members"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x["name"] == "Warstein" && x["active"] == false))
    });

    // The RPC the CLI uses still works.
    let (status, v) = a.call("POST", "/api/v1/rpc", Some(json!({"request": "id"})));
    assert_eq!((status, v["name"].clone()), (200, json!("Saint-Pol-sur-Ternoise")));
    a.stop(&rt);
    b.stop(&rt);
}

#[test]
fn bad_input_gets_a_json_error_naming_the_problem_and_changes_nothing() {
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let (_, doc) = space_and_plan(&a);
    a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/edits"),
        Some(json!({"edits": [{"op": "add", "list": "budget/lines", "fields": [["amount", "3800"]]}]})),
    );
    let before = heads(&a, &doc);
    let edits = format!("/api/v1/docs/{doc}/edits");
    let url = format!("{}{edits}", a.url);
    let cases: Vec<(&str, String, u16, &str)> = vec![
        ("invalid JSON", "{\"edits\": [".into(), 400, "invalid JSON"),
        ("not JSON at all", "amount=2600".into(), 400, "invalid JSON"),
        ("wrong type of a field", json!({"edits": "set amount"}).to_string(), 400, "edits"),
        (
            "wrong type inside an edit",
            json!({"edits": [{"op": "set", "path": "budget/lines/0/amount", "value": [1]}]}).to_string(),
            400,
            "edits[0]",
        ),
        ("unknown edit op", json!({"edits": [{"op": "explode", "path": "x"}]}).to_string(), 400, "explode"),
        ("unknown body field", json!({"edits": [], "amout": 1}).to_string(), 400, "amout"),
        (
            "unknown field inside a set edit",
            json!({"edits": [{"op": "set", "path": "budget/lines/0/amount", "value": "1", "bogus": 1}]})
                .to_string(),
            400,
            "bogus",
        ),
        (
            "unknown field inside an add edit",
            json!({"edits": [{"op": "add", "list": "budget/lines", "feilds": [["amount", "1"]]}]})
                .to_string(),
            400,
            "feilds",
        ),
        (
            "unknown field inside a remove edit",
            json!({"edits": [{"op": "remove", "item": "budget/lines/0", "force": true}]}).to_string(),
            400,
            "force",
        ),
        ("no edits", json!({"edits": []}).to_string(), 400, "no edits"),
        (
            "amount that is not money",
            json!({"edits": [{"op": "set", "path": "budget/lines/0/amount", "value": "lots"}]}).to_string(),
            400,
            "amount in EUR",
        ),
        (
            "unknown field path",
            json!({"edits": [{"op": "set", "path": "budget/lines/0/colour", "value": "red"}]}).to_string(),
            400,
            "colour",
        ),
        (
            "item out of range",
            json!({"edits": [{"op": "set", "path": "budget/lines/7/amount", "value": "1"}]}).to_string(),
            400,
            "no item 7",
        ),
        (
            "unknown item id",
            json!({"edits": [{"op": "set", "path": "budget/lines/@nope/amount", "value": "1"}]}).to_string(),
            400,
            "nope",
        ),
        (
            "second edit bad: all or nothing",
            json!({"edits": [
            {"op": "set", "path": "budget/lines/0/amount", "value": "4150"},
            {"op": "set", "path": "budget/lines/0/amount", "value": "many"}]})
            .to_string(),
            400,
            "many",
        ),
    ];
    for (what, body, status, needle) in cases {
        let (got, v) = http("POST", &url, Some(&a.token), Some(body));
        assert_eq!(got, status, "{what}: {v}");
        let msg = v["error"].as_str().unwrap_or_default();
        assert!(msg.contains(needle), "{what}: error '{msg}' should mention '{needle}'");
        assert_eq!(v["status"], json!(status), "{what}");
    }
    // Splices out of range, on a scalar, or too large.
    let splices = format!("/api/v1/docs/{doc}/splices");
    let (s, v) = a.call(
        "POST",
        &splices,
        Some(json!({"path": "summary", "splices": [{"pos": 99, "del": 0, "insert": "x"}]})),
    );
    assert_eq!(s, 400, "{v}");
    let (s, v) =
        a.call("POST", &splices, Some(json!({"path": "acronym", "splices": [{"pos": 0, "insert": "x"}]})));
    assert!(s == 400 && v["error"].as_str().is_some_and(|e| e.contains("not a text field")), "{v}");
    let (s, v) =
        a.call("POST", &splices, Some(json!({"path": "summary", "splices": [{"pos": -1, "insert": "x"}]})));
    assert!(s == 400 && v["error"].as_str().is_some_and(|e| e.contains("splices[0].pos")), "{v}");
    let (s, v) = a.call(
        "POST",
        &splices,
        Some(json!({"path": "summary", "splices": [{"pos": 0, "insert": "x", "delete": 3}]})),
    );
    assert!(s == 400 && v["error"].as_str().is_some_and(|e| e.contains("delete")), "{v}");
    // Oversized body: refused once the node has read one byte past the limit. (Sent by hand,
    // stopping there: a client that writes a whole 5 MiB races the node closing the connection
    // after its answer, and may see a broken pipe instead of the 413.)
    let (status, answer) = oversized_body(&a, &splices, twinmesh_node::http::MAX_REST_BODY_BYTES + 1);
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("too large"), "{answer}");
    // Unknown paths and methods, bad ids, bad query parameters.
    for (method, path, status) in [
        ("GET", "/api/v1/nothing-here".to_string(), 404),
        ("GET", "/api/v2/docs".to_string(), 404),
        ("GET", "/definitely/not/a/page".to_string(), 404),
        ("DELETE", "/api/v1/docs".to_string(), 405),
        ("GET", "/api/v1/docs/not-a-doc-id".to_string(), 400),
        ("GET", format!("/api/v1/docs/{doc}?at=zz"), 400),
        ("GET", format!("/api/v1/docs/{doc}?colour=red"), 400),
        ("GET", "/api/v1/spaces/xyz/members".to_string(), 400),
    ] {
        let (got, v) = a.call(method, &path, None);
        assert_eq!(got, status, "{method} {path}: {v}");
        assert!(v["error"].as_str().is_some_and(|e| !e.is_empty()), "{method} {path}: JSON error, got {v}");
    }
    let unknown_doc = "00000000000000000000000000000000";
    let (got, v) = a.call("GET", &format!("/api/v1/docs/{unknown_doc}"), None);
    assert!(got == 404 || got == 400, "{v}");
    // The RPC endpoint reports bad JSON the same way.
    let (got, v) = http("POST", &format!("{}/api/v1/rpc", a.url), Some(&a.token), Some("{nope".into()));
    assert_eq!(got, 400, "{v}");
    assert!(v["error"].as_str().is_some_and(|e| e.contains("invalid JSON")), "{v}");
    // ... and unknown fields, in the request and inside its edits, as the REST endpoints do.
    for (body, needle) in [
        (
            json!({"request": "doc_edit", "doc": doc, "edits": [
                {"op": "set", "path": "budget/lines/0/amount", "value": "9", "bogus": 1}]}),
            "bogus",
        ),
        (
            json!({"request": "doc_edit", "doc": doc, "mesage": "typo", "edits": [
                {"op": "set", "path": "budget/lines/0/amount", "value": "9"}]}),
            "mesage",
        ),
        (json!({"request": "doc_show", "doc": doc, "at_change": "x"}), "at_change"),
        (json!({"request": "space_list", "space": "x"}), "space"),
    ] {
        let (got, v) = http("POST", &format!("{}/api/v1/rpc", a.url), Some(&a.token), Some(body.to_string()));
        assert_eq!(got, 400, "{body}: {v}");
        assert!(v["error"].as_str().is_some_and(|e| e.contains(needle)), "{body}: {v}");
    }
    // `officer` is the envelope's own field, not an unknown one.
    let (got, v) = http(
        "POST",
        &format!("{}/api/v1/rpc", a.url),
        Some(&a.token),
        Some(json!({"request": "doc_history", "doc": doc, "officer": "M. Dupont"}).to_string()),
    );
    assert_eq!(got, 200, "{v}");

    assert_eq!(heads(&a, &doc), before, "no bad request changed the document");
    a.stop(&rt);
}

/// Reads server-sent events from `url` on a thread; the receiver gets (event, data) pairs.
fn listen(url: String, token: String) -> std::sync::mpsc::Receiver<(String, Value)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let agent: ureq::Agent =
            ureq::Agent::config_builder().timeout_global(Some(TIMEOUT * 2)).build().into();
        let Ok(resp) = agent.get(url).header("Authorization", format!("Bearer {token}")).call() else {
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
    rx
}

fn next_event(
    rx: &std::sync::mpsc::Receiver<(String, Value)>,
    want: impl Fn(&str, &Value) -> bool,
) -> (String, Value) {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok((n, v)) if want(&n, &v) => return (n, v),
            Ok(_) => continue,
            Err(e) => panic!("no matching event: {e}"),
        }
    }
}

#[test]
fn events_stream_local_and_remote_changes() {
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let mut b = ApiNode::start(&rt, "Warstein", "DE");
    let (space, doc) = space_and_plan(&a);
    a.ok(
        "POST",
        &format!("/api/v1/spaces/{space}/members"),
        Some(json!({"member": b.id(), "name": "Warstein"})),
    );
    let ev_a = listen(format!("{}/api/v1/events", a.url), a.token.clone());
    let ev_b = listen(format!("{}/api/v1/events", b.url), b.token.clone());
    let (name, hello) = next_event(&ev_a, |_, _| true);
    assert_eq!(name, "hello");
    assert!(hello["id"].as_str().is_some());
    next_event(&ev_b, |n, _| n == "hello");

    a.ok("POST", "/api/v1/peers", Some(json!({"addr": b.p2p_addr(&rt)})));
    next_event(&ev_a, |n, _| n == "peers");
    // B learns of the plan from A: a remote change.
    let (_, v) = next_event(&ev_b, |n, v| n == "doc" && v["doc"] == json!(doc));
    assert_eq!(v["origin"], "remote");

    let started = std::time::Instant::now();
    a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/splices"),
        Some(json!({"path": "summary", "splices": [{"pos": 0, "insert": "Hello Warstein"}]})),
    );
    let (_, v) = next_event(&ev_a, |n, v| n == "doc" && v["doc"] == json!(doc));
    assert_eq!(v["origin"], "local");
    next_event(&ev_b, |n, v| n == "doc" && v["doc"] == json!(doc) && v["origin"] == "remote");
    let latency = started.elapsed();
    eprintln!("edit on A -> remote doc event on B: {latency:?}");
    assert!(latency < Duration::from_secs(3), "remote event took {latency:?}");
    assert_eq!(b.ok("GET", &format!("/api/v1/docs/{doc}"), None)["content"]["summary"], "Hello Warstein");

    // The stream ends at shutdown, so stopping the node does not hang on an open stream.
    let stop = std::time::Instant::now();
    a.stop(&rt);
    b.stop(&rt);
    assert!(stop.elapsed() < Duration::from_secs(10), "shutdown took {:?}", stop.elapsed());
}

#[test]
fn history_is_paged_by_a_cursor_that_holds_while_changes_arrive() {
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let (_, doc) = space_and_plan(&a);
    let set = |n: usize| {
        a.ok(
            "POST",
            &format!("/api/v1/docs/{doc}/edits"),
            Some(json!({"edits": [{"op": "set", "path": "acronym", "value": format!("A{n}")}]})),
        );
    };
    for n in 0..11 {
        set(n);
    }
    let url = |q: &str| format!("/api/v1/docs/{doc}/history{q}");
    let all = a.ok("GET", &url(""), None);
    let all: Vec<Value> = all["entries"].as_array().expect("entries").clone();
    assert_eq!(all.len(), 12, "creation and 11 edits, under the default page size");

    // Newest page first; each page is oldest first and names the cursor of the next one.
    let first = a.ok("GET", &url("?limit=5"), None);
    assert_eq!(first["total"], 12);
    assert_eq!(first["entries"].as_array().expect("entries")[..], all[7..]);
    let cursor = first["older"].as_str().expect("more pages").to_string();
    assert_eq!(cursor, all[7]["hash"].as_str().expect("hash"));

    // Changes arriving between two pages do not shift the next one.
    set(99);
    let second = a.ok("GET", &url(&format!("?limit=5&before={cursor}")), None);
    assert_eq!(second["entries"].as_array().expect("entries")[..], all[2..7]);
    assert_eq!(second["total"], 13);
    // A 12-digit prefix is as good a cursor as the full hash.
    let last_cursor = second["older"].as_str().expect("one more page").to_string();
    let third = a.ok("GET", &url(&format!("?limit=5&before={}", &last_cursor[..12])), None);
    assert_eq!(third["entries"].as_array().expect("entries")[..], all[..2]);
    assert_eq!(third["older"], Value::Null, "the first change ends the history");

    // Bad paging parameters are refused with a message, not ignored.
    for (q, needle) in [
        ("?limit=0", "limit must be from 1 to 1000"),
        ("?limit=1001", "limit must be from 1 to 1000"),
        ("?limit=lots", "not a number"),
        ("?before=abc", "at least 8 hex digits"),
        ("?before=0123456789ab", "no change"),
        ("?page=2", "unknown query parameter"),
    ] {
        let (status, v) = a.call("GET", &url(q), None);
        assert_eq!(status, 400, "{q}: {v}");
        assert!(v["error"].as_str().is_some_and(|e| e.contains(needle)), "{q}: {v}");
    }
    a.stop(&rt);
}

#[test]
fn openapi_describes_every_route() {
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let (_, spec) = http("GET", &format!("{}/api/v1/openapi.json", a.url), None, None);
    assert_eq!(spec["openapi"], "3.1.0");
    let paths = spec["paths"].as_object().expect("paths");
    let documented: Vec<&str> = paths.keys().map(String::as_str).collect();
    for route in [
        "/api/v1/status",
        "/api/v1/schema",
        "/api/v1/peers",
        "/api/v1/sync",
        "/api/v1/spaces",
        "/api/v1/join",
        "/api/v1/spaces/{space}/members",
        "/api/v1/spaces/{space}/members/{member}",
        "/api/v1/spaces/{space}/invitations",
        "/api/v1/spaces/{space}/invitations/{invitation}",
        "/api/v1/spaces/{space}/leave",
        "/api/v1/spaces/{space}/docs",
        "/api/v1/docs",
        "/api/v1/docs/{doc}",
        "/api/v1/docs/{doc}/edits",
        "/api/v1/docs/{doc}/splices",
        "/api/v1/docs/{doc}/history",
        "/api/v1/docs/{doc}/markdown",
        "/api/v1/docs/{doc}/export",
        "/api/v1/docs/{doc}/versions",
        "/api/v1/docs/{doc}/versions/{version}",
        "/api/v1/docs/{doc}/versions/{version}/restore",
        "/api/v1/docs/{doc}/versions/{version}/request-approval",
        "/api/v1/docs/{doc}/versions/{version}/approve",
        "/api/v1/docs/{doc}/compare",
        "/api/v1/docs/{doc}/presence",
        "/api/v1/sync/status",
        "/api/v1/docs/{doc}/attachments",
        "/api/v1/docs/{doc}/attachments/{id}",
        "/api/v1/docs/{doc}/attachments/{id}/fetch",
        "/api/v1/docs/{doc}/attachments/{id}/remove",
        "/api/v1/spaces/{space}/storage",
        "/api/v1/spaces/{space}/bundle",
        "/api/v1/bundles",
        "/api/v1/events",
        "/api/v1/rpc",
        "/api/v1/openapi.json",
    ] {
        assert!(documented.contains(&route), "{route} is not in openapi.json");
    }
    // Every documented path exists: with made-up ids it answers 400/404 with a JSON error or
    // 200, never the router's 404 for an unknown endpoint.
    for (path, item) in paths {
        for method in item.as_object().expect("methods").keys() {
            let concrete = path
                .replace("{space}", "x")
                .replace("{doc}", "x")
                .replace("{member}", "x")
                .replace("{invitation}", "x");
            if path == "/api/v1/events" {
                continue;
            }
            let (status, v) = a.call(&method.to_uppercase(), &concrete, Some(json!({})));
            let unknown_endpoint = v["error"].as_str().is_some_and(|e| e.starts_with("no such endpoint"));
            assert!(!unknown_endpoint && status != 405, "{method} {path}: {status} {v}");
        }
    }
    a.stop(&rt);
}

/// One HTTP/1.1 request with a `Host` header of our choosing (HTTP clients set it from the URL);
/// returns the status code.
fn status_with_host(addr: std::net::SocketAddr, path: &str, host: &str, token: &str) -> u16 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {answer}"))
}

#[test]
fn only_hosts_that_name_the_api_are_served() {
    let rt = runtime();
    let mut a = ApiNode::start_with(&rt, "Saint-Pol-sur-Ternoise", "FR", |c| {
        c.api_hosts = vec!["Twin.Townhall.lan".into()];
    });
    let port = a.api.port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("twin.townhall.lan:{port}"),
    ] {
        for path in ["/api/v1/status", "/", "/api/v1/openapi.json"] {
            assert_eq!(status_with_host(a.api, path, &host, &a.token), 200, "Host: {host} {path}");
        }
    }
    // A DNS-rebinding page sends its own name; a wrong port or another address is refused too.
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("localhost.evil.example:{port}"),
        format!("10.0.0.1:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.1".to_string(),
    ] {
        for path in ["/api/v1/status", "/", "/app.js", "/api/v1/openapi.json", "/api/v1/docs"] {
            assert_eq!(status_with_host(a.api, path, &host, &a.token), 421, "Host: {host} {path}");
        }
    }
    let (s, v) = a.call("GET", "/api/v1/status", None);
    assert_eq!(s, 200, "the ordinary client (Host from the URL) is served: {v}");
    a.stop(&rt);
}

#[test]
fn status_answers_while_the_engine_is_busy_and_reads_do_not_wait_behind_writes() {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    use twinmesh_node::api::{EditSpec, Envelope, Request};
    const WRITES: usize = 40;
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let (_, doc) = space_and_plan(&a);
    let handle = a.node.as_ref().expect("running").handle().clone();
    let engine = handle.engine().clone();
    // Hold the engine thread until we let go: a stand-in for a long write.
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let hold = rt.spawn({
        let engine = engine.clone();
        async move {
            engine
                .call(move |_| {
                    let _ = held_tx.send(());
                    let _ = release_rx.recv_timeout(TIMEOUT);
                })
                .await
        }
    });
    held_rx.recv_timeout(TIMEOUT).expect("the engine is held");
    // A run of writes queues behind it.
    let done = Arc::new(AtomicUsize::new(0));
    let doc_id: twinmesh_protocol::ids::DocId = doc.parse().expect("doc id");
    let writes: Vec<_> = (0..WRITES)
        .map(|i| {
            let (handle, done) = (handle.clone(), done.clone());
            rt.spawn(async move {
                let edits = vec![EditSpec::Set { path: "acronym".into(), value: format!("W{i}") }];
                let r = handle
                    .request(Envelope {
                        officer: None,
                        request: Request::DocEdit { doc: doc_id, edits, message: None, lang: None },
                    })
                    .await;
                done.fetch_add(1, Ordering::SeqCst);
                r
            })
        })
        .collect();
    // (The network task may queue a job or two of its own, announcing the document.)
    wait_for("the writes to queue", TIMEOUT, || engine.queued().1 >= WRITES);
    // Status, identity and schema need no engine work: they answer while it is held.
    let v = a.ok("GET", "/api/v1/status", None);
    assert_eq!(v["node"]["name"], json!("Saint-Pol-sur-Ternoise"), "{v}");
    assert!(v["network"]["listen"].as_array().is_some_and(|l| !l.is_empty()), "{v}");
    assert!(a.ok("GET", "/api/v1/schema", None)["kinds"].as_array().is_some_and(|k| !k.is_empty()));
    assert_eq!(done.load(Ordering::SeqCst), 0, "the engine is still held");
    // A read that needs the engine queues too, and is served in turn, not after every write.
    let read = rt.spawn({
        let handle = handle.clone();
        async move {
            handle
                .request(Envelope { officer: None, request: Request::DocShow { doc: doc_id, at: None } })
                .await
        }
    });
    wait_for("the read to queue", TIMEOUT, || engine.queued().0 >= 1);
    release_tx.send(()).expect("release the engine");
    let shown = rt
        .block_on(async { tokio::time::timeout(TIMEOUT, read).await })
        .expect("the read answers")
        .expect("task")
        .expect("read succeeds");
    let writes_before_read = done.load(Ordering::SeqCst);
    assert_eq!(shown["id"], json!(doc), "{shown}");
    assert!(
        writes_before_read < WRITES / 2,
        "the read waited behind {writes_before_read} of {WRITES} queued writes"
    );
    for w in writes {
        rt.block_on(async { tokio::time::timeout(TIMEOUT, w).await })
            .expect("a write answers")
            .expect("task")
            .expect("write succeeds");
    }
    rt.block_on(async { tokio::time::timeout(TIMEOUT, hold).await })
        .expect("hold ends")
        .expect("task")
        .expect("call");
    // The node's engine thread ends when the last handle to it is gone.
    drop((handle, engine));
    a.stop(&rt);
}

/// The UI's translations are served per language, and a request's `Accept-Language` chooses the
/// language of the node's messages.
#[test]
fn translations_are_served_per_language() {
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Poix-du-Nord", "FR");
    let (status, langs) = http("GET", &format!("{}/i18n/languages.json", a.url), None, None);
    assert_eq!(status, 200, "{langs}");
    let codes: Vec<&str> =
        langs.as_array().expect("list").iter().filter_map(|l| l["code"].as_str()).collect();
    assert_eq!(codes, ["en", "fr", "de", "ro", "it"]);
    assert_eq!(langs[3]["name"], "Română");
    assert_eq!(langs[2]["locale"], "de-DE");
    let (status, fr) = http("GET", &format!("{}/i18n/fr.json", a.url), None, None);
    assert_eq!(status, 200, "{fr}");
    assert_eq!(fr["messages"]["language-name"], "Français");
    assert_eq!(fr["locale"], "fr-FR");
    for bad in ["es.json", "FR.json", "fr", "ui.ftl"] {
        let (status, body) = http_with(
            "GET",
            &format!("{}/i18n/{bad}", a.url),
            None,
            None,
            &[("Accept-Language", "de-AT,de;q=0.9")],
        );
        assert_eq!(status, 404, "{bad}: {body}");
        assert!(
            body["error"].as_str().unwrap_or_default().starts_with("unbekannte Sprache"),
            "{bad}: {body}"
        );
    }
    a.stop(&rt);
}

/// A German officer's request: the error comes in German with a stable code and the field's
/// label, and `2.600,50` and `30.04.2027` are read as German writes them.
#[test]
fn a_german_request_gets_german_errors_and_its_amounts_and_dates_are_read() {
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Warstein", "DE");
    let (_, doc) = space_and_plan(&a);
    a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/edits"),
        Some(json!({"edits": [{"op": "add", "list": "budget/lines", "fields": [["amount", "1"]]}]})),
    );
    let url = format!("{}/api/v1/docs/{doc}/edits", a.url);
    let de = [("Accept-Language", "de-DE,de;q=0.9,en;q=0.5")];
    let bad = json!({"edits": [{"op": "set", "path": "budget/lines/0/amount", "value": "viel"}]}).to_string();
    let (status, v) = http_with("POST", &url, Some(&a.token), Some(bad.clone()), &de);
    assert_eq!(status, 400, "{v}");
    assert_eq!(v["code"], json!("value-not-an-amount"), "{v}");
    assert_eq!(v["field"]["path"], json!("budget/lines/0/amount"), "{v}");
    let msg = v["error"].as_str().unwrap_or_default();
    assert!(msg.contains("„viel“ ist kein Betrag") && msg.contains("Budgetposten 1 · Betrag"), "{msg}");
    // The same request without the header: English, as before.
    let (_, v) = http("POST", &url, Some(&a.token), Some(bad));
    assert!(v["error"].as_str().unwrap_or_default().contains("expects amount in EUR"), "{v}");

    let good = json!({"edits": [
        {"op": "set", "path": "budget/lines/0/amount", "value": "2.600,50"},
        {"op": "set", "path": "start", "value": "30.04.2027"}]})
    .to_string();
    let (status, v) = http_with("POST", &url, Some(&a.token), Some(good), &de);
    assert_eq!(status, 200, "{v}");
    let (_, view) = a.call("GET", &format!("/api/v1/docs/{doc}"), None);
    let text = view.to_string();
    assert!(text.contains("2600.5") && text.contains("2027-04-30"), "{text}");
    a.stop(&rt);
}

/// Sends `POST path` declaring a body of twice `sent` bytes and sending only `sent` of them;
/// the status and the raw answer. Bounded by a read timeout.
fn oversized_body(a: &ApiNode, path: &str, sent: usize) -> (u16, String) {
    use std::io::{Read, Write};
    let host = a.url.trim_start_matches("http://").trim_end_matches('/').to_string();
    let mut stream = std::net::TcpStream::connect(&host).expect("connect to the API");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(20))).expect("timeout");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        a.token,
        sent * 2
    );
    stream.write_all(head.as_bytes()).expect("send the head");
    stream.write_all(&vec![b' '; sent]).expect("send the body up to past the limit");
    let mut answer = Vec::new();
    // The node answers and closes; a timeout here means it waited for the rest of the body.
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, answer)
}

/// The REST history reads as people read it: each change described in the language of
/// `Accept-Language`, grouped into sittings, and filtered by town, officer, field and date;
/// a bad filter is refused with a message.
#[test]
fn rest_history_is_described_grouped_and_filtered_in_the_readers_language() {
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Warstein", "DE");
    let (_, doc) = space_and_plan(&a);
    let edits = format!("/api/v1/docs/{doc}/edits");
    a.ok(
        "POST",
        &edits,
        Some(json!({"officer": "J. Becker", "edits": [{"op": "add", "list": "budget/lines", "fields": [["amount", "1"]]}]})),
    );
    a.ok(
        "POST",
        &edits,
        Some(
            json!({"officer": "J. Becker", "edits": [{"op": "set", "path": "start", "value": "2027-04-30"}]}),
        ),
    );
    let de = [("Accept-Language", "de-DE,de;q=0.9")];
    let url = |q: &str| format!("{}/api/v1/docs/{doc}/history{q}", a.url);
    let (status, page) = http_with("GET", &url(""), Some(&a.token), None, &de);
    assert_eq!(status, 200, "{page}");
    let sittings = page["sittings"].as_array().expect("sittings");
    let last = sittings.last().expect("a sitting");
    assert_eq!((last["officer"].as_str(), last["changes"].as_u64()), (Some("J. Becker"), Some(2)), "{page}");
    let texts: Vec<&str> =
        last["items"].as_array().expect("items").iter().filter_map(|i| i["text"].as_str()).collect();
    assert_eq!(texts, ["Budgetposten 1 hinzugefügt", "Beginn: (leer) → 30.04.2027"], "{page}");
    // Filters.
    let count = |q: &str| {
        let (status, v) = http_with("GET", &url(q), Some(&a.token), None, &de);
        assert_eq!(status, 200, "{q}: {v}");
        v["entries"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(count("?field=start"), 1);
    assert_eq!(count("?by_officer=becker"), 2);
    assert_eq!(count("?town=Warstein&until=2000-12-31"), 0);
    assert_eq!(count("?town=Hebden%20Royd"), 0);
    assert_eq!(count("?since=2000-01-01&town=warstein"), page["entries"].as_array().map_or(0, Vec::len));
    for (q, needle) in [("?since=gestern", "is not a date"), ("?field=budget//x", "path")] {
        let (status, v) = a.call("GET", &format!("/api/v1/docs/{doc}/history{q}"), None);
        assert_eq!(status, 400, "{q}: {v}");
        assert!(v["error"].as_str().is_some_and(|e| e.contains(needle)), "{q}: {v}");
    }
    a.stop(&rt);
}

/// Versions over REST: name, approve (this town's decision), compare with the current content
/// in German, restore with an empty body, and a decision without a reference refused.
#[test]
fn versions_are_named_approved_compared_and_restored_over_rest() {
    let rt = runtime();
    let mut a = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let (_, doc) = space_and_plan(&a);
    a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/edits"),
        Some(json!({"edits": [{"op": "set", "path": "acronym", "value": "OLD"}]})),
    );
    let v = a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/versions"),
        Some(json!({"name": "submitted to EACEA 2027-02-12", "officer": "C. Dufresne"})),
    );
    let vid = v["id"].as_str().expect("id").to_string();
    assert_eq!(v["officer"], "C. Dufresne");
    let (status, err) = a.call(
        "POST",
        &format!("/api/v1/docs/{doc}/versions/{vid}/approve"),
        Some(json!({"decision": "approved", "reference": " ", "date": "2027-02-10"})),
    );
    assert_eq!(status, 400, "{err}");
    let v = a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/versions/{vid}/approve"),
        Some(json!({"decision": "approved", "reference": "Délibération 2027-014", "date": "2027-02-10"})),
    );
    assert_eq!((v["approved"].clone(), v["towns"].clone()), (json!(1), json!(1)), "{v}");
    a.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/edits"),
        Some(json!({"edits": [{"op": "set", "path": "acronym", "value": "NEW"}]})),
    );
    let (status, cmp) = http_with(
        "GET",
        &format!("{}/api/v1/docs/{doc}/compare?from={vid}", a.url),
        Some(&a.token),
        None,
        &[("Accept-Language", "de")],
    );
    assert_eq!(status, 200, "{cmp}");
    assert_eq!(cmp["changes"][0]["path"], "acronym", "{cmp}");
    assert_eq!(cmp["changes"][0]["before"], "OLD");
    let listed = a.ok("GET", &format!("/api/v1/docs/{doc}/versions"), None);
    assert_eq!(listed["versions"][0]["changed_since"], true, "{listed}");
    a.ok("POST", &format!("/api/v1/docs/{doc}/versions/{vid}/restore"), None);
    let shown = a.ok("GET", &format!("/api/v1/docs/{doc}"), None);
    assert_eq!(shown["content"]["acronym"], "OLD");
    let at = a.ok("GET", &format!("/api/v1/docs/{doc}/versions/{vid}"), None);
    assert_eq!(at["content"]["acronym"], "OLD");
    assert_eq!(at["changed_since"], false, "{at}");
    a.stop(&rt);
}
