//! Partners that are never online together: store and forward through a third town, and
//! bundles carried by file.

mod common;

use common::*;
use serde_json::Value;
use twinmesh_node::api::Request;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_reaches_a_town_that_never_meets_its_author() {
    let mut a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let mut c = TestNode::start("Hebden Royd", "GB").await;
    let (_space, doc) = space_with_plan(&a, &[&b, &c]).await;
    // A edits, C syncs with A, then A goes offline.
    a.set(&doc, "acronym", "FROM-A").await;
    c.dial(&a).await;
    eventually("C has A's edit", || async { converged(&[&a, &c], &doc).await }).await;
    a.stop().await;
    c.stop().await;
    // Later C meets B; B never met A.
    c.restart().await;
    b.dial(&c).await;
    eventually("B has A's edit through C", || async {
        b.show(&doc).await.map(|v| v["content"]["acronym"] == "FROM-A").unwrap_or(false)
    })
    .await;
    let peers = b.ok(Request::Peers).await;
    assert!(
        !peers.as_array().expect("peers").iter().any(|p| p["name"] == "Saint-Pol-sur-Ternoise"),
        "B never connected to A: {peers}"
    );
    let hist = b
        .ok(Request::DocHistory { doc: doc.parse().expect("doc"), limit: Some(1000), before: None })
        .await["entries"]
        .clone();
    assert!(hist.as_array().expect("hist").iter().any(|e| e["author"] == "Saint-Pol-sur-Ternoise"
        && e["signature"] == "verified"
        && e["message"].as_str().is_some_and(|m| m.contains("FROM-A"))));
}

fn b64(v: &Value) -> Vec<u8> {
    data_encoding::BASE64.decode(v["data"].as_str().expect("data").as_bytes()).expect("base64")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bundles_carry_changes_and_bad_bundles_change_nothing() {
    let a = TestNode::start("Saint-Pol-sur-Ternoise", "FR").await;
    let b = TestNode::start("Warstein", "DE").await;
    let stranger = TestNode::start("Elsewhere", "IT").await;
    let (space, doc) = space_with_plan(&a, &[&b]).await;
    let sp: twinmesh_protocol::ids::SpaceId = space.parse().expect("space");
    a.set(&doc, "acronym", "BUNDLED").await;
    let full = a.ok(Request::BundleExport { space: sp, partner: None }).await;
    let bytes = b64(&full);
    let data = |b: &[u8]| data_encoding::BASE64.encode(b);

    // Truncated, altered and foreign bundles are refused, and nothing of them is applied.
    for bad in [bytes[..bytes.len() / 2].to_vec(), bytes[..bytes.len() - 1].to_vec()] {
        let err = b.req(Request::BundleImport { data: data(&bad) }).await.expect_err("truncated");
        assert!(err.to_string().contains("truncated or corrupt"), "{err}");
    }
    let mut altered = bytes.clone();
    let n = altered.len() - 40;
    altered[n] ^= 0x01;
    assert!(b.req(Request::BundleImport { data: data(&altered) }).await.is_err(), "altered bundle accepted");
    assert!(b.show(&doc).await.is_err(), "a refused bundle left the document behind");
    assert_eq!(b.ok(Request::SpaceList).await.as_array().map(Vec::len), Some(0));
    let err = stranger.req(Request::BundleImport { data: data(&bytes) }).await.expect_err("foreign");
    assert!(err.to_string().contains("not a member"), "{err}");
    assert_eq!(stranger.ok(Request::SpaceList).await.as_array().map(Vec::len), Some(0));

    // The real bundle brings the space, its members and the plan.
    let r = b.ok(Request::BundleImport { data: data(&bytes) }).await;
    assert_eq!(r["new_documents"], 1);
    assert_eq!(r["changes_added"], r["changes_in_bundle"]);
    assert!(converged(&[&a, &b], &doc).await);
    assert_eq!(b.show(&doc).await.expect("b")["content"]["acronym"], "BUNDLED");
    // Importing it again adds nothing.
    assert_eq!(b.ok(Request::BundleImport { data: data(&bytes) }).await["changes_added"], 0);

    // After a sync, a bundle "for" the partner holds only what it lacks.
    b.dial(&a).await;
    let _ = b.ok(Request::Sync { doc: None }).await;
    eventually("synced", || async { converged(&[&a, &b], &doc).await }).await;
    a.set(&doc, "working_language", "FR").await;
    // Wait until the live sync is done, so shared heads are persisted on A.
    eventually("live sync done", || async { converged(&[&a, &b], &doc).await }).await;
    a.set(&doc, "status", "submitted").await;
    let partial = a.ok(Request::BundleExport { space: sp, partner: Some("Warstein".into()) }).await;
    assert_eq!(partial["incremental"], true);
    assert!(
        partial["changes"].as_u64().expect("n") < full["changes"].as_u64().expect("n"),
        "partial {partial} vs full {full}"
    );
}
