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
    web::{ApiNode, Browser, OFF_SCREEN_JS, driver_or_skip, http, runtime, sign_in, wait_for},
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

/// Saint-Pol (France) and Warstein (Germany) in one partnership, set up through the API, their
/// nodes connected. Returns the two nodes and the space's id.
fn partnership(rt: &tokio::runtime::Runtime) -> (ApiNode, ApiNode, String) {
    let stpol = ApiNode::start(rt, "Saint-Pol-sur-Ternoise", "FR");
    let warstein = ApiNode::start(rt, "Warstein", "DE");
    let space = stpol.found_partnership("Saint-Pol – Warstein", &warstein, "Warstein");
    warstein.ok("POST", "/api/v1/peers", Some(json!({"addr": stpol.p2p_addr(rt)})));
    wait_for("Warstein knows the space", TIMEOUT, || {
        warstein.ok("GET", "/api/v1/spaces", None).as_array().is_some_and(|s| !s.is_empty())
    });
    (stpol, warstein, space)
}

#[test]
fn two_towns_co_edit_a_plan_in_two_browsers() {
    let Some(driver) = driver_or_skip("two_towns_co_edit_a_plan_in_two_browsers") else { return };
    let rt = runtime();
    let (mut stpol, mut warstein, space) = partnership(&rt);

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
    a.find("#admin-forms:not([hidden]) #inv-role");
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

/// Spaces as `Intl` writes them (U+202F narrow no-break, U+00A0 no-break) as plain spaces.
fn plain_spaces(s: &str) -> String {
    s.replace(['\u{202f}', '\u{a0}'], " ")
}

/// Picks a language in the header's menu, as an officer does.
fn choose_language(b: &Browser, code: &str) {
    b.find(&format!("#lang option[value='{code}']"));
    b.js(
        "const m = document.querySelector('#lang'); m.value = arguments[0]; m.dispatchEvent(new Event('change')); return true;",
        vec![json!(code)],
    );
    wait_for(&format!("the page in '{code}'"), TIMEOUT, || page_lang(b) == code);
}

fn page_lang(b: &Browser) -> String {
    b.js("return document.documentElement.lang;", vec![]).as_str().unwrap_or_default().to_string()
}

fn aria_invalid(b: &Browser, css: &str) -> Value {
    b.js("return document.querySelector(arguments[0]).getAttribute('aria-invalid');", vec![json!(css)])
}

#[test]
fn a_french_and_a_german_officer_each_work_in_their_language() {
    let Some(driver) = driver_or_skip("a_french_and_a_german_officer_each_work_in_their_language") else {
        return;
    };
    let rt = runtime();
    let (mut stpol, mut warstein, space) = partnership(&rt);

    // Saint-Pol's browser speaks French: the UI starts in French without being asked.
    let a = driver.session_in(1280, 900, "fr-FR");
    sign_in(&a, &stpol, "C. Dufresne");
    assert_eq!(page_lang(&a), "fr");
    wait_for("the dashboard in French", TIMEOUT, || a.text("#c-town") == "Cette commune");
    assert_eq!(a.text("[data-nav='dashboard']"), "Tableau de bord");

    // Warstein's browser is English; its officer picks German in the menu. A wrong token is
    // refused in German, in plain words, on the sign-in form.
    let b = driver.session(1280, 900);
    b.goto(&warstein.url);
    b.find("#token");
    choose_language(&b, "de");
    assert_eq!(b.text("main h1"), "Anmeldung am Knoten Ihrer Gemeinde");
    b.type_into("#token", "nicht-das-token\u{E007}");
    b.find("#token-error");
    let refused = b.text("#token-error");
    assert!(refused.contains("hat dieses Token nicht angenommen"), "{refused}");
    assert_eq!(aria_invalid(&b, "#token"), json!("true"));
    // Another language on the menu re-words the page, the refusal included.
    choose_language(&b, "fr");
    assert!(b.text("#token-error").contains("n’a pas accepté ce jeton"), "{}", b.text("#token-error"));
    choose_language(&b, "de");
    sign_in(&b, &warstein, "J. Becker");
    assert_eq!(page_lang(&b), "de", "the browser remembers the officer's choice");
    assert_eq!(b.text("[data-nav='docs']"), "Dokumente");

    // Saint-Pol creates a plan; Warstein types an amount the German way.
    a.goto(&format!("{}/#/docs", stpol.url));
    a.find("#nd-space option");
    a.js("document.querySelector('#nd-kind').value = 'plan'; return true;", vec![]);
    a.type_into("#nd-title", "CIRCLE60 – Villes circulaires");
    a.click("#nd-create");
    a.find("#f-title");
    let doc = a.url().rsplit('/').next().unwrap_or_default().to_string();
    a.click("[data-add='budget/lines']");
    let amount = "section[data-list='budget/lines'] tbody tr:nth-child(1) input.money";
    a.find(amount);
    b.goto(&format!("{}/#/doc/{doc}", warstein.url));
    b.find(amount);
    b.click(amount);
    b.type_into(amount, "2.600,50\u{E004}");
    let total = "section[data-list='budget/lines'] tfoot td[data-total]";
    wait_for("Warstein's total, the German way", TIMEOUT, || plain_spaces(&b.text(total)) == "2.600,50 €");
    wait_for("Saint-Pol's total, the French way", TIMEOUT, || plain_spaces(&a.text(total)) == "2 600,50 €");
    assert_eq!(a.value(amount), "2600,50");
    assert_eq!(b.value(amount), "2600,50");
    let stored = stpol.ok("GET", &format!("/api/v1/docs/{doc}"), None);
    assert_eq!(stored["content"]["budget"]["lines"][0]["amount"], json!(2600.5));

    // A date that cannot be read stays in its field, marked, with the reason in German; a
    // partner's edit arriving meanwhile does not wipe it.
    b.click("#f-start");
    b.type_into("#f-start", "31.13.2027\u{E004}");
    wait_for("the bad date is marked", TIMEOUT, || aria_invalid(&b, "#f-start") == json!("true"));
    assert_eq!(b.value("#f-start"), "31.13.2027", "the typed date is kept");
    let why = b.text("#f-start-error");
    assert!(why.contains("ist kein Datum"), "{why}");
    // (A new list item re-renders the whole form.)
    stpol.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/edits"),
        Some(json!({"edits": [{"op": "set", "path": "acronym", "value": "C60"}, {"op": "add", "list": "milestones", "fields": []}]})),
    );
    wait_for("Warstein sees the partner's acronym", TIMEOUT, || b.value("#f-acronym") == "C60");
    assert_eq!(b.value("#f-start"), "31.13.2027", "still kept after a partner's edit");
    assert_eq!(aria_invalid(&b, "#f-start"), json!("true"), "still marked after a partner's edit");
    assert!(b.text("#f-start-error").contains("ist kein Datum"));
    let shot_invalid = b.screenshot("de-editor-invalid-date");
    // Corrected, the date is read, stored as ISO and shown in each town's way.
    b.clear("#f-start");
    b.type_into("#f-start", "30.04.2027\u{E004}");
    wait_for("the mark is gone", TIMEOUT, || aria_invalid(&b, "#f-start") == Value::Null);
    wait_for("Saint-Pol sees the date the French way", TIMEOUT, || a.value("#f-start") == "30/04/2027");
    assert_eq!(b.value("#f-start"), "30.04.2027");
    // The picker beside the box sets a full date.
    a.js(
        "const p = document.querySelector('#f-end-pick'); p.value = '2027-05-02'; p.dispatchEvent(new Event('change')); return true;",
        vec![],
    );
    wait_for("Warstein sees the picked date", TIMEOUT, || b.value("#f-end") == "02.05.2027");
    let stored = stpol.ok("GET", &format!("/api/v1/docs/{doc}"), None);
    assert_eq!(stored["content"]["start"], json!("2027-04-30"));
    assert_eq!(stored["content"]["end"], json!("2027-05-02"));

    // Screenshots at laptop width, then the budget at tablet and phone width: every control
    // of the table on screen, nothing scrolling sideways.
    let mut shots = vec![shot_invalid];
    let to_budget =
        "document.querySelector(\"section[data-list='budget/lines']\").scrollIntoView(); return true;";
    a.js(to_budget, vec![]);
    shots.push(a.screenshot("fr-editor-budget-laptop"));
    b.js(to_budget, vec![]);
    shots.push(b.screenshot("de-editor-budget-laptop"));
    b.click("[data-add='budget/lines']");
    wait_for("a second budget line", TIMEOUT, || {
        b.js(
            "return document.querySelectorAll(\"section[data-list='budget/lines'] tbody tr\").length;",
            vec![],
        ) == json!(2)
    });
    for (width, name) in [(820, "tablet"), (390, "phone")] {
        b.set_size(width, 1000);
        wait_for(&format!("a {width} px window"), TIMEOUT, || {
            b.js("return window.innerWidth;", vec![]).as_u64().is_some_and(|w| w <= u64::from(width))
        });
        b.js(to_budget, vec![]);
        let off = b.js(OFF_SCREEN_JS, vec![json!("section[data-list='budget/lines']")]);
        assert_eq!(off, json!([]), "budget table controls off-screen at {width} px");
        let off = b.js(OFF_SCREEN_JS, vec![json!("header.top")]);
        assert_eq!(off, json!([]), "header controls off-screen at {width} px");
        assert_eq!(b.value(amount), "2600,50", "the amount is shown at {width} px");
        shots.push(b.screenshot(&format!("de-editor-budget-{name}")));
        b.js("window.scrollTo(0, 0); return true;", vec![]);
        shots.push(b.screenshot(&format!("de-editor-top-{name}")));
        // The other pages too: nothing off-screen, nothing scrolling sideways.
        for (page, ready) in [
            ("#/".to_string(), "#c-town"),
            (format!("#/space/{space}"), "tr[data-member]"),
            ("#/docs".to_string(), "#nd-title"),
            (format!("#/doc/{doc}/history"), "table.history tbody tr"),
        ] {
            b.goto(&format!("{}/{page}", warstein.url));
            b.find(ready);
            let off = b.js(OFF_SCREEN_JS, vec![json!("body")]);
            assert_eq!(off, json!([]), "controls off-screen on {page} at {width} px");
        }
        b.goto(&format!("{}/#/doc/{doc}", warstein.url));
        b.find(amount);
    }
    b.set_size(1280, 900);

    // The membership log reads as sentences in German.
    b.goto(&format!("{}/#/space/{space}", warstein.url));
    wait_for("the membership log in German", TIMEOUT, || {
        b.text("main ol").contains("hat Warstein mit der Rolle „Bearbeitung“ hinzugefügt")
    });

    // An unknown document: said plainly, with the way to the list, and no stray message.
    let missing = twinmesh_protocol::ids::DocId::from_bytes([0x5a; 16]);
    b.goto(&format!("{}/#/doc/{missing}", warstein.url));
    wait_for("the not-found page", TIMEOUT, || b.text("main h1") == "Dokument nicht gefunden");
    assert_eq!(b.js("return document.querySelector('#toast').hidden;", vec![]), json!(true), "no toast");
    b.click("#to-doc-list");
    b.find("#nd-title");

    for s in &shots {
        let len = std::fs::metadata(s).map(|m| m.len()).unwrap_or(0);
        assert!(len > 10_000, "{} looks empty ({len} bytes)", s.display());
    }
    let errors_a = unexpected_console_errors(a.console(), false);
    // The refused token, the unreadable date and the unknown document are 401, 400 and 404
    // answers on purpose; the console notes each.
    let errors_b: Vec<String> = unexpected_console_errors(b.console(), false)
        .into_iter()
        .filter(|m| !["status of 401", "status of 400", "status of 404"].iter().any(|s| m.contains(s)))
        .collect();
    assert!(errors_a.is_empty() && errors_b.is_empty(), "console errors: {errors_a:?} {errors_b:?}");
    drop(a);
    drop(b);
    stpol.stop(&rt);
    warstein.stop(&rt);
}

