//! Twinmesh documents and the official JavaScript Automerge package (`@automerge/automerge`,
//! pinned in node/tests/js/package.json): a plain export loads there with the same content as
//! `twin doc show --json`, and a document made there comes in with `twin doc import --plain`,
//! signed by the importing town. Needs Node.js and `npm ci` in node/tests/js (`.ci/run` does
//! both); outside CI the test says what is missing and skips.

mod common;

use std::{path::PathBuf, process::Command, time::Duration};

use common::{Node, SAINT_POL, id_text, real_components_required, run_bounded};
use serde_json::{Value, json};

/// node/tests/js, if Node.js and the package are there.
fn interop_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../node/tests/js");
    let has_node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    let has_package = dir.join("node_modules/@automerge/automerge/package.json").is_file();
    if has_node && has_package {
        return Some(dir);
    }
    let why = format!(
        "needs Node.js and the Automerge package: `cd node/tests/js && npm ci` (node found: {has_node}, package found: {has_package})"
    );
    assert!(!real_components_required(), "{why}");
    eprintln!("SKIPPED: {why}");
    None
}

/// Runs interop.mjs with `args`; its stdout.
fn js(dir: &std::path::Path, args: &[&str]) -> String {
    let mut cmd = Command::new("node");
    cmd.arg(dir.join("interop.mjs")).args(args);
    let out = run_bounded(cmd, None, Duration::from_secs(60));
    assert!(out.status.success(), "node interop.mjs {args:?} failed: {}", out.stderr);
    out.stdout
}

/// Paths (with `N` for list indices) of the money fields of `kind`: stored as cents, shown as
/// euros by `doc show`.
fn money_paths(node: &Node, kind: &str) -> Vec<String> {
    let fields = node.json(&["doc", "fields", kind]);
    fields
        .as_array()
        .map(|fs| {
            fs.iter()
                .filter(|f| f["type"].as_str().is_some_and(|t| t.starts_with("amount in EUR")))
                .filter_map(|f| f["path"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `show` content with money fields turned back into the cents the document stores.
fn as_stored(v: &Value, path: &str, money: &[String]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| {
                    let p = if path.is_empty() { k.clone() } else { format!("{path}/{k}") };
                    (k.clone(), as_stored(x, &p, money))
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|x| as_stored(x, &format!("{path}/N"), money)).collect())
        }
        Value::Number(n) if money.iter().any(|m| m == path) => {
            let cents = n.as_f64().map(|e| (e * 100.0).round() as i64);
            cents.map_or(Value::Null, |c| json!(c))
        }
        other => other.clone(),
    }
}

#[test]
fn a_plain_export_loads_in_javascript_automerge_with_the_same_content() {
    let Some(dir) = interop_dir() else { return };
    let a = Node::init(SAINT_POL, "FR");
    let space = a.space("CIRCLE60");
    let doc = a.doc(&space, "plan", "CIRCLE60 – Circular towns");
    a.run(&["doc", "add", &doc, "budget/lines", "amount=2600.50", "category=travel", "description=Coach"])
        .ok();
    a.run(&["doc", "add", &doc, "budget/lines", "amount=-150", "category=other", "description=Refund"]).ok();
    a.run(&["doc", "set", &doc, "budget/lump_sum_requested", "60000"]).ok();
    a.run(&["doc", "text", &doc, "summary", "Sixty citizens from four towns meet in Saint-Pol."]).ok();
    let file = a.scratch().join("circle60.automerge");
    a.json(&["doc", "export", &doc, "--output", file.to_str().expect("utf-8"), "--format", "automerge"]);

    let loaded: Value = serde_json::from_str(&js(&dir, &["load", file.to_str().expect("utf-8")]))
        .expect("interop.mjs prints JSON");
    let shown = a.show(&doc)["content"].clone();
    let expected = as_stored(&shown, "", &money_paths(&a, "plan"));
    assert_eq!(loaded, expected, "JavaScript Automerge sees other content than `doc show`");
    assert_eq!(loaded["budget"]["lines"][0]["amount"], json!(260050));
    assert_eq!(loaded["title"], "CIRCLE60 – Circular towns");
}

#[test]
fn a_document_made_in_javascript_comes_in_signed_by_the_importing_town() {
    let Some(dir) = interop_dir() else { return };
    let a = Node::init(SAINT_POL, "FR");
    let space = a.space("CIRCLE60");
    let made = json!({
        "kind": "plan",
        "title": "Rencontre des jeunes 2027",
        "summary": "Quarante jeunes se retrouvent à Wetter.",
        "budget": {"lines": [
            {"id": "k3xq7lines01", "amount": 380000, "category": "travel", "description": "Car"},
        ]},
        "colour": "blue",
    });
    let file = a.scratch().join("made-in-js.automerge");
    js(&dir, &["make", file.to_str().expect("utf-8"), &made.to_string()]);

    let report = a.json(&["doc", "import", file.to_str().expect("utf-8"), "--plain", "--space", &space]);
    assert_eq!(report["title"], "Rencontre des jeunes 2027", "{report}");
    assert_eq!(report["kind"], "plan", "{report}");
    let left_out: Vec<&str> =
        report["left_out"].as_array().into_iter().flatten().filter_map(|l| l["path"].as_str()).collect();
    assert_eq!(left_out, ["colour"], "{report}");

    let doc = id_text(&report["doc"]);
    let shown = a.show(&doc);
    assert_eq!(shown["content"]["summary"], "Quarante jeunes se retrouvent à Wetter.");
    let line = &shown["content"]["budget"]["lines"][0];
    assert_eq!(
        (&line["amount"], &line["description"], &line["id"]),
        (&json!(3800.0), &json!("Car"), &json!("k3xq7lines01"))
    );
    let history = a.history(&doc);
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!((&history[0]["author"], &history[0]["signature"]), (&json!(SAINT_POL), &json!("verified")));
}
