//! The sync panel and presence in a real browser (issue 13 item 4): the dashboard shows a
//! partner town with the changes waiting for it, "Sync now" reaches it and brings the count to
//! 0, and an officer's editor shows that the partner town has the document open. Screenshots
//! at 1280 and 390 px in `<target dir>/screenshots/`, with a check that no control is
//! off-screen.
//!
//! Needs Chromium and chromedriver, like browser.rs: without them it fails when `CI` or
//! `TWIN_REQUIRE_REAL=1` is set, and elsewhere prints a SKIPPED line.

mod common;

use std::time::Duration;

use common::{
    TIMEOUT,
    web::{ApiNode, Browser, OFF_SCREEN_JS, driver_or_skip, runtime, sign_in, wait_for},
};
use serde_json::{Value, json};
use twinmesh_node::{Config, DataDir, Node};

/// How long "Sync now" may take to reach an offline town and bring its count to 0: well under
/// the 30 s after which the node would redial it by itself.
const SYNC_NOW_BOUND: Duration = Duration::from_secs(8);

/// Screenshots at 1280 and 390 px scrolled to `show`, checking nothing is off-screen; the
/// window is left at 1280 px.
fn shots(b: &Browser, name: &str, show: &str) {
    for width in [1280, 390] {
        b.set_size(width, 1000);
        wait_for(&format!("a {width} px window"), TIMEOUT, || {
            b.js("return window.innerWidth;", vec![]).as_u64().is_some_and(|w| w <= u64::from(width))
        });
        assert_eq!(b.js(OFF_SCREEN_JS, vec![json!("main")]), json!([]), "{name}: off-screen at {width} px");
        b.js(
            "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' }); return true;",
            vec![json!(show)],
        );
        let shot = b.screenshot(&format!("{name}-{width}"));
        let len = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
        assert!(len > 10_000, "{} looks empty ({len} bytes)", shot.display());
    }
    b.set_size(1280, 900);
}

/// The partner row of `town` in the sync panel: (state cell text, waiting, last synced).
fn partner_row(b: &Browser, town: &str) -> Option<(String, String, String)> {
    let v = b.js(
        "const r = Array.from(document.querySelectorAll('#sync-panel tr[data-partner]')).find((r) => r.textContent.includes(arguments[0]));\
         return r ? [r.querySelector('td.state').textContent, r.querySelector('td.waiting').dataset.waiting, r.querySelector('td.last-synced').textContent] : null;",
        vec![json!(town)],
    );
    let s = |i: usize| v[i].as_str().unwrap_or("").to_string();
    v.is_array().then(|| (s(0), s(1), s(2)))
}

