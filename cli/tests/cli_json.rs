//! The tour: every command a town officer uses, through the real `twin` binary, checking the
//! JSON each one prints.

mod common;

use std::collections::HashSet;

use common::{Node, SAINT_POL, eur, id_text, is_hex};
use serde_json::{Value, json};

/// Finds `path` (like `budget/lines/N/amount`) in a `doc show --json` content tree, taking item 0
/// for `N` when the list has items. Returns `None` if a key is missing.
fn lookup<'a>(content: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = content;
    for seg in path.split('/') {
        cur = match seg {
            "N" => match cur.as_array()?.first() {
                Some(item) => item,
                None => return Some(cur), // an empty list: nothing below to check
            },
            key => cur.as_object()?.get(key)?,
        };
    }
    Some(cur)
}

#[test]
fn tour() {
    let node = Node::empty();

    // init prints the new identity.
    let init = node.json(&["init", "--name", SAINT_POL, "--country", "FR"]);
    let id = node.id();
    assert_eq!(init["id"], id["id"], "init and id disagree");
    let pid = id["id"].as_str().expect("id is a string");
    assert!(pid.starts_with("12D3KooW"), "id is not an ed25519 PeerId: {pid}");
    assert_eq!(id["name"], SAINT_POL);
    assert_eq!(id["country"], "FR");
    let public_key = id["public_key"].as_str().expect("public_key is a string");
    assert!(is_hex(public_key, 64), "public_key is not 64 hex characters: {public_key}");
    assert_eq!(id["data_dir"].as_str().map(std::path::PathBuf::from).as_deref(), Some(node.dir()));
    assert_eq!(node.id(), id, "the identity must be stable across runs");

    // A space and a plan in it; a second space with a charter, to check the space filter.
    let space_name = "Saint-Pol-sur-Ternoise – Wetter (Ruhr)";
    let space_json = node.json(&["space", "create", space_name]);
    assert_eq!(space_json["name"], space_name);
    assert_eq!(space_json["founder"]["name"], SAINT_POL);
    assert_eq!(space_json["founder"]["country"], "FR");
    assert_eq!(space_json["documents"], 0);
    let space = id_text(&space_json["id"]);
    assert_eq!(space.len(), 52, "space id {space}");
    let other_space = node.space("Saint-Pol-sur-Ternoise – Gołdap");
    assert_ne!(space, other_space);
    let space_list = node.run(&["space", "list"]).ok().stdout;
    assert!(space_list.contains(&space) && space_list.contains(&other_space), "{space_list}");

    assert_eq!(node.list(None), Vec::<Value>::new(), "no documents yet");
    let new = node.json(&["doc", "new", &space, "--kind", "plan", "--title", "Youth exchange 2026"]);
    assert_eq!(new["kind"], "plan");
    assert_eq!(new["title"], "Youth exchange 2026");
    assert_eq!(new["changes"], 1);
    assert_eq!(id_text(&new["space"]), space);
    let doc = id_text(&new["id"]);
    assert_eq!(doc.len(), 26, "doc id {doc}");
    let charter = node.doc(&other_space, "charter", "Charte de jumelage");

    let all = node.list(None);
    let ids: Vec<String> = all.iter().map(|d| id_text(&d["id"])).collect();
    assert_eq!(ids, vec![doc.clone(), charter.clone()], "doc list (oldest first)");
    let in_space = node.list(Some(&space));
    assert_eq!(in_space.len(), 1, "doc list SPACE: {in_space:?}");
    assert_eq!(id_text(&in_space[0]["id"]), doc);
    assert_eq!(in_space[0]["title"], "Youth exchange 2026");
    let in_other = node.list(Some(&other_space));
    assert_eq!(in_other.len(), 1);
    assert_eq!(id_text(&in_other[0]["id"]), charter);
    assert_eq!(in_other[0]["kind"], "charter");

    // Edits.
    let add = node.json(&[
        "doc",
        "add",
        &doc,
        "budget/lines",
        "amount=3800",
        "category=travel",
        "description=Coach",
    ]);
    assert_eq!(id_text(&add["doc"]), doc);
    assert!(is_hex(add["change"].as_str().expect("change hash"), 64), "{add}");
    assert_eq!(add["message"], "added budget/lines/0");
    assert_eq!(add["added"][0], "budget/lines/0");
    let line_id = add["added"][1].as_str().expect("added item id").to_string();
    assert!(!line_id.is_empty());

    let set = node.json(&["doc", "set", &doc, "budget/lines/0/amount", "4150", "--officer", "C. Dufresne"]);
    assert_eq!(set["message"], "budget/lines/0/amount: '3,800.00 EUR' -> '4,150.00 EUR'");
    assert_eq!(set["added"], Value::Null);

    let add2 = node.json(&["doc", "add", &doc, "budget/lines", "amount=250.50", "category=materials"]);
    assert_eq!(add2["added"][0], "budget/lines/1");

    let summary = "Forty young people from both towns meet in Wetter for a week on European citizenship.";
    let text = node.json(&["doc", "text", &doc, "summary", summary]);
    assert_eq!(text["message"], "edited summary");

    let context = "Zwei Städte, une amitié depuis 1972.\n\nLes jeunes « ne se connaissent pas » encore.\n";
    let file = node.scratch().join("context.txt");
    std::fs::write(&file, context).expect("write context file");
    let from_file =
        node.json(&["doc", "text", &doc, "context", "--file", file.to_str().expect("utf-8 path")]);
    assert_eq!(from_file["message"], "edited context");

    // Text from standard input (`--file -`).
    let methodology = "Workshops, then a debate in the town hall.";
    let from_stdin = node
        .run_stdin(&["doc", "text", &doc, "methodology", "--file", "-", "--json"], methodology.as_bytes());
    assert_eq!(from_stdin.json()["message"], "edited methodology");

    // A second text edit that changes nothing records no change.
    let same = node.json(&["doc", "text", &doc, "summary", summary]);
    assert_eq!(same["change"], Value::Null, "re-setting the same text must not create a change: {same}");

    // show --json.
    let shown = node.show(&doc);
    assert_eq!(shown["id"], doc);
    assert_eq!(shown["space"], space);
    assert_eq!(shown["kind"], "plan");
    assert_eq!(shown["conflicts"], json!([]));
    let c = &shown["content"];
    assert_eq!(c["kind"], "plan");
    assert_eq!(c["space"], space);
    assert_eq!(c["title"], "Youth exchange 2026");
    assert_eq!(c["summary"], summary);
    assert_eq!(c["context"], context);
    assert_eq!(c["methodology"], methodology);
    assert_eq!(c["status"], "drafting");
    let lines = c["budget"]["lines"].as_array().expect("budget lines");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["amount"], json!(4150.0));
    assert_eq!(lines[0]["category"], "travel");
    assert_eq!(lines[0]["description"], "Coach");
    assert_eq!(lines[0]["id"], line_id.as_str());
    assert_eq!(lines[1]["amount"], json!(250.5));
    assert_eq!(lines[1]["category"], "materials");
    assert_eq!(lines[1]["description"], Value::Null);

    // show --markdown.
    let md = node.run(&["doc", "show", &doc, "--markdown"]).ok().stdout;
    assert!(md.starts_with("# Youth exchange 2026\n"), "{md}");
    assert!(md.contains("*Joint project plan*"), "{md}");
    assert!(md.contains(summary), "{md}");
    let budget = md.split("### Budget lines").nth(1).expect("a 'Budget lines' section in the markdown");
    let table: Vec<&str> = budget.trim_start().lines().take_while(|l| l.starts_with('|')).collect();
    assert_eq!(table.len(), 5, "header, rule, two lines and a total:\n{budget}");
    assert!(table[0].contains("Amount") && table[0].contains("Category"), "{table:?}");
    assert!(
        table[2].starts_with("| 1 |") && table[2].contains("Coach") && table[2].contains("| €4,150.00 |"),
        "{table:?}"
    );
    assert!(table[3].starts_with("| 2 |") && table[3].contains("| €250.50 |"), "{table:?}");
    assert!(table[4].starts_with("| **Total** |"), "{table:?}");
    assert!(table[4].contains("**€4,400.50**"), "total of 4150 + 250.50: {table:?}");
    let cols = |l: &str| l.matches('|').count();
    assert!(table.iter().all(|l| cols(l) == cols(table[0])), "ragged table: {table:?}");

    // history --json.
    let history = node.history(&doc);
    let messages: Vec<&str> = history.iter().map(|e| e["message"].as_str().expect("message")).collect();
    assert_eq!(
        messages,
        vec![
            "created Joint project plan 'Youth exchange 2026'",
            "added budget/lines/0",
            "budget/lines/0/amount: '3,800.00 EUR' -> '4,150.00 EUR'",
            "added budget/lines/1",
            "edited summary",
            "edited context",
            "edited methodology",
        ]
    );
    let mut hashes = HashSet::new();
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e["signature"], "verified", "entry {i}: {e}");
        assert_eq!(e["author"], SAINT_POL, "entry {i}: {e}");
        assert_eq!(e["author_id"], pid, "entry {i}: {e}");
        assert_eq!(e["author_key"], public_key, "entry {i}: {e}");
        // Every opening of the store picks a fresh actor suffix, and each of these edits is its
        // own `twin` process: each change is the first (seq 1) of its actor.
        assert_eq!(e["seq"], json!(1), "entry {i}: {e}");
        let officer = if i == 2 { json!("C. Dufresne") } else { Value::Null };
        assert_eq!(e["officer"], officer, "entry {i}: {e}");
        let hash = e["hash"].as_str().expect("hash");
        assert!(is_hex(hash, 64), "{hash}");
        assert!(hashes.insert(hash.to_string()), "duplicate hash {hash}");
        assert!(e["time"].as_i64().is_some_and(|t| t > 1_600_000_000_000), "{e}");
        assert!(e["time_utc"].as_str().is_some_and(|t| t.ends_with('Z')), "{e}");
    }
    assert_eq!(history[1]["hash"], add["change"]);
    assert_eq!(history[2]["hash"], set["change"]);
    let listed = node.list(Some(&space));
    assert_eq!(listed[0]["changes"], json!(history.len()), "doc list counts every change");

    // show --at: the document as it was.
    let at = |hash: &Value| node.json(&["doc", "show", &doc, "--at", hash.as_str().expect("hash")]);
    let after_add = at(&history[1]["hash"]);
    let old_lines = after_add["content"]["budget"]["lines"].as_array().expect("lines");
    assert_eq!(old_lines.len(), 1);
    assert_eq!(old_lines[0]["amount"], json!(3800.0), "before the set, the amount was 3800");
    assert_eq!(after_add["content"]["summary"], "");
    let after_set = at(&history[2]["hash"]);
    assert_eq!(after_set["content"]["budget"]["lines"][0]["amount"], json!(4150.0));
    assert_eq!(after_set["content"]["budget"]["lines"].as_array().map(Vec::len), Some(1));
    let created = at(&history[0]["hash"]);
    assert_eq!(created["content"]["budget"]["lines"], json!([]));
    assert_eq!(created["content"]["title"], "Youth exchange 2026");
    // Looking at the past changes nothing.
    assert_eq!(node.show(&doc), shown);
    assert_eq!(node.history(&doc), history);

    // Text output of history names the officer and the signature check.
    let text_history = node.run(&["doc", "history", &doc, "--changes"]).ok().stdout;
    assert_eq!(text_history.lines().count(), history.len(), "{text_history}");
    assert!(text_history.lines().all(|l| l.contains("[signature ok]")), "{text_history}");
    assert!(text_history.contains(&format!("{SAINT_POL} (C. Dufresne)")), "{text_history}");
    // The hash it prints is one `--at` accepts, and `--json` then gives that version's heads.
    let printed = text_history.lines().nth(1).and_then(|l| l.split_whitespace().next()).expect("a hash");
    let by_printed = node.json(&["doc", "show", &doc, "--at", printed]);
    assert_eq!(by_printed["content"], after_add["content"], "{printed}");
    assert_eq!(by_printed["heads"], json!([history[1]["hash"]]), "heads at the change, not today's");
    let paged = node.json(&["doc", "history", &doc, "--limit", "2", "--before", printed]);
    assert_eq!(paged["entries"], json!([history[0]]), "the one change before it: {paged}");

    // The title can be edited like any text, and doc list follows it.
    node.json(&["doc", "text", &doc, "title", "Youth exchange Wetter 2026"]);
    assert_eq!(node.list(Some(&space))[0]["title"], "Youth exchange Wetter 2026");

    // Removing a line.
    let removed = node.json(&["doc", "remove", &doc, "budget/lines/1"]);
    assert_eq!(removed["message"], "removed budget/lines/1");
    let lines = node.show(&doc)["content"]["budget"]["lines"].clone();
    assert_eq!(lines.as_array().map(Vec::len), Some(1), "{lines}");
    assert_eq!(lines[0]["amount"], json!(4150.0));
}

