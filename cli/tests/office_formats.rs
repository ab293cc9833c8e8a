//! A plan leaves Twinmesh for calendars, spreadsheets, word processors and print: `twin doc
//! export --format ics|csv|xlsx|docx|odt|pdf`, each file read back with a reader that is not
//! its writer (the `ical` parser, a CSV reader, `calamine` for XLSX, the raw XML of DOCX and
//! ODT through `zip` and `quick-xml`'s reader, poppler's `pdftotext`), in the document's
//! language, with what cannot go in listed rather than dropped.

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

/// The German plan with the rest of a Part B: a summary, context, an objective, two work
/// packages, participants of two towns at the youth exchange, a lump sum and an indicator.
/// Its title has German, Romanian and French letters, which every file must keep.
const TITLE: &str = "CIRCLE60 – Kreislaufstädte: Straße, înfrățire, échange";

fn full_plan() -> (Node, String) {
    let (a, doc) = plan();
    let run = |args: &[&str]| {
        a.run(args).ok();
    };
    run(&["doc", "text", &doc, "title", TITLE]);
    run(&["doc", "text", &doc, "summary", "Sechzig junge Menschen aus drei Städten."]);
    run(&["doc", "text", &doc, "context", "Zwei Partnerstädte seit 1966."]);
    run(&["doc", "add", &doc, "objectives", "type=general", "text=Kreislaufwirtschaft erleben"]);
    run(&["doc", "add", &doc, "work_packages", "number=WP1", "title=Projektmanagement", "lump_sum=3000"]);
    run(&["doc", "add", &doc, "work_packages", "number=WP2", "title=Circular Town Lab", "lump_sum=17500"]);
    run(&[
        "doc",
        "add",
        &doc,
        "events/0/participants",
        "town=Saint-Pol",
        "country=FR",
        "youth=20",
        "adults=4",
    ]);
    run(&[
        "doc",
        "add",
        &doc,
        "events/0/participants",
        "town=Warstein",
        "country=DE",
        "youth=18",
        "adults=3",
    ]);
    run(&["doc", "set", &doc, "budget/lump_sum_requested", "23800"]);
    run(&["doc", "add", &doc, "indicators", "name=Teilnehmende Jugendliche", "level=output", "target=40"]);
    (a, doc)
}

/// The Part B headings in German, in the order the outline must give them.
const PART_B: [&str; 7] = [
    "Zusammenfassung",
    "Relevanz",
    "Ziele",
    "Arbeitspakete",
    "Veranstaltungen",
    "Budget (EUR)",
    "Indikatoren",
];

/// German amounts: `2.600,50 €` (a no-break space before the sign).
fn de(amount: &str) -> String {
    format!("{amount}\u{a0}€")
}

/// What a word processor shows: each paragraph's style (or heading level) and text, and
/// whether it sits in a table.
#[derive(Debug)]
struct Para {
    style: String,
    text: String,
    in_table: bool,
}

fn zip_part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("the file is a ZIP package");
    let mut part = zip.by_name(name).unwrap_or_else(|e| panic!("{name} in the package: {e}"));
    let mut text = String::new();
    std::io::Read::read_to_string(&mut part, &mut text).expect("the part is UTF-8");
    text
}

