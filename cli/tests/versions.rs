//! `twin doc version | versions | compare | restore | request-approval | approve | approvals`
//! end to end with `--json`, on one town's store.

mod common;

use common::{Node, id_text};

#[test]
fn a_version_is_named_approved_compared_restored_and_listed() {
    let node = Node::init("Saint-Pol-sur-Ternoise", "FR");
    let space = node.space("St-Pol – Warstein");
    let doc = id_text(&node.json(&["doc", "new", &space, "--kind", "plan", "--title", "CIRCLE60"])["id"]);
    node.json(&["doc", "set", &doc, "acronym", "OLD"]);
    let v = node.json(&["doc", "version", &doc, "submitted to EACEA 2027-02-12", "--officer", "C. Dufresne"]);
    let vid = id_text(&v["id"]);
    assert_eq!(v["officer"], "C. Dufresne");
    assert_eq!(
        node.run(&["doc", "version", &doc, "soumis"]).ok().stdout.trim().len(),
        13,
        "human output: the id"
    );

    let asked = node.json(&["doc", "request-approval", &doc, &vid]);
    assert_eq!(asked["requested"], "Saint-Pol-sur-Ternoise");
    node.run(&["doc", "approve", &doc, &vid, "--reference", " ", "--date", "2027-02-10"])
        .fails(&["council decision's reference"]);
    node.run(&["doc", "approve", &doc, &vid, "--reference", "D-14", "--date", "hier"]).fails(&["'hier'"]);
    let approved = node.json(&[
        "doc",
        "approve",
        &doc,
        "submitted to EACEA 2027-02-12",
        "--reference",
        "Délibération 2027-014",
        "--date",
        "2027-02-10",
        "--officer",
        "C. Dufresne",
    ]);
    assert_eq!((approved["approved"].as_u64(), approved["towns"].as_u64()), (Some(1), Some(1)), "{approved}");
    assert_eq!(approved["approved_by_all"], true);

    node.json(&["doc", "set", &doc, "acronym", "NEW"]);
    let listed = node.json(&["doc", "versions", &doc]);
    let first = &listed["versions"][0];
    assert_eq!(first["changed_since"], true, "{listed}");
    assert_eq!(first["changes_since"][0]["path"], "acronym");
    let human = node.run(&["doc", "versions", &doc]).ok().stdout;
    assert!(human.contains("approved by 1 of 1 town ") && human.contains("CHANGED SINCE"), "{human}");

    let cmp = node.json(&["--lang", "fr", "doc", "compare", &doc, &vid]);
    assert_eq!(cmp["to"], "current");
    assert_eq!(cmp["changes"][0]["before"], "OLD", "{cmp}");
    assert_eq!(cmp["changes"][0]["after"], "NEW", "{cmp}");
    let same = node.json(&["doc", "compare", &doc, &vid, "soumis"]);
    assert_eq!(same["changes"].as_array().map(Vec::len), Some(0), "two versions of the same content: {same}");

    let restored = node.json(&["doc", "restore", &doc, &vid]);
    assert!(restored["change"].is_string(), "{restored}");
    let shown = node.json(&["doc", "show", &doc]);
    assert_eq!(shown["content"]["acronym"], "OLD");
    let keys: Vec<&String> = shown["content"].as_object().expect("content").keys().collect();
    assert!(keys.iter().all(|k| !k.starts_with('_')), "the records are not shown as fields: {keys:?}");
    let md = node.run(&["doc", "show", &doc]).ok().stdout;
    assert!(!md.contains("_version") && !md.contains("_approval"), "{md}");
    let approvals = node.json(&["doc", "approvals", &doc, &vid]);
    let one = &approvals["versions"][0];
    assert_eq!(one["changed_since"], false, "{approvals}");
    assert_eq!(one["decisions"][0]["reference"], "Délibération 2027-014");
    assert_eq!(one["decisions"][0]["officer"], "C. Dufresne");
    node.run(&["doc", "approvals", &doc, "nope"]).fails(&["no version 'nope'"]);
    let fr = node.run(&["--lang", "fr", "doc", "approvals", &doc, &vid]).ok().stdout;
    assert!(fr.contains("approuvée par 1 sur 1 ville"), "{fr}");
    assert!(
        fr.contains("Saint-Pol-sur-Ternoise a approuvé : Délibération 2027-014 du 10/02/2027 (C. Dufresne)"),
        "{fr}"
    );
    let history = node.json(&["doc", "history", &doc]);
    let messages: Vec<&str> = history["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(messages.contains(&"restored version 'submitted to EACEA 2027-02-12'"), "{messages:?}");
    assert!(messages.contains(&"acronym: 'OLD' -> 'NEW'"), "history keeps the edit: {messages:?}");
}