/// The paths (as the editor names them: list items by `@id`) of every field of `fields` a
/// person can edit; adds one item to every list first, nested lists included, so that item
/// fields have somewhere to be.
fn editable_paths(node: &ApiNode, doc: &str, fields: &Value, base: (&str, &str), out: &mut Vec<String>) {
    let join = |b: &str, name: &str| if b.is_empty() { name.to_string() } else { format!("{b}/{name}") };
    for f in fields.as_array().expect("fields") {
        let name = f["name"].as_str().expect("name");
        let (api, ui) = (join(base.0, name), join(base.1, name));
        match f["type"].as_str().unwrap_or_default() {
            "readonly" => {}
            "record" => editable_paths(node, doc, &f["fields"], (&api, &ui), out),
            "list" => {
                node.ok(
                    "POST",
                    &format!("/api/v1/docs/{doc}/edits"),
                    Some(json!({"edits": [{"op": "add", "list": api, "fields": []}]})),
                );
                let content = node.ok("GET", &format!("/api/v1/docs/{doc}"), None)["content"].clone();
                let items = content
                    .pointer(&format!("/{api}"))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                assert!(!items.is_empty(), "{doc}: the list {api} has its new item");
                for (i, it) in items.iter().enumerate() {
                    let id = it["id"].as_str().expect("item id");
                    editable_paths(
                        node,
                        doc,
                        &f["fields"],
                        (&format!("{api}/{i}"), &format!("{ui}/@{id}")),
                        out,
                    );
                }
            }
            _ => out.push(ui),
        }
    }
}

/// Fields without an input or without a label, by path.
const UNLABELLED_JS: &str = "\
    const out = [];\
    for (const p of arguments[0]) {\
      const e = document.querySelector(`[data-path=\"${CSS.escape(p)}\"]`);\
      if (!e) { out.push(`${p}: no input`); continue; }\
      const l = e.getAttribute('aria-label') || (e.id && (document.querySelector(`label[for=\"${e.id}\"]`) || {}).textContent);\
      if (!l || !l.trim()) out.push(`${p}: no label`);\
    }\
    return out;";

/// Words on the page that are message keys rather than words: `field-plan-…`, `list-add`, ….
const RAW_KEYS_JS: &str = "\
    const texts = [];\
    for (const e of document.querySelectorAll('label, th, h1, h2, h3, button, option, a, p, strong, td')) texts.push(e.textContent.trim());\
    for (const e of document.querySelectorAll('[aria-label], [placeholder], [title], [data-label]')) for (const a of ['aria-label', 'placeholder', 'title', 'data-label']) if (e.getAttribute(a)) texts.push(e.getAttribute(a).trim());\
    return [...new Set(texts.filter((x) => /\\b(field|kind|item|choice)-[a-z_]+-/.test(x) || /^[a-z0-9]+(-[a-z0-9]+)+$/.test(x)))];";

