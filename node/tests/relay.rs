//! Reach: a town reachable only through a relay, a relay that learns nothing, and finding a
//! partner from its id alone.

mod common;

use common::*;
use twinmesh_node::api::Request;

/// A relay; A (which holds a reservation on it, waited for) and B, partners in a space with a
/// plan. Returns the relay, its address, A, B and the plan's id.
async fn relay_a_b() -> (TestNode, libp2p::Multiaddr, TestNode, TestNode, String) {
    let relay =
        TestNode::start_with("Relay of the twinning association", "BE", |c| c.relay_server = true).await;
    let relay_addr: libp2p::Multiaddr = relay.addr().await.parse().expect("addr");
    let a =
        TestNode::start_with("Saint-Pol-sur-Ternoise", "FR", |c| c.relays = vec![relay_addr.clone()]).await;
    let b = TestNode::start("Warstein", "DE").await;
    let (_space, doc) = space_with_plan(&a, &[&b]).await;
    eventually("A holds a reservation on the relay", || async {
        a.ok(Request::Status).await["relay_reservations"].as_array().is_some_and(|r| !r.is_empty())
    })
    .await;
    (relay, relay_addr, a, b, doc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn towns_sync_through_a_relay_that_learns_nothing() {
    let (relay, relay_addr, a, b, doc) = relay_a_b().await;

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

/// A town that listens nowhere itself, reachable only through its slot on a relay, is found
/// from its id alone by a partner that knows only the relay (the relay tells it the town's
/// relayed address), the towns sync, and both print well-formed relayed addresses: the
/// town's own id once at the end (it was printed twice, which libp2p refuses).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_town_reachable_only_through_a_relay_is_dialled_by_its_id() {
    use libp2p::{Multiaddr, PeerId, multiaddr::Protocol};
    let relay =
        TestNode::start_with("Relay of the twinning association", "BE", |c| c.relay_server = true).await;
    let relay_addr: Multiaddr = relay.addr().await.parse().expect("addr");
    let a = TestNode::start_with("Saint-Pol-sur-Ternoise", "FR", |c| {
        c.listen = Vec::new();
        c.relays = vec![relay_addr.clone()];
    })
    .await;
    let b = TestNode::start_with("Warstein", "DE", |c| c.relays = vec![relay_addr.clone()]).await;
    let (_space, doc) = space_with_plan(&a, &[&b]).await;
    eventually("A and B hold reservations on the relay", || async {
        let reserved =
            |s: serde_json::Value| s["relay_reservations"].as_array().is_some_and(|r| !r.is_empty());
        reserved(a.ok(Request::Status).await) && reserved(b.ok(Request::Status).await)
    })
    .await;
    let a_id = a.id().await;
    let a_peer: PeerId = a_id.parse().expect("peer id");

    // A's status prints its relayed address with A's id once, last.
    let status = a.ok(Request::Status).await;
    let listen: Vec<Multiaddr> = status["listen"]
        .as_array()
        .expect("listen")
        .iter()
        .map(|v| v.as_str().expect("text").parse().expect("a well-formed multiaddr"))
        .collect();
    let relayed = listen
        .iter()
        .find(|m| m.iter().any(|p| p == Protocol::P2pCircuit))
        .unwrap_or_else(|| panic!("a relayed listen address in {listen:?}"));
    assert_eq!(relayed.iter().filter(|p| matches!(p, Protocol::P2p(_))).count(), 2, "{relayed}");
    assert_eq!(relayed.iter().last(), Some(Protocol::P2p(a_peer)), "{relayed}");

    // B knows only the relay: it dials A by id, once.
    let dialled = b.req(Request::Dial { addr: a_id.clone() }).await;
    assert!(dialled.is_ok(), "B dials A by id through the relay: {dialled:?}");
    eventually("B holds the plan, via the relay", || async { converged(&[&a, &b], &doc).await }).await;
    a.set(&doc, "acronym", "FOUND").await;
    eventually("live edits pass too", || async {
        b.show(&doc).await.map(|v| v["content"]["acronym"] == "FOUND").unwrap_or(false)
    })
    .await;

    // B remembers A's relayed address (from A's identify), well formed, for the next start.
    eventually("B remembers A's relayed address", || async {
        let peers = b.ok(Request::Peers).await;
        let Some(pa) = peers.as_array().into_iter().flatten().find(|p| p["id"] == a_id.as_str()).cloned()
        else {
            return false;
        };
        pa["addrs"].as_array().into_iter().flatten().filter_map(|v| v.as_str()).any(|t| {
            let m: Multiaddr = t.parse().expect("a well-formed remembered address");
            m.iter().any(|p| p == Protocol::P2pCircuit)
                && m.iter().filter(|p| matches!(p, Protocol::P2p(_))).count() == 2
        })
    })
    .await;
}

/// DCUtR: a connection that starts through a relay is upgraded to a direct one where the
/// towns can reach each other (here: loopback, so the hole punch must succeed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_connection_is_upgraded_to_a_direct_one_by_hole_punching() {
    let (_relay, relay_addr, a, b, doc) = relay_a_b().await;
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

/// A minimal HTTP CONNECT proxy on loopback, as a town hall's proxy would behave: it records
/// every CONNECT target, and tunnels it (or answers 403 when `allow` is false).
async fn http_proxy(allow: bool) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
                    let Ok(b) = client.read_u8().await else { return };
                    head.push(b);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let target = head.split_whitespace().nth(1).unwrap_or_default().to_string();
                log.lock().expect("log").push(target.clone());
                if !allow {
                    let _ = client.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n").await;
                    return;
                }
                let Ok(mut upstream) = tokio::net::TcpStream::connect(&target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, seen)
}

/// Town halls often reach the internet only through an HTTP proxy: with `proxy` set, the
/// node's TCP connections go through CONNECT tunnels; a proxy that refuses gives a clear
/// error. Partners can also be named by DNS name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_town_behind_an_http_proxy_reaches_its_partner_and_names_resolve() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let (proxy, seen) = http_proxy(true).await;
    let proxy_url: twinmesh_node::net::town_tcp::Proxy =
        format!("http://{proxy}").parse().expect("proxy url");
    let b = TestNode::start_with("Warstein", "DE", |c| c.proxy = Some(proxy_url.clone())).await;
    let (_space, doc) = space_with_plan(&a, &[&b]).await;
    b.dial(&a).await;
    eventually("B syncs with A through the proxy", || async { converged(&[&a, &b], &doc).await }).await;
    let a_addr = a.addr().await;
    let a_port = a_addr.split('/').nth(4).expect("port").to_string();
    assert!(
        seen.lock().expect("log").iter().any(|t| *t == format!("127.0.0.1:{a_port}")),
        "the proxy tunnelled the connection to A: {:?}",
        seen.lock().expect("log")
    );

    // A proxy that refuses: the dial fails, saying so.
    let (refusing, _) = http_proxy(false).await;
    let refusing_url: twinmesh_node::net::town_tcp::Proxy =
        format!("http://{refusing}").parse().expect("url");
    let c = TestNode::start_with("Hebden Royd", "GB", |cfg| cfg.proxy = Some(refusing_url.clone())).await;
    let err = c.req(Request::Dial { addr: a_addr.clone() }).await.expect_err("the proxy refuses");
    assert!(err.to_string().contains("refused to connect") && err.to_string().contains("403"), "{err}");

    // Without a proxy, a partner named by DNS name is reached.
    let d = TestNode::start("Warstein", "DE").await;
    let a_id = a.id().await;
    d.ok(Request::Dial { addr: format!("/dns4/localhost/tcp/{a_port}/p2p/{a_id}") }).await;
}
