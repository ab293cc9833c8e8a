//! An honest node facing a misbehaving partner that speaks the wire protocol directly:
//! forged, tampered, unsigned, replayed and unauthorized changes are refused, the valid rest of
//! a round still applies, the node stays up, and a peer that keeps sending bad changes is cut off.

mod common;

use std::time::Duration;

use automerge::{
    Automerge, Change, ReadDoc,
    sync::{ChunkList, Message, MessageVersion},
    transaction::{CommitOptions, Transactable},
};
use common::*;
use twinmesh_node::{api::Request, identity::peer_id};
use twinmesh_protocol::{
    export::DocExport,
    ids::{DocId, SpaceId},
    keys::{SecretKey, Signature},
    schema::DocKind,
    signed::{actor_id, sign_change},
    wire::{self, ChunkSignatures, DocSync, Refusal, Response},
};

/// A change on top of the document `saved`, made by `actor_key`'s actor id.
fn change_on(saved: &[u8], actor_key: &SecretKey, field: &str, value: &str) -> Change {
    let mut doc = Automerge::load(saved).expect("load").with_actor(actor_id(&actor_key.public(), [9; 16]));
    let mut tx = doc.transaction();
    tx.put(automerge::ROOT, field, value).expect("put");
    let (hash, _) =
        tx.commit_with(CommitOptions::default().with_message(format!("{field} = {value}")).with_time(0));
    doc.get_change_by_hash(&hash.expect("a change")).expect("change")
}

fn round(
    space: SpaceId,
    doc: DocId,
    changes: &[&Change],
    signatures: Vec<([u8; 32], Signature)>,
) -> wire::Request {
    sync(space, doc, Some(message_of(changes)), signatures)
}

/// A sync round about a plan carrying `message` as it is (valid or not), with `signatures` named
/// by change hash (on version 4 the codec sends them alone, in the order given).
fn sync(
    space: SpaceId,
    doc: DocId,
    message: Option<Vec<u8>>,
    signatures: Vec<([u8; 32], Signature)>,
) -> wire::Request {
    wire::Request::Sync(DocSync {
        space,
        doc,
        kind: DocKind::Plan,
        message,
        signatures: ChunkSignatures::Hashed(signatures),
    })
}