#[test]
fn every_field_of_every_kind_has_a_labelled_input_in_every_language() {
    let Some(driver) = driver_or_skip("every_field_of_every_kind_has_a_labelled_input_in_every_language")
    else {
        return;
    };
    let rt = runtime();
    let mut node = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let space = node.ok("POST", "/api/v1/spaces", Some(json!({"name": "Saint-Pol – Warstein"})))["id"]
        .as_str()
        .expect("space")
        .to_string();
    let schema = node.ok("GET", "/api/v1/schema", None);
    let kinds = schema["kinds"].as_array().expect("kinds");
    assert!(kinds.len() >= 2, "{schema}");
    let mut docs = Vec::new();
    for k in kinds {
        let kind = k["kind"].as_str().expect("kind").to_string();
        let doc = node.ok(
            "POST",
            "/api/v1/docs",
            Some(json!({"space": space, "kind": kind, "title": format!("Test {kind}")})),
        )["id"]
            .as_str()
            .expect("doc id")
            .to_string();
        let mut paths = Vec::new();
        editable_paths(&node, &doc, &k["fields"], ("", ""), &mut paths);
        assert!(paths.iter().any(|p| p.contains("/@")), "{kind}: list item fields are walked");
        docs.push((kind, doc, k["fields"].clone(), paths));
    }
    let mut fields_checked = 0;
    for (lang, code) in [("fr-FR", "fr"), ("de-DE", "de"), ("ro-RO", "ro"), ("it-IT", "it"), ("en-GB", "en")]
    {
        let catalog = common::web::http("GET", &format!("{}/i18n/{code}.json", node.url), None, None).1;
        let b = driver.session_in(1280, 900, lang);
        sign_in(&b, &node, "Test");
        assert_eq!(page_lang(&b), code);
        for (kind, doc, fields, paths) in &docs {
            b.goto(&format!("{}/#/doc/{doc}", node.url));
            // The editor renders the whole document at once, its title first.
            wait_for(&format!("{lang}: the {kind} editor"), TIMEOUT, || {
                b.value("[data-path='title']") == format!("Test {kind}")
            });
            let unlabelled = b.js(UNLABELLED_JS, vec![json!(paths)]);
            assert_eq!(unlabelled, json!([]), "{lang}: {kind} fields without a labelled input");
            fields_checked += paths.len();
            let raw = b.js(RAW_KEYS_JS, vec![]);
            assert_eq!(raw, json!([]), "{lang}: keys shown instead of words in the {kind} editor");
            // The labels are the language's own names of the fields.
            for f in fields.as_array().expect("fields") {
                let name = f["name"].as_str().unwrap_or_default();
                if !["str", "date", "int", "money", "enum", "email", "country"]
                    .contains(&f["type"].as_str().unwrap_or_default())
                {
                    continue;
                }
                let want = &catalog["messages"][format!("field-{kind}-{name}")];
                let shown = b.text(&format!("label[for='f-{name}']"));
                assert_eq!(json!(shown), *want, "{lang}: label of {kind}/{name}");
            }
        }
        b.screenshot(&format!("{code}-editor-every-field"));
    }
    eprintln!("{fields_checked} field inputs checked in five languages over {} kinds", docs.len());
    node.stop(&rt);
}

/// Answers every `window.confirm` with yes and keeps its question in `window.__asked`.
const ACCEPT_CONFIRM_JS: &str =
    "window.__asked = []; window.confirm = (m) => { window.__asked.push(m); return true; }; return true;";

/// Clicks an element in one step: on the space page the live refresh may replace a row between
/// a WebDriver lookup and its click (a "stale element"), which a click in the page cannot meet.
fn click_live(b: &Browser, css: &str) {
    wait_for(&format!("click {css}"), TIMEOUT, || {
        b.js(
            "const e = document.querySelector(arguments[0]); if (!e) return false; e.click(); return true;",
            vec![json!(css)],
        ) == json!(true)
    });
}

fn member_of(node: &ApiNode, space: &str, id: &str) -> Value {
    let m = node.ok("GET", &format!("/api/v1/spaces/{space}/members"), None);
    m["members"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["id"] == json!(id)).cloned())
        .unwrap_or(Value::Null)
}

#[test]
fn an_admin_manages_members_and_an_editor_sees_no_admin_controls() {
    let Some(driver) = driver_or_skip("an_admin_manages_members_and_an_editor_sees_no_admin_controls") else {
        return;
    };
    let rt = runtime();
    let (mut stpol, mut warstein, space) = partnership(&rt);
    let mut hebden = ApiNode::start(&rt, "Hebden Royd", "GB");
    let (warstein_id, hebden_id) = (warstein.id(), hebden.id());
    stpol.ok(
        "POST",
        &format!("/api/v1/spaces/{space}/members"),
        Some(json!({"member": hebden_id, "name": "Hebden Royd"})),
    );
    wait_for("Warstein knows Hebden Royd joined", TIMEOUT, || {
        member_of(&warstein, &space, &hebden_id)["active"] == json!(true)
    });

    // Warstein is an editor: its officer sees the members but none of an admin's controls.
    let b = driver.session_in(1280, 900, "de-DE");
    sign_in(&b, &warstein, "J. Becker");
    b.goto(&format!("{}/#/space/{space}", warstein.url));
    b.find(&format!("tr[data-member='{hebden_id}']"));
    b.find("#space-leave");
    let admin_controls = "return [!document.querySelector('#admin-forms') || document.querySelector('#admin-forms').hidden,\
         document.querySelectorAll('select.member-role, button.member-remove').length];";
    assert_eq!(
        b.js(admin_controls, vec![]),
        json!([true, 0]),
        "an editor sees no Invite, Add, role or remove controls"
    );

    // Saint-Pol is the admin: it makes Warstein an admin and removes Hebden Royd.
    let a = driver.session(1280, 900);
    sign_in(&a, &stpol, "C. Dufresne");
    a.goto(&format!("{}/#/space/{space}", stpol.url));
    a.find("#admin-forms:not([hidden]) #inv-role");
    a.find("select.member-role");
    // An admin's controls stay within reach on a tablet and a phone.
    for width in [820, 390] {
        a.set_size(width, 1000);
        wait_for(&format!("a {width} px window"), TIMEOUT, || {
            a.js("return window.innerWidth;", vec![]).as_u64().is_some_and(|w| w <= u64::from(width))
        });
        let off = a.js(OFF_SCREEN_JS, vec![json!("body")]);
        assert_eq!(off, json!([]), "an admin's controls off-screen at {width} px");
    }
    a.set_size(1280, 900);
    assert_eq!(
        a.js("return document.querySelectorAll(`select.member-role, button.member-remove`).length;", vec![]),
        json!(4),
        "a role menu and a remove button for each of the two other towns, none for itself"
    );
    a.js(
        "const s = document.querySelector(`select.member-role[data-member='${arguments[0]}']`); s.value = 'admin'; s.dispatchEvent(new Event('change')); return true;",
        vec![json!(warstein_id)],
    );
    wait_for("Warstein is an admin", TIMEOUT, || {
        member_of(&stpol, &space, &warstein_id)["role"] == json!("admin")
    });
    a.js(ACCEPT_CONFIRM_JS, vec![]);
    click_live(&a, &format!("button.member-remove[data-member='{hebden_id}']"));
    wait_for("Hebden Royd is removed", TIMEOUT, || {
        member_of(&stpol, &space, &hebden_id)["active"] == json!(false)
    });
    let asked = a.js("return window.__asked;", vec![]);
    assert!(
        asked[0].as_str().is_some_and(|m| m.contains("Hebden Royd")),
        "the removal was confirmed first: {asked}"
    );
    wait_for("the removed town's row has no controls left", TIMEOUT, || {
        a.js("return document.querySelectorAll(`[data-member='${arguments[0]}'] select, [data-member='${arguments[0]}'] button`).length;", vec![json!(hebden_id)])
            == json!(0)
    });

    // An invitation issued here is listed as open until the admin revokes it.
    click_live(&a, "#admin-forms button[type='submit']");
    a.find("#ticket-out");
    a.find("#invitations tbody tr");
    let open = stpol.ok("GET", &format!("/api/v1/spaces/{space}/invitations"), None);
    assert_eq!(open["invitations"].as_array().map(Vec::len), Some(1), "{open}");
    click_live(&a, "#invitations tbody tr button");
    wait_for("the invitation is revoked", TIMEOUT, || {
        stpol.ok("GET", &format!("/api/v1/spaces/{space}/invitations"), None)["invitations"] == json!([])
    });
    wait_for("the list of open invitations is gone", TIMEOUT, || {
        a.js("return document.querySelectorAll('#invitations').length;", vec![]) == json!(0)
    });
    assert_eq!(a.js("return window.__asked.length;", vec![]), json!(2), "the revocation was confirmed first");

    // Warstein's page follows: now an admin, it gets the controls without reloading.
    b.find("#admin-forms:not([hidden]) #inv-role");
    b.find(&format!("select.member-role[data-member='{}']", stpol.id()));

    // Warstein leaves, after a question in its officer's language.
    b.js(ACCEPT_CONFIRM_JS, vec![]);
    click_live(&b, "#space-leave");
    wait_for("Warstein has left", TIMEOUT, || {
        member_of(&stpol, &space, &warstein_id)["active"] == json!(false)
    });
    let asked = b.js("return window.__asked;", vec![]);
    assert!(asked[0].as_str().is_some_and(|m| m.contains("verlassen")), "asked in German: {asked}");
    let errors = unexpected_console_errors(a.console(), false);
    assert!(errors.is_empty(), "console errors: {errors:?}");
    drop(a);
    drop(b);
    stpol.stop(&rt);
    warstein.stop(&rt);
    hebden.stop(&rt);
}