#[test]
fn doc_fields_lists_paths_types_and_labels() {
    // `doc fields` needs no node.
    let node = Node::empty();
    let fields = node.json(&["doc", "fields", "plan"]);
    let rows = fields.as_array().expect("an array");
    let find =
        |path: &str| rows.iter().find(|r| r["path"] == path).unwrap_or_else(|| panic!("no row {path}"));
    let amount = find("budget/lines/N/amount");
    assert_eq!(amount["label"], "Amount");
    assert!(amount["type"].as_str().is_some_and(|t| t.contains("EUR")), "{amount}");
    assert_eq!(find("summary")["type"], "text");
    assert_eq!(find("budget/lines")["type"], "list");
    assert_eq!(find("start")["type"].as_str().map(|t| t.starts_with("date")), Some(true));
    assert_eq!(find("events/N/main_event")["type"], "true or false");
    assert_eq!(find("events/N/participants/N/youth")["type"], "whole number from 0 to 1000000");
    let status = find("status")["type"].as_str().expect("type");
    assert!(status.starts_with("one of ") && status.contains("awarded"), "{status}");
    let mut seen = HashSet::new();
    for r in rows {
        let obj = r.as_object().expect("row");
        assert_eq!(obj.len(), 3, "{r}");
        assert!(r["label"].as_str().is_some_and(|l| !l.is_empty()), "{r}");
        assert!(seen.insert(r["path"].as_str().expect("path").to_string()), "duplicate {r}");
    }
    assert!(!node.dir().exists(), "doc fields must not create a data dir");

    // Every kind has a field list; an unknown kind is refused.
    for kind in ["charter", "minutes", "contacts"] {
        let rows = node.json(&["doc", "fields", kind]);
        assert!(rows.as_array().is_some_and(|r| r.len() > 4), "{kind}: {rows}");
    }
    node.run(&["doc", "fields", "budget"]).fails(&["budget"]);
}