#[test]
fn the_sync_panel_counts_waiting_changes_sync_now_clears_them_and_the_editor_shows_presence() {
    let Some(driver) = driver_or_skip("the_sync_panel_counts_waiting_changes") else { return };
    let rt = runtime();
    let poix = ApiNode::start(&rt, "Poix-du-Nord", "FR");
    let mut warstein = ApiNode::start(&rt, "Warstein", "DE");
    let space = poix.found_partnership("Poix-du-Nord – Warstein", &warstein, "Warstein");
    let doc = poix.ok(
        "POST",
        "/api/v1/docs",
        Some(json!({"space": space, "kind": "plan", "title": "CIRCLE60", "officer": "Marie Dupont"})),
    )["id"]
        .as_str()
        .expect("doc")
        .to_string();
    warstein.ok("POST", "/api/v1/peers", Some(json!({"addr": poix.p2p_addr(&rt)})));
    wait_for("Warstein holds the plan", TIMEOUT, || {
        warstein.call("GET", &format!("/api/v1/docs/{doc}"), None).0 == 200
    });

    let a = driver.session(1280, 900);
    let b = driver.session(1280, 900);
    sign_in(&a, &poix, "Marie Dupont");
    sign_in(&b, &warstein, "J. Becker");

    // Poix-du-Nord's dashboard: Warstein online, nothing waiting for it, synced.
    a.goto(&format!("{}/#/", poix.url));
    a.find("#sync-panel tr[data-partner]");
    wait_for("Warstein online, nothing waiting", TIMEOUT, || {
        partner_row(&a, "Warstein")
            .is_some_and(|(state, waiting, _)| state.contains("online") && waiting == "0")
    });
    a.find(&format!("tr[data-doc='{doc}'] .badge.in-sync"));

    // Warstein's node stops; Poix-du-Nord edits twice. The panel counts the two changes live.
    // (A town listens on a fixed port; the node comes back on the same one.)
    let p2p = warstein.p2p_addr(&rt);
    let listen = p2p.split("/p2p/").next().expect("address").to_string();
    warstein.stop(&rt);
    wait_for("Warstein offline", TIMEOUT, || {
        partner_row(&a, "Warstein").is_some_and(|(state, _, _)| state.contains("offline"))
    });
    for acronym in ["C60", "CIRCLE60"] {
        poix.ok(
            "POST",
            &format!("/api/v1/docs/{doc}/edits"),
            Some(json!({"edits": [{"op": "set", "path": "acronym", "value": acronym}], "officer": "Marie Dupont"})),
        );
    }
    wait_for("two changes wait for Warstein", TIMEOUT, || {
        partner_row(&a, "Warstein").is_some_and(|(_, waiting, _)| waiting == "2")
    });
    let (_, _, synced_before) = partner_row(&a, "Warstein").expect("row");
    assert_ne!(synced_before, "never", "Warstein synced before it went offline");
    // Offline with changes waiting: the panel points to the file to carry instead.
    wait_for("the hint to carry a file", TIMEOUT, || {
        a.js(
            "const l = document.querySelector('#sync-carry a'); return l ? l.getAttribute('href') : null;",
            vec![],
        ) == json!(format!("#/space/{space}"))
    });
    shots(&a, "sync-panel-waiting", "#sync-panel");

    // Warstein's node comes back without dialling anyone; "Sync now" reaches it.
    let mut config = Config::new(DataDir::new(warstein.dir.path()));
    config.api = Some(warstein.api);
    config.mdns = false;
    config.redial = false;
    config.listen = vec![listen.parse().expect("listen address")];
    warstein.node = Some(rt.block_on(Node::spawn(config)).expect("Warstein starts again"));
    assert!(
        partner_row(&a, "Warstein")
            .is_some_and(|(state, waiting, _)| state.contains("offline") && waiting == "2"),
        "still offline with two changes waiting before Sync now"
    );
    a.click("#sync-now");
    let took = wait_for("Sync now brings Warstein's count to 0", SYNC_NOW_BOUND, || {
        partner_row(&a, "Warstein")
            .is_some_and(|(state, waiting, _)| state.contains("online") && waiting == "0")
    });
    eprintln!("Sync now reached Warstein and synced in {took:?}");
    let acronym = warstein.ok("GET", &format!("/api/v1/docs/{doc}"), None)["content"]["acronym"].clone();
    assert_eq!(acronym, json!("CIRCLE60"), "Warstein has both changes");
    assert_eq!(
        a.js("return document.querySelector('#sync-carry') === null;", vec![]),
        json!(true),
        "no hint when in sync"
    );
    shots(&a, "sync-panel-synced", "#sync-panel");

    // Presence: both officers open the plan; each editor shows the other town, by name.
    a.goto(&format!("{}/#/doc/{doc}", poix.url));
    a.find("#f-title");
    b.goto(&format!("{}/#/doc/{doc}", warstein.url));
    b.find("#f-title");
    wait_for("Poix-du-Nord sees Warstein present", TIMEOUT, || {
        a.text("#presence").contains("Warstein (J. Becker)")
    });
    wait_for("Warstein sees Poix-du-Nord present", TIMEOUT, || {
        b.text("#presence").contains("Poix-du-Nord (Marie Dupont)")
    });
    // The document list marks it as open at Warstein.
    let (_, list) = poix.call("GET", "/api/v1/sync/status", None);
    let present: Vec<Value> = list["docs"][0]["present"].as_array().cloned().unwrap_or_default();
    assert_eq!(present.first().map(|p| p["town"].clone()), Some(json!("Warstein")), "{list}");
    shots(&a, "editor-presence", "#presence");

    // Warstein's officer leaves the document: Poix-du-Nord's editor says so within seconds.
    b.goto(&format!("{}/#/docs", warstein.url));
    wait_for("Warstein's presence ends", Duration::from_secs(5), || {
        a.js("return document.querySelector('#presence').hidden;", vec![]) == json!(true)
    });

    let errors: Vec<String> = a
        .console()
        .into_iter()
        .chain(b.console())
        .filter(|(level, m)| {
            level == "SEVERE" && !m.contains("ERR_CONNECTION_REFUSED") && !m.contains("/api/v1/events")
        })
        .map(|(_, m)| m)
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    drop((a, b));
    warstein.stop(&rt);
}
