//! Helpers shared by the integration tests: run the real `twin` binary against a temporary data
//! dir, with every wait bounded by a timeout.
#![allow(dead_code)] // each test file uses a different subset

use std::{
    io::{BufRead as _, BufReader, Read, Write as _},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use serde_json::Value;
use tempfile::TempDir;

/// Network namespaces for the tests that need separate hosts.
pub(crate) mod netns;

/// The `twin` binary under test.
pub(crate) const TWIN: &str = env!("CARGO_BIN_EXE_twin");

/// Upper bound for one short `twin` command (they take ~50 ms; this leaves room for a loaded CI).
pub(crate) const CMD_TIMEOUT: Duration = Duration::from_secs(30);

/// `twin start` arguments for tests: loopback, free ports, no mDNS.
pub(crate) const START_ARGS: &[&str] =
    &["--listen", "/ip4/127.0.0.1/tcp/0", "--api", "127.0.0.1:0", "--no-mdns"];

/// The name the tour's town uses.
pub(crate) const SAINT_POL: &str = "Saint-Pol-sur-Ternoise";

/// Whether a test that needs a real component (network namespaces, Chromium) must run rather
/// than skip: always in CI (`CI` set and not `false`), or where `TWIN_REQUIRE_REAL=1`.
pub(crate) fn real_components_required() -> bool {
    let set = |v: &str| std::env::var(v).is_ok_and(|s| !s.is_empty() && s != "0" && s != "false");
    set("CI") || set("TWIN_REQUIRE_REAL")
}

/// What a finished command printed.
#[derive(Debug)]
pub(crate) struct Out {
    /// What was run, for failure messages.
    pub(crate) what: String,
    pub(crate) status: ExitStatus,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Out {
    /// Asserts success and returns self.
    #[track_caller]
    pub(crate) fn ok(self) -> Self {
        assert!(
            self.status.success(),
            "`{}` failed ({}):\nstdout: {}\nstderr: {}",
            self.what,
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts success and parses stdout as JSON.
    #[track_caller]
    pub(crate) fn json(self) -> Value {
        let out = self.ok();
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("`{}` printed invalid JSON ({e}):\n{}", out.what, out.stdout))
    }

    /// The lines of stderr that carry a message: blank lines and clap's usage hint removed.
    pub(crate) fn stderr_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter(|l| !l.starts_with("For more information, try '--help'"))
            .collect()
    }

    /// Asserts that the command failed with a non-zero exit, and that its error (the line of
    /// stderr starting with `error:`) mentions every one of `needles`. Returns the error line.
    /// Does not check that the error is the only line: see [`Out::assert_one_line`].
    #[track_caller]
    pub(crate) fn failed_with(&self, needles: &[&str]) -> String {
        assert!(
            !self.status.success(),
            "`{}` should have failed but succeeded:\nstdout: {}\nstderr: {}",
            self.what,
            self.stdout,
            self.stderr
        );
        assert!(
            self.status.code().is_some_and(|c| c != 0),
            "`{}` should exit with a non-zero code, not {}",
            self.what,
            self.status
        );
        let errors: Vec<&str> = self.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
        assert_eq!(
            errors.len(),
            1,
            "`{}` should print exactly one `error:` line; stderr:\n{}",
            self.what,
            self.stderr
        );
        let line = errors[0];
        for n in needles {
            assert!(line.contains(n), "`{}`: error should mention {n:?}; it is:\n{line}", self.what);
        }
        assert!(!self.stderr.contains("panicked"), "`{}` panicked:\n{}", self.what, self.stderr);
        line.to_string()
    }

    /// Asserts that stderr holds nothing but the one `error:` line (clap's `--help` hint aside).
    #[track_caller]
    pub(crate) fn assert_one_line(&self) {
        let lines = self.stderr_lines();
        assert!(
            lines.len() == 1 && lines[0].starts_with("error: "),
            "`{}` should print a one-line error on stderr, but printed {} line(s):\n{}",
            self.what,
            lines.len(),
            self.stderr
        );
    }

    /// `failed_with` and `assert_one_line` together.
    #[track_caller]
    pub(crate) fn fails(&self, needles: &[&str]) -> String {
        let line = self.failed_with(needles);
        self.assert_one_line();
        line
    }
}

/// Reads a pipe to its end on a thread.
fn drain<R: Read + Send + 'static>(r: Option<R>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut r) = r {
            let _ = r.read_to_end(&mut buf);
        }
        buf
    })
}

