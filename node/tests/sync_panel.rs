//! The sync panel and presence with real nodes on loopback (issue 13 item 4): changes waiting
//! to go out per partner, last synced and received moving when an offline town comes back,
//! presence that appears, ends on close and on disconnect, and presence from a stranger or
//! over the size limit that is ignored.

mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use libp2p::{
    StreamProtocol,
    request_response::{self, ProtocolSupport},
    swarm::SwarmEvent,
};
use serde_json::Value;
use twinmesh_node::{
    api::{PresenceViewer, Request},
    net::{PRESENCE_PROTOCOL, PresenceCodec},
};
use twinmesh_protocol::{ids::DocId, keys::SecretKey, presence::Presence};

/// How long presence may take to show or to end: it is pushed at once on a change (the
/// heartbeat, 10 s, only repeats it).
const PRESENCE_WITHIN: Duration = Duration::from_secs(5);

async fn status(n: &TestNode) -> Value {
    n.ok(Request::SyncStatus).await
}

/// The partner `id` in `n`'s sync status.
async fn partner(n: &TestNode, id: &str) -> Value {
    let s = status(n).await;
    s["partners"].as_array().and_then(|l| l.iter().find(|p| p["id"] == id).cloned()).unwrap_or(Value::Null)
}

/// The sync status entry of document `doc` for partner `id` on `n`.
async fn doc_partner(n: &TestNode, doc: &str, id: &str) -> Value {
    let s = status(n).await;
    let d =
        s["docs"].as_array().and_then(|l| l.iter().find(|d| d["doc"] == doc).cloned()).unwrap_or(Value::Null);
    d["partners"].as_array().and_then(|l| l.iter().find(|p| p["id"] == id).cloned()).unwrap_or(Value::Null)
}

/// The towns `n` shows as having `doc` open, with their officers.
async fn present(n: &TestNode, doc: &str) -> Vec<(String, Vec<String>)> {
    let v = n.ok(Request::DocPresence { doc: doc.parse().expect("doc"), viewer: None }).await;
    v["present"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let officers =
                p["officers"].as_array().into_iter().flatten().filter_map(|o| o.as_str().map(str::to_string));
            (p["id"].as_str().unwrap_or("").to_string(), officers.collect())
        })
        .collect()
}

