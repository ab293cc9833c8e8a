//! Partners found again: addresses a partner announces are remembered across a restart and
//! dialled at once, forgotten when the partner is removed; two towns on one machine find each
//! other by mDNS.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use twinmesh_node::{api::Request, net::REDIAL_INTERVAL};

/// How soon a restarted town must be connected to its partner again: well under the redial
/// interval (30 s), which is what it waited for before it remembered announced addresses.
const RECONNECT_WITHIN: Duration = Duration::from_secs(5);

/// `of`'s entry in `node`'s peer list.
async fn peer_entry(node: &TestNode, of: &str) -> Option<Value> {
    let peers = node.ok(Request::Peers).await;
    peers.as_array().into_iter().flatten().find(|p| p["id"] == of).cloned()
}

/// The remembered addresses in a peer list entry.
fn addrs(entry: &Option<Value>) -> Vec<String> {
    entry
        .as_ref()
        .and_then(|e| e["addrs"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(String::from))
        .collect()
}

/// B dials A; A has only ever been dialled, so it learns B's address from what B announces
/// (identify). A restarts (same data dir, a new port, so B cannot redial it): A dials B at the
/// remembered address right after its start, and a partner's edit arrives without waiting
/// for the redial.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_town_that_was_only_dialled_redials_its_partner_at_once() {
    assert!(RECONNECT_WITHIN < REDIAL_INTERVAL);
    let mut a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let (_space, doc) = space_with_plan(&a, &[&b]).await;
    b.dial(&a).await;
    eventually("B holds the plan", || async { converged(&[&a, &b], &doc).await }).await;
    let b_id = b.id().await;
    let b_addr = b.addr().await;
    eventually("A remembers the address B announced", || async {
        addrs(&peer_entry(&a, &b_id).await).contains(&b_addr)
    })
    .await;

    a.restart().await;
    let restarted = Instant::now();
    eventually_within("A reconnects to B after its restart", RECONNECT_WITHIN, || async {
        peer_entry(&a, &b_id).await.is_some_and(|p| p["connected"] == true)
    })
    .await;
    let reconnect = restarted.elapsed();
    let listed = peer_entry(&a, &b_id).await;
    assert!(addrs(&listed).contains(&b_addr), "peers --json shows B's address: {listed:?}");
    assert!(addrs(&listed).len() <= twinmesh_node::engine::sync::MAX_PEER_ADDRS);

    b.set(&doc, "acronym", "BACK").await;
    eventually_within("B's edit reaches the restarted A", RECONNECT_WITHIN, || async {
        a.show(&doc).await.map(|v| v["content"]["acronym"] == "BACK").unwrap_or(false)
    })
    .await;
    eprintln!("reconnected {reconnect:?} after the restart, edit in {:?}", restarted.elapsed());
}

/// A town removed from the only space it shares is no longer redialled: its remembered
/// addresses are forgotten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_member_s_addresses_are_forgotten() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let (space, doc) = space_with_plan(&a, &[&b]).await;
    b.dial(&a).await;
    eventually("B holds the plan", || async { converged(&[&a, &b], &doc).await }).await;
    let b_id = b.id().await;
    eventually("A remembers B's addresses", || async { !addrs(&peer_entry(&a, &b_id).await).is_empty() })
        .await;
    a.ok(Request::SpaceRemove { space: space.parse().expect("space"), member: b_id.clone() }).await;
    let listed = peer_entry(&a, &b_id).await;
    assert_eq!(addrs(&listed), Vec::<String>::new(), "{listed:?}");
}

/// Two towns on one machine, mDNS on, listening on every interface as `twin start` does by
/// default: they find each other and connect. (libp2p's mDNS runs on the machine's network
/// interfaces, not on loopback: this needs one up, as CI's and any laptop on a LAN have.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_towns_on_one_machine_find_each_other_by_mdns() {
    let everywhere = |c: &mut twinmesh_node::Config| {
        c.mdns = true;
        c.listen = vec!["/ip4/0.0.0.0/tcp/0".parse().expect("addr")];
    };
    let a = TestNode::start_with("Saint-Pol-sur-Ternoise", "FR", everywhere).await;
    let b = TestNode::start_with("Warstein", "DE", everywhere).await;
    let b_id = b.id().await;
    eventually("A finds B by mDNS and connects", || async {
        peer_entry(&a, &b_id).await.is_some_and(|p| p["connected"] == true)
    })
    .await;
}

/// A town with mDNS on that listens on loopback only announces no address by mDNS (so a
/// second town on the same machine never found it): it says so at start, and how to fix it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_town_that_mdns_cannot_announce_says_so_at_start() {
    warn_log();
    let a = TestNode::start_with("Saint-Pol-sur-Ternoise", "FR", |c| c.mdns = true).await;
    let id = a.id().await;
    let said = warnings_with(&[&id, "listens on loopback only", "--listen /ip4/0.0.0.0/tcp/"]);
    assert_eq!(said.len(), 1, "{said:?}");
    // Listening on every interface, it says nothing of the kind.
    let b = TestNode::start_with("Warstein", "DE", |c| {
        c.mdns = true;
        c.listen = vec!["/ip4/0.0.0.0/tcp/0".parse().expect("addr")];
    })
    .await;
    assert_eq!(warnings_with(&[&b.id().await, "loopback only"]), Vec::<String>::new());
}

/// A node that shares no space with this town cannot make it remember (and later dial) the
/// addresses it announces; a member's are remembered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_sharing_no_space_is_not_remembered_at_its_announced_addresses() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let stranger = TestNode::start("Esch-sur-Alzette", "LU").await;
    let (_space, doc) = space_with_plan(&a, &[&b]).await;
    let (b_id, stranger_id) = (b.id().await, stranger.id().await);
    stranger.dial(&a).await;
    eventually("A heard the stranger's hello", || async {
        peer_entry(&a, &stranger_id).await.is_some_and(|p| p["name"] == "Esch-sur-Alzette")
    })
    .await;
    // B connects after the stranger: once A has taken in B's announcement, it has taken in the
    // stranger's too.
    b.dial(&a).await;
    eventually("B holds the plan", || async { converged(&[&a, &b], &doc).await }).await;
    eventually("A remembers B's announced address", || async {
        addrs(&peer_entry(&a, &b_id).await).contains(&b.addr().await)
    })
    .await;
    let listed = peer_entry(&a, &stranger_id).await;
    assert!(listed.as_ref().is_some_and(|p| p["connected"] == true), "{listed:?}");
    assert_eq!(addrs(&listed), Vec::<String>::new(), "{listed:?}");
}
