//! Markdown rendering of a document view: headings for sections, tables for lists of records
//! (budget lines, participants, work packages), totals where they make sense, and a visible
//! mark on every conflicting value. Headings, column titles and choices are printed in the
//! document's language ([`DocView::lang`]), named by [`crate::labels`].

use std::fmt::Write as _;

use twinmesh_protocol::schema::{DocKind, Field, FieldType, Scalar, format_eur};

use crate::{
    engine::view::{DocView, ViewValue},
    i18n::Lang,
    labels, t,
};

/// What every part of the rendering needs: the kind (for the names' keys) and the language.
#[derive(Clone, Copy)]
struct Ctx {
    kind: DocKind,
    lang: Lang,
}

impl Ctx {
    /// The name of the field `f` found at `names` (its path without list indices).
    fn name(self, names: &[&'static str], f: &Field) -> String {
        let mut all = names.to_vec();
        all.push(f.name);
        labels::name_label(self.lang, self.kind, &all, f)
    }
}

/// Renders a view as Markdown, in the document's language.
pub fn markdown(view: &DocView) -> String {
    let mut out = String::new();
    let ViewValue::Record(fields) = &view.root else {
        return out;
    };
    let ctx = Ctx { kind: view.kind, lang: view.lang };
    let title = fields.iter().find(|(f, _)| f.name == "title").map(|(_, v)| inline(v)).unwrap_or_default();
    let untitled = t!(ctx.lang, "print-untitled");
    let _ = writeln!(out, "# {}\n", if title.is_empty() { &untitled } else { &title });
    let _ = writeln!(out, "*{}*\n", labels::kind_label(ctx.lang, view.kind));
    record_body(&mut out, ctx, &[], fields, 2);
    out
}

fn skip(f: &Field) -> bool {
    matches!(f.name, "title" | "kind" | "schema" | "space" | "lang")
}

fn record_body(
    out: &mut String,
    ctx: Ctx,
    names: &[&'static str],
    fields: &[(&'static Field, ViewValue)],
    level: usize,
) {
    // Scalars first, as a two-column table.
    let scalars: Vec<_> = fields.iter().filter(|(f, _)| !skip(f) && is_inline(f)).collect();
    if !scalars.is_empty() {
        let _ = writeln!(out, "| | |\n|---|---|");
        for (f, v) in &scalars {
            let _ = writeln!(out, "| **{}** | {} |", ctx.name(names, f), cell(&value_text(ctx, names, f, v)));
        }
        out.push('\n');
    }
    for (f, v) in fields.iter().filter(|(f, _)| !skip(f) && !is_inline(f)) {
        let h = "#".repeat(level.min(6));
        let label = ctx.name(names, f);
        let mut sub_names = names.to_vec();
        sub_names.push(f.name);
        match v {
            ViewValue::Text(t) => {
                if !t.trim().is_empty() {
                    let _ = writeln!(out, "{h} {label}\n\n{}\n", t.trim_end());
                }
            }
            ViewValue::Record(sub) => {
                let _ = writeln!(out, "{h} {label}\n");
                record_body(out, ctx, &sub_names, sub, level + 1);
            }
            ViewValue::List(items) => {
                let _ = writeln!(out, "{h} {label}\n");
                list(out, ctx, &sub_names, f, items, level + 1);
            }
            other => {
                let _ = writeln!(out, "{h} {label}\n\n{}\n", inline(other));
            }
        }
    }
}

/// A scalar as printed: a choice by its name in the document's language, yes/no translated,
/// anything else as [`inline`] shows it.
fn value_text(ctx: Ctx, names: &[&'static str], f: &Field, v: &ViewValue) -> String {
    match (f.ty, v) {
        (FieldType::Enum(_), ViewValue::Scalar(Scalar::Str(code))) => {
            let mut all = names.to_vec();
            all.push(f.name);
            let path = twinmesh_protocol::schema::Path(
                all.iter().map(|n| twinmesh_protocol::schema::Seg::Key((*n).to_string())).collect(),
            );
            labels::choice_label(ctx.lang, ctx.kind, &path, code)
        }
        (_, ViewValue::Scalar(Scalar::Bool(true))) => t!(ctx.lang, "print-yes"),
        (_, ViewValue::Scalar(Scalar::Bool(false))) => t!(ctx.lang, "print-no"),
        _ => inline(v),
    }
}

fn is_inline(f: &Field) -> bool {
    f.ty.is_scalar()
}

fn sums(list: &Field, col: &Field) -> bool {
    col.ty.is_money() || (list.name == "participants" && col.ty == FieldType::Int)
}

/// A column's running total: summed in `i128`, so no number of in-range or out-of-range `i64`
/// values can overflow it, with the values it could not count.
#[derive(Default)]
struct Total {
    sum: i128,
    in_conflict: usize,
    invalid: usize,
}

impl Total {
    fn add(&mut self, v: Option<&ViewValue>) {
        match v {
            Some(ViewValue::Scalar(Scalar::Money(n) | Scalar::Int(n))) => self.sum += i128::from(*n),
            Some(ViewValue::Conflict(_)) => self.in_conflict += 1,
            Some(ViewValue::Invalid { .. } | ViewValue::Raw(_)) => self.invalid += 1,
            _ => {}
        }
    }

    fn show(&self, col: &Field) -> String {
        let mut s = if col.ty.is_money() {
            format!("**{}**", format_eur(self.sum))
        } else {
            format!("**{}**", self.sum)
        };
        if self.in_conflict > 0 {
            let _ = write!(s, " + ⚠ {} value(s) in conflict, not counted", self.in_conflict);
        }
        if self.invalid > 0 {
            let _ = write!(s, " + ⚠ {} invalid value(s), not counted", self.invalid);
        }
        s
    }
}

/// A cell: the value, with a negative amount in a correction field marked as such.
fn cell_text(ctx: Ctx, names: &[&'static str], col: &Field, v: &ViewValue) -> String {
    match v {
        ViewValue::Scalar(Scalar::Money(n)) if *n < 0 && col.ty == FieldType::CorrectableMoney => {
            format!("{} ({})", inline(v), t!(ctx.lang, "print-correction"))
        }
        _ => value_text(ctx, names, col, v),
    }
}

/// A list at `names` (the list's own path without indices).
fn list(
    out: &mut String,
    ctx: Ctx,
    names: &[&'static str],
    list_field: &Field,
    items: &[(String, ViewValue)],
    level: usize,
) {
    let FieldType::List(cols) = list_field.ty else { return };
    if items.is_empty() {
        let _ = writeln!(out, "*{}*\n", t!(ctx.lang, "print-none-yet"));
        return;
    }
    let table_cols: Vec<&Field> = cols.iter().filter(|c| is_inline(c)).collect();
    let _ = writeln!(
        out,
        "| # | {} |",
        table_cols.iter().map(|c| ctx.name(names, c)).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(out, "|---|{}|", table_cols.iter().map(|_| "---").collect::<Vec<_>>().join("|"));
    let mut totals: Vec<Option<Total>> =
        table_cols.iter().map(|c| sums(list_field, c).then(Total::default)).collect();
    for (i, (_, rec)) in items.iter().enumerate() {
        let ViewValue::Record(fields) = rec else { continue };
        let mut cells = Vec::new();
        for (ci, c) in table_cols.iter().enumerate() {
            let v = fields.iter().find(|(f, _)| f.name == c.name).map(|(_, v)| v);
            if let Some(total) = &mut totals[ci] {
                total.add(v);
            }
            cells.push(cell(&v.map(|v| cell_text(ctx, names, c, v)).unwrap_or_default()));
        }
        let _ = writeln!(out, "| {} | {} |", i + 1, cells.join(" | "));
    }
    if totals.iter().any(Option::is_some) {
        let cells: Vec<String> = table_cols
            .iter()
            .zip(&totals)
            .map(|(c, t)| t.as_ref().map(|t| t.show(c)).unwrap_or_default())
            .collect();
        let _ = writeln!(out, "| **{}** | {} |", t!(ctx.lang, "print-total"), cells.join(" | "));
    }
    out.push('\n');
    // Prose and nested lists of each record, below the table.
    let h = "#".repeat(level.min(6));
    for (i, (_, rec)) in items.iter().enumerate() {
        let ViewValue::Record(fields) = rec else { continue };
        let has_more = fields.iter().any(|(f, v)| match v {
            ViewValue::Text(t) => !is_inline(f) && !t.trim().is_empty(),
            ViewValue::List(items) => !items.is_empty(),
            _ => false,
        });
        if !has_more {
            continue;
        }
        let name = fields
            .iter()
            .find(|(f, _)| matches!(f.name, "title" | "heading" | "name" | "number" | "code"))
            .map(|(_, v)| inline(v))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| {
                let path = twinmesh_protocol::schema::Path(
                    names
                        .iter()
                        .map(|n| twinmesh_protocol::schema::Seg::Key((*n).to_string()))
                        .chain([twinmesh_protocol::schema::Seg::Index(i)])
                        .collect(),
                );
                labels::field_label(ctx.lang, ctx.kind, &path)
            });
        let _ = writeln!(out, "{h} {name}\n");
        for (f, v) in fields.iter().filter(|(f, _)| !is_inline(f)) {
            match v {
                ViewValue::Text(t) if !t.trim().is_empty() => {
                    let _ = writeln!(out, "**{}:** {}\n", ctx.name(names, f), t.trim_end());
                }
                ViewValue::List(sub) if !sub.is_empty() => {
                    let _ = writeln!(out, "**{}**\n", ctx.name(names, f));
                    let mut sub_names = names.to_vec();
                    sub_names.push(f.name);
                    list(out, ctx, &sub_names, f, sub, level + 1);
                }
                _ => {}
            }
        }
    }
}

fn inline(v: &ViewValue) -> String {
    match v {
        ViewValue::Text(t) => t.clone(),
        ViewValue::Scalar(s) => s.display(),
        ViewValue::Raw(r) => r.clone(),
        ViewValue::Conflict(vals) => format!(
            "⚠ CONFLICT: {}",
            vals.iter()
                .map(|c| format!("{} ({})", c.value.display(), c.author))
                .collect::<Vec<_>>()
                .join(" / ")
        ),
        ViewValue::Invalid { value, reason } => format!("⚠ INVALID: {} ({reason})", value.display()),
        ViewValue::Record(_) | ViewValue::List(_) => String::new(),
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use twinmesh_protocol::schema::{DocKind, MAX_AMOUNT_CENTS};

    use super::*;
    use crate::engine::view::ConflictValue;

    fn field(fields: &'static [Field], name: &str) -> &'static Field {
        fields.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no field {name}"))
    }

    /// A plan whose budget has these lines (amount only).
    fn plan_with_lines(amounts: Vec<ViewValue>) -> DocView {
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
            lang: Lang::En,
            root: ViewValue::Record(vec![(budget, ViewValue::Record(vec![(lines, ViewValue::List(items))]))]),
        }
    }

    fn total_line(md: &str) -> &str {
        md.lines().find(|l| l.starts_with("| **Total**")).expect("a total line")
    }

    #[test]
    fn a_line_in_conflict_is_named_in_the_total_not_silently_left_out() {
        let conflict = ViewValue::Conflict(vec![
            ConflictValue { value: Scalar::Money(10_000), author: "Warstein".into() },
            ConflictValue { value: Scalar::Money(20_000), author: "Saint-Pol".into() },
        ]);
        let md = markdown(&plan_with_lines(vec![ViewValue::Scalar(Scalar::Money(260_000)), conflict]));
        let total = total_line(&md);
        assert!(
            total.contains("2,600.00 EUR") && total.contains("1 value(s) in conflict, not counted"),
            "{total}"
        );
    }

    #[test]
    fn totals_do_not_wrap_and_invalid_values_are_marked_and_left_out() {
        // Two of the lines, as a node before the bounds would have shown them.
        let huge = ViewValue::Scalar(Scalar::Money(i64::MAX));
        let md = markdown(&plan_with_lines(vec![huge.clone(), huge]));
        assert!(total_line(&md).contains("184,467,440,737,095,516.14 EUR"), "{md}");
        // What the view makes of such a value today: marked, not counted.
        let invalid = ViewValue::Invalid { value: Scalar::Money(i64::MAX), reason: "out of range".into() };
        let correction = ViewValue::Scalar(Scalar::Money(-MAX_AMOUNT_CENTS));
        let md = markdown(&plan_with_lines(vec![invalid, correction]));
        assert!(md.contains("⚠ INVALID: 92,233,720,368,547,758.07 EUR (out of range)"), "{md}");
        assert!(md.contains("-100,000,000.00 EUR (correction)"), "{md}");
        let total = total_line(&md);
        assert!(total.contains("**-100,000,000.00 EUR** + ⚠ 1 invalid value(s), not counted"), "{total}");
    }
}
