use twinmesh_protocol::schema::DocKind;

use super::*;
use crate::{
    engine::{COMPACT_AFTER, Engine},
    identity::DataDir,
    store::trees,
};

fn engine(dir: &tempfile::TempDir, name: &str) -> Engine {
    Engine::init(&DataDir::new(dir.path()), name, "FR", false).expect("init")
}

/// A founder with a plan of more than [`COMPACT_AFTER`] changes (a stored snapshot plus
/// incremental changes), and a partner that learned the space from the founder's hello.
fn pair() -> (Engine, Engine, DocId, [tempfile::TempDir; 2]) {
    pair_keeping(false)
}

/// [`pair`], with the founder keeping every signature (it saw a partner that speaks only
/// protocol version 4) when `keep_all`, else pruning them at compaction.
fn pair_keeping(keep_all: bool) -> (Engine, Engine, DocId, [tempfile::TempDir; 2]) {
    let dirs = [tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir")];
    let mut a = engine(&dirs[0], "Saint-Pol");
    if keep_all {
        a.note_older_partner_now().expect("note");
    }
    let mut b = engine(&dirs[1], "Warstein");
    let space = a.create_space("S").expect("space").id;
    a.add_member(&space, b.me().key, "Warstein", twinmesh_protocol::membership::Role::Editor).expect("add");
    let doc = a.create_doc(&space, DocKind::Plan, "P", None).expect("doc").id;
    let path = "summary".parse().expect("path");
    for i in 0..(COMPACT_AFTER as usize + 40) {
        a.splice_text(&doc, &path, &[(0, 0, &format!("{i} "))], None, None).expect("splice");
    }
    let meta = a.doc_meta(&doc).expect("meta");
    assert!(meta.incremental > 0 && meta.incremental < meta.changes as u32, "snapshot + changes");
    let hello = a.hello_for(&b.me().key).expect("hello");
    let a_me = a.me().clone();
    b.on_hello(&a_me.key, a_me.clone(), hello).expect("on hello");
    (a, b, doc, dirs)
}

/// Whether the founder kept every signature or pruned them to the one of its latest change,
/// the partner installs the document and every change checks.
#[test]
fn a_document_sent_whole_from_the_store_is_installed_with_every_signature() {
    for keep_all in [true, false] {
        installed_whole(keep_all);
    }
}

fn installed_whole(keep_all: bool) {
    let (mut a, mut b, doc, _dirs) = pair_keeping(keep_all);
    let (a_key, b_key) = (a.me().key, b.me().key);
    // Served from the store (the founder's copy is loaded again for it).
    a.docs.clear();
    let snap = a.snapshot_for(&b_key, &doc).expect("snapshot");
    let changes = a.doc_meta(&doc).expect("meta").changes;
    match (keep_all, &snap.signatures) {
        (true, SnapshotSignatures::Built { every: Some(every), .. }) => {
            assert_eq!(every.len() as u64, changes)
        }
        // Pruned: a version 4 partner cannot get it whole, a version 5 one gets one signature.
        (false, SnapshotSignatures::Built { every: None, latest }) => assert_eq!(latest.len(), 1),
        other => panic!("keep_all {keep_all}: {other:?}"),
    }
    let installed = b.install_snapshot(&a_key, snap).expect("install");
    assert_eq!(b.heads(&doc).expect("heads"), a.heads(&doc).expect("heads"));
    assert_eq!(installed.heads_digest, a.doc_digest(&doc).expect("digest").1);
    // Every signature is stored and checks, after a reload from the store.
    b.docs.clear();
    let history = b.history(&doc).expect("history");
    assert_eq!(history.len() as u64, a.doc_meta(&doc).expect("meta").changes);
    assert!(history.iter().all(|h| h.signature == crate::engine::SignatureStatus::Verified));
    let through = history.iter().filter(|h| h.verified_through.is_some()).count() as u64;
    assert_eq!(through, if keep_all { 0 } else { changes - 1 }, "proven through the latest change");
    // The shared heads are remembered for the next session with the sender.
    let state = b.store.get(Table::SyncStates, &super::super::sync::sync_key(&a_key, &doc)).expect("get");
    assert!(state.is_some());
}

/// A document quiet for long enough is saved whole, so it is served and loaded without
/// replaying incremental changes; closing the engine does the same for every loaded one.
#[test]
fn quiet_documents_are_saved_whole_and_closing_compacts_the_rest() {
    let (mut a, b, doc, dirs) = pair();
    let heads = a.heads(&doc).expect("heads");
    let changes = a.doc_meta(&doc).expect("meta").changes;
    // Just edited: not quiet yet.
    assert_eq!(a.compact_loaded(Some(std::time::Duration::from_secs(3600)), 8).expect("compact"), 0);
    assert!(a.doc_meta(&doc).expect("meta").incremental > 0);
    // A document being received for the first time (in memory, not stored yet) is skipped.
    a.docs.insert(DocId::from_bytes([9; 16]), Automerge::new());
    assert_eq!(a.compact_loaded(None, 8).expect("compact"), 1);
    let meta = a.doc_meta(&doc).expect("meta");
    assert_eq!((meta.incremental, meta.changes), (0, changes));
    assert!(a.store.scan(Table::Changes, doc.as_bytes()).expect("scan").is_empty());
    assert_eq!(a.compact_loaded(None, 8).expect("compact"), 0, "nothing left to compact");
    // What is sent whole is now the snapshot alone, and it reloads to the same heads with
    // every signature.
    let stored = a.store.get(Table::Snapshots, doc.as_bytes()).expect("get").expect("snapshot");
    let b_key = b.me().key;
    assert_eq!(a.snapshot_for(&b_key, &doc).expect("snapshot").saved, stored);
    a.docs.clear();
    assert_eq!(a.heads(&doc).expect("heads"), heads);
    assert_eq!(a.history(&doc).expect("history").len() as u64, changes);

    // Closing compacts a loaded document edited since.
    let path = "summary".parse().expect("path");
    a.splice_text(&doc, &path, &[(0, 0, "closing ")], None, None).expect("splice");
    assert_eq!(a.doc_meta(&doc).expect("meta").incremental, 1);
    a.close();
    let a = Engine::open(&DataDir::new(dirs[0].path())).expect("reopen");
    let meta = a.doc_meta(&doc).expect("meta");
    assert_eq!((meta.incremental, meta.changes), (0, changes + 1));
}

/// Both sides of a new connection send a hello. When this side's own exchange found that
/// the partner lacks a document and the partner's hello is answered before the session
/// opens, the document is still pushed whole: answering once forgot it, and the partner
/// received all of it change by change (first_sync.rs failed so under load).
#[test]
fn answering_the_partners_hello_keeps_what_our_own_hello_found_it_lacks() {
    let (mut a, mut b, doc, _dirs) = pair();
    let (a_key, b_key) = (a.me().key, b.me().key);
    let hello = b.hello_for(&a_key).expect("hello");
    assert!(hello.iter().all(|s| s.docs.is_empty()), "the partner holds no document yet");
    // The answer to our hello: the partner lacks the document.
    let (differ, _) = a.on_hello(&b_key, b.me().clone(), hello.clone()).expect("on hello");
    assert_eq!(differ, vec![doc]);
    // The partner's own hello, answered before the session opens.
    a.on_hello_answered(&b_key, b.me().clone(), hello).expect("answered");
    assert!(matches!(a.session_open(&b_key, &doc, true).expect("open"), Opening::Push(_)));
}

/// A partner's hello that lists the document ends a planned push: it holds it now.
#[test]
fn a_partners_hello_that_lists_the_document_ends_a_planned_push() {
    let (mut a, mut b, doc, _dirs) = pair();
    let (a_key, b_key) = (a.me().key, b.me().key);
    let hello = b.hello_for(&a_key).expect("hello");
    a.on_hello(&b_key, b.me().clone(), hello).expect("on hello");
    let snap = a.snapshot_for(&b_key, &doc).expect("snapshot");
    // The partner got it meanwhile (here: from the founder's snapshot, as from any member).
    b.install_snapshot(&a_key, snap).expect("install");
    a.partners = crate::engine::sync::PartnerSync::default();
    a.partners.set_lacks(&b_key, [doc]);
    let hello = b.hello_for(&a_key).expect("hello");
    assert!(hello.iter().any(|s| s.docs.iter().any(|d| d.doc == doc)));
    a.on_hello_answered(&b_key, b.me().clone(), hello).expect("answered");
    assert!(matches!(a.session_open(&b_key, &doc, true).expect("open"), Opening::Sync(_)));
}

/// A partner that fetched a document whole is not sent it whole again. The founder
/// answered the partner's hello (which listed none of its documents) and then served the
/// document on `Fetch`; the next session it opened (an announcement of the partner's first
/// edit) pushed the whole document again, which the partner refused (it holds it) before
/// the session fell back to ordinary sync: a full snapshot wasted per partner.
#[test]
fn a_document_served_whole_is_not_pushed_whole_again() {
    let (mut a, mut b, doc, _dirs) = pair();
    let (a_key, b_key) = (a.me().key, b.me().key);
    let hello = b.hello_for(&a_key).expect("hello");
    assert!(hello.iter().all(|s| s.docs.is_empty()), "the partner holds no document yet");
    let b_me = b.me().clone();
    a.on_hello_answered(&b_key, b_me, hello).expect("on hello");
    // Answering a hello decides nothing: only the side that sent it compares and opens
    // sessions, so nothing is remembered for a whole-document push.
    assert!(matches!(a.session_open(&b_key, &doc, true).expect("open"), Opening::Sync(_)));

    // The same through a hello this side compares: the partner fetches the document whole.
    let hello = b.hello_for(&a_key).expect("hello");
    a.on_hello(&b_key, b.me().clone(), hello).expect("on hello");
    let snap = a.snapshot_for(&b_key, &doc).expect("snapshot");
    b.install_snapshot(&a_key, snap).expect("install");
    assert!(matches!(a.session_open(&b_key, &doc, true).expect("open"), Opening::Sync(_)));
}

/// The sender of a whole document keeps the heads it served as shared with the partner, so
/// its next session opens from them instead of a Bloom filter of the whole history (3.3 KB
/// of the trace document's catch-up). If the partner never installed the document, the
/// session still converges: Automerge's sync starts over when a message names heads the
/// receiver lacks.
#[test]
fn the_next_session_starts_from_the_heads_served_whole_installed_or_not() {
    let v5 = |m| crate::engine::sync::tests::over(twinmesh_protocol::wire::Version::V5, m);
    for installed in [true, false] {
        let (mut a, mut b, doc, _dirs) = pair();
        let (a_key, b_key) = (a.me().key, b.me().key);
        let mut served = a.heads(&doc).expect("heads");
        let snap = a.snapshot_for(&b_key, &doc).expect("snapshot");
        if installed {
            b.install_snapshot(&a_key, snap).expect("install");
        }
        let path = "summary".parse().expect("path");
        a.splice_text(&doc, &path, &[(0, 0, "after ")], None, None).expect("edit");
        a.partners.drop_state(&b_key, &doc);
        let first = a.sync_start(&b_key, &doc).expect("start").expect("a message");
        let m = automerge::sync::Message::decode(first.message.as_deref().expect("bytes")).expect("decodes");
        let mut last_sync = m.have.first().expect("have").last_sync.clone();
        last_sync.sort();
        served.sort();
        assert_eq!(last_sync, served, "installed {installed}");

        let mut to_b = Some(first);
        let mut rounds = 0;
        while let Some(msg) = to_b {
            rounds += 1;
            assert!(rounds < 20, "installed {installed}: the session ends");
            let at_b = b.sync_receive(&a_key, v5(msg)).expect("b receives");
            assert!(at_b.rejected.is_empty(), "{:?}", at_b.rejected);
            let Some(reply) = at_b.reply else { break };
            let at_a = a.sync_receive(&b_key, v5(reply)).expect("a receives");
            assert!(at_a.rejected.is_empty(), "{:?}", at_a.rejected);
            to_b = at_a.reply;
        }
        assert_eq!(b.heads(&doc).expect("b heads"), a.heads(&doc).expect("a heads"), "installed {installed}");
    }
}

#[test]
fn heads_come_from_the_heads_table_and_stores_without_it_still_answer() {
    let (mut a, _b, doc, _dirs) = pair();
    let want = a.heads(&doc).expect("heads");
    a.docs.clear();
    assert_eq!(a.heads(&doc).expect("heads"), want);
    assert!(!a.docs.contains_key(&doc), "answered from the Heads table");
    // A store written before the table existed: no record; the document is loaded.
    let mut b = Batch::default();
    b.remove(Table::Heads, doc.as_bytes().to_vec());
    a.store.commit(b).expect("commit");
    assert_eq!(a.heads(&doc).expect("heads"), want);
    // A stale record (its stamp is not the metadata's, as after a downgrade) is ignored.
    a.docs.clear();
    let meta = a.doc_meta(&doc).expect("meta");
    let mut b = Batch::default();
    b.put(
        Table::Heads,
        doc.as_bytes().to_vec(),
        trees::heads::encode(meta.changes - 1, meta.updated.0, &[[7; 32]]),
    );
    a.store.commit(b).expect("commit");
    assert_eq!(a.heads(&doc).expect("heads"), want);
}
