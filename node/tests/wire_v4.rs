//! Protocol version 4: a sync round carries one signature per change chunk, in chunk order, and
//! no change hashes. A real node on loopback and raw peers speaking one protocol version: a
//! round trip on version 4, rounds with a signature too few or too many (refused whole, nothing
//! applied), a tampered signature (that change refused, the rest applied), and a peer that
//! speaks only version 3 syncing both ways, as requester and as the node's dialled partner.

mod common;

use std::{collections::HashMap, time::Duration};

use automerge::{
    Automerge, Change, ChangeHash, ReadDoc,
    sync::{self as am_sync, ChunkList, Message, MessageVersion, SyncDoc},
    transaction::{CommitOptions, Transactable},
};
use common::*;
use futures::StreamExt;
use libp2p::{PeerId, Swarm, request_response, swarm::SwarmEvent};
use serde_json::json;
use twinmesh_node::{
    api::{Envelope, Request},
    net::Inbound,
};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::{SecretKey, Signature},
    schema::DocKind,
    signed::{actor_id, author_of, sign_change, verify_change},
    space::Municipality,
    wire::{self, ChunkSignatures, DocSummary, DocSync, Refusal, Response, SpaceSummary, Version},
};

fn hash_of(chunk: &[u8]) -> ChangeHash {
    Change::from_bytes(chunk.to_vec()).expect("a change chunk").hash()
}

/// A member speaking the wire protocol itself: its Automerge copy of one document, the
/// signature of every change in it, and its sync state with the node.
struct Member {
    key: SecretKey,
    space: SpaceId,
    doc_id: DocId,
    doc: Automerge,
    sigs: HashMap<ChangeHash, Signature>,
    state: am_sync::State,
}

impl Member {
    fn new(key: SecretKey, space: SpaceId, doc_id: DocId) -> Self {
        let doc = Automerge::new().with_actor(actor_id(&key.public(), [1; 16]));
        Self { key, space, doc_id, doc, sigs: HashMap::new(), state: am_sync::State::new() }
    }

    fn profile(&self) -> Municipality {
        Municipality { key: self.key.public(), name: "Raw".into(), country: "DE".into() }
    }

    /// Edits the document and signs the change.
    fn edit(&mut self, field: &str, value: &str) -> ChangeHash {
        let mut tx = self.doc.transaction();
        tx.put(automerge::ROOT, field, value).expect("put");
        let (hash, _) = tx.commit_with(CommitOptions::default().with_time(0));
        let hash = hash.expect("a change");
        self.sigs.insert(hash, sign_change(&self.key, &self.doc_id, &hash));
        hash
    }

    fn round(&self, message: Option<Vec<u8>>, signatures: ChunkSignatures) -> DocSync {
        DocSync { space: self.space, doc: self.doc_id, kind: DocKind::Plan, message, signatures }
    }

    /// The next round of the session, with one `(hash, signature)` per chunk in chunk order,
    /// as a node builds it (the codec sends the signatures alone on version 4), or `None`.
    fn next_round(&mut self) -> Option<DocSync> {
        let mut m = self.doc.generate_sync_message(&mut self.state)?;
        m.flags = None;
        let signatures = m
            .changes
            .iter()
            .map(|chunk| {
                let hash = hash_of(chunk);
                (hash.0, *self.sigs.get(&hash).expect("a signature for every change held"))
            })
            .collect();
        Some(self.round(Some(m.encode()), ChunkSignatures::Hashed(signatures)))
    }