async fn export(node: &TestNode, doc: &str) -> DocExport {
    let v = node.ok(Request::DocExport { doc: doc.parse().expect("doc"), format: Default::default() }).await;
    let bytes = data_encoding::BASE64.decode(v["data"].as_str().expect("data").as_bytes()).expect("b64");
    DocExport::from_bytes(&bytes).expect("export")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_tampered_unsigned_replayed_and_unauthorized_changes_are_refused() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let mallory = SecretKey::from_bytes([0x66; 32]);
    let outsider = SecretKey::from_bytes([0x77; 32]);
    let (space, doc) = space_with_plan(&a, &[]).await;
    add_member(&a, &space, &mallory, "Mallory").await;
    let other_doc = a
        .ok(Request::DocNew {
            space: space.parse().expect("space"),
            kind: DocKind::Minutes,
            title: "M1".into(),
            lang: None,
        })
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let space_id: SpaceId = space.parse().expect("space");
    let doc_id: DocId = doc.parse().expect("doc");
    let other_id: DocId = other_doc.parse().expect("doc");
    let saved = export(&a, &doc).await.saved;
    let other_saved = export(&a, &other_doc).await.saved;
    let a_public = twinmesh_node::identity::key_from_peer_id(&a.id().await).expect("a key");
    let heads_before = a.heads(&doc).await.expect("heads");

    // 1. A valid change by a member: applies.
    let valid = change_on(&saved, &mallory, "acronym", "VALID");
    // 2. Forged: claims A's actor id, but only Mallory could sign it.
    let mut forged_doc = Automerge::load(&saved).expect("load");
    forged_doc.set_actor(actor_id(&a_public, [1; 16]));
    let mut tx = forged_doc.transaction();
    tx.put(automerge::ROOT, "status", "awarded").expect("put");
    let (fh, _) = tx.commit_with(CommitOptions::default().with_time(0));
    let forged = forged_doc.get_change_by_hash(&fh.expect("hash")).expect("change");
    // 3. Tampered: Mallory signed one change, and sends another under that signature.
    let signed_one = change_on(&saved, &mallory, "working_language", "FR");
    let tampered = change_on(&saved, &mallory, "working_language", "DE");
    // 4. Unsigned.
    let unsigned = change_on(&saved, &mallory, "funding_profile", "NONE");
    // 5. Replayed: a properly signed change of another document.
    let replayed = change_on(&other_saved, &mallory, "location", "Elsewhere");
    // 6. Unauthorized: well signed by a key that is not a member.
    let stranger_change = change_on(&saved, &outsider, "start", "2026-01-01");

    let sigs = vec![
        (valid.hash().0, sign_change(&mallory, &doc_id, &valid.hash())),
        (forged.hash().0, sign_change(&mallory, &doc_id, &forged.hash())),
        (tampered.hash().0, sign_change(&mallory, &doc_id, &signed_one.hash())),
        (replayed.hash().0, sign_change(&mallory, &other_id, &replayed.hash())),
        (stranger_change.hash().0, sign_change(&outsider, &doc_id, &stranger_change.hash())),
    ];
    // Version 3, where signatures are named by change hash, so a change can come without one
    // (on version 4 a round carries one per change, else it is refused whole: `wire_v4.rs`).
    let mut swarm = attacker_swarm_with(&mallory, wire::SYNC_PROTOCOL_V3);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let resp = ask(
        &mut swarm,
        peer,
        round(space_id, doc_id, &[&valid, &forged, &tampered, &unsigned, &replayed, &stranger_change], sigs),
    )
    .await;
    assert!(matches!(resp, Some(Response::Sync(_))), "honest node answers the round: {resp:?}");

    // Only the valid change applied; the node is up and its history is all verified.
    let v = a.show(&doc).await.expect("A still serves");
    assert_eq!(v["content"]["acronym"], "VALID");
    assert_eq!(v["content"]["status"], "drafting", "forged change refused");
    assert_eq!(v["content"]["working_language"], "EN", "tampered change refused");
    assert_eq!(v["content"]["funding_profile"], "CERV-2025-CITIZENS-TOWN-TT", "unsigned change refused");
    assert!(v["content"]["start"].is_null(), "non-member's change refused");
    assert_ne!(Some(v["heads"].clone()), Some(heads_before));
    let other = a.show(&other_doc).await.expect("other doc");
    assert!(other["content"]["location"].is_null(), "replayed change refused");
    let hist =
        a.ok(Request::DocHistory { doc: doc_id, limit: Some(1000), before: None }).await["entries"].clone();
    assert!(hist.as_array().expect("hist").iter().all(|e| e["signature"] == "verified"));
    assert!(hist.as_array().expect("hist").iter().any(|e| e["author"] == "Mallory"));

    // A non-member asking for the document is refused.
    let mut nosy = attacker_swarm(&outsider);
    let p2 = connect(&mut nosy, &a.addr().await).await;
    let r = ask(&mut nosy, p2, sync(space_id, doc_id, None, vec![])).await;
    assert!(matches!(r, Some(Response::Refused(Refusal::NotAMember))), "{r:?}");

    // A flood of bad changes gets the peer disconnected; the node keeps serving.
    let mut cut_off = false;
    for i in 0..20 {
        let bad: Vec<Change> =
            (0..8).map(|j| change_on(&saved, &mallory, "acronym", &format!("BAD{i}-{j}"))).collect();
        let refs: Vec<&Change> = bad.iter().collect();
        if ask(&mut swarm, peer, round(space_id, doc_id, &refs, vec![])).await.is_none() {
            cut_off = true;
            break;
        }
    }
    assert!(cut_off, "a peer that keeps sending invalid changes is disconnected");
    let v = a.show(&doc).await.expect("A still serves after the flood");
    assert_eq!(v["content"]["acronym"], "VALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_frames_do_not_hurt_the_node() {
    use std::io::Write;
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let (_space, doc) = space_with_plan(&a, &[]).await;
    // Raw TCP garbage at the libp2p port: the handshake fails, the node carries on.
    let addr = a.addr().await;
    let port: u16 = addr.split('/').nth(4).expect("port").parse().expect("port");
    for payload in [vec![0u8; 10], vec![0xff; 100_000], b"GET / HTTP/1.1\r\n\r\n".to_vec()] {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_write_timeout(Some(Duration::from_secs(2))).expect("timeout");
        let _ = s.write_all(&payload);
    }
    assert!(a.show(&doc).await.is_ok());
    // A member sending an undecodable sync message gets a refusal, not a crash.
    let m = SecretKey::from_bytes([0x42; 32]);
    let space = a.ok(Request::SpaceList).await[0]["id"].as_str().expect("space").to_string();
    a.ok(Request::SpaceAdd {
        space: space.parse().expect("space"),
        member: peer_id(&m.public()).to_string(),
        name: None,
        role: None,
    })
    .await;
    let mut swarm = attacker_swarm(&m);
    let peer = connect(&mut swarm, &addr).await;
    let r = ask(
        &mut swarm,
        peer,
        sync(space.parse().expect("space"), doc.parse().expect("doc"), Some(vec![0x42, 1, 2, 3]), vec![]),
    )
    .await;
    assert!(matches!(r, Some(Response::Refused(Refusal::BadMessage(_)))), "{r:?}");
    assert!(a.show(&doc).await.is_ok());

    // A Bloom filter with entries but no bits: answering it divided by zero inside Automerge,
    // which stopped the node's engine. Now the round is refused and the node carries on.
    let zero_bits = automerge::sync::BloomFilter::try_from(&[1u8, 0, 7][..]).expect("bloom");
    let msg = Message {
        heads: vec![],
        need: vec![],
        have: vec![automerge::sync::Have { last_sync: vec![], bloom: zero_bits }],
        changes: ChunkList::from(Vec::<Vec<u8>>::new()),
        flags: None,
        version: MessageVersion::V1,
    };
    let r = ask(
        &mut swarm,
        peer,
        sync(space.parse().expect("space"), doc.parse().expect("doc"), Some(msg.encode()), vec![]),
    )
    .await;
    assert!(matches!(&r, Some(Response::Refused(Refusal::BadMessage(m))) if m.contains("Bloom")), "{r:?}");
    assert!(a.show(&doc).await.is_ok(), "the node still answers");

    // A compressed change chunk (inflated by Automerge without a bound) is refused, signed or not.
    let saved = export(&a, &doc).await.saved;
    let mut big = change_on(&saved, &m, "acronym", &"A".repeat(4000));
    let compressed = big.bytes().to_vec();
    assert_eq!(compressed[8], 2, "a compressed chunk");
    let doc_id: DocId = doc.parse().expect("doc");
    let mut heads = vec![big.hash()];
    heads.sort();
    let msg = Message {
        heads,
        need: vec![],
        have: vec![],
        changes: ChunkList::from(vec![compressed]),
        flags: None,
        version: MessageVersion::V1,
    };
    let r = ask(
        &mut swarm,
        peer,
        sync(
            space.parse().expect("space"),
            doc_id,
            Some(msg.encode()),
            vec![(big.hash().0, sign_change(&m, &doc_id, &big.hash()))],
        ),
    )
    .await;
    assert!(matches!(r, Some(Response::Sync(_))), "{r:?}");
    let v = a.show(&doc).await.expect("show");
    assert_ne!(v["content"]["acronym"], "A".repeat(4000), "the compressed change was not applied");
}

/// Regression (seen in CI after a partition healed through two paths): a change that arrives
/// before the change it depends on used to wait inside Automerge and apply later without its
/// signature being stored. Now it is held with its signature, survives a restart, and applies
/// with it once its dependency arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_that_arrives_before_its_dependency_waits_then_applies_signed() {
    let mut a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let member = SecretKey::from_bytes([0x51; 32]);
    let (space, doc) = space_with_plan(&a, &[]).await;
    add_member(&a, &space, &member, "Warstein").await;
    let space_id: SpaceId = space.parse().expect("space");
    let doc_id: DocId = doc.parse().expect("doc");
    let saved = export(&a, &doc).await.saved;
    // Two changes by the member, the second on top of the first.
    let first = change_on(&saved, &member, "acronym", "FIRST");
    let mut d = Automerge::load(&saved).expect("load");
    d.apply_changes([first.clone()]).expect("apply");
    let second = change_on(&d.save(), &member, "working_language", "DE");
    assert_eq!(second.deps(), &[first.hash()][..], "the second depends on the first");
    let sig = |c: &Change| (c.hash().0, sign_change(&member, &doc_id, &c.hash()));

    // The second alone: nothing applies, nothing is refused, the change is held.
    let mut swarm = attacker_swarm(&member);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let r = ask(&mut swarm, peer, round(space_id, doc_id, &[&second], vec![sig(&second)])).await;
    // The reply asks for what the held change waits for, not for the held change itself.
    let Some(Response::Sync(reply)) = r else { panic!("a sync reply: {r:?}") };
    let reply = Message::decode(&reply.message.expect("a message")).expect("decodes");
    assert!(reply.need.contains(&first.hash()), "asks for the missing dependency: {:?}", reply.need);
    assert!(!reply.need.contains(&second.hash()), "not for the change it holds: {:?}", reply.need);
    let v = a.show(&doc).await.expect("show");
    assert!(v["content"]["working_language"] == "EN", "held, not applied: {}", v["content"]);
    let hist =
        a.ok(Request::DocHistory { doc: doc_id, limit: Some(1000), before: None }).await["entries"].clone();
    let held = hist.as_array().expect("history").iter().find(|e| e["hash"] == second.hash().to_string());
    assert_eq!(held.map(|e| e["accepted"].clone()), Some(false.into()), "{hist}");
    drop(swarm);

    // The held change survives a restart; then the first arrives and both apply, signed.
    a.restart().await;
    let mut swarm = attacker_swarm(&member);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let r = ask(&mut swarm, peer, round(space_id, doc_id, &[&first], vec![sig(&first)])).await;
    assert!(matches!(r, Some(Response::Sync(_))), "{r:?}");
    let v = a.show(&doc).await.expect("show");
    assert_eq!(v["content"]["acronym"], "FIRST");
    assert_eq!(v["content"]["working_language"], "DE", "the held change applied with its dependency");
    let check_history = |hist: serde_json::Value| {
        let entries = hist.as_array().expect("history").clone();
        assert!(entries.iter().all(|e| e["signature"] == "verified" && e["accepted"] == true), "{hist}");
        assert_eq!(entries.iter().filter(|e| e["author"] == "Warstein").count(), 2, "{hist}");
    };
    check_history(
        a.ok(Request::DocHistory { doc: doc_id, limit: Some(1000), before: None }).await["entries"].clone(),
    );
    a.restart().await;
    check_history(
        a.ok(Request::DocHistory { doc: doc_id, limit: Some(1000), before: None }).await["entries"].clone(),
    );
    assert_eq!(a.show(&doc).await.expect("show")["content"]["working_language"], "DE");
}

