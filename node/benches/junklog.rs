//! The cost of membership work with a membership log full of junk (issue 18 item 1).
//!
//! ```sh
//! cargo bench -p twinmesh-node --bench junklog            # 9,999 junk ops
//! cargo bench -p twinmesh-node --bench junklog -- 2000    # another number
//! ```
//!
//! An editor signs N "make me admin" ops on the log's heads. Two ways in are timed:
//! - `merge`: they arrive like a partner's log (`merge_ops`); a fixed node refuses them;
//! - `old store`: they are written straight into the store, as a node from before the fix kept
//!   them, and the store is opened again.
//!
//! Then, for each: opening the store, `space role` (editor -> viewer), `space remove`, and an
//! offline `doc set` (open the store, edit, as `twin doc set` does with no node running).
#![allow(clippy::unwrap_used, unreachable_pub, missing_docs)]

use std::time::{Duration, Instant};

use twinmesh_node::{
    DataDir, Engine,
    engine::Edit,
    store::{self, Batch, Table},
};
use twinmesh_protocol::{
    ids::{DocId, SpaceId},
    keys::SecretKey,
    membership::{MemberOp, OpBody, Role, SignedOp},
    schema::DocKind,
    time::Timestamp,
};

fn ms(d: Duration) -> String {
    format!("{:8.1} ms", d.as_secs_f64() * 1000.0)
}

fn junk(editor: &SecretKey, space: SpaceId, parents: &[[u8; 32]], n: usize) -> Vec<SignedOp> {
    (0..n)
        .map(|t| {
            SignedOp::sign(
                editor,
                MemberOp {
                    space,
                    author: editor.public(),
                    parents: parents.to_vec(),
                    time: Timestamp(t as i64),
                    body: OpBody::Add { member: editor.public(), name: "J".into(), role: Role::Admin },
                },
            )
        })
        .collect()
}

fn set(_doc: &DocId, value: &str) -> Vec<Edit> {
    vec![Edit::Set { path: "acronym".parse().unwrap(), value: value.into() }]
}

/// A founder with a space, a plan and two editors; returns (dir, space, doc, junk author, other).
fn setup() -> (tempfile::TempDir, SpaceId, DocId, SecretKey, SecretKey) {
    let dir = tempfile::tempdir().unwrap();
    let mut e = Engine::init(&DataDir::new(dir.path()), "Saint-Pol", "FR", false).unwrap();
    let space = e.create_space("S").unwrap().id;
    let doc = e.create_doc(&space, DocKind::Plan, "P", None).unwrap().id;
    let (ed, other) = (SecretKey::from_bytes([0x51; 32]), SecretKey::from_bytes([0x52; 32]));
    e.add_member(&space, ed.public(), "Ed", Role::Editor).unwrap();
    e.add_member(&space, other.public(), "Other", Role::Editor).unwrap();
    (dir, space, doc, ed, other)
}

fn run(label: &str, n: usize, old_store: bool) {
    let (dir, space, doc, ed, other) = setup();
    let data = DataDir::new(dir.path());
    let heads = Engine::open(&data).unwrap().membership(&space).unwrap().heads;
    let ops = junk(&ed, space, &heads, n);
    if old_store {
        let s = store::open(&data.store_path()).unwrap();
        let mut b = Batch::default();
        for op in &ops {
            let mut k = space.as_bytes().to_vec();
            k.extend_from_slice(&op.hash());
            b.put(Table::MemberOps, k, postcard::to_stdvec(op).unwrap());
        }
        // A store written by an older version has no record of the cleaning (the key of
        // `trees::meta::MEMBER_LOGS_CLEANED`, spelled out so this also runs on older versions).
        b.remove(Table::Meta, "member_logs_cleaned");
        s.commit(b).unwrap();
    } else {
        let mut e = Engine::open(&data).unwrap();
        let t = Instant::now();
        let r = e.merge_ops(&space, ops);
        println!(
            "{label}: merge {n} junk ops        {} ({:?})",
            ms(t.elapsed()),
            r.map_err(|e| e.to_string())
        );
    }
    let t = Instant::now();
    let e = Engine::open(&data).unwrap();
    let _ = e.membership(&space).unwrap();
    println!("{label}: open + membership        {}", ms(t.elapsed()));
    drop(e);
    let t = Instant::now();
    let mut e = Engine::open(&data).unwrap();
    let _ = e.membership(&space).unwrap();
    println!("{label}: open + membership again  {}", ms(t.elapsed()));
    println!("{label}: ops stored                {:8}", e.member_ops(&space).unwrap().len());
    let t = Instant::now();
    let r = e.set_role(&space, other.public(), Role::Viewer);
    println!(
        "{label}: space role (to viewer)   {} ({})",
        ms(t.elapsed()),
        if r.is_ok() { "ok" } else { "refused" }
    );
    let t = Instant::now();
    let r = e.remove_member(&space, ed.public());
    println!(
        "{label}: space remove (the junk's author) {} ({:?})",
        ms(t.elapsed()),
        r.map(|_| ()).map_err(|e| e.to_string())
    );
    let t = Instant::now();
    e.edit(&doc, &set(&doc, "WARM"), None, None).unwrap();
    println!("{label}: doc set, node open       {}", ms(t.elapsed()));
    drop(e);
    let t = Instant::now();
    let mut e = Engine::open(&data).unwrap();
    e.edit(&doc, &set(&doc, "COLD"), None, None).unwrap();
    println!("{label}: doc set, offline          {}", ms(t.elapsed()));
}

fn main() {
    let n = std::env::args().skip(1).find_map(|a| a.parse::<usize>().ok()).unwrap_or(9_999);
    run("merge    ", n, false);
    run("old store", n, true);
}
