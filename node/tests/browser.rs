//! The web UI in a real browser: two headless Chromium windows, each on its own town's node,
//! co-edit a joint project plan. Saves screenshots of the main pages to
//! `<target dir>/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them the
//! test fails when `CI` is set (CI must run it) or `TWIN_REQUIRE_REAL=1`; elsewhere it prints a
//! SKIPPED line and passes, so a developer machine without a browser can still run `cargo test`.

mod common;

use std::time::{Duration, Instant};

use common::{
    TIMEOUT,
    web::{ApiNode, Browser, Driver, runtime, wait_for},
};
use serde_json::{Value, json};
use twinmesh_node::{DataDir, Engine, api};

/// How long an edit may take to show in the partner's browser before the test fails. The issue
/// asks for "within a second on loopback"; the bound leaves room for a loaded CI machine, and
/// the measured time is printed.
const LIVE_BOUND: Duration = Duration::from_secs(3);

/// Console messages that are expected: the event stream of a node that is restarted on purpose.
fn unexpected_console_errors(entries: Vec<(String, String)>, allow_reconnect: bool) -> Vec<String> {
    entries
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .map(|(_, m)| m)
        .filter(|m| {
            !(allow_reconnect && (m.contains("ERR_CONNECTION_REFUSED") || m.contains("/api/v1/events")))
        })
        .collect()
}

fn sign_in(b: &Browser, node: &ApiNode, officer: &str) {
    b.goto(&node.login_url());
    b.find("#live.on");
    assert!(!b.url().contains("token="), "the token is removed from the address bar");
    b.clear("#officer");
    b.type_into("#officer", &format!("{officer}\u{E004}"));
}