/// Waits for `child` to exit, at most `timeout`; on timeout kills it and panics.
#[track_caller]
pub(crate) fn wait_bounded(child: &mut Child, timeout: Duration, what: &str) -> ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(2)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("`{what}` did not finish within {timeout:?}; killed it");
            }
            Err(e) => panic!("waiting for `{what}`: {e}"),
        }
    }
}

/// Runs `cmd` to completion (bounded by `timeout`), feeding it `stdin` (or an empty stdin, so that
/// nothing ever waits for the terminal).
#[track_caller]
pub(crate) fn run_bounded(mut cmd: Command, stdin: Option<&[u8]>, timeout: Duration) -> Out {
    let what = format!(
        "{} {}",
        Path::new(cmd.get_program()).file_name().map(|f| f.to_string_lossy()).unwrap_or_default(),
        cmd.get_args().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ")
    );
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run `{what}`: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(input).expect("write stdin");
        drop(pipe);
    }
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let status = wait_bounded(&mut child, timeout, &what);
    let stdout = String::from_utf8_lossy(&out.join().expect("stdout reader")).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().expect("stderr reader")).into_owned();
    Out { what, status, stdout, stderr }
}

/// A `twin` command with the log filter left at its default (what users get).
pub(crate) fn twin_cmd(data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(TWIN);
    cmd.arg("--data-dir").arg(data_dir).args(args);
    cmd.env_remove("TWIN_DATA_DIR").env_remove("TWIN_OFFICER").env_remove("TWIN_LOG");
    // Messages, amounts and dates in English whatever the developer's locale.
    cmd.env("TWIN_LANG", "en");
    cmd
}

/// Runs `twin --data-dir DIR ARGS...`.
#[track_caller]
pub(crate) fn twin_at(data_dir: &Path, args: &[&str]) -> Out {
    run_bounded(twin_cmd(data_dir, args), None, CMD_TIMEOUT)
}

/// A node: a temporary data dir (deleted at the end of the test).
pub(crate) struct Node {
    tmp: TempDir,
    data: PathBuf,
}

impl Node {
    /// A temporary directory with no node in it yet.
    pub(crate) fn empty() -> Self {
        let tmp = tempfile::Builder::new().prefix("twin-test-").tempdir().expect("tempdir");
        let data = tmp.path().join("node");
        Self { tmp, data }
    }

    /// A node initialised with `twin init --name NAME --country CC`.
    #[track_caller]
    pub(crate) fn init(name: &str, country: &str) -> Self {
        let n = Self::empty();
        n.run(&["init", "--name", name, "--country", country]).ok();
        n
    }

    /// The data dir.
    pub(crate) fn dir(&self) -> &Path {
        &self.data
    }

    /// A scratch directory beside the data dir, for export files and the like.
    pub(crate) fn scratch(&self) -> &Path {
        self.tmp.path()
    }

    /// Runs a command on this node.
    #[track_caller]
    pub(crate) fn run(&self, args: &[&str]) -> Out {
        twin_at(&self.data, args)
    }

    /// Runs a command with `stdin`.
    #[track_caller]
    pub(crate) fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Out {
        run_bounded(twin_cmd(&self.data, args), Some(stdin), CMD_TIMEOUT)
    }

