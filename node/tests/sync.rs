//! Real nodes on loopback: live sync, concurrent edits, conflicts, restarts, three towns.

mod common;

use std::time::Duration;

use common::*;
use twinmesh_node::api::{EditSpec, Envelope, Request};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_towns_sync_live_and_converge_after_concurrent_edits() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let mut b = TestNode::start("Warstein", "DE").await;
    let (space, doc) = space_with_plan(&a, &[&b]).await;
    b.dial(&a).await;

    // The partner receives the space and the document.
    eventually("B holds the plan", || async { converged(&[&a, &b], &doc).await }).await;
    let docs = b.ok(Request::DocList { space: Some(space.parse().expect("space")) }).await;
    assert_eq!(docs.as_array().map(Vec::len), Some(1));

    // A live edit on A shows on B quickly.
    let t0 = std::time::Instant::now();
    a.set(&doc, "budget/lines/0/amount", "3800").await;
    eventually("B sees A's edit", || async {
        b.show(&doc).await.map(|v| v["content"]["budget"]["lines"][0]["amount"] == 3800.0).unwrap_or(false)
    })
    .await;
    let live = t0.elapsed();
    assert!(live < Duration::from_secs(5), "live edit took {live:?}");

    // B goes offline; both towns edit the same amount and different fields.
    b.stop().await;
    a.set(&doc, "budget/lines/0/amount", "3800.50").await;
    a.edit(&doc, vec![EditSpec::Text { path: "summary".into(), text: "Forty young people.".into() }]).await;
    {
        let mut engine =
            twinmesh_node::Engine::open(&twinmesh_node::DataDir::new(b.dir.path())).expect("offline open");
        let id = doc.parse().expect("doc");
        engine
            .edit(
                &id,
                &[twinmesh_node::engine::Edit::Set {
                    path: "budget/lines/0/amount".parse().expect("path"),
                    value: "4150".into(),
                }],
                Some("J. Becker"),
                None,
            )
            .expect("offline edit");
        engine
            .edit(
                &id,
                &[twinmesh_node::engine::Edit::Set {
                    path: "acronym".parse().expect("path"),
                    value: "CIRCLE60".into(),
                }],
                None,
                None,
            )
            .expect("offline edit");
    }
    b.restart().await;
    b.dial(&a).await;
    eventually("heads converge after B's restart", || async { converged(&[&a, &b], &doc).await }).await;

    let va = a.show(&doc).await.expect("show a");
    let vb = b.show(&doc).await.expect("show b");
    assert_eq!(va["content"], vb["content"], "identical content on both nodes");
    assert_eq!(va["content"]["acronym"], "CIRCLE60");
    assert_eq!(va["content"]["summary"], "Forty young people.");
    // The concurrent amount is a conflict showing both values and both authors.
    let conflict = &va["content"]["budget"]["lines"][0]["amount"]["conflict"];
    let vals: Vec<(f64, String)> = conflict
        .as_array()
        .expect("conflict on the amount")
        .iter()
        .map(|c| (c["value"].as_f64().expect("num"), c["author"].as_str().expect("author").to_string()))
        .collect();
    assert!(vals.contains(&(3800.5, "Saint-Pol-sur-Ternoise".into())), "{vals:?}");
    assert!(vals.contains(&(4150.0, "Warstein".into())), "{vals:?}");
    assert_eq!(va["conflicts"][0]["path"], "budget/lines/0/amount");
    let md = va["markdown"].as_str().expect("markdown");
    assert!(md.contains("⚠ Conflict:") && md.contains("€4,150.00 (Warstein)"), "{md}");

    // Setting the field again resolves the conflict everywhere.
    b.set(&doc, "budget/lines/0/amount", "4000").await;
    eventually("conflict resolved on A", || async {
        a.show(&doc).await.map(|v| v["content"]["budget"]["lines"][0]["amount"] == 4000.0).unwrap_or(false)
    })
    .await;

    // History on A names both towns, with every signature verified.
    let hist = a
        .ok(Request::DocHistory { doc: doc.parse().expect("doc"), limit: Some(1000), before: None })
        .await["entries"]
        .clone();
    let entries = hist.as_array().expect("history");
    assert!(entries.iter().all(|e| e["signature"] == "verified"));
    assert!(entries.iter().any(|e| e["author"] == "Warstein" && e["officer"] == "J. Becker"));
    assert!(entries.iter().any(|e| e["author"] == "Saint-Pol-sur-Ternoise"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_towns_converge_through_a_partner() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let c = TestNode::start("Hebden Royd", "GB").await;
    let (_space, doc) = space_with_plan(&a, &[&b, &c]).await;
    // A line of towns: C only knows B, B knows A.
    b.dial(&a).await;
    eventually("B has the plan", || async { converged(&[&a, &b], &doc).await }).await;
    c.dial(&b).await;
    eventually("C has the plan through B", || async { converged(&[&a, &b, &c], &doc).await }).await;

    // Concurrent edits on all three.
    let ((), (), ()) = tokio::join!(
        async {
            a.set(&doc, "acronym", "CIRCLE60").await;
        },
        async {
            b.edit(
                &doc,
                vec![EditSpec::Add {
                    list: "partners".into(),
                    fields: vec![("town".into(), "Warstein".into())],
                }],
            )
            .await;
        },
        async {
            c.edit(
                &doc,
                vec![EditSpec::Add {
                    list: "partners".into(),
                    fields: vec![("town".into(), "Hebden Bridge".into())],
                }],
            )
            .await;
        },
    );
    eventually("three towns converge", || async { converged(&[&a, &b, &c], &doc).await }).await;
    let va = a.show(&doc).await.expect("a");
    let vc = c.show(&doc).await.expect("c");
    assert_eq!(va["content"], vc["content"]);
    assert_eq!(va["content"]["acronym"], "CIRCLE60");
    assert_eq!(va["content"]["partners"].as_array().map(Vec::len), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_members_get_nothing() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let stranger = TestNode::start("Elsewhere", "IT").await;
    let (_space, doc) = space_with_plan(&a, &[]).await;
    stranger.dial(&a).await;
    // A sync round trip completes, and the stranger holds no space and no document.
    let r = stranger.ok(Request::Sync { doc: None }).await;
    assert_eq!(r["peers"], 1);
    assert_eq!(stranger.ok(Request::SpaceList).await.as_array().map(Vec::len), Some(0));
    assert!(stranger.show(&doc).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialing_an_unreachable_address_fails_quickly_with_a_clear_message() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    // A port nobody listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    let t0 = std::time::Instant::now();
    let err =
        a.req(Request::Dial { addr: format!("/ip4/127.0.0.1/tcp/{port}") }).await.expect_err("unreachable");
    assert!(t0.elapsed() < Duration::from_secs(15));
    assert!(err.to_string().contains("cannot reach"), "{err}");
    let err = a.req(Request::Dial { addr: "not-an-address".into() }).await.expect_err("malformed");
    assert!(err.to_string().contains("not a multiaddr"), "{err}");
}

/// Four towns, every one connected to every other, edit the same field concurrently. Each
/// change must reach each town about once. Sessions about one document used to run with every
/// announcing partner at once, all carrying the same Bloom filter, so every partner sent the
/// same missing changes: each change reached each town up to three times here (about six
/// times with ten towns in the `converge` benchmark).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_reaches_each_town_about_once_in_a_full_mesh() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let c = TestNode::start("Hebden Royd", "GB").await;
    let d = TestNode::start("Ceska Kamenice", "CZ").await;
    let towns = [&a, &b, &c, &d];
    let (_space, doc) = space_with_plan(&a, &[&b, &c, &d]).await;
    for (i, x) in towns.iter().enumerate() {
        for y in &towns[i + 1..] {
            x.dial(y).await;
        }
    }
    eventually("all towns have the plan", || async { converged(&towns, &doc).await }).await;
    let held_before = already_held(&towns).await;

    const EDITS: usize = 15;
    let edit = |t: &'static str, n: &TestNode| {
        let doc = doc.clone();
        let node = n.node().handle().clone();
        async move {
            for k in 0..EDITS {
                node.request(Envelope {
                    officer: None,
                    request: Request::DocEdit {
                        doc: doc.parse().expect("doc id"),
                        edits: vec![EditSpec::Set { path: "acronym".into(), value: format!("{t}{k}") }],
                        message: None,
                        lang: None,
                    },
                })
                .await
                .expect("edit");
            }
        }
    };
    tokio::join!(edit("A", &a), edit("B", &b), edit("C", &c), edit("D", &d));
    eventually("four towns converge", || async { converged(&towns, &doc).await }).await;

    // Every town received the other three towns' edits: 3 × EDITS × 4 deliveries at least.
    let needed = (3 * EDITS * towns.len()) as u64;
    let extra = already_held(&towns).await - held_before;
    eprintln!("changes sent to a town that held them already: {extra} (needed {needed})");
    // Before sessions were queued per document, every change reached every town about 6.5
    // times (extra ≈ 5.5 × needed). What remains is a race: a partner pushing a change while
    // the town pulls it from another. Quiet runs give 0-45 extra; a loaded 2-core machine gave
    // 61 once, so the bound is one extra delivery per needed one: far from the old amplification.
    assert!(
        extra <= needed,
        "{extra} changes were sent to a town that held them already (for {needed} needed)"
    );
}

/// Changes partners sent to these towns that the towns held already.
async fn already_held(towns: &[&TestNode]) -> u64 {
    let mut sum = 0;
    for t in towns {
        let peers = t.ok(Request::Peers).await;
        for p in peers.as_array().into_iter().flatten() {
            sum += p["changes_already_held"].as_u64().unwrap_or(0);
        }
    }
    sum
}

/// A partner lacking many documents fetches them with at most its share of sessions at once
/// (here 2), the rest waiting in the queue, and every document arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partner_lacking_many_documents_gets_them_all_within_its_session_share() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start_with("Warstein", "DE", |c| c.sessions_per_peer = 2).await;
    let (space, _doc) = space_with_plan(&a, &[&b]).await;
    const DOCS: usize = 12;
    for i in 1..DOCS {
        a.ok(Request::DocNew {
            space: space.parse().expect("space"),
            kind: twinmesh_protocol::schema::DocKind::Minutes,
            title: format!("Meeting {i}"),
            lang: None,
        })
        .await;
    }
    b.dial(&a).await;
    let a_id = a.id().await;
    let mut most = 0;
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let peers = b.ok(Request::Peers).await;
        for p in peers.as_array().into_iter().flatten() {
            if p["id"].as_str() == Some(a_id.as_str()) {
                most = most.max(p["syncing_documents"].as_u64().unwrap_or(0));
            }
        }
        let docs = b.ok(Request::DocList { space: None }).await;
        if docs.as_array().map_or(0, Vec::len) == DOCS {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the partner did not receive every document");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    eprintln!("most sessions seen at once: {most}");
    assert!(most <= 2, "{most} sessions ran with one partner at once");
}