    /// Takes in a round from the node, after checking that it carries one signature per chunk
    /// in chunk order, in the form of `version`, each one its change's author's for this
    /// document.
    fn take(&mut self, round: DocSync, version: Version) {
        let Some(bytes) = round.message else { return };
        let m = Message::decode(&bytes).expect("the node's message decodes");
        let hashes: Vec<ChangeHash> = m.changes.iter().map(hash_of).collect();
        let sigs: Vec<Signature> = match (version, round.signatures) {
            (Version::V4, ChunkSignatures::InOrder(sigs)) => sigs,
            (Version::V3, ChunkSignatures::Hashed(pairs)) => {
                let named: Vec<ChangeHash> = pairs.iter().map(|(h, _)| ChangeHash(*h)).collect();
                assert_eq!(named, hashes, "one hash per chunk, in chunk order");
                pairs.into_iter().map(|(_, s)| s).collect()
            }
            (v, other) => panic!("{v}: signatures in the wrong form: {other:?}"),
        };
        assert_eq!(sigs.len(), hashes.len(), "{version}: one signature per chunk");
        for ((chunk, hash), sig) in m.changes.iter().zip(&hashes).zip(sigs) {
            let change = Change::from_bytes(chunk.to_vec()).expect("change");
            let author = author_of(change.actor_id()).expect("an author");
            verify_change(&author, &self.doc_id, hash, &sig).expect("the signature of its own chunk");
            self.sigs.insert(*hash, sig);
        }
        self.doc.receive_sync_message(&mut self.state, m).expect("applies");
    }

    /// The heads as the node's API shows them (sorted hex).
    fn heads(&mut self) -> serde_json::Value {
        let mut heads = self.doc.get_heads();
        heads.sort();
        json!(heads.iter().map(|h| h.to_string()).collect::<Vec<_>>())
    }

    fn summary(&mut self, of: &SpaceSummary) -> SpaceSummary {
        let heads_digest = twinmesh_node::engine::sync::heads_digest(&self.doc.get_heads());
        SpaceSummary {
            space: of.space.clone(),
            log: of.log.clone(),
            docs: vec![DocSummary { doc: self.doc_id, kind: DocKind::Plan, heads_digest }],
        }
    }
}

/// The member drives a session with the node until it has nothing more to say.
async fn drive(member: &mut Member, swarm: &mut Swarm<Rr>, node: PeerId, version: Version) {
    for _ in 0..16 {
        let Some(round) = member.next_round() else { return };
        match ask(swarm, node, wire::Request::Sync(round)).await {
            Some(Response::Sync(reply)) => member.take(reply, version),
            other => panic!("{version}: a sync reply, got {other:?}"),
        }
    }
    panic!("{version}: the session did not end within 16 rounds");
}

/// A node with a plan of several changes, and a raw member of its space connected on `version`.
async fn node_and_member(version: Version, n: u8) -> (TestNode, String, Member, Swarm<Rr>, PeerId) {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let key = SecretKey::from_bytes([n; 32]);
    let (space, doc) = space_with_plan(&a, &[]).await;
    add_member(&a, &space, &key, "Warstein").await;
    a.set(&doc, "acronym", "CIRCLE60").await;
    a.set(&doc, "budget/lines/0/amount", "3200").await;
    let member = Member::new(key.clone(), space.parse().expect("space"), doc.parse().expect("doc"));
    let mut swarm = attacker_swarm_with(&key, version.protocol());
    let peer = connect(&mut swarm, &a.addr().await).await;
    (a, doc, member, swarm, peer)
}

/// A change on top of `saved` by `key`'s actor with `suffix`, setting `field`.
fn change_on(saved: &[u8], key: &SecretKey, suffix: u8, field: &str, value: &str) -> Change {
    let mut doc = Automerge::load(saved).expect("load").with_actor(actor_id(&key.public(), [suffix; 16]));
    let mut tx = doc.transaction();
    tx.put(automerge::ROOT, field, value).expect("put");
    let (hash, _) = tx.commit_with(CommitOptions::default().with_time(0));
    doc.get_change_by_hash(&hash.expect("a change")).expect("change")
}