async fn tell(n: &TestNode, doc: &str, open: bool) {
    let viewer = PresenceViewer { tab: "tab-1".into(), officer: "Marie Dupont".into(), open };
    n.ok(Request::DocPresence { doc: doc.parse().expect("doc"), viewer: Some(viewer) }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_last_synced_and_received_follow_an_offline_town() {
    let a = TestNode::start("Poix-du-Nord", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let mut c = TestNode::start("Cluj", "RO").await;
    let (space, doc) = space_with_plan(&a, &[&b, &c]).await;
    let (ida, idb, idc) = (a.id().await, b.id().await, c.id().await);
    b.dial(&a).await;
    c.dial(&a).await;
    eventually("all three hold the plan", || async { converged(&[&a, &b, &c], &doc).await }).await;
    eventually("A has nothing waiting for B or C", || async {
        partner(&a, &idb).await["waiting"] == 0 && partner(&a, &idc).await["waiting"] == 0
    })
    .await;
    let pc = partner(&a, &idc).await;
    assert_eq!(pc["town"], "Cluj");
    assert_eq!(pc["country"], "RO");
    assert_eq!(pc["online"], true);
    assert!(pc["last_synced"].is_string(), "{pc}");

    // C goes offline; A edits three times and starts a second document.
    c.stop().await;
    eventually("A sees C offline", || async { partner(&a, &idc).await["online"] == false }).await;
    let c_synced_before = partner(&a, &idc).await["last_synced"].clone();
    for amount in ["3100", "3200", "3300"] {
        a.set(&doc, "budget/lines/0/amount", amount).await;
    }
    let doc2 = a
        .ok(Request::DocNew {
            space: space.parse().expect("space"),
            kind: twinmesh_protocol::schema::DocKind::Minutes,
            title: "Sitting of 3 March".into(),
            lang: None,
        })
        .await["id"]
        .as_str()
        .expect("doc id")
        .to_string();
    eventually("B has A's edits and the new document", || async {
        converged(&[&a, &b], &doc).await && converged(&[&a, &b], &doc2).await
    })
    .await;
    eventually("nothing waits for B", || async { partner(&a, &idb).await["waiting"] == 0 }).await;
    let pc = partner(&a, &idc).await;
    assert_eq!(pc["online"], false);
    assert_eq!(pc["waiting"], 3, "three changes of the plan wait for C: {pc}");
    assert_eq!(pc["never_synced"], 1, "the new document was never synced with C: {pc}");
    assert_eq!(doc_partner(&a, &doc2, &idc).await["waiting"], Value::Null, "unknown, not 0");
    assert_eq!(doc_partner(&a, &doc, &idc).await["waiting"], 3);
    assert_eq!(doc_partner(&a, &doc, &idb).await["waiting"], 0);
    // An offline partner is not one the document is "not yet at" (nobody can reach it now).
    let s = status(&a).await;
    let d = s["docs"].as_array().and_then(|l| l.iter().find(|d| d["doc"] == doc.as_str())).cloned();
    assert_eq!(d.map(|d| d["not_yet_at"].clone()), Some(serde_json::json!([])));

    // C comes back, edits, and syncs.
    c.restart().await;
    let c_received_before = partner(&c, &ida).await["received"].as_u64().unwrap_or(0);
    c.dial(&a).await;
    eventually("C has caught up", || async {
        converged(&[&a, &c], &doc).await && converged(&[&a, &c], &doc2).await
    })
    .await;
    c.set(&doc, "budget/lines/0/amount", "3400").await;
    eventually("A has C's edit", || async { converged(&[&a, &c], &doc).await }).await;
    eventually("nothing waits for C any more", || async {
        let p = partner(&a, &idc).await;
        p["waiting"] == 0 && p["never_synced"] == 0 && p["online"] == true
    })
    .await;
    let pc = partner(&a, &idc).await;
    assert!(
        pc["last_synced"].is_string() && pc["last_synced"] != c_synced_before,
        "{pc} vs {c_synced_before}"
    );
    assert!(pc["received"].as_u64().unwrap_or(0) >= 1, "A received C's edit: {pc}");
    let pa = partner(&c, &ida).await;
    assert!(pa["received"].as_u64().unwrap_or(0) >= c_received_before + 3, "C received A's changes: {pa}");
    assert!(pa["last_synced"].is_string(), "{pa}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presence_shows_ends_on_close_and_on_disconnect_and_ignores_strangers() {
    let a = TestNode::start("Poix-du-Nord", "FR").await;
    let mut b = TestNode::start("Warstein", "DE").await;
    let c = TestNode::start("Cluj", "RO").await;
    let (_, doc) = space_with_plan(&a, &[&b, &c]).await;
    let idb = b.id().await;
    b.dial(&a).await;
    c.dial(&a).await;
    c.dial(&b).await;
    eventually("all three hold the plan", || async { converged(&[&a, &b, &c], &doc).await }).await;

    // B opens the document: A and C see it, with the officer.
    tell(&b, &doc, true).await;
    let b_there = vec![(idb.clone(), vec!["Marie Dupont".to_string()])];
    for n in [&a, &c] {
        eventually_within("B shows as present", PRESENCE_WITHIN, || async {
            present(n, &doc).await == b_there
        })
        .await;
    }
    let s = status(&a).await;
    let d = s["docs"].as_array().and_then(|l| l.iter().find(|d| d["doc"] == doc.as_str())).cloned();
    let p = d.map(|d| d["present"][0].clone()).unwrap_or(Value::Null);
    assert_eq!((p["town"].as_str(), p["country"].as_str()), (Some("Warstein"), Some("DE")), "{p}");
    assert!(present(&b, &doc).await.is_empty(), "a town does not see itself");

    // B closes it: gone at once (not after the 30 s expiry).
    tell(&b, &doc, false).await;
    for n in [&a, &c] {
        eventually_within("B's presence ends on close", PRESENCE_WITHIN, || async {
            present(n, &doc).await.is_empty()
        })
        .await;
    }

    // A stranger (no member of the space) and an oversized message: ignored.
    let stranger = SecretKey::from_bytes([0x5a; 32]);
    let mut raw = raw_swarm(&stranger, |_| {
        request_response::Behaviour::<PresenceCodec>::new(
            [(StreamProtocol::new(PRESENCE_PROTOCOL), ProtocolSupport::Full)],
            request_response::Config::default(),
        )
    });
    let a_peer = connect(&mut raw, &a.addr().await).await;
    let id: DocId = doc.parse().expect("doc");
    let forged = Presence { doc: id, officers: vec!["Mallory".into()] };
    let oversized = Presence { doc: id, officers: vec!["x".repeat(4000)] };
    raw.behaviour_mut().send_request(&a_peer, forged);
    raw.behaviour_mut().send_request(&a_peer, oversized);
    // The forged one is answered (and dropped after the membership check); the oversized one
    // is refused unread, so its stream fails.
    let (mut answered, mut failed) = (0, 0);
    tokio::time::timeout(TIMEOUT, async {
        while answered + failed < 2 {
            match raw.select_next_some().await {
                SwarmEvent::Behaviour(request_response::Event::Message {
                    message: request_response::Message::Response { .. },
                    ..
                }) => answered += 1,
                SwarmEvent::Behaviour(request_response::Event::OutboundFailure { .. }) => failed += 1,
                _ => {}
            }
        }
    })
    .await
    .expect("both presence messages settled");
    assert_eq!((answered, failed), (1, 1), "the oversized message is refused");
    // B opens it again: once A shows B, it has handled the stranger's message before.
    tell(&b, &doc, true).await;
    eventually_within("B present again", PRESENCE_WITHIN, || async { present(&a, &doc).await == b_there })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(present(&a, &doc).await, b_there, "the stranger is not shown");

    // B disconnects: its presence ends at once on A and C.
    b.stop().await;
    for n in [&a, &c] {
        eventually_within("B's presence ends when it disconnects", PRESENCE_WITHIN, || async {
            present(n, &doc).await.is_empty()
        })
        .await;
    }
}