    /// Runs a command with `--json`, asserts success and parses its output.
    #[track_caller]
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        self.run(&a).json()
    }

    /// `twin id --json`.
    #[track_caller]
    pub(crate) fn id(&self) -> Value {
        self.json(&["id"])
    }

    /// Creates a space; returns its id.
    #[track_caller]
    pub(crate) fn space(&self, name: &str) -> String {
        id_text(&self.json(&["space", "create", name])["id"])
    }

    /// Creates a document; returns its id.
    #[track_caller]
    pub(crate) fn doc(&self, space: &str, kind: &str, title: &str) -> String {
        id_text(&self.json(&["doc", "new", space, "--kind", kind, "--title", title])["id"])
    }

    /// `doc show DOC --json`, or `None` if the command fails (e.g. the document has not
    /// arrived yet).
    pub(crate) fn try_show(&self, doc: &str) -> Option<Value> {
        let out = self.run(&["doc", "show", doc, "--json"]);
        if !out.status.success() {
            return None;
        }
        serde_json::from_str(&out.stdout).ok()
    }

    /// `doc show DOC --json`.
    #[track_caller]
    pub(crate) fn show(&self, doc: &str) -> Value {
        self.json(&["doc", "show", doc])
    }

    /// `doc history DOC --json` as an array, the whole of it (the tests' documents stay under
    /// one page of 1,000).
    #[track_caller]
    pub(crate) fn history(&self, doc: &str) -> Vec<Value> {
        self.json(&["doc", "history", doc, "--limit", "1000"])["entries"]
            .as_array()
            .expect("history has an array of entries")
            .clone()
    }

    /// `doc list [SPACE] --json` as an array.
    #[track_caller]
    pub(crate) fn list(&self, space: Option<&str>) -> Vec<Value> {
        let mut args = vec!["doc", "list"];
        args.extend(space);
        self.json(&args).as_array().expect("doc list is an array").clone()
    }

    /// Starts `twin start` in the background and waits (bounded) until it says it is running.
    #[track_caller]
    pub(crate) fn start(&self) -> Running {
        let mut running = self.spawn_start(&[]);
        running.wait_for_line(|l| l.contains("is running"), Duration::from_secs(20));
        running
    }

    /// Starts `twin --json start` and waits (bounded) for its `started` event, which names the
    /// listen addresses and the API.
    #[track_caller]
    pub(crate) fn start_json(&self) -> (Running, Value) {
        let mut running = self.spawn_start(&["--json"]);
        let line = running.wait_for_line(
            |l| serde_json::from_str::<Value>(l).is_ok_and(|v| v["event"] == "started"),
            Duration::from_secs(30),
        );
        let started: Value = serde_json::from_str(&line).expect("the started event is JSON");
        (running, started)
    }

    /// Starts `twin start EXTRA...` in the background, without waiting. The node listens on
    /// loopback only, on ports the system picks, without mDNS: tests run side by side and must
    /// neither collide on the default ports nor discover each other.
    pub(crate) fn spawn_start(&self, extra: &[&str]) -> Running {
        let mut args = vec!["start"];
        args.extend_from_slice(START_ARGS);
        args.extend_from_slice(extra);
        let mut cmd = twin_cmd(&self.data, &args);
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn twin start");
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped");
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = drain(child.stderr.take());
        Running { child: Some(child), lines: rx, seen: Vec::new(), stderr: Some(stderr) }
    }
}

/// A `twin start` process. Dropping it kills the process.
pub(crate) struct Running {
    child: Option<Child>,
    lines: mpsc::Receiver<String>,
    /// Lines of stdout seen so far.
    pub(crate) seen: Vec<String>,
    stderr: Option<thread::JoinHandle<Vec<u8>>>,
}

impl Running {
    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Waits (bounded) for a stdout line matching `pred`.
    #[track_caller]
    pub(crate) fn wait_for_line(&mut self, pred: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if pred(&line) {
                        return line;
                    }
                }
                Err(e) => {
                    let status = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
                    panic!(
                        "`twin start` did not print the expected line within {timeout:?} ({e}); exit status {status:?}; stdout so far: {:?}",
                        self.seen
                    );
                }
            }
        }
    }

    /// Sends SIGTERM (as a service manager would) and waits, bounded, for the exit. Returns the
    /// exit status, the rest of stdout, and stderr.
    #[track_caller]
    pub(crate) fn terminate(mut self) -> (ExitStatus, Vec<String>, String) {
        let pid = self.pid().to_string();
        run_bounded(
            {
                let mut c = Command::new("kill");
                c.args(["-TERM", &pid]);
                c
            },
            None,
            CMD_TIMEOUT,
        )
        .ok();
        let mut child = self.child.take().expect("running");
        let status = wait_bounded(&mut child, Duration::from_secs(20), "twin start (after SIGTERM)");
        let mut rest = Vec::new();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            rest.push(l);
        }
        let stderr = self.stderr.take().map(|h| h.join().expect("stderr reader")).unwrap_or_default();
        (status, rest, String::from_utf8_lossy(&stderr).into_owned())
    }

    /// Kills the process with SIGKILL and waits (bounded) until it is gone.
    pub(crate) fn kill9(mut self) {
        self.kill_now();
    }

    fn kill_now(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            wait_bounded(&mut child, Duration::from_secs(20), "twin start (after SIGKILL)");
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill_now();
    }
}