#[test]
fn a_plan_offers_its_choices_and_warns_of_what_does_not_add_up() {
    let Some(driver) = driver_or_skip("a_plan_offers_its_choices_and_warns_of_what_does_not_add_up") else {
        return;
    };
    let rt = runtime();
    let mut node = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let space = node.ok("POST", "/api/v1/spaces", Some(json!({"name": "Saint-Pol – Warstein"})))["id"]
        .as_str()
        .expect("space")
        .to_string();
    let doc = node.ok(
        "POST",
        "/api/v1/docs",
        Some(json!({"space": space, "kind": "plan", "title": "CIRCLE60"})),
    )["id"]
        .as_str()
        .expect("doc")
        .to_string();
    let edits = |e: Value| node.ok("POST", &format!("/api/v1/docs/{doc}/edits"), Some(json!({ "edits": e })));
    edits(json!([
        {"op": "add", "list": "budget/lines", "fields": [["wp", "WP2"], ["amount", "3000"]]},
        {"op": "add", "list": "budget/lines", "fields": [["amount", "1000"]]},
        {"op": "add", "list": "partners", "fields": [["town", "Warstein"], ["country", "DE"]]},
        {"op": "add", "list": "partners", "fields": [["town", "Hebden Royd"], ["country", "GB"]]},
        {"op": "set", "path": "budget/lump_sum_requested", "value": "9000"},
        {"op": "set", "path": "start", "value": "2027-05-01"},
        {"op": "set", "path": "end", "value": "2027-04-30"},
    ]));
    let b = driver.session(1280, 900);
    sign_in(&b, &node, "C. Dufresne");
    b.goto(&format!("{}/#/doc/{doc}", node.url));
    let first_wp = "section[data-list='budget/lines'] tbody tr:nth-child(1) select.choice";
    b.find(first_wp);
    let options = |css: &str| {
        b.js(
            "return Array.from(document.querySelector(arguments[0]).options).map((o) => o.value);",
            vec![json!(css)],
        )
    };
    // A new plan starts with WP1 to WP3 (its template).
    assert_eq!(options(first_wp), json!(["", "WP1", "WP2", "WP3"]), "the plan's work packages");
    assert_eq!(b.value(first_wp), "WP2");
    // A new work package is offered at once; choosing it stores it.
    edits(json!([{"op": "add", "list": "work_packages", "fields": [["number", "WP4"]]}]));
    wait_for("WP4 offered", TIMEOUT, || options(first_wp) == json!(["", "WP1", "WP2", "WP3", "WP4"]));
    b.js(
        "const s = document.querySelector(arguments[0]); s.value = 'WP4'; s.dispatchEvent(new Event('change')); return true;",
        vec![json!(first_wp)],
    );
    wait_for("WP4 stored", TIMEOUT, || {
        node.ok("GET", &format!("/api/v1/docs/{doc}"), None)["content"]["budget"]["lines"][0]["wp"]
            == json!("WP4")
    });
    // Countries by name; partner towns from the members and the plan's partners, typed freely.
    let country = "section[data-list='partners'] tbody tr:nth-child(1) select.choice";
    let de = b.js(
        "return Array.from(document.querySelector(arguments[0]).options).find((o) => o.value === 'DE').textContent;",
        vec![json!(country)],
    );
    assert_eq!(de, json!("Germany (DE)"));
    let partner = "section[data-list='budget/lines'] tbody tr:nth-child(1) input[data-path$='/partner']";
    assert_eq!(
        b.js("return document.querySelector(arguments[0]).getAttribute('list');", vec![json!(partner)]),
        json!("dl-towns")
    );
    assert_eq!(
        b.js("return Array.from(document.querySelectorAll('#dl-towns option')).map((o) => o.value);", vec![]),
        json!(["Hebden Royd", "Saint-Pol-sur-Ternoise", "Warstein"])
    );

    // Warnings: the plan ends before it starts, the lines do not add up to the lump sum.
    let warning = |id: &str| {
        b.js(
            "return Boolean(document.querySelector(`#warnings li[data-check='${arguments[0]}']`));",
            vec![json!(id)],
        ) == json!(true)
    };
    wait_for("both warnings shown", TIMEOUT, || warning("plan-dates") && warning("budget-total"));
    assert!(
        b.text("#warnings").contains("€4,000.00") && b.text("#warnings").contains("€9,000.00"),
        "{}",
        b.text("#warnings")
    );
    b.clear("#f-end");
    b.type_into("#f-end", "31/12/2027\u{E004}");
    wait_for("the date warning goes", TIMEOUT, || !warning("plan-dates") && warning("budget-total"));
    let second_amount = "section[data-list='budget/lines'] tbody tr:nth-child(2) input.money";
    b.clear(second_amount);
    b.type_into(second_amount, "6000\u{E004}");
    wait_for("the budget warning goes", TIMEOUT, || !warning("budget-total"));
    assert_eq!(b.js("return document.querySelector('#warnings').textContent;", vec![]), json!(""));

    // The plan is for the CERV Town Twinning call (its template says so): its minimums apply.
    edits(json!([{"op": "set", "path": "budget/lump_sum_requested", "value": "60000"}]));
    wait_for("the lump sum is out of the call's range", TIMEOUT, || warning("cerv-lump"));
    assert!(b.text("#warnings").contains("€8,455.00"), "{}", b.text("#warnings"));

    // Exports: the calendar comes down as a file; what it could not hold is listed.
    edits(
        json!([{"op": "add", "list": "events", "fields": [["code", "A1"], ["title", "Lab"], ["start", "2027-06"], ["main_event", "true"]]}]),
    );
    let event = node.ok("GET", &format!("/api/v1/docs/{doc}"), None)["content"]["events"][0]["id"].clone();
    let event = event.as_str().expect("event id");
    wait_for("a main event below the call's minimums", TIMEOUT, || {
        warning(&format!("cerv-direct-{event}")) && warning(&format!("cerv-invited-{event}"))
    });
    b.js(
        "window.__files = []; window.__names = []; const make = URL.createObjectURL;\
         URL.createObjectURL = (blob) => { blob.text().then((t) => window.__files.push(t)); return make(blob); };\
         const click = HTMLAnchorElement.prototype.click;\
         HTMLAnchorElement.prototype.click = function () { window.__names.push(this.download); return click.call(this); };\
         return true;",
        vec![],
    );
    b.click("button[data-export='ics']");
    wait_for("a calendar file", TIMEOUT, || {
        b.js("return window.__files.length === 1 && window.__files[0].includes('BEGIN:VCALENDAR');", vec![])
            == json!(true)
    });
    b.find("#export-left-out");
    assert!(b.text("#export-left-out").contains("events"), "{}", b.text("#export-left-out"));
    // The signed file, for `twin doc import`, named as the command line names it.
    b.click("button[data-export='signed']");
    wait_for("a signed file", TIMEOUT, || b.js("return window.__files.length;", vec![]) == json!(2));
    assert_eq!(b.js("return window.__names;", vec![]), json!(["CIRCLE60.ics", "CIRCLE60.twindoc"]));
    assert_eq!(b.js("return document.querySelectorAll('#export-left-out').length;", vec![]), json!(0));
    // The PDF the node lays out, and the budget as a workbook (a plan's buttons, all shown).
    b.click("button[data-export='pdf']");
    wait_for("a PDF file", TIMEOUT, || b.js("return window.__files.length;", vec![]) == json!(3));
    assert_eq!(b.js("return window.__files[2].startsWith('%PDF-');", vec![]), json!(true));
    b.click("button[data-export='xlsx']");
    wait_for("a workbook", TIMEOUT, || b.js("return window.__files.length;", vec![]) == json!(4));
    assert_eq!(
        b.js("return window.__names;", vec![]),
        json!(["CIRCLE60.ics", "CIRCLE60.twindoc", "CIRCLE60.pdf", "CIRCLE60.xlsx"])
    );
    // The same file straight from the API, with its type and name for a plain link.
    let url = format!("{}/api/v1/docs/{doc}/export?format=pdf&download=true", node.url);
    let resp =
        ureq::get(&url).header("Authorization", format!("Bearer {}", node.token)).call().expect("download");
    let header =
        |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(header("content-disposition"), "attachment; filename=\"CIRCLE60.pdf\"");
    let pdf = resp.into_body().read_to_vec().expect("the PDF's bytes");
    assert!(pdf.starts_with(b"%PDF-"), "{:?}", &pdf[..pdf.len().min(16)]);

    // A town's participants whose gender split does not add up to its youth and adults.
    edits(json!([{"op": "add", "list": "events/0/participants", "fields": [
        ["town", "Warstein"], ["country", "DE"], ["category", "invited"], ["youth", "10"], ["adults", "5"], ["female", "7"], ["male", "7"]]}]));
    let row = node.ok("GET", &format!("/api/v1/docs/{doc}"), None)["content"]["events"][0]["participants"][0]
        ["id"]
        .clone();
    let row = row.as_str().expect("row id");
    wait_for("the participants warning", TIMEOUT, || warning(&format!("participants-{row}")));
    assert!(
        b.text("#warnings").contains("14") && b.text("#warnings").contains("15"),
        "{}",
        b.text("#warnings")
    );
    edits(json!([{"op": "set", "path": "events/0/participants/0/undisclosed", "value": "1"}]));
    wait_for("the participants warning goes", TIMEOUT, || !warning(&format!("participants-{row}")));

    // In German: the warnings and the countries' names follow the officer's language.
    choose_language(&b, "de");
    wait_for("the warnings in German", TIMEOUT, || {
        b.text("#warnings").contains("CERV Städtepartnerschaften")
    });
    b.find(country);
    let de = b.js(
        "return Array.from(document.querySelector(arguments[0]).options).find((o) => o.value === 'DE').textContent;",
        vec![json!(country)],
    );
    assert_eq!(de, json!("Deutschland (DE)"));
    let errors = unexpected_console_errors(b.console(), false);
    assert!(errors.is_empty(), "console errors: {errors:?}");
    drop(b);
    node.stop(&rt);
}