async fn rejected_from(a: &TestNode, member: &Member) -> u64 {
    let id = twinmesh_node::identity::peer_id(&member.key.public()).to_string();
    let peers = a.ok(Request::Peers).await;
    peers
        .as_array()
        .expect("peers")
        .iter()
        .find(|p| p["id"] == id)
        .and_then(|p| p["changes_rejected"].as_u64())
        .unwrap_or(0)
}

async fn history_hashes(a: &TestNode, doc: &str) -> Vec<String> {
    let hist = a
        .ok(Request::DocHistory { doc: doc.parse().expect("doc"), limit: Some(1000), before: None })
        .await["entries"]
        .clone();
    hist.as_array().expect("history").iter().map(|e| e["hash"].as_str().expect("hash").to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_4_session_carries_one_signature_per_chunk_both_ways() {
    let (a, doc, mut member, mut swarm, peer) = node_and_member(Version::V4, 0x41).await;

    // From the node: its whole history, each change with the signature at its position.
    drive(&mut member, &mut swarm, peer, Version::V4).await;
    assert_eq!(Some(member.heads()), a.heads(&doc).await, "the member holds the node's document");
    assert!(member.sigs.len() >= 4, "several changes came over: {}", member.sigs.len());

    // To the node: two changes of the member, signatures in chunk order and nothing else.
    member.edit("acronym", "V4");
    member.edit("working_language", "DE");
    drive(&mut member, &mut swarm, peer, Version::V4).await;
    let shown = a.show(&doc).await.expect("show");
    assert_eq!(shown["content"]["acronym"], "V4");
    assert_eq!(shown["content"]["working_language"], "DE");
    assert_eq!(Some(member.heads()), a.heads(&doc).await, "the same heads on both sides");
    let hist = a
        .ok(Request::DocHistory { doc: doc.parse().expect("doc"), limit: Some(1000), before: None })
        .await["entries"]
        .clone();
    assert!(hist.as_array().expect("history").iter().all(|e| e["signature"] == "verified"), "{hist}");
    assert_eq!(rejected_from(&a, &member).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_4_round_with_a_signature_too_few_or_too_many_is_refused_whole() {
    let (a, doc, mut member, mut swarm, peer) = node_and_member(Version::V4, 0x42).await;
    drive(&mut member, &mut swarm, peer, Version::V4).await;
    let heads_before = a.heads(&doc).await.expect("heads");
    let history_before = history_hashes(&a, &doc).await;

    // Two valid changes, the second on top of the first.
    let h1 = member.edit("acronym", "FIRST");
    let h2 = member.edit("working_language", "DE");
    let c1 = member.doc.get_change_by_hash(&h1).expect("c1");
    let c2 = member.doc.get_change_by_hash(&h2).expect("c2");
    let (s1, s2) = (member.sigs[&h1], member.sigs[&h2]);
    let message = message_of(&[&c1, &c2]);

    for (what, sigs, why) in [
        ("a signature too few", vec![s1], "carries 2 change(s) but 1 signature(s)"),
        ("a signature too many", vec![s1, s2, s2], "carries 2 change(s) but 3 signature(s)"),
        ("no signature at all", vec![], "carries 2 change(s) but 0 signature(s)"),
    ] {
        let round = member.round(Some(message.clone()), ChunkSignatures::InOrder(sigs));
        let r = ask(&mut swarm, peer, wire::Request::Sync(round)).await;
        match &r {
            Some(Response::Refused(Refusal::BadMessage(m))) => {
                assert!(m.contains(why) && m.contains("nothing of it was applied"), "{what}: {m}")
            }
            other => panic!("{what}: refused whole, got {other:?}"),
        }
        // Nothing of it applied, held or listed, though each change in it is validly signed.
        assert_eq!(a.heads(&doc).await, Some(heads_before.clone()), "{what}: nothing applied");
        assert_eq!(history_hashes(&a, &doc).await, history_before, "{what}: nothing held");
    }
    // Signatures without any change are refused too.
    let round = member.round(None, ChunkSignatures::InOrder(vec![s1]));
    let r = ask(&mut swarm, peer, wire::Request::Sync(round)).await;
    assert!(
        matches!(&r, Some(Response::Refused(Refusal::BadMessage(m))) if m.contains("0 change(s) but 1")),
        "{r:?}"
    );

    // The same changes with one signature each, in order, apply.
    let round = member.round(Some(message), ChunkSignatures::InOrder(vec![s1, s2]));
    let r = ask(&mut swarm, peer, wire::Request::Sync(round)).await;
    assert!(matches!(r, Some(Response::Sync(_))), "{r:?}");
    let shown = a.show(&doc).await.expect("show");
    assert_eq!(
        (&shown["content"]["acronym"], &shown["content"]["working_language"]),
        (&json!("FIRST"), &json!("DE"))
    );
    assert_eq!(rejected_from(&a, &member).await, 0, "refused messages are not refused changes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_signature_in_a_version_4_round_refuses_that_change_only() {
    let (a, doc, mut member, mut swarm, peer) = node_and_member(Version::V4, 0x43).await;
    drive(&mut member, &mut swarm, peer, Version::V4).await;
    let saved = member.doc.save();
    let key = member.key.clone();
    let doc_id = member.doc_id;
    let sign = |c: &Change| sign_change(&key, &doc_id, &c.hash());

    // Independent changes (different actors), and a chunk that is no change at all: its
    // signature slot still counts, so the ones after it stay paired with their own chunks.
    let good = change_on(&saved, &key, 2, "acronym", "GOOD");
    let tampered = change_on(&saved, &key, 3, "working_language", "FR");
    let also_good = change_on(&saved, &key, 4, "start", "2026-05-01");
    let signed_other = change_on(&saved, &key, 3, "working_language", "DE");
    let mut chunks = vec![good.raw_bytes().to_vec(), vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3]];
    chunks.extend([tampered.raw_bytes().to_vec(), also_good.raw_bytes().to_vec()]);
    let m = Message {
        heads: vec![],
        need: vec![],
        have: vec![],
        changes: ChunkList::from(chunks),
        flags: None,
        version: MessageVersion::V1,
    };
    let sigs = vec![sign(&good), sign(&good), sign(&signed_other), sign(&also_good)];
    let round = member.round(Some(m.encode()), ChunkSignatures::InOrder(sigs));
    let r = ask(&mut swarm, peer, wire::Request::Sync(round)).await;
    assert!(matches!(r, Some(Response::Sync(_))), "the round is answered: {r:?}");
    let shown = a.show(&doc).await.expect("show");
    assert_eq!(shown["content"]["acronym"], "GOOD");
    assert_eq!(shown["content"]["start"], "2026-05-01");
    assert_eq!(shown["content"]["working_language"], "EN", "the tampered change is refused");
    assert!(!history_hashes(&a, &doc).await.contains(&tampered.hash().to_string()));
    // The malformed chunk and the tampered change, counted against the peer.
    assert_eq!(rejected_from(&a, &member).await, 2);

    // A peer that keeps sending badly signed changes on version 4 is cut off.
    let mut cut_off = false;
    for i in 0..20 {
        let bad: Vec<Change> =
            (0..8).map(|j| change_on(&saved, &key, 5, "acronym", &format!("BAD{i}-{j}"))).collect();
        let refs: Vec<&Change> = bad.iter().collect();
        let sigs = bad.iter().map(|_| sign(&good)).collect();
        let round = member.round(Some(message_of(&refs)), ChunkSignatures::InOrder(sigs));
        if ask(&mut swarm, peer, wire::Request::Sync(round)).await.is_none() {
            cut_off = true;
            break;
        }
    }
    assert!(cut_off, "a peer that keeps sending badly signed changes is disconnected");
    assert_eq!(a.show(&doc).await.expect("still serves")["content"]["acronym"], "GOOD");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_speaks_only_version_3_syncs_both_ways_with_a_version_4_node() {
    let (a, doc, mut member, mut swarm, peer) = node_and_member(Version::V3, 0x44).await;

    // 1. The version 3 peer asks: it gets the node's history with a hash named for every
    //    signature, and its own change applies on the node.
    let r = ask(&mut swarm, peer, wire::Request::Hello { from: member.profile(), spaces: vec![] }).await;
    let Some(Response::Hello { spaces, .. }) = r else { panic!("hello answered: {r:?}") };
    let summary = spaces.into_iter().next().expect("the shared space");
    drive(&mut member, &mut swarm, peer, Version::V3).await;
    assert_eq!(Some(member.heads()), a.heads(&doc).await);
    member.edit("acronym", "OLD-PEER");
    drive(&mut member, &mut swarm, peer, Version::V3).await;
    assert_eq!(a.show(&doc).await.expect("show")["content"]["acronym"], "OLD-PEER");
    assert_eq!(Some(member.heads()), a.heads(&doc).await);
    drop(swarm);
    let id = twinmesh_node::identity::peer_id(&member.key.public()).to_string();
    eventually("the node sees the peer's first connection closed", || async {
        let peers = a.ok(Request::Peers).await;
        peers.as_array().expect("peers").iter().any(|p| p["id"] == id && p["connected"] == false)
    })
    .await;

    // 2. The node dials the version 3 peer (it offers version 4 first and settles on 3), sends
    //    its hello, sees the peer's heads differ, and drives a session of its own: its rounds
    //    must reach the peer with their hashes, and the peer's answers must apply.
    a.set(&doc, "working_language", "FR").await;
    member.edit("start", "2026-05-01");
    let mut swarm = attacker_swarm_with(&member.key, wire::SYNC_PROTOCOL_V3);
    swarm.listen_on("/ip4/127.0.0.1/tcp/0".parse().expect("addr")).expect("listen");
    let addr = tokio::time::timeout(TIMEOUT, async {
        loop {
            if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
                return address;
            }
        }
    })
    .await
    .expect("listening in time");
    let addr = format!("{addr}/p2p/{}", swarm.local_peer_id());
    let handle = a.node().handle().clone();
    let dial = tokio::spawn(async move {
        handle.request(Envelope { officer: None, request: Request::Dial { addr } }).await
    });
    let mut rounds_from_node = 0;
    let deadline = tokio::time::sleep(TIMEOUT);
    tokio::pin!(deadline);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    loop {
        tokio::select! {
            _ = &mut deadline => panic!("the node and the version 3 peer did not converge in time"),
            event = swarm.select_next_some() => {
                if let SwarmEvent::Behaviour(request_response::Event::Message {
                    message: request_response::Message::Request { request: Inbound::Request(request), channel, .. },
                    ..
                }) = event
                {
                    let response = match request {
                        wire::Request::Hello { .. } => {
                            Response::Hello { from: member.profile(), spaces: vec![member.summary(&summary)] }
                        }
                        wire::Request::Sync(round) => {
                            rounds_from_node += 1;
                            member.take(round, Version::V3);
                            let reply = member.next_round();
                            Response::Sync(reply.unwrap_or_else(|| member.round(None, ChunkSignatures::default())))
                        }
                        other => panic!("unexpected request from the node: {other:?}"),
                    };
                    swarm.behaviour_mut().send_response(channel, response).expect("respond");
                }
            }
            _ = tick.tick() => {
                if rounds_from_node > 0 && a.heads(&doc).await == Some(member.heads()) {
                    break;
                }
            }
        }
    }
    let shown = a.show(&doc).await.expect("show");
    assert_eq!(shown["content"]["start"], "2026-05-01", "the peer's answer applied on the node");
    assert_eq!(shown["content"]["working_language"], "FR");
    let dialled = tokio::time::timeout(TIMEOUT, dial).await.expect("dial in time").expect("dial task");
    assert!(dialled.is_ok(), "{dialled:?}");
}
