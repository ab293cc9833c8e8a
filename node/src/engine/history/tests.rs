use automerge::{Automerge, ObjType, ROOT, ReadDoc, ScalarValue, transaction::Transactable};

use twinmesh_protocol::schema::FieldType;

use super::{describe::format_value, words::word_diff, *};

fn entry(town: &str, officer: &str, minute: i64) -> HistoryEntry {
    HistoryEntry {
        hash: format!("{town}{officer}{minute}"),
        author_key: Some(town.into()),
        author_id: None,
        author: Some(town.into()),
        officer: Some(officer.into()),
        time: Timestamp(minute * 60_000),
        time_utc: String::new(),
        message: String::new(),
        seq: 1,
        signature: SignatureStatus::Verified,
        verified_through: None,
        accepted: true,
        refused_because: None,
        items: Vec::new(),
    }
}

#[test]
fn a_sitting_ends_at_a_long_pause_another_officer_or_another_town() {
    // Twenty changes a minute apart: one sitting.
    let steady: Vec<HistoryEntry> = (0..20).map(|m| entry("Warstein", "J. Becker", m)).collect();
    assert_eq!(group(&steady), vec![0..20]);
    // Exactly the gap still joins; a minute more does not.
    let gap = SITTING_GAP_MS / 60_000;
    let paused = vec![entry("W", "B", 0), entry("W", "B", gap), entry("W", "B", 2 * gap + 1)];
    assert_eq!(group(&paused), vec![0..2, 2..3]);
    let officers = vec![entry("W", "B", 0), entry("W", "C", 1), entry("W", "B", 2)];
    assert_eq!(group(&officers), vec![0..1, 1..2, 2..3]);
    let towns = vec![entry("W", "B", 0), entry("S", "B", 1), entry("S", "B", 2)];
    assert_eq!(group(&towns), vec![0..1, 1..3]);
    // A refused change belongs to no sitting and splits it.
    let mut refused = vec![entry("W", "B", 0), entry("W", "B", 1), entry("W", "B", 2)];
    refused[1].accepted = false;
    assert_eq!(group(&refused), vec![0..1, 2..3]);
}

/// A plan-shaped document: a creation change, then one budget line and a summary text.
fn plan() -> (Automerge, automerge::ObjId, automerge::ObjId, automerge::ObjId) {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    tx.put(ROOT, "kind", "plan").expect("put");
    tx.commit();
    let mut tx = doc.transaction();
    let budget = tx.put_object(ROOT, "budget", ObjType::Map).expect("budget");
    let lines = tx.put_object(&budget, "lines", ObjType::List).expect("lines");
    let line = tx.insert_object(&lines, 0, ObjType::Map).expect("line");
    tx.put(&line, "amount", ScalarValue::Int(0)).expect("amount");
    tx.put(&line, "funding_source", "").expect("source");
    let summary = tx.put_object(ROOT, "summary", ObjType::Text).expect("summary");
    tx.splice_text(&summary, 0, 0, "We meet in Warstein in May with forty pupils.").expect("text");
    tx.commit();
    (doc, lines, line, summary)
}

fn last(doc: &Automerge) -> (ChangeHash, Vec<ChangeHash>) {
    doc.get_changes(&[]).last().map(|c| (c.hash(), c.deps().to_vec())).expect("a change")
}

fn items(doc: &Automerge, lang: Lang) -> Vec<FieldItem> {
    let (hash, deps) = last(doc);
    render_all(lang, DocKind::Plan, &describe(doc, hash, &deps))
}

#[test]
fn a_change_is_described_by_labels_and_values_in_the_readers_language() {
    let (mut doc, lines, line, _) = plan();
    let mut tx = doc.transaction();
    tx.put(&line, "amount", ScalarValue::Int(420_000)).expect("amount");
    tx.put(&line, "funding_source", "committee").expect("source");
    tx.commit();
    let de = items(&doc, Lang::De);
    let texts: Vec<&str> = de.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(de.len(), 2, "{texts:?}");
    let amount = de.iter().find(|i| i.path == "budget/lines/0/amount").expect("amount item");
    assert_eq!(amount.what, ItemKind::Set);
    assert_eq!(amount.after.as_deref(), Some("4.200,00\u{a0}€"), "{texts:?}");
    assert_eq!(amount.text, "Budgetposten 1 · Betrag: 0,00\u{a0}€ → 4.200,00\u{a0}€");
    let source = de.iter().find(|i| i.path == "budget/lines/0/funding_source").expect("source item");
    assert_eq!(
        source.text, "Budgetposten 1 · Finanzierungsquelle: (leer) → Mittel des Komitees",
        "{texts:?}"
    );
    let en = items(&doc, Lang::En);
    let source = en.iter().find(|i| i.path == "budget/lines/0/funding_source").expect("source item");
    assert_eq!(source.text, "Budget line 1 · Funding source: (empty) → Committee funds", "{en:?}");

    // A list item added is named by the item, without its empty template fields.
    let mut tx = doc.transaction();
    let new = tx.insert_object(&lines, 1, ObjType::Map).expect("line");
    tx.put(&new, "amount", ScalarValue::Int(0)).expect("amount");
    tx.put(&new, "funding_source", "").expect("source");
    tx.commit();
    let added = items(&doc, Lang::En);
    assert_eq!(added.len(), 1, "{added:?}");
    assert_eq!((added[0].what.clone(), added[0].text.as_str()), (ItemKind::Added, "Budget line 2 added"));
    let mut tx = doc.transaction();
    tx.delete(&lines, 0).expect("delete");
    tx.commit();
    let removed = items(&doc, Lang::De);
    assert_eq!(removed.len(), 1, "{removed:?}");
    assert_eq!(removed[0].what, ItemKind::Removed);
    assert!(removed[0].text.ends_with(" 1 entfernt"), "{removed:?}");
}