/// Screenshots of the current page at a laptop's, a tablet's and a phone's width, scrolled to
/// `show`, with a check that nothing is off-screen; the window is left at the phone's width.
fn shots_at_three_widths(b: &Browser, name: &str, show: &str) -> Vec<std::path::PathBuf> {
    let mut shots = Vec::new();
    for width in [1280, 820, 390] {
        b.set_size(width, 1000);
        wait_for(&format!("a {width} px window"), TIMEOUT, || {
            b.js("return window.innerWidth;", vec![]).as_u64().is_some_and(|w| w <= u64::from(width))
        });
        let off = b.js(OFF_SCREEN_JS, vec![json!("main")]);
        assert_eq!(off, json!([]), "{name}: off-screen at {width} px");
        b.js(
            "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' }); return true;",
            vec![json!(show)],
        );
        shots.push(b.screenshot(&format!("{name}-{width}")));
    }
    for s in &shots {
        let len = std::fs::metadata(s).map(|m| m.len()).unwrap_or(0);
        assert!(len > 10_000, "{} looks empty ({len} bytes)", s.display());
    }
    shots
}

/// Issue 12 item 7: an invitation made in the UI comes with a QR code and a join link; the
/// link opens the partner's own join page with the ticket filled in (joining still takes a
/// click), and a ticket pasted as an e-mail client wraps and quotes it joins too.
#[test]
fn a_partner_joins_from_a_join_link_or_from_a_ticket_wrapped_by_email() {
    let Some(driver) = driver_or_skip("a_partner_joins_from_a_join_link_or_from_a_ticket_wrapped_by_email")
    else {
        return;
    };
    let rt = runtime();
    let (mut stpol, mut warstein, space) = partnership(&rt);
    let mut hebden = ApiNode::start(&rt, "Hebden Royd", "GB");
    let mut kastela = ApiNode::start(&rt, "Kaštela", "HR");
    let (hebden_id, kastela_id) = (hebden.id(), kastela.id());

    // Saint-Pol's officer invites: the ticket, its QR code and a join link.
    let a = driver.session(1280, 900);
    sign_in(&a, &stpol, "C. Dufresne");
    a.goto(&format!("{}/#/space/{space}", stpol.url));
    a.find("#admin-forms:not([hidden]) #inv-role");
    click_live(&a, "#admin-forms button[type='submit']");
    a.find("#ticket-qr");
    let ticket = a.value("#ticket-out");
    assert!(ticket.starts_with("twinmesh:"), "{ticket}");
    let link = a.js("return document.querySelector('#ticket-link').getAttribute('href');", vec![]);
    assert_eq!(
        link,
        json!(format!("http://127.0.0.1:7878/#join={ticket}")),
        "the link opens the default address"
    );
    wait_for("the QR code is drawn", TIMEOUT, || {
        a.js("const i = document.querySelector('#ticket-qr'); return i.complete && i.naturalWidth;", vec![])
            .as_u64()
            .is_some_and(|w| w >= 240)
    });
    let mut shots = shots_at_three_widths(&a, "invite-qr-and-link", "#ticket-qr");

    // Hebden Royd's officer (French browser) opens the link on Hebden Royd's own node: the
    // test's nodes are not at the default address, so only the link's fragment is kept.
    let b = driver.session_in(1280, 900, "fr-FR");
    sign_in(&b, &hebden, "M. Brontë");
    let fragment =
        link.as_str().and_then(|l| l.split_once('#')).map(|(_, f)| f.to_string()).expect("fragment");
    b.goto(&format!("{}/#{fragment}", hebden.url));
    b.find("#join-from-link");
    assert_eq!(b.value("#ticket"), ticket, "the ticket is filled in");
    assert!(b.text("#join-from-link").contains("Rejoindre"), "in French: {}", b.text("#join-from-link"));
    assert!(!b.url().contains("join="), "the ticket leaves the address bar");
    assert_eq!(member_of(&stpol, &space, &hebden_id), Value::Null, "nothing is joined before the click");
    shots.extend(shots_at_three_widths(&b, "join-from-link", "#join"));
    click_live(&b, "#join");
    wait_for("Hebden Royd has joined", TIMEOUT, || {
        member_of(&stpol, &space, &hebden_id)["active"] == json!(true)
    });
    wait_for("Hebden Royd's browser shows the space", TIMEOUT, || {
        b.url().contains(&format!("#/space/{space}"))
    });

    // A link opened before signing in waits for the sign-in.
    let c = driver.session_in(390, 900, "de-DE");
    click_live(&a, "#admin-forms button[type='submit']");
    wait_for("a second ticket", TIMEOUT, || a.value("#ticket-out") != ticket);
    let second = a.value("#ticket-out");
    c.goto(&format!("{}/#join={second}", kastela.url));
    c.find("#token");
    sign_in(&c, &kastela, "A. Perić");
    c.find("#join-from-link");
    assert_eq!(c.value("#ticket"), second);

    // Kaštela's officer pastes instead the ticket as an e-mail client quoted it, wrapped at
    // 76 characters with "> " in front of each line.
    let chars: Vec<char> = second.chars().collect();
    let wrapped: Vec<String> =
        chars.chunks(76).map(|l| format!("> {}", l.iter().collect::<String>())).collect();
    c.js(
        "const e = document.querySelector('#ticket'); e.value = arguments[0]; e.dispatchEvent(new Event('input')); return true;",
        vec![json!(wrapped.join("\r\n"))],
    );
    shots.extend(shots_at_three_widths(&c, "join-wrapped-ticket", "#ticket"));
    click_live(&c, "#join");
    wait_for("Kaštela has joined", TIMEOUT, || {
        member_of(&stpol, &space, &kastela_id)["active"] == json!(true)
    });
    eprintln!("screenshots: {}", shots.len());

    for (who, browser) in [("Saint-Pol", &a), ("Hebden Royd", &b), ("Kaštela", &c)] {
        let errors = unexpected_console_errors(browser.console(), false);
        assert!(errors.is_empty(), "{who}: console errors: {errors:?}");
    }
    drop((a, b, c));
    for n in [&mut stpol, &mut warstein, &mut hebden, &mut kastela] {
        n.stop(&rt);
    }
}

