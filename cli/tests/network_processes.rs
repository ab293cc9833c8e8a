//! A network of towns as separate `twin start` processes (issue 17 item 1): five towns in one
//! space, a burst of concurrent edits from every town, then single edits that must travel live
//! (by announcement), not by the 30 s catch-up. The ten-town variant in one process is
//! node/tests/network.rs.

mod common;

use std::time::{Duration, Instant};

use common::{Node, SAINT_POL, id_text, wait_until};

const TOWNS: [(&str, &str); 5] =
    [(SAINT_POL, "FR"), ("Warstein", "DE"), ("Kaštela", "HR"), ("Hebden Royd", "GB"), ("Poix-du-Nord", "FR")];
const DOCS: usize = 5;
const BURST_PER_TOWN: usize = 40;
const SINGLE_EDITS: usize = 20;
const TIMEOUT: Duration = Duration::from_secs(60);

fn acronym(node: &Node, doc: &str) -> Option<String> {
    node.try_show(doc)?["content"]["acronym"].as_str().map(str::to_string)
}

#[test]
fn five_town_processes_stay_live_after_a_burst_of_concurrent_edits() {
    let towns: Vec<Node> = TOWNS.iter().map(|(name, country)| Node::init(name, country)).collect();
    let founder = &towns[0];
    let space = founder.space("CIRCLE60 network");
    for (t, (name, _)) in towns.iter().zip(TOWNS).skip(1) {
        founder.json(&["space", "add", &space, &id_text(&t.id()["id"]), "--name", name]);
    }
    let docs: Vec<String> = (0..DOCS).map(|d| founder.doc(&space, "plan", &format!("Plan {d}"))).collect();

    let started: Vec<_> = towns.iter().map(Node::start_json).collect();
    let listen = |i: usize| started[i].1["listen"][0].as_str().expect("listen addr").to_string();
    for (i, town) in towns.iter().enumerate().skip(1) {
        town.json(&["dial", &listen(0)]);
        if i > 1 {
            town.json(&["dial", &listen(i - 1)]);
        }
    }
    for d in &docs {
        wait_until("every town holds every plan", TIMEOUT, || towns.iter().all(|t| t.try_show(d).is_some()));
    }

    // The burst: every town edits at once, each through its own running node.
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for (i, town) in towns.iter().enumerate() {
            let docs = &docs;
            s.spawn(move || {
                for k in 0..BURST_PER_TOWN {
                    town.json(&["doc", "set", &docs[k % DOCS], "acronym", &format!("B{i}-{k}")]);
                }
            });
        }
    });
    for d in &docs {
        wait_until("the burst converges", TIMEOUT, || {
            let first = towns[0].try_show(d).map(|v| v["heads"].clone());
            first.is_some() && towns.iter().all(|t| t.try_show(d).map(|v| v["heads"].clone()) == first)
        });
    }
    eprintln!(
        "{} towns: burst of {} edits converged in {:?}",
        towns.len(),
        towns.len() * BURST_PER_TOWN,
        t0.elapsed()
    );

    // Single edits after the burst, timed until every town shows them (polling five separate
    // processes adds about a hundred milliseconds).
    let mut times = Vec::new();
    for k in 0..SINGLE_EDITS {
        let from = &towns[(k * 3 + 1) % towns.len()];
        let doc = &docs[k % DOCS];
        let value = format!("S{k}");
        let t = Instant::now();
        from.json(&["doc", "set", doc, "acronym", &value]);
        wait_until("a single edit reaches every town", TIMEOUT, || {
            towns.iter().all(|t| acronym(t, doc).as_deref() == Some(value.as_str()))
        });
        times.push(t.elapsed());
    }
    times.sort();
    // Nearest rank: with SINGLE_EDITS samples the 99th percentile is the slowest edit.
    let p99 = times[((0.99 * times.len() as f64).ceil() as usize).clamp(1, times.len()) - 1];
    eprintln!("single edits after the burst: p50 {:?}, p99 {p99:?}", times[times.len() / 2]);
    // The catch-up timer would take up to 30 s; issue 17's target is p99 under 1 s, polling
    // included.
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?} for an edit to reach every town: {times:?}");
    for (running, _) in started {
        assert!(running.terminate().0.success(), "clean shutdown");
    }
}
