//! Reach: a town reachable only through a relay, a relay that learns nothing, and finding a
//! partner from its id alone.

mod common;

use std::time::{Duration, Instant};

use common::*;
use libp2p::{Multiaddr, PeerId};
use twinmesh_node::{Config, DataDir, Engine, Node, api::Request};

/// A town's data dir, initialised, and its id (to put on a relay's allow-list before the town
/// starts).
fn town(name: &str, country: &str) -> (tempfile::TempDir, PeerId) {
    let dir = init(name, country);
    let key = Engine::open(&DataDir::new(dir.path())).expect("open").me().key;
    (dir, twinmesh_node::identity::peer_id(&key))
}

/// Starts the node of a data dir made by [`town`], with a tweaked config.
async fn start_town(dir: tempfile::TempDir, name: &str, tweak: impl Fn(&mut Config)) -> TestNode {
    let mut c = config(&dir);
    tweak(&mut c);
    let node = Node::spawn(c).await.expect("spawn");
    TestNode { dir, node: Some(node), name: name.into() }
}

/// A partnership relay that is a member of no space and serves the towns on its allow-list.
async fn relay_for(allow: &[PeerId]) -> (TestNode, Multiaddr) {
    let allow = allow.to_vec();
    let relay = TestNode::start_with("Relay of the twinning association", "BE", |c| {
        c.relay_server = true;
        c.relay_allow = allow.clone();
    })
    .await;
    let addr = relay.addr().await.parse().expect("addr");
    (relay, addr)
}

/// True once `node` holds a slot on a relay.
async fn reserved(node: &TestNode) -> bool {
    node.ok(Request::Status).await["relay_reservations"].as_array().is_some_and(|r| !r.is_empty())
}

/// A relay (serving A and B by its allow-list); A (which holds a reservation on it, waited for)
/// and B, partners in a space with a plan. Returns the relay, its address, A, B and the plan's
/// id.
async fn relay_a_b() -> (TestNode, libp2p::Multiaddr, TestNode, TestNode, String) {
    let ((a_dir, a_id), (b_dir, b_id)) = (town("Saint-Pol-sur-Ternoise", "FR"), town("Warstein", "DE"));
    let (relay, relay_addr) = relay_for(&[a_id, b_id]).await;
    let a = start_town(a_dir, "Saint-Pol-sur-Ternoise", |c| c.relays = vec![relay_addr.clone()]).await;
    let b = start_town(b_dir, "Warstein", |_| {}).await;
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
    use libp2p::multiaddr::Protocol;
    let ((a_dir, a_id), (b_dir, b_id)) = (town("Saint-Pol-sur-Ternoise", "FR"), town("Warstein", "DE"));
    let (_relay, relay_addr) = relay_for(&[a_id, b_id]).await;
    let a = start_town(a_dir, "Saint-Pol-sur-Ternoise", |c| {
        c.listen = Vec::new();
        c.relays = vec![relay_addr.clone()];
    })
    .await;
    let b = start_town(b_dir, "Warstein", |c| c.relays = vec![relay_addr.clone()]).await;
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

// ---- a partnership relay: whole documents, closed to strangers, resuming ----

/// Text of `chars` characters that compresses poorly (seeded letters and spaces), so a
/// document of it is about as large on the wire as in memory.
fn noisy_text(chars: usize, seed: u64) -> String {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..chars)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            match (x >> 33) % 28 {
                n @ 0..=25 => char::from(b'a' + n as u8),
                _ => ' ',
            }
        })
        .collect()
}

/// A new plan in `space` made by `town` with `texts` as (field, text) pairs. Returns its id.
async fn plan_with_texts(town: &TestNode, space: &str, texts: Vec<(&str, String)>) -> String {
    let doc = town
        .ok(Request::DocNew {
            space: space.parse().expect("space"),
            kind: twinmesh_protocol::schema::DocKind::Plan,
            title: "Youth exchange".into(),
            lang: None,
        })
        .await["id"]
        .as_str()
        .expect("doc id")
        .to_string();
    let edits = texts
        .into_iter()
        .map(|(path, text)| twinmesh_node::api::EditSpec::Text { path: path.into(), text })
        .collect();
    town.edit(&doc, edits).await;
    doc
}

