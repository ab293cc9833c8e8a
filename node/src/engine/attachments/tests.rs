use super::*;

fn record(by: &str) -> String {
    serde_json::json!({
        "name": "attendance.pdf", "media_type": "application/pdf", "size": 1000,
        "hash": "ab".repeat(32), "chunk_size": 262_144, "manifest": "cd".repeat(32),
        "by": by, "officer": null, "at": 1, "caption": "day 1",
    })
    .to_string()
}

fn removal(by: &str) -> String {
    serde_json::json!({"by": by, "officer": null, "at": 2, "reason": "GDPR"}).to_string()
}

/// A restarted node knows each document's attachments from the AttachIndex table without
/// loading the document (a loaded trace document held its engine for 100 ms at start,
/// in front of the first hello); an edit makes the record stale and the document is read
/// again.
#[test]
fn the_attachment_index_survives_a_restart_without_loading_documents() {
    let dir = tempfile::tempdir().expect("dir");
    let data = crate::identity::DataDir::new(dir.path());
    let (doc, file_hash) = {
        let mut e = Engine::init(&data, "Saint-Pol", "FR", false).expect("init");
        let space = e.create_space("S").expect("space").id;
        let doc = e.create_doc(&space, twinmesh_protocol::schema::DocKind::Plan, "P", None).expect("doc").id;
        let file = dir.path().join("attendance.pdf");
        std::fs::write(&file, b"%PDF-1.4 attendance list").expect("write");
        let info = e.attach(&doc, &file, &AttachOptions::default(), None, &mut |_, _| {}).expect("attach");
        e.refresh_attach_index(16).expect("index");
        (doc, info.hash)
    };
    let mut e = Engine::open(&data).expect("open");
    e.refresh_attach_index(16).expect("index");
    assert!(!e.docs.contains_key(&doc), "the document was not loaded");
    let (_, _, es) = e.attach.index.get(&doc).expect("indexed");
    assert_eq!(es.iter().map(|x| x.rec.hash.clone()).collect::<Vec<_>>(), vec![file_hash]);

    // An edit changes the stamp: the document is read again and the record rewritten.
    let path = "summary".parse().expect("path");
    e.splice_text(&doc, &path, &[(0, 0, "x")], None, None).expect("edit");
    e.docs.clear();
    e.attach.index.clear();
    e.refresh_attach_index(16).expect("index");
    assert!(e.docs.contains_key(&doc), "a stale record is not trusted");
    e.docs.clear();
    e.attach.index.clear();
    e.refresh_attach_index(16).expect("index");
    assert!(!e.docs.contains_key(&doc), "the new record is used");
}

#[test]
fn only_a_town_records_its_own_attachments() {
    assert_eq!(check_op("_file/A/abc1", &record("A"), "A", false), Some(Reserved::Fine));
    assert!(matches!(check_op("_file/B/abc1", &record("A"), "A", true), Some(Reserved::Forged(_))));
    assert!(matches!(check_op("_file/A/abc1", &record("B"), "A", false), Some(Reserved::Forged(_))));
    assert!(matches!(check_op("_file/A/ABC", &record("A"), "A", false), Some(Reserved::Forged(_))));
    let bad_chunk = record("A").replace("262144", "1000");
    assert!(matches!(check_op("_file/A/abc1", &bad_chunk, "A", false), Some(Reserved::Forged(_))));
    let slash = record("A").replace("attendance.pdf", "../etc/passwd");
    assert!(matches!(check_op("_file/A/abc1", &slash, "A", false), Some(Reserved::Forged(_))));
    assert_eq!(check_op("_version/x", "{}", "A", false), None, "not an attachment key");
}

#[test]
fn the_attaching_town_or_an_admin_removes() {
    assert_eq!(check_op("_file_removed/A/abc1", &removal("A"), "A", false), Some(Reserved::Fine));
    assert!(matches!(
        check_op("_file_removed/A/abc1", &removal("B"), "B", false),
        Some(Reserved::AdminOnly(_))
    ));
    assert_eq!(check_op("_file_removed/A/abc1", &removal("B"), "B", true), Some(Reserved::Fine));
    assert!(matches!(check_op("_file_removed/A/abc1", &removal("A"), "B", true), Some(Reserved::Forged(_))));
    assert!(matches!(check_op("_file_removed/A", &removal("A"), "A", false), Some(Reserved::Forged(_))));
}

#[test]
fn media_types_are_guessed_from_the_name() {
    assert_eq!(guess_media_type("Liste.PDF"), "application/pdf");
    assert_eq!(guess_media_type("photo.jpeg"), "image/jpeg");
    assert_eq!(guess_media_type("README"), "application/octet-stream");
}