/// Issue 13 item 5: nothing is written from the UI without an officer's name. With the name
/// empty, the editor's fields and the new-document form are disabled with a note saying why;
/// once the name is typed they work, and the change records the officer.
#[test]
fn nothing_is_written_from_the_ui_without_an_officers_name() {
    let Some(driver) = driver_or_skip("nothing_is_written_from_the_ui_without_an_officers_name") else {
        return;
    };
    let rt = runtime();
    let (mut stpol, mut warstein, space) = partnership(&rt);
    let doc =
        stpol.ok("POST", "/api/v1/docs", Some(json!({"space": space, "kind": "plan", "title": "CIRCLE60"})))
            ["id"]
            .as_str()
            .expect("doc")
            .to_string();
    let a = driver.session_in(1280, 900, "it-IT");
    sign_in(&a, &stpol, "");
    a.goto(&format!("{}/#/doc/{doc}", stpol.url));
    a.find("#f-acronym");
    let gate = "return [document.querySelector('#f-acronym').matches(':disabled'),                 !document.querySelector('.officer-needed').hidden,                 document.querySelector('#officer').hasAttribute('aria-invalid')];";
    assert_eq!(
        a.js(gate, vec![]),
        json!([true, true, true]),
        "no officer: the editor is locked and says why"
    );
    assert!(a.text(".officer-needed").contains("Funzionario"), "in Italian: {}", a.text(".officer-needed"));
    a.screenshot("officer-needed");
    a.click(".officer-needed button");
    assert_eq!(
        a.js("return document.activeElement.id;", vec![]),
        json!("officer"),
        "the note leads to the field"
    );
    a.type_into("#officer", "G. Rossi");
    assert_eq!(a.js(gate, vec![]), json!([false, false, false]), "with a name the editor opens");
    a.type_into("#f-acronym", "C60\u{E004}");
    wait_for("the edit is stored with its officer", TIMEOUT, || {
        let h = stpol.ok("GET", &format!("/api/v1/docs/{doc}/history?limit=5"), None);
        h.to_string().contains("G. Rossi")
    });

    // The new-document form on the documents page follows the same rule.
    a.clear("#officer");
    a.js("document.querySelector('#officer').dispatchEvent(new Event('input')); return true;", vec![]);
    a.goto(&format!("{}/#/docs", stpol.url));
    a.find("#nd-create");
    assert_eq!(
        a.js("return document.querySelector('#nd-create').matches(':disabled');", vec![]),
        json!(true)
    );
    drop(a);
    stpol.stop(&rt);
    warstein.stop(&rt);
}

/// A town that is a reader in the partnership opens a plan: every field, the version and
/// approval forms and the upload form are locked and a note says why (before, its fields looked
/// editable and typing into a text field was applied on its own node, refused by every partner,
/// and the plan stayed apart from the others' for good). Made an editor again, it unlocks.
#[test]
fn a_reader_town_sees_the_plan_locked_and_says_why() {
    let Some(driver) = driver_or_skip("a_reader_town_sees_the_plan_locked_and_says_why") else { return };
    let rt = runtime();
    let (mut stpol, mut warstein, space) = partnership(&rt);
    let warstein_id = warstein.id();
    let doc =
        stpol.ok("POST", "/api/v1/docs", Some(json!({"space": space, "kind": "plan", "title": "CIRCLE60"})))
            ["id"]
            .as_str()
            .expect("doc")
            .to_string();
    let set_role = |role: &str| {
        stpol.ok(
            "PUT",
            &format!("/api/v1/spaces/{space}/members/{warstein_id}"),
            Some(json!({ "role": role })),
        );
        wait_for(&format!("Warstein knows it is {role}"), TIMEOUT, || {
            member_of(&warstein, &space, &warstein_id)["role"] == json!(role)
        });
    };
    set_role("viewer");
    wait_for("Warstein holds the plan", TIMEOUT, || {
        warstein.call("GET", &format!("/api/v1/docs/{doc}"), None).0 == 200
    });
    let b = driver.session_in(1280, 900, "de-DE");
    sign_in(&b, &warstein, "J. Becker");
    b.goto(&format!("{}/#/doc/{doc}", warstein.url));
    b.find("#f-summary");
    let locked = "return [document.querySelector('#f-summary').matches(':disabled'),\
         document.querySelector('#f-acronym').matches(':disabled'),\
         !document.querySelector('.read-only').hidden];";
    wait_for("the reader's editor is locked", TIMEOUT, || b.js(locked, vec![]) == json!([true, true, true]));
    assert!(b.text(".read-only").contains("Lesezugriff"), "in German: {}", b.text(".read-only"));
    // Nothing of the note or the locked form leaves the screen on a tablet or a phone.
    shots_at_three_widths(&b, "reader-locked", ".read-only");
    b.set_size(1280, 900);
    // Naming a version, approving one and attaching a file are writes too; reading is not.
    for (tab, control) in [("versions", "#version-create"), ("attachments", "#attach-upload")] {
        b.goto(&format!("{}/#/doc/{doc}/{tab}", warstein.url));
        b.find(control);
        let locked = format!(
            "return [document.querySelector('{control}').matches(':disabled'), !document.querySelector('.read-only').hidden];"
        );
        wait_for(&format!("the {tab} tab is locked"), TIMEOUT, || {
            b.js(&locked, vec![]) == json!([true, true])
        });
    }

    // Made an editor again, the open page unlocks (the membership change arrives as an event).
    b.goto(&format!("{}/#/doc/{doc}", warstein.url));
    b.find("#f-summary");
    wait_for("the reader's editor is locked again", TIMEOUT, || {
        b.js(locked, vec![]) == json!([true, true, true])
    });
    set_role("editor");
    wait_for("the open page unlocks", TIMEOUT, || b.js(locked, vec![]) == json!([false, false, false]));
    drop(b);
    stpol.stop(&rt);
    warstein.stop(&rt);
}