/// An export file whose saved document carries an extra change chunk with a missing
/// dependency: Automerge would keep it queued, unverified, and apply it later. Refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_carrying_an_orphan_change_is_refused() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let member = SecretKey::from_bytes([0x52; 32]);
    let (space, doc) = space_with_plan(&a, &[]).await;
    add_member(&a, &space, &member, "Warstein").await;
    let doc_id: DocId = doc.parse().expect("doc");
    let mut file = export(&a, &doc).await;
    let first = change_on(&file.saved, &member, "acronym", "FIRST");
    let mut d = Automerge::load(&file.saved).expect("load");
    d.apply_changes([first.clone()]).expect("apply");
    let orphan = change_on(&d.save(), &member, "working_language", "DE");
    // The document, then the orphan alone (its dependency `first` is left out).
    file.saved.extend_from_slice(orphan.raw_bytes());
    file.signatures.push((orphan.hash().0, sign_change(&member, &doc_id, &orphan.hash())));
    let b = TestNode::start("Hebden Royd", "GB").await;
    let data = data_encoding::BASE64.encode(&file.to_bytes());
    let err = b.req(Request::DocImport { data, space: None }).await.expect_err("refused");
    assert!(err.to_string().contains("dependencies are missing"), "{err}");
    assert_eq!(
        b.ok(Request::DocList { space: None }).await.as_array().map(Vec::len),
        Some(0),
        "nothing imported"
    );
}

