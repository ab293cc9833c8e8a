//! A partnership relay across hosts (issue 17): towns in Linux network namespaces that cannot
//! reach each other at all, only a relay, as two town halls behind their own firewalls would.
//!
//! Topology: the relay's namespace holds the relay's public address (10.88.0.1, on its
//! loopback) and one link to each town's namespace (10.88.N.0/24); it forwards no packets, so
//! a town reaches the relay and nothing else. A and B are partners in one space; S is a
//! stranger the relay does not serve. Each town runs as its own `twin start` process.
//!
//! Checked: B cannot dial A directly; A holds a slot on the relay and B reaches it through the
//! relay; a 2 MB document and a 400,000-character text arrive whole; a relayed sync cut midway
//! (the relay process killed while a text is on its way, then restarted) resumes; the stranger
//! gets no slot and no circuit; the relay holds no document.
//!
//! Needs root and iproute2 (`sudo cargo test -p twinmesh-cli --test netns_relay`); see
//! `common/netns.rs` for how it skips or fails without them.

mod common;

use std::{
    path::Path,
    time::{Duration, Instant},
};

use common::netns::{Lab, Town, converged, ip, netns_or_skip, wait_for};

/// Bound for a document to arrive through the relay (a 2 MB one takes about 20 s in a debug
/// build on a 2-core machine).
const ARRIVE_TIMEOUT: Duration = Duration::from_secs(90);
/// Bound for a town to get its slot on the relay (it asks again every 5 s).
const SLOT_TIMEOUT: Duration = Duration::from_secs(30);

/// Poorly compressible text of `chars` characters (letters and spaces from a seeded generator).
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

/// A new plan in `space` at `town` with `texts` as (field, text) pairs, each written from a
/// file as an officer would paste it; returns the plan's id.
fn plan_with_texts(
    town: &Town,
    space: &str,
    title: &str,
    texts: &[(&str, String)],
    scratch: &Path,
) -> String {
    let doc = town.twin(&["doc", "new", space, "--kind", "plan", "--title", title])["id"]
        .as_str()
        .expect("doc id")
        .to_string();
    for (field, text) in texts {
        let file = scratch.join(format!("{title}-{field}.txt"));
        std::fs::write(&file, text).expect("write text");
        town.twin(&["doc", "text", &doc, field, "--file", file.to_str().expect("utf-8 path")]);
    }
    doc
}

/// Whether `town` holds a slot on a relay.
fn reserved(town: &Town) -> bool {
    town.try_twin(&["status"])
        .is_ok_and(|s| s["relay_reservations"].as_array().is_some_and(|r| !r.is_empty()))
}

/// The total characters of `fields` in `town`'s copy of `doc`.
fn chars_in(town: &Town, doc: &str, fields: &[&str]) -> usize {
    let Some(shown) = town.show(doc) else { return 0 };
    fields.iter().map(|f| shown["content"][*f].as_str().map_or(0, |t| t.chars().count())).sum()
}