#[test]
fn two_towns_co_edit_a_plan_in_two_browsers() {
    let driver = match Driver::start() {
        Ok(d) => d,
        Err(why) => {
            assert!(
                !common::real_components_required(),
                "headless Chromium unavailable: {why}; in CI this test must run"
            );
            eprintln!("SKIPPED two_towns_co_edit_a_plan_in_two_browsers: {why}");
            return;
        }
    };
    let rt = runtime();
    let mut stpol = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let mut warstein = ApiNode::start(&rt, "Warstein", "DE");

    // The partnership, set up through the API; the nodes connect.
    let space = stpol.ok("POST", "/api/v1/spaces", Some(json!({"name": "Saint-Pol – Warstein"})))["id"]
        .as_str()
        .expect("space")
        .to_string();
    stpol.ok(
        "POST",
        &format!("/api/v1/spaces/{space}/members"),
        Some(json!({"member": warstein.id(), "name": "Warstein"})),
    );
    warstein.ok("POST", "/api/v1/peers", Some(json!({"addr": stpol.p2p_addr(&rt)})));
    wait_for("Warstein knows the space", TIMEOUT, || {
        warstein.ok("GET", "/api/v1/spaces", None).as_array().is_some_and(|s| !s.is_empty())
    });

    let a = driver.session(1280, 900);
    let b = driver.session(1280, 900);
    sign_in(&a, &stpol, "C. Dufresne");
    sign_in(&b, &warstein, "J. Becker");

    // Saint-Pol creates the plan in its browser.
    a.goto(&format!("{}/#/docs", stpol.url));
    a.find("#nd-space option");
    a.js("document.querySelector('#nd-kind').value = 'plan';", vec![]);
    a.type_into("#nd-title", "CIRCLE60 – Young Circular Towns");
    a.click("#nd-create");
    a.find("#f-title");
    let doc = a.url().rsplit('/').next().unwrap_or_default().to_string();
    assert!(
        doc.parse::<twinmesh_protocol::ids::DocId>().is_ok(),
        "editor URL names the document: {}",
        a.url()
    );
    a.click("[data-add='budget/lines']");
    a.find("section[data-list='budget/lines'] tbody tr input.money");
    a.click("[data-add='budget/lines']");
    wait_for("two budget lines", TIMEOUT, || {
        a.js(
            "return document.querySelectorAll(\"section[data-list='budget/lines'] tbody tr\").length;",
            vec![],
        ) == json!(2)
    });

    // Warstein opens the same plan.
    b.goto(&format!("{}/#/doc/{doc}", warstein.url));
    b.find("section[data-list='budget/lines'] tbody tr:nth-child(2) input.money");
    let first_amount = "section[data-list='budget/lines'] tbody tr:nth-child(1) td:nth-child(6) input";
    assert_eq!(b.value(first_amount), "", "no amount yet");

    // A budget line edited in one browser shows in the other.
    a.click(first_amount);
    a.type_into(first_amount, "3800\u{E004}");
    let started = Instant::now();
    let seen =
        wait_for("Warstein's browser shows the amount", TIMEOUT, || b.value(first_amount) == "3800.00");
    eprintln!("budget amount: Saint-Pol's browser -> Warstein's browser in {seen:?}");
    assert!(seen < LIVE_BOUND, "the amount took {seen:?} (bound {LIVE_BOUND:?})");
    let total = "section[data-list='budget/lines'] tfoot td[data-total]";
    wait_for("the total follows", TIMEOUT, || b.text(total).contains("3,800.00"));
    let _ = started;

    // Prose: Warstein's caret stays where it is when Saint-Pol types before it.
    let summary = "#f-summary";
    b.click(summary);
    b.type_into(summary, "Forty young people repair and upcycle.");
    wait_for("Saint-Pol sees Warstein's sentence", TIMEOUT, || {
        a.value(summary) == "Forty young people repair and upcycle."
    });
    b.click(summary);
    b.js(
        "const e = document.querySelector(arguments[0]); e.focus(); e.setSelectionRange(6, 6); return true;",
        vec![json!(summary)],
    );
    a.click(summary);
    a.js(
        "const e = document.querySelector(arguments[0]); e.focus(); e.setSelectionRange(0, 0); return true;",
        vec![json!(summary)],
    );
    a.type_into(summary, "Summer 2026: ");
    let started = Instant::now();
    wait_for("Warstein's browser shows the prose edit", TIMEOUT, || {
        b.value(summary) == "Summer 2026: Forty young people repair and upcycle."
    });
    let prose = started.elapsed();
    eprintln!("prose splice: Saint-Pol's typing pause -> Warstein's browser in {prose:?}");
    let caret = b.js(
        "const e = document.querySelector(arguments[0]); return [document.activeElement === e, e.selectionStart, e.selectionEnd];",
        vec![json!(summary)],
    );
    assert_eq!(caret, json!([true, 19, 19]), "Warstein's caret moved with its text (was after 'Forty ')");

    // Keyboard and screen-reader basics: every control in the editor has a label, and Tab
    // moves the focus from one field to the next.
    let unlabelled = a.js(
        "return Array.from(document.querySelectorAll('main input, main select, main textarea'))\
           .filter(e => !e.getAttribute('aria-label') && !(e.id && document.querySelector(`label[for=\"${e.id}\"]`)))\
           .map(e => e.outerHTML.slice(0, 80));",
        vec![],
    );
    assert_eq!(unlabelled, json!([]), "controls without a label");
    a.click("#f-acronym");
    a.type_into("#f-acronym", "\u{E004}");
    let focused = a.js("return document.activeElement.id;", vec![]);
    assert_eq!(focused, json!("f-funding_profile"), "Tab moves to the next field");

    // The main event with planned participants per town, added through the API, appears in
    // the editor with its per-town rows and totals.
    let edits =
        |e: Value| stpol.ok("POST", &format!("/api/v1/docs/{doc}/edits"), Some(json!({ "edits": e })));
    edits(json!([{"op": "add", "list": "events", "fields": [
        ["code", "A2.1"], ["wp", "WP2"], ["type", "youth-exchange"], ["title", "Circular Town Lab"],
        ["host", "Saint-Pol-sur-Ternoise"], ["start", "2026-06-04"], ["end", "2026-06-07"], ["main_event", "true"]]}]));
    edits(json!([
        {"op": "add", "list": "events/0/participants", "fields": [["town", "Saint-Pol-sur-Ternoise"], ["country", "FR"], ["category", "local"], ["youth", "18"], ["adults", "10"]]},
        {"op": "add", "list": "events/0/participants", "fields": [["town", "Warstein"], ["country", "DE"], ["category", "invited"], ["youth", "20"], ["adults", "8"]]},
        {"op": "add", "list": "events/0/participants", "fields": [["town", "Hebden Royd"], ["country", "GB"], ["category", "guest"], ["youth", "6"], ["adults", "3"]]}]));
    let youth_total = "section[data-list$='/participants'] tfoot td[data-total]";
    wait_for("participants per town with totals in Warstein's browser", TIMEOUT, || {
        b.text(youth_total) == "44"
    });
    b.js("document.querySelector(\"section[data-list='events']\").scrollIntoView(); return true;", vec![]);
    let events_shot = b.screenshot("editor-events-participants");

    // Screenshots of the main pages, at laptop and tablet width.
    let mut shots = vec![events_shot];
    shots.push(a.screenshot("editor-plan-laptop"));
    a.js(
        "document.querySelector(\"section[data-list='budget/lines']\").scrollIntoView(); return true;",
        vec![],
    );
    shots.push(a.screenshot("editor-budget-laptop"));
    a.goto(&format!("{}/#/", stpol.url));
    a.find("#c-town");
    wait_for("dashboard shows the partner", TIMEOUT, || a.text("main").contains("Warstein"));
    shots.push(a.screenshot("dashboard"));
    a.goto(&format!("{}/#/space/{space}", stpol.url));
    a.find("#inv-role");
    a.click("form.card button[type='submit']");
    a.find("#ticket-out");
    shots.push(a.screenshot("space-members-invite"));
    a.goto(&format!("{}/#/docs", stpol.url));
    a.find("section[aria-label='Joint project plan'] a");
    shots.push(a.screenshot("documents"));
    a.goto(&format!("{}/#/doc/{doc}/history", stpol.url));
    a.find("table.history tbody tr");
    assert!(a.text("table.history").contains("J. Becker"), "history names Warstein's officer");
    assert!(a.text("table.history").contains("Warstein"), "history names the author town");
    shots.push(a.screenshot("history"));
    a.click("table.history tbody tr:last-child a");
    a.find(".banner");
    assert!(a.text("main").contains("As it was after this change"));
    shots.push(a.screenshot("history-point"));
    a.goto(&format!("{}/#/doc/{doc}/print", stpol.url));
    a.find("article.print-doc table");
    assert!(a.text("article.print-doc").contains("3,800.00"));
    shots.push(a.screenshot("print"));
    b.set_size(820, 1100);
    shots.push(b.screenshot("editor-plan-tablet"));
    for s in &shots {
        let len = std::fs::metadata(s).map(|m| m.len()).unwrap_or(0);
        assert!(len > 10_000, "{} looks empty ({len} bytes)", s.display());
    }
    eprintln!("screenshots in {}", shots[0].parent().map(|p| p.display().to_string()).unwrap_or_default());

    let errors_a = unexpected_console_errors(a.console(), false);
    let errors_b = unexpected_console_errors(b.console(), false);
    assert!(errors_a.is_empty() && errors_b.is_empty(), "console errors: {errors_a:?} {errors_b:?}");

    // A conflict: Warstein's node goes offline and its officer sets the coach line to
    // 4,150 EUR while Saint-Pol sets 3,900 EUR. Once Warstein is back, both browsers show
    // both values with the towns that set them.
    b.goto(&format!("{}/#/doc/{doc}", warstein.url));
    b.find(first_amount);
    warstein.stop(&rt);
    {
        let mut engine = Engine::open(&DataDir::new(warstein.dir.path())).expect("open Warstein's store");
        api::handle(
            &mut engine,
            api::Envelope {
                officer: Some("J. Becker".into()),
                request: api::Request::DocEdit {
                    doc: doc.parse().expect("doc"),
                    edits: vec![api::EditSpec::Set {
                        path: "budget/lines/0/amount".into(),
                        value: "4150".into(),
                    }],
                    message: None,
                    lang: None,
                },
            },
        )
        .expect("offline edit");
    }
    a.goto(&format!("{}/#/doc/{doc}", stpol.url));
    a.find(first_amount);
    a.clear(first_amount);
    a.type_into(first_amount, "3900\u{E004}");
    wait_for("Saint-Pol's edit stored", TIMEOUT, || {
        stpol.ok("GET", &format!("/api/v1/docs/{doc}"), None)["content"]["budget"]["lines"][0]["amount"]
            == json!(3900.0)
    });
    warstein.restart(&rt);
    warstein.ok("POST", "/api/v1/peers", Some(json!({"addr": stpol.p2p_addr(&rt)})));
    wait_for("both nodes hold both amounts", TIMEOUT, || {
        [&stpol, &warstein].iter().all(|n| {
            let c = n.ok("GET", &format!("/api/v1/docs/{doc}"), None)["conflicts"].clone();
            c.as_array().is_some_and(|c| c.len() == 1)
        })
    });
    let conflict_box = "section[data-list='budget/lines'] tbody tr:nth-child(1) .conflict:not([hidden])";
    for (who, browser) in [("Saint-Pol", &a), ("Warstein", &b)] {
        wait_for(&format!("{who}'s browser shows the conflict"), TIMEOUT, || {
            let t = browser.text(conflict_box);
            t.contains("3,900.00")
                && t.contains("4,150.00")
                && t.contains("Warstein")
                && t.contains("Saint-Pol")
        });
    }
    b.js(
        "document.querySelector(\"section[data-list='budget/lines']\").scrollIntoView(); return true;",
        vec![],
    );
    shots.push(b.screenshot("conflict-tablet"));
    a.js(
        "document.querySelector(\"section[data-list='budget/lines']\").scrollIntoView(); return true;",
        vec![],
    );
    shots.push(a.screenshot("conflict-laptop"));
    // Saint-Pol resolves it by keeping Warstein's value; both browsers settle on it.
    a.click(&format!("{conflict_box} li:nth-child(2) button"));
    for (who, browser) in [("Saint-Pol", &a), ("Warstein", &b)] {
        wait_for(&format!("{who}'s browser shows the resolved amount"), TIMEOUT, || {
            browser.value(first_amount) == "4150.00"
                && browser.js("return document.querySelectorAll('.conflict:not([hidden])').length;", vec![])
                    == json!(0)
        });
    }
    let shown: Value = stpol.ok("GET", &format!("/api/v1/docs/{doc}"), None);
    assert_eq!(shown["conflicts"], json!([]), "resolved");
    let errors_a = unexpected_console_errors(a.console(), false);
    let errors_b = unexpected_console_errors(b.console(), true);
    assert!(errors_a.is_empty() && errors_b.is_empty(), "console errors: {errors_a:?} {errors_b:?}");

    drop(a);
    drop(b);
    stpol.stop(&rt);
    warstein.stop(&rt);
}