#[test]
fn all_four_kinds_can_be_created_and_shown() {
    let node = Node::init(SAINT_POL, "FR");
    let space = node.space("Saint-Pol-sur-Ternoise – Wetter (Ruhr)");
    let kinds = [
        ("charter", "Partnership charter", "Charte de jumelage"),
        ("plan", "Joint project plan", "Youth exchange 2026"),
        ("minutes", "Meeting minutes", "Steering group, 12 March"),
        ("contacts", "Contact directory", "Who is who"),
    ];
    let mut ids = Vec::new();
    for (kind, label, title) in kinds {
        let doc = node.doc(&space, kind, title);
        let shown = node.show(&doc);
        assert_eq!(shown["kind"], kind);
        assert_eq!(shown["content"]["kind"], kind);
        assert_eq!(shown["content"]["title"], title);
        assert_eq!(shown["content"]["space"], space);
        assert_eq!(shown["content"]["schema"], 1);
        assert_eq!(shown["conflicts"], json!([]));

        // Every path `doc fields` lists is in the document shown.
        let fields = node.json(&["doc", "fields", kind]);
        for row in fields.as_array().expect("rows") {
            let path = row["path"].as_str().expect("path");
            assert!(lookup(&shown["content"], path).is_some(), "{kind}: field {path} missing from doc show");
        }

        let md = node.run(&["doc", "show", &doc]).ok().stdout;
        assert!(md.starts_with(&format!("# {title}\n")), "{kind}:\n{md}");
        assert!(md.contains(&format!("*{label}*")), "{kind}:\n{md}");

        let history = node.history(&doc);
        assert_eq!(history.len(), 1);
        assert_eq!(history[0]["message"], format!("created {label} '{title}'"));
        assert_eq!(history[0]["signature"], "verified");
        ids.push(doc);
    }
    // Templates: the charter starts with clauses, minutes with an agenda.
    let charter = node.show(&ids[0]);
    assert_eq!(charter["content"]["clauses"].as_array().map(Vec::len), Some(4));
    assert_eq!(charter["content"]["status"], "draft");
    let minutes = node.show(&ids[2]);
    assert_eq!(minutes["content"]["agenda"].as_array().map(Vec::len), Some(3));

    // One typed edit on each kind.
    node.json(&["doc", "set", &ids[0], "status", "signed"]);
    node.json(&[
        "doc",
        "add",
        &ids[2],
        "action_items",
        "owner=C. Dufresne",
        "due=2026-04-01",
        "description=Book the coach",
    ]);
    node.json(&[
        "doc",
        "add",
        &ids[3],
        "entries",
        "name=C. Dufresne",
        "town=Saint-Pol-sur-Ternoise",
        "email=c.dufresne@example.invalid",
    ]);
    assert_eq!(node.show(&ids[0])["content"]["status"], "signed");
    let action = node.show(&ids[2])["content"]["action_items"][0].clone();
    assert_eq!(action["owner"], "C. Dufresne");
    assert_eq!(action["due"], "2026-04-01");
    assert_eq!(action["description"], "Book the coach");
    let entry = node.show(&ids[3])["content"]["entries"][0].clone();
    assert_eq!(entry["email"], "c.dufresne@example.invalid");

    let listed: Vec<(String, Value)> =
        node.list(Some(&space)).iter().map(|d| (id_text(&d["id"]), d["kind"].clone())).collect();
    let expected: Vec<(String, Value)> = ids.iter().cloned().zip(kinds.iter().map(|k| json!(k.0))).collect();
    assert_eq!(listed, expected);
    let spaces = node.json(&["space", "list"]);
    assert_eq!(spaces[0]["documents"], 4, "{spaces}");
}

