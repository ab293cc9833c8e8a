//! First sync of a whole document (protocol version 2): a partner that holds none of a
//! document receives Automerge's saved form and one signature per change, checks every change,
//! and stores it in one batch; a snapshot with a single bad change is refused entirely, and the
//! node stays up.

mod common;

use std::time::Duration;

use automerge::{
    Automerge, ChangeHash,
    transaction::{CommitOptions, Transactable},
};
use common::*;
use twinmesh_node::{DataDir, Engine, api::Request};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::{SecretKey, Signature},
    membership::Role,
    schema::DocKind,
    signed::{actor_id, sign_change},
    wire::{self, DocSnapshot, Refusal, Response},
};

/// Commits of text made through the engine before the nodes start: more than fit in one
/// incremental run would also work, but fewer than the compaction threshold (256) let the test
/// tell a snapshot (stored whole: `incremental` 0) from change-by-change sync.
const COMMITS: usize = 200;

/// A founder's data dir holding a space with `partners` as editors and one plan with
/// [`COMMITS`] + 1 changes. Returns (space, doc).
fn founder_with_history(dir: &tempfile::TempDir, partners: &[&tempfile::TempDir]) -> (SpaceId, DocId) {
    let mut e = Engine::open(&DataDir::new(dir.path())).expect("open");
    let space = e.create_space("St-Pol – Warstein").expect("space").id;
    for p in partners {
        let key = Engine::open(&DataDir::new(p.path())).expect("open partner").me().key;
        e.add_member(&space, key, "Partner", Role::Editor).expect("add");
    }
    let doc = e.create_doc(&space, DocKind::Plan, "CIRCLE60", None).expect("doc").id;
    let path = "summary".parse().expect("path");
    for i in 0..COMMITS {
        let text = format!("line {i}: the joint youth exchange in Warstein. ");
        e.splice_text(&doc, &path, &[(0, 0, text.as_str())], None, None).expect("splice");
    }
    (space, doc)
}

