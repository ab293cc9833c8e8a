//! A document as Markdown: its [`Outline`] laid out as headings, paragraphs and pipe tables,
//! so the Markdown, the print view and the office files say the same thing in the same order
//! (a plan in EU Part B order), in the document's language.

use std::fmt::Write as _;

use super::outline::{Block, Outline, Table, outline};
use crate::engine::view::DocView;

/// Renders a view as Markdown, in the document's language.
pub fn markdown(view: &DocView) -> String {
    layout(&outline(view))
}

fn layout(o: &Outline) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", one_line(&o.title));
    let _ = writeln!(out, "*{}*\n", one_line(&o.kind));
    for block in &o.blocks {
        match block {
            Block::Heading { level, text } => {
                // The title is the only level-1 heading; the outline's level 1 is a section.
                let hashes = "#".repeat((usize::from(*level) + 1).min(6));
                let _ = writeln!(out, "{hashes} {}\n", one_line(text));
            }
            Block::Paragraph { label: Some(label), text } => {
                let _ = writeln!(out, "**{}:** {}\n", one_line(label), text.trim_end());
            }
            Block::Paragraph { label: None, text } => {
                let _ = writeln!(out, "{}\n", text.trim_end());
            }
            Block::Table(t) => table(&mut out, t),
        }
    }
    out
}

/// A pipe table. A table without a header is a list of label/value pairs: labels in bold.
fn table(out: &mut String, t: &Table) {
    let columns = t.columns().max(1);
    if t.header.is_empty() {
        let _ = writeln!(out, "|{}", " |".repeat(columns));
    } else {
        row(out, columns, &t.header, |_| false);
    }
    let rule: Vec<&str> = (0..columns)
        .map(|i| if t.numeric.get(i).copied().unwrap_or(false) { "---:" } else { "---" })
        .collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    let labels = t.header.is_empty();
    for cells in &t.rows {
        row(out, columns, cells, |i| labels && i == 0);
    }
    if let Some(total) = &t.total {
        row(out, columns, total, |_| true);
    }
    out.push('\n');
}

/// One table row of `columns` cells, those for which `bold` holds in bold.
fn row(out: &mut String, columns: usize, cells: &[String], bold: impl Fn(usize) -> bool) {
    let mut line = String::from("|");
    for i in 0..columns {
        let text = cells.get(i).map(|c| cell(c)).unwrap_or_default();
        if bold(i) && !text.is_empty() {
            let _ = write!(line, " **{text}** |");
        } else {
            let _ = write!(line, " {text} |");
        }
    }
    let _ = writeln!(out, "{line}");
}

/// A table cell: pipes escaped, line breaks as spaces.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A heading or title on one line.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use twinmesh_protocol::schema::{DocKind, Field, FieldType, MAX_AMOUNT_CENTS, Scalar};

    use super::*;
    use crate::{
        engine::view::{ConflictValue, ViewValue},
        i18n::Lang,
    };

    fn field(fields: &'static [Field], name: &str) -> &'static Field {
        fields.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}"))
    }

    /// A plan whose budget has these lines (amount only), in `lang`.
    fn plan_with_lines(lang: Lang, amounts: Vec<ViewValue>) -> DocView {
        let budget = field(DocKind::Plan.fields(), "budget");
        let FieldType::Record(budget_fields) = budget.ty else { panic!("budget is a record") };
        let lines = field(budget_fields, "lines");
        let FieldType::List(line_fields) = lines.ty else { panic!("lines is a list") };
        let items = amounts
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("l{i}"), ViewValue::Record(vec![(field(line_fields, "amount"), v)])))
            .collect();
        DocView {
            kind: DocKind::Plan,
            lang,
            root: ViewValue::Record(vec![(budget, ViewValue::Record(vec![(lines, ViewValue::List(items))]))]),
        }
    }

    fn total_line(md: &str, total: &str) -> String {
        md.lines().find(|l| l.starts_with(&format!("| **{total}**"))).expect("a total line").to_string()
    }

    #[test]
    fn a_line_in_conflict_is_named_in_the_total_not_silently_left_out() {
        let conflict = ViewValue::Conflict(vec![
            ConflictValue { value: Scalar::Money(10_000), author: "Warstein".into() },
            ConflictValue { value: Scalar::Money(20_000), author: "Saint-Pol".into() },
        ]);
        let md =
            markdown(&plan_with_lines(Lang::En, vec![ViewValue::Scalar(Scalar::Money(260_000)), conflict]));
        assert!(md.contains("⚠ Conflict: €100.00 (Warstein) / €200.00 (Saint-Pol)"), "{md}");
        let total = total_line(&md, "Total");
        assert!(total.contains("€2,600.00") && total.contains("1 value in conflict, not counted"), "{total}");
        // The same in German, with German numbers.
        let conflict = ViewValue::Conflict(vec![
            ConflictValue { value: Scalar::Money(10_000), author: "Warstein".into() },
            ConflictValue { value: Scalar::Money(20_000), author: "Saint-Pol".into() },
        ]);
        let md =
            markdown(&plan_with_lines(Lang::De, vec![ViewValue::Scalar(Scalar::Money(260_000)), conflict]));
        let total = total_line(&md, "Summe");
        assert!(total.contains("2.600,00\u{a0}€") && total.contains("1 Wert im Konflikt"), "{total}");
    }

    #[test]
    fn totals_do_not_wrap_and_invalid_values_are_marked_and_left_out() {
        let huge = ViewValue::Scalar(Scalar::Money(i64::MAX));
        let md = markdown(&plan_with_lines(Lang::En, vec![huge.clone(), huge]));
        assert!(total_line(&md, "Total").contains("€184,467,440,737,095,516.14"), "{md}");
        let invalid = ViewValue::Invalid { value: Scalar::Money(i64::MAX), reason: "out of range".into() };
        let correction = ViewValue::Scalar(Scalar::Money(-MAX_AMOUNT_CENTS));
        let md = markdown(&plan_with_lines(Lang::En, vec![invalid, correction]));
        assert!(md.contains("⚠ Invalid: €92,233,720,368,547,758.07 (out of range)"), "{md}");
        assert!(md.contains("-€100,000,000.00 (correction)"), "{md}");
        let total = total_line(&md, "Total");
        assert!(
            total.contains("-€100,000,000.00") && total.contains("1 invalid value, not counted"),
            "{total}"
        );
    }

    #[test]
    fn pipes_in_values_do_not_break_a_table() {
        let o = Outline {
            title: "A | B".into(),
            kind: "Plan".into(),
            lang: Lang::En,
            blocks: vec![Block::Table(Table {
                header: vec!["Name".into(), "Amount".into()],
                rows: vec![vec!["x | y\nz".into(), "1".into()]],
                total: None,
                numeric: vec![false, true],
            })],
        };
        let md = layout(&o);
        assert!(md.contains("| x \\| y z | 1 |"), "{md}");
        assert!(md.contains("|---|---:|"), "{md}");
    }
}
