//! End to end: two separate `twin start` processes on loopback, driven by `twin` commands.

mod common;

use std::time::Duration;

use common::{Node, two_towns_with_plan, wait_until};

const TIMEOUT: Duration = Duration::from_secs(30);

fn amount(node: &Node, doc: &str) -> Option<f64> {
    node.try_show(doc)?["content"]["budget"]["lines"][0]["amount"].as_f64()
}

#[test]
fn two_town_processes_sync_live_and_after_a_restart() {
    let (a, b, doc) = two_towns_with_plan(&["amount=3800", "category=travel"]);

    let (node_a, started_a) = a.start_json();
    let (node_b, _) = b.start_json();
    b.json(&["dial", started_a["listen"][0].as_str().expect("listen addr")]);
    wait_until("the plan to reach Warstein", TIMEOUT, || amount(&b, &doc) == Some(3800.0));

    // An edit through A's running node reaches B live.
    a.json(&["--officer", "C. Dufresne", "doc", "set", &doc, "budget/lines/0/amount", "4150"]);
    let took = wait_until("the edit to reach Warstein", TIMEOUT, || amount(&b, &doc) == Some(4150.0));
    eprintln!("live edit visible on the partner after {took:?} (includes polling by separate processes)");
    let peers = b.json(&["peers"]);
    assert_eq!(peers[0]["name"], "Saint-Pol-sur-Ternoise");
    assert_eq!(peers[0]["connected"], true);
    // `twin sync status`: Warstein online, nothing waiting for it.
    let partner = |n: &Node| n.json(&["sync", "status"])["partners"][0].clone();
    wait_until("nothing to wait for Warstein", TIMEOUT, || {
        let w = partner(&a);
        w["online"] == true && w["waiting"] == 0
    });

    // B stops; A edits; B comes back and catches up by redialling the remembered partner.
    let (status, _, stderr) = node_b.terminate();
    assert!(status.success(), "clean shutdown on SIGTERM: {status}; {stderr}");
    assert!(!b.dir().join("api.json").exists(), "api.json removed at shutdown");
    a.json(&["doc", "set", &doc, "budget/lines/0/amount", "4200"]);
    let w = partner(&a);
    assert_eq!(
        (w["town"].as_str(), w["country"].as_str(), w["online"].as_bool(), w["waiting"].as_u64()),
        (Some("Warstein"), Some("DE"), Some(false), Some(1)),
        "one change waits for Warstein while it is offline: {w}"
    );
    let (node_b, _) = b.start_json();
    wait_until("Warstein to catch up after restart", TIMEOUT, || amount(&b, &doc) == Some(4200.0));
    wait_until("nothing waits for Warstein once it is back", TIMEOUT, || {
        let w = partner(&a);
        w["online"] == true && w["waiting"] == 0
    });
    let text = a.run(&["--lang", "en", "sync", "status"]).ok().stdout;
    assert!(text.contains("Warstein (DE): online since") && text.contains("waiting to go out: 0"), "{text}");
    let hist = b.history(&doc);
    assert!(hist.iter().all(|e| e["signature"] == "verified"));
    assert!(hist.iter().any(|e| e["officer"] == "C. Dufresne" && e["author"] == "Saint-Pol-sur-Ternoise"));
    let sync = b.json(&["sync"]);
    assert_eq!(sync["peers"], 1);
    assert!(node_b.terminate().0.success());
    assert!(node_a.terminate().0.success());
}