/// Issue 13: a French officer names a version of a plan and approves it with the council's
/// reference and date; the partner's approval arrives live ("approuvée par 2 des 2 villes"),
/// and the partner's later edit marks the version as changed since, naming the field.
#[test]
fn a_french_officer_names_a_version_and_approves_it() {
    let Some(driver) = driver_or_skip("a_french_officer_names_a_version_and_approves_it") else {
        return;
    };
    let rt = runtime();
    let (mut stpol, mut warstein, space) = partnership(&rt);
    let doc = stpol.ok(
        "POST",
        "/api/v1/docs",
        Some(json!({"space": space, "kind": "plan", "title": "CIRCLE60", "lang": "fr"})),
    )["id"]
        .as_str()
        .expect("doc")
        .to_string();
    stpol.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/edits"),
        Some(json!({"edits": [{"op": "set", "path": "acronym", "value": "CIRCLE60"}]})),
    );

    let a = driver.session_in(1280, 900, "fr-FR");
    sign_in(&a, &stpol, "C. Dufresne");
    a.goto(&format!("{}/#/doc/{doc}/versions", stpol.url));
    a.find("#version-name");
    assert_eq!(a.text("nav.tabs a[aria-current='page']"), "Versions");
    a.type_into("#version-name", "soumis à l’EACEA le 12/02/2027");
    a.click("#version-create");
    let card = "section.version";
    wait_for("the version's card", TIMEOUT, || {
        a.text(&format!("{card} h2")) == "soumis à l’EACEA le 12/02/2027"
    });
    let vid = a.js("return document.querySelector('section.version').dataset.version;", vec![]);
    let vid = vid.as_str().expect("version id").to_string();
    assert_eq!(a.text(&format!("[data-approvals='{vid}']")), "approuvée par 0 des 2 villes");

    a.type_into(&format!("#approve-ref-{vid}"), "Délibération 2027-014");
    a.js(
        "const d = document.querySelector(arguments[0]); d.value = '2027-02-10'; d.dispatchEvent(new Event('input')); return true;",
        vec![json!(format!("#approve-date-{vid}"))],
    );
    a.click(&format!("#approve-{vid}"));
    wait_for("St-Pol's approval shown", TIMEOUT, || {
        a.text(&format!("[data-approvals='{vid}']")) == "approuvée par 1 des 2 villes"
    });
    let listed = stpol.ok("GET", &format!("/api/v1/docs/{doc}/versions"), None);
    let d = &listed["versions"][0]["decisions"][0];
    assert_eq!(
        (d["reference"].as_str(), d["date"].as_str(), d["officer"].as_str()),
        (Some("Délibération 2027-014"), Some("2027-02-10"), Some("C. Dufresne")),
        "{listed}"
    );
    let page = a.text(card);
    assert!(
        page.contains("Saint-Pol-sur-Ternoise : approuvée (Délibération 2027-014, 10/02/2027) (C. Dufresne)"),
        "{page}"
    );

    // Warstein approves through its node; the approval arrives live in Saint-Pol's browser.
    wait_for("Warstein holds the version", TIMEOUT, || {
        warstein.call("GET", &format!("/api/v1/docs/{doc}/versions"), None).1["versions"][0]["id"]
            == json!(vid)
    });
    warstein.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/versions/{vid}/approve"),
        Some(json!({"decision": "approved", "reference": "Ratsbeschluss 12/2027", "date": "2027-02-11"})),
    );
    wait_for("both approvals shown", TIMEOUT, || {
        a.text(&format!("[data-approvals='{vid}']")) == "approuvée par 2 des 2 villes"
    });
    // A later edit by Warstein: the version is marked changed since, naming the field.
    warstein.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/edits"),
        Some(json!({"edits": [{"op": "set", "path": "acronym", "value": "CIRCLE61"}]})),
    );
    wait_for("changed since shown", TIMEOUT, || {
        a.js(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';",
            vec![json!(format!("[data-changed='{vid}']"))],
        ) == json!("modifié depuis cette version")
    });
    let page = a.text(card);
    assert!(page.contains("Acronyme"), "the changed field by its French label: {page}");
    a.screenshot("versions-fr");
    assert_eq!(unexpected_console_errors(a.console(), false), Vec::<String>::new());
    stpol.stop(&rt);
    warstein.stop(&rt);
}

#[test]
fn an_officer_attaches_a_file_in_the_ui_and_the_partner_sees_it_arrive_and_go() {
    let Some(driver) =
        driver_or_skip("an_officer_attaches_a_file_in_the_ui_and_the_partner_sees_it_arrive_and_go")
    else {
        return;
    };
    let rt = runtime();
    let (mut stpol, mut warstein, space) = partnership(&rt);
    let doc = stpol.ok(
        "POST",
        "/api/v1/docs",
        Some(json!({"space": space, "kind": "plan", "title": "CIRCLE60", "lang": "fr"})),
    )["id"]
        .as_str()
        .expect("doc")
        .to_string();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("listes-de-presence.pdf");
    let bytes: Vec<u8> = (0..600_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    std::fs::write(&file, &bytes).expect("write");

    let a = driver.session_in(1280, 900, "fr-FR");
    sign_in(&a, &stpol, "C. Dufresne");
    a.goto(&format!("{}/#/doc/{doc}/attachments", stpol.url));
    a.find("#attach-file");
    assert_eq!(a.text("nav.tabs a[aria-current='page']"), "Pièces jointes");
    a.type_into("#attach-file", &file.display().to_string());
    a.type_into("#attach-caption", "Listes de présence signées");
    a.click("#attach-upload");
    wait_for("the attachment's row", TIMEOUT, || {
        a.text("[data-attachment]").contains("listes-de-presence.pdf")
    });
    let row = a.text("[data-attachment]");
    assert!(row.contains("téléchargé") && row.contains("Listes de présence signées"), "{row}");
    assert!(plain_spaces(&row).contains("\t600 ko\t"), "the size, in French units: {row}");
    let listed = stpol.ok("GET", &format!("/api/v1/docs/{doc}/attachments"), None);
    assert_eq!(listed[0]["officer"], "C. Dufresne", "{listed}");
    let id = listed[0]["id"].as_str().expect("id").to_string();

    // Warstein's officer sees it arrive (fetched eagerly), in German, and downloads it.
    let b = driver.session_in(1280, 900, "de-DE");
    sign_in(&b, &warstein, "K. Schulte");
    b.goto(&format!("{}/#/doc/{doc}/attachments", warstein.url));
    wait_for("the file arrived at Warstein", TIMEOUT, || {
        b.text("[data-attachment]").contains("heruntergeladen")
    });
    let (status, _) = http(
        "GET",
        &format!("{}/api/v1/docs/{doc}/attachments/{id}?download=true", warstein.url),
        Some(&warstein.token),
        None,
    );
    assert_eq!(status, 200);

    // St-Pol removes it (GDPR); Warstein's page says so, with the reason.
    stpol.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/attachments/{id}/remove"),
        Some(json!({"reason": "données personnelles", "officer": "C. Dufresne"})),
    );
    wait_for("the removal shown at Warstein", TIMEOUT, || b.text("[data-attachment]").contains("entfernt"));
    assert!(b.text("[data-attachment]").contains("données personnelles"));
    b.screenshot("attachments-de");
    assert_eq!(unexpected_console_errors(a.console(), false), Vec::<String>::new());
    assert_eq!(unexpected_console_errors(b.console(), false), Vec::<String>::new());
    stpol.stop(&rt);
    warstein.stop(&rt);
}

