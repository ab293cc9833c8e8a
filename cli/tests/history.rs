//! `twin doc history` as a person reads it: sittings, field names and values in the reader's
//! language, filters; `--json` keeps every change.

mod common;

use common::{Node, id_text};
use serde_json::Value;

/// Twenty edits by one officer in one go read as one sitting, in German: a heading, then each
/// field once, named by its label, with amounts in German format and choices by their name.
#[test]
fn twenty_edits_in_one_go_read_as_one_sitting_in_german() {
    let node = Node::init("Warstein", "DE");
    let space = node.space("Warstein – Saint-Pol");
    let doc =
        id_text(&node.json(&["doc", "new", &space, "--kind", "plan", "--title", "Jugendaustausch"])["id"]);
    node.json(&["doc", "add", &doc, "budget/lines", "--officer", "J. Becker"]);
    node.json(&["doc", "set", &doc, "budget/lines/0/funding_source", "committee", "--officer", "J. Becker"]);
    for i in 1..=18 {
        let amount = format!("{}.00", 4000 + i * 10);
        node.json(&["doc", "set", &doc, "budget/lines/0/amount", &amount, "--officer", "J. Becker"]);
    }
    let text = node.run(&["--lang", "de", "doc", "history", &doc]).ok().stdout;
    let lines: Vec<&str> = text.lines().collect();
    // The creation is a sitting of its own (no officer), then the twenty edits.
    let headings: Vec<&&str> = lines.iter().filter(|l| !l.starts_with("  ")).collect();
    assert_eq!(headings.len(), 2, "{text}");
    assert!(
        headings[1].starts_with("Warstein · J. Becker · ") && headings[1].ends_with("· 20 Änderungen"),
        "{text}"
    );
    let items: Vec<&str> =
        lines.iter().skip_while(|l| !l.contains("J. Becker")).skip(1).map(|l| l.trim_start()).collect();
    assert_eq!(
        items,
        vec![
            "Budgetposten 1 hinzugefügt",
            "Budgetposten 1 · Finanzierungsquelle: (leer) → Mittel des Komitees",
            "Budgetposten 1 · Betrag: (leer) → 4.180,00\u{a0}€",
        ],
        "{text}"
    );
    // `--changes`: one line per change, with the English commit message.
    let changes = node.run(&["--lang", "de", "doc", "history", &doc, "--changes"]).ok().stdout;
    assert_eq!(changes.lines().count(), 21, "{changes}");

    // `--json` keeps every change, each described, and includes the sittings.
    let page = node.json(&["--lang", "de", "doc", "history", &doc]);
    let entries = page["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 21);
    assert!(
        entries.iter().skip(1).all(|e| e["items"].as_array().is_some_and(|i| i.len() == 1 || i.len() == 2)),
        "{page}"
    );
    let sittings = page["sittings"].as_array().expect("sittings");
    assert_eq!(sittings.len(), 2, "{page}");
    assert_eq!(sittings[1]["changes"], 20);
    assert_eq!(sittings[1]["hashes"].as_array().map(Vec::len), Some(20));
    assert_eq!(sittings[1]["items"][2]["label"], "Budgetposten 1 · Betrag");
    assert_eq!(sittings[1]["items"][2]["path"], "budget/lines/0/amount");

    // Filters: by field (a path prefix), officer and date.
    let field = |f: &str| -> usize {
        let p = node.json(&["doc", "history", &doc, "--field", f]);
        p["entries"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(field("budget/lines/0/funding_source"), 1);
    assert_eq!(field("budget/lines/0/amount"), 18);
    assert_eq!(field("budget"), 20);
    let by = node.json(&["doc", "history", &doc, "--by-officer", "becker"]);
    assert_eq!(by["entries"].as_array().map(Vec::len), Some(20));
    let town = node.json(&["doc", "history", &doc, "--town", "warstein", "--limit", "5"]);
    assert_eq!(town["entries"].as_array().map(Vec::len), Some(5));
    assert!(town["older"].is_string(), "{town}");
    let old = node.json(&["doc", "history", &doc, "--until", "2000-01-01"]);
    assert_eq!(old["entries"], Value::Array(Vec::new()));
    node.run(&["doc", "history", &doc, "--since", "gestern"]).fails(&["'gestern' is not a date"]);
    let more = node.run(&["doc", "history", &doc, "--town", "Warstein", "--limit", "5"]).ok();
    assert!(more.stderr.contains("more changes may match: twin doc history"), "{}", more.stderr);

    // Another officer's prose edit is a sitting of its own, shown as a word diff.
    node.run(&["doc", "text", &doc, "summary", "Wir fahren im Mai nach Saint-Pol.", "--officer", "M. Weber"])
        .ok();
    node.run(&[
        "doc",
        "text",
        &doc,
        "summary",
        "Wir fahren im Juni nach Saint-Pol.",
        "--officer",
        "M. Weber",
    ])
    .ok();
    let text = node.run(&["--lang", "de", "doc", "history", &doc]).ok().stdout;
    let tail: Vec<&str> = text.lines().rev().take(2).collect();
    assert!(tail[1].starts_with("Warstein · M. Weber · ") && tail[1].ends_with("· 2 Änderungen"), "{text}");
    assert_eq!(tail[0], "  Zusammenfassung: {+Wir fahren im Juni nach Saint-Pol.+}", "{text}");
    let changes = node.run(&["doc", "history", &doc, "--changes", "--limit", "1"]).ok().stdout;
    assert!(changes.contains("edited summary"), "the English message stays in --changes: {changes}");
    let page = node.json(&["doc", "history", &doc, "--limit", "1"]);
    assert_eq!(
        page["entries"][0]["items"][0]["text"],
        "Summary: Wir fahren im [-Mai-] {+Juni+} nach Saint-Pol."
    );
}
