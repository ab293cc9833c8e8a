//! Durability: every edit is its own process, `twin start` can be stopped or killed, and an edit
//! acknowledged by a zero exit is never lost, even when processes are killed with SIGKILL at
//! random moments.

mod common;

use std::{
    process::Stdio,
    thread,
    time::{Duration, Instant},
};

use common::{Node, Prng, SAINT_POL, eur, twin_cmd, wait_bounded, without_proofs};
use serde_json::{Value, json};

#[test]
fn edits_by_separate_processes_survive_restarts() {
    let node = Node::init(SAINT_POL, "FR");
    let id = node.id();
    let space = node.space("Saint-Pol-sur-Ternoise – Wetter (Ruhr)");
    let doc = node.doc(&space, "plan", "Youth exchange 2026");
    node.run(&["doc", "add", &doc, "budget/lines", "amount=3800", "category=travel"]).ok();
    node.run(&["doc", "set", &doc, "budget/lines/0/amount", "4150"]).ok();
    node.run(&["doc", "text", &doc, "summary", "Forty young people meet in Wetter."]).ok();
    node.run(&["doc", "set", &doc, "start", "2026-07-06"]).ok();
    let expect = |shown: &Value| {
        let c = &shown["content"];
        assert_eq!(c["budget"]["lines"][0]["amount"], json!(4150.0), "{shown}");
        assert_eq!(c["summary"], "Forty young people meet in Wetter.");
        assert_eq!(c["start"], "2026-07-06");
    };
    let shown = node.show(&doc);
    expect(&shown);
    let history = node.history(&doc);
    assert_eq!(history.len(), 5);

    // A node run that is stopped cleanly (SIGTERM) leaves everything in place.
    let running = node.start();
    assert!(running.seen.iter().any(|l| l.contains(SAINT_POL)), "{:?}", running.seen);
    let (status, rest, stderr) = running.terminate();
    assert!(status.success(), "twin start should exit 0 on SIGTERM, got {status}; stderr: {stderr}");
    assert!(rest.iter().any(|l| l == "stopped"), "twin start should say it stopped: {rest:?}");
    assert_eq!(node.show(&doc), shown);
    assert_eq!(without_proofs(node.history(&doc)), without_proofs(history));
    assert_eq!(node.id(), id);

    // Edits after the restart land on top.
    node.run(&["doc", "set", &doc, "end", "2026-07-12"]).ok();

    // A node run that is killed outright leaves the store usable too.
    let running = node.start();
    thread::sleep(Duration::from_millis(50));
    running.kill9();
    let after_kill = node.show(&doc);
    expect(&after_kill);
    assert_eq!(after_kill["content"]["end"], "2026-07-12");
    assert_eq!(node.history(&doc).len(), 6);
    node.run(&["doc", "set", &doc, "acronym", "YEX26"]).ok();
    assert_eq!(node.show(&doc)["content"]["acronym"], "YEX26");

    // `twin start --json` announces itself as one JSON object (on one line or several).
    let mut running = node.spawn_start(&["--json"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let event: Value = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        running.wait_for_line(|_| true, left);
        if let Ok(v) = serde_json::from_str(&running.seen.join("\n")) {
            break v;
        }
    };
    running.kill9();
    assert_eq!(event["event"], "started");
    assert_eq!(event["id"], id["id"]);
    assert_eq!(event["name"], SAINT_POL);
}

/// How one `doc set` process ended.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    /// Exited 0: the edit was acknowledged.
    Acknowledged,
    /// Killed by our SIGKILL before it exited.
    Killed,
}

/// Runs `doc set DOC budget/lines/0/amount N` and kills it after `delay`, unless it has exited.
fn set_and_maybe_kill(node: &Node, doc: &str, n: u64, delay: Duration) -> Fate {
    let amount = n.to_string();
    let mut cmd = twin_cmd(node.dir(), &["doc", "set", doc, "budget/lines/0/amount", &amount]);
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn doc set");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    thread::sleep(delay);
    // SIGKILL; harmless if the process has already exited (it is not reaped until we wait).
    let _ = child.kill();
    let status = wait_bounded(&mut child, Duration::from_secs(30), "doc set");
    let stderr = reader.join().expect("stderr reader");
    if status.success() {
        return Fate::Acknowledged;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            status.signal(),
            Some(9),
            "`doc set {n}` failed by itself ({status}) after earlier processes were killed:\n{stderr}"
        );
    }
    Fate::Killed
}