#[test]
fn towns_that_reach_only_a_partnership_relay_sync_whole_documents_through_it() {
    if !netns_or_skip() {
        return;
    }
    let t0 = Instant::now();
    let pid = std::process::id();
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut lab = Lab::new();

    let relay_ns = format!("tr{pid}-r");
    lab.add_ns(&relay_ns).expect("relay namespace");
    // The relay's public address, reachable from every town's link; no forwarding between links.
    ip(&["-n", &relay_ns, "addr", "add", "10.88.0.1/32", "dev", "lo"]).expect("relay address");
    let no_forwarding = std::process::Command::new("ip")
        .args(["netns", "exec", &relay_ns, "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward"])
        .status()
        .expect("sh");
    assert!(no_forwarding.success(), "cannot turn forwarding off in the relay's namespace");
    let relay = Town { ns: relay_ns.clone(), dir: tmp.path().join("relay"), addr: "10.88.0.1".into() };

    let mut towns = Vec::new();
    for (n, x) in [(1, "a"), (2, "b"), (3, "s")] {
        let ns = format!("tr{pid}-{x}");
        lab.add_ns(&ns).expect("town namespace");
        let (gw, addr) = (format!("10.88.{n}.1"), format!("10.88.{n}.2"));
        let port = format!("v{x}");
        ip(&["-n", &relay_ns, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns", &ns])
            .expect("veth pair");
        ip(&["-n", &relay_ns, "addr", "add", &format!("{gw}/24"), "dev", &port]).expect("gateway address");
        ip(&["-n", &relay_ns, "link", "set", &port, "up"]).expect("port up");
        ip(&["-n", &ns, "addr", "add", &format!("{addr}/24"), "dev", "eth0"]).expect("address");
        ip(&["-n", &ns, "link", "set", "eth0", "up"]).expect("eth0 up");
        ip(&["-n", &ns, "route", "add", "10.88.0.1/32", "via", &gw]).expect("route to the relay");
        towns.push(Town { ns, dir: tmp.path().join(x), addr });
    }
    for t in towns.iter().chain([&relay]) {
        std::fs::create_dir_all(&t.dir).expect("data dir");
    }
    let (a, b, s) = (&towns[0], &towns[1], &towns[2]);

    let a_id = a.init("Saint-Pol-sur-Ternoise", "FR");
    let b_id = b.init("Warstein", "DE");
    s.init("Elsewhere", "AT");
    let relay_id = relay.init("Twinning association relay", "BE");
    let space =
        a.twin(&["space", "create", "Saint-Pol – Warstein"])["id"].as_str().expect("space").to_string();
    a.twin(&["space", "add", &space, &b_id, "--name", "Warstein"]);
    let plan = a.twin(&["doc", "new", &space, "--kind", "plan", "--title", "CIRCLE60"])["id"]
        .as_str()
        .expect("doc")
        .to_string();
    a.twin(&["doc", "add", &plan, "budget/lines", "category=travel", "amount=3800"]);

    // An association's relay, a member of no space, serving A and B by id.
    let relay_args = ["--relay", "--relay-allow", &a_id, "--relay-allow", &b_id];
    let (_, relay_node) = lab.start_with(&relay, &relay_args);
    let via = format!("{}/p2p/{relay_id}", relay.listen_addr());
    for t in [a, b, s] {
        lab.start_with(t, &["--relay-via", &via]);
    }

    // The towns' networks are apart: B cannot open a connection to A's own address.
    let direct = b.try_twin(&["dial", &format!("{}/p2p/{a_id}", a.listen_addr())]);
    assert!(direct.is_err(), "B reached A without the relay: {direct:?}");

    let took = wait_for("A holds a slot on the relay", SLOT_TIMEOUT, || reserved(a));
    eprintln!("A holds its slot after {took:?}");
    let circuit = format!("{via}/p2p-circuit/p2p/{a_id}");
    b.twin(&["dial", &circuit]);
    let took = wait_for("B holds the plan, through the relay", ARRIVE_TIMEOUT, || converged(&[a, b], &plan));
    eprintln!("B holds the plan {took:?} after dialing A through the relay");

    // A 2 MB document: three fields of 700,000 poorly compressible characters.
    let fields = ["summary", "context", "methodology"];
    let texts: Vec<(&str, String)> =
        fields.iter().enumerate().map(|(i, f)| (*f, noisy_text(700_000, i as u64))).collect();
    let started = Instant::now();
    let big = plan_with_texts(a, &space, "Big", &texts, tmp.path());
    let written = started.elapsed();
    wait_for("B holds the 2 MB document, through the relay", ARRIVE_TIMEOUT, || converged(&[a, b], &big));
    assert_eq!(chars_in(b, &big, &fields), 2_100_000, "every character arrived");
    eprintln!(
        "2 MB document: written on A in {written:?}, on B {:?} after the first edit",
        started.elapsed()
    );

    // Cut midway: the relay process dies while a 400,000-character text is on its way (every
    // circuit through it ends), then comes back on its address.
    let started = Instant::now();
    let text = plan_with_texts(a, &space, "Text", &[("summary", noisy_text(400_000, 7))], tmp.path());
    lab.kill(relay_node);
    let at_cut = chars_in(b, &text, &["summary"]);
    eprintln!(
        "relay killed {:?} after the text was written; B held {at_cut} of its characters",
        started.elapsed()
    );
    let (_, relay_node) = lab.start_with(&relay, &relay_args);
    wait_for("A holds a slot on the restarted relay", SLOT_TIMEOUT, || reserved(a));
    wait_for("B holds the text, through a renewed circuit", ARRIVE_TIMEOUT, || converged(&[a, b], &text));
    assert_eq!(chars_in(b, &text, &["summary"]), 400_000, "every character arrived");
    eprintln!("resumed: B holds the text {:?} after it was written", started.elapsed());

    // B's only link to A is relayed.
    let peers = b.twin(&["peers"]);
    let pa = peers.as_array().into_iter().flatten().find(|p| p["id"] == a_id.as_str()).expect("A listed");
    assert_eq!(pa["connection"], "relayed", "{pa}");

    // The stranger: no slot, and no circuit to A.
    assert!(!reserved(s), "the relay gave a stranger a slot");
    let refused = s.try_twin(&["dial", &circuit]);
    assert!(refused.is_err(), "a stranger opened a circuit to A: {refused:?}");
    // Refused by the relay itself (not lost on the way): libp2p names the relay's answer.
    let err = refused.err().unwrap_or_default();
    assert!(err.contains("resource limit exceeded"), "the relay did not refuse the stranger: {err}");
    // The relay learned nothing: it holds no document.
    lab.kill(relay_node);
    let docs = relay.twin(&["doc", "list"]);
    assert_eq!(docs.as_array().map(Vec::len), Some(0), "the relay holds documents: {docs}");
    drop(lab);
    eprintln!("netns relay test took {:?}", t0.elapsed());
}