/// Two towns that listen nowhere (outgoing connections only) and know only the relay's
/// address: A, holding a slot on the relay, and B, which dials A through the relay once the
/// slot is up. Returns the relay (dir kept for a restart), its address, A, B, the space and
/// the plan.
async fn outgoing_only_towns() -> (TestNode, Multiaddr, TestNode, TestNode, String, String) {
    let ((a_dir, a_id), (b_dir, b_id)) = (town("Saint-Pol-sur-Ternoise", "FR"), town("Warstein", "DE"));
    let (relay, relay_addr) = relay_for(&[a_id, b_id]).await;
    let outgoing_only = |c: &mut Config| {
        c.listen = Vec::new();
        c.relays = vec![relay_addr.clone()];
    };
    let a = start_town(a_dir, "Saint-Pol-sur-Ternoise", outgoing_only).await;
    let b = start_town(b_dir, "Warstein", outgoing_only).await;
    let (space, doc) = space_with_plan(&a, &[&b]).await;
    eventually("A holds a slot on the relay", || reserved(&a)).await;
    // B's own connection to the relay is up too: a dial through the relay while that
    // connection was still being set up failed now and then in full test runs ("Response from
    // behaviour was canceled"); the node tries such a dial again, but the test should not
    // depend on it.
    eventually("B holds a slot on the relay", || reserved(&b)).await;
    b.ok(Request::Dial { addr: format!("{relay_addr}/p2p-circuit/p2p/{a_id}") }).await;
    eventually("B holds the plan, through the relay", || async { converged(&[&a, &b], &doc).await }).await;
    (relay, relay_addr, a, b, space, doc)
}

/// Through `relay::Config::default()` (128 KiB per circuit) a 124 KB document never arrived.
/// A partnership relay carries whole documents: a 2 MB one and a 400,000-character text reach
/// a town that has only outgoing connections and knows only the relay, in one go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partnership_relay_carries_whole_documents_between_towns_with_outgoing_connections_only() {
    let (relay, _relay_addr, a, b, space, _plan) = outgoing_only_towns().await;
    let limit = Duration::from_secs(60);

    // About 2 MB: three text fields of 700,000 poorly compressible characters.
    let texts: Vec<(&str, String)> = ["summary", "context", "methodology"]
        .into_iter()
        .enumerate()
        .map(|(i, f)| (f, noisy_text(700_000, i as u64)))
        .collect();
    let started = Instant::now();
    let big = plan_with_texts(&a, &space, texts).await;
    let written = started.elapsed();
    eventually_within("B holds the 2 MB document, through the relay", limit, || async {
        converged(&[&a, &b], &big).await
    })
    .await;
    let shown = b.show(&big).await.expect("B shows it");
    let chars: usize = ["summary", "context", "methodology"]
        .iter()
        .map(|f| shown["content"][*f].as_str().map_or(0, |t| t.chars().count()))
        .sum();
    assert_eq!(chars, 2_100_000, "every character arrived");
    eprintln!("2 MB document: written on A in {written:?}, on B {:?} after the edit", started.elapsed());

    let started = Instant::now();
    let text = plan_with_texts(&a, &space, vec![("summary", noisy_text(400_000, 7))]).await;
    eventually_within("B holds the 400,000-character text, through the relay", limit, || async {
        converged(&[&a, &b], &text).await
    })
    .await;
    eprintln!("400,000-character text: on B {:?} after the edit", started.elapsed());

    // It went through the relay, which learned nothing: B's only link to A is relayed.
    let peers = b.ok(Request::Peers).await;
    let a_id = a.id().await;
    let pa = peers.as_array().into_iter().flatten().find(|p| p["id"] == a_id.as_str()).expect("A listed");
    assert_eq!(pa["connection"], "relayed", "{pa}");
    assert_eq!(relay.ok(Request::DocList { space: None }).await.as_array().map(Vec::len), Some(0));
}

