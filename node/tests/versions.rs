//! Named versions and approval by every partner town, between real nodes on loopback: three
//! towns approve one version, a later edit shows it changed since, restoring brings the value
//! back as a new change, an approval survives its town's revocation, and a forged approval (one
//! town writing another's decision) is refused on receipt and never counts.

mod common;

use automerge::{
    Automerge, ReadDoc,
    transaction::{CommitOptions, Transactable},
};
use common::*;
use serde_json::{Value, json};
use twinmesh_node::{
    api::{Envelope, Request},
    engine::Decision,
    i18n::Lang,
    identity::peer_id,
};
use twinmesh_protocol::{
    export::DocExport,
    ids::{DocId, SpaceId},
    keys::SecretKey,
    schema::DocKind,
    signed::{actor_id, sign_change},
    wire::{self, ChunkSignatures, DocSnapshot, DocSync, Refusal, Response},
};

async fn as_officer(node: &TestNode, officer: &str, request: Request) -> Value {
    node.node()
        .handle()
        .request(Envelope { officer: Some(officer.into()), request })
        .await
        .expect("request succeeds")
}

async fn versions(node: &TestNode, doc: &str) -> Vec<Value> {
    let v = node.ok(Request::DocVersions { doc: doc.parse().expect("doc"), lang: Some(Lang::Fr) }).await;
    v["versions"].as_array().expect("versions").clone()
}

fn approve(doc: &str, version: &str, reference: &str) -> Request {
    Request::DocApprove {
        doc: doc.parse().expect("doc"),
        version: version.into(),
        decision: Decision::Approved,
        reference: reference.into(),
        date: "2027-02-10".into(),
    }
}

