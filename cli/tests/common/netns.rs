//! A lab of Linux network namespaces for the tests that need separate hosts (`netns.rs`,
//! `netns_relay.rs`): namespaces, links, and `twin` processes inside them, all removed when the
//! lab is dropped, even on failure.
//!
//! Needs root and iproute2. Without them a test fails when `CI` or `TWIN_REQUIRE_REAL` is set
//! (CI must run it), and elsewhere prints one `SKIPPED:` line to stderr and passes.

use std::{
    io::{BufRead, BufReader, Read, Write},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use serde_json::Value;

use super::{TWIN, real_components_required};

/// Bound for one `ip` or `twin` command.
pub(crate) const NS_CMD_TIMEOUT: Duration = Duration::from_secs(20);

/// What a finished command printed.
pub(crate) struct NsOut {
    pub(crate) ok: bool,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `cmd` with stdin closed, killing it if it runs longer than `limit`.
pub(crate) fn run(mut cmd: Command, limit: Duration) -> Result<NsOut, String> {
    let what = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    let reader = |r: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out = reader(child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let err = reader(child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{what} did not finish within {limit:?}"));
            }
        }
    };
    Ok(NsOut {
        ok: status.success(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// `ip ARGS`, which must succeed.
pub(crate) fn ip(args: &[&str]) -> Result<(), String> {
    let mut cmd = Command::new("ip");
    cmd.args(args);
    let out = run(cmd, NS_CMD_TIMEOUT)?;
    if out.ok { Ok(()) } else { Err(format!("`ip {}` failed: {}", args.join(" "), out.stderr.trim())) }
}

/// Whether this test can create network namespaces; the reason if not.
fn netns_unavailable() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|l| l.split_whitespace().nth(1));
    if uid != Some("0") {
        return Some(format!("not running as root (effective uid {})", uid.unwrap_or("unknown")));
    }
    let probe = format!("twn{}-probe", std::process::id());
    if let Err(e) = ip(&["netns", "add", &probe]) {
        return Some(e);
    }
    if let Err(e) = ip(&["netns", "del", &probe]) {
        return Some(e);
    }
    None
}

/// True when the test may go on; false when it must skip (it printed why). Panics when
/// namespaces are unavailable where real components are required.
pub(crate) fn netns_or_skip() -> bool {
    let Some(reason) = netns_unavailable() else { return true };
    let reason = format!("network namespaces unavailable (need root and iproute2): {reason}");
    assert!(!real_components_required(), "{reason}; in CI this test must run");
    // Written to stderr directly, not with eprintln!, so the test harness does not capture it.
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
    false
}

/// A town: its namespace, data dir and the address it listens on.
pub(crate) struct Town {
    pub(crate) ns: String,
    pub(crate) dir: PathBuf,
    pub(crate) addr: String,
}

impl Town {
    /// `ip netns exec NS twin --data-dir DIR --json ARGS`, bounded.
    pub(crate) fn try_twin(&self, args: &[&str]) -> Result<Value, String> {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ns, TWIN]).arg("--data-dir").arg(&self.dir).arg("--json").args(args);
        cmd.env_remove("TWIN_DATA_DIR").env_remove("TWIN_LOG").env("TWIN_LANG", "en");
        let out = run(cmd, NS_CMD_TIMEOUT)?;
        if !out.ok {
            return Err(format!("twin {args:?} in {} failed: {}", self.ns, out.stderr.trim()));
        }
        serde_json::from_str(&out.stdout)
            .map_err(|e| format!("twin {args:?}: bad JSON ({e}): {}", out.stdout))
    }

    #[track_caller]
    pub(crate) fn twin(&self, args: &[&str]) -> Value {
        self.try_twin(args).unwrap_or_else(|e| panic!("{e}"))
    }

    pub(crate) fn show(&self, doc: &str) -> Option<Value> {
        self.try_twin(&["doc", "show", doc]).ok()
    }

    pub(crate) fn listen_addr(&self) -> String {
        format!("/ip4/{}/tcp/4001", self.addr)
    }

    /// `twin init` with a name and country; returns the town's id.
    #[track_caller]
    pub(crate) fn init(&self, name: &str, country: &str) -> String {
        self.twin(&["init", "--name", name, "--country", country])["id"].as_str().expect("id").to_string()
    }
}

/// Everything a test creates in the system: namespaces (with their links and bridges) and node
/// processes. Dropping it kills the processes, then deletes the namespaces.
pub(crate) struct Lab {
    namespaces: Vec<String>,
    nodes: Vec<Option<Child>>,
}

impl Lab {
    pub(crate) fn new() -> Self {
        Self { namespaces: Vec::new(), nodes: Vec::new() }
    }

    /// Creates namespace `name` with its loopback up.
    pub(crate) fn add_ns(&mut self, name: &str) -> Result<(), String> {
        ip(&["netns", "add", name])?;
        self.namespaces.push(name.to_string());
        ip(&["-n", name, "link", "set", "lo", "up"])
    }

    /// Starts `twin start` for `town` inside its namespace, listening on its address;
    /// returns the node's start event and a handle for [`Lab::kill`].
    pub(crate) fn start(&mut self, town: &Town) -> Value {
        self.start_with(town, &[]).0
    }

    /// [`Lab::start`] with more `twin start` arguments.
    pub(crate) fn start_with(&mut self, town: &Town, extra: &[&str]) -> (Value, usize) {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &town.ns, TWIN])
            .arg("--data-dir")
            .arg(&town.dir)
            .args(["--json", "start", "--no-mdns", "--listen", &town.listen_addr(), "--api", "127.0.0.1:0"])
            .args(extra)
            .env_remove("TWIN_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn twin start");
        let stdout = child.stdout.take().expect("stdout");
        // `ip netns exec` execs the command, so this pid is the node's; the lab kills it.
        self.nodes.push(Some(child));
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let line = rx.recv_timeout(NS_CMD_TIMEOUT).expect("node announced its start in time");
        let started: Value = serde_json::from_str(&line).expect("start event");
        assert_eq!(started["event"], "started", "{started}");
        (started, self.nodes.len() - 1)
    }

    /// Kills a node started by [`Lab::start_with`] (SIGKILL: its connections end at once).
    pub(crate) fn kill(&mut self, node: usize) {
        if let Some(mut child) = self.nodes.get_mut(node).and_then(Option::take) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for child in self.nodes.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Deleting a namespace deletes its interfaces: veth pairs and bridges go too.
        for ns in self.namespaces.iter().rev() {
            if let Err(e) = ip(&["netns", "del", ns]) {
                eprintln!("cleanup: {e}");
            }
        }
    }
}

/// A document's heads, sorted.
pub(crate) fn heads(v: &Value) -> Vec<String> {
    let mut h: Vec<String> =
        v["heads"].as_array().into_iter().flatten().filter_map(|x| x.as_str().map(String::from)).collect();
    h.sort();
    h
}

/// Polls `f` every 100 ms until it holds; panics after `limit`. Returns the time it took.
#[track_caller]
pub(crate) fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) -> Duration {
    let t0 = Instant::now();
    loop {
        if f() {
            return t0.elapsed();
        }
        assert!(t0.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        thread::sleep(Duration::from_millis(100));
    }
}

/// Whether all `towns` hold `doc` with the same heads and content.
pub(crate) fn converged(towns: &[&Town], doc: &str) -> bool {
    let shows: Vec<Option<Value>> = towns.iter().map(|t| t.show(doc)).collect();
    let Some(Some(first)) = shows.first() else { return false };
    !heads(first).is_empty()
        && shows
            .iter()
            .all(|s| s.as_ref().is_some_and(|s| heads(s) == heads(first) && s["content"] == first["content"]))
}