/// A member that signs two different changes with the same sequence number (equivocation)
/// made Automerge refuse every later round that carried the second one, so the document
/// stopped syncing. Now that change is refused on its own and the rest of the round applies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_equivocating_change_is_refused_and_the_rest_still_applies() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let cheat = SecretKey::from_bytes([0x53; 32]);
    let honest = SecretKey::from_bytes([0x54; 32]);
    let (space, doc) = space_with_plan(&a, &[]).await;
    for (k, name) in [(&cheat, "Cheat"), (&honest, "Warstein")] {
        add_member(&a, &space, k, name).await;
    }
    let (space_id, doc_id): (SpaceId, DocId) = (space.parse().expect("space"), doc.parse().expect("doc"));
    let saved = export(&a, &doc).await.saved;
    // Two versions of "the same" edit: same actor, same sequence number, different content.
    let first = change_on(&saved, &cheat, "acronym", "ONE");
    let second = change_on(&saved, &cheat, "acronym", "TWO");
    assert_eq!((first.actor_id(), first.seq()), (second.actor_id(), second.seq()));
    let fair = change_on(&saved, &honest, "working_language", "DE");
    let sig = |k: &SecretKey, c: &Change| (c.hash().0, sign_change(k, &doc_id, &c.hash()));

    let mut swarm = attacker_swarm(&cheat);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let r = ask(&mut swarm, peer, round(space_id, doc_id, &[&first], vec![sig(&cheat, &first)])).await;
    assert!(matches!(r, Some(Response::Sync(_))), "{r:?}");
    let r = ask(
        &mut swarm,
        peer,
        round(space_id, doc_id, &[&second, &fair], vec![sig(&cheat, &second), sig(&honest, &fair)]),
    )
    .await;
    assert!(matches!(r, Some(Response::Sync(_))), "the round is answered, not refused: {r:?}");
    let v = a.show(&doc).await.expect("show");
    assert_eq!(v["content"]["acronym"], "ONE", "the second version is refused");
    assert_eq!(v["content"]["working_language"], "DE", "the rest of the round applies");
    let hist =
        a.ok(Request::DocHistory { doc: doc_id, limit: Some(1000), before: None }).await["entries"].clone();
    assert!(hist.as_array().expect("history").iter().all(|e| e["signature"] == "verified"), "{hist}");
}
