//! A document belongs to one space: whatever path brings it in (a bundle, an export file, a
//! sync round, a whole-document snapshot), its content must name the space it arrives for,
//! written once by the change that created it. A writer in two spaces cannot make a partner
//! hold one space's plan under the other, and members of the other space never receive it.

mod common;

use automerge::{
    Automerge, Change, ReadDoc,
    transaction::{CommitOptions, Transactable},
};
use common::*;
use serde_json::Value;
use twinmesh_node::api::Request;
use twinmesh_protocol::{
    export::{Bundle, BundleDoc, DocExport},
    ids::{DocId, SpaceId},
    keys::{SecretKey, Signature},
    schema::DocKind,
    signed::{actor_id, sign_change},
    wire::{self, ChunkSignatures, DocSnapshot, DocSync, Refusal, Response},
};

/// A plan made by `author` alone: the creating change names `named` as its space, then one
/// change per `(field, value)` (a `space` field is a rewrite of the envelope). Every change is
/// signed for `doc`.
fn crafted_plan(
    author: &SecretKey,
    doc: &DocId,
    named: &str,
    edits: &[(&str, &str)],
) -> (Automerge, Vec<(Change, Signature)>) {
    let mut am = Automerge::new().with_actor(actor_id(&author.public(), [3; 16]));
    let mut tx = am.transaction();
    tx.put(automerge::ROOT, "kind", "plan").expect("put");
    tx.put(automerge::ROOT, "schema", 1).expect("put");
    tx.put(automerge::ROOT, "space", named).expect("put");
    tx.put(automerge::ROOT, "acronym", "PLAN-S1").expect("put");
    tx.commit_with(CommitOptions::default().with_time(0));
    for (field, value) in edits {
        let mut tx = am.transaction();
        tx.put(automerge::ROOT, *field, *value).expect("put");
        tx.commit_with(CommitOptions::default().with_time(0));
    }
    let signed = am
        .get_changes(&[])
        .into_iter()
        .map(|c| {
            let sig = sign_change(author, doc, &c.hash());
            (c, sig)
        })
        .collect();
    (am, signed)
}

fn bundle_doc(doc: DocId, changes: &[(Change, Signature)]) -> BundleDoc {
    BundleDoc {
        doc,
        kind: DocKind::Plan,
        changes: changes.iter().map(|(c, s)| (c.raw_bytes().to_vec(), *s)).collect(),
    }
}

fn b64(bytes: &[u8]) -> String {
    data_encoding::BASE64.encode(bytes)
}

fn sid(v: &Value) -> SpaceId {
    v["id"].as_str().expect("space id").parse().expect("space id")
}

/// Saint-Pol founds S1 and S3; Mallory (a raw key) writes in both; Kaštela is a member of S3
/// only. Saint-Pol holds minutes in S3. No node has dialed another.
struct World {
    a: TestNode,
    m: TestNode,
    mallory: SecretKey,
    s1: SpaceId,
    s3: SpaceId,
    /// Saint-Pol's bundles of S1 (no documents) and S3 (the minutes).
    s1_bundle: Bundle,
    s3_bundle: Bundle,
    minutes: String,
}

async fn bundle_of(node: &TestNode, space: SpaceId) -> Bundle {
    let v = node.ok(Request::BundleExport { space, partner: None }).await;
    let bytes = data_encoding::BASE64.decode(v["data"].as_str().expect("data").as_bytes()).expect("b64");
    Bundle::from_bytes(&bytes).expect("bundle")
}

async fn world() -> World {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let m = TestNode::start("Kaštela", "HR").await;
    let mallory = SecretKey::from_bytes([0x66; 32]);
    let s1 = sid(&a.ok(Request::SpaceCreate { name: "Twinning S1".into() }).await);
    let s3 = sid(&a.ok(Request::SpaceCreate { name: "Network S3".into() }).await);
    add_member(&a, &s1.to_string(), &mallory, "Mallory").await;
    add_member(&a, &s3.to_string(), &mallory, "Mallory").await;
    a.ok(Request::SpaceAdd { space: s3, member: m.id().await, name: Some(m.name.clone()), role: None }).await;
    let minutes = a
        .ok(Request::DocNew { space: s3, kind: DocKind::Minutes, title: "Meeting".into(), lang: None })
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let s1_bundle = bundle_of(&a, s1).await;
    let s3_bundle = bundle_of(&a, s3).await;
    World { a, m, mallory, s1, s3, s1_bundle, s3_bundle, minutes }
}

