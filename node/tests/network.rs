//! A network of towns (issue 17 item 1): many towns in one space, a burst of concurrent edits,
//! then single edits that must still travel live (by announcement), not by the 30 s catch-up.
//!
//! `TWIN_NETWORK_TOWNS` (default 10) sets the number of towns, for experiments.

mod common;

use std::time::{Duration, Instant};

use common::*;
use twinmesh_node::api::{EditSpec, Request};

const BURST_EDITS: usize = 200;
const DOCS: usize = 10;
const SINGLE_EDITS: usize = 40;

fn towns() -> usize {
    std::env::var("TWIN_NETWORK_TOWNS").ok().and_then(|v| v.parse().ok()).unwrap_or(10)
}

/// True once every node has `value` at `path` of `doc`.
async fn everyone_has(nodes: &[TestNode], doc: &str, field: &str, value: &str) -> bool {
    for n in nodes {
        let Ok(v) = n.show(doc).await else { return false };
        if v["content"][field] != serde_json::json!(value) {
            return false;
        }
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn edits_stay_live_across_a_network_of_towns_after_a_burst() {
    warn_log();
    let n = towns();
    let mut nodes = Vec::new();
    for i in 0..n {
        nodes.push(TestNode::start(&format!("Town {i}"), "FR").await);
    }
    let refs: Vec<&TestNode> = nodes.iter().skip(1).collect();
    let (space, first) = space_with_plan(&nodes[0], &refs).await;
    let mut docs = vec![first];
    for d in 1..DOCS {
        let id = nodes[0]
            .ok(Request::DocNew {
                space: space.parse().expect("space"),
                kind: twinmesh_protocol::schema::DocKind::Plan,
                title: format!("Plan {d}"),
                lang: None,
            })
            .await["id"]
            .as_str()
            .expect("doc")
            .to_string();
        docs.push(id);
    }
    // Each town dials the founder and the town before it: a connected, not complete, graph.
    for i in 1..n {
        nodes[i].dial(&nodes[0]).await;
        if i > 1 {
            nodes[i].dial(&nodes[i - 1]).await;
        }
    }
    for d in &docs {
        let all: Vec<&TestNode> = nodes.iter().collect();
        eventually_within("every town holds every document", Duration::from_secs(120), || async {
            converged(&all, d).await
        })
        .await;
    }

    // The burst: every town edits at once, BURST_EDITS in all, spread over the documents.
    let started = Instant::now();
    let mut burst = tokio::task::JoinSet::new();
    for e in 0..BURST_EDITS {
        let handle = nodes[e % n].node().handle().clone();
        let doc = docs[e % DOCS].clone();
        burst.spawn(async move {
            handle
                .request(twinmesh_node::api::Envelope {
                    officer: None,
                    request: Request::DocEdit {
                        doc: doc.parse().expect("doc"),
                        edits: vec![EditSpec::Set { path: "acronym".into(), value: format!("B{e}") }],
                        message: None,
                        lang: None,
                    },
                })
                .await
        });
    }
    while let Some(r) = burst.join_next().await {
        r.expect("task").expect("edit");
    }
    for d in &docs {
        let all: Vec<&TestNode> = nodes.iter().collect();
        eventually_within("the burst converges", Duration::from_secs(120), || async {
            converged(&all, d).await
        })
        .await;
    }
    eprintln!("{n} towns: burst of {BURST_EDITS} edits converged in {:?}", started.elapsed());

    // Single edits after the burst: each must reach every town by announcement, well before
    // the catch-up timer (30 s) could bring it.
    let mut times = Vec::new();
    for k in 0..SINGLE_EDITS {
        let from = &nodes[(k * 7 + 3) % n];
        let doc = &docs[k % DOCS];
        let value = format!("S{k}");
        let t = Instant::now();
        from.set(doc, "acronym", &value).await;
        eventually_within("a single edit reaches every town", Duration::from_secs(60), || async {
            everyone_has(&nodes, doc, "acronym", &value).await
        })
        .await;
        times.push(t.elapsed());
    }
    times.sort();
    // Nearest rank: with 40 samples the 99th percentile is the slowest edit.
    let rank = |p: f64| times[((p / 100.0 * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
    let (p50, p99) = (rank(50.0), rank(99.0));
    eprintln!("{n} towns: single edits after the burst: p50 {p50:?}, p99 {p99:?} ({times:?})");
    let gossip_off = warnings_with(&["substream"]);
    assert!(gossip_off.is_empty(), "gossipsub gave up on a connection: {gossip_off:?}");
    // Before the fix, edits after a burst waited for the 30 s catch-up (p99 30.1 s at 5 towns);
    // live they take a few hundred milliseconds here (see docs/benchmarks.md). Issue 17's
    // target: p99 under 1 s on the 2-core CI machine.
    assert!(p50 < Duration::from_secs(1), "half the edits took over {p50:?} to reach every town");
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?} for an edit to reach every town after the burst");
    for mut node in nodes {
        node.stop().await;
    }
}