#[test]
fn a_text_edit_is_a_word_diff() {
    let (mut doc, _, _, summary) = plan();
    let mut tx = doc.transaction();
    tx.update_text(&summary, "We meet in Saint-Pol in May with forty pupils.").expect("text");
    tx.commit();
    let it = items(&doc, Lang::En);
    assert_eq!(it.len(), 1, "{it:?}");
    assert_eq!(it[0].what, ItemKind::Text);
    assert_eq!(it[0].text, "Summary: We meet in [-Warstein-] {+Saint-Pol+} in May with …", "{it:?}");
    assert_eq!(
        it[0].words,
        vec![
            WordSpan { op: SpanOp::Same, text: "We meet in".into() },
            WordSpan { op: SpanOp::Del, text: "Warstein".into() },
            WordSpan { op: SpanOp::Ins, text: "Saint-Pol".into() },
            WordSpan { op: SpanOp::Same, text: "in May with …".into() },
        ]
    );
}

#[test]
fn a_word_diff_is_bounded() {
    let before: String = (0..5000).map(|i| format!("w{i} ")).collect();
    let after: String = (0..5000).map(|i| format!("x{i} ")).collect();
    let spans = word_diff(&before, &after);
    let words: usize = spans.iter().map(|s| s.text.split_whitespace().count()).sum();
    assert!(words <= MAX_SHOWN_WORDS + 1, "{words} words shown");
    assert_eq!(spans.last().map(|s| s.text.as_str()), Some("…"));
    // Several separate edits are found word by word, not as one block.
    let spans = word_diff("a b c d e f g h i j", "a B c d e f g h I j");
    assert_eq!(words_text(&spans), "a [-b-] {+B+} c d e f g h [-i-] {+I+} j");
}

#[test]
fn settling_a_conflict_is_named_as_such_and_sittings_merge_a_field() {
    let (mut doc, _, line, _) = plan();
    let mut other = doc.fork().with_actor(automerge::ActorId::random());
    let mut tx = doc.transaction();
    tx.put(&line, "amount", ScalarValue::Int(420_000)).expect("amount");
    tx.commit();
    let mut tx = other.transaction();
    tx.put(&line, "amount", ScalarValue::Int(380_000)).expect("amount");
    tx.commit();
    doc.merge(&mut other).expect("merge");
    let visible = match doc.get(&line, "amount").expect("get") {
        Some((automerge::Value::Scalar(s), _)) => s.into_owned(),
        other => panic!("{other:?}"),
    };
    // Settle it, keeping the visible value: nothing visible changes.
    let mut tx = doc.transaction();
    tx.put(&line, "amount", visible.clone()).expect("settle");
    tx.commit();
    let en = items(&doc, Lang::En);
    assert_eq!(en.len(), 1, "{en:?}");
    assert_eq!(en[0].what, ItemKind::Settled);
    let kept = format_value(
        Lang::En,
        DocKind::Plan,
        &"budget/lines/0/amount".parse().expect("p"),
        Some(&FieldType::CorrectableMoney),
        &visible,
    );
    assert_eq!(en[0].text, format!("Budget line 1 · Amount: conflict settled, kept {kept}"));
    assert!(en[0].before.as_deref().is_some_and(|b| b.contains(" | ")), "{en:?}");
    let de = items(&doc, Lang::De);
    assert!(de[0].text.contains("Konflikt gelöst"), "{de:?}");

    // Five edits of one field in a sitting: one item, first before and last after.
    let mut all = Vec::new();
    for n in 1..=5 {
        let mut tx = doc.transaction();
        tx.put(&line, "amount", ScalarValue::Int(n * 100)).expect("amount");
        tx.commit();
        let (hash, deps) = last(&doc);
        all.extend(describe(&doc, hash, &deps));
    }
    let merged = render_all(Lang::En, DocKind::Plan, &merge(all.iter()));
    assert_eq!(merged.len(), 1, "{merged:?}");
    assert_eq!(merged[0].before.as_deref(), Some(kept.as_str()));
    assert_eq!(merged[0].after.as_deref(), Some("€5.00"));
}

#[test]
fn days_bound_the_date_filter() {
    assert_eq!(day_bound("1970-01-01", false), Some(0));
    assert_eq!(day_bound("01.01.1970", true), Some(86_400_000 - 1));
    assert_eq!(day_bound("2027-04-30", false), Some(1_809_043_200_000));
    assert_eq!(Timestamp(day_bound("2027-12", true).expect("month")).to_rfc3339(), "2027-12-31T23:59:59Z");
    assert_eq!(day_bound("yesterday", false), None);
}