async fn import_bundle(node: &TestNode, bundle: &Bundle) -> Result<Value, String> {
    node.req(Request::BundleImport { data: b64(&bundle.to_bytes()) }).await.map_err(|e| e.to_string())
}

async fn spaces(node: &TestNode) -> usize {
    node.ok(Request::SpaceList).await.as_array().map_or(0, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_cannot_move_a_document_into_another_space() {
    let w = world().await;
    let plan = DocId::from_bytes([0xd1; 16]);
    let (_, changes) = crafted_plan(&w.mallory, &plan, &w.s1.to_string(), &[("title", "S1's plan")]);
    // Mallory's bundle "for S3": S3's record, log and minutes, plus S1's plan.
    let mut forged = w.s3_bundle.clone();
    forged.docs.push(bundle_doc(plan, &changes));

    // Kaštela, a member of S3 only: refused whole, naming the space; nothing of it applied.
    let err = import_bundle(&w.m, &forged).await.expect_err("a bundle moving a document is refused");
    assert!(err.contains(&format!("names space {}", w.s1)) && err.contains("nothing was imported"), "{err}");
    assert!(w.m.show(&plan.to_string()).await.is_err(), "the plan is not held");
    assert!(w.m.show(&w.minutes).await.is_err(), "nothing of the bundle is applied");
    assert_eq!(spaces(&w.m).await, 0, "not even the space record");

    // Saint-Pol, in both spaces, refuses it too, so S1's own bundle of the plan still imports.
    let err = import_bundle(&w.a, &forged).await.expect_err("refused");
    assert!(err.contains("names space 'Twinning S1'"), "{err}");
    let mut legit = w.s1_bundle.clone();
    legit.docs.push(bundle_doc(plan, &changes));
    let r = import_bundle(&w.a, &legit).await.expect("the S1 bundle imports");
    assert_eq!(r["new_documents"], 1, "{r}");
    let listed = w.a.ok(Request::DocList { space: Some(w.s1) }).await;
    assert!(listed.as_array().expect("docs").iter().any(|d| d["id"] == plan.to_string()), "{listed}");

    // A plan created in S1 whose later change rewrites its space to S3: refused as well.
    let moved = DocId::from_bytes([0xd2; 16]);
    let (_, changes) = crafted_plan(&w.mallory, &moved, &w.s1.to_string(), &[("space", &w.s3.to_string())]);
    let mut forged = w.s3_bundle.clone();
    forged.docs = vec![bundle_doc(moved, &changes)];
    let err = import_bundle(&w.m, &forged).await.expect_err("a rewritten space is refused");
    assert!(err.contains("rewrites the document's space"), "{err}");
    assert!(w.m.show(&moved.to_string()).await.is_err());
    assert_eq!(spaces(&w.m).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_file_cannot_move_a_document_into_another_space() {
    let w = world().await;
    let file = |doc: DocId, am: &Automerge, changes: &[(Change, Signature)]| DocExport {
        doc_id: doc,
        space: w.s3_bundle.space.clone(),
        saved: am.save(),
        signatures: changes.iter().map(|(c, s)| (c.hash().0, *s)).collect(),
        log: w.s3_bundle.log.clone(),
    };
    let m = &w.m;
    let import = |f: DocExport| async move {
        m.req(Request::DocImport { data: b64(&f.to_bytes()), space: None }).await.map_err(|e| e.to_string())
    };
    // Created in S1, sent as S3's.
    let plan = DocId::from_bytes([0xe1; 16]);
    let (am, changes) = crafted_plan(&w.mallory, &plan, &w.s1.to_string(), &[]);
    let err = import(file(plan, &am, &changes)).await.expect_err("refused");
    assert!(err.contains(&format!("names space {}", w.s1)), "{err}");
    // Created in S1, then a change rewrites the space to S3: the content now names S3.
    let moved = DocId::from_bytes([0xe2; 16]);
    let (am, changes) = crafted_plan(&w.mallory, &moved, &w.s1.to_string(), &[("space", &w.s3.to_string())]);
    let err = import(file(moved, &am, &changes)).await.expect_err("a rewritten space is refused");
    assert!(err.contains("rewrites the document's space"), "{err}");
    for doc in [plan, moved] {
        assert!(w.m.show(&doc.to_string()).await.is_err(), "nothing imported");
    }
    assert_eq!(spaces(&w.m).await, 0, "no space listed after refused imports");
}

/// A sync round about a document new here whose content names another space applies nothing;
/// a change rewriting a held document's space is refused and the rest of its round applies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_round_cannot_move_a_document_into_another_space() {
    let w = world().await;
    // Kaštela learns S3 and its minutes.
    import_bundle(&w.m, &w.s3_bundle).await.expect("S3's bundle");
    let mut swarm = attacker_swarm(&w.mallory);
    let peer = connect(&mut swarm, &w.m.addr().await).await;
    let round = |space: SpaceId, doc: DocId, kind: DocKind, changes: &[(Change, Signature)]| {
        let refs: Vec<&Change> = changes.iter().map(|(c, _)| c).collect();
        wire::Request::Sync(DocSync {
            space,
            doc,
            kind,
            message: Some(message_of(&refs)),
            signatures: ChunkSignatures::Hashed(changes.iter().map(|(c, s)| (c.hash().0, *s)).collect()),
        })
    };

    let plan = DocId::from_bytes([0xf1; 16]);
    let (_, changes) = crafted_plan(&w.mallory, &plan, &w.s1.to_string(), &[("title", "S1's plan")]);
    let resp = ask(&mut swarm, peer, round(w.s3, plan, DocKind::Plan, &changes)).await;
    assert!(resp.is_some(), "the node answers");
    assert!(w.m.show(&plan.to_string()).await.is_err(), "nothing of the round is stored: {resp:?}");

    // On the minutes Kaštela holds: one change rewrites the space, one is an honest edit.
    let minutes: DocId = w.minutes.parse().expect("doc");
    let exported = w.m.ok(Request::DocExport { doc: minutes, format: Default::default() }).await;
    let bytes =
        data_encoding::BASE64.decode(exported["data"].as_str().expect("data").as_bytes()).expect("b64");
    let saved = DocExport::from_bytes(&bytes).expect("export").saved;
    let edit = |field: &str, value: &str, salt: u8| {
        let mut am =
            Automerge::load(&saved).expect("load").with_actor(actor_id(&w.mallory.public(), [salt; 16]));
        let mut tx = am.transaction();
        tx.put(automerge::ROOT, field, value).expect("put");
        let (h, _) = tx.commit_with(CommitOptions::default().with_time(0));
        let c = am.get_change_by_hash(&h.expect("change")).expect("change");
        let s = sign_change(&w.mallory, &minutes, &c.hash());
        (c, s)
    };
    let rewrite = edit("space", &w.s1.to_string(), 1);
    let honest = edit("location", "Kaštela", 2);
    let resp =
        ask(&mut swarm, peer, round(w.s3, minutes, DocKind::Minutes, &[rewrite.clone(), honest])).await;
    assert!(matches!(resp, Some(Response::Sync(_))), "{resp:?}");
    let shown = w.m.show(&w.minutes).await.expect("minutes");
    assert_eq!(shown["content"]["location"], "Kaštela", "the honest change applied: {shown}");
    assert_eq!(shown["space"], w.s3.to_string(), "{shown}");
    let history =
        w.m.ok(Request::DocHistory { doc: minutes, limit: Some(1000), before: None }).await["entries"]
            .clone();
    assert!(
        !history.as_array().expect("history").iter().any(|e| e["hash"] == rewrite.0.hash().to_string()),
        "the rewrite is not part of the document: {history}"
    );
    // The refused change is not kept for later either: the same round again changes nothing.
    let heads = w.m.heads(&w.minutes).await;
    ask(&mut swarm, peer, round(w.s3, minutes, DocKind::Minutes, &[rewrite])).await;
    assert_eq!(w.m.heads(&w.minutes).await, heads);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_cannot_move_a_document_into_another_space() {
    let w = world().await;
    import_bundle(&w.m, &w.s3_bundle).await.expect("S3's bundle");
    let mut swarm = attacker_swarm(&w.mallory);
    let peer = connect(&mut swarm, &w.m.addr().await).await;
    let snapshot = |doc: DocId, am: &Automerge, changes: &[(Change, Signature)]| {
        let mut sigs: Vec<_> = changes.iter().map(|(c, s)| (c.hash(), *s)).collect();
        sigs.sort_by_key(|(h, _)| *h);
        wire::Request::Snapshot(DocSnapshot {
            space: w.s3,
            doc,
            kind: DocKind::Plan,
            saved: am.save(),
            signatures: sigs.into_iter().map(|(_, s)| s).collect(),
        })
    };
    let refused_for = |r: &Option<Response>, why: &str| match r {
        Some(Response::Refused(Refusal::BadMessage(m))) => m.contains(why),
        _ => false,
    };
    let plan = DocId::from_bytes([0xa1; 16]);
    let (am, changes) = crafted_plan(&w.mallory, &plan, &w.s1.to_string(), &[]);
    let r = ask(&mut swarm, peer, snapshot(plan, &am, &changes)).await;
    assert!(refused_for(&r, &format!("names space {}", w.s1)), "{r:?}");
    let moved = DocId::from_bytes([0xa2; 16]);
    let (am, changes) = crafted_plan(&w.mallory, &moved, &w.s1.to_string(), &[("space", &w.s3.to_string())]);
    let r = ask(&mut swarm, peer, snapshot(moved, &am, &changes)).await;
    assert!(refused_for(&r, "rewrites the document's space"), "{r:?}");
    for doc in [plan, moved] {
        assert!(w.m.show(&doc.to_string()).await.is_err(), "nothing stored");
    }
}

/// Three real nodes: Warstein writes in S1 and S3 and holds S1's plan; it hands Saint-Pol (in
/// both) a bundle that lists the plan under S3. Saint-Pol refuses it, so Kaštela (S3 only)
/// never receives the plan, while S3's minutes reach it and the plan syncs within S1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_in_two_spaces_cannot_pass_a_plan_to_members_of_the_other() {
    let w = world().await;
    let (a, m) = (&w.a, &w.m);
    let wa = TestNode::start("Warstein", "DE").await;
    for space in [w.s1, w.s3] {
        a.ok(Request::SpaceAdd { space, member: wa.id().await, name: Some(wa.name.clone()), role: None })
            .await;
    }
    import_bundle(&wa, &bundle_of(a, w.s1).await).await.expect("S1");
    import_bundle(&wa, &bundle_of(a, w.s3).await).await.expect("S3");
    let plan = wa
        .ok(Request::DocNew { space: w.s1, kind: DocKind::Plan, title: "S1 plan".into(), lang: None })
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    wa.set(&plan, "acronym", "S1-ONLY").await;
    let mut forged = bundle_of(a, w.s3).await;
    forged.docs = bundle_of(&wa, w.s1).await.docs;
    assert!(forged.docs.iter().any(|d| d.doc.to_string() == plan));
    let err = import_bundle(a, &forged).await.expect_err("Saint-Pol refuses the forged bundle");
    assert!(err.contains("names space 'Twinning S1'"), "{err}");

    // Everyone meets everyone.
    m.dial(a).await;
    m.dial(&wa).await;
    a.dial(&wa).await;
    eventually("S3's minutes reach Kaštela", || async { m.show(&w.minutes).await.is_ok() }).await;
    eventually("the plan syncs within S1", || async { converged(&[a, &wa], &plan).await }).await;
    wa.set(&plan, "acronym", "S1-ONLY-2").await;
    eventually("a later edit syncs within S1", || async { converged(&[a, &wa], &plan).await }).await;
    a.set(&w.minutes, "location", "Saint-Pol").await;
    eventually("a later S3 edit reaches Kaštela", || async { converged(&[a, m], &w.minutes).await }).await;
    assert!(m.show(&plan).await.is_err(), "Kaštela never receives S1's plan");
    let held = m.ok(Request::DocList { space: None }).await;
    assert!(!held.as_array().expect("docs").iter().any(|d| d["id"] == plan.as_str()), "{held}");
}

/// An import refused because of a change's author names the author by town, not by hex key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_refusal_names_the_author_by_town() {
    let w = world().await;
    // Oskar is known to Saint-Pol as a viewer of S3, and writes a change in an S1 plan.
    let oskar = SecretKey::from_bytes([0x0c; 32]);
    w.a.ok(Request::SpaceAdd {
        space: w.s3,
        member: twinmesh_node::identity::peer_id(&oskar.public()).to_string(),
        name: Some("Oskarshamn".into()),
        role: Some(twinmesh_protocol::membership::Role::Viewer),
    })
    .await;
    let plan = DocId::from_bytes([0xb1; 16]);
    let (mut am, mut changes) = crafted_plan(&w.mallory, &plan, &w.s1.to_string(), &[]);
    am.set_actor(actor_id(&oskar.public(), [5; 16]));
    let mut tx = am.transaction();
    tx.put(automerge::ROOT, "acronym", "OSKAR").expect("put");
    let (h, _) = tx.commit_with(CommitOptions::default().with_time(0));
    let c = am.get_change_by_hash(&h.expect("change")).expect("change");
    let s = sign_change(&oskar, &plan, &c.hash());
    changes.push((c, s));
    let short = oskar.public().fmt_short();
    let mut bundle = w.s1_bundle.clone();
    bundle.docs = vec![bundle_doc(plan, &changes)];
    let err = import_bundle(&w.a, &bundle).await.expect_err("refused");
    assert!(err.contains(&format!("Oskarshamn (key {short})")), "{err}");
    let file = DocExport {
        doc_id: plan,
        space: w.s1_bundle.space.clone(),
        saved: am.save(),
        signatures: changes.iter().map(|(c, s)| (c.hash().0, *s)).collect(),
        log: w.s1_bundle.log.clone(),
    };
    let err =
        w.a.req(Request::DocImport { data: b64(&file.to_bytes()), space: None }).await.expect_err("refused");
    assert!(err.to_string().contains(&format!("Oskarshamn (key {short})")), "{err}");
}

/// A change rewriting the space that waits in the quarantine for a change it depends on is
/// refused when that change arrives, and neither blocks the round that brings it nor later ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_change_rewriting_the_space_cannot_block_the_document() {
    let w = world().await;
    import_bundle(&w.m, &w.s3_bundle).await.expect("S3's bundle");
    let mut swarm = attacker_swarm(&w.mallory);
    let peer = connect(&mut swarm, &w.m.addr().await).await;
    let minutes: DocId = w.minutes.parse().expect("doc");
    let exported = w.m.ok(Request::DocExport { doc: minutes, format: Default::default() }).await;
    let bytes =
        data_encoding::BASE64.decode(exported["data"].as_str().expect("data").as_bytes()).expect("b64");
    let mut am = Automerge::load(&DocExport::from_bytes(&bytes).expect("export").saved)
        .expect("load")
        .with_actor(actor_id(&w.mallory.public(), [4; 16]));
    let mut next = |field: &str, value: &str| {
        let mut tx = am.transaction();
        tx.put(automerge::ROOT, field, value).expect("put");
        let (h, _) = tx.commit_with(CommitOptions::default().with_time(0));
        let c = am.get_change_by_hash(&h.expect("change")).expect("change");
        let s = sign_change(&w.mallory, &minutes, &c.hash());
        (c, s)
    };
    let first = next("location", "one");
    let rewrite = next("space", &w.s1.to_string());
    let round = |changes: &[(Change, Signature)]| {
        let refs: Vec<&Change> = changes.iter().map(|(c, _)| c).collect();
        wire::Request::Sync(DocSync {
            space: w.s3,
            doc: minutes,
            kind: DocKind::Minutes,
            message: Some(message_of(&refs)),
            signatures: ChunkSignatures::Hashed(changes.iter().map(|(c, s)| (c.hash().0, *s)).collect()),
        })
    };
    // The rewrite alone waits for `first`; then `first` arrives and releases it.
    ask(&mut swarm, peer, round(std::slice::from_ref(&rewrite))).await;
    let resp = ask(&mut swarm, peer, round(std::slice::from_ref(&first))).await;
    assert!(matches!(resp, Some(Response::Sync(_))), "{resp:?}");
    let shown = w.m.show(&w.minutes).await.expect("minutes");
    assert_eq!(shown["content"]["location"], "one", "the round bringing the dependency applied: {shown}");
    let history =
        w.m.ok(Request::DocHistory { doc: minutes, limit: Some(1000), before: None }).await["entries"]
            .clone();
    let hashes: Vec<&Value> = history.as_array().expect("history").iter().map(|e| &e["hash"]).collect();
    assert!(hashes.contains(&&Value::from(first.0.hash().to_string())), "{history}");
    assert!(
        !hashes.contains(&&Value::from(rewrite.0.hash().to_string())),
        "the rewrite is refused: {history}"
    );
    // Saint-Pol's edits still reach Kaštela.
    w.m.dial(&w.a).await;
    w.a.set(&w.minutes, "location", "Saint-Pol").await;
    eventually("Saint-Pol and Kaštela converge", || async { converged(&[&w.a, &w.m], &w.minutes).await })
        .await;
    let history =
        w.m.ok(Request::DocHistory { doc: minutes, limit: Some(1000), before: None }).await["entries"]
            .clone();
    assert!(
        history.as_array().expect("history").iter().any(|e| e["author"] == "Saint-Pol-sur-Ternoise"
            && e["message"].as_str().is_some_and(|m| m.contains("Saint-Pol"))),
        "{history}"
    );
}