/// A partnership relay serves the members of its town's spaces and refuses strangers: a town
/// that shares no space with it gets no slot (and the relay logs why), and cannot open a
/// circuit to a member either; once added to the space, the same town gets its slot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_is_refused_a_reservation_and_a_circuit() {
    let _ = warn_log();
    let ((a_dir, a_id), (s_dir, s_id)) = (town("Saint-Pol-sur-Ternoise", "FR"), town("Elsewhere", "AT"));
    // The relay's town founded a space with A in it: A is served.
    let relay = TestNode::start_with("Warstein", "DE", |c| c.relay_server = true).await;
    let relay_addr: Multiaddr = relay.addr().await.parse().expect("addr");
    let space = relay.ok(Request::SpaceCreate { name: "Warstein – St-Pol".into() }).await["id"]
        .as_str()
        .expect("space id")
        .to_string();
    let add = |id: PeerId, name: &str| Request::SpaceAdd {
        space: space.parse().expect("space"),
        member: id.to_string(),
        name: Some(name.into()),
        role: None,
    };
    relay.ok(add(a_id, "Saint-Pol-sur-Ternoise")).await;
    let a = start_town(a_dir, "Saint-Pol-sur-Ternoise", |c| c.relays = vec![relay_addr.clone()]).await;
    eventually("A, a member, holds a slot on the relay", || reserved(&a)).await;

    let s = start_town(s_dir, "Elsewhere", |c| c.relays = vec![relay_addr.clone()]).await;
    let s_text = s_id.to_string();
    eventually("the relay logs the stranger it refused, and why", || async {
        !warnings_with(&["relay refused a stranger", &s_text, "reservation"]).is_empty()
    })
    .await;
    assert!(!reserved(&s).await, "the stranger holds no slot");
    // A circuit to a member is refused too.
    let err = s
        .req(Request::Dial { addr: format!("{relay_addr}/p2p-circuit/p2p/{a_id}") })
        .await
        .expect_err("the relay refuses a stranger's circuit");
    assert!(err.to_string().contains("resource limit exceeded"), "{err}");
    assert_eq!(
        warnings_with(&["relay refused a stranger", &s_text]).len(),
        1,
        "one line per stranger per minute, though it was refused twice"
    );

    // Added to the relay town's space, it is served (at its next attempt, within a redial).
    relay.ok(add(s_id, "Elsewhere")).await;
    eventually_within(
        "the new member gets its slot",
        twinmesh_node::net::REDIAL_INTERVAL + Duration::from_secs(15),
        || reserved(&s),
    )
    .await;
}

/// A relayed sync cut midway (the relay restarts while a large text is on its way) resumes once
/// the circuit is renewed: the towns ask the relay for their slots again (a town asked only
/// once, at start, and was unreachable for good after a relay restart), dial each other
/// through it as soon as they hold them, and the text arrives whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relayed_sync_cut_midway_resumes_when_the_circuit_is_renewed() {
    let (mut relay, relay_addr, a, b, space, _plan) = outgoing_only_towns().await;
    let allow = vec![a.id().await.parse::<PeerId>().expect("id"), b.id().await.parse().expect("id")];
    let listen: Multiaddr =
        relay_addr.iter().filter(|p| !matches!(p, libp2p::multiaddr::Protocol::P2p(_))).collect();

    let started = Instant::now();
    let text = plan_with_texts(&a, &space, vec![("summary", noisy_text(400_000, 11))]).await;
    // Cut: the relay goes away with every circuit through it, and comes back on its address.
    relay.stop().await;
    let midway = !converged(&[&a, &b], &text).await;
    eprintln!("cut {:?} after the edit; B lacked the text then: {midway}", started.elapsed());
    let node = Node::spawn({
        let mut c = config(&relay.dir);
        c.listen = vec![listen];
        c.relay_server = true;
        c.relay_allow = allow;
        c
    })
    .await
    .expect("the relay restarts on its address");
    relay.node = Some(node);

    // A asks for its slot again within RELAY_RETRY, and dials its partners once it has it.
    eventually("A holds a slot on the restarted relay", || reserved(&a)).await;
    eventually_within("B holds the text, through the renewed circuit", Duration::from_secs(60), || async {
        converged(&[&a, &b], &text).await
    })
    .await;
    eprintln!("resumed: B holds the text {:?} after the edit", started.elapsed());
}