/// The decisions of the first version, without what only differs by node (names are local).
fn decisions(v: &Value) -> Value {
    let all = v["decisions"].as_array().expect("decisions");
    json!(
        all.iter()
            .map(|d| json!([d["town"], d["decision"], d["reference"], d["date"], d["officer"], d["change"]]))
            .collect::<Vec<_>>()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_towns_approve_a_version_an_edit_shows_changed_since_and_restore_brings_it_back() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let c = TestNode::start("Câmpulung", "RO").await;
    let (space, doc) = space_with_plan(&a, &[&b, &c]).await;
    b.dial(&a).await;
    c.dial(&a).await;
    a.set(&doc, "acronym", "CIRCLE60").await;
    eventually("B and C hold the plan", || async { converged(&[&a, &b, &c], &doc).await }).await;

    let named = as_officer(
        &a,
        "C. Dufresne",
        Request::DocVersionName {
            doc: doc.parse().expect("doc"),
            name: "submitted to EACEA 2027-02-12".into(),
        },
    )
    .await;
    let vid = named["id"].as_str().expect("version id").to_string();
    assert_eq!(named["approved"], 0);
    assert_eq!(named["towns"], 3, "three towns with write rights: {named}");
    assert_eq!(named["changed_since"], false);
    eventually("every town holds the version", || async {
        converged(&[&a, &b, &c], &doc).await && versions(&c, &doc).await.len() == 1
    })
    .await;

    // An editor cannot ask for approval; the admin can.
    let err = b
        .req(Request::DocRequestApproval { doc: doc.parse().expect("doc"), version: vid.clone() })
        .await
        .expect_err("an editor may not request approval");
    assert!(err.to_string().contains("only an admin"), "{err}");
    let requested =
        a.ok(Request::DocRequestApproval { doc: doc.parse().expect("doc"), version: vid.clone() }).await;
    assert_eq!(requested["requested"], "Saint-Pol-sur-Ternoise");
    eventually("the request reached everyone", || async { converged(&[&a, &b, &c], &doc).await }).await;

    // Each town records its council's decision, by name of the version or by id.
    as_officer(&a, "C. Dufresne", approve(&doc, &vid, "Délibération 2027-014")).await;
    as_officer(&b, "J. Becker", approve(&doc, "submitted to EACEA 2027-02-12", "Ratsbeschluss 12/2027"))
        .await;
    as_officer(&c, "I. Popescu", approve(&doc, &vid, "HCL 31/2027")).await;
    eventually("approved by 3 of 3 towns on every node", || async {
        if !converged(&[&a, &b, &c], &doc).await {
            return false;
        }
        for n in [&a, &b, &c] {
            let v = &versions(n, &doc).await[0];
            if v["approved"] != 3 || v["towns"] != 3 || v["approved_by_all"] != true {
                return false;
            }
        }
        true
    })
    .await;
    let on_a = versions(&a, &doc).await[0].clone();
    for n in [&b, &c] {
        let v = versions(n, &doc).await[0].clone();
        assert_eq!(decisions(&v), decisions(&on_a), "identical records on every node");
        assert_eq!(v["changed_since"], false, "{v}");
        assert_eq!(v["requested"], "Saint-Pol-sur-Ternoise");
    }
    let refs: Vec<&str> =
        on_a["decisions"].as_array().expect("d").iter().filter_map(|d| d["reference"].as_str()).collect();
    assert!(refs.contains(&"Ratsbeschluss 12/2027") && refs.contains(&"HCL 31/2027"), "{refs:?}");

    // Warstein edits a field: the approved version is no longer the current one, everywhere.
    b.set(&doc, "acronym", "CIRCLE61").await;
    eventually("every node shows the version changed since, naming the field", || async {
        if !converged(&[&a, &b, &c], &doc).await {
            return false;
        }
        for n in [&a, &b, &c] {
            let v = &versions(n, &doc).await[0];
            let fields: Vec<&str> = v["changes_since"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|i| i["path"].as_str())
                .collect();
            if v["changed_since"] != true || fields != ["acronym"] || v["approved"] != 3 {
                return false;
            }
        }
        true
    })
    .await;
    let v = &versions(&a, &doc).await[0];
    let item = &v["changes_since"][0];
    assert_eq!(item["before"], "CIRCLE60", "{item}");
    assert_eq!(item["after"], "CIRCLE61", "{item}");
    let cmp = a
        .ok(Request::DocCompare {
            doc: doc.parse().expect("doc"),
            from: vid.clone(),
            to: None,
            lang: Some(Lang::De),
        })
        .await;
    assert_eq!(cmp["changes"][0]["path"], "acronym", "{cmp}");
    let at =
        a.ok(Request::DocVersion { doc: doc.parse().expect("doc"), version: vid.clone(), lang: None }).await;
    assert_eq!(at["content"]["acronym"], "CIRCLE60", "the content at the version");

    // Restoring writes the old value back as a new signed change; history keeps both.
    let restored = as_officer(
        &c,
        "I. Popescu",
        Request::DocRestore { doc: doc.parse().expect("doc"), version: vid.clone() },
    )
    .await;
    assert!(restored["change"].is_string(), "{restored}");
    eventually("the restore reached everyone", || async {
        converged(&[&a, &b, &c], &doc).await
            && a.show(&doc).await.map(|s| s["content"]["acronym"] == "CIRCLE60").unwrap_or(false)
    })
    .await;
    let history =
        a.ok(Request::DocHistory { doc: doc.parse().expect("doc"), limit: None, before: None }).await;
    let messages: Vec<&str> = history["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(messages.iter().any(|m| m.contains("acronym: 'CIRCLE60' -> 'CIRCLE61'")), "{messages:?}");
    assert!(
        messages.last().is_some_and(|m| m.contains("restored version 'submitted to EACEA 2027-02-12'")),
        "{messages:?}"
    );
    for n in [&a, &b, &c] {
        assert_eq!(versions(n, &doc).await[0]["changed_since"], false, "back to the approved content");
    }

    // Câmpulung is revoked: its approval, made while a member, still counts (and so does it).
    a.ok(Request::SpaceRemove { space: space.parse().expect("space"), member: c.id().await }).await;
    eventually("B learns of the revocation", || async {
        let m = b.ok(Request::SpaceMembers { space: space.parse().expect("space") }).await;
        m["members"].as_array().expect("members").iter().any(|x| x["active"] == false)
    })
    .await;
    for n in [&a, &b] {
        let v = &versions(n, &doc).await[0];
        assert_eq!(v["approved"], 3, "{v}");
        assert_eq!(v["towns"], 3, "the revoked town is counted by its decision: {v}");
        assert_eq!(v["pending"], json!([]), "{v}");
    }
}

/// A change on top of `saved` by `key` (actor suffix `suffix`) writing `value` under root `key_name`.
fn record_change(
    saved: &[u8],
    key: &SecretKey,
    suffix: u8,
    key_name: &str,
    value: &str,
) -> automerge::Change {
    let mut doc = Automerge::load(saved).expect("load").with_actor(actor_id(&key.public(), [suffix; 16]));
    let mut tx = doc.transaction();
    tx.put(automerge::ROOT, key_name, value).expect("put");
    let (hash, _) = tx.commit_with(CommitOptions::default().with_message("approval").with_time(0));
    doc.get_change_by_hash(&hash.expect("a change")).expect("change")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_approval_is_refused_on_receipt_with_a_clear_reason_and_never_counts() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let mallory = SecretKey::from_bytes([0x66; 32]);
    let (space, doc) = space_with_plan(&a, &[]).await;
    add_member(&a, &space, &mallory, "Mallory").await;
    let named = a.ok(Request::DocVersionName { doc: doc.parse().expect("doc"), name: "v1".into() }).await;
    let vid = named["id"].as_str().expect("id").to_string();
    let heads = named["heads"].clone();
    let a_id = a.id().await;
    let m_id = peer_id(&mallory.public()).to_string();
    let v = a.ok(Request::DocExport { doc: doc.parse().expect("doc"), format: Default::default() }).await;
    let bytes = data_encoding::BASE64.decode(v["data"].as_str().expect("data").as_bytes()).expect("b64");
    let saved = DocExport::from_bytes(&bytes).expect("export").saved;
    let record = json!({"decision": "approved", "reference": "Délibération 2027-014", "date": "2027-02-10",
        "heads": heads, "officer": "C. Dufresne", "at": 1})
    .to_string();
    // Mallory writes Saint-Pol's decision (forged), and, separately, its own (allowed).
    let forged = record_change(&saved, &mallory, 1, &format!("_approval/{vid}/{a_id}"), &record);
    let own = record_change(&saved, &mallory, 2, &format!("_approval/{vid}/{m_id}"), &record);
    let doc_id: DocId = doc.parse().expect("doc");
    let space_id: SpaceId = space.parse().expect("space");
    let mut swarm = attacker_swarm(&mallory);
    let peer = connect(&mut swarm, &a.addr().await).await;
    for c in [&forged, &own] {
        let round = wire::Request::Sync(DocSync {
            space: space_id,
            doc: doc_id,
            kind: DocKind::Plan,
            message: Some(message_of(&[c])),
            signatures: ChunkSignatures::Hashed(vec![(
                c.hash().0,
                sign_change(&mallory, &doc_id, &c.hash()),
            )]),
        });
        let resp = ask(&mut swarm, peer, round).await;
        assert!(matches!(resp, Some(Response::Sync(_))), "the node answers the round: {resp:?}");
    }

    let v = &versions(&a, &doc).await[0];
    let towns: Vec<&str> =
        v["decisions"].as_array().expect("d").iter().filter_map(|d| d["town"].as_str()).collect();
    assert_eq!(towns, [m_id.as_str()], "Mallory's own decision counts, the forged one does not: {v}");
    assert_eq!(v["approved"], 1);
    let history =
        a.ok(Request::DocHistory { doc: doc.parse().expect("doc"), limit: None, before: None }).await;
    let refused: Vec<&str> = history["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["refused_because"].as_str())
        .collect();
    assert_eq!(refused.len(), 1, "{history}");
    assert!(refused[0].contains("forged approval") && refused[0].contains(&a_id), "{}", refused[0]);
    assert!(a.show(&doc).await.is_ok(), "the node keeps serving");
}

/// The same forgery inside a whole-document snapshot (the first sync of a document a town does
/// not hold): the snapshot is refused entirely, naming the forged approval; the same document
/// with the member's own decision instead is installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_carrying_a_forged_approval_is_refused() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let mallory = SecretKey::from_bytes([0x66; 32]);
    let (space, _) = space_with_plan(&a, &[]).await;
    add_member(&a, &space, &mallory, "Mallory").await;
    let space: SpaceId = space.parse().expect("space");
    let a_id = a.id().await;
    let m_id = peer_id(&mallory.public()).to_string();
    let mut swarm = attacker_swarm(&mallory);
    let peer = connect(&mut swarm, &a.addr().await).await;
    let crafted = |doc: DocId, town: &str| {
        let mut am = Automerge::new().with_actor(actor_id(&mallory.public(), [0; 16]));
        let mut tx = am.transaction();
        tx.put(automerge::ROOT, "kind", "plan").expect("put");
        tx.put(automerge::ROOT, "space", space.to_string()).expect("put");
        let (h1, _) = tx.commit_with(CommitOptions::default().with_time(0));
        let h1 = h1.expect("change");
        let record = json!({"decision": "approved", "reference": "R", "date": "2027-02-10",
            "heads": [h1.to_string()], "at": 1});
        let mut tx = am.transaction();
        tx.put(automerge::ROOT, format!("_approval/v1/{town}"), record.to_string()).expect("put");
        let (h2, _) = tx.commit_with(CommitOptions::default().with_time(0));
        let h2 = h2.expect("change");
        let mut sigs = vec![(h1, sign_change(&mallory, &doc, &h1)), (h2, sign_change(&mallory, &doc, &h2))];
        sigs.sort_by_key(|(h, _)| *h);
        wire::Request::Snapshot(DocSnapshot {
            space,
            doc,
            kind: DocKind::Plan,
            saved: am.save(),
            signatures: sigs.into_iter().map(|(_, s)| s).collect(),
        })
    };
    let forged = DocId::from_bytes([1; 16]);
    match ask(&mut swarm, peer, crafted(forged, &a_id)).await {
        Some(Response::Refused(Refusal::BadMessage(m))) => assert!(m.contains("forged approval"), "{m}"),
        other => panic!("expected a refusal naming the forged approval, got {other:?}"),
    }
    assert!(a.show(&forged.to_string()).await.is_err(), "nothing stored");
    let own = DocId::from_bytes([2; 16]);
    match ask(&mut swarm, peer, crafted(own, &m_id)).await {
        Some(Response::Installed { doc, .. }) => assert_eq!(doc, own),
        other => panic!("Mallory's own decision: expected Installed, got {other:?}"),
    }
}