/// Ids in JSON output must be the same base32 text the text output prints (and that every
/// command takes as an argument), so that scripts can pass them on.
#[test]
fn json_outputs_give_ids_as_base32_strings() {
    let node = Node::init(SAINT_POL, "FR");
    let me = node.id();
    let space_text = node.run(&["space", "create", "Saint-Pol-sur-Ternoise – Wetter (Ruhr)"]).ok().stdout;
    let space = space_text.trim().to_string();
    let doc =
        node.run(&["doc", "new", &space, "--kind", "plan", "--title", "P"]).ok().stdout.trim().to_string();
    assert_eq!((space.len(), doc.len()), (52, 26), "text ids: {space} {doc}");

    let new_space = node.json(&["space", "create", "Second"]);
    let new_doc = node.json(&["doc", "new", &space, "--kind", "plan", "--title", "Q"]);
    let spaces = node.json(&["space", "list"]);
    let docs = node.json(&["doc", "list"]);
    let edit = node.json(&["doc", "set", &doc, "acronym", "YEX"]);
    let other = Node::init("Wetter (Ruhr)", "DE");
    node.json(&["space", "add", &space, other.id()["id"].as_str().expect("id"), "--role", "viewer"]);
    let export = node.scratch().join("p.twindoc");
    node.json(&["doc", "export", &doc, "--output", export.to_str().expect("utf-8")]);
    let import = other.json(&["doc", "import", export.to_str().expect("utf-8")]);

    let mut wrong = Vec::new();
    let mut check = |what: &str, v: &Value, want: Option<&str>| {
        let ok = match (v, want) {
            (Value::String(s), Some(w)) => s == w,
            (Value::String(s), None) => s.len() == 26 || s.len() == 52,
            _ => false,
        };
        if !ok {
            let shown = v.to_string();
            wrong.push(format!(
                "{what}: {}",
                if shown.len() > 60 { format!("{}...", &shown[..60]) } else { shown }
            ));
        }
    };
    check("space create .id", &new_space["id"], None);
    check("doc new .id", &new_doc["id"], None);
    check("doc new .space", &new_doc["space"], Some(&space));
    check("space list [0].id", &spaces[0]["id"], Some(&space));
    check("doc list [0].id", &docs[0]["id"], Some(&doc));
    check("doc list [0].space", &docs[0]["space"], Some(&space));
    check("doc set .doc", &edit["doc"], Some(&doc));
    check("doc import .doc", &import["doc"], Some(&doc));
    check("doc import .space", &import["space"], Some(&space));
    // A municipality key prints as hex everywhere else (`twin id`, `doc history`).
    check("space list [0].founder.key", &spaces[0]["founder"]["key"], me["public_key"].as_str());
    assert!(
        wrong.is_empty(),
        "JSON output gives these ids in another form than the base32 text:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn money_is_formatted_with_thousands_separators() {
    // Spot-check of the test helper against the product's own formatting.
    assert_eq!(eur(4150), "4,150.00 EUR");
    assert_eq!(eur(1_234_567), "1,234,567.00 EUR");
    assert_eq!(eur(7), "7.00 EUR");
    let node = Node::init(SAINT_POL, "FR");
    let space = node.space("S");
    let doc = node.doc(&space, "plan", "P");
    let out = node.json(&["doc", "set", &doc, "budget/lump_sum_requested", "1234567"]);
    assert_eq!(out["message"], format!("budget/lump_sum_requested: empty -> '{}'", eur(1_234_567)));
}

/// While `twin start` holds the store, commands reach the node through its local API: the
/// answers must be the same as without a node, edits must land, and errors must read the same.
#[test]
fn commands_give_the_same_answers_through_a_running_node() {
    let fx = common::Fixture::plan();
    let (node, doc, space) = (&fx.node, fx.doc.as_str(), fx.space.as_str());
    node.run(&["doc", "set", doc, "budget/lines/0/amount", "4150", "--officer", "C. Dufresne"]).ok();
    let reads: Vec<Vec<&str>> = vec![
        vec!["id", "--json"],
        vec!["space", "list", "--json"],
        vec!["doc", "list", "--json"],
        vec!["doc", "list", space, "--json"],
        vec!["doc", "show", doc, "--json"],
        vec!["doc", "show", doc, "--markdown"],
        vec!["doc", "history", doc, "--json"],
        vec!["doc", "history", doc],
    ];
    let local: Vec<String> = reads.iter().map(|a| node.run(a).ok().stdout).collect();
    let first_hash = node.history(doc)[0]["hash"].as_str().expect("hash").to_string();
    let at_local = node.json(&["doc", "show", doc, "--at", &first_hash]);
    let bad_local: Vec<String> = [
        &["doc", "show", "aaaaaaaaaaaaaaaaaaaaaaaaaa"][..],
        &["doc", "set", doc, "budget/lines/0/amount", "abc"],
        &["doc", "text", doc, "acronym", "x"],
    ]
    .iter()
    .map(|a| node.run(a).fails(&[]))
    .collect();

    let running = node.start();
    assert!(node.dir().join("store").exists());
    for (args, want) in reads.iter().zip(&local) {
        let got = node.run(args).ok().stdout;
        assert_eq!(&got, want, "`twin {}` answers differently through the running node", args.join(" "));
    }
    assert_eq!(node.json(&["doc", "show", doc, "--at", &first_hash]), at_local);
    for (args, want) in [
        &["doc", "show", "aaaaaaaaaaaaaaaaaaaaaaaaaa"][..],
        &["doc", "set", doc, "budget/lines/0/amount", "abc"],
        &["doc", "text", doc, "acronym", "x"],
    ]
    .iter()
    .zip(&bad_local)
    {
        let got = node.run(args).fails(&[]);
        assert_eq!(&got, want, "`twin {}` fails differently through the running node", args.join(" "));
    }

    // Edits through the node: officer recorded, text from a file and from stdin.
    let set = node.json(&["doc", "set", doc, "status", "submitted", "--officer", "M. Vogel"]);
    assert_eq!(set["message"], "status: 'drafting' -> 'submitted'");
    let file = node.scratch().join("context.txt");
    std::fs::write(&file, "Seit 1972 verschwistert.\n").expect("write");
    node.json(&["doc", "text", doc, "context", "--file", file.to_str().expect("utf-8")]);
    node.run_stdin(&["doc", "text", doc, "methodology", "--json"], b"Workshops.").json();
    let added = node.json(&["doc", "add", doc, "budget/lines", "amount=250.50", "category=materials"]);
    assert_eq!(added["added"][0], "budget/lines/1");
    let new_doc = node.doc(space, "minutes", "Steering group");
    // Export and import through the node.
    let other = Node::init("Wetter (Ruhr)", "DE");
    node.json(&["space", "add", space, other.id()["id"].as_str().expect("id"), "--role", "viewer"]);
    let export = node.scratch().join("through-node.twindoc");
    node.json(&["doc", "export", doc, "--output", export.to_str().expect("utf-8")]);
    let report = other.json(&["doc", "import", export.to_str().expect("utf-8")]);
    assert_eq!(report["changes_added"], 8, "{report}");

    let (status, rest, stderr) = running.terminate();
    assert!(status.success(), "twin start: {status}; {stderr}");
    assert!(rest.iter().any(|l| l == "stopped"), "{rest:?}");
    assert!(!node.dir().join("api.json").exists(), "api.json must be removed when the node stops");

    // Everything done through the node is in the store.
    let c = node.show(doc)["content"].clone();
    assert_eq!(c["status"], "submitted");
    assert_eq!(c["context"], "Seit 1972 verschwistert.\n");
    assert_eq!(c["methodology"], "Workshops.");
    assert_eq!(c["budget"]["lines"][1]["amount"], json!(250.5));
    assert_eq!(other.show(doc)["content"], c);
    let history = node.history(doc);
    assert_eq!(history.len(), 8);
    assert!(history.iter().all(|e| e["signature"] == "verified" && e["author"] == SAINT_POL), "{history:?}");
    assert_eq!(history[4]["message"], "status: 'drafting' -> 'submitted'");
    assert_eq!(history[4]["officer"], "M. Vogel");
    assert_eq!(node.list(None).len(), 2);
    assert_eq!(node.show(&new_doc)["kind"], "minutes");
}

/// What `twin` prints for people follows `--lang`, the errors included; `--json` stays the
/// same in every language.
#[test]
fn human_output_is_in_the_officers_language() {
    let node = Node::init("Saint-Pol-sur-Mer", "FR");
    let words = |lang: &str, args: &[&str]| {
        let mut a = vec!["--lang", lang];
        a.extend_from_slice(args);
        node.run(&a)
    };
    assert_eq!(
        words("en", &["space", "list"]).ok().stdout.trim(),
        "no spaces yet: create one with `twin space create NAME`"
    );
    assert_eq!(
        words("fr", &["space", "list"]).ok().stdout.trim(),
        "aucun espace pour l'instant : créez-en un avec `twin space create NOM`"
    );
    assert!(words("de", &["space", "list"]).ok().stdout.starts_with("noch keine Räume"));
    let id = words("ro", &["id"]).ok().stdout;
    assert!(id.contains("cheie publică:"), "{id}");
    // A command that needs the running node, in Italian, fails in Italian.
    let err = words("it", &["peers"]);
    assert!(!err.status.success());
    assert!(err.stderr.contains("errore: nessun nodo è in esecuzione"), "{}", err.stderr);
    // A bad duration is refused in the language of the environment (clap reads it first).
    let space = node.space("Kreislaufstädte");
    let mut cmd = common::twin_cmd(node.dir(), &["space", "invite", &space, "--expires", "soon"]);
    cmd.env("TWIN_LANG", "de");
    let out = common::run_bounded(cmd, None, std::time::Duration::from_secs(30));
    assert!(out.stderr.contains("„soon“ ist keine Dauer"), "{}", out.stderr);
    // The JSON is the same whatever the language.
    assert_eq!(node.json(&["--lang", "fr", "space", "list"]), node.json(&["--lang", "en", "space", "list"]));
}
