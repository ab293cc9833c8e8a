//! A plan leaves Twinmesh for calendars and spreadsheets: `twin doc export --format ics` and
//! `--format csv`, read back with independent readers (the `ical` parser and a CSV reader), in
//! the document's language, with what cannot go in listed rather than dropped.

mod common;

use common::{Node, SAINT_POL};
use serde_json::Value;

/// A German plan: an event of three days, an event with only a month, a milestone, and
/// budget lines (one a correction).
fn plan() -> (Node, String) {
    let a = Node::init(SAINT_POL, "FR");
    let space = a.space("CIRCLE60");
    let doc =
        id_of(&a.json(&["--lang", "de", "doc", "new", &space, "--kind", "plan", "--title", "CIRCLE60"]));
    let add = |args: &[&str]| {
        let mut all = vec!["doc", "add", &doc];
        all.extend_from_slice(args);
        a.run(&all).ok();
    };
    add(&[
        "events",
        "title=Jugendbegegnung",
        "start=2027-04-30",
        "end=2027-05-02",
        "venue=Rathaus",
        "host=Warstein",
    ]);
    add(&["events", "title=Abschlusskonferenz", "start=2027-09"]);
    add(&["milestones", "number=M1", "title=Partnerschaftsvertrag", "due=2027-03-15"]);
    add(&["budget/lines", "amount=2600.50", "category=travel", "description=Bus"]);
    add(&["budget/lines", "amount=-150", "category=other", "description=Erstattung"]);
    (a, doc)
}

fn id_of(v: &Value) -> String {
    common::id_text(&v["id"])
}

fn export(a: &Node, doc: &str, format: &str) -> (Vec<u8>, Value) {
    let file = a.scratch().join(format!("plan.{format}"));
    let out = a.json(&["doc", "export", doc, "--output", file.to_str().expect("utf-8"), "--format", format]);
    (std::fs::read(&file).expect("export written"), out)
}

#[test]
fn events_and_milestones_go_to_a_calendar_file() {
    let (a, doc) = plan();
    let (bytes, out) = export(&a, &doc, "ics");
    let calendars: Vec<_> = ical::IcalParser::new(bytes.as_slice()).collect();
    assert_eq!(calendars.len(), 1);
    let cal = calendars.into_iter().next().expect("one").expect("the calendar parses");
    let prop = |e: &ical::parser::ical::component::IcalEvent, name: &str| {
        e.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
    };
    let summaries: Vec<String> = cal.events.iter().map(|e| prop(e, "SUMMARY")).collect();
    assert_eq!(summaries, ["Jugendbegegnung", "M1 Partnerschaftsvertrag"], "{summaries:?}");
    let youth = &cal.events[0];
    assert_eq!(prop(youth, "DTSTART"), "20270430");
    // All-day: DTEND is the day after the last day.
    assert_eq!(prop(youth, "DTEND"), "20270503");
    assert_eq!(prop(youth, "LOCATION"), "Rathaus\\, Warstein");
    assert!(prop(youth, "UID").ends_with(&format!("@{doc}.twinmesh")), "{}", prop(youth, "UID"));
    assert_eq!(prop(&cal.events[1], "DTSTART"), "20270315");
    // The same document gives the same file (a calendar updates entries by UID).
    assert_eq!(export(&a, &doc, "ics").0, bytes);
    // The conference has only a month: listed, not guessed.
    let left: Vec<&str> =
        out["left_out"].as_array().into_iter().flatten().filter_map(|l| l["path"].as_str()).collect();
    assert_eq!(left, ["events/1/start"], "{out}");
}

#[test]
fn the_budget_goes_to_a_spreadsheet_table_in_the_documents_language() {
    let (a, doc) = plan();
    let (bytes, out) = export(&a, &doc, "csv");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().expect("a header row").iter().map(str::to_string).collect();
    assert_eq!(header.len(), 6, "{header:?}");
    assert_eq!(header[5], "Betrag", "{header:?}");
    let rows: Vec<Vec<String>> =
        reader.records().map(|r| r.expect("a row").iter().map(str::to_string).collect()).collect();
    assert_eq!(rows.len(), 3, "two lines and the total: {rows:?}");
    assert_eq!(
        (rows[0][2].as_str(), rows[0][3].as_str(), rows[0][5].as_str()),
        ("Reisekosten", "Bus", "2600.50")
    );
    assert_eq!(rows[1][5], "-150.00");
    assert_eq!((rows[2][3].as_str(), rows[2][5].as_str()), ("Summe", "2450.50"));
    assert_eq!(out["left_out"].as_array().map(Vec::len), Some(0), "{out}");

    // A calendar or a table from a charter is refused with the reason; nothing is written.
    let space = a.json(&["space", "list"])[0]["id"].clone();
    let charter =
        id_of(&a.json(&["doc", "new", &common::id_text(&space), "--kind", "charter", "--title", "Charta"]));
    let file = a.scratch().join("charter.csv");
    a.run(&["doc", "export", &charter, "--output", file.to_str().expect("utf-8"), "--format", "csv"])
        .fails(&["joint project plan"]);
    assert!(!file.exists());
}
