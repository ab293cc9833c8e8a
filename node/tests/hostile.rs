//! A hostile partner: a real libp2p peer, a member of the space, that speaks the sync protocol
//! and sends everything the decoders refuse (oversized frames, a deflate bomb, an unknown
//! encoding, a truncated frame, garbage postcard, a bad Bloom filter, badly signed changes, a
//! round for a space it is not in). The node under test stays up, keeps syncing with its honest
//! partner, logs the hostile peer once at warn with the reason, and bans it after repeated
//! offences. Also: identify names the product and its version.

mod common;

use automerge::{
    Automerge, ReadDoc,
    sync::{BloomFilter, ChunkList, Have, Message, MessageVersion},
    transaction::{CommitOptions, Transactable},
};
use common::*;
use futures::StreamExt;
use libp2p::{identify, swarm::SwarmEvent};
use twinmesh_node::{
    api::Request,
    identity::peer_id,
    net::{AGENT_VERSION, MAX_REJECTED_PER_PEER, REFUSED_FRAME_WEIGHT},
};
use twinmesh_protocol::{
    export::DocExport,
    ids::{DocId, SpaceId},
    keys::SecretKey,
    schema::DocKind,
    signed::{actor_id, sign_change},
    wire::{
        self, ChunkSignatures, DocSync, FRAME_DEFLATE, FRAME_PLAIN, MAX_MESSAGE_BYTES, Refusal, Response,
    },
};

fn round(
    space: SpaceId,
    doc: DocId,
    message: Vec<u8>,
    signatures: Vec<([u8; 32], twinmesh_protocol::keys::Signature)>,
) -> wire::Request {
    wire::Request::Sync(DocSync {
        space,
        doc,
        kind: DocKind::Plan,
        message: Some(message),
        signatures: ChunkSignatures::Hashed(signatures),
    })
}

