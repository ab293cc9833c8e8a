//! Progress bars of `twin bundle export|import` and `twin doc export|import` on the store
//! itself: drawn on standard error from the engine's own progress reports, never with
//! `--json` (whose standard output stays one JSON document). `TWIN_PROGRESS=always` draws them
//! although standard error is a pipe here, so the test can read them.

mod common;

use common::{CMD_TIMEOUT, Node, Out, SAINT_POL, run_bounded, twin_cmd};
use serde_json::Value;

const WARSTEIN: &str = "Warstein";

/// Runs `twin ARGS` at `node` with progress bars drawn into standard error.
#[track_caller]
fn with_bars(node: &Node, args: &[&str]) -> Out {
    let mut cmd = twin_cmd(node.dir(), args);
    cmd.env("TWIN_PROGRESS", "always");
    run_bounded(cmd, None, CMD_TIMEOUT).ok()
}

/// Asserts that `out` drew a finished bar labelled `label`, and that its standard output has
/// none of it.
#[track_caller]
fn drew_bar(out: &Out, label: &str) {
    assert!(
        out.stderr.contains(label) && out.stderr.contains("100 %"),
        "a finished '{label}' bar on standard error:\n{}",
        out.stderr
    );
    assert!(!out.stdout.contains(label), "no bar on standard output: {}", out.stdout);
}

/// Asserts that `out` (run with `--json`) printed one JSON value and no bar.
#[track_caller]
fn json_only(out: &Out, label: &str) -> Value {
    let v: Value = serde_json::from_str(out.stdout.trim())
        .unwrap_or_else(|e| panic!("standard output is one JSON document ({e}):\n{}", out.stdout));
    assert!(!out.stderr.contains(label) && !out.stderr.contains(" %"), "no bar with --json: {}", out.stderr);
    v
}

#[test]
fn bundle_and_document_files_show_a_progress_bar_except_with_json() {
    let a = Node::init(SAINT_POL, "FR");
    let b = Node::init(WARSTEIN, "DE");
    let space = a.space("Saint-Pol – Warstein");
    let b_id = b.id()["id"].as_str().expect("id").to_string();
    a.json(&["space", "add", &space, &b_id, "--name", WARSTEIN]);
    let doc = a.doc(&space, "plan", "CIRCLE60");
    for i in 0..5 {
        let amount = (1000 + i * 100).to_string();
        a.run(&["doc", "add", &doc, "budget/lines", &format!("amount={amount}"), "category=travel"]).ok();
    }
    let file = |name: &str| a.scratch().join(name).display().to_string();

    // A bundle: a bar for a person, none with --json.
    let bundle = file("to-warstein.twinbundle");
    let out = with_bars(&a, &["bundle", "export", &space, "--for", WARSTEIN, "-o", &bundle]);
    drew_bar(&out, "Exporting bundle");
    assert!(out.stdout.starts_with("wrote "), "{}", out.stdout);
    let out = with_bars(&a, &["bundle", "export", &space, "-o", &bundle, "--json"]);
    let v = json_only(&out, "Exporting bundle");
    assert_eq!(v["documents"], 1, "{v}");

    let out = with_bars(&b, &["bundle", "import", &bundle, "--json"]);
    let v = json_only(&out, "Importing bundle");
    assert_eq!(v["new_documents"], 1, "{v}");
    assert!(v["changes_added"].as_u64().is_some_and(|n| n >= 6), "{v}");
    let out = with_bars(&b, &["bundle", "import", &bundle]);
    drew_bar(&out, "Importing bundle");
    assert!(out.stdout.starts_with("0 of "), "nothing new the second time: {}", out.stdout);

    // A signed document file and a plain Automerge one, out and in.
    let signed = file("plan.twindoc");
    drew_bar(&with_bars(&a, &["doc", "export", &doc, "-o", &signed]), "Exporting document");
    let v =
        json_only(&with_bars(&a, &["doc", "export", &doc, "-o", &signed, "--json"]), "Exporting document");
    assert!(v["bytes"].as_u64().is_some_and(|n| n > 0), "{v}");
    drew_bar(&with_bars(&b, &["doc", "import", &signed]), "Importing document");
    let v = json_only(&with_bars(&b, &["doc", "import", &signed, "--json"]), "Importing document");
    assert_eq!(v["new_document"], false, "{v}");

    let plain = file("plan.automerge");
    drew_bar(
        &with_bars(&a, &["doc", "export", &doc, "--format", "automerge", "-o", &plain]),
        "Exporting document",
    );
    let out = with_bars(&b, &["doc", "import", &plain, "--unsigned", "--space", &space, "--json"]);
    let v = json_only(&out, "Importing document");
    assert_eq!(v["title"], "CIRCLE60", "{v}");
    drew_bar(
        &with_bars(&b, &["doc", "import", &plain, "--unsigned", "--space", &space]),
        "Importing document",
    );

    // A refused file leaves no bar behind, only the error.
    let out = run_bounded(
        {
            let mut cmd = twin_cmd(b.dir(), &["bundle", "import", &signed]);
            cmd.env("TWIN_PROGRESS", "always");
            cmd
        },
        None,
        CMD_TIMEOUT,
    );
    assert!(!out.status.success());
    assert!(out.stderr.contains("not a Twinmesh bundle"), "{}", out.stderr);
}
