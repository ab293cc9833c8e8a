//! End to end: two separate `twin start` processes on loopback, driven by `twin` commands.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(30);

fn twin(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_twin"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--json")
        .args(args)
        .output()
        .expect("run twin");
    assert!(out.status.success(), "twin {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json output")
}

/// A running `twin start`, stopped with SIGTERM (or killed) when dropped.
struct Running {
    child: Child,
    started: Value,
}

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
            .spawn()
            .expect("spawn twin start");
        let stdout = child.stdout.take().expect("stdout");
        // From here on the process is owned by a guard that kills it, even if we panic.
        let mut guard = Self { child, started: Value::Null };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let line = rx.recv_timeout(TIMEOUT).expect("node announced its start in time");
        let started: Value = serde_json::from_str(&line).expect("start event");
        assert_eq!(started["event"], "started");
        guard.started = started;
        guard
    }

    fn addr(&self) -> String {
        self.started["listen"][0].as_str().expect("listen addr").to_string()
    }

    /// Stops with SIGTERM and waits, bounded.
    fn stop(mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) -> Duration {
    let t0 = Instant::now();
    while t0.elapsed() < TIMEOUT {
        if f() {
            return t0.elapsed();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out waiting for {what}");
}

fn amount(dir: &Path, doc: &str) -> Option<f64> {
    let out = Command::new(env!("CARGO_BIN_EXE_twin"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--json", "doc", "show", doc])
        .output()
        .ok()?;
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    v["content"]["budget"]["lines"][0]["amount"].as_f64()
}

#[test]
fn two_town_processes_sync_live_and_after_a_restart() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    twin(a.path(), &["init", "--name", "Saint-Pol-sur-Ternoise", "--country", "FR"]);
    let b_id = twin(b.path(), &["init", "--name", "Warstein", "--country", "DE"])["id"]
        .as_str()
        .expect("id")
        .to_string();
    let space =
        twin(a.path(), &["space", "create", "St-Pol – Warstein"])["id"].as_str().expect("space").to_string();
    twin(a.path(), &["space", "add", &space, &b_id, "--name", "Warstein"]);
    let doc = twin(a.path(), &["doc", "new", &space, "--kind", "plan", "--title", "CIRCLE60"])["id"]
        .as_str()
        .expect("doc")
        .to_string();
    twin(a.path(), &["doc", "add", &doc, "budget/lines", "amount=3800", "category=travel"]);

    let node_a = Running::start(a.path());
    let node_b = Running::start(b.path());
    twin(b.path(), &["dial", &node_a.addr()]);
    wait_for("the plan to reach Warstein", || amount(b.path(), &doc) == Some(3800.0));

    // An edit through A's running node reaches B live.
    twin(a.path(), &["--officer", "C. Dufresne", "doc", "set", &doc, "budget/lines/0/amount", "4150"]);
    let took = wait_for("the edit to reach Warstein", || amount(b.path(), &doc) == Some(4150.0));
    eprintln!("live edit visible on the partner after {took:?} (includes polling by separate processes)");
    let peers = twin(b.path(), &["peers"]);
    assert_eq!(peers[0]["name"], "Saint-Pol-sur-Ternoise");
    assert_eq!(peers[0]["connected"], true);

    // B stops; A edits; B comes back and catches up by redialling the remembered partner.
    assert!(node_b.stop(), "clean shutdown on SIGTERM");
    assert!(!b.path().join("api.json").exists(), "api.json removed at shutdown");
    twin(a.path(), &["doc", "set", &doc, "budget/lines/0/amount", "4200"]);
    let node_b = Running::start(b.path());
    wait_for("Warstein to catch up after restart", || amount(b.path(), &doc) == Some(4200.0));
    let hist = twin(b.path(), &["doc", "history", &doc]);
    let hist = hist.as_array().expect("history");
    assert!(hist.iter().all(|e| e["signature"] == "verified"));
    assert!(hist.iter().any(|e| e["officer"] == "C. Dufresne" && e["author"] == "Saint-Pol-sur-Ternoise"));
    let sync = twin(b.path(), &["sync"]);
    assert_eq!(sync["peers"], 1);
    assert!(node_b.stop());
    assert!(node_a.stop());
}