/// Keeps what the page downloads (`download()` clicks a link to a blob) instead of saving it,
/// so a test can read the file's name and bytes (the page's CSP lets nothing fetch a blob URL).
const CAPTURE_DOWNLOADS_JS: &str = "\
    window.__saved = []; window.__blobs = new Map();\
    const made = URL.createObjectURL;\
    URL.createObjectURL = (b) => { const u = made(b); window.__blobs.set(u, b); return u; };\
    HTMLAnchorElement.prototype.click = function () { if (this.download) window.__saved.push({ name: this.download, blob: window.__blobs.get(this.href) }); };\
    return true;";

/// The last captured download: its name and bytes.
fn last_download(b: &Browser) -> (String, Vec<u8>) {
    let v = b.js(
        "const d = window.__saved[window.__saved.length - 1];\
         return d.blob.arrayBuffer().then((buf) => {\
           const a = new Uint8Array(buf); let s = '';\
           for (let i = 0; i < a.length; i++) s += String.fromCharCode(a[i]);\
           return { name: d.name, data: btoa(s) };\
         });",
        vec![],
    );
    let bytes =
        data_encoding::BASE64.decode(v["data"].as_str().unwrap_or_default().as_bytes()).expect("base64");
    (v["name"].as_str().unwrap_or_default().to_string(), bytes)
}

#[test]
fn an_officer_carries_a_file_to_a_partner_town_without_network() {
    let Some(driver) = driver_or_skip("an_officer_carries_a_file_to_a_partner_town_without_network") else {
        return;
    };
    let rt = runtime();
    // Two towns that never connect: the file is the only way between them.
    let mut stpol = ApiNode::start(&rt, "Saint-Pol-sur-Ternoise", "FR");
    let mut warstein = ApiNode::start(&rt, "Warstein", "DE");
    let space = stpol.found_partnership("Saint-Pol – Warstein", &warstein, "Warstein");
    let wid = warstein.id();
    let doc = stpol.ok(
        "POST",
        "/api/v1/docs",
        Some(json!({"space": space, "kind": "plan", "title": "CIRCLE60", "lang": "fr"})),
    )["id"]
        .as_str()
        .expect("doc")
        .to_string();
    stpol.ok(
        "POST",
        &format!("/api/v1/docs/{doc}/edits"),
        Some(json!({"edits": [{"op": "add", "list": "budget/lines", "fields": [["amount", "3800"]]}]})),
    );

    // Saint-Pol's officer saves a file for Warstein on the partnership's page.
    let a = driver.session_in(1280, 900, "fr-FR");
    sign_in(&a, &stpol, "C. Dufresne");
    a.goto(&format!("{}/#/space/{space}", stpol.url));
    a.find(&format!("#bundle-partner option[value='{wid}']"));
    assert_eq!(a.text("#bundles-title"), "Sans réseau : porter un fichier");
    a.js(CAPTURE_DOWNLOADS_JS, vec![]);
    a.js(
        "const s = document.querySelector('#bundle-partner'); s.value = arguments[0]; return s.value;",
        vec![json!(wid)],
    );
    a.click("#bundle-save");
    a.find("#bundle-save-result [data-file]");
    let said = a.text("#bundle-save-result");
    assert!(
        said.contains("« Saint-Pol_Warstein-for-Warstein.twinbundle » enregistré.")
            && said.contains("Documents : 1")
            && said.contains("pièces jointes : 0"),
        "{said}"
    );
    a.js("document.querySelector('#bundles').scrollIntoView(); return true;", vec![]);
    a.screenshot("bundle-saved-fr");
    // On a phone, every control of the card is reachable.
    a.set_size(390, 844);
    assert_eq!(a.js(OFF_SCREEN_JS, vec![json!("#bundles")]), json!([]), "the bundle card fits a phone");
    a.set_size(1280, 900);
    let (name, bytes) = last_download(&a);
    assert_eq!(name, "Saint-Pol_Warstein-for-Warstein.twinbundle");
    assert!(bytes.starts_with(b"TWINBDL"), "the download is the bundle ({} bytes)", bytes.len());
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join(&name);
    std::fs::write(&file, &bytes).expect("write");
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "not a bundle").expect("write");

    // Warstein's officer, who has not received the partnership yet, opens it from the list of
    // partnerships: first a wrong file, refused in words, then the right one.
    let b = driver.session_in(1280, 900, "de-DE");
    sign_in(&b, &warstein, "K. Schulte");
    b.goto(&format!("{}/#/spaces", warstein.url));
    b.type_into("#bundle-file", &junk.display().to_string());
    b.click("#bundle-open");
    b.find("#bundle-open-error");
    assert_eq!(
        b.text("#bundle-open-error"),
        "Diese Datei wurde nicht von Twinmesh für einen Partner gespeichert. Es wurde nichts importiert."
    );
    b.type_into("#bundle-file", &file.display().to_string());
    b.click("#bundle-open");
    b.find("#bundle-open-report");
    let report = b.text("#bundle-open-report");
    assert!(
        report.contains("Die Datei wurde geöffnet")
            && report.contains("Dokumente in der Datei: 1 (neu hier: 1)")
            && report.contains("Neue Änderungen: "),
        "{report}"
    );
    b.js("document.querySelector('#bundles').scrollIntoView(); return true;", vec![]);
    b.screenshot("bundle-opened-de");
    b.click("#bundle-open-space");
    wait_for("the plan on Warstein's partnership page", TIMEOUT, || b.text("main").contains("CIRCLE60"));

    // The same file again: nothing new, said so.
    b.type_into("#bundle-file", &file.display().to_string());
    b.click("#bundle-open");
    wait_for("nothing new", TIMEOUT, || {
        b.js(
            "const e = document.querySelector('#bundle-open-report'); return e ? e.textContent : '';",
            vec![],
        )
        .as_str()
        .is_some_and(|t| t.starts_with("Nichts Neues"))
    });
    assert_eq!(unexpected_console_errors(a.console(), false), Vec::<String>::new());
    // The refused file's answer (400) is the one error Chromium logs, on purpose.
    let errors: Vec<String> = unexpected_console_errors(b.console(), false)
        .into_iter()
        .filter(|m| !(m.contains("/api/v1/bundles") && m.contains("400")))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    stpol.stop(&rt);
    warstein.stop(&rt);
}
