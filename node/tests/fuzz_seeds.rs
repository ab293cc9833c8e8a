//! The seed corpus of the fuzz targets (node/fuzz, docs/fuzzing.md): real files made by a real
//! node. This test makes them afresh and checks they decode, and checks that every committed
//! seed still decodes with the decoder its target fuzzes (so a format change cannot leave the
//! fuzzers starting from files the decoders refuse at the first byte).
//!
//! To write the seeds again: `TWIN_WRITE_FUZZ_SEEDS=1 cargo test -p twinmesh-node --test fuzz_seeds`.

mod common;

use std::path::{Path, PathBuf};

use automerge::{Automerge, sync::SyncDoc, transaction::Transactable};
use common::frame;
use libp2p::{StreamProtocol, request_response::Codec};
use twinmesh_node::{
    DataDir, Engine,
    api::{EditSpec, Envelope, Request},
    engine::{Ticket, sync::open_round},
    http::parse_json,
    net::{Inbound, SyncCodec},
};
use twinmesh_protocol::{
    export::{Bundle, DocExport},
    ids::DocId,
    keys::SecretKey,
    membership::{Role, SignedOp},
    schema::DocKind,
    space::SignedSpace,
    time::Timestamp,
    wire::{self, ChunkSignatures, Version},
};

/// Whether a seed is a valid input of its target's decoder.
type Decodes = fn(&[u8]) -> bool;

/// The fuzz targets, each with the check that a seed is a valid input of its decoder.
const TARGETS: [(&str, Decodes); 7] = [
    ("wire_frame", wire_frame_decodes),
    ("export_file", |b| DocExport::from_bytes(b).is_ok()),
    ("bundle", |b| Bundle::from_bytes(b).is_ok()),
    ("ticket", |b| std::str::from_utf8(b).is_ok_and(|t| Ticket::decode(t, Timestamp(0)).is_ok())),
    ("membership_ops", |b| {
        wire::decode::<SignedOp>(b).is_ok_and(|op| op.verify())
            || wire::decode::<(SignedSpace, Vec<SignedOp>)>(b).is_ok()
    }),
    ("sync_message", |b| {
        open_round(&DocId::from_bytes([1; 16]), Some(b), &ChunkSignatures::Hashed(vec![])).is_ok()
    }),
    ("http_edit_body", |b| parse_json::<Envelope>(b).is_ok()),
];

/// The `wire_frame` selector bits of the version at `index` of [`Version::ALL`]: bits 0-1 and 4.
fn selector(index: usize) -> u8 {
    (index as u8 & 3) | ((index as u8 & 4) << 2)
}

/// What the `wire_frame` target does with its input (selector byte, then a frame body).
fn wire_frame_decodes(data: &[u8]) -> bool {
    let Some((&sel, body)) = data.split_first() else { return false };
    let version = Version::ALL[usize::from((sel & 3) | ((sel >> 2) & 4)) % Version::ALL.len()];
    let protocol = StreamProtocol::new(version.protocol());
    let stream = if sel & 8 != 0 { body.to_vec() } else { frame(body) };
    let mut io = futures::io::Cursor::new(stream);
    futures::executor::block_on(async {
        if sel & 4 == 0 {
            matches!(SyncCodec.read_request(&protocol, &mut io).await, Ok(Inbound::Request(_)))
        } else {
            SyncCodec.read_response(&protocol, &mut io).await.is_ok()
        }
    })
}

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("seeds")
}

