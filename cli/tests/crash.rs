//! Crash safety: a node is killed with SIGKILL again and again while it receives a partner's
//! edits and makes its own; after each restart its store opens, every edit it acknowledged is
//! there, and it converges with the partner.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(30);

fn twin(dir: &Path, args: &[&str]) -> Result<Value, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_twin"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--json")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).to_string());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

struct Running(Child, Value);

impl Running {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_twin"))
            .arg("--data-dir")
            .arg(dir)
            .args([
                "--json",
                "start",
                "--no-mdns",
                "--listen",
                "/ip4/127.0.0.1/tcp/0",
                "--api",
                "127.0.0.1:0",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let mut me = Self(child, Value::Null);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let line = rx.recv_timeout(TIMEOUT).expect("node started in time (its store opened)");
        me.1 = serde_json::from_str(&line).expect("start event");
        me
    }

    fn kill9(mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A small deterministic PRNG (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn heads(dir: &Path, doc: &str) -> Option<Value> {
    twin(dir, &["doc", "show", doc]).ok().map(|v| v["heads"].clone())
}

#[test]
fn a_node_killed_mid_sync_and_mid_edit_loses_nothing_it_acknowledged() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    twin(a.path(), &["init", "--name", "Saint-Pol-sur-Ternoise", "--country", "FR"]).expect("init a");
    let b_id = twin(b.path(), &["init", "--name", "Warstein", "--country", "DE"]).expect("init b")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let space = twin(a.path(), &["space", "create", "St-Pol – Warstein"]).expect("space")["id"]
        .as_str()
        .expect("space")
        .to_string();
    twin(a.path(), &["space", "add", &space, &b_id, "--name", "Warstein"]).expect("add");
    let doc = twin(a.path(), &["doc", "new", &space, "--kind", "plan", "--title", "CIRCLE60"]).expect("doc")
        ["id"]
        .as_str()
        .expect("doc")
        .to_string();
    twin(a.path(), &["doc", "add", &doc, "budget/lines", "amount=1"]).expect("line");
    let node_a = Running::start(a.path());
    let a_addr = node_a.1["listen"][0].as_str().expect("addr").to_string();

    let mut rng = Rng(0x5eed_1234);
    let mut acknowledged: Vec<String> = Vec::new();
    let mut n = 0;
    for round in 0..6 {
        let node_b = Running::start(b.path());
        if round == 0 {
            twin(b.path(), &["dial", &a_addr]).expect("dial");
        }
        // A edits (B receives), B edits (B acknowledges), then B dies at a random moment.
        let kill_after = Duration::from_millis(50 + rng.next() % 250);
        let t0 = Instant::now();
        while t0.elapsed() < kill_after {
            n += 1;
            let _ = twin(a.path(), &["doc", "set", &doc, "budget/lines/0/amount", &n.to_string()]);
            let value = format!("B-{round}-{n}");
            if twin(b.path(), &["doc", "set", &doc, "acronym", &value]).is_ok() {
                acknowledged.push(value);
            }
        }
        node_b.kill9();
    }
    // After the last kill: the store opens, every acknowledged edit is in the history.
    let node_b = Running::start(b.path());
    let hist = twin(b.path(), &["doc", "history", &doc]).expect("history");
    let messages: Vec<String> = hist
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["author"] == "Warstein")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(!acknowledged.is_empty(), "no edit was acknowledged at all");
    // Every change present is stored with its signature (a change applied from Automerge's
    // queue once lost its signature, and a restart then hid every change built on it).
    let unsigned: Vec<&Value> =
        hist.as_array().expect("history").iter().filter(|e| e["signature"] != "verified").collect();
    assert!(unsigned.is_empty(), "changes without a verified signature: {unsigned:?}");
    for v in &acknowledged {
        assert!(
            messages.iter().any(|m| m.contains(&format!("'{v}'"))),
            "acknowledged edit {v} is lost; acknowledged: {acknowledged:?}; B's history: {messages:?}"
        );
    }
    // And B converges with A again (B redials A, remembered across the kills).
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let (ha, hb) = (heads(a.path(), &doc), heads(b.path(), &doc));
        if ha.is_some() && ha == hb {
            break;
        }
        assert!(Instant::now() < deadline, "A and B did not converge after the kills");
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("{} acknowledged edits by B over 6 kills, {n} edits by A", acknowledged.len());
    drop(node_b);
    drop(node_a);
}