/// Saint-Pol-sur-Ternoise (founder) and Warstein, partners in a space with a plan that has
/// one budget line made from `line` (e.g. `["amount=1"]`). Returns A, B and the plan's id.
#[track_caller]
pub(crate) fn two_towns_with_plan(line: &[&str]) -> (Node, Node, String) {
    let a = Node::init(SAINT_POL, "FR");
    let b = Node::init("Warstein", "DE");
    let b_id = id_text(&b.id()["id"]);
    let space = a.space("St-Pol – Warstein");
    a.json(&["space", "add", &space, &b_id, "--name", "Warstein"]);
    let doc = a.doc(&space, "plan", "CIRCLE60");
    let mut add = vec!["doc", "add", &doc, "budget/lines"];
    add.extend_from_slice(line);
    a.json(&add);
    (a, b, doc)
}

/// Polls `f` every 20 ms until it holds; panics after `limit`. Returns how long it took.
#[track_caller]
pub(crate) fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) -> Duration {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if f() {
            return t0.elapsed();
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out after {limit:?} waiting for {what}");
}

/// Lower-case RFC 4648 base32 without padding: how Twinmesh prints ids.
pub(crate) fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let mut buf: u64 = 0;
    let mut bits = 0;
    for &b in bytes {
        buf = (buf << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buf >> bits) & 31) as usize] as char);
        }
        buf &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// The text of an id found in JSON output.
///
/// Ids should be base32 strings (as in the text output and in `doc show --json`); some outputs
/// currently give the raw bytes as an array of numbers instead. That is asserted against in
/// `cli_json.rs` (`json_outputs_give_ids_as_base32_strings`); here both forms are accepted so
/// that the other tests can still run.
#[track_caller]
pub(crate) fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => {
            let bytes: Vec<u8> =
                a.iter().map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()).expect("id byte")).collect();
            assert!(bytes.len() == 16 || bytes.len() == 32, "not an id: {v}");
            base32(&bytes)
        }
        other => panic!("not an id: {other}"),
    }
}

/// `2,600.00 EUR` from whole euros, as Twinmesh formats money.
pub(crate) fn eur(euros: u64) -> String {
    let digits = euros.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{grouped}.00 EUR")
}

/// True for `len` lower-case hex characters.
pub(crate) fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A small deterministic PRNG (xorshift64*), so runs are reproducible from the seed.
pub(crate) struct Prng(u64);

impl Prng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// A plan document with one budget line and a summary, ready for tests to poke at.
pub(crate) struct Fixture {
    pub(crate) node: Node,
    pub(crate) space: String,
    pub(crate) doc: String,
}

impl Fixture {
    #[track_caller]
    pub(crate) fn plan() -> Self {
        let node = Node::init(SAINT_POL, "FR");
        let space = node.space("Saint-Pol-sur-Ternoise – Wetter (Ruhr)");
        let doc = node.doc(&space, "plan", "Youth exchange 2026");
        node.run(&[
            "doc",
            "add",
            &doc,
            "budget/lines",
            "amount=3800",
            "category=travel",
            "description=Coach",
        ])
        .ok();
        node.run(&["doc", "text", &doc, "summary", "Forty young people meet in Wetter."]).ok();
        Self { node, space, doc }
    }

    /// Everything a failed command must leave untouched: the document, its history, the lists.
    #[track_caller]
    pub(crate) fn state(&self) -> State {
        State {
            show: self.node.show(&self.doc),
            // Likewise which signature proves a change: a node drops the signatures a later
            // change of the same town covers when it compacts (`verified_through` appears).
            history: without_proofs(self.node.history(&self.doc)),
            // How a document is laid out in the store (`incremental`: changes stored since its
            // last snapshot) changes without any edit: a node compacts when idle and on stop.
            docs: self
                .node
                .list(None)
                .into_iter()
                .map(|mut d| {
                    if let Some(o) = d.as_object_mut() {
                        o.remove("incremental");
                    }
                    d
                })
                .collect(),
            spaces: self.node.json(&["space", "list"]),
        }
    }
}

/// A history without `verified_through`: which signature proves a change changes without any
/// edit, when a node compacts a document and drops the signatures a later change of the same
/// town covers (docs/protocol.md, "Pruning").
pub(crate) fn without_proofs(history: Vec<Value>) -> Vec<Value> {
    history
        .into_iter()
        .map(|mut h| {
            if let Some(o) = h.as_object_mut() {
                o.remove("verified_through");
            }
            h
        })
        .collect()
}

/// A snapshot of a node's visible state.
#[derive(Debug, PartialEq)]
pub(crate) struct State {
    pub(crate) show: Value,
    pub(crate) history: Vec<Value>,
    pub(crate) docs: Vec<Value>,
    pub(crate) spaces: Value,
}