/// The new amount in a history message `budget/lines/0/amount: 'OLD' -> 'NEW'`.
fn new_amount(message: &str) -> Option<&str> {
    message.strip_prefix("budget/lines/0/amount: ")?.split(" -> ").nth(1)
}

#[test]
fn sigkill_never_loses_an_acknowledged_edit() {
    let node = Node::init(SAINT_POL, "FR");
    let space = node.space("Saint-Pol-sur-Ternoise – Wetter (Ruhr)");
    let doc = node.doc(&space, "plan", "Youth exchange 2026");
    node.run(&["doc", "add", &doc, "budget/lines", "amount=0", "category=travel"]).ok();

    // How long one edit takes here, so that kills land before, during and after the commit.
    let t = Instant::now();
    node.run(&["doc", "set", &doc, "budget/lines/0/amount", "0.5"]).ok();
    let typical = t.elapsed().max(Duration::from_millis(5));
    let window_us = (typical.as_micros() as u64) * 3 / 2;

    let seed = 0x5eed_2026;
    let mut rng = Prng::new(seed);
    let mut fates = Vec::new();
    for n in 1..=40u64 {
        let delay = Duration::from_micros(rng.below(window_us));
        fates.push((n, set_and_maybe_kill(&node, &doc, n, delay)));
    }
    let acked: Vec<u64> = fates.iter().filter(|(_, f)| *f == Fate::Acknowledged).map(|(n, _)| *n).collect();
    let killed = fates.len() - acked.len();
    let context = format!("seed {seed:#x}, window {window_us} us, fates {fates:?}");
    eprintln!("{killed} of {} edits killed; {context}", fates.len());
    assert!(killed > 0 && !acked.is_empty(), "expected both killed and acknowledged edits: {context}");

    // The store opens, and the history holds every acknowledged edit, in order.
    let history = node.history(&doc);
    assert!(history.iter().all(|e| e["signature"] == "verified"), "{history:?}");
    let landed: Vec<String> = history
        .iter()
        .filter_map(|e| new_amount(e["message"].as_str().unwrap_or_default()).map(str::to_string))
        .collect();
    let attempted: Vec<String> = (1..=40).map(|n| format!("'{}'", eur(n))).collect();
    assert_eq!(landed.first().map(String::as_str), Some("'0.50 EUR'"), "{landed:?}");
    let landed_n: Vec<u64> = landed[1..]
        .iter()
        .map(|v| {
            let i = attempted
                .iter()
                .position(|a| a == v)
                .unwrap_or_else(|| panic!("history holds a value never attempted: {v}; {context}"));
            i as u64 + 1
        })
        .collect();
    assert!(landed_n.windows(2).all(|w| w[0] < w[1]), "edits landed out of order: {landed_n:?}; {context}");
    let missing: Vec<u64> = acked.iter().copied().filter(|n| !landed_n.contains(n)).collect();
    assert!(missing.is_empty(), "acknowledged edits missing from the history: {missing:?}; {context}");
    // Each landed change after the first reports the previous landed value as the old one.
    for w in history.windows(2) {
        let (prev, next) =
            (w[0]["message"].as_str().unwrap_or_default(), w[1]["message"].as_str().unwrap_or_default());
        if let (Some(p), Some(n)) = (new_amount(prev), next.strip_prefix("budget/lines/0/amount: ")) {
            assert!(n.starts_with(&format!("{p} -> ")), "'{next}' does not follow '{prev}'; {context}");
        }
    }

    // The value shown is the last acknowledged one, or a later attempt that landed anyway.
    let shown = node.show(&doc)["content"]["budget"]["lines"][0]["amount"].as_f64().expect("amount");
    let last_acked = *acked.last().expect("some acknowledged edit");
    let last_landed = *landed_n.last().expect("some edit landed");
    assert_eq!(shown, last_landed as f64, "doc show disagrees with the history; {context}");
    assert!(
        last_landed >= last_acked,
        "the last acknowledged edit ({last_acked}) was overwritten by an earlier one; {context}"
    );

    // The bookkeeping agrees with the history, and the store takes new edits.
    assert_eq!(node.list(None)[0]["changes"], json!(history.len()), "doc list count vs history; {context}");
    node.run(&["doc", "set", &doc, "budget/lines/0/amount", "1000"]).ok();
    assert_eq!(node.show(&doc)["content"]["budget"]["lines"][0]["amount"], json!(1000.0));
    assert_eq!(node.history(&doc).len(), history.len() + 1);
}