/// Paragraphs of an XML part: `para` names the paragraph elements, `table` the table element,
/// `text` the elements holding text (all text inside a paragraph if empty), `style` reads a
/// paragraph's style from its own attributes or a child's.
fn paragraphs(
    xml: &str,
    para: &[&str],
    table: &str,
    text_tags: &[&str],
    style: &dyn Fn(&quick_xml::events::BytesStart<'_>) -> Option<String>,
) -> Vec<Para> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let (mut tables, mut in_text, mut current): (usize, usize, Option<Para>) = (0, 0, None);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == table.as_bytes() => tables += 1,
            Event::End(e) if e.name().as_ref() == table.as_bytes() => tables -= 1,
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if para.contains(&name.as_str()) {
                    current = Some(Para {
                        style: style(&e).unwrap_or_default(),
                        text: String::new(),
                        in_table: tables > 0,
                    });
                } else if let (Some(p), Some(s)) = (current.as_mut(), style(&e)) {
                    p.style = s;
                }
                if text_tags.contains(&name.as_str()) {
                    in_text += 1;
                }
            }
            Event::Empty(e) => {
                if let (Some(p), Some(s)) = (current.as_mut(), style(&e)) {
                    p.style = s;
                }
            }
            Event::Text(t) => {
                if let Some(p) = current.as_mut()
                    && (text_tags.is_empty() || in_text > 0)
                {
                    p.text.push_str(&t.decode().expect("text decodes"));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(p) = current.as_mut() {
                    let ch = r.resolve_char_ref().ok().flatten().map(String::from);
                    let named = match &*r {
                        b"amp" => "&",
                        b"lt" => "<",
                        b"gt" => ">",
                        b"quot" => "\"",
                        b"apos" => "'",
                        _ => "",
                    };
                    p.text.push_str(&ch.unwrap_or_else(|| named.to_string()));
                }
            }
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if text_tags.contains(&name.as_str()) {
                    in_text -= 1;
                }
                if para.contains(&name.as_str()) {
                    out.extend(current.take());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn attr(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

/// Checks what every word-processor file of the full plan must hold.
fn check_document(paras: &[Para], heading: &dyn Fn(&Para) -> bool, what: &str) {
    let headings: Vec<&str> = paras.iter().filter(|p| heading(p)).map(|p| p.text.as_str()).collect();
    let mut at = 0;
    for h in PART_B {
        let found = headings[at..].iter().position(|x| *x == h);
        let Some(i) = found else {
            panic!("{what}: heading '{h}' missing or out of Part B order in {headings:?}")
        };
        at += i + 1;
    }
    assert!(paras.iter().any(|p| p.text == TITLE && !p.in_table), "{what}: the title in {paras:?}");
    let cells: Vec<&str> = paras.iter().filter(|p| p.in_table).map(|p| p.text.as_str()).collect();
    for want in [
        "WP1",
        "Projektmanagement",
        "Circular Town Lab",
        "Bus",
        "Erstattung",
        "Saint-Pol",
        "Warstein",
        "Teilnehmende Jugendliche",
    ] {
        assert!(cells.contains(&want), "{what}: '{want}' in a table cell: {cells:?}");
    }
    // Amounts as German writes them; the totals of the budget and of the work packages.
    for want in [de("2.600,50"), de("-150,00"), de("2.450,50"), de("20.500,00"), de("23.800,00")] {
        assert!(
            cells.iter().any(|c| c.starts_with(want.as_str())),
            "{what}: '{want}' in a table cell: {cells:?}"
        );
    }
    // Participants per town and country, with a head count total.
    assert!(cells.windows(2).any(|w| w == ["Warstein", "DE"]), "{what}: Warstein's row: {cells:?}");
    assert!(cells.windows(2).any(|w| w == ["Saint-Pol", "FR"]), "{what}: Saint-Pol's row: {cells:?}");
    assert!(cells.contains(&"38"), "{what}: the youth total 20 + 18 in {cells:?}");
    // All events' participants per country, after the events.
    let by_country = paras.iter().position(|p| heading(p) && p.text == "Teilnehmende nach Land");
    let events = paras.iter().position(|p| heading(p) && p.text == "Veranstaltungen");
    assert!(by_country > events && events.is_some(), "{what}: participants by country after the events");
    assert!(cells.windows(4).any(|w| w == ["DE", "Warstein", "18", "3"]), "{what}: Germany's row: {cells:?}");
    assert!(cells.contains(&"Summe"), "{what}: a totals row named in German: {cells:?}");
}

#[test]
fn a_plan_goes_to_word_with_part_b_headings_tables_and_totals() {
    let (a, doc) = full_plan();
    let (bytes, _) = export(&a, &doc, "docx");
    let xml = zip_part(&bytes, "word/document.xml");
    let paras = paragraphs(&xml, &["w:p"], "w:tbl", &["w:t"], &|e| {
        (e.name().as_ref() == b"w:pStyle").then(|| attr(e, "w:val")).flatten()
    });
    check_document(&paras, &|p| p.style.starts_with("Heading"), "DOCX");
    // Every table has its column grid (without one, readers such as pandoc drop the table).
    assert!(
        !xml.contains("<w:tblGrid />")
            && xml.matches("<w:tblGrid>").count() == xml.matches("<w:tbl>").count()
    );
    assert!(xml.contains("<w:gridCol"), "column widths");
    // The parts are compressed (docx-rs stores them; the node deflates them).
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("a ZIP package");
    let part = zip.by_name("word/document.xml").expect("the main part");
    assert_eq!(part.compression(), zip::CompressionMethod::Deflated);
    drop(part);
    // The heading styles are Word's own, so its navigation pane lists them.
    let styles = zip_part(&bytes, "word/styles.xml");
    let style = |id: &str| {
        let start =
            styles.find(&format!("w:styleId=\"{id}\"")).unwrap_or_else(|| panic!("style {id}: {styles}"));
        styles[start..].split("</w:style>").next().unwrap_or_default().to_string()
    };
    // Word numbers outline levels from 0: heading 1 is level 0, heading 2 level 1.
    for (id, name, level) in [("Heading1", "heading 1", 0), ("Heading2", "heading 2", 1)] {
        let s = style(id);
        assert!(s.contains(name) && s.contains(&format!("<w:outlineLvl w:val=\"{level}\" />")), "{s}");
    }
    assert!(!style("Title").contains("w:outlineLvl"), "the title is no heading: {}", style("Title"));
}

#[test]
fn a_plan_goes_to_opendocument_with_part_b_headings_tables_and_totals() {
    let (a, doc) = full_plan();
    let (bytes, _) = export(&a, &doc, "odt");
    // ODF: the first entry is `mimetype`, stored, naming the type.
    assert_eq!(&bytes[30..38], b"mimetype", "the mimetype entry comes first");
    assert_eq!(zip_part(&bytes, "mimetype"), "application/vnd.oasis.opendocument.text");
    let content = zip_part(&bytes, "content.xml");
    let paras =
        paragraphs(&content, &["text:h", "text:p"], "table:table", &[], &|e| match e.name().as_ref() {
            b"text:h" => attr(e, "text:outline-level").map(|l| format!("h{l}")),
            b"text:p" => attr(e, "text:style-name"),
            _ => None,
        });
    check_document(&paras, &|p| p.style.starts_with('h'), "ODT");
    let meta = zip_part(&bytes, "meta.xml");
    assert!(meta.contains("<dc:language>de-DE</dc:language>"), "{meta}");
}

#[test]
fn the_budget_goes_to_excel_with_numbers_and_a_sum_formula() {
    use calamine::{Data, Reader as _};
    let (a, doc) = plan();
    let (bytes, out) = export(&a, &doc, "xlsx");
    assert_eq!(out["left_out"].as_array().map(Vec::len), Some(0), "{out}");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("calamine opens the workbook");
    let sheet = book.sheet_names().first().cloned().expect("a worksheet");
    assert_eq!(sheet, "Budget (EUR)");
    let cells = book.worksheet_range(&sheet).expect("the sheet reads");
    let at = |r: u32, c: u32| cells.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(at(0, 5), Data::String("Betrag".into()));
    assert_eq!(at(1, 2), Data::String("Reisekosten".into()));
    assert_eq!(at(1, 3), Data::String("Bus".into()));
    // Amounts are numbers, not text.
    assert_eq!(at(1, 5), Data::Float(2600.5));
    assert_eq!(at(2, 5), Data::Float(-150.0));
    assert_eq!(at(3, 3), Data::String("Summe".into()));
    // The total: a formula over the amounts, its cached value their sum.
    assert_eq!(at(3, 5), Data::Float(2450.5));
    let formulas = book.worksheet_formula(&sheet).expect("the formulas read");
    assert_eq!(formulas.get_value((3, 5)).map(String::as_str), Some("SUM(F2:F3)"));
}

#[test]
fn a_plan_goes_to_pdf_with_its_title_on_page_one() {
    let (a, doc) = full_plan();
    let (bytes, _) = export(&a, &doc, "pdf");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF file");
    // Bookmarks: the headings beside the pages in any reader.
    assert!(bytes.windows(9).any(|w| w == b"/Outlines"), "the PDF has bookmarks");
    let file = a.scratch().join("plan.pdf");
    let text = match std::process::Command::new("pdftotext")
        .args(["-f", "1", "-l", "1", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
    {
        Ok(out) if out.status.success() => String::from_utf8(out.stdout).expect("UTF-8 text"),
        Ok(out) => panic!("pdftotext refused the file: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            assert!(!common::real_components_required(), "pdftotext (poppler-utils) is needed: {e}");
            eprintln!("skipped: pdftotext not installed ({e})");
            return;
        }
    };
    // Lines may be broken differently; the words and letters must all be there.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains(TITLE), "the title on page one: {flat}");
    assert!(flat.contains("Zusammenfassung") && flat.contains("Sechzig junge Menschen"), "{flat}");
    let all = std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext runs");
    let all = String::from_utf8_lossy(&all.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    for want in ["Arbeitspakete", "Projektmanagement", "Indikatoren", "Summe", "2.450,50"] {
        assert!(all.contains(want), "'{want}' in the PDF: {all}");
    }
}

#[test]
fn other_kinds_go_to_word_by_their_sections_and_budgets_only_come_from_plans() {
    let (a, _) = plan();
    let space = common::id_text(&a.json(&["space", "list"])[0]["id"]);
    let charter =
        id_of(&a.json(&["doc", "new", &space, "--kind", "charter", "--title", "Partnerschaftscharta"]));
    a.run(&["doc", "add", &charter, "clauses", "heading=Präambel", "text=Zwei Städte, ein Europa."]).ok();
    a.run(&["doc", "text", &charter, "preamble", "Wir, die Bürgermeister\u{7}"]).ok();
    let (bytes, _) = export(&a, &charter, "docx");
    // A control character XML cannot hold (a peer may write one) would make Word refuse the
    // file: it is shown as U+FFFD instead, in DOCX and ODT alike.
    let document = zip_part(&bytes, "word/document.xml");
    assert!(!document.contains('\u{7}') && document.contains("Bürgermeister\u{FFFD}"), "{document}");
    let content = zip_part(&export(&a, &charter, "odt").0, "content.xml");
    assert!(!content.contains('\u{7}') && content.contains("Bürgermeister\u{FFFD}"), "{content}");
    let paras = paragraphs(&zip_part(&bytes, "word/document.xml"), &["w:p"], "w:tbl", &["w:t"], &|e| {
        (e.name().as_ref() == b"w:pStyle").then(|| attr(e, "w:val")).flatten()
    });
    assert!(paras.iter().any(|p| p.text == "Partnerschaftscharta" && p.style == "Title"), "{paras:?}");
    assert!(paras.iter().any(|p| p.in_table && p.text == "Präambel"), "{paras:?}");
    assert!(paras.iter().any(|p| p.text.contains("Zwei Städte, ein Europa.")), "{paras:?}");
    let file = a.scratch().join("charter.xlsx");
    a.run(&["doc", "export", &charter, "--output", file.to_str().expect("utf-8"), "--format", "xlsx"])
        .fails(&["joint project plan"]);
    assert!(!file.exists());
}
