//! Bad input: every refused command exits non-zero with a one-line error that names the problem,
//! and leaves the store exactly as it was.

mod common;

use std::{
    io::Write as _,
    path::Path,
    process::Stdio,
    thread,
    time::{Duration, Instant},
};

use common::{Fixture, Node, State};

/// A syntactically valid document id that no node has (26 base32 characters).
const UNKNOWN_DOC: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
/// A syntactically valid space id that no node has (52 base32 characters).
const UNKNOWN_SPACE: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// Runs each command, expects it to be refused with a one-line error mentioning `needles`, and
/// checks that the fixture's state did not change.
#[track_caller]
fn refused(fx: &Fixture, before: &State, cases: &[(&[&str], &[&str])]) {
    for (args, needles) in cases {
        fx.node.run(args).fails(needles);
    }
    assert_eq!(&fx.state(), before, "a refused command changed the store");
}

#[test]
fn unknown_document_id() {
    let fx = Fixture::plan();
    let before = fx.state();
    let d = UNKNOWN_DOC;
    refused(
        &fx,
        &before,
        &[
            (&["doc", "show", d], &["unknown document", d]),
            (&["doc", "show", d, "--markdown"], &["unknown document", d]),
            (&["doc", "history", d], &["unknown document", d]),
            (&["doc", "set", d, "budget/lines/0/amount", "1"], &["unknown document", d]),
            (&["doc", "text", d, "summary", "x"], &["unknown document", d]),
            (&["doc", "add", d, "budget/lines", "amount=1"], &["unknown document", d]),
            (&["doc", "remove", d, "budget/lines/0"], &["unknown document", d]),
        ],
    );
    // With --json the error is also on stdout, as JSON.
    let out = fx.node.run(&["doc", "show", d, "--json"]);
    out.fails(&["unknown document"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("--json error is JSON");
    assert!(v["error"].as_str().is_some_and(|e| e.contains(d)), "{v}");
    // Exporting an unknown document writes no file.
    let file = fx.node.scratch().join("unknown.twindoc");
    fx.node
        .run(&["doc", "export", d, "--output", file.to_str().expect("utf-8")])
        .fails(&["unknown document"]);
    assert!(!file.exists(), "a failed export left a file");
}

#[test]
fn unknown_space_id() {
    let fx = Fixture::plan();
    let before = fx.state();
    let s = UNKNOWN_SPACE;
    refused(
        &fx,
        &before,
        &[
            (&["doc", "list", s], &["unknown space", s]),
            (&["doc", "new", s, "--kind", "plan", "--title", "Orphan"], &["unknown space", s]),
        ],
    );
}

#[test]
fn malformed_ids() {
    let fx = Fixture::plan();
    let before = fx.state();
    refused(
        &fx,
        &before,
        &[
            // Too short.
            (&["doc", "show", "xyz"], &["'xyz'", "document id", "26 characters"]),
            // Right length, not base32.
            (&["doc", "show", "11111111111111111111111111"], &["document id", "base32"]),
            // A space id where a document id is expected.
            (&["doc", "show", &fx.space], &["document id"]),
            (&["doc", "set", "not-an-id", "status", "awarded"], &["'not-an-id'", "document id"]),
            // A document id where a space id is expected.
            (&["doc", "list", &fx.doc], &["space id", "52 characters"]),
            (&["doc", "new", "xyz", "--kind", "plan", "--title", "T"], &["'xyz'", "space id"]),
            (&["doc", "import", "/nonexistent", "--space", "xyz"], &["'xyz'", "space id"]),
            // A change hash that is not one.
            (&["doc", "show", &fx.doc, "--at", "zz"], &["'zz'", "change hash"]),
        ],
    );
}

#[test]
fn unknown_field_path() {
    let fx = Fixture::plan();
    let before = fx.state();
    let doc = fx.doc.as_str();
    refused(
        &fx,
        &before,
        &[
            (&["doc", "set", doc, "budget/foo", "3"], &["budget/foo"]),
            (&["doc", "set", doc, "budgett/lines/0/amount", "3"], &["budgett"]),
            (&["doc", "set", doc, "budget/lines/0/amountt", "3"], &["budget/lines/0/amountt"]),
            (&["doc", "text", doc, "summry", "x"], &["summry"]),
            (&["doc", "add", doc, "budget/linez", "amount=1"], &["budget/linez"]),
            (&["doc", "add", doc, "budget/lines", "amout=1"], &["amout"]),
            // A list item that does not exist.
            (&["doc", "set", doc, "budget/lines/7/amount", "3"], &["budget/lines", "7"]),
            (&["doc", "remove", doc, "budget/lines/7"], &["budget/lines", "7"]),
            // Fields Twinmesh maintains.
            (&["doc", "set", doc, "kind", "charter"], &["(kind)", "read-only"]),
            (&["doc", "set", doc, "budget/lines/0/id", "x"], &["budget/lines/0/id", "read-only"]),
            // A field of another kind (a charter's, on a plan).
            (&["doc", "set", doc, "agreement_type", "mou"], &["agreement_type"]),
        ],
    );
}

#[test]
fn wrong_value_type() {
    let fx = Fixture::plan();
    let before = fx.state();
    let doc = fx.doc.as_str();
    refused(
        &fx,
        &before,
        &[
            (
                &["doc", "set", doc, "budget/lines/0/amount", "abc"],
                &["budget/lines/0/amount", "amount in EUR", "abc"],
            ),
            (
                &["doc", "set", doc, "budget/lines/0/amount", "12.345"],
                &["budget/lines/0/amount", "amount in EUR"],
            ),
            (
                &["doc", "set", doc, "budget/lines/0/amount", "1.2.3"],
                &["budget/lines/0/amount", "amount in EUR"],
            ),
            (&["doc", "set", doc, "start", "2026-13-01"], &["(start)", "date"]),
            (&["doc", "set", doc, "start", "2026-02-30"], &["(start)", "date"]),
            (&["doc", "set", doc, "status", "won"], &["(status)", "one of", "awarded"]),
            (
                &["doc", "set", doc, "budget/lines/0/category", "coach"],
                &["budget/lines/0/category", "one of", "travel"],
            ),
            (
                &["doc", "add", doc, "budget/lines", "amount=lots"],
                &["budget/lines/1/amount", "amount in EUR"],
            ),
            (&["doc", "add", doc, "budget/lines", "amount"], &["'amount'", "name=value"]),
            // A text field set like a scalar, and a record set as a whole.
            (&["doc", "set", doc, "summary", "x"], &["'summary'", "text field", "doc text"]),
            (&["doc", "set", doc, "budget", "12"], &["(budget)"]),
        ],
    );
}

#[test]
fn out_of_range_and_malformed_values_are_refused_with_the_range() {
    let fx = Fixture::plan();
    let doc = fx.doc.as_str();
    fx.node.run(&["doc", "add", doc, "events", "title=Youth exchange"]).ok();
    fx.node.run(&["doc", "add", doc, "partners", "town=Wetter (Ruhr)"]).ok();
    fx.node.run(&["doc", "add", doc, "events/0/participants", "town=Wetter (Ruhr)"]).ok();
    let before = fx.state();
    refused(
        &fx,
        &before,
        &[
            // The line: two of them used to total -0.02 EUR.
            (
                &["doc", "set", doc, "budget/lines/0/amount", "92233720368547758.07"],
                &["budget/lines/0/amount", "out of range", "100,000,000.00"],
            ),
            (
                &["doc", "add", doc, "budget/lines", "amount=92233720368547758.07"],
                &["budget/lines/1/amount", "out of range"],
            ),
            (&["doc", "set", doc, "budget/lump_sum_requested", "-5"], &["lump_sum_requested", "from 0 to"]),
            (
                &["doc", "set", doc, "events/0/participants/0/youth", "-3"],
                &["events/0/participants/0/youth", "from 0 to 1000000", "-3"],
            ),
            (
                &["doc", "set", doc, "partners/0/country", "ZZZZ"],
                &["partners/0/country", "ISO 3166-1", "ZZZZ"],
            ),
        ],
    );
    // A negative budget line is a correction, and is allowed and marked.
    fx.node.run(&["doc", "add", doc, "budget/lines", "amount=-150", "description=Refund"]).ok();
    let md = fx.node.run(&["doc", "show", doc]).ok().stdout;
    assert!(md.contains("-€150.00 (correction)"), "{md}");
    assert!(md.contains("**€3,650.00**"), "3800 - 150: {md}");
}

#[test]
fn contact_email_must_be_an_address() {
    let node = Node::init(common::SAINT_POL, "FR");
    let space = node.space("Contacts space");
    let doc = node.doc(&space, "contacts", "Who is who");
    let out = node.run(&["doc", "add", &doc, "entries", "name=C. Dufresne", "email=not-an-email"]);
    out.fails(&["entries/0/email", "e-mail address", "not-an-email"]);
    node.run(&["doc", "add", &doc, "entries", "name=C. Dufresne", "email=c.dufresne@example.invalid"]).ok();
}

#[test]
fn doc_text_on_a_scalar_field() {
    let fx = Fixture::plan();
    let before = fx.state();
    let doc = fx.doc.as_str();
    refused(
        &fx,
        &before,
        &[
            (
                &["doc", "text", doc, "budget/lines/0/amount", "lots"],
                &["budget/lines/0/amount", "not text", "doc set"],
            ),
            (&["doc", "text", doc, "acronym", "YEX"], &["'acronym'", "not text"]),
            (&["doc", "text", doc, "budget/lines", "x"], &["'budget/lines'", "not text"]),
            (&["doc", "text", doc, "summary", "x", "--file", "/nonexistent"], &["not both"]),
            (
                &["doc", "text", doc, "summary", "--file", "/nonexistent/summary.txt"],
                &["/nonexistent/summary.txt"],
            ),
        ],
    );
}

fn key_file(node: &Node) -> Vec<u8> {
    std::fs::read(node.dir().join("identity.key")).expect("identity.key")
}

fn replaced_keys(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .expect("read data dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("identity.key.replaced-")))
        .collect();
    v.sort();
    v
}

#[test]
fn second_init_is_refused_without_force_and_keeps_the_old_key_with_force() {
    let fx = Fixture::plan();
    let before = fx.state();
    let id_before = fx.node.id();
    let key_before = key_file(&fx.node);
    assert_eq!(key_before.len(), 32);

    let out = fx.node.run(&["init", "--name", "Someone else", "--country", "DE"]);
    out.fails(&["already holds a node identity", "--force"]);
    assert_eq!(key_file(&fx.node), key_before, "a refused init changed identity.key");
    assert!(replaced_keys(fx.node.dir()).is_empty());
    assert_eq!(fx.node.id(), id_before);
    assert_eq!(fx.state(), before);

    // Bad values are refused before anything is touched, even with --force.
    fx.node
        .run(&["init", "--name", "X", "--country", "France", "--force"])
        .fails(&["'France'", "country code"]);
    fx.node.run(&["init", "--name", "", "--country", "FR", "--force"]).fails(&["municipality name"]);
    assert_eq!(key_file(&fx.node), key_before);
    assert!(replaced_keys(fx.node.dir()).is_empty(), "a refused init --force renamed the key");

    // With --force: a new identity, and the old key kept beside it.
    let new_id = fx.node.json(&["init", "--name", "Saint-Pol (new key)", "--country", "fr", "--force"]);
    assert_ne!(new_id["id"], id_before["id"]);
    assert_eq!(new_id["name"], "Saint-Pol (new key)");
    assert_eq!(new_id["country"], "FR");
    let backups = replaced_keys(fx.node.dir());
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(std::fs::read(&backups[0]).expect("backup"), key_before, "the backup must hold the old key");
    assert_ne!(key_file(&fx.node), key_before);
    assert_eq!(fx.node.id(), new_id);
    // The documents are still there, and the old changes still verify.
    assert_eq!(fx.node.show(&fx.doc), before.show);
    let history = fx.node.history(&fx.doc);
    assert_eq!(history.len(), before.history.len());
    assert!(history.iter().all(|e| e["signature"] == "verified"), "{history:?}");
}

#[test]
fn commands_on_a_missing_data_dir_say_to_run_init() {
    let node = Node::empty();
    for args in [
        &["id"][..],
        &["doc", "list"],
        &["space", "list"],
        &["space", "create", "S"],
        &["doc", "show", UNKNOWN_DOC],
        &["doc", "import", "/nonexistent"],
    ] {
        let out = node.run(args);
        let line = out.fails(&["twin init"]);
        assert!(line.contains(&node.dir().display().to_string()), "should name the data dir: {line}");
        assert!(!node.dir().exists(), "`{}` created the data dir", out.what);
    }
    // An empty directory is no node either.
    std::fs::create_dir_all(node.dir()).expect("mkdir");
    node.run(&["doc", "list"]).fails(&["twin init"]);
    assert_eq!(
        std::fs::read_dir(node.dir()).expect("read_dir").count(),
        0,
        "doc list wrote into an empty dir"
    );
}

/// A `twin doc text DOC summary` that waits for its text on standard input holds the store
/// meanwhile: a command run then must be refused with "in use", not wait or corrupt anything.
#[test]
fn a_store_held_by_another_command_is_refused_as_in_use() {
    let fx = Fixture::plan();
    let before = fx.state();
    let key_before = key_file(&fx.node);
    let doc = fx.doc.as_str();

    // Start the holder, and wait (bounded) until a probe finds the store in use. A probe that
    // collides with the holder's own opening makes the holder fail: start it again then.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut holder = None;
    loop {
        assert!(Instant::now() < deadline, "the stdin-waiting `doc text` never held the store");
        let child = holder.get_or_insert_with(|| {
            let mut cmd = common::twin_cmd(fx.node.dir(), &["doc", "text", doc, "summary"]);
            cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
            cmd.spawn().expect("spawn doc text")
        });
        if child.try_wait().expect("try_wait").is_some() {
            holder = None; // lost a race with a probe; try again
            continue;
        }
        let probe = fx.node.run(&["id"]);
        if !probe.status.success() && probe.stderr.contains("in use") {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let mut holder = holder.expect("holder");

    for args in [
        &["doc", "list"][..],
        &["doc", "show", doc],
        &["doc", "history", doc],
        &["doc", "set", doc, "budget/lines/0/amount", "1"],
        &["space", "create", "Another"],
        &["space", "list"],
        &["id"],
    ] {
        let line = fx.node.run(args).fails(&["in use"]);
        assert!(
            line.contains(&fx.node.dir().join("store").display().to_string()),
            "should name the store: {line}"
        );
    }
    // --json failures are JSON on stdout too.
    let out = fx.node.run(&["doc", "list", "--json"]);
    out.fails(&["in use"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON error");
    assert!(v["error"].as_str().is_some_and(|e| e.contains("in use")), "{v}");

    // The holder finishes its edit once its text arrives.
    let mut stdin = holder.stdin.take().expect("piped");
    stdin.write_all(b"Typed on the console.").expect("write stdin");
    drop(stdin);
    let status = common::wait_bounded(&mut holder, Duration::from_secs(30), "doc text (stdin)");
    assert!(status.success(), "the holder failed: {status}");
    assert_eq!(fx.node.show(doc)["content"]["summary"], "Typed on the console.");
    // Nothing else changed.
    let after = common::without_proofs(fx.node.history(doc));
    assert_eq!(after.len(), before.history.len() + 1);
    assert_eq!(&after[..before.history.len()], &before.history[..]);
    assert_eq!(fx.node.list(None).len(), before.docs.len());
    assert_eq!(
        fx.node.json(&["space", "list"]).as_array().map(Vec::len),
        before.spaces.as_array().map(Vec::len)
    );
    assert_eq!(key_file(&fx.node), key_before);
}

/// Only one node can run on a data dir: a second `twin start` is refused while the first runs,
/// and the first keeps serving.
#[test]
fn a_second_node_on_the_same_data_dir_is_refused() {
    let fx = Fixture::plan();
    let before = fx.state();
    let running = fx.node.start();
    let out = fx.node.run(&{
        let mut a = vec!["start"];
        a.extend_from_slice(common::START_ARGS);
        a
    });
    out.fails(&["in use"]);
    // The running node still answers (commands reach it through its API).
    assert_eq!(fx.state(), before);
    let (status, _, stderr) = running.terminate();
    assert!(status.success(), "{status}: {stderr}");
    assert_eq!(fx.state(), before);
}

/// `init --force` while the store is held by `twin start` must fail without touching the identity:
/// the key file must not be renamed away before the store is known to be free.
#[test]
fn init_force_on_a_locked_store_keeps_the_identity() {
    let fx = Fixture::plan();
    let before = fx.state();
    let id_before = fx.node.id();
    let key_before = key_file(&fx.node);
    let running = fx.node.start();
    fx.node.run(&["init", "--name", "Other", "--country", "DE", "--force"]).failed_with(&["in use"]);
    running.kill9();
    let key_now = std::fs::read(fx.node.dir().join("identity.key")).ok();
    assert_eq!(
        key_now.as_deref(),
        Some(&key_before[..]),
        "a failed `init --force` (store in use) must leave identity.key in place; the data dir now holds {:?}",
        std::fs::read_dir(fx.node.dir())
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect::<Vec<_>>())
            .unwrap_or_default()
    );
    assert_eq!(fx.node.id(), id_before);
    assert_eq!(fx.state(), before);
}

/// Node B with a document of its own, and an export file of node A's plan.
struct ImportSetup {
    a: Fixture,
    b: Node,
    export: Vec<u8>,
}

impl ImportSetup {
    fn new() -> Self {
        let a = Fixture::plan();
        a.node.run(&["doc", "set", &a.doc, "budget/lines/0/amount", "4150", "--officer", "C. Dufresne"]).ok();
        // B may hold A's documents (as a viewer); only the damage to the file is refused.
        let b = Node::init("Wetter (Ruhr)", "DE");
        let b_id = b.id()["id"].as_str().expect("id").to_string();
        a.node.run(&["space", "add", &a.space, &b_id, "--role", "viewer"]).ok();
        let file = a.node.scratch().join("plan.twindoc");
        a.node.run(&["doc", "export", &a.doc, "--output", file.to_str().expect("utf-8")]).ok();
        let export = std::fs::read(&file).expect("export file");
        let space = b.space("Wetter (Ruhr) – Gołdap");
        b.doc(&space, "minutes", "Steering group");
        Self { a, b, export }
    }

    fn b_state(&self) -> (Vec<serde_json::Value>, serde_json::Value) {
        (self.b.list(None), self.b.json(&["space", "list"]))
    }

    /// Writes `bytes` to a file and imports it into B, checking that it is refused and that
    /// neither B nor A changed. Returns the command's output.
    #[track_caller]
    fn refused(&self, name: &str, bytes: &[u8], needles: &[&str]) -> common::Out {
        let b_before = self.b_state();
        let a_before = self.a.state();
        let file = self.b.scratch().join(name);
        std::fs::write(&file, bytes).expect("write import file");
        let path = file.to_str().expect("utf-8");
        let out = self.b.run(&["doc", "import", path]);
        out.failed_with(needles);
        assert_eq!(self.b_state(), b_before, "a refused import changed node B");
        // Importing into the node that holds the document is refused too, and changes nothing.
        self.a.node.run(&["doc", "import", path]).failed_with(needles);
        assert_eq!(self.a.state(), a_before, "a refused import changed node A");
        out
    }
}

#[test]
fn import_of_a_random_file_is_refused() {
    let s = ImportSetup::new();
    let mut rng = common::Prng::new(0x7ab1e);
    let random: Vec<u8> = (0..4096).map(|_| rng.next_u64() as u8).collect();
    s.refused("random.bin", &random, &["cannot import", "not a Twinmesh document export"]).assert_one_line();
    // A text file that is nearly the magic is no export either.
    s.refused("notes.txt", b"TWINDOC is what we call it\n", &["cannot import"]).assert_one_line();
}

#[test]
fn import_of_an_empty_file_is_refused() {
    let s = ImportSetup::new();
    s.refused("empty.twindoc", b"", &["cannot import", "not a Twinmesh document export"]).assert_one_line();
}

#[test]
fn import_of_a_truncated_export_is_refused() {
    let s = ImportSetup::new();
    let n = s.export.len();
    for (i, len) in [n / 2, n - 1, 9].into_iter().enumerate() {
        s.refused(
            &format!("truncated-{i}.twindoc"),
            &s.export[..len],
            &["cannot import", "truncated or corrupt"],
        )
        .assert_one_line();
    }
    // The whole file still imports: the refusals were about the damage.
    let file = s.b.scratch().join("whole.twindoc");
    std::fs::write(&file, &s.export).expect("write");
    let report = s.b.json(&["doc", "import", file.to_str().expect("utf-8")]);
    assert_eq!(report["new_document"], true);
}

#[test]
fn import_of_an_export_with_a_flipped_byte_is_refused() {
    let s = ImportSetup::new();
    let mut flipped = s.export.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    let out = s.refused("flipped.twindoc", &flipped, &["cannot import", "corrupt"]);

    // A flipped byte in a change's signature is caught by verification. (The file ends with
    // the membership log, so the byte is found by decoding, not by its offset.)
    let mut file = twinmesh_protocol::export::DocExport::from_bytes(&s.export).expect("export");
    let last = file.signatures.len() - 1;
    file.signatures[last].1.0[10] ^= 0x01;
    let bad_sig = file.to_bytes();
    s.refused("bad-signature.twindoc", &bad_sig, &["cannot import", "nothing was imported"]);

    // The one error line is all the user should see (no extra log lines).
    out.assert_one_line();
}

/// True if the error line says the same thing twice, as in `a: b: b`.
fn repeats_itself(line: &str) -> bool {
    let parts: Vec<&str> = line.trim_start_matches("error: ").split(": ").collect();
    (1..parts.len()).any(|i| {
        let tail = parts[i..].join(": ");
        let before = parts[..i].join(": ");
        before.ends_with(&tail)
    })
}

/// An error message should say each thing once (not `X: Y: Y`).
#[test]
fn error_messages_do_not_repeat_themselves() {
    assert!(repeats_itself("error: cannot import: not an export: not an export"));
    assert!(repeats_itself("error: /a: Is a directory (os error 21): Is a directory (os error 21)"));
    assert!(!repeats_itself("error: cannot import: export file is truncated or corrupt: end of buffer"));

    let s = ImportSetup::new();
    let mut repeated = Vec::new();
    for (name, bytes) in
        [("random.bin", &b"hello, this is not an export"[..]), ("truncated.twindoc", &s.export[..20])]
    {
        let line = s.refused(name, bytes, &["cannot import"]).failed_with(&[]);
        if repeats_itself(&line) {
            repeated.push(line);
        }
    }
    // A space name that is refused.
    let line = s.b.run(&["space", "create", ""]).failed_with(&["space name"]);
    if repeats_itself(&line) {
        repeated.push(line);
    }
    // A data dir that cannot be created (its parent is a regular file).
    let file = s.b.scratch().join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let line =
        common::twin_at(&file.join("node"), &["init", "--name", "X", "--country", "FR"]).failed_with(&[]);
    if repeats_itself(&line) {
        repeated.push(line);
    }
    assert!(repeated.is_empty(), "these errors repeat themselves:\n{}", repeated.join("\n"));
}

#[test]
fn unknown_kind_and_bad_titles_are_refused() {
    let fx = Fixture::plan();
    let before = fx.state();
    let space = fx.space.as_str();
    refused(
        &fx,
        &before,
        &[
            (
                &["doc", "new", space, "--kind", "budget", "--title", "T"],
                &["'budget'", "charter, plan, minutes, contacts"],
            ),
            (&["doc", "new", space, "--kind", "plan", "--title", "  "], &["title"]),
        ],
    );
}

/// A reader that goes away (`twin doc list | head -1`) ends a command quietly: no panic about a
/// broken pipe, and the store is untouched.
#[test]
fn a_reader_that_goes_away_ends_a_command_quietly() {
    let fx = Fixture::plan();
    let before = fx.state();
    for args in [&["id"][..], &["doc", "list"], &["doc", "history", &fx.doc, "--json"]] {
        let mut child = common::twin_cmd(fx.node.dir(), args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn twin");
        // Close the read end before the command can write anything.
        drop(child.stdout.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            assert!(Instant::now() < deadline, "twin {args:?} did not end");
            thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).expect("read");
        assert!(!stderr.contains("panicked"), "twin {args:?}: {stderr}");
        assert!(status.success(), "twin {args:?}: {status}: {stderr}");
    }
    assert_eq!(fx.state(), before);
}