/// What a SIGKILL (or a Ctrl-C, or a power cut) leaves behind when it lands while the store
/// writes its snapshot file: every `twin` command that opens the store after another one wrote
/// to it first writes a fresh snapshot to `store/snap.<LSN>.generating`, then renames it. This
/// recreates the debris of a kill between the two steps (an empty `.generating` file) and expects
/// the store to open with everything acknowledged before.
///
/// This test knows the sled backend's file names; if the backend changes, it fails with a message
/// saying so rather than passing without checking anything.
#[test]
fn a_snapshot_write_cut_short_does_not_brick_the_store() {
    let node = Node::init(SAINT_POL, "FR");
    let space = node.space("Saint-Pol-sur-Ternoise – Wetter (Ruhr)");
    let doc = node.doc(&space, "plan", "Youth exchange 2026");
    node.run(&["doc", "add", &doc, "budget/lines", "amount=3800", "category=travel"]).ok();
    node.run(&["doc", "set", &doc, "budget/lines/0/amount", "4150"]).ok();
    let shown = node.show(&doc);
    let history = node.history(&doc);

    let store = node.dir().join("store");
    let snapshots: Vec<String> = std::fs::read_dir(&store)
        .expect("read store dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("snap.") && !n.ends_with(".generating"))
        .collect();
    assert!(
        !snapshots.is_empty(),
        "no sled snapshot file in {}: this test simulates sled crash debris; rewrite it for the new backend",
        store.display()
    );
    // A later process was killed right after creating its snapshot file.
    let mut last = snapshots.clone();
    last.sort();
    let debris = store.join(format!("{}.generating", last.last().expect("a snapshot")));
    std::fs::File::create(&debris).expect("create debris");

    let out = node.run(&["doc", "show", &doc, "--json"]);
    assert!(
        out.status.success(),
        "the store no longer opens after a process was killed while writing {}: {}",
        debris.file_name().map(|f| f.to_string_lossy()).unwrap_or_default(),
        out.stderr.trim()
    );
    assert_eq!(out.json(), shown);
    assert_eq!(node.history(&doc), history);
    node.run(&["doc", "set", &doc, "budget/lines/0/amount", "4200"]).ok();
    assert_eq!(node.show(&doc)["content"]["budget"]["lines"][0]["amount"], json!(4200.0));
}

/// Every file and directory under `dir` (not `dir` itself) that other users may read or enter.
#[cfg(unix)]
fn open_to_others(dir: &std::path::Path) -> (usize, Vec<String>) {
    use std::os::unix::fs::PermissionsExt;
    let (mut seen, mut open) = (0, Vec::new());
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let meta = entry.path().symlink_metadata().expect("metadata");
        seen += 1;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            open.push(format!("{} ({mode:o})", entry.path().display()));
        }
        if meta.is_dir() {
            let (s, o) = open_to_others(&entry.path());
            seen += s;
            open.extend(o);
        }
    }
    (seen, open)
}

#[cfg(unix)]
#[test]
fn a_data_dir_that_exists_open_gets_an_owner_only_store_and_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let node = Node::empty();
    // `mkdir -m 755 D; twin --data-dir D init ...`
    std::fs::create_dir(node.dir()).expect("mkdir");
    std::fs::set_permissions(node.dir(), std::fs::Permissions::from_mode(0o755)).expect("chmod 755");
    let init = node.run(&["init", "--name", SAINT_POL, "--country", "FR"]).ok();
    let dir = node.dir().display().to_string();
    assert!(
        init.stderr.contains("warning")
            && init.stderr.contains("open to other users")
            && init.stderr.contains(&dir),
        "init warns about the open data dir: {}",
        init.stderr
    );
    let (seen, open) = open_to_others(node.dir());
    assert!(seen >= 4, "the key and the store's files were looked at ({seen})");
    assert!(open.is_empty(), "after init, owner-only: {open:?}");
    // A running node writes the token, api.json and more of sled's files.
    let running = node.start();
    let space = node.space("Saint-Pol – Warstein");
    node.doc(&space, "plan", "CIRCLE60");
    let (seen, open) = open_to_others(node.dir());
    assert!(node.dir().join("api.token").exists() && node.dir().join("api.json").exists());
    assert!(open.is_empty(), "while the node runs ({seen} entries), owner-only: {open:?}");
    let (_, _, stderr) = running.terminate();
    assert!(stderr.contains("open to other users"), "start warns about the open data dir: {stderr}");
    let (_, open) = open_to_others(node.dir());
    assert!(open.is_empty(), "after the node stopped, owner-only: {open:?}");
    // The data dir itself is the operator's to change; twin only warns.
    let mode = std::fs::metadata(node.dir()).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o755);
}