/// Every frame-level attack, each a complete stream as the hostile peer writes it.
fn bad_frames() -> Vec<(&'static str, Vec<u8>)> {
    let mut oversized = ((MAX_MESSAGE_BYTES + 1) as u32).to_be_bytes().to_vec();
    oversized.extend([0u8; 64]);
    let mut truncated = 100u32.to_be_bytes().to_vec();
    truncated.extend([FRAME_PLAIN; 10]);
    vec![
        ("oversized", oversized),
        ("deflate bomb", frame(&deflate_bomb())),
        ("unknown encoding", frame(&[7, 1, 2, 3])),
        ("truncated", truncated),
        ("garbage postcard", frame(&[FRAME_PLAIN, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
    ]
}

/// 8 MiB of zeros deflated: a few kilobytes that would inflate far beyond the frame limit.
fn deflate_bomb() -> Vec<u8> {
    let mut z = flate2::write::DeflateEncoder::new(vec![FRAME_DEFLATE], flate2::Compression::best());
    std::io::Write::write_all(&mut z, &vec![0u8; 8 << 20]).expect("deflate");
    z.finish().expect("deflate")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_partner_is_logged_once_then_banned_while_the_honest_partner_keeps_syncing() {
    warn_log();
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let (space, doc) = space_with_plan(&a, &[&b]).await;
    let hostile = SecretKey::from_bytes([0x48; 32]);
    add_member(&a, &space, &hostile, "Hostile").await;
    b.dial(&a).await;
    eventually("B holds the plan", || async { converged(&[&a, &b], &doc).await }).await;
    let hostile_id = peer_id(&hostile.public()).to_string();
    let space_id: SpaceId = space.parse().expect("space");
    let doc_id: DocId = doc.parse().expect("doc");
    let addr = a.addr().await;

    // Frame-level attacks, each on its own stream of one connection.
    let mut raw = raw_frame_swarm(&hostile, wire::SYNC_PROTOCOL);
    let a_peer = connect(&mut raw, &addr).await;
    let frames = bad_frames();
    for (what, bytes) in &frames {
        assert!(send_raw(&mut raw, a_peer, bytes.clone()).await, "{what}: connection kept at first");
    }
    // Well-formed frames with bad contents, on the ordinary codec: a bad Bloom filter (refused
    // whole, counts as a frame), a badly signed change, a round for a space it is not in.
    let mut codec = attacker_swarm(&hostile);
    let p = connect(&mut codec, &addr).await;
    let bloom = Message {
        heads: vec![],
        need: vec![],
        have: vec![Have {
            last_sync: vec![],
            bloom: BloomFilter::try_from(&[1u8, 0, 7][..]).expect("bloom"),
        }],
        changes: ChunkList::from(Vec::<Vec<u8>>::new()),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode();
    let r = ask(&mut codec, p, round(space_id, doc_id, bloom.clone(), vec![])).await;
    assert!(matches!(&r, Some(Response::Refused(Refusal::BadMessage(m))) if m.contains("Bloom")), "{r:?}");
    let v = a.ok(Request::DocExport { doc: doc_id, format: Default::default() }).await;
    let bytes = data_encoding::BASE64.decode(v["data"].as_str().expect("data").as_bytes()).expect("b64");
    let saved = DocExport::from_bytes(&bytes).expect("export").saved;
    let mut d = Automerge::load(&saved).expect("load").with_actor(actor_id(&hostile.public(), [9; 16]));
    let mut tx = d.transaction();
    tx.put(automerge::ROOT, "acronym", "HOSTILE").expect("put");
    let (h, _) = tx.commit_with(CommitOptions::default().with_time(0));
    let change = d.get_change_by_hash(&h.expect("hash")).expect("change");
    let wrong_sig = sign_change(&hostile, &DocId::from_bytes([0; 16]), &change.hash());
    let r = ask(
        &mut codec,
        p,
        round(space_id, doc_id, message_of(&[&change]), vec![(change.hash().0, wrong_sig)]),
    )
    .await;
    assert!(matches!(r, Some(Response::Sync(_))), "{r:?}");
    let elsewhere = SpaceId::from_bytes([0x11; 32]);
    let r = ask(&mut codec, p, round(elsewhere, doc_id, bloom, vec![])).await;
    assert!(matches!(r, Some(Response::Refused(_))), "{r:?}");

    // Still up, nothing applied, and one warning names the peer with the first reason.
    let shown = a.show(&doc).await.expect("A still serves");
    assert_ne!(shown["content"]["acronym"], "HOSTILE");
    let logged = warnings_with(&[&hostile_id, "misbehaved"]);
    assert_eq!(logged.len(), 1, "one line for {} offences: {logged:#?}", frames.len() + 2);
    assert!(logged[0].contains("WARN") && logged[0].contains("over the"), "{}", logged[0]);
    let peers = a.ok(Request::Peers).await;
    let entry = peers.as_array().expect("peers").iter().find(|p| p["id"] == hostile_id.as_str()).cloned();
    assert_eq!(
        entry.as_ref().map(|e| e["frames_refused"].clone()),
        Some((frames.len() as u32 + 1).into()),
        "{entry:?}"
    );

    // The honest partner still syncs.
    b.set(&doc, "acronym", "HONEST").await;
    eventually("A receives B's edit", || async {
        a.show(&doc).await.is_ok_and(|v| v["content"]["acronym"] == "HONEST")
    })
    .await;

    // More garbage: banned once its offences pass the limit, not before.
    let before = (frames.len() as u32 + 1) * REFUSED_FRAME_WEIGHT + 1;
    let allowed = (MAX_REJECTED_PER_PEER - before) / REFUSED_FRAME_WEIGHT;
    let mut sent = 0;
    loop {
        sent += 1;
        let open = send_raw(&mut raw, a_peer, frame(&[7])).await;
        if !open {
            break;
        }
        assert!(sent <= allowed, "still connected after {sent} more bad frames");
    }
    assert_eq!(sent, allowed + 1, "banned at the first offence past the limit");
    let bans = warnings_with(&[&hostile_id, "misbehaved repeatedly"]);
    assert_eq!(bans.len(), 1, "{bans:#?}");
    assert_eq!(warnings_with(&[&hostile_id]).len(), 2, "two lines in all");

    // New connections are refused for the ban time.
    let mut again = raw_frame_swarm(&hostile, wire::SYNC_PROTOCOL);
    again.dial(addr.parse::<libp2p::Multiaddr>().expect("addr")).expect("dial");
    let closed = tokio::time::timeout(TIMEOUT, async {
        loop {
            if let SwarmEvent::ConnectionClosed { num_established: 0, .. } = again.select_next_some().await {
                return;
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "a banned peer's new connection is closed");

    // And the honest partner still syncs after all this.
    b.set(&doc, "acronym", "STILL HONEST").await;
    eventually("A receives B's next edit", || async {
        a.show(&doc).await.is_ok_and(|v| v["content"]["acronym"] == "STILL HONEST")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_names_twinmesh_and_its_version() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let key = SecretKey::from_bytes([0x49; 32]);
    let mut swarm = raw_swarm(&key, |k| {
        identify::Behaviour::new(identify::Config::new("/twinmesh/id/1".into(), k.public()))
    });
    connect(&mut swarm, &a.addr().await).await;
    let agent = tokio::time::timeout(TIMEOUT, async {
        loop {
            if let SwarmEvent::Behaviour(identify::Event::Received { info, .. }) =
                swarm.select_next_some().await
            {
                return info.agent_version;
            }
        }
    })
    .await
    .expect("identify in time");
    assert_eq!(agent, format!("twinmesh/{}", env!("CARGO_PKG_VERSION")));
    assert_eq!(agent, AGENT_VERSION);
}
