//! Moving a signed document between two towns' nodes with `doc export` and `doc import`.

mod common;

use std::path::PathBuf;

use common::{Node, SAINT_POL, id_text};
use serde_json::{Value, json};

const WETTER: &str = "Wetter (Ruhr)";

fn export(node: &Node, doc: &str, name: &str) -> PathBuf {
    let file = node.scratch().join(name);
    let out = node.json(&["doc", "export", doc, "--output", file.to_str().expect("utf-8")]);
    assert_eq!(out["doc"], doc);
    assert_eq!(out["file"].as_str().map(PathBuf::from), Some(file.clone()));
    let len = std::fs::metadata(&file).expect("export file written").len();
    assert_eq!(out["bytes"], json!(len), "reported size differs from the file's");
    file
}

fn import(node: &Node, file: &std::path::Path, extra: &[&str]) -> Value {
    let mut args = vec!["doc", "import", file.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    node.json(&args)
}

/// Town A's plan: a budget line, an amount changed by a named officer, a summary.
fn town_a() -> (Node, String, String) {
    let a = Node::init(SAINT_POL, "FR");
    let space = a.space("Saint-Pol-sur-Ternoise – Wetter (Ruhr)");
    let doc = a.doc(&space, "plan", "Youth exchange 2026");
    a.run(&["doc", "add", &doc, "budget/lines", "amount=3800", "category=travel", "description=Coach"]).ok();
    a.run(&["doc", "set", &doc, "budget/lines/0/amount", "4150", "--officer", "C. Dufresne"]).ok();
    a.run(&["doc", "text", &doc, "summary", "Forty young people meet in Wetter."]).ok();
    (a, space, doc)
}

#[test]
fn export_import_round_trip_and_incremental_updates() {
    let (a, space, doc) = town_a();
    let a_history = a.history(&doc);
    assert_eq!(a_history.len(), 4);
    let file = export(&a, &doc, "plan-v1.twindoc");
    // Exporting is read-only.
    assert_eq!(a.history(&doc), a_history);

    // A fresh node B, not a member of A's space, is refused the file: nothing is listed.
    let b = Node::init(WETTER, "DE");
    let b_space = b.space("Wetter (Ruhr) – Gołdap");
    let refused = b.run(&["doc", "import", file.to_str().expect("utf-8")]);
    refused.fails(&["not a member", "--role viewer", "nothing was imported"]);
    assert!(b.try_show(&doc).is_none(), "a refused import left the document behind");
    assert_eq!(b.json(&["space", "list"]).as_array().map(Vec::len), Some(1), "only B's own space");

    // A adds B as a viewer (a read-only copy); the new file's log carries that to B.
    let b_id = b.id();
    a.json(&["space", "add", &space, b_id["id"].as_str().expect("id"), "--name", WETTER, "--role", "viewer"]);
    let file = export(&a, &doc, "plan-v1b.twindoc");
    let a_history = a.history(&doc);
    let report = import(&b, &file, &[]);
    assert_eq!(report["new_document"], true, "{report}");
    assert_eq!(report["changes_added"], json!(a_history.len()), "{report}");
    assert_eq!(report["changes_in_file"], json!(a_history.len()), "{report}");
    assert_eq!(report["title"], "Youth exchange 2026");
    assert_eq!(id_text(&report["doc"]), doc);
    assert_eq!(id_text(&report["space"]), space);

    // Same content, same history, signatures verified, authors named.
    let a_show = a.show(&doc);
    let b_show = b.show(&doc);
    assert_eq!(b_show["content"], a_show["content"]);
    assert_eq!(b_show["content"]["budget"]["lines"][0]["amount"], json!(4150.0));
    assert_eq!(
        (&b_show["kind"], &b_show["space"], &b_show["id"]),
        (&a_show["kind"], &a_show["space"], &a_show["id"])
    );
    let b_history = b.history(&doc);
    let hashes = |h: &[Value]| h.iter().map(|e| e["hash"].clone()).collect::<Vec<_>>();
    assert_eq!(hashes(&b_history), hashes(&a_history));
    for (ea, eb) in a_history.iter().zip(&b_history) {
        assert_eq!(eb["signature"], "verified", "{eb}");
        assert_eq!(eb["author"], SAINT_POL, "B names the author from the space record: {eb}");
        for k in ["author_key", "author_id", "officer", "message", "time", "seq"] {
            assert_eq!(eb[k], ea[k], "{k} differs: A {ea} / B {eb}");
        }
    }
    assert_eq!(b_history[2]["officer"], "C. Dufresne");
    // B now knows the space, founded by A; the markdown matches A's too.
    let spaces = b.json(&["space", "list"]);
    let imported = spaces
        .as_array()
        .expect("spaces")
        .iter()
        .find(|s| id_text(&s["id"]) == space)
        .unwrap_or_else(|| panic!("the imported space is not listed: {spaces}"));
    assert_eq!(imported["founder"]["name"], SAINT_POL);
    assert_eq!(imported["documents"], 1);
    assert_eq!(b.list(Some(&space)).len(), 1);
    assert_eq!(b.list(Some(&space))[0]["changes"], json!(a_history.len()));
    assert_eq!(
        b.run(&["doc", "show", &doc, "--markdown"]).ok().stdout,
        a.run(&["doc", "show", &doc, "--markdown"]).ok().stdout
    );

    // The same file again adds nothing.
    let again = import(&b, &file, &[]);
    assert_eq!(again["new_document"], false, "{again}");
    assert_eq!(again["changes_added"], 0, "{again}");
    assert_eq!(b.history(&doc).len(), a_history.len());

    // Into the wrong space: refused, nothing changes.
    let before = (b.show(&doc), b.history(&doc), b.list(None));
    let out = b.run(&["doc", "import", file.to_str().expect("utf-8"), "--space", &b_space]);
    out.fails(&["belongs to space", &space, &b_space]);
    assert_eq!((b.show(&doc), b.history(&doc), b.list(None)), before);
    // Into the right one, explicitly: fine.
    assert_eq!(import(&b, &file, &["--space", &space])["changes_added"], 0);

    // A edits more and re-exports; B gets exactly the new changes.
    a.run(&["doc", "set", &doc, "status", "submitted", "--officer", "C. Dufresne"]).ok();
    a.run(&["doc", "add", &doc, "budget/lines", "amount=620", "category=accommodation"]).ok();
    a.run(&["doc", "text", &doc, "summary", "Forty young people from both towns meet in Wetter."]).ok();
    let file2 = export(&a, &doc, "plan-v2.twindoc");
    let report = import(&b, &file2, &[]);
    assert_eq!(report["new_document"], false, "{report}");
    assert_eq!(report["changes_added"], 3, "{report}");
    assert_eq!(report["changes_in_file"], 7, "{report}");
    assert_eq!(b.show(&doc)["content"], a.show(&doc)["content"]);
    let b_history = b.history(&doc);
    assert_eq!(hashes(&b_history), hashes(&a.history(&doc)));
    assert!(
        b_history.iter().all(|e| e["signature"] == "verified" && e["author"] == SAINT_POL),
        "{b_history:?}"
    );
    assert_eq!(b.list(Some(&space))[0]["changes"], 7);
    // The older file is now a subset: nothing new.
    assert_eq!(import(&b, &file, &[])["changes_added"], 0);
    assert_eq!(b.history(&doc).len(), 7);
}

#[test]
fn edits_flow_back_and_concurrent_edits_show_as_conflicts() {
    let (a, space, doc) = town_a();
    let b = Node::init(WETTER, "DE");
    let b_id = b.id();
    let b_key = b_id["public_key"].clone();

    // B is no member of A's space yet: its node refuses the file and holds nothing of it.
    let v1 = export(&a, &doc, "v1.twindoc");
    b.run(&["doc", "import", v1.to_str().expect("utf-8")]).fails(&["not a member", "nothing was imported"]);
    assert!(b.try_show(&doc).is_none());

    // A, an admin, adds B to the space; a fresh export carries the membership log to B.
    let added = a.json(&["space", "add", &space, b_id["id"].as_str().expect("id"), "--name", WETTER]);
    assert!(added.is_object(), "{added}");
    let members = a.json(&["space", "members", &space]);
    assert!(
        members["members"]
            .as_array()
            .expect("members")
            .iter()
            .any(|m| m["id"] == b_id["id"] && m["role"] == "editor"),
        "B is not listed as a member: {members}"
    );
    import(&b, &export(&a, &doc, "v1b.twindoc"), &[]);
    let out = b.json(&["doc", "add", &doc, "budget/lines", "amount=900", "category=venue", "partner=Wetter"]);
    assert_eq!(out["added"][0], "budget/lines/1");
    let from_b = export(&b, &doc, "from-b.twindoc");
    let report = import(&a, &from_b, &[]);
    assert_eq!((report["new_document"].clone(), report["changes_added"].clone()), (json!(false), json!(1)));
    let a_history = a.history(&doc);
    let last = a_history.last().expect("history");
    assert_eq!(last["signature"], "verified", "{last}");
    assert_eq!(last["author_key"], b_key, "{last}");
    assert_eq!(last["author"], WETTER, "{last}");
    assert_eq!(a.show(&doc)["content"], b.show(&doc)["content"]);
    assert_eq!(a.show(&doc)["content"]["budget"]["lines"][1]["amount"], json!(900.0));

    // Both change the same amount without seeing each other's edit: a conflict on both sides.
    a.run(&["doc", "set", &doc, "budget/lines/0/amount", "5000"]).ok();
    b.run(&["doc", "set", &doc, "budget/lines/0/amount", "6000"]).ok();
    assert_eq!(import(&b, &export(&a, &doc, "a2.twindoc"), &[])["changes_added"], 1);
    assert_eq!(import(&a, &export(&b, &doc, "b2.twindoc"), &[])["changes_added"], 1);
    for (who, node) in [("A", &a), ("B", &b)] {
        let shown = node.show(&doc);
        let conflicts = shown["conflicts"].as_array().expect("conflicts");
        assert_eq!(conflicts.len(), 1, "{who}: {shown}");
        assert_eq!(conflicts[0]["path"], "budget/lines/0/amount", "{who}");
        let mut values: Vec<String> = conflicts[0]["values"]
            .as_array()
            .expect("values")
            .iter()
            .map(|v| v["value"].as_str().expect("value").to_string())
            .collect();
        values.sort();
        assert_eq!(values, ["5,000.00 EUR", "6,000.00 EUR"], "{who}");
        let cell = &shown["content"]["budget"]["lines"][0]["amount"]["conflict"];
        assert_eq!(cell.as_array().map(Vec::len), Some(2), "{who}: {shown}");
        let md = node.run(&["doc", "show", &doc]).ok();
        assert!(
            md.stdout.contains("⚠ Conflict:"),
            "{who}: the markdown must mark the conflict:\n{}",
            md.stdout
        );
        assert!(
            md.stderr.contains(&format!("twin doc set {doc} budget/lines/0/amount")),
            "{who}: {}",
            md.stderr
        );
    }
    // Both views name both towns as the authors of the two values.
    for node in [&a, &b] {
        let values = node.show(&doc)["conflicts"][0]["values"].clone();
        let mut authors: Vec<&str> = values
            .as_array()
            .expect("values")
            .iter()
            .map(|v| v["author"].as_str().expect("author"))
            .collect();
        authors.sort();
        assert_eq!(authors, [SAINT_POL, WETTER], "{values}");
    }

    // Setting the field again resolves it, and the resolution travels.
    a.run(&["doc", "set", &doc, "budget/lines/0/amount", "5500"]).ok();
    assert_eq!(import(&b, &export(&a, &doc, "a3.twindoc"), &[])["changes_added"], 1);
    for node in [&a, &b] {
        let shown = node.show(&doc);
        assert_eq!(shown["conflicts"], json!([]));
        assert_eq!(shown["content"]["budget"]["lines"][0]["amount"], json!(5500.0));
    }
    assert_eq!(a.show(&doc)["content"], b.show(&doc)["content"]);
    assert_eq!(a.history(&doc).len(), b.history(&doc).len());
}

/// A plain Automerge export leaves the signatures behind; importing it with `--plain` makes a
/// new document, signed by the importing town, with the same content. Garbage is refused whole.
#[test]
fn plain_automerge_round_trip_makes_a_new_signed_document() {
    let (a, space, doc) = town_a();
    let file = a.scratch().join("plan.automerge");
    let path = file.to_str().expect("utf-8");
    let out = a.json(&["doc", "export", &doc, "--output", path, "--format", "automerge"]);
    assert_eq!(out["bytes"], json!(std::fs::metadata(&file).expect("written").len()));
    let signed = export(&a, &doc, "plan.twindoc");
    assert_ne!(std::fs::read(&file).expect("read"), std::fs::read(&signed).expect("read"));

    // The plain file is refused by the signed import: it carries no signatures.
    a.run(&["doc", "import", path]).fails(&["without signatures", "--plain"]);

    let before = a.list(Some(&space)).len();
    let report =
        a.json(&["doc", "import", path, "--plain", "--space", &space, "--title", "Copy of the plan"]);
    assert_eq!(report["title"], "Copy of the plan");
    assert_eq!(report["kind"], "plan");
    assert_eq!(report["left_out"], json!([]), "{report}");
    assert!(report["foreign_changes"].as_u64().unwrap_or(0) >= 4, "{report}");
    let new = id_text(&report["doc"]);
    assert_ne!(new, doc);
    assert_eq!(a.list(Some(&space)).len(), before + 1);
    let (old_show, new_show) = (a.show(&doc), a.show(&new));
    assert_eq!(new_show["content"]["budget"], old_show["content"]["budget"]);
    assert_eq!(new_show["content"]["summary"], old_show["content"]["summary"]);
    // One change, signed by this town, naming where the content came from.
    let history = a.history(&new);
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(history[0]["signature"], "verified", "{history:?}");
    assert_eq!(history[0]["author"], SAINT_POL, "{history:?}");
    assert!(history[0]["message"].as_str().unwrap_or_default().contains("plan.automerge"), "{history:?}");

    // A file that is not an Automerge document is refused, and nothing is added.
    let junk = a.scratch().join("junk.automerge");
    std::fs::write(&junk, b"this is not automerge").expect("write");
    a.run(&["doc", "import", junk.to_str().expect("utf-8"), "--plain", "--space", &space])
        .fails(&["not an Automerge document"]);
    assert_eq!(a.list(Some(&space)).len(), before + 1, "a refused import left a document behind");
    // --plain without --space says what is missing.
    a.run(&["doc", "import", path, "--plain"]).fails(&["--space"]);
}
