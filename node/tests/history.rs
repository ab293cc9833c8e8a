//! History as people read it, between two real nodes on loopback: both towns set the same
//! amount while apart, the merge holds both values, and a later edit that keeps one of them is
//! named "conflict settled" on both nodes, in the reader's language.

mod common;

use common::*;
use serde_json::Value;
use twinmesh_node::{
    api::{Envelope, Request},
    i18n::Lang,
};

async fn sittings(node: &TestNode, doc: &str, lang: Lang, town: Option<&str>) -> Value {
    node.ok(Request::DocSittings {
        doc: doc.parse().expect("doc"),
        limit: Some(1000),
        before: None,
        town: town.map(str::to_string),
        by_officer: None,
        field: None,
        since: None,
        until: None,
        lang: Some(lang),
    })
    .await
}

fn texts(items: &Value) -> Vec<String> {
    items.as_array().into_iter().flatten().filter_map(|i| i["text"].as_str().map(str::to_string)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conflict_made_by_two_towns_and_settled_by_one_reads_as_settled_on_both() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let mut b = TestNode::start("Warstein", "DE").await;
    let (_space, doc) = space_with_plan(&a, &[&b]).await;
    b.dial(&a).await;
    eventually("B holds the plan", || async { converged(&[&a, &b], &doc).await }).await;

    // Apart, both towns set the same amount.
    b.stop().await;
    a.set(&doc, "budget/lines/0/amount", "3800.50").await;
    {
        let mut engine =
            twinmesh_node::Engine::open(&twinmesh_node::DataDir::new(b.dir.path())).expect("offline open");
        let edit = twinmesh_node::engine::Edit::Set {
            path: "budget/lines/0/amount".parse().expect("path"),
            value: "4150".into(),
        };
        engine.edit(&doc.parse().expect("doc"), &[edit], Some("J. Becker"), None).expect("offline edit");
    }
    b.restart().await;
    b.dial(&a).await;
    eventually("heads converge after B's restart", || async { converged(&[&a, &b], &doc).await }).await;
    let shown = a.show(&doc).await.expect("show");
    assert_eq!(shown["conflicts"][0]["path"], "budget/lines/0/amount", "{shown}");

    // Saint-Pol's officer settles it, keeping Warstein's value.
    ok_as(
        &a,
        "C. Dufresne",
        Request::DocEdit {
            doc: doc.parse().expect("doc"),
            edits: vec![twinmesh_node::api::EditSpec::Set {
                path: "budget/lines/0/amount".into(),
                value: "4150".into(),
            }],
            message: None,
            lang: None,
        },
    )
    .await;
    eventually("B has the settling change", || async { converged(&[&a, &b], &doc).await }).await;

    for node in [&a, &b] {
        let de = sittings(node, &doc, Lang::De, None).await;
        let entries = de["entries"].as_array().expect("entries");
        let last = entries.last().expect("a change");
        assert_eq!(last["officer"], "C. Dufresne");
        assert_eq!(
            texts(&last["items"]),
            vec!["Budgetposten 1 · Betrag: Konflikt gelöst, 4.150,00\u{a0}€ behalten".to_string()],
            "{de}"
        );
        assert_eq!(last["items"][0]["what"], "settled");
        assert_eq!(last["items"][0]["path"], "budget/lines/0/amount");
        // Before it, the field held both towns' values.
        let before = last["items"][0]["before"].as_str().expect("before");
        assert!(before.contains("3.800,50\u{a0}€") && before.contains("4.150,00\u{a0}€"), "{before}");
        // Each town's own edit, read as its officer saw it.
        let all: Vec<String> = entries.iter().flat_map(|e| texts(&e["items"])).collect();
        assert!(
            all.contains(&"Budgetposten 1 · Betrag: 3.000,00\u{a0}€ → 3.800,50\u{a0}€".to_string()),
            "{all:?}"
        );
        assert!(
            all.contains(&"Budgetposten 1 · Betrag: 3.000,00\u{a0}€ → 4.150,00\u{a0}€".to_string()),
            "{all:?}"
        );
        // The settling change is a sitting of its own, by Saint-Pol's officer.
        let groups = de["sittings"].as_array().expect("sittings");
        let settled = groups.last().expect("a sitting");
        assert_eq!(
            (settled["town"].as_str(), settled["officer"].as_str()),
            (Some("Saint-Pol-sur-Ternoise"), Some("C. Dufresne"))
        );
        assert_eq!(settled["changes"], 1);

        // Filtered by town: only Warstein's change.
        let warstein = sittings(node, &doc, Lang::En, Some("Warstein")).await;
        let only = warstein["entries"].as_array().expect("entries");
        assert_eq!(only.len(), 1, "{warstein}");
        assert_eq!(only[0]["officer"], "J. Becker");
        // And English labels for an English reader.
        let en = sittings(node, &doc, Lang::En, None).await;
        let last = en["entries"].as_array().and_then(|e| e.last().cloned()).expect("last");
        assert_eq!(
            texts(&last["items"]),
            vec!["Budget line 1 · Amount: conflict settled, kept €4,150.00".to_string()]
        );
    }
}

/// `request` made by `officer` on `node`.
async fn ok_as(node: &TestNode, officer: &str, request: Request) -> Value {
    node.node()
        .handle()
        .request(Envelope { officer: Some(officer.into()), request })
        .await
        .expect("request succeeds")
}