/// The seeds, made by a real node: (target, file name, bytes).
async fn make_seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut e = Engine::init(&DataDir::new(dir.path()), "Saint-Pol-sur-Ternoise", "FR", false).expect("init");
    let partner = SecretKey::from_bytes([0x21; 32]);
    let space = e.create_space("St-Pol – Warstein").expect("space").id;
    let add = e.add_member(&space, partner.public(), "Warstein", Role::Editor).expect("add");
    let doc = e.create_doc(&space, DocKind::Plan, "CIRCLE60", None).expect("doc").id;
    let edits = vec![
        EditSpec::Set { path: "acronym".into(), value: "TWIN".into() },
        EditSpec::Add { list: "budget/lines".into(), fields: vec![("amount".into(), "3000".into())] },
        EditSpec::Text { path: "summary".into(), text: "Twinning St-Pol and Warstein".into() },
    ];
    let body = |edits: Vec<EditSpec>| {
        serde_json::to_vec(&Envelope {
            officer: Some("M. Dupont".into()),
            request: Request::DocEdit { doc, edits, message: Some("budget".into()), lang: None },
        })
        .expect("json")
    };
    let mut seeds: Vec<(&str, String, Vec<u8>)> = Vec::new();
    seeds.push(("http_edit_body", "edit".into(), body(edits.clone())));
    seeds.push((
        "http_edit_body",
        "remove".into(),
        body(vec![EditSpec::Remove { item: "budget/lines/0".into() }]),
    ));
    twinmesh_node::api::handle(
        &mut e,
        Envelope { officer: None, request: Request::DocEdit { doc, edits, message: None, lang: None } },
    )
    .expect("edit");

    seeds.push(("export_file", "plan".into(), e.export(&doc).expect("export")));
    seeds.push(("bundle", "space".into(), e.bundle_export(&space, None).expect("bundle").bytes));
    let ticket =
        e.invite(&space, Role::Editor, 10 * 365 * 24 * 3600 * 1000, vec!["/ip4/127.0.0.1/tcp/4001".into()]);
    seeds.push(("ticket", "editor".into(), ticket.expect("invite").into_bytes()));
    seeds.push(("membership_ops", "add".into(), wire::encode(&add)));
    let log = e.member_ops(&space).expect("ops");
    seeds.push((
        "membership_ops",
        "space_and_log".into(),
        wire::encode(&(e.space(&space).expect("space"), log)),
    ));

    // Sync messages both ways: the node's first round, and the partner's answer, whose Bloom
    // filter lists what it holds.
    let first = e.sync_start(&partner.public(), &doc).expect("sync").expect("a round");
    let message = first.message.clone().expect("a message");
    seeds.push(("sync_message", "first_round".into(), message.clone()));
    let saved = DocExport::from_bytes(&e.export(&doc).expect("export")).expect("export").saved;
    let mut theirs = Automerge::load(&saved).expect("load");
    let mut tx = theirs.transaction();
    tx.put(automerge::ROOT, "acronym", "W-TWIN").expect("put");
    tx.commit();
    let mut state = automerge::sync::State::new();
    let _ = theirs.generate_sync_message(&mut state);
    theirs
        .receive_sync_message(&mut state, automerge::sync::Message::decode(&message).expect("decode"))
        .expect("receive");
    if let Some(reply) = theirs.generate_sync_message(&mut state) {
        seeds.push(("sync_message", "answer_with_bloom".into(), reply.encode()));
    }

    // Frames of every version, requests and responses; the snapshot is large enough to be
    // compressed on versions 3 and 4.
    let hello = e.hello_for(&partner.public()).expect("hello");
    let me = e.me().clone();
    let snapshot = e.snapshot_for(&partner.public(), &doc).expect("snapshot");
    let requests = [
        ("hello", wire::Request::Hello { from: me.clone(), spaces: hello.clone() }),
        ("sync", wire::Request::Sync(first.clone())),
        ("fetch", wire::Request::Fetch { space, doc }),
        ("snapshot", wire::Request::Snapshot(snapshot)),
    ];
    let responses = [
        ("hello", wire::Response::Hello { from: me, spaces: hello }),
        ("sync", wire::Response::Sync(first)),
        ("refused", wire::Response::Refused(wire::Refusal::NotAMember)),
    ];
    for (i, version) in Version::ALL.into_iter().enumerate() {
        let protocol = StreamProtocol::new(version.protocol());
        for (name, req) in &requests {
            let mut out = futures::io::Cursor::new(Vec::new());
            if SyncCodec.write_request(&protocol, &mut out, req.clone().into()).await.is_ok() {
                let mut seed = vec![selector(i)];
                seed.extend_from_slice(&out.into_inner()[4..]);
                seeds.push(("wire_frame", format!("v{}_request_{name}", 5 - i), seed));
            }
        }
        for (name, res) in &responses {
            let mut out = futures::io::Cursor::new(Vec::new());
            if SyncCodec.write_response(&protocol, &mut out, res.clone()).await.is_ok() {
                let mut seed = vec![selector(i) | 4];
                seed.extend_from_slice(&out.into_inner()[4..]);
                seeds.push(("wire_frame", format!("v{}_response_{name}", 5 - i), seed));
            }
        }
    }
    seeds
}

#[tokio::test]
async fn the_fuzz_seeds_are_real_inputs_that_decode() {
    let seeds = make_seeds().await;
    for (target, check) in TARGETS {
        let made: Vec<_> = seeds.iter().filter(|(t, _, _)| *t == target).collect();
        assert!(!made.is_empty(), "no seed made for {target}");
        for (_, name, bytes) in &made {
            assert!(check(bytes), "{target}/{name}: a fresh seed does not decode");
        }
    }
    let compressed = seeds
        .iter()
        .filter(|(t, n, b)| *t == "wire_frame" && n.starts_with("v4") && b[1] == wire::FRAME_DEFLATE);
    assert!(compressed.count() > 0, "a compressed version 4 frame among the seeds");

    let root = seeds_dir();
    if std::env::var_os("TWIN_WRITE_FUZZ_SEEDS").is_some() {
        let _ = std::fs::remove_dir_all(&root);
        for (target, name, bytes) in &seeds {
            std::fs::create_dir_all(root.join(target)).expect("mkdir");
            std::fs::write(root.join(target).join(name), bytes).expect("write seed");
        }
    }
    let mut total = 0;
    for (target, check) in TARGETS {
        let dir = root.join(target);
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (write the seeds: see this file's header)", dir.display()))
            .map(|f| f.expect("entry").path())
            .collect();
        assert!(!files.is_empty(), "{}: no committed seeds", dir.display());
        for f in files {
            let bytes = std::fs::read(&f).expect("read seed");
            total += bytes.len();
            assert!(check(&bytes), "{}: the committed seed no longer decodes", f.display());
        }
    }
    assert!(total < 1 << 20, "the committed corpus stays under 1 MiB: {total} bytes");
}
