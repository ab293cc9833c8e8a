//! Crash safety: a node is killed with SIGKILL again and again while it receives a partner's
//! edits and makes its own; after each restart its store opens, every edit it acknowledged is
//! there with its signature, and it converges with the partner.

mod common;

use std::time::{Duration, Instant};

use common::{Node, Prng, two_towns_with_plan, wait_until};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(30);

#[test]
fn a_node_killed_mid_sync_and_mid_edit_loses_nothing_it_acknowledged() {
    let (a, b, doc) = two_towns_with_plan(&["amount=1"]);
    let (node_a, started_a) = a.start_json();
    let a_addr = started_a["listen"][0].as_str().expect("listen addr").to_string();

    let mut rng = Prng::new(0x5eed_1234);
    let mut acknowledged: Vec<String> = Vec::new();
    let mut n = 0;
    for round in 0..6 {
        // The store opens after every kill (start_json panics if the node does not start).
        let (node_b, _) = b.start_json();
        if round == 0 {
            b.json(&["dial", &a_addr]);
        }
        // A edits (B receives), B edits (B acknowledges), then B dies at a random moment.
        let kill_after = Duration::from_millis(50 + rng.below(250));
        let t0 = Instant::now();
        while t0.elapsed() < kill_after {
            n += 1;
            let _ = a.run(&["doc", "set", &doc, "budget/lines/0/amount", &n.to_string()]);
            let value = format!("B-{round}-{n}");
            if b.run(&["doc", "set", &doc, "acronym", &value]).status.success() {
                acknowledged.push(value);
            }
        }
        node_b.kill9();
    }
    // After the last kill: every acknowledged edit is in the history, signed.
    let (node_b, _) = b.start_json();
    let hist = b.history(&doc);
    assert!(!acknowledged.is_empty(), "no edit was acknowledged at all");
    // Every change present is stored with its signature (a change applied from Automerge's
    // queue once lost its signature, and a restart then hid every change built on it).
    let unsigned: Vec<&Value> = hist.iter().filter(|e| e["signature"] != "verified").collect();
    assert!(unsigned.is_empty(), "changes without a verified signature: {unsigned:?}");
    let messages: Vec<&str> =
        hist.iter().filter(|e| e["author"] == "Warstein").filter_map(|e| e["message"].as_str()).collect();
    for v in &acknowledged {
        assert!(
            messages.iter().any(|m| m.contains(&format!("'{v}'"))),
            "acknowledged edit {v} is lost; acknowledged: {acknowledged:?}; B's history: {messages:?}"
        );
    }
    // And B converges with A again (B redials A, remembered across the kills).
    let heads = |n: &Node| n.try_show(&doc).map(|v| v["heads"].clone());
    wait_until("A and B to converge after the kills", TIMEOUT, || {
        let ha = heads(&a);
        ha.is_some() && ha == heads(&b)
    });
    eprintln!("{} acknowledged edits by B over 6 kills, {n} edits by A", acknowledged.len());
    drop(node_b);
    drop(node_a);
}