async fn doc_info(node: &TestNode, doc: &DocId) -> Option<serde_json::Value> {
    let list = node.ok(Request::DocList { space: None }).await;
    list.as_array()?.iter().find(|d| d["id"] == doc.to_string()).cloned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_partners_receive_a_large_document_whole_by_fetch_and_by_push() {
    let (a_dir, b_dir, c_dir) =
        (init("Saint-Pol-sur-Ternoise", "FR"), init("Warstein", "DE"), init("Kaštela", "HR"));
    let (_, doc) = founder_with_history(&a_dir, &[&b_dir, &c_dir]);
    let start = |dir: tempfile::TempDir, name: &str| {
        let name = name.to_string();
        async move {
            let node = twinmesh_node::Node::spawn(config(&dir)).await.expect("spawn");
            TestNode { dir, node: Some(node), name }
        }
    };
    let a = start(a_dir, "Saint-Pol-sur-Ternoise").await;
    let b = start(b_dir, "Warstein").await;
    let c = start(c_dir, "Kaštela").await;
    let d = doc.to_string();

    // B dials A: B's hello answer lists a document B lacks, so B fetches it whole.
    b.dial(&a).await;
    // A dials C: C's hello does not list it, so A pushes it whole.
    a.dial(&c).await;
    eventually("B and C hold the document", || async { converged(&[&a, &b, &c], &d).await }).await;
    for n in [&b, &c] {
        let info = doc_info(n, &doc).await.expect("listed");
        assert_eq!(info["changes"], COMMITS as u64 + 1, "{}: every change stored", n.name);
        // Stored whole: no change went through the incremental (change-by-change) path.
        assert_eq!(info["incremental"], 0, "{}: stored as a snapshot", n.name);
        let history =
            n.ok(Request::DocHistory { doc, limit: Some(1000), before: None }).await["entries"].clone();
        let entries = history.as_array().expect("history");
        assert_eq!(entries.len(), COMMITS + 1);
        assert!(entries.iter().all(|e| e["signature"] == "verified"), "{}: every signature checks", n.name);
    }

    // The rest is ordinary sync: an edit on B reaches A and C.
    b.set(&d, "acronym", "YOUTH").await;
    eventually("B's edit reaches A and C", || async { converged(&[&a, &b, &c], &d).await }).await;
    let shown = c.show(&d).await.expect("show");
    assert!(shown.to_string().contains("YOUTH"));
}

// ---- a member that sends bad snapshots ----

/// A new plan in `space`, as a member would make it: changes by `(signer, actor key)` pairs,
/// in order, each on top of the previous. Returns the saved document and each change's hash
/// with its signature.
fn crafted(
    space: &SpaceId,
    doc: &DocId,
    steps: &[(&SecretKey, &SecretKey, &str)],
) -> (Vec<u8>, Vec<(ChangeHash, Signature)>) {
    let mut am = Automerge::new();
    let mut sigs = Vec::new();
    for (i, (signer, author, field)) in steps.iter().enumerate() {
        am.set_actor(actor_id(&author.public(), [i as u8; 16]));
        let mut tx = am.transaction();
        if i == 0 {
            tx.put(automerge::ROOT, "kind", "plan").expect("put");
            tx.put(automerge::ROOT, "space", space.to_string()).expect("put");
            tx.put(automerge::ROOT, "title", "Crafted").expect("put");
        }
        tx.put(automerge::ROOT, *field, "x").expect("put");
        let (hash, _) = tx.commit_with(CommitOptions::default().with_time(0));
        let hash = hash.expect("a change");
        sigs.push((hash, sign_change(signer, doc, &hash)));
    }
    (am.save(), sigs)
}

fn snapshot(
    space: SpaceId,
    doc: DocId,
    saved: Vec<u8>,
    mut sigs: Vec<(ChangeHash, Signature)>,
) -> wire::Request {
    sigs.sort_by_key(|(h, _)| *h);
    wire::Request::Snapshot(DocSnapshot {
        space,
        doc,
        kind: DocKind::Plan,
        saved,
        signatures: sigs.into_iter().map(|(_, s)| s).collect(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_with_one_forged_tampered_or_unauthorized_change_is_refused_entirely() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let mallory = SecretKey::from_bytes([0x66; 32]);
    let outsider = SecretKey::from_bytes([0x77; 32]);
    let (space, _) = space_with_plan(&a, &[]).await;
    add_member(&a, &space, &mallory, "Mallory").await;
    let space: SpaceId = space.parse().expect("space");
    let a_key = twinmesh_node::identity::key_from_peer_id(&a.id().await).expect("a key");
    let mut swarm = attacker_swarm(&mallory);
    let peer = connect(&mut swarm, &a.addr().await).await;

    let refused = |r: Option<Response>| matches!(r, Some(Response::Refused(Refusal::BadMessage(_))));
    let refused_for = |r: &Option<Response>, why: &str| match r {
        Some(Response::Refused(Refusal::BadMessage(m))) => m.contains(why),
        _ => false,
    };
    // Each bad snapshot: one valid change by Mallory followed by one bad one.
    let cases: Vec<(&str, &str, DocId, wire::Request)> = {
        let mut v = Vec::new();
        // Forged: an actor id naming A's key, signed by Mallory.
        let doc = DocId::from_bytes([1; 16]);
        let mut am = Automerge::new().with_actor(actor_id(&mallory.public(), [0; 16]));
        let mut tx = am.transaction();
        tx.put(automerge::ROOT, "kind", "plan").expect("put");
        tx.put(automerge::ROOT, "space", space.to_string()).expect("put");
        let (h1, _) = tx.commit_with(CommitOptions::default().with_time(0));
        am.set_actor(actor_id(&a_key, [1; 16]));
        let mut tx = am.transaction();
        tx.put(automerge::ROOT, "status", "awarded").expect("put");
        let (h2, _) = tx.commit_with(CommitOptions::default().with_time(0));
        let (h1, h2) = (h1.expect("change"), h2.expect("change"));
        let sigs = vec![(h1, sign_change(&mallory, &doc, &h1)), (h2, sign_change(&mallory, &doc, &h2))];
        v.push(("forged", "bad signature", doc, snapshot(space, doc, am.save(), sigs)));
        // Tampered: the second change carries the signature of another change.
        let doc = DocId::from_bytes([2; 16]);
        let (saved, mut sigs) =
            crafted(&space, &doc, &[(&mallory, &mallory, "a"), (&mallory, &mallory, "b")]);
        let other = sign_change(&mallory, &doc, &ChangeHash([9; 32]));
        sigs[1].1 = other;
        v.push(("tampered", "bad signature", doc, snapshot(space, doc, saved, sigs)));
        // Unauthorized: well signed by a key that is not a member.
        let doc = DocId::from_bytes([3; 16]);
        let (saved, sigs) = crafted(&space, &doc, &[(&mallory, &mallory, "a"), (&outsider, &outsider, "b")]);
        v.push(("unauthorized", "not a member allowed to write", doc, snapshot(space, doc, saved, sigs)));
        // Replayed: signed for another document.
        let doc = DocId::from_bytes([4; 16]);
        let (saved, sigs) = crafted(&space, &DocId::from_bytes([5; 16]), &[(&mallory, &mallory, "a")]);
        v.push(("replayed", "bad signature", doc, snapshot(space, doc, saved, sigs)));
        // A signature missing.
        let doc = DocId::from_bytes([6; 16]);
        let (saved, mut sigs) =
            crafted(&space, &doc, &[(&mallory, &mallory, "a"), (&mallory, &mallory, "b")]);
        // Neither one per change nor one per author's latest change (version 5).
        sigs.clear();
        v.push(("no signature", "but 0 signatures", doc, snapshot(space, doc, saved, sigs)));
        // Not an Automerge document.
        let doc = DocId::from_bytes([7; 16]);
        v.push((
            "garbage",
            "does not load",
            doc,
            snapshot(space, doc, vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3], vec![]),
        ));
        v
    };
    for (what, why, doc, req) in cases {
        let r = ask(&mut swarm, peer, req).await;
        assert!(refused_for(&r, why), "{what}: refused because {why}, got {r:?}");
        assert!(a.show(&doc.to_string()).await.is_err(), "{what}: nothing stored");
        assert!(doc_info(&a, &doc).await.is_none(), "{what}: not listed");
    }

    // A snapshot whose every change is good is stored, and the node is still up.
    let doc = DocId::from_bytes([8; 16]);
    let (saved, sigs) = crafted(&space, &doc, &[(&mallory, &mallory, "a"), (&mallory, &mallory, "b")]);
    match ask(&mut swarm, peer, snapshot(space, doc, saved, sigs)).await {
        Some(Response::Installed { doc: d, .. }) => assert_eq!(d, doc),
        other => panic!("valid snapshot: expected Installed, got {other:?}"),
    }
    eventually("the valid snapshot is listed", || async { doc_info(&a, &doc).await.is_some() }).await;
    let history = a.ok(Request::DocHistory { doc, limit: Some(1000), before: None }).await["entries"].clone();
    assert_eq!(history.as_array().map(Vec::len), Some(2));

    // A second snapshot of a document the node holds is refused (it is not a merge path).
    let (saved, sigs) = crafted(&space, &doc, &[(&mallory, &mallory, "c")]);
    let r = ask(&mut swarm, peer, snapshot(space, doc, saved, sigs)).await;
    assert!(refused(r), "snapshot of a held document refused");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Nodes of earlier versions are answered: on `/twinmesh/sync/3` (round signatures with their
/// hashes) and `/twinmesh/sync/2` (frames never compressed) the whole-document messages too; on
/// `/twinmesh/sync/1` a version 2 message cannot be sent at all. (`wire_v4.rs` syncs a document
/// both ways with a version 3 peer.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_of_versions_3_2_and_1_are_still_answered() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    for (n, protocol) in
        [(0x57u8, wire::SYNC_PROTOCOL_V3), (0x56, wire::SYNC_PROTOCOL_V2), (0x55, wire::SYNC_PROTOCOL_V1)]
    {
        let old = SecretKey::from_bytes([n; 32]);
        let mut swarm = attacker_swarm_with(&old, protocol);
        let peer = connect(&mut swarm, &a.addr().await).await;
        let from = twinmesh_protocol::space::Municipality {
            key: old.public(),
            name: "Old".into(),
            country: "DE".into(),
        };
        let r = ask(&mut swarm, peer, wire::Request::Hello { from, spaces: vec![] }).await;
        assert!(matches!(r, Some(Response::Hello { .. })), "{protocol}: hello answered: {r:?}");
        let fetch =
            wire::Request::Fetch { space: SpaceId::from_bytes([1; 32]), doc: DocId::from_bytes([1; 16]) };
        let r = ask(&mut swarm, peer, fetch).await;
        if protocol == wire::SYNC_PROTOCOL_V1 {
            assert!(r.is_none(), "no answer to a v2 message on v1");
        } else {
            // Answered (here refused: not a member), not dropped.
            assert!(matches!(r, Some(Response::Refused(_))), "{protocol}: fetch answered: {r:?}");
        }
    }
}
