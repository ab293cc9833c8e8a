//! Tests of membership: an interrupted check of documents finished at the next opening, and
//! tickets that survive e-mail.

use automerge::{ReadDoc, transaction::CommitOptions};
use twinmesh_protocol::{ids::DocId, keys::SecretKey, schema::DocKind, ticket::Ticket, time::Timestamp};

use super::*;
use crate::identity::DataDir;

/// A town's change waits in the quarantine because its author is not a member here; then
/// the op adding that town is stored, and the engine stops before checking the documents
/// (a crash, or an error half-way). Returns the data dir and the document.
fn log_changed_then_interrupted(dir: &std::path::Path, mark: bool) -> DocId {
    let mut a = Engine::init(&DataDir::new(dir), "Saint-Pol", "FR", false).expect("init");
    let space = a.create_space("S").expect("space").id;
    let doc = a.create_doc(&space, DocKind::Plan, "P", None).expect("doc").id;
    let warstein = SecretKey::from_bytes([7; 32]);
    let mut d = a.load(&doc).expect("load").fork().with_actor(signed::actor_id(&warstein.public(), [1; 16]));
    let mut tx = d.transaction();
    automerge::transaction::Transactable::put(&mut tx, automerge::ROOT, "acronym", "WARST").expect("put");
    let hash = tx.commit_with(CommitOptions::default().with_time(0)).0.expect("a change");
    let change = d.get_change_by_hash(&hash).expect("change").clone();
    let sig = signed::sign_change(&warstein, &doc, &hash);
    let mut b = Batch::default();
    a.quarantine_batch(&mut b, &doc, &[(change, Some(sig))], &[]).expect("quarantine");
    let op = SignedOp::sign(
        &a.key,
        MemberOp {
            space,
            author: a.key.public(),
            parents: a.membership(&space).expect("membership").heads.clone(),
            time: now(),
            body: OpBody::Add { member: warstein.public(), name: "Warstein".into(), role: Role::Editor },
        },
    );
    b.put(Table::MemberOps, op_key(&space, &op.hash()), encode(&op));
    if mark {
        b.put(Table::Meta, trees::meta::revalidate_key(&space), Vec::new());
    }
    a.store.commit(b).expect("commit");
    doc
}

fn acronym(e: &mut Engine, doc: &DocId) -> Option<String> {
    let d = e.load(doc).expect("load");
    d.get(automerge::ROOT, "acronym").expect("get").map(|(v, _)| v.as_str().unwrap_or_default().to_string())
}

#[test]
fn a_check_of_documents_interrupted_after_a_log_change_is_finished_at_the_next_opening() {
    let dir = tempfile::tempdir().expect("dir");
    let doc = log_changed_then_interrupted(dir.path(), true);
    let mut a = Engine::open(&DataDir::new(dir.path())).expect("open");
    assert_eq!(acronym(&mut a, &doc).as_deref(), Some("WARST"), "the newly valid change applied");
    assert!(a.quarantined(&doc).expect("quarantine").is_empty());
    let pending = a.store.scan(Table::Meta, trees::meta::REVALIDATE.as_bytes()).expect("scan");
    assert!(pending.is_empty(), "the entry is cleared once the documents are checked");

    // Without the entry (as before it existed) the change would have stayed held.
    let dir = tempfile::tempdir().expect("dir");
    let doc = log_changed_then_interrupted(dir.path(), false);
    let mut a = Engine::open(&DataDir::new(dir.path())).expect("open");
    assert_ne!(acronym(&mut a, &doc).as_deref(), Some("WARST"));
    assert_eq!(a.quarantined(&doc).expect("quarantine").len(), 1);
}

/// Issue 12: a ticket wrapped at 76 characters by an e-mail client, quoted with `> ` (once
/// and twice), indented, or inside a join link, still reads; a damaged one still does not.
#[test]
fn tickets_survive_email_wrapping_quoting_and_links() {
    let key = twinmesh_protocol::keys::SecretKey::from_bytes([1; 32]);
    let t = Ticket {
        space: SpaceId::from_bytes([2; 32]),
        space_name: "CIRCLE60".into(),
        inviter: key.public(),
        addrs: vec!["/ip4/127.0.0.1/tcp/1".into(), "/ip4/192.168.1.20/tcp/4001".into()],
        secret: [3; 16],
        role: Role::Editor,
        expires: Timestamp(1000),
    };
    let text = t.encode(&key);
    let lines: Vec<String> =
        text.chars().collect::<Vec<_>>().chunks(76).map(|c| c.iter().collect()).collect();
    let wrapped = lines.join("\r\n");
    let quoted = lines.iter().map(|l| format!("> {l}")).collect::<Vec<_>>().join("\n");
    let twice = lines.iter().map(|l| format!(">> {l}  ")).collect::<Vec<_>>().join("\n");
    let spaced = format!("\n   {}\n\n", lines.join("\n    "));
    let link = format!("http://127.0.0.1:7300/#join={}", lines.join("\n"));
    let encoded = format!("https://twin.poix.fr/#join={}", text.replacen(':', "%3A", 1));
    for (what, form) in [
        ("wrapped", wrapped),
        ("quoted", quoted),
        ("quoted twice", twice),
        ("indented", spaced),
        ("link", link),
        ("encoded link", encoded),
        ("in capitals, as a QR code holds it", text.to_ascii_uppercase()),
        ("the join link an invitation comes with", crate::qr::join_link(&text)),
    ] {
        let got = Ticket::decode(&form, Timestamp(0)).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(got.space_name, "CIRCLE60", "{what}");
    }
    let cut = lines[..lines.len() - 1].join("\n> ");
    assert!(Ticket::decode(&cut, Timestamp(0)).is_err(), "a ticket missing its last line is refused");
}
