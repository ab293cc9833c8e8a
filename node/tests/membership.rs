//! Partnerships: roles, removal racing edits, concurrent membership ops, invitations, and
//! membership ops forged by non-admins. Real nodes on loopback.

mod common;

use common::*;
use twinmesh_node::{
    DataDir, Engine,
    api::{EditSpec, Request},
    identity::{key_from_peer_id, peer_id},
};
use twinmesh_protocol::{
    keys::SecretKey,
    membership::{MemberOp, OpBody, Role, SignedOp},
    space::Municipality,
    time::Timestamp,
    wire::{self, Response},
};

async fn members(node: &TestNode, space: &str) -> serde_json::Value {
    node.ok(Request::SpaceMembers { space: space.parse().expect("space") }).await
}

fn role_of(members: &serde_json::Value, id: &str) -> Option<(String, bool)> {
    members["members"]
        .as_array()?
        .iter()
        .find(|m| m["id"] == id)
        .map(|m| (m["role"].as_str().unwrap_or_default().to_string(), m["active"].as_bool().unwrap_or(false)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_read_but_cannot_write() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let v = TestNode::start("Hebden Royd", "GB").await;
    let (space, doc) = space_with_plan(&a, &[]).await;
    a.ok(Request::SpaceAdd {
        space: space.parse().expect("space"),
        member: v.id().await,
        name: Some("Hebden Royd".into()),
        role: Some(Role::Viewer),
    })
    .await;
    v.dial(&a).await;
    eventually("the viewer reads the plan", || async { converged(&[&a, &v], &doc).await }).await;
    let err = v
        .req(Request::DocEdit {
            doc: doc.parse().expect("doc"),
            edits: vec![EditSpec::Set { path: "acronym".into(), value: "X".into() }],
            message: None,
            lang: None,
        })
        .await
        .expect_err("a viewer cannot edit");
    assert!(err.to_string().contains("viewer"), "{err}");
    // Nor type into a text field: the live editor's splices are edits like any other. (They
    // were not checked: the viewer's node applied them, every partner refused them, and the
    // viewer's plan stayed apart from the others' for good.)
    let err = v
        .req(Request::DocSplice {
            doc: doc.parse().expect("doc"),
            path: "summary".into(),
            splices: vec![twinmesh_node::api::SpliceSpec {
                pos: 0,
                del: 0,
                insert: "typed by a viewer".into(),
            }],
            message: None,
        })
        .await
        .expect_err("a viewer cannot type into a text field");
    assert!(err.to_string().contains("viewer"), "{err}");
    let shown = v.show(&doc).await.expect("show");
    assert!(
        !shown["content"]["summary"].as_str().unwrap_or_default().contains("typed by a viewer"),
        "the viewer's splice was applied on its own node: {shown}"
    );

    // A viewer's change crafted by hand is refused by the admin's node, and shown as refused.
    let a_export =
        a.ok(Request::DocExport { doc: doc.parse().expect("doc"), format: Default::default() }).await;
    let bytes =
        data_encoding::BASE64.decode(a_export["data"].as_str().expect("data").as_bytes()).expect("b64");
    let saved = twinmesh_protocol::export::DocExport::from_bytes(&bytes).expect("export").saved;
    let v_key = read_key(&v);
    let mut d = automerge::Automerge::load(&saved)
        .expect("load")
        .with_actor(twinmesh_protocol::signed::actor_id(&v_key.public(), [3; 16]));
    let mut tx = d.transaction();
    automerge::transaction::Transactable::put(&mut tx, automerge::ROOT, "acronym", "VIEWER").expect("put");
    let (h, _) = tx.commit();
    let change = automerge::ReadDoc::get_change_by_hash(&d, &h.expect("hash")).expect("change");
    let doc_id: twinmesh_protocol::ids::DocId = doc.parse().expect("doc");
    let sig = twinmesh_protocol::signed::sign_change(&v_key, &doc_id, &change.hash());
    let mut swarm = attacker_swarm(&SecretKey::from_bytes(v_key.to_bytes()));
    let peer = connect(&mut swarm, &a.addr().await).await;
    let msg = automerge::sync::Message {
        heads: vec![change.hash()],
        need: vec![],
        have: vec![],
        changes: automerge::sync::ChunkList::from(vec![change.raw_bytes().to_vec()]),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    let r = ask(
        &mut swarm,
        peer,
        wire::Request::Sync(wire::DocSync {
            space: space.parse().expect("space"),
            doc: doc_id,
            kind: twinmesh_protocol::schema::DocKind::Plan,
            message: Some(msg.encode()),
            signatures: wire::ChunkSignatures::Hashed(vec![(change.hash().0, sig)]),
        }),
    )
    .await;
    assert!(matches!(r, Some(Response::Sync(_))), "{r:?}");
    let shown = a.show(&doc).await.expect("show");
    assert!(shown["content"]["acronym"].is_null(), "the viewer's change was applied: {shown}");
    let hist =
        a.ok(Request::DocHistory { doc: doc_id, limit: Some(1000), before: None }).await["entries"].clone();
    let refused: Vec<_> = hist.as_array().expect("hist").iter().filter(|e| e["accepted"] == false).collect();
    assert_eq!(refused.len(), 1, "{hist}");
    assert!(refused[0]["refused_because"].as_str().expect("reason").contains("may not write"));
}

fn read_key(node: &TestNode) -> SecretKey {
    let bytes = std::fs::read(node.dir.path().join("identity.key")).expect("key");
    SecretKey::from_bytes(bytes.try_into().expect("32 bytes"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removal_racing_the_removed_members_edits_does_not_split_the_document() {
    let mut a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let mut m = TestNode::start("Mallow", "IE").await;
    let (space, doc) = space_with_plan(&a, &[&b, &m]).await;
    b.dial(&a).await;
    m.dial(&b).await;
    eventually("all three hold the plan", || async { converged(&[&a, &b, &m], &doc).await }).await;

    // A goes offline and removes M there, having seen none of M's next edits.
    a.stop().await;
    let m_id = m.id().await;
    {
        let mut ea = Engine::open(&DataDir::new(a.dir.path())).expect("offline A");
        ea.remove_member(&space.parse().expect("space"), key_from_peer_id(&m_id).expect("key"))
            .expect("remove");
    }
    // Meanwhile M edits twice; B receives both and builds on the first.
    m.set(&doc, "acronym", "M-FIRST").await;
    eventually("B has M's first edit", || async {
        b.show(&doc).await.map(|v| v["content"]["acronym"] == "M-FIRST").unwrap_or(false)
    })
    .await;
    b.set(&doc, "acronym", "B-ON-TOP").await;
    b.set(&doc, "working_language", "DE").await;
    m.set(&doc, "funding_profile", "M-LATE").await;
    eventually("B has M's late edit", || async {
        b.show(&doc).await.map(|v| v["content"]["funding_profile"] == "M-LATE").unwrap_or(false)
    })
    .await;
    m.stop().await;

    // A comes back; the removal reaches B; B and A end identical.
    a.restart().await;
    b.dial(&a).await;
    eventually("A and B converge", || async { converged(&[&a, &b], &doc).await }).await;
    let va = a.show(&doc).await.expect("a");
    let vb = b.show(&doc).await.expect("b");
    assert_eq!(va["content"], vb["content"]);
    assert_eq!(va["content"]["working_language"], "DE", "B's edit is kept");
    assert_eq!(va["content"]["acronym"], "B-ON-TOP");
    assert_eq!(
        va["content"]["funding_profile"], "CERV-2025-CITIZENS-TOWN-TT",
        "M's edit after its removal, which nobody built on, is refused everywhere"
    );
    // M's first edit stays in the history because B built on it.
    let hist = a
        .ok(Request::DocHistory { doc: doc.parse().expect("doc"), limit: Some(1000), before: None })
        .await["entries"]
        .clone();
    let entries = hist.as_array().expect("hist");
    assert!(
        entries.iter().any(|e| e["author"] == "Mallow"
            && e["accepted"] == true
            && e["message"].as_str().is_some_and(|m| m.contains("M-FIRST"))),
        "{hist}"
    );
    let mb = members(&b, &space).await;
    assert_eq!(role_of(&mb, &m_id), Some(("editor".into(), false)));

    // M comes back and keeps editing: nothing of it reaches A or B any more, and nothing new
    // reaches M. (M's node still believes it is a member until it hears of its removal.)
    m.restart().await;
    let _ = m
        .req(Request::DocEdit {
            doc: doc.parse().expect("doc"),
            edits: vec![EditSpec::Set { path: "end".into(), value: "2026-12-31".into() }],
            message: None,
            lang: None,
        })
        .await;
    m.dial(&b).await;
    b.set(&doc, "start", "2026-03-01").await;
    let _ = m.req(Request::Sync { doc: None }).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(b.show(&doc).await.expect("b")["content"]["end"].is_null());
    assert!(m.show(&doc).await.expect("m")["content"]["start"].is_null(), "a removed town got a new edit");
    eventually("A and B still converge", || async { converged(&[&a, &b], &doc).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_removing_each_other_resolve_the_same_everywhere() {
    let mut a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let mut b = TestNode::start("Warstein", "DE").await;
    let c = TestNode::start("Hebden Royd", "GB").await;
    let (space, doc) = space_with_plan(&a, &[&c]).await;
    let sp: twinmesh_protocol::ids::SpaceId = space.parse().expect("space");
    a.ok(Request::SpaceAdd {
        space: sp,
        member: b.id().await,
        name: Some("Warstein".into()),
        role: Some(Role::Admin),
    })
    .await;
    b.dial(&a).await;
    c.dial(&a).await;
    eventually("all hold the plan", || async { converged(&[&a, &b, &c], &doc).await }).await;
    let (a_id, b_id) = (a.id().await, b.id().await);
    a.stop().await;
    b.stop().await;
    {
        let mut ea = Engine::open(&DataDir::new(a.dir.path())).expect("A");
        ea.remove_member(&sp, key_from_peer_id(&b_id).expect("b")).expect("A removes B");
        let mut eb = Engine::open(&DataDir::new(b.dir.path())).expect("B");
        eb.remove_member(&sp, key_from_peer_id(&a_id).expect("a")).expect("B removes A");
    }
    a.restart().await;
    b.restart().await;
    a.dial(&c).await;
    b.dial(&c).await;
    eventually("the logs meet", || async {
        let (ma, mb, mc) = (members(&a, &space).await, members(&b, &space).await, members(&c, &space).await);
        ma["log"].as_array().map(Vec::len) == Some(4)
            && ma["members"] == mb["members"]
            && mb["members"] == mc["members"]
    })
    .await;
    let mc = members(&c, &space).await;
    let active_admins: Vec<_> = mc["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter(|m| m["role"] == "admin" && m["active"] == true)
        .collect();
    assert_eq!(active_admins.len(), 1, "exactly one of the two admins remains: {mc}");
    assert_eq!(mc["log"].as_array().expect("log").iter().filter(|o| o["applied"] == false).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_ops_forged_by_non_admins_are_ignored() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let (space, _doc) = space_with_plan(&a, &[]).await;
    let sp: twinmesh_protocol::ids::SpaceId = space.parse().expect("space");
    let editor = SecretKey::from_bytes([0x51; 32]);
    let stranger = SecretKey::from_bytes([0x52; 32]);
    add_member(&a, &space, &editor, "Ed").await;
    let signed_space = {
        let v =
            a.ok(Request::DocExport { doc: _doc.parse().expect("doc"), format: Default::default() }).await;
        let bytes = data_encoding::BASE64.decode(v["data"].as_str().expect("data").as_bytes()).expect("b64");
        let e = twinmesh_protocol::export::DocExport::from_bytes(&bytes).expect("export");
        (e.space, e.log)
    };
    let heads: Vec<[u8; 32]> = signed_space.1.iter().map(|o| o.hash()).collect();
    // The editor makes the stranger an admin: not allowed.
    let by_editor = SignedOp::sign(
        &editor,
        MemberOp {
            space: sp,
            author: editor.public(),
            parents: heads.clone(),
            time: Timestamp(1),
            body: OpBody::Add { member: stranger.public(), name: "X".into(), role: Role::Admin },
        },
    );
    // An op claiming the founder as author, signed by the editor: a bad signature.
    let a_key = key_from_peer_id(&a.id().await).expect("a");
    let mut forged = by_editor.clone();
    forged.op.author = a_key;
    let mut swarm = attacker_swarm(&editor);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let mut log = signed_space.1.clone();
    log.push(by_editor);
    log.push(forged);
    let r = ask(
        &mut swarm,
        peer,
        wire::Request::Hello {
            from: Municipality { key: editor.public(), name: "Ed".into(), country: "FR".into() },
            spaces: vec![wire::SpaceSummary { space: signed_space.0, log, docs: vec![] }],
        },
    )
    .await;
    assert!(matches!(r, Some(Response::Hello { .. })), "{r:?}");
    let m = members(&a, &space).await;
    assert_eq!(role_of(&m, &peer_id(&stranger.public()).to_string()), None, "{m}");
    let log = m["log"].as_array().expect("log");
    // The badly signed op is dropped; the editor's can never apply, so it is refused at the
    // door too (before issue 18 it was stored and relayed, shown as rejected).
    assert_eq!(log.len(), 1, "{m}");
    assert!(log.iter().all(|o| o["applied"] == true), "{m}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invitation_tickets_are_single_use_expire_and_survive_restarts() {
    let mut a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let mut b = TestNode::start("Warstein", "DE").await;
    let c = TestNode::start("Hebden Royd", "GB").await;
    let (space, doc) = space_with_plan(&a, &[]).await;
    let sp: twinmesh_protocol::ids::SpaceId = space.parse().expect("space");
    let ticket =
        a.ok(Request::SpaceInvite { space: sp, role: Role::Editor, valid_secs: None }).await["ticket"]
            .as_str()
            .expect("ticket")
            .to_string();
    // The inviter restarts (same port is not guaranteed, so re-issue addresses after restart).
    a.restart().await;
    let invite2 = a.ok(Request::SpaceInvite { space: sp, role: Role::Viewer, valid_secs: None }).await;
    let ticket2 = invite2["ticket"].as_str().expect("ticket").to_string();
    // The answer carries the ticket as a QR code for the web UI.
    assert!(invite2["qr_svg"].as_str().is_some_and(|s| s.contains("<svg")), "{invite2}");
    // An altered ticket is refused before anything is sent.
    let mut altered: Vec<char> = ticket2.chars().collect();
    let i = altered.len() / 2;
    altered[i] = if altered[i] == 'a' { 'b' } else { 'a' };
    let err = b.req(Request::SpaceJoin { ticket: altered.into_iter().collect() }).await.expect_err("altered");
    assert!(err.to_string().contains("invalid invitation ticket"), "{err}");

    // B joins with the second ticket (the first names addresses from before the restart).
    // In capitals, as the QR code holds it.
    let joined = b.ok(Request::SpaceJoin { ticket: ticket2.to_ascii_uppercase() }).await;
    assert_eq!(joined["joined"], true);
    eventually("B receives the plan", || async { converged(&[&a, &b], &doc).await }).await;
    let m = members(&a, &space).await;
    assert_eq!(role_of(&m, &b.id().await), Some(("viewer".into(), true)));
    // Used: C cannot join with the same ticket.
    let err = c.req(Request::SpaceJoin { ticket: ticket2 }).await.expect_err("used");
    assert!(err.to_string().contains("already used"), "{err}");
    // Expired.
    let t0 =
        a.ok(Request::SpaceInvite { space: sp, role: Role::Editor, valid_secs: Some(0) }).await["ticket"]
            .as_str()
            .expect("ticket")
            .to_string();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let err = c.req(Request::SpaceJoin { ticket: t0 }).await.expect_err("expired");
    assert!(err.to_string().contains("expired"), "{err}");
    // The first ticket, issued before the inviter's restart, still holds: the invitation was
    // stored. Its addresses are stale (a new port), so C first connects to A by hand.
    c.dial(&a).await;
    let joined = c.ok(Request::SpaceJoin { ticket }).await;
    assert_eq!(joined["joined"], true);
    let m = members(&a, &space).await;
    assert_eq!(role_of(&m, &c.id().await), Some(("editor".into(), true)));
    // Roles change and towns leave; the log carries both to the partners.
    a.ok(Request::SpaceRole { space: sp, member: "Warstein".into(), role: Role::Editor }).await;
    let err = a.req(Request::SpaceRemove { space: sp, member: a.id().await }).await.expect_err("last admin");
    assert!(err.to_string().contains("last admin"), "{err}");
    c.ok(Request::SpaceLeave { space: sp }).await;
    let c_id = c.id().await;

    eventually("A sees C leave", || async {
        role_of(&members(&a, &space).await, &c_id) == Some(("editor".into(), false))
    })
    .await;
    eventually("B sees its new role", || async {
        role_of(&members(&b, &space).await, &b.id().await) == Some(("editor".into(), true))
    })
    .await;
    // B restarts and is still a member, syncing.
    b.restart().await;
    b.dial(&a).await;
    a.set(&doc, "acronym", "AFTER").await;
    eventually("B still syncs after its restart", || async {
        b.show(&doc).await.map(|v| v["content"]["acronym"] == "AFTER").unwrap_or(false)
    })
    .await;
}

// ---- limits on what the log accepts (review findings) ----

/// The signed space record and log of a space, as any holder of an export file has them.
async fn space_record(node: &TestNode, doc: &str) -> (twinmesh_protocol::space::SignedSpace, Vec<SignedOp>) {
    let v = node.ok(Request::DocExport { doc: doc.parse().expect("doc"), format: Default::default() }).await;
    let bytes = data_encoding::BASE64.decode(v["data"].as_str().expect("data").as_bytes()).expect("b64");
    let e = twinmesh_protocol::export::DocExport::from_bytes(&bytes).expect("export");
    (e.space, e.log)
}

/// `n` ops signed by `by` (not necessarily a member) with the given parents.
fn junk(
    by: &SecretKey,
    space: twinmesh_protocol::ids::SpaceId,
    parents: Vec<[u8; 32]>,
    n: usize,
) -> Vec<SignedOp> {
    (0..n)
        .map(|t| {
            SignedOp::sign(
                by,
                MemberOp {
                    space,
                    author: by.public(),
                    parents: parents.clone(),
                    time: Timestamp(t as i64),
                    body: OpBody::Add { member: by.public(), name: "J".into(), role: Role::Admin },
                },
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_ops_in_a_hello_are_not_stored() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let (space, doc) = space_with_plan(&a, &[&b]).await;
    let sp: twinmesh_protocol::ids::SpaceId = space.parse().expect("space");
    let editor = SecretKey::from_bytes([0x51; 32]);
    add_member(&a, &space, &editor, "Ed").await;
    let (signed_space, log) = space_record(&a, &doc).await;
    let before = members(&a, &space).await["log"].as_array().expect("log").len();
    assert_eq!(before, 2);

    // A stranger holding the space record sends 10,001 self-signed ops, half of them on the real
    // heads: none is stored (it is no member, and the hello is not from a member).
    let stranger = SecretKey::from_bytes([0x52; 32]);
    let heads: Vec<[u8; 32]> = log.iter().map(SignedOp::hash).collect();
    let mut flood = junk(&stranger, sp, heads.clone(), 5_000);
    flood.extend(junk(&stranger, sp, vec![[0; 32]], 5_001));
    flood.extend(log.clone());
    let mut swarm = attacker_swarm(&stranger);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let hello = |from: &SecretKey, log: Vec<SignedOp>| wire::Request::Hello {
        from: Municipality { key: from.public(), name: "X".into(), country: "FR".into() },
        spaces: vec![wire::SpaceSummary { space: signed_space.clone(), log, docs: vec![] }],
    };
    let r = ask(&mut swarm, peer, hello(&stranger, flood)).await;
    assert!(matches!(r, Some(Response::Hello { .. })), "{r:?}");
    assert_eq!(members(&a, &space).await["log"].as_array().expect("log").len(), before);

    // A member's ops whose parents nobody knows are not stored either; a stranger's op inside
    // a member's hello neither.
    let mut from_editor = junk(&editor, sp, vec![[7; 32]], 100);
    from_editor.extend(junk(&stranger, sp, heads, 1));
    let mut swarm = attacker_swarm(&editor);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let r = ask(&mut swarm, peer, hello(&editor, from_editor)).await;
    assert!(matches!(r, Some(Response::Hello { .. })), "{r:?}");
    assert_eq!(members(&a, &space).await["log"].as_array().expect("log").len(), before);

    // The partnership still works.
    b.dial(&a).await;
    eventually("B syncs", || async { converged(&[&a, &b], &doc).await }).await;
    b.set(&doc, "acronym", "B-STILL-WRITES").await;
    eventually("B's edit reaches A", || async {
        a.show(&doc).await.map(|v| v["content"]["acronym"] == "B-STILL-WRITES").unwrap_or(false)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_full_of_junk_ops_cannot_push_out_the_real_log() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let c = TestNode::start("Hebden Royd", "GB").await;
    let (space, doc) = space_with_plan(&a, &[&b, &c]).await;
    let sp: twinmesh_protocol::ids::SpaceId = space.parse().expect("space");
    b.dial(&a).await;
    eventually("B holds the plan", || async { converged(&[&a, &b], &doc).await }).await;
    b.set(&doc, "acronym", "BY-B").await;
    let out = b.ok(Request::BundleExport { space: sp, partner: None }).await;
    let bytes = data_encoding::BASE64.decode(out["data"].as_str().expect("data").as_bytes()).expect("b64");
    let mut bundle = twinmesh_protocol::export::Bundle::from_bytes(&bytes).expect("bundle");
    // 10,001 junk ops in front of the real log (a store and a file hand ops over in any order).
    let mut log = junk(&SecretKey::from_bytes([0x53; 32]), sp, vec![[0; 32]], 10_001);
    log.extend(bundle.log);
    bundle.log = log;
    // C, which never synced, imports it: B's edit is valid under the real log.
    let r = c.ok(Request::BundleImport { data: data_encoding::BASE64.encode(&bundle.to_bytes()) }).await;
    assert_eq!(r["documents"], 1, "{r}");
    assert_eq!(c.show(&doc).await.expect("show")["content"]["acronym"], "BY-B");
    assert_eq!(members(&c, &space).await["log"].as_array().expect("log").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hello_teaches_a_new_space_only_from_a_member_and_with_a_small_log() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let a_key = key_from_peer_id(&a.id().await).expect("a");
    let founder = SecretKey::from_bytes([0x61; 32]);
    let stranger = SecretKey::from_bytes([0x62; 32]);
    let muni =
        |k: &SecretKey, name: &str| Municipality { key: k.public(), name: name.into(), country: "IT".into() };
    let space_with = |name: &str, extra: usize| {
        let s = twinmesh_protocol::space::SignedSpace::create(
            &founder,
            name,
            muni(&founder, "F"),
            Timestamp(0),
            [extra as u8; 16],
        )
        .expect("space");
        let add = SignedOp::sign(
            &founder,
            MemberOp {
                space: s.id(),
                author: founder.public(),
                parents: vec![],
                time: Timestamp(1),
                body: OpBody::Add { member: a_key, name: "A".into(), role: Role::Editor },
            },
        );
        let mut log = vec![add];
        for t in 0..extra {
            let parents = log.last().map(|o| vec![o.hash()]).unwrap_or_default();
            let role = if t % 2 == 0 { Role::Viewer } else { Role::Editor };
            log.push(SignedOp::sign(
                &founder,
                MemberOp {
                    space: s.id(),
                    author: founder.public(),
                    parents,
                    time: Timestamp(2 + t as i64),
                    body: OpBody::SetRole { member: a_key, role, cutoff: vec![] },
                },
            ));
        }
        (s, log)
    };
    let spaces = || async { a.ok(Request::SpaceList).await.as_array().expect("spaces").len() };
    let hello = |from: &SecretKey, s: &twinmesh_protocol::space::SignedSpace, log: Vec<SignedOp>| {
        wire::Request::Hello {
            from: muni(from, "X"),
            spaces: vec![wire::SpaceSummary { space: s.clone(), log, docs: vec![] }],
        }
    };
    let (small, small_log) = space_with("small", 0);
    let (big, big_log) = space_with("big", 1_000);

    // A stranger forwarding a space whose log adds A: ignored.
    let mut swarm = attacker_swarm(&stranger);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let r = ask(&mut swarm, peer, hello(&stranger, &small, small_log.clone())).await;
    assert!(matches!(r, Some(Response::Hello { .. })), "{r:?}");
    assert_eq!(spaces().await, 0, "learned a space from a stranger");

    // Its founder, with a log of more than 1,000 ops: ignored; with a small log: learned (this
    // is how a founder that added a town by its PeerId reaches it).
    let mut swarm = attacker_swarm(&founder);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let r = ask(&mut swarm, peer, hello(&founder, &big, big_log)).await;
    assert!(matches!(r, Some(Response::Hello { .. })), "{r:?}");
    assert_eq!(spaces().await, 0, "learned a space with a huge log");
    let r = ask(&mut swarm, peer, hello(&founder, &small, small_log)).await;
    assert!(matches!(r, Some(Response::Hello { .. })), "{r:?}");
    assert_eq!(spaces().await, 1);
}

#[test]
fn the_log_has_a_total_cap_with_a_clear_error_that_never_blocks_a_removal() {
    let dir = init("Saint-Pol-sur-Ternoise", "FR");
    let mut e = Engine::open(&DataDir::new(dir.path())).expect("engine");
    let info = e.create_space("S").expect("space");
    let key = read_key_at(dir.path());
    let member = SecretKey::from_bytes([0x71; 32]);
    let add = e.add_member(&info.id, member.public(), "M", Role::Editor).expect("add");
    // Adds by the founder, each on the previous one: ops that take effect and count.
    let adds = |from: usize, n: usize, mut parent: [u8; 32]| {
        let mut ops = Vec::new();
        for t in from..from + n {
            let mut seed = [0x80; 32];
            seed[..8].copy_from_slice(&(t as u64).to_be_bytes());
            let who = SecretKey::from_bytes(seed).public();
            let op = SignedOp::sign(
                &key,
                MemberOp {
                    space: info.id,
                    author: key.public(),
                    parents: vec![parent],
                    time: Timestamp(t as i64),
                    body: OpBody::Add { member: who, name: format!("T{t}"), role: Role::Viewer },
                },
            );
            parent = op.hash();
            ops.push(op);
        }
        ops
    };
    let cap = twinmesh_protocol::membership::MAX_LOG_OPS;
    // One counted op too many in one batch: refused whole.
    let err = e.merge_ops(&info.id, adds(0, cap, add.hash())).expect_err("over the cap");
    assert!(err.to_string().contains("membership log of space 'S' is full"), "{err}");
    assert_eq!(e.member_ops(&info.id).expect("ops").len(), 1, "nothing stored");
    // Up to the cap: stored; then no more adds, but removals and demotions always go through.
    assert!(e.merge_ops(&info.id, adds(0, cap - 1, add.hash())).expect("up to the cap"));
    let other = SecretKey::from_bytes([0x72; 32]);
    let err = e.add_member(&info.id, other.public(), "O", Role::Editor).expect_err("full");
    assert!(err.to_string().contains("is full"), "{err}");
    e.set_role(&info.id, member.public(), Role::Viewer).expect("a demotion never counts");
    e.remove_member(&info.id, member.public()).expect("a removal never counts");
    assert!(!e.membership(&info.id).expect("membership").can_read(&member.public()));
}

/// `n` "make me admin" ops by `by` on `parents`.
fn make_me_admin(
    by: &SecretKey,
    space: twinmesh_protocol::ids::SpaceId,
    parents: &[[u8; 32]],
    n: usize,
) -> Vec<SignedOp> {
    junk(by, space, parents.to_vec(), n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_flooding_make_me_admin_ops_is_still_removed_everywhere() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let (space, doc) = space_with_plan(&a, &[&b]).await;
    let sp: twinmesh_protocol::ids::SpaceId = space.parse().expect("space");
    let editor = SecretKey::from_bytes([0x51; 32]);
    add_member(&a, &space, &editor, "Ed").await;
    b.dial(&a).await;
    eventually("B holds the plan", || async { converged(&[&a, &b], &doc).await }).await;
    let (signed_space, log) = space_record(&a, &doc).await;
    let before = log.len();
    // The editor (a member) sends 9,998 "make me admin" ops (exactly filling the log before) on the real heads in its hello.
    let real_heads: Vec<[u8; 32]> = log.iter().map(SignedOp::hash).collect();
    let mut flood = make_me_admin(&editor, sp, &real_heads, 9_998);
    flood.extend(log);
    let mut swarm = attacker_swarm(&editor);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let r = ask(
        &mut swarm,
        peer,
        wire::Request::Hello {
            from: Municipality { key: editor.public(), name: "Ed".into(), country: "FR".into() },
            spaces: vec![wire::SpaceSummary { space: signed_space, log: flood, docs: vec![] }],
        },
    )
    .await;
    assert!(matches!(r, Some(Response::Hello { .. })), "{r:?}");
    assert_eq!(members(&a, &space).await["log"].as_array().expect("log").len(), before, "junk stored");
    // The admin removes the editor: it works, and it reaches B; no junk reached B.
    let ed_id = peer_id(&editor.public()).to_string();
    a.ok(Request::SpaceRemove { space: sp, member: ed_id.clone() }).await;
    b.dial(&a).await;
    eventually("B learns the removal", || async {
        role_of(&members(&b, &space).await, &ed_id).is_some_and(|(_, active)| !active)
    })
    .await;
    for n in [&a, &b] {
        let m = members(n, &space).await;
        assert_eq!(role_of(&m, &ed_id).map(|(_, active)| active), Some(false), "{m}");
        assert_eq!(m["log"].as_array().expect("log").len(), before + 1, "{m}");
    }
}

#[test]
fn a_store_holding_junk_from_an_older_version_is_cleaned_and_removal_works() {
    let dir = init("Saint-Pol-sur-Ternoise", "FR");
    let data = DataDir::new(dir.path());
    let key = read_key_at(dir.path());
    let editor = SecretKey::from_bytes([0x51; 32]);
    let x = SecretKey::from_bytes([0x52; 32]);
    let (space, heads) = {
        let mut e = Engine::open(&data).expect("engine");
        let space = e.create_space("S").expect("space").id;
        e.add_member(&space, editor.public(), "Ed", Role::Editor).expect("add");
        let heads = e.membership(&space).expect("membership").heads;
        (space, heads)
    };
    // What an older node stored: 9,999 junk ops, and then an add by the admin that named three
    // of them as parents (older nodes named every op as a head).
    let flood = make_me_admin(&editor, space, &heads, 9_999);
    let mut parents: Vec<[u8; 32]> = flood.iter().take(3).map(SignedOp::hash).collect();
    parents.sort();
    let old_add = SignedOp::sign(
        &key,
        MemberOp {
            space,
            author: key.public(),
            parents,
            time: Timestamp(5),
            body: OpBody::Add { member: x.public(), name: "X".into(), role: Role::Editor },
        },
    );
    {
        let s = twinmesh_node::store::open(&data.store_path()).expect("store");
        let mut b = twinmesh_node::store::Batch::default();
        for op in flood.iter().chain([&old_add]) {
            let mut k = space.as_bytes().to_vec();
            k.extend_from_slice(&op.hash());
            b.put(twinmesh_node::store::Table::MemberOps, k, postcard::to_stdvec(op).expect("encode"));
        }
        // A store written by an older version has no record of the cleaning.
        b.remove(twinmesh_node::store::Table::Meta, twinmesh_node::store::trees::meta::MEMBER_LOGS_CLEANED);
        s.commit(b).expect("commit");
    }
    let mut e = Engine::open(&data).expect("the store opens");
    let ops = e.member_ops(&space).expect("ops");
    assert_eq!(ops.len(), 2 + 3, "the junk is dropped but for what the admin's add built on");
    let m = e.membership(&space).expect("membership");
    assert!(m.can_read(&x.public()), "the old add still applies");
    assert_eq!(m.heads, vec![old_add.hash()], "new ops name no junk");
    e.remove_member(&space, editor.public()).expect("the first admin action works");
    assert!(!e.membership(&space).expect("membership").can_read(&editor.public()));
    drop(e);
    let e = Engine::open(&data).expect("reopens");
    assert_eq!(e.member_ops(&space).expect("ops").len(), 6);
}

fn read_key_at(dir: &std::path::Path) -> SecretKey {
    let bytes = std::fs::read(dir.join("identity.key")).expect("key");
    SecretKey::from_bytes(bytes.try_into().expect("32 bytes"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_lists_open_invitations_and_a_revoked_ticket_admits_no_one() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let (space, _doc) = space_with_plan(&a, &[]).await;
    let sp: twinmesh_protocol::ids::SpaceId = space.parse().expect("space");
    let invite = |role, valid_secs| {
        let a = &a;
        async move {
            a.ok(Request::SpaceInvite { space: sp, role, valid_secs }).await["ticket"]
                .as_str()
                .expect("ticket")
                .to_string()
        }
    };
    let listed = || async {
        a.ok(Request::SpaceInvitations { space: sp }).await["invitations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let viewer_ticket = invite(Role::Viewer, None).await;
    let _expired = invite(Role::Editor, Some(0)).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    // Only the open one is listed (the expired one is not), with its role and end.
    let open = listed().await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["role"], "viewer");
    assert!(open[0]["expires_utc"].as_str().is_some_and(|t| t.contains('T')), "{open:?}");
    let id = open[0]["id"].as_str().expect("id").to_string();

    // Ids that name nothing are refused with a clear error, never a panic (the third is 64
    // bytes whose two-byte characters straddle every hex pair).
    for bad in ["", "zz", &format!("a{}a", "é".repeat(31)), &"0".repeat(64)] {
        let err = a
            .req(Request::SpaceRevokeInvitation { space: sp, invitation: bad.to_string() })
            .await
            .expect_err("unknown invitation");
        assert!(err.to_string().contains("no open invitation"), "{bad}: {err}");
    }
    // A town that is not an admin of the space cannot revoke (its own node issued none).
    let err = b
        .req(Request::SpaceRevokeInvitation { space: sp, invitation: id.clone() })
        .await
        .expect_err("not a member");
    assert!(!err.to_string().is_empty());

    let revoked = a.ok(Request::SpaceRevokeInvitation { space: sp, invitation: id.clone() }).await;
    assert_eq!(revoked["revoked"], true);
    assert!(listed().await.is_empty(), "revoked invitations are no longer listed");
    let err = b.req(Request::SpaceJoin { ticket: viewer_ticket }).await.expect_err("revoked ticket");
    assert!(err.to_string().contains("unknown invitation"), "{err}");
    assert_eq!(role_of(&members(&a, &space).await, &b.id().await), None, "Warstein was not admitted");
    // Revoking twice is an error, not a silent success.
    let err = a.req(Request::SpaceRevokeInvitation { space: sp, invitation: id }).await.expect_err("twice");
    assert!(err.to_string().contains("no open invitation"), "{err}");

    // A used invitation is not open any more.
    let editor_ticket = invite(Role::Editor, None).await;
    assert_eq!(listed().await.len(), 1);
    b.ok(Request::SpaceJoin { ticket: editor_ticket }).await;
    assert!(listed().await.is_empty(), "a used invitation is not listed");
}
