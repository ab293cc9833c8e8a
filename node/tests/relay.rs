//! Reach: a town reachable only through a relay, a relay that learns nothing, and finding a
//! partner from its id alone.

mod common;

use common::*;
use twinmesh_node::api::Request;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn towns_sync_through_a_relay_that_learns_nothing() {
    let relay =
        TestNode::start_with("Relay of the twinning association", "EU", |c| c.relay_server = true).await;
    let relay_addr: libp2p::Multiaddr = relay.addr().await.parse().expect("addr");
    let a =
        TestNode::start_with("Saint-Pol-sur-Ternoise", "FR", |c| c.relays = vec![relay_addr.clone()]).await;
    let b = TestNode::start("Warstein", "DE").await;
    let (_space, doc) = space_with_plan(&a, &[&b]).await;
    eventually("A holds a reservation on the relay", || async {
        a.ok(Request::Status).await["relay_reservations"].as_array().is_some_and(|r| !r.is_empty())
    })
    .await;

    // B knows only the relay and A's id: it dials A through the relay circuit.
    let a_id = a.id().await;
    let circuit = format!("{relay_addr}/p2p-circuit/p2p/{a_id}");
    b.ok(Request::Dial { addr: circuit }).await;
    eventually("B holds the plan, via the relay", || async { converged(&[&a, &b], &doc).await }).await;
    a.set(&doc, "acronym", "RELAYED").await;
    eventually("live edits pass too", || async {
        b.show(&doc).await.map(|v| v["content"]["acronym"] == "RELAYED").unwrap_or(false)
    })
    .await;

    // The relay is no member: it holds no space and no document.
    assert_eq!(relay.ok(Request::SpaceList).await.as_array().map(Vec::len), Some(0));
    assert!(relay.show(&doc).await.is_err());
    assert_eq!(relay.ok(Request::DocList { space: None }).await.as_array().map(Vec::len), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_is_found_from_its_id_alone() {
    let hub = TestNode::start("Hebden Royd", "GB").await;
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let (_space, doc) = space_with_plan(&a, &[&b]).await;
    // A and B each know the hub, not each other.
    a.dial(&hub).await;
    b.dial(&hub).await;
    let a_id = a.id().await;
    let mut found = false;
    for _ in 0..50 {
        if b.req(Request::Dial { addr: a_id.clone() }).await.is_ok() {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(found, "B found A's address through the hub");
    eventually("B syncs with A", || async { converged(&[&a, &b], &doc).await }).await;
    // An id nobody knows gives a clear error.
    let unknown =
        twinmesh_node::identity::peer_id(&twinmesh_protocol::keys::SecretKey::from_bytes([9; 32]).public());
    let err = b.req(Request::Dial { addr: unknown.to_string() }).await.expect_err("unknown");
    assert!(err.to_string().contains("no partner knows an address"), "{err}");
}

/// DCUtR: a connection that starts through a relay is upgraded to a direct one where the
/// towns can reach each other (here: loopback, so the hole punch must succeed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_connection_is_upgraded_to_a_direct_one_by_hole_punching() {
    let relay =
        TestNode::start_with("Relay of the twinning association", "EU", |c| c.relay_server = true).await;
    let relay_addr: libp2p::Multiaddr = relay.addr().await.parse().expect("addr");
    let a =
        TestNode::start_with("Saint-Pol-sur-Ternoise", "FR", |c| c.relays = vec![relay_addr.clone()]).await;
    let b = TestNode::start("Warstein", "DE").await;
    let (_space, doc) = space_with_plan(&a, &[&b]).await;
    eventually("A holds a reservation on the relay", || async {
        a.ok(Request::Status).await["relay_reservations"].as_array().is_some_and(|r| !r.is_empty())
    })
    .await;
    let a_id = a.id().await;
    b.ok(Request::Dial { addr: format!("{relay_addr}/p2p-circuit/p2p/{a_id}") }).await;
    let peer_a = || async {
        let peers = b.ok(Request::Peers).await;
        peers.as_array().into_iter().flatten().find(|p| p["id"] == a_id.as_str()).cloned()
    };
    eventually("B's connection to A is direct after the hole punch", || async {
        peer_a().await.is_some_and(|p| p["connection"] == "direct" && p["hole_punch"] == "succeeded")
    })
    .await;
    eventually("and the towns sync over it", || async { converged(&[&a, &b], &doc).await }).await;
}
