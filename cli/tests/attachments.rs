//! `twin doc attach | attachments | attachment get | attachment remove` and `twin space
//! storage` end to end with `--json`: on a store directly, then through a running node.

mod common;

use common::{Node, id_text};

#[test]
fn a_file_is_attached_listed_fetched_capped_and_removed() {
    let node = Node::init("Saint-Pol-sur-Ternoise", "FR");
    let space = node.space("St-Pol – Warstein");
    let doc = node.doc(&space, "plan", "CIRCLE60");
    let bytes: Vec<u8> = (0..700_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let src = node.scratch().join("attendance.pdf");
    std::fs::write(&src, &bytes).expect("write");
    let src = src.display().to_string();

    let a = node.json(&[
        "doc",
        "attach",
        &doc,
        &src,
        "--caption",
        "Signed attendance lists",
        "--officer",
        "C. Dufresne",
    ]);
    let id = id_text(&a["id"]);
    assert_eq!(a["name"], "attendance.pdf");
    assert_eq!(a["size"], 700_000);
    assert_eq!(a["media_type"], "application/pdf");
    assert_eq!(a["state"], "downloaded");
    assert_eq!(a["officer"], "C. Dufresne");
    assert_eq!(a["by_name"], "Saint-Pol-sur-Ternoise");
    assert_eq!(a["hash"].as_str().map(str::len), Some(64));

    let list = node.json(&["doc", "attachments", &doc]);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["caption"], "Signed attendance lists");
    let human = node.run(&["doc", "attachments", &doc]).ok().stdout;
    assert!(
        human.contains("attendance.pdf") && human.contains("700.0 kB") && human.contains("downloaded"),
        "{human}"
    );

    let out = node.scratch().join("copy.pdf");
    let got = node.json(&["doc", "attachment", "get", &doc, &id, "--out", &out.display().to_string()]);
    assert_eq!(got["bytes"], 700_000);
    assert_eq!(std::fs::read(&out).expect("copy"), bytes);

    // A cap below what the space holds refuses the next file, with the sizes in the message.
    let st = node.json(&["space", "storage", &space, "--cap", "1MB"]);
    assert_eq!((st["used"].as_u64(), st["cap"].as_u64()), (Some(700_000), Some(1_000_000)), "{st}");
    node.run(&["doc", "attach", &doc, &src, "--name", "again.pdf"]).fails(&["cap", "700.0 kB", "1.0 MB"]);
    let listed = node.json(&["space", "list"]);
    assert_eq!(listed[0]["attachments"]["used"], 700_000, "{listed}");
    node.json(&["space", "storage", &space, "--cap", "none"]);

    // Through a running node: the same commands over its API.
    let running = node.start();
    let status = node.run(&["status"]).ok().stdout;
    assert!(
        status.contains("attachments:  eager (0 file(s) being fetched")
            && status.contains("St-Pol – Warstein: 700.0 kB"),
        "{status}"
    );
    let removed =
        node.json(&["doc", "attachment", "remove", &doc, &id, "--reason", "personal data (GDPR art. 17)"]);
    assert_eq!(removed["state"], "removed");
    assert_eq!(removed["removed"]["reason"], "personal data (GDPR art. 17)");
    node.run(&["doc", "attachment", "get", &doc, &id, "--out", &out.display().to_string()])
        .fails(&["attendance.pdf", "removed"]);
    let left: Vec<_> = std::fs::read_dir(node.dir().join("blobs")).expect("blobs").flatten().collect();
    assert!(left.is_empty(), "the bytes are gone: {left:?}");
    let history = node.history(&doc);
    assert!(
        history.iter().any(|h| h.to_string().contains("removed attachment 'attendance.pdf'")),
        "the history keeps the removal: {history:?}"
    );
    drop(running);
}
